#include "http2/connection.h"

#include <array>
#include <cstring>
#include <stdexcept>

#include "http2/stream.h"

namespace sluice::http2 {

namespace {

constexpr int kOk = 0;
// The opaque data of the PING that follows a shutdown notice, to know its ACK.
constexpr uint8_t kShutdownPing[8] = {'s', 'l', 'u', 'i', 'c', 'e', 'g', 'o'};
// The last stream id of nghttp2_submit_shutdown_notice's GOAWAY: "any stream, for now".
constexpr int32_t kNoticeLastStream = (1U << 31) - 1;

std::string_view View(const uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

// nghttp2 calls back into C functions with a user_data pointer; these trampolines route each
// call to the Connection (or its Stream). A member struct so they can reach private members.
struct Connection::Callbacks {
  static Connection& Self(void* user_data) { return *static_cast<Connection*>(user_data); }

  static int OnBeginFrame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user_data) {
    auto& c = Self(user_data);
    if (c.failed_) return kOk;
    const auto now = c.clock_.Now();
    // Any frame but a CONTINUATION means no header block is open any more (one may also end
    // in a stream error, without an on_frame_recv).
    if (hd->type != NGHTTP2_CONTINUATION) c.header_block_started_.reset();
    switch (hd->type) {
      case NGHTTP2_HEADERS:
        c.guard_.StartHeaderBlock();
        if ((hd->flags & NGHTTP2_FLAG_END_HEADERS) == 0) c.header_block_started_ = now;
        break;
      case NGHTTP2_CONTINUATION:
        if (auto v = c.guard_.RecordContinuation(); !v.ok()) c.Trip(*v.tripped);
        break;
      case NGHTTP2_DATA:
        if (hd->length == 0 && (hd->flags & NGHTTP2_FLAG_END_STREAM) == 0) {
          if (auto v = c.guard_.Record(AbuseKind::kEmptyDataFlood, now); !v.ok()) {
            c.Trip(*v.tripped);
          }
        }
        break;
      default:
        break;
    }
    return kOk;
  }

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    auto& c = Self(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return kOk;
    }
    const int32_t id = frame->hd.stream_id;
    auto stream = std::make_shared<Stream>(c, id, c.executor_);
    nghttp2_session_set_stream_user_data(session, id, stream.get());
    c.streams_.emplace(id, std::move(stream));
    if (c.metrics_) c.metrics_->streams_active().Add(c.info_.worker, 1);
    return kOk;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      std::size_t namelen, const uint8_t* value, std::size_t valuelen, uint8_t,
                      void* user_data) {
    auto& c = Self(user_data);
    auto* stream = c.FindStream(frame->hd.stream_id);
    if (stream == nullptr || stream->headers_done_) return kOk;  // trailers are dropped
    const bool was_rejected = stream->rejection_.has_value();
    stream->OnHeader(View(name, namelen), View(value, valuelen));
    if (!was_rejected && stream->rejection_ && c.metrics_) {
      c.metrics_->Abuse(AbuseKind::kHeaderListTooLarge);
    }
    return kOk;
  }

