#!/bin/bash
# OTLP/HTTP framing by RFC 9112, against raw sockets (libevent 2.1's evhttp alone is lenient):
# every request-smuggling form is answered 400 (501 for a transfer coding we do not
# implement) and the connection closed, so the request hidden behind it is never answered;
# chunk extensions are accepted and chunk framing errors get 400 (413 only for size); a body
# over receiver.max_request_bytes sent without `Expect: 100-continue` gets a 413 the client
# can read (not a reset); a body over the old 256 KiB read pause is read whole; a TLS
# ClientHello on the plain port gets an immediate 400; with bearer auth, /metrics needs the
# token unless receiver.metrics_public, while /health and /ready stay open.
. "$(dirname "$0")/lib.sh"
F=$INTEROP/fixtures
start_receiver "$T_TMP/data" --set receiver.max_request_bytes=1MiB --set receiver.idle_timeout=20s \
    --set receiver.request_timeout=10s || { fail strict_start "see log"; exit 0; }

# probe.py PORT BODY_FILE: one connection per case, each printing "ok NAME" or "FAIL NAME: why".
cat >"$T_TMP/probe.py" <<'PY'
import re, socket, ssl, sys, threading, time
port = int(sys.argv[1]); pb = open(sys.argv[2], "rb").read(); mode = sys.argv[3]
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
STATUS = re.compile(rb"(?:^|\n)HTTP/1\.[01] (\d{3}) ")

tls = ssl.create_default_context(); tls.check_hostname = False; tls.verify_mode = ssl.CERT_NONE
def exchange(data, wait=3.0, sender=None):
    """Send data (or run sender(sock) in a thread), read until EOF or `wait` s of silence.
    Returns (statuses, raw answer, how it ended: eof | reset | open)."""
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(wait)
    if mode == "tls": s = tls.wrap_socket(s)
    if sender and mode == "tls":  # an SSL object is not for two threads at once: send all, then read
        sender(s)
    elif sender:
        threading.Thread(target=sender, args=(s,), daemon=True).start()
    else:
        s.sendall(data)
    got = b""; end = "open"
    try:
        while True:
            d = s.recv(65536)
            if not d: end = "eof"; break
            got += d
    except socket.timeout: pass
    except ConnectionResetError: end = "reset"
    s.close()
    return [int(m) for m in STATUS.findall(got)], got, end

def post(headers, body=b"", path=b"/v1/logs"):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n" +
            headers + b"\r\n" + body)

def check(name, want, data, text=None, want_before=(), **kw):
    """want: the one status expected (after want_before), then the connection closed; nothing
    else answered."""
    st, raw, end = exchange(data, **kw)
    why = []
    if st != list(want_before) + [want]: why.append("statuses %s, want %s" % (st, list(want_before) + [want]))
    if end != "eof": why.append("connection %s, want closed" % end)
    if text and text.encode() not in raw: why.append("answer lacks %r" % text)
    print("ok " + name if not why else "FAIL %s: %s; answer %r" % (name, ", ".join(why), raw[:300]))
    sys.stdout.flush()

def check_served(name, data, want):
    st, raw, end = exchange(data, wait=2.0)
    print("ok " + name if st == want else "FAIL %s: statuses %s, want %s; answer %r" % (name, st, want, raw[:300]))
    sys.stdout.flush()

def chunk(b, ext=b""):
    return b"%x" % len(b) + ext + b"\r\n" + b + b"\r\n"

# 1. Request smuggling: each request hides SMUGGLED where a front proxy and evhttp would
# disagree on where the first request ends. One 400 (or 501), then close; /smuggled never answered.
check("smuggle_two_content_lengths", 400,
      post(b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(SMUGGLED), SMUGGLED), "Content-Length")
check("smuggle_space_before_colon", 400, post(b"Content-Length : %d\r\n" % len(SMUGGLED), SMUGGLED), "colon")
check("smuggle_xchunked", 400, post(b"Transfer-Encoding: xchunked\r\n", SMUGGLED), "Transfer-Encoding")
check("smuggle_content_length_plus", 400, post(b"Content-Length: +0\r\n", SMUGGLED), "Content-Length")
check("smuggle_gzip_chunked_501", 501, post(b"Transfer-Encoding: gzip, chunked\r\n", SMUGGLED), "gzip")
check("smuggle_content_length_and_chunked", 400,
      post(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (5 + len(SMUGGLED)), b"0\r\n\r\n" + SMUGGLED),
      "Transfer-Encoding")
# Legal OWS: evhttp alone saw "\tchunked", no body, and parsed the chunks as the next request.
check_served("smuggle_chunked_after_tab", post(b"Transfer-Encoding:\tchunked\r\n", chunk(pb) + b"0\r\n\r\n"), [200])
check("smuggle_head_with_body", 400,
      b"HEAD /health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED, "HEAD")
check("smuggle_obs_fold", 400, post(b"X-Folded: a\r\n Content-Length: 7\r\nContent-Length: 0\r\n", SMUGGLED), "fold")
check("smuggle_bare_lf", 400, post(b"Content-Length: 0\nX-Y: z\r\n", SMUGGLED), "LF")

# A refusal after a request answered on the same connection: that answer, then the 400.
check("smuggle_after_keepalive_request", 400, None, "Content-Length", sender=lambda s: (
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), time.sleep(0.3),
    s.sendall(post(b"Content-Length: 0\r\nContent-Length: 5\r\n", b"hello"))), want_before=[200])

