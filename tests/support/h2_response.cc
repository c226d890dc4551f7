#include "support/h2_response.h"

#include <algorithm>
#include <cctype>

namespace sluice::testing {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::string> H2Response::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return v;
  }
  return std::nullopt;
}

std::size_t H2Response::HeaderCount(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& h) { return IEquals(h.first, name); }));
}

HttpResponse H2Response::ToHttpResponse() const {
  HttpResponse out;
  out.version = "HTTP/2";
  out.status = status;
  for (const auto& [name, value] : headers) out.headers.emplace_back(Lower(name), value);
  out.body = body;
  return out;
}

}  // namespace sluice::testing
