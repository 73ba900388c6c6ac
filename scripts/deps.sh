#!/usr/bin/env bash
# Installs the Debian 12 packages sluice needs that are not there yet.
# Usage: scripts/deps.sh run|test|bench
#   run   - what building and running sluiced needs
#   test  - that, plus what the test suite needs (Postfix, clang for fuzzing, ...)
#   bench - run's, plus what the milter benchmark compares against and drives
#           (Postfix's smtp-source/smtp-sink, clamd + clamav-milter)
set -euo pipefail

build_pkgs="build-essential cmake pkg-config
 libglib2.0-dev libgmime-3.0-dev libclamav-dev libmagic-dev libpcre2-dev
 libcurl4-openssl-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev
 libgumbo-dev libpsl-dev libicu-dev libc-ares-dev libsystemd-dev
 libmilter-dev libqpdf-dev libzip-dev libpq-dev"
test_pkgs="libcmocka-dev clang libclang-rt-14-dev postfix miltertest swaks
 clamav clamav-testfiles python3 file nodejs postgresql sqlite3 ripmime mpack
 libpython3.11-testsuite chromium fonts-dejavu-core groff-base openssl"
bench_pkgs="postfix python3 clamav-daemon clamav-milter"

case "${1:-run}" in
  run) want="$build_pkgs" ;;
  test) want="$build_pkgs $test_pkgs" ;;
  bench) want="$build_pkgs $bench_pkgs" ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages:$missing (run as root to install)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Keep freshly installed daemons (postfix, clamav-freshclam) from starting.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
