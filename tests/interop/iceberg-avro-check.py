#!/usr/bin/python3
"""Read an Iceberg manifest or manifest list with Debian's python3-avro (a third-party Avro
reader) and check what PyIceberg/DuckDB need: every record field carries a field-id, every
non-map array an element-id, the Iceberg header keys are present. Prints the header keys and
every record as one JSON line (bytes as hex), so tests can compare values.

Usage: /usr/bin/python3 iceberg-avro-check.py FILE.avro [--kind manifest|list] [--expect-records N]
Exit status 0 when every check passes, 1 otherwise.
"""
import datetime
import json
import sys
import warnings

import avro.datafile
import avro.io

MANIFEST_KEYS = ["schema", "schema-id", "partition-spec", "partition-spec-id", "format-version", "content"]
LIST_KEYS = ["snapshot-id", "parent-snapshot-id", "sequence-number", "format-version"]


def missing_ids(node, path, out):
    """Collect schema paths of record fields without field-id and lists without element-id."""
    if isinstance(node, list):
        for n in node:
            missing_ids(n, path, out)
    elif isinstance(node, dict):
        t = node.get("type")
        if t == "record":
            for f in node["fields"]:
                if "field-id" not in f:
                    out.append(f"{path}.{f['name']}")
                missing_ids(f["type"], f"{path}.{f['name']}", out)
        elif t == "array":
            if node.get("logicalType") != "map" and "element-id" not in node:
                out.append(f"{path}[]")
            missing_ids(node["items"], f"{path}[]", out)


def plain(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    kind = argv[argv.index("--kind") + 1] if "--kind" in argv else None
    expect = int(argv[argv.index("--expect-records") + 1]) if "--expect-records" in argv else None
    warnings.simplefilter("ignore")  # logicalType "map" is Iceberg's, unknown to Avro
    problems = []
    with open(argv[0], "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        meta = {k: v.decode("utf-8", "replace") for k, v in reader.meta.items()}
        schema = json.loads(meta["avro.schema"])
        if kind is None:
            kind = "list" if schema.get("name") == "manifest_file" else "manifest"
        for k in MANIFEST_KEYS if kind == "manifest" else LIST_KEYS:
            if k not in meta:
                problems.append(f"header key {k} missing")
        out = []
        missing_ids(schema, "$", out)
        problems += [f"no field-id/element-id at {p}" for p in out]
        want = "manifest_entry" if kind == "manifest" else "manifest_file"
        if schema.get("name") != want:
            problems.append(f"record name {schema.get('name')} != {want}")
        print(json.dumps({k: v for k, v in meta.items() if k != "avro.schema"}, sort_keys=True))
        n = 0
        for rec in reader:
            print(json.dumps(plain(rec), sort_keys=True))
            n += 1
    if expect is not None and n != expect:
        problems.append(f"{n} records, expected {expect}")
    for p in problems:
        print(f"PROBLEM {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
