#include "proxy/admission_step.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "admission/client_deadline.h"
#include "admission/retry_after.h"

namespace sluice::proxy {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kQuotaType =
    "https://iana.org/assignments/http-problem-types#quota-exceeded";
constexpr std::string_view kCapacityType =
    "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

std::string ProblemJson(std::string_view type, std::string_view title, int status,
                        std::string_view detail) {
  return fmt::format(R"({{"type":"{}","title":"{}","status":{},"detail":"{}"}})", type, title,
                     status, detail);
}

// What a queued request waits on: the queue's verdict, posted to the request's executor.
struct QueueWait {
  explicit QueueWait(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::optional<admission::QueueOutcome> outcome;
  bool client_gone = false;
};

// Ends the front end's client watch however the wait ends.
struct ClientWatch {
  http::ServerExchange& exchange;
  ~ClientWatch() { exchange.StopWatchingForClientGone(); }
};

}  // namespace

void SlotPermit::Release() {
  if (cluster_ != nullptr) std::exchange(cluster_, nullptr)->Leave(Clock::now());
}

AdmissionStep::AdmissionStep(const RuntimeSnapshot& snapshot, const RouteRuntime& route,
                             http::ServerExchange& exchange, AdmissionWorkerState& worker)
    : snapshot_(snapshot), route_(route), exchange_(exchange), worker_(worker) {}

asio::awaitable<std::optional<Rejection>> AdmissionStep::Run() {
  auto now = DecideNow();
  if (!now.must_wait) co_return std::move(now.rejection);
  co_return co_await WaitForSlot();
}

AdmissionStep::Immediate AdmissionStep::DecideNow() {
  const auto& adm = snapshot_.admission;
  class_index_ = adm.default_class;
  if (adm.tenants != nullptr) {
    if (auto rejected = ChargeTenant()) return {false, std::move(rejected)};
  }
  const bool tenant_keeps_class = tenant_set_class_ && adm.tenant_class_wins;
  if (route_.has_class && !tenant_keeps_class) class_index_ = route_.class_index;
  class_name_ = adm.class_names[class_index_];
  if (route_.admission == nullptr || !route_.admission->gated()) {
    // No tenant step and no gate: nothing was decided, so nothing is counted (and the
    // unadmitted path pays nothing for the metric).
    if (adm.tenants != nullptr) Count(decision_, shadow_reason_);
    return {};
  }
  if (adm.tenants != nullptr) {
    if (auto rejected = ChargeShare()) return {false, std::move(rejected)};
  }
  auto* cluster = route_.admission;
  if (cluster->TryEnter()) {
    slot_ = SlotPermit(cluster);
    Count(decision_, shadow_reason_);
    return {};
  }
  // The limit, not demand, held this request back: the controller needs to know.
  if (route_.recorder != nullptr) route_.recorder->NoteLimited(exchange_.connection().worker);
  return {true, std::nullopt};
}

admission::HeaderLookup AdmissionStep::HeaderLookup() const {
  return [&req = exchange_.request()](std::string_view name) -> std::optional<std::string_view> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value());
  };
}

admission::IdentityInput AdmissionStep::MakeIdentityInput() const {
  admission::IdentityInput in;
  auto& req = exchange_.request();
  in.header = HeaderLookup();
  const auto& conn = exchange_.connection();
  auto addr = conn.peer_address;
  // Behind a trusted proxy, the client is the last address that proxy appended.
  if (conn.peer_trusted) {
    auto xff = req["X-Forwarded-For"];
    const auto comma = xff.rfind(',');
    auto last = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    boost::system::error_code ec;
    auto parsed = asio::ip::make_address(std::string(last), ec);
    if (!ec) addr = parsed;
  }
  in.client_is_v4 = addr.is_v4();
  in.client_address_v6 =
      addr.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4()).to_bytes()
                   : addr.to_v6().to_bytes();
  return in;
}

