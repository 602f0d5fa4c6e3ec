#!/usr/bin/env node
// Sign one request with AWS's own signer (@smithy/signature-v4, what the AWS SDK for JS uses)
// and print the Authorization header, so tests/unit/test_catalog_rest_sigv4.c can compare the
// REST catalog client's SigV4 (storage/sigv4.c without SIGV4_S3) for services glue/s3tables.
// Non-S3 services use the SDK default uriEscapePath=true: the path is URI-encoded once more.
//
// Usage: node sigv4-sign.mjs METHOD URL SERVICE REGION AMZDATE ACCESS_KEY SECRET [--token T]
//          [--content-type CT] [--body TEXT]
// Signed headers: host, content-type (when given), x-amz-date, x-amz-security-token (when given).
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const token = opt('--token'), contentType = opt('--content-type'), body = opt('--body') ?? '';
const [method, urlText, service, region, amzDate, accessKeyId, secretAccessKey] = args;
if (!secretAccessKey) { console.error('usage: node sigv4-sign.mjs METHOD URL SERVICE REGION AMZDATE AK SK [--token T] [--content-type CT] [--body TEXT]'); process.exit(2); }
const url = new URL(urlText);
const query = {};
// The raw query: URLSearchParams would turn '+' into ' ', the C side keeps the bytes.
for (const part of url.search.slice(1).split('&').filter(Boolean)) {
  const [k, v = ''] = part.split('=');
  query[decodeURIComponent(k)] = decodeURIComponent(v);
}
const headers = { host: url.host };
if (contentType) headers['content-type'] = contentType;
const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey, sessionToken: token }, region, service,
  sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
const request = { method, protocol: url.protocol, hostname: url.hostname, port: url.port || undefined,
  path: url.pathname, query, headers, body: body === '' && method === 'GET' ? undefined : body };
const signed = await signer.sign(request, { signingDate });
console.log(signed.headers.authorization);
