#!/usr/bin/python3
"""gen.py - Iceberg manifest lists and manifests in every Avro codec, written by a third-party
Avro writer (Debian's python3-avro, with python3-snappy and python3-zstandard for its "snappy"
and "zstandard" codecs), for tests/unit/test_iceberg_avro.c, the fault tier and the fuzz seeds.

Regenerate (the outputs are committed; the unit test also runs this into a temporary folder
when the three modules are installed, so the reader meets what today's writer makes):
    /usr/bin/python3 tests/unit/data/avro/gen.py tests/unit/data/avro

Writes, in OUT:
  manifest-list.<codec>.avro, manifest.<codec>.avro   codec = null, deflate, snappy, zstandard;
      several blocks each (the writer is flushed every few records)
  manifest-list.zstandard-nosize.avro   zstd frames without a content size, as Java's
      ZstdOutputStream writes them (the reader must stream, not trust a size)
  manifest-list.expected.json, manifest.expected.json   the records as python wrote them, in
      iceberg_avro_read's value form (bytes as lowercase hex, unions as the branch's value)
  bad-snappy-crc.avro        block 2's CRC32 off by one
  bad-snappy-offset.avro     block 2's snappy stream copies from before the start of its output
  bad-zstd-truncated.avro    block 2's zstd frame cut short by 7 bytes
The hostile files are still written by python3-avro: only the codec's output for block 2 is
replaced, so the container around it (header, counts, sizes, sync markers) is genuine.
Sync markers are random (python-avro draws them), so each run's files differ byte for byte;
the records do not.
"""
import binascii, datetime, json, os, struct, sys, warnings

import avro.codecs
import avro.errors
import avro.datafile
import avro.io
import avro.schema
import snappy
import zstandard

warnings.filterwarnings("ignore", category=avro.errors.IgnoredLogicalType)  # logicalType "map": Iceberg's
EPOCH = datetime.date(1970, 1, 1)

# Iceberg v2 manifest_file and manifest_entry, as Java names the records (r508, r2, r102, kN_vM).
LIST_SCHEMA = {"type": "record", "name": "manifest_file", "fields": [
    {"name": "manifest_path", "type": "string", "field-id": 500},
    {"name": "manifest_length", "type": "long", "field-id": 501},
    {"name": "partition_spec_id", "type": "int", "field-id": 502},
    {"name": "content", "type": "int", "field-id": 517},
    {"name": "sequence_number", "type": "long", "field-id": 515},
    {"name": "min_sequence_number", "type": "long", "field-id": 516},
    {"name": "added_snapshot_id", "type": "long", "field-id": 503},
    {"name": "added_files_count", "type": "int", "field-id": 504},
    {"name": "existing_files_count", "type": "int", "field-id": 505},
    {"name": "deleted_files_count", "type": "int", "field-id": 506},
    {"name": "added_rows_count", "type": "long", "field-id": 512},
    {"name": "existing_rows_count", "type": "long", "field-id": 513},
    {"name": "deleted_rows_count", "type": "long", "field-id": 514},
    {"name": "partitions", "type": ["null", {"type": "array", "element-id": 508, "items": {
        "type": "record", "name": "r508", "fields": [
            {"name": "contains_null", "type": "boolean", "field-id": 509},
            {"name": "contains_nan", "type": ["null", "boolean"], "default": None, "field-id": 518},
            {"name": "lower_bound", "type": ["null", "bytes"], "default": None, "field-id": 510},
            {"name": "upper_bound", "type": ["null", "bytes"], "default": None, "field-id": 511}]}}],
     "default": None, "field-id": 507},
    {"name": "key_metadata", "type": ["null", "bytes"], "default": None, "field-id": 519}]}


def opt_map(name, fid, kid, vid, vtype):
    return {"name": name, "type": ["null", {"type": "array", "logicalType": "map", "items": {
        "type": "record", "name": f"k{kid}_v{vid}", "fields": [
            {"name": "key", "type": "int", "field-id": kid},
            {"name": "value", "type": vtype, "field-id": vid}]}}], "default": None, "field-id": fid}


