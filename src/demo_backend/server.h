#pragma once
// The demo backend's listener: one io_context per thread, each with its own SO_REUSEPORT acceptor
// on the same port, so the kernel spreads connections and a connection never changes thread.
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace sluice::demo_backend {

// Construct, Start and Stop from one thread; afterwards each worker thread touches only its own
// io_context and the sessions on it.
class Server {
 public:
  // Binds every acceptor before returning (port 0 picks one port shared by all threads).
  // Throws boost::system::system_error when the address cannot be bound.
  Server(const boost::asio::ip::tcp::endpoint& listen, unsigned threads);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  void Start();
  // Stops every io_context and joins the threads; open connections are dropped.
  void Stop();

 private:
  struct Worker;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::demo_backend
