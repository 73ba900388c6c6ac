#!/usr/bin/env bash
# The quarantine end to end on SQLite, with a real sluiced and a real SMTP
# server on loopback (Postfix's smtp-sink): messages kept by `sluicectl scan`,
# listed and shown by a supervisor, released once with the signed header and
# the body byte for byte, a second release refused with when and by whom, a
# user outside the supervisors' group refused and audited, the relay down or
# refusing (still held, with the reason), deletion, expiry (purge and the
# daemon's own run), reload over the socket, bad input, an unwritable store.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/quarantine_lib.sh"
trap q_cleanup EXIT
chmod 755 "$TMP"

if [ "$(id -u)" != 0 ]; then
  # users, groups and a daemon that gives up root: this test needs root (CI runs as root)
  bad "test_quarantine needs root (it creates users and a group)"
  finish
  exit 1
fi

port=$(free_port)
grp=slq$$
sup=slsup$$
usr=slusr$$
make_group "$grp"
make_user "$sup" "$grp"
make_user "$usr"

pub_setup
cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $PUB|" "$TMP/sluice.conf"
cat >>"$TMP/sluice.conf" <<EOF

[store]
backend = sqlite

[admin]
supervisor_group = $grp

[release]
relay = smtp://127.0.0.1:$port
timeout = 10

[quarantine]
purge_interval = 2
EOF
sed -i "s|^data_dir = var|data_dir = $TMP/data|" "$TMP/sluice.conf"
chmod 644 "$TMP/sluice.conf"
C=(--config "$TMP/sluice.conf")
q() { "$SLUICECTL" quarantine "$@" "${C[@]}"; }
as() { local u=$1; shift; runuser -u "$u" -- "$SLUICECTL" "$@" "${C[@]}"; }

sink_start "$TMP/sink" "$port"
check "sluiced starts" start_sluiced "$TMP/log" "${C[@]}" -o general.user=nobody
check "admin socket created" test -S "$TMP/data/admin.sock"

# --- keep: a message with an executable (rewrite, LF) and one held whole (CRLF)
exe=$SRC/tests/data/email/exe_elf.eml
held=$SRC/tests/data/email/struct_two_cte.eml
"$SLUICECTL" scan "${C[@]}" --json "$exe" >"$TMP/scan1" || true
ref1=$(json_ref <"$TMP/scan1")
"$SLUICECTL" scan "${C[@]}" --json --output "$TMP/placeholder.eml" "$held" >"$TMP/scan2" || true
ref2=$(json_ref <"$TMP/scan2")
check "scan gives a reference" grep -Eq '^SL-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$' <<<"$ref1"
check "the placeholder names it" grep -q "Reference: $ref2" "$TMP/placeholder.eml"
"$SLUICECTL" scan "${C[@]}" --no-store --json "$held" >"$TMP/scan3" || true
check "--no-store: reference null" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["reference"] is None' "$TMP/scan3"

# --- list and show
q list >"$TMP/list" || true
check "list shows both" grep -q "$ref1" "$TMP/list"
check "list has a header" grep -q "^REFERENCE" "$TMP/list"
q list --json >"$TMP/list.json"
check "list --json fields" python3 - "$TMP/list.json" "$ref2" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))
it = [i for i in items if i["reference"] == sys.argv[2]][0]
for k in ("reference", "status", "channel", "sender", "recipients", "subject", "verdict", "findings", "received"):
    assert k in it, k
assert it["status"] == "held" and it["channel"] == "email" and it["verdict"] == "quarantine"
assert it["findings"] and isinstance(it["recipients"], list)
EOF
check "list filters by status" test "$(q list --json --status released | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0
check "list filters by sender" test "$(q list --json --sender 'ANNA.W@' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
check "list --since in the future is empty" test "$(q list --json --since 2099-01-01 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0
check "list --since 1h has both" test "$(q list --json --since 1h | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2
q show "${ref1,,}" >"$TMP/show" # lower case is fine
check "show: findings" grep -q "is a program" "$TMP/show"
check "show: parts" grep -q "aktualizacja" "$TMP/show"
check "show: audit trail" grep -q "keep .*ok by sluicectl scan" "$TMP/show"
q show "$ref2" --raw >"$TMP/raw.eml"
check "show --raw is the original, byte for byte" cmp "$TMP/raw.eml" "$held"

