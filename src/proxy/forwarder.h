#pragma once
// One request through the gateway: route, forward to a pooled upstream connection with both
// bodies streamed through one bounded buffer, answer, and record. Lives in the request's
// coroutine frame; every exit path ends in exactly one response (or a client that went away)
// and one access-log line.
//
// Thread-safety: owned by the request's worker.
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "control/cluster_recorder.h"
#include "http/server_exchange.h"
#include "proxy/admission_step.h"
#include "proxy/gateway_handler.h"
#include "proxy/header_rewriter.h"
#include "upstream/upstream_exchange.h"
#include "upstream/worker_pool.h"

namespace sluice::proxy {

class Forwarder {
 public:
  Forwarder(GatewayHandler& gateway, http::ServerExchange& exchange,
            const RuntimeSnapshot& snapshot);

  boost::asio::awaitable<void> Run();
  void Record();

 private:
  enum class BodyOutcome { kSent, kUpstreamFailed, kAnswered };

  boost::asio::awaitable<void> Forward();
  boost::asio::awaitable<BodyOutcome> RelayRequestBody(upstream::UpstreamExchange& ux,
                                                       upstream::UpstreamError& error);
  boost::asio::awaitable<void> RelayResponse(upstream::UpstreamExchange& ux);
  boost::asio::awaitable<void> UpstreamFailure(upstream::UpstreamError error);
  boost::asio::awaitable<void> Reply(http::Status status, std::string_view reason,
                                     std::string_view text);
  boost::asio::awaitable<void> Reject(Rejection rejection);
  void ClientGone();
  // Requests in flight to the route's cluster, this one included (the controller's load curve).
  [[nodiscard]] uint32_t InflightToCluster() const;
  void CompleteSample(std::optional<control::InflightEntry>& sample, upstream::UpstreamError error);
  void NoteShadowLimited(std::size_t worker);

  GatewayHandler& gateway_;
  http::ServerExchange& exchange_;
  const RuntimeSnapshot& snapshot_;
  const RouteRuntime* route_ = nullptr;
  std::chrono::steady_clock::time_point start_;

  std::string request_id_;
  // Views into the request head, which the front end keeps until the exchange ends.
  std::string_view method_;
  std::string_view target_;
  int status_ = 0;
  std::string_view reason_;
  int endpoint_ = -1;
  double upstream_seconds_ = -1;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  std::string_view tenant_;
  std::string_view class_;
  std::string_view decision_;
  double queue_wait_seconds_ = 0;
  const http::Fields* success_headers_ = nullptr;  // RateLimit on success, if configured
  // Via and X-Request-Id for the response: the front end reads them until the response ends.
  ForwardedResponseFields response_fields_;

  // Sized to the body it relays, up to kMaxRelayBuffer.
  boost::asio::mutable_buffer RelayBuffer(std::optional<uint64_t> body_length);

  // One relay buffer per request, used for the request body and then the response body. On the
  // heap and sized to the body when its length is known: a 16 KiB array here made every request's
  // coroutine frame a 16 KiB allocation, which sent glibc's malloc into consolidating its free
  // lists once per request (~3 % of the CPU per HTTP/2 request at 100 streams).
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_size_ = 0;
};

}  // namespace sluice::proxy