std::optional<Rejection> AdmissionStep::ChargeTenant() {
  const auto& adm = snapshot_.admission;
  const auto now = Clock::now();
  const auto identity =
      admission::ResolveIdentity(*adm.identity, adm.tenants->directory(), MakeIdentityInput());
  tenant_ = adm.tenants->Lookup(identity, now);
  if (!tenant_) {  // no identity, and on_missing says reject
    decision_ = "rejected";
    Count(decision_, "identity_missing");
    return Unidentified();
  }
  tenant_name_ = tenant_.name;
  if (!tenant_.priority_class.empty()) {
    if (auto it = adm.class_index.find(std::string(tenant_.priority_class));
        it != adm.class_index.end()) {
      class_index_ = it->second;
      tenant_set_class_ = true;
    }
  }
  const auto cost = route_.config->cost;
  const auto decision = tenant_.bucket->TryTake(now, cost, tenant_.policy);
  const auto refill = admission::GcraBucket::RefillWindow(tenant_.policy);
  if (decision.allowed) {
    if (adm.identity->ratelimit_headers_on_success) {
      success_headers_.set("RateLimit-Policy",
                           admission::RateLimitPolicyHeader("tenant", tenant_.policy.burst,
                                                            admission::CeilSeconds(refill)));
      success_headers_.set("RateLimit",
                           admission::RateLimitHeader("tenant", decision.remaining,
                                                      admission::CeilSeconds(decision.reset)));
    }
    return std::nullopt;
  }
  if (tenant_.mode == config::PolicyMode::kShadow) {
    decision_ = "shadow_rejected";  // counted with its reason; the request goes on
    shadow_reason_ = "tenant_rate";
    return std::nullopt;
  }
  decision_ = "rejected";
  class_name_ = adm.class_names[class_index_];
  Count(decision_, "tenant_rate");
  return QuotaExceeded(decision, tenant_.policy.burst, refill, "tenant_rate");
}

// While the cluster's limit binds, the tenant may use only its fair share of what the cluster
// sustains (admission::TenantShares); over it: 429 tenant_share.
std::optional<Rejection> AdmissionStep::ChargeShare() {
  auto* shares = route_.shares;
  if (shares == nullptr || !tenant_) return std::nullopt;
  const auto decision = shares->Admit(tenant_.index, Clock::now());
  if (decision.allowed) return std::nullopt;
  if (tenant_.mode == config::PolicyMode::kShadow) {
    decision_ = "shadow_rejected";
    shadow_reason_ = "tenant_share";
    return std::nullopt;
  }
  decision_ = "rejected";
  Count(decision_, "tenant_share");
  const auto policy = shares->Policy(tenant_.index);
  return QuotaExceeded(decision, policy.burst, admission::GcraBucket::RefillWindow(policy),
                       "tenant_share");
}

asio::awaitable<std::optional<Rejection>> AdmissionStep::WaitForSlot() {
  auto* cluster = route_.admission;
  const auto ex = co_await asio::this_coro::executor;
  auto wait = std::make_shared<QueueWait>(ex);
  const auto enqueued = Clock::now();
  admission::Waiter waiter;
  waiter.id = snapshot_.admission.next_waiter_id->fetch_add(1, std::memory_order_relaxed);
  waiter.tenant = tenant_.index;
  waiter.priority_class = class_index_;
  const auto client_deadline = admission::ClientDeadline(HeaderLookup(), exchange_.received_at());
  if (client_deadline) waiter.deadline = *client_deadline;
  // Weak: a queue that outlives this request (shutdown) must not keep its timer alive.
  waiter.on_done = [weak = std::weak_ptr<QueueWait>(wait), ex](admission::QueueOutcome outcome) {
    asio::post(ex, [weak, outcome] {
      if (auto w = weak.lock()) {
        w->outcome = outcome;
        w->timer.cancel();
      }
    });
  };
  const auto id = waiter.id;
  const auto waiter_deadline = waiter.deadline;
  switch (cluster->Enqueue(std::move(waiter), enqueued)) {
    case admission::EnqueueResult::kQueued:
      break;
    case admission::EnqueueResult::kShed:
      co_return Overloaded("overload_shed");
    case admission::EnqueueResult::kRejectedFull:
    case admission::EnqueueResult::kRejectedPredictive:
      co_return Overloaded("queue_full");
  }
  // A client that disconnects while queued leaves the queue at once and frees its place.
  exchange_.WatchForClientGone([cluster, id, weak = std::weak_ptr<QueueWait>(wait)] {
    if (auto w = weak.lock()) w->client_gone = true;
    (void)cluster->queue().Cancel(id);
  });
  const ClientWatch watch{exchange_};
  // The queue expires waiters only when it is touched; the timer makes sure a stalled cluster
  // still answers its waiters on time.
  wait->timer.expires_at(
      std::min(enqueued + route_.cluster->config().queue.max_wait, waiter_deadline));
  co_await wait->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!wait->outcome) {
    if (cluster->queue().Cancel(id)) co_return Overloaded("queue_timeout");
    // Dispatched in the same instant: its verdict is already on the way.
    wait->timer.expires_at(core::TimePoint::max());
    while (!wait->outcome) co_await wait->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  queue_wait_seconds_ = core::ToSeconds(Clock::now() - enqueued);
  switch (*wait->outcome) {
    case admission::QueueOutcome::kAdmitted:
      slot_ = SlotPermit(cluster);
      snapshot_.admission.metrics->ObserveQueueWait(queue_wait_seconds_);
      Count(decision_, "");
      co_return std::nullopt;
    case admission::QueueOutcome::kCancelled:
      if (wait->client_gone) co_return ClientGone();
      co_return Overloaded("queue_timeout");
    case admission::QueueOutcome::kTimedOut:
      co_return Overloaded("queue_timeout");
    case admission::QueueOutcome::kShed:
      co_return Overloaded("overload_shed");
  }
  co_return Overloaded("queue_timeout");
}

