#!/usr/bin/env bash
# `make bench`: throughput and latency of the HTTP server, measured with wrk against a demo
# server on 127.0.0.1, each figure side by side with a baseline from the same run:
#
#   healthz    GET /healthz, no authentication: the ceiling of the HTTP stack itself
#   auth       GET /api/v1/session with a Bearer token: the authenticated small JSON GET
#   auth_idle  the same as auth while BENCH_IDLE keep-alive connections are held open, idle
#
# Ratios (auth/healthz, auth_idle/auth) are the figures that hold on a shared machine; the
# absolute ones move with whatever else runs. Rounds alternate the order of the scenarios so a
# drift in machine load does not favour one side. Two CPU layouts are measured on the first two
# CPUs this process may use (so a bigger machine stands in for the 2-core target):
#
#   shared   server and wrk both float over the two CPUs (wrk -t2)
#   pinned   server on the first CPU, wrk (-t1) and the idle holder on the second
#
# Usage: bench/run.sh BUILD_DIR          (from the repository root; `make bench` does this)
# Knobs (environment): BENCH_DURATION=10s BENCH_CONNECTIONS=64 BENCH_ROUNDS=3 BENCH_IDLE=5000
#   BENCH_LAYOUTS="shared pinned" BENCH_SERVER_THREADS (THREATHUB_WORKER_THREADS; unset: the
#   server's default) BENCH_UPDATE_DOC=1 (0: leave docs/performance.md alone)
# Output: a table on stdout; raw wrk output, the server log and results.tsv under
# BUILD_DIR/bench/; the latest run replaces the generated part of docs/performance.md and adds
# a line to its history table.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=$(cd "$build" && pwd)

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-3}
idle_count=${BENCH_IDLE:-5000}
layouts=${BENCH_LAYOUTS:-shared pinned}
update_doc=${BENCH_UPDATE_DOC:-1}
server_threads=${BENCH_SERVER_THREADS:-}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$build/threathub" ] || { echo "bench: $build/threathub is missing; build first" >&2; exit 1; }

# The server holds BENCH_IDLE + wrk's connections; the holder BENCH_IDLE.
needed_files=$((idle_count + 1024))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$needed_files" ]; then
  ulimit -Sn "$needed_files" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
fi
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$needed_files" ]; then
  echo "bench: need $needed_files open files, the hard limit is $(ulimit -Hn)" >&2
  exit 1
fi

