#include "http2/response_fields.h"

#include <boost/beast/core/string.hpp>
#include <charconv>

#include "http/field_scan.h"

namespace sluice::http2 {

namespace {

// nghttp2 takes non-const pointers but only reads through them.
uint8_t* Bytes(const char* p) { return reinterpret_cast<uint8_t*>(const_cast<char*>(p)); }

// A per-response unique value: indexing it would only churn the client's HPACK table.
bool NeverIndexed(std::string_view lowercase_name) { return lowercase_name == "x-request-id"; }

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

ResponseFields::ResponseFields(const http::ResponseHeader& head,
                               std::span<const http::FieldLine> added, http::BodyLength length,
                               bool bodyless) {
  const int status = head.result_int();
  const std::string_view connection = http::FieldValue(head, {http::Field::connection});
  std::size_t count = added.size();
  std::size_t name_bytes = 0;
  for (const auto& f : head) {
    ++count;
    name_bytes += f.name_string().size();
  }
  for (const auto& f : added) name_bytes += f.name.size();
  names_.reserve(name_bytes);  // filled below without growing: the nv entries point into it
  nv_.reserve(count + 2);
  const auto status_end =
      std::to_chars(status_.data(), status_.data() + status_.size(), status).ptr;
  nv_.push_back({Bytes(":status"), Bytes(status_.data()), 7,
                 static_cast<std::size_t>(status_end - status_.data()), NGHTTP2_NV_FLAG_NONE});
  for (const auto& f : head) Add(f.name_string(), f.value(), connection);
  for (const auto& f : added) Add(f.name, f.value, connection);
  // RFC 9110 §8.6: no Content-Length on 1xx/204; on HEAD and 304 it describes the GET body.
  const bool may_have_length = status >= 200 && status != 204;
  if (length.content_length && may_have_length && (!bodyless || *length.content_length > 0)) {
    const auto end = std::to_chars(content_length_.data(),
                                   content_length_.data() + content_length_.size(),
                                   *length.content_length)
                         .ptr;
    nv_.push_back({Bytes("content-length"), Bytes(content_length_.data()), 14,
                   static_cast<std::size_t>(end - content_length_.data()), NGHTTP2_NV_FLAG_NONE});
  }
}

void ResponseFields::Add(std::string_view raw_name, std::string_view value,
                         std::string_view connection) {
  const std::size_t at = names_.size();
  names_.resize(at + raw_name.size());  // within the reservation: earlier entries stay put
  char* out = names_.data() + at;
  for (char c : raw_name) *out++ = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  const std::string_view name(names_.data() + at, raw_name.size());
  if (IsConnectionSpecific(name, connection)) {
    names_.resize(at);
    return;
  }
  nv_.push_back({Bytes(name.data()), Bytes(value.data()), name.size(), value.size(),
                 static_cast<uint8_t>(NeverIndexed(name) ? NGHTTP2_NV_FLAG_NO_INDEX
                                                         : NGHTTP2_NV_FLAG_NONE)});
}

}  // namespace sluice::http2
