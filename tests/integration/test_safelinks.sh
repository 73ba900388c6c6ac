#!/usr/bin/env bash
# Wrapped links end to end: with a safe-link base and key, suspicious links in
# text and HTML become {base}/l/{token}; the token decodes to the original and
# an altered one does not; a key file others can read is refused.
. "$(dirname "$0")/lib.sh"

head -c 48 /dev/urandom | base64 >"$TMP/key"
chmod 600 "$TMP/key"
opts=(--config "$CONF" -o general.data_dir="$TMP" -o safelinks.base_url=https://links.example.com
      -o safelinks.key_file="$TMP/key")

"$SLUICECTL" scan "${opts[@]}" --output "$TMP/out.eml" "$SRC/tests/data/email/url_shortener.eml" >/dev/null || true
check "suspicious link wrapped" grep -q "https://links.example.com/l/" "$TMP/out.eml"
link=$(grep -o 'https://links.example.com/l/[A-Za-z0-9_.-]*' "$TMP/out.eml" | head -1)
dest=$("$SLUICECTL" link decode "${opts[@]}" "$link")
check "wrapped link decodes to the original" grep -q "bit.ly" <<<"$dest"

# One character of the token changed: refused.
bad=${link%?}; last=${link: -1}; if [ "$last" = A ]; then bad=${bad}B; else bad=${bad}A; fi
set +e
"$SLUICECTL" link decode "${opts[@]}" "$bad" >/dev/null 2>&1; rc=$?
set -e
check "altered token refused" test "$rc" = 1

# Malicious links are defanged, not wrapped, even with safe links configured.
"$SLUICECTL" scan "${opts[@]}" --output "$TMP/out2.eml" "$SRC/tests/data/email/url_text_blocklisted.eml" >/dev/null || true
check "malicious link defanged" grep -q "hxxp" "$TMP/out2.eml"

chmod 644 "$TMP/key"
set +e
"$SLUICECTL" scan "${opts[@]}" "$SRC/tests/data/email/url_shortener.eml" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "world-readable key refused" test "$rc" = 2
check "refusal names the key file" grep -q "safelinks.key_file" "$TMP/err"
finish
