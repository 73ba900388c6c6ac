#!/usr/bin/env bash
# Differential test of the URL normaliser against a real WHATWG URL parser:
# tests/integration/url_oracle.js feeds the same few thousand inputs to
# Node's `new URL()` and, through tests/integration/url_probe.c, to
# sl_url_normalize, and fails on any undocumented disagreement about the
# host of a special-scheme URL (signatures/urls/README.md lists the
# documented ones). Replays fuzz_urlnorm's corpus too when a fuzz run left
# one (tests/fuzz/corpus/fuzz_urlnorm in the build directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC=${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
BUILD=${SLUICE_BUILD_DIR:-$SRC/build}
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
  echo "FAIL: node not found (scripts/deps.sh test installs the nodejs package)" >&2
  exit 1
fi
args=(--probe "$BUILD/tests/url_probe" --source "$SRC")
corpus="$BUILD/tests/fuzz/corpus/fuzz_urlnorm"
[ -d "$corpus" ] && args+=(--fuzz-corpus "$corpus")
exec timeout 300 "$node" "$here/url_oracle.js" "${args[@]}" "$@"
