# Shared by loadtest/overload.sh and loadtest/slowdown.sh (sourced, not run): a capacity stub of
# SLOTS slots x SERVICE behind each target in turn, an open-loop load from the calling script,
# a per-second CSV per target, a summary over the phases the caller names, and a PNG.
#
# The caller sets, before sourcing:
#   SCENARIO        overload | slowdown (names the output files)
#   and, after sourcing and before run_all:
#   DURATION_S      length of a run per target, in seconds
#   PHASES          "name:from:to ..." in seconds from the generator's start; the first is the one
#                   the aim is judged on
#   PHASE_FACTOR    the stub's service-time factor during the first phase (for its capacity)
#   STUB_SCHEDULE   "" or a service-time schedule (10s:x3,25s:x1) armed when the load starts
#   tenant_args()   prints the generator's --tenant arguments, one per line
#
# Targets (TARGETS, in this order by default), each against a fresh stub (a previous run's backlog
# must not leak into the next target):
#   direct           no proxy
#   sluice           controller {slo_p99: SLO}, no concurrency_limit, queue max_wait MAX_WAIT
#   haproxy-tuned    server maxconn SLOTS + timeout queue MAX_WAIT (hand-tuned to the stub)
#   haproxy-untuned  no server maxconn
#   nginx            limit_req at the stub's capacity, burst = capacity x MAX_WAIT (delay mode)
# shellcheck source=loadtest/common.sh
source loadtest/common.sh

NICE=${NICE:-0}
if [[ $NICE != 0 && -z ${ADAPTIVE_RENICED:-} ]]; then
  exec env ADAPTIVE_RENICED=1 nice -n "$NICE" "$0" "$@"
fi

SLOTS=${SLOTS:-16}
SERVICE=${SERVICE:-50ms}
SERVICE_DIST=${SERVICE_DIST:-fixed}
SLO=${SLO:-250ms}
MAX_WAIT=${MAX_WAIT:-50ms}
ARRIVALS=${ARRIVALS:-poisson}
CONNECTIONS=${CONNECTIONS:-2000}
TIMEOUT=${TIMEOUT:-2s}
SEED=${SEED:-1}
TARGETS=${TARGETS:-direct sluice haproxy-tuned haproxy-untuned nginx}
WORKERS=${WORKERS:-2}
BUILD=${BUILD:-build}

STUB_PORT=19200
declare -A PORT=([direct]=19200 [sluice]=18280 [haproxy-tuned]=18281 [haproxy-untuned]=18282
  [nginx]=18283)
SLUICE_ADMIN_PORT=19921

TOOLS=${TOOLS:-$BUILD/loadtest/tools}
STUB_BIN=$TOOLS/sluice-capacity-stub
LOADGEN_BIN=$TOOLS/sluice-openloop
SLUICE_BIN=${SLUICE_BIN:-$BUILD/src/app/sluice}
HAPROXY_BIN=$(command -v haproxy || true)
NGINX_BIN=$(command -v nginx || true)
GNUPLOT_BIN=$(command -v gnuplot || true)
OUT=loadtest/out

log() { echo "$SCENARIO: $*" >&2; }
die() { log "$*"; exit 1; }

[[ -x $STUB_BIN && -x $LOADGEN_BIN ]] ||
  die "$TOOLS/{sluice-capacity-stub,sluice-openloop} not found (cmake --build $BUILD --target loadtest_tools)"

SERVICE_S=$(seconds "$SERVICE")
SLO_S=$(seconds "$SLO")
SLO_MS=$(awk -v s="$SLO_S" 'BEGIN { printf "%d", s * 1000 + 0.5 }')
MAX_WAIT_S=$(seconds "$MAX_WAIT")
CAPACITY=$(awk -v n="$SLOTS" -v s="$SERVICE_S" 'BEGIN { printf "%.2f", n / s }')
CAPACITY_PER_S=$(awk -v c="$CAPACITY" 'BEGIN { printf "%d", c + 0.5 }')
NGINX_BURST=$(awk -v c="$CAPACITY" -v w="$MAX_WAIT_S" 'BEGIN { b = int(c * w + 0.5); print b < 1 ? 1 : b }')

