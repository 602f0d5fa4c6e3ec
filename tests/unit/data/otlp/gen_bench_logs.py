#!/usr/bin/python3
"""gen_bench_logs.py - N realistic SDK-like log records as protobuf ExportLogsServiceRequest
files of 1,000 records each (inputs for `otlp2parquet convert` benchmarks).

    protoc -Iproto --python_out=/tmp/pyproto $(find proto -name '*.proto')
    PYTHONPATH=/tmp/pyproto /usr/bin/python3 tests/unit/data/otlp/gen_bench_logs.py N OUTDIR
Writes OUTDIR/logs-000000.pb, ... Deterministic (seeded), so runs are comparable.
"""
import os, random, sys
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as lsvc
from opentelemetry.proto.common.v1 import common_pb2 as cm

def kv(k, v):
    x = cm.KeyValue(key=k)
    if isinstance(v, bool): x.value.bool_value = v
    elif isinstance(v, int): x.value.int_value = v
    elif isinstance(v, float): x.value.double_value = v
    else: x.value.string_value = v
    return x

def main(n, out):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(42)
    T = 1_763_728_315_000_000_000
    sev = [(5, "DEBUG"), (9, "INFO"), (9, "INFO"), (9, "INFO"), (13, "WARN"), (17, "ERROR")]
    paths = ["/api/users", "/api/orders", "/healthz", "/api/cart/items", "/login"]
    done, f = 0, 0
    while done < n:
        req = lsvc.ExportLogsServiceRequest()
        rl = req.resource_logs.add(schema_url="https://opentelemetry.io/schemas/1.26.0")
        rl.resource.attributes.extend([kv("service.name", "checkout"), kv("service.version", "2.3.1"),
                                       kv("host.name", "ip-10-0-%d-%d" % (f % 8, f % 200)),
                                       kv("deployment.environment.name", "production"),
                                       kv("telemetry.sdk.language", "nodejs")])
        sl = rl.scope_logs.add()
        sl.scope.name = "checkout.http"; sl.scope.version = "2.3.1"
        for _ in range(min(1000, n - done)):
            s = sev[rnd.randrange(len(sev))]
            p = paths[rnd.randrange(len(paths))]
            status = rnd.choice([200, 200, 200, 201, 404, 500])
            ms = rnd.random() * 250
            t = T + done * 1_000_000 + rnd.randrange(1000)
            r = sl.log_records.add(time_unix_nano=t, observed_time_unix_nano=t + 150_000,
                                   severity_number=s[0], severity_text=s[1], flags=1,
                                   trace_id=rnd.getrandbits(128).to_bytes(16, "big"),
                                   span_id=rnd.getrandbits(64).to_bytes(8, "big"))
            r.body.string_value = "%s %s -> %d in %.1f ms" % ("GET" if status != 201 else "POST", p, status, ms)
            r.attributes.extend([kv("http.request.method", "GET"), kv("url.path", p),
                                 kv("http.response.status_code", status), kv("duration_ms", ms),
                                 kv("user.id", "u-%05d" % rnd.randrange(20000)), kv("retry", status >= 500)])
            done += 1
        with open(os.path.join(out, "logs-%06d.pb" % f), "wb") as fh:
            fh.write(req.SerializeToString())
        f += 1

if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
