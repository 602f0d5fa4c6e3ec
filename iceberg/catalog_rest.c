/*
 * catalog_rest.c - the Iceberg REST catalog client behind catalog.h (reference/iceberg.md 1,
 * open-api/rest-catalog-open-api.yaml): config, namespace create, table load/create, and the
 * single-table commit of one append snapshot.
 *
 * Routes (base = catalog.uri, P = "prefix/" from /v1/config overrides, else defaults, else ""):
 *   GET  base/v1/config?warehouse=<catalog.warehouse>           once (again after a failure)
 *   HEAD base/v1/P namespaces/<ns>                              before the first create: 2xx = there
 *   POST base/v1/P namespaces                                   only when not: 409 = fine, 403 = go on
 *   GET  base/v1/P namespaces/<ns>/tables/<t>                   load: 200 / 404 -> O2P_ENOTFOUND
 *   POST base/v1/P namespaces/<ns>/tables                       create: 200 / 409 -> O2P_ECONFLICT
 *   POST base/v1/P namespaces/<ns>/tables/<t>                   commit (below)
 *
 * Commit = requirements assert-table-uuid + assert-ref-snapshot-id(main, parent or null),
 * updates add-snapshot + set-snapshot-ref(main, branch). Ids go out as JSON integers (jansson
 * json_int_t): exact for 63-bit snapshot ids. Answers, per the catalog.h contract and
 * reference/iceberg.md 1.7:
 *   200                      O2P_OK, t takes the returned metadata and metadata-location
 *   409                      O2P_ECONFLICT (the committer reloads; its RECONCILE step also
 *                            covers "409 because an earlier attempt of ours landed")
 *   5xx, 408, 429, timeout,  O2P_EAGAIN = outcome unknown: the committer reloads and looks
 *   reset, no answer         for its commit id before anything else; nothing is re-POSTed here
 *   401/419, 403 expired     the token or AWS keys are renewed and the same request sent once
 *                            more (either is decided before anything is applied), then O2P_EINVAL
 *   400, 403                 O2P_EINVAL with the server's error type and message
 *   404                      O2P_ENOTFOUND (table or namespace dropped under us)
 *
 * Field ids: the catalog may renumber the proposed schema (Java catalogs do). Manifests take
 * ids from the returned metadata, but the writer has already put its own ids into the Parquet
 * files, so a table whose ids differ from the writer's is refused with a clear error
 * (check_ids) rather than committed into an unreadable state.
 *
 * Vendors (reference/iceberg.md 5): catalog.auth=sigv4 with sigv4_service=glue on Glue's default
 * catalog (a warehouse without ":s3tablescatalog/") sends a `location` on create, as Glue
 * requires: <the namespace's location property>/<table> (glue_location); s3tables never sends
 * one and requires lowercase namespace/table names
 * ([a-z0-9_], starting and ending with a letter or digit, namespace not starting with "aws").
 *
 * Vended credentials (catalog.access_delegation = vended-credentials): every request asks with
 * X-Iceberg-Access-Delegation; the keys a load or create answer gives (the storage-credentials
 * entry with the longest prefix of the location, else config s3.*) sign every request to that
 * location from then on, ahead of local keys (as PyIceberg's FileIO does with the table's
 * config), and go to the caller in catalog_table.vended. Refreshing = loading the table again.
 *
 * Owns: the HTTP client, the auth state (catalog_rest_auth.c), the config answer.
 * Does not: use multi-table transactions, stage-create, the loadCredentials route, ETags,
 * Idempotency-Key, or multi-level namespaces (catalog.namespace is one level).
 */
#include "iceberg/catalog.h"
#include "iceberg/catalog_rest.h"

#include "common/log.h"
#include "storage/sigv4.h"
#include "otel/table_schema.h"
#include "iceberg/iceberg_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REST_TIMEOUT_MS 30000
#define REST_CONNECT_TIMEOUT_MS 5000

enum vendor { VENDOR_PLAIN, VENDOR_GLUE, VENDOR_S3TABLES };

struct rest {
    struct http_client *http;
    struct catalog_rest_auth *auth;
    char base[1024];        /* catalog.uri without trailing '/' */
    char warehouse[1024];   /* catalog.warehouse as given ("" = not sent) */
    char prefix[1024];      /* "" or "<prefix>/" (verbatim from the config answer) */
    char ns_enc[400];       /* the namespace as a path segment */
    char ns_location[CATALOG_LOCATION_MAX]; /* plain Glue: the namespace's location property */
    bool configured, ns_ready;
    bool delegation;        /* catalog.access_delegation = vended-credentials */
    enum vendor vendor;
};

