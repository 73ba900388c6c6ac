#!/usr/bin/env bash
# Check the project's ClamAV signatures (signatures/) against the payloads here:
# every smuggling_*.html and eicar*.com must be detected, every clean_*.html not.
# Needs clamscan. Prints "N passed, M failed"; exits 1 on any failure.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sigs="${1:-$here/../../../signatures}"
pass=0; fail=0
check() {  # file want(found|clean)
  local out; out="$(clamscan --no-summary -d "$sigs" "$1" 2>&1)"
  case "$out" in *" FOUND"*) got=found ;; *": OK"*) got=clean ;; *) got="error: $out" ;; esac
  if [ "$got" = "$2" ]; then pass=$((pass+1)); echo "ok $(basename "$1")"
  else fail=$((fail+1)); echo "FAIL $(basename "$1"): $got, want $2"; fi
}
for f in "$here"/eicar*.com "$here"/winmail.dat "$here"/html/smuggling_*.html; do check "$f" found; done
for f in "$here"/html/clean_*.html "$here"/invoice.pdf "$here"/plain.docx "$here"/pe32.exe; do check "$f" clean; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
