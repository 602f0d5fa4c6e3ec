#!/usr/bin/python3
"""Load generator for the crash test: several concurrent senders post OTLP logs and traces
with unique record ids over OTLP/HTTP (JSON and protobuf) and OTLP/gRPC (python3-grpcio), and
write down, per request, whether it was acknowledged. No retries: a failed request is
recorded as failed and the sender moves on (its records may or may not be in the tables).

Record ids:
  logs   attribute rid = "<sender>-<request>-<i>" (also the body)
  traces span_id = hex of 8 bytes: sender+1 (1 byte), request (5 bytes BE), i (2 bytes BE);
         attribute rid as for logs.
Ack log: one file per sender, DIR/acks.<sender>, one line per request:
  A <signal> <sender>-<request> <count> <transport>      2xx / grpc OK, no partial rejection
  F <signal> <sender>-<request> <count> <transport> <why> anything else (unacked)
  P <signal> <sender>-<request> <count> <transport> <body> 2xx with partial_success rejected>0
The 'A' line is written only after the acknowledgement arrived.

Usage: load.py --http HOST:PORT --grpc HOST:PORT --dir DIR [--senders N] [--batch N]
               [--seconds S] [--stop-file F] [--pause-ms MS]
Runs until --seconds passed or --stop-file exists; prints a summary line; exit 0.
"""
import argparse
import http.client
import json
import os
import random
import struct
import sys
import threading
import time

import grpc

SERVICES = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
HTTP_PATHS = {"traces": "/v1/traces", "logs": "/v1/logs"}


# ---- minimal protobuf encoding (only what OTLP logs/traces need) ----
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(field, payload):  # length-delimited
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def fx64(field, v):
    return varint(field << 3 | 1) + struct.pack("<Q", v)


def vint(field, v):
    return varint(field << 3) + varint(v)


def anystr(s):
    return ld(1, s.encode())


def kv(k, s):
    return ld(1, k.encode()) + ld(2, anystr(s))


def resource(sender):
    return ld(1, ld(1, kv("service.name", "crash-load")) + ld(1, kv("crash.sender", str(sender))))


def span_id(sender, req, i):
    return bytes([sender + 1]) + req.to_bytes(5, "big") + i.to_bytes(2, "big")


def trace_id(nonce, sender, req):
    return nonce + bytes([sender + 1]) + req.to_bytes(5, "big") + b"\x00\x01"


def logs_pb(sender, req, n, now):
    recs = b""
    for i in range(n):
        rid = f"{sender}-{req}-{i}"
        recs += ld(2, fx64(1, now + i) + fx64(11, now + i) + vint(2, 9) + ld(3, b"INFO") + ld(5, anystr(rid))
                   + ld(6, kv("rid", rid)))
    scope = ld(1, ld(1, b"crash") + ld(2, b"1"))
    return ld(1, resource(sender) + ld(2, scope + recs))


def traces_pb(sender, req, n, now, nonce):
    spans = b""
    tid = trace_id(nonce, sender, req)
    for i in range(n):
        rid = f"{sender}-{req}-{i}"
        spans += ld(2, ld(1, tid) + ld(2, span_id(sender, req, i)) + ld(5, b"crash-span") + vint(6, 2)
                    + fx64(7, now + i) + fx64(8, now + i + 1000) + ld(9, kv("rid", rid)))
    scope = ld(1, ld(1, b"crash") + ld(2, b"1"))
    return ld(1, resource(sender) + ld(2, scope + spans))


def attr(k, v):
    return {"key": k, "value": {"stringValue": v}}


def res_json(sender):
    return {"attributes": [attr("service.name", "crash-load"), attr("crash.sender", str(sender))]}


def logs_json(sender, req, n, now):
    recs = [{"timeUnixNano": str(now + i), "observedTimeUnixNano": str(now + i), "severityNumber": 9,
             "severityText": "INFO", "body": {"stringValue": f"{sender}-{req}-{i}"},
             "attributes": [attr("rid", f"{sender}-{req}-{i}")]} for i in range(n)]
    return json.dumps({"resourceLogs": [{"resource": res_json(sender), "scopeLogs": [
        {"scope": {"name": "crash", "version": "1"}, "logRecords": recs}]}]}).encode()


def traces_json(sender, req, n, now, nonce):
    tid = trace_id(nonce, sender, req).hex()
    spans = [{"traceId": tid, "spanId": span_id(sender, req, i).hex(), "name": "crash-span", "kind": 2,
              "startTimeUnixNano": str(now + i), "endTimeUnixNano": str(now + i + 1000),
              "attributes": [attr("rid", f"{sender}-{req}-{i}")]} for i in range(n)]
    return json.dumps({"resourceSpans": [{"resource": res_json(sender), "scopeSpans": [
        {"scope": {"name": "crash", "version": "1"}, "spans": spans}]}]}).encode()


def json_rejected(text):
    """partialSuccess.rejected* of an OTLP/JSON response (0 when absent)."""
    try:
        ps = json.loads(text or "{}").get("partialSuccess") or {}
    except ValueError:
        return 1 << 30  # an unreadable 2xx answer is not an acknowledgement we can trust
    return sum(int(v) for k, v in ps.items() if k.startswith("rejected"))


