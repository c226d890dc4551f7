#!/usr/bin/env bash
# Installs the Debian 12 packages sluice needs, and only those that are missing.
# Idempotent: when everything is present it does nothing (no apt-get update) and exits 0.
#
#   scripts/install-deps.sh             build, test and run dependencies
#   scripts/install-deps.sh --loadtest  also wrk, haproxy, nginx, perf, Google Benchmark and gnuplot
#
# Not root and something missing: prints the apt-get command to run and exits 1.
set -euo pipefail

packages=(build-essential cmake ccache pkg-config python3 curl
  libboost1.81-dev libnghttp2-dev libyaml-cpp-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libssl-dev libmimalloc-dev prometheus nghttp2-client clang-14 libclang-rt-14-dev)
loadtest=0

for arg in "$@"; do
  case "$arg" in
    --loadtest) loadtest=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((loadtest)); then
  for p in wrk haproxy linux-perf libbenchmark-dev gnuplot-nox; do
    installed "$p" || missing+=("$p")
  done
  # Either nginx flavour will do; prefer the small one.
  if ! installed nginx-light && ! installed nginx; then
    missing+=(nginx-light)
  fi
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

if ((EUID != 0)); then
  echo "install-deps.sh: missing packages: ${missing[*]}" >&2
  echo "run as root:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y" \
    "--no-install-recommends ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# nginx-light is absent from some releases' archives; plain nginx does the same job here.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && ! apt-cache show nginx-light >/dev/null 2>&1; then
  missing=("${missing[@]/#nginx-light/nginx}")
fi
apt-get install -y --no-install-recommends "${missing[@]}"

# The loadtest starts its own haproxy and nginx on other ports; the distribution services
# (started by the package's postinst) would only hold port 80 and skew CPU numbers.
for svc in haproxy nginx; do
  [[ " ${missing[*]} " == *" $svc"* ]] || continue
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
  pkill -x "$svc" 2>/dev/null || true
done
