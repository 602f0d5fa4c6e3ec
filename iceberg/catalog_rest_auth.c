/*
 * catalog_rest_auth.c - how the REST catalog client authenticates (catalog.auth):
 *
 *   none    nothing
 *   bearer  Authorization: Bearer <catalog.token_file's content, trimmed>. On 401/419 the file
 *           is read again (a rotated token) and the request retried once if it changed.
 *   oauth2  OAuth2 client credentials (reference/iceberg.md 1.2, RFC 6749 4.4): form POST
 *           grant_type=client_credentials&scope=<catalog.oauth2_scope> (+ audience, resource
 *           when set) to catalog.oauth2_server_uri (default <uri>/v1/oauth/tokens), the client
 *           id and secret in the body or, with oauth2_client_auth=basic, as HTTP Basic
 *           (RFC 6749 2.3.1: each form-urlencoded first). The access token is cached and
 *           fetched again before it expires (a fifth of expires_in early, at most a minute;
 *           half of it for tokens under 10 s) and after a 401/419 (once per request).
 *   sigv4   every request signed (reference/iceberg.md 6.1) for catalog.sigv4_service (glue,
 *           s3tables) in catalog.region (default s3.region): host and content-type signed, body
 *           hashed, path canonicalised with the double encoding those services need
 *           (sigv4_sign without SIGV4_S3). Credentials from storage/aws_credentials.h (env,
 *           shared file, IMDSv2), refreshed by the provider; dropped on a 401/419 and on a 403
 *           that says the keys expired or are unknown (ExpiredToken, InvalidClientTokenId, ...).
 *
 * Every request, the token request included, also carries the catalog.header.<Name> headers
 * (Polaris-Realm, ...) and, with catalog.access_delegation = vended-credentials,
 * X-Iceberg-Access-Delegation: vended-credentials.
 *
 * Owns: the token and the credential provider. One thread at a time.
 * Failure behaviour: a token endpoint that is down or answers 5xx is O2P_EAGAIN (the commit
 * outcome is then "not sent": the committer retries later); one that refuses the client is
 * O2P_EINVAL with the endpoint's error and error_description.
 * Does not: token exchange / refresh tokens (a new client-credentials grant is as good and
 * simpler), or log secrets (tokens never appear in messages).
 */
#include "iceberg/catalog_rest.h"

#include "common/buf.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "storage/sigv4.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum mode { AUTH_NONE, AUTH_BEARER, AUTH_OAUTH2, AUTH_SIGV4 };

struct catalog_rest_auth {
    enum mode mode;
    char token[REST_TOKEN_MAX];     /* bearer / oauth2: "" = none yet */
    char token_file[1024];
    /* oauth2 */
    char token_url[1024];
    char client_id[512], client_secret[512];
    char scope[512], audience[512], resource[1024];
    bool basic;                     /* client credentials as HTTP Basic, not in the body */
    int64_t refresh_at;             /* monotonic seconds; 0 = no token */
    /* catalog.header.<Name>: parsed from a copy of the config's "Name: value\n" lines */
    char *extra_text;
    struct http_header extra[REST_EXTRA_HEADERS_MAX];
    size_t nextra;
    /* sigv4 */
    struct aws_credentials_provider *creds;
    char region[64], service[32];
};

static int64_t mono_s(void) { return (int64_t)(clock_mono_ms() / 1000); }

/* read_trimmed - a small secret file's content without surrounding whitespace. */
static int read_trimmed(const char *path, char *out, size_t n, const char *what, struct o2p_error *err)
{
    struct buf b;
    buf_init(&b, n);
    int rc = fs_read_file(path, &b, err);
    if (rc != O2P_OK) {
        buf_free(&b);
        return o2p_error_prefix(err, "%s %s", what, path);
    }
    size_t s = 0, e = b.len;
    while (s < e && (b.data[s] == ' ' || b.data[s] == '\t' || b.data[s] == '\n' || b.data[s] == '\r'))
        s++;
    while (e > s && (b.data[e - 1] == ' ' || b.data[e - 1] == '\t' || b.data[e - 1] == '\n' || b.data[e - 1] == '\r'))
        e--;
    if (e == s || e - s >= n) {
        buf_free(&b);
        return o2p_fail(err, O2P_EINVAL, "%s %s: %s", what, path, e == s ? "empty" : "too long");
    }
    memcpy(out, b.data + s, e - s);
    out[e - s] = 0;
    buf_free(&b);
    return O2P_OK;
}

