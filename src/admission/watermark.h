#pragma once
// Shedding on/off with hysteresis (DESIGN §4 step 5, STYLE rule 8): shedding turns on when the
// depth reaches the high watermark (depth ≥ high) and turns off only once the depth is back at
// or below the low watermark (depth ≤ low). Between the two the previous state holds, so a
// depth oscillating around either threshold cannot flap the state.
// "At or below low" rather than DESIGN's "below low": with low = 0 ("shed until empty"),
// a strict "< 0" could never turn shedding off.
//
// Thread-safety: not thread-safe; owned by one FairQueue and used under its mutex.
#include <cstddef>

namespace sluice::admission {

class Watermark {
 public:
  // Requires low < high (config validation); otherwise high is taken as low + 1.
  Watermark(std::size_t low, std::size_t high) : low_(low), high_(high > low ? high : low + 1) {}

  // Feeds the current depth; returns whether to shed.
  [[nodiscard]] bool Update(std::size_t depth) {
    if (depth >= high_) {
      shedding_ = true;
    } else if (depth <= low_) {
      shedding_ = false;
    }
    return shedding_;
  }

  [[nodiscard]] bool shedding() const { return shedding_; }
  [[nodiscard]] std::size_t low() const { return low_; }
  [[nodiscard]] std::size_t high() const { return high_; }

 private:
  std::size_t low_;
  std::size_t high_;
  bool shedding_ = false;
};

}  // namespace sluice::admission
