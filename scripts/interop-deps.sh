#!/bin/sh
# Install the pinned third-party clients and readers the tests drive (tests/interop/package.json).
# Skipped when node_modules already matches the lock file.
set -eu
cd "$(dirname "$0")/../tests/interop"
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.o2p-lock 2>/dev/null; then
    exit 0
fi
echo "interop: npm ci (OpenTelemetry SDK, DuckDB, parquet-wasm, hyparquet, icebird, s3rver)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
cp package-lock.json node_modules/.o2p-lock
