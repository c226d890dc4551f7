#include "support/h2_echo_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <string_view>
#include <utility>

namespace sluice::testing {

namespace {

struct ServerStream {
  H2ServedRequest request;
  std::string body;  // response body not yet handed to nghttp2
  bool trailers = false;
};

nghttp2_nv Nv(std::string_view name, std::string_view value) {
  // nghttp2 copies name and value at submit time.
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

// The number after `prefix` in `path`, or nullopt.
std::optional<uint32_t> Suffix(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return std::nullopt;
  uint32_t n = 0;
  for (char c : path.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

}  // namespace

struct H2EchoServer::Connection {
  H2EchoServer* server = nullptr;
  std::unique_ptr<H2Transport> transport;
  nghttp2_session* session = nullptr;
  std::string out;
  std::map<int32_t, ServerStream> streams;  // node addresses are the data sources

  ~Connection() {
    if (session != nullptr) nghttp2_session_del(session);
  }
};

struct H2EchoServer::Callbacks {
  static Connection& Conn(void* user_data) { return *static_cast<Connection*>(user_data); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) Conn(user_data).streams[frame->hd.stream_id];
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user_data) {
    auto& streams = Conn(user_data).streams;
    const auto it = streams.find(frame->hd.stream_id);
    if (it == streams.end()) return 0;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    auto& request = it->second.request;
    if (n == ":method") {
      request.method = std::move(v);
    } else if (n == ":path") {
      request.path = std::move(v);
    } else if (n.empty() || n.front() != ':') {
      request.headers.emplace_back(std::move(n), std::move(v));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user_data) {
    auto& conn = Conn(user_data);
    conn.server->body_bytes_received_ += len;
    if (const auto it = conn.streams.find(stream_id); it != conn.streams.end()) {
      it->second.request.body.append(reinterpret_cast<const char*>(data), len);
    }
    if (conn.server->options_.consume_request_body)
      nghttp2_session_consume(session, stream_id, len);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& conn = Conn(user_data);
    if (frame->hd.type == NGHTTP2_RST_STREAM) ++conn.server->resets_received_;
    const bool request_done =
        (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (request_done && conn.streams.contains(frame->hd.stream_id)) {
      Respond(conn, frame->hd.stream_id);
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    Conn(user_data).streams.erase(stream_id);
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void* user_data) {
    auto* stream = static_cast<ServerStream*>(source->ptr);
    const std::size_t n = std::min(length, stream->body.size());
    std::copy_n(stream->body.data(), n, buf);
    stream->body.erase(0, n);
    Conn(user_data).server->body_bytes_sent_ += n;
    if (stream->body.empty()) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      if (stream->trailers) {
        // RFC 9113 §8.1: trailers end the stream instead of the last DATA frame.
        *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        const nghttp2_nv trailer = Nv("x-trailer", "done");
        nghttp2_submit_trailer(session, stream_id, &trailer, 1);
      }
    }
    return static_cast<ssize_t>(n);
  }

  static void Submit(Connection& conn, int32_t id, std::string_view status,
                     std::vector<nghttp2_nv> extra, std::string body) {
    auto& stream = conn.streams[id];
    stream.body = std::move(body);
    std::vector<nghttp2_nv> nva{Nv(":status", status)};
    nva.insert(nva.end(), extra.begin(), extra.end());
    nghttp2_data_provider provider{};
    provider.source.ptr = &stream;
    provider.read_callback = ReadBody;
    const bool has_body = !stream.body.empty() || stream.trailers;
    nghttp2_submit_response(conn.session, id, nva.data(), nva.size(),
                            has_body ? &provider : nullptr);
  }

  static void Respond(Connection& conn, int32_t id) {
    auto& stream = conn.streams[id];
    const auto request = stream.request;
    {
      std::lock_guard lock(conn.server->mu_);
      conn.server->requests_.push_back(request);
    }
    const std::string_view path = request.path;
    if (const auto n = Suffix(path, "/bytes/")) {
      Submit(conn, id, "200", {}, std::string(*n, 'x'));
    } else if (const auto code = Suffix(path, "/status/")) {
      const auto text = std::to_string(*code);
      Submit(conn, id, text, {}, {});
    } else if (const auto rst = Suffix(path, "/reset/")) {
      nghttp2_submit_rst_stream(conn.session, NGHTTP2_FLAG_NONE, id, *rst);
    } else if (const auto goaway = Suffix(path, "/goaway/")) {
      nghttp2_session_terminate_session2(conn.session, id, *goaway);
    } else if (path == "/trailers") {
      stream.trailers = true;
      Submit(conn, id, "200", {}, "body");
    } else if (path == "/interim") {
      const nghttp2_nv interim[] = {Nv(":status", "103"), Nv("link", "</a>")};
      nghttp2_submit_headers(conn.session, NGHTTP2_FLAG_NONE, id, nullptr, interim, 2, nullptr);
      Submit(conn, id, "200", {}, "final");
    } else if (path != "/hold") {
      Submit(conn, id, "200", {Nv("x-method", request.method), Nv("x-path", request.path)},
             request.body.empty() ? "hello" : request.body);
    }
  }
};

H2EchoServer::H2EchoServer(H2EchoServerOptions options) : options_(std::move(options)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
}

H2EchoServer::~H2EchoServer() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  connections_.clear();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

std::vector<H2ServedRequest> H2EchoServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void H2EchoServer::Run() {
  for (;;) {
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    bool buffered = false;
    for (const auto& conn : connections_) {
      const short events = static_cast<short>(POLLIN | (conn->out.empty() ? 0 : POLLOUT));
      fds.push_back({conn->transport->fd(), events, 0});
      buffered = buffered || conn->transport->HasBuffered();
    }
    if (::poll(fds.data(), fds.size(), buffered ? 0 : -1) < 0 && errno != EINTR) return;
    if ((fds[0].revents & POLLIN) != 0) return;
    // Serve before accepting: fds[i + 2] matches connections_[i] only until the vector grows.
    for (std::size_t i = 0; i < connections_.size();) {
      const short revents = fds[i + 2].revents;
      const bool readable = (revents & (POLLIN | POLLHUP | POLLERR)) != 0 ||
                            connections_[i]->transport->HasBuffered();
      if ((readable || (revents & POLLOUT) != 0) && !Serve(*connections_[i], readable)) {
        connections_.erase(connections_.begin() + static_cast<std::ptrdiff_t>(i));
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i + 2));
        ++closed_;
        continue;
      }
      ++i;
    }
    if ((fds[1].revents & POLLIN) != 0) Accept();
  }
}

void H2EchoServer::Accept() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  ++accepted_;
  std::string error;
  auto transport =
      options_.tls ? AcceptTls(fd, *options_.tls, std::chrono::seconds(5), error) : AcceptTcp(fd);
  if (!transport) {
    ++closed_;
    return;
  }
  auto conn = std::make_unique<Connection>();
  conn->server = this;
  conn->transport = std::move(transport);
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Callbacks::OnStreamClose);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  // Request bodies are consumed by OnDataChunk, or never when the options say so.
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_session_server_new2(&conn->session, callbacks, conn.get(), option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options_.initial_window_size}};
  nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, settings, 2);
  if (Serve(*conn, false)) {
    connections_.push_back(std::move(conn));
  } else {
    ++closed_;
  }
}

bool H2EchoServer::Serve(Connection& conn, bool readable) {
  while (readable) {
    char chunk[64 * 1024];
    const auto result = conn.transport->Read(chunk, sizeof(chunk));
    if (result.status == IoStatus::kWouldBlock) break;
    if (result.status == IoStatus::kClosed) return false;
    if (nghttp2_session_mem_recv(conn.session, reinterpret_cast<const uint8_t*>(chunk),
                                 result.bytes) < 0) {
      return false;
    }
  }
  for (;;) {
    const uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(conn.session, &data);
    if (n < 0) return false;
    if (n == 0) break;
    conn.out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  while (!conn.out.empty()) {
    const auto result = conn.transport->Write(conn.out);
    if (result.status == IoStatus::kClosed) return false;
    if (result.status == IoStatus::kWouldBlock) break;
    conn.out.erase(0, result.bytes);
  }
  return !conn.out.empty() || nghttp2_session_want_read(conn.session) != 0 ||
         nghttp2_session_want_write(conn.session) != 0;
}

}  // namespace sluice::testing
