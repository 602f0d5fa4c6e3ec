#!/usr/bin/env node
// Many OTLP/gRPC calls open at once: CONNS connections x STREAMS calls that send their
// headers and part of a body, then wait. Prints one JSON line: how many the receiver refused
// (RST_STREAM REFUSED_STREAM) and the grpc-status of one normal call made afterwards.
// Usage: node grpc-streams.mjs --target 127.0.0.1:PORT --body FILE --conns N --streams N
import http2 from 'node:http2';
import fs from 'node:fs';

const argv = process.argv.slice(2);
const o = {};
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
const body = fs.readFileSync(o.body);
const msg = Buffer.alloc(5 + body.length);
msg.writeUInt32BE(body.length, 1);
body.copy(msg, 5);
const headers = {
  ':method': 'POST', ':path': '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  'content-type': 'application/grpc', te: 'trailers',
};
const sessions = [];
let refused = 0;
for (let c = 0; c < Number(o.conns); c++) {
  const s = http2.connect(`http://${o.target}`, { peerMaxConcurrentStreams: 1000 });
  s.on('error', () => {});
  sessions.push(s);
  for (let i = 0; i < Number(o.streams); i++) {
    const req = s.request(headers);
    req.on('error', () => {});
    req.on('close', () => { if (req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) refused++; });
    req.write(msg.subarray(0, 100)); // part of the body: the call stays open
  }
}
await new Promise((r) => setTimeout(r, 1500));
for (const s of sessions) s.destroy();
await new Promise((r) => setTimeout(r, 300));
const status = await new Promise((resolve) => {
  const s = http2.connect(`http://${o.target}`);
  s.on('error', () => resolve('error'));
  const req = s.request(headers);
  let st = 'none';
  req.on('response', (h) => { if (h['grpc-status'] !== undefined) st = String(h['grpc-status']); });
  req.on('trailers', (h) => { if (h['grpc-status'] !== undefined) st = String(h['grpc-status']); });
  req.on('data', () => {});
  req.on('close', () => { s.destroy(); resolve(st); });
  req.end(msg);
});
console.log(JSON.stringify({ refused, after: status }));
