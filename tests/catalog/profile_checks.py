#!/usr/bin/python3
"""Checks that each --profile of rest_catalog.py behaves as its vendor does, with a reference
client written here (urllib + botocore's signer), so the catalog side of issue #12 is proven
independently of the C client. Run by tests/integration/catalog_profile_server.sh.

Usage: profile_checks.py TMPDIR [PROXY_URL KEYS_FILE IMDS_URL]
Prints "ok <name>" / "FAIL <name>: why" lines.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from catalog_checks import Client, check, err_ok, show, FAILS  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = sys.argv[1]
SCHEMA = {"type": "struct", "schema-id": 0, "fields": [
    {"id": 1, "name": "TimeUnix", "type": "timestamp", "required": True},
    {"id": 2, "name": "ServiceName", "type": "string", "required": False}]}


def start(name, *args):
    wh = os.path.join(TMP, name)
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "rest_catalog.py"), "--port", "0", "--warehouse", wh,
                          *args], stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, name + ".log"), "w"), text=True)
    line = p.stdout.readline()
    port = int(line.split("http://127.0.0.1:")[1].split()[0])
    return p, f"http://127.0.0.1:{port}"


def form(url, fields, basic=None, headers=None):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if basic:
        req.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Signed(Client):
    """SigV4-signed catalog requests with botocore (as AWS clients do)."""

    def __init__(self, base, service, key, prefix=""):
        super().__init__(base, prefix)
        self.service, self.key = service, key

    def call(self, method, path, body=None, headers=None, tamper=False):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.url(path)
        data = json.dumps(body).encode() if body is not None else b""
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        req = AWSRequest(method=method, url=url, data=data, headers=h)
        if self.key:
            SigV4Auth(Credentials(self.key["access_key_id"], self.key["secret_access_key"], self.key.get("session_token")),
                      self.service, "us-east-1").add_auth(req)
        hdrs = dict(req.headers.items())
        if tamper:
            hdrs["Authorization"] = hdrs["Authorization"][:-4] + "0000"
        r = urllib.request.Request(url, data=data if data else None, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(r, timeout=10) as resp:
                status, text = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        try:
            return status, json.loads(text) if text else None, None
        except ValueError:
            return status, text.decode(errors="replace"), None


def keys_file(name, *keys):
    path = os.path.join(TMP, name + ".keys")
    with open(path, "w") as f:
        for k in keys:
            f.write(json.dumps(k) + "\n")
    return path


STATIC = {"access_key_id": "AKIASTATIC", "secret_access_key": "static-secret", "session_token": None, "expires_at_ms": None}
TEMP = {"access_key_id": "ASIATEMP", "secret_access_key": "temp-secret", "session_token": "tok-1",
        "expires_at_ms": int((time.time() + 3600) * 1000)}
OLD = {"access_key_id": "ASIAOLD", "secret_access_key": "old-secret", "session_token": "tok-0",
       "expires_at_ms": int((time.time() - 5) * 1000)}
procs = []


def glue():
    kf = keys_file("glue", STATIC, TEMP, OLD)
    pol = os.path.join(TMP, "glue-policy.json")
    open(pol, "w").write("{}")
    p, base = start("glue", "--profile", "glue", "--keys-file", kf, "--location-base", "s3://warehouse", "--policy", pol)
    procs.append(p)
    c = Signed(base, "glue", TEMP, "catalogs/111122223333")
    st, b, _ = Signed(base, "glue", None).call("GET", "/v1/config?warehouse=111122223333")
    check("glue_unsigned_403", st == 403 and b["error"]["type"] == "MissingAuthenticationTokenException", show(st, b))
    st, b, _ = c.call("GET", "/v1/config?warehouse=111122223333")
    check("glue_sigv4_botocore_accepted", st == 200 and b["overrides"].get("prefix") == "catalogs/111122223333", show(st, b))
    st, b, _ = c.call("GET", "/v1/config?warehouse=111122223333", tamper=True)
    check("glue_bad_signature_InvalidSignatureException", err_ok(st, b, 403, "InvalidSignatureException"), show(st, b))
    st, b, _ = Signed(base, "glue", OLD, "catalogs/111122223333").call("GET", "namespaces/otel")
    check("glue_expired_session_ExpiredTokenException", err_ok(st, b, 403, "ExpiredTokenException") and
          b["error"]["message"] == "The security token included in the request is expired", show(st, b))
    st, b, _ = Signed(base, "s3tables", TEMP, "catalogs/111122223333").call("GET", "namespaces/otel")
    check("glue_wrong_service_refused", err_ok(st, b, 403, "InvalidSignatureException"), show(st, b))
    st, b, _ = c.call("POST", "namespaces", {"namespace": ["otel2"], "properties": {}})
    check("glue_create_namespace_forbidden", err_ok(st, b, 403, "ForbiddenException"), show(st, b))
    st, b, _ = c.call("HEAD", "namespaces/otel")
    check("glue_namespace_precreated", st == 204, show(st, b))
    st, b, _ = c.call("GET", "namespaces/otel")
    check("glue_namespace_location", st == 200 and b["properties"].get("location") == "s3://warehouse/otel.db", show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA})
    check("glue_location_required", st == 400 and b["error"]["message"] == "Location information cannot be null", show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA,
                                                          "location": "s3://warehouse/otel.db/logs"})
    names = [f["name"] for f in (b or {}).get("metadata", {}).get("schemas", [{}])[0].get("fields", [])] if st == 200 else []
    check("glue_columns_lower_cased", names == ["timeunix", "servicename"], show(st, b))
    nulls = [c.call("GET", "namespaces/otel/tables/logs")[1]["metadata"] is None for _ in range(4)]
    check("glue_metadata_null_every_other_load", nulls.count(True) == 2, str(nulls))
    open(pol, "w").write(json.dumps({"deny": ["load-table"]}))
    st, b, _ = c.call("GET", "namespaces/otel/tables/logs")
    check("glue_policy_reread_denies_load", err_ok(st, b, 403, "ForbiddenException"), show(st, b))
    open(pol, "w").write(json.dumps({"allow": ["load-namespace", "load-table", "create-table", "commit-table"]}))
    st, b, _ = c.call("GET", "namespaces/otel/tables/logs")
    check("glue_policy_allow_list", st == 200, show(st, b))


def s3tables():
    arn = "arn:aws:s3tables:us-east-1:111122223333:bucket/otel-tables"
    kf = keys_file("s3t", STATIC)
    p, base = start("s3t", "--profile", "s3tables", "--keys-file", kf, "--location-base", "s3://warehouse")
    procs.append(p)
    c = Signed(base, "s3tables", STATIC)
    st, b, _ = c.call("GET", "/v1/config?warehouse=" + urllib.parse.quote(arn, safe=""))
    pre = (b or {}).get("overrides", {}).get("prefix")
    check("s3tables_prefix_encoded_arn", st == 200 and pre == urllib.parse.quote(arn, safe=""), show(st, b))
    c.prefix = pre or ""
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA, "location": "s3://x/y"})
    check("s3tables_client_location_refused", st == 400, show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "Logs", "schema": SCHEMA})
    check("s3tables_upper_case_name_refused", st == 400, show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA})
    check("s3tables_location_assigned", st == 200 and b["metadata"]["location"] == "s3://warehouse/otel/logs", show(st, b))


def r2():
    kf = keys_file("r2")
    p, base = start("r2", "--profile", "r2", "--keys-file", kf, "--location-base", "s3://warehouse", "--vend-ttl", "30",
                    "--precreate-namespace", "otel")
    procs.append(p)
    c = Client(base, "", "r2-api-token")
    st, b, _ = c.call("GET", "/v1/config?warehouse=0123456789abcdef_otel", token=None)
    check("r2_token_required", st == 401, show(st, b))
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA},
                      headers={"X-Iceberg-Access-Delegation": "vended-credentials"})
    want = {"s3.access-key-id", "s3.secret-access-key", "s3.session-token", "s3.session-token-expires-at-ms"}
    check("r2_create_vends", st == 200 and set(b.get("config", {})) == want, show(st, b))
    st, b, _ = c.call("GET", "namespaces/otel/tables/logs", headers={"X-Iceberg-Access-Delegation": "vended-credentials"})
    sc = (b or {}).get("storage-credentials") or [{}]
    exp = int(b["config"]["s3.session-token-expires-at-ms"]) if st == 200 else 0
    check("r2_load_vends_storage_credentials", st == 200 and sc[0].get("prefix") == "s3://warehouse/otel/logs" and
          sc[0]["config"] == b["config"] and 25_000 < exp - time.time() * 1000 <= 30_000, show(st, b))
    listed = [json.loads(l)["access_key_id"] for l in open(kf)]
    check("r2_vended_keys_shared_with_proxy", st == 200 and b["config"]["s3.access-key-id"] in listed, str(listed))
    st, b, _ = c.call("GET", "namespaces/otel/tables/logs")
    check("r2_no_delegation_no_keys", st == 200 and b["config"] == {} and "storage-credentials" not in b, show(st, b))


def polaris():
    p, base = start("polaris", "--profile", "polaris", "--realm", "o2p-realm", "--token-ttl", "2")
    procs.append(p)
    tok = base + "/v1/oauth/tokens"
    f = {"grant_type": "client_credentials", "client_id": "root", "client_secret": "s3cr3t"}
    R = {"Polaris-Realm": "o2p-realm"}
    st, b = form(tok, dict(f, scope="catalog"), headers=R)
    check("polaris_scope_catalog_invalid_scope", st == 400 and b.get("error") == "invalid_scope", f"{st} {b}")
    st, b = form(tok, dict(f, scope="PRINCIPAL_ROLE:ALL"))
    check("polaris_token_without_realm_401", st == 401, f"{st} {b}")
    st, b = form(tok, dict(f, scope="PRINCIPAL_ROLE:ALL"), headers={"Polaris-Realm": "other"})
    check("polaris_unknown_realm_401", st == 401, f"{st} {b}")
    st, b = form(tok, dict(f, scope="PRINCIPAL_ROLE:ALL"), headers=R)
    check("polaris_token", st == 200 and b.get("expires_in") == 2, f"{st} {b}")
    c = Client(base, "", b.get("access_token"))
    st, b2, _ = c.call("GET", "/v1/config?warehouse=polaris_cat", headers=R)
    check("polaris_prefix_catalog_name", st == 200 and b2["overrides"].get("prefix") == "polaris_cat", show(st, b2))
    st, b2, _ = c.call("GET", "/v1/config?warehouse=polaris_cat")
    check("polaris_request_without_realm_401", st == 401, show(st, b2))
    time.sleep(2.2)
    st, b2, _ = c.call("GET", "/v1/config?warehouse=polaris_cat", headers=R)
    check("polaris_token_expires", st == 401, show(st, b2))


def lakekeeper():
    p, base = start("lk", "--profile", "lakekeeper")
    procs.append(p)
    idp = base + "/realms/iceberg/protocol/openid-connect/token"
    st, b = form(base + "/v1/oauth/tokens", {"grant_type": "client_credentials", "client_id": "o2p-lk",
                                             "client_secret": "lk-secret", "scope": "lakekeeper"})
    check("lakekeeper_no_catalog_token_endpoint", st == 404, f"{st} {b}")
    st, b = form(idp, {"grant_type": "client_credentials", "client_id": "o2p-lk", "client_secret": "lk-secret",
                       "scope": "lakekeeper"})
    check("lakekeeper_body_credentials_401", st == 401 and b.get("error") == "invalid_client", f"{st} {b}")
    st, b = form(idp, {"grant_type": "client_credentials", "scope": "catalog"}, basic="o2p-lk:lk-secret")
    check("lakekeeper_scope_required", st == 400 and b.get("error") == "invalid_scope", f"{st} {b}")
    st, b = form(idp, {"grant_type": "client_credentials", "scope": "lakekeeper"}, basic="o2p-lk:lk-secret")
    check("lakekeeper_basic_token", st == 200, f"{st} {b}")
    c = Client(base, "", b.get("access_token"))
    st, b, _ = c.call("GET", "/v1/config?warehouse=lakehouse")
    check("lakekeeper_prefix_warehouse_id", st == 200 and b["overrides"]["prefix"] == "8f4c2a4e-3b9d-4d7e-9a51-6c0e2f1b7d3a",
          show(st, b))


def nessie():
    p, base = start("nessie", "--profile", "nessie")
    procs.append(p)
    tok = base + "/oauth/token"
    f = {"grant_type": "client_credentials", "client_id": "o2p-nessie", "client_secret": "n-secret", "scope": "nessie"}
    st, b = form(tok, f)
    check("nessie_audience_required", st == 400, f"{st} {b}")
    st, b = form(tok, dict(f, audience="https://nessie.o2p.test"))
    check("nessie_token", st == 200, f"{st} {b}")
    c = Client(base, "", b.get("access_token"))
    st, b, _ = c.call("GET", "/v1/config?warehouse=warehouse")
    check("nessie_prefix_ref_pipe_warehouse", st == 200 and b["overrides"]["prefix"] == "main|warehouse", show(st, b))
    c.prefix = "main|warehouse"
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA})
    check("nessie_namespace_must_exist", st == 404 and b["error"]["type"] == "NoSuchNamespaceException", show(st, b))
    st, b, _ = c.call("POST", "namespaces", {"namespace": ["otel"], "properties": {}})
    check("nessie_namespace_create", st == 200, show(st, b))
    c.prefix = "main%7Cwarehouse"
    st, b, _ = c.call("POST", "namespaces/otel/tables", {"name": "logs", "schema": SCHEMA})
    check("nessie_encoded_prefix_same_route", st == 200, show(st, b))


def proxy_and_imds(proxy, kf, imds):
    """The S3 proxy's keys file and header refusal, and the IMDS mock's rotation."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def put(key, path, extra=None):
        url = proxy + path
        req = AWSRequest(method="PUT", url=url, data=b"x", headers=extra or {})
        S3SigV4Auth(Credentials(key["access_key_id"], key["secret_access_key"], key.get("session_token")), "s3",
                    "us-east-1").add_auth(req)
        r = urllib.request.Request(url, data=b"x", method="PUT", headers=dict(req.headers.items()))
        try:
            with urllib.request.urlopen(r, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
    with open(kf, "a") as f:
        f.write(json.dumps(TEMP) + "\n" + json.dumps(OLD) + "\n")
    st, body = put(TEMP, "/warehouse/a/one")
    check("proxy_listed_key_accepted", st == 200, f"{st} {body[:200]}")
    st, body = put(OLD, "/warehouse/a/two")
    check("proxy_expired_key_ExpiredToken", st == 403 and "<Code>ExpiredToken</Code>" in body, f"{st} {body[:200]}")
    st, body = put(TEMP, "/warehouse/a/three", {"If-None-Match": "*"})
    check("proxy_refuses_if_none_match_S3TablesUnsupportedHeader", st == 400 and
          "<Code>S3TablesUnsupportedHeader</Code>" in body and
          "S3 Tables does not support the following header: If-None-Match value: *" in body, f"{st} {body[:200]}")
    st, body = put(TEMP, "/warehouse/a/three")
    check("proxy_same_put_without_header_ok", st == 200, f"{st} {body[:200]}")

    def creds():
        t = urllib.request.urlopen(urllib.request.Request(imds + "/latest/api/token", method="PUT",
                                                          headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})).read().decode()
        h = {"X-aws-ec2-metadata-token": t}
        role = urllib.request.urlopen(urllib.request.Request(imds + "/latest/meta-data/iam/security-credentials/",
                                                             headers=h)).read().decode().strip()
        return json.loads(urllib.request.urlopen(urllib.request.Request(
            imds + "/latest/meta-data/iam/security-credentials/" + role, headers=h)).read())
    a, b = creds(), creds()
    listed = {json.loads(l)["access_key_id"]: json.loads(l) for l in open(kf)}
    check("imds_rotates_keys_into_keys_file", a["AccessKeyId"] != b["AccessKeyId"] and a["AccessKeyId"] in listed and
          b["AccessKeyId"] in listed, f"{a['AccessKeyId']} {b['AccessKeyId']}")
    st, body = put({"access_key_id": b["AccessKeyId"], "secret_access_key": b["SecretAccessKey"],
                    "session_token": b["Token"]}, "/warehouse/a/four")
    check("proxy_accepts_imds_key", st == 200, f"{st} {body[:200]}")
    time.sleep(2.1)  # the mock was started with --real-ttl 2
    st, body = put({"access_key_id": b["AccessKeyId"], "secret_access_key": b["SecretAccessKey"],
                    "session_token": b["Token"]}, "/warehouse/a/five")
    check("proxy_imds_key_revoked_before_advertised_expiry", st == 403 and "ExpiredToken" in body and
          b["Expiration"] > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600)), f"{st} {body[:120]}")


try:
    for f in (glue, s3tables, r2, polaris, lakekeeper, nessie):
        f()
    if len(sys.argv) > 4:
        proxy_and_imds(sys.argv[2], sys.argv[3], sys.argv[4])
finally:
    for p in procs:
        p.kill()
