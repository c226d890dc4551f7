// libFuzzer target: arbitrary client bytes into one http2::Connection over a fake transport.
//
// Input layout: the last 4 bytes (read first, FuzzedDataProvider takes integers from the end)
// choose the SessionOptions variant, how the rest is cut into Receive() chunks, which handler
// behaviour each stream gets, and how the connection ends; the remaining bytes are what the
// "client" sends. A seed is therefore a valid client conversation followed by 4 zero bytes
// (defaults, one chunk); tests/fuzz/corpus/h2_connection/ holds a few, made by
// tests/fuzz/make_corpus.py.
//
// Per input: an io_context, a FakeClock (advanced only by the input, so nothing depends on real
// time), a Connection, and an owner that runs one handler coroutine per request the way
// ServerSession does (local reply for a rejection, 500 or reset for a handler that did not
// finish). After each chunk the output is drained (and discarded) and ready handlers run, a
// bounded number of rounds; at the end the connection is destroyed with handlers still waiting,
// they are run to completion, and everything is freed, so ASan sees any leak or use after free.
// Stream deadlines use the real steady clock (60 s by default), far beyond one input's run.
//
// Thread-safety: single-threaded, like libFuzzer's default mode.
#include <fuzzer/FuzzedDataProvider.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "http/local_reply.h"
#include "http/server_exchange.h"
#include "http/types.h"
#include "http2/connection.h"
#include "http2/h2_metrics.h"
#include "http2/session_options.h"
#include "http2/stream.h"

