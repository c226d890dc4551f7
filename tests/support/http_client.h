#pragma once
// A protocol-neutral request client, so an integration test is written once and runs over both
// front ends (DESIGN §7 "integration tests run each case over both", §10): HTTP/1.1 on a
// RawClient, or HTTP/2 with prior knowledge (h2c) on an H2Client. One HttpClient is one
// persistent connection; requests go out with Start() (HTTP/1.1: one after another on the
// connection; HTTP/2: one stream each) and their responses come back, oldest first, with
// Finish(). Responses are HttpResponse either way: over HTTP/2 with version "HTTP/2" and
// lowercase header names (HttpResponse::Header ignores case).
//
// Requests are given as regular fields only. A "Host" field becomes the request line's Host
// (HTTP/1.1) or :authority (HTTP/2); without one it is "example.test". Connection-specific
// fields (Connection, Keep-Alive, ...) are HTTP/1.1 framing and have no place here: HTTP/2
// forbids them (RFC 9113 §8.2.2), so tests about them stay HTTP/1.1-only.
//
// Thread-safety: owned by one thread.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "support/h2_client.h"
#include "support/raw_client.h"

namespace sluice::testing {

enum class Protocol { kHttp1, kH2c };

// "Http1" / "H2c": readable parametrised test names (RoutesToBackend/H2c).
[[nodiscard]] std::string_view ProtocolName(Protocol protocol);
std::ostream& operator<<(std::ostream& os, Protocol protocol);
// Name generator for INSTANTIATE_TEST_SUITE_P over Protocol.
[[nodiscard]] std::string ProtocolTestName(const ::testing::TestParamInfo<Protocol>& info);
// Both cleartext protocols, for INSTANTIATE_TEST_SUITE_P(Protocols, Suite, BothProtocols(),
// ProtocolTestName).
[[nodiscard]] inline auto BothProtocols() {
  return ::testing::Values(Protocol::kHttp1, Protocol::kH2c);
}

class HttpClient {
 public:
  // Connects to 127.0.0.1:port (over HTTP/2 the preface and SETTINGS go out with the first
  // request). connected() tells whether it worked.
  HttpClient(Protocol protocol, uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  [[nodiscard]] Protocol protocol() const { return protocol_; }
  [[nodiscard]] bool connected() const;

  // Sends a request without waiting for its answer; false when it could not be sent. A non-empty
  // body goes with Content-Length, as the body (HTTP/1.1) or as DATA frames (HTTP/2).
  bool Start(std::string_view method, std::string_view path, const HeaderList& headers = {},
             std::string_view body = {});
  // The response to the oldest request started and not finished yet. nullopt when no complete
  // response came within `timeout`: HTTP/1.1, the connection closed or the time ran out; HTTP/2,
  // the stream was reset or refused (see last_reset_code()) or the time ran out.
  std::optional<HttpResponse> Finish(std::chrono::milliseconds timeout = 5s);
  // Start + Finish.
  std::optional<HttpResponse> Fetch(std::string_view method, std::string_view path,
                                    const HeaderList& headers = {}, std::string_view body = {},
                                    std::chrono::milliseconds timeout = 5s);
  std::optional<HttpResponse> Get(std::string_view path, const HeaderList& headers = {},
                                  std::chrono::milliseconds timeout = 5s) {
    return Fetch("GET", path, headers, {}, timeout);
  }

  // HTTP/2: the RST_STREAM (or refusal) code of the stream Finish() last gave up on; nullopt
  // when it ended cleanly, and always over HTTP/1.1.
  [[nodiscard]] std::optional<uint32_t> last_reset_code() const { return last_reset_code_; }
  // Waits until the server ends the connection: HTTP/1.1, it closes the socket (sending nothing
  // more); HTTP/2, it closes the socket or sends GOAWAY.
  bool WaitForClose(std::chrono::milliseconds timeout = 5s);
  // True once the server ended the connection as WaitForClose() means it (no waiting).
  [[nodiscard]] bool server_closed() const;

  // The protocol's own client for protocol-specific assertions; null for the other protocol.
  [[nodiscard]] RawClient* http1() { return raw_.get(); }
  [[nodiscard]] H2Client* h2() { return h2_.get(); }

 private:
  Protocol protocol_;
  std::unique_ptr<RawClient> raw_;
  std::unique_ptr<H2Client> h2_;
  bool h2_connected_ = false;
  // Requests started and not finished: HTTP/1.1, whether each was HEAD; HTTP/2, stream ids.
  std::deque<bool> http1_pending_head_;
  std::deque<int32_t> h2_pending_streams_;
  std::optional<uint32_t> last_reset_code_;
};

// One request on a connection of its own (closed afterwards).
std::optional<HttpResponse> Send(Protocol protocol, uint16_t port, std::string_view method,
                                 std::string_view path, const HeaderList& headers = {},
                                 std::string_view body = {},
                                 std::chrono::milliseconds timeout = 5s);

}  // namespace sluice::testing
