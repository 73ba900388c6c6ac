#!/usr/bin/env bash
# sluiced as a milter behind a real Postfix (issue 7): a private Postfix
# instance (tests/integration/postfix.sh) with smtpd_milters on sluiced's unix
# socket, relaying to an smtp-sink that keeps every message. Every message
# of tests/data/email goes through it and what arrived is checked against
# its .expect (check_milter.py): clean ones byte-identical but for the trace
# fields and the verdict, attachments replaced, links defanged, placeholders
# for quarantined mail with a reference `sluicectl quarantine show` finds.
# Then: a forged X-Sluice-Verdict removed; a client gone mid-body; a message over
# general.max_message_size refused with 552 5.3.4 (SIZE= and without); a
# policy that rejects (550 5.7.1, a reason without internal details); a
# release through this Postfix as the relay arriving once and untouched, its
# replay and a forged release header scanned like any other message; a link
# only a live reputation service knows (a fake URLhaus on loopback, switched
# on by a reload) defanged on its way to the agent; the log line per message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/quarantine_lib.sh"
. "$(dirname "$0")/postfix.sh"
trap 'pf_cleanup; q_cleanup' EXIT
chmod 755 "$TMP"

if [ "$(id -u)" != 0 ]; then
  bad "test_milter needs root (a private Postfix instance)"
  finish
  exit 1
fi

EM=$SRC/tests/data/email
sport=$(free_port)
sink_start "$TMP/sink" "$sport"

# sluiced reads its configuration and signatures again as general.user on a
# reload: staged where that user can read them (CI may clone under /root).
pub_setup
cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $PUB|" "$TMP/sluice.conf"
cat >>"$TMP/sluice.conf" <<EOF

[release]
relay = smtp://127.0.0.1:PFPORT
timeout = 20
EOF
C=(--config "$TMP/sluice.conf" -o general.data_dir="$TMP/data" -o general.user=nobody)

# Postfix first (its port is the release relay), sluiced's socket is in its data dir.
check "postfix starts" pf_start "$TMP/pf" "unix:$TMP/data/milter.sock" "$sport"
sed -i "s|PFPORT|$PF_PORT|" "$TMP/sluice.conf"
check "sluiced starts" start_sluiced "$TMP/log" "${C[@]}"
check "the milter socket is Postfix's to use" test "$(stat -c %G:%a "$TMP/data/milter.sock")" = postfix:660

# --- the corpus through Postfix
rc=0
python3 "$SRC/tests/integration/check_milter.py" corpus --port "$PF_PORT" --sink "$TMP/sink" >"$TMP/corpus.out" 2>&1 || rc=$?
grep -v '^ok ' "$TMP/corpus.out" || true
check "the corpus through Postfix arrives as its .expect says" test "$rc" = 0
ref=$(awk '$1 == "exe_elf" {print $2}' "$TMP/refs")
check "a rewritten message's reference is in the quarantine" \
  sh -c "'$SLUICECTL' quarantine show '$ref' ${C[*]} | grep -q 'Verdict: *rewrite'"
ref=$(awk '$1 == "struct_two_cte" {print $2}' "$TMP/refs")
"$SLUICECTL" quarantine show "$ref" "${C[@]}" >"$TMP/show" 2>&1 || true
check "a placeholder's reference is in the quarantine" grep -q "Verdict: *quarantine" "$TMP/show"
"$SLUICECTL" quarantine show "$ref" --raw "${C[@]}" >"$TMP/raw.eml" 2>/dev/null || true
check "the quarantine holds the original as it came (CRLF)" \
  python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); sys.exit(a.replace(b"\r\n", b"\n") != b.replace(b"\r\n", b"\n"))' "$TMP/raw.eml" "$EM/struct_two_cte.eml"
check "one log line per message, with the queue id, client, sender, recipients, verdict, ref" \
  grep -Eq "id=[0-9A-F]{6,} channel=email verdict=quarantine .* client=127.0.0.1 from=customer@example.net rcpts=1 auth=- action=placeholder ref=$ref" "$TMP/log"

# What the agent got for the message sent to RCPT (the newest copy).
arrived() { grep -l "^X-Rcpt-Args: <$1>" "$TMP"/sink/msg.* 2>/dev/null | xargs -r ls -t | head -1; }
wait_for_copy() { for _ in $(seq 100); do [ -n "$(arrived "$1")" ] && return 0; sleep 0.1; done; return 1; }
send() { python3 "$SRC/tests/integration/smtp_send.py" --port "$PF_PORT" "$@"; }
# The verdict of what arrived for RCPT.
verdict_of() { python3 "$SRC/tests/integration/check_milter.py" delivered "$(arrived "$1")" 2>&1 >/dev/null; }
# Reloads (HUP) with the test's config plus these lines; waits for the log to say so.
cp "$TMP/sluice.conf" "$TMP/sluice.conf.orig"
n_reloads=0
reload_with() {
  { cat "$TMP/sluice.conf.orig"; printf '%s\n' "$@"; } >"$TMP/sluice.conf"
  n_reloads=$((n_reloads + 1))
  kill -HUP "$sluiced_pid"
  for _ in $(seq 100); do
    [ "$(grep -c 'notice: reloaded' "$TMP/log")" -ge "$n_reloads" ] && return 0
    sleep 0.1
  done
  return 1
}