/* parse_extra_headers - catalog.header.* lines (validated by cfg) into a->extra. */
static int parse_extra_headers(struct catalog_rest_auth *a, const char *lines, struct o2p_error *err)
{
    if (!lines || !*lines)
        return O2P_OK;
    a->extra_text = strdup(lines);
    if (!a->extra_text)
        return o2p_fail(err, O2P_ENOMEM, "catalog.header: out of memory");
    for (char *l = a->extra_text, *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        char *colon = strchr(l, ':');
        if (!nl || !colon || colon > nl)
            return o2p_fail(err, O2P_EINVAL, "catalog.header: malformed line");
        if (a->nextra == REST_EXTRA_HEADERS_MAX)
            return o2p_fail(err, O2P_EINVAL, "catalog.header: more than %d headers", REST_EXTRA_HEADERS_MAX);
        *colon = 0;
        *nl = 0;
        a->extra[a->nextra++] = (struct http_header){l, colon + 1 + (colon[1] == ' ')};
    }
    return O2P_OK;
}

int catalog_rest_auth_open(struct catalog_rest_auth **out, const struct o2p_config *cfg, const char *uri, struct o2p_error *err)
{
    *out = NULL;
    struct catalog_rest_auth *a = calloc(1, sizeof *a);
    if (!a)
        return o2p_fail(err, O2P_ENOMEM, "catalog auth: out of memory");
    const char *m = cfg->catalog.auth ? cfg->catalog.auth : "none";
    int rc = O2P_OK;
    if (!strcmp(m, "none")) {
        a->mode = AUTH_NONE;
    } else if (!strcmp(m, "bearer")) {
        a->mode = AUTH_BEARER;
        if (!cfg->catalog.token_file || !*cfg->catalog.token_file)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.auth=bearer needs catalog.token_file");
        else if (strlen(cfg->catalog.token_file) >= sizeof a->token_file)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.token_file: path too long");
        else {
            strcpy(a->token_file, cfg->catalog.token_file);
            rc = read_trimmed(a->token_file, a->token, sizeof a->token, "catalog.token_file", err);
        }
    } else if (!strcmp(m, "oauth2")) {
        a->mode = AUTH_OAUTH2;
        char cred[1100];
        if (!cfg->catalog.credential_file || !*cfg->catalog.credential_file)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.auth=oauth2 needs catalog.credential_file (client_id:client_secret)");
        else
            rc = read_trimmed(cfg->catalog.credential_file, cred, sizeof cred, "catalog.credential_file", err);
        char *colon = rc == O2P_OK ? strchr(cred, ':') : NULL;
        if (rc == O2P_OK && (!colon || colon == cred || strlen(colon + 1) >= sizeof a->client_secret ||
                             (size_t)(colon - cred) >= sizeof a->client_id))
            rc = o2p_fail(err, O2P_EINVAL, "catalog.credential_file %s: expected client_id:client_secret",
                          cfg->catalog.credential_file);
        if (rc == O2P_OK) {
            *colon = 0;
            strcpy(a->client_id, cred);
            strcpy(a->client_secret, colon + 1);
            const char *tu = cfg->catalog.oauth2_server_uri;
            int n = tu && *tu ? snprintf(a->token_url, sizeof a->token_url, "%s", tu)
                              : snprintf(a->token_url, sizeof a->token_url, "%s/v1/oauth/tokens", uri);
            if (n >= (int)sizeof a->token_url)
                rc = o2p_fail(err, O2P_EINVAL, "catalog.oauth2_server_uri: too long");
        }
        memset(cred, 0, sizeof cred);
        const struct { const char *v; char *dst; size_t n; const char *key; } opt[] = {
            {cfg->catalog.oauth2_scope, a->scope, sizeof a->scope, "oauth2_scope"},
            {cfg->catalog.oauth2_audience, a->audience, sizeof a->audience, "oauth2_audience"},
            {cfg->catalog.oauth2_resource, a->resource, sizeof a->resource, "oauth2_resource"},
        };
        for (size_t i = 0; i < sizeof opt / sizeof opt[0] && rc == O2P_OK; i++)
            if (opt[i].v && snprintf(opt[i].dst, opt[i].n, "%s", opt[i].v) >= (int)opt[i].n)
                rc = o2p_fail(err, O2P_EINVAL, "catalog.%s: longer than %zu bytes", opt[i].key, opt[i].n - 1);
        a->basic = cfg->catalog.oauth2_client_auth && !strcmp(cfg->catalog.oauth2_client_auth, "basic");
    } else if (!strcmp(m, "sigv4")) {
        a->mode = AUTH_SIGV4;
        const char *region = cfg->catalog.region && *cfg->catalog.region ? cfg->catalog.region : cfg->s3.region;
        const char *svc = cfg->catalog.sigv4_service && *cfg->catalog.sigv4_service ? cfg->catalog.sigv4_service : "glue";
        if (!region || !*region || strlen(region) >= sizeof a->region)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.auth=sigv4 needs catalog.region (or s3.region)");
        else if (strlen(svc) >= sizeof a->service)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.sigv4_service=%s: unknown", svc);
        else {
            strcpy(a->region, region);
            strcpy(a->service, svc);
            rc = aws_credentials_provider_new(&a->creds, err);
        }
    } else {
        rc = o2p_fail(err, O2P_EINVAL, "catalog.auth=%s: expected none, bearer, oauth2 or sigv4", m);
    }
    if (rc == O2P_OK)
        rc = parse_extra_headers(a, cfg->catalog.headers, err);
    if (rc == O2P_OK && cfg->catalog.access_delegation && !strcmp(cfg->catalog.access_delegation, "vended-credentials")) {
        if (a->nextra == REST_EXTRA_HEADERS_MAX)
            rc = o2p_fail(err, O2P_EINVAL, "catalog.header: more than %d headers", REST_EXTRA_HEADERS_MAX - 1);
        else
            a->extra[a->nextra++] = (struct http_header){"X-Iceberg-Access-Delegation", "vended-credentials"};
    }
    if (rc != O2P_OK) {
        catalog_rest_auth_free(a);
        return rc;
    }
    *out = a;
    return O2P_OK;
}

