#!/bin/bash
# bench spool_growth: how large the spool file (data.mdb) grows under a sustained load through
# the whole pipeline (`otlp2parquet run --writers 2`). The load is a FIXED offered rate (h2load
# --rps, BENCH_SPOOL_RPS requests/s in all, each request a real SDK export of 1,000 log records
# over OTLP/HTTP), so runs on a shared machine compare: the spool's size depends on the rate, and
# a max-rate run measures the machine. Runs for BENCH_SPOOL_SECONDS (default 600), sampling every
# 5 s the file size and LMDB's own page counts (mdb_stat -ef: pages used = the high-water mark,
# free = the freelist; in use = used - free). LMDB never shrinks the file: pages freed by deletes
# are reused only once no read transaction older than the delete is open, so the file's size is
# the backlog plus whatever long read transactions pinned.
# Prints: max and final data.mdb bytes, pages in use (max during the load, and final), free pages
# at the end, the largest spooled backlog seen (OTLP bytes), and acked vs. offered records/s.
# BENCH_SPOOL_LOG=FILE keeps the pipeline's log (its claim_done lines say how long each claim read).
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_SPOOL_SECONDS:-600}
RPS=${BENCH_SPOOL_RPS:-100}
CLIENTS=4
capture_payloads "$B_TMP"
D=$B_TMP/spool_growth
start_bench_pipeline "$D"
samples=$B_TMP/samples
# sample: "file_bytes pages_used free_pages backlog_bytes" (mdb_stat takes a read transaction of
# a few milliseconds; the backlog is the spool's own counter of OTLP bytes held)
sample() {
    local f used free backlog
    f=$(stat -c %s "$D/spool/data.mdb" 2>/dev/null || echo 0)
    read -r used free < <(mdb_stat -ef "$D/spool" 2>/dev/null | awk '
        /Number of pages used:/ {u = $NF} /Free pages:/ {f = $NF} END {print u + 0, f + 0}')
    backlog=$("$O2P_BIN/otlp2parquet" spool stat --data-dir "$D" 2>/dev/null |
        awk '{for (i = 1; i <= NF; i++) if ($i ~ /^bytes=/) {sub("bytes=", "", $i); s += $i}} END {print s + 0}')
    echo "$f $used $free $backlog" >>"$samples"
}
h2load --h1 -t 1 -c $CLIENTS --rps $(( (RPS + CLIENTS - 1) / CLIENTS )) -D "$SECS" -d "$B_TMP/logs1000.pb" \
    -H "content-type: application/x-protobuf" "http://127.0.0.1:$hp/v1/logs" >"$B_TMP/h2load.out" 2>&1 &
LOAD=$!
t0=$(date +%s.%N)
while kill -0 $LOAD 2>/dev/null; do
    sleep 5
    sample
done
t1=$(date +%s.%N)
acked=$(curl -s "http://127.0.0.1:$hp/metrics" | awk -F' ' '/^o2p_receiver_records_total\{signal="logs"\}/ {print $2}')
kill -TERM $RUN; wait $RUN
sample
[ -n "${BENCH_SPOOL_LOG:-}" ] && cp "$B_TMP/run.log" "$BENCH_SPOOL_LOG" # claim_done lines: how long claims read
awk -v secs="$($PY -c "print($t1 - $t0)")" -v acked="${acked:-0}" -v rps="$RPS" -v clients=$CLIENTS '
    { if ($1 > maxf) maxf = $1; if ($2 - $3 > maxu) maxu = $2 - $3; if ($4 > maxb) maxb = $4
      f = $1; u = $2 - $3; fr = $3 }
    END { offered = int((rps + clients - 1) / clients) * clients * 1000
          printf "bench spool_growth seconds=%.0f offered_records/s=%d acked_records/s=%.0f writers=2 " \
                 "max_data_mdb_bytes=%d final_data_mdb_bytes=%d max_pages_in_use=%d final_pages_in_use=%d " \
                 "final_free_pages=%d max_backlog_bytes=%d\n", secs, offered, acked / secs, maxf, f, maxu, u, fr, maxb }
' "$samples"
