#!/bin/bash
# bench writer: records/s and MB/s (OTLP bytes) from a filled spool to zstd Parquet on local
# disk, for 1 and 2 writers, with peak RSS per writer. The spool is filled through a receiver
# with distinct SDK-shaped log records (tests/unit/data/otlp/gen_bench_logs.py, 1,000 per
# request; BENCH_WRITER_RECORDS in all), so the files compress like real data would.
. "$(dirname "$0")/lib.sh"
RECORDS=${BENCH_WRITER_RECORDS:-1000000}
mkdir -p "$B_TMP/pyproto"
protoc -I"$O2P_ROOT/proto" --python_out="$B_TMP/pyproto" $(cd "$O2P_ROOT/proto" && find . -name '*.proto' | sed 's|^\./||')
PYTHONPATH=$B_TMP/pyproto $PY "$O2P_ROOT/tests/unit/data/otlp/gen_bench_logs.py" "$RECORDS" "$B_TMP/in" >/dev/null
SRC=$B_TMP/src
hp=$(free_port)
"$O2P_BIN/otlp2parquet-receiver" --data-dir "$SRC" --http "127.0.0.1:$hp" --grpc "" --set spool.max_bytes=16GiB \
    >"$B_TMP/recv.log" 2>&1 &
pid=$!; B_PIDS+=($pid)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hp/ready" >/dev/null && break; sleep 0.05; done
ls "$B_TMP"/in/*.pb | xargs -P 4 -I{} curl -sf -o /dev/null -H 'Content-Type: application/x-protobuf' \
    --data-binary @{} "http://127.0.0.1:$hp/v1/logs" || echo "bench writer: some requests failed"
rm -rf "$B_TMP/in"
kill -TERM $pid; wait $pid
read -r records bytes < <("$O2P_BIN/otlp2parquet" status --json --data-dir "$SRC" |
    $PY -c "import json,sys; s=json.load(sys.stdin)['spool']['logs']; print(s['records'], s['bytes'])")

# drained DIR: no spooled log requests and no claims. A grep, not a python process: the check
# runs every 50 ms and must not take CPU from the writers being measured.
drained() {
    "$O2P_BIN/otlp2parquet" spool stat --data-dir "$1" | grep -q '^logs records=0 bytes=0 entries=0 ' &&
        "$O2P_BIN/otlp2parquet" spool stat --data-dir "$1" | grep -q '^claims=0 '
}

for n in 1 2; do
    W=$B_TMP/w$n; mkdir -p "$W"; cp -r "$SRC/spool" "$W/spool"
    pids=()
    t0=$(date +%s.%N)
    for i in $(seq 1 $n); do
        "$O2P_BIN/otlp2parquet-writer" --data-dir "$W" --set writer.max_file_rows=50000 --set writer.poll_interval=20ms \
            --set writer.max_file_age=10ms >>"$W/writer.log" 2>&1 &
        pids+=($!); B_PIDS+=($!)
    done
    until drained "$W"; do sleep 0.05; done
    t1=$(date +%s.%N)
    rss=""
    for p in "${pids[@]}"; do rss="$rss$(peak_rss_mib $p)/"; done
    for p in "${pids[@]}"; do kill -TERM $p; wait $p; done
    out=$(du -sb "$W/warehouse" | cut -f1)
    $PY -c "
t = $t1 - $t0; r = $records; b = $bytes
print(f'bench writer writers=$n records={r:,} seconds={t:.2f} records/s={r / t:,.0f} MB/s={b / t / 1e6:.1f} '
      f'per_writer_records/s={r / t / $n:,.0f} peak_rss_mib=${rss%/} parquet_bytes={$out:,} bytes_per_record={$out / r:.1f}')"
done
