#!/usr/bin/env bash
# Safe links at click time, /healthz and /metrics, through a real sluiced and
# a real headless chromium: see clicks.py for what is checked. Screenshots of
# the warning and block pages (English, German) are kept under
# $SLUICE_BUILD_DIR/artifacts/safelinks (the paths are printed).
set -euo pipefail
: "${SLUICE_SOURCE_DIR:?}" "${SLUICE_BUILD_DIR:?}"
exec python3 "$(dirname "$0")/clicks.py"
