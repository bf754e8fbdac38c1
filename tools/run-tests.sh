#!/usr/bin/env bash
# Runs every test: GoogleTest suites (unit, and integration against the real binary) on SQLite
# and on a throwaway PostgreSQL cluster, the web application's unit tests, and the browser tests
# (Playwright driving Debian's chromium against real servers). Called by `make test`.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scratch=$(mktemp -d /tmp/threathub-test.XXXXXX)
chmod 755 "$scratch"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  tools/pg_temp.sh stop "$scratch/pg" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "== PostgreSQL: throwaway cluster"
THREATHUB_TEST_PG_URI=$(tools/pg_temp.sh start "$scratch/pg")
export THREATHUB_TEST_PG_URI
echo "   $THREATHUB_TEST_PG_URI"

echo "== GoogleTest suites (SQLite and PostgreSQL)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 600

echo "== web application unit tests"
(cd web && npm test --silent)

echo "== browser tests"
artifacts="$top/$build/browser-artifacts"
rm -rf "$artifacts" && mkdir -p "$artifacts"
start_server() {  # start_server NAME [ENV=VALUE...]: starts a demo server, sets url_NAME
  local name=$1; shift
  local data="$scratch/$name"
  mkdir -p "$data"
  env "$@" "$build/threathub" serve --demo --data "$data" --listen 127.0.0.1:0 \
    --port-file "$data/port" --web-root web/dist >"$artifacts/server-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$data/port" ] && break; sleep 0.1; done
  [ -s "$data/port" ] || { echo "server $name did not start"; cat "$artifacts/server-$name.log"; exit 1; }
  printf -v "url_$name" 'http://127.0.0.1:%s' "$(cat "$data/port")"
}
start_server main
start_server idle THREATHUB_SESSION_IDLE_SECONDS=5
demo_password() { awk -v user="$2" '$2 == user { print $3 }' "$scratch/$1/demo-accounts.txt"; }
THREATHUB_URL=$url_main THREATHUB_IDLE_URL=$url_idle THREATHUB_ARTIFACTS=$artifacts \
THREATHUB_DEMO_ADMIN_USER=admin THREATHUB_DEMO_ADMIN_PASSWORD=$(demo_password main admin) \
THREATHUB_DEMO_USER=investigator THREATHUB_DEMO_PASSWORD=$(demo_password main investigator) \
THREATHUB_DEMO_SUPERVISOR_PASSWORD=$(demo_password main supervisor) \
THREATHUB_DEMO_HEAD_PASSWORD=$(demo_password main head) \
THREATHUB_DEMO_ANALYST_PASSWORD=$(demo_password main analyst) \
THREATHUB_DEMO_TRAINEE_PASSWORD=$(demo_password main trainee) \
THREATHUB_IDLE_USER=investigator THREATHUB_IDLE_PASSWORD=$(demo_password idle investigator) \
  node web/e2e/run.mjs
echo "== all tests passed; browser screenshots in $artifacts"