namespace {

namespace asio = boost::asio;
using sluice::http::BodyError;
using sluice::http::BodyLength;
using sluice::http::ResponseHeader;
using sluice::http::ServerExchange;
using sluice::http::Status;
using sluice::http2::Connection;
using sluice::http2::SessionOptions;
using sluice::http2::Stream;

// Handler work per pump round is bounded; a round with no output and no handler progress ends
// the pump early.
constexpr int kMaxPumpRounds = 64;
constexpr int kModes = 8;

SessionOptions OptionsFrom(uint8_t bits) {
  SessionOptions o;
  if (bits & 0x01) o.max_concurrent_streams = 2;
  if (bits & 0x02) o.initial_stream_window = 100;  // clients must wait for our WINDOW_UPDATEs
  if (bits & 0x04) {
    o.max_stream_buffer = 1000;  // handlers block on the response buffer bounds
    o.max_connection_buffer = 3000;
  }
  if (bits & 0x08) o.max_header_list_bytes = 200;  // 431 rejections
  if (bits & 0x10) o.hpack_table_bytes = 0;
  if (bits & 0x20) {  // guards trip after a few events
    o.abuse.rapid_reset.events = 3;
    o.abuse.settings.events = 3;
    o.abuse.ping.events = 3;
    o.abuse.empty_data.events = 3;
    o.abuse.max_continuations = 2;
  }
  if (bits & 0x40) {  // guards off: nghttp2's own backstops only
    o.abuse.rapid_reset.events = 0;
    o.abuse.settings.events = 0;
    o.abuse.ping.events = 0;
    o.abuse.empty_data.events = 0;
  }
  return o;
}

// Reads the body to its end (or an error); returns the bytes read.
asio::awaitable<std::size_t> Drain(ServerExchange& ex, BodyError* error = nullptr) {
  std::array<char, 1024> buf{};
  std::size_t total = 0;
  for (;;) {
    const auto r = co_await ex.ReadBody(asio::buffer(buf));
    if (!r.ok()) {
      if (error) *error = r.error;
      co_return total;
    }
    if (r.bytes == 0) co_return total;
    total += r.bytes;
  }
}

asio::awaitable<void> Reply(ServerExchange& ex, Status status, std::string body) {
  (void)co_await sluice::http::SendLocalReply(ex, {status, "fuzz", std::move(body)});
}

// One behaviour per mode; together they reach every ServerExchange call a real handler makes.
asio::awaitable<void> Handle(Stream& s, int mode) {
  // Touch the decoded request so ASan checks what HPACK decoding produced.
  std::size_t touched = s.request().target().size() + s.request().method_string().size();
  for (const auto& f : s.request()) touched += f.name_string().size() + f.value().size();
  (void)s.request_body_length();
  switch (mode) {
    case 0: {  // echo the body length
      const auto n = co_await Drain(s);
      co_await Reply(s, Status::ok, std::to_string(n + touched));
      break;
    }
    case 1: {  // large streamed response: outgrows the client's window and our buffers
      (void)co_await Drain(s);
      ResponseHeader head;
      head.result(Status::ok);
      if (co_await s.WriteHead(std::move(head), BodyLength{})) break;
      static const std::string chunk(16 * 1024, 'x');
      for (int i = 0; i < 20; ++i) {
        if (co_await s.WriteBody(asio::buffer(chunk), i == 19)) break;
      }
      break;
    }
    case 2: {  // reads a little, then gives up on the stream
      std::array<char, 16> buf{};
      (void)co_await s.ReadBody(asio::buffer(buf));
      s.Reset(NGHTTP2_CANCEL);
      break;
    }
    case 3:  // answers before reading the body (RST_STREAM NO_ERROR once the answer is out)
      co_await Reply(s, Status::forbidden, "early");
      break;
    case 4: {  // watches for the client going away, then a bodyless answer with body bytes
      // The callback is posted, so it may run after StopWatching: it must not point into this
      // frame (the proxy's admission step holds a weak_ptr the same way).
      auto gone = std::make_shared<bool>(false);
      s.WatchForClientGone([weak = std::weak_ptr<bool>(gone)] {
        if (auto g = weak.lock()) *g = true;
      });
      (void)co_await Drain(s);
      s.StopWatchingForClientGone();
      ResponseHeader head;
      head.result(*gone ? Status::no_content : Status::not_modified);
      if (co_await s.WriteHead(std::move(head), BodyLength{5})) break;
      (void)co_await s.WriteBody(asio::buffer("hello", 5), true);
      break;
    }
    case 5: {  // body limit
      s.SetBodyLimit(10);
      BodyError error = BodyError::kNone;
      (void)co_await Drain(s, &error);
      co_await Reply(s, error == BodyError::kTooLarge ? Status::payload_too_large : Status::ok,
                     "limit");
      break;
    }
    case 6: {  // misuse: body before head, head twice, empty last write, write after last
      (void)co_await s.WriteBody(asio::buffer("x", 1), false);
      ResponseHeader head;
      head.result(Status::accepted);
      (void)co_await s.WriteHead(head, BodyLength{});
      (void)co_await s.WriteHead(head, BodyLength{});
      (void)co_await s.WriteBody(asio::buffer("part", 4), false);
      (void)co_await s.WriteBody({}, true);
      (void)co_await s.WriteBody(asio::buffer("late", 4), true);
      break;
    }
    default:  // returns without answering: the owner steps in
      break;
  }
}

// Starts handlers on the io_context, as ServerSession::OnRequest/RunStream do.
class FuzzOwner final : public sluice::http2::ConnectionOwner {
 public:
  FuzzOwner(asio::io_context& ioc, uint8_t handler_seed) : ioc_(ioc), seed_(handler_seed) {}

  void OnRequest(std::shared_ptr<Stream> stream) override {
    const int mode =
        static_cast<int>(((static_cast<uint32_t>(stream->id()) >> 1) + seed_) % kModes);
    asio::co_spawn(ioc_, Run(std::move(stream), mode), asio::detached);
  }
  void OnOutputReady() override {}

 private:
  static asio::awaitable<void> Run(std::shared_ptr<Stream> stream, int mode) {
    if (stream->closed()) co_return;
    if (auto status = stream->rejection()) {
      co_await Reply(*stream, *status, "rejected");
    } else {
      co_await Handle(*stream, mode);
    }
    if (!stream->response_finished() && !stream->closed()) {
      if (!stream->response_started()) {
        co_await Reply(*stream, Status::internal_server_error, "internal");
      } else {
        stream->Reset(NGHTTP2_INTERNAL_ERROR);
      }
    }
  }

  asio::io_context& ioc_;
  uint8_t seed_;
};

// Small deterministic generator for chunk sizes (xorshift32).
class ChunkSizes {
 public:
  explicit ChunkSizes(uint8_t seed) : max_(seed), state_(0x9e3779b9u ^ seed) {}
  std::size_t Next(std::size_t remaining) {
    if (max_ == 0) return remaining;  // all at once
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return std::min<std::size_t>(remaining, 1 + state_ % max_);
  }

