#!/usr/bin/env node
// duckdb-query.mjs - run one SQL query in DuckDB (@duckdb/node-api, a third-party reader) and
// print each result row as a JSON array, one per line. BigInts print as decimal strings.
// Usage: node duckdb-query.mjs "SELECT count(*) FROM read_parquet('dir/**/*.parquet')"
//        node duckdb-query.mjs @FILE   (the SQL read from FILE: a list of thousands of files
//                                       does not fit in one argument, 128 KiB on Linux)
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const arg = process.argv[2];
const sql = arg && arg.startsWith('@') ? fs.readFileSync(arg.slice(1), 'utf8') : arg;
if (!sql) { console.error('usage: node duckdb-query.mjs SQL'); process.exit(2); }
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
try {
  const reader = await con.runAndReadAll(sql);
  for (const row of reader.getRows())
    console.log(JSON.stringify(row, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