void catalog_rest_auth_free(struct catalog_rest_auth *a)
{
    if (!a)
        return;
    aws_credentials_provider_free(a->creds);
    free(a->extra_text);
    memset(a, 0, sizeof *a); /* secrets */
    free(a);
}

const char *catalog_rest_auth_mode(const struct catalog_rest_auth *a)
{
    static const char *const names[] = {"none", "bearer", "oauth2", "sigv4"};
    return names[a->mode];
}

static int form_add(struct buf *b, const char *name, const char *value)
{
    int rc = buf_printf(b, "%s%s=", b->len ? "&" : "", name);
    if (rc == O2P_OK)
        rc = sigv4_uri_encode(b, value, false);
    return rc;
}

/* basic_credentials - "Basic base64(urlenc(id):urlenc(secret))" (RFC 6749 2.3.1) into out. */
static int basic_credentials(const struct catalog_rest_auth *a, char *out, size_t n)
{
    struct buf pair;
    buf_init(&pair, 4096);
    int rc = sigv4_uri_encode(&pair, a->client_id, false);
    if (rc == O2P_OK)
        rc = buf_append(&pair, ":", 1);
    if (rc == O2P_OK)
        rc = sigv4_uri_encode(&pair, a->client_secret, false);
    if (rc == O2P_OK && 6 + 4 * ((pair.len + 2) / 3) + 1 > n)
        rc = O2P_ETOOBIG;
    if (rc == O2P_OK) {
        memcpy(out, "Basic ", 6);
        EVP_EncodeBlock((unsigned char *)out + 6, pair.data, (int)pair.len);
    }
    memset(pair.data, 0, pair.len);
    buf_free(&pair);
    return rc;
}