 private:
  uint32_t max_;
  uint32_t state_;
};

// SLUICE_FUZZ_TRACE=1 prints each server frame (type flags stream length), for checking that a
// seed is a working conversation or reading what a crashing input did.
bool Tracing() {
  static const bool on = std::getenv("SLUICE_FUZZ_TRACE") != nullptr;
  return on;
}

void Trace(std::string_view out) {
  while (out.size() >= 9) {
    auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(out[i])); };
    const uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
    const uint32_t stream = ((b(5) & 0x7f) << 24) | (b(6) << 16) | (b(7) << 8) | b(8);
    std::fprintf(stderr, "server frame type=%u flags=0x%02x stream=%u len=%u\n", b(3), b(4), stream,
                 len);
    if (out.size() < 9 + len) break;
    if (b(3) == NGHTTP2_GOAWAY && len > 8) {
      std::fprintf(stderr, "  debug: %.*s\n", static_cast<int>(len - 8), out.data() + 17);
    }
    out.remove_prefix(9 + len);
  }
}

sluice::http2::H2Metrics& Metrics() {
  // One registry for the whole run, as one H2Metrics is shared by every connection in sluice.
  static prometheus::Registry registry;
  static sluice::http2::H2Metrics metrics(registry);
  return metrics;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto option_bits = input.ConsumeIntegral<uint8_t>();
  const auto chunk_seed = input.ConsumeIntegral<uint8_t>();
  const auto handler_seed = input.ConsumeIntegral<uint8_t>();
  const auto ending = input.ConsumeIntegral<uint8_t>();
  const std::vector<uint8_t> bytes = input.ConsumeRemainingBytes<uint8_t>();

  // Declared in lifetime order: streams refer to options, info and clock after the connection
  // is gone, and handler coroutines (on the io_context) hold streams.
  const SessionOptions options = OptionsFrom(option_bits);
  const sluice::http::ConnectionInfo info{.listener = "fuzz",
                                          .protocol = sluice::http::Protocol::kHttp2};
  sluice::core::FakeClock clock;
  asio::io_context ioc;
  FuzzOwner owner(ioc, handler_seed);
  auto conn =
      std::make_unique<Connection>(options, owner, clock, ioc.get_executor(), info, &Metrics());
  // Small output pulls exercise nghttp2 resuming a half-sent frame queue.
  const std::size_t output_max = (ending & 0x04) ? 64 : 1 << 20;

  std::string traced;  // output kept whole only when tracing (frames span TakeOutput calls)
  auto pump = [&] {
    std::string out;
    for (int round = 0; round < kMaxPumpRounds; ++round) {
      out.clear();
      bool moved = conn->TakeOutput(out, output_max) > 0;
      if (Tracing()) traced += out;
      ioc.restart();
      if (ioc.poll() > 0) moved = true;
      if (!moved) break;
    }
  };

  ChunkSizes chunks(chunk_seed);
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const std::size_t n = chunks.Next(bytes.size() - offset);
    const auto result = conn->Receive(bytes.data() + offset, n);
    offset += n;
    pump();
    if (!result.ok) break;  // the real session stops reading here
    // Time passes between reads only when the input says so (leaky buckets refill).
    if (option_bits & 0x80) clock.Advance(std::chrono::milliseconds(500));
  }

  switch (ending & 0x03) {
    case 1:
      conn->BeginShutdown();
      break;
    case 2:
      conn->Abort();  // transport gone
      break;
    case 3:
      conn->Terminate(sluice::http2::GoawayReason::kOther, NGHTTP2_INTERNAL_ERROR);
      break;
    default:
      break;
  }
  pump();
  (void)conn->WantsWrite();
  (void)conn->WantsRead();

  if (Tracing()) {
    Trace(traced);
    std::fprintf(stderr, "last_error=\"%s\" tripped=%d\n", conn->last_error().c_str(),
                 conn->tripped() ? static_cast<int>(*conn->tripped()) : -1);
  }

  conn.reset();  // handlers still waiting see their stream closed
  for (int round = 0; round < kMaxPumpRounds; ++round) {
    ioc.restart();
    if (ioc.poll() == 0) break;
  }
  return 0;
}
