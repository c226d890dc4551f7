// sluice-openloop: an open-loop HTTP/1.1 load generator for loadtest/noisy_tenant.sh. Unlike wrk
// (closed loop: a connection sends its next request only after the previous answer, so a slow
// target is offered less load and its latency is under-reported), every tenant here has a fixed
// arrival rate, each request goes out at its scheduled time whatever is outstanding, and latency
// is measured from that scheduled time.
//
//   sluice-openloop --target 127.0.0.1:8080 --duration 20s [--warmup 1s] [--timeout 5s]
//                   [--arrivals poisson|fixed] [--seed 1] [--path /] [--format tsv|json]
//                   [--latency-dump DIR]
//                   [--per-second FILE.csv [--slo 250ms] [--events FILE]
//                    [--sample HOST:PORT/PATH --sample-names NAME[,NAME...]]]
//                   --tenant
//                   name=alice,rate=40,header=X-Api-Key:alice-key[,connections=64][,start=2s]
//                   [--tenant ...]
//
// --per-second writes the run second by second, all tenants together (per_second.h): offered,
// 2xx within --slo, statuses, errors, p50/p99 of the 2xx, and for each --sample-names metric its
// value in a Prometheus /metrics page fetched from --sample at the end of every second (e.g. a
// proxy's sluice_concurrency_limit). --events writes every arrival's outcome, one per line.
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
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/cli_parse.h"
#include "openloop/per_second.h"
#include "openloop/report.h"
#include "openloop/tenant_driver.h"

namespace {

namespace asio = boost::asio;
namespace lt = sluice::loadtest;

constexpr std::string_view kUsage =
    "usage: sluice-openloop --target HOST:PORT --duration D [--warmup D] [--timeout D]\n"
    "         [--arrivals poisson|fixed] [--seed N] [--path /] [--format tsv|json]\n"
    "         [--latency-dump DIR] [--per-second FILE [--slo D] [--events FILE]\n"
    "          [--sample HOST:PORT/PATH --sample-names NAME[,NAME...]]]\n"
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
  std::string per_second;  // CSV file, second by second
  std::chrono::nanoseconds slo = std::chrono::milliseconds(250);
  std::string events;  // every arrival's outcome
  std::optional<asio::ip::tcp::endpoint> sample_target;
  std::string sample_host, sample_path;
  std::vector<std::string> sample_names;
};

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (comma != 0) out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

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
    } else if (arg == "--per-second" || arg == "--events") {
      if (value.empty()) return bad();
      (arg == "--events" ? o.events : o.per_second) = value;
    } else if (arg == "--slo") {
      const auto d = lt::ParseDuration(value);
      if (!d) return bad();
      o.slo = *d;
    } else if (arg == "--sample") {
      const auto slash = value.find('/');
      if (slash == std::string_view::npos) return bad();
      o.sample_target = lt::ParseEndpoint(value.substr(0, slash));
      if (!o.sample_target) return bad();
      o.sample_host = value.substr(0, slash);
      o.sample_path = value.substr(slash);
    } else if (arg == "--sample-names") {
      o.sample_names = SplitCommas(value);
      if (o.sample_names.empty()) return bad();
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
  if (o.sample_target.has_value() != !o.sample_names.empty()) {
    return "--sample and --sample-names go together";
  }
  if ((o.sample_target || !o.events.empty()) && o.per_second.empty()) {
    return "--sample and --events need --per-second";
  }
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

// At the end of every second of the run, fetches the sample page and records each named metric
// into that second's row. A failed fetch leaves the cells empty.
asio::awaitable<void> SampleEverySecond(const Options& options, lt::RunWindow window,
                                        lt::PerSecondStats& per_second) {
  auto executor = co_await asio::this_coro::executor;
  lt::Connection connection(executor);
  const std::string request =
      "GET " + options.sample_path + " HTTP/1.1\r\nHost: " + options.sample_host + "\r\n\r\n";
  asio::steady_timer timer(executor);
  boost::system::error_code ignored;
  for (std::size_t second = 0; window.start + std::chrono::seconds(second) < window.end; ++second) {
    timer.expires_at(window.start + std::chrono::seconds(second + 1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto result = co_await lt::Exchange(connection, *options.sample_target, request,
                                        std::chrono::milliseconds(500));
    if (result.status != 200) {
      connection.stream.socket().close(ignored);
      connection.buffer.clear();
      connection.connected = false;
      continue;
    }
    for (std::size_t i = 0; i < options.sample_names.size(); ++i) {
      if (const auto value = lt::FindMetric(result.body, options.sample_names[i])) {
        per_second.Sample(second, i, *value);
      }
    }
    if (!result.keep_alive) {
      connection.stream.socket().close(ignored);
      connection.buffer.clear();
      connection.connected = false;
    }
  }
  connection.stream.socket().close(ignored);
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
  std::optional<lt::PerSecondStats> per_second;
  if (!options.per_second.empty()) {
    per_second.emplace(options.slo, options.sample_names);
    if (!options.events.empty()) per_second->KeepEvents();
    for (auto& driver : drivers) driver->set_per_second(&*per_second);
    if (options.sample_target) {
      asio::co_spawn(ioc, SampleEverySecond(options, window, *per_second), asio::detached);
    }
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
  if (per_second) {
    std::ofstream csv(options.per_second);
    per_second->WriteCsv(csv);
    if (!csv) std::cerr << "sluice-openloop: cannot write " << options.per_second << "\n";
    if (!options.events.empty()) {
      std::ofstream events(options.events);
      per_second->WriteEvents(events);
      if (!events) std::cerr << "sluice-openloop: cannot write " << options.events << "\n";
    }
  }
  if (options.json) {
    lt::WriteJson(std::cout, summaries);
  } else {
    lt::WriteTsv(std::cout, summaries);
  }
  return 0;
}
