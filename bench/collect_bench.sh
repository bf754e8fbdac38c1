#!/usr/bin/env bash
# Collection import benchmark: a JSON Lines file of N posts of about 300 bytes imported into the
# embedded store (SQLite, WAL, synchronous=FULL) with full-text indexing by
# CollectService::ImportPath (collect_import_bench: parse, judge each post against the mandate,
# SHA-256 of each original, row + original bytes + FTS5 entry, batched transactions), side by
# side in the same run with the sqlite3 shell's `.import` of the same rows, tab-separated, into
# a bare table with the same durability settings and no index.
#
# Target (docs/performance.md): at least 50,000 posts per second on one core. Both sides run on
# the same single CPU (taskset). Rounds alternate the order of the two so a drift in machine
# load favours neither; figures are medians over the rounds, with the best beside them.
#
# Usage: bench/collect_bench.sh [BUILD_DIR]      (from the repository root; default: build)
# Knobs (environment): COLLECT_BENCH_POSTS=200000 COLLECT_BENCH_ROUNDS=5
#   COLLECT_BENCH_DIR=(a new directory under /tmp; on disk, not tmpfs, so that fsync counts)
#   COLLECT_BENCH_OUT=bench/collect_results.md
# Needs: sqlite3 (apt-get install sqlite3), taskset, the collect_import_bench target built.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=$(cd "${1:-build}" && pwd)
posts=${COLLECT_BENCH_POSTS:-200000}
rounds=${COLLECT_BENCH_ROUNDS:-5}
out=${COLLECT_BENCH_OUT:-$top/bench/collect_results.md}

ours="$build/src/collect/collect_import_bench"
[ -x "$ours" ] || { echo "collect_bench: $ours is missing; ninja -C $build collect_import_bench" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "collect_bench: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "collect_bench: taskset is missing (util-linux)" >&2; exit 1; }

work=${COLLECT_BENCH_DIR:-$(mktemp -d /tmp/threathub-collect-bench.XXXXXX)}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cpu=$(python3 -c 'import os; print(sorted(os.sched_getaffinity(0))[0])')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The rows once, for the baseline (the first run of ours writes them).
echo "collect_bench: $posts posts, $rounds rounds, CPU $cpu, in $work"
taskset -c "$cpu" "$ours" --posts 1000 --rounds 1 --dir "$work/warm" --tsv "$work/rows.tsv" >/dev/null
taskset -c "$cpu" "$ours" --posts "$posts" --rounds 1 --dir "$work/gen" --tsv "$work/rows.tsv" \
  >"$work/first.txt"
rows=$(wc -l <"$work/rows.tsv")
[ "$rows" = "$posts" ] || { echo "collect_bench: rows.tsv holds $rows rows, not $posts" >&2; exit 1; }

# The baseline: the sqlite3 shell imports the same fields into a bare table, one transaction,
# WAL and synchronous=FULL as the store runs.
baseline() {
  rm -f "$work/bare.db" "$work/bare.db-wal" "$work/bare.db-shm"
  sqlite3 "$work/bare.db" "PRAGMA journal_mode=WAL;" "CREATE TABLE posts(platform TEXT, channel_id TEXT, post_id TEXT, author_id TEXT, author_name TEXT, url TEXT, text TEXT, created_at TEXT);" >/dev/null
  local start end
  start=$(date +%s%N)
  taskset -c "$cpu" sqlite3 -cmd "PRAGMA synchronous=FULL;" "$work/bare.db" ".mode tabs" \
    ".import $work/rows.tsv posts"
  end=$(date +%s%N)
  local count
  count=$(sqlite3 "$work/bare.db" "SELECT COUNT(*) FROM posts")
  [ "$count" = "$posts" ] || { echo "collect_bench: sqlite3 imported $count rows" >&2; exit 1; }
  awk -v n="$posts" -v ns=$((end - start)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}
# Prints "posts/s posts-per-CPU-second" of one import.
ours_once() {
  taskset -c "$cpu" "$ours" --posts "$posts" --rounds 1 --dir "$work/ours" |
    awk '/^collect_import_bench/ { for (i = 1; i <= NF; ++i) { if ($i ~ /^best_posts_per_s=/) { sub(/.*=/, "", $i); wall = $i } if ($i ~ /^best_posts_per_cpu_s=/) { sub(/.*=/, "", $i); cpu = $i } } print wall, cpu }'
}

ours_rates=()
ours_cpu_rates=()
base_rates=()
ratios=()
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then
    read -r ours_rate ours_cpu_rate < <(ours_once)
    base_rate=$(baseline)
  else
    base_rate=$(baseline)
    read -r ours_rate ours_cpu_rate < <(ours_once)
  fi
  ratio=$(awk -v a="$ours_rate" -v b="$base_rate" 'BEGIN { printf "%.3f", a / b }')
  printf '  round %d: ours %8d posts/s (%d per CPU second)   sqlite3 .import %8d rows/s   ratio %s\n' \
    "$round" "$ours_rate" "$ours_cpu_rate" "$base_rate" "$ratio"
  ours_rates+=("$ours_rate")
  ours_cpu_rates+=("$ours_cpu_rate")
  base_rates+=("$base_rate")
  ratios+=("$ratio")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }
ours_median=$(median "${ours_rates[@]}")
ours_cpu_median=$(median "${ours_cpu_rates[@]}")
base_median=$(median "${base_rates[@]}")
ratio_median=$(median "${ratios[@]}")
bytes=$(awk '/^collect_import_bench/ { for (i = 1; i <= NF; ++i) if ($i ~ /^bytes_per_post=/) { sub(/.*=/, "", $i); print $i } }' "$work/first.txt")
verdict=$(awk -v r="$ours_median" 'BEGIN { print (r >= 50000) ? "met" : "**not met**" }')
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
source="commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- src bench 2>/dev/null; then source="$source with local changes"; fi

echo "collect_bench: ours median $ours_median posts/s (best $(best "${ours_rates[@]}"); $ours_cpu_median per CPU second), sqlite3 .import median $base_median rows/s (best $(best "${base_rates[@]}")), ratio median $ratio_median; target >= 50,000 posts/s: $verdict"

if [ ! -f "$out" ]; then
  cat >"$out" <<'EOF'
# Collection import benchmark results

Written by `bench/collect_bench.sh` (one line per run). "ours": JSON Lines posts imported by
`CollectService::ImportPath` into SQLite with FTS5 (parse, mandate check, SHA-256, row with the
original bytes, index entry, batches of 5,000 per transaction, synchronous=FULL). "sqlite3":
the sqlite3 shell's `.import` of the same fields, tab-separated, into a bare table (WAL,
synchronous=FULL, one transaction, no index). Both on one CPU; medians over the rounds. "Per CPU
second": posts over the import's user + system CPU time (getrusage), which a loaded machine
disturbs less than the wall clock.

| date | machine | source | posts × bytes | ours posts/s (median, best) | ours posts per CPU second | sqlite3 .import rows/s (median, best) | ours / sqlite3 | ≥ 50,000 posts/s |
|---|---|---|---|---|---|---|---|---|
EOF
fi
printf '| %s | %s CPUs (%s), load %s | %s | %s × %s | %s (%s) | %s | %s (%s) | %s | %s |\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$cpu_model" "$load_before" "$source" \
  "$posts" "$bytes" "$ours_median" "$(best "${ours_rates[@]}")" "$ours_cpu_median" \
  "$base_median" "$(best "${base_rates[@]}")" "$ratio_median" "$verdict" >>"$out"
echo "collect_bench: results appended to $out"
