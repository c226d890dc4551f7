#pragma once
// Test scaffolding for http2::Connection: an in-memory nghttp2 client session, a raw frame
// writer/reader for what a real client would never send, and a pump that moves bytes both ways
// and runs the handlers' coroutines until a predicate holds. Deterministic: no sockets, no
// sleeps; handler coroutines run on an io_context polled by the pump.
//
// Thread-safety: single-threaded test code.
#include <nghttp2/nghttp2.h>
#include <prometheus/registry.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/request_handler.h"
#include "http2/connection.h"
#include "http2/stream.h"

namespace sluice::http2::testing {

namespace asio = boost::asio;

class FakeHandler final : public http::RequestHandler {
 public:
  std::function<asio::awaitable<void>(http::ServerExchange&)> behaviour;
  int started = 0;
  int finished = 0;
  asio::awaitable<void> Handle(http::ServerExchange& exchange) override {
    ++started;
    co_await behaviour(exchange);
    ++finished;
  }
};

// Runs each request's handler on the io_context, after Receive returned (as ServerSession does).
class TestOwner final : public ConnectionOwner {
 public:
  TestOwner(asio::io_context& ioc, http::RequestHandler& handler) : ioc_(ioc), handler_(handler) {}
  void OnRequest(std::shared_ptr<Stream> stream) override {
    asio::co_spawn(
        ioc_,
        [this, stream]() -> asio::awaitable<void> {
          if (stream->closed()) co_return;
          co_await handler_.Handle(*stream);
        },
        asio::detached);
  }
  void OnOutputReady() override { ++output_ready; }
  int output_ready = 0;

 private:
  asio::io_context& ioc_;
  http::RequestHandler& handler_;
};

struct ClientStream {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  bool closed = false;
  uint32_t close_code = 0;
};

// The last stream id of a graceful shutdown's first GOAWAY (RFC 9113 §6.8).
inline constexpr int32_t kShutdownNoticeLastStream = (1U << 31) - 1;

// An nghttp2 client session driven through mem_send/mem_recv.
class Client {
 public:
  explicit Client(uint32_t initial_window = 65535) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                const uint8_t* v, size_t vl, uint8_t, void* self) {
          auto& s = static_cast<Client*>(self)->streams[f->hd.stream_id];
          const std::string name(reinterpret_cast<const char*>(n), nl);
          const std::string value(reinterpret_cast<const char*>(v), vl);
          if (name == ":status") s.status = std::stoi(value);
          s.headers[name] = value;
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cbs, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* self) {
          static_cast<Client*>(self)->streams[id].body.append(reinterpret_cast<const char*>(d),
                                                              len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cbs, [](nghttp2_session*, int32_t id, uint32_t code, void* self) {
          auto& s = static_cast<Client*>(self)->streams[id];
          s.closed = true;
          s.close_code = code;
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, void* self) {
          auto* client = static_cast<Client*>(self);
          if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code == NGHTTP2_NO_ERROR &&
              f->goaway.last_stream_id == kShutdownNoticeLastStream) {
            ++client->shutdown_notices;  // the announcement of the GOAWAY that counts
          } else if (f->hd.type == NGHTTP2_GOAWAY) {
            client->goaway_code = f->goaway.error_code;
            client->goaway_last_stream = f->goaway.last_stream_id;
          }
          return 0;
        });
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_http_messaging(opt, 1);  // so it can send what a server must refuse
    nghttp2_session_client_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    const nghttp2_settings_entry iv{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, initial_window};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &iv, 1);
  }
  ~Client() { nghttp2_session_del(session_); }

  // Fields as (name, value); a body turns on a data provider.
  int32_t Request(std::vector<std::pair<std::string, std::string>> fields,
                  std::optional<std::string> body = std::nullopt) {
    std::vector<nghttp2_nv> nv;
    for (auto& [n, v] : fields) {
      nv.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                    n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    if (body) {
      bodies_.push_back(std::make_unique<Body>(Body{std::move(*body), 0}));
      provider.source.ptr = bodies_.back().get();
      provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t len,
                                  uint32_t* flags, nghttp2_data_source* src, void*) -> ssize_t {
        auto* b = static_cast<Body*>(src->ptr);
        const size_t n = std::min(len, b->data.size() - b->sent);
        std::memcpy(buf, b->data.data() + b->sent, n);
        b->sent += n;
        if (b->sent == b->data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
        return static_cast<ssize_t>(n);
      };
    }
    return nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                  body ? &provider : nullptr, nullptr);
  }
  static std::vector<std::pair<std::string, std::string>> Get(std::string path = "/") {
    return {{":method", "GET"},
            {":scheme", "http"},
            {":authority", "example.com"},
            {":path", std::move(path)}};
  }

  std::string Take() {
    std::string out;
    for (;;) {
      const uint8_t* p = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &p);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
    return out;
  }
  void Feed(const std::string& bytes) {
    nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
  }
  nghttp2_session* session() { return session_; }
  std::size_t body_sent(std::size_t i) const { return bodies_.at(i)->sent; }

  std::map<int32_t, ClientStream> streams;
  // The GOAWAY that ends the connection (not a shutdown notice; those are counted apart).
  std::optional<uint32_t> goaway_code;
  int32_t goaway_last_stream = -1;
  int shutdown_notices = 0;

 private:
  struct Body {
    std::string data;
    std::size_t sent;
  };
  nghttp2_session* session_ = nullptr;
  std::vector<std::unique_ptr<Body>> bodies_;
};

