#!/usr/bin/env bash
# HTTP/2 throughput: h2load against sluice, HAProxy and nginx, each taking HTTP/2 from the client
# (h2c by prior knowledge, or h2 over TLS with PROTO=h2) in front of the same HTTP/1.1 demo
# backend, configured alike (WORKERS workers, keep-alive upstream with an idle pool big enough for
# every stream, no logging). For each streams-per-connection M in STREAMS (1 10 100), `h2load -c
# CONNECTIONS -m M -D DURATION`; the targets are interleaved per round and M (sluice haproxy nginx
# sluice ...) so drift on the machine spreads over all of them.
#
# Per run: req/s, mean/p50/p99/max latency (mean and max from h2load's "time for request", p50 and
# p99 from its per-request --log-file), failed requests, CPU time per request of the proxy
# (utime+stime of its whole process tree, from /proc) and of the backend in the same run, and each
# figure's ratio to HAProxy in the same round and M. There is no "direct" target: the backend
# speaks HTTP/1.1 only, and h2load --h1 -m M would pipeline, which is neither what the proxies
# receive nor comparable; the HTTP/1.1 baseline is overhead.sh, and the backend's CPU per request
# here is the machine-independent yardstick (proxy/bk).
#
# A target that does not answer 200 over HTTP/2 (curl) or fails a short h2load probe (200
# requests on 2 connections x 10 streams, all must succeed over h2/h2c) is skipped, saying why.
# Table on stdout, every run in loadtest/out/h2.csv, summary per M with ratios in loadtest/out/h2.md.
#
# Environment (defaults):
#   ROUNDS=2 STREAMS="1 10 100" CONNECTIONS=16 H2LOAD_THREADS=2 DURATION=10s WARMUP=2s
#   URL_PATH=/ PROTO=h2c PERCENTILES=1 TARGETS="sluice haproxy nginx" WORKERS=2 BUILD=build
#   SLUICE_BIN=$BUILD/src/app/sluice NICE=0 HEADERS=alike
# HEADERS=alike has HAProxy and nginx add the headers sluice adds to every proxied message
# (X-Forwarded-For and -Proto and Via on the request, X-Request-Id and Via both ways), so each
# proxy does the same work per request; HEADERS=plain leaves them out (less work for those two).
# PROTO=h2: TLS with ALPN h2 on every target, with the labelled demo certificate of
# config/examples/tls (never a production key). PERCENTILES=0 skips --log-file (a line per
# request, sorted once per run). NICE=-10 (root only) runs every process at that niceness.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtest/common.sh

NICE=${NICE:-0}
if [[ $NICE != 0 && -z ${H2_RENICED:-} ]]; then
  exec env H2_RENICED=1 nice -n "$NICE" "$0" "$@"
fi

ROUNDS=${ROUNDS:-2}
STREAMS=${STREAMS:-1 10 100}
CONNECTIONS=${CONNECTIONS:-16}
H2LOAD_THREADS=${H2LOAD_THREADS:-2}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
URL_PATH=${URL_PATH:-/}
READY_PATH=$URL_PATH
PROTO=${PROTO:-h2c}
PERCENTILES=${PERCENTILES:-1}
TARGETS=${TARGETS:-sluice haproxy nginx}
WORKERS=${WORKERS:-2}
BUILD=${BUILD:-build}
HEADERS=${HEADERS:-alike}

BACKEND_PORT=19300
declare -A PORT=([sluice]=18380 [haproxy]=18381 [nginx]=18382)
SLUICE_ADMIN_PORT=19931

BACKEND_BIN=$BUILD/src/demo_backend/sluice-demo-backend
SLUICE_BIN=${SLUICE_BIN:-$BUILD/src/app/sluice}
HAPROXY_BIN=$(command -v haproxy || true)
NGINX_BIN=$(command -v nginx || true)
TLS_DIR=config/examples/tls
OUT=loadtest/out
CSV=$OUT/h2.csv
MD=$OUT/h2.md
CLK_TCK=$(getconf CLK_TCK)

