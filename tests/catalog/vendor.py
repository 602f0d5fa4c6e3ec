"""Vendor behaviours of tests/catalog/rest_catalog.py (see README.md "Vendor profiles").

Kept apart from rest_catalog.py so the default catalog stays standard-library only: botocore
(SigV4 verification, signed S3 requests) and avro (maintenance commits) are imported only when
a flag needs them (Debian python3-botocore, python3-avro, python3-snappy, python3-zstandard).
"""
import hashlib
import io
import json
import os
import secrets
import threading
import time
import urllib.parse
import urllib.request
import uuid

# ---------------------------------------------------------------------------------------------
# profiles: bundles of flags (argparse defaults; a flag given on the command line wins)

DEFAULT_S3TABLES_ARN = "arn:aws:s3tables:us-east-1:111122223333:bucket/otel-tables"
DEFAULT_GLUE_S3TABLES = "111122223333:s3tablescatalog/otel-tables"
PROFILES = {
    # AWS Glue default catalog over general-purpose S3 (SigV4 service glue)
    "glue": dict(sigv4="glue", warehouse_name="111122223333", prefix="catalogs/111122223333", require_location=True, lowercase_columns=True, metadata_null_every=2, metadata_to_storage=True,
                 deny=["create-namespace"], precreate_namespace=["otel"], ns_location_suffix=".db",
                 maintenance_every=2),
    # S3 Tables Iceberg REST endpoint (SigV4 service s3tables), warehouse = table-bucket ARN
    "s3tables": dict(sigv4="s3tables", refuse_location=True, metadata_to_storage=True, lowercase_names=True,
                     deny=["create-namespace"], precreate_namespace=["otel"],
                     warehouse_name=DEFAULT_S3TABLES_ARN,
                     prefix=urllib.parse.quote(DEFAULT_S3TABLES_ARN, safe=""), maintenance_every=2),
    # S3 Tables through the Glue Iceberg REST endpoint (SigV4 service glue, warehouse
    # ACCOUNT:s3tablescatalog/BUCKET): S3 Tables' location and naming rules, Glue's lower-cased
    # columns and metadata: null answers, a table bucket behind it
    "glue_s3tables": dict(sigv4="glue", warehouse_name=DEFAULT_GLUE_S3TABLES,
                          prefix="catalogs/" + urllib.parse.quote(DEFAULT_GLUE_S3TABLES, safe=""),
                          refuse_location=True, lowercase_names=True, lowercase_columns=True, metadata_null_every=2,
                          metadata_to_storage=True, deny=["create-namespace"], precreate_namespace=["otel"],
                          maintenance_every=2),
    # Cloudflare R2 Data Catalog: bearer token, vended short-lived S3 credentials
    "r2": dict(token="r2-api-token", metadata_to_storage=True, warehouse_name="0123456789abcdef_otel", refuse_location=True,
               vend_credentials=True, vend_ttl=20.0, maintenance_every=2),
    # Apache Polaris: client credentials at /v1/oauth/tokens with scope PRINCIPAL_ROLE:ALL
    "polaris": dict(oauth2="root:s3cr3t", oauth2_scope="PRINCIPAL_ROLE:ALL", prefix="polaris_cat",
                    warehouse_name="polaris_cat", token_ttl=12.0, maintenance_every=2),
    # Lakekeeper behind a Keycloak-style IdP: Basic client auth only, scope lakekeeper, prefix = uuid
    "lakekeeper": dict(oauth2="o2p-lk:lk-secret", oauth2_path="/realms/iceberg/protocol/openid-connect/token",
                       oauth2_client_auth="basic", oauth2_scope="lakekeeper",
                       prefix="8f4c2a4e-3b9d-4d7e-9a51-6c0e2f1b7d3a", warehouse_name="lakehouse",
                       token_ttl=12.0, maintenance_every=2),
    # Nessie with an Auth0-style OIDC provider: audience + scope required, prefix main|warehouse
    "nessie": dict(oauth2="o2p-nessie:n-secret", oauth2_path="/oauth/token", oauth2_scope="nessie",
                   oauth2_audience="https://nessie.o2p.test", prefix="main|warehouse", warehouse_name="warehouse",
                   token_ttl=12.0, maintenance_every=2),
}


