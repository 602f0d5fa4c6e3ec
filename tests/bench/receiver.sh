#!/bin/bash
# bench receiver_http / receiver_grpc: one receiver process with durable acknowledgements,
# loaded by h2load with real OpenTelemetry SDK bodies of 1,000 records per request.
# Phase 1 saturates it (records/s, MB/s, requests per sync, peak RSS); phase 2 offers half
# that rate and measures acknowledgement latency (p50/p99 from h2load's per-request log),
# once from one client (requests evenly spaced) and once from the saturating number of
# clients, whose h2load timers fire together (bursts of simultaneous 150-250 KB requests,
# which the single decoding thread serves one after another).
. "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
capture_payloads "$B_TMP"

# start_bench_receiver NAME: a receiver in $B_TMP/NAME; sets hp, gp (ports) and pid.
start_bench_receiver() {
    hp=$(free_port); gp=$(free_port)
    "$O2P_BIN/otlp2parquet-receiver" --data-dir "$B_TMP/$1" --http "127.0.0.1:$hp" --grpc "127.0.0.1:$gp" \
        --set spool.max_bytes=16GiB >"$B_TMP/$1.log" 2>&1 &
    pid=$!
    B_PIDS+=($pid)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hp/ready" >/dev/null && break; sleep 0.05; done
}

run_one() { # name transport body path content-type clients streams
    local name=$1 transport=$2 body=$3 path=$4 ct=$5 clients=$6 streams=$7
    local url proto_args hp gp pid
    start_bench_receiver "$name"
    if [ "$transport" = http ]; then
        url="http://127.0.0.1:$hp$path"; proto_args=(--h1 -H "content-type: $ct")
    else
        url="http://127.0.0.1:$gp$path"; proto_args=(-H "content-type: application/grpc" -H "te: trailers")
    fi
    local m="http://127.0.0.1:$hp/metrics"
    local b0 r0 b1 r1
    b0=$(metric "$m" o2p_group_commit_batches_total); r0=$(metric "$m" o2p_group_commit_requests_total)
    h2load -t 1 -c "$clients" -m "$streams" -D "$SECONDS_PER_RUN" -d "$body" "${proto_args[@]}" "$url" \
        >"$B_TMP/$name.sat" 2>&1
    b1=$(metric "$m" o2p_group_commit_batches_total); r1=$(metric "$m" o2p_group_commit_requests_total)
    local rps ok bytes
    rps=$(awk '/^finished in/ {print $4}' "$B_TMP/$name.sat" | tr -d ',')
    ok=$(awk '/^status codes:/ {print $3}' "$B_TMP/$name.sat")
    bytes=$(stat -c %s "$body")
    local records=1000
    # Half the saturated rate, for latency: from one client, then spread over the clients.
    local rps_client half_rps p50 p99 p50b p99b
    rps_client=$($PY -c "print(max(1, round(float('$rps') / 2)))")
    h2load -t 1 -c 1 -m 1 --rps "$rps_client" -D "$SECONDS_PER_RUN" -d "$body" "${proto_args[@]}" \
        --log-file "$B_TMP/$name.lat1" "$url" >"$B_TMP/$name.half" 2>&1
    read -r p50 p99 < <(latency_percentiles "$B_TMP/$name.lat1")
    half_rps=$(awk '/^finished in/ {print $4}' "$B_TMP/$name.half" | tr -d ',')
    rps_client=$($PY -c "print(max(1, round(float('$rps') / 2 / $clients)))")
    h2load -t 1 -c "$clients" -m 1 --rps "$rps_client" -D "$SECONDS_PER_RUN" -d "$body" "${proto_args[@]}" \
        --log-file "$B_TMP/$name.latn" "$url" >/dev/null 2>&1
    read -r p50b p99b < <(latency_percentiles "$B_TMP/$name.latn")
    local rss
    rss=$(peak_rss_mib $pid)
    kill -TERM $pid; wait $pid
    $PY -c "
rps = float('$rps'); b = $bytes; n = $records
print(f'bench $name records/s={rps * n:,.0f} MB/s={rps * b / 1e6:.1f} requests/s={rps:,.0f} '
      f'requests_per_sync={($r1 - $r0) / max(1, $b1 - $b0):.1f} ack_p50_ms=$p50 ack_p99_ms=$p99 '
      f'(at {float(\"$half_rps\") * n:,.0f} records/s, 1 client) ack_p50_ms=$p50b ack_p99_ms=$p99b ($clients clients in step) '
      f'peak_rss_mib=$rss body_bytes={b} 2xx=$ok')"
}

run_one receiver_http http "$B_TMP/logs1000.pb" /v1/logs application/x-protobuf 8 1
run_one receiver_grpc grpc "$B_TMP/traces1000.grpc" /opentelemetry.proto.collector.trace.v1.TraceService/Export "" 4 8
# Memory under many large concurrent calls: 32 connections x 32 streams of 1 MB gRPC requests
# (4 SDK span requests merged). Calls over GRPC_MAX_OPEN_STREAMS (256) are refused with
# REFUSED_STREAM (h2load counts them as errored; real clients retry them).
grpc_many_streams() {
    local hp gp pid
    $PY -c "
import struct, sys
b = open(sys.argv[1], 'rb').read() * 4
open(sys.argv[2], 'wb').write(b'\0' + struct.pack('>I', len(b)) + b)" "$B_TMP/traces1000.pb" "$B_TMP/traces4000.grpc"
    start_bench_receiver grpc_many
    h2load -t 1 -c 32 -m 32 -D "$SECONDS_PER_RUN" -d "$B_TMP/traces4000.grpc" -H "content-type: application/grpc" \
        -H "te: trailers" "http://127.0.0.1:$gp/opentelemetry.proto.collector.trace.v1.TraceService/Export" \
        >"$B_TMP/grpc_many.sat" 2>&1
    local ok refused rss
    ok=$(awk '/^status codes:/ {print $3}' "$B_TMP/grpc_many.sat")
    refused=$(metric "http://127.0.0.1:$hp/metrics" 'o2p_receiver_rejections_total{transport="grpc",reason="busy"}')
    rss=$(peak_rss_mib $pid)
    kill -TERM $pid; wait $pid
    echo "bench receiver_grpc_many_streams connections=32 streams=32 body_bytes=$(stat -c %s "$B_TMP/traces4000.grpc") 2xx=$ok refused=$refused peak_rss_mib=$rss (target <64)"
}
grpc_many_streams
echo "bench receiver_reference: none runs here (Debian 12 packages no OTLP receiver; Fluent Bit figures measured earlier on this machine class are in docs/benchmarks.md)"
