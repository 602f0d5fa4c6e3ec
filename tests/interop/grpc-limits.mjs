#!/usr/bin/env node
// The receiver's limits on OTLP/gRPC calls, with Node's own HTTP/2 client. Prints one JSON line.
//   --case slow     a call whose body is sent a few bytes at a time (each piece far inside the
//                   idle timeout) while a normal call on another connection goes through:
//                   {"slow_status", "slow_seconds", "fast_status"} (grpc-status values)
//   --case streams  CONNS connections x STREAMS calls that send their headers and part of a
//                   body, then wait: {"refused": calls reset with REFUSED_STREAM,
//                   "after": grpc-status of one normal call made afterwards}
//   --case window0  CONNS connections that announce SETTINGS_INITIAL_WINDOW_SIZE 0 (so no
//                   answer's DATA can be sent to them), each making STREAMS complete calls and
//                   sending a PING every second for HOLD seconds; meanwhile one normal call a
//                   second on its own connection: {"normal": [grpc-status...], "normal_max_seconds",
//                   "cancelled": their calls ended by RST_STREAM(CANCEL)}
// Usage: node grpc-limits.mjs --case slow|streams|window0 --target 127.0.0.1:PORT --body FILE
//          [--conns N --streams N --hold SECONDS] [--signal logs|traces|metrics]
//   --signal: the Export service the body is sent to (default logs).
import http2 from 'node:http2';
import fs from 'node:fs';

const argv = process.argv.slice(2);
const o = {};
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
const body = fs.readFileSync(o.body);
const msg = Buffer.alloc(5 + body.length);
msg.writeUInt32BE(body.length, 1);
body.copy(msg, 5);
const services = {
  logs: 'logs.v1.LogsService', traces: 'trace.v1.TraceService', metrics: 'metrics.v1.MetricsService',
};
const headers = {
  ':method': 'POST', ':path': `/opentelemetry.proto.collector.${services[o.signal || 'logs']}/Export`,
  'content-type': 'application/grpc', te: 'trailers',
};

// call(pieceDelayMs) -> grpc-status (from trailers, or trailers-only headers), and seconds taken.
// pieceDelayMs 0: the whole message at once.
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
      clearTimeout(limit);
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
    const limit = setTimeout(finish, 15000);
  });
}

async function slowCase() {
  const slow = call(300);
  await new Promise((r) => setTimeout(r, 300));
  const fast = await call(0);
  const s = await slow;
  return { slow_status: s.status, slow_seconds: s.seconds, fast_status: fast.status };
}

async function streamsCase() {
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
  return { refused, after: (await call(0)).status };
}

async function window0Case() {
  const sessions = [];
  let cancelled = 0;
  for (let c = 0; c < Number(o.conns); c++) {
    const s = http2.connect(`http://${o.target}`, { settings: { initialWindowSize: 0 }, peerMaxConcurrentStreams: 1000 });
    s.on('error', () => {});
    sessions.push(s);
    for (let i = 0; i < Number(o.streams); i++) {
      const req = s.request(headers);
      req.on('error', () => {});
      req.on('close', () => { if (req.rstCode === http2.constants.NGHTTP2_CANCEL) cancelled++; });
      req.end(msg);
    }
  }
  const pings = setInterval(() => { for (const s of sessions) s.ping(() => {}); }, 1000);
  const normal = [];
  let maxSeconds = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < Number(o.hold) * 1000) {
    const r = await call(0);
    normal.push(r.status);
    maxSeconds = Math.max(maxSeconds, r.seconds);
    await new Promise((res) => setTimeout(res, 1000));
  }
  clearInterval(pings);
  for (const s of sessions) s.destroy();
  return { normal, normal_max_seconds: maxSeconds, cancelled };
}

const cases = { streams: streamsCase, slow: slowCase, window0: window0Case };
console.log(JSON.stringify(await cases[o.case]()));
