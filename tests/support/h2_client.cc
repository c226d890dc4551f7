#include "support/h2_client.h"

#include <nghttp2/nghttp2.h>
#include <poll.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace sluice::testing {

namespace {

nghttp2_nv Nv(const std::string& name, const std::string& value) {
  // NO_COPY is not used: nghttp2 copies the fields at submit time, so callers' strings may go.
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

// Bytes nghttp2 may have queued before the socket takes them; bounded so one pump cannot buffer a
// whole large request body in memory twice.
constexpr std::size_t kMaxOutBuffer = 1 << 20;
constexpr std::size_t kMaxReadPerPump = 1 << 20;
constexpr std::chrono::milliseconds kMaxPollSlice{1};
// The last stream id of a graceful shutdown's first GOAWAY.
constexpr int32_t kShutdownNoticeLastStream = (1U << 31) - 1;

}  // namespace

// Per-stream state; owned by H2Client::streams_, its address is the nghttp2 stream user data.
struct H2Client::Stream {
  H2Response response;
  // Which header block is being received: the final response's, an interim (1xx) one, trailers.
  enum class Block { kNone, kInterim, kFinal, kTrailers } block = Block::kNone;
  bool final_seen = false;
  std::size_t unconsumed = 0;
  // Request body not yet handed to nghttp2, whether more will come, and whether nghttp2 is
  // waiting for it (deferred data must be resumed).
  std::string body;
  bool body_open = false;
  bool deferred = false;
};

// nghttp2 callbacks: `user_data` is the H2Client; all run inside mem_recv/mem_send on the thread
// that pumps.
struct H2Client::Callbacks {
  static H2Client& Self(void* user_data) { return *static_cast<H2Client*>(user_data); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (auto* stream = Self(user_data).FindStream(frame->hd.stream_id)) {
      stream->block = stream->final_seen ? Stream::Block::kTrailers : Stream::Block::kNone;
    }
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user_data) {
    auto* stream = Self(user_data).FindStream(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      const int status = std::atoi(v.c_str());
      stream->block = status >= 200 ? Stream::Block::kFinal : Stream::Block::kInterim;
      if (status >= 200) {
        stream->final_seen = true;
        stream->response.status = status;
      }
      return 0;
    }
    if (!n.empty() && n.front() == ':') return 0;
    if (stream->block == Stream::Block::kFinal) {
      stream->response.headers.emplace_back(std::move(n), std::move(v));
    } else if (stream->block == Stream::Block::kTrailers) {
      stream->response.trailers.emplace_back(std::move(n), std::move(v));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user_data) {
    auto& self = Self(user_data);
    auto* stream = self.FindStream(stream_id);
    if (stream != nullptr) stream->response.body.append(reinterpret_cast<const char*>(data), len);
    if (self.auto_window_update_) {
      nghttp2_session_consume(session, stream_id, len);
    } else if (stream != nullptr) {
      stream->unconsumed += len;
    } else {
      nghttp2_session_consume_connection(session, len);  // nobody to hold it back for
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& self = Self(user_data);
    ++self.frame_counts_[frame->hd.type];
    switch (frame->hd.type) {
      case NGHTTP2_GOAWAY:
        // A graceful shutdown's first GOAWAY (NO_ERROR, last stream 2^31-1) only announces the
        // one that counts (RFC 9113 §6.8).
        if (frame->goaway.error_code == NGHTTP2_NO_ERROR &&
            frame->goaway.last_stream_id == kShutdownNoticeLastStream) {
          ++self.shutdown_notices_;
          break;
        }
        self.goaway_ = GoawayInfo{
            static_cast<uint32_t>(frame->goaway.last_stream_id), frame->goaway.error_code,
            std::string(reinterpret_cast<const char*>(frame->goaway.opaque_data),
                        frame->goaway.opaque_data_len)};
        break;
      case NGHTTP2_RST_STREAM:
        if (auto* stream = self.FindStream(frame->hd.stream_id)) {
          stream->response.reset_code = frame->rst_stream.error_code;
        }
        break;
      case NGHTTP2_SETTINGS:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) self.remote_settings_received_ = true;
        break;
      case NGHTTP2_PING:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) ++self.pings_acked_;
        break;
      default:
        break;
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                           void* user_data) {
    if (auto* stream = Self(user_data).FindStream(stream_id)) {
      stream->response.closed = true;
      if (error_code != NGHTTP2_NO_ERROR && !stream->response.reset_code) {
        stream->response.reset_code = error_code;
      }
    }
    return 0;
  }

  // Request body source: hands nghttp2 what SendData() queued, defers when it is all sent but the
  // body is still open.
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void*) {
    auto* stream = static_cast<Stream*>(source->ptr);
    const std::size_t n = std::min(length, stream->body.size());
    std::copy_n(stream->body.data(), n, buf);
    stream->body.erase(0, n);
    if (stream->body.empty() && !stream->body_open) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      stream->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }
};

H2Client::H2Client(H2ClientOptions options) : options_(std::move(options)) {}

H2Client::~H2Client() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

void H2Client::Fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

bool H2Client::Connect(uint16_t port) {
  transport_ = options_.tls
                   ? ConnectTls(port, options_.tls_config, options_.connect_timeout, error_)
                   : ConnectTcp(port, options_.connect_timeout, error_);
  if (!transport_) return false;
  if (options_.tls && transport_->alpn() != "h2") {
    Fail("ALPN did not select h2 (got '" + transport_->alpn() + "')");
    transport_.reset();
    return false;
  }
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Callbacks::OnStreamClose);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  // Windows are reopened only as the test lets data be consumed (SetAutoWindowUpdate).
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_session_client_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);

  std::vector<nghttp2_settings_entry> settings{
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options_.initial_window_size}};
  for (const auto& [id, value] : options_.extra_settings) settings.push_back({id, value});
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(options_.connection_window_size));
  Flush();
  return true;
}

