#!/bin/bash
# Limits on the receiver's ports. OTLP/HTTP: a slowloris client (a byte at a time, each well inside the
# idle timeout) is closed at receiver.request_timeout while others are served; a slow request
# that arrives in time is answered; the connection after receiver.max_connections gets 503 with
# Retry-After and is closed, and room returns when clients leave; an idle keep-alive connection
# is closed at receiver.idle_timeout; many connections at once leave the receiver serving.
. "$(dirname "$0")/lib.sh"
F=$INTEROP/fixtures
start_receiver "$T_TMP/data" --set receiver.request_timeout=1500ms --set receiver.idle_timeout=4s \
    --set receiver.max_connections=20 || { fail limits_start "see log"; exit 0; }

# client.py MODE: the connection behaviours the limits are about, reported as one line.
cat >"$T_TMP/client.py" <<'PY'
import socket, sys, time
port = int(sys.argv[2]); mode = sys.argv[1]
body = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else b""
req = (b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body)) + body
def conn():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10); return s
def closed_within(s, secs):
    """True when the server closes s (EOF or reset) within secs."""
    s.settimeout(secs)
    try:
        while True:
            d = s.recv(4096)
            if not d: return True
    except socket.timeout: return False
    except ConnectionResetError: return True
if mode == "slowloris":
    # One header byte every 0.3 s: each read is far inside the idle timeout.
    s = conn(); t0 = time.time(); closed = False
    try:
        for b in req[:200]:
            s.send(bytes([b])); time.sleep(0.3)
            if time.time() - t0 > 8: break
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    closed = closed or closed_within(s, 1)
    print("closed" if closed else "open", round(time.time() - t0, 1))
elif mode == "slow_ok":
    # The whole request over ~0.6 s, in 12 pieces: inside the 1.5 s deadline.
    s = conn(); step = max(1, len(req) // 12)
    for i in range(0, len(req), step):
        s.send(req[i:i + step]); time.sleep(0.05)
    print(s.recv(100).split(b"\r\n")[0].decode())
elif mode == "idle":
    s = conn(); s.send(req); r = s.recv(65536).split(b"\r\n")[0].decode()
    t0 = time.time(); c = closed_within(s, 8)
    print(r, "closed" if c else "open", round(time.time() - t0, 1))
elif mode == "cap":
    # Hold N connections open (each has sent a request and been answered), then one more.
    n = int(sys.argv[4]); held = []
    for _ in range(n):
        s = conn(); s.send(req); s.recv(65536); held.append(s)
    extra = conn(); extra.settimeout(3)
    try: first = extra.recv(4096).decode(errors="replace")
    except (socket.timeout, ConnectionResetError) as e: first = repr(e)
    status = first.split("\r\n")[0]
    retry = "Retry-After: 1" in first
    for s in held[:5]: s.close()
    time.sleep(0.3)
    again = conn(); again.send(req); after = again.recv(100).split(b"\r\n")[0].decode()
    print(status, "retry-after" if retry else "no-retry-after", "|", after)
elif mode == "pipeline":
    # Pipelined requests sent for 3 s without ever reading an answer; prints the receiver's
    # peak RSS (MiB) meanwhile and the MiB the client managed to send.
    pid = int(sys.argv[4]); s = conn(); s.setblocking(False)
    burst = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200
    rss = lambda: int([l for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS")][0].split()[1]) // 1024
    t0 = time.time(); sent = 0; peak = 0
    while time.time() - t0 < 3:
        peak = max(peak, rss())
        try: sent += s.send(burst)
        except BlockingIOError: time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError): break  # closed at request_timeout
    print(peak, sent >> 20)
elif mode == "flood":
    # 300 connections at once, each sending half a request then waiting.
    socks = []
    for _ in range(300):
        try: s = socket.create_connection(("127.0.0.1", port)); s.send(req[:30]); socks.append(s)
        except OSError: pass
    time.sleep(2.5)
    alive = sum(0 if closed_within(s, 0.01) else 1 for s in socks)
    print("open_after_deadline", alive)
PY
client() { $PY "$T_TMP/client.py" "$1" "$HTTP_PORT" "$F/logs.pb" "${@:2}"; }

# Slowloris next to a normal client: the slow one is closed near 1.5 s, the normal one served.
client slowloris >"$T_TMP/slow.out" &
sp=$!
sleep 0.5
check_eq limits_served_beside_slowloris 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
wait $sp
read -r state secs <"$T_TMP/slow.out"
check_eq limits_slowloris_closed closed "$state"
awk -v s="$secs" 'BEGIN { exit !(s >= 1.3 && s <= 4) }' && ok limits_slowloris_at_deadline ||
    fail limits_slowloris_at_deadline "closed after ${secs}s, want ~1.5-2 s"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q 'o2p_receiver_rejections_total{transport="http",reason="slow_client"} [1-9]' &&
    ok limits_slowloris_counted || fail limits_slowloris_counted "$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep slow_client)"

check_eq limits_slow_request_in_time "HTTP/1.1 200 OK" "$(client slow_ok)"

read -r _ code _ state secs < <(client idle)
check_eq limits_idle_keepalive_closed "200 closed" "$code $state"
awk -v s="$secs" 'BEGIN { exit !(s >= 3 && s <= 7) }' && ok limits_idle_at_timeout ||
    fail limits_idle_at_timeout "closed after ${secs}s, want ~4 s"

out=$(client cap 20)
case "$out" in
"HTTP/1.1 503 Service Unavailable retry-after | HTTP/1.1 200 OK") ok limits_max_connections ;;
*) fail limits_max_connections "$out" ;;
esac
grep -q "too many connections" "$T_TMP/data/receiver.log" ||
    curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q 'reason="max_connections"} [1-9]' &&
    ok limits_max_connections_counted || fail limits_max_connections_counted "no rejection counted"
