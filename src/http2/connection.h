#pragma once
// One server-side HTTP/2 connection around an nghttp2 session, with no socket: the owner feeds
// received bytes to Receive() and drains frames with TakeOutput(), so the same code runs over
// TCP, TLS, or an in-memory test client.
//
// What it enforces, and how:
// - SETTINGS_MAX_CONCURRENT_STREAMS: nghttp2 answers streams beyond it with REFUSED_STREAM
//   while our SETTINGS are unacknowledged and with a PROTOCOL_ERROR GOAWAY afterwards (a client
//   that acknowledged the limit and ignores it is broken or hostile; RFC 9113 §5.1.2).
// - Header list size (431 on that stream), HPACK table size (SETTINGS_HEADER_TABLE_SIZE, a larger
//   table update is a COMPRESSION_ERROR), RFC 9113 message checks (connection-specific fields,
//   bad pseudo-headers, content-length mismatch → RST_STREAM PROTOCOL_ERROR): nghttp2's HTTP
//   messaging mode stays on.
// - Flood guards (AbuseGuard) from on_begin_frame / on_frame_recv: GOAWAY ENHANCE_YOUR_CALM.
// - Flow control as backpressure: no automatic WINDOW_UPDATE; a request body is consumed only
//   as the handler reads it, and response bytes wait in bounded per-stream buffers until the
//   client's window lets nghttp2 pull them.
//
// Thread-safety: owned by one connection; every call (and every Stream call) on its executor.
// nghttp2 callbacks run only inside Receive() and TakeOutput().
#include <nghttp2/nghttp2.h>

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/types.h"
#include "http2/abuse_guard.h"
#include "http2/h2_metrics.h"
#include "http2/session_options.h"

namespace sluice::http2 {

class Stream;

// What a Connection asks of its owner; called on the connection's executor.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // A request's header block is complete: run the handler for it. Called at the end of
  // Receive, once nghttp2 has processed every frame of that read, and only for streams still
  // open then (one reset in the same read, the rapid-reset pattern, never gets here). A stream
  // with a rejection() gets that local reply instead.
  virtual void OnRequest(std::shared_ptr<Stream> stream) = 0;
  // Frames are waiting: call TakeOutput soon (not inline).
  virtual void OnOutputReady() = 0;
};

struct ReceiveResult {
  bool ok = true;  // false: the connection is ending; send what TakeOutput has, then close
};

class Connection {
 public:
  Connection(const SessionOptions& options, ConnectionOwner& owner, const core::Clock& clock,
             boost::asio::any_io_executor executor, const http::ConnectionInfo& info,
             H2Metrics* metrics);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] ReceiveResult Receive(const uint8_t* data, std::size_t size);
  [[nodiscard]] bool WantsWrite() const;
  // False once the connection is over (GOAWAY sent or received and no stream left, or a
  // connection error): the owner closes after the last TakeOutput.
  [[nodiscard]] bool WantsRead() const;
  // Appends up to about `max` bytes of frames to `out`; returns how many.
  std::size_t TakeOutput(std::string& out, std::size_t max);

  // Graceful, in two steps (RFC 9113 §6.8): first a shutdown notice (GOAWAY NO_ERROR naming
  // stream 2^31-1) and a PING; when its ACK comes back, every stream the client sent before it
  // has arrived, and the final GOAWAY names the last one. Open streams finish; later ones are
  // refused. A single GOAWAY at once would refuse requests already on their way.
  void BeginShutdown();
  // The final GOAWAY now (the owner's fallback when the PING ACK does not come); idempotent.
  void FinishShutdown();
  [[nodiscard]] bool awaiting_shutdown_ack() const { return shutdown_ == Shutdown::kNoticeSent; }
  // GOAWAY with `error_code` now; streams are abandoned once it is sent.
  void Terminate(GoawayReason reason, uint32_t error_code);
  // The transport is gone: every stream ends (handlers see the client gone).
  void Abort();

  [[nodiscard]] std::size_t open_streams() const { return streams_.size(); }
  // A header block (HEADERS without END_HEADERS + CONTINUATIONs) is being received since then.
  [[nodiscard]] std::optional<core::TimePoint> header_block_started() const {
    return header_block_started_;
  }
  [[nodiscard]] std::optional<AbuseKind> tripped() const { return tripped_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }
  [[nodiscard]] std::size_t buffered_response_bytes() const { return buffered_; }
  [[nodiscard]] const SessionOptions& options() const { return options_; }
  [[nodiscard]] const http::ConnectionInfo& info() const { return info_; }
  [[nodiscard]] const core::Clock& clock() const { return clock_; }

 private:
  friend class Stream;
  struct Callbacks;  // the nghttp2 callback trampolines (connection.cc)

  // For Stream.
  nghttp2_session* session() { return session_; }
  void NotifyOutput() { owner_.OnOutputReady(); }
  [[nodiscard]] std::size_t connection_room() const {
    return buffered_ >= options_.max_connection_buffer ? 0
                                                       : options_.max_connection_buffer - buffered_;
  }
  void AddBuffered(std::size_t n) { buffered_ += n; }
  void DrainBuffered(std::size_t n);

  void Trip(AbuseKind kind);
  Stream* FindStream(int32_t id);

  const SessionOptions& options_;
  ConnectionOwner& owner_;
  const core::Clock& clock_;
  boost::asio::any_io_executor executor_;
  const http::ConnectionInfo& info_;
  H2Metrics* metrics_;
  nghttp2_session* session_ = nullptr;
  AbuseGuard guard_;
  std::map<int32_t, std::shared_ptr<Stream>> streams_;
  // Requests whose header block completed during the current Receive; handed to the owner when
  // nghttp2 returns (Boost.Asio's co_spawn dispatches, so an owner that starts the handler at
  // once would otherwise forward it before the RST_STREAM later in the same read is seen).
  std::vector<std::shared_ptr<Stream>> ready_;
  std::vector<std::shared_ptr<Stream>> starting_;  // ready_ of the previous Receive, being started
  std::size_t buffered_ = 0;  // response bytes held by all streams
  std::optional<core::TimePoint> header_block_started_;
  std::optional<GoawayReason> goaway_reason_;  // why our next GOAWAY goes out
  enum class Shutdown { kNone, kNoticeSent, kFinal };
  Shutdown shutdown_ = Shutdown::kNone;
  std::optional<AbuseKind> tripped_;
  std::string last_error_;
  bool failed_ = false;  // fatal nghttp2 error or guard tripped: stop feeding input
};

}  // namespace sluice::http2