/* One answer: status and parsed 2xx body or error details. */
struct reply {
    long status;
    json_t *body;           /* 2xx JSON body (owned) or NULL */
    char type[96];
    char msg[600];
};

static void reply_free(struct reply *r)
{
    json_decref(r->body);
    r->body = NULL;
}

static int encode(char *out, size_t n, const char *s)
{
    struct buf b;
    buf_init(&b, n - 1);
    int rc = sigv4_uri_encode(&b, s, false);
    if (rc == O2P_OK) {
        memcpy(out, b.data, b.len);
        out[b.len] = 0;
    }
    buf_free(&b);
    return rc;
}

/* error_details - type and message from {"error":{"message","type","code"}}, else the body text. */
static void error_details(struct reply *rep, const struct buf *body)
{
    json_t *j = json_loadb((const char *)body->data, body->len, 0, NULL);
    const json_t *e = json_object_get(j, "error");
    const char *type = json_string_value(json_object_get(e, "type"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (!msg && json_is_string(e)) { /* OAuth-style {"error","error_description"} */
        type = json_string_value(e);
        msg = json_string_value(json_object_get(j, "error_description"));
    }
    if (!msg && !e) { /* AWS JSON protocol: {"__type": "...#ExpiredTokenException", "message"} */
        type = json_string_value(json_object_get(j, "__type"));
        msg = json_string_value(json_object_get(j, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "Message"));
        if (type && strchr(type, '#'))
            type = strchr(type, '#') + 1;
    }
    snprintf(rep->type, sizeof rep->type, "%s", type ? type : "");
    if (msg)
        snprintf(rep->msg, sizeof rep->msg, "%s", msg);
    else
        snprintf(rep->msg, sizeof rep->msg, "%.*s", (int)(body->len < 300 ? body->len : 300), (const char *)body->data);
    json_decref(j);
}

/* keys_refused - a 403 that says the AWS keys expired or are unknown (not that they lack a
 * permission): fresh keys (IMDS, a rotated file) can make the same request pass. */
static bool keys_refused(const struct reply *rep)
{
    static const char *const words[] = {"ExpiredToken", "InvalidClientTokenId", "UnrecognizedClient",
                                        "security token included in the request is expired",
                                        "security token included in the request is invalid"};
    if (rep->status != 403)
        return false;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(rep->type, words[i]) || strstr(rep->msg, words[i]))
            return true;
    return false;
}

/*
 * call - one request to base/<path>[?query] with an optional JSON body; a 401/419, or a 403
 * that says the AWS keys expired, renews the credentials and sends the same request once more.
 * O2P_OK with rep filled whenever an answer arrived; O2P_EAGAIN (transport), O2P_EAGAIN/O2P_EINVAL from the token endpoint, O2P_ENOMEM.
 */
static int call(struct rest *r, const char *method, const char *path, const char *query, const json_t *body,
                struct reply *rep, struct o2p_error *err)
{
    memset(rep, 0, sizeof *rep);
    char url[4096];
    if (snprintf(url, sizeof url, "%s/%s%s%s", r->base, path, query ? "?" : "", query ? query : "") >= (int)sizeof url)
        return o2p_fail(err, O2P_ETOOBIG, "catalog URL too long: %s/%s", r->base, path);
    char *text = body ? iceberg_metadata_json_text(body, JSON_COMPACT) : NULL;
    if (body && !text)
        return o2p_fail(err, O2P_ENOMEM, "catalog request %s %s: write the body: out of memory", method, path);
    size_t len = text ? strlen(text) : 0;
    int rc = O2P_OK;
    for (int round = 0; round < 2; round++) {
        struct rest_headers *hs = calloc(1, sizeof *hs);
        if (!hs) {
            rc = o2p_fail(err, O2P_ENOMEM, "catalog request: out of memory");
            break;
        }
        rc = catalog_rest_auth_headers(r->auth, r->http, method, url, text ? "application/json" : NULL, text, len, hs, err);
        if (rc != O2P_OK) {
            free(hs);
            o2p_error_prefix(err, "%s %s", method, url);
            break;
        }
        struct buf out;
        buf_init(&out, ICEBERG_METADATA_MAX_BYTES + (1u << 20));
        struct http_response resp;
        http_response_init(&resp, &out);
        struct http_client_request rq = {.method = method, .url = url, .headers = hs->h, .nheaders = hs->n, .body = text,
                                  .body_len = len, .connect_timeout_ms = REST_CONNECT_TIMEOUT_MS,
                                  .timeout_ms = REST_TIMEOUT_MS};
        rc = http_client_do(r->http, &rq, &resp, err);
        free(hs);
        if (rc == O2P_OK) {
            rep->status = resp.status;
            if (resp.status >= 200 && resp.status < 300) {
                if (out.len > 0) {
                    json_error_t je;
                    rep->body = json_loadb((const char *)out.data, out.len, 0, &je);
                    if (!rep->body)
                        rc = o2p_fail(err, O2P_EPROTO, "%s %s: HTTP %ld with a body that is not JSON: %s", method,
                                      url, resp.status, je.text);
                }
            } else {
                error_details(rep, &resp.error_body);
            }
        }
        http_response_free(&resp);
        buf_free(&out);
        if (rc == O2P_OK && (rep->status == 401 || rep->status == 419 || keys_refused(rep)) && round == 0 &&
            catalog_rest_auth_unauthorized(r->auth)) {
            log_info("committer", "op=catalog-auth-retry method=%s url=%s status=%ld auth=%s", method, url,
                     rep->status, catalog_rest_auth_mode(r->auth));
            continue;
        }
        break;
    }
    free(text);
    return rc;
}

/* status_error - the O2P code and message for a non-2xx answer to `what`. */
static int status_error(const struct reply *rep, const char *what, struct o2p_error *err)
{
    long s = rep->status;
    int code = s >= 500 || s == 408 || s == 429 ? O2P_EAGAIN
               : s == 404                        ? O2P_ENOTFOUND
               : s == 409                        ? O2P_ECONFLICT
               : s == 400 || s == 401 || s == 403 || s == 419 || s == 405 || s == 406 || s == 422 ? O2P_EINVAL
                                                 : O2P_EPROTO;
    const char *hint = s == 401 || s == 419 ? " (check catalog.auth and its token/credentials)"
                       : s == 403           ? " (the credentials lack permission)"
                                            : "";
    return o2p_fail(err, code, "%s: HTTP %ld %s%s%s%s", what, s, rep->type, rep->type[0] ? ": " : "", rep->msg, hint);
}

static int ensure_config(struct rest *r, struct o2p_error *err)
{
    if (r->configured)
        return O2P_OK;
    char q[3200] = "", enc[3000];
    if (r->warehouse[0]) {
        if (encode(enc, sizeof enc, r->warehouse) != O2P_OK)
            return o2p_fail(err, O2P_EINVAL, "catalog.warehouse too long");
        snprintf(q, sizeof q, "warehouse=%s", enc);
    }
    struct reply rep;
    int rc = call(r, "GET", "v1/config", q[0] ? q : NULL, NULL, &rep, err);
    if (rc == O2P_OK && rep.status != 200)
        rc = status_error(&rep, "catalog GET /v1/config", err);
    if (rc == O2P_OK) {
        const json_t *body = rep.body;
        const char *p = json_string_value(json_object_get(json_object_get(body, "overrides"), "prefix"));
        if (!p)
            p = json_string_value(json_object_get(json_object_get(body, "defaults"), "prefix"));
        while (p && *p == '/')
            p++;
        size_t l = p ? strlen(p) : 0;
        while (l > 0 && p[l - 1] == '/')
            l--;
        if (l + 2 > sizeof r->prefix)
            rc = o2p_fail(err, O2P_EPROTO, "catalog /v1/config: prefix too long");
        else {
            if (l)
                snprintf(r->prefix, sizeof r->prefix, "%.*s/", (int)l, p);
            else
                r->prefix[0] = 0;
            r->configured = true;
            log_info("committer", "op=catalog-config uri=%s warehouse=%s prefix=%s auth=%s", r->base,
                     r->warehouse[0] ? r->warehouse : "-", r->prefix[0] ? r->prefix : "-", catalog_rest_auth_mode(r->auth));
        }
    }
    reply_free(&rep);
    return rc;
}

static int table_path(const struct rest *r, const char *table, char *out, size_t n)
{
    char t[256];
    if (encode(t, sizeof t, table) != O2P_OK)
        return O2P_ETOOBIG;
    return snprintf(out, n, "v1/%snamespaces/%s/tables/%s", r->prefix, r->ns_enc, t) < (int)n ? O2P_OK : O2P_ETOOBIG;
}

/* ids_match - every field of `want` (the writer's schema) present in `got` has the same ids. */
static bool ids_match(const json_t *want, const json_t *got, char *why, size_t n)
{
    if (!json_is_object(want) || !json_is_object(got))
        return true;
    const char *ids[] = {"element-id", "key-id", "value-id"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *w = json_object_get(want, ids[i]), *g = json_object_get(got, ids[i]);
        if (w && json_integer_value(w) != json_integer_value(g)) {
            snprintf(why, n, "%s %lld (the writer's: %lld)", ids[i], (long long)json_integer_value(g),
                     (long long)json_integer_value(w));
            return false;
        }
    }
    const char *kids[] = {"element", "key", "value"};
    for (size_t i = 0; i < 3; i++)
        if (!ids_match(json_object_get(want, kids[i]), json_object_get(got, kids[i]), why, n))
            return false;
    size_t i, j;
    const json_t *wf, *gf;
    json_array_foreach(json_object_get(want, "fields"), i, wf) {
        const char *name = json_string_value(json_object_get(wf, "name"));
        json_array_foreach(json_object_get(got, "fields"), j, gf) {
            const char *gname = json_string_value(json_object_get(gf, "name"));
            if (!name || !gname || strcmp(name, gname))
                continue;
            if (json_integer_value(json_object_get(wf, "id")) != json_integer_value(json_object_get(gf, "id"))) {
                snprintf(why, n, "column %s has id %lld (the writer's: %lld)", name,
                         (long long)json_integer_value(json_object_get(gf, "id")),
                         (long long)json_integer_value(json_object_get(wf, "id")));
                return false;
            }
            if (!ids_match(json_object_get(wf, "type"), json_object_get(gf, "type"), why, n)) {
                size_t l = strlen(why);
                snprintf(why + l, n - l, " in column %s", name);
                return false;
            }
            break;
        }
    }
    return true;
}

static int check_ids(const struct catalog *c, const char *table, const json_t *md, struct o2p_error *err)
{
    int t = table_schema_parse(table);
    if (t < 0)
        return O2P_OK;
    json_t *want = iceberg_metadata_new((enum otel_table)t, table_schema_naming(c->cfg), "", "day", 0, NULL);
    if (!want)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    const json_t *ws = json_array_get(json_object_get(want, "schemas"), 0);
    const json_t *gs = NULL;
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(md, "schemas"), i, s) {
        if (json_integer_value(json_object_get(s, "schema-id")) == json_integer_value(json_object_get(md, "current-schema-id")))
            gs = s;
    }
    char why[300] = "";
    bool ok = gs && ids_match(ws, gs, why, sizeof why);
    json_decref(want);
    if (ok)
        return O2P_OK;
    return o2p_fail(err, O2P_EUNSUPPORTED, "table %s.%s: the catalog's field ids differ from the ids the writer "
                    "puts in the Parquet files (%s); readers would see wrong or NULL columns, so nothing is "
                    "committed. Create the table with the writer's ids (ids 1..n in schema order)",
                    c->ns, table, gs ? why : "no current schema");
}

