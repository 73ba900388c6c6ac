#!/usr/bin/env bash
# cmake --install as a packager runs it, into a scratch prefix: the programs,
# the manual pages, the systemd unit, the signatures and templates under
# DATADIR/sluice, and SYSCONFDIR/sluice/sluice.conf pointing at them (data
# under LOCALSTATEDIR/lib/sluice). The installed sluicectl, given only the
# installed configuration, checks it, finds the project's signatures and
# keeps what it holds in the installed data directory; a second install
# keeps the administrator's sluice.conf and writes sluice.conf.dist.
. "$(dirname "$0")/lib.sh"

P=$TMP/prefix
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; exit 1; }
C=$P/etc/sluice/sluice.conf
for f in bin/sluicectl sbin/sluiced share/man/man8/sluiced.8 share/man/man8/sluicectl.8 \
  share/man/man5/sluice.conf.5 lib/systemd/system/sluiced.service lib/sysusers.d/sluice.conf \
  lib/tmpfiles.d/sluice.conf share/sluice/signatures/sluice.ndb \
  share/sluice/signatures/urls/blocklist.txt share/sluice/conf/placeholder.txt \
  share/sluice/conf/safelinks/en/block.html share/sluice/conf/postfix/main.cf.snippet \
  share/doc/sluice/README.md etc/sluice/sluice.conf; do
  check "installed $f" test -e "$P/$f"
done
check "sluice.conf is not world-readable" test "$(stat -c %a "$C")" = 640
check "base_dir is the installed data" grep -qx "base_dir = $P/share/sluice" "$C"
check "data_dir is under var/lib" grep -qx "data_dir = $P/var/lib/sluice" "$C"
check "every key still documented" test "$(grep -c '^[a-z_]* =' "$C")" = "$(grep -c '^[a-z_]* =' "$CONF")"
check "the unit leaves data_dir to sluice.conf" bash -c "! grep -q 'general.data_dir' '$P/lib/systemd/system/sluiced.service'"

out=$("$P/bin/sluicectl" config check --config "$C" 2>&1)
check "installed config checks" grep -q ": ok" <<<"$out"
set +e
out=$("$P/bin/sluicectl" scan --json --config "$C" "$SRC/tests/data/email/virus_eicar_base64.eml" 2>"$TMP/err")
rc=$?
set -e
check "scan with the installed config finds EICAR (exit 1)" test "$rc" = 1
check "by the project's own signature (installed)" grep -q 'Sluice.Test.EICAR' <<<"$out"
ref=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["reference"] or "")' <<<"$out")
check "kept under a reference" test -n "$ref"
check "the store is in the installed data_dir" test -e "$P/var/lib/sluice/quarantine.db"

echo "# an administrator's change" >>"$C"
cmake --install "$BUILD" --prefix "$P" >"$TMP/install2.log" 2>&1
check "reinstall keeps sluice.conf" grep -q "an administrator's change" "$C"
check "reinstall writes sluice.conf.dist" test -e "$P/etc/sluice/sluice.conf.dist"
check "reinstall says so" grep -q "Keeping" "$TMP/install2.log"
finish
