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

# pub_setup: tests that run sluiced as root (it gives up root) or run
# sluicectl as other users need what those users read to be readable by
# them: CI may clone into a directory only root can enter (/root/...). As
# root this copies the binaries, conf/ and signatures/ into a world-readable
# $TMP/pub and points SLUICECTL, SLUICED, CONF and PUB (the base_dir to use)
# there; as anyone else it changes nothing (PUB=$SRC). Copy test inputs that
# another user must read into $TMP yourself.
pub_setup() {
  PUB=$SRC
  [ "$(id -u)" = 0 ] || return 0
  PUB=$TMP/pub
  mkdir -p "$PUB/bin"
  cp -a "$SRC/conf" "$SRC/signatures" "$PUB/"
  cp "$BUILD/sluicectl" "$BUILD/sluiced" "$PUB/bin/"
  chmod 755 "$TMP"
  chmod -R a+rX "$PUB"
  SLUICECTL=$PUB/bin/sluicectl
  SLUICED=$PUB/bin/sluiced
  CONF=$PUB/conf/sluice.conf
}
