#!/usr/bin/python3
"""A strict Apache Iceberg REST catalog for otlp2parquet's tests (Python standard library only).

Implements the table/namespace subset of apache/iceberg open-api/rest-catalog-open-api.yaml that a
writer needs, writes real format-version 2 metadata files, enforces commit requirements, and can
inject faults (errors, 409 storms, delays, commit-then-error, connection resets, outages).
See tests/catalog/README.md for the full description.

Usage: rest_catalog.py --port N --warehouse DIR [--prefix P] [--token T | --oauth2 ID:SECRET] [--faults FILE] ...
"""
import argparse
import copy
import hashlib
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
PARTITION_DATA_ID_START = 1000
ONE_MINUTE_MS = 60_000
V2_PRIMITIVES = {"boolean", "int", "long", "float", "double", "date", "time", "timestamp",
                 "timestamptz", "string", "uuid", "binary"}
V3_ONLY_TYPES = {"timestamp_ns", "timestamptz_ns", "variant", "unknown", "geometry", "geography"}
RE_FIXED = re.compile(r"^fixed\[(\d+)\]$")
RE_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
RE_BUCKET = re.compile(r"^bucket\[(\d+)\]$")
RE_TRUNCATE = re.compile(r"^truncate\[(\d+)\]$")
SNAPSHOT_OPERATIONS = {"append", "replace", "overwrite", "delete"}
# Update actions the spec defines but this catalog does not implement (400 with a clear message).
KNOWN_UNSUPPORTED_UPDATES = {"add-view-version", "set-current-view-version", "set-statistics",
                             "remove-statistics", "set-partition-statistics",
                             "remove-partition-statistics", "remove-partition-specs",
                             "remove-schemas", "add-encryption-key", "remove-encryption-key",
                             "enable-row-lineage"}
ENDPOINT_NAMES = ["config", "oauth-tokens", "list-namespaces", "create-namespace", "load-namespace",
                  "namespace-exists", "drop-namespace", "update-namespace-properties", "list-tables",
                  "create-table", "load-table", "table-exists", "drop-table", "commit", "report-metrics",
                  "unsupported"]


import vendor  # noqa: E402  (tests/catalog/vendor.py: profiles; heavy modules imported lazily)


class ApiError(Exception):
    def __init__(self, code, etype, message, headers=None):
        super().__init__(message)
        self.code, self.etype, self.message, self.headers = code, etype, message, headers or {}


def bad(msg):
    return ApiError(400, "BadRequestException", msg)


def invalid(msg):  # semantically invalid metadata change (Java: ValidationException -> 400)
    return ApiError(400, "ValidationException", msg)


def commit_failed(msg):
    return ApiError(409, "CommitFailedException", msg)


def now_ms():
    return int(time.time() * 1000)


# ----------------------------------------------------------------------------------------------
# strict JSON helpers

def _no_dupes(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate key {k!r} in JSON object")
        d[k] = v
    return d


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("request body is not valid UTF-8")
    try:
        return json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_no_constants)
    except ValueError as e:
        raise bad(f"request body is not valid JSON: {e}")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def req_field(obj, key, kind, where, nullable=False):
    """Fetch a required field and check its JSON type. kind: int, long, str, bool, dict, list, any."""
    if not isinstance(obj, dict):
        raise bad(f"{where}: expected a JSON object")
    if key not in obj:
        raise bad(f"{where}: missing required field '{key}'")
    return check_type(obj[key], kind, f"{where}.{key}", nullable)


def opt_field(obj, key, kind, where, default=None, nullable=False):
    if key not in obj:
        return default
    return check_type(obj[key], kind, f"{where}.{key}", nullable)


def check_type(v, kind, where, nullable=False):
    if v is None:
        if nullable:
            return None
        raise bad(f"{where} must not be null")
    ok = {"int": lambda x: is_int(x) and -(1 << 31) <= x < (1 << 31),
          "long": lambda x: is_int(x) and INT64_MIN <= x <= INT64_MAX,
          "str": lambda x: isinstance(x, str),
          "bool": lambda x: isinstance(x, bool),
          "dict": lambda x: isinstance(x, dict),
          "list": lambda x: isinstance(x, list),
          "any": lambda x: True}[kind](v)
    if not ok:
        names = {"int": "a 32-bit integer", "long": "a 64-bit integer", "str": "a string",
                 "bool": "a boolean", "dict": "an object", "list": "an array"}
        raise bad(f"{where} must be {names[kind]}, got {json.dumps(v)[:80]}")
    return v


def check_keys(obj, allowed, where, strict):
    if strict:
        extra = sorted(set(obj) - set(allowed))
        if extra:
            raise bad(f"{where}: unknown field(s) {extra} (allowed: {sorted(allowed)})")


def string_map(v, where):
    check_type(v, "dict", where)
    for k, val in v.items():
        if not isinstance(val, str):
            raise bad(f"{where}['{k}'] must be a string, got {json.dumps(val)[:60]}")
    return v


# ----------------------------------------------------------------------------------------------
# schemas, partition specs, sort orders

class SchemaInfo:
    """Walks a schema JSON, validates it, records every field id and its type."""

    def __init__(self, schema, where, fmt_version=2, strict=True):
        self.ids = {}         # id -> type (str for primitives, dict for nested)
        self.top_names = set()
        self.where = where
        self.strict = strict
        self.fmt = fmt_version
        check_type(schema, "dict", where)
        if schema.get("type") != "struct":
            raise bad(f"{where}.type must be \"struct\"")
        check_keys(schema, {"type", "fields", "schema-id", "identifier-field-ids"}, where, strict)
        opt_field(schema, "schema-id", "int", where)
        self._struct(schema, where, top=True)
        ident = opt_field(schema, "identifier-field-ids", "list", where, default=[])
        for i in ident:
            if not is_int(i) or i not in self.ids:
                raise bad(f"{where}.identifier-field-ids: {i!r} is not a field id of the schema")
        self.max_id = max(self.ids) if self.ids else 0

    def _add_id(self, i, t, where):
        if not is_int(i) or i < 0 or i > (1 << 31) - 1:
            raise bad(f"{where}: field id must be a non-negative 32-bit integer, got {i!r}")
        if i in self.ids:
            raise bad(f"{where}: duplicate field id {i}")
        self.ids[i] = t

    def _type(self, t, where):
        if isinstance(t, str):
            if t in V2_PRIMITIVES or RE_FIXED.match(t):
                return
            m = RE_DECIMAL.match(t)
            if m:
                p, s = int(m.group(1)), int(m.group(2))
                if not (1 <= p <= 38 and 0 <= s <= p):
                    raise bad(f"{where}: invalid {t}")
                return
            if t in V3_ONLY_TYPES:
                raise bad(f"{where}: type {t} requires format-version 3; this table is v{self.fmt}")
            raise bad(f"{where}: unknown type {t!r}")
        check_type(t, "dict", where)
        kind = t.get("type")
        if kind == "struct":
            check_keys(t, {"type", "fields"}, where, self.strict)
            self._struct(t, where)
        elif kind == "list":
            check_keys(t, {"type", "element-id", "element", "element-required"}, where, self.strict)
            eid = req_field(t, "element-id", "int", where)
            req_field(t, "element-required", "bool", where)
            el = req_field(t, "element", "any", where)
            self._add_id(eid, el, where + ".element-id")
            self._type(el, where + ".element")
        elif kind == "map":
            check_keys(t, {"type", "key-id", "key", "value-id", "value", "value-required"}, where, self.strict)
            kid = req_field(t, "key-id", "int", where)
            vid = req_field(t, "value-id", "int", where)
            req_field(t, "value-required", "bool", where)
            k = req_field(t, "key", "any", where)
            v = req_field(t, "value", "any", where)
            self._add_id(kid, k, where + ".key-id")
            self._add_id(vid, v, where + ".value-id")
            self._type(k, where + ".key")
            self._type(v, where + ".value")
        else:
            raise bad(f"{where}: unknown nested type {kind!r}")

    def _struct(self, st, where, top=False):
        fields = req_field(st, "fields", "list", where)
        names = set()
        for n, f in enumerate(fields):
            fw = f"{where}.fields[{n}]"
            check_type(f, "dict", fw)
            allowed = {"id", "name", "type", "required", "doc"}
            if self.fmt >= 3:
                allowed |= {"initial-default", "write-default"}
            elif "initial-default" in f or "write-default" in f:
                raise bad(f"{fw}: initial-default/write-default require format-version 3")
            check_keys(f, allowed, fw, self.strict)
            fid = req_field(f, "id", "int", fw)
            name = req_field(f, "name", "str", fw)
            req_field(f, "required", "bool", fw)
            opt_field(f, "doc", "str", fw)
            if not name:
                raise bad(f"{fw}.name must not be empty")
            if name in names:
                raise bad(f"{fw}: duplicate field name {name!r}")
            names.add(name)
            t = req_field(f, "type", "any", fw)
            self._add_id(fid, t, fw + ".id")
            self._type(t, fw + ".type")
        if top:
            self.top_names = names

    def primitive(self, fid):
        t = self.ids.get(fid)
        return t if isinstance(t, str) else None


def reassign_ids(schema, start):
    """Java TypeUtil.assignFreshIds order: each struct's own fields first, then nested types;
    list element / map key+value ids before their nested types. Returns (new_schema, old->new, last_id)."""
    counter = [start - 1]
    mapping = {}

    def nxt(old):
        counter[0] += 1
        mapping[old] = counter[0]
        return counter[0]

    def visit_type(t):
        if isinstance(t, str):
            return t
        t = dict(t)
        if t["type"] == "struct":
            visit_struct(t)
        elif t["type"] == "list":
            t["element-id"] = nxt(t["element-id"])
            t["element"] = visit_type(t["element"])
        elif t["type"] == "map":
            t["key-id"] = nxt(t["key-id"])
            t["value-id"] = nxt(t["value-id"])
            t["key"] = visit_type(t["key"])
            t["value"] = visit_type(t["value"])
        return t

    def visit_struct(st):
        fields = [dict(f) for f in st["fields"]]
        for f in fields:
            f["id"] = nxt(f["id"])
        for f in fields:
            f["type"] = visit_type(f["type"])
        st["fields"] = fields

    new = {"type": "struct", "schema-id": 0}
    new["fields"] = schema["fields"]
    visit_struct(new)
    new["identifier-field-ids"] = [mapping[i] for i in schema.get("identifier-field-ids", [])]
    return new, mapping, counter[0]


