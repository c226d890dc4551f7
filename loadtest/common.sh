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
# the extra curl arguments in READY_CURL_ARGS (e.g. an API key the target requires). Fails at
# once when the target's process is gone.
READY_PATH=${READY_PATH:-/}
READY_CURL_ARGS=()
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    kill -0 "${PID[$name]}" 2>/dev/null || return 1
    [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "${READY_CURL_ARGS[@]}" \
      "http://127.0.0.1:$port$READY_PATH") == 200 ]] && return 0
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
