#!/usr/bin/env bash
# Installs what is missing, builds sluice and starts sluiced in the foreground
# on the embedded defaults (conf/sluice.conf: data under var/, the project's
# own signatures plus /var/lib/clamav when it holds databases).
# Ctrl-C (or SIGTERM) stops it. Extra arguments go to sluiced (e.g. -o key=value).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh run
# sluiced started as root switches to the unprivileged user "sluice".
if [ "$(id -u)" = 0 ] && ! getent passwd sluice >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sluice
fi
# Members of this group (and root) may use `sluicectl quarantine` (admin.supervisor_group).
if [ "$(id -u)" = 0 ] && ! getent group sluice-supervisors >/dev/null; then
  groupadd --system sluice-supervisors
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
echo "starting sluiced (conf/sluice.conf); Ctrl-C stops it"
exec ./build/sluiced --config conf/sluice.conf --stderr "$@"
