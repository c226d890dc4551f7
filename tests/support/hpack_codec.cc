#include "support/hpack_codec.h"

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <vector>

namespace sluice::testing {

namespace {

uint8_t* Bytes(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }
uint8_t* Bytes(const std::string& s) {
  return reinterpret_cast<uint8_t*>(const_cast<char*>(s.data()));
}

}  // namespace

HpackEncoder::HpackEncoder(std::size_t max_table_size) {
  nghttp2_hd_deflate_new(&deflater_, max_table_size);
}

HpackEncoder::~HpackEncoder() {
  if (deflater_ != nullptr) nghttp2_hd_deflate_del(deflater_);
}

std::string HpackEncoder::Encode(const HeaderList& headers) {
  if (deflater_ == nullptr) return {};
  std::vector<nghttp2_nv> nva;
  nva.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    // NO_COPY: nghttp2 reads the strings during this call only, and they outlive it.
    nva.push_back({Bytes(name), Bytes(value), name.size(), value.size(),
                   NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE});
  }
  std::string out(nghttp2_hd_deflate_bound(deflater_, nva.data(), nva.size()), '\0');
  const auto n = nghttp2_hd_deflate_hd(deflater_, Bytes(out), out.size(), nva.data(), nva.size());
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

HpackDecoder::HpackDecoder() { nghttp2_hd_inflate_new(&inflater_); }

HpackDecoder::~HpackDecoder() {
  if (inflater_ != nullptr) nghttp2_hd_inflate_del(inflater_);
}

std::optional<HeaderList> HpackDecoder::Decode(std::string_view block) {
  if (inflater_ == nullptr) return std::nullopt;
  HeaderList out;
  auto* in = reinterpret_cast<const uint8_t*>(block.data());
  std::size_t left = block.size();
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    // in_final = 1: the whole block is here, so the inflater may report the end of it.
    const auto n = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
    if (n < 0) return std::nullopt;
    in += n;
    left -= static_cast<std::size_t>(n);
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
      out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                       std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    }
    if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) {
      nghttp2_hd_inflate_end_headers(inflater_);
      return out;
    }
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && n == 0) return std::nullopt;  // no progress
  }
}

std::string HpackEncode(const HeaderList& headers) { return HpackEncoder().Encode(headers); }

HeaderList H2RequestHeaders(std::string_view method, std::string_view path, const HeaderList& extra,
                            std::string_view authority, std::string_view scheme) {
  HeaderList out{{":method", std::string(method)},
                 {":scheme", std::string(scheme)},
                 {":authority", std::string(authority)},
                 {":path", std::string(path)}};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

}  // namespace sluice::testing