if mode == "tls":  # the same checks behind TLS: one smuggling form, one readable 413
    big = b"\0" * (3 << 20)
    def send_big(s):
        try: s.sendall(post(b"Content-Length: %d\r\n" % len(big), big))
        except OSError: pass
    check("tls_body_over_limit_readable_413", 413, None, "max_request_bytes", sender=send_big, wait=5.0)
    sys.exit(0)

# 2. Chunked bodies: extensions are legal; framing errors are 400, not 413.
st, raw, _ = exchange(post(b"Transfer-Encoding: chunked\r\n", chunk(pb[:1000], b";name=value") +
                           chunk(pb[1000:], b" ; a=\"q s\";b") + b"0;last\r\n\r\n"), wait=2.0)
print("ok chunk_extensions_accepted" if st == [200] else "FAIL chunk_extensions_accepted: %s %r" % (st, raw[:200]))
check("chunk_size_not_hex_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n"), "chunk")
check("chunk_data_without_crlf_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"5\r\nhelloXX\r\n0\r\n\r\n"), "chunk")
check("chunk_size_0x_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n"), "chunk")

# 3. Over max_request_bytes without Expect: a 413 the client reads, whatever it sends meanwhile.
big = b"\0" * (3 << 20)
def send_big(s):
    try: s.sendall(post(b"Content-Length: %d\r\n" % len(big), big))
    except OSError: pass
check("body_over_limit_readable_413", 413, None, "max_request_bytes", sender=send_big, wait=5.0)
def send_big_chunked(s):
    try: s.sendall(post(b"Transfer-Encoding: chunked\r\n", chunk(big[:1 << 20]) + chunk(big[:1 << 20])))
    except OSError: pass
check("chunked_over_limit_readable_413", 413, None, "max_request_bytes", sender=send_big_chunked, wait=5.0)
# Under the limit but over 256 KiB (where the receiver used to stop reading): read whole.
def varint(n):
    out = b""
    while n >= 0x80: out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
pad = pb + b"\x7a" + varint(700000) + b"\0" * 700000  # unknown field 15 of 700,000 bytes: skipped
st, raw, _ = exchange(post(b"Content-Length: %d\r\n" % len(pad), pad), wait=5.0)
print("ok body_over_256kib_read" if st == [200] else "FAIL body_over_256kib_read: %s %r" % (st, raw[:200]))

# 4. A TLS ClientHello on the plain port: answered at once in plain HTTP, then closed.
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out)
try: obj.do_handshake()
except ssl.SSLWantReadError: pass
hello = out.read()
check("tls_hello_on_plain_port_400", 400, hello, "plain HTTP", wait=2.0)
PY
$PY "$T_TMP/probe.py" "$HTTP_PORT" "$F/logs.pb" plain
check_eq strict_still_serving 200 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
m=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics")
echo "$m" | grep -q 'o2p_receiver_rejections_total{transport="http",reason="malformed"} [1-9]' &&
    ok strict_rejections_counted || fail strict_rejections_counted "$(echo "$m" | grep rejections_total | grep http)"
kill -0 "$RECV_PID" && ok strict_no_crash || fail strict_no_crash "receiver died"
stop_receiver

# The same behind TLS (the refusal is written through OpenSSL, then close_notify).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$T_TMP/key.pem" \
    -out "$T_TMP/cert.pem" 2>/dev/null
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port); mkdir -p "$T_TMP/tls"
"$O2P_BIN/otlp2parquet-receiver" --data-dir "$T_TMP/tls" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set "receiver.tls_cert=$T_TMP/cert.pem" --set "receiver.tls_key=$T_TMP/key.pem" \
    --set receiver.max_request_bytes=1MiB >>"$T_TMP/tls/receiver.log" 2>&1 &
RECV_PID=$!; T_PIDS+=("$RECV_PID")
for _ in $(seq 1 100); do
    [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTP_PORT/ready")" = 200 ] && break
    sleep 0.05
done
$PY "$T_TMP/probe.py" "$HTTP_PORT" "$F/logs.pb" tls | sed 's/^ok smuggle/ok tls_smuggle/; s/^FAIL smuggle/FAIL tls_smuggle/'
stop_receiver

# 5. Bearer auth covers /metrics unless receiver.metrics_public; /health and /ready stay open.
echo 's3cret-token' >"$T_TMP/token"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
start_receiver "$T_TMP/auth" --set "receiver.auth_token_file=$T_TMP/token" || { fail strict_auth_start "see log"; exit 0; }
check_eq metrics_needs_token_401 401 "$(code "http://127.0.0.1:$HTTP_PORT/metrics")"
check_eq metrics_wrong_token_401 401 "$(code -H 'Authorization: Bearer nope' "http://127.0.0.1:$HTTP_PORT/metrics")"
check_eq metrics_with_token_200 200 "$(code -H 'Authorization: Bearer s3cret-token' "http://127.0.0.1:$HTTP_PORT/metrics")"
check_eq health_open_with_auth "200 200" "$(code "http://127.0.0.1:$HTTP_PORT/health") $(code "http://127.0.0.1:$HTTP_PORT/ready")"
stop_receiver
start_receiver "$T_TMP/public" --set "receiver.auth_token_file=$T_TMP/token" --set receiver.metrics_public=true ||
    { fail metrics_public_start "see log"; exit 0; }
check_eq metrics_public_200 200 "$(code "http://127.0.0.1:$HTTP_PORT/metrics")"
check_eq metrics_public_export_still_401 401 "$(post /v1/logs application/x-protobuf "$F/logs.pb")"
stop_receiver
