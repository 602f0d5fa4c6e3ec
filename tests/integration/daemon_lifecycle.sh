#!/bin/bash
# The daemon lifecycle contracts (common/daemon.h), each as a user meets it:
#  - a configuration error or a bad argument exits 78 (EX_CONFIG) from every daemon, and
#    `otlp2parquet run` does not restart it (the units say RestartPreventExitStatus=78);
#  - kill -9 of `otlp2parquet run` takes its children with it: no daemon is left holding
#    the ports or the spool;
#  - a writer whose storage fails for good still stops on SIGTERM, within writer.retry_max_wait,
#    exit 1, and releases its claim so the next writer takes it at once;
#  - a wall-clock step of +-2 h neither expires nor immortalises a slow request: the receiver
#    times it on the monotonic clock (LD_PRELOAD shim clock_step.c steps CLOCK_REALTIME).
. "$(dirname "$0")/lib.sh"

# 1. Exit 78 for a bad key, a bad value and a bad argument, from each daemon.
for d in receiver writer committer; do
    good=1
    for bad in "--set $d.bogus=1" "--set log.level=loud" "--no-such-flag"; do
        # shellcheck disable=SC2086
        timeout 10 "$O2P_BIN/otlp2parquet-$d" --data-dir "$T_TMP/cfg" $bad >"$T_TMP/cfg.out" 2>&1
        rc=$?
        [ $rc = 78 ] || { good=0; fail "exit78_${d}" "$bad: exit $rc, want 78: $(tail -2 "$T_TMP/cfg.out")"; }
    done
    [ $good = 1 ] && ok "exit78_$d"
done
t0=$SECONDS
timeout 30 "$O2P_BIN/otlp2parquet" run --data-dir "$T_TMP/cfgrun" --http "127.0.0.1:$(free_port)" \
    --grpc "127.0.0.1:$(free_port)" --set writer.bogus=1 >"$T_TMP/run-cfg.out" 2>&1
rc=$?
[ $rc = 78 ] && [ $((SECONDS - t0)) -le 10 ] && ok run_config_error_not_restarted ||
    fail run_config_error_not_restarted "exit $rc after $((SECONDS - t0)) s: $(tail -3 "$T_TMP/run-cfg.out")"

# 2. kill -9 of the supervisor: every child is gone within 15 s and the port is free again.
R=$T_TMP/run; mkdir -p "$R"
HP=$(free_port); GP=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$R" --http "127.0.0.1:$HP" --grpc "127.0.0.1:$GP" --writers 2 \
    --set catalog.type=none >"$R/run.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HP" || fail run_ready "$(tail -5 "$R/run.log")"
sleep 0.5
kids=$(pgrep -P $RUN_PID | tr '\n' ' ')
T_PIDS+=($kids)
[ "$(echo $kids | wc -w)" -ge 4 ] && ok run_children_started || fail run_children_started "children: '$kids'"
kill -9 $RUN_PID; wait $RUN_PID 2>/dev/null
left=$kids
for _ in $(seq 1 150); do
    left=""
    for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
    [ -z "$left" ] && break
    sleep 0.1
done
[ -z "$left" ] && ok run_kill9_children_exit || fail run_kill9_children_exit "still running:$left"
code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$HP/ready")
check_eq run_kill9_port_released 000 "$code"

# 3. A writer whose warehouse can never be written (below a regular file: mkdir fails with
#    ENOTDIR, root or not) stops on SIGTERM within retry_max_wait plus slack and releases its
#    claim: a good writer with a long lease drains the same records at once.
W=$T_TMP/w
start_receiver "$W" || { fail writer_receiver "see log"; exit 1; }
cat >"$T_TMP/logs.json" <<'JSON'
{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
 "scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","body":{"stringValue":"one"}},
                              {"timeUnixNano":"1700000000000000001","body":{"stringValue":"two"}}]}]}]}
