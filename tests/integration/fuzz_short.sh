#!/bin/bash
# A short pass of every libFuzzer target (tests/fuzz/fuzz_*.c: OTLP protobuf and JSON decoding,
# gRPC framing, decompression, the spool record format, the files-queue entry, the Parquet footer reader, raw HTTP
# requests against an in-process receiver, raw Snappy, Avro container files in every codec), each seeded from real SDK payloads, FUZZ_SECONDS
# (default 5) each. `make fuzz` runs them longer. Needs clang.
. "$(dirname "$0")/lib.sh"
if ! command -v clang >/dev/null; then echo "skip fuzz_short: clang not installed"; exit 0; fi
cd "$O2P_ROOT"
if ! make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-5}" >"$T_TMP/fuzz.log" 2>&1; then
    grep -E '^(ok|FAIL) ' "$T_TMP/fuzz.log"
    fail fuzz_short "make fuzz failed: $(grep -v '^  ' "$T_TMP/fuzz.log" | tail -5)"
    exit 0
fi
grep -E '^(ok|FAIL) ' "$T_TMP/fuzz.log"
