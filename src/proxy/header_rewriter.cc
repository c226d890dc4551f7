#include "proxy/header_rewriter.h"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <string>
#include <vector>

#include "core/version.h"
#include "http/field_scan.h"

namespace sluice::proxy {

using http::Field;

namespace {

constexpr std::string_view kPseudonym = "sluice";

// RFC 9110 §7.6.3: the protocol name is omitted for HTTP, leaving only its version.
std::string_view ReceivedProtocol(http::Protocol protocol, unsigned version) {
  if (protocol == http::Protocol::kHttp2) return "2";
  return version == 10 ? "1.0" : "1.1";
}

// Hop-by-hop (RFC 9110 §7.6.1) and framing fields; we frame bodies ourselves.
constexpr std::array<Field, 10> kHopByHop = {
    Field::connection,     Field::keep_alive,          Field::proxy_connection,
    Field::transfer_encoding, Field::te,               Field::trailer,
    Field::upgrade,        Field::content_length,      Field::proxy_authorization,
    Field::proxy_authenticate};

// Host is what the request was routed on: a Connection option cannot take it away.
bool IsHopByHop(const http::Fields::value_type& field, const std::vector<std::string>& listed) {
  if (std::find(kHopByHop.begin(), kHopByHop.end(), field.name()) != kHopByHop.end()) return true;
  if (listed.empty() || field.name() == Field::host) return false;
  const std::string_view name = field.name_string();
  return std::any_of(listed.begin(), listed.end(),
                     [&](const std::string& l) { return boost::beast::iequals(l, name); });
}

constexpr http::FieldKey kVia{Field::via};
constexpr http::FieldKey kForwardedFor{Field::unknown, "X-Forwarded-For"};
constexpr http::FieldKey kForwardedProto{Field::unknown, "X-Forwarded-Proto"};
constexpr http::FieldKey kRequestId{Field::unknown, "X-Request-Id"};

// Adds an earlier hop's entry (a Via or X-Forwarded-For value) and the list separator.
void AddEarlierHop(std::string& list, std::string_view value) {
  list += value;
  list += ", ";
}

// Ends `via` (the earlier hops, if any) with this hop.
void AddThisHop(std::string& via, std::string_view received_protocol) {
  via += received_protocol;
  via += ' ';
  via += kPseudonym;
}

}  // namespace

void StripHopByHop(http::Fields& fields) {
  // Names listed in Connection are hop-by-hop for this message only.
  std::vector<std::string> listed;
  for (const auto& field : fields) {
    if (field.name() != Field::connection) continue;
    std::string_view v = field.value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      auto token = v.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) listed.emplace_back(token);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  // One pass over the fields rather than a tree search per hop-by-hop name: most messages carry
  // none of them, and the searches were a visible share of the CPU per request.
  for (auto it = fields.begin(); it != fields.end();) {
    it = IsHopByHop(*it, listed) ? fields.erase(it) : std::next(it);
  }
}

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

std::span<const http::FieldLine> ForwardedFields::lines() {
  std::size_t n = 0;
  lines_[n++] = {"Via", via};
  lines_[n++] = {kForwardedFor.name, forwarded_for};
  if (!forwarded_proto.empty()) lines_[n++] = {kForwardedProto.name, forwarded_proto};
  lines_[n++] = {kRequestId.name, request_id};
  return {lines_.data(), n};
}

ForwardedFields RewriteRequestHeaders(http::RequestHeader& req, const ForwardingContext& ctx) {
  StripHopByHop(req);
  ForwardedFields out;
  bool kept_proto = false;
  // One pass: what sluice extends (every earlier Via hop, a trusted peer's X-Forwarded-For) is
  // collected, what it replaces is dropped. An untrusted peer's claim about earlier hops is
  // dropped, not extended.
  for (auto it = req.begin(); it != req.end();) {
    const auto& f = *it;
    bool drop = true;
    if (f.name() == Field::expect) {
      // sluice answers 100-continue itself
    } else if (kVia.Matches(f)) {
      AddEarlierHop(out.via, f.value());
    } else if (kForwardedFor.Matches(f)) {
      if (ctx.peer_trusted) AddEarlierHop(out.forwarded_for, f.value());
    } else if (kForwardedProto.Matches(f)) {
      drop = !ctx.peer_trusted;
      kept_proto = kept_proto || ctx.peer_trusted;
    } else if (!kRequestId.Matches(f)) {
      drop = false;
    }
    it = drop ? req.erase(it) : std::next(it);
  }
  AddThisHop(out.via, ReceivedProtocol(ctx.protocol, req.version()));
  out.forwarded_for += ctx.client_address;
  if (!kept_proto) out.forwarded_proto = ctx.tls ? "https" : "http";
  out.request_id = ctx.request_id;
  return out;
}

std::span<const http::FieldLine> ForwardedResponseFields::lines() {
  lines_ = {http::FieldLine{"Via", via}, http::FieldLine{kRequestId.name, request_id}};
  return lines_;
}

ForwardedResponseFields RewriteResponseHeaders(http::ResponseHeader& res,
                                               std::string_view request_id) {
  StripHopByHop(res);
  ForwardedResponseFields out;
  // Every earlier hop is kept, whether they came as one Via field or several (RFC 9110 §7.6.3).
  for (auto it = res.begin(); it != res.end();) {
    const bool via = kVia.Matches(*it);
    if (via) AddEarlierHop(out.via, it->value());
    it = via || kRequestId.Matches(*it) ? res.erase(it) : std::next(it);
  }
  AddThisHop(out.via, ReceivedProtocol(http::Protocol::kHttp1, res.version()));
  out.request_id = request_id;
  return out;
}

}  // namespace sluice::proxy
