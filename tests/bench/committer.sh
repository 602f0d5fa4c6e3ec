#!/bin/bash
# bench committer: commit latency and files per second for 100-file commits, on the filesystem
# catalog and on the project's REST test catalog (tests/catalog/rest_catalog.py, on loopback).
# The files queue is filled by the real receiver and writer: BENCH_COMMIT_FILES data files.
. "$(dirname "$0")/lib.sh"
FILES=${BENCH_COMMIT_FILES:-1000}
SRC=$B_TMP/src
hp=$(free_port)
"$O2P_BIN/otlp2parquet-receiver" --data-dir "$SRC" --http "127.0.0.1:$hp" --grpc "" >"$B_TMP/recv.log" 2>&1 &
pid=$!; B_PIDS+=($pid)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hp/ready" >/dev/null && break; sleep 0.05; done
h2load --h1 -t 1 -c 4 -n "$FILES" -d "$INTEROP/fixtures/logs.pb" -H "content-type: application/x-protobuf" \
    "http://127.0.0.1:$hp/v1/logs" >/dev/null 2>&1
kill -TERM $pid; wait $pid
# One claim (so one data file) per spooled request of 10 records.
"$O2P_BIN/otlp2parquet-writer" --data-dir "$SRC" --set writer.max_file_rows=10 --set writer.max_file_age=10ms \
    --set writer.poll_interval=10ms >"$B_TMP/writer.log" 2>&1 &
pid=$!; B_PIDS+=($pid)
for _ in $(seq 1 600); do
    "$O2P_BIN/otlp2parquet" spool stat --data-dir "$SRC" | grep -q '^logs records=0 ' && break; sleep 0.1
done
kill -TERM $pid; wait $pid
queued=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$SRC" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")

run_committer() { # name extra-args...
    local name=$1; shift
    local D=$B_TMP/$name
    mkdir -p "$D"; cp -r "$SRC/spool" "$D/"
    local t0 t1
    t0=$(date +%s.%N)
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$D" --set committer.max_files_per_commit=100 \
        --set committer.interval=10ms "$@" >"$D/committer.log" 2>&1 &
    local c=$!; B_PIDS+=($c)
    for _ in $(seq 1 1200); do
        [ "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" "$@" 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")" = 0 ] && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    kill -TERM $c; wait $c
    local commits
    commits=$(grep -c 'op=commit ' "$D/committer.log")
    $PY -c "
import re, datetime
ts = [datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S.%fZ') for m in
      (re.search(r'ts=(\S+) .*op=commit ', l) for l in open('$D/committer.log')) if m]
span = (ts[-1] - ts[0]).total_seconds() if len(ts) > 1 else 0
per = span / (len(ts) - 1) if len(ts) > 1 else float('nan')
print(f'bench committer catalog=$name files={$queued} commits=$commits files_per_commit=100 '
      f'commit_latency_ms={per * 1000:.1f} files/s={$queued / ($t1 - $t0):,.0f} wall_s={$t1 - $t0:.2f}')"
}
run_committer filesystem
CAT_PORT=$(free_port)
$PY "$O2P_ROOT/tests/catalog/rest_catalog.py" --port "$CAT_PORT" --warehouse "$B_TMP/restwh" --keep-ids \
    >"$B_TMP/catalog.log" 2>&1 &
B_PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CAT_PORT/admin/health" >/dev/null && break; sleep 0.05; done
run_committer rest --set catalog.type=rest --set "catalog.uri=http://127.0.0.1:$CAT_PORT" \
    --set "catalog.warehouse=file://$B_TMP/restwh"
