#pragma once
// Request ids: 128 random bits as 32 hex digits (the shape of a W3C trace id), so logs from
// sluice and backends can be joined. One generator per worker: no locks, no shared RNG.
//
// Thread-safety: owned by one worker.
#include <cstdint>
#include <string>

namespace sluice::proxy {

class RequestIdGenerator {
 public:
  explicit RequestIdGenerator(uint64_t seed) : state_(seed) {}
  [[nodiscard]] std::string Next();

 private:
  uint64_t NextWord();  // splitmix64: fast, well mixed, enough for identifiers (not secrets)
  uint64_t state_;
};

}  // namespace sluice::proxy
