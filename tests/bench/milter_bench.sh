#!/usr/bin/env bash
# The milter benchmark (issue 7): not a test, a measurement. Postfix's
# smtp-source sends N messages over S parallel sessions through a private
# Postfix (in_flow_delay = 0s) to an smtp-sink, four ways, interleaved in
# every run so that the shared machine's ups and downs fall on all four:
#   none      no milter
#   null      bench_nullmilter, a libmilter milter that does nothing (the
#             limit for any milter here)
#   sluiced   the whole pipeline (release build)
#   clamav    clamav-milter + clamd on the same signatures (signatures/), with
#             its cache off and OnInfected Accept (its header says so)
#   base      with --baseline DIR: the sluiced of another build (say, main's),
#             to compare two versions in the same interleaved run
# first with clean mail (tests/bench/gen_milter_mail.py: about 30 KB of text,
# HTML and a PDF), then with mail that carries EICAR. Reports messages/s
# (median of the runs), the ratio to the do-nothing milter, the CPU seconds
# per message of the filter processes (sluiced and its PDF workers; clamd +
# clamav-milter), and sluiced's memory; with --rss N, sluiced's resident
# memory over N more messages (no growth expected).
#
# Usage (as root: private Postfix instances):
#   tests/bench/milter_bench.sh BUILD_DIR [-n MESSAGES] [-s SESSIONS] [-r RUNS] [--rss N] [--out FILE]
#                               [--baseline OTHER_BUILD_DIR]
# scripts/bench.sh --milter builds BUILD_DIR (release) and runs it.
# The 2 cores are saturated by Postfix and the load tools: only ratios inside
# one run mean anything. Check `uptime` first: run it on a quiet machine.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: milter_bench.sh BUILD_DIR [-n N] [-s S] [-r R] [--rss N] [--out FILE]}
shift
N=2000 S=20 R=5 RSS=0 OUT= BASE=
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    -s) S=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    --rss) RSS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --baseline) BASE=$2; shift 2 ;;
    *) echo "milter_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "milter_bench.sh: run it as root (private Postfix instances)" >&2; exit 2; }
for p in "$BUILD/sluiced" "$BUILD/tests/bench/bench_nullmilter" /usr/sbin/clamd /usr/sbin/clamav-milter \
  /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
  [ -x "$p" ] || { echo "milter_bench.sh: missing $p (scripts/deps.sh bench, then build)" >&2; exit 2; }
done
[ -z "$BASE" ] || [ -x "$BASE/sluiced" ] || { echo "milter_bench.sh: missing $BASE/sluiced" >&2; exit 2; }