ENTRY_SCHEMA = {"type": "record", "name": "manifest_entry", "fields": [
    {"name": "status", "type": "int", "field-id": 0},
    {"name": "snapshot_id", "type": ["null", "long"], "default": None, "field-id": 1},
    {"name": "sequence_number", "type": ["null", "long"], "default": None, "field-id": 3},
    {"name": "file_sequence_number", "type": ["null", "long"], "default": None, "field-id": 4},
    {"name": "data_file", "field-id": 2, "type": {"type": "record", "name": "r2", "fields": [
        {"name": "content", "type": "int", "field-id": 134},
        {"name": "file_path", "type": "string", "field-id": 100},
        {"name": "file_format", "type": "string", "field-id": 101},
        {"name": "partition", "field-id": 102, "type": {"type": "record", "name": "r102", "fields": [
            {"name": "Timestamp_day", "type": ["null", {"type": "int", "logicalType": "date"}],
             "default": None, "field-id": 1000}]}},
        {"name": "record_count", "type": "long", "field-id": 103},
        {"name": "file_size_in_bytes", "type": "long", "field-id": 104},
        opt_map("column_sizes", 108, 117, 118, "long"),
        opt_map("value_counts", 109, 119, 120, "long"),
        opt_map("null_value_counts", 110, 121, 122, "long"),
        opt_map("lower_bounds", 125, 126, 127, "bytes"),
        opt_map("upper_bounds", 128, 129, 130, "bytes"),
        {"name": "key_metadata", "type": ["null", "bytes"], "default": None, "field-id": 131},
        {"name": "split_offsets", "type": ["null", {"type": "array", "items": "long", "element-id": 133}],
         "default": None, "field-id": 132},
        {"name": "sort_order_id", "type": ["null", "int"], "default": None, "field-id": 140}]}}]}


def list_records():
    out = []
    for i in range(40):
        out.append({
            "manifest_path": f"s3://warehouse/otel/logs/metadata/{i:04d}-8f2c4e1a-m0.avro",
            "manifest_length": 7000 + 13 * i, "partition_spec_id": 0, "content": 0,
            "sequence_number": 100 + i, "min_sequence_number": 90 + i,
            "added_snapshot_id": 4611686018427387904 + i * 7919,
            "added_files_count": i % 5, "existing_files_count": 3, "deleted_files_count": 0,
            "added_rows_count": 1000 * i, "existing_rows_count": 9223372036854775807 - i,
            "deleted_rows_count": 0,
            "partitions": None if i % 9 == 8 else [{
                "contains_null": i % 2 == 0, "contains_nan": None if i % 3 else False,
                "lower_bound": struct.pack("<i", 20400 + i), "upper_bound": struct.pack("<i", 20410 + i)}],
            "key_metadata": None if i % 4 else bytes([i, 0, 255]),
        })
    return out


def entry_records():
    out = []
    for i in range(30):
        day = 20400 + i // 4
        out.append({
            "status": 1, "snapshot_id": 5000 + i, "sequence_number": None if i % 2 else i,
            "file_sequence_number": None,
            "data_file": {
                "content": 0,
                "file_path": f"s3://warehouse/otel/logs/data/Timestamp_day={day}/part-{i:05d}-zz.parquet",
                "file_format": "PARQUET", "partition": {"Timestamp_day": None if i == 7 else EPOCH + datetime.timedelta(days=day)},
                "record_count": 100000 + i, "file_size_in_bytes": 123456789 + i,
                "column_sizes": [{"key": k, "value": 100 * k + i} for k in range(1, 6)],
                "value_counts": [{"key": k, "value": 100000 + i} for k in range(1, 6)],
                "null_value_counts": [{"key": 3, "value": i}],
                "lower_bounds": [{"key": 1, "value": struct.pack("<q", 1795264300000000 + i)},
                                 {"key": 5, "value": b"abc"}],
                "upper_bounds": [{"key": 1, "value": struct.pack("<q", 1795264399999999 + i)},
                                 {"key": 5, "value": ("z" * (i + 1)).encode()}],
                "key_metadata": None, "split_offsets": [4] if i % 3 else None,
                "sort_order_id": None if i % 5 else 0,
            }})
    return out


def expected(v):
    """Python's value in iceberg_avro_read's form: bytes as lowercase hex, dates as days."""
    if isinstance(v, datetime.date):
        return (v - EPOCH).days
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {k: expected(x) for k, x in v.items()}
    if isinstance(v, list):
        return [expected(x) for x in v]
    return v


