#!/usr/bin/python3
"""Send a raw OTLP protobuf body (e.g. fixtures/traces.pb) over gRPC with Debian's python3-grpcio
(gRPC C-core: a second, independent gRPC stack next to the JS SDK's grpc-js).
No generated stubs are needed: the request bytes are sent as-is to the OTLP Export method.
The project's own copy (tests/interop/) of the team tool, with two additions: --concurrent N
issues N calls at once on one channel, --token T sends "authorization: Bearer T".

Usage: /usr/bin/python3 grpc-send.py FILE.pb {traces|logs|metrics} [HOST:PORT] [--gzip] [--repeat N]
                                     [--concurrent N] [--token T]
                                     [--tls-ca CA.pem [--tls-cert C.pem --tls-key K.pem]]
Run it with /usr/bin/python3: a pyenv `python3` earlier on PATH does not see Debian's packages.
Exit status: 0 if every call returned OK, 1 otherwise.
"""
import sys
import grpc

SERVICES = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
}


def option(argv, name, default):
    if name not in argv:
        return default
    i = argv.index(name)
    value = argv[i + 1]
    del argv[i:i + 2]
    return value


def main(argv):
    argv = list(argv)
    repeat = int(option(argv, "--repeat", 1))
    concurrent = int(option(argv, "--concurrent", 0))
    token = option(argv, "--token", None)
    tls_ca = option(argv, "--tls-ca", None)
    tls_cert = option(argv, "--tls-cert", None)
    tls_key = option(argv, "--tls-key", None)
    gzip = "--gzip" in argv
    args = [a for a in argv if not a.startswith("--")]
    if len(args) < 2 or args[1] not in SERVICES:
        print(__doc__, file=sys.stderr)
        return 2
    body = open(args[0], "rb").read()
    target = args[2] if len(args) > 2 else "127.0.0.1:4317"
    compression = grpc.Compression.Gzip if gzip else grpc.Compression.NoCompression
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    failures = 0
    calls = 0
    if tls_ca:
        read = lambda p: open(p, "rb").read() if p else None
        creds = grpc.ssl_channel_credentials(read(tls_ca), read(tls_key), read(tls_cert))
        channel_cm = grpc.secure_channel(target, creds)
    else:
        channel_cm = grpc.insecure_channel(target)
    with channel_cm as channel:
        export = channel.unary_unary(SERVICES[args[1]])  # no (de)serializers: raw bytes in and out
        for _ in range(repeat):
            if concurrent:
                futures = [export.future(body, timeout=30, compression=compression, metadata=metadata)
                           for _ in range(concurrent)]
                results = []
                for f in futures:
                    try:
                        results.append(f.result())
                    except grpc.RpcError as e:
                        failures += 1
                        print(f"FAILED: {e.code().name} {e.details()}", file=sys.stderr)
                calls += concurrent
                continue
            calls += 1
            try:
                reply, call = export.with_call(body, timeout=10, compression=compression, metadata=metadata)
                if reply:
                    print(f"response: {len(reply)} bytes (non-empty: partial_success?) {reply.hex()}")
            except grpc.RpcError as e:
                failures += 1
                print(f"FAILED: {e.code().name} {e.details()}", file=sys.stderr)
    print(f"{'FAIL' if failures else 'OK'} {args[1]} {len(body)} bytes x{calls} -> {target}"
          f"{' (gzip)' if gzip else ''}, grpcio {grpc.__version__}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
