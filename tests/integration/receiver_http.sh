#!/bin/bash
# OTLP/HTTP with real clients: the OpenTelemetry JS SDK exporters (http/protobuf, http/json,
# with and without gzip) and curl; after each, the spool holds exactly the records sent.
# Then every error answer, and kill -9 after acknowledgements.
. "$(dirname "$0")/lib.sh"
F=$INTEROP/fixtures
D=$T_TMP/data
start_receiver "$D" || { fail receiver_start "see log"; exit 1; }

# Metrics: otel-send's instruments produce 13 data points per run whatever --count is.
expect_logs=0; expect_traces=0; expect_metrics=0
sdk_send() { # name protocol [--gzip]
    local name=$1 proto=$2; shift 2
    if $NODE "$INTEROP/otel-send.mjs" --protocol "$proto" --endpoint "http://127.0.0.1:$HTTP_PORT" \
        --count 300 --batch 100 --strict "$@" >"$T_TMP/$name.out" 2>&1; then
        expect_logs=$((expect_logs + 300)); expect_traces=$((expect_traces + 300)); expect_metrics=$((expect_metrics + 13))
        check_eq "${name}_logs" $expect_logs "$(spool_records "$D" logs)"
        check_eq "${name}_traces" $expect_traces "$(spool_records "$D" traces)"
        check_eq "${name}_metrics" $expect_metrics "$(spool_records "$D" metrics)"
    else
        fail "$name" "SDK export failed: $(tail -3 "$T_TMP/$name.out")"
    fi
}
sdk_send sdk_http_protobuf http/protobuf
sdk_send sdk_http_protobuf_gzip http/protobuf --gzip
sdk_send sdk_http_json http/json
sdk_send sdk_http_json_gzip http/json --gzip

# curl with each Content-Encoding on a real SDK body.
gzip -c "$F/logs.pb" >"$T_TMP/logs.pb.gz"
zstd -q -c "$F/logs.pb" >"$T_TMP/logs.pb.zst" 2>/dev/null || $PY -c "
import sys; sys.exit(1)"
$PY -c "import zlib,sys; open(sys.argv[2],'wb').write(zlib.compress(open(sys.argv[1],'rb').read()))" "$F/logs.pb" "$T_TMP/logs.pb.zz"
before=$(spool_records "$D" logs)
check_eq curl_gzip 200 "$(post /v1/logs application/x-protobuf "$T_TMP/logs.pb.gz" -H 'Content-Encoding: gzip')"
check_eq curl_deflate 200 "$(post /v1/logs application/x-protobuf "$T_TMP/logs.pb.zz" -H 'Content-Encoding: deflate')"
if [ -s "$T_TMP/logs.pb.zst" ]; then
    check_eq curl_zstd 200 "$(post /v1/logs application/x-protobuf "$T_TMP/logs.pb.zst" -H 'Content-Encoding: zstd')"
    n=30
else
    n=20
fi
check_eq curl_chunked 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb" -H 'Transfer-Encoding: chunked')"
check_eq curl_encodings_spooled $((before + n + 10)) "$(spool_records "$D" logs)"
check_eq json_charset_param 200 "$(post /v1/traces 'application/json; charset=utf-8' "$F/traces.json")"

# Errors: a clear status and message, nothing spooled.
before_l=$(spool_records "$D" logs); before_t=$(spool_records "$D" traces)
printf 'this is not protobuf \xff\xff\xff' >"$T_TMP/garbage"
check_eq malformed_protobuf_400 400 "$(post /v1/logs application/x-protobuf "$T_TMP/garbage")"
grep -q "malformed protobuf" "$T_TMP/resp" && ok malformed_protobuf_message || fail malformed_protobuf_message "$(cat "$T_TMP/resp")"
echo '{"resourceLogs": [ {"scopeLogs": 7} ] }' >"$T_TMP/bad.json"
check_eq malformed_json_400 400 "$(post /v1/logs application/json "$T_TMP/bad.json")"
grep -q '"code":3' "$T_TMP/resp" && grep -q scopeLogs "$T_TMP/resp" && ok malformed_json_message_names_field || fail malformed_json_message_names_field "$(cat "$T_TMP/resp")"
check_eq unknown_path_404 404 "$(post /v1/profiles application/x-protobuf "$F/logs.pb")"
check_eq wrong_method_405 405 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/v1/logs")"
check_eq content_type_415 415 "$(post /v1/logs text/plain "$F/logs.pb")"
check_eq content_type_missing_415 415 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type:' --data-binary "@$F/logs.pb" "http://127.0.0.1:$HTTP_PORT/v1/logs")"
check_eq content_encoding_415 415 "$(post /v1/logs application/x-protobuf "$F/logs.pb" -H 'Content-Encoding: br')"
head -c 100 "$T_TMP/logs.pb.gz" >"$T_TMP/trunc.gz"
check_eq truncated_gzip_400 400 "$(post /v1/logs application/x-protobuf "$T_TMP/trunc.gz" -H 'Content-Encoding: gzip')"
check_eq errors_spooled_nothing "$before_l/$before_t" "$(spool_records "$D" logs)/$(spool_records "$D" traces)"

# Partial success: one span with an impossible trace id is dropped and reported.
$PY - "$F/traces.json" "$T_TMP/partial.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = ""
json.dump(d, open(sys.argv[2], "w"))
PYEOF
before=$(spool_records "$D" traces)
check_eq partial_success_200 200 "$(post /v1/traces application/json "$T_TMP/partial.json")"
$PY -c "import json,sys; r=json.load(open(sys.argv[1]))['partialSuccess']; assert r['rejectedSpans'] in ('1',1), r; assert 'trace_id' in r['errorMessage'], r" "$T_TMP/resp" \
    && ok partial_success_body || fail partial_success_body "$(cat "$T_TMP/resp")"