# The first two CPUs this process may run on stand for the 2-core machine of the target.
read -r cpu_a cpu_b < <(python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(c[0], c[1] if len(c) > 1 else c[0])')
if [ "$cpu_a" = "$cpu_b" ]; then
  echo "bench: only one CPU available; the pinned layout is skipped" >&2
  layouts=${layouts//pinned/}
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# What was measured: the commit of the tree, and whether it had local changes. The binary is
# BUILD_DIR's; rebuild it first (`make bench` does) so that the two agree.
source="commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- src 2>/dev/null; then source="$source with local changes in src/"; fi
out="$build/bench"
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.tsv
scratch=$(mktemp -d /tmp/threathub-bench.XXXXXX)
server_pid=""
holder_pid=""
cleanup() {
  if [ -n "$holder_pid" ]; then kill "$holder_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# --- the server ---------------------------------------------------------------------------
# A clean environment: no config file or THREATHUB_* setting of the caller's leaks in.
for variable in $(compgen -e | grep '^THREATHUB_' || true); do unset "$variable"; done
server_env=()
[ -n "$server_threads" ] && server_env+=("THREATHUB_WORKER_THREADS=$server_threads")
server_command=("$build/threathub" serve --demo --data "$scratch/data" --listen 127.0.0.1:0
                --port-file "$scratch/data/port")
mkdir -p "$scratch/data"
env "${server_env[@]}" "${server_command[@]}" >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do [ -s "$scratch/data/port" ] && break; sleep 0.1; done
[ -s "$scratch/data/port" ] || { echo "bench: the server did not start"; cat "$out/server.log"; exit 1; }
port=$(cat "$scratch/data/port")
base="http://127.0.0.1:$port"

password=$(awk '$1 == "investigator" { print $3 }' "$scratch/data/demo-accounts.txt")
login_body=$(printf '{"username":"investigator","password":"%s","banner_accepted":true}' "$password")
curl -sS -o "$scratch/login.json" -H 'Content-Type: application/json' --data "$login_body" \
  "$base/api/v1/auth/login"
token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$scratch/login.json")
session_status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "$base/api/v1/session")
[ "$session_status" = 200 ] || { echo "bench: GET /api/v1/session answered $session_status"; exit 1; }
session_bytes=$(curl -sS -H "Authorization: Bearer $token" "$base/api/v1/session" | wc -c)
server_threads_actual=$(ls "/proc/$server_pid/task" | wc -l)

# --- measuring ------------------------------------------------------------------------------
clock_ticks=$(getconf CLK_TCK)
server_cpu_ticks() {  # user + system time of every server thread, in clock ticks
  local stat
  stat=$(cat "/proc/$server_pid/stat")
  stat=${stat##*) }  # the fields after "pid (comm) "; utime and stime are the 12th and 13th
  awk '{ print $12 + $13 }' <<<"$stat"
}
server_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
server_fds() { ls "/proc/$server_pid/fd" | wc -l; }

layout_server_cpus() { [ "$1" = pinned ] && echo "$cpu_a" || echo "$cpu_a,$cpu_b"; }
layout_client_cpus() { [ "$1" = pinned ] && echo "$cpu_b" || echo "$cpu_a,$cpu_b"; }
layout_wrk_threads() { [ "$1" = pinned ] && echo 1 || echo 2; }

printf 'layout\tround\tscenario\trps\tp50_ms\tp90_ms\tp99_ms\tp999_ms\tmax_ms\trequests\terrors\tcpu_us_per_request\trss_kb\tserver_fds\n' \
  >"$out/results.tsv"
invalid=0

# run_wrk LAYOUT ROUND SCENARIO PATH TOKEN: one wrk run, one line of results.tsv.
run_wrk() {
  local layout=$1 round=$2 scenario=$3 path=$4 bearer=$5
  local raw="$out/wrk-$layout-$round-$scenario.txt"
  local threads cpus cpu_before cpu_after rss fds line
  threads=$(layout_wrk_threads "$layout")
  cpus=$(layout_client_cpus "$layout")
  rss=$(server_rss_kb)
  fds=$(server_fds)
  cpu_before=$(server_cpu_ticks)
  THREATHUB_TOKEN=$bearer taskset -c "$cpus" \
    wrk -t"$threads" -c"$connections" -d"$duration" -s bench/latency.lua "$base$path" >"$raw" 2>&1
  cpu_after=$(server_cpu_ticks)
  line=$(grep '^BENCH ' "$raw") || { echo "bench: wrk failed, see $raw"; cat "$raw"; exit 1; }
  declare -A value=()
  local word
  for word in ${line#BENCH }; do value[${word%%=*}]=${word#*=}; done
  local cpu_us
  cpu_us=$(awk -v ticks=$((cpu_after - cpu_before)) -v hz="$clock_ticks" -v n="${value[requests]}" \
    'BEGIN { printf "%.1f", (n > 0) ? ticks / hz * 1e6 / n : 0 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$layout" "$round" "$scenario" \
    "${value[rps]}" "${value[p50_ms]}" "${value[p90_ms]}" "${value[p99_ms]}" "${value[p999_ms]}" \
    "${value[max_ms]}" "${value[requests]}" "${value[errors]}" "$cpu_us" "$rss" "$fds" \
    >>"$out/results.tsv"
  printf '  %-7s round %s  %-9s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s\n' "$layout" \
    "$round" "$scenario" "${value[rps]}" "${value[p50_ms]}" "${value[p99_ms]}" "${value[errors]}"
  [ "${value[errors]}" = 0 ] || invalid=1
}

# open_idle LAYOUT ROUND: starts the holder and waits until its connections are all answered.
open_idle() {
  local layout=$1 round=$2
  rm -f "$scratch/idle.ready"
  local rss_before
  rss_before=$(server_rss_kb)
  taskset -c "$(layout_client_cpus "$layout")" python3 bench/idle_connections.py --port "$port" \
    --count "$idle_count" --ready-file "$scratch/idle.ready" >"$out/idle-$layout-$round.txt" 2>&1 &
  holder_pid=$!
  for _ in $(seq 1 1200); do
    [ -s "$scratch/idle.ready" ] && break
    kill -0 "$holder_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$scratch/idle.ready" ] || { echo "bench: the idle holder failed"; cat "$out/idle-$layout-$round.txt"; exit 1; }
  echo "  $layout  round $round  idle: $(cat "$scratch/idle.ready"), server $(server_fds) fds"
  grep -q "answered=$idle_count " "$scratch/idle.ready" || invalid=1
  sleep 1  # let the server settle after accepting thousands of connections
  # Memory the idle connections take; freed memory stays with the allocator, so only the
  # first opening in a server process shows the full cost.
  printf '%s\t%s\t%s\n' "$layout-$round" "$rss_before" "$(server_rss_kb)" >>"$out/idle-memory.tsv"
}

# close_idle LAYOUT ROUND: asks the holder to check its connections are still open, then ends it.
close_idle() {
  local layout=$1 round=$2
  kill -USR1 "$holder_pid"
  wait "$holder_pid" || true
  holder_pid=""
  local checked
  checked=$(grep '^checked ' "$out/idle-$layout-$round.txt" || echo "checked (no answer)")
  echo "  $layout  round $round  idle after the run: $checked"
  printf '%s\t%s\n' "$layout-$round" "$checked" >>"$out/idle-checks.txt"
  grep -q "open=$idle_count closed=0 answered=$idle_count" <<<"$checked" || invalid=1
  # The server closes its side once the holder's sockets are gone; wait for that.
  for _ in $(seq 1 100); do [ "$(server_fds)" -lt 200 ] && break; sleep 0.1; done
}

echo "== threathub bench: server pid $server_pid on $base ($server_threads_actual threads)," \
  "wrk -c$connections -d$duration, $rounds rounds, $idle_count idle connections"
for layout in $layouts; do
  taskset -a -p -c "$(layout_server_cpus "$layout")" "$server_pid" >/dev/null
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
      run_wrk "$layout" "$round" healthz /healthz ""
      run_wrk "$layout" "$round" auth /api/v1/session "$token"
      open_idle "$layout" "$round"
      run_wrk "$layout" "$round" auth_idle /api/v1/session "$token"
      close_idle "$layout" "$round"
    else
      open_idle "$layout" "$round"
      run_wrk "$layout" "$round" auth_idle /api/v1/session "$token"
      close_idle "$layout" "$round"
      run_wrk "$layout" "$round" auth /api/v1/session "$token"
      run_wrk "$layout" "$round" healthz /healthz ""
    fi
  done
done

# --- reporting --------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
doc_args=()
[ "$update_doc" = 1 ] && doc_args+=(--doc docs/performance.md)
python3 bench/report.py "$out/results.tsv" "${doc_args[@]}" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --machine "$(nproc) CPUs ($cpu_model), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average before the run $load_before" \
  --cpus "$cpu_a,$cpu_b" --server-threads "$server_threads_actual" \
  --command "bench/run.sh $(realpath --relative-to="$top" "$build")" \
  --wrk "wrk -tN -c$connections -d$duration -s bench/latency.lua" \
  --source "$source" \
  --idle "$idle_count" --session-bytes "$session_bytes" --idle-checks "$out/idle-checks.txt" \
  --idle-memory "$out/idle-memory.tsv"

if [ "$invalid" = 1 ]; then
  echo "bench: some runs had errors or lost idle connections; the figures above are not valid" >&2
  exit 1
fi