/* vended_from - S3 keys from one `config` map of a LoadTableResult (the REST spec's s3.* FileIO
 * properties). False when the map has no key pair. */
static bool vended_from(const json_t *cfg, struct aws_credentials *out)
{
    const char *id = json_string_value(json_object_get(cfg, "s3.access-key-id"));
    const char *secret = json_string_value(json_object_get(cfg, "s3.secret-access-key"));
    const char *token = json_string_value(json_object_get(cfg, "s3.session-token"));
    const json_t *exp = json_object_get(cfg, "s3.session-token-expires-at-ms");
    if (!id || !secret || !*id || !*secret || strlen(id) >= sizeof out->access_key_id ||
        strlen(secret) >= sizeof out->secret_access_key || (token && strlen(token) >= sizeof out->session_token))
        return false;
    memset(out, 0, sizeof *out);
    strcpy(out->access_key_id, id);
    strcpy(out->secret_access_key, secret);
    if (token)
        strcpy(out->session_token, token);
    /* The spec types every config value as a string; accept a number too. */
    long long ms = json_is_string(exp) ? strtoll(json_string_value(exp), NULL, 10)
                   : json_is_integer(exp) ? (long long)json_integer_value(exp) : 0;
    out->expiration = ms > 0 ? (time_t)(ms / 1000) : 0;
    snprintf(out->source, sizeof out->source, "vended");
    return true;
}

