# lib.sh - shared pieces of the benchmarks (sourced by tests/bench/*.sh).
set -u
O2P_ROOT=${O2P_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
O2P_BIN=${O2P_BIN:-$O2P_ROOT/bin}
INTEROP=$O2P_ROOT/tests/interop
PY=/usr/bin/python3
B_TMP=${B_TMP:-$(mktemp -d /tmp/o2p-bench.XXXXXX)}
B_PIDS=()
bench_cleanup() {
    for p in "${B_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$B_TMP"
}
trap bench_cleanup EXIT

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# peak_rss_mib PID -> VmHWM in MiB
peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# metric URL NAME -> value of an unlabelled Prometheus sample
metric() { curl -s "$1" | awk -v n="$2" '$1 == n {print $2}'; }

# capture_payloads DIR: real SDK export bodies of 1,000 records each (logs over HTTP, spans
# over gRPC), taken from the spool of a receiver they were sent to: DIR/logs1000.pb,
# DIR/traces1000.pb and DIR/traces1000.grpc (gRPC length-prefixed).
capture_payloads() {
    local dir=$1 hp gp pid
    hp=$(free_port); gp=$(free_port)
    "$O2P_BIN/otlp2parquet-receiver" --data-dir "$dir/capture" --http "127.0.0.1:$hp" --grpc "127.0.0.1:$gp" \
        >"$dir/capture.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hp/ready" >/dev/null && break; sleep 0.05; done
    node "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$hp" --count 1000 \
        --batch 1000 --signals logs >/dev/null
    node "$INTEROP/otel-send.mjs" --protocol grpc --endpoint "http://127.0.0.1:$gp" --count 1000 \
        --batch 1000 --signals traces >/dev/null
    kill -TERM $pid; wait $pid
    for s in logs traces; do
        "$O2P_BIN/otlp2parquet" spool dump $s --raw --limit 1 --data-dir "$dir/capture" |
            $PY -c "
import sys
data = sys.stdin.buffer.read()
n, rest = data.split(b'\n', 1)
open(sys.argv[1], 'wb').write(rest[:int(n)])" "$dir/${s}1000.pb"
    done
    $PY -c "
import struct, sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(b'\0' + struct.pack('>I', len(b)) + b)" "$dir/traces1000.pb" "$dir/traces1000.grpc"
}

# latency_percentiles LOGFILE -> "p50_ms p99_ms" from an h2load --log-file (3rd column: µs)
latency_percentiles() {
    $PY -c "
import sys
v = sorted(int(l.split()[2]) for l in open(sys.argv[1]) if l.strip() and int(l.split()[1]) in (200,))
if not v: print('nan nan'); sys.exit()
p = lambda q: v[min(len(v) - 1, int(q * len(v)))] / 1000
print(f'{p(0.50):.2f} {p(0.99):.2f}')" "$1"
}

# start_bench_pipeline DIR: `otlp2parquet run --writers 2` on DIR (a large spool, commits every
# 10 s), log in $B_TMP/run.log; sets hp, gp (ports) and RUN (its pid); waits until ready.
start_bench_pipeline() {
    hp=$(free_port); gp=$(free_port)
    "$O2P_BIN/otlp2parquet" run --writers 2 --data-dir "$1" --http "127.0.0.1:$hp" --grpc "127.0.0.1:$gp" \
        --set spool.max_bytes=32GiB --set committer.interval=10s >"$B_TMP/run.log" 2>&1 &
    RUN=$!; B_PIDS+=($RUN)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hp/ready" >/dev/null && break; sleep 0.05; done
}
