#!/usr/bin/env bash
# Builds an optimised sluice and runs the benchmarks: the pipeline over
# tests/data, then the live reputation look-ups (bench_providers).
# Usage: scripts/bench.sh [ITERATIONS]
#        scripts/bench.sh --milter [-n MESSAGES] [-s SESSIONS] [-r RUNS] [--rss N] [--out FILE]
#                                  [--baseline OTHER_BUILD_DIR]
#            the milter benchmark through private Postfix instances (as root;
#            tests/bench/milter_bench.sh): no milter, a do-nothing milter,
#            sluiced, clamav-milter + clamd (and with --baseline, the sluiced
#            of another build, say main's, in the same interleaved runs)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --milter ]; then
  shift
  bash scripts/deps.sh bench
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=ON >/dev/null
  cmake --build build-bench -j"$(nproc)" --target sluiced sluicectl bench_nullmilter
  exec bash tests/bench/milter_bench.sh build-bench "$@"
fi
bash scripts/deps.sh run
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=ON >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_scan bench_providers
./build-bench/tests/bench/bench_scan --config conf/sluice.conf -n "${1:-20}" --exclude limit_ tests/data/email
exec ./build-bench/tests/bench/bench_providers --config conf/sluice.conf