def add_arguments(p):
    g = p.add_argument_group("vendor behaviours (README.md 'Vendor profiles')")
    g.add_argument("--profile", choices=sorted(PROFILES), help="bundle of the flags below as the vendor behaves")
    g.add_argument("--policy", help="JSON permission file {'allow':[...],'deny':[...]} re-read on change; "
                                    "actions create-namespace load-namespace create-table load-table commit-table")
    g.add_argument("--deny", action="append", default=None, metavar="ACTION", help="deny an action (403)")
    g.add_argument("--precreate-namespace", action="append", default=None, metavar="NS[=LOCATION]",
                   help="namespace that exists from the start (with a location property)")
    g.add_argument("--ns-location-suffix", default="", help="precreated namespace location = BASE/NS+SUFFIX")
    g.add_argument("--require-location", action="store_true",
                   help="create-table without location -> 400 'Location information cannot be null' (Glue)")
    g.add_argument("--refuse-location", action="store_true",
                   help="create-table with a location -> 400 (S3 Tables, R2 assign locations)")
    g.add_argument("--lowercase-columns", action="store_true", help="store column names lower-cased (Glue)")
    g.add_argument("--lowercase-names", action="store_true",
                   help="namespace/table names must be [a-z0-9_] (S3 Tables), else 400")
    g.add_argument("--metadata-null-every", type=int, default=0, metavar="N",
                   help='every Nth table load answers "metadata": null')
    g.add_argument("--sigv4", metavar="SERVICE", help="verify AWS SigV4 Authorization (botocore) for SERVICE")
    g.add_argument("--sigv4-region", default="us-east-1")
    g.add_argument("--keys-file", help="JSON-lines AWS keys shared with s3-sigv4-proxy.mjs and s3-imds-mock.mjs")
    g.add_argument("--vend-credentials", action="store_true",
                   help="X-Iceberg-Access-Delegation: vended-credentials -> config s3.* + storage-credentials")
    g.add_argument("--vend-ttl", type=float, default=900.0, help="lifetime of vended keys, seconds")
    g.add_argument("--oauth2-path", default="/v1/oauth/tokens", help="path of the OAuth2 token endpoint")
    g.add_argument("--oauth2-scope", help="scope a token request must ask for (400 invalid_scope otherwise)")
    g.add_argument("--oauth2-audience", help="audience a token request must carry (Auth0 style)")
    g.add_argument("--oauth2-resource", help="resource (RFC 8707) a token request must carry (Entra ID v1 style)")
    g.add_argument("--oauth2-client-auth", choices=["any", "basic", "body"], default="any")
    g.add_argument("--realm", help="every request must carry Polaris-Realm: REALM")
    g.add_argument("--maintenance-every", type=int, default=0, metavar="N",
                   help="after every Nth client commit to a table, commit a foreign replace snapshot")
    g.add_argument("--s3-endpoint", "--maintenance-s3-endpoint", dest="maintenance_s3_endpoint",
                   help="S3 endpoint for the catalog's own files under s3:// locations (maintenance, metadata)")
    g.add_argument("--s3-key", "--maintenance-s3-key", dest="maintenance_s3_key", default="S3RVER:S3RVER", metavar="AK:SK",
                   help="key pair the catalog signs its S3 requests with (botocore)")
    g.add_argument("--metadata-to-storage", action="store_true",
                   help="metadata files of s3:// tables also go to LOCATION/metadata/ through --s3-endpoint, "
                        "and metadata-location is that s3:// URI")


def apply_profile(p, argv):
    pre, _ = p.parse_known_args(argv)
    if pre.profile:
        p.set_defaults(**PROFILES[pre.profile])
    a = p.parse_args(argv)
    a.deny = a.deny or []
    a.precreate_namespace = a.precreate_namespace or []
    return a


