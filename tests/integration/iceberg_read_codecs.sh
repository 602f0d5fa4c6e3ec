#!/bin/bash
# The tests' JS Iceberg reader (icebird through tests/interop/iceberg-read.mjs) on manifest
# lists and manifests in every Avro codec, written by python3-avro as another engine would:
#   1. each file of tests/unit/data/avro (null, deflate, snappy, zstandard; a zstd list without
#      content sizes) read back equal to what python wrote; a snappy CRC mismatch and a
#      truncated zstd frame refused;
#   2. a one-snapshot table per codec around a Parquet file of ours, its manifest list and
#      manifest in that codec (tests/interop/iceberg-foreign-table.py): iceberg-read.mjs reads
#      every row and passes its checks.
. "$(dirname "$0")/lib.sh"
cd "$O2P_ROOT"
A=tests/unit/data/avro
for f in manifest-list.null manifest-list.deflate manifest-list.snappy manifest-list.zstandard \
         manifest-list.zstandard-nosize manifest.null manifest.deflate manifest.snappy manifest.zstandard; do
    want=$A/${f%%.*}.expected.json
    r=$($NODE "$INTEROP/iceberg-read.mjs" --avro "$A/$f.avro" 2>&1 | $PY -c '
import datetime, json, sys
lines = sys.stdin.read().splitlines()
if not lines or not lines[0].startswith("avro "):
    sys.exit(print("no output: " + " | ".join(lines[-3:])))
got = [json.loads(l) for l in lines[1:]]
def norm(v):  # icebird leaves nulls out and turns a date into an ISO timestamp
    if isinstance(v, dict): return {k: norm(x) for k, x in v.items() if x is not None}
    if isinstance(v, list): return [norm(x) for x in v]
    if isinstance(v, str) and v.endswith("T00:00:00.000Z"):
        return (datetime.date.fromisoformat(v[:10]) - datetime.date(1970, 1, 1)).days
    return v
want = json.load(open(sys.argv[1]))
print("same" if norm(got) == norm(want) else f"differs: {len(got)} records, first {json.dumps(got[:1])[:300]}")
' "$want")
    check_eq "icebird_avro_$f" same "$r"
done
out=$($NODE "$INTEROP/iceberg-read.mjs" --avro $A/bad-snappy-crc.avro 2>&1)
echo "$out" | grep -q 'block 2: CRC32 mismatch' && ok icebird_avro_snappy_crc_refused || fail icebird_avro_snappy_crc_refused "$out"
out=$($NODE "$INTEROP/iceberg-read.mjs" --avro $A/bad-zstd-truncated.avro 2>&1)
echo "$out" | grep -q '^ERROR' && ok icebird_avro_zstd_truncated_refused || fail icebird_avro_zstd_truncated_refused "$out"

"$O2P_BIN/otlp2parquet" convert --signal logs --out "$T_TMP/pq" tests/interop/fixtures/logs.pb >/dev/null
PQ=$T_TMP/pq/logs/part-00000.parquet
ROWS=$("$O2P_BIN/otlp2parquet" parquet-dump "$PQ" | sed -n 's/^num_rows: //p')
SCHEMA_JSON=$("$O2P_BIN/otlp2parquet" convert --print-iceberg-schema logs)
export SCHEMA_JSON
for codec in null deflate snappy zstandard; do
    if ! err=$($PY "$INTEROP/iceberg-foreign-table.py" "$T_TMP/wh/$codec/logs" "$PQ" "$ROWS" $codec 2>&1); then
        fail "icebird_table_$codec" "table not made: $err"; continue
    fi
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$T_TMP/wh/$codec/logs" --rows 0 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | grep -q '^OK$' && check_eq "icebird_table_$codec" "$ROWS" "$n" || fail "icebird_table_$codec" "$(echo "$out" | tail -5)"
done
