#!/usr/bin/env node
// grpc-good.mjs - the soak's well-behaved gRPC client (tests/soak/soak.sh), with Node's own
// HTTP/2 client so that every refusal is seen as it happens (a gRPC library would retry a
// REFUSED_STREAM transparently and hide it). One connection, kept open and reopened when the
// receiver closes it; one Export call at a time, each a logs request of 1-20 records whose
// attribute rid is "<sender>-<call>-<i>" as tests/crash/load.py writes them, so the soak's
// reconcile checks its records as it checks load.py's.
//
// Writes, per call:
//   DIR/acks.<sender>   "A logs <sender>-<call> <n> grpc-node" once grpc-status 0 arrived (and
//                       no partial_success rejection), else "F ... <why>" (load.py's format)
//   DIR/calls.<sender>  "<start ms since epoch> <ms taken> <outcome>", outcome one of ok,
//                       refused (RST_STREAM REFUSED_STREAM), unavailable (grpc-status 14),
//                       timeout (no answer within --timeout-ms), grpc_<status>, rst_<code>,
//                       conn_error
// Runs until --stop-file exists; then prints one JSON line: calls, each outcome's count, the
// longest run of consecutive calls that were not ok (from the first one's start to the end of
// the last; "longest_refusal_s") and the slowest ok call.
// Usage: node grpc-good.mjs --target HOST:PORT --dir DIR --stop-file F [--sender 90]
//          [--timeout-ms 10000] [--pause-ms 20]
import http2 from 'node:http2';
import fs from 'node:fs';
import crypto from 'node:crypto';

const argv = process.argv.slice(2);
const o = { sender: '90', 'timeout-ms': '10000', 'pause-ms': '20' };
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
const sender = Number(o.sender);
const timeoutMs = Number(o['timeout-ms']);
const pauseMs = Number(o['pause-ms']);

// ---- minimal protobuf (the pieces of load.py's logs_pb) ----
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const ld = (f, payload) => Buffer.concat([varint((f << 3) | 2), varint(payload.length), payload]);
const str = (s) => Buffer.from(s, 'utf8');
const fx64 = (f, v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return Buffer.concat([varint((f << 3) | 1), b]); };
const vint = (f, v) => Buffer.concat([varint(f << 3), varint(v)]);
const anystr = (s) => ld(1, str(s));
const kv = (k, s) => Buffer.concat([ld(1, str(k)), ld(2, anystr(s))]);

function logsRequest(call, n) {
  const now = BigInt(Date.now()) * 1000000n;
  const recs = [];
  for (let i = 0; i < n; i++) {
    const rid = `${sender}-${call}-${i}`;
    const t = now + BigInt(i);
    recs.push(ld(2, Buffer.concat([fx64(1, t), fx64(11, t), vint(2, 9), ld(3, str('INFO')), ld(5, anystr(rid)),
      ld(6, kv('rid', rid))])));
  }
  const resource = ld(1, Buffer.concat([ld(1, kv('service.name', 'soak-grpc-good')), ld(1, kv('crash.sender', String(sender)))]));
  const scope = ld(1, Buffer.concat([ld(1, str('soak')), ld(2, str('1'))]));
  const body = ld(1, Buffer.concat([resource, ld(2, Buffer.concat([scope, ...recs]))]));
  const msg = Buffer.alloc(5 + body.length);
  msg.writeUInt32BE(body.length, 1);
  body.copy(msg, 5);
  return msg;
}

// partial_success (field 1).rejected_log_records (field 1) of an ExportLogsServiceResponse.
function rejected(reply) {
  const body = reply.length >= 5 ? reply.subarray(5) : reply;
  const read = (b, i) => { let r = 0, s = 0, c; do { c = b[i++]; r += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80); return [r, i]; };
  const fields = function* (b) {
    let i = 0;
    while (i < b.length) {
      let key; [key, i] = read(b, i);
      const f = Math.floor(key / 8), wt = key & 7;
      if (wt === 0) { let v; [v, i] = read(b, i); yield [f, v]; } else if (wt === 2) {
        let n; [n, i] = read(b, i); yield [f, b.subarray(i, i + n)]; i += n;
      } else if (wt === 1) i += 8; else if (wt === 5) i += 4; else throw new Error('wire type');
    }
  };
  try {
    for (const [f, v] of fields(body)) if (f === 1 && Buffer.isBuffer(v)) for (const [g, w] of fields(v)) if (g === 1 && typeof w === 'number') return w;
  } catch { return 1 << 30; }
  return 0;
}

let session = null;
function getSession() {
  if (session && !session.closed && !session.destroyed) return session;
  session = http2.connect(`http://${o.target}`);
  const s = session;
  s.on('error', () => {});
  s.on('goaway', () => { if (session === s) session = null; });
  s.on('close', () => { if (session === s) session = null; });
  return s;
}

function exportCall(msg) {
  return new Promise((resolve) => {
    let s;
    try { s = getSession(); } catch { resolve('conn_error'); return; }
    let status = null;
    const chunks = [];
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let req;
    try {
      req = s.request({
        ':method': 'POST', ':path': '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
        'content-type': 'application/grpc', te: 'trailers',
      });
    } catch { session = null; finish('conn_error'); return; }
    const timer = setTimeout(() => { try { req.close(http2.constants.NGHTTP2_CANCEL); } catch {} finish('timeout'); }, timeoutMs);
    req.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('trailers', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('data', (d) => chunks.push(d));
    req.on('error', () => {});
    req.on('close', () => {
      if (req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return finish('refused');
      if (status === '0') return finish(rejected(Buffer.concat(chunks)) ? 'partial' : 'ok');
      if (status === '14') return finish('unavailable');
      if (status !== null) return finish(`grpc_${status}`);
      if (req.rstCode) return finish(`rst_${req.rstCode}`);
      finish('conn_error');
    });
    req.end(msg);
  });
}

const acks = fs.openSync(`${o.dir}/acks.${sender}`, 'a');
const calls = fs.openSync(`${o.dir}/calls.${sender}`, 'a');
const counts = {};
let n = 0, runStart = null, runEnd = 0, longest = 0, slowestOk = 0;
while (!fs.existsSync(o['stop-file'])) {
  n++;
  const k = 1 + crypto.randomInt(20);
  const t0 = Date.now();
  const outcome = await exportCall(logsRequest(n, k));
  const t1 = Date.now();
  counts[outcome] = (counts[outcome] || 0) + 1;
  fs.writeSync(calls, `${t0} ${t1 - t0} ${outcome}\n`);
  fs.writeSync(acks, outcome === 'ok' ? `A logs ${sender}-${n} ${k} grpc-node\n` : `F logs ${sender}-${n} ${k} grpc-node ${outcome}\n`);
  if (outcome === 'ok') {
    slowestOk = Math.max(slowestOk, t1 - t0);
    runStart = null;
  } else {
    if (runStart === null) runStart = t0;
    runEnd = t1;
    longest = Math.max(longest, runEnd - runStart);
    if (outcome === 'conn_error' || outcome === 'timeout') session?.destroy(), session = null;
  }
  await new Promise((r) => setTimeout(r, pauseMs));
}
session?.destroy();
console.log(JSON.stringify({ calls: n, ...counts, longest_refusal_s: longest / 1000, slowest_ok_s: slowestOk / 1000 }));
