#!/usr/bin/env bash
# Every file of ClamAV's own test files (Debian package clamav-testfiles, 44
# files that hold clam.exe in every form ClamAV decodes) through
# `sluicectl scan`: each must be stopped, the four documents as
# embedded_executable (check_clamav_testfiles.py records why, file by file).
# CTest sets SLUICE_SOURCE_DIR and SLUICE_BUILD_DIR.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export SLUICE_BUILD_DIR="${SLUICE_BUILD_DIR:-$SLUICE_SOURCE_DIR/build}"
exec python3 "$here/check_clamav_testfiles.py" "$@"
