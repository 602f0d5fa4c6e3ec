#!/bin/bash
# table.column_names end to end. The default pipeline writes snake_case columns (Parquet files,
# Iceberg schema, partition field timestamp_day) that DuckDB reads as service_name. A table
# created with clickhouse names is refused by a committer started with the default, with the
# message that says what to set, and the files stay queued until the key is switched back;
# the same on the REST test catalog; and a catalog that lower-cases names (as AWS Glue does,
# rest_catalog.py --lowercase-columns) is refused with a message that asks for snake_case.
. "$(dirname "$0")/lib.sh"
N=150
WH=$T_TMP/wh

# committer NAME DATA_DIR NAMESPACE [extra args]: start in the background, pid in C_PID.
committer() {
    local name=$1 dir=$2 ns=$3; shift 3
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$dir" --set catalog.warehouse="file://$WH" \
        --set catalog.namespace="$ns" --set committer.interval=100ms --set committer.retry_min_wait=10ms \
        --set committer.retry_max_wait=200ms --set committer.retry_max_elapsed=1s "$@" \
        >>"$dir/committer-$name.log" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}
wait_empty() { # DIR: until the files queue is empty (30 s)
    for _ in $(seq 1 300); do [ "$(queued "$1")" = 0 ] && return 0; sleep 0.1; done; return 1
}
wait_log() { # FILE PATTERN: until FILE has a line matching PATTERN (20 s)
    for _ in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
spool_copy() { # NAME SRC: a fresh data dir holding a copy of SRC's spool
    mkdir -p "$T_TMP/$1"; cp -r "$2/spool" "$T_TMP/$1/"; echo "$T_TMP/$1"
}
# schema_names METADATA_JSON: top-level column names of the current schema, and the partition
# field names of the default spec
schema_names() {
    $PY -c "
import json,sys
md = json.load(open(sys.argv[1]))
s = [x for x in md['schemas'] if x['schema-id'] == md['current-schema-id']][0]
spec = [x for x in md['partition-specs'] if x['spec-id'] == md['default-spec-id']][0]
print(' '.join(f['name'] for f in s['fields']), '|', ' '.join(f['name'] for f in spec['fields']))" "$1"
}
newest_md() { ls -v "$1"/metadata/v*.metadata.json | tail -1; }

D1=$T_TMP/d1; D2=$T_TMP/d2; D3=$T_TMP/d3
fill_files_queue "$D1" $N 100
OTLP2PARQUET_TABLE_COLUMN_NAMES=clickhouse fill_files_queue "$D2" $N 100
OTLP2PARQUET_TABLE_COLUMN_NAMES=clickhouse fill_files_queue "$D3" $N 100
F1=$(queued "$D1"); F3=$(queued "$D3")
[ "$F1" -gt 0 ] && [ "$F3" -gt 0 ] && ok files_queued || fail files_queued "F1=$F1 F3=$F3"

# A. The default: snake_case in the Parquet files, the Iceberg schema and the partition field.
logs_files="$D1/warehouse/otel/logs/data/*/*.parquet"
q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*), count(DISTINCT service_name), min(severity_text) <> '' FROM read_parquet('$logs_files')" 2>&1)
check_eq default_duckdb_service_name "[\"$N\",\"1\",true]" "$q"
q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*) FILTER (name = 'service_name') > 0, count(*) FILTER (name = 'ServiceName') = 0,
    count(*) FILTER (name = 'time_unix') > 0 FROM parquet_schema('$D1/warehouse/otel/metrics_*/data/*/*.parquet')" 2>&1)
check_eq default_parquet_names '[true,true,true]' "$q"
ls "$D1/warehouse/otel/logs/data" | grep -q '^timestamp_day=' && ok default_partition_directory ||
    fail default_partition_directory "$(ls "$D1/warehouse/otel/logs/data")"
A=$(spool_copy a "$D1")
committer a "$A" snake
wait_empty "$A" && ok default_committed || fail default_committed "$(tail -3 "$A/committer-a.log")"
kill -TERM $C_PID; wait $C_PID
check_eq default_iceberg_names "timestamp trace_id span_id trace_flags severity_text severity_number service_name body resource_schema_url resource_attributes scope_schema_url scope_name scope_version scope_attributes log_attributes event_name observed_timestamp | timestamp_day" \
    "$(schema_names "$(newest_md "$WH/snake/logs")")"
check_eq default_metrics_partition "time_unix_day" "$(schema_names "$(newest_md "$WH/snake/metrics_sum")" | sed 's/.*| //')"
grep -q 'op=create-table table=snake.logs .*column_names=snake_case' "$A/committer-a.log" && ok default_create_logged ||
    fail default_create_logged "$(grep -m1 create-table "$A/committer-a.log")"
out=$($NODE "$INTEROP/iceberg-read.mjs" "$WH/snake/logs" --rows 0 2>&1)
echo "$out" | grep -q "^icebird read $N rows" && echo "$out" | grep -q '^OK$' && ok default_icebird ||
    fail default_icebird "$(echo "$out" | tail -3)"

# B. clickhouse naming on request: ClickHouse names in the files and the table.
q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*) FILTER (name = 'ServiceName') > 0, count(*) FILTER (name = 'service_name') = 0
    FROM parquet_schema('$D2/warehouse/otel/logs/data/*/*.parquet')" 2>&1)
check_eq clickhouse_parquet_names '[true,true]' "$q"
B=$(spool_copy b "$D2")
committer b "$B" ch --set table.column_names=clickhouse
wait_empty "$B" && ok clickhouse_committed || fail clickhouse_committed "$(tail -3 "$B/committer-b.log")"
kill -TERM $C_PID; wait $C_PID
schema_names "$(newest_md "$WH/ch/logs")" | grep -q '^Timestamp TraceId SpanId .* ServiceName .*| Timestamp_day$' &&
    ok clickhouse_iceberg_names || fail clickhouse_iceberg_names "$(schema_names "$(newest_md "$WH/ch/logs")")"

