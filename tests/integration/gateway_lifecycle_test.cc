// Start/stop of a whole gateway: Run() returns on RequestStop, and tearing the gateway down
// leaves the process healthy (other gateways in the same process keep working).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

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
// Rounds alternate HTTP/1.1 and h2c clients, so both kinds of session are torn down.
TEST(GatewayLifecycleTest, RepeatedStartServeStopLeavesProcessHealthy) {
  FakeUpstream upstream;
  auto config = MakeConfig({upstream.port()});
  config.listeners[0].protocols.h2c = true;
  for (int i = 0; i < 20; ++i) {
    auto gateway = std::make_unique<GatewayHarness>(config);
    const auto protocol = i % 2 == 0 ? Protocol::kHttp1 : Protocol::kH2c;
    HttpClient client(protocol, gateway->port());
    auto res = client.Get("/");
    ASSERT_TRUE(res) << "round " << i << " over " << protocol;
    EXPECT_EQ(res->status, 200);
    gateway.reset();
  }
  EXPECT_EQ(upstream.request_count(), 20u);
}

// Connections go to the workers in turn, not by the kernel's hash of their addresses
// (SO_REUSEPORT), which can put most of a few long-lived clients on one worker. (By the hash
// alone, 32 connections split exactly 16/16 one time in seven.)
TEST(GatewayLifecycleTest, ConnectionsAreSpreadOverTheWorkersInTurn) {
  FakeUpstream upstream;
  GatewayHarness gateway(MakeConfig({upstream.port()}));  // two workers
  constexpr int kClients = 32;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<RawClient>(gateway.port()));
    ASSERT_TRUE(clients.back()->Send(MakeRequest("GET", "/")));
    auto res = clients.back()->ReadResponse();
    ASSERT_TRUE(res) << "client " << i;
    EXPECT_EQ(res->status, 200);
  }
  auto& g = gateway.gateway();
  EXPECT_TRUE(WaitUntil([&] {
    return g.open_connections(0) == kClients / 2 && g.open_connections(1) == kClients / 2;
  })) << g.open_connections(0)
      << " and " << g.open_connections(1);
}

}  // namespace
}  // namespace sluice::testing
