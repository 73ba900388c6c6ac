#!/usr/bin/env bash
# An attachment that is itself a message or a mailbox is parsed as mail, so
# that the program it carries is found (issue 10 section 3): ClamAV's own test
# files clam.mail (a message with clam.exe in base64), clam.exe.mbox.base64
# and clam.exe.mbox.uu (mailboxes with clam.exe in base64 and uuencode), from
# Debian's clamav-testfiles, each attached to a message as a file. With only
# the project's signatures ClamAV names none of them: the parse must.
. "$(dirname "$0")/lib.sh"
files=/usr/share/clamav-testfiles
if [ ! -d "$files" ]; then
  bad "setup: $files is missing (Debian package clamav-testfiles, scripts/deps.sh test)"
  finish
  exit 1
fi
for f in clam.mail clam.exe.mbox.base64 clam.exe.mbox.uu; do
  msg=$TMP/$f.eml
  {
    printf 'From: customer@example.com\nTo: agent@example.org\nSubject: see attachment\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n'
    printf -- '--b1\nContent-Type: text/plain\n\nPlease look at the attached mail.\n'
    printf -- '--b1\nContent-Type: application/octet-stream; name="%s"\n' "$f"
    printf 'Content-Disposition: attachment; filename="%s"\nContent-Transfer-Encoding: base64\n\n' "$f"
    base64 "$files/$f"
    printf -- '--b1--\n'
  } >"$msg"
  set +e
  "$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" --json --output "$TMP/$f.out" \
    "$msg" >"$TMP/$f.json"
  "$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" --json "$TMP/$f.out" >"$TMP/$f.again"
  set -e
  check "$f: verdict rewrite" grep -q '"verdict":"rewrite"' "$TMP/$f.json"
  check "$f: the program inside is found under part 2" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if any(f["rule"] == "executable" and str(f["part"]).startswith("2/")
                  for f in r["findings"]) else 1)' "$TMP/$f.json"
  check "$f: the attachment is removed" grep -q "X-Sluice-Removed: .*/2" "$TMP/$f.out"
  check "$f: the text is kept" grep -q "Please look at the attached mail." "$TMP/$f.out"
  check "$f: the output rescans clean" grep -q '"verdict":"clean"' "$TMP/$f.again"
done
finish
