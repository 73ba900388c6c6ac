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
conf=conf/sluice.conf
# sluiced gives up root for "sluice", which must reach what it reads later
# (the configuration and signatures again on a reload, its data dir). A tree
# that user cannot enter (a clone under /root) runs on a copy of conf/ and
# signatures/ under /var/lib/sluice/source, with its data in
# /var/lib/sluice/data.
if [ "$(id -u)" = 0 ] && ! runuser -u sluice -- test -r "$PWD/conf/sluice.conf"; then
  stage=/var/lib/sluice/source
  install -d -m 755 /var/lib/sluice "$stage"
  install -d -m 750 -o sluice -g sluice /var/lib/sluice/data
  rm -rf "$stage/conf" "$stage/signatures"
  cp -r conf signatures "$stage/"
  sed -i 's|^data_dir = .*|data_dir = /var/lib/sluice/data|' "$stage/conf/sluice.conf"
  chmod -R a+rX "$stage"
  conf=$stage/conf/sluice.conf
  echo "user sluice cannot read $PWD: running on a copy of conf/ and signatures/ in $stage"
  echo "(edit $conf there, then: sluicectl reload --config $conf)"
fi
echo "starting sluiced ($conf); Ctrl-C stops it"
exec ./build/sluiced --config "$conf" --stderr "$@"