check_eq partial_success_spooled_rest $((before + 9)) "$(spool_records "$D" traces)"
stop_receiver

# Size limits: body over max_request_bytes, a gzip bomb over max_decompressed_bytes, headers
# over max_header_bytes.
D2=$T_TMP/limits
start_receiver "$D2" --set receiver.max_request_bytes=64KiB --set receiver.max_decompressed_bytes=1MiB \
    --set receiver.max_header_bytes=8KiB || exit 1
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
check_eq huge_header_refused 400 "$(post /v1/logs application/x-protobuf "$F/logs.pb" -H "X-Big: $big")"
check_eq huge_header_still_serving 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")"
head -c 200000 /dev/urandom >"$T_TMP/big"
check_eq body_over_limit_413 413 "$(post /v1/logs application/x-protobuf "$T_TMP/big")"
check_eq chunked_over_limit_413 413 "$(post /v1/logs application/x-protobuf "$T_TMP/big" -H 'Transfer-Encoding: chunked')"
head -c 50000000 /dev/zero | gzip -9 >"$T_TMP/bomb.gz"
check_eq gzip_bomb_413 413 "$(post /v1/logs application/x-protobuf "$T_TMP/bomb.gz" -H 'Content-Encoding: gzip')"
grep -q max_decompressed_bytes "$T_TMP/resp" && ok gzip_bomb_message || fail gzip_bomb_message "$(cat "$T_TMP/resp")"
rss=$(awk '/VmHWM/ {print $2}' /proc/$RECV_PID/status)
[ "$rss" -lt 65536 ] && ok gzip_bomb_memory_bounded || fail gzip_bomb_memory_bounded "peak RSS ${rss} KiB"
check_eq limits_spooled_nothing 0 "$(spool_records "$D2" logs)"
stop_receiver

# Bearer token.
D3=$T_TMP/auth
echo 's3cret-token' >"$T_TMP/token"
start_receiver "$D3" --set "receiver.auth_token_file=$T_TMP/token" || exit 1
check_eq auth_missing_401 401 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
grep -qi '^WWW-Authenticate: Bearer' "$T_TMP/headers" && ok auth_www_authenticate || fail auth_www_authenticate "no header"
check_eq auth_wrong_401 401 "$(post /v1/logs application/x-protobuf "$F/logs.pb" -H 'Authorization: Bearer wrong')"
check_eq auth_right_200 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb" -H 'Authorization: Bearer s3cret-token')"
if $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 50 \
    --signals logs --header "Authorization=Bearer s3cret-token" --strict >"$T_TMP/auth.out" 2>&1; then
    check_eq auth_sdk_header 60 "$(spool_records "$D3" logs)"
else fail auth_sdk_header "$(tail -2 "$T_TMP/auth.out")"; fi
check_eq auth_health_open 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")"
stop_receiver

# Backpressure: past the high watermark, 429 with Retry-After; health still answers.
D4=$T_TMP/full
start_receiver "$D4" --set spool.max_bytes=1MiB --set spool.high_watermark=0.05 --set receiver.retry_after=2s || exit 1
codes=""
for i in $(seq 1 40); do codes="$codes $(post /v1/traces application/x-protobuf "$F/traces.pb")"; done
case "$codes" in *429*) ok backpressure_429 ;; *) fail backpressure_429 "codes:$codes" ;; esac
grep -qi '^Retry-After: 2' "$T_TMP/headers" && ok backpressure_retry_after || fail backpressure_retry_after "$(cat "$T_TMP/headers")"
check_eq backpressure_health 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q 'o2p_receiver_rejections_total{transport="http",reason="spool_full"} [1-9]' \
    && ok backpressure_metric || fail backpressure_metric "no spool_full rejections in /metrics"
accepted=$(echo "$codes" | tr ' ' '\n' | grep -c '^200$')
check_eq backpressure_accepted_are_spooled $((accepted * 10)) "$(spool_records "$D4" traces)"
stop_receiver

# Kill -9 after acknowledgements: everything acknowledged is there after restart.
D5=$T_TMP/kill
start_receiver "$D5" || exit 1
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 1000 \
    --batch 100 --signals logs,traces --strict >"$T_TMP/kill.out" 2>&1 || fail kill_send "$(tail -2 "$T_TMP/kill.out")"
kill -9 "$RECV_PID"; wait "$RECV_PID" 2>/dev/null
start_receiver "$D5" || exit 1
check_eq kill9_logs_survive 1000 "$(spool_records "$D5" logs)"
check_eq kill9_traces_survive 1000 "$(spool_records "$D5" traces)"
"$O2P_BIN/otlp2parquet" spool check --data-dir "$D5" >"$T_TMP/check.out" 2>&1 && ok kill9_spool_check || fail kill9_spool_check "$(tail -3 "$T_TMP/check.out")"
grep -q 'o2p_receiver_ready 1' <(curl -s "http://127.0.0.1:$HTTP_PORT/metrics") && ok metrics_ready_gauge || fail metrics_ready_gauge "missing"
stop_receiver
grep -q 'op=exit status=0' "$D5/receiver.log" && ok sigterm_clean_exit || fail sigterm_clean_exit "$(tail -2 "$D5/receiver.log")"
