#pragma once
// Turns a protocol-neutral response head into HTTP/2 header fields: `:status` first, names
// lowercased (RFC 9113 §8.2.1), connection-specific fields dropped (RFC 9113 §8.2.2: HTTP/2
// forbids them, and a client must treat them as malformed), content-length from the framing
// the handler chose.
//
// Thread-safety: a value; the nghttp2_nv array points into this object, so it must outlive the
// nghttp2_submit_* call that uses it (nghttp2 copies the fields there).
#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <string>
#include <vector>

#include "http/types.h"

namespace sluice::http2 {

class ResponseFields {
 public:
  ResponseFields(const http::ResponseHeader& head, http::BodyLength length, bool bodyless);

  [[nodiscard]] const nghttp2_nv* data() const { return nv_.data(); }
  [[nodiscard]] std::size_t size() const { return nv_.size(); }

 private:
  std::vector<std::string> storage_;  // name, value, name, value, ...
  std::vector<nghttp2_nv> nv_;
};

// Whether a field must not appear in an HTTP/2 message (hop-by-hop or framing); `connection`
// is the value of the message's Connection field, whose tokens name more hop-by-hop fields.
[[nodiscard]] bool IsConnectionSpecific(std::string_view lowercase_name,
                                        std::string_view connection);

}  // namespace sluice::http2
