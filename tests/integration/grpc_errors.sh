#!/bin/bash
# grpc_errors.sh - OTLP/gRPC error and edge cases (tests/interop/grpc-errors.mjs): unknown
# method, malformed protobuf, oversize, unknown grpc-encoding, bad token, gzip bomb, framing
# violations, cancellation, 200 concurrent calls, many large bodies at once; then the spool
# must hold exactly the records that were acknowledged, and the receiver must exit cleanly.
set -u
. "$(dirname "$0")/grpc_lib.bash"
cd "$INTEROP" || exit 1

data=$tmp/data
token=s3cret-$RANDOM
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"
gport=$(free_port); hport=$(free_port)
max_req=1048576; max_dec=4194304
start_receiver errors "$data" "$gport" "$hport" --set receiver.auth_token_file="$tmp/token" \
    --set receiver.max_request_bytes=$max_req --set receiver.max_decompressed_bytes=$max_dec || exit 1
pid=$RECEIVER_PID

node grpc-errors.mjs --target "127.0.0.1:$gport" --token "$token" --max-request $max_req \
    --max-decompressed $max_dec >"$tmp/errors.out" 2>"$tmp/errors.err"
rc=$?
grep -E '^(ok|FAIL) ' "$tmp/errors.out"
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$tmp/errors.out"; then
    echo "FAIL grpc_errors_script: exited $rc: $(tail -n 5 "$tmp/errors.err" | tr '\n' ' ')"
fi
sent=$(sed -n 's/^sent //p' "$tmp/errors.out")
if [ -n "$sent" ]; then
    t=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["traces"])' "$sent")
    l=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["logs"])' "$sent")
    check errors_spool_traces "$data" traces "$t"
    check errors_spool_logs "$data" logs "$l"
fi
receiver_healthy errors "$pid"
stop_receiver errors "$pid"
