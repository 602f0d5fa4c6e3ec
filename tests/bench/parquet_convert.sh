#!/bin/bash
# bench parquet_convert / parquet_convert_sdk / parquet_convert_1gb: `otlp2parquet convert
# --signal logs` (the whole conversion: file read, protobuf decode, rows, Parquet encode, zstd)
# against DuckDB writing the same rows to zstd Parquet on one thread.
#
#   parquet_convert      BENCH_CONVERT_ROWS (default 200,000) distinct realistic log records
#                        (tests/unit/data/otlp/gen_bench_logs.py, 1,000 per request file).
#                        Ours: best of BENCH_CONVERT_REPS (3) runs of the convert process, wall
#                        clock, peak RSS from wait4(). DuckDB (tests/bench/duckdb-write.mjs): our
#                        output file loaded into an in-memory table, then only
#                        COPY ... (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3,
#                        ROW_GROUP_SIZE <our rows per row group>) timed, threads=1, best of the
#                        same number of runs. Ratios: speed ours/DuckDB (>= 1 is the target) and
#                        file size ours/DuckDB (<= 1 is the target), each at its default zstd
#                        level (ours 1, DuckDB 3); and ours at level 3 too (same_level_*).
#   parquet_convert_sdk  the same on real OpenTelemetry JS SDK bodies (capture_payloads: one
#                        1,000-record request, passed BENCH_CONVERT_SDK_COPIES (100) times).
#                        BENCH_CONVERT_SDK=0 skips it.
#   parquet_convert_1gb  ~BENCH_CONVERT_MB (default 1000) MB of OTLP input in one convert run
#                        (the distinct request files passed repeatedly on the command line):
#                        rows/s, MB/s, peak RSS (target: under 256 MiB).
# MB are 10^6 bytes of OTLP protobuf input.
. "$(dirname "$0")/lib.sh"
ROWS=${BENCH_CONVERT_ROWS:-200000}
REPS=${BENCH_CONVERT_REPS:-3}
CONVERT_MB=${BENCH_CONVERT_MB:-1000}
SDK=${BENCH_CONVERT_SDK:-1}
SDK_COPIES=${BENCH_CONVERT_SDK_COPIES:-100}
OUR_LEVEL=1    # writer.zstd_level's default (cli/convert.c): smaller files than 3 on these pages
DUCK_LEVEL=3   # DuckDB's default zstd level
RSS_TARGET_MIB=256
CONVERT="$O2P_BIN/otlp2parquet"

# measure CWD OUTFILE CMD... -> "wall_seconds peak_rss_mib exit_status"; the command's stdout
# and stderr go to OUTFILE. Arguments are passed through a NUL-separated file, so the argument
# list is not limited by the shell's, only by execve's.
measure() {
    local cwd=$1 out=$2; shift 2
    printf '%s\0' "$@" >"$out.argv"
    $PY - "$cwd" "$out" "$out.argv" <<'EOF'
import os, sys, time
cwd, out, argv = sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read().split(b'\0')[:-1]
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.chdir(cwd); os.dup2(fd, 1); os.dup2(fd, 2)
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
t = time.perf_counter() - t0
print(f'{t:.4f} {ru.ru_maxrss / 1024:.1f} {os.waitstatus_to_exitcode(status)}')
EOF
}

# field FILE KEY -> value of KEY=... in convert's summary output
field() { grep -o "\b$2=[^ ]*" "$1" | head -1 | cut -d= -f2; }

fail() { echo "bench $1 FAILED: $2"; exit 1; }

