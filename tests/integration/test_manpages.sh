#!/usr/bin/env bash
# The manual pages stay true: sluice.conf(5) names every key of the schema
# (sluicectl config check --dump) with its default and no key the schema does
# not know; sluiced(8) names every option of sluiced --help; sluicectl(8)
# every command of sluicectl --help; cmake --install puts the pages under
# share/man and sluiced under sbin; groff reads them without a warning.
. "$(dirname "$0")/lib.sh"
M=$SRC/man

rc=0
python3 - "$M/sluice.conf.5" "$SLUICECTL" "$SRC" <<'PY' >"$TMP/keys.out" 2>&1 || rc=$?
import re, subprocess, sys
man = open(sys.argv[1], encoding="utf-8").read()
documented = {}
for k, v in re.findall(r'^\\fB([a-z_]+\.[a-z_0-9]+)\\fR = \\fI(.*?)\\fR$', man, re.M):
    documented[k] = v.replace("\\-", "-").replace("\\e", "\\")
# From the source tree: the default signature folder (relative) must exist
# for the check to pass, and a dump that fails would check nothing.
dump = subprocess.run([sys.argv[2], "config", "check", "--dump", "--config", "/dev/null"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=sys.argv[3])
if dump.returncode != 0 or not dump.stdout.strip():
    print("config check --dump failed (%d): %s" % (dump.returncode, dump.stderr.strip()))
    sys.exit(1)
effective = dict(l.split(" = ", 1) if " = " in l else (l.rstrip(" ="), "") for l in dump.stdout.splitlines())
bad = 0
def same(k, page, value):
    """The page's default is the effective one (paths resolved against /dev,
    the directory of /dev/null, the config file of the dump)."""
    page = "" if page == "(empty)" else page
    if k == "general.base_dir":
        return page == "." and value == "/dev"
    a, b = value.split(";"), page.split(";")
    return value == page or (len(a) == len(b) and all(x == y or x.endswith("/" + y) for x, y in zip(a, b)))

for k, v in effective.items():
    if k not in documented:
        print("not in sluice.conf(5): %s" % k); bad += 1
    elif not same(k, documented[k], v):
        print("default of %s: the page says %r, the schema %r" % (k, documented[k], v)); bad += 1
# keys the dump hides (secrets) must still be keys the schema knows
for k in documented:
    if k not in effective:
        r = subprocess.run([sys.argv[2], "config", "check", "--config", "/dev/null", "-o", k + "="],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if "unknown" in r.stderr:
            print("sluice.conf(5) names a key the schema does not know: %s" % k); bad += 1
print("%d keys documented, %d problems" % (len(documented), bad))
sys.exit(1 if bad or not documented else 0)
PY
cat "$TMP/keys.out"
check "sluice.conf(5): every key with its default, nothing else" test "$rc" = 0

"$SLUICED" --help >"$TMP/sluiced.help"
for opt in $(grep -o -- '--[a-z-]*' "$TMP/sluiced.help" | sort -u) -o; do
  check "sluiced(8) names $opt" grep -q -- "$(sed 's/-/\\\\-/g' <<<"$opt")" "$M/sluiced.8"
done
"$SLUICECTL" --help >"$TMP/sluicectl.help"
for cmd in scan "config check" "link decode" "quarantine list" "quarantine show" "quarantine release" \
  "quarantine delete" "quarantine purge" "outbox list" "outbox retry" reload "store init"; do
  check "sluicectl --help lists $cmd" grep -q "${cmd%% *}" "$TMP/sluicectl.help"
  check "sluicectl(8) describes $cmd" grep -q "^\.B sluicectl $cmd" "$M/sluicectl.8"
done
for p in "$M"/*.[58]; do
  check "groff reads $(basename "$p") without a warning" test -z "$(groff -ww -man -z "$p" 2>&1)"
done
cmake --install "$BUILD" --prefix "$TMP/inst" >/dev/null
check "installed: sluiced(8)" test -f "$TMP/inst/share/man/man8/sluiced.8"
check "installed: sluicectl(8)" test -f "$TMP/inst/share/man/man8/sluicectl.8"
check "installed: sluice.conf(5)" test -f "$TMP/inst/share/man/man5/sluice.conf.5"
check "installed: sluiced in sbin" test -x "$TMP/inst/sbin/sluiced"
check "installed: sluicectl in bin" test -x "$TMP/inst/bin/sluicectl"
finish
