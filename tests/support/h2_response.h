#pragma once
// One HTTP/2 response as H2Client received it: final status, fields, body, trailers, and how the
// stream ended.
//
// Thread-safety: a value type.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/h2_wire.h"
#include "support/raw_client.h"

namespace sluice::testing {

struct H2Response {
  int32_t stream_id = 0;
  int status = 0;      // :status of the final response; 0 if none arrived
  HeaderList headers;  // regular fields of the final response, in wire order (lowercase names)
  HeaderList trailers;
  std::string body;
  // RST_STREAM code from the server, or the code nghttp2 closed the stream with (REFUSED_STREAM
  // for a stream above a GOAWAY's last stream id, ...). nullopt for a stream that ended cleanly.
  std::optional<uint32_t> reset_code;
  bool closed = false;  // the stream is closed (END_STREAM received, reset, or refused)

  // A full response: closed without a reset.
  [[nodiscard]] bool complete() const { return closed && !reset_code; }
  [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
  [[nodiscard]] std::size_t HeaderCount(std::string_view name) const;
  // For assertions shared with the HTTP/1.1 suite: version "HTTP/2", the headers (lowercase, no
  // pseudo-headers), the body; `raw` and `reason` stay empty.
  [[nodiscard]] HttpResponse ToHttpResponse() const;
};

}  // namespace sluice::testing
