#!/usr/bin/env bash
# The WhatsApp door end to end on SQLite (whatsapp_e2e.py): sluiced's webhook
# over HTTPS, a fake Graph API and a fake platform (fake_meta.py) on free
# loopback ports, every payload of tests/data/whatsapp, refusals, duplicates,
# SSRF attempts, release, the platform down (retries, dead letters, sluicectl
# outbox) and sluiced killed after the 200.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
export SLUICE_BUILD_DIR="${SLUICE_BUILD_DIR:?}"
exec python3 "$here/whatsapp_e2e.py" "$@"
