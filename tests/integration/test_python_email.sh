#!/usr/bin/env bash
# Python's 47 e-mail test messages (libpython3.11-testsuite) through sluicectl
# scan: the verdict of each, and why, is in python_email.py. CTest sets
# SLUICE_SOURCE_DIR and SLUICE_BUILD_DIR.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export SLUICE_BUILD_DIR="${SLUICE_BUILD_DIR:-$SLUICE_SOURCE_DIR/build}"
exec python3 "$here/python_email.py" "$@"
