#!/bin/bash
# Records that cannot be written never wedge a claim (issue: hostile clients and bad data):
#  - any number of undecodable records in one claim are quarantined with their reasons, and
#    the good records around them are written exactly once (a fixed cap of 64 once failed the
#    65th and retried the claim forever);
#  - a record that kills the writer process (simulated by the writer.decode_marker failpoint,
#    as a decoder crash would) is isolated: after WRITER_DEATHS_TO_QUARANTINE deaths on it, the
#    next writer quarantines it undecoded and the rest of the claim flows.
. "$(dirname "$0")/lib.sh"

# logs_json FILE FIRST N [MARKER]: an OTLP/JSON logs request of N records, log.index FIRST..
logs_json() {
    $PY - "$@" <<'PY'
import json, sys
path, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
marker = sys.argv[4] if len(sys.argv) > 4 else ""
recs = [{"timeUnixNano": str(1700000000000000000 + i), "body": {"stringValue": "rec %d %s" % (i, marker)},
         "attributes": [{"key": "log.index", "value": {"intValue": str(i)}}]} for i in range(first, first + n)]
json.dump({"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "p"}}]},
                              "scopeLogs": [{"logRecords": recs}]}]}, open(path, "w"))
PY
}

# rows DIR -> "rows distinct-indexes" in DIR's logs table files
rows() {
    $NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*), count(DISTINCT log_attributes['log.index'])
        FROM read_parquet('$1/warehouse/otel/logs/data/*/*.parquet')" 2>&1
}
quarantined() {
    "$O2P_BIN/otlp2parquet" status --json --data-dir "$1" | $PY -c "import json,sys; print(json.load(sys.stdin)['quarantine'])"
}
WSETS=(--set writer.max_file_rows=1000000 --set writer.max_file_age=10ms --set writer.poll_interval=50ms
       --set writer.claim_lease=1s)

# A. 70 undecodable records interleaved with 30 good ones, all in one claim.
A=$T_TMP/a
start_receiver "$A" || { fail poison_receiver "see log"; exit 1; }
printf 'definitely \xff not protobuf' >"$T_TMP/garbage.pb"
for part in 0 1 2; do
    logs_json "$T_TMP/good$part.json" $((part * 10)) 10
    check_eq "poison_good_${part}_acked" 200 "$(post /v1/logs application/json "$T_TMP/good$part.json")"
    [ $part = 2 ] && break
    for _ in $(seq 1 35); do
        "$O2P_BIN/otlp2parquet" spool append logs "$T_TMP/garbage.pb" --data-dir "$A" >/dev/null ||
            fail poison_append "spool append failed"
    done
done
stop_receiver
check_eq poison_spooled 73 "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$A" | $PY -c "import json,sys; print(json.load(sys.stdin)['spool']['logs']['entries'])")"
"$O2P_BIN/otlp2parquet-writer" --data-dir "$A" "${WSETS[@]}" >"$A/writer.log" 2>&1 &
WP=$!; T_PIDS+=($WP)
for _ in $(seq 1 100); do [ "$(spool_records "$A" logs)" = 0 ] && break; sleep 0.1; done
kill -TERM $WP; wait_exit $WP 10
check_eq poison_70_one_claim "1" "$(grep -c 'op=claim_done.*quarantined=70' "$A/writer.log")" "$(grep -m2 'op=claim' "$A/writer.log")"
check_eq poison_70_quarantined 70 "$(quarantined "$A")"
check_eq poison_good_exactly_once '["30","30"]' "$(rows "$A")"
"$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$A" | grep -c 'reason="not a valid OTLP logs request' |
    grep -qx 70 && ok poison_reasons_listed || fail poison_reasons_listed "$("$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$A" | head -3)"

# B. A record that kills every writer that decodes it, between 40 good ones.
B=$T_TMP/b
start_receiver "$B" || { fail killer_receiver "see log"; exit 1; }
logs_json "$T_TMP/k0.json" 0 20; logs_json "$T_TMP/k1.json" 100 1 o2p-failpoint-kill; logs_json "$T_TMP/k2.json" 20 20
for f in k0 k1 k2; do check_eq "killer_${f}_acked" 200 "$(post /v1/logs application/json "$T_TMP/$f.json")"; done
stop_receiver
deaths=0
for _ in $(seq 1 8); do
    O2P_FAILPOINT=writer.decode_marker "$O2P_BIN/otlp2parquet-writer" --data-dir "$B" "${WSETS[@]}" >>"$B/writer.log" 2>&1 &
    WP=$!; T_PIDS+=($WP)
    for _ in $(seq 1 50); do
        kill -0 $WP 2>/dev/null || break
        [ "$(spool_records "$B" logs)" = 0 ] && break
        sleep 0.1
    done
    if kill -0 $WP 2>/dev/null; then
        kill -TERM $WP; wait_exit $WP 10
        break
    fi
    wait $WP; rc=$?
    [ $rc = 137 ] && deaths=$((deaths + 1))
    sleep 1.1 # the dead writer's lease (writer.claim_lease=1s) runs out; the next one takes over
done
# One death puts the claim in isolation; three more on the same record quarantine it.
check_eq killer_deaths_then_isolated 4 "$deaths" "$(grep -E 'op=(failpoint|claim_done|quarantine)' "$B/writer.log" | tail -5)"
check_eq killer_drained 0 "$(spool_records "$B" logs)"
check_eq killer_quarantined 1 "$(quarantined "$B")"
"$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$B" | grep -q 'died while decoding this record' &&
    ok killer_reason_listed || fail killer_reason_listed "$("$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$B")"
check_eq killer_good_exactly_once '["40","40"]' "$(rows "$B")"

# C. A valid backfill: one request whose 300 records fall on 300 different days, next to an
#    ordinary one. More partitions than files open at once (256) is the claim's problem, not
#    a record's: every row is written once, nothing quarantined.
C=$T_TMP/c
start_receiver "$C" || { fail backfill_receiver "see log"; exit 1; }
$PY - "$T_TMP/backfill.json" <<'PY'
import json, sys
day = 86400 * 10**9
recs = [{"timeUnixNano": str(1600000000 * 10**9 + i * day), "body": {"stringValue": "day %d" % i},
         "attributes": [{"key": "log.index", "value": {"intValue": str(i)}}]} for i in range(300)]
json.dump({"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": recs}]}]}, open(sys.argv[1], "w"))
PY
logs_json "$T_TMP/recent.json" 1000 10
check_eq backfill_acked "200 200" "$(post /v1/logs application/json "$T_TMP/backfill.json") $(post /v1/logs application/json "$T_TMP/recent.json")"
stop_receiver
"$O2P_BIN/otlp2parquet-writer" --data-dir "$C" "${WSETS[@]}" >"$C/writer.log" 2>&1 &
WP=$!; T_PIDS+=($WP)
for _ in $(seq 1 100); do [ "$(spool_records "$C" logs)" = 0 ] && break; sleep 0.1; done
kill -TERM $WP; wait_exit $WP 10
check_eq backfill_drained 0 "$(spool_records "$C" logs)" "$(grep -m3 -E 'op=(claim|quarantine)' "$C/writer.log")"
check_eq backfill_nothing_quarantined 0 "$(quarantined "$C")"
check_eq backfill_exactly_once '["310","310"]' "$(rows "$C")"
check_eq backfill_files_queued 301 "$(queued "$C")"
