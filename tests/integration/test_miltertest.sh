#!/usr/bin/env bash
# The milter protocol's edges, without a mail server: each miltertest script
# in tests/integration/milter/ against one sluiced (several messages on one
# connection, abort mid-message, a thousand recipients, huge and too many
# header fields (and a 60 KB one from a client of the test's own), an empty body, bare LF, 8-bit header fields, a client gone
# mid-body, a body past the size limit, malformed MIME), then garbage on the
# milter socket (random bytes, an absurd packet length, unknown commands,
# commands out of order): sluiced keeps serving, and stops on TERM with
# status 0 (under ASan: no leak, no error).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/quarantine_lib.sh"
trap q_cleanup EXIT
chmod 755 "$TMP"
DIR=$SRC/tests/integration/milter

userargs=()
if [ "$(id -u)" = 0 ]; then userargs=(-o general.user=nobody); fi
check "sluiced starts" start_sluiced "$TMP/log" --config "$CONF" -o general.data_dir="$TMP/data" "${userargs[@]}" \
  -o milter.socket_mode=0666 -o milter.max_header_fields=2500 -o general.max_message_size=256k
SOCK=unix:$TMP/data/milter.sock

run() { # SCRIPT: runs it, prints what it said when it failed
  local out rc=0
  out=$(timeout 60 miltertest -D MILTER="$SOCK" -D DIR="$DIR" -s "$DIR/$1" 2>&1) || rc=$?
  [ "$rc" = 0 ] || echo "$out" | sed "s/^/  $1: /"
  return "$rc"
}

for s in several_messages abort many_recipients huge_headers empty_body bare_lf eightbit_headers \
  disconnect_mid_body oversize malformed_mime; do
  check "miltertest $s" run "$s.lua"
done
check "log: a thousand recipients counted" grep -q "id=MANYRCPT .* rcpts=1000 " "$TMP/log"
check "log: the aborted message" grep -q "action=aborted reason=\"the mail server ended the message" "$TMP/log"
check "log: the client gone mid-body" grep -q "id=NOQUEUE\|id=DISCONNECT.* action=aborted" "$TMP/log"
check "log: 552 for too many fields" grep -q "action=reject reason=\"more header fields than milter.max_header_fields\"" "$TMP/log"
check "log: 552 for the size" grep -q "id=OVERSIZE .*action=reject reason=\"larger than general.max_message_size\"" "$TMP/log"

# --- a 60 KB header field, through a client of the test's own (miltertest
# cannot send one): accepted, the verdict on top
python3 - "$TMP/data/milter.sock" >"$TMP/long.out" 2>&1 <<'PY' || true
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile("rb")

def pkt(cmd, payload=b""):
    return struct.pack(">I", len(payload) + 1) + cmd + payload

def reply():
    n = struct.unpack(">I", f.read(4))[0]
    data = f.read(n)
    return data[:1], data[1:]

s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
cmd, data = reply()
actions, steps = struct.unpack(">II", data[4:12])
def send(cmd, payload, nr_flag):
    s.sendall(pkt(cmd, payload))
    return None if steps & nr_flag else reply()
send(b"C", b"client.example.net\x004" + struct.pack(">H", 25) + b"192.0.2.7\x00", 0x1000)
send(b"M", b"<a@example.net>\x00", 0x4000)
send(b"R", b"<agent@example.com>\x00", 0x8000)
for name, value in ((b"From", b" a@example.net"), (b"Subject", b" long"),
                    (b"X-Long", b" " + b"A7" * 30000)):
    send(b"L", name + b"\x00" + value + b"\x00", 0x80)
print("eoh", send(b"N", b"", 0x40000))
print("body", send(b"B", b"hello\r\n", 0x80000))
s.sendall(pkt(b"E"))
while True:
    cmd, data = reply()
    print(cmd.decode(), data[:60])
    if cmd in (b"a", b"c", b"r", b"t", b"y", b"d"):
        break
PY
check "a 60 KB header field: accepted" grep -qx "a b''" "$TMP/long.out"
check "a 60 KB header field: the verdict inserted" grep -q "^i .*X-Sluice-Verdict" "$TMP/long.out"

# --- garbage on the socket
python3 - "$TMP/data/milter.sock" <<'PY'
import os, socket, struct, sys, time
path = sys.argv[1]

def talk(data, read=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(data)
        if read:
            try:
                s.recv(4096)
            except (socket.timeout, ConnectionError):
                pass
    except (BrokenPipeError, ConnectionError):
        pass
    s.close()

def pkt(cmd, payload=b""):
    return struct.pack(">I", len(payload) + 1) + cmd + payload

OPTNEG = pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
talk(os.urandom(4096))                                  # noise
talk(struct.pack(">I", 0xFFFFFFFF) + b"O" + b"x" * 100)  # an absurd length
talk(struct.pack(">I", 0))                              # an empty packet
talk(OPTNEG + pkt(b"Z", b"unknown command"))            # an unknown command
talk(pkt(b"L", b"Subject\0hi\0") + pkt(b"E"))           # a header before anything
talk(OPTNEG + pkt(b"M", b"<a@b>\0") + pkt(b"L", b"no terminator") + pkt(b"B", b"x" * 10) + pkt(b"E"))
talk(OPTNEG + pkt(b"M", b"<a@b>\0") + pkt(b"L", b"\0\0") + pkt(b"L", b"X\0" + b"\xff" * 70000) + pkt(b"E"))
talk(OPTNEG + pkt(b"M", b"\0") + pkt(b"D", b"Mi\0Q\0") + pkt(b"R", b"<r@x>\0") + pkt(b"N") + pkt(b"E"))
talk(OPTNEG + pkt(b"M", b"<a@b>\0") + pkt(b"B", b"body before any header") + pkt(b"E") + pkt(b"E"))
talk(OPTNEG + pkt(b"C", b"host\0" + b"4" + struct.pack(">H", 25) + b"not an address\0"), read=False)
time.sleep(0.5)
PY
check "garbage: sluiced still runs" kill -0 "$sluiced_pid"
check "garbage: and serves (several messages again)" run several_messages.lua
check "TERM: exit 0 (under ASan: no leak, no error)" stop_sluiced "$sluiced_pid"
check "no sanitizer report" test "$(grep -c 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$TMP/log")" = 0
finish
