#!/usr/bin/python3
"""Reconcile what the crash test's senders had acknowledged with what the Iceberg tables hold.

For each table (logs, traces) of the filesystem catalog under WAREHOUSE/<ns>/<table>:
  metadata: the highest v<N>.metadata.json (the commit point of catalog_fs; version-hint.text
            may lag after a crash) -> current snapshot -> manifest list (python3-avro, a
            third-party Avro reader) -> manifests -> live data files (status EXISTING/ADDED).
  checks:   no data file is live twice (across manifests or within one), no manifest is listed
            twice, every live file exists on disk, the snapshot summary's total-records equals
            the sum of the live files' record_count, DuckDB reads exactly that many rows from
            them; then, per record id (logs: log_attributes['rid']; traces: span_id):
            every acknowledged record is present (no loss), no record appears twice (no
            duplicate), every record present was sent by the senders (no phantom).
  info:     Parquet files under data/ that no live manifest entry references (written, never
            committed: harmless unless they held the only copy of an acknowledged record,
            which the loss check catches), records present although their request failed.

Acks: ACKS_DIR/acks.* written by tests/crash/load.py.
Record ids of the reads are taken with DuckDB (@duckdb/node-api via duckdb-query.mjs), reading
exactly the live files: read_parquet([f1, f2, ...]).

Usage: /usr/bin/python3 crash-reconcile.py WAREHOUSE_NS_DIR ACKS_DIR [--node NODE] [--tmp DIR]
Prints "ok <name>" / "FAIL <name>: why" / "info ..." lines and a JSON summary line
("summary {...}"). Exit status 0 when every check passed, 1 otherwise.
"""
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import avro.datafile
import avro.io

HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0


def ok(name, detail=""):
    print(f"ok {name}" + (f" ({detail})" if detail else ""))


def fail(name, why):
    global failures
    failures += 1
    print(f"FAIL {name}: {why}")


def local(path):
    return path[len("file://"):] if path.startswith("file://") else path


def avro_records(path):
    with open(local(path), "rb") as f:
        return list(avro.datafile.DataFileReader(f, avro.io.DatumReader()))


def span_hex(rid):
    s, r, i = (int(x) for x in rid.split("-"))
    return (bytes([s + 1]) + r.to_bytes(5, "big") + i.to_bytes(2, "big")).hex()


def load_acks(acks_dir):
    """-> {signal: {"acked": set, "failed": set, "partial": set}} of record ids (table keys)."""
    out = {s: {"acked": set(), "failed": set(), "partial": set()} for s in ("logs", "traces")}
    requests = collections.Counter()
    for p in glob.glob(os.path.join(acks_dir, "acks.*")):
        for line in open(p):
            parts = line.split()
            if len(parts) < 4:
                continue  # a torn last line cannot happen (line-buffered, sender not killed); be lenient
            kind, signal, req, n = parts[0], parts[1], parts[2], int(parts[3])
            requests[kind] += 1
            ids = [f"{req}-{i}" for i in range(n)]
            if signal == "traces":
                ids = [span_hex(x) for x in ids]
            bucket = {"A": "acked", "F": "failed", "P": "partial"}[kind]
            out[signal][bucket].update(ids)
    return out, requests


def live_files(table_dir, name):
    """Walk the current snapshot; returns (files: [(path, record_count)], summary dict)."""
    md = glob.glob(os.path.join(table_dir, "metadata", "v*.metadata.json"))
    versions = sorted(int(re.search(r"/v(\d+)\.metadata\.json$", p).group(1)) for p in md)
    if not versions:
        fail(f"{name}_metadata", f"no metadata in {table_dir}")
        return [], {}
    latest = versions[-1]
    if versions != list(range(1, latest + 1)):
        fail(f"{name}_metadata_versions_contiguous", f"versions {versions[:5]}..{versions[-5:]}")
    hint_path = os.path.join(table_dir, "metadata", "version-hint.text")
    hint = open(hint_path).read().strip() if os.path.exists(hint_path) else "absent"
    if hint != str(latest):
        print(f"info {name}: version-hint.text={hint}, latest metadata v{latest} (hint lags after a crash)")
    meta = json.load(open(os.path.join(table_dir, "metadata", f"v{latest}.metadata.json")))
    # Paths are absolute; a kept copy of the warehouse (CRASH_KEEP) lives elsewhere.
    loc = meta.get("location", "").rstrip("/")
    here = lambda p: os.path.join(table_dir, p[len(loc) + 1:]) if loc and p.startswith(loc + "/") else local(p)
    snap_id = meta.get("current-snapshot-id", -1)
    snaps = {s["snapshot-id"]: s for s in meta.get("snapshots", [])}
    if snap_id in (None, -1) or snap_id not in snaps:
        fail(f"{name}_current_snapshot", f"current-snapshot-id {snap_id} not among snapshots")
        return [], {}
    snap = snaps[snap_id]
    # Commit ids must be unique across the table's history: one commit applied twice would be
    # two snapshots with the same otlp2parquet.commit-id.
    cids = collections.Counter(s.get("summary", {}).get("otlp2parquet.commit-id") for s in meta["snapshots"])
    twice = {c: n for c, n in cids.items() if c and n > 1}
    if twice:
        fail(f"{name}_commit_ids_unique", f"commit ids in more than one snapshot: {list(twice.items())[:5]}")
    else:
        ok(f"{name}_commit_ids_unique", f"{len(meta['snapshots'])} snapshots, metadata v{latest}")
    try:
        mlist = avro_records(here(snap["manifest-list"]))
    except OSError as e:
        fail(f"{name}_manifest_list", str(e))
        return [], {}
    mpaths = collections.Counter(m["manifest_path"] for m in mlist)
    if any(n > 1 for n in mpaths.values()):
        fail(f"{name}_manifests_unique", f"{[p for p, n in mpaths.items() if n > 1][:3]}")
    files = []
    for m in mlist:
        if m.get("content", 0) != 0:
            fail(f"{name}_no_delete_manifests", f"delete manifest {m['manifest_path']}")
            continue
        try:
            entries = avro_records(here(m["manifest_path"]))
        except OSError as e:
            fail(f"{name}_manifest_readable", str(e))
            continue
        for e in entries:
            if e["status"] == 2:  # DELETED
                continue
            df = e["data_file"]
            if df.get("content", 0) != 0:
                fail(f"{name}_no_delete_files", df["file_path"])
                continue
            files.append((here(df["file_path"]), df["record_count"]))
    return files, snap.get("summary", {})


