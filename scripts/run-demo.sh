#!/usr/bin/env bash
# The demo behind `make run`: the demo backend on 127.0.0.1:9000 in the background and sluice
# (config/sluice.yaml: listener :8080, admin :9901) in the foreground. Ctrl-C stops both.
#
# Environment: BUILD (default build), CONFIG (default config/sluice.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
config=${CONFIG:-config/sluice.yaml}
backend=$build/src/demo_backend/sluice-demo-backend
sluice=$build/src/app/sluice

for bin in "$backend" "$sluice"; do
  [[ -x $bin ]] || { echo "run-demo: $bin not found; run 'make build' first" >&2; exit 1; }
done
[[ -f $config ]] || { echo "run-demo: config $config not found" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$backend" --listen 127.0.0.1:9000 --threads 2 >"$tmp/backend.out" &
pids+=($!)
for _ in $(seq 50); do
  grep -q '^listening on' "$tmp/backend.out" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run-demo: demo backend failed to start" >&2; exit 1; }
  sleep 0.1
done
echo "demo backend: $(cat "$tmp/backend.out")"

cat <<EOF
sluice starting; try:
  curl -i http://127.0.0.1:8080/hello
  curl http://127.0.0.1:9901/metrics
Edit $config, then reload it (from another shell) and look:
  kill -HUP \$(pidof sluice)     # or: $sluice reload -c $config
  curl -s http://127.0.0.1:9901/metrics | grep sluice_config_
Ctrl-C stops sluice and the backend.
EOF

# In the background plus `wait`, so a signal to this script runs the trap at once.
"$sluice" run -c "$config" &
pids+=($!)
wait "${pids[1]}"
