#!/usr/bin/python3
"""gen.py - make the edge-case OTLP inputs and the expected table rows for every input.

Regenerate (needs protoc and python3-protobuf; the outputs are committed):
    protoc -Iproto --python_out=/tmp/pyproto $(find proto -name '*.proto')
    PYTHONPATH=/tmp/pyproto /usr/bin/python3 tests/unit/data/otlp/gen.py tests/unit/data/otlp

Writes edge_{logs,traces,metrics}.pb (hand-built requests covering every column and value
rule) and <input>.expected.json for those and for the SDK captures {logs,traces,metrics}.pb,
with the default snake_case column names (snake_rows below).
The expected rows are computed here, independently of the C code, from the rules in
design.md "Tables" / otel/otel_string.h. Canonical value form (tests/interop/convert-check.mjs
produces the same from each reader): timestamps as decimal microseconds, ints/longs decimal,
doubles as JavaScript's String(x), booleans "true"/"false", strings as is, null as null, maps
as [key, value] pairs sorted by key, lists as arrays, structs as objects.
"""
import base64, json, math, os, sys
from decimal import Decimal

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as lsvc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as tsvc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as msvc
from opentelemetry.proto.common.v1 import common_pb2 as cm

# ---- value rules (reference implementation) ---------------------------------------------

