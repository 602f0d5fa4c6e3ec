#!/usr/bin/env node
// parquet-read.mjs - read Parquet files with three independent third-party readers and compare
// every value with the rows the writer meant to write.
//
//   DuckDB (C++, @duckdb/node-api), parquet-wasm (arrow-rs, Rust), hyparquet (+ hyparquet-compressors, JS)
//
// Usage: node parquet-read.mjs DIR
//   For each DIR/NAME.parquet: DIR/NAME.expected.jsonl holds one canonical JSON row per line
//   (int64 and timestamps as decimal strings in microseconds, maps as objects, NaN/Infinity
//   as strings, binary as "hex:..."), DIR/NAME.ids.json the schema elements depth-first as
//   [name, field_id|null]. Prints "ok <reader>-<what> NAME" or "FAIL <reader>-<what> NAME: why".
// Exit status 0 when everything matched.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DuckDBInstance, DuckDBListValue, DuckDBStructValue, DuckDBMapValue, DuckDBTimestampTZValue,
  DuckDBTimestampValue, DuckDBBlobValue,
} from '@duckdb/node-api';
import { readParquet } from 'parquet-wasm';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const dir = process.argv[2];
if (!dir) { console.error('usage: node parquet-read.mjs DIR'); process.exit(2); }
let failures = 0;
const ok = (what, name) => console.log(`ok ${what} ${name}`);
const fail = (what, name, why) => { failures++; console.log(`FAIL ${what} ${name}: ${why}`); };

const hex = (u8) => 'hex:' + Buffer.from(u8).toString('hex');
function num(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

// Generic canonical form for DuckDB and hyparquet values.
function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof DuckDBListValue) return v.items.map(canon);
  if (v instanceof DuckDBStructValue) return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, canon(x)]));
  if (v instanceof DuckDBMapValue) return Object.fromEntries(v.entries.map((e) => [String(canon(e.key)), canon(e.value)]));
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return v.micros.toString();
  if (v instanceof DuckDBBlobValue) return hex(v.bytes);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]));
  return v;
}

// Arrow values need the type: timestamps come back as float milliseconds.
function canonArrow(v, type) {
  if (v === null || v === undefined) return null;
  if (arrow.DataType.isTimestamp(type)) {
    if (typeof v === 'bigint') return v.toString();
    return BigInt(Math.round(v * 1000)).toString();
  }
  if (arrow.DataType.isList(type)) {
    const t = type.children[0].type; const out = [];
    for (let i = 0; i < v.length; i++) out.push(canonArrow(v.get(i), t));
    return out;
  }
  if (arrow.DataType.isMap(type)) {
    const entries = type.children[0].type.children; const out = {};
    for (const [k, x] of v) out[String(canonArrow(k, entries[0].type))] = canonArrow(x, entries[1].type);
    return out;
  }
  if (arrow.DataType.isStruct(type)) {
    const out = {};
    for (const f of type.children) out[f.name] = canonArrow(v[f.name], f.type);
    return out;
  }
  return canon(v);
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

function compareRows(what, name, got, want) {
  if (got.length !== want.length) return fail(what, name, `${got.length} rows, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!deepEqual(got[i], want[i]))
      return fail(what, name, `row ${i}: got ${JSON.stringify(got[i])} expected ${JSON.stringify(want[i])}`);
  }
  ok(what, name);
}

function compareIds(what, name, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) return fail(what, name, `field ids ${g}, expected ${w}`);
  ok(what, name);
}

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run('SET threads TO 1');

const names = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
for (const file of names) {
  const name = file.replace(/\.parquet$/, '');
  const path = join(dir, file);
  const want = readFileSync(join(dir, `${name}.expected.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const ids = JSON.parse(readFileSync(join(dir, `${name}.ids.json`), 'utf8'));
  const bytes = readFileSync(path);

  // DuckDB
  try {
    const rows = (await con.runAndReadAll('SELECT * FROM read_parquet($1)', [path])).getRowObjects();
    compareRows('duckdb-rows', name, rows.map(canon), want);
    const schema = (await con.runAndReadAll('SELECT name, field_id FROM parquet_schema($1)', [path])).getRowObjects();
    compareIds('duckdb-field-ids', name, schema.slice(1).map((s) => [s.name, s.field_id === null || s.field_id === undefined ? null : Number(s.field_id)]), ids);
  } catch (e) { fail('duckdb', name, e.message); }

  // parquet-wasm (arrow-rs)
  try {
    const table = arrow.tableFromIPC(readParquet(new Uint8Array(bytes)).intoIPCStream());
    const rows = [];
    for (let i = 0; i < table.numRows; i++) {
      const r = table.get(i); const o = {};
      for (const f of table.schema.fields) o[f.name] = canonArrow(r[f.name], f.type);
      rows.push(o);
    }
    compareRows('arrow-rows', name, rows, want);
    const got = [];
    const walk = (f) => { const id = f.metadata.get('PARQUET:field_id'); if (id !== undefined) got.push(Number(id)); (f.type.children ?? []).forEach(walk); };
    table.schema.fields.forEach(walk);
    const wantIds = ids.map((x) => x[1]).filter((x) => x !== null);
    compareIds('arrow-field-ids', name, got.sort((a, b) => a - b), wantIds.sort((a, b) => a - b));
  } catch (e) { fail('arrow', name, e.message); }

  // hyparquet
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const md = parquetMetadata(ab);
    const rows = await parquetReadObjects({
      file: ab, compressors, utf8: false,
      parsers: { timestampFromMicroseconds: (us) => BigInt(us).toString() },
    });
    compareRows('hyparquet-rows', name, rows.map(canon), want);
    compareIds('hyparquet-field-ids', name, md.schema.slice(1).map((s) => [s.name, s.field_id === null || s.field_id === undefined ? null : Number(s.field_id)]), ids);
  } catch (e) { fail('hyparquet', name, e.message); }
}
process.exit(failures ? 1 : 0);
