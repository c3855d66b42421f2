#!/usr/bin/env bash
# Start, stop, or run one command against the local test servers (Ceph RGW and moto).
#
#   scripts/servers.sh up           start both (RGW only where it can run), state in .run/
#   scripts/servers.sh down         stop both
#   scripts/servers.sh run CMD...   up, CMD with AURORA_TEST_*_ENV exported, down always;
#                                   exits with CMD's status
#
# RGW needs root and Ceph; without them it is skipped with one line, except under
# CI=true, where that is an error. PYTHON must have moto[server] (default: .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-.venv/bin/python}
RUN_DIR=${AURORA_RUN_DIR:-.run}
case "$RUN_DIR" in /*) ;; *) RUN_DIR="$PWD/$RUN_DIR" ;; esac
RGW_PORT=${RGW_PORT:-7480}
MOTO_PORT=${MOTO_PORT:-5000}

in_ci() {
    case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; esac
    return 1
}

up() {
    mkdir -p "$RUN_DIR"
    local reason
    if reason=$("$PYTHON" tests/servers/rgw.py check); then
        "$PYTHON" tests/servers/rgw.py start --dir "$RUN_DIR/rgw" --port "$RGW_PORT"
    elif in_ci; then
        echo "servers: RGW is required under CI but cannot run: ${reason#rgw: }" >&2
        return 1
    else
        echo "servers: RGW tests not run here: ${reason#rgw: }"
        rm -f "$RUN_DIR/rgw/env"
    fi
    "$PYTHON" tests/servers/moto_server.py start --dir "$RUN_DIR/moto" --port "$MOTO_PORT"
}

down() {
    local rc=0
    if [ -d "$RUN_DIR/rgw" ]; then
        "$PYTHON" tests/servers/rgw.py stop --dir "$RUN_DIR/rgw" || rc=1
    fi
    if [ -d "$RUN_DIR/moto" ]; then
        "$PYTHON" tests/servers/moto_server.py stop --dir "$RUN_DIR/moto" || rc=1
    fi
    return "$rc"
}

run() {
    local rc=0
    trap 'down; exit 130' INT TERM
    up || rc=$?
    if [ "$rc" -eq 0 ]; then
        if [ -f "$RUN_DIR/rgw/env" ]; then
            export AURORA_TEST_RGW_ENV="$RUN_DIR/rgw/env"
        fi
        export AURORA_TEST_MOTO_ENV="$RUN_DIR/moto/env"
        "$@" || rc=$?
    fi
    down || echo "servers: stopping failed; see $RUN_DIR" >&2
    trap - INT TERM
    return "$rc"
}

case "${1:-}" in
up) up ;;
down) down ;;
run)
    shift
    [ "$#" -gt 0 ] || { echo "usage: $0 run CMD..." >&2; exit 2; }
    run "$@"
    ;;
*)
    echo "usage: $0 up|down|run CMD..." >&2
    exit 2
    ;;
esac
