#pragma once
// A deadline for the operations pending on one socket. When it passes, the socket's pending
// operations are cancelled (not closed, so the owner can still answer, e.g. with a 408) and
// `expired()` tells why they ended.
//
// Cheap to move: the timer is re-armed lazily. Moving the deadline later costs nothing (the
// timer fires early, sees the new deadline and waits again); only moving it earlier touches the
// timer queue. Most requests only ever push their deadlines later.
//
// Thread-safety: owned by one worker; every call on the socket's executor. The owner must call
// Detach() before the socket is destroyed.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace sluice::net {

class SocketDeadline : public std::enable_shared_from_this<SocketDeadline> {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  [[nodiscard]] static std::shared_ptr<SocketDeadline> Create(boost::asio::ip::tcp::socket& socket);

  // Sets the deadline for what the owner does next; clears `expired()`.
  void ArmAt(TimePoint when);
  void ArmAfter(std::chrono::milliseconds timeout) {
    ArmAt(std::chrono::steady_clock::now() + timeout);
  }
  // No deadline until the next Arm (the pending timer, if any, lapses on its own).
  void Disarm() { deadline_ = TimePoint::max(); }
  [[nodiscard]] bool expired() const { return expired_; }
  // The socket is going away: never touch it again.
  void Detach();

  // Public for make_shared only; use Create.
  SocketDeadline(boost::asio::ip::tcp::socket& socket);

 private:
  void Wait();
  void OnTimer(const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket* socket_;
  boost::asio::steady_timer timer_;
  TimePoint deadline_ = TimePoint::max();
  bool waiting_ = false;
  bool expired_ = false;
};

}  // namespace sluice::net
