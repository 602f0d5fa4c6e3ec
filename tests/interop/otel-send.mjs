#!/usr/bin/env node
// The project's own copy (tests/interop/), same CLI as the team tool it came from; dependencies are
// pinned in tests/interop/package.json (scripts/interop-deps.sh installs them).
// Send real OpenTelemetry JS SDK telemetry to an OTLP endpoint with the official exporters.
//   traces : N spans (traces of up to 5 spans: root SERVER + children, events, links, ERROR status)
//   logs   : N log records (string / map / bytes bodies, severities, trace correlation, event_name)
//   metrics: counter + up-down counter (Sum), gauge + observable gauge (Gauge), explicit-bucket
//            Histogram, ExponentialHistogram (via a View). Summary: the JS SDK cannot produce it.
//
// Usage: node otel-send.mjs [--protocol http/protobuf|http/json|grpc|file] [--endpoint URL|DIR]
//          [--count N] [--signals traces,logs,metrics] [--gzip] [--batch B]
//          [--temporality cumulative|delta|lowmemory] [--header k=v ...] [--timeout MS] [--strict] [--service NAME]
// Endpoint defaults: http://127.0.0.1:4318 (HTTP; /v1/<signal> is appended) or http://127.0.0.1:4317 (gRPC).
// Exit status: 0 if every export request succeeded, 1 if any failed (with --strict also when the
// server answered partial_success or a response the SDK could not decode), 2 on bad usage.
import { context, trace, diag, DiagLogLevel, SpanKind, SpanStatusCode, ROOT_CONTEXT } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, AggregationType } from '@opentelemetry/sdk-metrics';
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import grpc from '@grpc/grpc-js';

const usage = 'usage: node otel-send.mjs [--protocol http/protobuf|http/json|grpc|file] [--endpoint URL|DIR] [--count N] ' +
  '[--signals traces,logs,metrics] [--gzip] [--batch B] [--temporality cumulative|delta|lowmemory] [--header k=v] [--timeout MS] [--strict] [--service NAME]';
