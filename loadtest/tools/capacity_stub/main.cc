// sluice-capacity-stub: a backend with a known capacity for loadtest/noisy_tenant.sh. N worker
// slots, each request holds one for a service time (fixed or exponential); requests beyond N wait
// in FIFO order inside the stub, as they would in a real server's accept/worker queue. Capacity is
// slots / mean service time (8 slots × 20 ms = 400 req/s).
//
//   sluice-capacity-stub --listen 127.0.0.1:19100 [--slots 8] [--service 20ms]
//                        [--distribution fixed|exponential] [--seed 1]
//                        [--schedule 10s:x3,25s:x1]
//
// --schedule changes the service time at offsets from the stub's start (x3: three times the
// --service value); POST /control?schedule=... arms the same from the moment of the request
// (what loadtest/slowdown.sh uses, so the schedule lines up with the load generator's clock).
// See stub_server.h for the control path.
//
// Prints "listening on HOST:PORT" once ready. SIGINT/SIGTERM stop it and print one line of
// statistics (served, mean and max wait for a slot, most requests waiting at once).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capacity_stub/stub_server.h"
#include "common/cli_parse.h"

namespace {

using sluice::loadtest::ServiceTime;

constexpr std::string_view kUsage =
    "usage: sluice-capacity-stub --listen HOST:PORT [--slots N] [--service DURATION]\n"
    "                            [--distribution fixed|exponential] [--seed N]\n"
    "                            [--schedule 10s:x3,25s:x1]\n";

struct Options {
  boost::asio::ip::tcp::endpoint listen;
  std::size_t slots = 8;
  std::chrono::nanoseconds service = std::chrono::milliseconds(20);
  ServiceTime::Distribution distribution = ServiceTime::Distribution::kFixed;
  std::uint64_t seed = 1;
  std::vector<sluice::loadtest::ServiceStep> schedule;
};

bool ParseOptions(int argc, char** argv, Options& options) {
  bool have_listen = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    const std::string_view value = argv[i + 1];
    if (arg == "--listen") {
      const auto endpoint = sluice::loadtest::ParseEndpoint(value);
      if (!endpoint) return false;
      options.listen = *endpoint;
      have_listen = true;
    } else if (arg == "--slots" || arg == "--seed") {
      const auto n = sluice::loadtest::ParseNumber(value);
      if (!n || *n < 1 || *n != static_cast<double>(static_cast<std::uint64_t>(*n))) return false;
      (arg == "--slots" ? options.slots : options.seed) = static_cast<std::size_t>(*n);
    } else if (arg == "--service") {
      const auto d = sluice::loadtest::ParseDuration(value);
      if (!d) return false;
      options.service = *d;
    } else if (arg == "--schedule") {
      auto steps = sluice::loadtest::ParseServiceSchedule(value);
      if (!steps) return false;
      options.schedule = std::move(*steps);
    } else if (arg == "--distribution") {
      if (value == "fixed") {
        options.distribution = ServiceTime::Distribution::kFixed;
      } else if (value == "exponential") {
        options.distribution = ServiceTime::Distribution::kExponential;
      } else {
        return false;
      }
    } else {
      return false;
    }
  }
  return have_listen && argc % 2 == 1;
}

double Millis(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::cerr << kUsage;
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    // One thread: 400 req/s of 3-byte replies is far below what one core serves, and a single
    // thread lets the slot pool do without locks.
    sluice::loadtest::SlotPool slots(options.slots);  // outlives ioc: see stub_server.h
    boost::asio::io_context ioc(1);
    sluice::loadtest::StubServer server(
        ioc, options.listen, slots,
        ServiceTime(options.service, options.distribution, options.seed));
    boost::asio::signal_set stop(ioc, SIGINT, SIGTERM);
    stop.async_wait([&](const boost::system::error_code&, int) {
      server.Stop();
      ioc.stop();
    });
    server.Start();
    if (!options.schedule.empty()) server.ArmSchedule(options.schedule);
    const auto local = server.local_endpoint();
    std::cout << "listening on " << local.address().to_string() << ":" << local.port() << std::endl;
    ioc.run();

    const auto& stats = server.stats();
    const double mean_wait =
        stats.served == 0 ? 0.0 : Millis(stats.total_wait) / static_cast<double>(stats.served);
    std::printf("served %llu, slot wait mean %.3f ms max %.3f ms, most waiting %zu\n",
                static_cast<unsigned long long>(stats.served), mean_wait, Millis(stats.max_wait),
                slots.max_waiting());
  } catch (const boost::system::system_error& e) {
    std::cerr << "sluice-capacity-stub: " << e.code().message() << "\n";
    return 1;
  }
  return 0;
}
