#pragma once
// Where the backend's latency starts to rise with concurrency: its knee, read off the load curve
// (control/load_curve.h) without a service time learnt from windows that may hold a queue.
//
// The curve is kept across windows (LoadCurveMemory): each bucket keeps about its last
// kBucketMemory samples, and everything fades with a time constant of kFade, so the concurrencies
// the limit visited a while ago still count once the limit has settled on one of them (the knee
// cannot be seen from one concurrency alone). A backend that changed speed starts a new curve
// (the Controller clears it with the other baselines).
//
// The fit is a hinge: latency = c × max(k, N), flat (the service time c × N) up to the knee N
// and in proportion to k after it: a request that finds k in flight waits for k − N of them to
// finish, a service time ÷ N apart. For each split of the concurrencies seen into a flat lower
// part and a rising upper part it solves the weighted least squares (the flat level, the slope
// c) and puts the knee where the two meet, so two clusters of samples with a gap between them
// (the limit jumped over the knee) still place it; it keeps the split that fits best. (A fixed
// overhead outside the backend, a network round trip, is taken for service time: it places the knee
// higher by its share of the latency.) The rise counts only if it explains the curve better than a
// flat line by kEvidence times the noise within the buckets (the variance of single samples, so a
// bucket of 1000 samples weighs as such). Sources: Jain 1990 (the knee of the throughput curve);
// the latency form is Little's law applied to the backend's queue.
//
// Thread-safety: plain values and a stateless function.
#include <array>
#include <cstddef>
#include <string_view>

#include "control/load_curve.h"
#include "core/clock.h"

namespace sluice::control {

struct LoadCurveMemory {
  static constexpr double kBucketMemory = 1000;  // samples per bucket, at most
  static constexpr auto kFade = std::chrono::seconds(30);

  std::array<double, LoadCurve::kBuckets> weight{};
  std::array<double, LoadCurve::kBuckets> sum_s{};
  std::array<double, LoadCurve::kBuckets> sum_sq_s{};  // seconds²
  bool settling = true;                                // the next window holds stragglers: skip it

  // Fades what is kept by `elapsed`, trims each bucket the window adds to so it keeps about
  // kBucketMemory samples, and adds the window; except the first window after a Clear, which
  // holds the stragglers of what was cleared (requests sent before, at the old speed or in slow
  // start, finishing late: a handful of outliers each).
  void Add(const LoadCurve::Snapshot& window, core::Duration elapsed);
  void Clear() { *this = {}; }
  [[nodiscard]] double Total() const;
};

struct KneeFit {
  enum class Kind {
    kUnknown,  // too few samples
    kNoRise,   // flat as far as seen: the knee is at least `knee` (the highest concurrency seen)
    kRising,   // rising everywhere seen: the knee is below `knee` (the lowest seen)
    kLocated,  // flat up to `knee`, rising after it
  };
  Kind kind = Kind::kUnknown;
  double knee = 0;
  double service_s = 0;  // the latency on the flat part (kNoRise, kLocated)
  // Located: the knees that fit about as well as the best (its uncertainty).
  double knee_low = 0;
  double knee_high = 0;
  std::size_t concurrencies = 0;  // seen with enough samples to count (kMinBucket)

  // Located, and the knees that fit about as well span at most kPrecision (10 %).
  [[nodiscard]] bool Precise() const {
    return kind == Kind::kLocated && knee_high <= knee_low * kPrecision;
  }
  static constexpr double kPrecision = 1.1;
};

// "unknown", "no_rise", "rising", "located" (for /controller).
[[nodiscard]] std::string_view KindName(KneeFit::Kind kind);

class KneeFitter {
 public:
  static constexpr double kMinSamples = 200;
  // Samples for a bucket to count: stragglers, a handful of requests sent before a change (slow
  // start's last doubling) and finishing after it, would weigh as outliers.
  static constexpr double kMinBucket = 20;
  static constexpr double kEvidence = 25;   // a 5-sigma improvement over a flat line
  static constexpr double kConfidence = 4;  // knees within 2 sigma of the best fit as well
  // Noise is never taken as less than this fraction of the mean latency: a backend with a fixed
  // service time shows none within a bucket, and a rise of a few percent there is no knee.
  static constexpr double kNoiseFloor = 0.02;

  [[nodiscard]] static KneeFit Fit(const LoadCurveMemory& curve);
};

}  // namespace sluice::control
