#!/usr/bin/env bash
# run_fuzzer.sh BINARY NAME SECONDS: runs one libFuzzer harness for a bounded
# time on a scratch corpus seeded from tests/data (and tests/fuzz/seeds/NAME
# when present; fuzz_mime also from the differential test's generated
# ambiguous messages). Fails if the fuzzer reports a crash, leak or timeout.
# The corpus it ends with is kept in corpus/NAME beside the binary (the URL
# oracle replays fuzz_urlnorm's); fuzz_mime also keeps the inputs it found in
# ${SLUICE_FUZZ_KEEP:-BUILD/fuzz-kept}/NAME for the parser differential test
# (tests/integration/differential.py).
set -euo pipefail
bin=$1; name=$2; secs=$3
src=${SLUICE_SOURCE_DIR:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
seeds=()
[ -d "$src/tests/fuzz/seeds/$name" ] && seeds+=("$src/tests/fuzz/seeds/$name")
case "$name" in
  fuzz_mime*) seeds+=("$src/tests/data/email") ;;
  fuzz_docs*) seeds+=("$src/tests/data/payloads/docs") ;;
  fuzz_whatsapp*) seeds+=("$src/tests/data/whatsapp") ;;
esac
# Seed files above 1 MB make little progress; the fuzzer drops them anyway.
for d in "${seeds[@]}"; do
  find "$d" -type f -size -128k ! -name '*.expect' -exec cp -t "$work/corpus" {} + 2>/dev/null || true
done
case "$name" in
  fuzz_mime*) python3 "$src/tests/integration/gen_ambiguous.py" "$work/corpus" >/dev/null || true ;;
esac
ls "$work/corpus" >"$work/seeded"
"$bin" -max_total_time="$secs" -max_len=131072 -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" 2>"$work/log" || {
  tail -60 "$work/log"
  # Keep what it found: the scratch directory goes away on exit.
  keep=${SLUICE_FUZZ_ARTIFACTS:-${TMPDIR:-/tmp}/sluice-fuzz-artifacts}
  mkdir -p "$keep"
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$a" ] || continue
    cp "$a" "$keep/$name-$(basename "$a")"
    echo "kept $keep/$name-$(basename "$a") ($(stat -c %s "$a") bytes); reproduce: $bin $keep/$name-$(basename "$a")"
    head -c 512 "$a" | od -A d -c | head -20
  done
  exit 1; }
grep -E 'stat::number_of_executed_units|Done' "$work/log" | tail -2
# Keep the corpus the run ended with beside the binary (corpus/NAME): the
# URL oracle test replays fuzz_urlnorm's through Node's URL parser.
keep_corpus="$(dirname "$bin")/corpus/$name"
rm -rf "$keep_corpus"; mkdir -p "$keep_corpus"
find "$work/corpus" -type f -exec cp -t "$keep_corpus" {} + 2>/dev/null || true
case "$name" in
  fuzz_mime*)
    if [ -n "${SLUICE_FUZZ_KEEP:-${SLUICE_BUILD_DIR:-}}" ]; then
      keep=${SLUICE_FUZZ_KEEP:-$SLUICE_BUILD_DIR/fuzz-kept}/$name
      rm -rf "$keep"; mkdir -p "$keep"
      ls "$work/corpus" | grep -vxF -f "$work/seeded" | while read -r f; do cp "$work/corpus/$f" "$keep/"; done
      echo "kept $(ls "$keep" | wc -l) new inputs in $keep"
    fi ;;
esac
