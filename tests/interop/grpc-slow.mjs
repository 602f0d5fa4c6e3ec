#!/usr/bin/env node
// A slow OTLP/gRPC client (slowloris over HTTP/2): opens an Export call and sends its body a
// few bytes at a time, each piece well inside the receiver's idle timeout, while a normal call
// on another connection goes through. Prints one JSON line:
//   {"slow_status": "<grpc-status>", "slow_seconds": S, "fast_status": "<grpc-status>"}
// Usage: node grpc-slow.mjs --target 127.0.0.1:PORT --body FILE
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

// call(pieceDelayMs) -> grpc-status (from trailers, or trailers-only headers), and seconds taken.
function call(pieceDelayMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const session = http2.connect(`http://${o.target}`);
    session.on('error', () => {});
    const req = session.request(headers);
    let status = 'none';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(timer);
      session.destroy();
      resolve({ status, seconds: (Date.now() - t0) / 1000 });
    };
    req.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('trailers', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('data', () => {});
    req.on('end', finish);
    req.on('close', finish);
    req.on('error', finish);
    let off = 0;
    let timer = null;
    if (pieceDelayMs === 0) {
      req.end(msg);
    } else {
      timer = setInterval(() => {
        if (done || off >= msg.length) return;
        const piece = msg.subarray(off, off + 8);
        off += piece.length;
        if (off >= msg.length) req.end(piece); else req.write(piece);
      }, pieceDelayMs);
    }
    setTimeout(finish, 15000);
  });
}

const slow = call(300);
await new Promise((r) => setTimeout(r, 300));
const fast = await call(0);
const s = await slow;
console.log(JSON.stringify({ slow_status: s.status, slow_seconds: s.seconds, fast_status: fast.status }));
