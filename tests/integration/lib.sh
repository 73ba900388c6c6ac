# Shared helpers for the integration tests (sourced).
set -euo pipefail
SRC=${SLUICE_SOURCE_DIR:?}
BUILD=${SLUICE_BUILD_DIR:?}
SLUICECTL=$BUILD/sluicectl
SLUICED=$BUILD/sluiced
CONF=$SRC/conf/sluice.conf
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { echo "ok $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
# check NAME COMMAND...: the command must succeed
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
