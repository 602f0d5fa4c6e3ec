#!/usr/bin/env node
// OTLP/gRPC protocol and error cases against a running receiver, with Node's own HTTP/2 client
// (raw frames: any header, compressed flag or body we like) and @grpc/grpc-js (a real gRPC
// stack for concurrency). Prints "ok <name>" / "FAIL <name>: why" per case and, last, one line
// `sent {"traces":N,"logs":N,"metrics":0}` with the spans/log records acknowledged, so the
// caller can compare with the spool.
//
// Usage: node grpc-errors.mjs --target 127.0.0.1:PORT --token TOKEN --max-request BYTES
//          --max-decompressed BYTES [--fixtures DIR]
// The receiver must run with receiver.auth_token_file holding TOKEN and those two limits.
import http2 from 'node:http2';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';

const argv = process.argv.slice(2);
const o = {};
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
const target = o.target ?? '127.0.0.1:4317';
const token = o.token ?? '';
const maxRequest = Number(o['max-request'] ?? 16 << 20);
const maxDecompressed = Number(o['max-decompressed'] ?? 64 << 20);
const fixtures = o.fixtures ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const traces = fs.readFileSync(path.join(fixtures, 'traces.pb')); // 10 spans
const logs = fs.readFileSync(path.join(fixtures, 'logs.pb'));     // 10 log records
const auth = { authorization: `Bearer ${token}` };
const sent = { traces: 0, logs: 0, metrics: 0 };
let failures = 0;

const ok = (name) => console.log(`ok ${name}`);
const fail = (name, why) => { failures++; console.log(`FAIL ${name}: ${why}`); };

function frame(msg, flag = 0) {
  const b = Buffer.alloc(5 + msg.length);
  b[0] = flag;
  b.writeUInt32BE(msg.length, 1);
  msg.copy(b, 5);
  return b;
}

// One raw HTTP/2 request; resolves with HTTP status, grpc-status (trailers or Trailers-Only),
// headers, body and the RST_STREAM code.
function call(session, { path: p = TRACES, headers = {}, body = Buffer.alloc(0), method = 'POST',
  contentType = 'application/grpc', cancelAfterMs } = {}) {
  return new Promise((resolve) => {
    const h = { ':method': method, ':path': p, te: 'trailers', ...auth, ...headers };
    if (contentType) h['content-type'] = contentType;
    const req = session.request(h, { endStream: false });
    let hdrs = {}, trailers = {}, chunks = [], error;
    req.on('response', (x) => { hdrs = x; });
    req.on('trailers', (x) => { trailers = x; });
    req.on('data', (c) => chunks.push(c));
    req.on('error', (e) => { error = e; });
    req.on('close', () => {
      const gs = trailers['grpc-status'] ?? hdrs['grpc-status'];
      resolve({ status: hdrs[':status'], grpcStatus: gs === undefined ? undefined : Number(gs),
        message: decodeURIComponent(trailers['grpc-message'] ?? hdrs['grpc-message'] ?? ''),
        headers: hdrs, trailers, data: Buffer.concat(chunks), rstCode: req.rstCode, error });
    });
    if (cancelAfterMs !== undefined) {
      req.write(body);
      setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), cancelAfterMs);
    } else {
      req.end(body);
    }
  });
}

async function expectStatus(name, session, opts, want, check) {
  try {
    const r = await call(session, opts);
    if (r.grpcStatus !== want) return fail(name, `grpc-status ${r.grpcStatus} (HTTP ${r.status}, "${r.message}"), want ${want}`);
    if (check) { const why = check(r); if (why) return fail(name, why); }
    ok(name);
    return r;
  } catch (e) { fail(name, String(e)); }
}

// Node refuses its own streams (ENHANCE_YOUR_CALM) past maxSessionMemory (10 MB): the large-body
// case below queues ~50 MB of request data at once.
const session = http2.connect(`http://${target}`, { maxSessionMemory: 512 });
session.on('error', (e) => console.error(`session error: ${e}`));

