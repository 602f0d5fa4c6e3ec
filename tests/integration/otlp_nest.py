#!/usr/bin/env python3
"""otlp_nest.py - an OTLP export request with one record whose AnyValue nests LEVELS deep (a
string inside LEVELS-1 arrays or kvlists: the outermost AnyValue counts 1, as in
OTLP_MAX_ANY_DEPTH). Logs: the record's body; traces: a span attribute's value.

  otlp_nest.py --signal logs|traces --levels N [--kvlist 0|1] [--format pb|grpc|json] > body

Built inside out with the pieces kept in reverse, so 100,000 levels take well under a second.
"""
import argparse
import json
import struct
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


class Rev:
    """Bytes built from the end: put() prepends, wrap(f) makes everything so far field f."""

    def __init__(self):
        self.parts, self.total = [], 0

    def put(self, b):
        self.parts.append(b)
        self.total += len(b)

    def wrap(self, field):
        self.put(varint(self.total))
        self.put(bytes([field << 3 | 2]))

    def bytes(self):
        return b"".join(reversed(self.parts))


def protobuf(signal, levels, kvlist):
    r = Rev()
    r.put(b"x")
    r.wrap(1)                       # AnyValue.string_value
    for _ in range(levels - 1):
        if kvlist:
            r.wrap(2)               # KeyValue.value
            r.put(b"\x0a\x01k")     # KeyValue.key
            r.wrap(1)               # KeyValueList.values
            r.wrap(6)               # AnyValue.kvlist_value
        else:
            r.wrap(1)               # ArrayValue.values
            r.wrap(5)               # AnyValue.array_value
    if signal == "logs":
        r.wrap(5)                   # LogRecord.body
    else:
        r.wrap(2)                   # KeyValue.value
        r.put(b"\x0a\x01k")
        r.wrap(9)                   # Span.attributes
        r.put(b"\x2a\x01s")         # Span.name
        r.put(b"\x12\x08" + bytes(range(1, 9)))    # Span.span_id
        r.put(b"\x0a\x10" + bytes(range(1, 17)))   # Span.trace_id
    r.wrap(2)                       # Scope{Logs,Spans}.{log_records,spans}
    r.wrap(2)                       # Resource{Logs,Spans}.scope_*
    r.wrap(1)                       # Export*ServiceRequest.resource_*
    return r.bytes()


def any_json(levels, kvlist):
    v = {"stringValue": "x"}
    for _ in range(levels - 1):
        if kvlist:
            v = {"kvlistValue": {"values": [{"key": "k", "value": v}]}}
        else:
            v = {"arrayValue": {"values": [v]}}
    return v


def as_json(signal, levels, kvlist):
    v = any_json(levels, kvlist)
    if signal == "logs":
        req = {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": v}]}]}]}
    else:
        span = {"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "0102030405060708", "name": "s",
                "attributes": [{"key": "k", "value": v}]}
        req = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    return json.dumps(req).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signal", choices=["logs", "traces"], default="logs")
    ap.add_argument("--levels", type=int, required=True)
    ap.add_argument("--kvlist", type=int, default=0)
    ap.add_argument("--format", choices=["pb", "grpc", "json"], default="pb")
    a = ap.parse_args()
    if a.format == "json":
        sys.setrecursionlimit(10000)
        body = as_json(a.signal, a.levels, a.kvlist)
    else:
        body = protobuf(a.signal, a.levels, a.kvlist)
        if a.format == "grpc":
            body = b"\0" + struct.pack(">I", len(body)) + body
    sys.stdout.buffer.write(body)


if __name__ == "__main__":
    main()
