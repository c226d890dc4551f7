#pragma once
// HPACK (RFC 7541) for tests, through nghttp2's deflater and inflater. The encoder and decoder
// keep their dynamic tables, so a test that writes or reads several header blocks on one
// connection must use one of each per direction, as a real peer does; HpackEncode() is the
// one-shot form (a fresh table per call is still valid on the wire: entries it adds are only
// never referenced again).
//
// Thread-safety: HpackEncoder and HpackDecoder are owned by one thread; free functions are
// thread-safe.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "support/h2_wire.h"

struct nghttp2_hd_deflater;
struct nghttp2_hd_inflater;

namespace sluice::testing {

class HpackEncoder {
 public:
  // `max_table_size`: the dynamic table size the peer's decoder allows (4096 by default).
  explicit HpackEncoder(std::size_t max_table_size = 4096);
  ~HpackEncoder();
  HpackEncoder(const HpackEncoder&) = delete;
  HpackEncoder& operator=(const HpackEncoder&) = delete;

  // Encodes the list as one header block (names are sent as given: lowercase them yourself
  // unless the test is about uppercase names).
  [[nodiscard]] std::string Encode(const HeaderList& headers);

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
};

class HpackDecoder {
 public:
  HpackDecoder();
  ~HpackDecoder();
  HpackDecoder(const HpackDecoder&) = delete;
  HpackDecoder& operator=(const HpackDecoder&) = delete;

  // Decodes one complete header block; nullopt when it is not valid HPACK (the decoder is then
  // unusable, like a connection after a COMPRESSION_ERROR).
  [[nodiscard]] std::optional<HeaderList> Decode(std::string_view block);

 private:
  nghttp2_hd_inflater* inflater_ = nullptr;
};

// One-shot encoding with a fresh dynamic table.
[[nodiscard]] std::string HpackEncode(const HeaderList& headers);

// The request pseudo-headers in the order RFC 9113 §8.3.1 lists them, then `extra`.
[[nodiscard]] HeaderList H2RequestHeaders(std::string_view method, std::string_view path,
                                          const HeaderList& extra = {},
                                          std::string_view authority = "example.test",
                                          std::string_view scheme = "http");

}  // namespace sluice::testing
