#!/bin/bash
# OTLP/HTTP framing by RFC 9112, against raw sockets (libevent 2.1's evhttp alone is lenient):
# every request-smuggling form is answered 400 (501 for a transfer coding we do not
# implement) and the connection closed, so the request hidden behind it is never answered;
# chunk extensions are accepted and chunk framing errors get 400 (413 only for size); a body
# over receiver.max_request_bytes sent without `Expect: 100-continue` gets a 413 the client
# can read (not a reset); a body over the old 256 KiB read pause is read whole; a TLS
# ClientHello on the plain port gets an immediate 400; the same answers behind TLS; with bearer
# auth, /metrics needs the token unless receiver.metrics_public, while /health and /ready stay
# open. Every check here failed on the receiver before this framing check (880bfbb).
. "$(dirname "$0")/lib.sh"
F=$INTEROP/fixtures
start_receiver "$T_TMP/data" --set receiver.max_request_bytes=1MiB --set receiver.idle_timeout=20s \
    --set receiver.request_timeout=10s || { fail strict_start "see log"; exit 0; }

# probe.py PORT BODY_FILE: one connection per case, each printing "ok NAME" or "FAIL NAME: why".
cat >"$T_TMP/probe.py" <<'PY'
import re, socket, ssl, sys, threading, time
port = int(sys.argv[1]); pb = open(sys.argv[2], "rb").read(); mode = sys.argv[3]
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
HEALTH = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
STATUS = re.compile(rb"(?:^|\n)HTTP/1\.[01] (\d{3}) ")
tls = ssl.create_default_context(); tls.check_hostname = False; tls.verify_mode = ssl.CERT_NONE

def exchange(data, wait=3.0, sender=None, background=False):
    """Send data (or run sender(sock): in a thread when background), then read until EOF or
    `wait` s of silence. Returns (statuses, raw answer, how it ended: eof | reset | open,
    the send error or None)."""
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(wait)
    if mode == "tls": s = tls.wrap_socket(s)
    sent = [None]
    def send():
        try:
            if sender: sender(s)
            else: s.sendall(data)
        except OSError as e: sent[0] = repr(e)
    t = None
    if background and mode != "tls":  # an SSL object is not for two threads at once
        t = threading.Thread(target=send, daemon=True); t.start()
    else:
        send()
    got = b""; end = "open"
    try:
        while True:
            d = s.recv(65536)
            if not d: end = "eof"; break
            got += d
    except socket.timeout: pass
    except OSError as e: end = "reset" if isinstance(e, ConnectionResetError) else repr(e)
    if t: t.join(wait)
    s.close()
    return [int(m) for m in STATUS.findall(got)], got, end, sent[0]

def report(name, why, raw):
    print("ok " + name if not why else "FAIL %s: %s; answer %r" % (name, ", ".join(why), raw[:300]))
    sys.stdout.flush()

def check(name, want, data, text=None, before=(), **kw):
    """want: the one status expected (after the statuses `before`), then the connection
    closed; nothing else answered; the client's send never failed."""
    st, raw, end, err = exchange(data, **kw)
    why = []
    if st != list(before) + [want]: why.append("statuses %s, want %s" % (st, list(before) + [want]))
    if end != "eof": why.append("connection %s, want closed" % end)
    if text and text.encode() not in raw: why.append("answer lacks %r" % text)
    if err: why.append("sending failed: " + err)
    report(name, why, raw)

def check_served(name, data, want):
    st, raw, end, err = exchange(data, wait=2.0)
    report(name, [] if st == want else ["statuses %s, want %s" % (st, want)], raw)