def validate_transform(tr, src_type, where):
    if not isinstance(tr, str):
        raise bad(f"{where}.transform must be a string")
    if src_type is None:
        raise bad(f"{where}: source field is not a primitive column")
    temporal_date = {"date", "timestamp", "timestamptz"}
    if tr == "identity":
        return
    if tr == "void":
        return
    if tr in ("year", "month", "day"):
        if src_type not in temporal_date:
            raise bad(f"{where}: transform {tr} cannot be applied to {src_type}")
        return
    if tr == "hour":
        if src_type not in ("timestamp", "timestamptz"):
            raise bad(f"{where}: transform hour cannot be applied to {src_type}")
        return
    m = RE_BUCKET.match(tr)
    if m:
        if int(m.group(1)) <= 0:
            raise bad(f"{where}: bucket count must be positive")
        if src_type in ("boolean", "float", "double"):
            raise bad(f"{where}: transform {tr} cannot be applied to {src_type}")
        return
    m = RE_TRUNCATE.match(tr)
    if m:
        if int(m.group(1)) <= 0:
            raise bad(f"{where}: truncate width must be positive")
        if not (src_type in ("int", "long", "string", "binary") or RE_DECIMAL.match(src_type)):
            raise bad(f"{where}: transform {tr} cannot be applied to {src_type}")
        return
    raise bad(f"{where}: unknown transform {tr!r}")


def validate_spec(spec, sinfo, where, strict, need_field_ids):
    check_type(spec, "dict", where)
    check_keys(spec, {"spec-id", "fields"}, where, strict)
    opt_field(spec, "spec-id", "int", where)
    fields = req_field(spec, "fields", "list", where)
    names, fids = set(), set()
    for n, f in enumerate(fields):
        fw = f"{where}.fields[{n}]"
        check_type(f, "dict", fw)
        check_keys(f, {"source-id", "field-id", "name", "transform"}, fw, strict)
        sid = req_field(f, "source-id", "int", fw)
        name = req_field(f, "name", "str", fw)
        tr = req_field(f, "transform", "str", fw)
        if need_field_ids:
            req_field(f, "field-id", "int", fw)
        fid = opt_field(f, "field-id", "int", fw)
        if fid is not None:
            if fid in fids:
                raise bad(f"{fw}: duplicate partition field id {fid}")
            fids.add(fid)
        if sid not in sinfo.ids:
            raise bad(f"{fw}: source-id {sid} is not a field of the schema")
        if not name or name in names:
            raise bad(f"{fw}: partition field name {name!r} is empty or duplicated")
        names.add(name)
        if name in sinfo.top_names and tr != "identity":
            raise bad(f"{fw}: partition field name {name!r} conflicts with a schema column")
        validate_transform(tr, sinfo.primitive(sid), fw)
    return fields


def validate_sort_order(order, sinfo, where, strict):
    check_type(order, "dict", where)
    check_keys(order, {"order-id", "fields"}, where, strict)
    oid = req_field(order, "order-id", "int", where)
    fields = req_field(order, "fields", "list", where)
    for n, f in enumerate(fields):
        fw = f"{where}.fields[{n}]"
        check_type(f, "dict", fw)
        check_keys(f, {"source-id", "transform", "direction", "null-order"}, fw, strict)
        sid = req_field(f, "source-id", "int", fw)
        tr = req_field(f, "transform", "str", fw)
        if req_field(f, "direction", "str", fw) not in ("asc", "desc"):
            raise bad(f"{fw}.direction must be asc or desc")
        if req_field(f, "null-order", "str", fw) not in ("nulls-first", "nulls-last"):
            raise bad(f"{fw}.null-order must be nulls-first or nulls-last")
        if sid not in sinfo.ids:
            raise bad(f"{fw}: source-id {sid} is not a field of the schema")
        validate_transform(tr, sinfo.primitive(sid), fw)
    if oid == 0 and fields:
        raise bad(f"{where}: order-id 0 is reserved for the unsorted order")
    return oid, fields


# ----------------------------------------------------------------------------------------------
# the catalog state

class Table:
    def __init__(self, metadata, location, version):
        self.metadata = metadata          # dict, the current table metadata
        self.metadata_location = location  # URI of the current metadata file
        self.version = version            # NNNNN of the current metadata file


class Catalog:
    def __init__(self, args):
        self.args = args
        self.warehouse = os.path.abspath(args.warehouse)
        os.makedirs(self.warehouse, exist_ok=True)
        self.lock = threading.RLock()
        self.namespaces = {}   # tuple -> properties
        self.tables = {}       # (ns tuple, name) -> Table
        self.state_file = os.path.join(self.warehouse, ".rest-catalog-state.json")
        self.stats_lock = threading.Lock()
        self.stats = self._fresh_stats()
        self.tokens = {}       # oauth2 token -> expiry (epoch seconds)
        self.idem = {}         # idempotency key -> (expiry, method, path, status, headers, body)
        self._load_state()
        self.policy = vendor.Policy(args.policy, args.deny)
        self.keys = vendor.KeysFile(args.keys_file) if args.keys_file else None
        self.loads = 0         # table loads (for --metadata-null-every)
        self.client_commits = {}  # (ns, name) -> applied client commits (for --maintenance-every)
        self.maintenances = 0
        self.pending_maintenance = set()  # tables whose maintenance runs at their next load/commit
        for spec in args.precreate_namespace:
            name, _, loc = spec.partition("=")
            key = tuple(name.split("."))
            if key in self.namespaces:
                continue
            if not loc and args.ns_location_suffix:
                base = args.location_base.rstrip("/") if args.location_base else "file://" + self.warehouse
                loc = f"{base}/{'/'.join(key)}{args.ns_location_suffix}"
            self.namespaces[key] = {"location": loc} if loc else {}
            os.makedirs(os.path.join(self.warehouse, *key), exist_ok=True)
        if args.precreate_namespace:
            self.save_state()

    @staticmethod
    def _fresh_stats():
        return {"requests": 0, "by_endpoint": {}, "by_status": {},
                "commits": {"applied": 0, "rejected": 0, "rejected_requirement": 0,
                            "rejected_invalid": 0, "rejected_not_found": 0,
                            "injected_conflict": 0, "injected_error": 0,
                            "applied_then_error": 0, "applied_then_reset": 0,
                            "idempotent_replays": 0},
                "faults_injected": 0, "tokens_issued": 0, "auth_failures": 0}

    def bump(self, *path, n=1):
        with self.stats_lock:
            d = self.stats
            for p in path[:-1]:
                d = d.setdefault(p, {})
            d[path[-1]] = d.get(path[-1], 0) + n

    # persistence of the namespace/table registry (metadata itself lives in the metadata files)
    def _load_state(self):
        if not os.path.exists(self.state_file):
            return
        with open(self.state_file) as f:
            st = json.load(f)
        for ns in st.get("namespaces", []):
            self.namespaces[tuple(ns["namespace"])] = ns["properties"]
        for t in st.get("tables", []):
            path = self.local_metadata_path(tuple(t["namespace"]), t["name"], t["metadata-location"])
            with open(path) as f:
                md = json.load(f)
            self.tables[(tuple(t["namespace"]), t["name"])] = Table(md, t["metadata-location"], t["version"])

    def save_state(self):
        st = {"namespaces": [{"namespace": list(k), "properties": v} for k, v in sorted(self.namespaces.items())],
              "tables": [{"namespace": list(k[0]), "name": k[1], "metadata-location": t.metadata_location,
                          "version": t.version} for k, t in sorted(self.tables.items())]}
        write_atomic(self.state_file, json.dumps(st, indent=1).encode())

    def table_dir(self, ns, name):
        return os.path.join(self.warehouse, *ns, name)

    def local_metadata_path(self, ns, name, uri):
        """The local copy of a metadata file (--metadata-to-storage answers s3:// URIs)."""
        if uri.startswith("s3://"):
            return os.path.join(self.table_dir(ns, name), "metadata", uri.rsplit("/", 1)[1])
        return uri_to_path(uri)

    def write_metadata(self, ns, name, md, version):
        mdir = os.path.join(self.table_dir(ns, name), "metadata")
        os.makedirs(mdir, exist_ok=True)
        base = f"{version:05d}-{uuid.uuid4()}.metadata.json"
        path = os.path.join(mdir, base)
        data = json.dumps(md, indent=2).encode()
        write_atomic(path, data, no_replace=True)
        a = self.args
        if a.metadata_to_storage and a.maintenance_s3_endpoint and md.get("location", "").startswith("s3://"):
            # as real catalogs do: the metadata file lives in the table's location in the object
            # store (clients read it there after a "metadata": null load)
            uri = md["location"].rstrip("/") + "/metadata/" + base
            vendor.ObjectIO(a.maintenance_s3_endpoint, a.maintenance_s3_key, a.sigv4_region).write(uri, data)
            return uri
        return "file://" + path


def write_atomic(path, data, no_replace=False):
    tmp = f"{path}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if no_replace:
        os.link(tmp, path)
        os.unlink(tmp)
    else:
        os.replace(tmp, path)


# --hostile-locations: one directory of every default table location, verbatim (not
# percent-encoded: a location is any string, and a real catalog may hand out anything).
HOSTILE_SEGMENT = 'we"ird\\dir'


def default_location(a, cat, ns, name, quote):
    """Where a table goes when the client does not say: BASE/NS.../[HOSTILE/]NAME."""
    base = a.location_base.rstrip("/") if a.location_base else "file://" + cat.warehouse
    enc = urllib.parse.quote if quote else (lambda p: p)
    parts = [enc(p) for p in ns] + ([HOSTILE_SEGMENT] if a.hostile_locations else []) + [enc(name)]
    return base + "/" + "/".join(parts)


def lowercase_names(node):
    """Glue stores column names lower-cased (nested ones too)."""
    if isinstance(node, dict):
        if node.get("type") == "struct":
            for f in node["fields"]:
                f["name"] = f["name"].lower()
                lowercase_names(f["type"])
        elif node.get("type") == "list":
            lowercase_names(node["element"])
        elif node.get("type") == "map":
            lowercase_names(node["key"])
            lowercase_names(node["value"])


def uri_to_path(uri):
    if uri.startswith("file://"):
        return urllib.parse.unquote(uri[len("file://"):])
    if uri.startswith("file:"):
        return urllib.parse.unquote(uri[len("file:"):])
    return uri


def ns_key(parts):
    return tuple(parts)


# ----------------------------------------------------------------------------------------------
# metadata building and commit application

