#pragma once
// The Controller's rules that act on the load curve (knee_fit.h): where the service time barely
// varies, the curve places the backend's knee in whole requests, and the limit follows it. Part
// of the Controller's pure function (controller.h, "Load curve"): each reads the previous
// ControllerState and the window's fit, and writes the next state.
//
// Thread-safety: stateless functions; all state is in the values passed in.
#include "control/controller.h"
#include "control/knee_fit.h"

namespace sluice::control {

// The service time barely varies (mean under 1.5 × the p10): a queue cannot show in the p10, and
// the curve's rise stands out of its noise (with a wide spread it is of the size of the rise).
[[nodiscard]] bool NarrowService(const ControllerState& state);

// The curve's knee is trusted: placed to within 10 % (KneeFit::Precise), for a narrow service
// time. There a few hundred samples place it to one request.
[[nodiscard]] bool UseLoadCurve(const ControllerState& state, const KneeFit& fit);

// The curve's flat part is the service time, measured at concurrencies where nothing waited in
// the backend; a baseline learnt from windows that looked clean (their p10 at its minimum) may
// hold a little queue, or too few samples. It moves half the way there each window the curve is
// trusted. (Not from a curve flat as far as it goes: at one concurrency alone it always is.)
void CorrectServiceTime(const ControllerState& state, const KneeFit& fit, ControllerState& s);

// The curve is trusted (UseLoadCurve): the limit goes to the whole number nearest the top of
// the range of knees that fit (the gate enforces whole numbers; one more would wait inside the
// backend), up by at most max_up a window and only when may_grow and the limit was busy enough
// (fill) for more to help, down half the way (damping). No headroom beyond that: the curve
// counts requests on their way to and from the backend too, so a limit at its knee keeps the
// backend busy (X × the service time, the other knee rule's, does not count them, hence its
// × 1.05 + 1).
[[nodiscard]] ControllerAction ToLocatedKnee(const ControllerState& state, const KneeFit& fit,
                                             double fill, bool may_grow, double max_up,
                                             ControllerState& s, const ControllerParams& p);

// Growth without a queue in the backend when the last knee known came from the curve (it may
// have restarted since, after a change of speed): up to that knee's whole number (no headroom:
// it counts whole requests), and past it one request at a time, only once the curve is flat up
// to the limit over more than one concurrency (one alone is always flat, queue or none); the
// next window's curve shows whether that one waited. kIncrease, or kHoldAtKnee.
[[nodiscard]] ControllerAction GrowToCurveKnee(const ControllerState& state, const KneeFit& fit,
                                               double max_up, ControllerState& s,
                                               const ControllerParams& p);

// Latency rises at every concurrency the curve has seen (the limit has only been past the knee
// since the curve restarted): the knee is below the lowest of them, so the limit goes one under
// it, where the curve can see the flat part. True if it moved the limit.
[[nodiscard]] bool BelowRisingCurve(const ControllerState& state, const KneeFit& fit,
                                    ControllerState& s, const ControllerParams& p);

}  // namespace sluice::control
