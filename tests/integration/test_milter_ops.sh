#!/usr/bin/env bash
# sluiced's milter in operation (issue 7), behind real Postfix instances: a
# "front" Postfix that queues (as the Internet's MTAs do) relaying to a "back"
# Postfix whose smtpd_milters is sluiced (an inet socket here), relaying to an
# smtp-sink. systemd's notifications through a NOTIFY_SOCKET of the test's
# (READY, WATCHDOG, RELOADING, STOPPING); HUP with a message in flight (it
# finishes, accepted); TERM with a message in flight (it finishes, new ones
# get 451, sluiced exits 0 right after); sluiced killed mid-run (the front
# Postfix defers, 451, and delivers everything once after the restart and a
# flush: nothing lost, nothing twice); a local submission (sendmail) filtered
# too; a full disk under the quarantine and the spool (451 4.7.1, or
# accepted "unchecked" with milter.fail_open); TERM when idle is quick.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/quarantine_lib.sh"
. "$(dirname "$0")/postfix.sh"
notify_pid=
trap 'pf_cleanup; [ -n "$notify_pid" ] && kill "$notify_pid" 2>/dev/null; q_cleanup' EXIT
chmod 755 "$TMP"

if [ "$(id -u)" != 0 ]; then
  bad "test_milter_ops needs root (private Postfix instances, a tmpfs)"
  finish
  exit 1
fi

EM=$SRC/tests/data/email
sport=$(free_port)
mport=$(free_port)
sink_start "$TMP/sink" "$sport"
# sluiced reads its configuration and signatures again as general.user on a
# reload: staged where that user can read them (CI may clone under /root).
pub_setup
cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $PUB|" "$TMP/sluice.conf"
cat >>"$TMP/sluice.conf" <<EOF

[milter]
socket = inet:$mport@127.0.0.1
shutdown_timeout = 20
EOF
cp "$TMP/sluice.conf" "$TMP/sluice.conf.orig"
C=(--config "$TMP/sluice.conf" -o general.data_dir="$TMP/data" -o general.user=nobody)

# systemd's side of sd_notify: a datagram socket that writes what it hears.
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode("utf-8", "replace").replace("\n", " ") + "\n")
PY
notify_pid=$!
for _ in $(seq 50); do [ -S "$TMP/notify.sock" ] && break; sleep 0.1; done

