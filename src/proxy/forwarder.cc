#include "proxy/forwarder.h"

#include <algorithm>

#include "core/clock.h"
#include "http/field_scan.h"
#include "http/local_reply.h"
#include "proxy/address_text.h"
#include "proxy/header_rewriter.h"

namespace sluice::proxy {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using http::Status;
using upstream::UpstreamError;

namespace {

// nginx's convention for "client closed the connection before the response": never sent,
// only logged and counted, so it is told apart from a real answer.
constexpr int kClientClosedRequest = 499;
// The relay buffer: large enough that a big body moves in few reads and writes, never smaller
// than kMinRelayBuffer so a read always has room.
constexpr std::size_t kMaxRelayBuffer = 16 * 1024;
constexpr std::size_t kMinRelayBuffer = 256;

}  // namespace

Forwarder::Forwarder(GatewayHandler& gateway, http::ServerExchange& exchange,
                     const RuntimeSnapshot& snapshot)
    : gateway_(gateway), exchange_(exchange), snapshot_(snapshot), start_(exchange.received_at()) {}

asio::awaitable<void> Forwarder::Run() {
  auto& req = exchange_.request();
  method_ = req.method_string();
  target_ = req.target();
  const auto incoming_id = http::FieldValue(req, {http::Field::unknown, "X-Request-Id"});
  request_id_ = IsAcceptableRequestId(incoming_id)
                    ? std::string(incoming_id)
                    : gateway_.workers_[exchange_.connection().worker].ids.Next();

  const auto route_index =
      snapshot_.router.Match(http::FieldValue(req, {http::Field::host}), req.target());
  if (!route_index) {
    co_await Reply(Status::not_found, "no_route", "no route matches this host and path");
    co_return;
  }
  route_ = &snapshot_.routes[*route_index];
  const auto max_body = route_->config->max_body_bytes;
  const auto length = exchange_.request_body_length();
  if (length.content_length && *length.content_length > max_body) {
    // Refused before reading: a client waiting on 100-continue never sends the body.
    exchange_.CloseAfterResponse();
    co_await Reply(Status::payload_too_large, "body_too_large", "request body too large");
    co_return;
  }
  exchange_.SetBodyLimit(max_body);
  // Lives until the response is done: it holds the cluster slot.
  AdmissionStep admission(snapshot_, *route_, exchange_,
                          gateway_.workers_[exchange_.connection().worker].admission);
  auto immediate = admission.DecideNow();
  auto rejected = std::move(immediate.rejection);
  if (immediate.must_wait) rejected = co_await admission.WaitForSlot();
  tenant_ = admission.tenant();
  class_ = admission.priority_class();
  decision_ = admission.decision();
  queue_wait_seconds_ = admission.queue_wait_seconds();
  if (rejected) {
    co_await Reject(std::move(*rejected));
    co_return;
  }
  success_headers_ = &admission.success_headers();
  co_await Forward();
}

asio::awaitable<void> Forwarder::Reject(Rejection rejection) {
  reason_ = rejection.reason;
  if (rejection.client_gone) {
    ClientGone();
    co_return;
  }
  status_ = static_cast<int>(rejection.status);
  http::LocalReply reply{rejection.status, std::string(rejection.reason), std::move(rejection.body),
                         "application/problem+json"};
  reply.extra_headers = std::move(rejection.headers);
  reply.extra_headers.set("X-Request-Id", request_id_);
  const bool head = exchange_.request().method() == http::Verb::head;
  const auto body_bytes = reply.body.size() + 1;
  if (co_await http::SendLocalReply(exchange_, std::move(reply))) {
    ClientGone();
    co_return;
  }
  if (!head) bytes_out_ = body_bytes;
}

asio::awaitable<void> Forwarder::Forward() {
  auto& req = exchange_.request();
  const auto& conn = exchange_.connection();
  const auto client = AddressText(conn.peer_address);
  auto forwarded =
      RewriteRequestHeaders(req, {client, conn.peer_trusted, conn.tls, request_id_, conn.protocol});
  const auto added_fields = forwarded.lines();
  const auto length = exchange_.request_body_length();
  const bool has_body = !length.empty();
  const bool head_request = req.method() == http::Verb::head;
  auto& pool = route_->cluster->pool(conn.worker);
  auto& stats = *route_->cluster_stats;
  stats.inflight->Add(conn.worker, 1);
  struct InflightGuard {
    observability::ShardedGauge& g;
    std::size_t worker;
    ~InflightGuard() { g.Add(worker, -1); }
  } inflight{*stats.inflight, conn.worker};

  for (int attempt = 0;; ++attempt) {
    // The controller's sample: dispatch → response head. Left without Complete() (a client
    // that went away, a local reply) it counts nothing.
    std::optional<control::InflightEntry> sample;
    if (route_->recorder != nullptr) {
      NoteShadowLimited(conn.worker);
      sample.emplace(*route_->recorder, conn.worker, Clock::now(), InflightToCluster());
    }
    auto acquired = co_await pool.Acquire(/*fresh=*/attempt > 0);
    if (acquired.error != UpstreamError::kNone) {
      CompleteSample(sample, acquired.error);
      co_await UpstreamFailure(acquired.error);
      co_return;
    }
    auto& lease = acquired.lease;
    endpoint_ = static_cast<int>(lease->endpoint);
    // HTTP/1.0 clients may omit Host; an HTTP/1.1 upstream needs one (nginx sends the
    // upstream's address the same way).
    if (!http::HasField(req, {http::Field::host})) {
      req.insert(http::Field::host, route_->cluster->EndpointName(lease->endpoint));
    }
    upstream::UpstreamExchange ux(*lease, route_->cluster->config());
    const auto dispatched = Clock::now();
    ux.StageHead(req, length, added_fields);
    auto error = UpstreamError::kNone;
    if (!has_body) error = co_await ux.SendBody({}, /*last=*/true);  // the head alone
    if (error == UpstreamError::kNone && has_body) {
      if (co_await RelayRequestBody(ux, error) == BodyOutcome::kAnswered) co_return;
    }
    if (error == UpstreamError::kNone) error = co_await ux.ReadHead(head_request);
    if (error != UpstreamError::kNone) {
      // A pooled connection the backend already closed fails before any byte comes back;
      // that says nothing about the request, so it is sent once more on a new connection.
      const bool stale = lease->reused && ux.nothing_received() && !has_body && attempt == 0;
      if (stale) continue;  // says nothing about the backend: no sample
      CompleteSample(sample, error);
      co_await UpstreamFailure(error);
      co_return;
    }
    if (sample) {
      const int status = ux.response().result_int();
      sample->Complete(Clock::now(), /*drop=*/status >= 500 || status == 429);
    }
    upstream_seconds_ = core::ToSeconds(Clock::now() - dispatched);
    stats.upstream_latency->Observe(conn.worker, upstream_seconds_);
    co_await RelayResponse(ux);
    if (ux.reusable()) lease.MarkReusable();
    co_return;
  }
}

asio::mutable_buffer Forwarder::RelayBuffer(std::optional<uint64_t> body_length) {
  const std::size_t wanted =
      body_length ? std::clamp<uint64_t>(*body_length, kMinRelayBuffer, kMaxRelayBuffer)
                  : kMaxRelayBuffer;
  if (wanted > buffer_size_) {
    buffer_ = std::make_unique_for_overwrite<char[]>(wanted);
    buffer_size_ = wanted;
  }
  return asio::buffer(buffer_.get(), buffer_size_);
}

asio::awaitable<Forwarder::BodyOutcome> Forwarder::RelayRequestBody(upstream::UpstreamExchange& ux,
                                                                    UpstreamError& error) {
  const auto length = exchange_.request_body_length();
  const auto buffer = RelayBuffer(length.content_length);
  for (;;) {
    auto read = co_await exchange_.ReadBody(buffer);
    switch (read.error) {
      case http::BodyError::kNone:
        break;
      case http::BodyError::kTooLarge:
        co_await Reply(Status::payload_too_large, "body_too_large", "request body too large");
        co_return BodyOutcome::kAnswered;
      case http::BodyError::kMalformed:
        co_await Reply(Status::bad_request, "bad_request", "malformed request body");
        co_return BodyOutcome::kAnswered;
      case http::BodyError::kTimeout:
        co_await Reply(Status::request_timeout, "request_body_timeout",
                       "request body not received in time");
        co_return BodyOutcome::kAnswered;
      case http::BodyError::kClientGone:
        ClientGone();
        co_return BodyOutcome::kAnswered;
    }
    bytes_in_ += read.bytes;
    const bool last =
        read.bytes == 0 || (length.content_length && bytes_in_ >= *length.content_length);
    error = co_await ux.SendBody(asio::buffer(buffer.data(), read.bytes), last);
    if (error != UpstreamError::kNone) co_return BodyOutcome::kUpstreamFailed;
    if (last) co_return BodyOutcome::kSent;
  }
}

asio::awaitable<void> Forwarder::RelayResponse(upstream::UpstreamExchange& ux) {
  auto& head = ux.response();
  response_fields_ = RewriteResponseHeaders(head, request_id_);
  if (success_headers_ != nullptr) {
    for (const auto& f : *success_headers_) head.set(f.name_string(), f.value());
  }
  status_ = head.result_int();
  const auto length = ux.response_length();
  if (co_await exchange_.WriteHead(std::move(head), length, response_fields_.lines())) {
    ClientGone();
    co_return;
  }
  const auto buffer = RelayBuffer(length.content_length);
  for (;;) {
    auto read = co_await ux.ReadBody(buffer);
    if (read.error != UpstreamError::kNone) {
      if (!exchange_.response_started()) {  // only buffered so far: a clean 502 still fits
        co_await UpstreamFailure(read.error);
        co_return;
      }
      // Too late for a 502: the head is out. Closing tells the client the body is incomplete.
      route_->cluster_stats->RecordError(upstream::MetricKind(read.error));
      reason_ = upstream::ReplyFor(read.error).reason;
      exchange_.CloseAfterResponse();
      co_return;
    }
    const bool last = ux.body_done();
    if (co_await exchange_.WriteBody(asio::buffer(buffer.data(), read.bytes), last)) {
      ClientGone();
      co_return;
    }
    bytes_out_ += read.bytes;
    if (last) co_return;
  }
}

asio::awaitable<void> Forwarder::UpstreamFailure(UpstreamError error) {
  if (error != UpstreamError::kNone) {
    route_->cluster_stats->RecordError(upstream::MetricKind(error));
  }
  const auto reply = upstream::ReplyFor(error);
  co_await Reply(reply.status, reply.reason, reply.reason);
}

asio::awaitable<void> Forwarder::Reply(Status status, std::string_view reason,
                                       std::string_view text) {
  status_ = static_cast<int>(status);
  reason_ = reason;
  if (exchange_.response_started()) {
    exchange_.CloseAfterResponse();
    co_return;
  }
  http::LocalReply reply{status, std::string(reason), std::string(text)};
  reply.extra_headers.set("X-Request-Id", request_id_);
  const bool head = exchange_.request().method() == http::Verb::head;
  if (co_await http::SendLocalReply(exchange_, std::move(reply))) {
    ClientGone();
    co_return;
  }
  if (!head) bytes_out_ = text.size() + 1;  // SendLocalReply ends the body with a newline
}

void Forwarder::CompleteSample(std::optional<control::InflightEntry>& sample, UpstreamError error) {
  // Resets, timeouts and refused connections are the backend's drops; running out of pooled
  // connections is sluice's own limit and tells the controller nothing.
  if (sample && upstream::IsBackendFailure(error)) sample->Complete(Clock::now(), true);
}

// A shadow controller gates nothing, so "the limit held this request back" is judged against
// the limit it computed: was the cluster already at it when this request was dispatched?
uint32_t Forwarder::InflightToCluster() const {
  // The gate counts what it admitted; without one (no limit enforced) the gauge does.
  if (route_->admission != nullptr) return route_->admission->inflight();
  return static_cast<uint32_t>(route_->cluster_stats->inflight->Value());
}

void Forwarder::NoteShadowLimited(std::size_t worker) {
  if (route_->shadow_limit == nullptr) return;
  if (route_->cluster_stats->inflight->Value() > route_->shadow_limit->Get()) {
    route_->recorder->NoteLimited(worker);
  }
}

void Forwarder::ClientGone() {
  exchange_.CloseAfterResponse();
  if (!exchange_.response_started()) status_ = kClientClosedRequest;
  if (reason_.empty()) reason_ = "client_closed";
}

void Forwarder::Record() {
  const auto& conn = exchange_.connection();
  const double total = core::ToSeconds(Clock::now() - start_);
  auto* stats =
      route_ ? route_->stats[conn.listener_index] : snapshot_.no_route[conn.listener_index];
  stats->Record(conn.worker, status_, total);
  auto& log = gateway_.access_log_;
  if (!log.enabled()) return;
  const auto client = AddressText(conn.peer_address);
  const auto endpoint = endpoint_ >= 0 ? route_->cluster->EndpointName(endpoint_) : std::string();
  log.Write({.request_id = request_id_,
             .client = client,
             .listener = conn.listener,
             .protocol = http::ProtocolName(conn.protocol),
             .tls = conn.tls,
             .method = method_,
             .target = target_,
             .route = route_ ? std::string_view(route_->config->name) : std::string_view(),
             .cluster = route_ ? std::string_view(route_->cluster->name()) : std::string_view(),
             .endpoint = endpoint,
             .status = status_,
             .reason = reason_,
             .total_seconds = total,
             .upstream_seconds = upstream_seconds_,
             .bytes_in = bytes_in_,
             .bytes_out = bytes_out_,
             .tenant = tenant_,
             .priority_class = class_,
             .decision = decision_,
             .queue_wait_seconds = queue_wait_seconds_});
}

}  // namespace sluice::proxy
