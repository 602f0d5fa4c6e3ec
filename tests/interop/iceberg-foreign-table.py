#!/usr/bin/python3
"""iceberg-foreign-table.py - a one-snapshot Iceberg v2 table around one Parquet file whose
manifest list and manifest python3-avro writes in the Avro codec asked for (null, deflate,
snappy, zstandard), as another engine or a catalog's maintenance would. For the readers'
checks (tests/integration/iceberg_read_codecs.sh: icebird through tests/interop/iceberg-read.mjs).

Usage: iceberg-foreign-table.py TABLE_DIR PARQUET_FILE ROWS CODEC [DAY]
  DAY (days since 1970-01-01): partition the table by day(Timestamp) as otlp2parquet does
  (field Timestamp_day, id 1000) with the file in that day; without it, unpartitioned.
  The Parquet file is copied to TABLE_DIR/data/; its Iceberg schema comes from the file's own
  "iceberg.schema" key-value (otlp2parquet writes it), passed in by the caller as $SCHEMA_JSON.
  Writes metadata/<m>.avro, metadata/snap-*.avro, metadata/v1.metadata.json, version-hint.text.
Needs python3-avro, python3-snappy, python3-zstandard (scripts/deps.sh).
"""
import copy, datetime, importlib.util, json, os, shutil, struct, sys, uuid, warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("avro_gen", f"{ROOT}/tests/unit/data/avro/gen.py")
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)  # the manifest schemas, as Java names their records


def max_id(t):
    if isinstance(t, dict):
        ids = [t.get("id", 0), t.get("element-id", 0), t.get("key-id", 0), t.get("value-id", 0)]
        for k in ("fields",):
            ids += [max_id(f) for f in t.get(k, [])]
        for k in ("type", "element", "key", "value"):
            if isinstance(t.get(k), dict):
                ids.append(max_id(t[k]))
        return max(ids)
    return 0


def main(table, parquet, rows, codec, day=None):
    warnings.filterwarnings("ignore")
    schema = json.loads(os.environ["SCHEMA_JSON"])
    os.makedirs(f"{table}/data", exist_ok=True)
    os.makedirs(f"{table}/metadata", exist_ok=True)
    loc = "file://" + os.path.abspath(table)
    data = f"{table}/data/{os.path.basename(parquet)}"
    shutil.copyfile(parquet, data)
    snap, seq = 7340032000001, 1  # below 2^53: JavaScript readers parse the metadata JSON into doubles
    entry_schema = copy.deepcopy(gen.ENTRY_SCHEMA)  # r102: Timestamp_day (id 1000), or no fields
    for f in entry_schema["fields"]:
        if f["name"] == "data_file" and day is None:
            for g in f["type"]["fields"]:
                if g["name"] == "partition":
                    g["type"]["fields"] = []
    pfields = [] if day is None else [{"name": "Timestamp_day", "transform": "day", "source-id": 1, "field-id": 1000}]
    partition = {} if day is None else {"Timestamp_day": gen.EPOCH + datetime.timedelta(days=day)}
    summaries = [] if day is None else [{"contains_null": False, "contains_nan": False,
                                         "lower_bound": struct.pack("<i", day), "upper_bound": struct.pack("<i", day)}]
    entry = {"status": 1, "snapshot_id": snap, "sequence_number": None, "file_sequence_number": None,
             "data_file": {"content": 0, "file_path": loc + "/data/" + os.path.basename(parquet),
                           "file_format": "PARQUET", "partition": partition, "record_count": rows,
                           "file_size_in_bytes": os.path.getsize(data), "column_sizes": None,
                           "value_counts": None, "null_value_counts": None, "lower_bounds": None,
                           "upper_bounds": None, "key_metadata": None, "split_offsets": None,
                           "sort_order_id": 0}}
    mname = f"{uuid.uuid4()}-m0.avro"
    gen.write(f"{table}/metadata/{mname}", entry_schema, [entry], codec,
              {"schema": json.dumps(schema), "schema-id": "0", "partition-spec": json.dumps(pfields), "partition-spec-id": "0",
               "format-version": "2", "content": "data"}, 1)
    mfile = {"manifest_path": f"{loc}/metadata/{mname}", "manifest_length": os.path.getsize(f"{table}/metadata/{mname}"),
             "partition_spec_id": 0, "content": 0, "sequence_number": seq, "min_sequence_number": seq,
             "added_snapshot_id": snap, "added_files_count": 1, "existing_files_count": 0,
             "deleted_files_count": 0, "added_rows_count": rows, "existing_rows_count": 0,
             "deleted_rows_count": 0, "partitions": summaries, "key_metadata": None}
    lname = f"snap-{snap}-1-{uuid.uuid4()}.avro"
    gen.write(f"{table}/metadata/{lname}", gen.LIST_SCHEMA, [mfile], codec,
              {"snapshot-id": str(snap), "sequence-number": str(seq), "format-version": "2"}, 1)
    md = {"format-version": 2, "table-uuid": str(uuid.uuid4()), "location": loc, "last-sequence-number": seq,
          "last-updated-ms": 1795264400000, "last-column-id": max_id(schema), "current-schema-id": 0,
          "schemas": [schema], "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": pfields}],
          "last-partition-id": 999 if day is None else 1000, "default-sort-order-id": 0, "sort-orders": [{"order-id": 0, "fields": []}],
          "properties": {"write.avro.compression-codec": codec}, "current-snapshot-id": snap,
          "refs": {"main": {"snapshot-id": snap, "type": "branch"}},
          "snapshots": [{"snapshot-id": snap, "sequence-number": seq, "timestamp-ms": 1795264400000,
                         "manifest-list": f"{loc}/metadata/{lname}", "schema-id": 0,
                         "summary": {"operation": "append", "added-data-files": "1", "added-records": str(rows)}}],
          "snapshot-log": [], "metadata-log": []}
    with open(f"{table}/metadata/v1.metadata.json", "w") as f:
        json.dump(md, f)
    with open(f"{table}/metadata/version-hint.text", "w") as f:
        f.write("1")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) if len(sys.argv) == 6 else None)