JSON
codes=$(for _ in 1 2 3; do post /v1/logs application/json "$T_TMP/logs.json"; echo; done | tr "\n" " ")
check_eq writer_records_acked "200 200 200 " "$codes"
check_eq writer_records_spooled 6 "$(spool_records "$W" logs)"
stop_receiver
echo "not a directory" >"$T_TMP/plainfile"
WSETS=(--set writer.poll_interval=50ms --set writer.max_file_age=100ms --set writer.claim_lease=60s
       --set writer.retry_min_wait=200ms --set writer.retry_max_wait=2s)
"$O2P_BIN/otlp2parquet-writer" --data-dir "$W" "${WSETS[@]}" --set catalog.warehouse="file://$T_TMP/plainfile/wh" \
    >"$W/writer-bad.log" 2>&1 &
WP=$!; T_PIDS+=($WP)
for _ in $(seq 1 100); do grep -q 'Not a directory' "$W/writer-bad.log" && break; sleep 0.1; done
grep -q 'Not a directory' "$W/writer-bad.log" && ok writer_storage_failing || fail writer_storage_failing "$(tail -3 "$W/writer-bad.log")"
t0=$(date +%s%N)
kill -TERM $WP; wait_exit $WP 10; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 1 ] && [ $ms -le 6000 ] && ok writer_failing_stops_bounded ||
    fail writer_failing_stops_bounded "exit $rc after $ms ms (want 1 within ~2 s): $(tail -3 "$W/writer-bad.log")"
grep -q 'op=drain err=.*Not a directory' "$W/writer-bad.log" && ok writer_failing_says_why ||
    fail writer_failing_says_why "$(grep 'op=drain' "$W/writer-bad.log")"
"$O2P_BIN/otlp2parquet-writer" --data-dir "$W" "${WSETS[@]}" >"$W/writer-good.log" 2>&1 &
WP=$!; T_PIDS+=($WP)
for _ in $(seq 1 50); do [ "$(spool_records "$W" logs)" = 0 ] && break; sleep 0.1; done
check_eq writer_claim_released_next_takes_it 0 "$(spool_records "$W" logs)"
kill -TERM $WP; wait_exit $WP 10; check_eq writer_good_exit_0 0 $?

# 4. Wall-clock steps under a slow request: the deadline (receiver.request_timeout=3s) holds.
cc -shared -fPIC -O1 -o "$T_TMP/clock_step.so" "$O2P_ROOT/tests/integration/clock_step.c" -ldl ||
    { fail clock_shim_build "cc failed"; exit 0; }
echo 0 >"$T_TMP/step"
C=$T_TMP/clk
O2P_CLOCK_STEP_FILE=$T_TMP/step LD_PRELOAD=$T_TMP/clock_step.so \
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    start_receiver "$C" --set receiver.request_timeout=3s --set receiver.idle_timeout=20s ||
    { fail clock_receiver "see log"; exit 0; }
cat >"$T_TMP/slow.py" <<'PY'
import socket, sys, time
# Half a request, a header byte every 0.3 s (far inside the idle timeout), stepping the wall
# clock by argv[3] seconds 0.5 s in; prints when the receiver closed the connection.
port, step_file, step = int(sys.argv[1]), sys.argv[2], sys.argv[3]
req = b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nX-Pad: " + b"a" * 200
s = socket.create_connection(("127.0.0.1", port)); t0 = time.time(); stepped = False
s.settimeout(0.3)
for b in req:
    if not stepped and time.time() - t0 > 0.5:
        open(step_file, "w").write(step); stepped = True
    try:
        s.send(bytes([b]))
        if s.recv(4096) == b"": break
    except socket.timeout: pass
    except (BrokenPipeError, ConnectionResetError): break
    if time.time() - t0 > 10: break
print(round(time.time() - t0, 1))
PY
for step in 7200 -7200; do
    echo 0 >"$T_TMP/step"
    secs=$($PY "$T_TMP/slow.py" "$HTTP_PORT" "$T_TMP/step" "$step")
    awk -v s="$secs" 'BEGIN { exit !(s >= 2.7 && s <= 5) }' && ok "clock_step_${step}_deadline_holds" ||
        fail "clock_step_${step}_deadline_holds" "closed after ${secs}s, want ~3 s (request_timeout)"
done
echo 0 >"$T_TMP/step"
stop_receiver