Rejection AdmissionStep::QuotaExceeded(const admission::GcraDecision& d, uint32_t burst,
                                       std::chrono::nanoseconds refill, std::string_view reason) {
  const auto& identity = *snapshot_.admission.identity;
  const auto seconds = admission::RetryAfterSeconds429(
      d.retry_after, identity.retry_after_jitter, identity.retry_after_jitter_cap, worker_.rng());
  Rejection r;
  r.status = http::Status::too_many_requests;
  r.reason = reason;
  r.headers.set(http::Field::retry_after, std::to_string(seconds));
  r.headers.set("RateLimit-Policy",
                admission::RateLimitPolicyHeader("tenant", burst, admission::CeilSeconds(refill)));
  r.headers.set("RateLimit", admission::RateLimitHeader("tenant", d.remaining,
                                                        admission::CeilSeconds(d.retry_after)));
  const auto what = reason == "tenant_share" ? "tenant share of a saturated service reached"
                                             : "tenant rate limit reached";
  r.body = ProblemJson(kQuotaType, "Request quota exceeded", 429,
                       fmt::format("{}; retry in {} s", what, seconds));
  return r;
}

Rejection AdmissionStep::Overloaded(std::string_view reason) {
  decision_ = "rejected";
  route_.admission->NoteRejected();
  Count(decision_, reason);
  const double random01 = std::uniform_real_distribution<double>(0.0, 1.0)(worker_.rng);
  const auto seconds = route_.admission->RetryAfterSeconds(random01);
  Rejection r;
  r.status = http::Status::service_unavailable;
  r.reason = reason;
  r.headers.set(http::Field::retry_after, std::to_string(seconds));
  r.headers.set(http::Field::cache_control, "no-store");
  r.body =
      ProblemJson(kCapacityType, "Temporary reduced capacity", 503,
                  fmt::format("the service is at capacity ({}); retry in {} s", reason, seconds));
  return r;
}

Rejection AdmissionStep::ClientGone() {
  decision_ = "cancelled";
  Count(decision_, "client_gone");
  Rejection r;
  r.client_gone = true;
  r.reason = "client_gone";
  return r;
}

Rejection AdmissionStep::Unidentified() {
  Rejection r;
  r.status = http::Status::unauthorized;
  r.reason = "identity_missing";
  r.headers.set(http::Field::www_authenticate, R"(ApiKey realm="sluice")");
  r.body = ProblemJson("about:blank", "Unauthorized", 401, "no tenant identity in the request");
  return r;
}

void AdmissionStep::Count(std::string_view decision, std::string_view reason) {
  auto* metrics = snapshot_.admission.metrics;
  if (metrics == nullptr) return;
  const auto cluster =
      route_.cluster != nullptr ? std::string_view(route_.cluster->name()) : std::string_view();
  worker_.decisions.Count(*metrics, cluster, tenant_name_, class_name_, decision, reason);
}

}  // namespace sluice::proxy
