#include "http2/response_fields.h"

#include <boost/beast/core/string.hpp>
#include <cctype>

namespace sluice::http2 {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ListedIn(std::string_view name, std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto token = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (boost::beast::iequals(token, name)) return true;
  }
  return false;
}

}  // namespace

bool IsConnectionSpecific(std::string_view name, std::string_view connection) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "te" ||
         name == "content-length" || ListedIn(name, connection);
}

ResponseFields::ResponseFields(const http::ResponseHeader& head, http::BodyLength length,
                               bool bodyless) {
  const int status = head.result_int();
  const std::string_view connection = head[http::Field::connection];
  storage_.reserve(2 * (static_cast<std::size_t>(std::distance(head.begin(), head.end())) + 2));
  storage_.emplace_back(":status");
  storage_.emplace_back(std::to_string(status));
  for (const auto& f : head) {
    std::string name = Lower(f.name_string());
    if (IsConnectionSpecific(name, connection)) continue;
    storage_.push_back(std::move(name));
    storage_.emplace_back(f.value());
  }
  // RFC 9110 §8.6: no Content-Length on 1xx/204; on HEAD and 304 it describes the GET body.
  const bool may_have_length = status >= 200 && status != 204;
  if (length.content_length && may_have_length && (!bodyless || *length.content_length > 0)) {
    storage_.emplace_back("content-length");
    storage_.emplace_back(std::to_string(*length.content_length));
  }
  nv_.reserve(storage_.size() / 2);
  for (std::size_t i = 0; i + 1 < storage_.size(); i += 2) {
    auto& n = storage_[i];
    auto& v = storage_[i + 1];
    nv_.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                   n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
}

}  // namespace sluice::http2
