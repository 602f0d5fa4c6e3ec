#!/usr/bin/env node
// convert-check.mjs - round-trip check of `otlp2parquet convert` output with three independent
// Parquet readers: DuckDB (@duckdb/node-api), arrow-rs (parquet-wasm) and hyparquet.
//
// Usage: node convert-check.mjs --expected FILE.expected.json --out DIR --schemas DIR
//   FILE.expected.json  {"<table>": [row, ...]} in the canonical form of
//                       tests/unit/data/otlp/gen.py (every scalar a string, maps as sorted
//                       [key, value] pairs, lists as arrays, structs as objects, null as null)
//   DIR/<table>/part-00000.parquet   the files under test
//   schemas DIR/<table>.json         `otlp2parquet convert --print-iceberg-schema <table>`
// For every table and reader: the row count, every value of every row, and the Parquet
// field_id of every column / key / value / element / struct member against the Iceberg
// schema. Prints "ok <what>" or "FAIL <what>: <first difference>"; exit 1 on any failure.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet } from 'parquet-wasm';
import * as arrow from 'apache-arrow';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const args = process.argv.slice(2);
const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const expectedFile = opt('--expected'), outDir = opt('--out'), schemaDir = opt('--schemas');
if (!expectedFile || !outDir || !schemaDir) {
  console.error('usage: node convert-check.mjs --expected FILE --out DIR --schemas DIR');
  process.exit(2);
}
const label = expectedFile.split('/').pop().replace('.expected.json', '');
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
let failures = 0;
const ok = (what) => console.log(`ok ${what}`);
const fail = (what, why) => { failures++; console.log(`FAIL ${what}: ${why}`); };

// ---- canonical values, driven by the Iceberg type --------------------------------------
const utf8cmp = (a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));
const isDuck = (v, cls) => v && v.constructor && v.constructor.name === cls;

function canon(type, v, reader) {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') {
    switch (type) {
      case 'timestamptz':
        if (isDuck(v, 'DuckDBTimestampTZValue')) return String(v.micros);
        if (typeof v === 'bigint') return String(v);
        if (typeof v === 'number') return String(Math.round(v * 1000)); // arrow: ms (fractional)
        if (v instanceof Date) return String(BigInt(v.getTime()) * 1000n);
        return `?ts:${v}`;
      case 'double': return Object.is(Number(v), -0) ? '-0' : String(Number(v));
      case 'int': case 'long': return String(v);
      case 'boolean': return String(v);
      case 'string': return typeof v === 'string' ? v : `?str:${typeof v}`;
    }
    return `?${type}`;
  }
  if (type.type === 'map') {
    let pairs;
    if (isDuck(v, 'DuckDBMapValue')) pairs = v.entries.map((e) => [e.key, e.value]);
    else if (v instanceof Map) pairs = [...v.entries()];
    else if (typeof v[Symbol.iterator] === 'function') pairs = [...v].map((e) => (Array.isArray(e) ? e : [e.key, e.value]));
    else pairs = Object.entries(v);
    return pairs.map(([k, x]) => [canon(type.key, k, reader), canon(type.value, x, reader)]).sort(utf8cmp);
  }
  if (type.type === 'list') {
    const items = isDuck(v, 'DuckDBListValue') ? v.items : [...v];
    return items.map((x) => canon(type.element, x, reader));
  }
  if (type.type === 'struct') {
    const src = isDuck(v, 'DuckDBStructValue') ? v.entries : v;
    const o = {};
    for (const f of type.fields) o[f.name] = canon(f.type, src[f.name], reader);
    return o;
  }
  return `?${JSON.stringify(type)}`;
}

