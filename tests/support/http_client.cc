#include "support/http_client.h"

#include <algorithm>
#include <cctype>

namespace sluice::testing {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::string_view kDefaultHost = "example.test";

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  return protocol == Protocol::kHttp1 ? "Http1" : "H2c";
}

std::ostream& operator<<(std::ostream& os, Protocol protocol) {
  return os << ProtocolName(protocol);
}

std::string ProtocolTestName(const ::testing::TestParamInfo<Protocol>& info) {
  return std::string(ProtocolName(info.param));
}

HttpClient::HttpClient(Protocol protocol, uint16_t port) : protocol_(protocol) {
  if (protocol == Protocol::kHttp1) {
    raw_ = std::make_unique<RawClient>(port);
  } else {
    h2_ = std::make_unique<H2Client>();
    h2_connected_ = h2_->Connect(port);
  }
}

HttpClient::~HttpClient() = default;

bool HttpClient::connected() const { return raw_ ? raw_->connected() : h2_connected_; }

bool HttpClient::Start(std::string_view method, std::string_view path, const HeaderList& headers,
                       std::string_view body) {
  std::string host(kDefaultHost);
  for (const auto& [name, value] : headers) {
    if (IEquals(name, "host")) host = value;
  }
  if (raw_) {
    std::string request =
        std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& [name, value] : headers) {
      if (!IEquals(name, "host")) request += name + ": " + value + "\r\n";
    }
    if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n";
    request += body;
    if (!raw_->Send(request)) return false;
    http1_pending_head_.push_back(method == "HEAD");
    return true;
  }
  HeaderList fields{{":method", std::string(method)},
                    {":scheme", "http"},
                    {":authority", host},
                    {":path", std::string(path)}};
  for (const auto& [name, value] : headers) {
    if (!IEquals(name, "host")) fields.emplace_back(Lower(name), value);
  }
  // As curl and nghttp do for a body of known size (RFC 9113 §8.1.1 allows it).
  if (!body.empty()) fields.emplace_back("content-length", std::to_string(body.size()));
  const int32_t id = h2_->SubmitRaw(fields, /*end_stream=*/body.empty());
  if (id < 0) return false;
  if (!body.empty() && !h2_->SendData(id, body, /*end_stream=*/true)) return false;
  h2_pending_streams_.push_back(id);
  return true;
}

std::optional<HttpResponse> HttpClient::Finish(std::chrono::milliseconds timeout) {
  last_reset_code_.reset();
  if (raw_) {
    if (http1_pending_head_.empty()) return std::nullopt;
    const bool head = http1_pending_head_.front();
    http1_pending_head_.pop_front();
    return raw_->ReadResponse(timeout, head);
  }
  if (h2_pending_streams_.empty()) return std::nullopt;
  const int32_t id = h2_pending_streams_.front();
  h2_pending_streams_.pop_front();
  const H2Response response = h2_->Await(id, timeout);
  // RFC 9113 §8.1: a server that answered before the request body ended may stop the upload
  // with RST_STREAM NO_ERROR after the response; the response is still whole.
  const bool answered_then_stopped =
      response.closed && response.status != 0 && response.reset_code == h2error::kNoError;
  if (!response.complete() && !answered_then_stopped) {
    last_reset_code_ = response.reset_code;
    return std::nullopt;
  }
  return response.ToHttpResponse();
}

std::optional<HttpResponse> HttpClient::Fetch(std::string_view method, std::string_view path,
                                              const HeaderList& headers, std::string_view body,
                                              std::chrono::milliseconds timeout) {
  if (!Start(method, path, headers, body)) return std::nullopt;
  return Finish(timeout);
}

bool HttpClient::WaitForClose(std::chrono::milliseconds timeout) {
  if (raw_) return raw_->WaitForClose(timeout);
  return h2_->RunUntil([&] { return server_closed(); }, timeout) || server_closed();
}

bool HttpClient::server_closed() const {
  if (raw_) return raw_->server_closed();
  return h2_->server_closed() || h2_->goaway().has_value();
}

std::optional<HttpResponse> Send(Protocol protocol, uint16_t port, std::string_view method,
                                 std::string_view path, const HeaderList& headers,
                                 std::string_view body, std::chrono::milliseconds timeout) {
  HttpClient client(protocol, port);
  if (!client.connected()) return std::nullopt;
  return client.Fetch(method, path, headers, body, timeout);
}

}  // namespace sluice::testing