/* vended_credentials - the keys for `uri` in a LoadTableResult: the storage-credentials entry
 * with the longest prefix of uri (the spec: "clients must choose the most specific prefix"),
 * else the top-level config. */
static bool vended_credentials(const json_t *body, const char *uri, struct aws_credentials *out)
{
    size_t best = 0, i;
    bool found = false;
    const json_t *sc;
    json_array_foreach(json_object_get(body, "storage-credentials"), i, sc) {
        const char *prefix = json_string_value(json_object_get(sc, "prefix"));
        size_t l = prefix ? strlen(prefix) : 0;
        if (!prefix || strncmp(uri, prefix, l) || (found && l <= best))
            continue;
        struct aws_credentials c;
        if (vended_from(json_object_get(sc, "config"), &c)) {
            *out = c;
            best = l;
            found = true;
        }
        explicit_bzero(&c, sizeof c);
    }
    return found || vended_from(json_object_get(body, "config"), out);
}

/* use_vended - the stores of `uri` sign with the keys the catalog vended. */
static void use_vended(struct catalog *c, const char *uri, const struct aws_credentials *cred)
{
    struct objstore *store;
    char key[CATALOG_LOCATION_MAX];
    struct o2p_error e = {0};
    if (catalog_locate(c, uri, &store, key, sizeof key, &e) == O2P_OK)
        objstore_set_credentials(store, cred);
}