function firstDiff(a, b, path = '') {
  if (a === b) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    const s = (x) => { const j = JSON.stringify(x); return j && j.length > 120 ? j.slice(0, 120) + '…' : j; };
    return `${path || '.'}: got ${s(a)}, expected ${s(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a) && a.length !== b.length) return `${path}: length ${a.length}, expected ${b.length}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDiff(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

// ---- field ids ---------------------------------------------------------------------------
function icebergIds(schema) {
  const ids = new Map();
  const walk = (type, path) => {
    if (typeof type === 'string') return;
    if (type.type === 'struct') for (const f of type.fields) { ids.set(path + f.name, f.id); walk(f.type, path + f.name + '.'); }
    if (type.type === 'list') { ids.set(path + 'element', type['element-id']); walk(type.element, path + 'element.'); }
    if (type.type === 'map') {
      ids.set(path + 'key', type['key-id']); ids.set(path + 'value', type['value-id']);
      walk(type.key, path + 'key.'); walk(type.value, path + 'value.');
    }
  };
  walk(schema, '');
  return ids;
}
// Parquet flat schema (root first, depth-first with num_children) -> path -> field id;
// the repeated key_value / list groups carry no id and are left out of the path.
function parquetIds(elements) {
  const ids = new Map();
  let i = 1;
  const walk = (prefix) => {
    const e = elements[i++];
    const skip = e.name === 'key_value' || e.name === 'list';
    const path = skip ? prefix : prefix + e.name;
    if (!skip) ids.set(path, e.field_id ?? null);
    for (let c = 0; c < (e.num_children ?? 0); c++) walk(skip ? prefix : path + '.');
  };
  while (i < elements.length) walk('');
  return ids;
}
function arrowIds(fields) {
  const ids = new Map();
  const walk = (f, prefix) => {
    const skip = f.name === 'entries';
    const path = skip ? prefix : prefix + f.name;
    if (!skip) { const id = f.metadata.get('PARQUET:field_id'); ids.set(path, id === undefined ? null : Number(id)); }
    for (const c of f.type.children ?? []) walk(c, skip ? prefix : path + '.');
  };
  for (const f of fields) walk(f, '');
  return ids;
}
function compareIds(got, want) {
  for (const [p, id] of want) if (got.get(p) !== id) return `${p}: field_id ${got.get(p)}, expected ${id}`;
  for (const p of got.keys()) if (!want.has(p)) return `unexpected column path ${p}`;
  return null;
}

// ---- readers -----------------------------------------------------------------------------
const duck = await (await DuckDBInstance.create(':memory:')).connect();
async function readDuck(file) {
  const rows = (await duck.runAndReadAll('SELECT * FROM read_parquet($1)', [file])).getRowObjects();
  const schema = (await duck.runAndReadAll('SELECT name, field_id, num_children FROM parquet_schema($1)', [file])).getRowObjects();
  return { rows, ids: parquetIds(schema.map((s) => ({ name: s.name, field_id: s.field_id === null ? undefined : Number(s.field_id), num_children: Number(s.num_children ?? 0) }))) };
}
function readArrow(file) {
  const t = arrow.tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
  // Arrow JS turns timestamps into float milliseconds, which cannot hold every microsecond
  // value above 2^53: take top-level timestamp columns from the raw BigInt64 buffers instead.
  const raw = {};
  for (const f of t.schema.fields) {
    if (!arrow.DataType.isTimestamp(f.type)) continue;
    raw[f.name] = [];
    for (const d of t.getChild(f.name).data) for (let k = 0; k < d.length; k++) raw[f.name].push(BigInt(d.values[d.offset + k]));
  }
  const rows = [];
  for (let i = 0; i < t.numRows; i++) {
    const r = t.get(i), o = {};
    for (const f of t.schema.fields) o[f.name] = f.name in raw ? raw[f.name][i] : r[f.name];
    rows.push(o);
  }
  return { rows, ids: arrowIds(t.schema.fields) };
}
async function readHyparquet(file) {
  const buf = await asyncBufferFromFile(file);
  const md = await parquetMetadataAsync(buf);
  const rows = await parquetReadObjects({ file: buf, compressors, parsers: { timestampFromMicroseconds: (us) => us } });
  return { rows, ids: parquetIds(md.schema), kv: md.key_value_metadata };
}

for (const [table, want] of Object.entries(expected)) {
  const file = `${outDir}/${table}/part-00000.parquet`;
  if (!existsSync(file)) { fail(`${label}/${table}`, `${file} missing`); continue; }
  const schema = JSON.parse(readFileSync(`${schemaDir}/${table}.json`, 'utf8'));
  const wantIds = icebergIds(schema);
  for (const [name, read] of [['duckdb', readDuck], ['arrow-rs', readArrow], ['hyparquet', readHyparquet]]) {
    const what = `${label}/${table}/${name}`;
    let got;
    try { got = await read(file); } catch (e) { fail(what, `read failed: ${e.message}`); continue; }
    const idDiff = compareIds(got.ids, wantIds);
    if (idDiff) fail(`${what} field_ids`, idDiff); else ok(`${what} field_ids`);
    if (got.rows.length !== want.length) { fail(`${what} rows`, `${got.rows.length} rows, expected ${want.length}`); continue; }
    let diff = null;
    for (let r = 0; r < want.length && !diff; r++) {
      const src = got.rows[r];
      const row = {};
      for (const f of schema.fields) row[f.name] = canon(f.type, src[f.name], name);
      const d = firstDiff(row, want[r]);
      if (d) diff = `row ${r} ${d}`;
    }
    if (diff) fail(`${what} values`, diff); else ok(`${what} values (${want.length} rows)`);
    if (got.kv) {
      const kv = Object.fromEntries(got.kv.map((e) => [e.key, e.value]));
      if (kv.producer !== 'otlp2parquet' || !kv['otlp2parquet.schema_version'] || !kv['iceberg.schema']) fail(`${what} metadata`, JSON.stringify(Object.keys(kv)));
      else ok(`${what} metadata`);
    }
  }
}
// no table files beyond the expected ones
if (existsSync(outDir)) {
  const extra = readdirSync(outDir).filter((t) => !(t in expected));
  if (extra.length) fail(`${label} tables`, `unexpected output tables ${extra.join(',')}`); else ok(`${label} tables`);
}
process.exit(failures ? 1 : 0);
