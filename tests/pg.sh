#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: a temporary directory, its unix
# socket in that directory, no TCP port (nothing to collide with), trust
# authentication for the user "sluice", fsync off (SLUICE_PG_FSYNC=on for
# benchmarks that measure durable commits). Debian's postgresql package
# (scripts/deps.sh test) provides the programs; as root they run as the user
# "postgres" (initdb refuses root).
#
#   tests/pg.sh start STATE     create and start a cluster; STATE (a file) records it
#                               (a cluster an earlier, interrupted run left is stopped first)
#   tests/pg.sh stop STATE      stop it and remove its directory
#   tests/pg.sh createdb STATE NAME
#                               (re)create database NAME; prints its connection string
#   tests/pg.sh dsn STATE NAME  prints the connection string of database NAME
#   tests/pg.sh restart STATE   stop and start the server (same data)
#   tests/pg.sh halt STATE      stop the server only (the "database down" case)
#   tests/pg.sh resume STATE    start it again after halt
#
# CTest runs "start" and "stop" as the fixture "pg" (tests/CMakeLists.txt):
# tests that need PostgreSQL require it and read STATE from SLUICE_PG_STATE.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg.sh: PostgreSQL is not installed (scripts/deps.sh test installs it)" >&2
  exit 2
fi

as_owner() { # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

state_get() { sed -n "s/^$2=//p" "$1"; }

server_start() { # DIR
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 \
    -o "-k $1 -c listen_addresses='' -c fsync=${SLUICE_PG_FSYNC:-off} -c max_connections=60" start >/dev/null
}

server_stop() { # DIR
  as_owner "$bin/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

psql_admin() { # DIR SQL
  PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -X -q -v ON_ERROR_STOP=1 "host=$1 user=sluice dbname=postgres" -c "$2"
}

cmd=${1:-}
state=${2:-}
[ -n "$cmd" ] && [ -n "$state" ] || { sed -n '2,20p' "$0" >&2; exit 2; }

case "$cmd" in
  start)
    if [ -f "$state" ]; then
      old=$(state_get "$state" dir)
      [ -n "$old" ] && [ -d "$old" ] && { server_stop "$old"; rm -rf "$old"; }
      rm -f "$state"
    fi
    dir=$(mktemp -d /tmp/sluice-pg.XXXXXX)
    chmod 755 "$dir" # the daemons under test (other users) reach the socket
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U sluice -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    if ! server_start "$dir"; then cat "$dir/log" >&2; rm -rf "$dir"; exit 1; fi
    printf 'dir=%s\ndsn=host=%s user=sluice dbname=postgres\n' "$dir" "$dir" >"$state"
    echo "pg.sh: cluster in $dir"
    ;;
  stop)
    [ -f "$state" ] || exit 0
    dir=$(state_get "$state" dir)
    if [ -n "$dir" ] && [ -d "$dir" ]; then server_stop "$dir"; rm -rf "$dir"; fi
    rm -f "$state"
    ;;
  createdb)
    name=${3:?database name}
    dir=$(state_get "$state" dir)
    psql_admin "$dir" "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
    psql_admin "$dir" "CREATE DATABASE \"$name\" TEMPLATE template0" >/dev/null
    echo "host=$dir user=sluice dbname=$name"
    ;;
  dsn)
    echo "host=$(state_get "$state" dir) user=sluice dbname=${3:?database name}"
    ;;
  halt) server_stop "$(state_get "$state" dir)" ;;
  resume) server_start "$(state_get "$state" dir)" ;;
  restart)
    dir=$(state_get "$state" dir)
    server_stop "$dir"
    server_start "$dir"
    ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
