#include "support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sluice::testing {

using Clock = std::chrono::steady_clock;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto la = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
    const auto lb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[i])));
    if (la != lb) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ParsedResponse Error() { return {ParseStatus::kError, {}, 0}; }
ParsedResponse NeedMore(bool at_eof) { return at_eof ? Error() : ParsedResponse{}; }

bool ParseStatusLine(std::string_view line, HttpResponse& out) {
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || !line.starts_with("HTTP/")) return false;
  out.version = std::string(line.substr(0, sp1));
  const auto rest = line.substr(sp1 + 1);
  if (rest.size() < 3) return false;
  int status = 0;
  for (int i = 0; i < 3; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
    status = status * 10 + (rest[i] - '0');
  }
  out.status = status;
  if (rest.size() > 3) {
    if (rest[3] != ' ') return false;
    out.reason = std::string(rest.substr(4));
  }
  return true;
}

// Decodes a chunked body starting at data[pos]; on success sets `end` past the trailers.
ParseStatus DecodeChunked(std::string_view data, std::size_t pos, std::string& body,
                          std::size_t& end) {
  for (;;) {
    const auto eol = data.find("\r\n", pos);
    if (eol == std::string_view::npos) return ParseStatus::kNeedMore;
    auto size_text = data.substr(pos, eol - pos);
    size_text = Trim(size_text.substr(0, size_text.find(';')));
    if (size_text.empty() || size_text.size() > 15) return ParseStatus::kError;
    std::size_t size = 0;
    for (char c : size_text) {
      const int digit = std::isdigit(static_cast<unsigned char>(c))
                            ? c - '0'
                            : (std::isxdigit(static_cast<unsigned char>(c))
                                   ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                                   : -1);
      if (digit < 0) return ParseStatus::kError;
      size = size * 16 + static_cast<std::size_t>(digit);
    }
    pos = eol + 2;
    if (size == 0) {
      // Trailer section: lines until an empty one.
      for (;;) {
        const auto tl = data.find("\r\n", pos);
        if (tl == std::string_view::npos) return ParseStatus::kNeedMore;
        const bool empty = tl == pos;
        pos = tl + 2;
        if (empty) {
          end = pos;
          return ParseStatus::kComplete;
        }
      }
    }
    if (data.size() < pos + size + 2) return ParseStatus::kNeedMore;
    body.append(data.substr(pos, size));
    pos += size;
    if (data.substr(pos, 2) != "\r\n") return ParseStatus::kError;
    pos += 2;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return v;
  }
  return std::nullopt;
}

std::size_t HttpResponse::HeaderCount(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& h) { return IEquals(h.first, name); }));
}

ParsedResponse ParseResponse(std::string_view data, bool head_request, bool at_eof) {
  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return NeedMore(at_eof);
  ParsedResponse out;
  auto& res = out.response;
  std::string_view head = data.substr(0, head_end + 2);
  auto eol = head.find("\r\n");
  if (!ParseStatusLine(head.substr(0, eol), res)) return Error();
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error();
    res.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(Trim(line.substr(colon + 1))));
  }
  const std::size_t body_start = head_end + 4;
  std::size_t end = body_start;
  const bool no_body = head_request || res.status < 200 || res.status == 204 || res.status == 304;
  const auto te = res.Header("Transfer-Encoding");
  const auto cl = res.Header("Content-Length");
  if (no_body) {
    end = body_start;
  } else if (te && te->find("chunked") != std::string::npos) {
    res.chunked = true;
    const auto st = DecodeChunked(data, body_start, res.body, end);
    if (st == ParseStatus::kError) return Error();
    if (st == ParseStatus::kNeedMore) return NeedMore(at_eof);
  } else if (cl) {
    std::size_t length = 0;
    for (char c : *cl) {
      if (c < '0' || c > '9') return Error();
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    if (data.size() < body_start + length) return NeedMore(at_eof);
    res.body = std::string(data.substr(body_start, length));
    end = body_start + length;
  } else {
    if (!at_eof) return {};  // delimited by close
    res.body = std::string(data.substr(body_start));
    end = data.size();
  }
  res.raw = std::string(data.substr(0, end));
  out.status = ParseStatus::kComplete;
  out.consumed = end;
  return out;
}

std::vector<HttpResponse> ParseResponses(std::string_view data) {
  std::vector<HttpResponse> out;
  while (!data.empty()) {
    auto parsed = ParseResponse(data, false, /*at_eof=*/true);
    if (parsed.status != ParseStatus::kComplete) break;
    data.remove_prefix(parsed.consumed);
    out.push_back(std::move(parsed.response));
  }
  return out;
}

RawClient::RawClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    connect_errno_ = errno;
    return;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    connect_errno_ = errno;
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::Send(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawClient::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawClient::Fill(Clock::time_point deadline) {
  if (fd_ < 0 || closed_) return false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[256 * 1024];
    const auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    closed_ = true;  // 0 = FIN; ECONNRESET & co = RST: either way the server is gone
    return false;
  }
}

std::optional<HttpResponse> RawClient::ReadResponse(std::chrono::milliseconds timeout,
                                                    bool head_request) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto parsed = ParseResponse(buffer_, head_request, closed_);
    if (parsed.status == ParseStatus::kComplete) {
      buffer_.erase(0, parsed.consumed);
      return std::move(parsed.response);
    }
    if (parsed.status == ParseStatus::kError) return std::nullopt;
    if (!Fill(deadline) && !closed_) return std::nullopt;  // timed out
  }
}

std::string RawClient::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Fill(deadline)) {
  }
  return std::exchange(buffer_, {});
}

bool RawClient::ReadSome(std::chrono::milliseconds timeout) { return Fill(Clock::now() + timeout); }

bool RawClient::WaitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Fill(deadline)) {
  }
  return closed_;
}

RawExchange SendAndReadResponse(uint16_t port, std::string_view bytes,
                                std::chrono::milliseconds close_wait, bool head_request) {
  RawExchange out;
  RawClient client(port);
  if (!client.Send(bytes)) return out;
  out.response = client.ReadResponse(5s, head_request);
  if (!out.response) {
    out.server_closed = client.server_closed();
    return out;
  }
  out.server_closed = client.WaitForClose(close_wait);
  out.extra = client.buffered();
  return out;
}

RawStream ReadUntilClosed(uint16_t port, std::string_view bytes,
                          std::chrono::milliseconds timeout) {
  RawStream out;
  RawClient client(port);
  if (!client.Send(bytes)) return out;
  out.data = client.ReadUntilClosed(timeout);
  out.server_closed = client.server_closed();
  return out;
}

std::string MakeRequest(std::string_view method, std::string_view target,
                        const std::vector<std::string>& headers, std::string_view body,
                        std::string_view host) {
  std::string out;
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  if (!host.empty()) {
    out += "Host: ";
    out += host;
    out += "\r\n";
  }
  for (const auto& h : headers) out += h + "\r\n";
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace sluice::testing
