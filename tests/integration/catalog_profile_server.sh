#!/bin/bash
# The vendor profiles of the test catalog, checked from the server side with a reference client
# (tests/catalog/profile_checks.py: urllib + botocore's SigV4 signer), independent of the C
# client: SigV4 verification and expiry (glue), policy 403s re-read on change, pre-created
# namespaces, location rules, lower-casing, metadata: null, encoded-ARN prefix (s3tables), vended
# credentials (r2), OAuth2 scope/realm/Basic/audience/token paths (polaris, lakekeeper, nessie),
# and the S3 proxy's keys file and If-None-Match refusal, the IMDS mock's key rotation.
. "$(dirname "$0")/lib.sh"
S3RVER=$INTEROP/node_modules/s3rver/bin/s3rver.js
[ -f "$S3RVER" ] || { fail profile_server_s3rver "s3rver missing (make interop-deps)"; exit 0; }
KEYS=$T_TMP/keys.jsonl; : >"$KEYS"
S3_PORT=$(free_port); PROXY_PORT=$(free_port); IMDS_PORT=$(free_port)
mkdir -p "$T_TMP/s3data"
$NODE "$S3RVER" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets --configure-bucket warehouse \
    >"$T_TMP/s3rver.log" 2>&1 &
T_PIDS+=($!)
$NODE "$INTEROP/s3-sigv4-proxy.mjs" --upstream "http://127.0.0.1:$S3_PORT" --port "$PROXY_PORT" --keys-file "$KEYS" \
    --refuse-header If-None-Match:PutObject >"$T_TMP/proxy.log" 2>&1 &
T_PIDS+=($!)
$NODE "$INTEROP/s3-imds-mock.mjs" --port "$IMDS_PORT" --rotate --keys-file "$KEYS" --ttl 3600 --real-ttl 2 \
    >"$T_TMP/imds.log" 2>&1 &
T_PIDS+=($!)
for port in $S3_PORT $PROXY_PORT $IMDS_PORT; do
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
cd "$O2P_ROOT/tests/catalog" && timeout 60 $PY profile_checks.py "$T_TMP" "http://127.0.0.1:$PROXY_PORT" "$KEYS" \
    "http://127.0.0.1:$IMDS_PORT" || fail profile_checks_exit "exited $?"
