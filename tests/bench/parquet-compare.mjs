#!/usr/bin/env node
// parquet-compare.mjs - the reference side of `bench parquet_size`: the rows of one of our Parquet
// files written again by DuckDB and by arrow-rs, and the column chunk bytes of all three files.
//
// Usage: node parquet-compare.mjs --in OURS.parquet --out DIR [--row-group-size N] [--reps R] [--top K]
//   DuckDB (@duckdb/node-api, `SET threads=1`): OURS loaded into an in-memory table, then only
//     COPY t TO ... (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE N)   (its default level, 3)
//   timed, best of R. arrow-rs (parquet-wasm, the Rust parquet crate compiled to wasm): OURS read
//   into an Arrow table, then only writeParquet with default WriterProperties and ZSTD (arrow-rs's
//   default level, 1; dictionary on, PLAIN fallback, writer version 1.0) timed, best of R.
//   Per column (top-level field, its leaves summed): total_compressed_size of each file from
//   DuckDB's parquet_metadata(), with the encodings of our chunks.
// Prints one JSON line: {"rows", "duckdb": {"bytes", "best_s"}, "arrow": {"bytes", "best_s"},
//   "columns": [{"name", "ours", "duckdb", "arrow", "encodings"}, ... largest of ours first]}
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../interop/package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const pw = await import(require.resolve('parquet-wasm'));

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const input = opt('--in'), outDir = opt('--out');
const reps = Number(opt('--reps', '3')), rowGroupSize = Number(opt('--row-group-size', '122880'));
const top = Number(opt('--top', '8'));
if (!input || !outDir) {
  console.error('usage: node parquet-compare.mjs --in FILE.parquet --out DIR [--row-group-size N] [--reps R] [--top K]');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const best = (f) => { let b = Infinity; for (let k = 0; k < reps; k++) b = Math.min(b, f()); return b; };

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads=1');
await con.run('SET preserve_insertion_order=true');
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(input)})`);
const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);

const duckOut = join(outDir, 'duckdb.parquet');
let duckBest = Infinity;
for (let k = 0; k < reps; k++) {
  const t0 = process.hrtime.bigint();
  await con.run(`COPY t TO ${q(duckOut)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`);
  duckBest = Math.min(duckBest, Number(process.hrtime.bigint() - t0) / 1e9);
}

const arrowOut = join(outDir, 'arrow.parquet');
const ourBytes = new Uint8Array(readFileSync(input));
let arrowBytes;
const arrowBest = best(() => {
  const table = pw.readParquet(ourBytes); // writeParquet takes the table over: read it again each time
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(rowGroupSize).build();
  const t0 = process.hrtime.bigint();
  arrowBytes = pw.writeParquet(table, props);
  return Number(process.hrtime.bigint() - t0) / 1e9;
});
writeFileSync(arrowOut, arrowBytes);

async function columns(file) {
  const r = await con.runAndReadAll(
    `SELECT split_part(path_in_schema, ',', 1) AS c, sum(total_compressed_size)::BIGINT AS b,
            string_agg(DISTINCT encodings, ' ') AS e
     FROM parquet_metadata(${q(file)}) GROUP BY c`);
  return new Map(r.getRows().map(([c, b, e]) => [c, { bytes: Number(b), enc: e }]));
}
const ours = await columns(input), duck = await columns(duckOut), arrow = await columns(arrowOut);
const cols = [...ours.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)
  .map(([name, v]) => ({ name, ours: v.bytes, duckdb: duck.get(name)?.bytes ?? 0, arrow: arrow.get(name)?.bytes ?? 0,
    encodings: v.enc }));
console.log(JSON.stringify({ rows, duckdb: { bytes: statSync(duckOut).size, best_s: duckBest },
  arrow: { bytes: statSync(arrowOut).size, best_s: arrowBest }, columns: cols }));