/* fill - out from a LoadTableResult / CommitTableResponse. */
static int fill(struct catalog *c, const char *table, const json_t *body, struct catalog_table *out,
                struct o2p_error *err)
{
    const char *ml = json_string_value(json_object_get(body, "metadata-location"));
    const json_t *md = json_object_get(body, "metadata");
    if (!ml || strlen(ml) >= sizeof out->metadata_location)
        return o2p_fail(err, O2P_EPROTO, "table %s.%s: the catalog's answer lacks metadata-location", c->ns, table);
    json_t *parsed = NULL;
    int rc;
    struct rest *r = c->impl;
    struct aws_credentials vended;
    memset(&vended, 0, sizeof vended);
    if (json_is_object(md)) {
        char *text = iceberg_metadata_json_text(md, JSON_COMPACT);
        if (!text)
            return o2p_fail(err, O2P_ENOMEM, "table %s.%s from the catalog: copy its metadata: out of memory", c->ns,
                            table);
        rc = iceberg_metadata_parse(text, strlen(text), &parsed, err);
        free(text);
    } else {
        /* "metadata": null or absent (Glue answers so at times, JanKaul/iceberg-rust#155): the
         * metadata-location file is the table's metadata, read through the object store. */
        struct objstore *store;
        char key[CATALOG_LOCATION_MAX];
        struct buf text;
        buf_init(&text, 0);
        if (r->delegation && vended_credentials(body, ml, &vended))
            use_vended(c, ml, &vended);
        rc = catalog_locate(c, ml, &store, key, sizeof key, err);
        if (rc == O2P_OK)
            rc = objstore_get(store, key, &text, err);
        if (rc == O2P_OK)
            rc = iceberg_metadata_parse((const char *)text.data, text.len, &parsed, err);
        buf_free(&text);
        if (rc != O2P_OK)
            o2p_error_prefix(err, "the catalog sent no metadata; read %s", ml);
    }
    if (rc != O2P_OK) {
        explicit_bzero(&vended, sizeof vended);
        return o2p_error_prefix(err, "table %s.%s from the catalog", c->ns, table);
    }
    const char *loc = json_string_value(json_object_get(parsed, "location"));
    if (!loc || strlen(loc) >= sizeof out->location) {
        json_decref(parsed);
        explicit_bzero(&vended, sizeof vended);
        return o2p_fail(err, O2P_EPROTO, "table %s.%s: metadata without a usable location", c->ns, table);
    }
    /* A commit answer carries no credentials: keep what the load gave. */
    if (r->delegation && vended_credentials(body, loc, &vended)) {
        use_vended(c, loc, &vended);
        out->vended = vended;
        out->has_vended = true;
    }
    explicit_bzero(&vended, sizeof vended);
    json_decref(out->metadata);
    out->metadata = parsed;
    snprintf(out->name, sizeof out->name, "%s", table);
    strcpy(out->metadata_location, ml);
    strcpy(out->location, loc);
    size_t l = strlen(out->location);
    while (l > 0 && out->location[l - 1] == '/')
        out->location[--l] = 0;
    /* "<NNNNN>-<uuid>.metadata.json" -> NNNNN (for status); else -1. */
    const char *base = strrchr(ml, '/');
    base = base ? base + 1 : ml;
    char *end;
    long long v = strtoll(base, &end, 10);
    out->version = end != base && *end == '-' ? v : -1;
    return O2P_OK;
}

static int rest_load(struct catalog *c, const char *table, struct catalog_table *out, struct o2p_error *err)
{
    struct rest *r = c->impl;
    char path[2048];
    int rc = ensure_config(r, err);
    if (rc != O2P_OK)
        return rc;
    if (table_path(r, table, path, sizeof path) != O2P_OK)
        return o2p_fail(err, O2P_EINVAL, "table name %s too long", table);
    struct reply rep;
    rc = call(r, "GET", path, NULL, NULL, &rep, err);
    if (rc == O2P_OK && rep.status == 200) {
        rc = fill(c, table, rep.body, out, err);
        if (rc == O2P_OK)
            rc = check_ids(c, table, out->metadata, err);
        if (rc != O2P_OK)
            catalog_table_free(out);
    } else if (rc == O2P_OK) {
        char what[300];
        snprintf(what, sizeof what, "catalog load table %s.%s", c->ns, table);
        rc = status_error(&rep, what, err);
        if (rc == O2P_ENOTFOUND)
            r->ns_ready = r->ns_ready && strcmp(rep.type, "NoSuchNamespaceException") != 0;
    }
    reply_free(&rep);
    return rc;
}

