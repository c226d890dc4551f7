#pragma once
// The common integration-test shape: one fake upstream, one gateway in front of it. A test that
// needs other settings edits `config` in its body and calls StartGateway() itself; otherwise
// gateway() starts one with MakeConfig defaults on first use. The listener speaks http1 and h2c
// (telling them apart by the HTTP/2 preface), like the default config/sluice.yaml.
//
// ProtocolProxyFixture is the same fixture run once per client protocol (TEST_P, instantiated
// with BothProtocols() and ProtocolTestName), for behaviour that must not depend on it.
//
// Thread-safety: test-thread only.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "support/fake_upstream.h"
#include "support/gateway_harness.h"
#include "support/http_client.h"
#include "support/raw_client.h"
#include "support/wait_until.h"

namespace sluice::testing {

class ProxyFixture : public ::testing::Test {
 protected:
  ProxyFixture() : config(MakeConfig({upstream.port()})) {
    config.listeners[0].protocols.h2c = true;
  }

  GatewayHarness& StartGateway() {
    harness_ = std::make_unique<GatewayHarness>(config);
    return *harness_;
  }
  GatewayHarness& gateway() { return harness_ ? *harness_ : StartGateway(); }
  uint16_t port() { return gateway().port(); }

  // Declared before the gateway so it outlives it (the gateway holds connections to it).
  FakeUpstream upstream{"backend"};
  config::Config config;

 private:
  std::unique_ptr<GatewayHarness> harness_;
};

class ProtocolProxyFixture : public ProxyFixture, public ::testing::WithParamInterface<Protocol> {
 protected:
  [[nodiscard]] Protocol protocol() const { return GetParam(); }
  [[nodiscard]] bool h2() const { return GetParam() == Protocol::kH2c; }
  // One request on a connection of its own, in this test's protocol.
  std::optional<HttpResponse> Send(std::string_view method, std::string_view path,
                                   const HeaderList& headers = {}, std::string_view body = {},
                                   std::chrono::milliseconds timeout = 5s) {
    return testing::Send(GetParam(), port(), method, path, headers, body, timeout);
  }
  std::optional<HttpResponse> Get(std::string_view path, const HeaderList& headers = {}) {
    return Send("GET", path, headers);
  }
};

}  // namespace sluice::testing
