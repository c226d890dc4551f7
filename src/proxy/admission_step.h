#pragma once
// Admission for one request (DESIGN §4): identify the tenant, charge its token bucket (429 when
// empty), then take a slot at the cluster's concurrency gate or wait for one in the fair queue
// (503 when the queue is full, sheds, or the wait runs out). 429 means "you exceeded your
// share"; 503 means "short of capacity for everyone"; they are never mixed.
//
// The wait bridges the thread-safe queue to the request's coroutine: the queue's callback posts
// the outcome to the request's executor and cancels the waiter's timer; the timer's own expiry
// is the request's deadline.
//
// Thread-safety: owned by the request's worker.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "admission/client_deadline.h"
#include "admission/cluster_admission.h"
#include "admission/tenant_registry.h"
#include "http/server_exchange.h"
#include "observability/decision_counters.h"
#include "proxy/runtime_snapshot.h"

namespace sluice::proxy {

// A local reply that admission decided on.
struct Rejection {
  http::Status status = http::Status::too_many_requests;
  std::string_view reason;   // X-Sluice-Reason
  http::Fields headers;      // Retry-After, RateLimit*, Cache-Control, WWW-Authenticate
  std::string body;          // application/problem+json (RFC 9457)
  bool client_gone = false;  // nobody to answer: log and count only
};

// Holds a cluster slot; returns it (to the next waiter, or the gate) when the request ends.
class SlotPermit {
 public:
  SlotPermit() = default;
  explicit SlotPermit(admission::ClusterAdmission* cluster) : cluster_(cluster) {}
  SlotPermit(SlotPermit&& o) noexcept : cluster_(std::exchange(o.cluster_, nullptr)) {}
  SlotPermit& operator=(SlotPermit&& o) noexcept {
    Release();
    cluster_ = std::exchange(o.cluster_, nullptr);
    return *this;
  }
  ~SlotPermit() { Release(); }
  void Release();

 private:
  admission::ClusterAdmission* cluster_ = nullptr;
};

// What one worker keeps across its requests' admission steps.
struct AdmissionWorkerState {
  explicit AdmissionWorkerState(uint32_t seed) : rng(seed) {}
  std::minstd_rand rng;  // Retry-After jitter
  observability::DecisionCounters decisions;
};

class AdmissionStep {
 public:
  AdmissionStep(const RuntimeSnapshot& snapshot, const RouteRuntime& route,
                http::ServerExchange& exchange, AdmissionWorkerState& worker);

  // What can be decided at once: admitted (rejection empty), rejected, or the request must wait
  // in the cluster's queue for a slot (WaitForSlot). Most requests never wait, and deciding
  // them without a coroutine saves its frame per request.
  struct Immediate {
    bool must_wait = false;
    std::optional<Rejection> rejection;
  };
  Immediate DecideNow();
  // After DecideNow said must_wait: nullopt once admitted.
  boost::asio::awaitable<std::optional<Rejection>> WaitForSlot();

  // Both in one. nullopt: admitted (the slot, if any, is held until this object goes away).
  boost::asio::awaitable<std::optional<Rejection>> Run();

  [[nodiscard]] std::string_view tenant() const { return tenant_name_; }
  [[nodiscard]] std::string_view priority_class() const { return class_name_; }
  [[nodiscard]] std::string_view decision() const { return decision_; }
  [[nodiscard]] double queue_wait_seconds() const { return queue_wait_seconds_; }
  // RateLimit headers to add to a successful response (when configured), else empty.
  [[nodiscard]] const http::Fields& success_headers() const { return success_headers_; }

 private:
  std::optional<Rejection> ChargeTenant();
  std::optional<Rejection> ChargeShare();
  Rejection QuotaExceeded(const admission::GcraDecision& d, uint32_t burst,
                          std::chrono::nanoseconds refill, std::string_view reason);
  Rejection Overloaded(std::string_view reason);
  Rejection Unidentified();
  Rejection ClientGone();
  [[nodiscard]] admission::HeaderLookup HeaderLookup() const;
  [[nodiscard]] admission::IdentityInput MakeIdentityInput() const;
  void Count(std::string_view decision, std::string_view reason);

  const RuntimeSnapshot& snapshot_;
  const RouteRuntime& route_;
  http::ServerExchange& exchange_;
  AdmissionWorkerState& worker_;
  admission::TenantRef tenant_;
  std::string_view tenant_name_ = "other";
  std::string_view class_name_;
  uint32_t class_index_ = 0;
  bool tenant_set_class_ = false;
  std::string_view decision_ = "admitted";
  std::string_view shadow_reason_;  // why a shadow tenant would have been rejected
  double queue_wait_seconds_ = 0;
  http::Fields success_headers_;
  SlotPermit slot_;
};

}  // namespace sluice::proxy
