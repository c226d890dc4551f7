#include "http1/header_block_scanner.h"

namespace sluice::http1 {
namespace {

bool IsForbiddenControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// The request line must be "METHOD SP TARGET SP HTTP/1.x"; anything else (HTTP/0.9's
// "GET /path", HTTP/2's preface on an HTTP/1-only listener, garbage) is rejected.
bool IsValidRequestLine(std::string_view line) {
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return false;
  const auto second_space = line.find(' ', first_space + 1);
  // Exactly two single spaces: a non-empty target with no space inside it.
  if (second_space == std::string_view::npos || second_space == first_space + 1 ||
      line.find(' ', second_space + 1) != std::string_view::npos) {
    return false;
  }
  const auto version = line.substr(second_space + 1);
  return version == "HTTP/1.1" || version == "HTTP/1.0";
}

}  // namespace

ScanResult ScanRequestHead(std::string_view data) {
  std::size_t pos = 0;
  // Skip (bounded) leading CRLFs left over from a previous request's body.
  while (pos + 1 < data.size() && data[pos] == '\r' && data[pos + 1] == '\n' && pos < 8) pos += 2;
  std::size_t line_start = pos;
  bool first_line = true;
  for (std::size_t i = pos; i < data.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == '\r') {
      if (i + 1 >= data.size()) return {};  // need the LF
      if (data[i + 1] != '\n') return {ScanStatus::kMalformed, 0, "bare CR"};
      const auto line = data.substr(line_start, i - line_start);
      if (first_line) {
        if (!IsValidRequestLine(line)) return {ScanStatus::kMalformed, 0, "bad request line"};
        first_line = false;
      } else if (line.empty()) {
        return {ScanStatus::kComplete, i + 2, {}};
      } else if (line.front() == ' ' || line.front() == '\t') {
        return {ScanStatus::kMalformed, 0, "obs-fold"};
      }
      ++i;  // skip LF
      line_start = i + 1;
      continue;
    }
    if (c == '\n') return {ScanStatus::kMalformed, 0, "bare LF"};
    if (IsForbiddenControl(c)) return {ScanStatus::kMalformed, 0, "control character"};
  }
  return {};
}

}  // namespace sluice::http1