class MetadataBuilder:
    """Applies TableUpdates to a copy of a metadata dict, validating each one."""

    def __init__(self, cat, base, strict):
        self.cat = cat
        self.md = copy.deepcopy(base)
        self.strict = strict
        self.added_snapshot_ts = None
        self.last_added_schema = None
        self.last_added_spec = None
        self.last_added_order = None
        self.added_snapshots = set()

    # helpers
    def snapshot(self, sid):
        for s in self.md["snapshots"]:
            if s["snapshot-id"] == sid:
                return s
        return None

    def current_schema_info(self, schema_id=None):
        sid = self.md["current-schema-id"] if schema_id is None else schema_id
        for s in self.md["schemas"]:
            if s["schema-id"] == sid:
                return SchemaInfo(s, "schema", 2, strict=False)
        raise invalid(f"schema {sid} does not exist")

    def apply(self, n, u):
        where = f"updates[{n}]"
        check_type(u, "dict", where)
        action = req_field(u, "action", "str", where)
        fn = getattr(self, "u_" + action.replace("-", "_"), None)
        if fn is None:
            if action in KNOWN_UNSUPPORTED_UPDATES:
                raise bad(f"{where}: update action '{action}' is defined by the spec but not supported by this test catalog")
            raise bad(f"{where}: unknown update action '{action}'")
        fn(u, where)

    def u_assign_uuid(self, u, w):
        check_keys(u, {"action", "uuid"}, w, self.strict)
        v = req_field(u, "uuid", "str", w)
        try:
            uuid.UUID(v)
        except ValueError:
            raise bad(f"{w}.uuid is not a UUID")
        if self.md.get("table-uuid") and self.md["table-uuid"] != v:
            raise invalid(f"{w}: cannot reassign table-uuid {self.md['table-uuid']} to {v}")
        self.md["table-uuid"] = v

    def u_upgrade_format_version(self, u, w):
        check_keys(u, {"action", "format-version"}, w, self.strict)
        v = req_field(u, "format-version", "int", w)
        if v != 2:
            raise invalid(f"{w}: this catalog only supports format-version 2 (asked for {v})")

    def u_add_schema(self, u, w):
        check_keys(u, {"action", "schema", "last-column-id"}, w, self.strict)
        schema = req_field(u, "schema", "dict", w)
        info = SchemaInfo(schema, w + ".schema", 2, self.strict)
        lc = opt_field(u, "last-column-id", "int", w)
        if lc is not None and lc < info.max_id:
            raise invalid(f"{w}: last-column-id {lc} is lower than the schema's highest field id {info.max_id}")
        new_id = max([s["schema-id"] for s in self.md["schemas"]], default=-1) + 1
        s = copy.deepcopy(schema)
        s["schema-id"] = new_id
        s.setdefault("identifier-field-ids", [])
        self.md["schemas"].append(s)
        self.md["last-column-id"] = max(self.md["last-column-id"], info.max_id, lc or 0)
        self.last_added_schema = new_id

    def u_set_current_schema(self, u, w):
        check_keys(u, {"action", "schema-id"}, w, self.strict)
        sid = req_field(u, "schema-id", "int", w)
        if sid == -1:
            if self.last_added_schema is None:
                raise invalid(f"{w}: schema-id -1 but no schema was added in this commit")
            sid = self.last_added_schema
        if not any(s["schema-id"] == sid for s in self.md["schemas"]):
            raise invalid(f"{w}: schema {sid} does not exist")
        self.md["current-schema-id"] = sid

    def u_add_spec(self, u, w):
        check_keys(u, {"action", "spec"}, w, self.strict)
        spec = req_field(u, "spec", "dict", w)
        fields = validate_spec(spec, self.current_schema_info(), w + ".spec", self.strict, need_field_ids=False)
        last = self.md["last-partition-id"]
        out = []
        for f in fields:
            f = dict(f)
            if "field-id" not in f:
                last += 1
                f["field-id"] = last
            last = max(last, f["field-id"])
            out.append(f)
        new_id = max([s["spec-id"] for s in self.md["partition-specs"]], default=-1) + 1
        self.md["partition-specs"].append({"spec-id": new_id, "fields": out})
        self.md["last-partition-id"] = last
        self.last_added_spec = new_id

    def u_set_default_spec(self, u, w):
        check_keys(u, {"action", "spec-id"}, w, self.strict)
        sid = req_field(u, "spec-id", "int", w)
        if sid == -1:
            if self.last_added_spec is None:
                raise invalid(f"{w}: spec-id -1 but no spec was added in this commit")
            sid = self.last_added_spec
        if not any(s["spec-id"] == sid for s in self.md["partition-specs"]):
            raise invalid(f"{w}: partition spec {sid} does not exist")
        self.md["default-spec-id"] = sid

    def u_add_sort_order(self, u, w):
        check_keys(u, {"action", "sort-order"}, w, self.strict)
        order = req_field(u, "sort-order", "dict", w)
        oid, fields = validate_sort_order(order, self.current_schema_info(), w + ".sort-order", self.strict)
        if not fields:
            new_id = 0
        else:
            new_id = max([o["order-id"] for o in self.md["sort-orders"]], default=0) + 1
        if not any(o["order-id"] == new_id for o in self.md["sort-orders"]):
            self.md["sort-orders"].append({"order-id": new_id, "fields": copy.deepcopy(fields)})
        self.last_added_order = new_id

    def u_set_default_sort_order(self, u, w):
        check_keys(u, {"action", "sort-order-id"}, w, self.strict)
        oid = req_field(u, "sort-order-id", "int", w)
        if oid == -1:
            if self.last_added_order is None:
                raise invalid(f"{w}: sort-order-id -1 but no sort order was added in this commit")
            oid = self.last_added_order
        if not any(o["order-id"] == oid for o in self.md["sort-orders"]):
            raise invalid(f"{w}: sort order {oid} does not exist")
        self.md["default-sort-order-id"] = oid

    def u_add_snapshot(self, u, w):
        check_keys(u, {"action", "snapshot"}, w, self.strict)
        s = req_field(u, "snapshot", "dict", w)
        sw = w + ".snapshot"
        check_keys(s, {"snapshot-id", "parent-snapshot-id", "sequence-number", "timestamp-ms",
                       "manifest-list", "summary", "schema-id"}, sw, self.strict)
        sid = req_field(s, "snapshot-id", "long", sw)
        parent = opt_field(s, "parent-snapshot-id", "long", sw, nullable=True)
        seq = req_field(s, "sequence-number", "long", sw)
        ts = req_field(s, "timestamp-ms", "long", sw)
        ml = req_field(s, "manifest-list", "str", sw)
        summary = string_map(req_field(s, "summary", "dict", sw), sw + ".summary")
        schema_id = opt_field(s, "schema-id", "int", sw)
        if sid <= 0:
            raise invalid(f"{sw}.snapshot-id must be a positive 64-bit integer, got {sid}")
        if self.snapshot(sid) is not None:
            raise invalid(f"{sw}: snapshot already exists for id {sid}")
        expected = self.md["last-sequence-number"] + 1
        if seq != expected:
            raise invalid(f"{sw}.sequence-number is {seq} but must be last-sequence-number + 1 = {expected}")
        if parent is not None and self.snapshot(parent) is None:
            raise invalid(f"{sw}.parent-snapshot-id {parent} is not a snapshot of this table")
        if "operation" not in summary:
            raise invalid(f"{sw}.summary must contain 'operation'")
        if summary["operation"] not in SNAPSHOT_OPERATIONS:
            raise invalid(f"{sw}.summary.operation {summary['operation']!r} is not one of {sorted(SNAPSHOT_OPERATIONS)}")
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ml):
            raise invalid(f"{sw}.manifest-list {ml!r} must be an absolute URI with a scheme")
        if self.cat.args.require_manifest_lists and ml.startswith("file:"):
            p = uri_to_path(ml)
            if not os.path.isfile(p):
                raise invalid(f"{sw}.manifest-list {ml} does not exist (--require-manifest-lists)")
        if schema_id is not None and not any(x["schema-id"] == schema_id for x in self.md["schemas"]):
            raise invalid(f"{sw}.schema-id {schema_id} is not a schema of this table")
        if self.md["snapshot-log"]:
            last_ts = self.md["snapshot-log"][-1]["timestamp-ms"]
            if ts < last_ts - ONE_MINUTE_MS:
                raise invalid(f"{sw}.timestamp-ms {ts} is more than one minute before the last snapshot-log entry {last_ts}")
        snap = {"snapshot-id": sid}
        if parent is not None:
            snap["parent-snapshot-id"] = parent
        snap.update({"sequence-number": seq, "timestamp-ms": ts, "manifest-list": ml, "summary": dict(summary)})
        if schema_id is not None:
            snap["schema-id"] = schema_id
        self.md["snapshots"].append(snap)
        self.md["last-sequence-number"] = seq
        self.added_snapshot_ts = ts
        self.added_snapshots.add(sid)

    def u_set_snapshot_ref(self, u, w):
        check_keys(u, {"action", "ref-name", "type", "snapshot-id", "max-ref-age-ms",
                       "max-snapshot-age-ms", "min-snapshots-to-keep"}, w, self.strict)
        name = req_field(u, "ref-name", "str", w)
        rtype = req_field(u, "type", "str", w)
        sid = req_field(u, "snapshot-id", "long", w)
        if rtype not in ("branch", "tag"):
            raise bad(f"{w}.type must be branch or tag")
        if name == "main" and rtype != "branch":
            raise invalid(f"{w}: main must be a branch")
        snap = self.snapshot(sid)
        if snap is None:
            raise invalid(f"{w}: cannot set ref {name} to unknown snapshot {sid}")
        ref = {"snapshot-id": sid, "type": rtype}
        for k in ("max-ref-age-ms", "max-snapshot-age-ms"):
            v = opt_field(u, k, "long", w)
            if v is not None:
                ref[k] = v
        v = opt_field(u, "min-snapshots-to-keep", "int", w)
        if v is not None:
            ref["min-snapshots-to-keep"] = v
        old = self.md["refs"].get(name)
        if rtype == "branch" and sid in self.added_snapshots:
            # The new snapshot must extend the branch it is put on, or history is silently dropped.
            parent = snap.get("parent-snapshot-id")
            head = old["snapshot-id"] if old else None
            if parent != head:
                raise invalid(f"{w}: snapshot {sid} has parent-snapshot-id {parent} but branch {name} is at {head}; "
                              "a new snapshot must be parented on the branch head")
        self.md["refs"][name] = ref
        if name == "main":
            if old is None or old["snapshot-id"] != sid:
                self.md["current-snapshot-id"] = sid
                self.md["snapshot-log"].append({"timestamp-ms": snap["timestamp-ms"], "snapshot-id": sid})

    def u_remove_snapshot_ref(self, u, w):
        check_keys(u, {"action", "ref-name"}, w, self.strict)
        name = req_field(u, "ref-name", "str", w)
        if name in self.md["refs"]:
            del self.md["refs"][name]
            if name == "main":
                self.md["current-snapshot-id"] = None

    def u_remove_snapshots(self, u, w):
        check_keys(u, {"action", "snapshot-ids"}, w, self.strict)
        ids = req_field(u, "snapshot-ids", "list", w)
        for i in ids:
            check_type(i, "long", w + ".snapshot-ids[]")
        ids = set(ids)
        self.md["snapshots"] = [s for s in self.md["snapshots"] if s["snapshot-id"] not in ids]
        for name in [n for n, r in self.md["refs"].items() if r["snapshot-id"] in ids]:
            del self.md["refs"][name]
            if name == "main":
                self.md["current-snapshot-id"] = None
        self.md["snapshot-log"] = [e for e in self.md["snapshot-log"] if e["snapshot-id"] not in ids]

    def u_set_location(self, u, w):
        check_keys(u, {"action", "location"}, w, self.strict)
        loc = req_field(u, "location", "str", w)
        if not loc:
            raise bad(f"{w}.location must not be empty")
        self.md["location"] = loc.rstrip("/")

    def u_set_properties(self, u, w):
        check_keys(u, {"action", "updates"}, w, self.strict)
        upd = string_map(req_field(u, "updates", "dict", w), w + ".updates")
        if "format-version" in upd:
            raise invalid(f"{w}: format-version is a reserved property; use upgrade-format-version")
        self.md["properties"].update(upd)

    def u_remove_properties(self, u, w):
        check_keys(u, {"action", "removals"}, w, self.strict)
        rem = req_field(u, "removals", "list", w)
        for r in rem:
            check_type(r, "str", w + ".removals[]")
            self.md["properties"].pop(r, None)


