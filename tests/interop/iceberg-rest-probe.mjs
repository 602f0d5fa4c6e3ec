#!/usr/bin/env node
// Walk an Iceberg REST catalog with iceberg-js (Supabase's client of the REST OpenAPI spec) and print
// every HTTP call it made plus what it understood: namespaces, tables, each table's metadata-location,
// format version and current snapshot. A third-party client check for the catalog the project talks to
// (tests/catalog/rest_catalog.py in the tests, or a real one).
// Adapted from the team's shared tool; user clones carry this copy.
//
// Usage: node iceberg-rest-probe.mjs BASE_URL [--warehouse W] [--token T] [--namespace a.b]
//                                    [--create a.b.table] [--oauth2 ID:SECRET]
//   BASE_URL: the catalog root, the part before /v1/ (e.g. http://127.0.0.1:8181).
//   --warehouse: sent as GET /v1/config?warehouse=W; the server's overrides.prefix is then used.
//   --create NS.TABLE: first create the namespace (409 = exists is fine) and the table (a small
//     schema with a day partition), check the namespace/table exist (HEAD) and that the created
//     table's metadata is a format-version 2 table with field ids; then walk.
//   --oauth2 ID:SECRET: get a token from BASE_URL/v1/oauth/tokens (client_credentials) first.
// Exit status: 0 if every call succeeded, 1 otherwise.
import { IcebergRestCatalog } from 'iceberg-js';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const warehouse = opt('--warehouse');
let token = opt('--token');
const only = opt('--namespace');
const create = opt('--create');
const oauth2 = opt('--oauth2');
if (!args[0]) {
  console.error('usage: node iceberg-rest-probe.mjs BASE_URL [--warehouse W] [--token T] [--namespace a.b] [--create a.b.table] [--oauth2 ID:SECRET]');
  process.exit(2);
}
const base = args[0].replace(/\/$/, '');

const recordingFetch = async (url, init) => {
  const res = await fetch(url, init);
  console.log(`  ${init?.method ?? 'GET'} ${url} -> ${res.status}`);
  return res;
};

let failed = false;
const check = (cond, what) => { if (!cond) { failed = true; console.log(`CHECK FAILED: ${what}`); } };
try {
  if (oauth2) {
    const i = oauth2.indexOf(':');
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: oauth2.slice(0, i),
      client_secret: oauth2.slice(i + 1), scope: 'catalog' });
    const res = await recordingFetch(`${base}/v1/oauth/tokens`, { method: 'POST', body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const j = await res.json();
    if (!res.ok) throw new Error(`oauth2 token request failed: ${JSON.stringify(j)}`);
    token = j.access_token;
    console.log(`oauth2 token obtained, expires_in ${j.expires_in}`);
  }
  const catalog = new IcebergRestCatalog({ baseUrl: base, warehouse, fetch: recordingFetch,
    auth: token ? { type: 'bearer', token } : { type: 'none' } });

  if (create) {
    const parts = create.split('.');
    const name = parts.pop();
    const ns = { namespace: parts };
    await catalog.createNamespaceIfNotExists(ns, { properties: { owner: 'o2p-probe' } });
    check(await catalog.namespaceExists(ns), `namespace ${parts.join('.')} exists after create`);
    const props = await catalog.loadNamespaceMetadata(ns);
    console.log(`namespace ${parts.join('.')} properties ${JSON.stringify(props.properties)}`);
    const md = await catalog.createTableIfNotExists(ns, {
      name,
      schema: { type: 'struct', 'schema-id': 0, fields: [
        { id: 1, name: 'ts', type: 'timestamptz', required: true },
        { id: 2, name: 'body', type: 'string', required: false },
        { id: 3, name: 'attributes', required: false,
          type: { type: 'map', 'key-id': 4, key: 'string', 'value-id': 5, value: 'string', 'value-required': false } },
      ] },
      'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'ts_day', transform: 'day' }] },
      'write-order': { 'order-id': 0, fields: [] },
      properties: { 'format-version': '2', 'write.format.default': 'parquet' },
    });
    check(md['format-version'] === 2, 'created table is format-version 2');
    const sch = md.schemas.find((s) => s['schema-id'] === md['current-schema-id']);
    check(sch && sch.fields.every((f) => Number.isInteger(f.id)), 'created schema has field ids');
    check(md['partition-specs']?.[0]?.fields?.[0]?.['field-id'] >= 1000, 'partition field id >= 1000');
    check(await catalog.tableExists({ namespace: parts, name }), `table ${create} exists after create`);
    console.log(`created ${create}: table-uuid ${md['table-uuid']}, last-column-id ${md['last-column-id']}, ` +
      `fields ${sch.fields.map((f) => `${f.name}=${f.id}`).join(',')}`);
  }

  const namespaces = only ? [{ namespace: only.split('.') }] : (await catalog.listNamespaces()).namespaces;
  for (const ns of namespaces) {
    console.log(`namespace ${ns.namespace.join('.')}`);
    const { identifiers } = await catalog.listTables(ns);
    for (const id of identifiers) {
      const r = await catalog.loadTableResult(id);
      const m = r.metadata;
      check(typeof r['metadata-location'] === 'string', `${id.name}: metadata-location is a string`);
      console.log(`table ${id.namespace.join('.')}.${id.name}: format-version ${m['format-version']}, ` +
        `current-snapshot-id ${m['current-snapshot-id']}, snapshots ${m.snapshots?.length ?? 0}\n  metadata-location ${r['metadata-location']}`);
    }
  }
} catch (e) {
  failed = true;
  console.log(`ERROR ${e.name}: ${e.message}${e.status !== undefined ? ` (HTTP ${e.status}${e.icebergType ? `, ${e.icebergType}` : ''})` : ''}`);
}
console.log(failed ? 'FAIL' : 'OK');
process.exit(failed ? 1 : 0);
