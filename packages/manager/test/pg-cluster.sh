#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1 for tests (the Parse Server migration test), from
# the machine's PostgreSQL binaries. Idempotent: `start` on a running cluster and `stop` on a
# stopped one succeed.
#
#   pg-cluster.sh available                 exit 0 when initdb/pg_ctl are found (prints the bin dir)
#   pg-cluster.sh start <data-dir> <port>   create the cluster if needed, start it, wait until ready
#   pg-cluster.sh stop <data-dir>           stop it (fast shutdown); the directory is kept
#   pg-cluster.sh status <data-dir>         exit 0 when running
#
# Connect as user "postgres" (trust auth, no password): postgres://postgres@127.0.0.1:<port>/postgres
# Binaries: $PG_BIN, else the newest /usr/lib/postgresql/*/bin, else initdb/pg_ctl on PATH.
# initdb refuses to run as root, so as root the cluster belongs to the "postgres" user (runuser).
# Exit codes: 0 ok, 1 failure, 2 usage, 3 PostgreSQL binaries not found.
set -euo pipefail

usage() {
  sed -n '2,14p' "$0" >&2
  exit 2
}

find_bin() {
  if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/pg_ctl" ]]; then
    echo "$PG_BIN"
    return 0
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [[ -x "$dir/pg_ctl" && -x "$dir/initdb" ]]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  return 1
}

BIN="$(find_bin)" || {
  echo "pg-cluster: PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN" >&2
  exit 3
}

as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd="${1:-}"
case "$cmd" in
  available)
    echo "$BIN"
    ;;
  start)
    dir="${2:-}"
    port="${3:-}"
    [[ -n "$dir" && "$port" =~ ^[0-9]+$ ]] || usage
    mkdir -p "$dir"
    if [[ "$(id -u)" == "0" ]]; then
      chown postgres: "$dir"
      chmod 700 "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "pg-cluster: the postgres user cannot reach $dir (a parent directory is private); use a directory like /tmp/<name>" >&2
        exit 1
      fi
    fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_owner "$BIN/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir.initdb.log" 2>&1 || {
        cat "$dir.initdb.log" >&2
        exit 1
      }
    fi
    if as_owner "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "pg-cluster: already running ($dir)"
      exit 0
    fi
    as_owner "$BIN/pg_ctl" -D "$dir" -w -t 30 -l "$dir/server.log" \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || {
      cat "$dir/server.log" >&2 || true
      exit 1
    }
    echo "pg-cluster: running on 127.0.0.1:$port ($dir)"
    ;;
  stop)
    dir="${2:-}"
    [[ -n "$dir" ]] || usage
    if [[ ! -f "$dir/PG_VERSION" ]] || ! as_owner "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "pg-cluster: not running ($dir)"
      exit 0
    fi
    as_owner "$BIN/pg_ctl" -D "$dir" -w -t 30 -m fast stop >/dev/null
    echo "pg-cluster: stopped ($dir)"
    ;;
  status)
    dir="${2:-}"
    [[ -n "$dir" ]] || usage
    [[ -f "$dir/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1
    ;;
  *)
    usage
    ;;
esac
