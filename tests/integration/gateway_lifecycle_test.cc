// Start/stop of a whole gateway: Run() returns on RequestStop, and tearing the gateway down
// leaves the process healthy (other gateways in the same process keep working).
#include <gtest/gtest.h>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

TEST(GatewayLifecycleTest, RunReturnsZeroAfterRequestStop) {
  FakeUpstream upstream;
  GatewayHarness gateway(MakeConfig({upstream.port()}));
  gateway.gateway().RequestStop();
  EXPECT_EQ(gateway.WaitForExit(5s), 0);
}

TEST(GatewayLifecycleTest, ListenerAndAdminUseEphemeralPorts) {
  FakeUpstream upstream;
  GatewayHarness gateway(MakeConfig({upstream.port()}));
  EXPECT_NE(gateway.port(), 0);
  EXPECT_NE(gateway.admin_port(), 0);
  EXPECT_NE(gateway.port(), gateway.admin_port());
}

// Regression (fixed in 01efd1a): ~Gateway destroyed the worker io_contexts while the listeners'
// acceptors and timers, I/O objects of those contexts, were still alive — a heap use-after-free
// on every shutdown that corrupted the heap of whatever ran next in the process. Deterministic
// under -DSLUICE_SANITIZE=ON; in a release build the repeated teardown makes it likely to show.
TEST(GatewayLifecycleTest, RepeatedStartServeStopLeavesProcessHealthy) {
  FakeUpstream upstream;
  for (int i = 0; i < 20; ++i) {
    auto gateway = std::make_unique<GatewayHarness>(MakeConfig({upstream.port()}));
    auto ex = SendAndReadResponse(gateway->port(), MakeRequest("GET", "/", {"Connection: close"}));
    ASSERT_TRUE(ex.response) << "round " << i;
    EXPECT_EQ(ex.response->status, 200);
    gateway.reset();
  }
  EXPECT_EQ(upstream.request_count(), 20u);
}

}  // namespace
}  // namespace sluice::testing
