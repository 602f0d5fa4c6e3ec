#!/usr/bin/env node
// duckdb-write.mjs - the reference side of `bench parquet_convert`: DuckDB (@duckdb/node-api)
// writing the same rows as `otlp2parquet convert` to zstd Parquet on one thread.
//
// Usage: node duckdb-write.mjs --in OURS.parquet --out DIR [--row-group-size N] [--level L] [--reps R]
//   Loads OURS.parquet (our converter's output, so the rows are exactly ours) into an
//   in-memory table, then times only
//     COPY t TO 'DIR/duckdb-K.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL L,
//                                      ROW_GROUP_SIZE N)
//   R times with `SET threads=1`. Prints one JSON line:
//     {"rows": n, "seconds": [t1, ...], "best_s": min, "median_s": ..., "bytes": size of the file,
//      "row_groups": n}
// Run from tests/interop (its node_modules) or with NODE_PATH pointing there.
import { statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../interop/package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const input = opt('--in'), outDir = opt('--out');
const level = Number(opt('--level', '3')), reps = Number(opt('--reps', '3'));
const rowGroupSize = Number(opt('--row-group-size', '122880'));
if (!input || !outDir) {
  console.error('usage: node duckdb-write.mjs --in FILE.parquet --out DIR [--row-group-size N] [--level L] [--reps R]');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads=1');
await con.run('SET preserve_insertion_order=true');
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(input)})`);
const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);

const seconds = [];
let bytes = 0, rowGroups = 0;
for (let k = 0; k < reps; k++) {
  const out = join(outDir, `duckdb-${k}.parquet`);
  const t0 = process.hrtime.bigint();
  await con.run(`COPY t TO ${q(out)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${level}, ` +
                `ROW_GROUP_SIZE ${rowGroupSize})`);
  seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  bytes = statSync(out).size;
  rowGroups = Number((await con.runAndReadAll(
    `SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${q(out)})`)).getRows()[0][0]);
  unlinkSync(out);
}
const sorted = [...seconds].sort((a, b) => a - b);
console.log(JSON.stringify({ rows, seconds, best_s: sorted[0], median_s: sorted[sorted.length >> 1], bytes,
                              row_groups: rowGroups }));
