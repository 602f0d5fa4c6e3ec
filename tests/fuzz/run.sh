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
    fuzz_decompress)
        { printf '\x01'; gzip -c tests/interop/fixtures/logs.pb; } >"$corpus/seed-gzip"
        { printf '\x03'; zstd -q -c tests/interop/fixtures/logs.pb; } >"$corpus/seed-zstd" ;;
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