# C. That table, then a committer with the default: refused, nothing lost, committed after
# switching the key back.
C=$(spool_copy c "$D3")
committer c1 "$C" ch
wait_log "$C/committer-c1.log" 'uses ClickHouse column names' && ok refuse_logged || fail refuse_logged "$(tail -3 "$C/committer-c1.log")"
grep -q 'table ch.logs uses ClickHouse column names (Timestamp, TraceId, SpanId, ...) but table.column_names = snake_case: set table.column_names = clickhouse, or write to a new table' \
    "$C/committer-c1.log" && ok refuse_message || fail refuse_message "$(grep -m1 'column names' "$C/committer-c1.log")"
sleep 0.5
check_eq refuse_queue_kept "$F3" "$(queued "$C")"
kill -TERM $C_PID; wait_exit $C_PID 20; rc=$?
[ $rc != 0 ] && [ $rc != 124 ] && ok refuse_drain_exits_nonzero || fail refuse_drain_exits_nonzero "exit $rc"
check_eq refuse_queue_kept_after_exit "$F3" "$(queued "$C")"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$C" --set catalog.warehouse="file://$WH" --set catalog.namespace=ch |
    $PY -c "import json,sys; j=json.load(sys.stdin); print(j['catalog']['column_names'], 'uses ClickHouse column names' in j['tables']['logs']['error'])")
check_eq refuse_status_says_why "snake_case True" "$st"
committer c2 "$C" ch --set table.column_names=clickhouse
wait_empty "$C" && ok refuse_then_committed || fail refuse_then_committed "$(tail -3 "$C/committer-c2.log")"
kill -TERM $C_PID; wait $C_PID
out=$($NODE "$INTEROP/iceberg-read.mjs" "$WH/ch/logs" --rows 0 2>&1)
echo "$out" | grep -q "^icebird read $((2 * N)) rows" && echo "$out" | grep -q '^OK$' && ok clickhouse_icebird_both ||
    fail clickhouse_icebird_both "$(echo "$out" | tail -3)"

# D. The REST test catalog: the same refusal.
rest() { # NAME DATA_DIR [extra args]: committer on the REST catalog at $CAT_URL
    local name=$1 dir=$2; shift 2
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$dir" --set catalog.type=rest --set "catalog.uri=$CAT_URL" \
        --set catalog.warehouse=acct --set committer.interval=100ms --set committer.retry_min_wait=10ms \
        --set committer.retry_max_wait=200ms --set committer.retry_max_elapsed=1s "$@" >>"$dir/committer-$name.log" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}
if start_catalog cat1; then
    R1=$(spool_copy r1 "$D2"); R2=$(spool_copy r2 "$D3")
    rest r1 "$R1" --set table.column_names=clickhouse
    wait_empty "$R1" && ok rest_clickhouse_committed || fail rest_clickhouse_committed "$(tail -3 "$R1/committer-r1.log")"
    kill -TERM $C_PID; wait $C_PID
    rest r2a "$R2"
    wait_log "$R2/committer-r2a.log" 'table otel.logs uses ClickHouse column names (Timestamp, TraceId, SpanId, ...) but table.column_names = snake_case: set table.column_names = clickhouse' &&
        ok rest_refuse_message || fail rest_refuse_message "$(tail -3 "$R2/committer-r2a.log")"
    kill -TERM $C_PID; wait_exit $C_PID 20
    check_eq rest_refuse_queue_kept "$F3" "$(queued "$R2")"
    rest r2b "$R2" --set table.column_names=clickhouse
    wait_empty "$R2" && ok rest_refuse_then_committed || fail rest_refuse_then_committed "$(tail -3 "$R2/committer-r2b.log")"
    kill -TERM $C_PID; wait $C_PID
else
    fail rest_catalog_start "see $T_TMP/cat1/catalog.log"
fi

# E. A catalog that lower-cases names (Glue: ServiceName -> servicename) is refused at create,
# with clickhouse names; snake_case is unchanged by it and commits, into a new table.
if start_catalog cat2 --lowercase-columns; then
    G=$(spool_copy g "$D2")
    rest g1 "$G" --set table.column_names=clickhouse
    wait_log "$G/committer-g1.log" 'lower-cased by the catalog' && ok glue_refused || fail glue_refused "$(tail -3 "$G/committer-g1.log")"
    grep -q 'table otel.logs has ClickHouse column names lower-cased by the catalog (traceid, spanid, traceflags, ...), as AWS Glue .*use table.column_names = snake_case' \
        "$G/committer-g1.log" && ok glue_message || fail glue_message "$(grep -m1 'lower-cased' "$G/committer-g1.log")"
    kill -TERM $C_PID; wait_exit $C_PID 20
    check_eq glue_queue_kept "$(queued "$D2")" "$(queued "$G")"
    S=$(spool_copy s "$D1")
    rest s1 "$S" --set catalog.table_prefix=v2_
    wait_empty "$S" && ok glue_snake_committed || fail glue_snake_committed "$(tail -3 "$S/committer-s1.log")"
    kill -TERM $C_PID; wait $C_PID
    n=$(curl -s "$CAT_URL/v1/namespaces/otel/tables/v2_logs" | $PY -c "import json,sys; m=json.load(sys.stdin)['metadata']; s=[x for x in m['schemas'] if x['schema-id']==m['current-schema-id']][0]; print(s['fields'][6]['name'])")
    check_eq glue_snake_names service_name "$n"
else
    fail rest_lowercase_catalog_start "see $T_TMP/cat2/catalog.log"
fi