log() { echo "h2: $*" >&2; }
die() { log "$*"; exit 1; }

command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
[[ -x $BACKEND_BIN ]] || die "$BACKEND_BIN not found (make build)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $ROUNDS -le 100 ]] || die "ROUNDS must be 1..100"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ && $CONNECTIONS -le 1000 ]] || die "CONNECTIONS must be 1..1000"
[[ $H2LOAD_THREADS =~ ^[1-9][0-9]*$ && $H2LOAD_THREADS -le $CONNECTIONS ]] ||
  die "H2LOAD_THREADS must be 1..CONNECTIONS"
max_m=1
for m in $STREAMS; do
  [[ $m =~ ^[1-9][0-9]*$ && $m -le 1000 ]] || die "STREAMS: $m is not 1..1000"
  ((m > max_m)) && max_m=$m
done
case $HEADERS in
  alike) ALIKE_MARK="" ;;
  plain) ALIKE_MARK="# " ;;
  *) die "HEADERS must be alike or plain" ;;
esac
case $PROTO in
  h2c) SCHEME=http ;;
  h2)
    SCHEME=https
    [[ -r $TLS_DIR/demo-cert.pem && -r $TLS_DIR/demo-key.pem ]] || die "$TLS_DIR/demo-*.pem missing"
    ;;
  *) die "PROTO must be h2c or h2" ;;
esac
# Streams each proxy allows per connection, and the upstream pool per worker: enough idle
# HTTP/1.1 connections for every stream in flight, so no proxy churns upstream connections at
# M=100 (HAProxy's idle pool is unlimited by default; nginx's keepalive and sluice's
# max_idle_per_endpoint are set here).
MAX_STREAMS=$((max_m > 100 ? max_m : 100))
UPSTREAM_IDLE=$(((CONNECTIONS * max_m + WORKERS - 1) / WORKERS))
((UPSTREAM_IDLE < 64)) && UPSTREAM_IDLE=64
# The cap on open upstream connections is per worker, and the kernel's SO_REUSEPORT hash may put
# most client connections on one worker: room for every stream there (HAProxy has no such cap).
# With 1024 (the default), 11 of 16 connections x 100 streams on one worker got 503s.
UPSTREAM_MAX=$((CONNECTIONS * max_m > 1024 ? CONNECTIONS * max_m : 1024))

RUNDIR=$(make_rundir h2)
mkdir -p "$OUT"
declare -A PID=()