/* plain_glue - AWS Glue's default catalog (general-purpose S3, not S3 Tables): it stores no
 * default table location, so the client must send one. */
static bool plain_glue(const struct catalog *c, const struct rest *r)
{
    return r->vendor == VENDOR_GLUE && !strstr(c->cfg->catalog.warehouse, ":s3tablescatalog/");
}

/* glue_location - where a plain-Glue table goes, as Java's GlueCatalog decides
 * (defaultWarehouseLocation): <namespace location property>/<table>; a warehouse given as an
 * s3:// URL (older configurations) gives <warehouse>/<ns>/<table>. catalog.warehouse is
 * otherwise Glue's catalog id (the account), not a place. */
static int glue_location(struct catalog *c, const struct rest *r, const char *table, char *loc, size_t n,
                         struct o2p_error *err)
{
    if (r->ns_location[0]) {
        if (strncmp(r->ns_location, "s3://", 5) && strncmp(r->ns_location, "s3a://", 6))
            return o2p_fail(err, O2P_EINVAL, "Glue namespace %s has location %s: expected an s3:// URL", c->ns,
                            r->ns_location);
        if (snprintf(loc, n, "%s/%s", r->ns_location, table) >= (int)n)
            return o2p_fail(err, O2P_ETOOBIG, "Glue namespace %s: location too long", c->ns);
        return O2P_OK;
    }
    if (c->store && !strcmp(objstore_scheme(c->store), "s3")) {
        char key[400];
        snprintf(key, sizeof key, "%s/%s", c->ns, table);
        objstore_url(c->store, key, loc, n);
        return O2P_OK;
    }
    return o2p_fail(err, O2P_EINVAL, "create %s.%s in Glue: Glue needs a table location and the namespace %s has "
                    "none. Give the Glue database a location (aws glue update-database --name %s --database-input "
                    "'{\"Name\":\"%s\",\"LocationUri\":\"s3://BUCKET/%s\"}'), or use S3 Tables "
                    "(catalog.glue_s3tables)", c->ns, table, c->ns, c->ns, c->ns, c->ns);
}

/* ensure_namespace - look the namespace up first (HEAD) and create it only when it is not
 * there: least-privilege credentials (AWS's, with neither glue:CreateDatabase nor
 * s3tables:CreateNamespace) answer a create with 403 even when the namespace exists, which
 * would stop every table create. A catalog without the HEAD endpoint (an answer other than 2xx
 * or 404) gets the create as before. A create refused with 403 still lets the table create
 * run: it names what is missing if the namespace really is not there. */
static int ensure_namespace(struct catalog *c, struct rest *r, struct o2p_error *err)
{
    if (r->ns_ready)
        return O2P_OK;
    char path[2048];
    struct reply rep;
    snprintf(path, sizeof path, "v1/%snamespaces/%s", r->prefix, r->ns_enc);
    /* Plain Glue wants the namespace's properties (its location), the others only whether it
     * is there. */
    int rc = call(r, plain_glue(c, r) ? "GET" : "HEAD", path, NULL, NULL, &rep, err);
    if (rc != O2P_OK)
        return rc;
    long looked = rep.status;
    const char *nl = json_string_value(json_object_get(json_object_get(rep.body, "properties"), "location"));
    snprintf(r->ns_location, sizeof r->ns_location, "%s", nl ? nl : "");
    size_t nll = strlen(r->ns_location);
    while (nll > 0 && r->ns_location[nll - 1] == '/')
        r->ns_location[--nll] = 0;
    reply_free(&rep);
    if (looked >= 200 && looked < 300) {
        r->ns_ready = true;
        return O2P_OK;
    }
    snprintf(path, sizeof path, "v1/%snamespaces", r->prefix);
    json_t *body = json_pack("{s:[s], s:{}}", "namespace", c->ns, "properties");
    rc = body ? call(r, "POST", path, NULL, body, &rep, err) : o2p_fail(err, O2P_ENOMEM, "out of memory");
    json_decref(body);
    if (rc != O2P_OK)
        return rc;
    if (rep.status == 200 || rep.status == 409) {
        r->ns_ready = true;
        if (rep.status == 200)
            log_info("committer", "op=create-namespace namespace=%s", c->ns);
    } else if (rep.status == 403) {
        r->ns_ready = true;
        log_warn("committer", "op=create-namespace namespace=%s status=403 err=\"%s\" action=\"create the tables "
                 "anyway: the credentials may only lack the permission to create namespaces\"", c->ns, rep.msg);
    } else {
        char what[300];
        snprintf(what, sizeof what, "catalog create namespace %s", c->ns);
        rc = status_error(&rep, what, err);
    }
    reply_free(&rep);
    return rc;
}

