#!/usr/bin/env bash
# Runs every tests/data/email/*.eml through `sluicectl scan --json --output` and
# checks the verdict, findings and output against NAME.expect (check_corpus.py).
# CTest sets SLUICE_SOURCE_DIR and SLUICE_BUILD_DIR.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export SLUICE_BUILD_DIR="${SLUICE_BUILD_DIR:-$SLUICE_SOURCE_DIR/build}"
exec python3 "$here/check_corpus.py" "$@"
