#!/bin/bash
# Issue #12 blocker 4: a table whose current manifest list and manifest another engine wrote
# in the Avro snappy or zstandard codec (python3-avro via tests/interop/iceberg-foreign-table.py,
# as Spark with write.avro.compression-codec, S3 Tables or R2 compaction would) takes our next
# commits: the committer reads the foreign list, carries its manifest forward, and icebird
# (tests/interop/iceberg-read.mjs) then reads the foreign rows and ours.
. "$(dirname "$0")/lib.sh"
N=300
D=$T_TMP/d; mkdir -p "$D"
fill_files_queue "$D" $N 100
F=$(queued "$D")
"$O2P_BIN/otlp2parquet" convert --signal logs --out "$T_TMP/pq" "$O2P_ROOT/tests/interop/fixtures/logs.pb" >/dev/null
PQ=$T_TMP/pq/logs/part-00000.parquet
ROWS=$("$O2P_BIN/otlp2parquet" parquet-dump "$PQ" | sed -n 's/^num_rows: //p')
SCHEMA_JSON=$("$O2P_BIN/otlp2parquet" convert --print-iceberg-schema logs)
export SCHEMA_JSON
# the fixture's records are of 2026-11-21: day 20413
for codec in snappy zstandard; do
    W=$T_TMP/$codec; WH=$W/wh; mkdir -p "$W"; cp -r "$D/spool" "$W/"
    $PY "$INTEROP/iceberg-foreign-table.py" "$WH/ns/logs" "$PQ" "$ROWS" $codec 20413 ||
        { fail "foreign_${codec}_table" "iceberg-foreign-table.py failed"; continue; }
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$W" --set catalog.warehouse="file://$WH" --set catalog.namespace=ns \
        --set committer.interval=100ms --set committer.retry_min_wait=10ms --set committer.retry_max_wait=100ms \
        >>"$W/committer.log" 2>&1 &
    C=$!; T_PIDS+=($C)
    for _ in $(seq 1 300); do [ "$(queued "$W")" = 0 ] && break; sleep 0.1; done
    kill -TERM $C; wait $C
    check_eq "foreign_${codec}_committed" 0 "$(queued "$W")" "$(grep -m3 'level=warn\|level=error' "$W/committer.log")"
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$WH/ns/logs" --rows 0 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | grep -q '^OK$' && check_eq "foreign_${codec}_rows" $((N + ROWS)) "$n" \
        || fail "foreign_${codec}_rows" "$(echo "$out" | tail -5)"
    echo "$out" | grep -q "manifests transcoded" && ok "foreign_${codec}_manifest_kept" \
        || fail "foreign_${codec}_manifest_kept" "the foreign manifest is no longer in the table"
done