# ---------------------------------------------------------------------------------------------
# permission model

ACTIONS = {"create-namespace": "create-namespace", "load-namespace": "load-namespace",
           "namespace-exists": "load-namespace", "create-table": "create-table", "load-table": "load-table",
           "table-exists": "load-table", "commit": "commit-table"}


class Policy:
    def __init__(self, path, deny):
        self.path, self.deny, self.allow = path, set(deny), None
        self.sig, self.file_deny = None, set()
        self.lock = threading.Lock()

    def _refresh(self):
        if not self.path:
            return
        try:
            raw = open(self.path, "rb").read()
        except OSError:
            raw = b""
        if raw == self.sig:
            return
        self.sig = raw
        spec = json.loads(raw) if raw.strip() else {}
        self.file_deny = set(spec.get("deny", []))
        self.allow = set(spec["allow"]) if "allow" in spec else None

    def denied(self, endpoint):
        act = ACTIONS.get(endpoint)
        if act is None:
            return None
        with self.lock:
            self._refresh()
            if act in self.deny or act in self.file_deny or (self.allow is not None and act not in self.allow):
                return act
        return None


# ---------------------------------------------------------------------------------------------
# keys shared with the S3 proxy and the IMDS mock: JSON lines
#   {"access_key_id","secret_access_key","session_token"|null,"expires_at_ms"|null,"source"}
# appended with one write (O_APPEND); later lines for a key win.

class KeysFile:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def read(self):
        keys = {}
        try:
            with open(self.path) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        try:
                            k = json.loads(line)
                        except ValueError:
                            continue
                        keys[k["access_key_id"]] = k
        except OSError:
            pass
        return keys

    def add(self, key):
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(key) + "\n").encode())
        finally:
            os.close(fd)

    def mint(self, ttl, source, prefix="ASIAVEND"):
        k = {"access_key_id": prefix + secrets.token_hex(6).upper(), "secret_access_key": secrets.token_hex(20),
             "session_token": "vend-" + secrets.token_hex(16), "expires_at_ms": int((time.time() + ttl) * 1000),
             "source": source}
        self.add(k)
        return k


# ---------------------------------------------------------------------------------------------
# SigV4 verification with botocore (the reference implementation)

class AwsAuthError(Exception):
    def __init__(self, etype, message):
        super().__init__(message)
        self.etype, self.message = etype, message


def verify_sigv4(handler, a, keys):
    """Raise AwsAuthError unless the request's Authorization is a valid SigV4 signature."""
    import re
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    h = handler.headers.get("Authorization", "")
    m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                 r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$", h)
    if not m:
        raise AwsAuthError("MissingAuthenticationTokenException" if not h else "IncompleteSignatureException",
                           "Missing Authentication Token" if not h else f"malformed Authorization header: {h[:80]}")
    ak, day, region, service, signed, sig = m.groups()
    if service != a.sigv4:
        raise AwsAuthError("InvalidSignatureException", f"Credential should be scoped to correct service: '{a.sigv4}'.")
    if region != a.sigv4_region:
        raise AwsAuthError("InvalidSignatureException",
                           f"Credential should be scoped to a valid region, not '{region}'.")
    k = keys.read().get(ak) if keys else None
    if k is None:
        raise AwsAuthError("UnrecognizedClientException", "The security token included in the request is invalid.")
    if k.get("expires_at_ms") is not None and time.time() * 1000 >= k["expires_at_ms"]:
        raise AwsAuthError("ExpiredTokenException", "The security token included in the request is expired")
    tok = handler.headers.get("X-Amz-Security-Token")
    if (k.get("session_token") or None) != (tok or None):
        raise AwsAuthError("UnrecognizedClientException", "The security token included in the request is invalid.")
    amz = handler.headers.get("X-Amz-Date", "")
    if not re.match(r"^\d{8}T\d{6}Z$", amz) or amz[:8] != day:
        raise AwsAuthError("IncompleteSignatureException", "missing or malformed X-Amz-Date")
    t = time.mktime(time.strptime(amz, "%Y%m%dT%H%M%SZ")) - time.timezone
    if abs(time.time() - t) > 300:
        raise AwsAuthError("InvalidSignatureException", "Signature expired: request time is more than 5 minutes off")
    names = signed.split(";")
    hdrs = {}
    for n in names:
        v = handler.headers.get_all(n)
        if v is None:
            raise AwsAuthError("InvalidSignatureException", f"signed header {n} is absent")
        hdrs[n] = ",".join(v)
    host = hdrs.get("host") or handler.headers.get("Host", "")
    req = AWSRequest(method=handler.command, url=f"http://{host}{handler.path}", headers=hdrs,
                     data=handler.raw_body)
    req.context["timestamp"] = amz
    signer = SigV4Auth(Credentials(ak, k["secret_access_key"], k.get("session_token")), service, region)
    # only the signed headers are in req.headers, so botocore signs exactly that set
    cr = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, cr), req)
    got_list = ";".join(sorted(n.lower() for n in names))
    if want != sig or got_list != signed:
        raise AwsAuthError("InvalidSignatureException",
                           "The request signature we calculated does not match the signature you provided. "
                           f"Canonical request (botocore):\n{cr}")