H2Client::Stream* H2Client::FindStream(int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

const H2Client::Stream* H2Client::FindStream(int32_t stream_id) const {
  const auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

int32_t H2Client::Submit(std::string_view method, std::string_view path, const HeaderList& headers,
                         std::optional<std::string> body, bool end_stream) {
  HeaderList fields{{":method", std::string(method)},
                    {":scheme", options_.tls ? "https" : "http"},
                    {":authority", options_.authority},
                    {":path", std::string(path)}};
  fields.insert(fields.end(), headers.begin(), headers.end());
  return SubmitFields(fields, std::move(body), end_stream);
}

int32_t H2Client::SubmitRaw(const HeaderList& fields, bool end_stream) {
  return SubmitFields(fields, std::nullopt, end_stream);
}

int32_t H2Client::SubmitFields(const HeaderList& fields, std::optional<std::string> body,
                               bool end_stream) {
  if (session_ == nullptr) {
    Fail("not connected");
    return -1;
  }
  std::vector<nghttp2_nv> nva;
  for (const auto& [name, value] : fields) nva.push_back(Nv(name, value));
  auto stream = std::make_unique<Stream>();
  const bool has_body = body.has_value() || !end_stream;
  stream->body = body.value_or("");
  stream->body_open = !end_stream;
  nghttp2_data_provider provider{};
  provider.source.ptr = stream.get();
  provider.read_callback = Callbacks::ReadBody;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            has_body ? &provider : nullptr, stream.get());
  if (id < 0) {
    Fail(std::string("submit: ") + nghttp2_strerror(id));
    return -1;
  }
  stream->response.stream_id = id;
  streams_[id] = std::move(stream);
  Flush();
  return id;
}

bool H2Client::SendData(int32_t stream_id, std::string_view data, bool end_stream) {
  auto* stream = FindStream(stream_id);
  if (stream == nullptr || !stream->body_open) return false;
  stream->body.append(data);
  stream->body_open = !end_stream;
  if (stream->deferred) {
    stream->deferred = false;
    nghttp2_session_resume_data(session_, stream_id);
  }
  Flush();
  return true;
}

void H2Client::ResetStream(int32_t stream_id, uint32_t error_code) {
  if (session_ == nullptr) return;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, error_code);
  Flush();
}

void H2Client::Ping() {
  if (session_ == nullptr) return;
  nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
  Flush();
}

H2Response H2Client::Snapshot(int32_t stream_id) const {
  const auto* stream = FindStream(stream_id);
  return stream == nullptr ? H2Response{} : stream->response;
}

H2Response H2Client::Await(int32_t stream_id, std::chrono::milliseconds timeout) {
  RunUntil(
      [&] {
        const auto* stream = FindStream(stream_id);
        return stream == nullptr || stream->response.closed;
      },
      timeout);
  return Snapshot(stream_id);
}

H2Response H2Client::Request(std::string_view method, std::string_view path,
                             const HeaderList& headers, std::optional<std::string> body,
                             std::chrono::milliseconds timeout) {
  const int32_t id = Submit(method, path, headers, std::move(body));
  if (id < 0) return {};
  return Await(id, timeout);
}

bool H2Client::RunUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !connection_open()) return ready();
    // Short slices: `ready` may watch something other than this socket (a fake server's counter),
    // which no poll() here would wake up for.
    Pump(std::min(left, kMaxPollSlice));
  }
}