sleep 0.5
check_eq limits_connections_gauge_back 'o2p_receiver_connections{transport="http"} 1' \
    "$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep 'o2p_receiver_connections{transport="http"}')"

# A client that pipelines requests and never reads the answers: the receiver stops reading
# from it (256 KiB of unparsed input at most) instead of buffering everything it sends.
client pipeline "$RECV_PID" >"$T_TMP/pipe.out" &
pp=$!
sleep 1
check_eq limits_served_beside_pipeliner 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
wait $pp
read -r peak sent <"$T_TMP/pipe.out"
[ "$peak" -lt 256 ] && ok limits_pipeliner_memory_bounded ||
    fail limits_pipeliner_memory_bounded "receiver RSS peaked at $peak MiB while the client sent $sent MiB"

# A flood of half-sent requests: beyond the cap they are refused, the rest closed at the
# deadline; the receiver keeps serving throughout.
client flood >"$T_TMP/flood.out" &
fp=$!
sleep 0.5
h=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")
wait $fp
check_eq limits_flood_all_closed "open_after_deadline 0" "$(cat "$T_TMP/flood.out")"
check_eq limits_flood_health_answers_or_refused_cleanly yes "$( [ "$h" = 200 ] || [ "$h" = 503 ] && echo yes || echo "no ($h)")"
check_eq limits_after_flood 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
kill -0 "$RECV_PID" && ok limits_no_crash || fail limits_no_crash "receiver died"
stop_receiver

# The same deadline on gRPC: a call whose body dribbles in gets DEADLINE_EXCEEDED (4, which
# OTLP exporters retry) near receiver.request_timeout; a normal call beside it gets OK.
start_receiver "$T_TMP/grpc" --set receiver.request_timeout=1500ms --set receiver.idle_timeout=4s ||
    { fail limits_grpc_start "see log"; exit 0; }