def post(headers, body=b"", path=b"/v1/logs"):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n" +
            headers + b"\r\n" + body)

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
check("smuggle_head_with_body", 400,
      b"HEAD /health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED, "HEAD")
check("smuggle_obs_fold", 400, post(b"X-Folded: a\r\n Content-Length: 7\r\nContent-Length: 0\r\n", SMUGGLED), "fold")
check("smuggle_bare_lf", 400, post(b"Content-Length: 0\nX-Y: z\r\n", SMUGGLED), "LF")
# An empty list element is legal (RFC 9110 section 5.6.1) and a proxy reads this as chunked;
# evhttp alone compared "chunked," to "chunked", saw no body and parsed the chunks as a request.
check_served("smuggle_chunked_list_element", post(b"Transfer-Encoding: chunked,\r\n", chunk(pb) + b"0\r\n\r\n") +
             HEALTH, [200, 200])
# A refusal after a request answered on the same connection: that answer, then the 400.
check("smuggle_after_keepalive_request", 400, None, "Content-Length", before=[200], sender=lambda s: (
    s.sendall(HEALTH), time.sleep(0.3), s.sendall(post(b"Content-Length: 0\r\nContent-Length: 5\r\n", b"hello"))))

# 2. Over max_request_bytes without Expect: the client sends its whole body, then reads a 413
# (the receiver reads and drops the rest instead of resetting the connection).
big = b"\0" * (24 << 20)  # more than loopback buffers hold: the client must be read from
check("body_over_limit_readable_413", 413, post(b"Content-Length: %d\r\n" % len(big), big), "max_request_bytes",
      wait=5.0)
if mode == "tls":
    sys.exit(0)
# ... also when the client reads while it sends.
check("body_over_limit_413_while_sending", 413, post(b"Content-Length: %d\r\n" % len(big), big), "max_request_bytes",
      wait=5.0, background=True)
check("chunked_over_limit_readable_413", 413,
      post(b"Transfer-Encoding: chunked\r\n", chunk(big[:1 << 20]) + chunk(big[:1 << 20]) + b"0\r\n\r\n"),
      "max_request_bytes", wait=5.0)
# Under the limit but over 256 KiB (where the receiver used to stop reading): read whole.
def varint(n):
    out = b""
    while n >= 0x80: out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
pad = pb + b"\x7a" + varint(700000) + b"\0" * 700000  # unknown field 15 of 700,000 bytes: skipped
check_served("body_over_256kib_read", post(b"Content-Length: %d\r\n" % len(pad), pad), [200])

# 3. Chunked bodies: extensions are legal; framing errors are 400, not 413.
check_served("chunk_extensions_accepted", post(b"Transfer-Encoding: chunked\r\n", chunk(pb[:1000], b";name=value") +
             chunk(pb[1000:], b" ; a=\"q s\";b") + b"0;last\r\n\r\n"), [200])
check("chunk_size_not_hex_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n"), "chunk")
check("chunk_data_without_crlf_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"5\r\nhelloXX\r\n0\r\n\r\n"), "chunk")
check("chunk_size_0x_400", 400, post(b"Transfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n"), "chunk")

# 4. A TLS ClientHello on the plain port: answered at once in plain HTTP, then closed. (One
# without a 0x0a byte: evhttp alone waited for the end of that "line" until its timeout.)
for _ in range(200):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    hs = tls.wrap_bio(inc, out)
    try: hs.do_handshake()
    except ssl.SSLWantReadError: pass
    hello = out.read()
    if b"\n" not in hello: break
check("tls_hello_on_plain_port_400", 400, hello, "plain HTTP", wait=2.0)
PY
$PY "$T_TMP/probe.py" "$HTTP_PORT" "$F/logs.pb" plain
# Each refusal logged and counted, and the receiver still serving.
n=$(grep -c 'op=http_framing status=' "$T_TMP/data/receiver.log")
m=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -c 'o2p_receiver_rejections_total{transport="http",reason="\(malformed\|too_large\|unsupported_encoding\)"} [1-9]')
check_eq strict_refusals_logged_counted_serving "17 3 200" "$n $m $(post /v1/logs application/x-protobuf "$F/logs.pb")"
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
$PY "$T_TMP/probe.py" "$HTTP_PORT" "$F/logs.pb" tls | sed 's/^ok /ok tls_/; s/^FAIL /FAIL tls_/'
stop_receiver

# 5. Bearer auth covers /metrics unless receiver.metrics_public; /health and /ready stay open.
echo 's3cret-token' >"$T_TMP/token"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
start_receiver "$T_TMP/auth" --set "receiver.auth_token_file=$T_TMP/token" || { fail strict_auth_start "see log"; exit 0; }
u=http://127.0.0.1:$HTTP_PORT
# /metrics without a token, with a wrong one, with the right one; /health; /ready.
check_eq metrics_needs_token "401 401 200 200 200" "$(code "$u/metrics") $(code -H 'Authorization: Bearer nope' "$u/metrics") \
$(code -H 'Authorization: Bearer s3cret-token' "$u/metrics") $(code "$u/health") $(code "$u/ready")"
curl -s -D - -o /dev/null "$u/metrics" | grep -qi '^WWW-Authenticate: Bearer' && ok metrics_401_www_authenticate ||
    fail metrics_401_www_authenticate "no WWW-Authenticate"
stop_receiver
start_receiver "$T_TMP/public" --set "receiver.auth_token_file=$T_TMP/token" --set receiver.metrics_public=true ||
    { fail metrics_public_start "see log"; exit 0; }
check_eq metrics_public "200 401" "$(code "http://127.0.0.1:$HTTP_PORT/metrics") $(post /v1/logs application/x-protobuf "$F/logs.pb")"
stop_receiver
