# Shared by the loadtest scripts; sourced after `cd` to the project root. The caller keeps the
# PID associative array (target name → pid) that wait_ready checks.

# True when something already listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Seconds in a duration such as 20s, 500ms, 2m or 1h (fractions kept, for awk and arithmetic on
# whole values).
seconds() {
  awk -v d="$1" 'BEGIN {
    if (d ~ /ms$/) print d / 1000; else if (d ~ /us$/) print d / 1e6;
    else if (d ~ /h$/) print d * 3600; else if (d ~ /m$/) print d * 60; else print d + 0 }'
}

# Polls until GET READY_PATH (default /) on 127.0.0.1:PORT answers 200, for at most 10 s, with
# the extra curl arguments in READY_CURL_ARGS (e.g. an API key the target requires, or
# --http2-prior-knowledge) and READY_SCHEME (http, or https with -k in READY_CURL_ARGS). Fails at
# once when the target's process is gone.
READY_PATH=${READY_PATH:-/}
READY_SCHEME=${READY_SCHEME:-http}
READY_CURL_ARGS=()
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    kill -0 "${PID[$name]}" 2>/dev/null || return 1
    [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "${READY_CURL_ARGS[@]}" \
      "$READY_SCHEME://127.0.0.1:$port$READY_PATH") == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# wait_ready NAME PORT, or say why the target is skipped (with the tail of its logs under
# RUNDIR), stop it (with the script's stop_pid when it has one) and forget it. Needs log().
ready_or_skip() {
  local name=$1 port=$2
  wait_ready "$name" "$port" && return 0
  log "skipping $name: not answering 200 on 127.0.0.1:$port; log:"
  tail -n 20 "$RUNDIR/$name.log" "$RUNDIR/$name-error.log" >&2 2>/dev/null || true
  if declare -F stop_pid >/dev/null; then
    stop_pid "${PID[$name]}"
  else
    kill -TERM "${PID[$name]}" 2>/dev/null || true
  fi
  unset "PID[$name]"
  return 1
}

# utime+stime in clock ticks, summed over ROOT and all its descendants (threads are included in
# each process's own line). Parsed after the last ')' since the command name may hold spaces.
tree_ticks() {
  # A process may exit between the glob and the read: ignore cat's complaint (pipefail).
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    {
      pid = substr($0, 1, index($0, " (") - 1)
      s = $0; j = 0
      while ((k = index(substr(s, j + 1), ")")) > 0) j += k
      split(substr(s, j + 2), f, " ")
      parent[pid] = f[2]; ticks[pid] = f[12] + f[13]
    }
    END {
      in_tree[root] = 1; total = ticks[root]; grew = 1
      while (grew) {
        grew = 0
        for (p in parent) if (!(p in in_tree) && (parent[p] in in_tree)) {
          in_tree[p] = 1; total += ticks[p]; grew = 1
        }
      }
      print total + 0
    }'
}

# Latency such as 530.00us, 2.61ms or 1.02s (as wrk and h2load print it), in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0;
    else if (v ~ /m$/) printf "%.3f", v * 60000; else printf "%.3f", v * 1000 }'
}

# A scratch directory for one run, world-readable (nginx workers may run as nobody).
make_rundir() {
  local dir
  dir=$(mktemp -d "/tmp/sluice-$1.XXXXXX")
  chmod 755 "$dir"
  echo "$dir"
}

# Stops one process: TERM, then KILL if it is still there after 5 s.
stop_pid() {
  local pid=$1 deadline=$((SECONDS + 5))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The EXIT trap of every script: stops every process in PID (TERM to all first, so they drain
# side by side), copies the run's logs to $OUT with the name prefix $1, removes $RUNDIR.
stop_all_and_keep_logs() {
  trap - EXIT INT TERM
  local prefix=$1 pid f
  for pid in "${PID[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PID[@]}"; do stop_pid "$pid"; done
  for f in "$RUNDIR"/*.log; do [[ -e $f ]] && cp "$f" "$OUT/$prefix$(basename "$f")"; done
  rm -rf "$RUNDIR"
}