// --- success path, checked at the frame level ---------------------------------------------
await expectStatus('raw_ok_response_shape', session, { body: frame(traces) }, 0, (r) => {
  if (r.status !== 200) return `HTTP ${r.status}`;
  if (!String(r.headers['content-type']).startsWith('application/grpc')) return `content-type ${r.headers['content-type']}`;
  if (r.data.length < 5 || r.data[0] !== 0 || r.data.readUInt32BE(1) !== r.data.length - 5) return `response not one length-prefixed message: ${r.data.toString('hex')}`;
  if (r.trailers['grpc-status'] !== '0') return 'grpc-status not in trailers';
  sent.traces += 10;
});
await expectStatus('raw_ok_logs', session, { path: LOGS, body: frame(logs) }, 0, () => { sent.logs += 10; });
await expectStatus('gzip_ok', session, { body: frame(zlib.gzipSync(traces), 1), headers: { 'grpc-encoding': 'gzip' } }, 0, () => { sent.traces += 10; });
await expectStatus('deflate_ok', session, { body: frame(zlib.deflateSync(traces), 1), headers: { 'grpc-encoding': 'deflate' } }, 0, () => { sent.traces += 10; });
let zst;
try { zst = execFileSync('zstd', ['-c', '-q'], { input: traces }); } catch { zst = undefined; }
if (zst) await expectStatus('zstd_ok', session, { body: frame(zst, 1), headers: { 'grpc-encoding': 'zstd' } }, 0, () => { sent.traces += 10; });
await expectStatus('encoding_header_uncompressed_ok', session, { body: frame(traces, 0), headers: { 'grpc-encoding': 'gzip' } }, 0, () => { sent.traces += 10; });
await expectStatus('content_type_proto_suffix_ok', session, { body: frame(traces), contentType: 'application/grpc+proto' }, 0, () => { sent.traces += 10; });

// --- errors -------------------------------------------------------------------------------
await expectStatus('unknown_method_unimplemented', session, { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Nope', body: frame(traces) }, 12);
await expectStatus('unknown_service_unimplemented', session, { path: '/grpc.health.v1.Health/Check', body: frame(Buffer.alloc(0)) }, 12);
await expectStatus('malformed_protobuf_invalid_argument', session, { body: frame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])) }, 3);
await expectStatus('oversize_resource_exhausted', session, { body: frame(Buffer.alloc(maxRequest + 1, 0x0a)) }, 8, (r) => (/max_request_bytes/.test(r.message) ? undefined : `message "${r.message}"`));
{
  const b = Buffer.alloc(10); b.writeUInt32BE(0x40000000, 1); // declares 1 GiB, sends 5 bytes
  await expectStatus('oversize_declared_length_resource_exhausted', session, { body: b }, 8);
}
await expectStatus('unknown_encoding_unimplemented', session, { body: frame(zlib.gzipSync(traces), 1), headers: { 'grpc-encoding': 'snappy' } }, 12,
  (r) => (/gzip/.test(r.headers['grpc-accept-encoding'] ?? '') ? undefined : `grpc-accept-encoding ${r.headers['grpc-accept-encoding']}`));
await expectStatus('compressed_without_encoding_internal', session, { body: frame(zlib.gzipSync(traces), 1) }, 13);
await expectStatus('corrupt_gzip_invalid_argument', session, { body: frame(Buffer.from('not gzip at all'), 1), headers: { 'grpc-encoding': 'gzip' } }, 3);
{
  const bomb = zlib.gzipSync(Buffer.alloc(maxDecompressed * 4), { level: 9 });
  await expectStatus('gzip_bomb_resource_exhausted', session, { body: frame(bomb, 1), headers: { 'grpc-encoding': 'gzip' } }, 8);
}
await expectStatus('two_messages_internal', session, { body: Buffer.concat([frame(traces), frame(traces)]) }, 13);
await expectStatus('no_message_internal', session, { body: Buffer.alloc(0) }, 13);
await expectStatus('truncated_message_internal', session, { body: frame(traces).subarray(0, 100) }, 13);
await expectStatus('bad_flag_internal', session, { body: frame(traces, 7) }, 13);
await expectStatus('bad_token_unauthenticated', session, { body: frame(traces), headers: { authorization: 'Bearer wrong' } }, 16);
await expectStatus('missing_token_unauthenticated', session, { body: frame(traces), headers: { authorization: '' } }, 16);
try {
  const r = await call(session, { body: frame(traces), contentType: 'application/json' });
  if (r.status === 415) ok('wrong_content_type_415'); else fail('wrong_content_type_415', `HTTP ${r.status}`);
  const g = await call(session, { method: 'GET', body: Buffer.alloc(0) });
  if (g.status === 405) ok('get_405'); else fail('get_405', `HTTP ${g.status}`);
} catch (e) { fail('http_errors', String(e)); }