static int rest_create(struct catalog *c, const char *table, const json_t *proposal, struct catalog_table *out,
                       struct o2p_error *err)
{
    struct rest *r = c->impl;
    int rc = ensure_config(r, err);
    if (rc == O2P_OK)
        rc = ensure_namespace(c, r, err);
    if (rc != O2P_OK)
        return rc;
    if (r->vendor == VENDOR_S3TABLES) {
        for (const char *p = table; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                return o2p_fail(err, O2P_EINVAL, "table name %s: S3 Tables allows only a-z, 0-9 and _", table);
    }
    json_t *body = json_pack("{s:s, s:O, s:O, s:O, s:O, s:b}", "name", table, "schema",
                             json_array_get(json_object_get(proposal, "schemas"), 0), "partition-spec",
                             json_array_get(json_object_get(proposal, "partition-specs"), 0), "write-order",
                             json_array_get(json_object_get(proposal, "sort-orders"), 0), "properties",
                             json_object_get(proposal, "properties"), "stage-create", 0);
    if (!body)
        return o2p_fail(err, O2P_ENOMEM, "create %s: out of memory (or a proposal without schema/spec)", table);
    if (plain_glue(c, r)) {
        /* S3 Tables through Glue (ACCOUNT:s3tablescatalog/BUCKET) assigns locations itself. */
        char loc[CATALOG_LOCATION_MAX];
        rc = glue_location(c, r, table, loc, sizeof loc, err);
        if (rc != O2P_OK) {
            json_decref(body);
            return rc;
        }
        json_object_set_new(body, "location", json_string(loc));
    }
    char path[2048];
    snprintf(path, sizeof path, "v1/%snamespaces/%s/tables", r->prefix, r->ns_enc);
    struct reply rep;
    rc = call(r, "POST", path, NULL, body, &rep, err);
    json_decref(body);
    if (rc != O2P_OK)
        return rc;
    if (rep.status == 200) {
        rc = fill(c, table, rep.body, out, err);
        if (rc == O2P_OK)
            rc = check_ids(c, table, out->metadata, err);
        if (rc != O2P_OK)
            catalog_table_free(out);
    } else {
        char what[300];
        snprintf(what, sizeof what, "catalog create table %s.%s", c->ns, table);
        rc = status_error(&rep, what, err);
        if (rc == O2P_ENOTFOUND) { /* the namespace vanished: create it again next time */
            r->ns_ready = false;
            err->code = rc = O2P_EAGAIN;
        }
    }
    reply_free(&rep);
    return rc;
}

static int rest_commit(struct catalog *c, struct catalog_table *t, const json_t *snapshot, struct o2p_error *err)
{
    struct rest *r = c->impl;
    int rc = ensure_config(r, err);
    if (rc != O2P_OK)
        return rc;
    const char *uuid = json_string_value(json_object_get(t->metadata, "table-uuid"));
    int64_t parent = iceberg_metadata_current(t->metadata);
    json_int_t id = json_integer_value(json_object_get(snapshot, "snapshot-id"));
    json_t *body = json_pack("{s:{s:[s], s:s}, s:[{s:s, s:s}, {s:s, s:s, s:o}], s:[{s:s, s:O}, {s:s, s:s, s:s, s:I}]}",
                             "identifier", "namespace", c->ns, "name", t->name,
                             "requirements", "type", "assert-table-uuid", "uuid", uuid ? uuid : "",
                             "type", "assert-ref-snapshot-id", "ref", "main", "snapshot-id",
                             parent >= 0 ? json_integer(parent) : json_null(),
                             "updates", "action", "add-snapshot", "snapshot", snapshot,
                             "action", "set-snapshot-ref", "ref-name", "main", "type", "branch", "snapshot-id", id);
    if (!body)
        return o2p_fail(err, O2P_ENOMEM, "commit %s: out of memory", t->name);
    char path[2048];
    if (table_path(r, t->name, path, sizeof path) != O2P_OK) {
        json_decref(body);
        return o2p_fail(err, O2P_EINVAL, "table name %s too long", t->name);
    }
    struct reply rep;
    rc = call(r, "POST", path, NULL, body, &rep, err);
    json_decref(body);
    if (rc != O2P_OK) {
        /* No answer (timeout, reset, refused after sending...): the commit may have landed. */
        o2p_error_prefix(err, "commit %s.%s snapshot %lld: outcome unknown", c->ns, t->name, (long long)id);
        if (rc != O2P_ENOMEM)
            err->code = rc = O2P_EAGAIN;
        return rc;
    }
    if (rep.status == 200) {
        rc = fill(c, t->name, rep.body, t, err);
        if (rc != O2P_OK) {
            /* Committed, but the answer is unusable: let the committer reload and reconcile. */
            o2p_error_prefix(err, "commit %s.%s answered 200", c->ns, t->name);
            err->code = rc = O2P_EAGAIN;
        }
    } else {
        char what[300];
        snprintf(what, sizeof what, "catalog commit %s.%s snapshot %lld", c->ns, t->name, (long long)id);
        rc = status_error(&rep, what, err);
    }
    reply_free(&rep);
    return rc;
}

static void rest_close(struct catalog *c)
{
    struct rest *r = c->impl;
    if (!r)
        return;
    http_client_free(r->http);
    catalog_rest_auth_free(r->auth);
    free(r);
    c->impl = NULL;
}

/* s3tables_name_ok - S3 Tables naming: [a-z0-9_], starts and ends with a letter or digit. */
static bool s3tables_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255 || s[0] == '_' || s[n - 1] == '_')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