out=$(cd "$INTEROP" && $NODE grpc-limits.mjs --case slow --target "127.0.0.1:$GRPC_PORT" --body "$F/logs.pb")
read -r st secs fst < <(echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["slow_status"], d["slow_seconds"], d["fast_status"])')
check_eq limits_grpc_slow_call_deadline_exceeded 4 "$st" "$out"
awk -v s="$secs" 'BEGIN { exit !(s >= 1.3 && s <= 4) }' && ok limits_grpc_slow_call_at_deadline ||
    fail limits_grpc_slow_call_at_deadline "answered after ${secs}s, want ~1.5-2 s"
check_eq limits_grpc_fast_call_beside 0 "$fst" "$out"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q 'o2p_receiver_rejections_total{transport="grpc",reason="slow_client"} 1' &&
    ok limits_grpc_slow_counted || fail limits_grpc_slow_counted "$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep 'grpc.*slow_client')"
stop_receiver

# Calls open at once are bounded (GRPC_MAX_OPEN_STREAMS, 256), and fairly: 3 connections x 100
# calls that hold their bodies get at most 192 together (GRPC_SHARED_STREAMS) plus 16 for one
# that held fewer than GRPC_FAIR_STREAMS then: 92 to 108 are refused with REFUSED_STREAM
# (clients retry those) depending on how the connections' calls interleave, and at least 48
# slots stay for connections with few calls; then a normal call is answered.
start_receiver "$T_TMP/streams" || { fail limits_grpc_streams_start "see log"; exit 0; }
out=$(cd "$INTEROP" && $NODE grpc-limits.mjs --case streams --target "127.0.0.1:$GRPC_PORT" --body "$F/logs.pb" --conns 3 --streams 100)
refused=$(echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["refused"] if d["after"] == "0" else -1)')
[ "$refused" -ge 92 ] && [ "$refused" -le 108 ] && ok limits_grpc_open_streams_bounded ||
    fail limits_grpc_open_streams_bounded "$out (want 92-108 refused, then a call answered 0)"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q "o2p_receiver_rejections_total{transport=\"grpc\",reason=\"busy\"} $refused\$" &&
    ok limits_grpc_refused_counted || fail limits_grpc_refused_counted "$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep 'grpc.*busy')"
# The calls whose connections closed with their bodies half sent count as "cancelled", not as
# an internal error (they were counted as reason="internal" before the name was known).
m=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics")
echo "$m" | grep -q 'o2p_receiver_rejections_total{transport="grpc",reason="cancelled"} [1-9]' &&
    echo "$m" | grep -q 'o2p_receiver_rejections_total{transport="grpc",reason="internal"} 0$' &&
    ok limits_grpc_cancelled_counted || fail limits_grpc_cancelled_counted "$(echo "$m" | grep -E 'grpc.*(cancelled|internal)')"
stop_receiver

# Clients that shut their flow-control window (SETTINGS_INITIAL_WINDOW_SIZE 0) and PING every
# second: 3 connections x 100 complete calls whose answers can never be sent. Other clients'
# calls still go through at once, and the stuck answers end with RST_STREAM(CANCEL) at
# receiver.request_timeout (3 s here), freeing their slots.
start_receiver "$T_TMP/window0" --set receiver.request_timeout=3s || { fail limits_grpc_window0_start "see log"; exit 0; }
out=$(cd "$INTEROP" && $NODE grpc-limits.mjs --case window0 --target "127.0.0.1:$GRPC_PORT" --body "$F/logs.pb" \
    --conns 3 --streams 100 --hold 6)
echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["normal"] and all(s == "0" for s in d["normal"]) and d["normal_max_seconds"] < 2 else 1)' &&
    ok limits_grpc_window0_others_served || fail limits_grpc_window0_others_served "$out"
echo "$out" | $PY -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["cancelled"] > 0 else 1)' &&
    ok limits_grpc_window0_answers_cancelled || fail limits_grpc_window0_answers_cancelled "$out"
stop_receiver
