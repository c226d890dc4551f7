#pragma once
// Semantic checks on a parsed request head that decide whether it is safe to forward
// (RFC 9112 §6.3 message framing, RFC 9110 §7.2 Host). A request that fails never reaches a
// backend: it gets 400 and the connection is closed, since its framing cannot be trusted.
#include <string>
#include <string_view>

#include "http/types.h"

namespace sluice::http1 {

struct ValidationResult {
  bool ok = true;
  std::string_view error;  // short reason for logs and the reply body
};

// Also rewrites an absolute-form target ("http://host/path") to origin-form once its authority
// has been checked against Host.
[[nodiscard]] ValidationResult ValidateRequest(http::RequestHeader& request);

// True when `host` is a syntactically valid authority (reg-name / IPv4 / [IPv6], optional port).
[[nodiscard]] bool IsValidHost(std::string_view host);

}  // namespace sluice::http1
