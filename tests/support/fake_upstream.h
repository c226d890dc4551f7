#pragma once
// An in-process HTTP/1.1 backend for integration tests: listens on 127.0.0.1 (port 0) and runs
// its own io_context on its own thread. Each request is answered by a scripted Reply: queued
// replies first (one per request, in order), then the handler. A Reply can be a normal response,
// raw bytes (for malformed framing), a delay, a hold until the test releases it, a close without
// answering, or no answer at all. Every request that parsed is recorded, and accepted
// connections and received bytes are counted, so a test can assert "nothing reached the backend".
//
// Thread-safety: every public member is thread-safe. The handler runs on the upstream's own
// thread, one request at a time per upstream.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One request as the backend parsed it (body decoded from chunked when it was chunked).
struct RecordedRequest {
  std::string method;
  std::string target;
  unsigned version = 11;  // 10 or 11
  HeaderList headers;     // in wire order, names as sent
  std::string body;
  std::size_t connection = 0;           // 1-based index of the accepted connection it came on
  std::size_t index_on_connection = 0;  // 0 for the first request of its connection

  // First value of a header (case-insensitive name), or nullopt.
  [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
  [[nodiscard]] std::size_t HeaderCount(std::string_view name) const;
};

// How the backend answers one request.
struct Reply {
  enum class Action {
    kRespond,       // write the response (after `delay` and/or `hold`)
    kClose,         // close the connection without writing anything
    kNeverRespond,  // keep the connection open and silent until the upstream stops
  };

  Action action = Action::kRespond;
  int status = 200;
  std::string reason;          // "" = the standard reason phrase
  HeaderList headers;          // written as given; framing is added unless `raw` is set
  std::string body;            // for HEAD requests only the framing header is sent, not the body
  bool chunked = false;        // send the body with Transfer-Encoding: chunked
  std::size_t chunk_size = 0;  // bytes per chunk; 0 = the whole body in one chunk
  std::optional<std::string> raw;  // written verbatim instead of a response built from the above
  std::chrono::milliseconds delay{0};  // wait before writing (Asio timer, not a sleep)
  bool hold = false;                   // wait until FakeUpstream::ReleaseHeld() before writing
  bool close_after = false;  // close the connection after writing (no Connection: close sent)

  static Reply Ok(std::string body);
  static Reply Status(int status, std::string body = {});
  static Reply Raw(std::string bytes, bool close_after = false);
  static Reply Close();
  static Reply Never();
  static Reply Held(std::string body = "held");
};

class FakeUpstream {
 public:
  using Handler = std::function<Reply(const RecordedRequest&)>;

  // Starts listening and serving at once. `name` is the default handler's body ("name"), so
  // tests can tell backends apart.
  explicit FakeUpstream(std::string name = "upstream");
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& name() const { return name_; }

  // Replaces the handler used when no queued reply is left.
  void SetHandler(Handler handler);
  // Queues replies used, in order, by the next requests (before the handler).
  void Enqueue(Reply reply);
  // Lets every reply that is waiting on `hold` right now proceed; later held replies wait for
  // the next call. Wait for held_count() first to release a known number.
  void ReleaseHeld();

  // Snapshots of what arrived.
  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  [[nodiscard]] std::size_t request_count() const;
  [[nodiscard]] std::size_t connections_accepted() const { return accepted_.load(); }
  [[nodiscard]] std::size_t connections_closed() const { return closed_.load(); }
  [[nodiscard]] std::size_t bytes_received() const { return bytes_received_.load(); }
  [[nodiscard]] std::size_t held_count() const { return held_.load(); }
  // Requests whose head or body the backend could not parse (then it closed the connection).
  [[nodiscard]] std::size_t parse_errors() const { return parse_errors_.load(); }

 private:
  struct Impl;
  friend struct Impl;
  Reply NextReply(const RecordedRequest& request);
  void Record(RecordedRequest request);

  std::string name_;
  uint16_t port_ = 0;
  std::atomic<std::size_t> accepted_{0};  // written by the io thread, read by tests (relaxed ok:
  std::atomic<std::size_t> closed_{0};    // tests poll them with WaitUntil, no other data hangs
  std::atomic<std::size_t> bytes_received_{0};  // off them)
  std::atomic<std::size_t> held_{0};
  std::atomic<std::size_t> parse_errors_{0};

  mutable std::mutex mu_;  // guards the three members below
  Handler handler_;
  std::deque<Reply> queue_;
  std::vector<RecordedRequest> requests_;

  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

// A loopback port that was free a moment ago and has nothing listening on it now (for
// "connection refused" cases).
uint16_t UnusedPort();

}  // namespace sluice::testing