# compare NAME INDIR FILE... : best of REPS convert runs vs DuckDB COPY of the same rows
compare() {
    local name=$1 indir=$2; shift 2
    local out=$B_TMP/$name-out best="" best_rss=0 t rss st best3="" bytes3
    for _ in $(seq 1 "$REPS"); do
        rm -rf "$out-3"
        read -r t rss st < <(measure "$indir" "$B_TMP/$name.convert3" "$CONVERT" convert --signal logs \
            --zstd-level $DUCK_LEVEL --out "$out-3" "$@")
        [ "$st" = 0 ] || fail "$name" "convert exit $st: $(tail -3 "$B_TMP/$name.convert3")"
        best3=$($PY -c "print(min(float('$t'), float('${best3:-inf}')))")
        rm -rf "$out"
        read -r t rss st < <(measure "$indir" "$B_TMP/$name.convert" "$CONVERT" convert --signal logs \
            --out "$out" "$@")
        [ "$st" = 0 ] || fail "$name" "convert exit $st: $(tail -3 "$B_TMP/$name.convert")"
        best=$($PY -c "print(min(float('$t'), float('${best:-inf}')))")
        best_rss=$($PY -c "print(max($rss, $best_rss))")
    done
    bytes3=$(field "$B_TMP/$name.convert3" bytes)
    local rows bytes rgs in_bytes
    rows=$(field "$B_TMP/$name.convert" rows)
    bytes=$(field "$B_TMP/$name.convert" bytes)
    rgs=$(field "$B_TMP/$name.convert" row_groups)
    in_bytes=$(field "$B_TMP/$name.convert" input_bytes)
    local rg_rows=$(( (rows + rgs - 1) / rgs ))
    mkdir -p "$B_TMP/$name-duck"
    node "$(dirname "$0")/duckdb-write.mjs" --in "$out/logs/part-00000.parquet" --out "$B_TMP/$name-duck" \
        --row-group-size "$rg_rows" --level $DUCK_LEVEL --reps "$REPS" >"$B_TMP/$name.duck" 2>&1 ||
        fail "$name" "duckdb-write.mjs: $(tail -3 "$B_TMP/$name.duck")"
    $PY - "$B_TMP/$name.duck" <<EOF
import json, sys
d = json.load(open(sys.argv[1]))
rows, t, b, inb, t3, b3 = $rows, $best, $bytes, $in_bytes, $best3, $bytes3
if d['rows'] != rows:
    print(f'bench $name FAILED: DuckDB loaded {d["rows"]} rows, ours wrote {rows}'); sys.exit(1)
dt = d['best_s']
speed, size = (rows / t) / (rows / dt), b / d['bytes']
print(f'bench $name rows={rows:,} input_MB={inb / 1e6:.1f} rows/s={rows / t:,.0f} MB/s={inb / 1e6 / t:.1f} '
      f'peak_rss_mib=$best_rss file_bytes={b:,} row_groups=$rgs | duckdb_rows/s={rows / dt:,.0f} '
      f'duckdb_MB/s={inb / 1e6 / dt:.1f} duckdb_file_bytes={d["bytes"]:,} duckdb_row_groups={d["row_groups"]} | '
      f'speed_vs_duckdb={speed:.2f} (target >=1: {"met" if speed >= 1 else "MISSED"}) '
      f'size_vs_duckdb={size:.3f} (target <=1: {"met" if size <= 1 else "MISSED"}) '
      f'zstd_level=$OUR_LEVEL duckdb_zstd_level=$DUCK_LEVEL threads=1 best_of=$REPS | '
      f'ours at level $DUCK_LEVEL: rows/s={rows / t3:,.0f} file_bytes={b3:,} '
      f'same_level_speed_vs_duckdb={dt / t3:.2f} same_level_size_vs_duckdb={b3 / d["bytes"]:.3f}')
EOF
}

# ---- inputs: distinct realistic requests of 1,000 records ------------------------------------
mkdir -p "$B_TMP/pyproto"
protoc -I"$O2P_ROOT/proto" --python_out="$B_TMP/pyproto" $(cd "$O2P_ROOT" && find proto -name '*.proto' |
    sed 's|^proto/||') || fail parquet_convert "protoc failed"
PYTHONPATH=$B_TMP/pyproto $PY "$O2P_ROOT/tests/unit/data/otlp/gen_bench_logs.py" "$ROWS" "$B_TMP/in" ||
    fail parquet_convert "gen_bench_logs.py failed"
mapfile -t FILES < <(cd "$B_TMP/in" && ls logs-*.pb)

compare parquet_convert "$B_TMP/in" "${FILES[@]}"

# ---- real SDK bodies ---------------------------------------------------------------------
if [ "$SDK" != 0 ]; then
    mkdir -p "$B_TMP/sdk"
    capture_payloads "$B_TMP/sdk" >/dev/null 2>&1
    if [ -s "$B_TMP/sdk/logs1000.pb" ]; then
        SDK_FILES=()
        for _ in $(seq 1 "$SDK_COPIES"); do SDK_FILES+=(logs1000.pb); done
        compare parquet_convert_sdk "$B_TMP/sdk" "${SDK_FILES[@]}"
    else
        echo "bench parquet_convert_sdk FAILED: no SDK body captured (see receiver log)"
    fi
fi

# ---- ~1 GB in one run: the distinct files, repeated ----------------------------------------
set_bytes=$(cd "$B_TMP/in" && cat "${FILES[@]}" | wc -c)
target=$((CONVERT_MB * 1000000))
BIG=()
while :; do
    for f in "${FILES[@]}"; do
        [ $(( ${#BIG[@]} * set_bytes / ${#FILES[@]} )) -ge "$target" ] && break 2
        BIG+=("$f")
    done
done
rm -rf "$B_TMP"/parquet_convert*-out*
read -r t rss st < <(measure "$B_TMP/in" "$B_TMP/big.convert" "$CONVERT" convert --signal logs \
    --out "$B_TMP/big-out" "${BIG[@]}")
[ "$st" = 0 ] || fail parquet_convert_1gb "convert exit $st: $(tail -3 "$B_TMP/big.convert")"
$PY - <<EOF
rows, inb, t, rss = $(field "$B_TMP/big.convert" rows), $(field "$B_TMP/big.convert" input_bytes), $t, $rss
b, rgs = $(field "$B_TMP/big.convert" bytes), $(field "$B_TMP/big.convert" row_groups)
print(f'bench parquet_convert_1gb rows={rows:,} input_MB={inb / 1e6:.0f} inputs=${#BIG[@]} seconds={t:.1f} '
      f'rows/s={rows / t:,.0f} MB/s={inb / 1e6 / t:.1f} peak_rss_mib={rss} '
      f'(target <$RSS_TARGET_MIB: {"met" if rss < $RSS_TARGET_MIB else "MISSED"}) file_bytes={b:,} row_groups={rgs}')
EOF
