#!/bin/bash
# Disk full: the spool lives on a small filesystem made for the test (a 6 MiB tmpfs; needs
# root). When the disk fills, the receiver answers 503 with Retry-After (nothing acknowledged
# is lost), keeps serving /health and /metrics, and recovers by itself once space returns.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then echo "skip disk_full: needs root to mount a small tmpfs"; exit 0; fi
M=$T_TMP/small
mkdir -p "$M"
mount -t tmpfs -o size=6m tmpfs "$M" || { echo "skip disk_full: cannot mount tmpfs here"; exit 0; }
trap 'kill -9 "${T_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; umount "$M" 2>/dev/null; cleanup' EXIT
F=$INTEROP/fixtures
# spool.max_bytes far above the filesystem: the disk, not the map, is what fills (no free-space
# reserve here: the filler file takes the disk; LMDB's own failure is what is answered).
start_receiver "$M/data" --set spool.max_bytes=1GiB --set receiver.retry_after=1s --set spool.min_free_bytes=0 ||
    { fail start "see log"; exit 0; }
# Fill the disk with a filler file, leaving little room.
avail=$(df --output=avail -B1 "$M" | tail -1)
fallocate -l $((avail - 120000)) "$M/filler" 2>/dev/null || head -c $((avail - 120000)) /dev/zero >"$M/filler"
codes=""; ok200=0
for i in $(seq 1 300); do
    c=$(post /v1/traces application/x-protobuf "$F/traces.pb")
    codes="$codes $c"; [ "$c" = 200 ] && ok200=$((ok200 + 1))
    [ "$c" = 503 ] && break
done
case "$codes" in *503*) ok disk_full_503 ;; *) fail disk_full_503 "codes:$codes" ;; esac
# Whatever LMDB reported (ENOSPC, or EIO on a filesystem that filled mid-write), it was taken
# for a full disk (backpressure), not an I/O error answered 500; and the next request while
# full gets 503 too, not the high watermark's 429.
grep -q 'op=spool_append .*action=backpressure' "$M/data/receiver.log" && ! grep -q 'level=error comp=receiver op=spool_append' "$M/data/receiver.log" &&
    ok disk_full_classified_full || fail disk_full_classified_full "$(grep -m2 'op=spool_append' "$M/data/receiver.log")"
check_eq disk_full_next_request_503 503 "$(post /v1/traces application/x-protobuf "$F/traces.pb")"
grep -qi '^Retry-After:' "$T_TMP/headers" && ok disk_full_retry_after || fail disk_full_retry_after "no Retry-After"
grep -q 'No space left\|full' "$T_TMP/resp" && ok disk_full_message || fail disk_full_message "$(cat "$T_TMP/resp")"
check_eq disk_full_health 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q '^o2p_group_commit_failures_total [1-9]' \
    && ok disk_full_metrics || fail disk_full_metrics "no commit failure counted"
kill -0 "$RECV_PID" && ok disk_full_no_crash || fail disk_full_no_crash "receiver died"
# Space returns: intake recovers without a restart.
rm -f "$M/filler"
recovered=no
for _ in $(seq 1 50); do
    [ "$(post /v1/traces application/x-protobuf "$F/traces.pb")" = 200 ] && { recovered=yes; ok200=$((ok200 + 1)); break; }
    sleep 0.1
done
check_eq disk_full_recovers_by_itself yes "$recovered"
check_eq disk_full_acked_are_spooled $((ok200 * 10)) "$(spool_records "$M/data" traces)"
stop_receiver
"$O2P_BIN/otlp2parquet" spool check --data-dir "$M/data" >/dev/null && ok disk_full_spool_intact || fail disk_full_spool_intact "spool check failed"

# The spool alone fills the disk (no filler): spool.min_free_bytes keeps room for the writer's
# Parquet files on the same disk, so intake stops at 503 before the last byte, the writer drains
# the spool into files, and intake resumes by itself: a full disk resolves itself.
start_receiver "$M/data2" --set spool.max_bytes=1GiB --set receiver.retry_after=1s --set spool.min_free_bytes=1MiB \
    --set writer.max_file_age=100ms --set catalog.warehouse="file://$M/wh" || { fail reserve_start "see log"; exit 0; }
codes=""
for i in $(seq 1 2000); do
    c=$(post /v1/traces application/x-protobuf "$F/traces.pb")
    [ "$c" = 200 ] || { codes="$c"; break; }
done
check_eq reserve_503_before_full 503 "$codes" "$(cat "$T_TMP/resp")"
grep -q 'spool.min_free_bytes' "$T_TMP/resp" && ok reserve_message || fail reserve_message "$(cat "$T_TMP/resp")"
avail=$(df --output=avail -B1 "$M" | tail -1)
[ "$avail" -ge 500000 ] && ok reserve_kept || fail reserve_kept "only $avail bytes free"
"$O2P_BIN/otlp2parquet-writer" --data-dir "$M/data2" --set writer.max_file_age=100ms --set writer.poll_interval=50ms \
    --set catalog.warehouse="file://$M/wh" >"$T_TMP/reserve-writer.log" 2>&1 &
WP=$!; T_PIDS+=($WP)
for _ in $(seq 1 100); do [ "$(spool_records "$M/data2" traces)" = 0 ] && break; sleep 0.1; done
check_eq reserve_writer_drained 0 "$(spool_records "$M/data2" traces)" "$(tail -3 "$T_TMP/reserve-writer.log")"
recovered=no
for _ in $(seq 1 50); do
    [ "$(post /v1/traces application/x-protobuf "$F/traces.pb")" = 200 ] && { recovered=yes; break; }
    sleep 0.1
done
check_eq reserve_intake_resumes yes "$recovered"
kill -TERM $WP; wait_exit $WP 10
stop_receiver
