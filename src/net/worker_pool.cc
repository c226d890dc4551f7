#include "net/worker_pool.h"

namespace sluice::net {

WorkerPool::WorkerPool(std::size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < threads; ++i) {
    // concurrency_hint 1: each context is driven by exactly one thread, so Asio can skip locking.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
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
