#!/usr/bin/env bash
# `sluicectl scan --channel whatsapp` on every payload of tests/data/whatsapp
# (check_whatsapp.py: verdicts, findings, the downstream JSON, the rescan of
# sluice's own output), and its errors: a file that is not a payload, an
# unreadable media directory, --media-dir without the WhatsApp channel.
. "$(dirname "$0")/lib.sh"

check "every payload as its .expect says" python3 "$SRC/tests/integration/check_whatsapp.py"
check "the generator and the files agree" python3 "$SRC/tests/data/gen_whatsapp.py" --check

printf 'From: a@b.test\n\nnot json\n' >"$TMP/mail.eml"
set +e
"$SLUICECTL" scan --config "$CONF" --no-store --channel whatsapp "$TMP/mail.eml" 2>"$TMP/err"; rc=$?
set -e
check "not a payload: exit 2" test "$rc" = 2
check "not a payload: says so" grep -q "not a WhatsApp webhook payload" "$TMP/err"

echo '{"object":"page","entry":[]}' >"$TMP/page.json"
set +e
"$SLUICECTL" scan --config "$CONF" --no-store --channel whatsapp "$TMP/page.json" 2>"$TMP/err"; rc=$?
set -e
check "another object: exit 2" test "$rc" = 2
check "another object: named" grep -q "whatsapp_business_account" "$TMP/err"

set +e
"$SLUICECTL" scan --config "$CONF" --no-store --media-dir "$TMP" "$TMP/mail.eml" 2>"$TMP/err"; rc=$?
set -e
check "--media-dir without whatsapp: exit 2" test "$rc" = 2

# No media directory: the document is withheld as unscanned, never passed on.
set +e
"$SLUICECTL" scan --config "$CONF" --no-store --channel whatsapp --json --output "$TMP/out.json" \
  "$SRC/tests/data/whatsapp/document_clean_pdf.json" >"$TMP/report"; rc=$?
set -e
check "no media dir: exit 1" test "$rc" = 1
check "no media dir: media_unscanned" grep -q '"rule":"media_unscanned"' "$TMP/report"
check "no media dir: the id is gone" python3 -c '
import json,sys
m=json.load(open(sys.argv[1]))["entry"][0]["changes"][0]["value"]["messages"][0]
sys.exit("id" in m["document"] or m["sluice"]["withheld"]!=["1001"])' "$TMP/out.json"
# A held message's placeholder comes from notice.placeholder_template, the
# text every door shares: the operator's words, values escaped, hosts defanged.
printf 'HELD for review. From: {sender}\nFirst line: {subject}\nSent: {date}\nWhy:\n{reasons}\nRef {reference}\n{contact}\n' \
  >"$TMP/tpl.txt"
cat >"$TMP/held.json" <<'JSON'
{"object": "whatsapp_business_account", "entry": [{"id": "1029", "changes": [{"field": "messages",
 "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111",
 "phone_number_id": "1065"}, "contacts": [{"profile": {"name": "Ann"}, "wa_id": "16505551234"}],
 "messages": [{"from": "16505551234", "id": "wamid.held1", "timestamp": "1765065600",
 "type": "text", "text": {"body": "log in at https://phishing.test/login now"}}]}}]}]}
JSON
set +e
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP/var" -o policy.url_malicious=quarantine \
  -o notice.placeholder_template="$TMP/tpl.txt" -o "notice.contact=Call the desk on 1234." \
  --channel whatsapp --output "$TMP/held.out" "$TMP/held.json" >/dev/null; rc=$?
set -e
check "held: exit 1" test "$rc" = 1
body=$(python3 -c '
import json,sys
m=json.load(open(sys.argv[1]))["entry"][0]["changes"][0]["value"]["messages"][0]
print(m["sluice"]["verdict"]); print(m["text"]["body"])' "$TMP/held.out")
check "held: a placeholder" test "$(head -1 <<<"$body")" = quarantine
check "held: the operator's template" grep -q "^HELD for review. From: Ann (+16505551234)$" <<<"$body"
check "held: the first line, defanged" grep -q "^First line: log in at hxxps\[:\]//phishing\[.\]test/login now$" <<<"$body"
check "held: no live link" bash -c '! grep -q "https://phishing.test" <<<"$1"' _ "$body"
check "held: the reference" grep -Eq "^Ref SL(-[0-9A-Z]{4}){4}$" <<<"$body"
check "held: the contact line" grep -q "^Call the desk on 1234.$" <<<"$body"
finish
