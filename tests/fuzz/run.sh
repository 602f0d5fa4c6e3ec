#!/bin/bash
# Run each libFuzzer target for FUZZ_SECONDS (default 60) on a corpus seeded from real SDK
# payloads (tests/interop/fixtures, tests/unit/data). A crash, leak or sanitizer report fails.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
work=tests/fuzz/corpus-work
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    corpus=$work/$name
    mkdir -p "$corpus"
    # Seeds: signal/format selector byte + a real body, per target's input convention.
    case $name in
    fuzz_otlp_protobuf)
        i=0; for s in logs traces metrics; do
            { printf "\\x0$i"; cat tests/interop/fixtures/$s.pb; } >"$corpus/seed-$s-pb"
            { printf "\\x8$i"; cat tests/interop/fixtures/$s.json; } >"$corpus/seed-$s-json"
            i=$((i + 1)); done ;;
    fuzz_otlp_json)
        i=0; for s in logs traces metrics; do { printf "\\x0$i"; cat tests/interop/fixtures/$s.json; } >"$corpus/seed-$s"; i=$((i + 1)); done ;;
    fuzz_otlp_wire)
        cp tests/interop/fixtures/logs.pb "$corpus/seed-logs" ;;
    fuzz_otlp_scan)
        i=0; for s in logs traces metrics; do { printf "\\x0$i"; cat tests/interop/fixtures/$s.pb; } >"$corpus/seed-$s"; i=$((i + 1)); done
        # AnyValue bodies nested around the limit (OTLP_MAX_ANY_DEPTH = 64), arrays and kvlists.
        for d in 63 64 65; do for kv in 0 1; do
            { printf '\x00'; /usr/bin/python3 tests/integration/otlp_nest.py --signal logs --levels $d --kvlist $kv; } >"$corpus/seed-nest-$d-$kv"
        done; done ;;
    fuzz_parquet_delta)
        # INT64, 3 values: block 128, 4 miniblocks, first 2, min delta 1, widths 0 (= 2, 3, 4);
        # and INT32, 40 values walking up by small steps (a real block with packed miniblocks)
        printf '\x01\x03\x80\x01\x04\x03\x04\x02\x00\x00\x00\x00' >"$corpus/seed-const"
        /usr/bin/python3 -c "
