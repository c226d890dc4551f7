#include "support/hpack_codec.h"

#include <gtest/gtest.h>

namespace sluice::testing {
namespace {

TEST(FrameHpackTest, EncodedBlocksDecodeBackInOrder) {
  const HeaderList headers = H2RequestHeaders("GET", "/a?b=c", {{"x-tenant", "t1"}, {"x-n", ""}});
  HpackDecoder decoder;
  EXPECT_EQ(decoder.Decode(HpackEncode(headers)), headers);
}

TEST(FrameHpackTest, StatefulEncoderReusesItsDynamicTable) {
  const HeaderList headers{{"x-long-custom-header", std::string(100, 'v')}};
  HpackEncoder encoder;
  HpackDecoder decoder;
  const auto first = encoder.Encode(headers);
  const auto second = encoder.Encode(headers);
  EXPECT_LT(second.size(), first.size() / 10);  // an index into the table, not the literal
  EXPECT_EQ(decoder.Decode(first), headers);
  EXPECT_EQ(decoder.Decode(second), headers);
}

TEST(FrameHpackTest, DecoderRejectsInvalidBlocks) {
  HpackDecoder decoder;
  // 0xff 0xff...: an indexed field whose index never ends / is far past the tables.
  EXPECT_FALSE(decoder.Decode(std::string("\xff\xff\xff\xff\x0f", 5)).has_value());
}

TEST(FrameHpackTest, RequestHeadersPutPseudoHeadersFirst) {
  const auto headers = H2RequestHeaders("POST", "/p", {{"a", "b"}}, "h.test", "https");
  const HeaderList expected{{":method", "POST"},
                            {":scheme", "https"},
                            {":authority", "h.test"},
                            {":path", "/p"},
                            {"a", "b"}};
  EXPECT_EQ(headers, expected);
}

}  // namespace
}  // namespace sluice::testing
