#!/usr/bin/python3
"""hostile.py - one round of one hostile client for the soak (tests/soak/soak.sh). Each mode
runs once, bounded in time, and prints one JSON line of what it saw (the soak counts those).

  slowloris --conns N   N connections each sending a POST's header one byte every 0.3 s;
                        {"closed": n closed by the receiver, "open": n still open after 20 s,
                         "max_s": longest a connection lived}
  pipeline --seconds S  one connection pipelining GET /metrics without ever reading an answer;
                        {"sent_kib", "blocked": its sends blocked, "closed": the receiver closed
                         it, "closed_s"}
  flood --conns N       N connections at once, each sending the first 30 bytes of a request,
                        then waiting up to 15 s; {"connected", "closed", "open", "last_close_s",
                        "answered_503": connections refused at max_connections with 503}
  bad                   undecodable, too deeply nested and oversize requests over HTTP (protobuf
                        and JSON) and gRPC (python3-grpcio): {"<kind>_<transport>": status...}
                        HTTP status codes, gRPC status numbers
  backfill --acks FILE [--req N]
                        one OTLP/JSON logs request whose 300 records fall on 300 different days,
                        record ids "91-N-i" as tests/crash/load.py writes them (N: --req, or one
                        more than the lines FILE holds); appends
                        "A logs 91-N 300 http-json" (acknowledged) or "F ..." to FILE; {"status"}

Common: --http HOST:PORT --grpc HOST:PORT [--max-bytes N] (receiver.max_request_bytes: the
oversize bodies are twice that).
"""
import argparse
import json
import os
import random
import select
import socket
import sys
import time

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import otlp_nest  # noqa: E402