def js_num(x):
    if math.isnan(x): return "NaN"
    if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
    if x == 0: return "-0" if math.copysign(1, x) < 0 else "0"
    sign, digits, exp = Decimal(repr(x)).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    # value = 0.ds * 10^n
    n = len(digits) + exp
    k = len(ds)
    s = "-" if sign else ""
    if abs(x) < 1e-6 or abs(x) >= 1e21:
        e = n - 1
        return s + ds[0] + ("." + ds[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    if n >= k: return s + ds + "0" * (n - k)
    if n > 0: return s + ds[:n] + "." + ds[n:]
    return s + "0." + "0" * (-n) + ds

def go_json_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"': out.append('\\"')
        elif ch == '\\': out.append('\\\\')
        elif ch == '\b': out.append('\\b')
        elif ch == '\f': out.append('\\f')
        elif ch == '\n': out.append('\\n')
        elif ch == '\r': out.append('\\r')
        elif ch == '\t': out.append('\\t')
        elif o < 0x20 or ch in '<>&': out.append('\\u%04x' % o)
        elif o in (0x2028, 0x2029): out.append('\\u%04x' % o)
        else: out.append(ch)
    out.append('"')
    return "".join(out)

def go_json(v):
    k = v.WhichOneof("value")
    if k is None: return "null"
    if k == "string_value": return go_json_str(v.string_value)
    if k == "bool_value": return "true" if v.bool_value else "false"
    if k == "int_value": return str(v.int_value)
    if k == "double_value":
        return js_num(v.double_value) if math.isfinite(v.double_value) else "null"
    if k == "bytes_value": return '"' + base64.b64encode(v.bytes_value).decode() + '"'
    if k == "array_value": return "[" + ",".join(go_json(x) for x in v.array_value.values) + "]"
    if k == "kvlist_value":
        d = {}
        for kv in v.kvlist_value.values: d[kv.key] = kv.value if kv.HasField("value") else None  # last wins
        keys = sorted(d, key=lambda s: s.encode())
        return "{" + ",".join(go_json_str(key) + ":" + (go_json(d[key]) if d[key] is not None else "null") for key in keys) + "}"
    raise ValueError(k)

def as_string(v):
    if v is None: return ""
    k = v.WhichOneof("value")
    if k is None: return ""
    if k == "string_value": return v.string_value
    if k == "bool_value": return "true" if v.bool_value else "false"
    if k == "int_value": return str(v.int_value)
    if k == "double_value": return js_num(v.double_value)
    if k == "bytes_value": return base64.b64encode(v.bytes_value).decode()
    return go_json(v)

def attrs(kvs):
    seen, out = set(), []
    for kv in kvs:
        if kv.key in seen: continue  # first wins
        seen.add(kv.key)
        out.append([kv.key, as_string(kv.value) if kv.HasField("value") else ""])
    return sorted(out, key=lambda p: p[0].encode())

def hexid(b): return "" if not any(b) else b.hex()
def ts(ns): return str(ns // 1000)
def i(x): return str(x)
def u64(x): return str(min(x, 2**63 - 1))  # counts past 2^63 - 1 are clamped (otlp_rows_metrics.c)


def buckets_readable(counts, bounds):
    """The OTLP shape: no buckets, or one more count than bounds, bounds increasing (no NaN)."""
    if not counts and not bounds:
        return True
    return len(counts) == len(bounds) + 1 and all(
        b == b and (i == 0 or b > bounds[i - 1]) for i, b in enumerate(bounds))
def i32(x): return str(x if x < 2**31 else x - 2**32)
def svc(res):
    for kv in res.attributes:
        if kv.key == "service.name": return as_string(kv.value)
    return ""

KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
CODES = ["Unset", "Ok", "Error"]

# ---- expected rows ----------------------------------------------------------------------

def expect_logs(req):
    rows = []
    for rl in req.resource_logs:
        r = rl.resource
        for sl in rl.scope_logs:
            s = sl.scope
            for lr in sl.log_records:
                t = lr.time_unix_nano or lr.observed_time_unix_nano
                rows.append({
                    "Timestamp": ts(t), "TraceId": hexid(lr.trace_id), "SpanId": hexid(lr.span_id),
                    "TraceFlags": i(lr.flags & 0xff), "SeverityText": lr.severity_text,
                    "SeverityNumber": i(lr.severity_number), "ServiceName": svc(r),
                    "Body": as_string(lr.body) if lr.HasField("body") else "",
                    "ResourceSchemaUrl": rl.schema_url, "ResourceAttributes": attrs(r.attributes),
                    "ScopeSchemaUrl": sl.schema_url, "ScopeName": s.name, "ScopeVersion": s.version,
                    "ScopeAttributes": attrs(s.attributes), "LogAttributes": attrs(lr.attributes),
                    "EventName": lr.event_name, "ObservedTimestamp": ts(lr.observed_time_unix_nano)})
    return {"logs": rows}

def expect_traces(req):
    rows = []
    for rs in req.resource_spans:
        r = rs.resource
        for ss in rs.scope_spans:
            s = ss.scope
            for sp in ss.spans:
                d = (sp.end_time_unix_nano - sp.start_time_unix_nano)
                d = (d + 2**63) % 2**64 - 2**63
                rows.append({
                    "Timestamp": ts(sp.start_time_unix_nano), "TraceId": hexid(sp.trace_id),
                    "SpanId": hexid(sp.span_id), "ParentSpanId": hexid(sp.parent_span_id),
                    "TraceState": sp.trace_state, "SpanName": sp.name,
                    "SpanKind": KINDS[sp.kind] if sp.kind < 6 else str(sp.kind),
                    "ServiceName": svc(r), "ResourceAttributes": attrs(r.attributes),
                    "ScopeName": s.name, "ScopeVersion": s.version,
                    "SpanAttributes": attrs(sp.attributes), "Duration": str(d),
                    "StatusCode": CODES[sp.status.code] if sp.status.code < 3 else str(sp.status.code),
                    "StatusMessage": sp.status.message,
                    "Events": [{"Timestamp": ts(e.time_unix_nano), "Name": e.name,
                                "Attributes": attrs(e.attributes)} for e in sp.events],
                    "Links": [{"TraceId": hexid(l.trace_id), "SpanId": hexid(l.span_id),
                               "TraceState": l.trace_state, "Attributes": attrs(l.attributes)}
                              for l in sp.links]})
    return {"traces": rows}

def ex_value(e):
    k = e.WhichOneof("value")
    return js_num(e.as_double) if k == "as_double" else js_num(float(e.as_int)) if k == "as_int" else "0"

def expect_metrics(req):
    out = {k: [] for k in ["metrics_gauge", "metrics_sum", "metrics_histogram",
                           "metrics_exponential_histogram", "metrics_summary"]}
    for rm in req.resource_metrics:
        r = rm.resource
        for sm in rm.scope_metrics:
            s = sm.scope
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind is None: continue
                data = getattr(m, kind)
                for dp in data.data_points:
                    row = {"ResourceAttributes": attrs(r.attributes), "ResourceSchemaUrl": rm.schema_url,
                           "ScopeName": s.name, "ScopeVersion": s.version,
                           "ScopeAttributes": attrs(s.attributes),
                           "ScopeDroppedAttrCount": i32(s.dropped_attributes_count),
                           "ScopeSchemaUrl": sm.schema_url, "ServiceName": svc(r),
                           "MetricName": m.name, "MetricDescription": m.description,
                           "MetricUnit": m.unit, "Attributes": attrs(dp.attributes),
                           "StartTimeUnix": ts(dp.start_time_unix_nano),
                           "TimeUnix": ts(dp.time_unix_nano), "Flags": i32(dp.flags),
                           "Exemplars": [] if kind == "summary" else [
                               {"FilteredAttributes": attrs(e.filtered_attributes),
                                "TimeUnix": ts(e.time_unix_nano), "Value": ex_value(e),
                                "SpanId": hexid(e.span_id), "TraceId": hexid(e.trace_id)}
                               for e in dp.exemplars]}
                    def opt(name):
                        return js_num(getattr(dp, name)) if dp.HasField(name) else None
                    if kind in ("gauge", "sum"):
                        v = dp.WhichOneof("value")
                        row["Value"] = js_num(dp.as_double) if v == "as_double" else js_num(float(dp.as_int)) if v == "as_int" else "0"
                        if kind == "sum":
                            row["AggregationTemporality"] = i(data.aggregation_temporality)
                            row["IsMonotonic"] = "true" if data.is_monotonic else "false"
                        out["metrics_" + kind].append(row)
                    elif kind == "histogram":
                        ok = buckets_readable(list(dp.bucket_counts), list(dp.explicit_bounds))
                        row.update({"Count": u64(dp.count), "Sum": opt("sum"),
                                    "BucketCounts": [u64(x) for x in dp.bucket_counts] if ok else [],
                                    "ExplicitBounds": [js_num(x) for x in dp.explicit_bounds] if ok else [],
                                    "Min": opt("min"), "Max": opt("max"),
                                    "AggregationTemporality": i(data.aggregation_temporality)})
                        out["metrics_histogram"].append(row)
                    elif kind == "exponential_histogram":
                        row.update({"Count": u64(dp.count), "Sum": opt("sum"), "Scale": i(dp.scale),
                                    "ZeroCount": u64(dp.zero_count),
                                    "PositiveOffset": i(dp.positive.offset),
                                    "PositiveBucketCounts": [u64(x) for x in dp.positive.bucket_counts],
                                    "NegativeOffset": i(dp.negative.offset),
                                    "NegativeBucketCounts": [u64(x) for x in dp.negative.bucket_counts],
                                    "Min": opt("min"), "Max": opt("max"),
                                    "AggregationTemporality": i(data.aggregation_temporality)})
                        out["metrics_exponential_histogram"].append(row)
                    else:
                        row.update({"Count": u64(dp.count), "Sum": js_num(dp.sum),
                                    "ValueAtQuantiles": [{"Quantile": js_num(q.quantile), "Value": js_num(q.value)}
                                                         for q in dp.quantile_values]})
                        out["metrics_summary"].append(row)
    return {k: v for k, v in out.items() if v}

# ---- edge-case inputs -------------------------------------------------------------------

def kv(key, **val):
    k = cm.KeyValue(key=key)
    if val:
        (name, x), = val.items()
        if name == "arr": k.value.array_value.values.extend(x)
        elif name == "kvl": k.value.kvlist_value.values.extend(x)
        else: setattr(k.value, name, x)
    return k

def av(**val):
    v = cm.AnyValue()
    (name, x), = val.items()
    if name == "arr": v.array_value.values.extend(x)
    elif name == "kvl": v.kvlist_value.values.extend(x)
    else: setattr(v, name, x)
    return v

def rich_attrs():
    nested = av(kvl=[kv("z", int_value=1), kv("a", arr=[av(double_value=1.5e-7), av(bytes_value=b"\x00\xff"),
                 av(double_value=float("nan")), av(kvl=[]), av(arr=[])]), kv("<&>", string_value="q\"\n\u2028"),
                 kv("a", string_value="later a wins"), kv("empty")])
    return [kv("str", string_value="plain"), kv("uni", string_value="héllo 世界 😀"),
            kv("bool", bool_value=True), kv("boolf", bool_value=False),
            kv("int", int_value=-9223372036854775808), kv("intmax", int_value=9223372036854775807),
            kv("dbl", double_value=0.1 + 0.2), kv("small", double_value=1.5e-7), kv("big", double_value=1e21),
            kv("neg0", double_value=-0.0), kv("inf", double_value=float("-inf")), kv("nan", double_value=float("nan")),
            kv("bytes", bytes_value=b"\x01\x02\x03\xfe"), kv("emptybytes", bytes_value=b""),
            kv("arr", arr=[av(string_value="x"), av(int_value=3), av(bool_value=True), nested]),
            kv("map", kvl=[kv("b", int_value=2), kv("a", double_value=100.0), kv("c", arr=[])]),
            kv("emptyval"), kv("str", string_value="duplicate: first wins"), kv("", string_value="empty key")]

def resource(r, name="edge-svc"):
    r.attributes.extend([kv("service.name", string_value=name), kv("res.dup", string_value="first"),
                         kv("res.dup", string_value="second"), kv("ключ", string_value="värde")])

def edge_logs():
    req = lsvc.ExportLogsServiceRequest()
    rl = req.resource_logs.add(schema_url="https://opentelemetry.io/schemas/1.26.0")
    resource(rl.resource)
    sl = rl.scope_logs.add(schema_url="scope-schema")
    sl.scope.name = "edge.scope"; sl.scope.version = "9.9"; sl.scope.dropped_attributes_count = 3
    sl.scope.attributes.extend([kv("scope.k", int_value=7)])
    T = 1_763_728_315_123_456_789
    lr = sl.log_records.add(time_unix_nano=T, observed_time_unix_nano=T + 999, severity_number=17,
                            severity_text="ERROR", flags=0x1ff, trace_id=bytes(range(16)),
                            span_id=bytes(range(8, 16)), event_name="edge.event")
    lr.body.kvlist_value.values.extend([kv("msg", string_value="<b>hi</b> & bye"), kv("n", int_value=1),
                                        kv("arr", arr=[av(double_value=2.5), av(bytes_value=b"hi")])])
    lr.attributes.extend(rich_attrs())
    sl.log_records.add(time_unix_nano=0, observed_time_unix_nano=T + 1, trace_id=bytes(16), span_id=b"")
    bodies = [av(bytes_value=b"\x00\x01\x02"), av(double_value=float("nan")), av(double_value=float("inf")),
              av(double_value=1e21), av(double_value=-1.5e-7), av(int_value=-1), av(bool_value=False),
              av(arr=[av(arr=[av(int_value=1)]), av(kvl=[kv("k")])]), av(string_value="ünïcödé ✓ " + "x" * 20000),
              cm.AnyValue()]
    for n, b in enumerate(bodies):
        r = sl.log_records.add(time_unix_nano=T + n, severity_number=n, severity_text="SEV%d" % n)
        r.body.CopyFrom(b)
    # no resource, no scope
    rl2 = req.resource_logs.add()
    sl2 = rl2.scope_logs.add()
    sl2.log_records.add(time_unix_nano=(1 << 64) - 1, observed_time_unix_nano=1)
    # many rows for many row groups
    rl3 = req.resource_logs.add()
    resource(rl3.resource, "bulk-svc")
    sl3 = rl3.scope_logs.add()
    sl3.scope.name = "bulk"
    for n in range(800):
        r = sl3.log_records.add(time_unix_nano=T + n * 1_000_003, observed_time_unix_nano=T + n,
                                severity_number=9, severity_text="INFO", trace_id=(n + 1).to_bytes(16, "big"),
                                span_id=(n + 7).to_bytes(8, "big"))
        r.body.string_value = "request %d handled in %d ms" % (n, n % 97)
        r.attributes.extend([kv("http.status_code", int_value=200 + n % 5), kv("ratio", double_value=n / 7),
                             kv("user", string_value="user-%d" % (n % 13))])
    return req

def edge_traces():
    req = tsvc.ExportTraceServiceRequest()
    rs = req.resource_spans.add(schema_url="rs-schema")
    resource(rs.resource)
    ss = rs.scope_spans.add()
    ss.scope.name = "edge.tracer"; ss.scope.version = "1"
    T = 1_763_728_315_000_000_001
    sp = ss.spans.add(trace_id=bytes([0xab] * 16), span_id=bytes([0xcd] * 8), parent_span_id=bytes([1] * 8),
                      trace_state="a=b,c=d", name="GET /ünï", kind=2, start_time_unix_nano=T,
                      end_time_unix_nano=T + 1_234_567_891)
    sp.attributes.extend(rich_attrs())
    sp.status.code = 2; sp.status.message = "boom"
    e = sp.events.add(time_unix_nano=T + 5, name="exception")
    e.attributes.extend([kv("exception.message", string_value="x"), kv("n", int_value=1)])
    sp.events.add(time_unix_nano=T + 6, name="no attrs")
    e = sp.events.add(time_unix_nano=T + 7, name="")
    e.attributes.extend([kv("m", kvl=[kv("b"), kv("a", bool_value=True)])])
    l = sp.links.add(trace_id=bytes([2] * 16), span_id=bytes([3] * 8), trace_state="x=y")
    l.attributes.extend([kv("link.k", string_value="v"), kv("link.k", string_value="dup")])
    sp.links.add(trace_id=bytes(16), span_id=b"")
    # odd span: unknown kind, no status, end before start, no ids
    ss.spans.add(name="odd", kind=9, start_time_unix_nano=T, end_time_unix_nano=T - 10)
    ss.spans.add(name="status-ok", kind=5, start_time_unix_nano=T + 1, end_time_unix_nano=T + 2).status.code = 1
    rs2 = req.resource_spans.add()
    ss2 = rs2.scope_spans.add()
    for n in range(500):
        sp = ss2.spans.add(trace_id=(n + 1).to_bytes(16, "big"), span_id=(n + 1).to_bytes(8, "big"),
                           name="span %d" % n, kind=n % 6, start_time_unix_nano=T + n * 1000,
                           end_time_unix_nano=T + n * 1000 + n)
        for k in range(n % 4):
            sp.events.add(time_unix_nano=T + k, name="ev%d" % k).attributes.extend([kv("k", int_value=k)] * (k % 2))
        if n % 3 == 0:
            sp.links.add(trace_id=(n + 5).to_bytes(16, "big"), span_id=(n + 9).to_bytes(8, "big"))
    return req

def edge_metrics():
    from opentelemetry.proto.metrics.v1 import metrics_pb2 as mp
    req = msvc.ExportMetricsServiceRequest()
    rm = req.resource_metrics.add(schema_url="rm-schema")
    resource(rm.resource)
    sm = rm.scope_metrics.add(schema_url="sm-schema")
    sm.scope.name = "edge.meter"; sm.scope.version = "2"; sm.scope.dropped_attributes_count = 4294967295
    sm.scope.attributes.extend([kv("s", bool_value=True)])
    T = 1_763_728_315_555_555_555
    g = sm.metrics.add(name="g", description="gauge ✓", unit="ms").gauge
    p = g.data_points.add(start_time_unix_nano=T - 10**9, time_unix_nano=T, as_int=-5, flags=1)
    p.attributes.extend(rich_attrs())
    e = p.exemplars.add(time_unix_nano=T - 1, as_int=42, span_id=bytes([9] * 8), trace_id=bytes([8] * 16))
    e.filtered_attributes.extend([kv("fa", string_value="x"), kv("fb", double_value=0.5)])
    p.exemplars.add(time_unix_nano=T - 2, as_double=1.25)
    p.exemplars.add(time_unix_nano=T - 3)  # no value
    g.data_points.add(time_unix_nano=T + 1, as_double=float("nan"))
    g.data_points.add(time_unix_nano=T + 2, as_double=1.7976931348623157e308)
    g.data_points.add(time_unix_nano=T + 3)  # no value
    s = sm.metrics.add(name="s").sum
    s.aggregation_temporality = 1; s.is_monotonic = True
    s.data_points.add(time_unix_nano=T, as_double=123.456)
    s2 = sm.metrics.add(name="s2").sum
    s2.aggregation_temporality = 2
    s2.data_points.add(time_unix_nano=T, as_int=9007199254740993)
    h = sm.metrics.add(name="h", unit="s").histogram
    h.aggregation_temporality = 2
    hp = h.data_points.add(time_unix_nano=T, count=2**64 - 1, sum=10.5, bucket_counts=[1, 0, 2**63],
                           explicit_bounds=[0.5, 1e-7], min=-1.0, max=1e300)
    hp.exemplars.add(time_unix_nano=T, as_double=0.7, trace_id=bytes([1] * 16), span_id=bytes([2] * 8))
    h.data_points.add(time_unix_nano=T + 1, count=0)  # no sum/min/max, no buckets
    x = sm.metrics.add(name="x").exponential_histogram
    x.aggregation_temporality = 1
    xp = x.data_points.add(time_unix_nano=T, count=7, sum=3.5, scale=-3, zero_count=1, min=0.0, max=2.0,
                           zero_threshold=0.001)
    xp.positive.offset = -2; xp.positive.bucket_counts.extend([1, 2, 3])
    xp.negative.offset = 5; xp.negative.bucket_counts.extend([4])
    x.data_points.add(time_unix_nano=T + 1, count=1, scale=20)
    sumry = sm.metrics.add(name="sum.mary").summary
    sp = sumry.data_points.add(start_time_unix_nano=T - 5, time_unix_nano=T, count=10, sum=99.5, flags=1)
    sp.quantile_values.add(quantile=0.0, value=-1.0)
    sp.quantile_values.add(quantile=0.99, value=1e21)
    sp.attributes.extend([kv("q", string_value="yes")])
    sumry.data_points.add(time_unix_nano=T + 1, count=0, sum=0.0)
    sm.metrics.add(name="nodata")             # dropped: metric_no_data
    sm.metrics.add(name="nopoints").gauge.SetInParent()   # dropped: metric_no_points
    # many gauge points for many row groups
    g2 = sm.metrics.add(name="bulk.gauge").gauge
    for n in range(800):
        g2.data_points.add(time_unix_nano=T + n, as_double=n * 0.25).attributes.extend([kv("i", int_value=n % 10)])
    return req

# ---- column names ------------------------------------------------------------------------
# Rows above use the ClickHouse exporter's names; the tables' default naming
# (table.column_names = snake_case) is derived from them by otel/table_schema.c's rule,
# reimplemented here: "_" before a capital after a lower-case letter or digit, or before a
# capital that starts a word after an acronym, then lower-case.

def snake(name):
    out = []
    for k, c in enumerate(name):
        if k and c.isupper() and (name[k - 1].islower() or name[k - 1].isdigit() or
                                  (name[k - 1].isupper() and k + 1 < len(name) and
                                   (name[k + 1].islower() or name[k + 1].isdigit()))):
            out.append("_")
        out.append(c.lower())
    return "".join(out)

def snake_rows(v):
    """Rename every column and struct member (dict keys); maps are [key, value] lists and keep
    their keys."""
    if isinstance(v, dict):
        return {snake(k): snake_rows(x) for k, x in v.items()}
    if isinstance(v, list):
        return [snake_rows(x) for x in v]
    return v

def main(d):
    for name, mk in (("edge_logs", edge_logs), ("edge_traces", edge_traces), ("edge_metrics", edge_metrics)):
        with open(os.path.join(d, name + ".pb"), "wb") as f:
            f.write(mk().SerializeToString())
    for name, cls, exp in (("logs", lsvc.ExportLogsServiceRequest, expect_logs),
                           ("traces", tsvc.ExportTraceServiceRequest, expect_traces),
                           ("metrics", msvc.ExportMetricsServiceRequest, expect_metrics)):
        for stem in (name, "edge_" + name):
            req = cls()
            with open(os.path.join(d, stem + ".pb"), "rb") as f:
                req.ParseFromString(f.read())
            with open(os.path.join(d, stem + ".expected.json"), "w") as f:
                tables = exp(req)
                json.dump({t: snake_rows(rows) for t, rows in tables.items()}, f, ensure_ascii=False,
                          separators=(",", ":"))

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