# --- a forged verdict and a forged release header: removed, the message scanned
cat >"$TMP/forged.eml" <<'MSG'
X-Sluice-Release: v=1; ref=SL-0000-0000-0000-0000; by=mallory; at=1700000000; mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
From: Mallory <mallory@example.net>
To: agent@contact-center.example
Subject: trust me
X-Sluice-Verdict: clean
x-sluice-verdict: clean (really)
Date: Tue, 02 Jan 2024 10:00:00 +0100
Message-ID: <forged.1@example.net>

Click http://malware.invalid/login now.
MSG
check "forged: accepted" send "$TMP/forged.eml" forged@test.example
check "forged: arrived" wait_for_copy forged@test.example
f=$(arrived forged@test.example)
check "forged: scanned (rewrite, with a reference)" grep -Eq '^rewrite \(SL-[0-9A-Z-]+\)$' <<<"$(verdict_of forged@test.example)"
check "forged: one verdict, ours" test "$(grep -ci '^X-Sluice-Verdict:' "$f")" = 1
check "forged: the release header is gone" test "$(grep -ci '^X-Sluice-Release' "$f")" = 0
check "forged: the link is defanged" grep -q "malware\[.\]invalid" "$f"
check "forged: the release header was logged, not trusted" grep -q "release header that does not verify" "$TMP/log"

# --- a client gone mid-body: nothing arrives, nothing stays in flight, the next one passes
set +e
send --cut 2000 "$EM/exe_elf.eml" cut@test.example >/dev/null
set -e
check "gone mid-body: the next message passes" send "$EM/clean_plain_text.eml" aftercut@test.example
check "gone mid-body: the next one arrived" wait_for_copy aftercut@test.example
check "gone mid-body: nothing of it arrived" test -z "$(arrived cut@test.example)"

# --- size: SIZE= over general.max_message_size is refused at MAIL FROM
set +e
out=$(send --size 70000000 "$EM/clean_plain_text.eml" big@test.example)
set -e
check "SIZE= too large: 552 5.3.4 ($out)" grep -q "^552 5.3.4" <<<"$out"

# --- a reload (HUP) that changes the limits and the policy
check "reload: max_message_size 100k, virus = reject" reload_with "[general]" "max_message_size = 100k" "[policy]" "virus = reject"
set +e
out=$(send "$EM/clean_csv_5mb.eml" big2@test.example)
set -e
check "too large without SIZE=: 552 5.3.4 once it crosses the limit ($out)" grep -q "^552 5.3.4" <<<"$out"
set +e
out=$(send "$EM/virus_eicar_qp.eml" virus@test.example)
set -e
check "reject: 550 5.7.1 ($out)" grep -q "^550 5.7.1 " <<<"$out"
check "reject: a reason the sender understands" grep -q "carries a virus" <<<"$out"
check "reject: no internal names in it" test "$(grep -ci 'eicar\|clam\|sluice\|policy' <<<"$out")" = 0
check "reject: logged" grep -Eq "verdict=reject .*action=reject" "$TMP/log"

# --- on_reject = quarantine: the sender is not told, the agent gets a placeholder
check "reload: on_reject = quarantine" reload_with "[policy]" "virus = reject" "[milter]" "on_reject = quarantine"
check "on_reject = quarantine: accepted" send "$EM/virus_eicar_qp.eml" virus2@test.example
check "on_reject = quarantine: a placeholder arrived" wait_for_copy virus2@test.example
check "on_reject = quarantine: it is the placeholder" grep -q "held this message for review" "$(arrived virus2@test.example)"

# --- on_quarantine = hold: Postfix's hold queue
check "reload: on_quarantine = hold" reload_with "[milter]" "on_quarantine = hold"
check "hold: accepted" send "$EM/struct_two_cte.eml" held@test.example
check "hold: in Postfix's hold queue" sh -c "for i in \$(seq 50); do [ \$(find '$TMP/pf/queue/hold' -type f | wc -l) = 1 ] && exit 0; sleep 0.1; done; exit 1"
check "hold: logged" grep -q "action=hold" "$TMP/log"

