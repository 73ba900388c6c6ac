#!/usr/bin/env bash
# Two gateways (two sluiced, own data dirs and admin sockets) on one
# PostgreSQL quarantine (a throwaway cluster, tests/pg.sh): each keeps
# items, each sees the other's, one releases the other's item and it arrives
# once; both releasing one item at the same moment: one wins, one message;
# the database down mid-run: clear errors, nothing lost, and both gateways
# work again when it is back, without a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/quarantine_lib.sh"
trap q_cleanup EXIT
chmod 755 "$TMP"

# A cluster of its own (tests/pg.sh), not the shared fixture's: this test
# stops its database server, which would fail the tests sharing it.
PG=$SRC/tests/pg.sh
state=$TMP/pg.state
check "a PostgreSQL cluster of its own" bash "$PG" start "$state"
q_stop_pg() { bash "$PG" stop "$state" >/dev/null 2>&1 || true; q_cleanup; }
trap q_stop_pg EXIT
dsn=$(bash "$PG" createdb "$state" "quarantine_pg_$$")
port=$(free_port)
sink_start "$TMP/sink" "$port"

# One release key for both: each must accept what the other signs.
head -c 48 /dev/urandom | base64 >"$TMP/release.key"
chmod 600 "$TMP/release.key"
userargs=()
[ "$(id -u)" = 0 ] && userargs=(-o general.user=nobody)

pub_setup
cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $PUB|" "$TMP/sluice.conf"
chmod 644 "$TMP/sluice.conf"
common=(--config "$TMP/sluice.conf" -o store.backend=postgresql -o "store.dsn=$dsn"
        -o release.relay="smtp://127.0.0.1:$port" -o release.timeout=10 -o release.key_file="$TMP/release.key")
A=("${common[@]}" -o general.data_dir="$TMP/a" -o general.node_name=gw-a)
B=("${common[@]}" -o general.data_dir="$TMP/b" -o general.node_name=gw-b)

check "gateway A starts" start_sluiced "$TMP/log-a" "${A[@]}" "${userargs[@]}"
pid_a=$sluiced_pid
check "gateway B starts" start_sluiced "$TMP/log-b" "${B[@]}" "${userargs[@]}"
pid_b=$sluiced_pid
check "both migrated one schema" test "$(psql -X -At "$dsn" -c 'SELECT count(*) FROM items')" = 0
check "store init: up to date" grep -q "schema version .* (current)" <("$SLUICECTL" store init "${A[@]}")

exe=$SRC/tests/data/email/exe_elf.eml
held=$SRC/tests/data/email/struct_two_cte.eml
ref_a=$("$SLUICECTL" scan "${A[@]}" --json "$exe" | json_ref) || true
ref_b=$("$SLUICECTL" scan "${B[@]}" --json "$held" | json_ref) || true
check "A keeps an item" test -n "$ref_a"
check "B keeps an item" test -n "$ref_b"
check "A lists B's item" grep -q "$ref_b" <("$SLUICECTL" quarantine list "${A[@]}")
check "B lists A's item" grep -q "$ref_a" <("$SLUICECTL" quarantine list "${B[@]}")
check "show names the gateway that kept it" grep -q "on gw-b" <("$SLUICECTL" quarantine show "$ref_b" "${A[@]}")

# A releases B's item: it arrives once; B refuses a second release.
check "A releases B's item" "$SLUICECTL" quarantine release "$ref_b" --reason "fine" "${A[@]}"
check "it arrived once" test "$(sink_count "$TMP/sink")" = 1
msg=$(find "$TMP/sink" -name 'msg.*' -type f | head -1)
check "with the release header" grep -q "^X-Sluice-Release: v=1; ref=$ref_b; " "$msg"
set +e
"$SLUICECTL" quarantine release "$ref_b" --reason "again" "${B[@]}" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "B refuses a second release" test "$rc" = 1
check "B says when and who" grep -q "already released at " "$TMP/err"
check "the audit names gateway A" grep -q "release .*ok by .* on gw-a" <("$SLUICECTL" quarantine show "$ref_b" "${B[@]}")

# Both release one item at the same moment: one wins, one message.
ref_c=$("$SLUICECTL" scan "${A[@]}" --json "$held" | json_ref) || true
before=$(sink_count "$TMP/sink")
"$SLUICECTL" quarantine release "$ref_c" --reason "race a" "${A[@]}" >"$TMP/ra" 2>&1 &
pa=$!
"$SLUICECTL" quarantine release "$ref_c" --reason "race b" "${B[@]}" >"$TMP/rb" 2>&1 &
pb=$!
set +e
wait "$pa"; rca=$?
wait "$pb"; rcb=$?
set -e
check "one release wins" test "$((rca == 0 ? 1 : 0))$((rcb == 0 ? 1 : 0))" = 10 -o "$((rca == 0 ? 1 : 0))$((rcb == 0 ? 1 : 0))" = 01
check "the other is refused (exit 1)" test "$((rca + rcb))" = 1
check "one message for the race" test "$(sink_count "$TMP/sink")" = $((before + 1))

# The database goes down mid-run.
bash "$PG" halt "$state"
set +e
"$SLUICECTL" scan "${A[@]}" --json --output "$TMP/down.eml" "$held" >/dev/null 2>"$TMP/err"; rc=$?
"$SLUICECTL" quarantine list "${A[@]}" >/dev/null 2>"$TMP/err2"; rc2=$?
"$SLUICECTL" quarantine release "$ref_a" --reason "x" "${B[@]}" >/dev/null 2>"$TMP/err3"; rc3=$?
set -e
check "database down: scan exits 2" test "$rc" = 2
check "database down: scan says why" grep -q "cannot connect to PostgreSQL" "$TMP/err"
check "database down: nothing written for the agent" test ! -e "$TMP/down.eml"
check "database down: list exits 2" test "$rc2" = 2
check "database down: list says why" grep -q "PostgreSQL" "$TMP/err2"
check "database down: release exits 2" test "$rc3" = 2
check "database down: nothing sent" test "$(sink_count "$TMP/sink")" = $((before + 1))
check "gateway A still runs" kill -0 "$pid_a"
bash "$PG" resume "$state"
check "database back: A lists again" grep -q "$ref_a" <("$SLUICECTL" quarantine list "${A[@]}")
check "database back: B releases A's item" "$SLUICECTL" quarantine release "$ref_a" --reason "back" "${B[@]}"
check "A's item still held until then, released now" grep -q "^Status: *released" <("$SLUICECTL" quarantine show "$ref_a" "${A[@]}")

check "A stops" stop_sluiced "$pid_a"
check "B stops" stop_sluiced "$pid_b"
finish
