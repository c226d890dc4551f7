#include "demo_backend/routes.h"

#include <charconv>
#include <utility>

namespace sluice::demo_backend {
namespace {

constexpr std::string_view kHello = "hello from demo backend\n";

// Returns the value of `key` in the query string, if present.
std::optional<std::string_view> QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// Parses an unsigned integer query parameter within [0, max]; nullopt when missing or invalid.
std::optional<std::uint64_t> UintParam(std::string_view query, std::string_view key,
                                       std::uint64_t max) {
  const auto text = QueryParam(query, key);
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value > max) return std::nullopt;
  return value;
}

Reply BadRequest(std::string message) {
  return Reply{.status = 400, .body = std::move(message) + "\n"};
}

}  // namespace

Reply Route(std::string_view target, std::string_view request_content_type, std::string& body) {
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  if (path == "/delay") {
    const auto ms = UintParam(query, "ms", kMaxDelay.count());
    if (!ms) return BadRequest("ms must be an integer in [0, 300000]");
    return Reply{.body = std::string(kHello), .delay = std::chrono::milliseconds(*ms)};
  }
  if (path == "/echo") {
    return Reply{.content_type = request_content_type.empty() ? "application/octet-stream"
                                                              : std::string(request_content_type),
                 .body = std::move(body)};
  }
  if (path == "/status") {
    const auto code = UintParam(query, "code", 599);
    if (!code || *code < 200) return BadRequest("code must be an integer in [200, 599]");
    Reply reply{.status = static_cast<unsigned>(*code)};
    // 204 and 304 must not carry a body (RFC 9110 §15.3.5, §15.4.5).
    if (*code != 204 && *code != 304) reply.body = "status " + std::to_string(*code) + "\n";
    return reply;
  }
  if (path == "/bytes" || path == "/chunked") {
    const auto n = UintParam(query, "n", kMaxGeneratedBody);
    if (!n) return BadRequest("n must be an integer in [0, 67108864]");
    return Reply{.content_type = "application/octet-stream",
                 .generated_bytes = *n,
                 .chunked = path == "/chunked"};
  }
  return Reply{.body = std::string(kHello)};
}

}  // namespace sluice::demo_backend