void H2Client::Pump(std::chrono::milliseconds timeout) {
  if (!transport_ || server_closed_) return;
  Flush();
  if (!reading_paused_ && transport_->HasBuffered()) {
    ReadAvailable();
    Flush();
    return;
  }
  const short events =
      static_cast<short>((reading_paused_ ? 0 : POLLIN) | (out_.empty() ? 0 : POLLOUT));
  pollfd p{transport_->fd(), events, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready > 0 && !reading_paused_ && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    ReadAvailable();
  }
  Flush();
}

void H2Client::Flush() {
  if (!transport_ || session_ == nullptr || server_closed_) return;
  while (out_.size() < kMaxOutBuffer) {
    const uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      session_failed_ = true;
      Fail(std::string("mem_send: ") + nghttp2_strerror(static_cast<int>(n)));
      break;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  while (!out_.empty()) {
    const auto result = transport_->Write(out_);
    if (result.status == IoStatus::kWouldBlock) break;
    if (result.status == IoStatus::kClosed) {
      server_closed_ = true;
      break;
    }
    out_.erase(0, result.bytes);
  }
}

bool H2Client::ReadAvailable() {
  char chunk[64 * 1024];
  std::size_t total = 0;
  while (total < kMaxReadPerPump) {
    const auto result = transport_->Read(chunk, sizeof(chunk));
    if (result.status == IoStatus::kWouldBlock) return true;
    if (result.status == IoStatus::kClosed) {
      server_closed_ = true;
      return false;
    }
    total += result.bytes;
    const auto rv =
        nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(chunk), result.bytes);
    if (rv < 0) {
      session_failed_ = true;
      Fail(std::string("mem_recv: ") + nghttp2_strerror(static_cast<int>(rv)));
      return false;
    }
  }
  return true;
}

void H2Client::SetLocalWindow(uint32_t initial_window_size) {
  if (session_ == nullptr) return;
  const nghttp2_settings_entry entry{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, initial_window_size};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &entry, 1);
  Flush();
}

void H2Client::SetAutoWindowUpdate(bool on) {
  auto_window_update_ = on;
  if (!on || session_ == nullptr) return;
  for (auto& [id, stream] : streams_) {
    if (stream->unconsumed == 0) continue;
    nghttp2_session_consume(session_, id, std::exchange(stream->unconsumed, 0));
  }
  Flush();
}

std::size_t H2Client::unconsumed_bytes(int32_t stream_id) const {
  const auto* stream = FindStream(stream_id);
  return stream == nullptr ? 0 : stream->unconsumed;
}

int32_t H2Client::stream_local_window(int32_t stream_id) const {
  if (session_ == nullptr) return 0;
  return stream_id == 0
             ? nghttp2_session_get_effective_local_window_size(session_) -
                   nghttp2_session_get_effective_recv_data_length(session_)
             : nghttp2_session_get_stream_effective_local_window_size(session_, stream_id) -
                   nghttp2_session_get_stream_effective_recv_data_length(session_, stream_id);
}

int32_t H2Client::stream_remote_window(int32_t stream_id) const {
  if (session_ == nullptr) return 0;
  return stream_id == 0 ? nghttp2_session_get_remote_window_size(session_)
                        : nghttp2_session_get_stream_remote_window_size(session_, stream_id);
}

uint32_t H2Client::remote_setting(uint16_t id) const {
  if (session_ == nullptr) return 0;
  return nghttp2_session_get_remote_settings(session_, static_cast<nghttp2_settings_id>(id));
}

bool H2Client::connection_open() const {
  if (!transport_ || server_closed_ || session_failed_ || session_ == nullptr) return false;
  // After a shutdown notice with no stream open nghttp2 wants nothing more, yet the server's
  // final GOAWAY (or its close) is still to come.
  if (shutdown_notices_ > 0 && !goaway_) return true;
  return nghttp2_session_want_read(session_) != 0 || nghttp2_session_want_write(session_) != 0;
}

bool H2Client::WaitForGoaway(std::chrono::milliseconds timeout) {
  return RunUntil([&] { return goaway_.has_value(); }, timeout);
}

bool H2Client::WaitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (transport_ && !server_closed_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    // Keep reading even after nghttp2 has nothing left to do, to see the FIN.
    Pump(left);
  }
  return server_closed_;
}

std::size_t H2Client::frames_received(H2FrameType type) const {
  const auto it = frame_counts_.find(static_cast<uint8_t>(type));
  return it == frame_counts_.end() ? 0 : it->second;
}

void H2Client::Close() { transport_.reset(); }

}  // namespace sluice::testing
