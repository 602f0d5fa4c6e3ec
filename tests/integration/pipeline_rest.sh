#!/bin/bash
# The whole pipeline on a REST catalog whose warehouse is a name, not a URL (as S3 Tables, Glue
# and R2 have it): the committer creates the tables up front, the catalog chooses their
# locations, the writers put data files there, and icebird reads the tables through the
# metadata location the catalog returns.
. "$(dirname "$0")/lib.sh"
CAT=$O2P_ROOT/tests/catalog/rest_catalog.py
CAT_PORT=$(free_port)
mkdir -p "$T_TMP/cat"
$PY "$CAT" --port "$CAT_PORT" --warehouse "$T_TMP/cat/wh" >"$T_TMP/cat/catalog.log" 2>&1 &
T_PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CAT_PORT/admin/health" >/dev/null && break; sleep 0.05; done
D=$T_TMP/data
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set catalog.type=rest --set "catalog.uri=http://127.0.0.1:$CAT_PORT" --set catalog.warehouse=acct_otel \
    --set writer.max_file_age=200ms --set committer.interval=300ms --set "catalog.header.X-Gateway-Key=k 1" \
    >"$T_TMP/run.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" || { fail rest_run_ready "$(tail -5 "$T_TMP/run.log")"; exit 0; }
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 300 --batch 100 \
    --strict --timeout 30000 >"$T_TMP/send.out" 2>&1 && ok rest_sdk_send || fail rest_sdk_send "$(tail -2 "$T_TMP/send.out")"
kill -TERM $RUN_PID; wait $RUN_PID
check_eq rest_run_exit_0 0 "$?"
check_eq rest_queue_drained 0 "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")"
# The writers' drain wrote every record, including those whose table was created late.
check_eq rest_spool_drained "0 0 0" "$(spool_records "$D" logs) $(spool_records "$D" traces) $(spool_records "$D" metrics)"
for t in logs traces; do
    meta=$(curl -s "http://127.0.0.1:$CAT_PORT/v1/namespaces/otel/tables/$t" | $PY -c "import json,sys; r=json.load(sys.stdin); print(r['metadata-location'], r['metadata']['location'])")
    loc=${meta#* }
    out=$($NODE "$INTEROP/iceberg-read.mjs" "${loc#file://}" --metadata "${meta%% *}" --rows 0 2>&1)
    echo "$out" | grep -q '^icebird read 300 rows' && echo "$out" | tail -1 | grep -q '^OK' \
        && ok "rest_icebird_${t}" || fail "rest_icebird_${t}" "$(echo "$out" | tail -3)"
    n=$(find "${loc#file://}/data" -name '*.parquet' | wc -l)
    [ "$n" -ge 1 ] && ok "rest_${t}_data_under_catalog_location" || fail "rest_${t}_data_under_catalog_location" "no files in $loc/data"
done
# Every catalog request names the client and carries the configured extra header.
$PY - "$T_TMP/cat/wh/requests.jsonl" >"$T_TMP/headers.out" <<'PYEOF'
import json, re, sys
# (the test's own curl loads above are not the client's)
reqs = [r for r in map(json.loads, open(sys.argv[1])) if not r["headers"].get("user-agent", "").startswith("curl/")]
bad_ua = [r["headers"].get("user-agent") for r in reqs if not re.fullmatch(r"otlp2parquet/\d+\.\d+\.\d+", r["headers"].get("user-agent", ""))]
bad_hdr = [r["path"] for r in reqs if r["headers"].get("x-gateway-key") != "k 1"]
print(len(reqs), len(bad_ua), len(bad_hdr), bad_ua[:2], bad_hdr[:2])
PYEOF
read -r nreq nua nhdr _ <"$T_TMP/headers.out"
[ "$nreq" -gt 5 ] && [ "$nua" = 0 ] && ok rest_user_agent_on_every_request || fail rest_user_agent_on_every_request "$(cat "$T_TMP/headers.out")"
[ "$nreq" -gt 5 ] && [ "$nhdr" = 0 ] && ok rest_catalog_header_on_every_request || fail rest_catalog_header_on_every_request "$(cat "$T_TMP/headers.out")"
