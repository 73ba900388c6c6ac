# Helpers for the quarantine tests (sourced after lib.sh): a free port, an
# SMTP sink (Postfix's smtp-sink, each message a file), sluiced started and
# stopped, throwaway users and groups. Everything started here is stopped by
# q_cleanup, which the tests run on exit, whatever happened.

q_pids=()
q_users=()
q_groups=()
q_mounts=()

q_cleanup() {
  local p u g
  for p in "${q_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${q_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  for u in "${q_mounts[@]}"; do umount "$u" 2>/dev/null || true; done
  for u in "${q_users[@]}"; do userdel "$u" 2>/dev/null || true; done
  for g in "${q_groups[@]}"; do groupdel "$g" 2>/dev/null || true; done
  rm -rf "$TMP"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # FILE PATTERN SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# sink_start DIR PORT [smtp-sink options]: messages land in DIR/msg.*
sink_pid=
sink_start() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  chmod 777 "$dir"
  smtp-sink -u nobody "$@" -d "$dir/msg." "127.0.0.1:$port" 64 &
  sink_pid=$!
  q_pids+=("$sink_pid")
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "smtp-sink did not start on port $port" >&2
  return 1
}

sink_stop() {
  [ -n "$sink_pid" ] || return 0
  kill "$sink_pid" 2>/dev/null || true
  wait "$sink_pid" 2>/dev/null || true
  sink_pid=
}

sink_count() { find "$1" -name 'msg.*' -type f 2>/dev/null | wc -l; }

# start_sluiced LOG ARGS...: sets sluiced_pid, waits for "ready"
sluiced_pid=
start_sluiced() {
  local log=$1
  shift
  "$SLUICED" "$@" --stderr 2>"$log" &
  sluiced_pid=$!
  q_pids+=("$sluiced_pid")
  wait_for "$log" " ready " 60
}

stop_sluiced() { # PID: TERM, then its exit status must be 0
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || return 1
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; return 1; fi
  wait "$pid" || rc=$?
  return "$rc"
}

# make_user NAME [GROUP]: a throwaway login-less user (removed by q_cleanup)
make_user() {
  useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${2:+-G "$2"} "$1"
  q_users+=("$1")
}

make_group() {
  groupadd "$1"
  q_groups+=("$1")
}

# The reference in one line of `sluicectl scan --json`.
json_ref() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["reference"] or "")'; }