def pb_rejected(reply):
    """partial_success (field 1).rejected_* (field 1, varint) of an Export response."""
    def fields(b):
        i = 0
        while i < len(b):
            key, i = read_varint(b, i)
            f, wt = key >> 3, key & 7
            if wt == 0:
                v, i = read_varint(b, i)
            elif wt == 2:
                ln, i = read_varint(b, i)
                v, i = b[i:i + ln], i + ln
            elif wt == 1:
                v, i = b[i:i + 8], i + 8
            elif wt == 5:
                v, i = b[i:i + 4], i + 4
            else:
                raise ValueError("wire type")
            yield f, v
    try:
        for f, v in fields(reply):
            if f == 1 and isinstance(v, bytes):
                for g, w in fields(v):
                    if g == 1 and isinstance(w, int):
                        return w
    except (ValueError, IndexError):
        return 1 << 30
    return 0


def read_varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return r, i


TRANSPORTS = ["http-json", "http-proto", "grpc"]


class Sender(threading.Thread):
    def __init__(self, idx, a, stop, nonce):
        super().__init__(daemon=True)
        self.idx, self.a, self.stop, self.nonce = idx, a, stop, nonce
        self.rng = random.Random(idx * 7919 + int(time.time()))
        self.acked = self.failed = self.partial = 0
        self.out = open(os.path.join(a.dir, f"acks.{idx}"), "a", buffering=1)
        self.channel = None

    def export_grpc(self, signal, body):
        if self.channel is None:
            self.channel = grpc.insecure_channel(self.a.grpc)
        call = self.channel.unary_unary(SERVICES[signal])
        try:
            reply = call(body, timeout=5)
        except grpc.RpcError as e:
            # A broken channel after a receiver restart: start a fresh one next time.
            if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL):
                try:
                    self.channel.close()
                except Exception:
                    pass
                self.channel = None
            details = " ".join((e.details() or "").split())[:100]
            return False, f"grpc_{e.code().name} {details}"
        # ExportXServiceResponse.partial_success (field 1) {rejected (1), message (2)}: a
        # non-empty reply with a non-zero rejected count is not a full acknowledgement.
        return True, reply.hex() if reply else ""

    def export_http(self, signal, body, ctype):
        host, port = self.a.http.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.request("POST", HTTP_PATHS[signal], body=body, headers={"Content-Type": ctype})
            r = conn.getresponse()
            data = r.read()
            if 200 <= r.status < 300:
                return True, data.hex() if ctype.endswith("protobuf") else data.decode("utf-8", "replace")
            return False, f"http_{r.status}"
        except (OSError, http.client.HTTPException) as e:
            return False, type(e).__name__
        finally:
            conn.close()

    def run(self):
        req = 0
        deadline = time.monotonic() + self.a.seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            if self.a.stop_file and os.path.exists(self.a.stop_file):
                break
            req += 1
            signal = "logs" if req % 3 else "traces"
            transport = TRANSPORTS[(req + self.idx) % 3]
            n = self.rng.randint(1, self.a.batch)
            now = time.time_ns()
            if transport == "http-json":
                body = logs_json(self.idx, req, n, now) if signal == "logs" else traces_json(self.idx, req, n, now, self.nonce)
                ok, info = self.export_http(signal, body, "application/json")
                partial = ok and json_rejected(info) > 0
            else:
                body = logs_pb(self.idx, req, n, now) if signal == "logs" else traces_pb(self.idx, req, n, now, self.nonce)
                if transport == "grpc":
                    ok, info = self.export_grpc(signal, body)
                else:
                    ok, info = self.export_http(signal, body, "application/x-protobuf")
                partial = ok and pb_rejected(bytes.fromhex(info)) > 0
            rid = f"{self.idx}-{req}"
            if ok and not partial:
                self.acked += n
                self.out.write(f"A {signal} {rid} {n} {transport}\n")
            elif ok:
                self.partial += n
                self.out.write(f"P {signal} {rid} {n} {transport} {info[:200]}\n")
            else:
                self.failed += n
                self.out.write(f"F {signal} {rid} {n} {transport} {info}\n")
                time.sleep(0.02)  # the receiver is down or restarting: do not spin
            if self.a.pause_ms:
                time.sleep(self.rng.uniform(0, self.a.pause_ms) / 1000)
        self.out.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--http", required=True)
    p.add_argument("--grpc", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--senders", type=int, default=4)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--stop-file")
    p.add_argument("--pause-ms", type=float, default=5)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    stop = threading.Event()
    nonce = os.urandom(8)
    senders = [Sender(i, a, stop, nonce) for i in range(a.senders)]
    for s in senders:
        s.start()
    for s in senders:
        s.join()
    print(f"load: senders={a.senders} acked={sum(s.acked for s in senders)} failed={sum(s.failed for s in senders)} "
          f"partial={sum(s.partial for s in senders)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