# ---------------------------------------------------------------------------------------------
# vended credentials (R2 / S3 Tables style)

def vended(keys, ttl, prefix):
    k = keys.mint(ttl, "vended")
    cfg = {"s3.access-key-id": k["access_key_id"], "s3.secret-access-key": k["secret_access_key"],
           "s3.session-token": k["session_token"], "s3.session-token-expires-at-ms": str(k["expires_at_ms"])}
    return cfg, [{"prefix": prefix, "config": dict(cfg)}]


# ---------------------------------------------------------------------------------------------
# object IO for maintenance: file:// directly, s3:// through an S3 endpoint with botocore signing

class ObjectIO:
    def __init__(self, endpoint, key, region):
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.ak, self.sk = key.split(":", 1)
        self.region = region

    def _s3(self, method, uri, data=None):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        if not self.endpoint:
            raise OSError(f"{uri}: no --maintenance-s3-endpoint for s3:// files")
        bucket, _, key = uri[len("s3://"):].partition("/")
        url = f"{self.endpoint}/{bucket}/{urllib.parse.quote(key)}"
        req = AWSRequest(method=method, url=url, data=data or b"")
        S3SigV4Auth(Credentials(self.ak, self.sk), "s3", self.region).add_auth(req)
        r = urllib.request.Request(url, data=data if method == "PUT" else None, method=method,
                                   headers=dict(req.headers.items()))
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.read()

    def read(self, uri):
        if uri.startswith("s3://") or uri.startswith("s3a://"):
            return self._s3("GET", "s3://" + uri.split("://", 1)[1])
        return open(urllib.parse.unquote(uri[len("file://"):] if uri.startswith("file://") else
                                         uri[5:] if uri.startswith("file:") else uri), "rb").read()

    def write(self, uri, data):
        if uri.startswith("s3://"):
            self._s3("PUT", uri, data)
            return
        path = urllib.parse.unquote(uri[len("file://"):] if uri.startswith("file://") else uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "xb") as f:
            f.write(data)


# ---------------------------------------------------------------------------------------------
# server-side maintenance: RewriteManifests as Java's BaseRewriteManifests commits it

def _avro_read(raw):
    import avro.datafile
    import avro.io
    import warnings
    warnings.simplefilter("ignore")
    r = avro.datafile.DataFileReader(io.BytesIO(raw), avro.io.DatumReader())
    meta = dict(r.meta)
    recs = list(r)
    return meta, recs, r.datum_reader.writers_schema


