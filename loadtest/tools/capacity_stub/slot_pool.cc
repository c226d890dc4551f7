#include "capacity_stub/slot_pool.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::loadtest {

namespace asio = boost::asio;

asio::awaitable<SlotPool::Permit> SlotPool::Acquire() {
  if (free_ > 0) {
    --free_;
    co_return Permit(this);
  }
  // Park on a timer that never fires by itself; Release() cancels it to hand the slot over.
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer wakeup(executor, asio::steady_timer::time_point::max());
  Waiter waiter{&wakeup};
  waiters_.push_back(&waiter);
  // A frame destroyed while parked (io_context torn down at exit) must not stay in the FIFO.
  struct Unlink {
    std::deque<Waiter*>& fifo;
    Waiter& self;
    ~Unlink() {
      if (!self.granted) std::erase(fifo, &self);
    }
  } unlink{waiters_, waiter};
  max_waiting_ = std::max(max_waiting_, waiters_.size());
  while (!waiter.granted) {
    auto [ec] = co_await wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // operation_aborted is the hand-over itself
  }
  co_return Permit(this);
}

void SlotPool::Release() {
  if (waiters_.empty()) {
    ++free_;
    return;
  }
  // The slot passes straight to the oldest waiter, so a newcomer can never overtake it.
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  next->wakeup->cancel();
}

}  // namespace sluice::loadtest