RUNDIR=$(make_rundir "$SCENARIO")
mkdir -p "$OUT"
declare -A PID=()


cleanup() { stop_all_and_keep_logs "$SCENARIO-"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

render() {
  local user_line="" server_maxconn=""
  ((EUID == 0)) && user_line="user nobody nogroup;"
  [[ $3 == haproxy-tuned ]] && server_maxconn="maxconn $SLOTS"
  sed -e "s|@WORKERS@|$WORKERS|g" -e "s|@STUB_PORT@|$STUB_PORT|g" -e "s|@PROXY_PORT@|$2|g" \
    -e "s|@ADMIN_PORT@|$SLUICE_ADMIN_PORT|g" -e "s|@RUNDIR@|$RUNDIR|g" \
    -e "s|@NGINX_USER@|$user_line|g" -e "s|@SLOTS@|$SLOTS|g" -e "s|@SLO@|$SLO|g" \
    -e "s|@MAX_WAIT@|$MAX_WAIT|g" -e "s|@SERVER_MAXCONN@|$server_maxconn|g" \
    -e "s|@CAPACITY_PER_S@|$CAPACITY_PER_S|g" -e "s|@NGINX_BURST@|$NGINX_BURST|g" "$1"
}

start_stub() {
  "$STUB_BIN" --listen "127.0.0.1:$STUB_PORT" --slots "$SLOTS" --service "$SERVICE" \
    --distribution "$SERVICE_DIST" --seed "$SEED" >>"$RUNDIR/stub.log" 2>&1 &
  PID[stub]=$!
  wait_ready stub "$STUB_PORT"
}

# Starts one proxy in its own foreground mode, in the background of this script.
start_proxy() {
  local name=$1 port=${PORT[$1]}
  case $name in
    direct) return 0 ;;
    sluice)
      [[ -x $SLUICE_BIN ]] || { log "skipping sluice: $SLUICE_BIN not found"; return 1; }
      render loadtest/adaptive.sluice.yaml.in "$port" "$name" >"$RUNDIR/sluice.yaml"
      "$SLUICE_BIN" check -c "$RUNDIR/sluice.yaml" >&2 || { log "skipping sluice: bad config"; return 1; }
      "$SLUICE_BIN" run -c "$RUNDIR/sluice.yaml" >"$RUNDIR/sluice.log" 2>&1 &
      ;;
    haproxy-*)
      [[ -n $HAPROXY_BIN ]] || { log "skipping $name: haproxy not installed"; return 1; }
      render loadtest/adaptive.haproxy.cfg.in "$port" "$name" >"$RUNDIR/$name.cfg"
      "$HAPROXY_BIN" -db -f "$RUNDIR/$name.cfg" >"$RUNDIR/$name.log" 2>&1 &
      ;;
    nginx)
      [[ -n $NGINX_BIN ]] || { log "skipping nginx: not installed"; return 1; }
      render loadtest/adaptive.nginx.conf.in "$port" "$name" >"$RUNDIR/nginx.conf"
      "$NGINX_BIN" -p "$RUNDIR" -e "$RUNDIR/nginx-error.log" -c "$RUNDIR/nginx.conf" \
        >"$RUNDIR/nginx.log" 2>&1 &
      ;;
    *) return 1 ;;
  esac
  PID[$name]=$!
  ready_or_skip "$name" "$port"
}

