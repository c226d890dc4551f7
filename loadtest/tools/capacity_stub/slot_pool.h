#pragma once
// A fixed number of worker slots with a FIFO of waiters: what makes the stub behave like a real
// server with N workers (requests beyond N wait, in arrival order, and are not refused).
//
// Owned by one io_context thread: no locks, every call runs on that thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <deque>

namespace sluice::loadtest {

class SlotPool {
 public:
  // Holds one slot; gives it back (to the oldest waiter, if any) when destroyed.
  class Permit {
   public:
    explicit Permit(SlotPool* pool) : pool_(pool) {}
    Permit(Permit&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    ~Permit() {
      if (pool_ != nullptr) pool_->Release();
    }

   private:
    SlotPool* pool_;
  };

  explicit SlotPool(std::size_t slots) : free_(slots) {}
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // Completes at once while a slot is free, else when this caller reaches the head of the FIFO.
  [[nodiscard]] boost::asio::awaitable<Permit> Acquire();

  [[nodiscard]] std::size_t waiting() const { return waiters_.size(); }
  [[nodiscard]] std::size_t max_waiting() const { return max_waiting_; }

 private:
  struct Waiter {
    boost::asio::steady_timer* wakeup;
    bool granted = false;
  };

  void Release();

  std::size_t free_;
  std::deque<Waiter*> waiters_;
  std::size_t max_waiting_ = 0;
};

}  // namespace sluice::loadtest