def _avro_write(schema, meta, recs, codec):
    import avro.datafile
    import avro.io
    buf = io.BytesIO()

    class Keep(io.BytesIO):  # DataFileWriter closes its file on close(); keep the bytes
        def close(self):
            buf.write(self.getvalue())
    out = Keep()
    w = avro.datafile.DataFileWriter(out, avro.io.DatumWriter(), schema, codec=codec)
    for k, v in meta.items():
        if not k.startswith("avro."):
            w.set_meta(k, v)
    # keep the writer's schema text exactly (field ids, element ids, record names r2/r102)
    w.set_meta("avro.schema", meta["avro.schema"])
    for rec in recs:
        w.append(rec)
    w.close()
    return buf.getvalue()


def rewrite_manifests(md, codec, oio, count):
    """Returns (snapshot dict) of a replace snapshot rewriting every live manifest of main's head:
    same data files, entries with status EXISTING and explicit sequence numbers, manifests and
    manifest list written with CODEC ('snappy' or 'zstandard')."""
    cur = md.get("current-snapshot-id")
    snaps = {s["snapshot-id"]: s for s in md["snapshots"]}
    head = snaps.get(cur)
    if head is None:
        return None
    seq = md["last-sequence-number"] + 1
    sid = int.from_bytes(secrets.token_bytes(7), "big") | 1
    lmeta, lrecs, lschema = _avro_read(oio.read(head["manifest-list"]))
    base = md["location"].rstrip("/") + "/metadata/"
    tag = uuid.uuid4()
    new_list, n_entries, kept = [], 0, 0
    for i, mf in enumerate(lrecs):
        if mf.get("content", 0) != 0:  # delete manifests are kept as they are
            new_list.append(mf)
            kept += 1
            continue
        mmeta, mrecs, mschema = _avro_read(oio.read(mf["manifest_path"]))
        entries = []
        for e in mrecs:
            if e["status"] == 2:
                continue
            e = dict(e)
            if e.get("sequence_number") is None:
                e["sequence_number"] = mf["sequence_number"]
            if e.get("file_sequence_number") is None:
                e["file_sequence_number"] = mf["sequence_number"]
            if e.get("snapshot_id") is None:
                e["snapshot_id"] = mf["added_snapshot_id"]
            e["status"] = 0  # EXISTING
            entries.append(e)
        n_entries += len(entries)
        path = f"{base}{tag}-m{i}-maintenance-{count}.avro"
        data = _avro_write(mschema, mmeta, entries, codec)
        oio.write(path, data)
        nm = dict(mf)
        nm.update({"manifest_path": path, "manifest_length": len(data), "sequence_number": seq,
                   "min_sequence_number": min((e["sequence_number"] for e in entries), default=seq),
                   "added_snapshot_id": sid, "added_files_count": 0, "existing_files_count": len(entries),
                   "deleted_files_count": 0, "added_rows_count": 0,
                   "existing_rows_count": sum(e["data_file"]["record_count"] for e in entries),
                   "deleted_rows_count": 0})
        new_list.append(nm)
    lm = dict(lmeta)
    lm.update({"snapshot-id": str(sid).encode(), "parent-snapshot-id": str(cur).encode(),
               "sequence-number": str(seq).encode(), "format-version": b"2"})
    lpath = f"{base}snap-{sid}-1-{tag}.avro"
    oio.write(lpath, _avro_write(lschema, lm, new_list, codec))
    summary = {"operation": "replace", "manifests-created": str(len(lrecs) - kept),
               "manifests-kept": str(kept), "manifests-replaced": str(len(lrecs) - kept),
               "entries-processed": str(n_entries), "changed-partition-count": "0"}
    for k, v in head.get("summary", {}).items():
        if k.startswith("total-"):
            summary[k] = v
    return {"snapshot-id": sid, "parent-snapshot-id": cur, "sequence-number": seq,
            "timestamp-ms": int(time.time() * 1000), "manifest-list": lpath, "summary": summary,
            "schema-id": head.get("schema-id", md.get("current-schema-id", 0))}


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()[:12]