import struct, sys
sys.stdout.buffer.write(b'\x00\x28' + b''.join(struct.pack('<i', 1000 + 7 * i + i % 5) for i in range(40)))" \
            >"$corpus/seed-walk" ;;
    fuzz_decompress)
        { printf '\x01'; gzip -c tests/interop/fixtures/logs.pb; } >"$corpus/seed-gzip"
        { printf '\x03'; zstd -q -c tests/interop/fixtures/logs.pb; } >"$corpus/seed-zstd" ;;
    fuzz_snappy)
        # Raw Snappy from python3-snappy (libsnappy) over the SDK captures and a manifest list.
        for f in tests/interop/fixtures/logs.pb tests/interop/fixtures/traces.json tests/unit/data/avro/manifest-list.null.avro; do
            /usr/bin/python3 -c 'import snappy,sys; sys.stdout.buffer.write(snappy.compress(open(sys.argv[1],"rb").read()))' \
                "$f" >"$corpus/seed-$(basename "$f")"
        done ;;
    fuzz_iceberg_avro)
        # Block-ceiling byte (20: 1 MiB) + python3-avro's files in every codec, the damaged ones too.
        for f in tests/unit/data/avro/*.avro; do { printf '\x14'; cat "$f"; } >"$corpus/seed-$(basename "$f")"; done ;;
    fuzz_http_request)
        # The raw bytes of one client connection: real OTLP/HTTP requests around the fixtures.
        fx=tests/interop/fixtures
        # post PATH CONTENT-TYPE BODY-FILE [EXTRA-HEADER-LINES]: one request with Content-Length.
        post() { printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1:4318\r\nUser-Agent: OTel-OTLP-Exporter/1.0\r\nContent-Type: %s\r\n%bContent-Length: %d\r\n\r\n' \
                        "$1" "$2" "${4:-}" "$(wc -c <"$3")"; cat "$3"; }
        post /v1/logs application/x-protobuf $fx/logs.pb >"$corpus/seed-logs-pb"
        post /v1/traces application/json $fx/traces.json >"$corpus/seed-traces-json"
        gzip -c $fx/metrics.pb >"$work/metrics.pb.gz"
        post /v1/metrics application/x-protobuf "$work/metrics.pb.gz" 'Content-Encoding: gzip\r\n' >"$corpus/seed-metrics-gzip"
        zstd -q -c $fx/logs.json >"$work/logs.json.zst"
        post /v1/logs 'application/json; charset=utf-8' "$work/logs.json.zst" 'Content-Encoding: zstd\r\n' >"$corpus/seed-logs-json-zstd"
        rm -f "$work/metrics.pb.gz" "$work/logs.json.zst"
        n=$(wc -c <$fx/traces.pb); h=$((n / 2))
        { printf 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:4318\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n'
          printf '%x\r\n' $h; head -c $h $fx/traces.pb; printf '\r\n%x\r\n' $((n - h)); tail -c +$((h + 1)) $fx/traces.pb
          printf '\r\n0\r\n\r\n'; } >"$corpus/seed-traces-chunked"
        post /v1/logs text/plain $fx/logs.pb >"$corpus/seed-bad-content-type"
        printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1:4318\r\n\r\n' >"$corpus/seed-health"
        # Framing the receiver refuses before evhttp parses it, and chunk extensions it accepts.
        printf 'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 36\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n' >"$corpus/seed-smuggle"
        { printf 'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n'
          printf '%x;name=value\r\n' "$(wc -c <$fx/logs.pb)"; cat $fx/logs.pb; printf '\r\n0\r\n\r\n'; } >"$corpus/seed-chunk-ext"
        # Keep-alive: two requests on one connection, the second a GET /metrics (evhttp drops what
        # follows the first answer once it has seen the client's half-close; mutations still use it).
        { post /v1/metrics application/json $fx/metrics.json
          printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:4318\r\nConnection: close\r\n\r\n'; } >"$corpus/seed-pipelined" ;;
    fuzz_http_frame)
        # piece size, limit/port byte, then a client's bytes: pipelined, chunked with extensions.
        fx=tests/interop/fixtures; n=$(wc -c <$fx/logs.pb)
        { printf '\x05\xff'; printf 'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n' "$n"
          cat $fx/logs.pb; printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'; } >"$corpus/seed-pipelined"
        { printf '\x00\xff'; printf 'POST /v1/logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n'
          printf '%x;a=b\r\n' "$n"; cat $fx/logs.pb; printf '\r\n0 ; last="q"\r\nX-Sum: 1\r\n\r\n'; } >"$corpus/seed-chunked"
        printf '\x03\x41POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length : 7\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' >"$corpus/seed-smuggle" ;;
    fuzz_spool_files_entry)
        # Entries as the writer makes them (the old hand-formatted form is the same bytes for
        # ordinary locations), one with hostile strings, one with an hourly metrics file.
        part='"partition":{"source":"timestamp","transform":"day","name":"timestamp_day","value":20413,"text":"2026-11-21"}'
        cols='"columns":[{"id":1,"size":100,"values":1000,"nulls":0,"lower":"AAECAwQFBgc=","upper":"AQECAwQFBgc="},{"id":13,"size":9,"values":1000,"nulls":0,"nans":2},{"id":19,"size":7,"values":10,"nulls":10}]'
        printf '{"table":"logs","key":"data/timestamp_day=2026-11-21/logs-0123456789abcdef-0000000000000001-0000000000000014.parquet","location":"file:///w/otel/logs/data/timestamp_day=2026-11-21/logs-0123456789abcdef-0000000000000001-0000000000000014.parquet","format":"parquet","size":12345,"records":1000,%s,"claim":{"signal":"logs","first":1,"last":20},%s}' "$part" "$cols" >"$corpus/seed-logs"
        printf '{"table":"logs","key":"data/q\\"u\\\\o\\u00e9\\u0001.parquet","location":"file:///w/we\\"ird\\\\dir/\\ud834\\udd1e","format":"parquet","size":0,"records":0,%s,"claim":{"signal":"logs","first":0,"last":0},"columns":[]}' "$part" >"$corpus/seed-hostile"
        printf '{"table":"metrics_sum","key":"data/time_unix_hour=2026-11-21-07/m.parquet","location":"s3://b/p/m.parquet","format":"parquet","size":9,"records":1,"partition":{"source":"time_unix","transform":"hour","name":"time_unix_hour","value":489919,"text":"2026-11-21-07"},"claim":{"signal":"metrics","first":3,"last":3},%s}' "$cols" >"$corpus/seed-metrics" ;;
    *)
        for f in tests/interop/fixtures/*.pb; do cp "$f" "$corpus/"; done ;;
    esac
    echo "fuzz $name: ${secs}s"
    if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" >"$work/$name.log" 2>&1; then
        echo "ok $name $(grep -o 'Done [0-9]* runs' "$work/$name.log" | tail -1)"
    else
        echo "FAIL $name: see $work/$name.log"; tail -30 "$work/$name.log"; status=1
    fi
done
exit $status
