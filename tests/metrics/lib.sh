# lib.sh — helpers for the metrics tests (sourced after tests/train/lib.sh's conventions: $1 nash,
# $2 source directory, $WORK, check/ok/fail/finish). Every process a test starts is tracked by
# PID and ended by `stop_all` on exit, never by name.
. "$(dirname "${BASH_SOURCE[0]}")/../train/lib.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import zmq' 2>/dev/null; then
    echo "SKIP: $PY cannot import zmq (Debian python3-zmq; cluster/install-deps.sh installs it)"
    exit 0
fi
STARTED=()
stop_all() {
    local pid
    for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap stop_all EXIT

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_gone PID SECONDS: true when PID has exited within SECONDS.
wait_gone() {
    for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}
# wait_for SECONDS COMMAND...: true when COMMAND succeeds within SECONDS (tried every 0.2 s).
wait_for() {
    local limit=$(($1 * 5))
    shift
    for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.2; done
    return 1
}
