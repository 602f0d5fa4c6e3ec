#!/bin/bash
# The whole embedded pipeline: `otlp2parquet run` receives from the real OpenTelemetry SDK
# exporters (http/protobuf, http/json, grpc), writers drain the spool, the committer commits;
# SIGTERM drains everything and exits 0; the Iceberg tables then read back with icebird
# (a third-party Iceberg reader) with every record exactly once; status and /metrics cover
# every stage while it runs.
. "$(dirname "$0")/lib.sh"
D=$T_TMP/data
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --writers 2 --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set writer.max_file_age=300ms --set writer.poll_interval=100ms --set committer.interval=500ms \
    >"$T_TMP/run.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" && ok run_ready || { fail run_ready "$(tail -20 "$T_TMP/run.log")"; exit 0; }
grep -q "send OTLP to http://127.0.0.1:$HTTP_PORT" "$T_TMP/run.log" && ok run_prints_where_to_send || fail run_prints_where_to_send "no banner"

N=400
for proto in http/protobuf http/json grpc; do
    port=$HTTP_PORT; [ $proto = grpc ] && port=$GRPC_PORT
    $NODE "$INTEROP/otel-send.mjs" --protocol $proto --endpoint "http://127.0.0.1:$port" --count $N --batch 100 \
        --strict >"$T_TMP/send.out" 2>&1 && ok "sdk_$proto" || fail "sdk_$proto" "$(tail -2 "$T_TMP/send.out")"
done

# While running: every stage shows up in status and /metrics.
for _ in $(seq 1 100); do
    rows=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" | $PY -c "import json,sys; print(json.load(sys.stdin)['tables']['logs']['rows'])" 2>/dev/null)
    [ "${rows:-0}" = $((3 * N)) ] && break
    sleep 0.1
done
check_eq status_tables_rows_while_running $((3 * N)) "${rows:-}"
"$O2P_BIN/otlp2parquet" status --json --data-dir "$D" | $PY -c "
import json,sys; s=json.load(sys.stdin)
for k in ('spool','claims','files','quarantine','tables'): assert k in s, k
for sig in ('logs','traces','metrics'): assert {'records','bytes','oldest_age_s'} <= set(s['spool'][sig]), sig
t = s['tables']['traces']; assert t['exists'] and t['snapshot_id'] > 0 and t['last_commit_ms'] > 0, t
" && ok status_covers_every_stage || fail status_covers_every_stage "status --json lacks a stage"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$T_TMP/metrics"
for m in o2p_receiver_requests_total o2p_receiver_records_total o2p_group_commit_batches_total o2p_receiver_ack_seconds_bucket \
         o2p_spool_records o2p_spool_oldest_age_seconds o2p_spool_claims o2p_spool_files_queued o2p_spool_quarantined \
         o2p_writer_records_total o2p_writer_claims_total o2p_committer_snapshots_total o2p_committer_queued_files; do
    grep -q "^$m" "$T_TMP/metrics" || missing="${missing:-} $m"
done
[ -z "${missing:-}" ] && ok metrics_cover_every_stage || fail metrics_cover_every_stage "missing:$missing"

kill -TERM $RUN_PID
for _ in $(seq 1 300); do kill -0 $RUN_PID 2>/dev/null || break; sleep 0.1; done
wait $RUN_PID; rc=$?
check_eq sigterm_exit_0 0 "$rc"
grep -q 'op=stop.*order=receiver,writers,committer' "$T_TMP/run.log" && ok sigterm_drain_order || fail sigterm_drain_order "no drain line"

# Everything landed: spool empty, files queue empty, tables hold each record once.
s=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D")
check_eq drained_spool_and_queue "0 0 0 0" "$(echo "$s" | $PY -c "
import json,sys; s=json.load(sys.stdin); print(*[s['spool'][k]['records'] for k in ('logs','traces','metrics')], s['files']['queued'])")"
W=$D/warehouse/otel
for t in logs traces; do
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$W/$t" --rows 0 2>&1)
    echo "$out" | grep -q "^icebird read $((3 * N)) rows" && echo "$out" | tail -1 | grep -q '^OK' \
        && ok "icebird_${t}_rows" || fail "icebird_${t}_rows" "$(echo "$out" | tail -3)"
done
total=0
for t in metrics_gauge metrics_sum metrics_histogram metrics_exponential_histogram; do
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$W/$t" --rows 0 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | tail -1 | grep -q '^OK' || fail "icebird_$t" "$(echo "$out" | tail -3)"
    total=$((total + ${n:-0}))
done
check_eq icebird_metric_points $((3 * 13)) "$total"
q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*), count(DISTINCT span_id) FROM read_parquet('$W/traces/data/*/*.parquet')")
check_eq traces_exactly_once "[\"$((3 * N))\",\"$((3 * N))\"]" "$q"

# catalog.type=none: plain Parquet in Hive-style directories, the files queue is retired.
D2=$T_TMP/plain
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$D2" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set catalog.type=none --set writer.max_file_age=200ms >"$T_TMP/run2.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" || { fail none_ready "$(tail -5 "$T_TMP/run2.log")"; exit 0; }
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 200 --batch 100 \
    --signals logs --strict >/dev/null 2>&1 || fail none_send "SDK export failed"
kill -TERM $RUN_PID; wait $RUN_PID
check_eq none_exit_0 0 "$?"
check_eq none_files_queue_retired 0 "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D2" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")"
q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*) FROM read_parquet('$D2/warehouse/otel/logs/data/timestamp_day=*/*.parquet', hive_partitioning=true)")
check_eq none_hive_parquet_rows '["200"]' "$q"
[ ! -d "$D2/warehouse/otel/logs/metadata" ] && ok none_no_iceberg_metadata || fail none_no_iceberg_metadata "metadata written"

# catalog.table_prefix: the tables are app1_logs, ... in the catalog and the warehouse.
D3=$T_TMP/prefixed
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$D3" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set catalog.table_prefix=app1_ --set writer.max_file_age=200ms --set committer.interval=200ms >"$T_TMP/run3.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" || { fail prefix_ready "$(tail -5 "$T_TMP/run3.log")"; exit 0; }
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 100 --batch 100 \
    --signals logs --strict >/dev/null 2>&1 || fail prefix_send "SDK export failed"
kill -TERM $RUN_PID; wait $RUN_PID
out=$($NODE "$INTEROP/iceberg-read.mjs" "$D3/warehouse/otel/app1_logs" --rows 0 2>&1)
echo "$out" | grep -q '^icebird read 100 rows' && ok prefix_table_name || fail prefix_table_name "$(echo "$out" | tail -2)"