# One open-loop run against a target: per-second CSV and every arrival's outcome.
run_load() {
  local name=$1 args=() spec
  while read -r spec; do args+=(--tenant "$spec"); done < <(tenant_args)
  if [[ $name == sluice ]]; then
    args+=(--sample "127.0.0.1:$SLUICE_ADMIN_PORT/metrics"
      --sample-names sluice_concurrency_limit,sluice_controller_mode,sluice_controller_slo_infeasible)
  fi
  if [[ -n $STUB_SCHEDULE ]]; then
    # Armed now, ~10 ms before the generator's first arrival: the two clocks line up.
    curl -s -m 2 -X POST "http://127.0.0.1:$STUB_PORT/control?schedule=$STUB_SCHEDULE" >&2
  fi
  timeout -k 5 $((DURATION_S + 30)) "$LOADGEN_BIN" --target "127.0.0.1:${PORT[$name]}" \
    --duration "${DURATION_S}s" --timeout "$TIMEOUT" --arrivals "$ARRIVALS" --seed "$SEED" \
    --slo "$SLO" --per-second "$OUT/$SCENARIO-$name.csv" --events "$RUNDIR/events-$name.txt" \
    "${args[@]}" >"$RUNDIR/summary-$name.tsv" 2>>"$RUNDIR/loadgen.log"
}

# Per phase: offered/s, goodput within the SLO/s, 2xx/s, 503/s, other+errors/s, p50 and p99 of
# the 2xx (nearest rank), as "name<TAB>phase<TAB>..." rows.
summarize_target() {
  local name=$1 phase pname from to
  for phase in $PHASES; do
    IFS=: read -r pname from to <<<"$phase"
    : >"$RUNDIR/lat-$name-$pname.txt"  # a phase without any 2xx leaves it empty, not missing
    awk -v from="$from" -v to="$to" -v slo="$SLO_S" -v name="$name" -v pname="$pname" \
      -v lat_file="$RUNDIR/lat-$name-$pname.txt" '
      $1 >= from && $1 < to {
        n++
        if ($2 >= 200 && $2 < 300) { ok++; if ($3 <= slo * 1000) good++; print $3 > lat_file }
        else if ($2 == 503) s503++
        else if ($2 == 429) s429++
        else bad++
      }
      END {
        close(lat_file); d = to - from
        printf "%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f", name, pname, n / d, good / d, ok / d,
          s429 / d, s503 / d, bad / d
      }' "$RUNDIR/events-$name.txt"
    sort -n "$RUNDIR/lat-$name-$pname.txt" | awk '{ v[NR] = $1 }
      function pct(p) { r = int(p * NR); if (r < p * NR) r++; if (r < 1) r = 1; return v[r] }
      END { if (NR == 0) printf "\t-\t-"; else printf "\t%.1f\t%.1f", pct(0.5), pct(0.99) }'
    # sluice: the limit over the phase from the per-second samples (mean, min, max).
    awk -F, -v from="$from" -v to="$to" '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i == "sluice_concurrency_limit") c = i; next }
      c && $1 >= from && $1 < to && $c != "" {
        n++; s += $c; if (min == "" || $c < min) min = $c; if ($c > max) max = $c }
      END { if (n) printf "\t%.1f\t%g\t%g\n", s / n, min, max; else printf "\t-\t-\t-\n" }' \
      "$OUT/$SCENARIO-$name.csv"
  done
}

# Goodput within SLO and p99 per target over time, sluice's limit on the second axis.
plot() {
  local png=$OUT/$SCENARIO.png plots_good="" plots_p99="" name file
  if [[ -z $GNUPLOT_BIN ]]; then
    log "no PNG: gnuplot not installed (scripts/install-deps.sh --loadtest)"
    return 0
  fi
  for name in "${active[@]}"; do
    file=$OUT/$SCENARIO-$name.csv
    plots_good+="'$file' using 1:3 with lines lw 2 title '$name', "
    plots_p99+="'$file' using 1:(\$10 > 0 ? \$10 : NaN) with lines lw 2 title '$name', "
  done
  if [[ -f $OUT/$SCENARIO-sluice.csv ]]; then
    local limit="'$OUT/$SCENARIO-sluice.csv' using 1:11 axes x1y2 with steps lw 2 dt 2 lc rgb 'black' title 'sluice limit (right axis)'"
    plots_good+=$limit
    plots_p99+=$limit
  fi
  "$GNUPLOT_BIN" <<GNUPLOT || log "gnuplot failed"
set terminal pngcairo size 1200,900 noenhanced
set output '$png'
set datafile separator ','
set key outside right top
set grid
set multiplot layout 2,1 title "$SCENARIO: $PLOT_TITLE"
set ylabel 'goodput within SLO $SLO (req/s)'
set y2label 'sluice limit'
set y2tics
set yrange [0:*]
set y2range [0:*]
plot ${plots_good%, }
set ylabel 'p99 of 2xx (ms)'
set xlabel 'second (by scheduled arrival time)'
set logscale y
set yrange [10:*]
set arrow from graph 0, first $SLO_MS to graph 1, first $SLO_MS nohead dt 3 lc rgb 'red'
plot ${plots_p99%, }
unset multiplot
GNUPLOT
  [[ -f $png ]] && log "plot: $png"
}

