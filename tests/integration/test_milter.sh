#!/usr/bin/env bash
# sluiced as a milter behind a real Postfix (issue 7): a private Postfix
# instance (tests/integration/postfix.sh) with smtpd_milters on sluiced's unix
# socket, relaying to an smtp-sink that keeps every message. Every message
# of tests/data/email goes through it and what arrived is checked against
# its .expect (check_milter.py): clean ones byte-identical but for the trace
# fields and the verdict, attachments replaced, links defanged, placeholders
# for quarantined mail with a reference `sluicectl quarantine show` finds.
# Then: a forged X-Sluice-Verdict removed; a message over
# general.max_message_size refused with 552 5.3.4 (SIZE= and without); a
# policy that rejects (550 5.7.1, a reason without internal details); a
# release through this Postfix as the relay arriving once and untouched, its
# replay and a forged release header scanned like any other message; the
# log line per message.
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

cp "$CONF" "$TMP/sluice.conf"
sed -i "s|^base_dir = ..|base_dir = $SRC|" "$TMP/sluice.conf"
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

finish
