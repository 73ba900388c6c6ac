# A private Postfix for the tests (sourced after lib.sh and quarantine_lib.sh).
#
#   pf_start DIR MILTER SINK_PORT [main.cf lines...]
#       writes DIR/etc/{main,master}.cf and starts an instance of its own:
#       config in DIR/etc, queue in DIR/queue, log in DIR/postfix.log; smtpd
#       on a free loopback port (PF_PORT) with smtpd_milters = MILTER ("" for
#       none), milter_default_action = tempfail, milter_protocol = 6; every
#       message relayed to [127.0.0.1]:SINK_PORT (an smtp-sink); no DNS, no
#       local delivery, deferred mail retried within seconds. Extra lines
#       are appended to main.cf (the last setting of a key wins).
#   pf_stop            stops it (pf_cleanup stops every instance started:
#                      call it from the EXIT trap)
#   pf_flush [DIR]     postqueue -f: try the deferred mail again now
#   pf_queue_count [DIR]  messages in the queue (0 when drained)
#   pf_wait_drained S [DIR]  waits up to S seconds for an empty queue
# Several instances may run at once (a front that queues, a back with the
# milter): PF_DIR and PF_PORT are the last one started; keep them per
# instance, and give DIR to the functions above.
#   pf_send FILE [RCPT...]   sends FILE over SMTP (Python smtplib) to PF_PORT;
#       prints the server's answer to the end of data as "CODE TEXT" and
#       succeeds when it was 250
#
# Traps this avoids (TESTING-NOTES.md): the log file must be under
# maillog_file_prefixes; the postfix command prints nothing without a tty;
# chroot is off for every service (no copies of /etc inside the queue);
# in_flow_delay = 0s (a milter that rejects would slow the client down);
# local_header_rewrite_clients is empty (Postfix would otherwise add From,
# Date and Message-ID fields and qualify addresses for a client on 127.0.0.1:
# what arrives would not be what was sent); header_size_limit is raised so
# that the corpus's 1 MB header field reaches the milter whole.

PF_DIR=
PF_PORT=
PF_DIRS=()

pf_kill() { # DIR
  local pid
  postfix -c "$1/etc" abort >/dev/null 2>&1 || true
  pid=$(cat "$1/queue/pid/master.pid" 2>/dev/null | tr -d ' ') || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

pf_cleanup() {
  local d
  for d in "${PF_DIRS[@]}"; do pf_kill "$d"; done
  PF_DIRS=()
  PF_DIR=
}

pf_start() {
  local dir=$1 milter=$2 sink=$3
  shift 3
  PF_DIR=$dir
  PF_PORT=$(free_port)
  PF_DIRS+=("$dir")
  mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
  chmod 755 "$dir" "$dir/etc"
  chown postfix "$dir/data"
  cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/postfix.log
maillog_file_prefixes = $dir
myhostname = mx.sluice-test.invalid
mydomain = sluice-test.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$sink
default_transport = smtp
relay_transport = smtp
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_peername_lookup = no
smtp_connect_timeout = 5s
in_flow_delay = 0s
local_header_rewrite_clients =
header_size_limit = 4194304
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_milters = $milter
non_smtpd_milters = $milter
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
milter_command_timeout = 30s
milter_content_timeout = 60s
message_size_limit = 100000000
biff = no
EOF
  local line
  for line in "$@"; do printf '%s\n' "$line" >>"$dir/etc/main.cf"; done
  cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  if ! postfix -c "$dir/etc" check >"$dir/check.out" 2>&1; then
    echo "postfix check failed:" >&2
    cat "$dir/check.out" >&2
    return 1
  fi
  if ! script -qec "postfix -c '$dir/etc' start" /dev/null >"$dir/start.out" 2>&1; then
    echo "postfix did not start:" >&2
    cat "$dir/start.out" "$dir/postfix.log" >&2 2>/dev/null
    return 1
  fi
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PF_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "postfix smtpd did not listen on $PF_PORT" >&2
  cat "$dir/postfix.log" >&2 2>/dev/null
  return 1
}

pf_stop() {
  [ -n "$PF_DIR" ] || return 0
  postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || true
  pf_kill "$PF_DIR"
}

pf_flush() { postqueue -c "${1:-$PF_DIR}/etc" -f >/dev/null 2>&1 || true; }

pf_queue_count() {
  local d=${1:-$PF_DIR}
  find "$d/queue/incoming" "$d/queue/active" "$d/queue/deferred" \
    "$d/queue/hold" "$d/queue/maildrop" -type f 2>/dev/null | wc -l
}

pf_wait_drained() {
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    [ "$(pf_queue_count "${2:-$PF_DIR}")" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# pf_send FILE [RCPT...]: the answer to the end of data on stdout ("250 2.0.0 Ok: ...").
pf_send() {
  local file=$1
  shift
  python3 "$SRC/tests/integration/smtp_send.py" --port "$PF_PORT" --from customer@example.net \
    "$file" "${@:-agent@contact-center.example}"
}
