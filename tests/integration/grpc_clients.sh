#!/bin/bash
# grpc_clients.sh - real gRPC clients against the receiver's OTLP/gRPC port, and the spool
# holding exactly what they were told was accepted:
#   - the OpenTelemetry JS SDK gRPC exporters (grpc-js), plain and gzip (tests/interop/otel-send.mjs)
#   - gRPC C-core via python3-grpcio (tests/interop/grpc-send.py): fixtures plain and gzip,
#     and 200 concurrent calls on one channel.
set -u
. "$(dirname "$0")/grpc_lib.bash"
cd "$INTEROP" || exit 1

data=$tmp/data
gport=$(free_port); hport=$(free_port)
start_receiver clients "$data" "$gport" "$hport" || exit 1
pid=$RECEIVER_PID
ep=http://127.0.0.1:$gport
want_t=0; want_l=0; want_m=0

# otel-send metrics: counter 2 + up-down counter 2 + gauge 3 + observable gauge 2 +
# histogram 2 + exponential histogram 2 = 13 data points per run.
OTEL_METRIC_POINTS=13
for gz in "" --gzip; do
    name=otel_sdk_grpc${gz:+_gzip}
    if node otel-send.mjs --protocol grpc --endpoint "$ep" --count 1000 --batch 200 --strict $gz \
        >"$tmp/$name.out" 2>&1; then
        echo "ok $name"
    else
        echo "FAIL $name: $(tail -n 3 "$tmp/$name.out" | tr '\n' ' ')"
    fi
    want_t=$((want_t + 1000)); want_l=$((want_l + 1000)); want_m=$((want_m + OTEL_METRIC_POINTS))
    check "${name}_spool_traces" "$data" traces $want_t
    check "${name}_spool_logs" "$data" logs $want_l
    check "${name}_spool_metrics" "$data" metrics $want_m
done

# Fixture record counts: traces.pb 10 spans, logs.pb 10 log records, metrics.pb 13 data points.
for gz in "" --gzip; do
    name=grpcio${gz:+_gzip}
    okall=1
    for s in traces logs metrics; do
        if ! $PY grpc-send.py "fixtures/$s.pb" $s "127.0.0.1:$gport" --repeat 5 $gz >"$tmp/$name.$s.out" 2>&1; then
            okall=0; echo "FAIL ${name}_$s: $(tail -n 2 "$tmp/$name.$s.out" | tr '\n' ' ')"
        fi
    done
    [ $okall = 1 ] && echo "ok $name"
    want_t=$((want_t + 50)); want_l=$((want_l + 50)); want_m=$((want_m + 65))
    check "${name}_spool_traces" "$data" traces $want_t
    check "${name}_spool_logs" "$data" logs $want_l
    check "${name}_spool_metrics" "$data" metrics $want_m
done

if $PY grpc-send.py fixtures/traces.pb traces "127.0.0.1:$gport" --concurrent 200 >"$tmp/conc.out" 2>&1; then
    echo "ok grpcio_200_concurrent_calls"
else
    echo "FAIL grpcio_200_concurrent_calls: $(sort "$tmp/conc.out" | uniq -c | head -5 | tr '\n' ' ')"
fi
want_t=$((want_t + 2000))
check grpcio_200_concurrent_spool_traces "$data" traces $want_t

receiver_healthy clients "$pid"
stop_receiver clients "$pid"

# TLS: ALPN "h2", gRPC C-core with the server's self-signed certificate as its root.
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1; then
    tport=$(free_port); thport=$(free_port)
    start_receiver tls "$tmp/tlsdata" "$tport" "$thport" --set receiver.tls_cert="$tmp/cert.pem" \
        --set receiver.tls_key="$tmp/key.pem" || exit 1
    tpid=$RECEIVER_PID
    if $PY - "$tport" "$tmp/cert.pem" fixtures/traces.pb >"$tmp/tls.out" 2>&1 <<'PYEOF'
import sys, grpc
port, cert, body = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
with grpc.secure_channel(f"localhost:{port}", grpc.ssl_channel_credentials(cert)) as ch:
    export = ch.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
    for _ in range(3):
        export(body, timeout=10)
PYEOF
    then echo "ok grpcio_tls"; else echo "FAIL grpcio_tls: $(tail -n 3 "$tmp/tls.out" | tr '\n' ' ')"; fi
    alpn=$(echo | timeout 5 openssl s_client -connect "127.0.0.1:$tport" -alpn h2,http/1.1 2>/dev/null | sed -n 's/^ALPN protocol: //p')
    if [ "$alpn" = h2 ]; then echo "ok tls_alpn_h2"; else echo "FAIL tls_alpn_h2: negotiated '$alpn'"; fi
    check grpcio_tls_spool_traces "$tmp/tlsdata" traces 30
    stop_receiver tls "$tpid"
else
    echo "FAIL tls_setup: openssl could not make a test certificate"
fi