// Raw frames (RFC 9113 §4.1).
inline constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
inline std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
  std::string f;
  const auto len = static_cast<uint32_t>(payload.size());
  f += static_cast<char>(len >> 16);
  f += static_cast<char>(len >> 8);
  f += static_cast<char>(len);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>((stream >> 24) & 0x7f);
  f += static_cast<char>(stream >> 16);
  f += static_cast<char>(stream >> 8);
  f += static_cast<char>(stream);
  f += payload;
  return f;
}
// HPACK, static table only: :method GET, :scheme http, :path /, :authority a.
inline const std::string kGetBlock("\x82\x86\x84\x41\x01\x61", 6);

struct RawFrame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream = 0;
  std::string payload;
};
inline std::vector<RawFrame> ParseFrames(std::string_view bytes) {
  std::vector<RawFrame> frames;
  while (bytes.size() >= 9) {
    auto b = [&](std::size_t i) { return static_cast<uint8_t>(bytes[i]); };
    const uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
    if (bytes.size() < 9 + len) break;
    RawFrame f{b(3), b(4),
               ((b(5) & 0x7fu) << 24) | (b(6) << 16) | (b(7) << 8) | static_cast<uint32_t>(b(8)),
               std::string(bytes.substr(9, len))};
    frames.push_back(std::move(f));
    bytes.remove_prefix(9 + len);
  }
  return frames;
}
// The error code of the first GOAWAY in `bytes`, if any.
inline std::optional<uint32_t> GoawayCode(std::string_view bytes) {
  for (const auto& f : ParseFrames(bytes)) {
    if (f.type == NGHTTP2_GOAWAY && f.payload.size() >= 8) {
      auto b = [&](std::size_t i) { return static_cast<uint8_t>(f.payload[i]); };
      return (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | static_cast<uint32_t>(b(7));
    }
  }
  return std::nullopt;
}

// One server Connection with its executor, metrics and a fake handler.
struct Harness {
  asio::io_context ioc;
  core::FakeClock clock;
  SessionOptions options;
  http::ConnectionInfo info{.listener = "test", .protocol = http::Protocol::kHttp2};
  prometheus::Registry registry;
  H2Metrics metrics{registry};
  FakeHandler handler;
  TestOwner owner{ioc, handler};
  std::unique_ptr<Connection> conn;

  Connection& Start() {
    conn = std::make_unique<Connection>(options, owner, clock, ioc.get_executor(), info, &metrics);
    return *conn;
  }
  ReceiveResult Send(std::string_view bytes) {
    return conn->Receive(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::string Drain() {
    std::string out;
    while (conn->TakeOutput(out, 1 << 20) > 0) {
    }
    return out;
  }
  std::size_t RunHandlers() {
    ioc.restart();
    return ioc.poll();
  }
  // Moves bytes both ways and runs ready handlers until `done` or nothing moves any more.
  bool Pump(Client& client, const std::function<bool()>& done) {
    for (int round = 0; round < 100'000; ++round) {
      if (done()) return true;
      bool moved = false;
      if (auto up = client.Take(); !up.empty()) {
        moved = true;
        (void)Send(up);
      }
      if (auto down = Drain(); !down.empty()) {
        moved = true;
        client.Feed(down);
      }
      if (RunHandlers() > 0) moved = true;
      if (!moved) return done();
    }
    return done();
  }
};

}  // namespace sluice::http2::testing
