#pragma once
// A blocking HTTP/2 client for integration tests, on an nghttp2 client session driven through
// mem_send/mem_recv over a non-blocking socket (h2c with prior knowledge, or TLS with ALPN h2).
// Nothing happens in the background: every call that waits pumps the connection (writes what
// nghttp2 queued, reads and feeds what arrived) until its predicate holds or its deadline passes,
// so a test decides exactly when bytes move. Many streams can be open at once (Submit several,
// then Await each). To play a stalled client, open with a zero window
// (`initial_window_size = 0`), turn off window updates (SetAutoWindowUpdate(false)) or stop
// reading the socket (PauseReading()).
//
// Thread-safety: owned by one thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "support/h2_response.h"
#include "support/h2_transport.h"
#include "support/h2_wire.h"

struct nghttp2_session;

namespace sluice::testing {

struct H2ClientOptions {
  bool tls = false;
  TlsClientConfig tls_config;  // with tls: CA to verify against (none = no verification), SNI
  std::string authority = "example.test";  // default :authority
  // Sent in the first SETTINGS; 0 makes every stream's window zero (the server can send no DATA).
  uint32_t initial_window_size = 65535;
  // Connection-level receive window (RFC 9113 starts it at 65535; raised by WINDOW_UPDATE).
  uint32_t connection_window_size = 65535;
  // More SETTINGS for the first SETTINGS frame (e.g. max header list size).
  H2Settings extra_settings;
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
};

class H2Client {
 public:
  using Clock = std::chrono::steady_clock;

  explicit H2Client(H2ClientOptions options = {});
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // Connects to 127.0.0.1:port (TLS handshake with tls) and queues the preface and SETTINGS
  // (sent by the next pump). false with error() set on failure, or when TLS did not agree on h2.
  bool Connect(uint16_t port);
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::string alpn() const { return transport_ ? transport_->alpn() : ""; }

  // Opens a stream; returns its id, or -1 (see error()). `headers` are regular fields (the
  // pseudo-headers are built from method, path, the authority and the scheme). With `body`, the
  // request carries it and ends; `end_stream = false` keeps the body open for SendData().
  int32_t Submit(std::string_view method, std::string_view path, const HeaderList& headers = {},
                 std::optional<std::string> body = std::nullopt, bool end_stream = true);
  // Opens a stream with exactly these header fields (pseudo-headers included, in this order), for
  // malformed requests nghttp2 still lets a client send.
  int32_t SubmitRaw(const HeaderList& fields, bool end_stream = true);
  // Appends request body bytes to a stream opened with end_stream = false; `end_stream` ends it.
  bool SendData(int32_t stream_id, std::string_view data, bool end_stream = false);
  // Sends RST_STREAM.
  void ResetStream(int32_t stream_id, uint32_t error_code = 0x8 /* CANCEL */);
  void Ping();

  // Pumps until the stream closes or `timeout` passes; returns what arrived so far either way.
  H2Response Await(int32_t stream_id, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Submit + Await; a failed Submit gives a response with status 0 and closed = false.
  H2Response Request(std::string_view method, std::string_view path, const HeaderList& headers = {},
                     std::optional<std::string> body = std::nullopt,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  H2Response Get(std::string_view path, const HeaderList& headers = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return Request("GET", path, headers, std::nullopt, timeout);
  }
  // What a stream received so far, without pumping.
  [[nodiscard]] H2Response Snapshot(int32_t stream_id) const;

  // Pumps until `ready()` holds, the connection closes, or `timeout` passes; returns ready().
  // `ready` is checked at least every millisecond, so it may watch state outside this client.
  bool RunUntil(const std::function<bool()>& ready,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Pumps once: writes what is queued, reads what can be read within `timeout`.
  void Pump(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Flow control. SETTINGS_INITIAL_WINDOW_SIZE for every stream (RFC 9113 §6.9.2: open streams
  // change by the difference).
  void SetLocalWindow(uint32_t initial_window_size);
  // false: received DATA is not consumed, so no WINDOW_UPDATE is sent and the server's windows
  // drain to zero. true: consumes everything held back and resumes.
  void SetAutoWindowUpdate(bool on);
  // true: the socket is not read at all (TCP backpressure); writes still go out.
  void PauseReading(bool paused) { reading_paused_ = paused; }
  // Body bytes of a stream received but held back from consumption.
  [[nodiscard]] std::size_t unconsumed_bytes(int32_t stream_id) const;
  // How many more body bytes the server may send us on a stream / on the connection.
  [[nodiscard]] int32_t stream_local_window(int32_t stream_id) const;
  // How many request body bytes we may still send on a stream (the server's window).
  [[nodiscard]] int32_t stream_remote_window(int32_t stream_id) const;
  // The server's SETTINGS value (nghttp2's default for it until the server's SETTINGS arrive).
  [[nodiscard]] uint32_t remote_setting(uint16_t id) const;
  [[nodiscard]] bool remote_settings_received() const { return remote_settings_received_; }

  // Connection state.
  // True until the server closed the socket, a GOAWAY ended it, or the session failed.
  [[nodiscard]] bool connection_open() const;
  // The server closed the socket (FIN or RST seen).
  [[nodiscard]] bool server_closed() const { return server_closed_; }
  // The GOAWAY that ends the connection; a graceful shutdown's notice before it is only counted.
  [[nodiscard]] const std::optional<GoawayInfo>& goaway() const { return goaway_; }
  [[nodiscard]] std::size_t shutdown_notices() const { return shutdown_notices_; }
  bool WaitForGoaway(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Pumps until the server closes the socket; true if it did within `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  [[nodiscard]] std::size_t pings_acked() const { return pings_acked_; }
  // Every frame type the server sent, counted (e.g. how many RST_STREAM frames arrived).
  [[nodiscard]] std::size_t frames_received(H2FrameType type) const;
  // Closes the socket without a GOAWAY.
  void Close();

 private:
  struct Callbacks;
  struct Stream;
  friend struct Callbacks;

  Stream* FindStream(int32_t stream_id);
  [[nodiscard]] const Stream* FindStream(int32_t stream_id) const;
  int32_t SubmitFields(const HeaderList& fields, std::optional<std::string> body, bool end_stream);
  void Flush();          // mem_send into out_ and write as much of out_ as the socket takes
  bool ReadAvailable();  // false when the connection ended
  void Fail(std::string why);

  H2ClientOptions options_;
  std::unique_ptr<H2Transport> transport_;
  nghttp2_session* session_ = nullptr;
  std::string out_;  // bytes nghttp2 produced that the socket has not taken yet
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::optional<GoawayInfo> goaway_;
  std::size_t shutdown_notices_ = 0;
  std::map<uint8_t, std::size_t> frame_counts_;
  std::string error_;
  bool auto_window_update_ = true;
  bool reading_paused_ = false;
  bool server_closed_ = false;
  bool session_failed_ = false;
  bool remote_settings_received_ = false;
  std::size_t pings_acked_ = 0;
};

}  // namespace sluice::testing
