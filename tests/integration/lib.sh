# lib.sh - shared helpers for integration tests (sourced). Real processes on 127.0.0.1 only.
# Each test prints "ok <name>" or "FAIL <name>: why"; tests/run.sh counts them.
set -u
O2P_ROOT=${O2P_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
O2P_BIN=${O2P_BIN:-$O2P_ROOT/bin}
INTEROP=$O2P_ROOT/tests/interop
NODE=${NODE:-node}
PY=/usr/bin/python3
T_TMP=$(mktemp -d /tmp/o2p-it.XXXXXX)
T_PIDS=()
cleanup() {
    for p in "${T_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    # Under `make SAN=address,undefined test` the daemons' reports land in their logs.
    local reports
    reports=$(grep -rlE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T_TMP" 2>/dev/null)
    for f in $reports; do
        echo "FAIL sanitizer_report: $f"
        grep -m1 -A12 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"
    done
    [ -n "${KEEP_TMP:-}" ] && echo "kept $T_TMP" || rm -rf "$T_TMP"
}
trap cleanup EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
# check NAME EXPECTED ACTUAL [context]
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3' ${4:-}"; fi
}

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_receiver DATA_DIR [args...]: sets RECV_PID HTTP_PORT GRPC_PORT; waits for /ready.
start_receiver() {
    local dir=$1; shift
    HTTP_PORT=${HTTP_PORT_FIXED:-$(free_port)}
    GRPC_PORT=${GRPC_PORT_FIXED:-$(free_port)}
    mkdir -p "$dir"
    "$O2P_BIN/otlp2parquet-receiver" --data-dir "$dir" --http "127.0.0.1:$HTTP_PORT" \
        --grpc "127.0.0.1:$GRPC_PORT" "$@" >>"$dir/receiver.log" 2>&1 &
    RECV_PID=$!
    T_PIDS+=("$RECV_PID")
    wait_ready "$HTTP_PORT" || { echo "receiver did not become ready; log:"; tail -20 "$dir/receiver.log"; return 1; }
}

wait_ready() {
    for _ in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ready")" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}

# wait_exit PID SECS: its exit status, or 124 after SECS (then it is killed): a daemon that
# does not stop fails the test instead of hanging it.
wait_exit() {
    for _ in $(seq 1 $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
        sleep 0.1
    done
    kill -9 "$1"; wait "$1" 2>/dev/null
    return 124
}

stop_receiver() {
    kill -TERM "$RECV_PID" 2>/dev/null
    wait "$RECV_PID" 2>/dev/null
}

# spool_records DATA_DIR SIGNAL -> records held in the spool for SIGNAL
spool_records() {
    "$O2P_BIN/otlp2parquet" status --json --data-dir "$1" |
        $PY -c "import json,sys; print(json.load(sys.stdin)['spool']['$2']['records'])"
}

# queued DATA_DIR -> data files waiting in the files queue for the committer
queued() {
    "$O2P_BIN/otlp2parquet" status --json --data-dir "$1" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])"
}

# post PATH CONTENT_TYPE BODY_FILE [curl args...] -> prints "<http status>" and saves body to $T_TMP/resp
post() {
    local path=$1 ct=$2 body=$3; shift 3
    curl -s -o "$T_TMP/resp" -D "$T_TMP/headers" -w '%{http_code}' -H "Content-Type: $ct" \
        --data-binary "@$body" "$@" "http://127.0.0.1:$HTTP_PORT$path"
}

# fill_files_queue DIR N ROWS: receiver + writer fill DIR's files queue with N logs, N spans and
# some points from the real SDK exporter, in files of at most ROWS rows.
fill_files_queue() {
    local dir=$1 n=$2 rows=$3
    start_receiver "$dir" || { fail "receiver_start_$n" "see log"; exit 1; }
    $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count "$n" \
        --batch 100 --timeout 30000 --strict >"$dir/send.out" 2>&1 || fail "sdk_send_$n" "$(tail -3 "$dir/send.out")"
    stop_receiver
    "$O2P_BIN/otlp2parquet-writer" --data-dir "$dir" --set writer.max_file_rows="$rows" --set writer.poll_interval=50ms \
        --set writer.max_file_age=100ms >>"$dir/writer.log" 2>&1 &
    local wp=$!; T_PIDS+=($wp)
    for _ in $(seq 1 300); do
        [ "$(queued "$dir")" -gt 0 ] && [ "$(spool_records "$dir" logs)" = 0 ] && [ "$(spool_records "$dir" traces)" = 0 ] &&
            [ "$(spool_records "$dir" metrics)" = 0 ] && break
        sleep 0.1
    done
    kill -TERM $wp; wait $wp
}

# start_catalog NAME ARGS...: the project's REST test catalog (tests/catalog/rest_catalog.py) on a
# free port with its warehouse in $T_TMP/NAME; sets CAT_PORT, CAT_URL, CAT_PID; waits for health.
start_catalog() {
    local name=$1; shift
    CAT_PORT=$(free_port)
    CAT_URL=http://127.0.0.1:$CAT_PORT
    mkdir -p "$T_TMP/$name"
    $PY "$O2P_ROOT/tests/catalog/rest_catalog.py" --port "$CAT_PORT" --warehouse "$T_TMP/$name/wh" "$@" \
        >>"$T_TMP/$name/catalog.log" 2>&1 &
    CAT_PID=$!; T_PIDS+=("$CAT_PID")
    for _ in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$CAT_URL/admin/health")" = 200 ] && return 0
        sleep 0.05
    done
    echo "catalog $name did not start:"; tail -20 "$T_TMP/$name/catalog.log"
    return 1
}
