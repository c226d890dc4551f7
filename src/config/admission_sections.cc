#include "config/admission_sections.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>

#include "config/named_list.h"
#include "config/quote.h"

namespace sluice::config {
namespace {

constexpr int64_t kMaxBurst = 1'000'000;
constexpr double kMaxRefillSeconds = 365.0 * 24 * 3600;
constexpr std::string_view kApiKeyPrefix = "sha256:";
constexpr size_t kSha256HexDigits = 64;
// The class every route and tenant is in when no classes are listed.
constexpr std::string_view kDefaultClass = "default";
constexpr std::string_view kReject = "reject";

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// RFC 9110 §5.1: a field name is a token.
bool IsHeaderName(std::string_view name) {
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

bool ReadHeaderName(const Field& field, std::string& out) {
  std::string name;
  if (!ReadNonEmptyString(field, name)) return false;
  if (!IsHeaderName(name)) {
    field.Error("expected an HTTP header name, got " + Quote(name));
    return false;
  }
  out = std::move(name);
  return true;
}

// "sha256:" + 64 lowercase hex digits. A malformed value is never echoed: the likeliest mistake
// is pasting the raw key itself, and error lines end up in logs.
bool ReadApiKeyHash(const Field& field, std::string& out) {
  std::string text;
  if (!ReadString(field, text)) return false;
  const std::string expected =
      "expected \"sha256:\" and 64 lowercase hex digits (the SHA-256 of the key)";
  if (!text.starts_with(kApiKeyPrefix)) {
    field.Error(expected +
                ", got a value without the \"sha256:\" prefix (not shown: it may be a raw key)");
    return false;
  }
  const std::string_view hex = std::string_view(text).substr(kApiKeyPrefix.size());
  if (hex.size() != kSha256HexDigits) {
    field.Error(expected + ", got " + std::to_string(hex.size()) + " characters after \"sha256:\"");
    return false;
  }
  if (!std::all_of(hex.begin(), hex.end(), IsLowerHex)) {
    field.Error(expected + ", got a character other than 0-9 and a-f after \"sha256:\"");
    return false;
  }
  out = std::move(text);
  return true;
}

// rate and burst of a bucket; `required` for tenants, optional (schema defaults) for the dynamic
// rate.
struct RateFields {
  std::optional<Field> burst;  // when written
  bool burst_ok = false;       // written and valid
};

RateFields ReadRateFields(MapReader& map, bool required, RateConfig& out) {
  const auto rate = required ? map.Required("rate") : map.Optional("rate");
  const bool rate_ok = rate && ReadRate(*rate, out.per_second);
  RateFields fields;
  fields.burst = required ? map.Required("burst") : map.Optional("burst");
  fields.burst_ok = fields.burst && ReadInteger(*fields.burst, 1, kMaxBurst, out.burst);
  // A bucket that takes longer than this to refill is a misconfiguration (and would overflow
  // the bucket's nanosecond arithmetic).
  if (rate_ok && fields.burst_ok && out.burst / out.per_second > kMaxRefillSeconds) {
    fields.burst->Error("takes " + std::to_string(static_cast<int64_t>(out.burst / out.per_second)) +
                        " s to refill at this rate; burst / rate must be <= 365 days");
    fields.burst_ok = false;
  }
  return fields;
}

void ReadTenantBody(MapReader& map, TenantConfig& out, AdmissionRefs& refs,
                    std::map<std::string, std::string>& key_owner) {
  if (out.name == kReject) {
    // identity.on_missing: reject must keep one meaning.
    if (auto f = map.Optional("name")) f->Error("\"reject\" is reserved (identity.on_missing)");
  }
  if (const auto fields = ReadRateFields(map, /*required=*/true, out.rate); fields.burst_ok) {
    refs.bursts.push_back({out.rate.burst, *fields.burst, ""});
  }
  if (auto f = map.Optional("weight")) ReadInteger(*f, 1, 1000, out.weight);
  if (auto f = map.Optional("class"); f && ReadNonEmptyString(*f, out.priority_class)) {
    refs.class_refs.push_back({out.priority_class, *f});
  }
  if (auto f = map.Optional("mode")) {
    ReadEnum(*f, {{"enforce", PolicyMode::kEnforce}, {"shadow", PolicyMode::kShadow}}, out.mode);
  }
  if (auto f = map.Optional("api_keys")) {
    ForEachItem(*f, [&](const Field& item) {
      std::string key;
      if (!ReadApiKeyHash(item, key)) return;
      const auto [it, inserted] = key_owner.emplace(key, out.name);
      if (!inserted) {
        item.Error("duplicate api key, already listed for tenant " + Quote(it->second));
        return;
      }
      out.api_keys.push_back(std::move(key));
    });
  }
}

// One item of identity.sources: `client_address`, `api_key` (header X-Api-Key),
// `{api_key: HEADER}` or `{header: HEADER}`.
void ReadIdentitySource(const Field& item, std::vector<IdentityStep>& out) {
  const std::string expected =
      "expected client_address, api_key, {api_key: HEADER} or {header: HEADER}, got ";
  if (item.node.IsScalar()) {
    if (item.node.Scalar() == "client_address") {
      out.push_back({IdentitySource::kClientAddress, ""});
    } else if (item.node.Scalar() == "api_key") {
      out.push_back({IdentitySource::kApiKey, "X-Api-Key"});
    } else {
      item.Error(expected + Describe(item.node));
    }
    return;
  }
  if (!item.node.IsMap() || item.node.size() == 0) {
    item.Error(expected + Describe(item.node));
    return;
  }
  MapReader map(item);
  const auto api_key = map.Optional("api_key");
  const auto header = map.Optional("header");
  if (api_key && header) {
    item.Error("one source per list item: write api_key and header as two items, in order");
    return;
  }
  IdentityStep step;
  if (api_key) {
    step.source = IdentitySource::kApiKey;
    if (!ReadHeaderName(*api_key, step.header)) return;
  } else if (header) {
    step.source = IdentitySource::kHeader;
    if (!ReadHeaderName(*header, step.header)) return;
  } else {
    return;  // only unknown keys, each reported by the MapReader
  }
  out.push_back(std::move(step));
}

// The largest route cost and the first route that has it.
const RouteConfig* MostExpensiveRoute(const std::vector<RouteConfig>& routes) {
  const RouteConfig* most = nullptr;
  for (const auto& route : routes) {
    if (most == nullptr || route.cost > most->cost) most = &route;
  }
  return most;
}

}  // namespace

void ReadClasses(const Field& field, std::vector<PriorityClassConfig>& out, AdmissionRefs& refs) {
  refs.classes_named = ReadNamedList(
      field, "class", out,
      [](MapReader& map, PriorityClassConfig& value) {
        if (auto f = map.Optional("sheddable")) ReadBool(*f, value.sheddable);
        if (auto f = map.Optional("weight")) ReadInteger(*f, 1, 1000, value.weight);
      },
      EmptyList::kAllowed);
  // Weights are shares of one whole: a class without one would have no defined share.
  const auto weighted = std::count_if(out.begin(), out.end(),
                                      [](const PriorityClassConfig& c) { return c.weight > 0; });
  if (weighted > 0 && static_cast<std::size_t>(weighted) < out.size()) {
    const auto missing = std::find_if(out.begin(), out.end(),
                                      [](const PriorityClassConfig& c) { return c.weight == 0; });
    field.Error("weight is set on some classes but not on " + Quote(missing->name) +
                ": set it on every class or on none");
  }
}

void ReadTenants(const Field& field, std::vector<TenantConfig>& out, AdmissionRefs& refs) {
  std::map<std::string, std::string> key_owner;  // api key hash → tenant, for duplicates
  refs.tenants_named = ReadNamedList(
      field, "tenant", out,
      [&](MapReader& map, TenantConfig& value) { ReadTenantBody(map, value, refs, key_owner); },
      EmptyList::kAllowed);
}

void ReadIdentity(const Field& field, IdentityConfig& out, AdmissionRefs& refs) {
  MapReader map(field);
  if (auto f = map.Optional("sources")) {
    ForEachItem(*f, [&](const Field& item) { ReadIdentitySource(item, out.sources); });
  }
  if (auto f = map.Optional("on_missing"); f && ReadNonEmptyString(*f, out.on_missing)) {
    if (out.on_missing != kReject) refs.on_missing = Reference{out.on_missing, *f};
  }
  if (auto f = map.Optional("ipv6_prefix")) ReadInteger(*f, 1, 128, out.ipv6_prefix);
  const auto dynamic = map.Optional("dynamic_rate");
  RateFields dynamic_fields;
  if (dynamic) {
    MapReader rate_map(*dynamic);
    dynamic_fields = ReadRateFields(rate_map, /*required=*/false, out.dynamic_rate);
  }
  if (auto f = map.Optional("max_dynamic_tenants")) {
    ReadInteger(*f, 1, 10'000'000, out.max_dynamic_tenants);
  }
  if (auto f = map.Optional("retry_after_jitter")) ReadNumber(*f, 0, 1, out.retry_after_jitter);
  if (auto f = map.Optional("retry_after_jitter_cap")) {
    ReadMillis(*f, /*allow_zero=*/true, out.retry_after_jitter_cap);
  }
  if (auto f = map.Optional("ratelimit_headers_on_success")) {
    ReadBool(*f, out.ratelimit_headers_on_success);
  }
  // The dynamic bucket matters when written, or when some source can yield an unconfigured
  // tenant (a header value or an address); then even its default must cover the route cost.
  const bool has_dynamic_source =
      std::any_of(out.sources.begin(), out.sources.end(),
                  [](const IdentityStep& s) { return s.source != IdentitySource::kApiKey; });
  if (dynamic_fields.burst_ok) {
    refs.bursts.push_back({out.dynamic_rate.burst, *dynamic_fields.burst, ""});
  } else if (has_dynamic_source && !dynamic_fields.burst) {
    const Field& at = dynamic ? *dynamic : field;
    refs.bursts.push_back({out.dynamic_rate.burst,
                           Field{at.diag, at.node, "identity.dynamic_rate.burst", at.mark},
                           " (the default)"});
  }
}

void ReadQueue(const Field& field, QueueConfig& out) {
  MapReader map(field);
  const auto capacity = map.Optional("capacity");
  const bool capacity_ok = !capacity || ReadInteger(*capacity, 1, 10'000'000, out.capacity);
  const auto low = map.Optional("low_watermark");
  const bool low_ok = !low || ReadInteger(*low, 0, 10'000'000, out.low_watermark);
  const auto high = map.Optional("high_watermark");
  const bool high_ok = !high || ReadInteger(*high, 1, 10'000'000, out.high_watermark);
  if (auto f = map.Optional("max_wait")) ReadMillis(*f, /*allow_zero=*/false, out.max_wait);
  if (auto f = map.Optional("age_step")) ReadMillis(*f, /*allow_zero=*/false, out.age_step);
  if (!capacity_ok || !low_ok || !high_ok) return;  // already reported
  // The schema defaults are consistent, so at least one side of a broken pair was written;
  // blame the watermark when it was, else the other side, saying the watermark is the default.
  const auto shown = [](uint32_t value, const std::optional<Field>& written) {
    return std::to_string(value) + (written ? "" : ", the default");
  };
  if (out.low_watermark >= out.high_watermark) {
    if (low) {
      low->Error("must be < high_watermark (" + shown(out.high_watermark, high) + "), got " +
                 std::to_string(out.low_watermark));
    } else if (high) {
      high->Error("must be > low_watermark (" + shown(out.low_watermark, low) + "), got " +
                  std::to_string(out.high_watermark));
    }
  }
  if (out.high_watermark > out.capacity) {
    if (high) {
      high->Error("must be <= capacity (" + shown(out.capacity, capacity) + "), got " +
                  std::to_string(out.high_watermark));
    } else if (capacity) {
      capacity->Error("must be >= high_watermark (" + shown(out.high_watermark, high) + "), got " +
                      std::to_string(out.capacity));
    }
  }
}

void CheckAdmissionReferences(const Config& config, const AdmissionRefs& refs) {
  if (refs.classes_named) {
    std::set<std::string> classes;
    for (const auto& c : config.classes) classes.insert(c.name);
    if (classes.empty()) classes.emplace(kDefaultClass);
    for (const auto& ref : refs.class_refs) {
      if (classes.contains(ref.name)) continue;
      ref.field.Error("unknown class " + Quote(ref.name) +
                      (config.classes.empty()
                           ? " (no classes are listed, so the only class is \"default\")"
                           : ""));
    }
  }
  if (refs.on_missing && refs.tenants_named) {
    const bool known = std::any_of(config.tenants.begin(), config.tenants.end(),
                                   [&](const auto& t) { return t.name == refs.on_missing->name; });
    if (!known) {
      refs.on_missing->field.Error("unknown tenant " + Quote(refs.on_missing->name) +
                                   " (expected \"reject\" or a configured tenant)");
    }
  }
  // A bucket shallower than a request's cost could never admit that request.
  if (const RouteConfig* route = MostExpensiveRoute(config.routes)) {
    for (const auto& burst : refs.bursts) {
      if (burst.burst >= route->cost) continue;
      burst.field.Error("must be >= the largest route cost (" + std::to_string(route->cost) +
                        ", route " + Quote(route->name) + "), got " + std::to_string(burst.burst) +
                        burst.note);
    }
  }
}

}  // namespace sluice::config
