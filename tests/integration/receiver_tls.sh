#!/bin/bash
# TLS on both ports (OpenSSL through libevent), and client-certificate checking when
# receiver.tls_client_ca is set. Certificates are made on the spot with the openssl CLI.
. "$(dirname "$0")/lib.sh"
F=$INTEROP/fixtures
C=$T_TMP/certs; mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
mkcert() { # name cn ext
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$C/$1.ext"
    openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
        -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
mkcert server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
mkcert client otel-client "extendedKeyUsage=clientAuth"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rogue -keyout "$C/rogue.key" -out "$C/rogue.pem" 2>/dev/null

D=$T_TMP/tls
start_tls() {
    HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
    mkdir -p "$D"
    "$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
        --set "receiver.tls_cert=$C/server.pem" --set "receiver.tls_key=$C/server.key" "$@" >>"$D/receiver.log" 2>&1 &
    RECV_PID=$!; T_PIDS+=("$RECV_PID")
    for _ in $(seq 1 100); do
        [ "$(curl -s --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTP_PORT/ready")" = 200 ] && return 0
        sleep 0.05
    done
    fail tls_start "$(tail -5 "$D/receiver.log")"; exit 1
}
start_tls
code=$(curl -s --cacert "$C/ca.pem" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
    --data-binary "@$F/logs.pb" "https://127.0.0.1:$HTTP_PORT/v1/logs")
check_eq https_export 200 "$code"
code=$(curl -s --http2 --cacert "$C/ca.pem" -o /dev/null -w '%{http_version}' "https://127.0.0.1:$HTTP_PORT/health")
check_eq https_alpn_http11_even_if_h2_offered 1.1 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")
[ "$code" != 200 ] && ok plaintext_refused_on_tls_port || fail plaintext_refused_on_tls_port "got $code"
if $PY "$INTEROP/grpc-send.py" "$F/traces.pb" traces "localhost:$GRPC_PORT" --tls-ca "$C/ca.pem" >"$T_TMP/g.out" 2>&1; then
    ok grpc_tls_export
else fail grpc_tls_export "$(tail -3 "$T_TMP/g.out")"; fi
if $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "https://localhost:$HTTP_PORT" --count 20 \
    --signals logs --strict >"$T_TMP/sdk.out" 2>&1 </dev/null; then ok sdk_https_export
else
    # The SDK trusts the CA through NODE_EXTRA_CA_CERTS.
    NODE_EXTRA_CA_CERTS=$C/ca.pem $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "https://localhost:$HTTP_PORT" \
        --count 20 --signals logs --strict >"$T_TMP/sdk.out" 2>&1 && ok sdk_https_export || fail sdk_https_export "$(tail -3 "$T_TMP/sdk.out")"
fi
check_eq tls_spooled 30 "$(spool_records "$D" logs)"
stop_receiver

# Client certificates required.
rm -rf "$D"
start_tls --set "receiver.tls_client_ca=$C/ca.pem"
code=$(curl -s --cacert "$C/ca.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTP_PORT/health")
[ "$code" != 200 ] && ok mtls_no_client_cert_refused || fail mtls_no_client_cert_refused "got $code"
code=$(curl -s --cacert "$C/ca.pem" --cert "$C/rogue.pem" --key "$C/rogue.key" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTP_PORT/health")
[ "$code" != 200 ] && ok mtls_unknown_client_cert_refused || fail mtls_unknown_client_cert_refused "got $code"
code=$(curl -s --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/x-protobuf' --data-binary "@$F/logs.pb" "https://127.0.0.1:$HTTP_PORT/v1/logs")
check_eq mtls_client_cert_export 200 "$code"
if $PY "$INTEROP/grpc-send.py" "$F/traces.pb" traces "localhost:$GRPC_PORT" --tls-ca "$C/ca.pem" >"$T_TMP/g2.out" 2>&1; then
    fail grpc_mtls_no_client_cert_refused "call succeeded without a client certificate"
else ok grpc_mtls_no_client_cert_refused; fi
if $PY "$INTEROP/grpc-send.py" "$F/traces.pb" traces "localhost:$GRPC_PORT" --tls-ca "$C/ca.pem" \
    --tls-cert "$C/client.pem" --tls-key "$C/client.key" >"$T_TMP/g3.out" 2>&1; then ok grpc_mtls_client_cert_export
else fail grpc_mtls_client_cert_export "$(tail -3 "$T_TMP/g3.out")"; fi
stop_receiver