def empty_metadata(location, uuid_str=None):
    return {"format-version": 2, "table-uuid": uuid_str, "location": location,
            "last-sequence-number": 0, "last-updated-ms": now_ms(), "last-column-id": 0,
            "current-schema-id": -1, "schemas": [], "default-spec-id": -1, "partition-specs": [],
            "last-partition-id": PARTITION_DATA_ID_START - 1, "default-sort-order-id": -1,
            "sort-orders": [], "properties": {}, "current-snapshot-id": None, "refs": {},
            "snapshots": [], "statistics": [], "partition-statistics": [],
            "snapshot-log": [], "metadata-log": []}


def check_requirement(md, exists, n, r, strict):
    """Returns None if the requirement holds, else a message. Raises 400 on malformed requirements."""
    where = f"requirements[{n}]"
    check_type(r, "dict", where)
    t = req_field(r, "type", "str", where)
    fields = {"assert-create": [], "assert-table-uuid": [("uuid", "str")],
              "assert-ref-snapshot-id": [("ref", "str"), ("snapshot-id", "long?")],
              "assert-last-assigned-field-id": [("last-assigned-field-id", "int")],
              "assert-current-schema-id": [("current-schema-id", "int")],
              "assert-last-assigned-partition-id": [("last-assigned-partition-id", "int")],
              "assert-default-spec-id": [("default-spec-id", "int")],
              "assert-default-sort-order-id": [("default-sort-order-id", "int")]}
    if t not in fields:
        raise bad(f"{where}: unknown requirement type '{t}'")
    check_keys(r, {"type"} | {k for k, _ in fields[t]}, where, strict)
    vals = {}
    for k, kind in fields[t]:
        vals[k] = req_field(r, k, kind.rstrip("?"), where, nullable=kind.endswith("?"))
    if t == "assert-create":
        return f"{where} assert-create failed: table already exists" if exists else None
    if not exists:
        return f"{where} {t} failed: table does not exist"
    if t == "assert-table-uuid":
        if md["table-uuid"] != vals["uuid"]:
            return f"{where} assert-table-uuid failed: table uuid is {md['table-uuid']}, expected {vals['uuid']}"
        return None
    if t == "assert-ref-snapshot-id":
        ref = md["refs"].get(vals["ref"])
        want = vals["snapshot-id"]
        if want is None:
            if ref is not None:
                return (f"{where} assert-ref-snapshot-id failed: ref '{vals['ref']}' was expected not to exist "
                        f"but points to snapshot {ref['snapshot-id']}")
            return None
        if ref is None:
            return f"{where} assert-ref-snapshot-id failed: ref '{vals['ref']}' does not exist, expected snapshot {want}"
        if ref["snapshot-id"] != want:
            return (f"{where} assert-ref-snapshot-id failed: ref '{vals['ref']}' is at snapshot {ref['snapshot-id']}, "
                    f"expected {want}")
        return None
    attr = {"assert-last-assigned-field-id": ("last-assigned-field-id", "last-column-id"),
            "assert-current-schema-id": ("current-schema-id", "current-schema-id"),
            "assert-last-assigned-partition-id": ("last-assigned-partition-id", "last-partition-id"),
            "assert-default-spec-id": ("default-spec-id", "default-spec-id"),
            "assert-default-sort-order-id": ("default-sort-order-id", "default-sort-order-id")}[t]
    if md[attr[1]] != vals[attr[0]]:
        return f"{where} {t} failed: table {attr[1]} is {md[attr[1]]}, expected {vals[attr[0]]}"
    return None


def finalize_metadata(md, prev_location, prev_md, style):
    """Fill the derived fields and render current-snapshot-id per --no-snapshot-style."""
    out = copy.deepcopy(md)
    if prev_location is not None:
        log = list(prev_md.get("metadata-log", []))
        log.append({"timestamp-ms": prev_md["last-updated-ms"], "metadata-file": prev_location})
        keep = int(out["properties"].get("write.metadata.previous-versions-max", "100"))
        out["metadata-log"] = log[-keep:] if keep > 0 else []
    if out.get("current-snapshot-id") in (None, -1):
        if style == "minus-one":
            out["current-snapshot-id"] = -1
        elif style == "null":
            out["current-snapshot-id"] = None
        else:
            out.pop("current-snapshot-id", None)
    return out


def snapshot_state(md):
    """Normalised current-snapshot-id (None when no snapshot)."""
    v = md.get("current-snapshot-id")
    return None if v in (None, -1) else v


# ----------------------------------------------------------------------------------------------
# fault injection

