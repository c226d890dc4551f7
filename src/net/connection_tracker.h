#pragma once
// Knows every open downstream connection of one worker so a drain can reach them: idle ones
// close at once, busy ones finish their current response and then close.
//
// Thread-safety: owned by one worker; call only on that worker's executor, except open(). The
// total count is an atomic shared by all trackers so the control thread can watch the drain.
#include <atomic>
#include <cstddef>
#include <unordered_set>

namespace sluice::net {

class DrainableConnection {
 public:
  virtual ~DrainableConnection() = default;
  // Stop taking new requests; close now if idle, else after the response in flight.
  virtual void BeginDrain() = 0;
};

class ConnectionTracker {
 public:
  // total: process-wide count of open connections (writers: trackers; reader: control thread;
  // relaxed order is enough, it is only polled to decide when a drain is over).
  explicit ConnectionTracker(std::atomic<std::size_t>& total) : total_(total) {}

  void Add(DrainableConnection* c) {
    connections_.insert(c);
    total_.fetch_add(1, std::memory_order_relaxed);
    open_.store(connections_.size(), std::memory_order_relaxed);
    if (draining_) c->BeginDrain();
  }
  void Remove(DrainableConnection* c) {
    if (connections_.erase(c) != 0) total_.fetch_sub(1, std::memory_order_relaxed);
    open_.store(connections_.size(), std::memory_order_relaxed);
  }
  void DrainAll() {
    draining_ = true;
    // BeginDrain may close a connection, which calls Remove: iterate over a copy.
    auto copy = connections_;
    for (auto* c : copy) c->BeginDrain();
  }
  [[nodiscard]] bool draining() const { return draining_; }
  [[nodiscard]] std::size_t size() const { return connections_.size(); }
  // size() for other threads (writer: this worker; relaxed: a snapshot for tests and stats).
  [[nodiscard]] std::size_t open() const { return open_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::size_t>& total_;
  std::unordered_set<DrainableConnection*> connections_;
  std::atomic<std::size_t> open_{0};
  bool draining_ = false;
};

}  // namespace sluice::net
