#include "net/socket_deadline.h"

namespace sluice::net {

std::shared_ptr<SocketDeadline> SocketDeadline::Create(boost::asio::ip::tcp::socket& socket) {
  return std::make_shared<SocketDeadline>(socket);
}

SocketDeadline::SocketDeadline(boost::asio::ip::tcp::socket& socket)
    : socket_(&socket), timer_(socket.get_executor()) {}

void SocketDeadline::ArmAt(TimePoint when) {
  deadline_ = when;
  expired_ = false;
  if (waiting_ && timer_.expiry() <= when) return;  // fires early and re-arms itself
  timer_.expires_at(when);                          // cancels a later pending wait, if any
  Wait();
}

void SocketDeadline::Wait() {
  waiting_ = true;
  timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) { self->OnTimer(ec); });
}

void SocketDeadline::OnTimer(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::operation_aborted) return;  // superseded by a newer wait
  waiting_ = false;
  if (socket_ == nullptr || deadline_ == TimePoint::max()) return;
  if (std::chrono::steady_clock::now() < deadline_) {
    timer_.expires_at(deadline_);
    Wait();
    return;
  }
  expired_ = true;
  deadline_ = TimePoint::max();
  boost::system::error_code ignored;
  socket_->cancel(ignored);
}

void SocketDeadline::Detach() {
  socket_ = nullptr;
  deadline_ = TimePoint::max();
  timer_.cancel();
}

}  // namespace sluice::net
