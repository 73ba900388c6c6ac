#!/usr/bin/env bash
# Builds an optimised sluice and runs the benchmarks: the pipeline over
# tests/data, then the live reputation look-ups (bench_providers).
# Usage: scripts/bench.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh run
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=ON >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_scan bench_providers
./build-bench/tests/bench/bench_scan --config conf/sluice.conf -n "${1:-20}" --exclude limit_ tests/data/email
exec ./build-bench/tests/bench/bench_providers --config conf/sluice.conf
