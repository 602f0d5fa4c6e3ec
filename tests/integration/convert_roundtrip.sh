#!/bin/bash
# convert_roundtrip.sh - `otlp2parquet convert` end to end: real SDK captures and hand-built
# edge cases (tests/unit/data/otlp/, see gen.py there) are converted with tiny row groups and
# read back by DuckDB, arrow-rs (parquet-wasm) and hyparquet (tests/interop/convert-check.mjs),
# value by value against the expected rows, with the Iceberg field ids. Also: OTLP/JSON input,
# several inputs streamed into one file per table, drop counters, the error exits, and
# table.column_names (snake_case default, clickhouse on request).
# Env: O2P_ROOT (repo), O2P_BIN (bin dir), B (build dir). Prints ok/FAIL lines.
set -u
ROOT=${O2P_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${O2P_BIN:-$ROOT/bin}/otlp2parquet
DATA=$ROOT/tests/unit/data/otlp
CHECK=$ROOT/tests/interop/convert-check.mjs
TMP=$(mktemp -d /tmp/o2p-convert.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }

[ -x "$BIN" ] || { fail convert_binary "$BIN not built"; exit 1; }
mkdir -p "$TMP/schemas"
for t in logs traces metrics_gauge metrics_sum metrics_histogram metrics_exponential_histogram metrics_summary; do
    "$BIN" convert --print-iceberg-schema "$t" >"$TMP/schemas/$t.json" || fail "schema_$t" "print failed"
done
ok convert_print_schemas

for sig in logs traces metrics; do
    for stem in "$sig" "edge_$sig"; do
        out=$TMP/$stem
        if ! "$BIN" convert --signal "$sig" --row-group-bytes 8KiB --zstd-level 3 --out "$out" \
             "$DATA/$stem.pb" >"$TMP/$stem.log" 2>&1; then
            fail "convert_$stem" "$(tail -n 3 "$TMP/$stem.log")"
            continue
        fi
        ok "convert_$stem"
        (cd "$ROOT/tests/interop" && node "$CHECK" --expected "$DATA/$stem.expected.json" \
            --out "$out" --schemas "$TMP/schemas")
    done
done

# several row groups really happened for the bulk inputs
if grep -q 'table=logs rows=813 .*row_groups=[1-9][0-9]' "$TMP/edge_logs.log"; then ok convert_many_row_groups
else fail convert_many_row_groups "$(cat "$TMP/edge_logs.log")"; fi
# drop counters: a metric without data and one without points are reported, not lost silently
if grep -q 'dropped_metric_no_data=1 dropped_metric_no_points=1 duplicate_keys=[1-9].* missing_values=2' "$TMP/edge_metrics.log"; then
    ok convert_drop_counters
else fail convert_drop_counters "$(tail -n 1 "$TMP/edge_metrics.log")"; fi

# OTLP/JSON input gives the same rows as the protobuf capture of the same kind
for sig in logs traces metrics; do
    if "$BIN" convert --signal "$sig" --format json --out "$TMP/json_$sig" "$DATA/$sig.json" >"$TMP/json_$sig.log" 2>&1 &&
       [ "$(grep -o 'rows=[0-9]*' "$TMP/json_$sig.log")" = "$(grep -o 'rows=[0-9]*' "$TMP/$sig.log")" ]; then
        ok "convert_json_$sig"
    else fail "convert_json_$sig" "$(cat "$TMP/json_$sig.log")"; fi
done

# several inputs stream into one file per table
if "$BIN" convert --signal logs --out "$TMP/multi" "$DATA/logs.pb" "$DATA/edge_logs.pb" "$DATA/logs.pb" \
     >"$TMP/multi.log" 2>&1 && grep -q 'table=logs rows=833 ' "$TMP/multi.log"; then ok convert_multi_input
else fail convert_multi_input "$(cat "$TMP/multi.log")"; fi

# errors: bad input -> 1 with the file named and no output left; bad usage -> 2
"$BIN" convert --signal metrics --out "$TMP/bad" "$DATA/logs.json" >"$TMP/bad.log" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'logs.json' "$TMP/bad.log" && [ -z "$(find "$TMP/bad" -name '*.parquet' 2>/dev/null)" ]; then
    ok convert_bad_input
else fail convert_bad_input "rc=$rc $(cat "$TMP/bad.log")"; fi
"$BIN" convert --signal logs "$DATA/logs.pb" >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && ok convert_usage_no_out || fail convert_usage_no_out "rc=$rc"
"$BIN" convert --signal nope --out "$TMP/x" "$DATA/logs.pb" >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && ok convert_usage_bad_signal || fail convert_usage_bad_signal "rc=$rc"
"$BIN" convert --signal logs --out "$TMP/missing" "$TMP/does-not-exist.pb" >"$TMP/miss.log" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'does-not-exist.pb' "$TMP/miss.log" && ok convert_missing_input ||
    fail convert_missing_input "rc=$rc $(cat "$TMP/miss.log")"

# table.column_names: snake_case by default, the ClickHouse exporter's names on request, in the
# printed schema and in the files (DuckDB's parquet_schema gives the names as written)
"$BIN" convert --print-iceberg-schema logs | grep -q '"name":"service_name"' && ok convert_schema_snake_case ||
    fail convert_schema_snake_case "$("$BIN" convert --print-iceberg-schema logs | head -c 200)"
"$BIN" convert --set table.column_names=clickhouse --print-iceberg-schema traces | grep -q '"name":"ServiceName"' &&
    ok convert_schema_clickhouse || fail convert_schema_clickhouse "no ServiceName"
if OTLP2PARQUET_TABLE_COLUMN_NAMES=clickhouse "$BIN" convert --signal traces --out "$TMP/ch" "$DATA/traces.pb" >"$TMP/ch.log" 2>&1; then
    q=$(cd "$ROOT/tests/interop" && node duckdb-query.mjs "SELECT string_agg(name, ' ' ORDER BY name) FROM parquet_schema('$TMP/ch/traces/part-00000.parquet') WHERE name IN ('ServiceName', 'service_name', 'TraceId', 'Timestamp')" 2>&1)
    [ "$q" = '["ServiceName Timestamp Timestamp TraceId TraceId"]' ] && ok convert_clickhouse_names || fail convert_clickhouse_names "$q"
else fail convert_clickhouse_names "$(cat "$TMP/ch.log")"; fi
"$BIN" convert --set table.column_names=camel --print-iceberg-schema logs >/dev/null 2>&1
rc=$?
[ $rc -ne 0 ] && ok convert_bad_column_names || fail convert_bad_column_names "rc=$rc"