  // A regular field whose name nghttp2's HTTP messaging checks found invalid (RFC 9113 §8.2.1:
  // a character outside the token set, such as "x@y"; uppercase names it resets by itself).
  // Left without this callback nghttp2 drops the field and passes the rest of the request on; a
  // malformed request must be refused instead (§8.1.1): the stream is reset with PROTOCOL_ERROR
  // and never reaches a handler.
  static int OnInvalidHeader(nghttp2_session*, const nghttp2_frame*, const uint8_t*, std::size_t,
                             const uint8_t*, std::size_t, uint8_t, void*) {
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& c = Self(user_data);
    if (c.failed_) return kOk;
    const auto now = c.clock_.Now();
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        c.header_block_started_.reset();
        auto stream = c.streams_.find(frame->hd.stream_id);
        if (stream == c.streams_.end()) break;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          stream->second->OnHeadersComplete(end_stream);
          c.ready_.push_back(stream->second);
        } else if (end_stream) {
          stream->second->OnEndStream();  // trailers end the body
        }
        break;
      }
      case NGHTTP2_DATA:
        if (end_stream) {
          if (auto* stream = c.FindStream(frame->hd.stream_id)) stream->OnEndStream();
        }
        break;
      case NGHTTP2_RST_STREAM:
        if (auto v = c.guard_.Record(AbuseKind::kRapidReset, now); !v.ok()) c.Trip(*v.tripped);
        break;
      case NGHTTP2_SETTINGS:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
          if (auto v = c.guard_.Record(AbuseKind::kSettingsFlood, now); !v.ok()) {
            c.Trip(*v.tripped);
          }
        }
        break;
      case NGHTTP2_PING:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
          if (auto v = c.guard_.Record(AbuseKind::kPingFlood, now); !v.ok()) c.Trip(*v.tripped);
        } else if (c.shutdown_ == Shutdown::kNoticeSent &&
                   std::memcmp(frame->ping.opaque_data, kShutdownPing, 8) == 0) {
          c.FinishShutdown();  // a round trip since the notice: nothing more is on its way
        }
        break;
      default:
        break;
    }
    return kOk;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         std::size_t len, void* user_data) {
    auto& c = Self(user_data);
    if (auto* stream = c.FindStream(stream_id)) {
      stream->OnData(data, len);
    } else {
      // Not ours to read: give the window back at once.
      nghttp2_session_consume(c.session_, stream_id, len);
    }
    return kOk;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                           void* user_data) {
    auto& c = Self(user_data);
    auto it = c.streams_.find(stream_id);
    if (it == c.streams_.end()) return kOk;
    auto stream = std::move(it->second);
    c.streams_.erase(it);
    stream->OnClosed(error_code);
    if (c.metrics_) c.metrics_->streams_active().Add(c.info_.worker, -1);
    return kOk;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& c = Self(user_data);
    switch (frame->hd.type) {
      case NGHTTP2_GOAWAY: {
        const auto code = frame->goaway.error_code;
        // The shutdown notice announces the GOAWAY that counts; it is not one itself.
        if (code == NGHTTP2_NO_ERROR && frame->goaway.last_stream_id == kNoticeLastStream) break;
        const auto reason = c.goaway_reason_.value_or(
            code == NGHTTP2_NO_ERROR ? GoawayReason::kShutdown : GoawayReason::kProtocolError);
        c.goaway_reason_.reset();
        if (c.metrics_) c.metrics_->GoawaySent(reason);
        break;
      }
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA:
        if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
          if (auto* stream = c.FindStream(frame->hd.stream_id)) stream->OnResponseEndSent();
        }
        break;
      default:
        break;
    }
    return kOk;
  }

  // nghttp2 rejects a request HEADERS beyond SETTINGS_MAX_CONCURRENT_STREAMS with REFUSED_STREAM
  // while our SETTINGS are unacknowledged and with a PROTOCOL_ERROR GOAWAY afterwards; both are
  // the stream limit tripping, so both count (the GOAWAY is counted as protocol_error as well).
  static int OnInvalidFrameRecv(nghttp2_session*, const nghttp2_frame* frame, int lib_error_code,
                                void* user_data) {
    auto& c = Self(user_data);
    const bool over_limit = frame->hd.type == NGHTTP2_HEADERS &&
                            c.streams_.size() >= c.options_.max_concurrent_streams &&
                            !c.streams_.contains(frame->hd.stream_id);
    if (over_limit && c.metrics_ &&
        (lib_error_code == NGHTTP2_ERR_REFUSED_STREAM || lib_error_code == NGHTTP2_ERR_PROTO)) {
      c.metrics_->Abuse(AbuseKind::kTooManyStreams);
    }
    return kOk;
  }

  static int OnError(nghttp2_session*, int, const char* msg, std::size_t len, void* user_data) {
    Self(user_data).last_error_.assign(msg, len);
    return kOk;
  }
};

Connection::Connection(const SessionOptions& options, ConnectionOwner& owner,
                       const core::Clock& clock, boost::asio::any_io_executor executor,
                       const http::ConnectionInfo& info, H2Metrics* metrics)
    : options_(options),
      owner_(owner),
      clock_(clock),
      executor_(std::move(executor)),
      info_(info),
      metrics_(metrics),
      guard_(options.abuse) {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) throw std::bad_alloc();
  nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, &Callbacks::OnBeginFrame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_invalid_header_callback(cbs, &Callbacks::OnInvalidHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Callbacks::OnFrameSend);
  nghttp2_session_callbacks_set_error_callback2(cbs, &Callbacks::OnError);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, &Callbacks::OnInvalidFrameRecv);

  nghttp2_option* opt = nullptr;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cbs);
    throw std::bad_alloc();
  }
  nghttp2_option_set_no_auto_window_update(opt, 1);  // flow control is backpressure
  nghttp2_option_set_no_closed_streams(opt, 1);      // no priority tree: nothing to keep
  // nghttp2's own CONTINUATION cap stays as a backstop just above ours, so ours reports first.
  nghttp2_option_set_max_continuations(opt, options.abuse.max_continuations + 1);
  const int rv = nghttp2_session_server_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) throw std::bad_alloc();

  const std::array<nghttp2_settings_entry, 5> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options.initial_stream_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(options.max_header_list_bytes)},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, options.hpack_table_bytes},
      // RFC 9218: no RFC 7540 priority tree to maintain (cheaper, and one less attack surface).
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  }};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  if (options.connection_window > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<int32_t>(options.connection_window));
  }
}

