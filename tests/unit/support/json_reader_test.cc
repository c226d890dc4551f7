#include "support/json_reader.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace sluice::testing {
namespace {

TEST(JsonReaderSelfTest, RejectsInvalidJson) {
  const auto expect_rejected = [](std::initializer_list<std::string_view> texts) {
    for (const auto text : texts) EXPECT_FALSE(JsonReader::Parse(text).has_value()) << text;
  };
  // Structure.
  expect_rejected({"", "{", "{\"a\":1,}", "[1,]", "[,]", "[1 2]", "{\"a\" 1}", "{\"a\":1}x",
                   "{a:1}", "{\"a\":1,\"a\":2}"});
  // Strings: raw control characters, unterminated, unknown or malformed escapes.
  expect_rejected(
      {"\"\x01\"", "\"abc", "\"\\x\"", "\"\\u00\"", "\"\\u00g0\"", "\"\\u-001\"", "\"\\u0x1f\""});
  // Numbers outside the RFC grammar, and misspelt literals.
  expect_rejected({"{\"a\":01}", "1.", "+1", ".5", "-", "1e", "0x10", "nan", "inf"});
  expect_rejected({"tru", "nul", "truex"});
  EXPECT_TRUE(JsonReader::Parse(R"({"a":[1,-2.5e3,"x\n\u0001",true,false,null,{}]})").has_value());
}

TEST(JsonReaderSelfTest, ReadsEveryKindOfValue) {
  const auto json = JsonReader::Parse(
      " {\"s\":\"x\",\n\"n\":-0.5E+2,\"t\":true,\"f\":false,"
      "\"z\":null,\"a\":[1,[]],\"o\":{\"k\":\"v\"}}\r\n");
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ((*json)["s"].kind, Json::Kind::kString);
  EXPECT_EQ((*json)["s"].text, "x");
  EXPECT_EQ((*json)["n"].kind, Json::Kind::kNumber);
  EXPECT_EQ((*json)["n"].text, "-0.5E+2");
  EXPECT_EQ((*json)["n"].number, -50);
  EXPECT_TRUE((*json)["t"].boolean);
  EXPECT_EQ((*json)["f"].kind, Json::Kind::kBool);
  EXPECT_FALSE((*json)["f"].boolean);
  EXPECT_EQ((*json)["z"].kind, Json::Kind::kNull);
  EXPECT_TRUE(json->Has("z"));
  EXPECT_FALSE(json->Has("missing"));
  EXPECT_EQ((*json)["missing"]["deeper"].kind, Json::Kind::kNull);
  ASSERT_EQ((*json)["a"].array.size(), 2u);
  EXPECT_EQ((*json)["a"][1].kind, Json::Kind::kArray);
  EXPECT_EQ((*json)["o"]["k"].text, "v");
}

TEST(JsonReaderSelfTest, DecodesEscapesToTheBytesTheWriterEscaped) {
  const auto json = JsonReader::Parse(R"("\"\\\/\b\f\n\r\t\u0000\u001F\u007f\u00ff\u00C3")");
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->text, std::string("\"\\/\b\f\n\r\t\0\x1f\x7f\xff\xc3", 13));
}

TEST(JsonReaderSelfTest, RejectsEscapesNoWriterOfOursEmits) {
  for (std::string_view wide : {R"("\u0100")", R"("\u20ac")", R"("\ud83d\ude00")"}) {
    EXPECT_FALSE(JsonReader::Parse(wide).has_value()) << wide;
  }
}

TEST(JsonReaderSelfTest, LimitsNestingDepth) {
  const auto nested = [](int levels) {
    return std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']');
  };
  // The outermost value is depth 0, so kMaxDepth + 1 brackets are the deepest accepted.
  EXPECT_TRUE(JsonReader::Parse(nested(JsonReader::kMaxDepth + 1)).has_value());
  EXPECT_FALSE(JsonReader::Parse(nested(JsonReader::kMaxDepth + 2)).has_value());
}

TEST(ParseFlatJsonObjectTest, ReadsAFlatObject) {
  const auto object = ParseFlatJsonObject(R"({"a":"x","b":1.50,"c":null,"d":true})");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->size(), 4u);
  EXPECT_EQ(object->at("a").text, "x");
  EXPECT_EQ(object->at("b").kind, Json::Kind::kNumber);
  EXPECT_EQ(object->at("b").text, "1.50");
  EXPECT_EQ(object->at("c").kind, Json::Kind::kNull);
  EXPECT_EQ(object->at("d").kind, Json::Kind::kBool);
  EXPECT_TRUE(ParseFlatJsonObject("{}").has_value());
}

TEST(ParseFlatJsonObjectTest, RejectsNestingNonObjectsAndLineBreaks) {
  for (std::string_view bad : {R"({"a":{}})", R"({"a":[]})", R"(["a"])", R"("a")", "1",
                               "{\"a\":1,\n\"b\":2}", "{\"a\":1}\n", "{\"a\":1,}"}) {
    EXPECT_FALSE(ParseFlatJsonObject(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sluice::testing
