#pragma once
// Turns a protocol-neutral response head into HTTP/2 header fields: `:status` first, names
// lowercased (RFC 9113 §8.2.1), connection-specific fields dropped (RFC 9113 §8.2.2: HTTP/2
// forbids them, and a client must treat them as malformed), content-length from the framing
// the handler chose.
//
// Thread-safety: a value; the nghttp2_nv array points into this object and into the head it was
// made from, so both must outlive the nghttp2_submit_* call that uses it (nghttp2 copies the
// fields there).
#include <nghttp2/nghttp2.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "http/types.h"

namespace sluice::http2 {

class ResponseFields {
 public:
  // `added` follow the head's own fields (see http::ServerExchange::WriteHead).
  ResponseFields(const http::ResponseHeader& head, std::span<const http::FieldLine> added,
                 http::BodyLength length, bool bodyless);
  ResponseFields(const ResponseFields&) = delete;
  ResponseFields& operator=(const ResponseFields&) = delete;

  [[nodiscard]] const nghttp2_nv* data() const { return nv_.data(); }
  [[nodiscard]] std::size_t size() const { return nv_.size(); }

 private:
  // Values point into `head` and `added` (which must outlive this object); only what has to change is
  // stored here: every lowercased name in one buffer, reserved up front so it never moves, and
  // the digits of :status and content-length. Two allocations per response, not one per field.
  // Appends a field with its name lowercased, unless it is connection-specific.
  void Add(std::string_view raw_name, std::string_view value, std::string_view connection);

  std::string names_;
  std::array<char, 4> status_{};
  std::array<char, 24> content_length_{};
  std::vector<nghttp2_nv> nv_;
};

// Whether a field must not appear in an HTTP/2 message (hop-by-hop or framing); `connection`
// is the value of the message's Connection field, whose tokens name more hop-by-hop fields.
[[nodiscard]] bool IsConnectionSpecific(std::string_view lowercase_name,
                                        std::string_view connection);

}  // namespace sluice::http2
