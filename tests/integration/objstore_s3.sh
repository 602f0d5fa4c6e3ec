#!/bin/bash
# objstore_s3.sh - the s3:// object store against s3rver behind the SigV4-checking proxy
# (tests/interop/s3-sigv4-proxy.mjs verifies every request with AWS's own signer), plus
# IMDSv2 credentials from a loopback mock (tests/interop/s3-imds-mock.mjs). The C driver is
# $B/tests/test_objstore_s3; this script starts the servers and gives it their addresses.
. "$(dirname "$0")/lib.sh"
B=${B:-build}
DRIVER=$O2P_ROOT/$B/tests/test_objstore_s3
S3RVER=$INTEROP/node_modules/s3rver/bin/s3rver.js
if [ ! -x "$DRIVER" ]; then fail objstore_s3 "driver $DRIVER not built"; exit 0; fi
if [ ! -f "$S3RVER" ]; then fail objstore_s3 "s3rver missing (make interop-deps)"; exit 0; fi

S3_PORT=$(free_port); PROXY_PORT=$(free_port); IMDS_PORT=$(free_port)
mkdir -p "$T_TMP/s3data"
$NODE "$S3RVER" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets \
    --configure-bucket warehouse >"$T_TMP/s3rver.log" 2>&1 &
T_PIDS+=($!)
$NODE "$INTEROP/s3-sigv4-proxy.mjs" --upstream "http://127.0.0.1:$S3_PORT" --port "$PROXY_PORT" \
    --if-none-match >"$T_TMP/proxy.log" 2>&1 &
T_PIDS+=($!)
$NODE "$INTEROP/s3-imds-mock.mjs" --port "$IMDS_PORT" >"$T_TMP/imds.log" 2>&1 &
T_PIDS+=($!)

wait_port() { # PORT LOG: any HTTP answer counts
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    echo "server on port $1 did not start:"; tail -5 "$2"; return 1
}
wait_port "$S3_PORT" "$T_TMP/s3rver.log" && wait_port "$PROXY_PORT" "$T_TMP/proxy.log" &&
    wait_port "$IMDS_PORT" "$T_TMP/imds.log" || { fail objstore_s3 "servers did not start"; exit 0; }

# The proxy itself must refuse a bad signature (so a pass below means something).
now=$(date -u +%Y%m%dT%H%M%SZ)
code=$(curl -s -o "$T_TMP/bad.xml" -w '%{http_code}' -X PUT --data x \
    -H "x-amz-date: $now" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=S3RVER/${now:0:8}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' $(seq 64))" \
    "http://127.0.0.1:$PROXY_PORT/warehouse/x")
check_eq proxy_rejects_bad_signature "403 SignatureDoesNotMatch" "$code $(grep -o SignatureDoesNotMatch "$T_TMP/bad.xml")"

# A second proxy refuses If-None-Match on PutObject as general S3 refuses a header it does not
# implement (501), for the driver's conditional_header_refused.
REFUSE_PORT=$(free_port)
$NODE "$INTEROP/s3-sigv4-proxy.mjs" --upstream "http://127.0.0.1:$S3_PORT" --port "$REFUSE_PORT" \
    --refuse-header If-None-Match:PutObject --refuse-style s3 >"$T_TMP/proxy-refuse.log" 2>&1 &
T_PIDS+=($!)
wait_port "$REFUSE_PORT" "$T_TMP/proxy-refuse.log"
env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_SHARED_CREDENTIALS_FILE \
    O2P_S3_REFUSING_ENDPOINT="http://127.0.0.1:$REFUSE_PORT" \
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true \
    O2P_S3_ENDPOINT="http://127.0.0.1:$PROXY_PORT" O2P_S3_BUCKET=warehouse \
    O2P_S3_DATA_DIR="$T_TMP/s3data" O2P_IMDS_ENDPOINT="http://127.0.0.1:$IMDS_PORT" \
    timeout 50 "$DRIVER" >"$T_TMP/driver.out" 2>&1
rc=$?
grep -E '^(ok|FAIL) ' "$T_TMP/driver.out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/driver.out"; then
    fail objstore_s3_driver "exited $rc"; tail -20 "$T_TMP/driver.out"
fi
if grep -q '^FAIL ' "$T_TMP/driver.out"; then
    echo "--- driver output"; tail -30 "$T_TMP/driver.out"
    echo "--- proxy log"; tail -30 "$T_TMP/proxy.log"
fi
# Every request the driver made with the right keys passed the signature check: the only
# 403s in the proxy log are the deliberate ones (wrong secret, unknown key, bad signature).
bad=$(grep -c -- '-> 403' "$T_TMP/proxy.log")
[ "$bad" -le 6 ] && ok proxy_only_expected_rejections || fail proxy_only_expected_rejections "$bad 403s"

# The writer daemon with an s3:// warehouse: Parquet files go through the SigV4 proxy into
# s3rver, and each is queued once for the committer.
W=$T_TMP/writer-s3
start_receiver "$W" || { fail writer_s3_receiver "see log"; exit 0; }
for s in logs traces metrics; do
    for i in 1 2 3; do post /v1/$s application/x-protobuf "$INTEROP/fixtures/$s.pb" >/dev/null; done
done
stop_receiver
env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_SHARED_CREDENTIALS_FILE \
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true \
    timeout 30 "$O2P_BIN/otlp2parquet-writer" --data-dir "$W" --set catalog.warehouse=s3://warehouse/writer-e2e \
    --set "s3.endpoint=http://127.0.0.1:$PROXY_PORT" --set s3.path_style=true --set writer.max_file_age=10ms \
    --set writer.poll_interval=20ms >"$W/writer.log" 2>&1 &
wpid=$!; T_PIDS+=($wpid)
for _ in $(seq 1 100); do
    [ "$("$O2P_BIN/otlp2parquet" status --json --data-dir "$W" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")" -ge 6 ] && break
    sleep 0.1
done
kill -TERM $wpid; wait $wpid
check_eq writer_s3_spool_drained "0 0 0" "$(for s in logs traces metrics; do spool_records "$W" $s; done | tr '\n' ' ' | sed 's/ $//')"
objects=$(find "$T_TMP/s3data/warehouse/writer-e2e/otel" -name '*.parquet._S3rver_object' | wc -l)
queued=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$W" | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])")
check_eq writer_s3_objects_match_queue "$queued" "$objects"
f=$(find "$T_TMP/s3data/warehouse/writer-e2e/otel/logs" -name '*.parquet._S3rver_object' | head -1)
rows=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT count(*) FROM read_parquet('$f')" 2>&1)
check_eq writer_s3_object_is_parquet '["30"]' "$rows"
# The refusing store saw the header twice (the plain create-only PUT, then the first unique
# name's first attempt), never again after the fallback.
check_eq conditional_header_refused_twice_only 2 "$(grep -c -- '-> 501 NotImplemented' "$T_TMP/proxy-refuse.log")"