const argv = process.argv.slice(2);
const flags = new Set(['--gzip', '--strict', '--help']);
const o = { header: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) { console.error(usage); process.exit(2); }
  const key = a.slice(2);
  const val = flags.has(a) ? true : argv[++i];
  if (val === undefined) { console.error(`missing value for ${a}\n${usage}`); process.exit(2); }
  if (key === 'header') o.header.push(val); else o[key] = val;
}
if (o.help) { console.log(usage); process.exit(0); }
const protocol = o.protocol ?? 'http/protobuf';
const pkgSuffix = { 'http/json': 'http', 'http/protobuf': 'proto', grpc: 'grpc', file: 'file' }[protocol];
if (!pkgSuffix) { console.error(`unknown --protocol ${protocol}\n${usage}`); process.exit(2); }
const endpoint = (o.endpoint ?? (protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318')).replace(/\/$/, '');
const count = Number(o.count ?? 10);
const batch = Number(o.batch ?? count) || 1;
const signals = (o.signals ?? 'traces,logs,metrics').split(',');
const timeoutMillis = Number(o.timeout ?? 10000);
const temporality = { cumulative: AggregationTemporalityPreference.CUMULATIVE, delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY }[o.temporality ?? 'cumulative'];
if (temporality === undefined) { console.error(`unknown --temporality ${o.temporality}\n${usage}`); process.exit(2); }
const headers = Object.fromEntries(o.header.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));

// The SDK reports partial_success and undecodable responses only through diag warnings: collect them.
const warnings = [];
const note = (level) => (...a) => { const m = a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x) ?? String(x))).join(' '); warnings.push(m); console.error(`[otel ${level}] ${m}`); };
diag.setLogger({ error: note('error'), warn: note('warn'), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

// --protocol file --endpoint DIR: no network; each export request's body, serialized by the SDK's
// own OTLP protobuf serializer (what exporter-*-otlp-proto sends), goes to DIR/<signal>-NNNNN.pb.
let fileSeq = 0;
async function fileExporter(signal) {
  const { ProtobufLogsSerializer, ProtobufTraceSerializer, ProtobufMetricsSerializer } =
    await import('@opentelemetry/otlp-transformer');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const ser = { traces: ProtobufTraceSerializer, logs: ProtobufLogsSerializer, metrics: ProtobufMetricsSerializer }[signal];
  mkdirSync(endpoint, { recursive: true });
  return {
    export(items, done) {
      writeFileSync(`${endpoint}/${signal}-${String(fileSeq++).padStart(5, '0')}.pb`, ser.serializeRequest(items));
      done({ code: ExportResultCode.SUCCESS });
    },
    selectAggregationTemporality: () => temporality === AggregationTemporalityPreference.DELTA ? 0 : 1,
    async shutdown() {},
  };
}
async function makeExporter(signal) {
  if (protocol === 'file') return fileExporter(signal);
  const pkg = { traces: 'trace', logs: 'logs', metrics: 'metrics' }[signal];
  const mod = await import(`@opentelemetry/exporter-${pkg}-otlp-${pkgSuffix}`);
  const Cls = mod.OTLPTraceExporter ?? mod.OTLPLogExporter ?? mod.OTLPMetricExporter;
  const cfg = { timeoutMillis, compression: o.gzip ? 'gzip' : 'none' };
  if (signal === 'metrics') cfg.temporalityPreference = temporality; // the enum: plain strings are ignored
  if (protocol === 'grpc') {
    cfg.url = endpoint;
    cfg.metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) cfg.metadata.set(k, v);
  } else {
    cfg.url = `${endpoint}/v1/${signal}`;
    cfg.headers = headers;
  }
  return new Cls(cfg);
}
const exportOnce = (exporter, items) => new Promise((resolve) => exporter.export(items, resolve));

const resource = resourceFromAttributes({
  'service.name': o.service ?? 'otel-send', 'service.version': '1.0.0', 'host.name': 'otel-send-host',
  'deployment.environment.name': 'test',
});
const scope = { name: 'otel-send', version: '1.0.0' };
const t0 = Date.now() - 60_000; // one minute ago, in ms

// ---- traces --------------------------------------------------------------------------------
const spanSink = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanSink)] });
const tracer = tracerProvider.getTracer(scope.name, scope.version);
const spanCtxForLogs = [];
function makeSpans(n) {
  let prevRoot;
  for (let i = 0; i < n;) {
    const start = t0 + i * 10;
    const root = tracer.startSpan(`GET /api/items/${i}`, {
      kind: SpanKind.SERVER, startTime: start,
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.path': `/api/items/${i}`,
        'sample.double': i / 3, 'sample.bool': i % 2 === 0, 'sample.strings': ['a', 'b'], 'sample.ints': [1, 2, 3] },
      links: prevRoot ? [{ context: prevRoot.spanContext(), attributes: { 'link.kind': 'previous-trace' } }] : [],
    });
    spanCtxForLogs.push(root.spanContext());
    i++;
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let c = 0; c < 4 && i < n; c++, i++) {
      const child = tracer.startSpan(`db.query ${c}`, {
        kind: c % 2 ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: start + 1 + c,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT ${c}`, 'sample.index': i },
      }, ctx);
      child.addEvent('row fetched', { 'row.count': c }, start + 1 + c);
      if (i % 7 === 0) {
        child.setStatus({ code: SpanStatusCode.ERROR, message: `synthetic failure ${i}` });
        const err = new Error(`boom ${i}`); err.stack = `Error: boom ${i}\n    at handler (app.js:42:7)`; // a fixed stack: no local paths in captures
        child.recordException(err, start + 2 + c);
      }
      child.end(start + 2 + c);
    }
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(start + 8);
    prevRoot = root;
  }
  return spanSink.getFinishedSpans();
}

// ---- logs ----------------------------------------------------------------------------------
const logSink = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logSink })] });
const logger = loggerProvider.getLogger(scope.name, scope.version);
function makeLogs(n) {
  const sev = [[SeverityNumber.DEBUG, 'DEBUG'], [SeverityNumber.INFO, 'INFO'], [SeverityNumber.WARN, 'WARN'], [SeverityNumber.ERROR, 'ERROR']];
  for (let i = 0; i < n; i++) {
    const [severityNumber, severityText] = sev[i % sev.length];
    let body = `log message ${i}`;
    if (i % 3 === 1) body = { msg: `structured ${i}`, code: i, ok: i % 2 === 0, nested: { list: [1, 'two', 3.5] } };
    if (i % 10 === 2) body = new Uint8Array([0xde, 0xad, 0xbe, 0xef, i & 0xff]);
    const spanCtx = spanCtxForLogs.length ? spanCtxForLogs[i % spanCtxForLogs.length] : undefined;
    logger.emit({
      timestamp: t0 + i, observedTimestamp: t0 + i + 1, severityNumber, severityText, body,
      attributes: { 'log.index': i, 'code.function.name': 'makeLogs', 'sample.strings': ['x', 'y'] },
      ...(i === 0 ? { eventName: 'otel_send.started' } : {}),
      ...(spanCtx ? { context: trace.setSpanContext(ROOT_CONTEXT, spanCtx) } : {}),
    });
  }
  return logSink.getFinishedLogRecords();
}

// ---- metrics -------------------------------------------------------------------------------
class ManualReader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
async function collectMetrics(exporter) {
  const reader = new ManualReader({ aggregationTemporalitySelector: (t) => exporter.selectAggregationTemporality(t) });
  const meterProvider = new MeterProvider({
    resource, readers: [reader],
    views: [{ instrumentName: 'otel_send.latency_exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const meter = meterProvider.getMeter(scope.name, scope.version);
  const counter = meter.createCounter('otel_send.requests', { description: 'monotonic sum', unit: '{request}' });
  const upDown = meter.createUpDownCounter('otel_send.queue_depth', { description: 'non-monotonic sum', unit: '{item}' });
  const gauge = meter.createGauge('otel_send.temperature', { description: 'synchronous gauge', unit: 'Cel' });
  meter.createObservableGauge('otel_send.memory', { description: 'observable gauge', unit: 'By' })
    .addCallback((r) => { r.observe(123456, { pool: 'heap' }); r.observe(789, { pool: 'stack' }); });
  const hist = meter.createHistogram('otel_send.latency', { description: 'explicit bucket histogram', unit: 'ms',
    advice: { explicitBucketBoundaries: [1, 5, 10, 50, 100, 500] } });
  const expHist = meter.createHistogram('otel_send.latency_exp', { description: 'exponential histogram', unit: 'ms' });
  for (let i = 0; i < 20; i++) {
    const attrs = { 'http.route': i % 2 ? '/a' : '/b' };
    counter.add(1 + i, attrs);
    upDown.add(i % 3 === 0 ? -2 : 3, attrs);
    gauge.record(20 + i / 10, { room: `r${i % 3}` });
    hist.record(i * 13.7, attrs);
    expHist.record(0.5 + i * i, attrs);
  }
  expHist.record(0, { 'http.route': '/b' }); // exercises zero_count
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw new Error(`metric collection errors: ${errors.join('; ')}`);
  await meterProvider.shutdown();
  return resourceMetrics;
}

// ---- send ----------------------------------------------------------------------------------
let failed = false;
const summary = {};
for (const signal of ['traces', 'logs', 'metrics'].filter((s) => signals.includes(s))) {
  const exporter = await makeExporter(signal);
  const requests = [];
  if (signal === 'traces') { const s = makeSpans(count); for (let i = 0; i < s.length; i += batch) requests.push(s.slice(i, i + batch)); }
  if (signal === 'logs') { const l = makeLogs(count); for (let i = 0; i < l.length; i += batch) requests.push(l.slice(i, i + batch)); }
  if (signal === 'metrics') requests.push(await collectMetrics(exporter));
  let ok = 0;
  for (const items of requests) {
    const r = await exportOnce(exporter, items);
    if (r.code === ExportResultCode.SUCCESS) ok++;
    else { failed = true; console.error(`${signal} export FAILED: ${r.error?.message ?? r.error ?? 'unknown error'}${r.error?.code ? ` (code ${r.error.code})` : ''}`); }
  }
  const items = signal === 'metrics' ? requests[0].scopeMetrics.reduce((a, s) => a + s.metrics.length, 0) : requests.reduce((a, b) => a + b.length, 0);
  summary[signal] = { items, requests: requests.length, ok };
  await exporter.shutdown();
}
if (signals.includes('traces') || signals.includes('logs')) { /* logs reuse span contexts; nothing else to flush */ }
await tracerProvider.shutdown();
await loggerProvider.shutdown();
if (o.strict && warnings.length) failed = true;
console.log(`${failed ? 'FAIL' : 'OK'} ${protocol}${o.gzip ? '+gzip' : ''} -> ${endpoint} ${JSON.stringify(summary)}${warnings.length ? ` warnings=${warnings.length}` : ''}`);
process.exit(failed ? 1 : 0);