# --- who may
set +e
as "$sup" quarantine list >/dev/null 2>"$TMP/err"; rc=$?
as "$usr" quarantine list >/dev/null 2>"$TMP/err"; rc2=$?
as "$usr" quarantine release "$ref1" --reason "let me" >/dev/null 2>"$TMP/err2"; rc3=$?
as "$usr" reload >/dev/null 2>/dev/null; rc4=$?
set -e
check "a supervisor may list" test "$rc" = 0
check "others are refused (exit 1)" test "$rc2" = 1
check "the refusal says why" grep -q "is not a supervisor" "$TMP/err"
check "a release by others is refused" test "$rc3" = 1
check "reload by others is refused" test "$rc4" = 1
q show "$ref1" >"$TMP/show"
check "the refused attempt is in the audit trail" grep -q "denied .*refused: not root and not in the group $grp by $usr" "$TMP/show"
check "the item is still held" grep -q "^Status: *held" "$TMP/show"

# --- release by a supervisor: once, signed, byte for byte
set +e
as "$sup" quarantine release "$ref1" --reason "customer confirmed by phone" >"$TMP/out" 2>"$TMP/err"; rc=$?
set -e
check "release: exit 0" test "$rc" = 0
check "release says where it went" grep -q "released $ref1 to obsluga@contact-center.example" "$TMP/out"
check "one message arrived" test "$(sink_count "$TMP/sink")" = 1
msg=$(find "$TMP/sink" -name 'msg.*' -type f | head -1)
check "it went to the original recipient" grep -q "^X-Rcpt-Args: <obsluga@contact-center.example>" "$msg"
check "release header with reference and who" grep -q "^X-Sluice-Release: v=1; ref=$ref1; by=$sup; at=[0-9]*; mac=" "$msg"
check "body byte-identical to the original" python3 - "$msg" "$exe" <<'EOF'
import sys
got = open(sys.argv[1], "rb").read().split(b"\n")
orig = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
# smtp-sink's own lines, its Received header, then ours, then the original
i = 0
while got[i].startswith(b"X-Client-") or got[i].startswith(b"X-Helo-") or got[i].startswith(b"X-Mail-") or got[i].startswith(b"X-Rcpt-"):
    i += 1
assert got[i].startswith(b"Received: "), got[i]
i += 1
while got[i][:1] in (b" ", b"\t"):
    i += 1
assert got[i].startswith(b"X-Sluice-Release: "), got[i]
rest = b"\n".join(got[i + 1:])
assert rest == orig + b"\n", (rest[-80:], orig[-80:])
EOF
set +e
q release "$ref1" --reason "again" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "a second release is refused (exit 1)" test "$rc" = 1
check "it says when and who" grep -q "already released at .* by $sup (uid" "$TMP/err"
check "nothing more arrived" test "$(sink_count "$TMP/sink")" = 1
q show "$ref1" >"$TMP/show"
check "audit: the release, ok, with the reason" grep -q "release .*ok by $sup .*reason: customer confirmed by phone" "$TMP/show"
check "status released, by whom" grep -q "^Status: *released at .* by $sup" "$TMP/show"

