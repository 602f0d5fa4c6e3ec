#!/bin/bash
# Writers drain a spool filled by real SDK exporters into Parquet files: 1, 2 and 4 writers
# concurrently produce every record exactly once; kill -9 of a writer mid-claim still yields
# every record exactly once; a poisoned record is quarantined while the rest flows.
. "$(dirname "$0")/lib.sh"
N=3000
D=$T_TMP/src
start_receiver "$D" || { fail receiver_start "see log"; exit 1; }
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count $N \
    --batch 100 --strict >"$T_TMP/send.out" 2>&1 || fail sdk_send "$(tail -3 "$T_TMP/send.out")"
stop_receiver
check_eq filled_logs $N "$(spool_records "$D" logs)"

WRITER_SETS=(--set writer.max_file_rows=700 --set writer.poll_interval=50ms --set writer.max_file_age=200ms
             --set writer.claim_lease=2s)

# start_writers DIR N: starts N writers on DIR, pids in W_PIDS
start_writers() {
    W_PIDS=()
    for i in $(seq 1 "$2"); do
        "$O2P_BIN/otlp2parquet-writer" --data-dir "$1" "${WRITER_SETS[@]}" >>"$1/writer.log" 2>&1 &
        W_PIDS+=($!); T_PIDS+=($!)
    done
}

# wait_drained DIR: until the spool holds no records and no claims (30 s at most)
wait_drained() {
    for _ in $(seq 1 300); do
        if "$O2P_BIN/otlp2parquet" status --json --data-dir "$1" | $PY -c "
import json,sys; s=json.load(sys.stdin); sp=s['spool']
sys.exit(0 if all(sp[k]['records']==0 and sp[k]['entries']==0 for k in ('logs','traces','metrics')) and len(s['claims'])==0 else 1)"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

stop_writers() {
    local rc=0
    for p in "${W_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${W_PIDS[@]}"; do wait "$p" || rc=$?; done
    return $rc
}

# verify NAME DIR: exactly once, read back by DuckDB, and one files entry per data file
verify() {
    local name=$1 dir=$2 wh=$2/warehouse/otel
    local q
    q=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT
        (SELECT count(*) FROM read_parquet('$wh/logs/data/*/*.parquet')),
        (SELECT count(DISTINCT log_attributes['log.index']) FROM read_parquet('$wh/logs/data/*/*.parquet')),
        (SELECT count(*) FROM read_parquet('$wh/traces/data/*/*.parquet')),
        (SELECT count(DISTINCT span_id) FROM read_parquet('$wh/traces/data/*/*.parquet')),
        (SELECT count(*) FROM read_parquet('$wh/metrics_*/data/*/*.parquet', union_by_name=true))" 2>&1)
    check_eq "${name}_exactly_once" "[\"$N\",\"$N\",\"$N\",\"$N\",\"13\"]" "$q"
    local files queued
    files=$(find "$wh" -name '*.parquet' | wc -l)
    queued=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$dir" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")
    check_eq "${name}_files_queued" "$files" "$queued"
    [ -z "$(find "$dir/tmp" -name '*.tmp' 2>/dev/null)" ] && ok "${name}_no_temp_files" || fail "${name}_no_temp_files" "$(ls "$dir/tmp")"
}

for n in 1 2 4; do
    W=$T_TMP/w$n; mkdir -p "$W"; cp -r "$D/spool" "$W/spool"
    start_writers "$W" $n
    if wait_drained "$W"; then ok "writers_${n}_drained"; else fail "writers_${n}_drained" "$(tail -3 "$W/writer.log")"; fi
    stop_writers && ok "writers_${n}_exit_0" || fail "writers_${n}_exit_0" "$(tail -3 "$W/writer.log")"
    verify "writers_$n" "$W"
done

# kill -9 a writer in the middle of a claim, then let others finish: the redo overwrites the
# published files under the same names and queues each once.
K=$T_TMP/kill; mkdir -p "$K"; cp -r "$D/spool" "$K/spool"
WRITER_SETS=(--set writer.max_file_rows=100000 --set writer.poll_interval=50ms --set writer.max_file_age=10ms
             --set writer.claim_lease=1s)
# The first writer dies by SIGKILL right after publishing its files, before completing the claim.
O2P_FAILPOINT=writer.before_complete start_writers "$K" 1
wait "${W_PIDS[0]}" 2>/dev/null
check_eq kill9_failpoint_hit 1 "$(grep -c 'op=failpoint' "$K/writer.log")"
start_writers "$K" 2
if wait_drained "$K"; then ok kill9_drained; else fail kill9_drained "$(tail -5 "$K/writer.log")"; fi
stop_writers
grep -q "attempt=2" "$K/writer.log" && ok kill9_claim_taken_over || fail kill9_claim_taken_over "the killed writer held no claim: $(grep -c claim_done "$K/writer.log") claims done"
verify kill9 "$K"

# A poisoned record is quarantined; the records around it flow.
P=$T_TMP/poison; mkdir -p "$P"; cp -r "$D/spool" "$P/spool"
printf 'definitely \xff not protobuf' >"$T_TMP/garbage.pb"
"$O2P_BIN/otlp2parquet" spool append logs "$T_TMP/garbage.pb" --data-dir "$P" >/dev/null
start_writers "$P" 1
if wait_drained "$P"; then ok poison_drained; else fail poison_drained "$(tail -5 "$P/writer.log")"; fi
stop_writers
verify poison "$P"
q=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$P" | $PY -c "import json,sys; print(json.load(sys.stdin)['quarantine'])")
check_eq poison_quarantined 1 "$q"
"$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$P" | grep -q 'reason="not a valid OTLP logs request' \
    && ok poison_reason_listed || fail poison_reason_listed "$("$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$P")"
# replay: a quarantined record goes back into the spool; this one is still garbage, so the
# writer quarantines it again with its reason (and nothing else changes).
"$O2P_BIN/otlp2parquet" replay quarantine logs --data-dir "$P" | grep -q "moved 1 quarantined" \
    && ok replay_quarantine_moves_back || fail replay_quarantine_moves_back "replay did not move it"
check_eq replay_spooled_again 1 "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$P" | $PY -c "import json,sys; print(json.load(sys.stdin)['spool']['logs']['entries'])")"
start_writers "$P" 1
wait_drained "$P" && ok replay_drained || fail replay_drained "$(tail -3 "$P/writer.log")"
stop_writers
q=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$P" | $PY -c "import json,sys; print(json.load(sys.stdin)['quarantine'])")
check_eq replay_garbage_requarantined 1 "$q"
