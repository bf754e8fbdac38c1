#!/usr/bin/env bash
# A/B comparison of two server builds in one run, for checking a performance change: starts a
# demo server from each build, then alternates wrk runs between them (A B B A A B ...) against
# GET /healthz and the authenticated GET /api/v1/session, and prints per-scenario medians and
# the B/A ratios. Only one server is loaded at a time; both float over the same CPUs.
#
# Usage: bench/compare.sh BUILD_A BUILD_B      (from the repository root)
# Knobs: BENCH_DURATION=5s BENCH_CONNECTIONS=64 BENCH_ROUNDS=6 BENCH_WRK_THREADS=2, and
# BENCH_ENV_A / BENCH_ENV_B: settings for one side's server, e.g. "THREATHUB_WORKER_THREADS=2"
# (the same build on both sides then compares two configurations).
set -euo pipefail

build_a=${1:?usage: bench/compare.sh BUILD_A BUILD_B}
build_b=${2:?usage: bench/compare.sh BUILD_A BUILD_B}
duration=${BENCH_DURATION:-5s}
connections=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-6}
wrk_threads=${BENCH_WRK_THREADS:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scratch=$(mktemp -d /tmp/threathub-compare.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
for variable in $(compgen -e | grep '^THREATHUB_' || true); do unset "$variable"; done

declare -A base token pid
cpu_ticks() {  # user + system clock ticks of every thread of process $1
  local stat
  stat=$(cat "/proc/$1/stat")
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}
for side in a b; do
  build_var="build_$side"
  env_var="BENCH_ENV_${side^^}"
  mkdir -p "$scratch/$side"
  # shellcheck disable=SC2086 # the settings are words on purpose
  env ${!env_var:-} "${!build_var}/threathub" serve --demo --data "$scratch/$side" --listen 127.0.0.1:0 \
    --port-file "$scratch/$side/port" >"$scratch/$side.log" 2>&1 &
  pids+=($!)
  pid[$side]=$!
  for _ in $(seq 1 200); do [ -s "$scratch/$side/port" ] && break; sleep 0.1; done
  [ -s "$scratch/$side/port" ] || { echo "compare: server $side did not start"; cat "$scratch/$side.log"; exit 1; }
  base[$side]="http://127.0.0.1:$(cat "$scratch/$side/port")"
  password=$(awk '$1 == "investigator" { print $3 }' "$scratch/$side/demo-accounts.txt")
  token[$side]=$(curl -sS -H 'Content-Type: application/json' \
    --data "{\"username\":\"investigator\",\"password\":\"$password\",\"banner_accepted\":true}" \
    "${base[$side]}/api/v1/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
done

results="$scratch/results.tsv"
: >"$results"
measure() {  # measure SIDE SCENARIO PATH TOKEN
  local line before after
  before=$(cpu_ticks "${pid[$1]}")
  line=$(THREATHUB_TOKEN=$4 wrk -t"$wrk_threads" -c"$connections" -d"$duration" \
         -s bench/latency.lua "${base[$1]}$3" | grep '^BENCH ')
  after=$(cpu_ticks "${pid[$1]}")
  line="$line cpu_ticks=$((after - before))"
  printf '%s\t%s\t%s\n' "$1" "$2" "$line" >>"$results"
  printf '  %s %-8s %s\n' "$1" "$2" "$line"
}
echo "== A: $build_a ${BENCH_ENV_A:-}  B: $build_b ${BENCH_ENV_B:-}  wrk -t$wrk_threads -c$connections -d$duration, $rounds rounds"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="a b"; else order="b a"; fi
  for scenario in auth healthz; do
    for side in $order; do
      if [ "$scenario" = auth ]; then
        measure "$side" auth /api/v1/session "${token[$side]}"
      else
        measure "$side" healthz /healthz ""
      fi
    done
  done
done

python3 - "$results" "$(getconf CLK_TCK)" <<'EOF'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, scenario, bench = line.rstrip("\n").split("\t")
    values = dict(re.findall(r"(\w+)=([\d.]+)", bench))
    runs.setdefault((side, scenario), []).append({k: float(v) for k, v in values.items()})
hz = int(sys.argv[2])
for rows in runs.values():
    for row in rows:
        row["cpu_us"] = row["cpu_ticks"] / hz * 1e6 / row["requests"]
print("\n| scenario | A req/s | B req/s | B/A req/s (per round) | A p99 ms | B p99 ms "
      "| A server CPU µs/req | B | B/A CPU/req (per round) |")
print("|---|---|---|---|---|---|---|---|---|")
for scenario in ("auth", "healthz"):
    a, b = runs[("a", scenario)], runs[("b", scenario)]
    ratios = [rb["rps"] / ra["rps"] for ra, rb in zip(a, b)]
    cpu = [rb["cpu_us"] / ra["cpu_us"] for ra, rb in zip(a, b)]
    med = lambda rows, key: statistics.median(row[key] for row in rows)
    print(f"| {scenario} | {med(a, 'rps'):,.0f} | {med(b, 'rps'):,.0f} "
          f"| {statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)}) "
          f"| {med(a, 'p99_ms'):.2f} | {med(b, 'p99_ms'):.2f} "
          f"| {med(a, 'cpu_us'):.1f} | {med(b, 'cpu_us'):.1f} "
          f"| {statistics.median(cpu):.2f} ({', '.join(f'{r:.2f}' for r in cpu)}) |")
EOF