cleanup() { stop_all_and_keep_logs "h2-"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

render() {
  local user_line="" sluice_protocols="[http1, h2c]" sluice_tls="# tls: none (PROTO=h2c)"
  local haproxy_bind="proto h2" nginx_listen="http2" nginx_tls="# no TLS (PROTO=h2c)"
  ((EUID == 0)) && user_line="user nobody nogroup;"
  if [[ $PROTO == h2 ]]; then
    local cert=$PWD/$TLS_DIR/demo-cert.pem key=$PWD/$TLS_DIR/demo-key.pem
    sluice_protocols="[h2, http1]"
    sluice_tls="tls: {cert: $cert, key: $key}"
    haproxy_bind="ssl crt $RUNDIR/haproxy.pem alpn h2,http/1.1"
    nginx_listen="ssl http2"
    nginx_tls="ssl_certificate $cert; ssl_certificate_key $key;"
  fi
  sed -e "s|@WORKERS@|$WORKERS|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" \
    -e "s|@PROXY_PORT@|$2|g" -e "s|@ADMIN_PORT@|$SLUICE_ADMIN_PORT|g" \
    -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@NGINX_USER@|$user_line|g" \
    -e "s|@MAX_STREAMS@|$MAX_STREAMS|g" -e "s|@UPSTREAM_IDLE@|$UPSTREAM_IDLE|g" \
    -e "s|@UPSTREAM_MAX@|$UPSTREAM_MAX|g" -e "s|@SLUICE_PROTOCOLS@|$sluice_protocols|g" \
    -e "s|@SLUICE_TLS@|$sluice_tls|g" -e "s|@HAPROXY_BIND@|$haproxy_bind|g" \
    -e "s|@NGINX_LISTEN@|$nginx_listen|g" -e "s|@NGINX_TLS@|$nginx_tls|g" \
    -e "s|^@ALIKE@|$ALIKE_MARK|" "$1"
}

url() { echo "$SCHEME://127.0.0.1:${PORT[$1]}$URL_PATH"; }

# A short h2load run that must complete every request over HTTP/2: catches a target that answers
# one request but not concurrent streams. Prints why on failure.
probe() {
  local name=$1 out=$RUNDIR/probe-$1.txt
  timeout -k 2 15 h2load -c 2 -m 10 -n 200 "$(url "$name")" >"$out" 2>&1 || true
  if ! grep -Eq '^Application protocol: h2c?$' "$out"; then
    log "skipping $name: h2load did not negotiate HTTP/2 ($PROTO):"
    tail -n 5 "$out" >&2
    return 1
  fi
  if ! grep -Eq '^requests: 200 total, 200 started, 200 done, 200 succeeded' "$out"; then
    log "skipping $name: h2load probe (200 requests, -c 2 -m 10) did not all succeed:"
    grep -E '^(requests|status codes):' "$out" >&2 || tail -n 5 "$out" >&2
    return 1
  fi
}

# Starts one proxy in its own foreground mode, in the background of this script, then checks it
# over HTTP/2.
start() {
  local name=$1 port=${PORT[$1]}
  case $name in
    sluice)
      [[ -x $SLUICE_BIN ]] || { log "skipping sluice: $SLUICE_BIN not found"; return 1; }
      render loadtest/h2.sluice.yaml.in "$port" >"$RUNDIR/sluice.yaml"
      "$SLUICE_BIN" run -c "$RUNDIR/sluice.yaml" >"$RUNDIR/sluice.log" 2>&1 &
      ;;
    haproxy)
      [[ -n $HAPROXY_BIN ]] || { log "skipping haproxy: not installed"; return 1; }
      if [[ $PROTO == h2 ]]; then cat "$TLS_DIR/demo-cert.pem" "$TLS_DIR/demo-key.pem" >"$RUNDIR/haproxy.pem"; fi
      render loadtest/h2.haproxy.cfg.in "$port" >"$RUNDIR/haproxy.cfg"
      "$HAPROXY_BIN" -db -f "$RUNDIR/haproxy.cfg" >"$RUNDIR/haproxy.log" 2>&1 &
      ;;
    nginx)
      [[ -n $NGINX_BIN ]] || { log "skipping nginx: not installed"; return 1; }
      render loadtest/h2.nginx.conf.in "$port" >"$RUNDIR/nginx.conf"
      "$NGINX_BIN" -p "$RUNDIR" -e "$RUNDIR/nginx-error.log" -c "$RUNDIR/nginx.conf" \
        >"$RUNDIR/nginx.log" 2>&1 &
      ;;
    *) return 1 ;;
  esac
  PID[$name]=$!
  if ! ready_or_skip "$name" "$port"; then
    log "($name: readiness is GET $(url "$name") with curl ${READY_CURL_ARGS[*]})"
    return 1
  fi
  probe "$name" && return 0
  tail -n 10 "$RUNDIR/$name.log" "$RUNDIR/$name-error.log" >&2 2>/dev/null || true
  stop_pid "${PID[$name]}"
  unset "PID[$name]"
  return 1
}

# --- start everything -------------------------------------------------------------------------
for name in $TARGETS; do
  [[ -n ${PORT[$name]:-} ]] || die "unknown target $name (sluice, haproxy, nginx)"
  if port_busy "${PORT[$name]}"; then die "port ${PORT[$name]} ($name) is already in use"; fi
