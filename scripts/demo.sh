#!/usr/bin/env bash
# Run examples/quickstart.py against $AWS_ENDPOINT_URL, or else against a throwaway
# Ceph RGW on 127.0.0.1 that is removed afterwards. Standard library only: the
# example runs on the plain interpreter with the repository on PYTHONPATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
DEMO_DIR=${AURORA_RUN_DIR:-.run}/demo-rgw
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    echo "demo: using AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
    exec "$PYTHON" examples/quickstart.py
fi

if ! reason=$("$PYTHON" tests/servers/rgw.py check); then
    echo "demo: cannot start a local RGW (${reason#rgw: }); set AWS_ENDPOINT_URL," \
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to use another server" >&2
    exit 1
fi

rc=0
trap '"$PYTHON" tests/servers/rgw.py stop --dir "$DEMO_DIR" >/dev/null; exit 130' INT TERM
"$PYTHON" tests/servers/rgw.py start --dir "$DEMO_DIR" --port 0 || rc=$?
if [ "$rc" -eq 0 ]; then
    (
        set -a
        # shellcheck disable=SC1091
        . "$DEMO_DIR/env"
        set +a
        "$PYTHON" examples/quickstart.py
    ) || rc=$?
fi
"$PYTHON" tests/servers/rgw.py stop --dir "$DEMO_DIR" || true
exit "$rc"
