// sluice-demo-backend: a small, fast HTTP/1.1 origin for `make run`, the process tests and the
// load tests. See routes.h for the endpoints.
//
//   sluice-demo-backend --listen 127.0.0.1:9000 [--threads N]
//
// Prints "listening on HOST:PORT" (the bound port, so port 0 works) once ready; SIGINT and
// SIGTERM stop it with exit status 0.
#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "demo_backend/server.h"

namespace {

using boost::asio::ip::tcp;

constexpr std::string_view kUsage = "usage: sluice-demo-backend --listen HOST:PORT [--threads N]\n";

struct Options {
  std::string listen = "127.0.0.1:9000";
  unsigned threads = 1;
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") return false;
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (arg == "--listen" || arg == "-l") {
      options.listen = value;
    } else if (arg == "--threads" || arg == "-t") {
      try {
        const int n = std::stoi(value);
        if (n < 1 || n > 1024) return false;
        options.threads = static_cast<unsigned>(n);
      } catch (const std::exception&) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

// "HOST:PORT" or "[V6]:PORT"; HOST may be a name, resolved once at startup.
tcp::endpoint ResolveListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--listen wants HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, listen.substr(colon + 1),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
  return results.begin()->endpoint();
}

std::string Format(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::cerr << kUsage;
    return 2;
  }

  // Block the stop signals before any thread starts so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    sluice::demo_backend::Server server(ResolveListen(options.listen), options.threads);
    server.Start();
    std::cout << "listening on " << Format(server.local_endpoint()) << std::endl;
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.Stop();
  } catch (const boost::system::system_error& e) {
    std::cerr << "sluice-demo-backend: " << options.listen << ": " << e.code().message() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "sluice-demo-backend: " << options.listen << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
