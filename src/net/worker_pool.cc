#include "net/worker_pool.h"

namespace sluice::net {

WorkerPool::WorkerPool(std::size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < threads; ++i) {
    // Each context is run by exactly one thread, and a socket or timer is only ever touched from
    // its own worker (other threads post to the context, which stays locked): Asio can skip the
    // per-descriptor lock it would otherwise take twice for every read and write.
    contexts_.push_back(
        std::make_unique<boost::asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
    guards_.emplace_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

WorkerPool::~WorkerPool() {
  Stop();
  Join();
  DestroyContexts();
}

void WorkerPool::DestroyContexts() {
  guards_.clear();
  contexts_.clear();
}

void WorkerPool::Start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

void WorkerPool::ReleaseWork() {
  for (auto& g : guards_) g.reset();
}

void WorkerPool::Stop() {
  ReleaseWork();
  for (auto& ctx : contexts_) ctx->stop();
}

void WorkerPool::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace sluice::net