class Faults:
    """Rules come from --faults FILE (re-read when its content changes) and from POST /admin/faults.
    A changed file or a new POST installs fresh rules (fresh counters, outage clocks start then)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.file_digest = None
        self.file_rules = []
        self.admin_rules = []

    @staticmethod
    def compile(spec, source):
        if isinstance(spec, dict):
            rules = spec.get("rules", [])
        elif isinstance(spec, list):
            rules = spec
        else:
            raise ValueError("faults must be {\"rules\": [...]} or a list of rules")
        out = []
        t0 = time.time()
        for n, r in enumerate(rules):
            if not isinstance(r, dict):
                raise ValueError(f"rule {n} is not an object")
            known = {"endpoint", "method", "table", "action", "status", "count", "skip", "seconds",
                     "phase", "retry-after", "message", "type"}
            extra = set(r) - known
            if extra:
                raise ValueError(f"rule {n}: unknown keys {sorted(extra)}")
            action = r.get("action")
            if action not in ("error", "conflict", "delay", "commit-then-error", "reset",
                              "commit-then-reset", "outage"):
                raise ValueError(f"rule {n}: unknown action {action!r}")
            eps = r.get("endpoint", "*")
            eps = [eps] if isinstance(eps, str) else eps
            for e in eps:
                if e != "*" and e not in ENDPOINT_NAMES:
                    raise ValueError(f"rule {n}: unknown endpoint {e!r} (one of {ENDPOINT_NAMES} or *)")
            rule = dict(r)
            rule["endpoint"] = eps
            rule["source"] = source
            rule["index"] = n
            if action == "outage":
                rule["until"] = t0 + float(r.get("seconds", 5))
                rule["remaining"] = -1
            else:
                rule["remaining"] = int(r.get("count", 1))
            rule["skip"] = int(r.get("skip", 0))
            rule["fired"] = 0
            out.append(rule)
        return out

    def _refresh_file(self):
        if not self.path:
            return
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            data = b""
        digest = hashlib.sha256(data).hexdigest()
        if digest == self.file_digest:
            return
        self.file_digest = digest
        if not data.strip():
            self.file_rules = []
            return
        try:
            self.file_rules = self.compile(json.loads(data), "file")
        except ValueError as e:
            print(f"rest_catalog: ignoring fault file {self.path}: {e}", file=sys.stderr)
            self.file_rules = []

    def set_admin(self, spec):
        rules = self.compile(spec, "admin")
        with self.lock:
            self.admin_rules = rules

    def describe(self):
        with self.lock:
            self._refresh_file()
            def pub(r):
                d = {k: v for k, v in r.items() if k not in ("until",)}
                if "until" in r:
                    d["remaining-seconds"] = max(0.0, round(r["until"] - time.time(), 3))
                return d
            return {"file": self.path, "rules": [pub(r) for r in self.file_rules + self.admin_rules]}

    def match(self, endpoint, method, table):
        """Returns the rule to apply for this request (consuming one count), or None."""
        with self.lock:
            self._refresh_file()
            for r in self.file_rules + self.admin_rules:
                if "*" not in r["endpoint"] and endpoint not in r["endpoint"]:
                    continue
                if r.get("method") and r["method"].upper() != method:
                    continue
                if r.get("table") and r["table"] != table:
                    continue
                if r["action"] == "outage":
                    if time.time() < r["until"]:
                        r["fired"] += 1
                        return r
                    continue
                if r["remaining"] == 0:
                    continue
                if r["skip"] > 0:
                    r["skip"] -= 1
                    continue
                if r["remaining"] > 0:
                    r["remaining"] -= 1
                r["fired"] += 1
                return r
        return None


# ----------------------------------------------------------------------------------------------
# HTTP layer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "o2p-rest-catalog/1"

    def log_message(self, fmt, *a):
        if self.server.cat.args.verbose:
            sys.stderr.write("rest_catalog: " + (fmt % a) + "\n")

    # -- plumbing
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body=None, headers=None, ctype="application/json"):
        data = b""
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        if body is not None or status not in (204, 304):
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else 0))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(data)
        self.ctx["status"] = status
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            self.ctx["error"] = body["error"].get("type")
            self.ctx["message"] = body["error"].get("message")

    def send_error_model(self, e):
        self.send(e.code, {"error": {"message": e.message, "type": e.etype, "code": e.code}}, e.headers)

    def reset_connection(self):
        self.ctx["status"] = "reset"
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    # -- main entry
    def dispatch(self):
        cat = self.server.cat
        t0 = time.time()
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.ctx = {"ts": round(t0, 3), "method": self.command, "path": url.path, "query": url.query,
                    "endpoint": None, "status": None}
        try:
            self.raw_body = self.read_body()
        except (ValueError, OSError):
            self.raw_body = b""
        body_for_log = None
        if self.raw_body:
            try:
                body_for_log = json.loads(self.raw_body)
            except ValueError:
                body_for_log = self.raw_body[:4096].decode("utf-8", "replace")
        self.ctx["body"] = body_for_log
        hdrs = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        auth = self.headers.get("Authorization")
        if auth:
            hdrs["authorization"] = auth.split(" ", 1)[0] + " <redacted sha256:" + \
                hashlib.sha256(auth.encode()).hexdigest()[:12] + ">"
        self.ctx["headers"] = hdrs
        try:
            if url.path.startswith("/admin/"):
                self.ctx["endpoint"] = "admin"
                self.admin(url.path)
            else:
                self.api(url.path)
        except ApiError as e:
            self.send_error_model(e)
        except (BrokenPipeError, ConnectionResetError):
            self.ctx["status"] = "client-gone"
        except Exception as e:  # a bug in this catalog: report as a 500 with the error model
            import traceback
            traceback.print_exc()
            try:
                self.send_error_model(ApiError(500, "InternalServerError", f"catalog bug: {e!r}"))
            except OSError:
                pass
        self.ctx["ms"] = round((time.time() - t0) * 1000, 1)
        if self.ctx["endpoint"] != "admin":
            cat.bump("requests")
            cat.bump("by_endpoint", str(self.ctx["endpoint"]))
            cat.bump("by_status", str(self.ctx["status"]))
        if cat.args.request_log and self.ctx["endpoint"] != "admin":
            line = json.dumps(self.ctx, default=str) + "\n"
            with self.server.log_lock:
                with open(cat.args.request_log, "a") as f:
                    f.write(line)

    # -- admin endpoints (never authenticated, never faulted)
    def admin(self, path):
        cat = self.server.cat
        if path == "/admin/faults":
            if self.command == "GET":
                return self.send(200, self.server.faults.describe())
            if self.command == "POST":
                spec = parse_json(self.raw_body) if self.raw_body.strip() else {"rules": []}
                try:
                    self.server.faults.set_admin(spec)
                except ValueError as e:
                    raise bad(f"faults: {e}")
                return self.send(200, self.server.faults.describe())
            if self.command == "DELETE":
                self.server.faults.set_admin({"rules": []})
                return self.send(204)
        elif path == "/admin/stats":
            if self.command == "GET":
                with cat.stats_lock:
                    st = copy.deepcopy(cat.stats)
                with cat.lock:
                    st["tables"] = {".".join(k[0]) + "." + k[1]: {
                        "metadata-location": t.metadata_location,
                        "metadata-file": cat.local_metadata_path(k[0], k[1], t.metadata_location),
                        "current-snapshot-id": snapshot_state(t.metadata),
                        "last-sequence-number": t.metadata["last-sequence-number"],
                        "snapshots": len(t.metadata["snapshots"])} for k, t in cat.tables.items()}
                return self.send(200, st)
        elif path == "/admin/stats/reset" and self.command == "POST":
            with cat.stats_lock:
                cat.stats = cat._fresh_stats()
            return self.send(204)
        elif path == "/admin/expire-tokens" and self.command == "POST":
            with cat.lock:
                for k in cat.tokens:
                    cat.tokens[k] = 0
            return self.send(204)
        elif path == "/admin/health" and self.command == "GET":
            return self.send(200, {"status": "ok"})
        raise ApiError(404, "NotFoundException", f"no admin route {self.command} {path}")

    # -- auth
    def check_realm(self, token_endpoint=False):
        """--realm R: the catalog serves realm R only (Polaris with a non-default realm). A request
        without Polaris-Realm lands in the default realm, where our principal does not exist (401);
        an unknown realm is 401 too (Polaris' DefaultRealmIdResolver throws NotAuthorizedException
        "Unknown realm: X", apache/polaris#848)."""
        r = self.server.cat.args.realm
        if not r:
            return True
        got = self.headers.get("Polaris-Realm")
        if got is None:
            self.server.cat.bump("auth_failures")
            if token_endpoint:
                self.send(401, {"error": "invalid_client", "error_description": "unknown client in realm default-realm "
                                "(no Polaris-Realm header)"})
                return False
            raise ApiError(401, "NotAuthorizedException", "no Polaris-Realm header: realm default-realm has no such token")
        if got != r:
            self.server.cat.bump("auth_failures")
            if token_endpoint:
                self.send(401, {"error": "invalid_client", "error_description": f"Unknown realm: {got}"})
                return False
            raise ApiError(401, "NotAuthorizedException", f"Unknown realm: {got}")
        return True

    def check_auth(self):
        cat = self.server.cat
        a = cat.args
        if a.sigv4:
            m = re.search(r"Credential=([^/,]+)/", self.headers.get("Authorization", ""))
            self.ctx["access-key"] = m.group(1) if m else None
            try:
                vendor.verify_sigv4(self, a, cat.keys)
            except vendor.AwsAuthError as e:
                cat.bump("auth_failures")
                raise ApiError(403, e.etype, e.message)
            return
        if not a.token and not a.oauth2:
            return
        h = self.headers.get("Authorization")
        if not h or not h.startswith("Bearer "):
            cat.bump("auth_failures")
            raise ApiError(401, "NotAuthorizedException", "missing 'Authorization: Bearer <token>' header")
        tok = h[len("Bearer "):].strip()
        if a.token:
            if not secrets.compare_digest(tok, a.token):
                cat.bump("auth_failures")
                raise ApiError(401, "NotAuthorizedException", "invalid bearer token")
            return
        with cat.lock:
            exp = cat.tokens.get(tok)
        if exp is None:
            cat.bump("auth_failures")
            raise ApiError(401, "NotAuthorizedException", "unknown bearer token")
        if time.time() >= exp:
            cat.bump("auth_failures")
            raise ApiError(401, "NotAuthorizedException", "bearer token expired")

    def oauth_tokens(self):
        cat = self.server.cat
        a = cat.args

        def oerr(status, code, desc):
            self.send(status, {"error": code, "error_description": desc})

        if self.command != "POST":
            raise ApiError(405, "MethodNotAllowedException", f"use POST {a.oauth2_path}")
        if not self.check_realm(token_endpoint=True):
            return
        if not a.oauth2:
            raise ApiError(404, "NotFoundException", "this catalog was not started with --oauth2")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return oerr(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        try:
            form = urllib.parse.parse_qs(self.raw_body.decode(), keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            return oerr(400, "invalid_request", "malformed form body")
        f = {k: v[0] for k, v in form.items()}
        if any(len(v) > 1 for v in form.values()):
            return oerr(400, "invalid_request", "repeated form parameter")
        grant = f.get("grant_type")
        cid, csecret = a.oauth2.split(":", 1)
        if grant == "client_credentials":
            # client_secret_post, or client_secret_basic (HTTP Basic) like RFC 6749 2.3.1
            ci, cs = f.get("client_id"), f.get("client_secret")
            h = self.headers.get("Authorization", "")
            if a.oauth2_client_auth == "basic" and (cs is not None or not h.startswith("Basic ")):
                cat.bump("auth_failures")
                return oerr(401, "invalid_client", "client authentication must be client_secret_basic "
                            "(HTTP Basic); credentials in the body are refused")
            if a.oauth2_client_auth == "body" and h.startswith("Basic "):
                cat.bump("auth_failures")
                return oerr(401, "invalid_client", "client authentication must be client_secret_post")
            if ci is None and h.startswith("Basic "):
                import base64
                try:
                    ci, cs = base64.b64decode(h[6:]).decode().split(":", 1)
                    ci, cs = urllib.parse.unquote_plus(ci), urllib.parse.unquote_plus(cs)
                except (ValueError, UnicodeDecodeError):
                    return oerr(400, "invalid_request", "malformed Basic authorization")
            if ci is None or cs is None:
                return oerr(400, "invalid_request", "client_id and client_secret are required")
            if ci != cid or not secrets.compare_digest(cs, csecret):
                cat.bump("auth_failures")
                return oerr(401, "invalid_client", "unknown client or wrong secret")
        elif grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            st = f.get("subject_token")
            if not st or f.get("subject_token_type") != "urn:ietf:params:oauth:token-type:access_token":
                return oerr(400, "invalid_request", "subject_token and subject_token_type "
                            "urn:ietf:params:oauth:token-type:access_token are required")
            with cat.lock:
                exp = cat.tokens.get(st)
            if exp is None or time.time() >= exp:
                return oerr(401, "invalid_grant", "subject_token is unknown or expired")
        elif grant is None:
            return oerr(400, "invalid_request", "grant_type is required")
        else:
            return oerr(400, "unsupported_grant_type", f"grant_type {grant} is not supported")
        scope = f.get("scope", "catalog")
        if a.oauth2_scope and a.oauth2_scope not in scope.split():
            return oerr(400, "invalid_scope", f"scope {scope!r} is not allowed (this server wants {a.oauth2_scope!r})")
        if a.oauth2_audience and grant == "client_credentials" and f.get("audience") != a.oauth2_audience:
            return oerr(403 if f.get("audience") else 400, "access_denied" if f.get("audience") else "invalid_request",
                        f"audience {f.get('audience')!r}: expected {a.oauth2_audience!r}")
        if a.oauth2_resource and grant == "client_credentials" and f.get("resource") != a.oauth2_resource:
            return oerr(400, "invalid_target", f"resource {f.get('resource')!r}: expected {a.oauth2_resource!r}")
        tok = "o2p-" + secrets.token_hex(16)
        with cat.lock:
            cat.tokens[tok] = time.time() + a.token_ttl
        cat.bump("tokens_issued")
        self.send(200, {"access_token": tok, "token_type": "bearer", "expires_in": int(a.token_ttl),
                        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "scope": scope},
                  headers={"Cache-Control": "no-store"})

    # -- routing
    def route(self, path):
        """Returns (endpoint-name, handler, kwargs)."""
        a = self.server.cat.args
        if path == "/v1/config":
            return "config", self.h_config, {}, {"GET"}
        if path == a.oauth2_path:
            return "oauth-tokens", self.oauth_tokens, {}, {"POST"}
        base = "/v1/" + (a.prefix + "/" if a.prefix else "")
        if a.prefix and not path.startswith(base) and path.startswith("/v1/"):
            # a client may percent-encode a prefix (Nessie's main|warehouse): same route
            segs = path[4:].split("/")
            for k in range(1, len(segs)):
                if urllib.parse.unquote("/".join(segs[:k])) == urllib.parse.unquote(a.prefix):
                    path = base + "/".join(segs[k:])
                    break
        if not path.startswith(base):
            if a.prefix and path.startswith("/v1/"):
                raise ApiError(404, "NotFoundException",
                               f"no route {path}: this catalog's prefix (from /v1/config) is '{a.prefix}'")
            raise ApiError(404, "NotFoundException", f"no route {path}")
        segs = path[len(base):].split("/")
        dec = [urllib.parse.unquote(s) for s in segs]
        m = self.command
        if segs == ["namespaces"]:
            return ({"GET": "list-namespaces", "POST": "create-namespace"}.get(m, "namespaces"),
                    {"GET": self.h_list_namespaces, "POST": self.h_create_namespace}.get(m), {}, {"GET", "POST"})
        if len(segs) >= 2 and segs[0] == "namespaces" and segs[1]:
            ns = self.parse_ns(dec[1])
            if len(segs) == 2:
                eps = {"GET": ("load-namespace", self.h_load_namespace),
                       "HEAD": ("namespace-exists", self.h_namespace_exists),
                       "DELETE": ("drop-namespace", self.h_drop_namespace)}
                e = eps.get(m, ("namespace", None))
                return e[0], e[1], {"ns": ns}, set(eps)
            if len(segs) == 3 and segs[2] == "properties":
                return "update-namespace-properties", self.h_ns_properties if m == "POST" else None, {"ns": ns}, {"POST"}
            if len(segs) == 3 and segs[2] == "tables":
                eps = {"GET": ("list-tables", self.h_list_tables), "POST": ("create-table", self.h_create_table)}
                e = eps.get(m, ("tables", None))
                return e[0], e[1], {"ns": ns}, set(eps)
            if len(segs) == 4 and segs[2] == "tables" and segs[3]:
                eps = {"GET": ("load-table", self.h_load_table), "HEAD": ("table-exists", self.h_table_exists),
                       "POST": ("commit", self.h_commit), "DELETE": ("drop-table", self.h_drop_table)}
                e = eps.get(m, ("table", None))
                return e[0], e[1], {"ns": ns, "name": dec[3]}, set(eps)
            if len(segs) == 5 and segs[2] == "tables" and segs[4] == "metrics":
                return "report-metrics", self.h_metrics if m == "POST" else None, {"ns": ns, "name": dec[3]}, {"POST"}
            if len(segs) == 3 and segs[2] in ("register", "views"):
                return "unsupported", None, {}, set()
        if segs in (["tables", "rename"], ["transactions", "commit"], ["views", "rename"]):
            return "unsupported", None, {}, set()
        raise ApiError(404, "NotFoundException", f"no route {m} {path}")

    def parse_ns(self, s):
        parts = s.split("\x1f")
        if any(p == "" for p in parts):
            raise bad(f"invalid namespace {s!r}: empty level")
        return tuple(parts)

    def api(self, path):
        cat = self.server.cat
        endpoint, handler, kw, methods = None, None, {}, set()
        try:
            endpoint, handler, kw, methods = self.route(path)
        except ApiError:
            endpoint = "unknown"
            self.ctx["endpoint"] = endpoint
            if self.apply_pre_faults(endpoint, None) == "handled":
                return
            raise
        self.ctx["endpoint"] = endpoint
        table = None
        if "name" in kw:
            table = ".".join(kw["ns"]) + "." + kw["name"]
        self.table_label = table
        rule = self.apply_pre_faults(endpoint, table)
        if rule == "handled":
            return
        if endpoint == "unsupported":
            raise ApiError(406, "UnsupportedOperationException", f"{self.command} {path} is not supported by this test catalog")
        if handler is None:
            raise ApiError(405, "MethodNotAllowedException",
                           f"method {self.command} not allowed here (allowed: {', '.join(sorted(methods))})",
                           {"Allow": ", ".join(sorted(methods))})
        if endpoint != "oauth-tokens":
            self.check_realm()
            self.check_auth()
            act = cat.policy.denied(endpoint)
            if act:
                raise ApiError(403, "ForbiddenException",
                               f"User is not authorized to perform: {act} on {table or '.'.join(kw.get('ns', ())) or path}"
                               " (denied by the catalog's policy)")
        self.fault = rule
        # Idempotency-Key replay (only when advertised with --idempotency-lifetime)
        key = self.headers.get("Idempotency-Key")
        if key and cat.args.idempotency_lifetime and self.command in ("POST", "DELETE"):
            if not re.match(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", key):
                raise bad("Idempotency-Key must be a UUID (36 characters)")
            with cat.lock:
                now = time.time()
                for k in [k for k, v in cat.idem.items() if v[0] < now]:
                    del cat.idem[k]
                hit = cat.idem.get(key)
            if hit:
                _, meth, pth, status, body = hit
                if (meth, pth) != (self.command, path):
                    raise ApiError(422, "UnprocessableEntityException",
                                   f"Idempotency-Key {key} was used for {meth} {pth}")
                if endpoint == "commit":
                    cat.bump("commits", "idempotent_replays")
                self.ctx["idempotent_replay"] = True
                return self.send(status, body)
            self.idem_key = key
        else:
            self.idem_key = None
        handler(**kw)

    def remember_idempotent(self, status, body):
        cat = self.server.cat
        if getattr(self, "idem_key", None):
            with cat.lock:
                cat.idem[self.idem_key] = (time.time() + cat.args.idempotency_lifetime_s,
                                           self.command, self.ctx["path"], status, body)

    def reply(self, status, body=None, headers=None):
        """Final API answer (recorded for idempotent replay when 2xx or deterministic 4xx)."""
        if status < 500:
            self.remember_idempotent(status, body)
        self.send(status, body, headers)

    def apply_pre_faults(self, endpoint, table):
        cat = self.server.cat
        rule = self.server.faults.match(endpoint, self.command, table)
        self.fault = None
        if rule is None:
            return None
        self.ctx["fault"] = {"action": rule["action"], "source": rule["source"], "index": rule["index"]}
        cat.bump("faults_injected")
        act = rule["action"]
        if act == "outage":
            self.send_error_model(ApiError(503, rule.get("type", "ServiceUnavailableException"),
                                           rule.get("message", "injected outage"),
                                           {"Retry-After": rule["retry-after"]} if "retry-after" in rule else {}))
            return "handled"
        if act == "error":
            st = int(rule.get("status", 500))
            default_type = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailableException",
                            504: "GatewayTimeout", 429: "TooManyRequestsException",
                            419: "AuthenticationTimeoutException", 401: "NotAuthorizedException"}.get(st, "ServerError")
            if endpoint == "commit":
                cat.bump("commits", "injected_error")
            self.send_error_model(ApiError(st, rule.get("type", default_type),
                                           rule.get("message", f"injected {st} (not applied)"),
                                           {"Retry-After": rule["retry-after"]} if "retry-after" in rule else {}))
            return "handled"
        if act == "conflict":
            if endpoint == "commit":
                cat.bump("commits", "injected_conflict")
                cat.bump("commits", "rejected")
            self.send_error_model(ApiError(409, "CommitFailedException",
                                           rule.get("message", "injected conflict: commit rejected (not applied)")))
            return "handled"
        if act == "reset":
            self.reset_connection()
            return "handled"
        if act == "delay" and rule.get("phase", "before") == "before":
            time.sleep(float(rule.get("seconds", 1)))
            return None
        return rule  # delay-after, commit-then-error, commit-then-reset: handled by the endpoint

    def finish_with_fault(self, status, body=None, headers=None):
        """Answer a successful mutation, honouring a post-apply fault."""
        rule = getattr(self, "fault", None)
        act = rule["action"] if rule else None
        if act == "delay" and rule.get("phase") == "after":
            time.sleep(float(rule.get("seconds", 1)))
        if act == "commit-then-error":
            st = int(rule.get("status", 500))
            if self.ctx["endpoint"] == "commit":
                self.server.cat.bump("commits", "applied_then_error")
            self.ctx["applied"] = True
            return self.send_error_model(ApiError(st, rule.get("type", "InternalServerError" if st == 500 else "ServerError"),
                                                  rule.get("message", f"injected {st} after the change was applied")))
        if act == "commit-then-reset":
            if self.ctx["endpoint"] == "commit":
                self.server.cat.bump("commits", "applied_then_reset")
            self.ctx["applied"] = True
            return self.reset_connection()
        self.reply(status, body, headers)

    # -- body helpers
    def json_body(self):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise bad(f"Content-Type must be application/json (got {ctype or 'none'})")
        if not self.raw_body:
            raise bad("request body is required")
        return parse_json(self.raw_body)

    def no_body(self):
        if self.raw_body.strip():
            raise bad(f"{self.command} takes no request body")

    # -- endpoints
    def h_config(self):
        a = self.server.cat.args
        wh = self.query.get("warehouse", [None])[0]
        if a.warehouse_name is not None and wh != a.warehouse_name:
            if wh is None:
                raise bad(f"warehouse query parameter is required (expected {a.warehouse_name!r})")
            raise ApiError(404, "NoSuchWarehouseException", f"warehouse {wh!r} does not exist")
        defaults, overrides = {}, {}
        if a.prefix:
            (overrides if a.prefix_in == "overrides" else defaults)["prefix"] = a.prefix
        eps = ["GET /v1/{prefix}/namespaces", "POST /v1/{prefix}/namespaces",
               "GET /v1/{prefix}/namespaces/{namespace}", "HEAD /v1/{prefix}/namespaces/{namespace}",
               "DELETE /v1/{prefix}/namespaces/{namespace}",
               "POST /v1/{prefix}/namespaces/{namespace}/properties",
               "GET /v1/{prefix}/namespaces/{namespace}/tables", "POST /v1/{prefix}/namespaces/{namespace}/tables",
               "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
               "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
               "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
               "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
               "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics"]
        body = {"defaults": defaults, "overrides": overrides, "endpoints": eps}
        if a.idempotency_lifetime:
            body["idempotency-key-lifetime"] = a.idempotency_lifetime
        self.send(200, body)

    def need_ns(self, ns):
        if ns not in self.server.cat.namespaces:
            raise ApiError(404, "NoSuchNamespaceException", f"namespace {'.'.join(ns)} does not exist")

    def need_table(self, ns, name):
        self.need_ns(ns)
        t = self.server.cat.tables.get((ns, name))
        if t is None:
            raise ApiError(404, "NoSuchTableException", f"table {'.'.join(ns)}.{name} does not exist")
        return t

    def paginate(self, items):
        size = self.query.get("pageSize", [None])[0]
        token = self.query.get("pageToken", [None])[0]
        start = 0
        if token:
            if not token.isdigit():
                raise bad("invalid pageToken")
            start = int(token)
        if size is None:
            return items[start:], None
        if not size.isdigit() or int(size) < 1:
            raise bad("pageSize must be a positive integer")
        end = start + int(size)
        return items[start:end], (str(end) if end < len(items) else None)

    def h_list_namespaces(self):
        cat = self.server.cat
        parent = self.query.get("parent", [""])[0]
        with cat.lock:
            if parent:
                p = self.parse_ns(parent)
                self.need_ns(p)
                found = sorted({k[:len(p) + 1] for k in cat.namespaces if len(k) > len(p) and k[:len(p)] == p})
            else:
                found = sorted({k[:1] for k in cat.namespaces})
        items, nxt = self.paginate([list(n) for n in found])
        body = {"namespaces": items}
        if nxt:
            body["next-page-token"] = nxt
        self.send(200, body)

    def h_create_namespace(self):
        cat = self.server.cat
        b = self.json_body()
        check_type(b, "dict", "body")
        check_keys(b, {"namespace", "properties"}, "body", not cat.args.lenient)
        ns = req_field(b, "namespace", "list", "body")
        if not ns or not all(isinstance(p, str) and p for p in ns):
            raise bad("namespace must be a non-empty array of non-empty strings")
        if any("\x1f" in p for p in ns):
            raise bad("namespace levels must not contain the 0x1F separator")
        if cat.args.lowercase_names and not all(re.match(r"^[a-z0-9][a-z0-9_]*$", p) for p in ns):
            raise bad("namespace names must be lower case letters, digits and underscores")
        props = string_map(opt_field(b, "properties", "dict", "body", default={}, nullable=True) or {}, "properties")
        key = ns_key(ns)
        with cat.lock:
            if key in cat.namespaces:
                raise ApiError(409, "AlreadyExistsException", f"namespace {'.'.join(ns)} already exists")
            cat.namespaces[key] = dict(props)
            cat.save_state()
            os.makedirs(os.path.join(cat.warehouse, *ns), exist_ok=True)
        self.finish_with_fault(200, {"namespace": list(ns), "properties": props})

    def h_load_namespace(self, ns):
        cat = self.server.cat
        with cat.lock:
            self.need_ns(ns)
            props = dict(cat.namespaces[ns])
        self.send(200, {"namespace": list(ns), "properties": props})

    def h_namespace_exists(self, ns):
        with self.server.cat.lock:
            self.need_ns(ns)
        self.send(204)

    def h_drop_namespace(self, ns):
        cat = self.server.cat
        self.no_body()
        with cat.lock:
            self.need_ns(ns)
            if any(k[0] == ns for k in cat.tables):
                raise ApiError(409, "NamespaceNotEmptyException", f"namespace {'.'.join(ns)} contains tables")
            if any(len(k) > len(ns) and k[:len(ns)] == ns for k in cat.namespaces):
                raise ApiError(409, "NamespaceNotEmptyException", f"namespace {'.'.join(ns)} contains namespaces")
            del cat.namespaces[ns]
            cat.save_state()
        self.finish_with_fault(204)

    def h_ns_properties(self, ns):
        cat = self.server.cat
        b = self.json_body()
        check_type(b, "dict", "body")
        check_keys(b, {"updates", "removals"}, "body", not cat.args.lenient)
        upd = string_map(opt_field(b, "updates", "dict", "body", default={}), "updates")
        rem = opt_field(b, "removals", "list", "body", default=[])
        for r in rem:
            check_type(r, "str", "removals[]")
        if set(upd) & set(rem):
            raise ApiError(422, "UnprocessableEntityException", "a key is in both updates and removals")
        with cat.lock:
            self.need_ns(ns)
            p = cat.namespaces[ns]
            missing = [r for r in rem if r not in p]
            for r in rem:
                p.pop(r, None)
            p.update(upd)
            cat.save_state()
        self.finish_with_fault(200, {"updated": sorted(upd), "removed": [r for r in rem if r not in missing],
                                     "missing": missing or None})

    def h_list_tables(self, ns):
        cat = self.server.cat
        with cat.lock:
            self.need_ns(ns)
            names = sorted(k[1] for k in cat.tables if k[0] == ns)
        items, nxt = self.paginate([{"namespace": list(ns), "name": n} for n in names])
        body = {"identifiers": items}
        if nxt:
            body["next-page-token"] = nxt
        self.send(200, body)

    def load_result(self, t, metadata=None, vend=False):
        md = metadata if metadata is not None else t.metadata
        out = {"metadata-location": t.metadata_location, "metadata": md, "config": {}}
        a = self.server.cat.args
        deleg = (self.headers.get("X-Iceberg-Access-Delegation") or "").lower()
        if vend and a.vend_credentials and "vended-credentials" in [d.strip() for d in deleg.split(",")]:
            cfg, creds = vendor.vended(self.server.cat.keys, a.vend_ttl, t.metadata["location"])
            out["config"] = cfg
            out["storage-credentials"] = creds
            self.ctx["vended"] = cfg["s3.access-key-id"]
        return out

    @staticmethod
    def etag(t):
        return '"' + hashlib.sha256(t.metadata_location.encode()).hexdigest()[:32] + '"'

    def h_create_table(self, ns):
        cat = self.server.cat
        a = cat.args
        strict = not a.lenient
        b = self.json_body()
        check_type(b, "dict", "body")
        check_keys(b, {"name", "location", "schema", "partition-spec", "write-order", "stage-create",
                       "properties"}, "body", strict)
        name = req_field(b, "name", "str", "body")
        if not name or "/" in name or name in (".", ".."):
            raise bad(f"invalid table name {name!r}")
        schema = req_field(b, "schema", "dict", "body")
        props = string_map(opt_field(b, "properties", "dict", "body", default={}, nullable=True) or {}, "properties")
        fv = props.get("format-version", "2")
        if fv != "2":
            raise bad(f"format-version {fv!r} is not supported by this catalog (only 2)")
        props = {k: v for k, v in props.items() if k != "format-version"}
        loc = opt_field(b, "location", "str", "body", nullable=True)
        if a.require_location and loc is None:
            raise ApiError(400, "InvalidInputException", "Location information cannot be null")
        if a.refuse_location and loc is not None:
            raise ApiError(400, "BadRequestException",
                           "This catalog assigns table locations: a user specified location is not supported")
        if a.lowercase_names:
            for what, v in [("namespace", p) for p in ns] + [("table", name)]:
                if not re.match(r"^[a-z0-9][a-z0-9_]*$", v):
                    raise bad(f"invalid {what} name {v!r}: names must be lower case letters, digits and underscores")
        stage = opt_field(b, "stage-create", "bool", "body", default=False, nullable=True)
        sinfo = SchemaInfo(schema, "schema", 2, strict)
        spec = opt_field(b, "partition-spec", "dict", "body", nullable=True)
        spec_fields = validate_spec(spec, sinfo, "partition-spec", strict, need_field_ids=False) if spec else []
        order = opt_field(b, "write-order", "dict", "body", nullable=True)
        order_fields = validate_sort_order(order, sinfo, "write-order", strict)[1] if order else []
        # Field ids: reassigned like Java catalogs (TypeUtil.assignFreshIds) unless --keep-ids.
        if a.keep_ids:
            new_schema = copy.deepcopy(schema)
            new_schema["schema-id"] = 0
            new_schema.setdefault("identifier-field-ids", [])
            idmap = {i: i for i in sinfo.ids}
            last_col = sinfo.max_id
        else:
            new_schema, idmap, last_col = reassign_ids(schema, a.field_id_start)
        if a.lowercase_columns:
            lowercase_names(new_schema)
        new_spec_fields, last_pid = [], PARTITION_DATA_ID_START - 1
        for f in spec_fields:
            if a.keep_ids and "field-id" in f:
                pid = f["field-id"]
            else:
                pid = last_pid + 1
            last_pid = max(last_pid, pid)
            new_spec_fields.append({"name": f["name"], "transform": f["transform"],
                                    "source-id": idmap[f["source-id"]], "field-id": pid})
        new_order = {"order-id": 0, "fields": []}
        if order_fields:
            new_order = {"order-id": 1, "fields": [dict(f, **{"source-id": idmap[f["source-id"]]}) for f in order_fields]}
        with cat.lock:
            self.need_ns(ns)
            if (ns, name) in cat.tables:
                raise ApiError(409, "AlreadyExistsException", f"table {'.'.join(ns)}.{name} already exists")
            if loc is None:
                loc = default_location(a, cat, ns, name, quote=True)
            elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", loc):
                raise bad(f"location {loc!r} must be an absolute URI with a scheme")
            md = empty_metadata(loc.rstrip("/"), str(uuid.uuid4()))
            md.update({"last-column-id": last_col, "current-schema-id": 0, "schemas": [new_schema],
                       "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": new_spec_fields}],
                       "last-partition-id": last_pid, "default-sort-order-id": new_order["order-id"],
                       "sort-orders": [new_order], "properties": props})
            out = finalize_metadata(md, None, None, a.no_snapshot_style)
            if stage:
                return self.finish_with_fault(200, {"metadata-location": None, "metadata": out, "config": {}})
            location = cat.write_metadata(ns, name, out, 0)
            t = Table(out, location, 0)
            cat.tables[(ns, name)] = t
            cat.save_state()
        self.finish_with_fault(200, self.load_result(t, vend=True), {"ETag": self.etag(t)})

    def filtered(self, t):
        snaps = self.query.get("snapshots", ["all"])[0]
        if snaps not in ("all", "refs"):
            raise bad("snapshots must be 'all' or 'refs'")
        md = t.metadata
        if snaps == "refs":
            md = copy.deepcopy(md)
            keep = {r["snapshot-id"] for r in md["refs"].values()}
            md["snapshots"] = [s for s in md["snapshots"] if s["snapshot-id"] in keep]
        return md

    def h_load_table(self, ns, name):
        cat = self.server.cat
        with cat.lock:
            t = self.need_table(ns, name)
            etag = self.etag(t)
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, None, {"ETag": etag})
            body = self.load_result(t, self.filtered(t), vend=True)
            cat.loads += 1
            nth = cat.args.metadata_null_every and cat.loads % cat.args.metadata_null_every == 0
        if cat.args.metadata_null or nth:
            self.ctx["metadata-null"] = True
            body["metadata"] = None  # as Glue answers at times (JanKaul/iceberg-rust#155)
        self.send(200, body, {"ETag": etag})
        self.pending_maintenance(ns, name)

    def h_table_exists(self, ns, name):
        with self.server.cat.lock:
            self.need_table(ns, name)
        self.send(204)

    def h_drop_table(self, ns, name):
        cat = self.server.cat
        self.no_body()
        with cat.lock:
            self.need_table(ns, name)
            del cat.tables[(ns, name)]
            cat.save_state()
        self.finish_with_fault(204)

    def h_metrics(self, ns, name):
        b = self.json_body()
        check_type(b, "dict", "body")
        req_field(b, "report-type", "str", "body")
        with self.server.cat.lock:
            self.need_table(ns, name)
        self.send(204)

    def h_commit(self, ns, name):
        cat = self.server.cat
        a = cat.args
        strict = not a.lenient
        self.pending_maintenance(ns, name)
        try:
            b = self.json_body()
            check_type(b, "dict", "body")
            check_keys(b, {"identifier", "requirements", "updates"}, "body", strict)
            reqs = req_field(b, "requirements", "list", "body")
            upds = req_field(b, "updates", "list", "body")
            ident = opt_field(b, "identifier", "dict", "body")
            if ident is not None:
                check_keys(ident, {"namespace", "name"}, "identifier", strict)
                ins = req_field(ident, "namespace", "list", "identifier")
                iname = req_field(ident, "name", "str", "identifier")
                if tuple(ins) != ns or iname != name:
                    raise bad(f"identifier {'.'.join(map(str, ins))}.{iname} does not match the URL {'.'.join(ns)}.{name}")
            for n, u in enumerate(upds):  # structural check of every update before anything else
                check_type(u, "dict", f"updates[{n}]")
                act = req_field(u, "action", "str", f"updates[{n}]")
                if not hasattr(MetadataBuilder, "u_" + act.replace("-", "_")):
                    if act in KNOWN_UNSUPPORTED_UPDATES:
                        raise bad(f"updates[{n}]: update action '{act}' is defined by the spec but not supported by this test catalog")
                    raise bad(f"updates[{n}]: unknown update action '{act}'")
            with cat.lock:
                self.need_ns(ns)
                t = cat.tables.get((ns, name))
                exists = t is not None
                creating = any(isinstance(r, dict) and r.get("type") == "assert-create" for r in reqs)
                if not exists and not creating:
                    # still validate requirement shapes so a malformed body gets its 400
                    for n, r in enumerate(reqs):
                        check_requirement(empty_metadata(""), False, n, r, strict)
                    raise ApiError(404, "NoSuchTableException", f"table {'.'.join(ns)}.{name} does not exist")
                base = t.metadata if exists else empty_metadata(None)
                if exists:
                    base = dict(base)
                    base["current-snapshot-id"] = snapshot_state(base)
                failures = [m for m in (check_requirement(base, exists, n, r, strict) for n, r in enumerate(reqs)) if m]
                if failures:
                    cat.bump("commits", "rejected")
                    cat.bump("commits", "rejected_requirement")
                    raise commit_failed("Requirement failed: " + "; ".join(failures))
                bld = MetadataBuilder(cat, base, strict)
                for n, u in enumerate(upds):
                    bld.apply(n, u)
                md = bld.md
                if not exists:
                    if not md.get("table-uuid"):
                        md["table-uuid"] = str(uuid.uuid4())
                    if not md["schemas"] or md["current-schema-id"] < 0:
                        raise invalid("create transaction must add a schema and set it current")
                    if not md["partition-specs"]:
                        md["partition-specs"] = [{"spec-id": 0, "fields": []}]
                        md["default-spec-id"] = 0
                    if not md["sort-orders"]:
                        md["sort-orders"] = [{"order-id": 0, "fields": []}]
                        md["default-sort-order-id"] = 0
                    if not md.get("location"):
                        md["location"] = default_location(a, cat, ns, name, quote=False)
                md["last-updated-ms"] = bld.added_snapshot_ts if bld.added_snapshot_ts is not None else now_ms()
                if exists and md["last-updated-ms"] < t.metadata["last-updated-ms"] - ONE_MINUTE_MS:
                    raise invalid(f"last-updated-ms {md['last-updated-ms']} is more than one minute before the "
                                  f"previous metadata's {t.metadata['last-updated-ms']} (snapshot timestamp-ms too old?)")
                out = finalize_metadata(md, t.metadata_location if exists else None,
                                        t.metadata if exists else None, a.no_snapshot_style)
                version = t.version + 1 if exists else 0
                location = cat.write_metadata(ns, name, out, version)
                nt = Table(out, location, version)
                cat.tables[(ns, name)] = nt
                cat.save_state()
                cat.bump("commits", "applied")
                self.ctx["applied"] = True
                self.ctx["metadata-location"] = location
                if bld.added_snapshot_ts is not None:
                    cat.client_commits[(ns, name)] = cat.client_commits.get((ns, name), 0) + 1
        except ApiError as e:
            if e.code == 400 or e.code == 422:
                cat.bump("commits", "rejected")
                cat.bump("commits", "rejected_invalid")
            elif e.code == 404:
                cat.bump("commits", "rejected_not_found")
            if e.code < 500:
                self.remember_idempotent(e.code, {"error": {"message": e.message, "type": e.etype, "code": e.code}})
            raise
        self.finish_with_fault(200, {"metadata-location": location, "metadata": out}, {"ETag": self.etag(nt)})
        n = cat.client_commits.get((ns, name), 0)
        if a.maintenance_every and bld.added_snapshot_ts is not None and n % a.maintenance_every == 0:
            # lands between the client's next load and its next commit (whichever request on the
            # table comes first): that commit's assert-ref-snapshot-id then fails with 409
            with cat.lock:
                cat.pending_maintenance.add((ns, name))

    def pending_maintenance(self, ns, name):
        cat = self.server.cat
        with cat.lock:
            if (ns, name) not in cat.pending_maintenance:
                return
            cat.pending_maintenance.discard((ns, name))
        self.maintain(ns, name)

    def maintain(self, ns, name):
        """A foreign commit by the catalog itself (S3 Tables / R2 / Polaris maintenance): a
        RewriteManifests 'replace' snapshot, manifests rewritten with snappy, then zstandard."""
        cat = self.server.cat
        a = cat.args
        rec = {"ts": round(time.time(), 3), "endpoint": "maintenance", "table": ".".join(ns) + "." + name}
        try:
            with cat.lock:
                t = cat.tables[(ns, name)]
                cat.maintenances += 1
                codec = "snappy" if cat.maintenances % 2 == 1 else "zstandard"
                rec["codec"] = codec
                oio = vendor.ObjectIO(a.maintenance_s3_endpoint, a.maintenance_s3_key, a.sigv4_region)
                snap = vendor.rewrite_manifests(t.metadata, codec, oio, cat.maintenances)
                if snap is None:
                    rec["status"] = "skipped"
                    return
                base = dict(t.metadata)
                bld = MetadataBuilder(cat, base, True)
                bld.apply(0, {"action": "add-snapshot", "snapshot": snap})
                bld.apply(1, {"action": "set-snapshot-ref", "ref-name": "main", "type": "branch",
                              "snapshot-id": snap["snapshot-id"]})
                md = bld.md
                md["last-updated-ms"] = bld.added_snapshot_ts
                out = finalize_metadata(md, t.metadata_location, t.metadata, a.no_snapshot_style)
                location = cat.write_metadata(ns, name, out, t.version + 1)
                cat.tables[(ns, name)] = Table(out, location, t.version + 1)
                cat.save_state()
                cat.bump("commits", "maintenance")
                rec.update({"status": "applied", "snapshot-id": snap["snapshot-id"],
                            "manifest-list": snap["manifest-list"], "metadata-location": location})
        except Exception as e:  # noqa: BLE001 - reported in the request log, never fatal
            import traceback
            traceback.print_exc()
            rec.update({"status": "error", "message": repr(e)})
        finally:
            if a.request_log:
                with self.server.log_lock:
                    with open(a.request_log, "a") as f:
                        f.write(json.dumps(rec, default=str) + "\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse_duration(s):
    m = re.match(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$", s or "")
    if not m or not any(m.groups()):
        raise argparse.ArgumentTypeError(f"{s!r} is not an ISO-8601 duration like PT30M")
    return s


def main(argv=None):
    p = argparse.ArgumentParser(description="Strict Iceberg REST catalog for tests (see tests/catalog/README.md)")
    p.add_argument("--port", type=int, required=True, help="TCP port (0 = pick one; printed on stdout)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--warehouse", required=True, help="directory for metadata files and catalog state")
    p.add_argument("--prefix", default="", help="path prefix advertised in /v1/config (used verbatim, already URL-encoded)")
    p.add_argument("--prefix-in", choices=["overrides", "defaults"], default="overrides")
    p.add_argument("--warehouse-name", default=None,
                   help="if set, /v1/config requires ?warehouse=NAME (404 NoSuchWarehouseException otherwise)")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--token", help="require Authorization: Bearer TOKEN")
    auth.add_argument("--oauth2", metavar="CLIENT_ID:SECRET", help="serve POST /v1/oauth/tokens and require its tokens")
    p.add_argument("--token-ttl", type=float, default=60.0, help="lifetime (expires_in) of --oauth2 tokens, seconds")
    p.add_argument("--faults", help="JSON fault file, re-read on every request (see README)")
    p.add_argument("--request-log", help="JSON-lines request log (default WAREHOUSE/requests.jsonl; '' disables)")
    p.add_argument("--keep-ids", action="store_true",
                   help="keep the client's schema/partition field ids on create instead of reassigning them")
    p.add_argument("--field-id-start", type=int, default=1,
                   help="first field id when reassigning on create (Java catalogs: 1)")
    p.add_argument("--location-base", help="base URI for default table locations (default file://WAREHOUSE)")
    p.add_argument("--hostile-locations", action="store_true",
                   help="default table locations get a directory named we\"ird\\dir (a double quote and a "
                        "backslash, not percent-encoded) before the table name")
    p.add_argument("--no-snapshot-style", choices=["minus-one", "null", "absent"], default="minus-one",
                   help="how current-snapshot-id is written when there is no snapshot (Java: -1)")
    p.add_argument("--require-manifest-lists", action="store_true",
                   help="reject add-snapshot whose file: manifest-list does not exist")
    p.add_argument("--idempotency-lifetime", type=parse_duration, default=None,
                   help="advertise idempotency-key-lifetime (e.g. PT30M) and replay final responses per Idempotency-Key")
    p.add_argument("--lenient", action="store_true", help="accept unknown fields in request objects")
    p.add_argument("--metadata-null", action="store_true",
                   help='load-table answers "metadata": null (Glue does at times): clients read metadata-location')
    p.add_argument("--verbose", action="store_true")
    vendor.add_arguments(p)
    a = vendor.apply_profile(p, argv)
    if a.oauth2 and ":" not in a.oauth2:
        p.error("--oauth2 wants CLIENT_ID:SECRET")
    if a.request_log is None:
        a.request_log = os.path.join(os.path.abspath(a.warehouse), "requests.jsonl")
    a.idempotency_lifetime_s = 0
    if a.idempotency_lifetime:
        m = re.match(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$", a.idempotency_lifetime)
        h, mi, se = (int(x or 0) for x in m.groups())
        a.idempotency_lifetime_s = h * 3600 + mi * 60 + se
    cat = Catalog(a)
    srv = Server((a.host, a.port), Handler)
    srv.cat = cat
    srv.faults = Faults(a.faults)
    srv.log_lock = threading.Lock()
    print(f"rest_catalog listening on http://{a.host}:{srv.server_address[1]} warehouse={cat.warehouse}"
          f" prefix={a.prefix or '-'}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