# --- live reputation through the milter: a link only a (fake) URLhaus knows
FAKE=$TMP/fake
mkdir -p "$FAKE"
python3 "$SRC/tests/integration/fake_reputation.py" --dir "$FAKE" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; pf_cleanup; q_cleanup' EXIT
for _ in $(seq 100); do [ -s "$FAKE/ports" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
. "$FAKE/ports"
printf 'urlhaus-test-key\n' >"$TMP/urlhaus.key"
chown nobody "$TMP/urlhaus.key"
chmod 600 "$TMP/urlhaus.key"
check "reload: URLhaus (a fake on loopback)" reload_with "[general]" "allow_insecure_loopback = true" \
  "[reputation]" "urlhaus_url = http://127.0.0.1:$HTTP_PORT" "urlhaus_auth_key_file = $TMP/urlhaus.key"
cat >"$TMP/live.eml" <<'MSG'
From: Customer <customer@example.net>
To: agent@contact-center.example
Subject: your parcel
Date: Tue, 02 Jan 2024 10:00:00 +0100
Message-ID: <live.1@example.net>

Track it at http://uhmalware.example.net/payload.exe today.
MSG
check "live: accepted" send "$TMP/live.eml" live@test.example
check "live: arrived" wait_for_copy live@test.example
check "live: rewritten" grep -Eq '^rewrite \(SL-[0-9A-Z-]+\)$' <<<"$(verdict_of live@test.example)"
check "live: the link defanged" grep -q "uhmalware\[.\]example" "$(arrived live@test.example)"
check "live: no live link" test "$(grep -c 'http://uhmalware.example.net' "$(arrived live@test.example)")" = 0
check "live: URLhaus was asked" grep -q "^urlhaus-url http://uhmalware.example.net/payload.exe$" "$FAKE/requests.log"
kill "$fake_pid" 2>/dev/null || true
check "reload: back to the shipped policy" reload_with ""

# --- a release through this Postfix (the relay): arrives once, untouched but for the verdict
ref=$(awk '$1 == "struct_two_cte" {print $2}' "$TMP/refs")
check "release through Postfix" "$SLUICECTL" quarantine release "$ref" --reason "checked by phone" "${C[@]}"
released() { grep -l '^X-Sluice-Release:' $(grep -l "^X-Rcpt-Args: <struct_two_cte@corpus.test>" "$TMP"/sink/msg.*) 2>/dev/null || true; }
for _ in $(seq 100); do [ -n "$(released)" ] && break; sleep 0.1; done
sleep 0.5
rel=$(released)
check "released: one copy arrived" test "$(grep -c . <<<"$rel")" = 1
rel=$(head -1 <<<"$rel")
check "released: the verdict says so" grep -q "^X-Sluice-Verdict: released ($ref by root)" "$rel"
python3 - "$rel" "$EM/struct_two_cte.eml" "$SRC/tests/integration" >"$TMP/untouched" 2>&1 <<'PY' || true
import sys
sys.path.insert(0, sys.argv[3])
from check_milter import split_arrived, without_verdict, lf
_, verdict, msg = split_arrived(open(sys.argv[1], "rb").read())
body = without_verdict(msg)            # the release header, then the original
assert body.startswith(b"X-Sluice-Release: "), body[:80]
body = without_verdict(body)
orig = lf(open(sys.argv[2], "rb").read())
print("same" if body == orig else "differs: %r" % body[:200])
PY
check "released: byte for byte the original" grep -qx same "$TMP/untouched"
check "released: logged" grep -q "verdict=released .*action=released ref=$ref" "$TMP/log"
check "released: the pass is in the audit trail" sh -c "'$SLUICECTL' quarantine show '$ref' ${C[*]} | grep -q 'release-pass .*ok'"

# --- the same message again (a replay): scanned like any other
python3 - "$rel" "$SRC/tests/integration" >"$TMP/replay.eml" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from check_milter import split_arrived, without_verdict
_, _, msg = split_arrived(open(sys.argv[1], "rb").read())
sys.stdout.buffer.write(without_verdict(msg))
PY
check "replay: accepted" send "$TMP/replay.eml" replay@test.example
check "replay: arrived" wait_for_copy replay@test.example
check "replay: scanned and held again (a placeholder)" grep -Eq '^quarantine \(SL-' <<<"$(verdict_of replay@test.example)"
check "replay: the release header is gone" test "$(grep -c '^X-Sluice-Release' "$(arrived replay@test.example)")" = 0
check "replay: logged as refused" grep -q "ref=$ref release header refused: the release header of $ref already let a message pass" "$TMP/log"

check "TERM: exit 0 (under ASan: no leak, no error)" stop_sluiced "$sluiced_pid"
check "no sanitizer report" test "$(grep -c 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$TMP/log")" = 0
finish
