#include "control/knee_fit.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sluice::control {
namespace {

struct Point {
  double k = 0;       // concurrency
  double weight = 0;  // samples
  double mean_s = 0;  // their mean latency
};

struct Line {
  double c = 0;
  double residual = 0;  // weighted sum of squares of the bucket means around it
  bool valid = false;
};

// Weighted least squares of the bucket means on c × max(k, knee): flat up to the knee, then in
// proportion to the concurrency (Little's law on a backend that serves `knee` at once: a request
// that finds k in flight waits for k − knee of them, each a service time ÷ knee apart, so its
// latency is the service time × k ÷ knee). The knee here is one of the concurrencies seen.
Line FitHinge(const std::vector<Point>& points, double knee) {
  double sxx = 0, sxm = 0;
  for (const Point& p : points) {
    const double x = std::max(p.k, knee);
    sxx += p.weight * x * x;
    sxm += p.weight * x * p.mean_s;
  }
  Line line;
  if (sxx <= 0 || sxm <= 0) return line;
  line.c = sxm / sxx;
  for (const Point& p : points) {
    const double r = p.mean_s - line.c * std::max(p.k, knee);
    line.residual += p.weight * r * r;
  }
  line.valid = true;
  return line;
}

// The split after points[last_flat]: the points up to it flat at their mean, the rest on c × k,
// the knee where the two meet (level ÷ c). The rise is tied to the level, so two clusters of
// concurrencies with a gap between them place the knee inside the gap. Invalid when the meeting
// point is not between the two parts.
Line FitSplit(const std::vector<Point>& points, std::size_t last_flat, double& knee) {
  double w_low = 0, m_low = 0, kk = 0, km = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (i <= last_flat) {
      w_low += p.weight;
      m_low += p.weight * p.mean_s;
    } else {
      kk += p.weight * p.k * p.k;
      km += p.weight * p.k * p.mean_s;
    }
  }
  Line line;
  if (w_low <= 0 || kk <= 0 || km <= 0) return line;
  const double level = m_low / w_low;
  line.c = km / kk;
  knee = level / line.c;
  if (knee < points[last_flat].k || knee > points[last_flat + 1].k) return line;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    const double r = p.mean_s - (i <= last_flat ? level : line.c * p.k);
    line.residual += p.weight * r * r;
  }
  line.valid = true;
  return line;
}

}  // namespace

std::string_view KindName(KneeFit::Kind kind) {
  switch (kind) {
    case KneeFit::Kind::kUnknown:
      return "unknown";
    case KneeFit::Kind::kNoRise:
      return "no_rise";
    case KneeFit::Kind::kRising:
      return "rising";
    case KneeFit::Kind::kLocated:
      return "located";
  }
  return "unknown";
}

void LoadCurveMemory::Add(const LoadCurve::Snapshot& window, core::Duration elapsed) {
  if (settling) {
    settling = false;
    return;
  }
  const double fade = std::exp(-core::ToSeconds(elapsed) / core::ToSeconds(kFade));
  for (std::size_t i = 0; i < LoadCurve::kBuckets; ++i) {
    double keep = fade;
    const auto added = static_cast<double>(window.counts[i]);
    if (added > 0 && weight[i] * fade + added > kBucketMemory) {
      keep = weight[i] > 0 ? std::max(0.0, (kBucketMemory - added) / weight[i]) : 0.0;
    }
    weight[i] = weight[i] * keep + added;
    sum_s[i] = sum_s[i] * keep + static_cast<double>(window.sum_us[i]) * 1e-6;
    sum_sq_s[i] = sum_sq_s[i] * keep + static_cast<double>(window.sum_sq_us[i]) * 1e-12;
  }
}

double LoadCurveMemory::Total() const {
  double total = 0;
  for (const double w : weight) total += w;
  return total;
}

KneeFit KneeFitter::Fit(const LoadCurveMemory& curve) {
  std::vector<Point> points;
  double total = 0, sum = 0, within = 0;
  for (std::size_t i = 0; i < LoadCurve::kBuckets; ++i) {
    const double w = curve.weight[i];
    if (w < kMinBucket) continue;
    points.push_back({LoadCurve::BucketConcurrency(i), w, curve.sum_s[i] / w});
    total += w;
    sum += curve.sum_s[i];
    within += std::max(0.0, curve.sum_sq_s[i] - curve.sum_s[i] * curve.sum_s[i] / w);
  }
  KneeFit fit;
  fit.concurrencies = points.size();
  if (total < kMinSamples) return fit;
  const double mean = sum / total;
  const double dof = std::max(1.0, total - static_cast<double>(points.size()));
  const double noise = std::max(within / dof, std::pow(kNoiseFloor * mean, 2));
  double flat = 0;
  for (const Point& p : points) flat += p.weight * (p.mean_s - mean) * (p.mean_s - mean);

  // Knees at each concurrency seen, and between each two neighbours where the flat part below
  // meets the rise above. (The last point as the knee is the flat line itself.)
  std::vector<std::pair<double, Line>> candidates;
  for (std::size_t j = 0; j + 1 < points.size(); ++j) {
    candidates.emplace_back(points[j].k, FitHinge(points, points[j].k));
    double knee = 0;
    const Line split = FitSplit(points, j, knee);
    if (split.valid) candidates.emplace_back(knee, split);
  }
  Line best;
  double best_knee = 0;
  for (const auto& [knee, line] : candidates) {
    if (line.valid && (!best.valid || line.residual < best.residual)) {
      best = line;
      best_knee = knee;
    }
  }
  // Every knee that explains the curve about as well (within kConfidence of the noise).
  for (const auto& [knee, line] : candidates) {
    if (!line.valid || line.residual > best.residual + kConfidence * noise) continue;
    fit.knee_low = fit.knee_low > 0 ? std::min(fit.knee_low, knee) : knee;
    fit.knee_high = std::max(fit.knee_high, knee);
  }
  if (!best.valid || (flat - best.residual) / noise < kEvidence) {
    fit.kind = KneeFit::Kind::kNoRise;
    fit.knee = points.back().k;
    fit.service_s = mean;
    return fit;
  }
  if (best_knee <= points.front().k) {
    fit.kind = KneeFit::Kind::kRising;
    fit.knee = points.front().k;
    return fit;
  }
  fit.kind = KneeFit::Kind::kLocated;
  fit.knee = best_knee;
  fit.service_s = best.c * best_knee;
  return fit;
}

}  // namespace sluice::control