start() { # LOG: sluiced with the notify socket and a 1 s watchdog
  NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=1000000 start_sluiced "$1" "${C[@]}"
}
# exited PID TENTHS: the process (TERM sent already) exits within TENTHS/10 s,
# with status 0; sets took (tenths of a second).
exited() {
  local i rc=0
  for ((i = 0; i < $2; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  took=$i
  kill -0 "$1" 2>/dev/null && return 1
  wait "$1" || rc=$?
  return "$rc"
}
arrived() { grep -l "^X-Rcpt-Args: <$1>" "$TMP"/sink/msg.* 2>/dev/null | head -1; }
wait_for_copy() { for _ in $(seq 100); do [ -n "$(arrived "$1")" ] && return 0; sleep 0.1; done; return 1; }

check "sluiced starts" start "$TMP/log"
check "back Postfix starts (milter: sluiced)" pf_start "$TMP/back" "inet:127.0.0.1:$mport" "$sport"
BACK=$PF_DIR
BACK_PORT=$PF_PORT
check "front Postfix starts (no milter, relays to the back)" pf_start "$TMP/front" "" "$BACK_PORT"
FRONT=$PF_DIR
FRONT_PORT=$PF_PORT
send() { # PORT FILE RCPT [options]
  local port=$1 file=$2 rcpt=$3
  shift 3
  python3 "$SRC/tests/integration/smtp_send.py" --port "$port" "$@" "$file" "$rcpt"
}

check "notify: READY" wait_for "$TMP/notify.log" "READY=1" 10
check "notify: WATCHDOG pings" wait_for "$TMP/notify.log" "WATCHDOG=1" 5

# --- HUP with a message in flight: it finishes on the engine it began with
rm -f "$TMP/go"
send "$BACK_PORT" "$EM/exe_elf.eml" hup@test.example --pause-at 300 --pause 30 --pause-file "$TMP/go" >"$TMP/hup.out" &
client=$!
sleep 1
kill -HUP "$sluiced_pid"
check "HUP: reloaded" wait_for "$TMP/log" "notice: reloaded" 30
check "notify: RELOADING, then READY" sh -c "grep -A1 RELOADING=1 '$TMP/notify.log' | grep -q READY=1"
touch "$TMP/go"
wait "$client" || true
check "HUP: the message in flight was accepted" grep -q "^250 " "$TMP/hup.out"
check "HUP: it arrived" wait_for_copy hup@test.example
check "HUP: rewritten" grep -q '^X-Sluice-Verdict: rewrite' "$(arrived hup@test.example)"

# --- TERM with a message in flight: it finishes; new messages wait (451); then exit 0
rm -f "$TMP/go"
send "$BACK_PORT" "$EM/clean_plain_text.eml" term@test.example --pause-at 200 --pause 30 --pause-file "$TMP/go" >"$TMP/term.out" &
client=$!
sleep 1
kill -TERM "$sluiced_pid"
sleep 1
check "TERM: still running while a message is in flight" kill -0 "$sluiced_pid"
set +e
out=$(send "$BACK_PORT" "$EM/clean_plain_text.eml" late@test.example)
set -e
check "TERM: a new message meanwhile gets 451 ($out)" grep -q "^451 4.3.2" <<<"$out"
touch "$TMP/go"
wait "$client" || true
check "TERM: the message in flight was accepted" grep -q "^250 " "$TMP/term.out"
check "TERM: it arrived, checked" wait_for_copy term@test.example
check "TERM: exit 0 within 2 s of its last message" exited "$sluiced_pid" 20
check "notify: STOPPING" grep -q "STOPPING=1" "$TMP/notify.log"

# --- sluiced killed mid-run: the front defers, then delivers all, once
check "sluiced starts again" start "$TMP/log2"
mkdir -p "$TMP/batch"
for i in $(seq 1 30); do
  sed "s|^Message-ID: .*|Message-ID: <batch.$i@test.example>|" "$EM/exe_elf.eml" >"$TMP/batch/$i.eml"
done
for i in $(seq 1 15); do send "$FRONT_PORT" "$TMP/batch/$i.eml" "batch$i@test.example" >/dev/null; done
for _ in $(seq 100); do [ "$(grep -l '^X-Rcpt-Args: <batch' "$TMP"/sink/msg.* 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.05; done
kill -KILL "$sluiced_pid"
for i in $(seq 16 30); do send "$FRONT_PORT" "$TMP/batch/$i.eml" "batch$i@test.example" >/dev/null; done
check "killed: the back Postfix answered 451 4.7.1, the front deferred" wait_for "$FRONT/postfix.log" "status=deferred .*451 4.7.1" 30
check "killed: the messages wait in the front's queue" test "$(pf_queue_count "$FRONT")" -gt 0
check "sluiced restarts over its stale socket" start "$TMP/log3"
pf_flush "$FRONT"
check "flushed: the front's queue drains" pf_wait_drained 60 "$FRONT"
sleep 1
got=$(grep -h '^X-Rcpt-Args: <batch' "$TMP"/sink/msg.* | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ')
check "killed: all 30 arrived ($(grep -l '^X-Rcpt-Args: <batch' "$TMP"/sink/msg.* | wc -l))" \
  test "$(grep -h '^X-Rcpt-Args: <batch' "$TMP"/sink/msg.* | sort -u | wc -l)" = 30
check "killed: none twice (copies per message: $got)" test "$got" = "1 "
check "killed: every one checked" test "$(grep -L '^X-Sluice-Verdict: rewrite' $(grep -l '^X-Rcpt-Args: <batch' "$TMP"/sink/msg.*) | wc -l)" = 0

# --- a local submission (sendmail, non_smtpd_milters) is checked too
sendmail -C "$BACK/etc" -f customer@example.net local@test.example <"$EM/exe_elf.eml" || true
check "sendmail: arrived, checked" sh -c "for i in \$(seq 100); do f=\$(grep -l '^X-Rcpt-Args: <local@test.example>' '$TMP'/sink/msg.* 2>/dev/null | head -1); [ -n \"\$f\" ] && grep -q '^X-Sluice-Verdict: rewrite' \"\$f\" && exit 0; sleep 0.1; done; exit 1"

# --- HUPs in a row while mail flows: every message accepted, and libmilter's
# own signal thread (which stops the milter on HUP) never gets one
for i in $(seq 1 12); do
  send "$BACK_PORT" "$EM/exe_elf.eml" "storm$i@test.example" >"$TMP/storm$i.out" &
  kill -HUP "$sluiced_pid"
  sleep 0.15
done
wait_clients=0
for i in $(seq 1 12); do
  for _ in $(seq 300); do [ -s "$TMP/storm$i.out" ] && break; sleep 0.1; done
  grep -q "^250 " "$TMP/storm$i.out" || wait_clients=$((wait_clients + 1))
done
check "HUP storm: every message accepted" test "$wait_clients" = 0
check "HUP storm: still serving" kill -0 "$sluiced_pid"
check "HUP storm: the milter never stopped by itself" test "$(grep -c 'stopped by itself' "$TMP/log3")" = 0
check "HUP storm: reloaded" grep -q "notice: reloaded" "$TMP/log3"

# --- a full disk under the quarantine and the spool
kill -TERM "$sluiced_pid"
check "TERM when idle: exit 0 within 1 s" exited "$sluiced_pid" 10
echo "  (it took ${took}/10 s)"
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=3m tmpfs "$TMP/small" 2>/dev/null; then
  q_mounts+=("$TMP/small")
  chmod 755 "$TMP/small"
  C=(--config "$TMP/sluice.conf" -o general.data_dir="$TMP/small/data" -o general.user=nobody)
  check "sluiced on a small disk" start "$TMP/log4"
  dd if=/dev/zero of="$TMP/small/filler" bs=64k 2>/dev/null || true
  set +e
  out=$(send "$BACK_PORT" "$EM/struct_two_cte.eml" full1@test.example)
  set -e
  check "quarantine not writable: 451 4.7.1 ($out)" grep -q "^451 4.7.1" <<<"$out"
  check "quarantine not writable: logged" grep -q "error: id=.* quarantine: " "$TMP/log4"
  check "a clean message still passes" send "$BACK_PORT" "$EM/clean_plain_text.eml" full2@test.example
  { cat "$TMP/sluice.conf.orig"; printf '[milter]\nfail_open = true\n'; } >"$TMP/sluice.conf"
  kill -HUP "$sluiced_pid"
  check "reload: fail_open" wait_for "$TMP/log4" "notice: reloaded" 30
  check "fail_open: accepted" send "$BACK_PORT" "$EM/struct_two_cte.eml" full3@test.example
  check "fail_open: marked unchecked" sh -c "for i in \$(seq 100); do f=\$(grep -l '^X-Rcpt-Args: <full3@test.example>' '$TMP'/sink/msg.* 2>/dev/null | head -1); [ -n \"\$f\" ] && grep -q '^X-Sluice-Verdict: unchecked' \"\$f\" && exit 0; sleep 0.1; done; exit 1"
  { cat "$TMP/sluice.conf.orig"; printf '[milter]\nspool_memory = 1k\n'; } >"$TMP/sluice.conf"
  kill -HUP "$sluiced_pid"
  for _ in $(seq 100); do [ "$(grep -c 'notice: reloaded' "$TMP/log4")" -ge 2 ] && break; sleep 0.1; done
  set +e
  out=$(send "$BACK_PORT" "$EM/clean_pdf_invoice_print.eml" full4@test.example)
  set -e
  check "spool not writable: 451 4.7.1 ($out)" grep -q "^451 4.7.1" <<<"$out"
  check "spool not writable: logged" grep -q "spool: cannot write" "$TMP/log4"
  rm -f "$TMP/small/filler"
  check "room again: held and kept" send "$BACK_PORT" "$EM/struct_two_cte.eml" full5@test.example
  check "room again: the spooled message passes" send "$BACK_PORT" "$EM/clean_pdf_invoice_print.eml" full6@test.example
  check "TERM: exit 0" stop_sluiced "$sluiced_pid"
else
  echo "note: cannot mount a tmpfs here: the full-disk cases were not run"
fi
finish
