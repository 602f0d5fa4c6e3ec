#!/usr/bin/python3
"""HTTP-level checks of tests/catalog/rest_catalog.py, run by tests/integration/catalog_probe.sh.

Usage: catalog_checks.py token BASE_URL PREFIX TOKEN WAREHOUSE FAULT_FILE
       catalog_checks.py oauth2 BASE_URL CLIENT_ID:SECRET TTL
Prints "ok <name>" / "FAIL <name>: why" lines (the project's test protocol).
The snapshots committed here are built by hand: the manifest list is a dummy file under the table
location (the catalog checks it exists when started with --require-manifest-lists, never reads it).
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

FAILS = 0


def ok(name):
    print(f"ok {name}", flush=True)


def fail(name, why):
    global FAILS
    FAILS += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, cond, why=""):
    ok(name) if cond else fail(name, why)
    return cond


class Client:
    def __init__(self, base, prefix="", token=None):
        self.base, self.prefix, self.token = base.rstrip("/"), prefix, token

    def url(self, path):
        if path.startswith("/v1/") or path.startswith("/admin/"):
            return self.base + path
        return self.base + "/v1/" + (self.prefix + "/" if self.prefix else "") + path.lstrip("/")

    def call(self, method, path, body=None, token=Ellipsis, ctype="application/json", raw=None, headers=None):
        """Returns (status, parsed JSON body or text or None, headers)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url(path), data=data, method=method)
        if data is not None and ctype:
            req.add_header("Content-Type", ctype)
        tok = self.token if token is Ellipsis else token
        if tok:
            req.add_header("Authorization", "Bearer " + tok)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                status, text, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read(), e.headers
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text.decode(errors="replace")
        return status, parsed, hdrs


def err_ok(status, body, code, etype):
    """True if status == code and body is the Iceberg error model with that type and code."""
    try:
        e = body["error"]
        return status == code and e["code"] == code and e["type"] == etype and isinstance(e["message"], str)
    except (TypeError, KeyError):
        return False


def show(status, body):
    return f"HTTP {status} {json.dumps(body)[:300]}"


SCHEMA = {"type": "struct", "schema-id": 0, "fields": [
    {"id": 10, "name": "ts", "type": "timestamptz", "required": True},
    {"id": 20, "name": "severity", "type": "int", "required": False},
    {"id": 30, "name": "attrs", "required": False,
     "type": {"type": "map", "key-id": 31, "key": "string", "value-id": 32, "value": "string",
              "value-required": False}},
    {"id": 40, "name": "body", "type": "string", "required": False}]}


def manifest_list(table_location, sid):
    """Write a dummy manifest list file under the table location and return its URI."""
    assert table_location.startswith("file://")
    d = os.path.join(table_location[len("file://"):], "metadata")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, f"snap-{sid}-1-{uuid.uuid4()}.avro")
    with open(p, "wb") as f:
        f.write(b"Obj\x01dummy manifest list for the catalog test")
    return "file://" + p


def append_body(md, sid, seq=None, parent=Ellipsis, ref_expect=Ellipsis, uuid_=None, ml=None):
    head = md.get("current-snapshot-id")
    head = None if head in (None, -1) else head
    seq = md["last-sequence-number"] + 1 if seq is None else seq
    parent = head if parent is Ellipsis else parent
    ref_expect = head if ref_expect is Ellipsis else ref_expect
    snap = {"snapshot-id": sid, "sequence-number": seq, "timestamp-ms": int(time.time() * 1000),
            "manifest-list": ml or manifest_list(md["location"], sid),
            "summary": {"operation": "append", "added-data-files": "1", "added-records": "10",
                        "added-files-size": "1000", "total-data-files": "1", "total-records": "10",
                        "total-files-size": "1000", "total-delete-files": "0",
                        "total-position-deletes": "0", "total-equality-deletes": "0"},
            "schema-id": md["current-schema-id"]}
    if parent is not None:
        snap["parent-snapshot-id"] = parent
    return {"identifier": {"namespace": ["otel"], "name": "logs"},
            "requirements": [{"type": "assert-table-uuid", "uuid": uuid_ or md["table-uuid"]},
                             {"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": ref_expect}],
            "updates": [{"action": "add-snapshot", "snapshot": snap},
                        {"action": "set-snapshot-ref", "ref-name": "main", "type": "branch", "snapshot-id": sid}]}


