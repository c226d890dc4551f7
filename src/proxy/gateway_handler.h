#pragma once
// The request pipeline (DESIGN §1): classify (route) → forward (pooled upstream, bodies
// streamed both ways) → respond → record (metrics, access log). Admission plugs in between
// classify and forward in a later issue.
//
// Thread-safety: one instance shared by all workers. The snapshot pointer is an atomic
// shared_ptr (writer: control thread on reload; readers: every request); per-worker state
// (request id generators) is indexed by the worker and touched only by that worker.
#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <vector>

#include "http/request_handler.h"
#include "observability/access_log.h"
#include "proxy/admission_step.h"
#include "proxy/request_id.h"
#include "proxy/runtime_snapshot.h"

namespace sluice::proxy {

class GatewayHandler final : public http::RequestHandler {
 public:
  GatewayHandler(std::size_t workers, observability::AccessLog& access_log,
                 std::shared_ptr<spdlog::logger> log);

  void Publish(std::shared_ptr<const RuntimeSnapshot> snapshot);
  [[nodiscard]] std::shared_ptr<const RuntimeSnapshot> snapshot() const;

  boost::asio::awaitable<void> Handle(http::ServerExchange& exchange) override;

 private:
  friend class Forwarder;
  // One generator per worker, each on its own cache line so workers never share one.
  struct alignas(64) WorkerState {
    explicit WorkerState(uint64_t seed) : ids(seed), admission(static_cast<uint32_t>(seed)) {}
    RequestIdGenerator ids;
    AdmissionWorkerState admission;
  };

  std::atomic<std::shared_ptr<const RuntimeSnapshot>> snapshot_;
  std::vector<WorkerState> workers_;
  observability::AccessLog& access_log_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace sluice::proxy