TMP=$(mktemp -d)
chmod 755 "$TMP"
pids=()
cleanup() {
  pf_cleanup
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$TMP" "${SHM:-}"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
. "$SRC/tests/integration/postfix.sh"
cpu() { python3 "$SRC/tests/bench/proctime.py" cpu "$@"; }
say() { echo "$*" >&2; }

say "load before: $(uptime)"
python3 "$SRC/tests/bench/gen_milter_mail.py" "$TMP/mail"

# --- the sink and the four milters
sport=$(free_port)
smtp-sink -u nobody "127.0.0.1:$sport" 1024 &
pids+=($!)
wait_port "$sport"

nport=$(free_port)
"$BUILD/tests/bench/bench_nullmilter" "inet:$nport@127.0.0.1" &
null_pid=$!
pids+=("$null_pid")

# temporary files on a tmpfs for sluiced, clamd and clamav-milter alike (on
# ext4 libclamav's cost more than the scans: clamav.tmp_dir in sluice.conf)
SHM=$(mktemp -d /dev/shm/sluice-bench.XXXXXX)
chmod 755 "$SHM"
mkdir -p "$SHM/clamd"
chown nobody "$SHM/clamd"
# start_sluiced BUILD NAME: sets port and pid (same configuration for both builds)
start_sluiced() {
  port=$(free_port)
  mkdir -p "$TMP/$2" "$SHM/$2"
  chown nobody "$SHM/$2"
  "$1/sluiced" --config "$SRC/conf/sluice.conf" -o general.data_dir="$TMP/$2" -o general.user=nobody \
    -o milter.socket="inet:$port@127.0.0.1" -o clamav.database_dirs="$SRC/signatures" \
    -o clamav.tmp_dir="$SHM/$2" --stderr 2>"$TMP/$2.log" &
  pid=$!
  pids+=("$pid")
}
start_sluiced "$BUILD" sluiced
lport=$port sluiced_pid=$pid
if [ -n "$BASE" ]; then
  start_sluiced "$BASE" sluiced-base
  bport=$port base_pid=$pid
fi

# clamd and clamav-milter run as nobody: their sockets and logs in a folder of its own
mkdir -p "$TMP/clam/db"
cp "$SRC"/signatures/*.*db "$TMP/clam/db/"
chown -R nobody "$TMP/clam"
cat >"$TMP/clamd.conf" <<EOF
LocalSocket $TMP/clam/clamd.sock
LocalSocketMode 666
FixStaleSocket yes
User nobody
Foreground yes
DatabaseDirectory $TMP/clam/db
LogFile $TMP/clam/clamd.log
LogFileUnlock yes
TemporaryDirectory $SHM/clamd
# the benchmark sends one message again and again: no answers from the cache
# (real mail rarely repeats; sluiced has libclamav's cache off too)
DisableCache yes
MaxThreads 12
MaxConnectionQueueLength 64
ScanMail yes
ScanArchive yes
ScanPE yes
ScanELF yes
ScanOLE2 yes
ScanPDF yes
ScanHTML yes
AlertBrokenExecutables yes
AlertEncrypted yes
AlertOLE2Macros yes
MaxScanSize 400M
MaxFileSize 100M
MaxRecursion 17
MaxFiles 10000
MaxScanTime 120000
SelfCheck 0
EOF
clamd -c "$TMP/clamd.conf" >/dev/null 2>&1 &
clamd_pid=$!
pids+=("$clamd_pid")
for _ in $(seq 300); do [ -S "$TMP/clam/clamd.sock" ] && break; sleep 0.1; done
[ -S "$TMP/clam/clamd.sock" ] || { say "clamd did not start:"; tail -5 "$TMP/clam/clamd.log" >&2; exit 1; }
cport=$(free_port)
cat >"$TMP/clamav-milter.conf" <<EOF
MilterSocket inet:$cport@127.0.0.1
ClamdSocket unix:$TMP/clam/clamd.sock
User nobody
Foreground yes
OnClean Accept
# Accept (with its X-Virus-Status header) rather than Reject: smtp-source stops
# at the first refusal, and in every setup each message should reach the sink
OnInfected Accept
AddHeader Replace
LogFile $TMP/clam/clamav-milter.log
LogFileUnlock yes
TemporaryDirectory $SHM/clamd
MaxFileSize 100M
EOF
clamav-milter -c "$TMP/clamav-milter.conf" >/dev/null 2>&1 &
cmilter_pid=$!
pids+=("$cmilter_pid")
wait_port "$nport"
wait_port "$lport"
wait_port "$cport"
for _ in $(seq 600); do grep -q " ready " "$TMP/sluiced.log" && break; sleep 0.1; done
if [ -n "$BASE" ]; then
  wait_port "$bport"
  for _ in $(seq 600); do grep -q " ready " "$TMP/sluiced-base.log" && break; sleep 0.1; done
fi
modes=(none null sluiced clamav)
[ -z "$BASE" ] || modes+=(base)

declare -A PORT DIR FILTER
for m in "${modes[@]}"; do
  case $m in
    none) milter= ; FILTER[$m]= ;;
    null) milter="inet:127.0.0.1:$nport"; FILTER[$m]="$null_pid" ;;
    sluiced) milter="inet:127.0.0.1:$lport"; FILTER[$m]="$sluiced_pid" ;;
    clamav) milter="inet:127.0.0.1:$cport"; FILTER[$m]="$clamd_pid $cmilter_pid" ;;
    base) milter="inet:127.0.0.1:$bport"; FILTER[$m]="$base_pid" ;;
  esac
  pf_start "$TMP/pf-$m" "$milter" "$sport" "default_process_limit = 200" >/dev/null
  PORT[$m]=$PF_PORT
  DIR[$m]=$PF_DIR
done

# run MODE MAIL: one batch; prints "mail mode msgs/s cpu_s/msg"
sent() { grep -c "status=sent" "${DIR[$1]}/postfix.log" || true; }
run() {
  local m=$1 mail=$2 c0 c1 t0 t1 s0 s1
  s0=$(sent "$m")
  c0=$(cpu ${FILTER[$m]:-0})
  t0=$(date +%s.%N)
  smtp-source -d -s "$S" -m "$N" -f customer@example.net -t agent@contact-center.example \
    -F "$TMP/mail/mail_$mail.eml" "127.0.0.1:${PORT[$m]}" >/dev/null 2>&1 || say "smtp-source ($m) failed"
  pf_wait_drained 900 "${DIR[$m]}" || say "the $m queue did not drain"
  t1=$(date +%s.%N)
  c1=$(cpu ${FILTER[$m]:-0})
  sleep 0.2
  s1=$(sent "$m")
  [ $((s1 - s0)) = "$N" ] || say "WARNING: $m delivered $((s1 - s0)) of $N messages: this run does not count"
  python3 -c "import sys; n=$N; t=$t1-$t0; print('$mail $m %.1f %.6f' % (n / t, ($c1 - $c0) / n))"
}

: >"$TMP/results"
# one warm-up batch each (caches, worker processes, the store)
for m in "${modes[@]}"; do N_SAVE=$N; N=100; run "$m" clean >/dev/null; N=$N_SAVE; done
for mail in clean eicar; do
  for ((r = 0; r < R; r++)); do
    for ((k = 0; k < ${#modes[@]}; k++)); do
      m=${modes[$(((k + r) % ${#modes[@]}))]}
      line=$(run "$m" "$mail")
      say "run $((r + 1))/$R: $line"
      echo "$line" >>"$TMP/results"
    done
  done
done
read -r rss hwm < <(python3 "$SRC/tests/bench/proctime.py" rss "$sluiced_pid")
echo "rss $rss $hwm $((N * R * 2 + 400))" >>"$TMP/results"

if [ "$RSS" -gt 0 ]; then
  # sluiced alone, RSS messages in ten steps, alternating clean and EICAR mail
  step=$((RSS / 10))
  sent=0
  for i in $(seq 1 10); do
    mail=clean
    [ $((i % 2)) = 0 ] && mail=eicar
    smtp-source -d -s "$S" -m "$step" -f customer@example.net -t agent@contact-center.example \
      -F "$TMP/mail/mail_$mail.eml" "127.0.0.1:${PORT[sluiced]}" >/dev/null 2>&1 || say "smtp-source failed"
    pf_wait_drained 3600 "${DIR[sluiced]}" || say "the queue did not drain"
    sent=$((sent + step))
    read -r rss hwm < <(python3 "$SRC/tests/bench/proctime.py" rss "$sluiced_pid")
    say "rss after $sent more messages: VmRSS $rss KiB, VmHWM $hwm KiB"
    echo "rssstep $sent $rss $hwm" >>"$TMP/results"
  done
fi
say "load after: $(uptime)"
grep -c "verdict=" "$TMP/sluiced.log" >"$TMP/scanned" || true

python3 - "$TMP/results" "$N" "$S" "$R" "$(nproc)" "$BASE" <<'PY' | tee ${OUT:+"$OUT"}
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n, s, r, cores = sys.argv[2:6]
names = {"none": "no milter", "null": "do-nothing milter (libmilter)", "sluiced": "sluiced",
         "clamav": "clamav-milter + clamd"}
if sys.argv[6]:
    names["base"] = "sluiced of %s (baseline)" % sys.argv[6]
print("%s messages over %s sessions per batch, %s interleaved runs, %s cores" % (n, s, r, cores))
print()
for mail, title in (("clean", "clean mail (about 30 KB: text, HTML, a PDF)"), ("eicar", "every message carries EICAR")):
    rate = {m: statistics.median(float(x[2]) for x in rows if x[0] == mail and x[1] == m) for m in names}
    cpu = {m: statistics.median(float(x[3]) for x in rows if x[0] == mail and x[1] == m) for m in names}
    print("%s:" % title)
    print()
    print("| setup | messages/s | × do-nothing | filter CPU ms/message |")
    print("| --- | ---: | ---: | ---: |")
    for m, label in names.items():
        print("| %s | %.0f | %.2f | %s |" % (label, rate[m], rate[m] / rate["null"],
                                           "-" if m == "none" else "%.2f" % (cpu[m] * 1000)))
    print()
for x in rows:
    if x[0] == "rss":
        print("sluiced after %s messages: VmRSS %.0f MiB, peak (VmHWM) %.0f MiB" % (x[3], int(x[1]) / 1024, int(x[2]) / 1024))
steps = [x for x in rows if x[0] == "rssstep"]
if steps:
    print("sluiced over %s more messages (VmRSS / VmHWM, MiB): %s" % (
        steps[-1][1], ", ".join("%s: %.0f/%.0f" % (x[1], int(x[2]) / 1024, int(x[3]) / 1024) for x in steps)))
PY