SERVICES = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def closed(s):
    """True when the peer closed s (EOF or reset); never consumes more than a peek."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        return s.recv(1, socket.MSG_PEEK) == b""
    except (ConnectionResetError, BrokenPipeError, OSError):
        return True


def slowloris(a):
    req = (b"POST /v1/logs HTTP/1.1\r\nHost: soak\r\nContent-Type: application/x-protobuf\r\n"
           b"User-Agent: slowloris\r\nX-Padding: " + b"a" * 400 + b"\r\nContent-Length: 10\r\n\r\n")
    socks, born, died = [], [], {}
    for _ in range(a.conns):
        try:
            socks.append(socket.create_connection(hostport(a.http), timeout=5))
            born.append(time.monotonic())
        except OSError:
            pass
    t0 = time.monotonic()
    i = 0
    while len(died) < len(socks) and time.monotonic() - t0 < 20:
        for k, s in enumerate(socks):
            if k in died:
                continue
            if closed(s):
                died[k] = time.monotonic() - born[k]
                continue
            try:
                s.send(req[i % len(req):i % len(req) + 1])
            except OSError:
                died[k] = time.monotonic() - born[k]
        i += 1
        time.sleep(0.3)
    for s in socks:
        s.close()
    return {"mode": "slowloris", "conns": len(socks), "closed": len(died), "open": len(socks) - len(died),
            "max_s": round(max(died.values(), default=0), 1)}


def pipeline(a):
    s = socket.create_connection(hostport(a.http), timeout=5)
    s.setblocking(False)
    burst = b"GET /metrics HTTP/1.1\r\nHost: soak\r\n\r\n" * 200
    t0 = time.monotonic()
    sent = 0
    blocked = False
    closed_s = None
    while time.monotonic() - t0 < a.seconds:
        try:
            n = s.send(burst)
            sent += n
        except BlockingIOError:
            blocked = True
            # Blocked: has the receiver closed us meanwhile? (A peek would read its answers;
            # the connection's error state shows without reading: SO_ERROR or POLLHUP.)
            p = select.poll()
            p.register(s, select.POLLHUP | select.POLLERR | select.POLLRDHUP if hasattr(select, "POLLRDHUP") else select.POLLHUP)
            ev = p.poll(100)
            if ev and ev[0][1] & (select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)):
                closed_s = time.monotonic() - t0
                break
        except (BrokenPipeError, ConnectionResetError):
            closed_s = time.monotonic() - t0
            break
    s.close()
    return {"mode": "pipeline", "sent_kib": sent >> 10, "blocked": blocked, "closed": closed_s is not None,
            "closed_s": round(closed_s, 1) if closed_s is not None else None}


def flood(a):
    half = b"POST /v1/logs HTTP/1.1\r\nHost: soak\r\nContent-Length: 100\r\n"[:30]
    socks = []
    for _ in range(a.conns):
        try:
            s = socket.create_connection(hostport(a.http), timeout=2)
            s.send(half)
            socks.append(s)
        except OSError:
            pass
    t0 = time.monotonic()
    gone = {}
    answered_503 = 0
    while len(gone) < len(socks) and time.monotonic() - t0 < 15:
        for k, s in enumerate(socks):
            if k in gone:
                continue
            try:
                r, _, _ = select.select([s], [], [], 0)
                if not r:
                    continue
                d = s.recv(4096)
                if d.startswith(b"HTTP/1.1 503"):
                    answered_503 += 1
                if not d or d.startswith(b"HTTP/"):
                    gone[k] = time.monotonic() - t0
            except OSError:
                gone[k] = time.monotonic() - t0
        time.sleep(0.05)
    for s in socks:
        s.close()
    return {"mode": "flood", "connected": len(socks), "closed": len(gone), "open": len(socks) - len(gone),
            "last_close_s": round(max(gone.values(), default=0), 1), "answered_503": answered_503}


def http_post(a, path, ctype, body):
    """-> HTTP status of one POST on a fresh connection (its body sent while reading, so a
    413 answered before the body is whole is still seen), or an error name."""
    s = socket.create_connection(hostport(a.http), timeout=10)
    try:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: soak\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                  % (path.encode(), ctype.encode(), len(body)))
        got = b""
        off = 0
        while True:
            w = [s] if off < len(body) else []
            r, w, _ = select.select([s], w, [], 10)
            if not r and not w:
                return "timeout"
            if r:
                d = s.recv(65536)
                if not d:
                    break
                got += d
                if b"\r\n" in got:
                    break
            if w:
                try:
                    off += s.send(body[off:off + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    off = len(body)
        line = got.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 and line[1].isdigit() else "no_answer"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"
    finally:
        s.close()


def grpc_call(channel, signal, body):
    try:
        channel.unary_unary(SERVICES[signal])(body, timeout=10)
        return 0
    except grpc.RpcError as e:
        return e.code().value[0]


def bad(a):
    limit = a.max_bytes
    nested_pb = otlp_nest.protobuf("logs", random.choice([65, 100, 5000, 100000]), random.randint(0, 1))
    nested_tr = otlp_nest.protobuf("traces", random.choice([65, 1000]), 1)
    sys.setrecursionlimit(10000)
    nested_json = otlp_nest.as_json("logs", random.choice([65, 200]), random.randint(0, 1))
    garbage = os.urandom(random.randint(1, 4096))
    garbage_pb = b"\x0a\xff\xff\xff\x0f" + garbage  # a field claiming a length far past the end
    garbage_json = b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": ' + garbage[:64].hex().encode()
    oversize = os.urandom(2 * limit)
    out = {"mode": "bad"}
    out["nested_http_pb"] = http_post(a, "/v1/logs", "application/x-protobuf", nested_pb)
    out["nested_http_traces"] = http_post(a, "/v1/traces", "application/x-protobuf", nested_tr)
    out["nested_http_json"] = http_post(a, "/v1/logs", "application/json", nested_json)
    out["garbage_http_pb"] = http_post(a, "/v1/logs", "application/x-protobuf", garbage_pb)
    out["garbage_http_json"] = http_post(a, "/v1/logs", "application/json", garbage_json)
    out["oversize_http"] = http_post(a, "/v1/logs", "application/x-protobuf", oversize)
    with grpc.insecure_channel(a.grpc) as ch:
        out["nested_grpc"] = grpc_call(ch, "logs", nested_pb)
        out["garbage_grpc"] = grpc_call(ch, "logs", garbage_pb)
        out["oversize_grpc"] = grpc_call(ch, "logs", oversize)
    return out


def backfill(a):
    if a.req is None:
        a.req = 1 + (sum(1 for _ in open(a.acks)) if os.path.exists(a.acks) else 0)
    day = 86400 * 10**9
    base = 1600000000 * 10**9 + a.req * 1000
    rid = lambda i: f"91-{a.req}-{i}"
    recs = [{"timeUnixNano": str(base + i * day), "observedTimeUnixNano": str(base + i * day), "severityNumber": 9,
             "body": {"stringValue": rid(i)}, "attributes": [{"key": "rid", "value": {"stringValue": rid(i)}}]}
            for i in range(300)]
    body = json.dumps({"resourceLogs": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "soak-backfill"}}]},
        "scopeLogs": [{"scope": {"name": "soak"}, "logRecords": recs}]}]}).encode()
    import http.client
    host, port = hostport(a.http)
    status, text = "error", ""
    try:
        c = http.client.HTTPConnection(host, port, timeout=15)
        c.request("POST", "/v1/logs", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        status, text = r.status, r.read().decode("utf-8", "replace")
        c.close()
    except (OSError, http.client.HTTPException) as e:
        status = type(e).__name__
    rejected = 0
    try:
        ps = json.loads(text or "{}").get("partialSuccess") or {}
        rejected = sum(int(v) for k, v in ps.items() if k.startswith("rejected"))
    except ValueError:
        rejected = 1
    with open(a.acks, "a") as f:
        if status == 200 and not rejected:
            f.write(f"A logs 91-{a.req} 300 http-json\n")
        else:
            f.write(f"F logs 91-{a.req} 300 http-json {status}\n")
    return {"mode": "backfill", "req": a.req, "status": status, "rejected": rejected}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["slowloris", "pipeline", "flood", "bad", "backfill"])
    p.add_argument("--http", required=True)
    p.add_argument("--grpc", required=True)
    p.add_argument("--conns", type=int, default=5)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--max-bytes", type=int, default=1 << 20)
    p.add_argument("--req", type=int)
    p.add_argument("--acks")
    a = p.parse_args()
    r = {"slowloris": slowloris, "pipeline": pipeline, "flood": flood, "bad": bad, "backfill": backfill}[a.mode](a)
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
