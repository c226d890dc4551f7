#!/usr/bin/env bash
# Slowdown (issue 4): a steady LOAD_FACTOR (0.8) x the backend's capacity while the backend turns
# SLOW_FACTOR (3) x slower at SLOW_AT (10 s) and back at BACK_AT (25 s): the capacity stub's
# service time follows a schedule armed the moment the load starts (POST /control?schedule=...).
# Same targets as overload.sh (see adaptive_lib.sh): no proxy, sluice with an adaptive limit and
# no capacity given, HAProxy hand-tuned to the stub's slots, HAProxy untuned, nginx limit_req at
# the (normal) capacity.
#
# With SERVICE=50ms and SLO=250ms, SLOW_FACTOR=3 (150 ms) leaves the objective feasible;
# SLOW_FACTOR=5 (250 ms, the whole SLO in service time alone) makes it infeasible: no 2xx can be
# within it, and what counts is what each target does with the load meanwhile and how fast it is
# back. Outputs are named slowdown (factor 3) or slowdown-x<FACTOR>.
#
# The aim, on the slow phase: as overload.sh. About 3 minutes. Report in loadtest/out/<name>.md,
# rows in <name>.tsv, per second in <name>-<target>.csv, plot in <name>.png.
#
# Environment (defaults):
#   SLOTS=16 SERVICE=50ms SERVICE_DIST=fixed SLO=250ms MAX_WAIT=50ms
#   LOAD_FACTOR=0.8 SLOW_FACTOR=3 SLOW_AT=10 BACK_AT=25 DURATION=35 ARRIVALS=poisson SEED=1
#   CONNECTIONS=2000 TIMEOUT=2s TARGETS="direct sluice haproxy-tuned haproxy-untuned nginx"
#   WORKERS=2 BUILD=build SLUICE_BIN=$BUILD/src/app/sluice TOOLS=$BUILD/loadtest/tools NICE=0
set -euo pipefail
cd "$(dirname "$0")/.."

SLOW_FACTOR=${SLOW_FACTOR:-3}
SCENARIO=slowdown
[[ $SLOW_FACTOR == 3 ]] || SCENARIO=slowdown-x$SLOW_FACTOR
# shellcheck source=loadtest/adaptive_lib.sh
source loadtest/adaptive_lib.sh

LOAD_FACTOR=${LOAD_FACTOR:-0.8}
SLOW_AT=${SLOW_AT:-10}
BACK_AT=${BACK_AT:-25}
DURATION_S=${DURATION:-35}
((SLOW_AT < BACK_AT && BACK_AT < DURATION_S)) || die "need SLOW_AT < BACK_AT < DURATION"
STUB_SCHEDULE="${SLOW_AT}s:x$SLOW_FACTOR,${BACK_AT}s:x1"
# The slow phase whole (the limit's reaction to the change included), and from 3 s into it.
SLOW_SETTLED_AT=$((SLOW_AT + 3 < BACK_AT ? SLOW_AT + 3 : SLOW_AT))
PHASES="slow:$SLOW_AT:$BACK_AT slow-settled:$SLOW_SETTLED_AT:$BACK_AT before:2:$SLOW_AT after:$BACK_AT:$DURATION_S"
SLOW_CAPACITY=$(awk -v c="$CAPACITY" -v f="$SLOW_FACTOR" 'BEGIN { printf "%.2f", c / f }')
PHASE_CAPACITIES="$SLOW_CAPACITY $SLOW_CAPACITY $CAPACITY $CAPACITY"
PLOT_TITLE="${LOAD_FACTOR}x capacity ($CAPACITY req/s), backend ${SLOW_FACTOR}x slower $SLOW_AT-$BACK_AT s"
SCENARIO_TEXT="Offered load ${LOAD_FACTOR}x the stub's capacity for $DURATION_S s; the stub's service time is ${SLOW_FACTOR}x from $SLOW_AT s to $BACK_AT s (capacity $SLOW_CAPACITY req/s: the offered load is then $(awk -v l="$LOAD_FACTOR" -v f="$SLOW_FACTOR" 'BEGIN { printf "%.1f", l * f }')x it)."

tenant_args() {
  awk -v c="$CAPACITY" -v l="$LOAD_FACTOR" -v n="$CONNECTIONS" \
    'BEGIN { printf "name=steady,rate=%.3f,connections=%d\n", c * l, n }'
}

run_all
report
plot
