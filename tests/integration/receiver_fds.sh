#!/bin/bash
# The receiver at its file-descriptor limit (issue: hostile clients):
#  - when accept() fails (EMFILE, made so by the shim accept_fail.c), each listener pauses
#    100 ms instead of retrying in a tight loop: little CPU, one log line per 10 s, and the
#    connections waiting in the backlog are served once accept() works again;
#  - at start the soft RLIMIT_NOFILE is raised to the hard limit and the per-port connection
#    cap lowered to what fits: connections past it get 503, not EMFILE.
. "$(dirname "$0")/lib.sh"
cc -shared -fPIC -O1 -o "$T_TMP/accept_fail.so" "$O2P_ROOT/tests/integration/accept_fail.c" -ldl ||
    { fail accept_shim_build "cc failed"; exit 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# 1. accept() failing for 2 s while clients wait on both ports.
O2P_ACCEPT_FAIL_FILE=$T_TMP/fail LD_PRELOAD=$T_TMP/accept_fail.so \
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    start_receiver "$T_TMP/a" || { fail fds_receiver "see log"; exit 0; }
touch "$T_TMP/fail"
t0=$(cpu_ticks "$RECV_PID")
waiters=()
for i in 1 2 3; do
    curl -s -m 10 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$HTTP_PORT/ready" >"$T_TMP/waiting.$i" &
    waiters+=($!)
done
$PY -c "import socket,time; s=socket.create_connection(('127.0.0.1',$GRPC_PORT)); time.sleep(2.5)" &
waiters+=($!)
sleep 2
t1=$(cpu_ticks "$RECV_PID")
rm -f "$T_TMP/fail"
wait "${waiters[@]}"
ticks=$((t1 - t0))
[ "$ticks" -lt 60 ] && ok fds_accept_error_no_spin || fail fds_accept_error_no_spin "$ticks CPU ticks (1/100 s) in 2 s"
lines=$(grep -c 'op=accept ' "$T_TMP/a/receiver.log")
[ "$lines" -ge 1 ] && [ "$lines" -le 4 ] && ok fds_accept_error_logged_once ||
    fail fds_accept_error_logged_once "$lines accept lines: $(grep -m3 accept "$T_TMP/a/receiver.log")"
check_eq fds_backlog_served_after "200 200 200" "$(cat "$T_TMP"/waiting.* | tr '\n' ' ' | sed 's/ $//')"
check_eq fds_serving_again 200 "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ready")"
stop_receiver

# 2. A soft limit of 100 under a hard limit of 160: raised to 160, which fits
#    (160 - 64 reserved) / 2 ports = 48 connections per port; the 49th gets 503.
BH=$(free_port); BG=$(free_port)
(ulimit -Sn 100 && ulimit -Hn 160 && exec "$O2P_BIN/otlp2parquet-receiver" --data-dir "$T_TMP/b" \
    --http "127.0.0.1:$BH" --grpc "127.0.0.1:$BG" >"$T_TMP/b.log" 2>&1) &
BP=$!; T_PIDS+=($BP)
wait_ready "$BH" || fail fds_budget_receiver "$(tail -3 "$T_TMP/b.log")"
port=$BH
grep -q 'op=fd_budget nofile=160 ports=2 max_connections=48 wanted=1024' "$T_TMP/b.log" && ok fds_budget_from_hard_limit ||
    fail fds_budget_from_hard_limit "$(grep -m2 -E 'fd_budget|error' "$T_TMP/b.log")"
out=$($PY - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); held = []; codes = []
req = b"GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"
for i in range(60):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
    s.send(req)
    try: codes.append(s.recv(100).split(b" ")[1].decode())
    except Exception as e: codes.append(type(e).__name__)
    held.append(s)
print(codes.count("200"), codes.count("503"), len(codes))
PY
)
check_eq fds_cap_then_503 "48 12 60" "$out"
kill -0 $BP && ok fds_no_crash || fail fds_no_crash "receiver died: $(tail -3 "$T_TMP/b.log")"
grep -q 'op=accept ' "$T_TMP/b.log" && fail fds_no_emfile "$(grep -m2 'op=accept' "$T_TMP/b.log")" || ok fds_no_emfile
kill -TERM $BP; wait $BP
