#include "support/json_reader.h"

#include <cstdlib>
#include <utility>

namespace sluice::testing {
namespace {

// Recursive descent over one document; `pos_` is the next unread byte.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<Json> Document() {
    Json value;
    SkipWs();
    if (!Value(value, 0)) return std::nullopt;
    SkipWs();
    if (pos_ != s_.size()) return std::nullopt;
    return value;
  }

 private:
  bool Value(Json& out, int depth) {
    if (depth > JsonReader::kMaxDepth || pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"':
        out.kind = Json::Kind::kString;
        return String(out.text);
      case 't':
        out.kind = Json::Kind::kBool;
        out.boolean = true;
        return Literal("true");
      case 'f':
        out.kind = Json::Kind::kBool;
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number(out);
    }
  }

  bool Object(Json& out, int depth) {
    out.kind = Json::Kind::kObject;
    return Members('}', [&] {
      std::string key;
      if (!Peek('"') || !String(key)) return false;
      SkipWs();
      if (!Peek(':')) return false;
      ++pos_;
      SkipWs();
      Json value;
      return Value(value, depth + 1) &&
             out.object.emplace(std::move(key), std::move(value)).second;  // no duplicate keys
    });
  }

  bool Array(Json& out, int depth) {
    out.kind = Json::Kind::kArray;
    return Members(']', [&] {
      Json value;
      if (!Value(value, depth + 1)) return false;
      out.array.push_back(std::move(value));
      return true;
    });
  }

  // What objects and arrays share: the opening bracket, members separated by commas with no
  // trailing comma, then `close`.
  template <typename ParseMember>
  bool Members(char close, ParseMember parse_member) {
    ++pos_;  // opening bracket
    SkipWs();
    if (!Peek(close)) {
      for (;;) {
        SkipWs();
        if (!parse_member()) return false;
        SkipWs();
        if (!Peek(',')) break;
        ++pos_;
      }
    }
    if (!Peek(close)) return false;
    ++pos_;
    return true;
  }

  bool String(std::string& out) {
    static constexpr std::string_view kEscapes = "\"\\/bfnrt";
    static constexpr std::string_view kDecoded = "\"\\/\b\f\n\r\t";
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // raw control characters must be escaped
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      const char escape = s_[pos_++];
      if (escape == 'u') {
        if (!UnicodeEscape(out)) return false;
        continue;
      }
      const auto at = kEscapes.find(escape);
      if (at == std::string_view::npos) return false;
      out += kDecoded[at];
    }
    return false;  // unterminated
  }

  // The four hex digits after "\u"; see the header for why only \u0000-\u00ff are accepted.
  bool UnicodeEscape(std::string& out) {
    if (pos_ + 4 > s_.size()) return false;
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = HexValue(s_[pos_++]);
      if (v < 0) return false;
      code = (code << 4) | static_cast<unsigned>(v);
    }
    if (code > 0xff) return false;
    out += static_cast<char>(code);
    return true;
  }

  // RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  bool Number(Json& out) {
    const std::size_t start = pos_;
    if (Peek('-')) ++pos_;
    if (Peek('0')) {
      ++pos_;
    } else if (!Digits()) {
      return false;
    }
    if (Peek('.')) {
      ++pos_;
      if (!Digits()) return false;
    }
    if (Peek('e') || Peek('E')) {
      ++pos_;
      if (Peek('+') || Peek('-')) ++pos_;
      if (!Digits()) return false;
    }
    out.kind = Json::Kind::kNumber;
    out.text = std::string(s_.substr(start, pos_ - start));
    out.number = std::strtod(out.text.c_str(), nullptr);
    return true;
  }

  bool Digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static int HexValue(char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  }

  [[nodiscard]] bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  void SkipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
  static const Json kMissing;
  const auto it = object.find(key);
  return it == object.end() ? kMissing : it->second;
}

std::optional<Json> JsonReader::Parse(std::string_view text) { return Parser(text).Document(); }

std::optional<std::map<std::string, Json>> ParseFlatJsonObject(std::string_view line) {
  // JSON allows line breaks between tokens, but a log record must stay on its line.
  if (line.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  auto json = JsonReader::Parse(line);
  if (!json || json->kind != Json::Kind::kObject) return std::nullopt;
  for (const auto& [key, value] : json->object) {
    if (value.kind == Json::Kind::kArray || value.kind == Json::Kind::kObject) return std::nullopt;
  }
  return std::move(json->object);
}

}  // namespace sluice::testing