// --- cancellation: the server must survive clients that go away mid-request --------------
try {
  await call(session, { body: frame(traces).subarray(0, 50), cancelAfterMs: 20 });        // mid-body
  const cancelled = call(session, { body: frame(logs), cancelAfterMs: 0 });               // right after the body
  await cancelled;
  await expectStatus('after_cancel_still_serving', session, { path: LOGS, body: frame(logs) }, 0, () => { sent.logs += 10; });
} catch (e) { fail('cancel', String(e)); }

// --- many large bodies at once on one connection (flow control and memory budget) ----------
{
  const copies = Math.max(1, Math.min(400, Math.floor((maxRequest - 64) / traces.length)));
  const big = frame(Buffer.concat(Array(copies).fill(traces))); // concatenated messages merge: copies*10 spans
  const n = 48;
  const rs = await Promise.all(Array.from({ length: n }, () => call(session, { body: big })));
  const bad = rs.filter((r) => r.grpcStatus !== 0 && r.grpcStatus !== 14);
  const unavailable = rs.filter((r) => r.grpcStatus === 14).length;
  sent.traces += (n - bad.length - unavailable) * copies * 10;
  if (bad.length) fail('large_concurrent_bodies', `${bad.length}/${n} failed: ${bad[0].grpcStatus} "${bad[0].message}" HTTP ${bad[0].status} rst ${bad[0].rstCode} ${bad[0].error ?? ''}`);
  else ok(`large_concurrent_bodies (${n} x ${big.length} bytes, ${unavailable} UNAVAILABLE)`);
}
session.close();

// --- grpc-js: 200 concurrent calls on one channel -------------------------------------------
{
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const md = new grpc.Metadata(); md.set('authorization', `Bearer ${token}`);
  const id = (x) => x;
  const one = () => new Promise((resolve) => client.makeUnaryRequest(TRACES, id, id, traces, md, { deadline: Date.now() + 20000 },
    (err) => resolve(err ? err.code : 0)));
  const codes = await Promise.all(Array.from({ length: 200 }, one));
  const good = codes.filter((c) => c === 0).length;
  sent.traces += good * 10;
  if (good === 200) ok('grpcjs_200_concurrent_calls'); else fail('grpcjs_200_concurrent_calls', `${good}/200 OK, codes ${[...new Set(codes)]}`);
  const badMd = new grpc.Metadata(); badMd.set('authorization', 'Bearer nope');
  const code = await new Promise((resolve) => client.makeUnaryRequest(TRACES, id, id, traces, badMd, (err) => resolve(err ? err.code : 0)));
  if (code === grpc.status.UNAUTHENTICATED) ok('grpcjs_bad_token_unauthenticated'); else fail('grpcjs_bad_token_unauthenticated', `code ${code}`);
  const code2 = await new Promise((resolve) => client.makeUnaryRequest('/x.Y/Z', id, id, traces, md, (err) => resolve(err ? err.code : 0)));
  if (code2 === grpc.status.UNIMPLEMENTED) ok('grpcjs_unknown_method_unimplemented'); else fail('grpcjs_unknown_method_unimplemented', `code ${code2}`);
  client.close();
}
console.log(`sent ${JSON.stringify(sent)}`);
process.exit(failures ? 1 : 0);
