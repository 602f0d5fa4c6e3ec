#!/bin/bash
# The AnyValue nesting limit (OTLP_MAX_ANY_DEPTH = 64) end to end, with decode threads (the
# default) and on the loop thread (receiver.decode_threads=1):
#   - protobuf requests nested 5,000 and 100,000 levels (which overflowed protobuf-c's stack
#     and killed the receiver) get 400 / INVALID_ARGUMENT over HTTP and gRPC, nothing is
#     spooled, and the receiver keeps serving;
#   - the limit is the same for OTLP/JSON and protobuf: 64 levels pass, 65 fail, both formats;
#   - a record over the limit already in the spool (appended directly, as an older receiver
#     could have spooled it) is quarantined by the writer with its reason, and the records
#     around it are written.
. "$(dirname "$0")/lib.sh"
NEST=$O2P_ROOT/tests/integration/otlp_nest.py

for d in 5000 100000; do
    for s in logs traces; do
        $PY "$NEST" --signal $s --levels $d --kvlist $((d % 2 == 0 && d > 5000)) >"$T_TMP/$s-$d.pb"
        $PY "$NEST" --signal $s --levels $d --format grpc >"$T_TMP/$s-$d.grpc"
    done
done
for d in 64 65; do
    for f in pb json; do $PY "$NEST" --signal logs --levels $d --format $f >"$T_TMP/logs-$d.$f"; done
    $PY "$NEST" --signal traces --levels $d --kvlist 1 >"$T_TMP/traces-$d.pb"
done

# grpc_export PORT SIGNAL FILE -> the grpc-status of one Export call (curl, h2c)
grpc_export() {
    local svc
    case $2 in logs) svc=logs.v1.LogsService ;; traces) svc=trace.v1.TraceService ;; esac
    curl -s --http2-prior-knowledge -o /dev/null -D "$T_TMP/grpc_headers" -H 'content-type: application/grpc' \
        -H 'te: trailers' --data-binary "@$3" "http://127.0.0.1:$1/opentelemetry.proto.collector.$svc/Export"
    tr -d '\r' <"$T_TMP/grpc_headers" | sed -n 's/^grpc-status: //p' | tail -1
}

for threads in 2 1; do
    n=t$threads
    D=$T_TMP/data-$n
    start_receiver "$D" --set receiver.decode_threads=$threads || { fail "${n}_receiver_start" "see log"; exit 1; }
    for d in 5000 100000; do
        for s in logs traces; do
            code=$(post /v1/$s application/x-protobuf "$T_TMP/$s-$d.pb")
            check_eq "${n}_http_${s}_${d}_levels_400" 400 "$code"
            grep -q "AnyValue nested deeper than 64 levels" "$T_TMP/resp" && ok "${n}_http_${s}_${d}_message" ||
                fail "${n}_http_${s}_${d}_message" "$(head -c 200 "$T_TMP/resp")"
            check_eq "${n}_grpc_${s}_${d}_levels_invalid_argument" 3 "$(grpc_export "$GRPC_PORT" $s "$T_TMP/$s-$d.grpc")"
            grep -q "nested%20deeper\|nested deeper" "$T_TMP/grpc_headers" && ok "${n}_grpc_${s}_${d}_message" ||
                fail "${n}_grpc_${s}_${d}_message" "$(grep grpc-message "$T_TMP/grpc_headers")"
        done
    done
    kill -0 "$RECV_PID" 2>/dev/null && ok "${n}_receiver_alive" || fail "${n}_receiver_alive" "$(tail -5 "$D/receiver.log")"
    check_eq "${n}_still_serving" 200 "$(post /v1/logs application/x-protobuf "$INTEROP/fixtures/logs.pb")"
    check_eq "${n}_nothing_deep_spooled" 10 "$(spool_records "$D" logs)"
    check_eq "${n}_deep_traces_not_spooled" 0 "$(spool_records "$D" traces)"

    # The same limit in both formats.
    check_eq "${n}_protobuf_64_levels_pass" 200 "$(post /v1/logs application/x-protobuf "$T_TMP/logs-64.pb")"
    check_eq "${n}_protobuf_65_levels_fail" 400 "$(post /v1/logs application/x-protobuf "$T_TMP/logs-65.pb")"
    check_eq "${n}_json_64_levels_pass" 200 "$(post /v1/logs application/json "$T_TMP/logs-64.json")"
    check_eq "${n}_json_65_levels_fail" 400 "$(post /v1/logs application/json "$T_TMP/logs-65.json")"
    grep -q "nested deeper than 64 levels" "$T_TMP/resp" && ok "${n}_json_message" || fail "${n}_json_message" "$(cat "$T_TMP/resp")"
    check_eq "${n}_kvlist_64_levels_pass" 200 "$(post /v1/traces application/x-protobuf "$T_TMP/traces-64.pb")"
    check_eq "${n}_kvlist_65_levels_fail" 400 "$(post /v1/traces application/x-protobuf "$T_TMP/traces-65.pb")"
    check_eq "${n}_depth_checks_spooled" 12 "$(spool_records "$D" logs)"
    stop_receiver
    check_eq "${n}_receiver_exit" 0 "$(wait "$RECV_PID" 2>/dev/null; echo $?)"
done

# A spooled record over the limit: quarantined by the writer, the other records of the claim
# written. The receiver spooled 10 + 1 + 1 good log records around it.
D=$T_TMP/data-t1
for d in 5000 100000; do
    "$O2P_BIN/otlp2parquet" spool append logs "$T_TMP/logs-$d.pb" --data-dir "$D" >/dev/null ||
        fail "spool_append_$d" "append failed"
done
"$O2P_BIN/otlp2parquet" spool append logs "$INTEROP/fixtures/logs.pb" --data-dir "$D" >/dev/null
"$O2P_BIN/otlp2parquet-writer" --data-dir "$D" --set writer.poll_interval=50ms --set writer.max_file_age=100ms \
    >>"$D/writer.log" 2>&1 &
wp=$!; T_PIDS+=($wp)
for _ in $(seq 1 300); do
    [ "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" | $PY -c "import json,sys; print(json.load(sys.stdin)['spool']['logs']['entries'])")" = 0 ] && break
    kill -0 $wp 2>/dev/null || break
    sleep 0.1
done
kill -0 $wp 2>/dev/null && ok writer_alive || fail writer_alive "$(tail -5 "$D/writer.log")"
kill -TERM $wp; wait $wp
q=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" | $PY -c "import json,sys; print(json.load(sys.stdin)['quarantine'])")
check_eq deep_records_quarantined 2 "$q"
"$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$D" | grep -q 'AnyValue nested deeper than 64 levels' &&
    ok quarantine_reason_names_nesting || fail quarantine_reason_names_nesting "$("$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$D" | head -3)"
rows=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*) FROM read_parquet('$D/warehouse/otel/logs/data/*/*.parquet')" 2>&1)
check_eq other_records_written '["22"]' "$rows"