def write(path, schema, records, codec, meta, every):
    with open(path, "wb") as f:
        w = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), avro.schema.parse(json.dumps(schema)), codec=codec)
        for k, v in meta.items():
            w.set_meta(k, v.encode())
        for i, r in enumerate(records):
            w.append(r)
            if i % every == every - 1:
                w.flush()  # ends the block: several blocks per file
        w.close()


class Block2:
    """Swap one codec's compress for a wrapper that damages block 2 only."""
    def __init__(self, codec, damage):
        self.codec, self.damage, self.n = codec, damage, 0
        self.real = avro.codecs.KNOWN_CODECS[codec]
        outer = self

        class Hostile(self.real):
            @staticmethod
            def compress(data):
                outer.n += 1
                c, n = outer.real.compress(data)
                if outer.n == 2:
                    c = outer.damage(data, c)
                return c, len(c)
        self.hostile = Hostile

    def __enter__(self):
        avro.codecs.KNOWN_CODECS[self.codec] = self.hostile

    def __exit__(self, *a):
        avro.codecs.KNOWN_CODECS[self.codec] = self.real


def bad_crc(data, c):
    crc = (struct.unpack(">I", c[-4:])[0] + 1) & 0xFFFFFFFF
    return c[:-4] + struct.pack(">I", crc)


def bad_offset(data, c):
    # A literal of 3 bytes then a copy-2 of 4 bytes from 9 bytes back: before the output's start.
    # The declared length and the CRC are right for the 7 bytes, so only the offset is wrong.
    body = data[:3] + data[:4]
    stream = bytes([len(body)]) + bytes([(3 - 1) << 2]) + data[:3] + bytes([((4 - 1) << 2) | 2, 9, 0])
    return stream + struct.pack(">I", binascii.crc32(body) & 0xFFFFFFFF)


def truncated(data, c):
    return c[:-7]


def main(out):
    os.makedirs(out, exist_ok=True)
    lst, ent = list_records(), entry_records()
    list_meta = {"snapshot-id": "4611686018427387904", "parent-snapshot-id": "4611686018427380000",
                 "sequence-number": "139", "format-version": "2"}
    entry_meta = {"schema": '{"type":"struct","schema-id":0,"fields":[]}', "schema-id": "0",
                  "partition-spec": '[{"name":"Timestamp_day","transform":"day","source-id":1,"field-id":1000}]',
                  "partition-spec-id": "0", "format-version": "2", "content": "data"}
    for codec in ("null", "deflate", "snappy", "zstandard"):
        write(f"{out}/manifest-list.{codec}.avro", LIST_SCHEMA, lst, codec, list_meta, 7)
        write(f"{out}/manifest.{codec}.avro", ENTRY_SCHEMA, ent, codec, entry_meta, 8)
    nosize = lambda data, c: zstandard.ZstdCompressor(write_content_size=False).compress(data)
    real = avro.codecs.KNOWN_CODECS["zstandard"]

    class NoSize(real):
        @staticmethod
        def compress(data):
            c = nosize(data, None)
            return c, len(c)
    avro.codecs.KNOWN_CODECS["zstandard"] = NoSize
    write(f"{out}/manifest-list.zstandard-nosize.avro", LIST_SCHEMA, lst, "zstandard", list_meta, 7)
    avro.codecs.KNOWN_CODECS["zstandard"] = real
    for name, codec, damage in (("bad-snappy-crc", "snappy", bad_crc), ("bad-snappy-offset", "snappy", bad_offset),
                                ("bad-zstd-truncated", "zstandard", truncated)):
        with Block2(codec, damage):
            write(f"{out}/{name}.avro", LIST_SCHEMA, lst, codec, list_meta, 7)
    for name, recs in (("manifest-list", lst), ("manifest", ent)):
        with open(f"{out}/{name}.expected.json", "w") as f:
            f.write("[\n" + ",\n".join(json.dumps(expected(r), sort_keys=True, separators=(",", ":"))
                                        for r in recs) + "\n]\n")
    # Read every good file back with python-avro itself: the fixtures are valid Avro.
    for codec in ("null", "deflate", "snappy", "zstandard", "zstandard-nosize"):
        for name, recs in (("manifest-list", lst), ("manifest", ent)):
            path = f"{out}/{name}.{codec}.avro"
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                got = list(avro.datafile.DataFileReader(f, avro.io.DatumReader()))
            assert got == recs, path


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
