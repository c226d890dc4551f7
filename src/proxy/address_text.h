#pragma once
// An IP address as text for forwarded headers and the access log. IPv4 (nearly every client
// address) is formatted here with to_chars: asio's to_string goes through inet_ntop, whose
// sprintf was ~2 % of the CPU per proxied HTTP/2 request. IPv6 keeps asio's formatting
// (RFC 5952 zero compression is not worth repeating).
//
// Thread-safety: a pure function.
#include <boost/asio/ip/address.hpp>
#include <string>

namespace sluice::proxy {

[[nodiscard]] std::string AddressText(const boost::asio::ip::address& address);

}  // namespace sluice::proxy
