#pragma once
// One configured listening address served by every worker: each worker owns an acceptor bound
// with SO_REUSEPORT, so the kernel spreads connections and no accept lock is shared.
// Running out of descriptors (EMFILE/ENFILE) pauses that worker's accepting briefly instead of
// spinning on the error; connections already open keep being served.
//
// Thread-safety: Open/Close from the control thread; each acceptor lives on its worker.
#include <spdlog/logger.h>

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/worker_pool.h"

namespace sluice::net {

class Listener {
 public:
  using OnConnection = std::function<void(boost::asio::ip::tcp::socket, std::size_t worker)>;

  Listener(std::string name, WorkerPool& workers, std::shared_ptr<spdlog::logger> log,
           OnConnection on_connection);
  ~Listener();

  // Binds every worker's acceptor; port 0 picks one ephemeral port shared by all of them.
  // Throws std::system_error naming the address on failure.
  void Open(const std::string& host, uint16_t port);
  // Starts the accept loops (after the workers run or before; both work).
  void Start();
  // Stops accepting; queued-but-unaccepted connections are refused by the kernel.
  void Close();

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  struct Acceptor;
  std::string name_;
  WorkerPool& workers_;
  std::shared_ptr<spdlog::logger> log_;
  OnConnection on_connection_;
  std::vector<std::shared_ptr<Acceptor>> acceptors_;
  uint16_t port_ = 0;
};

}  // namespace sluice::net
