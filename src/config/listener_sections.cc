#include "config/listener_sections.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "config/http2_section.h"
#include "config/named_list.h"
#include "config/quote.h"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr int64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

// A path to a file the net module will read later. Checked now (exists, readable, not a
// directory) so that `sluice check` and a reload fail at the YAML line rather than at bind
// time; the contents are not parsed here. `out` gets the resolved path.
bool ReadFilePath(const Field& field, const fs::path& base_dir, std::string& out) {
  std::string written;
  if (!ReadNonEmptyString(field, written)) return false;
  const fs::path path =
      fs::path(written).is_relative() ? (base_dir / written).lexically_normal() : fs::path(written);
  const std::string resolved = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    field.Error("cannot read " + Quote(resolved) + ": is a directory");
    return false;
  }
  // Opening is the only reliable test: permissions, ACLs and read-only mounts all apply.
  std::FILE* file = std::fopen(resolved.c_str(), "rb");
  if (file == nullptr) {
    field.Error("cannot read " + Quote(resolved) + ": " + std::strerror(errno));
    return false;
  }
  std::fclose(file);
  out = resolved;
  return true;
}

void ReadTls(const Field& field, const fs::path& base_dir, TlsConfig& out) {
  out.enabled = true;
  MapReader map(field);
  if (auto f = map.Required("cert")) ReadFilePath(*f, base_dir, out.cert_file);
  if (auto f = map.Required("key")) ReadFilePath(*f, base_dir, out.key_file);
  if (auto f = map.Optional("client_ca")) ReadFilePath(*f, base_dir, out.client_ca_file);
  if (auto f = map.Optional("min_version")) {
    ReadEnum(*f, {{"TLSv1.2", TlsVersion::kTls12}, {"TLSv1.3", TlsVersion::kTls13}},
             out.min_version);
  }
}

// One protocol name, checked against what a listener with or without TLS can speak; h2 and h2c
// get their own message because mixing them up is the likely mistake.
bool ReadProtocol(const Field& field, bool tls, ListenerProtocols& seen) {
  const std::string name = field.node.IsScalar() ? field.node.Scalar() : "";
  bool* flag = name == "http1" ? &seen.http1
               : name == "h2c" ? &seen.h2c
               : name == "h2"  ? &seen.h2
                               : nullptr;
  if (name == "h2c" && tls) {
    field.Error("h2c is HTTP/2 over cleartext; a listener with tls negotiates HTTP/2 as h2");
  } else if (name == "h2" && !tls) {
    field.Error("h2 is HTTP/2 over TLS and needs a tls block; for cleartext HTTP/2 use h2c");
  } else if (flag == nullptr) {
    field.Error(std::string("expected one of http1, ") + (tls ? "h2" : "h2c") + ", got " +
                Describe(field.node));
  } else if (*flag) {
    field.Error("duplicate protocol " + Quote(name));
  } else {
    *flag = true;
    return true;
  }
  return false;
}

// True when `out` holds what was written (or the default when nothing was).
bool ReadProtocols(const Field& field, bool tls, ListenerProtocols& out) {
  ListenerProtocols seen{.http1 = false, .h2c = false, .h2 = false};
  bool ok = true;
  const auto count =
      ForEachItem(field, [&](const Field& item) { ok = ReadProtocol(item, tls, seen) && ok; });
  if (count == 0) field.Error("must list at least one protocol");
  if (!ok || count.value_or(0) == 0) return false;
  out = seen;
  return true;
}

void ReadListenerBody(MapReader& map, const fs::path& base_dir, ListenerConfig& out) {
  if (auto f = map.Required("listen")) ReadHostPort(*f, /*allow_port_zero=*/true, out.listen);
  if (auto f = map.Optional("max_header_bytes")) {
    ReadSize(*f, kKiB, kMiB, out.max_header_bytes);
  }
  if (auto f = map.Optional("max_headers")) ReadInteger(*f, 1, 10'000, out.max_headers);
  if (auto f = map.Optional("header_timeout")) ReadMillis(*f, false, out.header_timeout);
  if (auto f = map.Optional("body_timeout")) ReadMillis(*f, false, out.body_timeout);
  if (auto f = map.Optional("idle_timeout")) ReadMillis(*f, false, out.idle_timeout);
  if (auto f = map.Optional("send_timeout")) ReadMillis(*f, false, out.send_timeout);
  if (auto f = map.Optional("max_requests_per_connection")) {
    ReadInteger(*f, 0, kMaxUint32, out.max_requests_per_connection);
  }
  if (auto f = map.Optional("trusted_proxies")) {
    ForEachItem(*f, [&](const Field& item) {
      Cidr cidr;
      if (ReadCidr(item, cidr)) out.trusted_proxies.push_back(std::move(cidr));
    });
  }
  // Written `tls:` decides which protocol names are valid, even if the block itself is broken.
  const auto tls = map.Optional("tls");
  if (tls) ReadTls(*tls, base_dir, out.tls);
  bool protocols_ok = true;
  if (auto f = map.Optional("protocols")) {
    protocols_ok = ReadProtocols(*f, tls.has_value(), out.protocols);
  }
  // Both protocols then accept the same request heads unless http2 says otherwise.
  out.http2.max_header_list_bytes = static_cast<uint32_t>(out.max_header_bytes);
  if (auto f = map.Optional("http2")) {
    ReadHttp2(*f, out.http2);
    // Limits that cannot apply are more likely a forgotten protocol than a wish.
    if (protocols_ok && !out.protocols.http2()) {
      f->Error(std::string("applies only to HTTP/2, which this listener does not speak; add ") +
               (tls ? "h2" : "h2c") + " to protocols");
    }
  }
}

}  // namespace

void ReadListeners(const Field& field, const fs::path& base_dir, std::vector<ListenerConfig>& out) {
  ReadNamedList(field, "listener", out, [&](MapReader& map, ListenerConfig& listener) {
    ReadListenerBody(map, base_dir, listener);
  });
}

}  // namespace sluice::config
