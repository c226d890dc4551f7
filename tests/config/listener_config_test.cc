// Listener protocols, TLS files and HTTP/2 limits as the loader fills them; the error cases are
// golden files (tests/config/golden/listener_*.yaml).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.h"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kRoutesAndClusters = R"yaml(
routes: [{name: all, cluster: backend}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000]}]
)yaml";

// A directory of its own holding placeholder TLS files (the loader never parses them) and the
// config written next to them, removed afterwards.
class ListenerConfigTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(testing::TempDir()) / (std::string("sluice_listener_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tls");
    for (const char* name : {"tls/cert.pem", "tls/key.pem", "tls/ca.pem"}) {
      std::ofstream(dir_ / name) << "placeholder\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  Config LoadOk(const std::string& listeners) {
    const fs::path file = dir_ / "sluice.yaml";
    std::ofstream(file) << "listeners:\n" << listeners << kRoutesAndClusters;
    auto result = LoadFile(file.string());
    EXPECT_TRUE(result.errors.empty()) << result.errors.ToString();
    return result.config.value_or(Config{});
  }

  fs::path dir_;
};

TEST_F(ListenerConfigTest, DefaultsToHttp1WithoutTlsAndSafeHttp2Limits) {
  const Config c = LoadOk("  - {name: main, listen: 127.0.0.1:0}\n");
  ASSERT_EQ(c.listeners.size(), 1u);
  const ListenerConfig& l = c.listeners[0];
  EXPECT_TRUE(l.protocols.http1);
  EXPECT_FALSE(l.protocols.h2c);
  EXPECT_FALSE(l.protocols.h2);
  EXPECT_FALSE(l.protocols.http2());
  EXPECT_FALSE(l.tls.enabled);
  const Http2Config& h = l.http2;
  EXPECT_EQ(h.max_concurrent_streams, 100u);
  EXPECT_EQ(h.max_header_list_bytes, 16u * 1024);
  EXPECT_EQ(h.initial_stream_window_bytes, 64u * 1024);
  EXPECT_EQ(h.max_stream_buffer_bytes, 256u * 1024);
  EXPECT_EQ(h.max_connection_buffer_bytes, 1024u * 1024);
  EXPECT_EQ(h.hpack_table_bytes, 4096u);
  EXPECT_EQ(h.abuse.window, milliseconds(10'000));
  EXPECT_EQ(h.abuse.max_resets, 200u);
  EXPECT_EQ(h.abuse.max_settings, 100u);
  EXPECT_EQ(h.abuse.max_pings, 100u);
  EXPECT_EQ(h.abuse.max_empty_data, 100u);
  EXPECT_EQ(h.abuse.max_continuations, 16u);
}

TEST_F(ListenerConfigTest, CleartextListenerTakesHttp1AndH2cTogether) {
  const Config c = LoadOk(
      "  - {name: both, listen: 127.0.0.1:0, protocols: [h2c, http1]}\n"
      "  - {name: h2c_only, listen: 127.0.0.1:0, protocols: [h2c]}\n");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_TRUE(c.listeners[0].protocols.http1);
  EXPECT_TRUE(c.listeners[0].protocols.h2c);
  EXPECT_FALSE(c.listeners[0].protocols.h2);
  EXPECT_FALSE(c.listeners[1].protocols.http1);
  EXPECT_TRUE(c.listeners[1].protocols.h2c);
}

TEST_F(ListenerConfigTest, ResolvesRelativeTlsPathsAgainstTheConfigDirectory) {
  const Config c = LoadOk(R"yaml(
  - name: secure
    listen: 127.0.0.1:0
    protocols: [h2, http1]
    tls:
      cert: tls/cert.pem
      key: ./tls/../tls/key.pem
      client_ca: )yaml" + (dir_ / "tls" / "ca.pem").string() +
                          R"yaml(
      min_version: TLSv1.3
)yaml");
  ASSERT_EQ(c.listeners.size(), 1u);
  const ListenerConfig& l = c.listeners[0];
  EXPECT_TRUE(l.protocols.http1);
  EXPECT_TRUE(l.protocols.h2);
  EXPECT_FALSE(l.protocols.h2c);
  EXPECT_TRUE(l.tls.enabled);
  EXPECT_EQ(l.tls.cert_file, (dir_ / "tls" / "cert.pem").string());
  EXPECT_EQ(l.tls.key_file, (dir_ / "tls" / "key.pem").string());
  EXPECT_EQ(l.tls.client_ca_file, (dir_ / "tls" / "ca.pem").string());
  EXPECT_EQ(l.tls.min_version, TlsVersion::kTls13);
}

TEST_F(ListenerConfigTest, TlsWithoutProtocolsIsHttp1WithoutClientCertificates) {
  const Config c = LoadOk(
      "  - {name: secure, listen: 127.0.0.1:0, tls: {cert: tls/cert.pem, key: tls/key.pem}}\n");
  ASSERT_EQ(c.listeners.size(), 1u);
  const ListenerConfig& l = c.listeners[0];
  EXPECT_TRUE(l.protocols.http1);
  EXPECT_FALSE(l.protocols.h2);
  EXPECT_EQ(l.tls.client_ca_file, "");
  EXPECT_EQ(l.tls.min_version, TlsVersion::kTls12);
}

TEST_F(ListenerConfigTest, FillsEveryHttp2Limit) {
  const Config c = LoadOk(R"yaml(
  - name: main
    listen: 127.0.0.1:0
    protocols: [http1, h2c]
    http2:
      max_concurrent_streams: 250
      max_header_list_bytes: 32KiB
      initial_stream_window: 128KiB
      max_stream_buffer: 512KiB
      max_connection_buffer: 4MiB
      hpack_table_bytes: 8KiB
      abuse:
        window: 30s
        max_resets: 50
        max_settings: 20
        max_pings: 30
        max_empty_data: 40
        max_continuations: 0
)yaml");
  ASSERT_EQ(c.listeners.size(), 1u);
  const Http2Config& h = c.listeners[0].http2;
  EXPECT_EQ(h.max_concurrent_streams, 250u);
  EXPECT_EQ(h.max_header_list_bytes, 32u * 1024);
  EXPECT_EQ(h.initial_stream_window_bytes, 128u * 1024);
  EXPECT_EQ(h.max_stream_buffer_bytes, 512u * 1024);
  EXPECT_EQ(h.max_connection_buffer_bytes, 4u * 1024 * 1024);
  EXPECT_EQ(h.hpack_table_bytes, 8u * 1024);
  EXPECT_EQ(h.abuse.window, milliseconds(30'000));
  EXPECT_EQ(h.abuse.max_resets, 50u);
  EXPECT_EQ(h.abuse.max_settings, 20u);
  EXPECT_EQ(h.abuse.max_pings, 30u);
  EXPECT_EQ(h.abuse.max_empty_data, 40u);
  EXPECT_EQ(h.abuse.max_continuations, 0u);
}

TEST_F(ListenerConfigTest, HeaderListLimitFollowsMaxHeaderBytesUnlessWritten) {
  const Config c = LoadOk(R"yaml(
  - {name: a, listen: 127.0.0.1:0, protocols: [h2c], max_header_bytes: 8KiB}
  - name: b
    listen: 127.0.0.1:0
    protocols: [h2c]
    max_header_bytes: 8KiB
    http2: {max_header_list_bytes: 64KiB}
)yaml");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].http2.max_header_list_bytes, 8u * 1024);
  EXPECT_EQ(c.listeners[1].http2.max_header_list_bytes, 64u * 1024);
}

TEST_F(ListenerConfigTest, WindowMayEqualTheBuffersThatBoundIt) {
  const Config c = LoadOk(R"yaml(
  - name: main
    listen: 127.0.0.1:0
    protocols: [h2c]
    http2: {initial_stream_window: 1MiB, max_stream_buffer: 1MiB, max_connection_buffer: 1MiB}
)yaml");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].http2.initial_stream_window_bytes, 1024u * 1024);
}

}  // namespace
}  // namespace sluice::config