def duckdb_ids(files, column, tmp):
    """Record ids of every row of FILES, read by DuckDB, as a list (duplicates kept)."""
    if not files:
        return []
    lst = os.path.join(tmp, "ids.csv")
    arr = ", ".join("'" + local(f).replace("'", "''") + "'" for f in files)
    sql = f"COPY (SELECT {column} AS id FROM read_parquet([{arr}])) TO '{lst}' (HEADER false)"
    node = os.environ.get("NODE", "node")
    # The query goes in a file: thousands of file names do not fit in one argument (128 KiB).
    qfile = os.path.join(tmp, "ids.sql")
    with open(qfile, "w") as f:
        f.write(sql)
    r = subprocess.run([node, os.path.join(HERE, "duckdb-query.mjs"), "@" + qfile], capture_output=True, text=True,
                       cwd=HERE)
    if r.returncode != 0:
        raise RuntimeError(f"duckdb: {r.stderr.strip()[-500:]}")
    return [line.rstrip("\n").strip('"') for line in open(lst)]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ns_dir, acks_dir = argv[0], argv[1]
    tmp = tempfile.mkdtemp(prefix="o2p-reconcile.", dir=argv[argv.index("--tmp") + 1] if "--tmp" in argv else None)
    warnings.simplefilter("ignore")
    acks, requests = load_acks(acks_dir)
    summary = {"requests": dict(requests)}
    for table, column in (("logs", "log_attributes['rid']"), ("traces", "span_id")):
        tdir = os.path.join(ns_dir, table)
        a = acks[table]
        sent = a["acked"] | a["failed"] | a["partial"]
        files, snap_summary = live_files(tdir, table) if os.path.isdir(tdir) else ([], {})
        paths = collections.Counter(p for p, _ in files)
        dup_files = [p for p, n in paths.items() if n > 1]
        if dup_files:
            fail(f"{table}_data_files_unique", f"{len(dup_files)} data files live more than once, e.g. {dup_files[:3]}")
        else:
            ok(f"{table}_data_files_unique", f"{len(files)} live data files")
        missing = [p for p in paths if not os.path.exists(local(p))]
        if missing:
            fail(f"{table}_data_files_exist", f"{len(missing)} missing, e.g. {missing[:3]}")
        want_rows = sum(n for _, n in files)
        if snap_summary and int(snap_summary.get("total-records", -1)) != want_rows:
            fail(f"{table}_summary_total_records", f"summary {snap_summary.get('total-records')} != manifests {want_rows}")
        on_disk = set(glob.glob(os.path.join(tdir, "data", "**", "*.parquet"), recursive=True))
        orphans = on_disk - {local(p) for p in paths}
        try:
            ids = duckdb_ids([p for p, _ in files], column, tmp) if not missing else []  # repeats kept, as a reader sees them
        except RuntimeError as e:
            fail(f"{table}_read", str(e))
            continue
        if len(ids) != want_rows:
            fail(f"{table}_rows_match_manifests", f"DuckDB read {len(ids)} rows, manifests say {want_rows}")
        else:
            ok(f"{table}_rows_match_manifests", f"{want_rows} rows")
        count = collections.Counter(ids)
        found = set(count)
        lost = a["acked"] - found
        dups = {k: n for k, n in count.items() if n > 1}
        phantom = found - sent
        if lost:
            fail(f"{table}_no_acked_record_lost", f"{len(lost)} of {len(a['acked'])} acknowledged records are not in "
                 f"the table, e.g. {sorted(lost)[:5]}")
        else:
            ok(f"{table}_no_acked_record_lost", f"acked={len(a['acked'])} all present")
        if dups:
            ex = sorted(dups.items())[:5]
            fail(f"{table}_no_duplicates", f"{len(dups)} record ids appear more than once "
                 f"({sum(dups.values()) - len(dups)} extra rows), e.g. {ex}")
        else:
            ok(f"{table}_no_duplicates", f"{len(ids)} rows, {len(found)} distinct ids")
        if phantom:
            fail(f"{table}_no_phantom_records", f"{len(phantom)} ids never sent, e.g. {sorted(phantom)[:5]}")
        unacked_present = len(found & (a["failed"] | a["partial"]))
        print(f"info {table}: acked={len(a['acked'])} failed_requests_records={len(a['failed'])} "
              f"partial={len(a['partial'])} rows={len(ids)} distinct={len(found)} lost={len(lost)} "
              f"duplicated={len(dups)} unacked_but_present={unacked_present} live_files={len(files)} "
              f"orphan_files={len(orphans)}")
        if orphans:
            print(f"info {table}: orphan data files (not in the current snapshot): {sorted(orphans)[:3]}")
        summary[table] = {"acked": len(a["acked"]), "failed": len(a["failed"]), "rows": len(ids),
                          "lost": len(lost), "duplicated": len(dups), "unacked_present": unacked_present,
                          "files": len(files), "orphans": len(orphans)}
    print("summary " + json.dumps(summary, sort_keys=True))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
