#!/usr/bin/env node
// gen-corpus.mjs - realistic OTLP protobuf corpora for `bench parquet_size`: telemetry made by the
// real OpenTelemetry JS SDK (LoggerProvider, BasicTracerProvider, MeterProvider) and serialized
// by the SDK's own OTLP protobuf serializers (@opentelemetry/otlp-transformer, what the
// exporter-*-otlp-proto packages send), one Export*ServiceRequest body per file.
//
// Usage: node gen-corpus.mjs --signal logs|traces|metrics --out DIR [--count N] [--batch B] [--seed S]
//   Writes DIR/<signal>-00000.pb ... (B items per request; metrics: one collection per request)
//   and prints one JSON line {"signal", "items", "requests", "bytes"}.
//
// Cardinalities follow a service fleet rather than a loop counter (the same seed gives the same
// bytes):
//   resources  6 services x 2 hosts, each with the SDK's telemetry.sdk.* attributes plus
//              service.*, host.*, process.pid, k8s.* and cloud.*: repeated on every request
//   scopes     3 instrumentation scopes per service
//   logs       requests interleaved 16 at a time, ~5 records per trace (so ids are shared by a
//              handful of records, never adjacent), 1-2 spans per trace; a per-record counter
//              attribute, route / user / thread attributes of low to medium cardinality; bodies:
//              templated free text with numbers and ids (65 %), maps (25 %), stack-trace text
//              (5 %), bytes (5 %); nanosecond timestamps a fraction of a millisecond apart
//   traces     traces of 1-12 spans interleaved 16 at a time, HTTP server roots with client and
//              DB children, events on a fifth of the spans, errors with exceptions, links
//   metrics    cumulative counters, up-down counters, gauges, explicit and exponential
//              histograms over ~120 attribute sets, one collection every 10 s per service
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../interop/package.json'));
const { trace, SpanKind, SpanStatusCode, ROOT_CONTEXT, TraceFlags } = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
const { MeterProvider, MetricReader, AggregationType, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
const { ProtobufLogsSerializer, ProtobufTraceSerializer, ProtobufMetricsSerializer } =
  require('@opentelemetry/otlp-transformer');

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const signal = opt('--signal'), outDir = opt('--out');
const count = Number(opt('--count', '60000')), batch = Number(opt('--batch', '1000'));
let seed = Number(opt('--seed', '1')) >>> 0;
if (!['logs', 'traces', 'metrics'].includes(signal) || !outDir || !(count > 0) || !(batch > 0)) {
  console.error('usage: node gen-corpus.mjs --signal logs|traces|metrics --out DIR [--count N] [--batch B] [--seed S]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

// mulberry32: a small seeded PRNG, so corpora are reproducible
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const hex = (nbytes) => { let s = ''; for (let i = 0; i < nbytes; i++) s += (int(0, 255) + 256).toString(16).slice(1); return s; };
const idGenerator = { generateTraceId: () => hex(16), generateSpanId: () => hex(8) };

// simulated clock in nanoseconds (BigInt), as HrTime [s, ns]
let nowNs = 1764720000n * 1000000000n;
const advance = (meanNs) => { nowNs += BigInt(Math.max(1, Math.round(-Math.log(1 - rnd()) * meanNs))); };
const hr = (ns) => [Number(ns / 1000000000n), Number(ns % 1000000000n)];

const SERVICES = ['checkout', 'cart', 'payment', 'catalog', 'shipping', 'frontend'];
const ROUTES = ['/api/cart', '/api/cart/items', '/api/checkout', '/api/products/{id}', '/api/orders/{id}',
  '/api/users/{id}/profile', '/healthz', '/api/search', '/api/payments', '/api/shipping/quote'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const resources = [];
for (const [si, s] of SERVICES.entries()) {
  for (let h = 0; h < 2; h++) {
    resources.push(resourceFromAttributes({
      'service.name': s, 'service.version': `1.${si}.${h + 3}`, 'service.namespace': 'shop',
      'service.instance.id': hex(16), 'deployment.environment.name': 'production',
      'host.name': `ip-10-0-${si}-${10 + h}.ec2.internal`, 'host.arch': 'amd64', 'os.type': 'linux',
      'process.pid': int(100, 60000), 'process.runtime.name': 'nodejs', 'process.runtime.version': '22.11.0',
      'k8s.namespace.name': 'shop', 'k8s.pod.name': `${s}-7d9f8b${hex(2)}-${hex(3).slice(0, 5)}`,
      'k8s.node.name': `node-${h}`, 'cloud.provider': 'aws', 'cloud.region': 'eu-west-1',
      'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '2.12.0',
    }));
  }
}
const SCOPES = [['@opentelemetry/instrumentation-http', '0.57.0'], ['@opentelemetry/instrumentation-pg', '0.50.0'],
  ['app', '']];
const WORDS = ('request handled order item cart user payment authorized declined retry timeout cache miss hit ' +
  'upstream connection pool exhausted released query slow fetched rows inventory reserved shipment quote').split(' ');
const users = Array.from({ length: 400 }, () => `u-${hex(4)}`);

let files = 0, bytes = 0, items = 0;
const write = (buf) => {
  const name = join(outDir, `${signal}-${String(files).padStart(5, '0')}.pb`);
  writeFileSync(name, buf);
  files++;
  bytes += buf.length;
};

// ---- logs ------------------------------------------------------------------------------------
function genLogs() {
  const SEV = [[SeverityNumber.DEBUG, 'DEBUG', 2], [SeverityNumber.INFO, 'INFO', 12], [SeverityNumber.WARN, 'WARN', 2],
    [SeverityNumber.ERROR, 'ERROR', 1]];
  const sevTable = SEV.flatMap((s) => Array(s[2]).fill(s));
  for (let r = 0, seq = 0; seq < count; r = (r + 1) % resources.length) {
    const sink = new InMemoryLogRecordExporter();
    const lp = new LoggerProvider({ resource: resources[r], processors: [new SimpleLogRecordProcessor({ exporter: sink })] });
    const loggers = SCOPES.map(([n, v]) => lp.getLogger(n, v || undefined));
    const active = [];
    const n = Math.min(batch, count - seq);
    for (let i = 0; i < n; i++, seq++) {
      while (active.length < 16) {
        const tid = hex(16), spans = [hex(8), hex(8)].slice(0, int(1, 2));
        active.push({ tid, spans, left: int(3, 7), route: pick(ROUTES), method: pick(METHODS), user: pick(users) });
      }
      const k = int(0, active.length - 1), a = active[k];
      if (--a.left === 0) active.splice(k, 1);
      advance(400000);
      const [severityNumber, severityText] = pick(sevTable);
      const u = rnd();
      let body;
      if (u < 0.65) {
        body = `${pick(WORDS)} ${pick(WORDS)} ${a.method} ${a.route.replace('{id}', String(int(1, 99999)))} ` +
          `user=${a.user} took ${(rnd() * 250).toFixed(2)}ms ${pick(WORDS)}`;
      } else if (u < 0.9) {
        body = { event: pick(WORDS), 'order.id': int(1, 1e6), amount: Math.round(rnd() * 1e4) / 100, ok: rnd() < 0.9,
          items: Array.from({ length: int(0, 3) }, () => `sku-${int(1, 500)}`) };
      } else if (u < 0.95) {
        body = `Error: ${pick(WORDS)} ${pick(WORDS)} failed\n    at ${pick(WORDS)}Handler (/app/src/${pick(WORDS)}.js:` +
          `${int(10, 400)}:${int(1, 40)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;
      } else {
        body = Uint8Array.from({ length: int(8, 40) }, () => int(0, 255));
      }
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: a.tid, spanId: pick(a.spans), traceFlags: TraceFlags.SAMPLED });
      const t = nowNs;
      loggers[u < 0.3 ? 0 : u < 0.4 ? 1 : 2].emit({
        timestamp: hr(t), observedTimestamp: hr(t + BigInt(int(20000, 900000))), severityNumber, severityText, body,
        attributes: { 'log.record.seq': seq, 'http.route': a.route, 'http.request.method': a.method, 'enduser.id': a.user,
          'thread.id': int(1, 8), ...(rnd() < 0.1 ? { 'exception.type': 'Error' } : {}) },
        context: ctx,
      });
    }
    write(ProtobufLogsSerializer.serializeRequest(sink.getFinishedLogRecords()));
    items += n;
  }
}

// ---- traces ----------------------------------------------------------------------------------
function genTraces() {
  for (let r = 0, seq = 0; seq < count; r = (r + 1) % resources.length) {
    const sink = new InMemorySpanExporter();
    const tp = new BasicTracerProvider({ resource: resources[r], idGenerator, spanProcessors: [new SimpleSpanProcessor(sink)] });
    const tracers = SCOPES.map(([n, v]) => tp.getTracer(n, v || undefined));
    const active = [];
    const n = Math.min(batch, count - seq);
    let prev;
    for (let i = 0; i < n; i++, seq++) {
      while (active.length < 16) active.push({ left: int(1, 12), route: pick(ROUTES), method: pick(METHODS) });
      const k = int(0, active.length - 1), a = active[k];
      advance(300000);
      const start = nowNs, dur = BigInt(int(50000, 40000000));
      let span;
      if (!a.root) {
        span = tracers[0].startSpan(`${a.method} ${a.route}`, { kind: SpanKind.SERVER, startTime: hr(start),
          attributes: { 'http.request.method': a.method, 'http.route': a.route, 'url.scheme': 'https',
            'http.response.status_code': rnd() < 0.95 ? 200 : 500, 'server.address': 'shop.example.com',
            'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36' },
          links: prev && rnd() < 0.1 ? [{ context: prev, attributes: { 'link.kind': 'follows' } }] : [] });
        a.root = span;
        prev = span.spanContext();
      } else {
        const ctx = trace.setSpan(ROOT_CONTEXT, a.root);
        if (rnd() < 0.5) {
          span = tracers[1].startSpan(`SELECT shop.${pick(['orders', 'items', 'users', 'stock'])}`, { kind: SpanKind.CLIENT,
            startTime: hr(start), attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop',
              'db.query.text': `SELECT * FROM ${pick(WORDS)} WHERE id = $1 LIMIT ${int(1, 100)}`, 'db.operation.name': 'SELECT' } }, ctx);
        } else {
          span = tracers[2].startSpan(`${pick(WORDS)}.${pick(WORDS)}`, { kind: SpanKind.INTERNAL, startTime: hr(start),
            attributes: { 'app.step': int(1, 20), 'app.cache.hit': rnd() < 0.7 } }, ctx);
        }
      }
      if (rnd() < 0.2) span.addEvent(pick(WORDS), { 'event.seq': seq }, hr(start + dur / 2n));
      if (rnd() < 0.03) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${pick(WORDS)} ${pick(WORDS)} failed` });
        const err = new Error(`${pick(WORDS)} failed`);
        err.stack = `Error: ${err.message}\n    at handler (/app/src/${pick(WORDS)}.js:${int(10, 400)}:7)`;
        span.recordException(err, hr(start + dur));
      }
      span.end(hr(start + dur));
      if (--a.left === 0) active.splice(k, 1);
    }
    write(ProtobufTraceSerializer.serializeRequest(sink.getFinishedSpans()));
    items += n;
  }
}

// ---- metrics ---------------------------------------------------------------------------------
class ManualReader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
async function genMetrics() {
  const svc = resources.map((resource) => {
    const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const mp = new MeterProvider({ resource, readers: [reader], views: [{ instrumentName: 'rpc.server.duration',
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }] });
    const m = mp.getMeter(SCOPES[0][0], SCOPES[0][1]);
    const inst = {
      dur: m.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration of HTTP server requests.',
        advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } }),
      rpc: m.createHistogram('rpc.server.duration', { unit: 'ms', description: 'RPC server duration.' }),
      req: m.createCounter('http.server.requests', { unit: '{request}', description: 'HTTP requests.' }),
      bytes: m.createCounter('http.server.response.body.size', { unit: 'By' }),
      conns: m.createUpDownCounter('http.server.active_requests', { unit: '{request}' }),
      cpu: m.createGauge('process.cpu.utilization', { unit: '1' }),
      mem: m.createGauge('process.memory.usage', { unit: 'By' }),
    };
    return { mp, reader, inst };
  });
  let points = 0, tick = 0;
  while (points < count) {
    const s = svc[tick % svc.length];
    for (let i = 0; i < 200; i++) {
      const attrs = { 'http.route': pick(ROUTES), 'http.request.method': pick(METHODS),
        'http.response.status_code': rnd() < 0.95 ? 200 : pick([404, 500, 503]) };
      const d = -Math.log(1 - rnd()) * 0.08;
      s.inst.dur.record(d, attrs);
      s.inst.rpc.record(d * 1000, { 'rpc.method': attrs['http.route'] });
      s.inst.req.add(1, attrs);
      s.inst.bytes.add(int(200, 50000), { 'http.route': attrs['http.route'] });
      s.inst.conns.add(rnd() < 0.5 ? 1 : -1, { 'http.request.method': attrs['http.request.method'] });
    }
    for (let c = 0; c < 4; c++) s.inst.cpu.record(Math.round(rnd() * 1e6) / 1e6, { 'cpu.mode': pick(['user', 'system']), 'cpu.logical_number': c });
    s.inst.mem.record(int(80e6, 400e6), { 'process.memory.type': 'rss' });
    const { resourceMetrics, errors } = await s.reader.collect();
    if (errors.length) throw new Error(`metric collection errors: ${errors.join('; ')}`);
    // the collection ran now; place it on the simulated 10 s schedule of its service
    const end = hr(nowNs + BigInt(Math.floor(tick / svc.length)) * 10000000000n + BigInt(int(0, 999999)));
    for (const sm of resourceMetrics.scopeMetrics)
      for (const md of sm.metrics)
        for (const dp of md.dataPoints) { dp.startTime = hr(nowNs); dp.endTime = end; points++; }
    write(ProtobufMetricsSerializer.serializeRequest(resourceMetrics));
    tick++;
  }
  items = points;
  for (const s of svc) await s.mp.shutdown();
}

if (signal === 'logs') genLogs();
else if (signal === 'traces') genTraces();
else await genMetrics();
console.log(JSON.stringify({ signal, items, requests: files, bytes }));