# --- the relay down, then refusing: still held, the reason printed
sink_stop
set +e
q release "$ref2" --reason "ok" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "relay down: exit 2" test "$rc" = 2
check "relay down: the reason" grep -q "could not be reached" "$TMP/err"
check "relay down: still held" grep -q "^Status: *held" <(q show "$ref2")
sink_start "$TMP/sink" "$port" -f RCPT
set +e
q release "$ref2" --reason "ok" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "relay refuses: exit 1" test "$rc" = 1
check "relay refuses: its answer" grep -Eq "refused it: 5[0-9][0-9]" "$TMP/err"
check "relay refuses: still held" grep -q "^Status: *held" <(q show "$ref2")
sink_stop
sink_start "$TMP/sink" "$port"
before=$(sink_count "$TMP/sink")
set +e
q release "$ref2" --reason "ok now" --to supervisor@example.com >"$TMP/out" 2>"$TMP/err"; rc=$?
set -e
check "relay back: released to --to" test "$rc" = 0
check "relay back: one more message" test "$(sink_count "$TMP/sink")" = $((before + 1))
check "the failed attempts are audited" test "$(q show "$ref2" | grep -c 'release .*failed: ')" = 2

# --- bad input
set +e
q show SL-1234 >/dev/null 2>"$TMP/err"; rc=$?
q show SL-0000-0000-0000-0000 >/dev/null 2>"$TMP/err2"; rc2=$?
q release "$ref2" >/dev/null 2>"$TMP/err3"; rc3=$?
q release "$ref2" --reason x --to 'not an address' >/dev/null 2>/dev/null; rc4=$?
q frobnicate >/dev/null 2>&1; rc5=$?
q list --status lost >/dev/null 2>"$TMP/err6"; rc6=$?
q list --since yesterday-ish >/dev/null 2>/dev/null; rc7=$?
"$SLUICECTL" quarantine list --config "$TMP/sluice.conf" -o admin.socket="$TMP/nothing.sock" >/dev/null 2>"$TMP/err8"; rc8=$?
set -e
check "malformed reference: exit 2" test "$rc" = 2
check "malformed reference: says what one looks like" grep -q "SL-7KQ2-M9XD-4TJH-W8PR" "$TMP/err"
check "unknown reference: exit 1" test "$rc2" = 1
check "unknown reference: named" grep -q "no item SL-0000-0000-0000-0000" "$TMP/err2"
check "reason missing: exit 2" test "$rc3" = 2
check "reason missing: said" grep -q -- "--reason TEXT is required" "$TMP/err3"
check "bad --to: exit 2" test "$rc4" = 2
check "unknown command: exit 2" test "$rc5" = 2
check "bad status: exit 2" test "$rc6" = 2
check "bad status: named" grep -q "status: expected held" "$TMP/err6"
check "bad --since: exit 2" test "$rc7" = 2
check "no daemon: exit 2" test "$rc8" = 2
check "no daemon: says so" grep -q "cannot reach sluiced" "$TMP/err8"

# --- delete
"$SLUICECTL" scan "${C[@]}" --json "$held" >"$TMP/scan4" || true
ref4=$(json_ref <"$TMP/scan4")
check "delete" q delete "$ref4" --reason "spam wave"
set +e
q show "$ref4" --raw >/dev/null 2>"$TMP/err"; rc=$?
q delete "$ref4" --reason "again" >/dev/null 2>"$TMP/err2"; rc2=$?
set -e
check "deleted: the original is gone (exit 1)" test "$rc" = 1
check "deleted twice: refused with who" grep -q "already deleted at .* by root (uid 0)" "$TMP/err2"

# --- sluiced dies in the middle of a release (the relay is slow to answer DATA)
"$SLUICECTL" scan "${C[@]}" --json "$held" >"$TMP/scan7" || true
ref7=$(json_ref <"$TMP/scan7")
sink_stop
sink_start "$TMP/sink" "$port" -w 30
"$SLUICECTL" quarantine release "$ref7" --reason "slow" "${C[@]}" >/dev/null 2>&1 &
rel_pid=$!
under_way() { for _ in $(seq 100); do grep -q "Release: *under way" <(q show "$ref7") && return 0; sleep 0.1; done; return 1; }
check "the release is under way" under_way
kill -KILL "$sluiced_pid"
wait "$rel_pid" 2>/dev/null || true
sink_stop
sink_start "$TMP/sink" "$port"
check "sluiced starts again after a crash (stale socket replaced)" start_sluiced "$TMP/log2" "${C[@]}" -o general.user=nobody
grep -q "Release: *under way by root" <(q show "$ref7") && ok "the interrupted release shows" || bad "the interrupted release shows"
set +e
q release "$ref7" --reason "again" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "no second send while the claim lasts (exit 1)" test "$rc" = 1
check "it says who is releasing it" grep -q "is being released by root (uid 0)" "$TMP/err"

