#!/bin/bash
# bench e2e: the whole pipeline (`otlp2parquet run --writers 2`) under sustained load from
# h2load replaying a real SDK request of 1,000 log records over OTLP/HTTP with durable acks,
# for BENCH_E2E_SECONDS (default 300: the issue's five minutes). Prints records/s acknowledged
# and committed, the commit lag (acknowledged but not yet in a snapshot, sampled every 5 s,
# as seconds of traffic), the drain time after the load stops, and each process's peak anonymous RSS (sampled).
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_E2E_SECONDS:-300}
capture_payloads "$B_TMP"
D=$B_TMP/e2e
start_bench_pipeline "$D"
committed() { # rows in the logs table's current snapshot (0 while none, or if status failed)
    "$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>/dev/null | $PY -c "
import json,sys
try: print(json.load(sys.stdin)['tables']['logs']['rows'])
except Exception: print(0)"
}
peaks=$B_TMP/peaks
sample_rss() { # the highest VmHWM seen per program
    for p in $(pgrep -f "data-dir $D"); do
        n=$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | awk '{print $1}' | xargs basename 2>/dev/null)
        # Anonymous memory only: pages of the spool's memory map are the page cache, shared.
        h=$(awk '/RssAnon/ {print $2}' /proc/$p/status 2>/dev/null)
        [ -n "$h" ] && echo "$n $h" >>"$peaks"
        h=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null)
        [ -n "$h" ] && echo "$n $h" >>"$peaks.hwm"
    done
}
h2load --h1 -t 1 -c 4 -D "$SECS" -d "$B_TMP/logs1000.pb" -H "content-type: application/x-protobuf" \
    "http://127.0.0.1:$hp/v1/logs" >"$B_TMP/h2load.out" 2>&1 &
LOAD=$!
t0=$(date +%s.%N); maxlag=0
while kill -0 $LOAD 2>/dev/null; do
    sleep 5
    acked=$(curl -s "http://127.0.0.1:$hp/metrics" | awk -F' ' '/^o2p_receiver_records_total\{signal="logs"\}/ {print $2}')
    c=$(committed)
    now=$(date +%s.%N)
    maxlag=$($PY -c "t=$now-$t0; r=${acked:-0}/t if t>0 else 0; lag=(${acked:-0}-${c:-0})/r if r>0 else 0; print(max($maxlag, lag))")
    sample_rss
done
t1=$(date +%s.%N)
acked=$(curl -s "http://127.0.0.1:$hp/metrics" | awk -F' ' '/^o2p_receiver_records_total\{signal="logs"\}/ {print $2}')
sample_rss
kill -TERM $RUN; wait $RUN
t2=$(date +%s.%N)
c=$(committed)
rss=$(sort -k1,1 -k2,2n "$peaks" | awk '{m[$1]=$2} END {for (k in m) printf "%s=%.0fMiB ", k, m[k]/1024}')
hwm=$(sort -k1,1 -k2,2n "$peaks.hwm" | awk '{m[$1]=$2} END {for (k in m) printf "%s=%.0fMiB ", k, m[k]/1024}')
$PY -c "
secs = $t1 - $t0
print(f'bench e2e seconds={secs:.0f} acked_records={$acked:,} committed_records={$c:,} records/s={$acked / secs:,.0f} '
      f'commit_lag_max_s={$maxlag:.1f} drain_s={$t2 - $t1:.1f} exactly_committed={\"yes\" if $c == $acked else \"NO\"} '
      f'peak_rss_anon: $rss vmhwm_incl_spool_map: $hwm')"
