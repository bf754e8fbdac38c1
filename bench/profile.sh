#!/usr/bin/env bash
# Where the server's time goes, without perf: runs a demo server under valgrind's callgrind,
# drives it with a short wrk run per scenario (GET /healthz, then the authenticated
# GET /api/v1/session), dumps one profile per scenario and prints instructions per request and
# the most expensive functions; then the authenticated GET again while BENCH_IDLE (5000) idle
# keep-alive connections are held open. Instruction counts do not depend on machine load, so
# the ratios here (auth/healthz, auth_idle/auth) are the steadiest figures of all.
#
# Usage: bench/profile.sh BUILD_DIR [SECONDS]     (from the repository root; default 10 s each)
# Output: BUILD_DIR/bench/profile/callgrind.out.{healthz,auth,auth_idle} (open with callgrind_annotate or
# kcachegrind) and BUILD_DIR/bench/profile/summary.txt.
set -euo pipefail

build=${1:?usage: bench/profile.sh BUILD_DIR [SECONDS]}
seconds=${2:-10}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=$(cd "$build" && pwd)
command -v valgrind >/dev/null || { echo "profile: valgrind is missing" >&2; exit 1; }
command -v wrk >/dev/null || { echo "profile: wrk is missing" >&2; exit 1; }

out="$build/bench/profile"
rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d /tmp/threathub-profile.XXXXXX)
server_pid=""
holder_pid=""
cleanup() {
  if [ -n "$holder_pid" ]; then kill "$holder_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

for variable in $(compgen -e | grep '^THREATHUB_' || true); do unset "$variable"; done
mkdir -p "$scratch/data"
# One worker thread (valgrind runs one thread at a time anyway); a cheap password hash so the
# demo accounts are created in seconds under valgrind; neither is on the measured path.
THREATHUB_WORKER_THREADS=1 THREATHUB_ARGON2_OPS=1 THREATHUB_ARGON2_MEMORY_BYTES=1048576 \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.out" \
  "$build/threathub" serve --demo --data "$scratch/data" --listen 127.0.0.1:0 \
  --port-file "$scratch/data/port" >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 1200); do [ -s "$scratch/data/port" ] && break; sleep 0.1; done
[ -s "$scratch/data/port" ] || { echo "profile: the server did not start"; cat "$out/server.log"; exit 1; }
base="http://127.0.0.1:$(cat "$scratch/data/port")"
password=$(awk '$1 == "investigator" { print $3 }' "$scratch/data/demo-accounts.txt")
token=$(curl -sS -H 'Content-Type: application/json' \
  --data "{\"username\":\"investigator\",\"password\":\"$password\",\"banner_accepted\":true}" \
  "$base/api/v1/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# Warm the session cache and the connection code before measuring.
curl -sS -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/session"
curl -sS -o /dev/null "$base/healthz"

summary="$out/summary.txt"
: >"$summary"
profile() {  # profile NAME PATH TOKEN
  local name=$1 path=$2 bearer=$3 line requests instructions
  callgrind_control -z "$server_pid" >/dev/null  # drop what the previous scenario left over
  callgrind_control -i on "$server_pid" >/dev/null
  line=$(THREATHUB_TOKEN=$bearer wrk -t1 -c8 -d"${seconds}s" -s bench/latency.lua "$base$path" |
         grep '^BENCH ')
  callgrind_control -i off "$server_pid" >/dev/null
  callgrind_control -d "$name" "$server_pid" >/dev/null  # dumps and zeroes the counters
  local file
  file=$(ls -t "$out"/callgrind.out.* | head -1)
  mv "$file" "$out/callgrind.out.$name"
  requests=$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")
  instructions=$(callgrind_annotate "$out/callgrind.out.$name" 2>/dev/null |
                 awk '/PROGRAM TOTALS/ && !seen { gsub(",", "", $1); print $1; seen = 1 }')
  printf '%-9s %8d requests  %12.0f instructions/request  (%s)\n' "$name" "$requests" \
    "$(awk -v i="$instructions" -v n="$requests" 'BEGIN { print i / n }')" "$line" | tee -a "$summary"
}
profile healthz /healthz ""
profile auth /api/v1/session "$token"
# The same with idle keep-alive connections held open: what they cost the others, per request.
idle_count=${BENCH_IDLE:-5000}
ulimit -Sn "$(ulimit -Hn)"
python3 bench/idle_connections.py --port "${base##*:}" --count "$idle_count" \
  --ready-file "$scratch/idle.ready" >"$out/idle.txt" 2>&1 &
holder_pid=$!
for _ in $(seq 1 1800); do [ -s "$scratch/idle.ready" ] && break; sleep 0.1; done
echo "idle: $(cat "$scratch/idle.ready" 2>/dev/null || echo 'not ready')" | tee -a "$summary"
profile auth_idle /api/v1/session "$token"
kill -USR1 "$holder_pid"
wait "$holder_pid" || true
echo "idle after: $(grep '^checked' "$out/idle.txt" || echo 'no answer')" | tee -a "$summary"

for name in healthz auth auth_idle; do
  {
    echo
    echo "== $name: functions by inclusive cost (instructions, share of the whole)"
    callgrind_annotate --inclusive=yes "$out/callgrind.out.$name" 2>/dev/null | sed -n '1,/^$/d; p' |
      grep -v '^--' | head -45
    echo "== $name: functions by own (exclusive) cost"
    callgrind_annotate "$out/callgrind.out.$name" 2>/dev/null | sed -n '1,/^$/d; p' |
      grep -v '^--' | head -35
  } | tee -a "$summary"
done
echo "profile: full profiles in $out"
