#pragma once
// The common integration-test shape: one fake upstream, one gateway in front of it. A test that
// needs other settings edits `config` in its body and calls StartGateway() itself; otherwise
// gateway() starts one with MakeConfig defaults on first use.
//
// Thread-safety: test-thread only.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "support/fake_upstream.h"
#include "support/gateway_harness.h"
#include "support/raw_client.h"
#include "support/wait_until.h"

namespace sluice::testing {

class ProxyFixture : public ::testing::Test {
 protected:
  ProxyFixture() : config(MakeConfig({upstream.port()})) {}

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

}  // namespace sluice::testing