run_all() {
  local name
  for name in $TARGETS; do
    [[ -n ${PORT[$name]:-} ]] || die "unknown target $name (${!PORT[*]})"
  done
  for port in $STUB_PORT "${PORT[@]}" $SLUICE_ADMIN_PORT; do
    if port_busy "$port"; then die "port $port is already in use"; fi
  done
  log "stub: $SLOTS slots x $SERVICE ($SERVICE_DIST) = $CAPACITY req/s; SLO $SLO;" \
    "sluice/HAProxy queue bound $MAX_WAIT; nginx $CAPACITY_PER_S r/s burst $NGINX_BURST"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  active=()
  for name in $TARGETS; do
    start_stub || die "capacity stub did not start: $(cat "$RUNDIR/stub.log")"
    if start_proxy "$name"; then
      log "running $name (${DURATION_S} s)"
      local sampler=""
      if [[ $name == sluice ]]; then
        # The controller's state twice a second (limit, service time, knee, last window), to
        # explain the limit afterwards; bounded by the run (killed below) and by a count.
        (for ((i = 0; i < 4 * DURATION_S; i++)); do
          curl -s -m 1 "http://127.0.0.1:$SLUICE_ADMIN_PORT/controller" && echo
          sleep 0.5
        done) >"$OUT/$SCENARIO-sluice-controller.jsonl" 2>/dev/null &
        sampler=$!
      fi
      run_load "$name" || log "generator failed for $name (see $OUT/$SCENARIO-loadgen.log)"
      [[ -n $sampler ]] && { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; }
      active+=("$name")
      if [[ $name == sluice ]]; then
        curl -s -m 2 "http://127.0.0.1:$SLUICE_ADMIN_PORT/metrics" |
          grep -E '^sluice_(admission_decisions_total|controller_|concurrency_limit|queue_wait_seconds|upstream_latency_seconds|request_duration_seconds)' \
            >"$RUNDIR/sluice-metrics.log" || true
      fi
      [[ -n ${PID[$name]:-} ]] && { stop_pid "${PID[$name]}"; unset "PID[$name]"; }
    fi
    stop_pid "${PID[stub]}"
    unset "PID[stub]"
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
}

