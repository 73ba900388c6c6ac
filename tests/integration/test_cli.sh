#!/usr/bin/env bash
# sluicectl as a person uses it: help, exit codes, errors that name the file,
# the line and the key.
. "$(dirname "$0")/lib.sh"

out=$("$SLUICECTL" --help); check "sluicectl --help" grep -q "scan" <<<"$out"
check "sluicectl --help names quarantine" grep -q "quarantine list" <<<"$out"
out=$("$SLUICECTL" quarantine --help); check "quarantine --help" grep -q "release REF --reason TEXT" <<<"$out"
out=$("$SLUICECTL" scan --help); check "scan --help" grep -q -- "--output" <<<"$out"
out=$("$SLUICECTL" config --help); check "config --help" grep -q "config check" <<<"$out"
out=$("$SLUICED" --help); check "sluiced --help" grep -q -- "--config" <<<"$out"

set +e
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" "$TMP/missing.eml" 2>"$TMP/err"; rc=$?
set -e
check "missing input is exit 2" test "$rc" = 2
check "missing input names the file" grep -q "missing.eml: No such file" "$TMP/err"

printf '[limits]\nmime_depth = 20\n\n[policy]\nvirus = maybe\n' >"$TMP/bad.conf"
set +e
"$SLUICECTL" config check --config "$TMP/bad.conf" 2>"$TMP/err"; rc=$?
set -e
check "bad value is exit 2" test "$rc" = 2
check "bad value names file:line: key" grep -q "bad.conf:5: policy.virus" "$TMP/err"

printf '[limits]\nmime_deep = 20\n' >"$TMP/bad2.conf"
set +e
"$SLUICECTL" config check --config "$TMP/bad2.conf" 2>"$TMP/err"; rc=$?
set -e
check "unknown key refused" test "$rc" = 2
check "unknown key names file:line: key" grep -q "bad2.conf:2: limits.mime_deep: unknown key" "$TMP/err"

set +e
"$SLUICECTL" config check --config "$CONF" -o limits.nothing=1 2>"$TMP/err"; rc=$?
set -e
check "unknown -o key refused" test "$rc" = 2
check "unknown -o key named" grep -q "limits.nothing: unknown key" "$TMP/err"

check "shipped config checks" "$SLUICECTL" config check --config "$CONF"
"$SLUICECTL" config check --config "$CONF" -o limits.mime_depth=7 --dump >"$TMP/dump"
check "-o override applies" grep -q "^limits.mime_depth = 7$" "$TMP/dump"

# Exit status of scan: 0 clean, 1 found.
set +e
"$SLUICECTL" scan --config "$CONF" --no-store "$SRC/tests/data/email/clean_plain_text.eml" >/dev/null; rc=$?
"$SLUICECTL" scan --config "$CONF" --no-store "$SRC/tests/data/email/virus_eicar_base64.eml" >/dev/null; rc2=$?
"$SLUICECTL" scan --config "$CONF" --no-store -o clamav.database_dirs="$TMP/nosigs" "$SRC/tests/data/email/clean_plain_text.eml" 2>"$TMP/err" >/dev/null; rc3=$?
set -e
check "clean is exit 0" test "$rc" = 0
check "found is exit 1" test "$rc2" = 1
check "no signatures is exit 2" test "$rc3" = 2
check "no signatures says why" grep -q "clamav.database_dirs" "$TMP/err"

# JSON: one object per input, one per line.
"$SLUICECTL" scan --config "$CONF" --no-store --json "$SRC/tests/data/email/clean_plain_text.eml" \
  "$SRC/tests/data/email/virus_eicar_zip.eml" >"$TMP/json" || true
check "one JSON line per input" test "$(wc -l <"$TMP/json")" = 2
check "JSON parses" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/json"