Connection::~Connection() {
  for (auto& [id, stream] : streams_) {
    stream->Detach();
    if (metrics_) metrics_->streams_active().Add(info_.worker, -1);
  }
  streams_.clear();
  nghttp2_session_del(session_);
}

ReceiveResult Connection::Receive(const uint8_t* data, std::size_t size) {
  if (failed_) return {false};
  const auto rv = nghttp2_session_mem_recv(session_, data, size);
  // Swapped, not moved: both vectors keep their capacity, so a busy connection stops allocating.
  std::swap(ready_, starting_);
  // A connection that is ending (guard tripped, fatal error) starts no more handlers.
  if (rv >= 0 && !failed_) {
    for (auto& stream : starting_) {
      if (!stream->closed()) owner_.OnRequest(std::move(stream));
    }
  }
  starting_.clear();
  if (rv < 0) {
    // Fatal: bad preface, a flood nghttp2 caught itself (ERR_FLOODED: the client does not read
    // its SETTINGS/PING ACKs), too many CONTINUATIONs. Send a GOAWAY if the session still can.
    last_error_ = nghttp2_strerror(static_cast<int>(rv));
    failed_ = true;
    const bool calm = rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS;
    if (rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS && !tripped_) Trip(AbuseKind::kContinuationFlood);
    if (!tripped_) {
      Terminate(calm ? GoawayReason::kAbuse : GoawayReason::kProtocolError,
                calm ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    }
    return {false};
  }
  return {!failed_ && WantsRead()};
}

bool Connection::WantsWrite() const { return nghttp2_session_want_write(session_) != 0; }

// After the shutdown notice nghttp2 wants nothing more once no stream is open, but the PING ACK
// (and any request that crossed the notice) is still to be read.
bool Connection::WantsRead() const {
  return !failed_ &&
         (shutdown_ == Shutdown::kNoticeSent || nghttp2_session_want_read(session_) != 0);
}

std::size_t Connection::TakeOutput(std::string& out, std::size_t max) {
  std::size_t taken = 0;
  while (taken < max) {
    const uint8_t* chunk = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &chunk);
    if (n < 0) {
      last_error_ = nghttp2_strerror(static_cast<int>(n));
      failed_ = true;
      break;
    }
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(n));
    taken += static_cast<std::size_t>(n);
  }
  return taken;
}

void Connection::BeginShutdown() {
  if (failed_ || shutdown_ != Shutdown::kNone) return;
  shutdown_ = Shutdown::kNoticeSent;
  if (nghttp2_submit_shutdown_notice(session_) != 0 ||
      nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, kShutdownPing) != 0) {
    FinishShutdown();
    return;
  }
  owner_.OnOutputReady();
}

void Connection::FinishShutdown() {
  if (failed_ || shutdown_ == Shutdown::kFinal) return;
  shutdown_ = Shutdown::kFinal;
  goaway_reason_ = GoawayReason::kShutdown;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  owner_.OnOutputReady();
}

void Connection::Terminate(GoawayReason reason, uint32_t error_code) {
  goaway_reason_ = reason;
  failed_ = true;
  nghttp2_session_terminate_session(session_, error_code);
  owner_.OnOutputReady();
}

void Connection::Abort() {
  failed_ = true;
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) {
    stream->OnClosed(NGHTTP2_CANCEL);
    if (metrics_) metrics_->streams_active().Add(info_.worker, -1);
  }
}

void Connection::DrainBuffered(std::size_t n) {
  const bool was_full = buffered_ >= options_.max_connection_buffer;
  buffered_ -= std::min(n, buffered_);
  // A stream waiting on the connection bound (not its own) can move again.
  if (was_full && n > 0) {
    for (auto& [id, stream] : streams_) stream->WakeWaiter();
  }
}

void Connection::Trip(AbuseKind kind) {
  if (tripped_) return;
  tripped_ = kind;
  if (metrics_) metrics_->Abuse(kind);
  Terminate(GoawayReason::kAbuse, NGHTTP2_ENHANCE_YOUR_CALM);
}

Stream* Connection::FindStream(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

}  // namespace sluice::http2
