#!/usr/bin/env node
// Strict AWS SigV4 checking proxy in front of a local S3 server (s3rver does NOT verify V4
// signatures: its code says "Signature version 4 calculation is unimplemented").
// Every request's Authorization header is recomputed with AWS's own signer
// (@smithy/signature-v4, the AWS SDK v3 implementation) and the body is hashed against
// x-amz-content-sha256; mismatches get 403 with the canonical request the proxy expected.
// Good requests are forwarded unchanged to --upstream.
//
// Usage: node s3-sigv4-proxy.mjs --upstream http://127.0.0.1:4568 [--port 9000] [--host 127.0.0.1]
//          [--access-key S3RVER] [--secret-key S3RVER] [--allow-anonymous] [--quiet]
//          [--if-none-match] [--keys-file FILE] [--refuse-header If-None-Match:PutObject] [--refuse-style s3tables|s3]
// Not checked: presigned (query-string) auth and aws-chunked STREAMING-* payloads (answered 501).
//
// otlp2parquet's copy (from the team's shared tools; user clones have no ../shared), used by
// tests/integration/objstore_s3.sh. Addition: --if-none-match emulates S3 conditional writes,
// which s3rver ignores: a PutObject or CompleteMultipartUpload carrying "If-None-Match: *" gets
// 412 PreconditionFailed when the object already exists upstream (checked with a HEAD).
// --keys-file FILE: JSON lines {"access_key_id","secret_access_key","session_token","expires_at_ms"}
// shared with tests/catalog/rest_catalog.py (vended keys) and s3-imds-mock.mjs (rotated keys):
// any key listed is accepted until expires_at_ms (with its session token as
// x-amz-security-token), then 403 ExpiredToken; the --access-key pair stays valid.
// --refuse-header NAME:OP (repeatable): a request of operation OP (PutObject,
// CompleteMultipartUpload, UploadPart, GetObject, HeadObject) carrying header NAME is refused as
// an S3 table bucket refuses an unsupported header: 400 S3TablesUnsupportedHeader "S3 Tables does
// not support the following header: NAME value: VALUE" (the form PyIceberg users report for
// x-amz-api-version). --refuse-style s3: general S3's 501 NotImplemented "A header you provided
// implies functionality that is not implemented" with <Header>NAME</Header> instead.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const upstream = new URL(opt('--upstream', 'http://127.0.0.1:4568'));
const port = Number(opt('--port', 9000));
const host = opt('--host', '127.0.0.1');
const credentials = { accessKeyId: opt('--access-key', 'S3RVER'), secretAccessKey: opt('--secret-key', 'S3RVER') };
const allowAnonymous = args.includes('--allow-anonymous');
const quiet = args.includes('--quiet');
const emulateIfNoneMatch = args.includes('--if-none-match');
const Sha256 = Hash.bind(null, 'sha256');
const keysFile = opt('--keys-file', undefined);
const refuseStyle = opt('--refuse-style', 's3tables');
const refusals = args.flatMap((a, i) => (a === '--refuse-header' ? [args[i + 1]] : [])).map((r) => {
  const [name, op] = r.split(':');
  return { name: name.toLowerCase(), op };
});
let keysCache = { sig: null, keys: new Map() };
function lookupKey(id) {
  if (id === credentials.accessKeyId) return { access_key_id: id, secret_access_key: credentials.secretAccessKey };
  if (!keysFile) return null;
  let raw = '';
  try { raw = readFileSync(keysFile, 'utf8'); } catch { raw = ''; }
  if (raw !== keysCache.sig) {
    const keys = new Map();
    for (const line of raw.split('\n')) {
      if (!line.trim()) continue;
      try { const k = JSON.parse(line); keys.set(k.access_key_id, k); } catch { /* partial line */ }
    }
    keysCache = { sig: raw, keys };
  }
  return keysCache.keys.get(id) ?? null;
}
function operation(req) {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  if (req.method === 'PUT') return q.has('partNumber') ? 'UploadPart' : (req.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject');
  if (req.method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : (q.has('uploadId') ? 'CompleteMultipartUpload' : 'PostObject');
  if (req.method === 'GET') return url.pathname.split('/').filter(Boolean).length <= 1 ? 'ListObjects' : 'GetObject';
  if (req.method === 'HEAD') return 'HeadObject';
  if (req.method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return req.method;
}

function s3Error(res, status, code, message, extra = '') {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}</Error>\n`);
  if (!quiet) console.log(`  -> ${status} ${code}: ${message}`);
}
const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function check(req, body) {
  const auth = req.headers.authorization;
  const url = new URL(req.url, 'http://x');
  if (url.searchParams.has('X-Amz-Signature')) return [501, 'NotImplemented', 'presigned URLs are not checked by this proxy'];
  if (!auth) return allowAnonymous ? null : [403, 'AccessDenied', 'anonymous request (no Authorization header)'];
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/);
  if (!m) return [400, 'AuthorizationHeaderMalformed', `cannot parse Authorization: ${auth}`];
  const [, accessKey, day, region, service, signedHeaders, signature] = m;
  const key = lookupKey(accessKey);
  if (!key) return [403, 'InvalidAccessKeyId', `unknown access key ${accessKey}`];
  if (key.expires_at_ms != null && Date.now() >= key.expires_at_ms) return [403, 'ExpiredToken', 'The provided token has expired.'];
  if (key.session_token && key.session_token !== req.headers['x-amz-security-token'])
    return [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'];
  const amzDate = req.headers['x-amz-date'];
  if (!/^\d{8}T\d{6}Z$/.test(amzDate ?? '')) return [403, 'AccessDenied', 'missing or malformed x-amz-date'];
  if (amzDate.slice(0, 8) !== day) return [403, 'SignatureDoesNotMatch', `credential scope date ${day} != x-amz-date ${amzDate}`];
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(Date.now() - signingDate) > 15 * 60 * 1000) return [403, 'RequestTimeTooSkewed', `x-amz-date ${amzDate} is more than 15 minutes off`];
  const payload = req.headers['x-amz-content-sha256'];
  if (!payload) return [400, 'InvalidRequest', 'missing x-amz-content-sha256'];
  if (payload.startsWith('STREAMING-')) return [501, 'NotImplemented', `${payload} payloads are not checked by this proxy`];
  const actual = createHash('sha256').update(body).digest('hex');
  if (payload !== 'UNSIGNED-PAYLOAD' && payload !== actual) return [400, 'XAmzContentSHA256Mismatch', `x-amz-content-sha256 ${payload} but body sha256 is ${actual}`];
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return [403, 'AccessDenied', 'host is not among SignedHeaders'];
  const headers = {};
  for (const n of names) {
    if (req.headers[n] === undefined) return [403, 'SignatureDoesNotMatch', `signed header ${n} is absent`];
    headers[n] = Array.isArray(req.headers[n]) ? req.headers[n].join(',') : req.headers[n];
  }
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? [].concat(query[k], v) : v;
  const request = { method: req.method, protocol: 'http:', hostname: 'x', path: url.pathname, query, headers, body };
  // S3 signs the path as sent (no double escaping) and does not add x-amz-content-sha256 itself.
  // the session token, when signed, is among `headers` already (the signer must not add it)
  const creds = { accessKeyId: accessKey, secretAccessKey: key.secret_access_key };
  const signer = new SignatureV4({ credentials: creds, region, service, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(request, { signingDate, signableHeaders: new Set(names), signingRegion: region, signingService: service });
  const expected = signed.headers.authorization.match(/Signature=([0-9a-f]{64})/)[1];
  const expectedList = signed.headers.authorization.match(/SignedHeaders=([^,]+)/)[1];
  if (expected === signature && expectedList === signedHeaders) return null;
  const canonicalHeaders = Object.fromEntries(names.map((n) => [n, headers[n].replace(/[ \t]+/g, ' ').trim()]));
  const canonical = signer.createCanonicalRequest(request, canonicalHeaders, payload);
  return [403, 'SignatureDoesNotMatch', `expected Signature=${expected} SignedHeaders=${expectedList}`,
    `<CanonicalRequest>${xmlEscape(canonical)}</CanonicalRequest>`];
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const keyId = (req.headers.authorization ?? '').match(/Credential=([^/]+)\//)?.[1] ?? '-';
    const inm = req.headers['if-none-match'] !== undefined ? ' if-none-match' : '';
    if (!quiet) console.log(`${req.method} ${req.url} ${body.length} bytes key=${keyId}${inm}`);
    let verdict;
    try { verdict = await check(req, body); } catch (e) { verdict = [500, 'InternalError', e.message]; }
    if (verdict) return s3Error(res, ...verdict);
    const op = operation(req);
    const refused = refusals.find((r) => r.op === op && req.headers[r.name] !== undefined);
    if (refused) {
      const name = refused.name === 'if-none-match' ? 'If-None-Match' : refused.name;
      const value = String(req.headers[refused.name]);
      if (refuseStyle === 's3')
        return s3Error(res, 501, 'NotImplemented', 'A header you provided implies functionality that is not implemented',
          `<Header>${xmlEscape(name)}</Header>`);
      return s3Error(res, 400, 'S3TablesUnsupportedHeader',
        xmlEscape(`S3 Tables does not support the following header: ${name} value: ${value}`));
    }
    if (emulateIfNoneMatch && req.headers['if-none-match'] === '*' && (req.method === 'PUT' || req.method === 'POST')) {
      const url = new URL(req.url, 'http://x');
      const isPart = url.searchParams.has('partNumber') || url.searchParams.has('uploads');
      if (!isPart) {
        const exists = await new Promise((resolve) => {
          const head = http.request({ hostname: upstream.hostname, port: upstream.port, method: 'HEAD', path: url.pathname,
            headers: { host: upstream.host } }, (up) => { up.resume(); resolve(up.statusCode === 200); });
          head.on('error', () => resolve(false));
          head.end();
        });
        if (exists) return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
    }
    // s3rver knows only its own key: a request verified here with another key (keys file) goes on
    // anonymously (s3rver accepts anonymous requests).
    const fwdHeaders = { ...req.headers, host: upstream.host };
    if (keyId !== credentials.accessKeyId) { delete fwdHeaders.authorization; delete fwdHeaders['x-amz-security-token']; }
    const fwd = http.request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: fwdHeaders }, (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); });
    fwd.on('error', (e) => s3Error(res, 502, 'BadGateway', e.message));
    fwd.end(body);
  });
}).listen(port, host, () => console.log(`SigV4-checking proxy on http://${host}:${port} -> ${upstream.href}`));