# The report: per phase a table per target, ratios to haproxy-tuned, and the aim on the first
# phase: sluice's goodput within SLO >= 95 % of haproxy-tuned's, its p99 of admitted (2xx)
# requests below haproxy-tuned's, and its goodput above every untuned target's.
report() {
  local tsv=$OUT/$SCENARIO.tsv md=$OUT/$SCENARIO.md name
  printf 'target\tphase\toffered_rps\tgoodput_slo_rps\tok_rps\ts429_rps\ts503_rps\tother_err_rps\tp50_ms\tp99_ms\tlimit_mean\tlimit_min\tlimit_max\n' >"$tsv"
  for name in "${active[@]}"; do summarize_target "$name" >>"$tsv"; done
  {
    echo "# $SCENARIO"
    echo
    echo "$SCENARIO_TEXT"
    echo "Stub $SLOTS slots x $SERVICE ($SERVICE_DIST) = $CAPACITY req/s; SLO $SLO (goodput = 2xx" \
      "within it, by scheduled arrival time); sluice controller {slo_p99: $SLO}, no" \
      "concurrency_limit, queue max_wait $MAX_WAIT; haproxy-tuned maxconn $SLOTS + timeout queue" \
      "$MAX_WAIT; haproxy-untuned no maxconn; nginx limit_req $CAPACITY_PER_S r/s burst" \
      "$NGINX_BURST; $ARRIVALS arrivals, seed $SEED, client timeout $TIMEOUT, $WORKERS proxy" \
      "workers; load average $load_before before, $load_after after."
    echo
    awk -F'\t' -v phases="$PHASES" -v caps="$PHASE_CAPACITIES" '
      NR == 1 { next }
      { key = $1 SUBSEP $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
        for (i = 3; i <= 13; i++) v[key, i] = $i }
      function ratio(a, b) { return (b + 0 > 0 && a != "-") ? sprintf("%.2f", a / b) : "-" }
      END {
        np = split(phases, ph, " "); split(caps, cap, " ")
        for (p = 1; p <= np; p++) {
          split(ph[p], f, ":"); pn = f[1]
          printf "### phase %s: %s-%s s (capacity %s req/s)\n\n", pn, f[2], f[3], cap[p]
          print "| target | offered/s | goodput in SLO/s | % of capacity | 2xx/s | p50 ms | p99 ms (2xx) | 503/s | 429/s | other+errors/s | goodput / tuned HAProxy | p99 / tuned HAProxy | sluice limit mean (min-max) |"
          print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
          ref = "haproxy-tuned" SUBSEP pn
          for (i = 1; i <= n; i++) {
            t = order[i]; k = t SUBSEP pn
            lim = v[k, 11] == "-" ? "-" : v[k, 11] " (" v[k, 12] "-" v[k, 13] ")"
            printf "| %s | %s | %s | %.0f %% | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t,
              v[k, 3], v[k, 4], 100 * v[k, 4] / cap[p], v[k, 5], v[k, 9], v[k, 10], v[k, 7],
              v[k, 6], v[k, 8], ratio(v[k, 4], v[ref, 4]), ratio(v[k, 10], v[ref, 10]), lim
          }
          print ""
          if (p == 1) first = pn
        }
        k = "sluice" SUBSEP first; ref = "haproxy-tuned" SUBSEP first
        if (!((k SUBSEP 4) in v) || !((ref SUBSEP 4) in v)) {
          print "Aim: not judged (needs sluice and haproxy-tuned in TARGETS)."; exit }
        gs = v[k, 4]; gh = v[ref, 4]; ps = v[k, 10]; phh = v[ref, 10]
        a1 = gs >= 0.95 * gh; a2 = ps != "-" && ps + 0 < phh + 0
        a3 = 1; beaten = ""; lost = ""; untuned = 0
        for (i = 1; i <= n; i++) {
          t = order[i]; if (t == "sluice" || t == "haproxy-tuned") continue
          if (t != "nginx") untuned++
          if (gs + 0 > v[t SUBSEP first, 4] + 0) beaten = beaten " " t
          else { lost = lost " " t; if (t != "nginx") a3 = 0 }
        }
        printf "Aim, on phase %s: sluice (no capacity given) goodput within SLO >= 95 %% of tuned HAProxy: %s (%.1f vs %.1f req/s, %.1f %%); p99 of admitted below tuned HAProxy: %s (%s vs %s ms); goodput above every untuned target (direct, haproxy-untuned): %s (beats:%s%s).\n",
          first, (a1 ? "holds" : "**fails**"), gs, gh, (gh > 0 ? 100 * gs / gh : 0),
          (a2 ? "holds" : "**fails**"), ps, phh, (untuned == 0 ? "not judged" : a3 ? "holds" : "**fails**"),
          (beaten == "" ? " none" : beaten), (lost == "" ? "" : "; not:" lost)
      }' "$tsv"
  } >"$md"
  echo
  cat "$md"
  echo
  echo "report: $md; rows: $tsv; per second: $OUT/$SCENARIO-<target>.csv; plot: $OUT/$SCENARIO.png"
}
