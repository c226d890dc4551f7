#!/usr/bin/env bash
# Proxy overhead: wrk straight at the demo backend ("direct"), then through sluice, HAProxy and
# nginx, all configured alike (2 workers, keep-alive upstream, no logging). Targets are
# interleaved (A B C D A B C D ...) so drift on the machine spreads over all of them.
#
# Per run: req/s, p50 and p99 (wrk --latency), ratio to direct in the same round, and CPU time per
# request of the proxy (utime+stime of its whole process tree, from /proc) next to the backend's
# CPU per request in the same run. Table on stdout, CSV in loadtest/out/overhead.csv.
#
# Environment (defaults):
#   ROUNDS=2 WRK_THREADS=2 WRK_CONNECTIONS=64 WRK_DURATION=10s WARMUP=2s URL_PATH=/
#   TARGETS="direct sluice haproxy nginx" WORKERS=2 BUILD=build
# A proxy whose binary is missing is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtest/common.sh

ROUNDS=${ROUNDS:-2}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-2s}
URL_PATH=${URL_PATH:-/}
READY_PATH=$URL_PATH
TARGETS=${TARGETS:-direct sluice haproxy nginx}
WORKERS=${WORKERS:-2}
BUILD=${BUILD:-build}

BACKEND_PORT=19000
declare -A PORT=([direct]=19000 [sluice]=18080 [haproxy]=18081 [nginx]=18082)
SLUICE_ADMIN_PORT=19901

BACKEND_BIN=$BUILD/src/demo_backend/sluice-demo-backend
SLUICE_BIN=$BUILD/src/app/sluice
HAPROXY_BIN=$(command -v haproxy || true)
NGINX_BIN=$(command -v nginx || true)
OUT=loadtest/out
CSV=$OUT/overhead.csv
CLK_TCK=$(getconf CLK_TCK)

log() { echo "overhead: $*" >&2; }
die() { log "$*"; exit 1; }

command -v wrk >/dev/null || die "wrk not found (scripts/install-deps.sh --loadtest)"
[[ -x $BACKEND_BIN ]] || die "$BACKEND_BIN not found (make build)"

RUNDIR=$(make_rundir loadtest)
mkdir -p "$OUT"
declare -A PID=()

cleanup() { stop_all_and_keep_logs ""; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

render() {
  local user_line=""
  ((EUID == 0)) && user_line="user nobody nogroup;"
  sed -e "s|@WORKERS@|$WORKERS|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" \
    -e "s|@PROXY_PORT@|$2|g" -e "s|@ADMIN_PORT@|$SLUICE_ADMIN_PORT|g" \
    -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@NGINX_USER@|$user_line|g" "$1"
}

# Starts one proxy in the foreground-mode of its own, in the background of this script.
start() {
  local name=$1 port=${PORT[$1]}
  case $name in
    sluice)
      [[ -x $SLUICE_BIN ]] || { log "skipping sluice: $SLUICE_BIN not found"; return 1; }
      render loadtest/sluice.yaml.in "$port" >"$RUNDIR/sluice.yaml"
      "$SLUICE_BIN" run -c "$RUNDIR/sluice.yaml" >"$RUNDIR/sluice.log" 2>&1 &
      ;;
    haproxy)
      [[ -n $HAPROXY_BIN ]] || { log "skipping haproxy: not installed"; return 1; }
      render loadtest/haproxy.cfg.in "$port" >"$RUNDIR/haproxy.cfg"
      "$HAPROXY_BIN" -db -f "$RUNDIR/haproxy.cfg" >"$RUNDIR/haproxy.log" 2>&1 &
      ;;
    nginx)
      [[ -n $NGINX_BIN ]] || { log "skipping nginx: not installed"; return 1; }
      render loadtest/nginx.conf.in "$port" >"$RUNDIR/nginx.conf"
      "$NGINX_BIN" -p "$RUNDIR" -e "$RUNDIR/nginx-error.log" -c "$RUNDIR/nginx.conf" \
        >"$RUNDIR/nginx.log" 2>&1 &
      ;;
  esac
  PID[$name]=$!
  ready_or_skip "$name" "$port"
}

# --- start everything -------------------------------------------------------------------------
for name in $TARGETS; do
  [[ -n ${PORT[$name]:-} ]] || die "unknown target $name (direct, sluice, haproxy, nginx)"
  if port_busy "${PORT[$name]}"; then die "port ${PORT[$name]} ($name) is already in use"; fi
done
if [[ " $TARGETS " == *" sluice "* ]] && port_busy "$SLUICE_ADMIN_PORT"; then
  die "port $SLUICE_ADMIN_PORT (sluice admin) is already in use"
fi

"$BACKEND_BIN" --listen "127.0.0.1:$BACKEND_PORT" --threads "$WORKERS" >"$RUNDIR/backend.log" 2>&1 &
PID[backend]=$!
wait_ready backend "$BACKEND_PORT" || die "demo backend did not start: $(cat "$RUNDIR/backend.log")"

active=()
for name in $TARGETS; do
  if [[ $name == direct ]] || start "$name"; then active+=("$name"); fi
