#!/usr/bin/env bash
# The parser differential test (differential.py): generated ambiguous
# messages, the corpus and the fuzzers' inputs go through sluice, and what
# sluice delivers goes through Python's email package (policy default and
# compat32), ripmime and munpack. No reader may extract a program or a script
# that sluice let through. CTest sets SLUICE_SOURCE_DIR and SLUICE_BUILD_DIR.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export SLUICE_BUILD_DIR="${SLUICE_BUILD_DIR:-$SLUICE_SOURCE_DIR/build}"
exec python3 "$here/differential.py" "$@"