/* fetch_token - OAuth2 client-credentials grant. */
static int fetch_token(struct catalog_rest_auth *a, struct http_client *http, struct o2p_error *err)
{
    struct buf form, body;
    buf_init(&form, 8192);
    buf_init(&body, 1u << 20);
    char basic[1600];
    int rc = form_add(&form, "grant_type", "client_credentials");
    if (rc == O2P_OK && !a->basic)
        rc = form_add(&form, "client_id", a->client_id);
    if (rc == O2P_OK && !a->basic)
        rc = form_add(&form, "client_secret", a->client_secret);
    if (rc == O2P_OK && a->scope[0])
        rc = form_add(&form, "scope", a->scope);
    if (rc == O2P_OK && a->audience[0])
        rc = form_add(&form, "audience", a->audience);
    if (rc == O2P_OK && a->resource[0])
        rc = form_add(&form, "resource", a->resource);
    if (rc == O2P_OK && a->basic)
        rc = basic_credentials(a, basic, sizeof basic);
    if (rc != O2P_OK) {
        buf_free(&form);
        buf_free(&body);
        return o2p_fail(err, rc, "oauth2 token request: %s", o2p_strerror(rc));
    }
    struct http_header h[3 + REST_EXTRA_HEADERS_MAX] = {
        {"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    size_t nh = 2;
    if (a->basic)
        h[nh++] = (struct http_header){"Authorization", basic};
    for (size_t i = 0; i < a->nextra; i++)
        h[nh++] = a->extra[i];
    struct http_client_request rq = {.method = "POST", .url = a->token_url, .headers = h, .nheaders = nh,
                              .body = form.data, .body_len = form.len, .connect_timeout_ms = 5000,
                              .timeout_ms = 30000};
    struct http_response resp;
    http_response_init(&resp, &body);
    int64_t t0 = mono_s();
    rc = http_client_do(http, &rq, &resp, err);
    memset(form.data, 0, form.len); /* the client secret */
    memset(basic, 0, sizeof basic);
    buf_free(&form);
    if (rc != O2P_OK) {
        http_response_free(&resp);
        buf_free(&body);
        return o2p_error_prefix(err, "oauth2 token endpoint");
    }
    if (resp.status != 200) {
        json_t *e = json_loadb((const char *)resp.error_body.data, resp.error_body.len, 0, NULL);
        const char *code = json_string_value(json_object_get(e, "error"));
        const char *desc = json_string_value(json_object_get(e, "error_description"));
        rc = resp.status >= 500 || resp.status == 429 || resp.status == 408 ? O2P_EAGAIN : O2P_EINVAL;
        o2p_fail(err, rc, "oauth2 token endpoint %s: HTTP %ld %s%s%s", a->token_url, resp.status,
                 code ? code : "", desc ? ": " : "", desc ? desc : "");
        json_decref(e);
        http_response_free(&resp);
        buf_free(&body);
        return rc;
    }
    json_t *j = json_loadb((const char *)body.data, body.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    const json_t *exp = json_object_get(j, "expires_in");
    if (!tok || !*tok || strlen(tok) >= sizeof a->token) {
        rc = o2p_fail(err, O2P_EPROTO, "oauth2 token endpoint %s: no usable access_token in the answer", a->token_url);
    } else {
        strcpy(a->token, tok);
        /* Refresh early so a request never leaves with a token about to expire. Without
         * expires_in, assume Java's default of one hour. */
        int64_t life = json_is_integer(exp) ? (int64_t)json_integer_value(exp)
                       : json_is_real(exp)  ? (int64_t)json_real_value(exp)
                                            : 3600;
        int64_t early = life >= 10 ? (life / 5 < 60 ? life / 5 : 60) : life / 2;
        a->refresh_at = t0 + (life - early > 1 ? life - early : 1);
        log_info("committer", "op=oauth2-token endpoint=%s expires_in=%lld", a->token_url, (long long)life);
    }
    json_decref(j);
    http_response_free(&resp);
    memset(body.data, 0, body.len);
    buf_free(&body);
    return rc;
}

/* host_of - the authority of an http(s) URL ("host[:port]"), as curl sends it in Host. */
static int host_of(const char *url, char *out, size_t n, const char **path)
{
    const char *p = strstr(url, "://");
    if (!p)
        return O2P_EINVAL;
    p += 3;
    size_t l = strcspn(p, "/?#");
    if (l == 0 || l >= n)
        return O2P_EINVAL;
    memcpy(out, p, l);
    out[l] = 0;
    *path = p + l;
    return O2P_OK;
}

static void add(struct rest_headers *hs, const char *name, const char *value)
{
    if (hs->n < sizeof hs->h / sizeof hs->h[0])
        hs->h[hs->n++] = (struct http_header){name, value};
}

int catalog_rest_auth_sigv4_headers(const char *method, const char *url, const char *content_type, const void *body,
                       size_t body_len, const struct aws_credentials *cred, const char *region,
                       const char *service, time_t now, struct rest_headers *hs, struct o2p_error *err)
{
    const char *rest;
    if (host_of(url, hs->host, sizeof hs->host, &rest) != O2P_OK)
        return o2p_fail(err, O2P_EINVAL, "sigv4: cannot take the host from %s", url);
    char path[2048], query[2048];
    size_t pl = strcspn(rest, "?#");
    if (pl >= sizeof path)
        return o2p_fail(err, O2P_ETOOBIG, "sigv4: path too long in %s", url);
    memcpy(path, rest, pl);
    path[pl] = 0;
    query[0] = 0;
    if (rest[pl] == '?') {
        size_t ql = strcspn(rest + pl + 1, "#");
        if (ql >= sizeof query)
            return o2p_fail(err, O2P_ETOOBIG, "sigv4: query too long in %s", url);
        memcpy(query, rest + pl + 1, ql);
        query[ql] = 0;
    }
    struct sigv4_header sh[2] = {{"host", hs->host}, {"content-type", content_type}};
    struct sigv4_request rq = {.method = method, .path = path, .query = query[0] ? query : NULL, .headers = sh,
                               .nheaders = content_type ? 2 : 1, .body = body ? body : "", .body_len = body_len,
                               .flags = 0};
    struct sigv4_result r;
    int rc = sigv4_sign(&rq, cred, region, service, now, &r, err);
    if (rc == O2P_OK) {
        if (r.authorization.len >= sizeof hs->authorization)
            rc = o2p_fail(err, O2P_ETOOBIG, "sigv4: authorization header too long");
    }
    if (rc == O2P_OK) {
        memcpy(hs->authorization, r.authorization.data, r.authorization.len);
        hs->authorization[r.authorization.len] = 0;
        snprintf(hs->amz_date, sizeof hs->amz_date, "%s", r.amz_date);
        add(hs, "Host", hs->host);
        add(hs, "x-amz-date", hs->amz_date);
        if (cred->session_token[0]) {
            snprintf(hs->security_token, sizeof hs->security_token, "%s", cred->session_token);
            add(hs, "x-amz-security-token", hs->security_token);
        }
        add(hs, "Authorization", hs->authorization);
    }
    sigv4_result_free(&r);
    return rc;
}

int catalog_rest_auth_headers(struct catalog_rest_auth *a, struct http_client *http, const char *method, const char *url,
                      const char *content_type, const void *body, size_t body_len, struct rest_headers *hs,
                      struct o2p_error *err)
{
    hs->n = 0;
    add(hs, "Accept", "application/json");
    if (content_type)
        add(hs, "Content-Type", content_type);
    for (size_t i = 0; i < a->nextra; i++)
        add(hs, a->extra[i].name, a->extra[i].value);
    switch (a->mode) {
    case AUTH_NONE:
        return O2P_OK;
    case AUTH_OAUTH2:
        if (!a->token[0] || mono_s() >= a->refresh_at) {
            int rc = fetch_token(a, http, err);
            if (rc != O2P_OK)
                return rc;
        }
        /* fall through */
    case AUTH_BEARER:
        snprintf(hs->authorization, sizeof hs->authorization, "Bearer %s", a->token);
        add(hs, "Authorization", hs->authorization);
        return O2P_OK;
    case AUTH_SIGV4: {
        struct aws_credentials cred;
        int rc = aws_credentials_provider_get(a->creds, time(NULL), &cred, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "sigv4 credentials for the catalog");
        rc = catalog_rest_auth_sigv4_headers(method, url, content_type, body, body_len, &cred, a->region, a->service, time(NULL),
                                hs, err);
        memset(&cred, 0, sizeof cred);
        return rc;
    }
    }
    return O2P_OK;
}

bool catalog_rest_auth_unauthorized(struct catalog_rest_auth *a)
{
    switch (a->mode) {
    case AUTH_OAUTH2:
        a->token[0] = 0;
        a->refresh_at = 0;
        return true;
    case AUTH_BEARER: {
        char fresh[REST_TOKEN_MAX];
        struct o2p_error e = {0};
        if (read_trimmed(a->token_file, fresh, sizeof fresh, "catalog.token_file", &e) != O2P_OK ||
            !strcmp(fresh, a->token))
            return false;
        strcpy(a->token, fresh);
        return true;
    }
    case AUTH_SIGV4:
        aws_credentials_provider_invalidate(a->creds);
        return true;
    case AUTH_NONE:
        break;
    }
    return false;
}
