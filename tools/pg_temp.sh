#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests.
#
#   tools/pg_temp.sh start [DIR]      initdb in DIR/data, start on a free loopback port, create the
#                                     database threathub_test; prints its libpq URI and writes it
#                                     to DIR/uri. Without DIR a new directory is made with mktemp.
#   tools/pg_temp.sh stop DIR         stops the cluster and removes DIR.
#   tools/pg_temp.sh run -- CMD...    start, run CMD with THREATHUB_TEST_PG_URI set, stop; exits
#                                     with CMD's status.
#
# The role `threathub` owns everything and authentication is `trust`, on 127.0.0.1 and on a Unix
# socket inside DIR only. PostgreSQL refuses to run as root, so when this script runs as root the
# server runs as the `postgres` system user (created by the Debian package) or, when that user does
# not exist, as a system user `threathub-test` created here. DIR must then be reachable by that
# user (directories made by mktemp under /tmp are).
#
# PG_BINDIR overrides where initdb/pg_ctl/psql are looked for (default: the newest
# /usr/lib/postgresql/*/bin, which is 15 on Debian 12).
set -euo pipefail

readonly kRole=threathub
readonly kDatabase=threathub_test
readonly kStartAttempts=5

die() {
  echo "pg_temp.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    echo "$PG_BINDIR"
    return
  fi
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$candidate/initdb" ]]; then
      echo "$candidate"
      return
    fi
  done
  local initdb_path
  initdb_path=$(command -v initdb 2>/dev/null) || die "initdb not found; install postgresql-15 or set PG_BINDIR"
  dirname "$initdb_path"
}

# The user the server runs as: ourselves, or an unprivileged user when we are root.
server_user() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
    return
  fi
  if id -u postgres >/dev/null 2>&1; then
    echo postgres
    return
  fi
  if ! id -u threathub-test >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      threathub-test >/dev/null || die "cannot create the user threathub-test"
  fi
  echo threathub-test
}

# Runs a command as `user` (directly when that is us). The working directory is DIR, so that the
# server user never depends on being able to read the caller's directory.
as_user() {
  local user=$1 dir=$2
  shift 2
  if [[ $(id -un) == "$user" ]]; then
    (cd "$dir" && "$@")
  else
    (cd "$dir" && runuser -u "$user" -- "$@")
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
    return
  fi
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

start() {
  local dir=${1:-}
  if [[ -z "$dir" ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/threathub-pg.XXXXXX")
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -e "$dir/data" ]] && die "$dir/data exists already; stop that cluster first"

  local bindir user
  bindir=$(find_bindir)
  user=$(server_user)
  if [[ $(id -u) -eq 0 ]]; then
    chown "$user" "$dir"
    chmod 0700 "$dir"
    runuser -u "$user" -- test -w "$dir" ||
      die "$dir is not reachable by the user $user (is a parent directory private?)"
  fi

  as_user "$user" "$dir" "$bindir/initdb" --pgdata="$dir/data" --username="$kRole" \
    --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    die "initdb failed; see $dir/initdb.log"

  # A port found free may be taken before the server binds it; then try another.
  local port attempt started=0
  for ((attempt = 1; attempt <= kStartAttempts; attempt++)); do
    port=$(free_port)
    if as_user "$user" "$dir" "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" \
      --wait --timeout=60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null; then
      started=1
      break
    fi
  done
  [[ $started -eq 1 ]] || die "the server did not start; see $dir/server.log"

  as_user "$user" "$dir" "$bindir/psql" --no-psqlrc --quiet --host=127.0.0.1 --port="$port" \
    --username="$kRole" --dbname=postgres --set=ON_ERROR_STOP=1 \
    --command="CREATE DATABASE $kDatabase OWNER $kRole" >/dev/null ||
    die "cannot create the database $kDatabase; see $dir/server.log"

  local uri="postgresql://$kRole@127.0.0.1:$port/$kDatabase"
  echo "$uri" >"$dir/uri"
  echo "$uri"
}

stop() {
  local dir=${1:-}
  [[ -n "$dir" ]] || usage
  [[ -d "$dir" ]] || die "$dir is not a directory"
  dir=$(cd "$dir" && pwd)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    local bindir owner
    bindir=$(find_bindir)
    owner=$(stat -c %U "$dir/data")
    as_user "$owner" "$dir" "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait \
      --timeout=60 stop >/dev/null || die "pg_ctl stop failed; $dir is left in place"
  fi
  rm -rf -- "$dir"
}

# Set by run() for its EXIT trap, which fires after run's locals are gone.
run_dir=""

run() {
  [[ "${1:-}" == "--" ]] && shift
  [[ $# -gt 0 ]] || usage
  local uri status=0
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/threathub-pg.XXXXXX")
  # Stop the cluster however the command or the start ends.
  trap 'stop "$run_dir" || true' EXIT
  uri=$(start "$run_dir")
  THREATHUB_TEST_PG_URI="$uri" "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  run) shift; run "$@"; exit $? ;;
  *) usage ;;
esac
