#!/usr/bin/env bash
# sluiced starts on the shipped config, reloads on HUP (a bad reload keeps the
# running engine), and stops cleanly on TERM.
. "$(dirname "$0")/lib.sh"

wait_for() { # FILE PATTERN SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

pub_setup
cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $PUB|" "$TMP/sluice.conf"
# As root it must give up root: run it as "nobody" here.
userargs=()
if [ "$(id -u)" = 0 ]; then userargs=(-o general.user=nobody); chmod 755 "$TMP"; fi
"$SLUICED" --config "$TMP/sluice.conf" -o general.data_dir="$TMP/data" "${userargs[@]}" --stderr 2>"$TMP/log" &
pid=$!
check "sluiced reports ready" wait_for "$TMP/log" "ready" 60
check "data_dir created" test -d "$TMP/data"
if [ "$(id -u)" = 0 ]; then
  check "root gave up root" test "$(awk '/^Uid:/{print $3}' /proc/$pid/status)" != 0
  check "data_dir given to the user" test "$(stat -c %U "$TMP/data")" = nobody
  set +e
  "$SLUICED" --config "$TMP/sluice.conf" -o general.user=no-such-user-here --check --stderr 2>"$TMP/err2"; rc=$?
  set -e
  check "unknown user refused" test "$rc" = 2
  check "unknown user named" grep -q "no such user" "$TMP/err2"
fi

kill -HUP "$pid"
check "HUP reloads" wait_for "$TMP/log" "reloaded" 60

printf '[policy]\nvirus = maybe\n' >"$TMP/sluice.conf"
kill -HUP "$pid"
check "bad reload is refused" wait_for "$TMP/log" "keeping the running configuration" 60
check "still running after a bad reload" kill -0 "$pid"

kill -TERM "$pid"
rc=0
for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; bad "TERM stops sluiced within 10 s"; else
  wait "$pid" || rc=$?
  check "TERM stops sluiced with status 0" test "$rc" = 0
fi

set +e
"$SLUICED" --config "$TMP/sluice.conf" "${userargs[@]}" --stderr --check 2>"$TMP/err"; rc=$?
set -e
check "bad config: exit 2" test "$rc" = 2
check "bad config: file, line and key" grep -q "sluice.conf:2: policy.virus" "$TMP/err"
finish
