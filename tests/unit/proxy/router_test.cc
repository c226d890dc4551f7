#include "proxy/router.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace sluice::proxy {
namespace {

config::RouteConfig Route(std::string name, std::string host, std::string path_prefix = "/") {
  config::RouteConfig r;
  r.name = std::move(name);
  r.match.host = std::move(host);
  r.match.path_prefix = std::move(path_prefix);
  r.cluster = "c";
  return r;
}

// Route name for the match, or "" for no match: failures then read as names, not indices.
std::string MatchName(const std::vector<config::RouteConfig>& routes, std::string_view host,
                      std::string_view target) {
  const Router router(routes);
  const auto index = router.Match(host, target);
  return index ? routes.at(*index).name : "";
}

TEST(RouterTest, NoRoutesMatchesNothing) {
  const Router router(std::vector<config::RouteConfig>{});
  EXPECT_EQ(router.Match("example.com", "/"), std::nullopt);
}

TEST(RouterTest, ReturnsIndexIntoTheRouteList) {
  const std::vector routes = {Route("a", "a.example"), Route("b", "b.example"),
                              Route("c", "c.example")};
  const Router router(routes);
  EXPECT_EQ(router.Match("b.example", "/"), std::optional<std::size_t>(1));
  EXPECT_EQ(router.Match("c.example", "/"), std::optional<std::size_t>(2));
}

TEST(RouterTest, NoMatchingHostReturnsNullopt) {
  const std::vector routes = {Route("a", "a.example"), Route("w", "*.b.example")};
  const Router router(routes);
  EXPECT_EQ(router.Match("c.example", "/"), std::nullopt);
  EXPECT_EQ(router.Match("", "/"), std::nullopt);
}

TEST(RouterTest, NoMatchingPathReturnsNullopt) {
  const std::vector routes = {Route("api", "*", "/api/")};
  const Router router(routes);
  EXPECT_EQ(router.Match("example.com", "/"), std::nullopt);
  EXPECT_EQ(router.Match("example.com", "/ap"), std::nullopt);
  EXPECT_EQ(router.Match("example.com", "/API/"), std::nullopt);  // paths are case-sensitive
}

TEST(RouterTest, ExactHostBeatsSuffixWildcard) {
  const std::vector routes = {Route("wild", "*.example.com"), Route("exact", "api.example.com")};
  EXPECT_EQ(MatchName(routes, "api.example.com", "/"), "exact");
  EXPECT_EQ(MatchName(routes, "www.example.com", "/"), "wild");
}

TEST(RouterTest, SuffixWildcardBeatsCatchAll) {
  const std::vector routes = {Route("any", "*"), Route("wild", "*.example.com")};
  EXPECT_EQ(MatchName(routes, "www.example.com", "/"), "wild");
  EXPECT_EQ(MatchName(routes, "other.org", "/"), "any");
}

TEST(RouterTest, ExactHostBeatsCatchAll) {
  const std::vector routes = {Route("any", "*"), Route("exact", "example.com")};
  EXPECT_EQ(MatchName(routes, "example.com", "/"), "exact");
}

TEST(RouterTest, LongerSuffixBeatsShorterRegardlessOfOrder) {
  const std::vector forward = {Route("short", "*.example.com"), Route("long", "*.api.example.com")};
  const std::vector backward = {Route("long", "*.api.example.com"),
                                Route("short", "*.example.com")};
  for (const auto* routes : {&forward, &backward}) {
    EXPECT_EQ(MatchName(*routes, "v1.api.example.com", "/"), "long");
    EXPECT_EQ(MatchName(*routes, "www.example.com", "/"), "short");
    // "api.example.com" itself is not under "*.api.example.com".
    EXPECT_EQ(MatchName(*routes, "api.example.com", "/"), "short");
  }
}

TEST(RouterTest, SuffixWildcardDoesNotMatchTheBareDomain) {
  const std::vector routes = {Route("wild", "*.example.com")};
  EXPECT_EQ(MatchName(routes, "example.com", "/"), "");
}

TEST(RouterTest, SuffixWildcardMatchesOnlyAtALabelBoundary) {
  const std::vector routes = {Route("wild", "*.example.com")};
  EXPECT_EQ(MatchName(routes, "badexample.com", "/"), "");
  EXPECT_EQ(MatchName(routes, "a.b.example.com", "/"), "wild");
}

TEST(RouterTest, HostSpecificityBeatsPathLength) {
  // The host class decides first; only then the longest prefix.
  const std::vector routes = {Route("any-long", "*", "/api/v1/"),
                              Route("wild-mid", "*.example.com", "/api/"),
                              Route("exact-root", "www.example.com", "/")};
  EXPECT_EQ(MatchName(routes, "www.example.com", "/api/v1/x"), "exact-root");
  EXPECT_EQ(MatchName(routes, "api.example.com", "/api/v1/x"), "wild-mid");
  EXPECT_EQ(MatchName(routes, "other.org", "/api/v1/x"), "any-long");
}

TEST(RouterTest, FallsBackToLessSpecificHostWhenPathDoesNotMatch) {
  const std::vector routes = {Route("exact-api", "example.com", "/api/"), Route("any", "*", "/")};
  EXPECT_EQ(MatchName(routes, "example.com", "/api/x"), "exact-api");
  EXPECT_EQ(MatchName(routes, "example.com", "/static/x"), "any");
}

TEST(RouterTest, LongestPathPrefixWinsWithinTheSameHostClass) {
  const std::vector routes = {Route("root", "example.com", "/"),
                              Route("api-v1", "example.com", "/api/v1/"),
                              Route("api", "example.com", "/api/")};
  EXPECT_EQ(MatchName(routes, "example.com", "/api/v1/users"), "api-v1");
  EXPECT_EQ(MatchName(routes, "example.com", "/api/v2/users"), "api");
  EXPECT_EQ(MatchName(routes, "example.com", "/index.html"), "root");
}

TEST(RouterTest, LongestPathPrefixWinsAmongCatchAllRoutes) {
  const std::vector routes = {Route("long", "*", "/a/b"), Route("short", "*", "/a")};
  EXPECT_EQ(MatchName(routes, "x", "/a/b/c"), "long");
  EXPECT_EQ(MatchName(routes, "x", "/a/c"), "short");
}

TEST(RouterTest, LongestPathPrefixWinsAmongEqualSuffixRoutes) {
  const std::vector routes = {Route("short", "*.example.com", "/"),
                              Route("long", "*.example.com", "/img/")};
  EXPECT_EQ(MatchName(routes, "cdn.example.com", "/img/a.png"), "long");
}

TEST(RouterTest, ConfigOrderBreaksExactTies) {
  const std::vector routes = {Route("first", "example.com", "/api"),
                              Route("second", "example.com", "/api")};
  EXPECT_EQ(MatchName(routes, "example.com", "/api"), "first");
  const std::vector any = {Route("first", "*"), Route("second", "*")};
  EXPECT_EQ(MatchName(any, "example.com", "/"), "first");
}

TEST(RouterTest, ConfigOrderBreaksTiesBetweenEqualWildcardRoutes) {
  const std::vector routes = {Route("first", "*.example.com", "/x"),
                              Route("second", "*.EXAMPLE.com.", "/x")};
  EXPECT_EQ(MatchName(routes, "a.example.com", "/x/y"), "first");
}

TEST(RouterTest, PathPrefixIsAPlainStringPrefix) {
  // nginx semantics, as documented in router.h: "/api" also covers "/apix".
  const std::vector routes = {Route("api", "*", "/api")};
  EXPECT_EQ(MatchName(routes, "x", "/api"), "api");
  EXPECT_EQ(MatchName(routes, "x", "/api/"), "api");
  EXPECT_EQ(MatchName(routes, "x", "/apix"), "api");
}

TEST(RouterTest, IgnoresPortInHost) {
  const std::vector routes = {Route("exact", "example.com"), Route("wild", "*.example.org")};
  EXPECT_EQ(MatchName(routes, "example.com:8080", "/"), "exact");
  EXPECT_EQ(MatchName(routes, "www.example.org:443", "/"), "wild");
}

TEST(RouterTest, IgnoresCaseInHost) {
  const std::vector routes = {Route("exact", "Example.com"), Route("wild", "*.EXAMPLE.org")};
  EXPECT_EQ(MatchName(routes, "EXAMPLE.COM", "/"), "exact");
  EXPECT_EQ(MatchName(routes, "Www.Example.Org", "/"), "wild");
}

TEST(RouterTest, IgnoresTrailingDotInHost) {
  const std::vector routes = {Route("exact", "example.com"), Route("wild", "*.example.org"),
                              Route("dotted", "dotted.example.")};
  EXPECT_EQ(MatchName(routes, "example.com.", "/"), "exact");
  EXPECT_EQ(MatchName(routes, "Example.COM.:8080", "/"), "exact");
  EXPECT_EQ(MatchName(routes, "www.example.org.", "/"), "wild");
  EXPECT_EQ(MatchName(routes, "dotted.example", "/"), "dotted");
}

TEST(RouterTest, IgnoresQueryString) {
  const std::vector routes = {Route("search", "*", "/search"), Route("root", "*", "/")};
  EXPECT_EQ(MatchName(routes, "x", "/search?q=1"), "search");
  EXPECT_EQ(MatchName(routes, "x", "/?next=/search"), "root");
  EXPECT_EQ(MatchName(routes, "x", "/?"), "root");
}

TEST(RouterTest, MatchesBracketedIpv6HostWithAndWithoutPort) {
  const std::vector routes = {Route("v6", "[::1]"), Route("any", "*")};
  EXPECT_EQ(MatchName(routes, "[::1]", "/"), "v6");
  EXPECT_EQ(MatchName(routes, "[::1]:8080", "/"), "v6");
  EXPECT_EQ(MatchName(routes, "[::2]:8080", "/"), "any");
}

TEST(RouterTest, MissingHostMatchesOnlyCatchAll) {
  // HTTP/1.0 without Host routes on "".
  const std::vector routes = {Route("exact", "example.com"), Route("any", "*")};
  EXPECT_EQ(MatchName(routes, "", "/"), "any");
}

TEST(NormalizeHostTest, LowercasesAndDropsPortAndTrailingDot) {
  EXPECT_EQ(NormalizeHost("Example.COM:8080"), "example.com");
  EXPECT_EQ(NormalizeHost("example.com."), "example.com");
  EXPECT_EQ(NormalizeHost("example.com.:80"), "example.com");
  EXPECT_EQ(NormalizeHost("example.com"), "example.com");
  EXPECT_EQ(NormalizeHost(""), "");
}

TEST(NormalizeHostTest, KeepsIpv6BracketsAndDropsOnlyThePort) {
  EXPECT_EQ(NormalizeHost("[::1]:80"), "[::1]");
  EXPECT_EQ(NormalizeHost("[::1]"), "[::1]");
  EXPECT_EQ(NormalizeHost("[2001:DB8::A]:443"), "[2001:db8::a]");
}

}  // namespace
}  // namespace sluice::proxy