def run_token(base, prefix, token, warehouse, fault_file):
    c = Client(base, prefix, token)
    T = "namespaces/otel/tables/logs"

    # --- auth and routing
    st, b, _ = c.call("GET", "/v1/config?warehouse=wh", token="wrong")
    check("bad_token_401", err_ok(st, b, 401, "NotAuthorizedException"), show(st, b))
    st, b, _ = c.call("GET", "namespaces", token=None)
    check("missing_token_401", err_ok(st, b, 401, "NotAuthorizedException"), show(st, b))
    st, b, _ = c.call("GET", "/v1/config?warehouse=wh")
    check("config_prefix_override", st == 200 and b["overrides"].get("prefix") == prefix and "defaults" in b,
          show(st, b))
    st, b, _ = c.call("GET", "/v1/namespaces")
    check("unprefixed_route_404", st == 404 and "prefix" in b["error"]["message"], show(st, b))

    # --- namespaces and tables (the namespace and table otel.logs exist: the iceberg-js probe made them)
    st, b, _ = c.call("POST", "namespaces", {"namespace": ["otel"], "properties": {}})
    check("namespace_exists_409", err_ok(st, b, 409, "AlreadyExistsException"), show(st, b))
    st, b, _ = c.call("GET", "namespaces/nope/tables")
    check("no_such_namespace_404", err_ok(st, b, 404, "NoSuchNamespaceException"), show(st, b))
    st, b, _ = c.call("GET", "namespaces/otel/tables/nope")
    check("no_such_table_404", err_ok(st, b, 404, "NoSuchTableException"), show(st, b))
    st, b, _ = c.call("POST", "namespaces", raw=b'{"namespace":["x"],"namespace":["y"]}')
    check("duplicate_json_key_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))
    st, b, _ = c.call("POST", "namespaces", {"namespace": ["x"]}, ctype="text/plain")
    check("wrong_content_type_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))

    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA})
    check("table_exists_409", err_ok(st, b, 409, "AlreadyExistsException"), show(st, b))
    bad_schema = json.loads(json.dumps(SCHEMA))
    del bad_schema["fields"][1]["id"]
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "t_bad", "schema": bad_schema})
    check("schema_missing_field_id_400", err_ok(st, b, 400, "BadRequestException") and "'id'" in b["error"]["message"],
          show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "t_bad", "schema": SCHEMA, "sorted": True})
    check("create_unknown_field_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))

    # fresh field ids, like Java catalogs: struct level first, then nested (map key/value)
    st, b, _ = c.call("POST", "namespaces/otel/tables", {
        "name": "ids", "schema": SCHEMA,
        "partition-spec": {"fields": [{"source-id": 10, "name": "ts_day", "transform": "day"}]},
        "write-order": {"order-id": 1, "fields": [{"source-id": 20, "transform": "identity",
                                                   "direction": "asc", "null-order": "nulls-last"}]},
        "properties": {"format-version": "2", "k": "v"}})
    if st == 200:
        md = b["metadata"]
        f = md["schemas"][0]["fields"]
        ids = [(x["name"], x["id"]) for x in f]
        mp = f[2]["type"]
        spec = md["partition-specs"][0]["fields"][0]
        check("create_reassigns_field_ids",
              ids == [("ts", 1), ("severity", 2), ("attrs", 3), ("body", 4)] and (mp["key-id"], mp["value-id"]) == (5, 6)
              and md["last-column-id"] == 6 and spec["source-id"] == 1 and spec["field-id"] == 1000
              and md["last-partition-id"] == 1000 and md["sort-orders"][-1]["fields"][0]["source-id"] == 2
              and "format-version" not in md["properties"] and md["properties"]["k"] == "v",
              json.dumps(md)[:400])
    else:
        fail("create_reassigns_field_ids", show(st, b))
    st, _, _ = c.call("HEAD", "namespaces/otel/tables/ids")
    st2, b2, _ = c.call("DELETE", "namespaces/otel/tables/ids")
    st3, _, _ = c.call("HEAD", "namespaces/otel/tables/ids")
    check("head_and_drop_table", (st, st2, st3) == (204, 204, 404), f"{st} {st2} {st3}")
    st, b, _ = c.call("DELETE", "namespaces/otel")
    check("drop_nonempty_namespace_409", err_ok(st, b, 409, "NamespaceNotEmptyException"), show(st, b))

    # --- commits
    st, b, hdr = c.call("GET", T)
    if st != 200:
        fail("load_table", show(st, b))
        return
    md = b["metadata"]
    loc0 = b["metadata-location"]
    S1 = 8744736658442914487  # > 2^53: must survive exactly
    body1 = append_body(md, S1)
    st, b, _ = c.call("POST", T, body1)
    if not check("first_append_commit", st == 200 and b["metadata"]["current-snapshot-id"] == S1, show(st, b)):
        return
    md1, loc1 = b["metadata"], b["metadata-location"]
    with open(loc1[len("file://"):]) as fh:
        f1 = json.load(fh)
    snap = [s for s in f1["snapshots"] if s["snapshot-id"] == S1]
    check("metadata_file_after_commit",
          loc1 != loc0 and os.path.basename(loc1).startswith("00001-") and loc1.endswith(".metadata.json")
          and f1["format-version"] == 2 and f1["current-snapshot-id"] == S1 and len(snap) == 1
          and snap[0]["sequence-number"] == 1 and snap[0]["summary"]["operation"] == "append"
          and f1["refs"] == {"main": {"snapshot-id": S1, "type": "branch"}}
          and f1["snapshot-log"][-1]["snapshot-id"] == S1 and f1["last-sequence-number"] == 1
          and f1["metadata-log"][-1]["metadata-file"] == loc0 and f1["table-uuid"] == md["table-uuid"]
          and f1 == md1, json.dumps(f1)[:500])
    st, b, _ = c.call("GET", T)
    check("load_after_commit_has_snapshot", st == 200 and b["metadata-location"] == loc1
          and b["metadata"]["current-snapshot-id"] == S1, show(st, b))

    # stale assert-ref-snapshot-id: the same first-commit body again (expects main absent)
    st, b, _ = c.call("POST", T, append_body(md, 1111, parent=None, ref_expect=None))
    check("stale_ref_409", err_ok(st, b, 409, "CommitFailedException")
          and "assert-ref-snapshot-id" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1112, ref_expect=42))
    check("wrong_ref_snapshot_409", err_ok(st, b, 409, "CommitFailedException")
          and "expected 42" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1113, uuid_=str(uuid.uuid4())))
    check("table_uuid_mismatch_409", err_ok(st, b, 409, "CommitFailedException")
          and "assert-table-uuid" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1114, seq=5))
    check("wrong_sequence_number_400", st == 400 and "sequence-number" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1115, seq=1))
    check("stale_sequence_number_400", st == 400 and "sequence-number" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1116, parent=None))
    check("parent_not_branch_head_400", st == 400 and "parent" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, S1))
    check("duplicate_snapshot_id_400", st == 400 and "already exists" in b["error"]["message"], show(st, b))
    st, b, _ = c.call("POST", T, append_body(md1, 1117, ml="file:///nonexistent/snap.avro"))
    check("missing_manifest_list_400", st == 400 and "manifest-list" in b["error"]["message"], show(st, b))
    x = append_body(md1, 1118)
    x["updates"].append({"action": "set-snapshot-magic", "value": 1})
    st, b, _ = c.call("POST", T, x)
    check("unknown_update_400", err_ok(st, b, 400, "BadRequestException")
          and "set-snapshot-magic" in b["error"]["message"], show(st, b))
    x = append_body(md1, 1119)
    x["requirements"].append({"type": "assert-moon-phase"})
    st, b, _ = c.call("POST", T, x)
    check("unknown_requirement_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))
    x = append_body(md1, 1120)
    del x["requirements"][1]["snapshot-id"]
    st, b, _ = c.call("POST", T, x)
    check("ref_requirement_needs_snapshot_id_key_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))
    x = append_body(md1, 1121)
    del x["updates"][0]["snapshot"]["summary"]["operation"]
    st, b, _ = c.call("POST", T, x)
    check("summary_without_operation_400", st == 400, show(st, b))
    x = append_body(md1, 1122)
    x["updates"][0]["snapshot"]["summary"]["added-records"] = 10
    st, b, _ = c.call("POST", T, x)
    check("summary_values_must_be_strings_400", st == 400, show(st, b))
    x = append_body(md1, 1123)
    del x["updates"]
    st, b, _ = c.call("POST", T, x)
    check("commit_missing_updates_400", err_ok(st, b, 400, "BadRequestException"), show(st, b))
    st, b, _ = c.call("GET", T)
    check("rejected_commits_left_table_unchanged", b["metadata-location"] == loc1
          and len(b["metadata"]["snapshots"]) == 1, show(st, b))

    # set-properties with the writer's requirements
    st, b, _ = c.call("POST", T, {"requirements": [{"type": "assert-table-uuid", "uuid": md["table-uuid"]},
                                                    {"type": "assert-current-schema-id", "current-schema-id": 0},
                                                    {"type": "assert-default-spec-id", "default-spec-id": 0}],
                                   "updates": [{"action": "set-properties", "updates": {"o2p.batch": "7"}}]})
    check("set_properties_commit", st == 200 and b["metadata"]["properties"].get("o2p.batch") == "7"
          and b["metadata"]["current-snapshot-id"] == S1, show(st, b))
    md_cur = b["metadata"] if st == 200 else md1

    # --- faults
    def set_faults(rules):
        return c.call("POST", "/admin/faults", {"rules": rules})[0]

    set_faults([{"endpoint": "commit", "action": "commit-then-error", "status": 500}])
    S2 = 2222222222222222222
    body2 = append_body(md_cur, S2)
    st, b, _ = c.call("POST", T, body2)
    st2, b2, _ = c.call("GET", T)
    check("commit_then_500_applied", err_ok(st, b, 500, "InternalServerError") and st2 == 200
          and b2["metadata"]["current-snapshot-id"] == S2
          and any(s["snapshot-id"] == S2 for s in b2["metadata"]["snapshots"]), f"{show(st, b)} / {show(st2, b2)}")
    st, b, _ = c.call("POST", T, body2)  # a blind re-POST of the same body
    check("blind_retry_after_commit_then_500_is_409", err_ok(st, b, 409, "CommitFailedException"), show(st, b))
    md2 = b2["metadata"]

    set_faults([{"endpoint": "commit", "action": "conflict", "count": 2}])
    S3 = 3333
    body3 = append_body(md2, S3)
    r = [c.call("POST", T, body3)[0] for _ in range(3)]
    check("conflict_storm_then_success", r == [409, 409, 200], str(r))
    md3 = c.call("GET", T)[1]["metadata"]

    for code in (500, 503, 502):
        set_faults([{"endpoint": "commit", "action": "error", "status": code, "count": 1}])
        S = 4000 + code
        st, b, _ = c.call("POST", T, append_body(md3, S))
        st2, b2, _ = c.call("GET", T)
        check(f"commit_{code}_not_applied", st == code and b["error"]["code"] == code
              and b2["metadata"]["current-snapshot-id"] == md3["current-snapshot-id"], f"{show(st, b)}")
    set_faults([])

    # fault file control (re-read on each request), per-endpoint targeting
    with open(fault_file, "w") as fh:
        json.dump({"rules": [{"endpoint": "load-table", "action": "error", "status": 502, "count": 1}]}, fh)
    s_cfg = c.call("GET", "/v1/config")[0]
    s_load1 = c.call("GET", T)[0]
    s_load2 = c.call("GET", T)[0]
    check("fault_file_targets_one_endpoint", (s_cfg, s_load1, s_load2) == (200, 502, 200),
          f"{s_cfg} {s_load1} {s_load2}")
    with open(fault_file, "w") as fh:
        json.dump({"rules": [{"endpoint": "load-table", "action": "delay", "seconds": 1.0}]}, fh)
    t0 = time.time()
    st = c.call("GET", T)[0]
    dt = time.time() - t0
    check("delay_fault", st == 200 and dt >= 1.0, f"status {st} after {dt:.2f}s")
    with open(fault_file, "w") as fh:
        fh.write("")

    # commit-then-reset: the client sees a dropped connection, the commit landed
    set_faults([{"endpoint": "commit", "action": "commit-then-reset"}])
    S5 = 5555
    try:
        st = c.call("POST", T, append_body(md3, S5))[0]
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        st = f"connection error ({type(e).__name__})"
    b2 = c.call("GET", T)[1]
    check("commit_then_reset_applied", not isinstance(st, int) and b2["metadata"]["current-snapshot-id"] == S5,
          f"{st} current={b2['metadata']['current-snapshot-id']}")
    md5 = b2["metadata"]

    # outage window: everything 503 for 1.5 s, then back
    set_faults([{"action": "outage", "seconds": 1.5, "retry-after": "1"}])
    s1, b1, h1 = c.call("GET", "/v1/config")
    s2 = c.call("GET", T)[0]
    time.sleep(1.6)
    s3 = c.call("GET", "/v1/config")[0]
    check("outage_window_503", s1 == 503 and s2 == 503 and s3 == 200 and h1.get("Retry-After") == "1"
          and b1["error"]["code"] == 503, f"{s1} {s2} {s3}")
    set_faults([])

    # racing committers on the same base: exactly one wins, the rest get a real 409
    results = []
    bodies = [append_body(md5, 6000 + i) for i in range(8)]
    ths = [threading.Thread(target=lambda bd=bd: results.append(c.call("POST", T, bd)[0])) for bd in bodies]
    [t.start() for t in ths]
    [t.join() for t in ths]
    check("racing_commits_one_wins", sorted(results) == [200] + [409] * 7, str(sorted(results)))

    # final metadata file: snapshots chain, refs, snapshot-log, metadata-log
    st, b, _ = c.call("GET", T)
    with open(b["metadata-location"][len("file://"):]) as fh:
        fm = json.load(fh)
    chain, sid = [], fm["current-snapshot-id"]
    by_id = {s["snapshot-id"]: s for s in fm["snapshots"]}
    while sid is not None:
        chain.append(sid)
        sid = by_id[sid].get("parent-snapshot-id")
    seqs = [by_id[s]["sequence-number"] for s in reversed(chain)]
    check("final_metadata_chain", chain[-1] == S1 and S2 in chain and seqs == list(range(1, len(seqs) + 1))
          and fm["last-sequence-number"] == len(seqs) and fm["refs"]["main"]["snapshot-id"] == chain[0]
          and [e["snapshot-id"] for e in fm["snapshot-log"]] == list(reversed(chain))
          and len(fm["metadata-log"]) >= 6, json.dumps({"chain": chain, "seqs": seqs, "log": fm["snapshot-log"]}))

    # stats and request log
    st, s, _ = c.call("GET", "/admin/stats")
    cm = s["commits"]
    check("admin_stats", cm["applied"] == 6 and cm["applied_then_error"] == 1 and cm["applied_then_reset"] == 1
          and cm["injected_conflict"] == 2 and cm["injected_error"] == 3 and cm["rejected_requirement"] >= 11
          and cm["rejected_invalid"] >= 11, json.dumps(s["commits"]))
    log = os.path.join(warehouse, "requests.jsonl")
    with open(log) as fh:
        entries = [json.loads(line) for line in fh]
    commits = [e for e in entries if e["endpoint"] == "commit"]
    first = [e for e in commits if e.get("applied") and e["body"]["updates"][0].get("snapshot", {}).get("snapshot-id") == S1]
    check("request_log_records_bodies", len(first) == 1 and first[0]["body"]["requirements"][1]["snapshot-id"] is None
          and first[0]["status"] == 200 and "authorization" in first[0]["headers"]
          and token not in json.dumps(entries), f"{len(commits)} commit entries")


def run_oauth2(base, cred, ttl):
    c = Client(base)
    cid, secret = cred.split(":", 1)

    def token_req(form, ctype="application/x-www-form-urlencoded"):
        return c.call("POST", "/v1/oauth/tokens", raw=urllib.parse.urlencode(form).encode(), ctype=ctype, token=None)

    st, b, _ = token_req({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret,
                          "scope": "catalog"})
    good = st == 200 and b.get("token_type") == "bearer" and b.get("expires_in") == int(ttl) and b.get("access_token")
    check("oauth2_client_credentials", good, show(st, b))
    if not good:
        return
    tok = b["access_token"]
    st, b, _ = token_req({"grant_type": "client_credentials", "client_id": cid, "client_secret": "nope"})
    check("oauth2_bad_secret_401", st == 401 and b.get("error") == "invalid_client", show(st, b))
    st, b, _ = token_req({"grant_type": "password", "username": "u"})
    check("oauth2_unsupported_grant_400", st == 400 and b.get("error") == "unsupported_grant_type", show(st, b))
    st, b, _ = c.call("GET", "/v1/config", token=tok)
    check("oauth2_token_accepted", st == 200, show(st, b))
    st, b, _ = c.call("GET", "/v1/namespaces", token="forged")
    check("oauth2_unknown_token_401", err_ok(st, b, 401, "NotAuthorizedException"), show(st, b))
    # refresh by token exchange (what Java clients do before expiry)
    st, b, _ = c.call("POST", "/v1/oauth/tokens", token=tok, ctype="application/x-www-form-urlencoded",
                      raw=urllib.parse.urlencode({
                          "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": tok,
                          "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
                          "scope": "catalog"}).encode())
    check("oauth2_token_exchange_refresh", st == 200 and b["access_token"] != tok, show(st, b))
    time.sleep(float(ttl) + 0.2)
    st, b, _ = c.call("GET", "/v1/namespaces", token=tok)
    check("oauth2_expired_token_401", err_ok(st, b, 401, "NotAuthorizedException")
          and "expired" in b["error"]["message"], show(st, b))
    st, b, _ = token_req({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    tok2 = b["access_token"]
    s1 = c.call("GET", "/v1/namespaces", token=tok2)[0]
    c.call("POST", "/admin/expire-tokens", raw=b"", ctype=None)
    s2, b2, _ = c.call("GET", "/v1/namespaces", token=tok2)
    check("oauth2_admin_expire_then_refresh", s1 == 200 and s2 == 401, f"{s1} {s2}")


def main():
    mode = sys.argv[1]
    if mode == "token":
        run_token(*sys.argv[2:7])
    elif mode == "oauth2":
        run_oauth2(*sys.argv[2:5])
    else:
        sys.exit(f"unknown mode {mode}")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
