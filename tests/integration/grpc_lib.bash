# grpc_lib.bash - helpers sourced by tests/integration/grpc_*.sh (named .bash so tests/run.sh,
# which runs every *.sh, does not run it as a test).
# Env: O2P_ROOT (repo root), O2P_BIN (bin dir). Provides: $tmp, free_port, start_receiver,
# spool_records, check, cleanup via trap.
ROOT=${O2P_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${O2P_BIN:-$ROOT/bin}
PY=/usr/bin/python3
INTEROP=$ROOT/tests/interop
tmp=$(mktemp -d /tmp/o2p-grpc.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_receiver NAME DATA_DIR GRPC_PORT HTTP_PORT [extra args...] - sets RECEIVER_PID.
start_receiver() {
    local name=$1 dir=$2 gport=$3 hport=$4; shift 4
    "$BIN/otlp2parquet-receiver" --data-dir "$dir" --http "127.0.0.1:$hport" \
        --grpc "127.0.0.1:$gport" "$@" >"$tmp/$name.log" 2>&1 &
    RECEIVER_PID=$!
    pids+=("$RECEIVER_PID")
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$gport") 2>/dev/null; then return 0; fi
        if ! kill -0 "$RECEIVER_PID" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "FAIL start_$name: receiver did not listen on $gport"; tail -n 20 "$tmp/$name.log"
    return 1
}

# spool_records DATA_DIR SIGNAL - records in the spool for a signal (status --json).
spool_records() {
    "$BIN/otlp2parquet" status --json --data-dir "$1" 2>/dev/null |
        $PY -c 'import json,sys; print(json.load(sys.stdin)["spool"][sys.argv[1]]["records"])' "$2" 2>/dev/null ||
        echo "?"
}

# check NAME DATA_DIR SIGNAL WANT - compare the spool with what was acknowledged.
check() {
    local got; got=$(spool_records "$2" "$3")
    if [ "$got" = "$4" ]; then echo "ok $1"; else echo "FAIL $1: spool has $got $3 records, want $4"; fi
}

# stop_receiver NAME PID - SIGTERM, wait, and require a clean exit (status 0, no sanitizer
# report: leaks are reported at exit under SAN=address).
stop_receiver() {
    kill -TERM "$2" 2>/dev/null
    local rc=0
    for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    wait "$2" 2>/dev/null; rc=$?
    if [ "$rc" -ne 0 ]; then echo "FAIL $1_exit: receiver exited $rc"; tail -n 30 "$tmp/$1.log"; return; fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/$1.log"; then
        echo "FAIL $1_exit: sanitizer report"; grep -m5 -A15 -E 'Sanitizer|runtime error:' "$tmp/$1.log"; return
    fi
    echo "ok $1_clean_exit"
}

# receiver_healthy NAME PID - alive, and no sanitizer report in its log.
receiver_healthy() {
    if ! kill -0 "$2" 2>/dev/null; then echo "FAIL $1: receiver died"; tail -n 30 "$tmp/$1.log"; return; fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/$1.log"; then
        echo "FAIL $1: sanitizer report"; grep -m5 -A10 -E 'Sanitizer|runtime error:' "$tmp/$1.log"; return
    fi
    echo "ok $1"
}
