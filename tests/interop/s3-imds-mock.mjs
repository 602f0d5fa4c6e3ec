#!/usr/bin/env node
// A loopback stand-in for the EC2 instance metadata service, IMDSv2 only, for
// tests/integration/objstore_s3.sh (the real one at 169.254.169.254 is never contacted).
//
//   PUT /latest/api/token                            needs X-aws-ec2-metadata-token-ttl-seconds
//   GET /latest/meta-data/iam/security-credentials/  needs X-aws-ec2-metadata-token -> role name
//   GET /latest/meta-data/iam/security-credentials/ROLE  -> JSON credentials; the Token is
//       "imds-session-N" (N counts the fetches) and Expiration is now + --ttl seconds
//   GET /fetches                                      -> N (for the test)
// A request without a valid token gets 401, as IMDSv2 answers.
// --rotate --keys-file FILE: every credentials fetch hands out a NEW key pair (AccessKeyId
//   ASIAIMDS<N>..., random secret, Token imds-session-N) and appends it to FILE (JSON lines, shared
//   with s3-sigv4-proxy.mjs --keys-file and rest_catalog.py --keys-file), valid for --real-ttl
//   seconds (default = --ttl). With --real-ttl shorter than --ttl the key is revoked before the
//   advertised Expiration, so a client only notices from a 403 ExpiredToken and must re-fetch.
//
// Usage: node s3-imds-mock.mjs --port P [--role test-role] [--access-key S3RVER]
//          [--secret-key S3RVER] [--ttl 3600] [--rotate --keys-file FILE [--real-ttl S]]
import http from 'node:http';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const port = Number(opt('--port', 0));
const role = opt('--role', 'test-role');
const accessKey = opt('--access-key', 'S3RVER');
const secretKey = opt('--secret-key', 'S3RVER');
const ttl = Number(opt('--ttl', 3600));
const token = 'mock-imds-token-' + Math.random().toString(36).slice(2);
const rotate = args.includes('--rotate');
const keysFile = opt('--keys-file', undefined);
const realTtl = Number(opt('--real-ttl', ttl));
if (rotate && !keysFile) { console.error('--rotate needs --keys-file'); process.exit(2); }
let fetches = 0;

http.createServer((req, res) => {
  const send = (status, body, type = 'text/plain') => { res.writeHead(status, { 'content-type': type }); res.end(body); };
  if (req.method === 'PUT' && req.url === '/latest/api/token') {
    if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(400, 'missing ttl header');
    return send(200, token);
  }
  if (req.url === '/fetches') return send(200, String(fetches));
  if (req.headers['x-aws-ec2-metadata-token'] !== token) return send(401, 'Unauthorized');
  if (req.method === 'GET' && req.url === '/latest/meta-data/iam/security-credentials/') return send(200, role + '\n');
  if (req.method === 'GET' && req.url === `/latest/meta-data/iam/security-credentials/${role}`) {
    fetches++;
    const exp = new Date(Date.now() + ttl * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    let ak = accessKey, sk = secretKey;
    const tok = `imds-session-${fetches}`;
    if (rotate) {
      ak = `ASIAIMDS${fetches}${randomBytes(4).toString('hex').toUpperCase()}`;
      sk = randomBytes(20).toString('hex');
      appendFileSync(keysFile, JSON.stringify({ access_key_id: ak, secret_access_key: sk, session_token: tok,
        expires_at_ms: Date.now() + realTtl * 1000, source: 'imds' }) + '\n');
      console.log(`fetch ${fetches}: ${ak} valid ${realTtl}s (advertised ${ttl}s)`);
    }
    return send(200, JSON.stringify({ Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC',
      AccessKeyId: ak, SecretAccessKey: sk, Token: tok, Expiration: exp }), 'application/json');
  }
  send(404, 'Not Found');
}).listen(port, '127.0.0.1', () => console.log(`IMDSv2 mock on http://127.0.0.1:${port}`));
