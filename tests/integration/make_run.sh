#!/bin/bash
# The README's first command: `make run` (dependency check, build, `otlp2parquet run` on
# ./data) serves /health on 127.0.0.1:4318, and stops cleanly on SIGTERM. Skipped (not
# counted) when something else already holds port 4318.
. "$(dirname "$0")/lib.sh"
if curl -s -o /dev/null "http://127.0.0.1:4318/health" 2>/dev/null; then
    echo "skip make_run: port 4318 is in use"; exit 0
fi
cd "$O2P_ROOT"
had_data=no; [ -e data ] && had_data=yes
setsid make --no-print-directory run >"$T_TMP/make-run.log" 2>&1 &
MAKE_PID=$!; T_PIDS+=($MAKE_PID)
up=no
for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4318/health)" = 200 ] && { up=yes; break; }
    sleep 0.1
done
check_eq make_run_serves_health_4318 yes "$up"
grep -q 'send OTLP to http://127.0.0.1:4318' "$T_TMP/make-run.log" && ok make_run_says_where_to_send \
    || fail make_run_says_where_to_send "$(tail -5 "$T_TMP/make-run.log")"
kill -TERM -- -"$MAKE_PID" 2>/dev/null
for _ in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:4318/health || break; sleep 0.1; done
curl -s -o /dev/null http://127.0.0.1:4318/health && fail make_run_stops "still serving after SIGTERM" || ok make_run_stops
[ "$had_data" = no ] && rm -rf "$O2P_ROOT/data"
