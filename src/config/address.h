#pragma once
// Syntax checks for the host part of addresses and route matches. Nothing here resolves names or
// touches sockets: the loader only decides whether text could be an address at all.
#include <string_view>

namespace sluice::config {

[[nodiscard]] bool IsIpv4Literal(std::string_view text);
[[nodiscard]] bool IsIpv6Literal(std::string_view text);  // without brackets
// RFC 1123 host name: dot-separated labels of letters, digits, '-' and '_' (seen in the wild),
// each 1..63 characters, not starting or ending with '-'; at most 253 characters in all.
[[nodiscard]] bool IsHostName(std::string_view text);
// "localhost", 127.0.0.0/8, ::1 and v4-mapped 127.x: addresses only this machine can reach.
[[nodiscard]] bool IsLoopbackHost(std::string_view host);

}  // namespace sluice::config
