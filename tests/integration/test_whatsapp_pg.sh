#!/usr/bin/env bash
# The WhatsApp door on PostgreSQL (whatsapp_e2e.py --quick): the inbox, the
# outbox and the quarantine in a database of the test cluster (the CTest
# fixture "pg", tests/pg.sh): every payload delivered as its .expect says,
# duplicates once, sluiced killed while the platform was down.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SOURCE_DIR="${SLUICE_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
state="${SLUICE_PG_STATE:?the CTest fixture pg (tests/pg.sh) provides the cluster}"
dsn=$(bash "$SLUICE_SOURCE_DIR/tests/pg.sh" createdb "$state" "sluice_wa_$$")
exec python3 "$here/whatsapp_e2e.py" --backend postgresql --dsn "$dsn" --quick "$@"