int catalog_rest_open(struct catalog *c, const struct o2p_config *cfg, struct o2p_error *err)
{
    const char *uri = cfg->catalog.uri;
    if (!uri || !*uri)
        return o2p_fail(err, O2P_EINVAL, "catalog.type=rest needs catalog.uri (e.g. http://127.0.0.1:8181 or "
                        "https://glue.<region>.amazonaws.com/iceberg)");
    if (strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8))
        return o2p_fail(err, O2P_EINVAL, "catalog.uri=%s: expected an http:// or https:// URL", uri);
    struct rest *r = calloc(1, sizeof *r);
    if (!r)
        return o2p_fail(err, O2P_ENOMEM, "catalog: out of memory");
    int rc = O2P_OK;
    if (strlen(uri) >= sizeof r->base)
        rc = o2p_fail(err, O2P_EINVAL, "catalog.uri too long");
    else if (cfg->catalog.warehouse && strlen(cfg->catalog.warehouse) >= sizeof r->warehouse)
        rc = o2p_fail(err, O2P_EINVAL, "catalog.warehouse too long");
    if (rc == O2P_OK) {
        strcpy(r->base, uri);
        size_t l = strlen(r->base);
        while (l > 0 && r->base[l - 1] == '/')
            r->base[--l] = 0;
        snprintf(r->warehouse, sizeof r->warehouse, "%s", cfg->catalog.warehouse ? cfg->catalog.warehouse : "");
        r->delegation = cfg->catalog.access_delegation && !strcmp(cfg->catalog.access_delegation, "vended-credentials");
        if (!strcmp(cfg->catalog.auth ? cfg->catalog.auth : "", "sigv4"))
            r->vendor = !strcmp(cfg->catalog.sigv4_service ? cfg->catalog.sigv4_service : "", "s3tables")
                            ? VENDOR_S3TABLES : VENDOR_GLUE;
        if (r->vendor == VENDOR_S3TABLES && (!s3tables_name_ok(c->ns) || !strncmp(c->ns, "aws", 3)))
            rc = o2p_fail(err, O2P_EINVAL, "catalog.namespace=%s: S3 Tables namespaces are lowercase letters, "
                          "digits and _ (starting and ending with a letter or digit, not starting with \"aws\")",
                          c->ns);
    }
    if (rc == O2P_OK && encode(r->ns_enc, sizeof r->ns_enc, c->ns) != O2P_OK)
        rc = o2p_fail(err, O2P_EINVAL, "catalog.namespace too long");
    if (rc == O2P_OK)
        rc = catalog_rest_auth_open(&r->auth, cfg, r->base, err);
    if (rc == O2P_OK)
        rc = http_client_new(&r->http, err);
    c->impl = r;
    if (rc == O2P_OK) {
        struct o2p_error e = {0};
        int crc = ensure_config(r, &e);
        if (crc == O2P_EAGAIN)
            log_warn("committer", "op=catalog-config uri=%s err=\"%s\" action=\"retried at the first commit\"",
                     r->base, e.msg);
        else if (crc != O2P_OK)
            rc = o2p_fail(err, crc, "%s", e.msg);
    }
    if (rc != O2P_OK) {
        rest_close(c);
        return rc;
    }
    return O2P_OK;
}

const struct catalog_ops catalog_rest_ops = {
    .name = "rest",
    .load = rest_load,
    .create = rest_create,
    .commit = rest_commit,
    .close = rest_close,
};
