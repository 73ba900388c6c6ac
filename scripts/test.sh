#!/usr/bin/env bash
# Installs what is missing, builds sluice with clang + ASan + UBSan (and the
# libFuzzer harnesses) in build-test/, and runs every test in one CTest run:
# unit (cmocka), integration (the real programs on tests/data) and fuzz (each
# harness for FUZZ_SECONDS, default 60). The output ends with CTest's summary.
# The benchmark is not a test: run scripts/bench.sh for figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DSLUICE_SANITIZE=ON -DSLUICE_FUZZ=ON -DFUZZ_SECONDS="${FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-test -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec ctest --test-dir build-test -j"$jobs" --output-on-failure -L 'unit|integration|fuzz'