# The quarantine: with a data dir, what is not clean is kept and named by its
# reference; clean messages are not kept; --no-store keeps nothing and says so.
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP/q" --json --output "$TMP/kept.eml" \
  "$SRC/tests/data/email/virus_eicar_zip.eml" >"$TMP/json" || true
ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reference"])' "$TMP/json")
check "kept: a reference in the JSON" grep -Eq '^SL-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$' <<<"$ref"
check "kept: the notice names it" grep -q "Reference: $ref/2" "$TMP/kept.eml"
check "kept: the store file exists" test -s "$TMP/q/quarantine.db"
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP/q" --json "$SRC/tests/data/email/clean_plain_text.eml" >"$TMP/json" || true
check "clean: not kept (reference null)" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["reference"] is None' "$TMP/json"
"$SLUICECTL" scan --config "$CONF" --no-store --json --output "$TMP/dry.eml" "$SRC/tests/data/email/virus_eicar_zip.eml" >"$TMP/json" || true
check "--no-store: reference null" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["reference"] is None' "$TMP/json"
check "--no-store: the notice says the original was not kept" grep -q "The original was not kept (dry run)" "$TMP/dry.eml"
check "store init" grep -q "schema version" <("$SLUICECTL" store init --config "$CONF" -o general.data_dir="$TMP/q")
mkdir -p "$TMP/bad"
printf 'not a database, just bytes\n' >"$TMP/bad/quarantine.db"
set +e
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP/bad" --output "$TMP/bad.eml" "$SRC/tests/data/email/virus_eicar_zip.eml" >/dev/null 2>"$TMP/err"; rc=$?
set -e
check "a broken store file: exit 2" test "$rc" = 2
check "a broken store file: says so" grep -q "cannot open the quarantine" "$TMP/err"
check "a broken store file: nothing written for the agent" test ! -e "$TMP/bad.eml"

# --output-dir: what the agent receives, for every input, by file name.
mkdir "$TMP/outdir"
"$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" --output-dir "$TMP/outdir" \
  "$SRC/tests/data/email/clean_plain_text.eml" "$SRC/tests/data/email/exe_elf.eml" >/dev/null || true
check "--output-dir: clean input written unchanged" \
  cmp -s "$TMP/outdir/clean_plain_text.eml" "$SRC/tests/data/email/clean_plain_text.eml"
check "--output-dir: rewritten input written" grep -q "X-Sluice-Verdict: rewrite" "$TMP/outdir/exe_elf.eml"
set +e
"$SLUICECTL" scan --config "$CONF" --output "$TMP/x" --output-dir "$TMP/outdir" \
  "$SRC/tests/data/email/clean_plain_text.eml" 2>"$TMP/err" >/dev/null; rc=$?
set -e
check "--output with --output-dir is exit 2" test "$rc" = 2

# A limit that stops looking inside a part leaves the message incomplete:
# quarantined even with policy.limit=none (nothing delivered unscanned).
python3 - "$TMP" <<'PY'
import base64, binascii, os, sys
sys.path.insert(0, os.path.join(os.environ["SLUICE_SOURCE_DIR"], "tests", "data"))
import gen_corpus
def uu(name, data):
    return ("begin 644 %s\n" % name).encode() + binascii.b2a_uu(data) + b"`\nend\n"
head = b"From: a@example.com\nTo: b@example.com\nSubject: files\nMIME-Version: 1.0\n"
open(sys.argv[1] + "/two_uu.eml", "wb").write(
    head + b"Content-Type: text/plain\n\nhi\n" + uu("a.txt", b"one\n") + uu("run.bat", b"echo x\n"))
t = gen_corpus.tnef([("a.txt", b"one\n"), ("run.bat", b"echo x\n")])
open(sys.argv[1] + "/two_tnef.eml", "wb").write(
    head + b"Content-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n\n"
    + base64.encodebytes(t))
PY
for f in two_uu two_tnef; do
  "$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" -o limits.max_extracted_files=1 \
    -o policy.limit=none --json "$TMP/$f.eml" >"$TMP/$f.json" || true
  check "$f: past limits.max_extracted_files is quarantine with policy.limit=none" \
    grep -q '"verdict":"quarantine"' "$TMP/$f.json"
  "$SLUICECTL" scan --config "$CONF" -o general.data_dir="$TMP" --json "$TMP/$f.eml" >"$TMP/$f.2.json" || true
  check "$f: within the limit the second file is judged" grep -q 'run.bat' "$TMP/$f.2.json"
done
finish
