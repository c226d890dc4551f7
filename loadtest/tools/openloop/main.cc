// sluice-openloop: an open-loop HTTP/1.1 load generator for loadtest/noisy_tenant.sh. Unlike wrk
// (closed loop: a connection sends its next request only after the previous answer, so a slow
// target is offered less load and its latency is under-reported), every tenant here has a fixed
// arrival rate, each request goes out at its scheduled time whatever is outstanding, and latency
// is measured from that scheduled time.
//
//   sluice-openloop --target 127.0.0.1:8080 --duration 20s [--warmup 1s] [--timeout 5s]
//                   [--arrivals poisson|fixed] [--seed 1] [--path /] [--format tsv|json]
//                   [--latency-dump DIR]
//                   --tenant
//                   name=alice,rate=40,header=X-Api-Key:alice-key[,connections=64][,start=2s]
//                   [--tenant ...]
//
// Prints one summary line per tenant (see report.h). Runs on one thread: a few thousand
// requests per second is far below what one core can send, and one thread needs no locks.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/cli_parse.h"
#include "openloop/report.h"
#include "openloop/tenant_driver.h"

namespace {

namespace asio = boost::asio;
namespace lt = sluice::loadtest;

constexpr std::string_view kUsage =
    "usage: sluice-openloop --target HOST:PORT --duration D [--warmup D] [--timeout D]\n"
    "         [--arrivals poisson|fixed] [--seed N] [--path /] [--format tsv|json]\n"
    "         [--latency-dump DIR]\n"
    "         --tenant name=NAME,rate=PER_SECOND[,header=NAME:VALUE][,connections=N][,start=D]"
    " ...\n";

struct Options {
  std::string target_text;
  asio::ip::tcp::endpoint target;
  std::chrono::nanoseconds duration{0};
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  lt::ArrivalSchedule::Kind arrivals = lt::ArrivalSchedule::Kind::kPoisson;
  std::uint64_t seed = 1;
  std::string path = "/";
  bool json = false;
  std::string latency_dump;  // directory for each tenant's 2xx latencies, one per line
  std::vector<lt::TenantSpec> tenants;
};

// Returns an error message, or "" when the options are complete.
std::string ParseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return std::string(arg) + ": missing value";
    const std::string_view value = argv[i + 1];
    const auto bad = [&] {
      return std::string(arg) + ": bad value \"" + std::string(value) + "\"";
    };
    if (arg == "--target") {
      const auto endpoint = lt::ParseEndpoint(value);
      if (!endpoint) return bad();
      o.target = *endpoint;
      o.target_text = value;
    } else if (arg == "--duration" || arg == "--timeout" || arg == "--warmup") {
      const auto d = lt::ParseDuration(value, /*allow_zero=*/arg == "--warmup");
      if (!d) return bad();
      (arg == "--duration" ? o.duration : arg == "--timeout" ? o.timeout : o.warmup) = *d;
    } else if (arg == "--arrivals") {
      if (value != "poisson" && value != "fixed") return bad();
      o.arrivals = value == "fixed" ? lt::ArrivalSchedule::Kind::kFixed
                                    : lt::ArrivalSchedule::Kind::kPoisson;
    } else if (arg == "--seed") {
      const auto n = lt::ParseNumber(value);
      if (!n || *n < 0) return bad();
      o.seed = static_cast<std::uint64_t>(*n);
    } else if (arg == "--path") {
      if (value.empty() || value.front() != '/') return bad();
      o.path = value;
    } else if (arg == "--format") {
      if (value != "tsv" && value != "json") return bad();
      o.json = value == "json";
    } else if (arg == "--latency-dump") {
      if (value.empty()) return bad();
      o.latency_dump = value;
    } else if (arg == "--tenant") {
      auto spec = lt::ParseTenantSpec(value);
      if (auto* error = std::get_if<std::string>(&spec)) return "--tenant: " + *error;
      o.tenants.push_back(std::get<lt::TenantSpec>(std::move(spec)));
    } else {
      return "unknown option " + std::string(arg);
    }
  }
  if (o.target_text.empty()) return "--target is required";
  if (o.duration.count() == 0) return "--duration is required";
  if (o.warmup >= o.duration) return "--warmup must be shorter than --duration";
  if (o.tenants.empty()) return "at least one --tenant is required";
  return "";
}

// Runs every tenant until the window ends, then waits for the exchanges still in flight (each is
// bounded by --timeout) and closes the idle connections, so that io_context::run returns.
asio::awaitable<void> RunAll(std::vector<std::unique_ptr<lt::TenantDriver>>& drivers) {
  auto executor = co_await asio::this_coro::executor;
  std::size_t running = drivers.size();
  for (auto& driver : drivers) {
    asio::co_spawn(executor, driver->Run(), [&running](std::exception_ptr) { --running; });
  }
  asio::steady_timer poll(executor);
  const auto busy = [&] {
    if (running > 0) return true;
    for (const auto& driver : drivers) {
      if (driver->in_flight() > 0) return true;
    }
    return false;
  };
  while (busy()) {
    poll.expires_after(std::chrono::milliseconds(10));
    co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  for (auto& driver : drivers) driver->CloseIdle();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const std::string error = ParseOptions(argc, argv, options); !error.empty()) {
    std::cerr << "sluice-openloop: " << error << "\n" << kUsage;
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  asio::io_context ioc(1);
  // A short lead so that every tenant's first arrival is in the future when its loop starts.
  const auto start = lt::Clock::now() + std::chrono::milliseconds(50);
  const lt::RunWindow window{start, start + options.warmup, start + options.duration};
  std::vector<std::unique_ptr<lt::TenantDriver>> drivers;
  for (std::size_t i = 0; i < options.tenants.size(); ++i) {
    const double rate = options.tenants[i].rate;
    drivers.push_back(std::make_unique<lt::TenantDriver>(
        ioc.get_executor(), options.target, options.target_text, options.path, options.tenants[i],
        lt::ArrivalSchedule(rate, options.arrivals, options.seed + i), window, options.timeout));
  }
  asio::co_spawn(ioc, RunAll(drivers), asio::detached);
  ioc.run();

  std::vector<lt::TenantSummary> summaries;
  for (auto& driver : drivers) {
    const auto& spec = driver->spec();
    if (!driver->stats().first_error.empty()) {
      std::cerr << "sluice-openloop: " << spec.name
                << ": first error: " << driver->stats().first_error << "\n";
    }
    summaries.push_back(
        lt::Summarize(spec.name, spec.rate, driver->measured_seconds(), driver->stats()));
    if (!options.latency_dump.empty() &&
        !lt::WriteLatencies(options.latency_dump, spec.name, driver->stats().ok_latency)) {
      std::cerr << "sluice-openloop: cannot write " << options.latency_dump << "/" << spec.name
                << ".ms\n";
    }
  }
  if (options.json) {
    lt::WriteJson(std::cout, summaries);
  } else {
    lt::WriteTsv(std::cout, summaries);
  }
  return 0;
}
