#pragma once
// Serialises a response head for HTTP/1.1 and chooses its framing. The handler's framing and
// hop-by-hop headers are dropped and replaced by ours (RFC 9110 §7.6.1, RFC 9112 §6), so what
// a backend said about its own connection never leaks to the client's.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "http/types.h"

namespace sluice::http1 {

struct ResponseFraming {
  bool bodyless = false;    // HEAD, 1xx, 204, 304: body bytes are never sent
  bool chunked = false;     // length unknown and the client speaks HTTP/1.1
  bool keep_alive = true;   // false: "Connection: close", and close after the body
  bool content_length = false;
};

[[nodiscard]] ResponseFraming ChooseFraming(unsigned status, bool head_request,
                                            unsigned request_version, http::BodyLength length,
                                            bool keep_alive);

// `added` are written after the head's own fields (see http::ServerExchange::WriteHead).
void AppendResponseHead(std::string& out, const http::ResponseHeader& head,
                        std::span<const http::FieldLine> added, const ResponseFraming& framing,
                        http::BodyLength length, unsigned request_version);

// True for headers that describe one connection, not the message (never forwarded).
[[nodiscard]] bool IsHopByHop(std::string_view name);

void AppendChunkHeader(std::string& out, std::size_t size);
// What follows a chunk's data: its CRLF, and the last-chunk when `last`.
[[nodiscard]] std::string_view ChunkSuffix(bool had_data, bool last);

}  // namespace sluice::http1
