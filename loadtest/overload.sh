#!/usr/bin/env bash
# Overload (issue 4): offered load LOAD_FACTOR (3) x the backend's capacity for OVERLOAD (30 s),
# after WARM (4 s) at BASE_FACTOR (0.5) x, against a capacity stub (SLOTS x SERVICE) behind each
# target in turn: no proxy, sluice with an adaptive limit and no capacity given, HAProxy with
# maxconn hand-tuned to the stub, HAProxy untuned, nginx limit_req tuned to the capacity (see
# adaptive_lib.sh). Open loop, latency from each request's scheduled time.
#
# The aim, on the overloaded phase: sluice's goodput within the SLO is >= 95 % of tuned HAProxy's,
# its p99 of admitted (2xx) requests is below tuned HAProxy's, and it beats every untuned target.
# About 3 minutes. Report in loadtest/out/overload.md, rows in overload.tsv, per second in
# overload-<target>.csv (sluice's with its limit and controller mode), plot in overload.png.
#
# Environment (defaults):
#   SLOTS=16 SERVICE=50ms SERVICE_DIST=fixed SLO=250ms MAX_WAIT=50ms
#   WARM=4 OVERLOAD=30 BASE_FACTOR=0.5 LOAD_FACTOR=3 ARRIVALS=poisson SEED=1
#   CONNECTIONS=2000 TIMEOUT=2s TARGETS="direct sluice haproxy-tuned haproxy-untuned nginx"
#   WORKERS=2 BUILD=build SLUICE_BIN=$BUILD/src/app/sluice TOOLS=$BUILD/loadtest/tools NICE=0
# NICE=-10 (root only) runs every process at that niceness, so that builds on a shared machine
# disturb the latency figures less.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=overload
# shellcheck source=loadtest/adaptive_lib.sh
source loadtest/adaptive_lib.sh

WARM=${WARM:-4}
OVERLOAD=${OVERLOAD:-30}
BASE_FACTOR=${BASE_FACTOR:-0.5}
LOAD_FACTOR=${LOAD_FACTOR:-3}
DURATION_S=$((WARM + OVERLOAD))
STUB_SCHEDULE=""
# The whole overloaded phase (the controller's convergence included), and its last 20 s.
SETTLED_FROM=$((DURATION_S - 20 > WARM ? DURATION_S - 20 : WARM))
PHASES="overload:$WARM:$DURATION_S settled:$SETTLED_FROM:$DURATION_S"
PHASE_CAPACITIES="$CAPACITY $CAPACITY"
PLOT_TITLE="${LOAD_FACTOR}x capacity ($CAPACITY req/s) from ${WARM} s, ${BASE_FACTOR}x before"
SCENARIO_TEXT="Offered load ${BASE_FACTOR}x the stub's capacity for $WARM s, then ${LOAD_FACTOR}x for $OVERLOAD s."

# Two tenants without credentials: the base load from the start, the surge on top of it.
tenant_args() {
  awk -v c="$CAPACITY" -v b="$BASE_FACTOR" -v l="$LOAD_FACTOR" -v w="$WARM" -v n="$CONNECTIONS" \
    'BEGIN {
      printf "name=base,rate=%.3f,connections=%d\n", c * b, n
      printf "name=surge,rate=%.3f,connections=%d,start=%ds\n", c * (l - b), n, w }'
}

run_all
report
plot
