#pragma once
// Writes an HTTP/1.1 head into a string in one go: the caller sizes it for the longest head its
// pieces can make, the pieces are copied in, and the string is trimmed to what was written. One
// size check for the head instead of one (and a strlen for literals) per piece: appending piece
// by piece was a visible share of the CPU per proxied request (loadtest/RESULTS.md, issue 5).
//
// Thread-safety: as the string written to.
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::http {

class HeadWriter {
 public:
  // Appends after what `out` holds; `most` bytes are made room for. Writing more is a bug.
  HeadWriter(std::string& out, std::size_t most) : out_(out), start_(out.size()) {
    out_.resize(start_ + most);
    at_ = out_.data() + start_;
  }
  HeadWriter(const HeadWriter&) = delete;
  HeadWriter& operator=(const HeadWriter&) = delete;
  ~HeadWriter() { out_.resize(static_cast<std::size_t>(at_ - out_.data())); }

  void Put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  // "name: value" and CRLF.
  void Line(std::string_view name, std::string_view value) {
    Put(name);
    Put(": ");
    Put(value);
    Put("\r\n");
  }
  // The bytes a Line of these takes.
  [[nodiscard]] static std::size_t LineSize(std::string_view name, std::string_view value) {
    return name.size() + value.size() + 4;
  }

 private:
  std::string& out_;
  std::size_t start_;
  char* at_;
};

// A number's decimal digits, for a status code or a Content-Length.
class Digits {
 public:
  explicit Digits(uint64_t n)
      : end_(std::to_chars(text_.data(), text_.data() + text_.size(), n).ptr) {}
  [[nodiscard]] std::string_view view() const {
    return {text_.data(), static_cast<std::size_t>(end_ - text_.data())};
  }

 private:
  std::array<char, 20> text_{};
  char* end_;
};

}  // namespace sluice::http