done
((${#active[@]} > 0)) || die "nothing to measure"

run_timeout=$(($(seconds "$WRK_DURATION") + 30))
url() { echo "http://127.0.0.1:${PORT[$1]}$URL_PATH"; }

if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
  log "warming up ${active[*]} ($WARMUP each)"
  for name in "${active[@]}"; do
    timeout -k 5 $(($(seconds "$WARMUP") + 30)) \
      wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WARMUP" "$(url "$name")" >/dev/null || true
  done
fi

echo "round,target,requests,duration_s,rps,p50_ms,p99_ms,errors,ratio_to_direct,proxy_cpu_us_per_req,backend_cpu_us_per_req,proxy_to_backend_cpu" >"$CSV"
log "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency, $ROUNDS round(s): ${active[*]}"

for ((round = 1; round <= ROUNDS; round++)); do
  direct_rps=""
  for name in "${active[@]}"; do
    backend_before=$(tree_ticks "${PID[backend]}")
    proxy_before=0
    [[ $name != direct ]] && proxy_before=$(tree_ticks "${PID[$name]}")
    result=$RUNDIR/wrk-$round-$name.txt
    timeout -k 5 "$run_timeout" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" \
      --timeout 5s --latency "$(url "$name")" >"$result" || log "wrk failed for $name"
    backend_after=$(tree_ticks "${PID[backend]}")
    proxy_after=0
    [[ $name != direct ]] && proxy_after=$(tree_ticks "${PID[$name]}")

    read -r requests duration rps p50 p99 errors < <(awk '
      / requests in / { n = $1; d = $4; sub(/s,?$/, "", d) }
      /Requests\/sec:/ { r = $2 }
      $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
      /Non-2xx or 3xx responses:/ { e += $NF }
      /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i }
      END { printf "%d %s %s %s %s %d\n", n, (d ? d : 0), (r ? r : 0), (p50 ? p50 : "0us"),
                   (p99 ? p99 : "0us"), e }' "$result")
    [[ $name == direct ]] && direct_rps=$rps
    awk -v round="$round" -v name="$name" -v n="$requests" -v d="$duration" -v rps="$rps" \
      -v p50="$(to_ms "$p50")" -v p99="$(to_ms "$p99")" -v e="$errors" -v direct="$direct_rps" \
      -v bt=$((backend_after - backend_before)) -v pt=$((proxy_after - proxy_before)) \
      -v tck="$CLK_TCK" -v is_direct="$([[ $name == direct ]] && echo 1 || echo 0)" 'BEGIN {
        ratio = direct > 0 ? sprintf("%.3f", rps / direct) : ""
        b = n > 0 ? bt * 1e6 / tck / n : 0
        p = (!is_direct && n > 0) ? sprintf("%.2f", pt * 1e6 / tck / n) : ""
        rel = (!is_direct && b > 0) ? sprintf("%.2f", p / b) : ""
        printf "%d,%s,%d,%s,%s,%s,%s,%d,%s,%s,%.2f,%s\n",
               round, name, n, d, rps, p50, p99, e, ratio, p, b, rel }' >>"$CSV"
    log "round $round $name: $rps req/s, p99 $p99, errors $errors"
  done
done

# --- report -----------------------------------------------------------------------------------
echo
echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION $URL_PATH, $ROUNDS round(s), $WORKERS workers; CSV: $CSV"
awk -F, 'NR == 1 { next }
  { printf "%-5s %-8s %10s %9s %9s %7s %8s %12s %12s %9s\n", $1, $2, $5, $6, $7, $8,
           ($9 == "" ? "-" : $9), ($10 == "" ? "-" : $10), $11, ($12 == "" ? "-" : $12)
    k = $2; if (!(k in runs)) order[++count] = k
    runs[k]++; rps[k] += $5; p50[k] += $6; p99[k] += $7; err[k] += $8
    if ($9 != "") { ratio[k] += $9; nr[k]++ }
    if ($10 != "") { pcpu[k] += $10; np[k]++ }
    bcpu[k] += $11
    if ($12 != "") { rel[k] += $12; nrel[k]++ } }
  BEGIN { printf "%-5s %-8s %10s %9s %9s %7s %8s %12s %12s %9s\n", "round", "target", "req/s",
          "p50 ms", "p99 ms", "errors", "ratio", "proxy us/req", "backend us/r", "proxy/bk" }
  END {
    print ""; print "mean over rounds:"
    printf "%-14s %10s %9s %9s %7s %8s %12s %12s %9s\n", "target", "req/s", "p50 ms", "p99 ms",
           "errors", "ratio", "proxy us/req", "backend us/r", "proxy/bk"
    for (i = 1; i <= count; i++) {
      k = order[i]; r = runs[k]
      printf "%-14s %10.0f %9.3f %9.3f %7d %8s %12s %12.2f %9s\n", k, rps[k] / r, p50[k] / r,
             p99[k] / r, err[k], (nr[k] ? sprintf("%.3f", ratio[k] / nr[k]) : "-"),
             (np[k] ? sprintf("%.2f", pcpu[k] / np[k]) : "-"), bcpu[k] / r,
             (nrel[k] ? sprintf("%.2f", rel[k] / nrel[k]) : "-")
    } }' "$CSV"
