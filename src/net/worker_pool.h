#pragma once
// N worker threads, each running its own io_context, so a connection and everything it touches
// (its upstream pools, timers) stay on one thread and the hot path takes no locks (DESIGN §3).
//
// Thread-safety: Start/Stop/Join from the control thread; context(i) is safe from any thread.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace sluice::net {

class WorkerPool {
 public:
  // threads == 0 means one per core.
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] std::size_t size() const { return contexts_.size(); }
  [[nodiscard]] boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }

  void Start();
  // Lets the contexts finish once they run out of work (graceful).
  void ReleaseWork();
  // Stops every context at once (SIGINT, end of drain).
  void Stop();
  void Join();
  // Destroys the contexts, and with them every pending handler and coroutine frame. Call after
  // Join, while the objects those frames reference are still alive.
  void DestroyContexts();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::optional<WorkGuard>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::net
