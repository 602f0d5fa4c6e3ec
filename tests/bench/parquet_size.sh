#!/bin/bash
# bench parquet_size: file size (and speed) of `otlp2parquet convert` against DuckDB and arrow-rs
# writing the same rows, on OpenTelemetry JS SDK corpora with real cardinalities.
#
# Corpora (BENCH_SIZE_COUNT items each, default 60,000; 1,000 per request):
#   logs_sdk   tests/interop/otel-send.mjs --protocol file (the issue #13 measurement): each trace
#              and span id shared by 5 records 12,000 records apart, a counter attribute, string /
#              map / bytes bodies
#   logs, traces, metrics   tests/bench/gen-corpus.mjs (a service fleet: repeated resource and
#              scope attributes, interleaved requests, free text, maps; see its header)
# For each table written: ours = `otlp2parquet convert` (protobuf decode included, best of
# BENCH_SIZE_REPS (3) runs, wall clock, default zstd level 1); DuckDB 1 thread zstd (its default
# level 3) and arrow-rs (parquet-wasm, zstd at its default level 1), both timed on the write only
# from rows already in memory (tests/bench/parquet-compare.mjs). One line per table:
#   bench parquet_size corpus=.. table=.. rows=.. ours_bytes=.. duckdb_bytes=.. arrow_bytes=..
#         vs_duckdb=.. vs_arrow=.. (target <= 0.8) | speed: ours rows/s, duckdb rows/s, ratio
# then `bench parquet_size_columns` with the biggest columns (ours/duckdb/arrow bytes, our
# encodings). Speed per corpus: ours (whole convert run) against the sum of DuckDB's writes.
. "$(dirname "$0")/lib.sh"
COUNT=${BENCH_SIZE_COUNT:-60000}
REPS=${BENCH_SIZE_REPS:-3}
CONVERT="$O2P_BIN/otlp2parquet"
HERE=$(cd "$(dirname "$0")" && pwd)

fail() { echo "bench parquet_size FAILED: $1"; exit 1; }
now() { date +%s.%N; }

# corpus NAME SIGNAL DIR: convert DIR/*.pb (best of REPS), then compare each table's file
corpus() {
    local name=$1 signal=$2 dir=$3 out=$B_TMP/$1-out best=inf t0 t1
    for _ in $(seq 1 "$REPS"); do
        rm -rf "$out"
        t0=$(now)
        (cd "$dir" && "$CONVERT" convert --signal "$signal" --out "$out" ./*.pb) >"$B_TMP/$name.convert" 2>&1 ||
            fail "$name: convert: $(tail -3 "$B_TMP/$name.convert")"
        t1=$(now)
        best=$($PY -c "print(min($t1 - $t0, float('$best')))")
    done
    local f tbl rows
    : >"$B_TMP/$name.tables"
    for f in "$out"/*/part-00000.parquet; do
        tbl=$(basename "$(dirname "$f")")
        rows=$(grep -o "table=$tbl rows=[0-9]*" "$B_TMP/$name.convert" | cut -d= -f3)
        mkdir -p "$B_TMP/$name-ref-$tbl"
        node "$HERE/parquet-compare.mjs" --in "$f" --out "$B_TMP/$name-ref-$tbl" --row-group-size "$rows" \
            --reps "$REPS" >"$B_TMP/$name-$tbl.json" 2>"$B_TMP/$name-$tbl.err" ||
            fail "$name $tbl: parquet-compare.mjs: $(tail -3 "$B_TMP/$name-$tbl.err")"
        echo "$tbl $(stat -c %s "$f") $B_TMP/$name-$tbl.json" >>"$B_TMP/$name.tables"
    done
    $PY - "$name" "$best" "$B_TMP/$name.tables" <<'EOF'
import json, sys
name, t, tables = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rows_all = duck_s = 0
for line in open(tables):
    tbl, ours, js = line.split()
    ours, d = int(ours), json.load(open(js))
    rows, db, ab = d['rows'], d['duckdb']['bytes'], d['arrow']['bytes']
    rows_all += rows
    duck_s += d['duckdb']['best_s']
    vd, va = ours / db, ours / ab
    print(f'bench parquet_size corpus={name} table={tbl} rows={rows:,} ours_bytes={ours:,} duckdb_bytes={db:,} '
          f'arrow_bytes={ab:,} vs_duckdb={vd:.3f} vs_arrow={va:.3f} '
          f'(target <=0.8: {"met" if max(vd, va) <= 0.8 else "MISSED"}) '
          f'duckdb_rows/s={rows / d["duckdb"]["best_s"]:,.0f} arrow_rows/s={rows / d["arrow"]["best_s"]:,.0f}')
    cols = ' '.join(f'{c["name"]}={c["ours"]:,}/{c["duckdb"]:,}/{c["arrow"]:,}[{c["encodings"].replace(", ", "+")}]'
                    for c in d['columns'])
    print(f'bench parquet_size_columns corpus={name} table={tbl} ours/duckdb/arrow: {cols}')
print(f'bench parquet_size_speed corpus={name} rows={rows_all:,} ours_rows/s={rows_all / t:,.0f} '
      f'(convert, decode included) duckdb_rows/s={rows_all / duck_s:,.0f} (write only, 1 thread) '
      f'speed_vs_duckdb={duck_s / t:.2f} (target >=1: {"met" if duck_s / t >= 1 else "MISSED"})')
EOF
}

node "$INTEROP/otel-send.mjs" --protocol file --endpoint "$B_TMP/c-sdk" --count "$COUNT" --batch 1000 \
    --signals traces,logs >"$B_TMP/gen-sdk.log" 2>&1 || fail "otel-send.mjs: $(tail -3 "$B_TMP/gen-sdk.log")"
mkdir -p "$B_TMP/c-logs_sdk" && mv "$B_TMP"/c-sdk/logs-*.pb "$B_TMP/c-logs_sdk/"
corpus logs_sdk logs "$B_TMP/c-logs_sdk"
for s in logs traces metrics; do
    node "$HERE/gen-corpus.mjs" --signal $s --count "$COUNT" --out "$B_TMP/c-$s" >"$B_TMP/gen-$s.log" 2>&1 ||
        fail "gen-corpus.mjs $s: $(tail -3 "$B_TMP/gen-$s.log")"
    corpus $s $s "$B_TMP/c-$s"
done
