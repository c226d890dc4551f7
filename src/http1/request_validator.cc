#include "http1/request_validator.h"

#include <boost/asio/ip/address_v6.hpp>
#include <boost/beast/core/string.hpp>
#include <cctype>

namespace sluice::http1 {
namespace {

using http::Field;

bool IsAllDigits(std::string_view s) {
  if (s.empty() || s.size() > 19) return false;  // more than 19 digits overflows uint64
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsRegNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '%' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' ||
         c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '=';
}

ValidationResult Fail(std::string_view why) { return {false, why}; }

ValidationResult CheckFraming(const http::RequestHeader& req) {
  const auto cl_count = req.count(Field::content_length);
  const auto te_count = req.count(Field::transfer_encoding);
  if (cl_count > 1) return Fail("duplicate Content-Length");
  if (cl_count == 1 && !IsAllDigits(req[Field::content_length])) {
    return Fail("invalid Content-Length");
  }
  if (te_count > 0 && cl_count > 0) return Fail("Transfer-Encoding with Content-Length");
  if (te_count > 1) return Fail("multiple Transfer-Encoding headers");
  if (te_count == 1) {
    if (!boost::beast::iequals(req[Field::transfer_encoding], "chunked")) {
      return Fail("unsupported Transfer-Encoding");
    }
    if (req.version() < 11) return Fail("Transfer-Encoding in HTTP/1.0");
  }
  return {};
}

// Absolute-form (RFC 9112 §3.2.2): the target's authority wins, so it must agree with Host,
// otherwise a cache or backend could be told a different host than sluice routed on.
ValidationResult CheckTarget(http::RequestHeader& req) {
  std::string_view target = req.target();
  if (target.empty()) return Fail("empty target");
  if (target == "*") {
    return req.method() == http::Verb::options ? ValidationResult{} : Fail("bad target");
  }
  if (target.front() == '/') return {};
  std::string_view rest;
  if (boost::beast::iequals(target.substr(0, 7), "http://")) {
    rest = target.substr(7);
  } else if (boost::beast::iequals(target.substr(0, 8), "https://")) {
    rest = target.substr(8);
  } else {
    return Fail("bad target");
  }
  const auto path_start = rest.find_first_of("/?");
  const auto authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) return Fail("userinfo in target");
  if (!boost::beast::iequals(authority, req[Field::host])) {
    return Fail("target authority differs from Host");
  }
  std::string origin = "/";
  if (path_start != std::string_view::npos) {
    const auto path = rest.substr(path_start);
    origin = path.front() == '?' ? "/" + std::string(path) : std::string(path);
  }
  req.target(origin);
  return {};
}

}  // namespace

bool IsValidHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  std::string_view name = host;
  if (name.front() == '[') {
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(name.substr(1, close - 1)), ec);
    if (ec) return false;
    name = name.substr(close + 1);
    if (name.empty()) return true;
    if (name.front() != ':') return false;
    return name.size() == 1 || IsAllDigits(name.substr(1));
  }
  const auto colon = name.rfind(':');
  if (colon != std::string_view::npos) {
    const auto port = name.substr(colon + 1);
    if (!port.empty() && (!IsAllDigits(port) || port.size() > 5)) return false;
    name = name.substr(0, colon);
  }
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsRegNameChar(c)) return false;
  }
  return true;
}

ValidationResult ValidateRequest(http::RequestHeader& req) {
  if (auto r = CheckFraming(req); !r.ok) return r;
  const auto host_count = req.count(Field::host);
  if (host_count > 1) return Fail("multiple Host headers");
  if (host_count == 0 && req.version() >= 11) return Fail("missing Host");
  if (host_count == 1 && !IsValidHost(req[Field::host])) return Fail("invalid Host");
  return CheckTarget(req);
}

}  // namespace sluice::http1