# --- expiry: purge now, and the daemon's own run
"$SLUICECTL" scan "${C[@]}" --json "$held" >"$TMP/scan5" || true
ref5=$(json_ref <"$TMP/scan5")
sqlite3 "$TMP/data/quarantine.db" "UPDATE items SET expires = 1 WHERE ref = '$ref5'"
check "daemon's expiry run removes it" wait_for "$TMP/log2" "expiry: removed the originals of 1" 10
check "expired" grep -q "^Status: *expired" <(q show "$ref5")
check "purge: nothing left to do" grep -q "of 0 expired" <(q purge)
check "the audit rows stay" grep -q "keep .*ok" <(q show "$ref5")
check "the expiry is audited" grep -q "expire .*ok by sluiced (expiry)" <(q show "$ref5")

# --- reload over the socket
check "sluicectl reload" "$SLUICECTL" reload "${C[@]}"
check "the daemon reloaded" wait_for "$TMP/log2" "reloaded" 10

# --- a store that cannot be written: nothing kept, nothing written for the agent
mkdir -p "$TMP/ro"
chmod 555 "$TMP/ro"
set +e
cp "$held" "$TMP/held.eml" && chmod 644 "$TMP/held.eml"
runuser -u nobody -- "$SLUICECTL" scan "${C[@]}" -o general.data_dir="$TMP/ro/data" --output "$TMP/ro-out.eml" "$TMP/held.eml" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "unwritable store: exit 2" test "$rc" = 2
check "unwritable store: says so" grep -q "cannot open the quarantine" "$TMP/err"
check "unwritable store: no placeholder written" test ! -e "$TMP/ro-out.eml"

# --- a full disk: nothing kept, nothing written for the agent, what was kept stays whole
mkdir -p "$TMP/full"
if mount -t tmpfs -o size=1m tmpfs "$TMP/full" 2>/dev/null; then
  q_mounts+=("$TMP/full")
  F=("${C[@]}" -o general.data_dir="$TMP/full/data")
  ref6=$("$SLUICECTL" scan "${F[@]}" --json "$held" | json_ref) || true
  check "full disk: kept while there was room" test -n "$ref6"
  # a 1 MiB message does not fit in what is left
  set +e
  "$SLUICECTL" scan "${F[@]}" --json --output "$TMP/full-out.eml" "$SRC/tests/data/email/limit_header_1mb.eml" \
    >/dev/null 2>"$TMP/err"; rc=$?
  set -e
  check "full disk: exit 2" test "$rc" = 2
  check "full disk: says so" grep -Eq "not kept in the quarantine: .*(disk is full|No space left)" "$TMP/err"
  check "full disk: nothing written for the agent" test ! -e "$TMP/full-out.eml"
  check "full disk: the store is sound" test "$(sqlite3 "$TMP/full/data/quarantine.db" 'PRAGMA integrity_check')" = ok
  check "full disk: the earlier item is whole" test "$(sqlite3 "$TMP/full/data/quarantine.db" \
    "SELECT count(*) FROM items JOIN item_data USING (ref) WHERE ref = '$ref6'")" = 1
  check "full disk: no half item" test "$(sqlite3 "$TMP/full/data/quarantine.db" 'SELECT count(*) FROM items')" = 1
else
  echo "note: cannot mount a tmpfs here: the full-disk case was not run"
fi

# --- stop
check "TERM stops sluiced with status 0" stop_sluiced "$sluiced_pid"
check "the socket is removed" test ! -e "$TMP/data/admin.sock"
finish
