#include "http/local_reply.h"

namespace sluice::http {

boost::asio::awaitable<error_code> SendLocalReply(ServerExchange& exchange, LocalReply reply) {
  if (!reply.body.empty() && reply.body.back() != '\n') reply.body.push_back('\n');
  ResponseHeader head;
  head.result(reply.status);
  head.version(11);
  for (const auto& f : reply.extra_headers) head.insert(f.name_string(), f.value());
  if (!reply.reason.empty()) head.set("X-Sluice-Reason", reply.reason);
  head.set(Field::content_type, reply.content_type);
  const bool is_head = exchange.request().method() == Verb::head;
  BodyLength length{reply.body.size()};
  if (auto ec = co_await exchange.WriteHead(std::move(head), length)) co_return ec;
  if (is_head) co_return co_await exchange.WriteBody({}, true);
  co_return co_await exchange.WriteBody(boost::asio::buffer(reply.body), true);
}

}  // namespace sluice::http
