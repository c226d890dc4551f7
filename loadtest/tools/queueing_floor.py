#!/usr/bin/env python3
"""The queueing floor of loadtest/noisy_tenant.sh: the polite tenants' p99 on an ideal backend.

A discrete-event model of the scenario with zero proxy overhead: two polite tenants with Poisson
arrivals at POLITE_FRACTION of their share, a flooder whose Poisson flood (FLOOD_FACTOR x share)
is thinned by a GCRA bucket (rate = share, burst), and SLOTS servers of exactly SERVICE seconds.
Prints the polite p99 with one FIFO queue, round robin between tenants, and strict priority for
the polite tenants, for each QUOTA_SUM, beside the unloaded p99 (= SERVICE).

    python3 loadtest/tools/queueing_floor.py          # seeds 0-3, 500 s each
"""

import collections
import heapq
import random

SLOTS, SERVICE = 8, 0.020
CAPACITY = SLOTS / SERVICE
POLITE_FRACTION, FLOOD_FACTOR, BURST = 0.4, 10, 20
SECONDS, SEEDS = 500, range(4)


def arrivals(share, seed):
    """(time, tenant) of every request that reaches the backend, in time order."""
    rng = random.Random(seed)
    events = []
    for tenant in ("alice", "bob"):
        t = rng.expovariate(POLITE_FRACTION * share)
        while t < SECONDS:
            events.append((t, tenant))
            t += rng.expovariate(POLITE_FRACTION * share)
    # GCRA (virtual scheduling): conforming when TAT - t <= burst tolerance.
    increment, tolerance, tat = 1 / share, (BURST - 1) / share, 0.0
    t = rng.expovariate(FLOOD_FACTOR * share)
    while t < SECONDS:
        if tat - t <= tolerance:
            tat = max(tat, t) + increment
            events.append((t, "mallory"))
        t += rng.expovariate(FLOOD_FACTOR * share)
    events.sort()
    return events


def polite_p99_ms(events, policy):
    """p99 of the polite tenants' time in system, for a work-conserving scheduler."""
    queues = {name: collections.deque() for name in ("alice", "bob", "mallory")}
    fifo, turn = collections.deque(), collections.deque(queues)
    completions, busy, latencies, i = [], 0, [], 0

    def pick():
        if policy == "fifo":
            return fifo.popleft() if fifo else None
        order = ("alice", "bob", "mallory") if policy == "priority" else list(turn)
        for name in order:
            if queues[name]:
                if policy == "round robin":
                    while turn[0] != name:
                        turn.rotate(-1)
                    turn.rotate(-1)
                return queues[name].popleft()
        return None

    def start(now, arrived, tenant):
        nonlocal busy
        busy += 1
        heapq.heappush(completions, now + SERVICE)
        if tenant != "mallory":
            latencies.append(now + SERVICE - arrived)

    while i < len(events) or completions:
        if completions and (i == len(events) or completions[0] <= events[i][0]):
            now = heapq.heappop(completions)
            busy -= 1
            waiting = pick()
            if waiting:
                start(now, *waiting)
        else:
            arrived, tenant = events[i]
            i += 1
            if busy < SLOTS:
                start(arrived, arrived, tenant)
            elif policy == "fifo":
                fifo.append((arrived, tenant))
            else:
                queues[tenant].append((arrived, tenant))
    latencies.sort()
    return 1000 * latencies[int(0.99 * len(latencies))]


def main():
    print(f"unloaded p99: {1000 * SERVICE:.1f} ms (exact service time)")
    for quota_sum in (1.0, 0.8):
        share = quota_sum * CAPACITY / 3
        runs = [arrivals(share, seed) for seed in SEEDS]
        for policy in ("fifo", "round robin", "priority"):
            p99 = [polite_p99_ms(events, policy) for events in runs]
            print(f"QUOTA_SUM={quota_sum}: {policy:<12} polite p99 {min(p99):.1f}-{max(p99):.1f} ms"
                  f" ({min(p99) / (1000 * SERVICE):.2f}-{max(p99) / (1000 * SERVICE):.2f}x)")


if __name__ == "__main__":
    main()
