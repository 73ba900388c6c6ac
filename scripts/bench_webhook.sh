#!/usr/bin/env bash
# The WhatsApp door's benchmark (not a test): an optimised sluiced with its
# webhook on loopback, tests/bench/bench_webhook as Meta (signed text-only
# notifications, N payloads, C in flight) and as the platform, on SQLite and
# then on PostgreSQL (a throwaway cluster with fsync on, tests/pg.sh).
# Prints, for each: acknowledged payloads per second (signature checked,
# payload committed to the inbox, 200), p50/p90/p99/max of the
# acknowledgement, and deliveries per second to the platform, end to end.
#
# Usage: scripts/bench_webhook.sh [N] [C] [--tls] [--only sqlite|postgresql]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
n=${1:-20000}
c=${2:-64}
tls=0
only=""
shift $(( $# > 2 ? 2 : $# )) || true
while [ $# -gt 0 ]; do
  case "$1" in
    --tls) tls=1 ;;
    --only) only=$2; shift ;;
  esac
  shift
done
bash scripts/deps.sh test >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=ON >/dev/null
cmake --build build-bench -j"$(nproc)" --target sluiced sluicectl bench_webhook >/dev/null

tmp=$(mktemp -d /tmp/sluice-bench-XXXXXX)
chmod 755 "$tmp"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -f "$tmp/pg.state" ] && bash tests/pg.sh stop "$tmp/pg.state" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
printf 'bench-app-secret\n' >"$tmp/app"
printf 'bench-down-secret\n' >"$tmp/down"
printf 'bench-token\n' >"$tmp/token"
chmod 600 "$tmp/app" "$tmp/down" "$tmp/token"
scheme=http
cacert=()
if [ "$tls" = 1 ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
  chmod 600 "$tmp/key.pem"
  scheme=https
  cacert=(--cacert "$tmp/cert.pem")
fi
user=()
[ "$(id -u)" = 0 ] && user=(-o general.user=nobody)

run() { # BACKEND [store overrides...]
  local backend=$1 hport dport
  shift
  hport=$(free_port)
  dport=$(free_port)
  rm -rf "$tmp/data" "$tmp/log"
  tlsopts=()
  [ "$tls" = 1 ] && tlsopts=(-o "http.tls_cert_file=$tmp/cert.pem" -o "http.tls_key_file=$tmp/key.pem")
  ./build-bench/sluiced --config conf/sluice.conf --stderr "${user[@]}" "$@" "${tlsopts[@]}" \
    -o general.data_dir="$tmp/data" -o admin.socket="$tmp/admin.sock" -o general.log_level=notice \
    -o general.allow_insecure_loopback=true -o http.listen=127.0.0.1:"$hport" \
    -o whatsapp.app_secret_file="$tmp/app" -o whatsapp.access_token_file="$tmp/token" \
    -o whatsapp.downstream_secret_file="$tmp/down" -o whatsapp.media_hosts=127.0.0.1 \
    -o whatsapp.graph_base=http://127.0.0.1:9 -o whatsapp.downstream_url=http://127.0.0.1:"$dport"/hook \
    2>"$tmp/log" &
  pid=$!
  for _ in $(seq 600); do grep -q " ready " "$tmp/log" && break; sleep 0.1; done
  grep -q " ready " "$tmp/log" || { cat "$tmp/log"; exit 1; }
  echo "== $backend, $n payloads, $c in flight, $scheme; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  ./build-bench/tests/bench/bench_webhook --url "$scheme://127.0.0.1:$hport/webhook/whatsapp" "${cacert[@]}" \
    --app-secret bench-app-secret --downstream-port "$dport" --downstream-secret bench-down-secret -n "$n" -c "$c"
  kill "$pid"
  wait "$pid" || true
  pid=""
  grep -E "error|warning" "$tmp/log" | grep -v "supervisor_group\|has no databases" | head -5 || true
}

if [ -z "$only" ] || [ "$only" = sqlite ]; then
  run sqlite
fi
if [ -z "$only" ] || [ "$only" = postgresql ]; then
  SLUICE_PG_FSYNC=on bash tests/pg.sh start "$tmp/pg.state" >/dev/null
  dsn=$(bash tests/pg.sh createdb "$tmp/pg.state" bench)
  run postgresql -o store.backend=postgresql -o "store.dsn=$dsn" -o store.max_connections=16
fi