done
if port_busy "$BACKEND_PORT"; then die "port $BACKEND_PORT (backend) is already in use"; fi
if [[ " $TARGETS " == *" sluice "* ]] && port_busy "$SLUICE_ADMIN_PORT"; then
  die "port $SLUICE_ADMIN_PORT (sluice admin) is already in use"
fi

"$BACKEND_BIN" --listen "127.0.0.1:$BACKEND_PORT" --threads "$WORKERS" >"$RUNDIR/backend.log" 2>&1 &
PID[backend]=$!
wait_ready backend "$BACKEND_PORT" || die "demo backend did not start: $(cat "$RUNDIR/backend.log")"

# From here on, readiness means a 200 over HTTP/2.
READY_SCHEME=$SCHEME
if [[ $PROTO == h2c ]]; then READY_CURL_ARGS=(--http2-prior-knowledge); else READY_CURL_ARGS=(-k --http2); fi
active=()
for name in $TARGETS; do
  if start "$name"; then active+=("$name"); fi
done
((${#active[@]} > 0)) || die "nothing to measure"

# Whole seconds, with a margin for connecting and for a target that stops answering.
bound() { awk -v s="$(seconds "$1")" 'BEGIN { printf "%d", s + 31 }'; }
run_timeout=$(bound "$DURATION")
log_args=()

if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
  log "warming up ${active[*]} ($WARMUP each, -m $max_m)"
  for name in "${active[@]}"; do
    timeout -k 5 "$(bound "$WARMUP")" h2load -t "$H2LOAD_THREADS" -c "$CONNECTIONS" \
      -m "$max_m" -D "$WARMUP" "$(url "$name")" >/dev/null 2>&1 || log "warm-up of $name failed"
  done
fi

ROWS=$RUNDIR/rows.csv
: >"$ROWS"
declare -A GONE=()  # targets whose process died mid-benchmark
log "h2load -t$H2LOAD_THREADS -c$CONNECTIONS -m {${STREAMS// /,}} -D $DURATION ($PROTO), $ROUNDS round(s): ${active[*]}"

for ((round = 1; round <= ROUNDS; round++)); do
  for m in $STREAMS; do
    for name in "${active[@]}"; do
      [[ -n ${GONE[$name]:-} ]] && continue
      if ! kill -0 "${PID[$name]}" 2>/dev/null; then
        log "$name has exited; no more runs of it. Its log:"
        tail -n 20 "$RUNDIR/$name.log" "$RUNDIR/$name-error.log" >&2 2>/dev/null || true
        GONE[$name]=1
        continue
      fi
      result=$RUNDIR/h2load-$round-$m-$name.txt
      reqlog=$RUNDIR/h2load-$round-$m-$name.tsv
      log_args=()
      [[ $PERCENTILES == 1 ]] && log_args=(--log-file="$reqlog")
      backend_before=$(tree_ticks "${PID[backend]}")
      proxy_before=$(tree_ticks "${PID[$name]}")
      timeout -k 5 "$run_timeout" h2load -t "$H2LOAD_THREADS" -c "$CONNECTIONS" -m "$m" \
        -D "$DURATION" "${log_args[@]}" "$(url "$name")" >"$result" 2>&1 ||
        log "h2load failed for $name (-m $m): $(tail -n 1 "$result")"
      backend_after=$(tree_ticks "${PID[backend]}")
      proxy_after=$(tree_ticks "${PID[$name]}")
      # A target that died during the run took its ticks with it: no CPU figure for this run.
      proxy_ticks=$((proxy_after - proxy_before))
      kill -0 "${PID[$name]}" 2>/dev/null || proxy_ticks=-1

      # finished in 10.00s, 12345.60 req/s, 1.23MB/s
      # requests: N total, N started, N done, S succeeded, F failed, E errored, T timeout
      # time for request:   min   max   mean   sd   +/- sd
      read -r succeeded duration rps failed max mean proto < <(awk '
        /^finished in / { d = $3; sub(/s,$/, "", d); r = $4 }
        /^requests: / { s = $8; f = $10 }
        /^time for request:/ { hi = $5; mean = $6 }
        /^Application protocol:/ { p = $3 }
        END { printf "%d %s %s %d %s %s %s\n", s, (d ? d : 0), (r ? r : 0), f,
                     (hi ? hi : "0us"), (mean ? mean : "0us"), (p ? p : "none") }' "$result")
      [[ $proto == h2 || $proto == h2c ]] || log "round $round $name -m $m: protocol $proto, not HTTP/2"
      p50="" p99=""
      if [[ $PERCENTILES == 1 && -s $reqlog ]]; then
        # Column 3: microseconds from the request's start to the end of its response. Nearest rank.
        read -r p50 p99 < <(cut -f3 "$reqlog" | sort -n | awk '{ v[NR] = $1 }
          END { if (NR == 0) { print "- -"; exit }
                i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
                printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
        rm -f "$reqlog"  # the next run writes its own; keeps RUNDIR small
      fi
      awk -v round="$round" -v m="$m" -v name="$name" -v n="$succeeded" -v d="$duration" \
        -v rps="$rps" -v mean="$(to_ms "$mean")" -v p50="${p50:--}" -v p99="${p99:--}" \
        -v max="$(to_ms "$max")" -v e="$failed" -v bt=$((backend_after - backend_before)) \
        -v pt="$proxy_ticks" -v tck="$CLK_TCK" 'BEGIN {
          b = n > 0 ? bt * 1e6 / tck / n : 0
          p = (n > 0 && pt >= 0) ? sprintf("%.2f", pt * 1e6 / tck / n) : ""
          rel = (b > 0 && p != "") ? sprintf("%.2f", p / b) : ""
          if (p50 == "-") p50 = ""; if (p99 == "-") p99 = ""
          printf "%d,%d,%s,%d,%s,%s,%s,%s,%s,%s,%d,%s,%.2f,%s\n",
                 round, m, name, n, d, rps, mean, p50, p99, max, e, p, b, rel }' >>"$ROWS"
      log "round $round -m $m $name: $rps req/s, mean $(to_ms "$mean") ms, p99 ${p99:--} ms, failed $failed"
    done
  done
done

# --- report -----------------------------------------------------------------------------------
# CSV with the ratios to HAProxy in the same round and M (empty without a HAProxy run).
{
  echo "round,streams,target,requests,duration_s,rps,mean_ms,p50_ms,p99_ms,max_ms,failed,proxy_cpu_us_per_req,backend_cpu_us_per_req,proxy_to_backend_cpu,rps_ratio_to_haproxy,cpu_ratio_to_haproxy"
  awk -F, -v OFS=, 'NR == FNR { if ($3 == "haproxy") { hr[$1, $2] = $6; hc[$1, $2] = $12 }; next }
    { r = (($1, $2) in hr && hr[$1, $2] > 0) ? sprintf("%.3f", $6 / hr[$1, $2]) : ""
      c = ($12 != "" && ($1, $2) in hc && hc[$1, $2] > 0) ? sprintf("%.3f", $12 / hc[$1, $2]) : ""
      print $0, r, c }' "$ROWS" "$ROWS"
} >"$CSV"

echo
echo "h2load -t$H2LOAD_THREADS -c$CONNECTIONS -D $DURATION $URL_PATH over $PROTO, $ROUNDS round(s), $WORKERS workers, HEADERS=$HEADERS; CSV: $CSV"
# Means over rounds per (M, target); ratios are means of the per-round ratios.
summary() {
  awk -F, 'NR == 1 { next }
    { k = $2 SUBSEP $3; if (!(k in runs)) { order[++count] = k }
      runs[k]++; rps[k] += $6; mean[k] += $7; max[k] = ($10 > max[k] ? $10 : max[k]); err[k] += $11
      if ($8 != "") { p50[k] += $8; p99[k] += $9; np[k]++ }
      if ($12 != "") { pc[k] += $12; npc[k]++ } bc[k] += $13; if ($14 != "") { rel[k] += $14; nrel[k]++ }
      if ($15 != "") { rr[k] += $15; nrr[k]++ } if ($16 != "") { cr[k] += $16; ncr[k]++ } }
    END {
      for (i = 1; i <= count; i++) {
        k = order[i]; split(k, km, SUBSEP); r = runs[k]
        printf "%s,%s,%.0f,%s,%.3f,%s,%s,%.3f,%d,%s,%.2f,%s,%s\n", km[1], km[2], rps[k] / r,
               (nrr[k] ? sprintf("%.3f", rr[k] / nrr[k]) : "-"), mean[k] / r,
               (np[k] ? sprintf("%.3f", p50[k] / np[k]) : "-"),
               (np[k] ? sprintf("%.3f", p99[k] / np[k]) : "-"), max[k], err[k],
               (npc[k] ? sprintf("%.2f", pc[k] / npc[k]) : "-"), bc[k] / r,
               (nrel[k] ? sprintf("%.2f", rel[k] / nrel[k]) : "-"),
               (ncr[k] ? sprintf("%.3f", cr[k] / ncr[k]) : "-") } }' "$CSV" | sort -t, -k1,1n -s
}
SUMMARY=$(summary)
fmt="%-4s %-8s %9s %8s %8s %8s %8s %8s %6s %8s %8s %8s %8s\n"
# shellcheck disable=SC2059  # the format is ours
{
  printf "$fmt" M target "req/s" "rps/hap" "mean ms" "p50 ms" "p99 ms" "max ms" failed \
    "prx us/r" "bk us/r" "prx/bk" "cpu/hap"
  echo "$SUMMARY" | awk -F, -v fmt="$fmt" '{ printf fmt, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }'
}

{
  echo "# h2load: sluice, HAProxy and nginx over $PROTO"
  echo
  echo "\`h2load -t$H2LOAD_THREADS -c$CONNECTIONS -m M -D $DURATION $SCHEME://127.0.0.1:PORT$URL_PATH\`,"
  echo "$ROUNDS interleaved round(s) after a $WARMUP warm-up; $WORKERS workers per proxy, $WORKERS backend"
  echo "threads; $(nproc) CPUs, $(uname -sr). Measured: ${active[*]}. HEADERS=$HEADERS: HAProxy and"
  if [[ $HEADERS == alike ]]; then
    echo "nginx add the headers sluice adds (X-Forwarded-For/-Proto, X-Request-Id and Via both ways)."
  else
    echo "nginx add none of the headers sluice adds."
  fi
  echo "Versions: $(h2load --version | head -n 1)$([[ -n $HAPROXY_BIN ]] &&
    "$HAPROXY_BIN" -v | awk 'NR == 1 { print ", HAProxy", $3 }')$([[ -n $NGINX_BIN ]] &&
    "$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\//, nginx /')."
  echo
  echo "rps/hap and cpu/hap: the target's req/s and proxy CPU per request over HAProxy's in the"
  echo "same round and M, averaged over rounds. prx/bk: proxy CPU per request over the backend's."
  echo "Latencies are means over rounds (max: the largest). Aim: sluice rps/hap >= 1."
  for m in $STREAMS; do
    echo
    echo "## $m stream(s) per connection ($((CONNECTIONS * m)) in flight)"
    echo
    echo "| target | req/s | rps/hap | mean ms | p50 ms | p99 ms | max ms | failed | proxy µs/req | backend µs/req | prx/bk | cpu/hap |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "$SUMMARY" | awk -F, -v m="$m" '$1 == m { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
      $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }'
  done
} >"$MD"
echo
echo "summary: $MD"
