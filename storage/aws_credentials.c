/*
 * aws_credentials.c - the AWS credential chain: environment, shared credentials file, IMDSv2.
 *
 * Owns: a cached struct aws_credentials per provider, and (for IMDS) a short-lived HTTP client
 * per refresh. The environment is read when the chain is walked, not at start-up, so a
 * rotated credentials file is picked up at the next refresh.
 *
 * Invariants: a provider hands out keys that are not within AWS_CREDENTIALS_REFRESH_S of
 * their expiration whenever a source can supply fresh ones; secrets and tokens never appear
 * in messages or logs (only the source: "env", "file:PROFILE", "imds:ROLE").
 *
 * Failure behaviour: O2P_ENOTFOUND when no source has credentials (the message lists what was
 * tried), O2P_EINVAL for a half-configured source (e.g. AWS_ACCESS_KEY_ID without the secret,
 * a profile without a key - silently falling through would pick another identity),
 * O2P_EPROTO for a malformed IMDS answer. Never exits. Not done: SSO, credential_process,
 * web identity, ECS container credentials, config-file profiles with role_arn.
 * This is the one place that reads the AWS_* environment variables (design.md names them).
 */
#include "storage/aws_credentials.h"

#include "common/buf.h"
#include "storage/http_client.h"
#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"

/* copy - bounded copy; O2P_ETOOBIG when src does not fit. */
static int copy(char *dst, size_t n, const char *src, const char *what, struct o2p_error *err)
{
    size_t len = strlen(src);
    if (len >= n)
        return o2p_fail(err, O2P_ETOOBIG, "aws credentials: %s is %zu bytes, limit %zu", what,
                        len, n - 1);
    memcpy(dst, src, len + 1);
    return O2P_OK;
}

int aws_credentials_from_env(struct aws_credentials *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    bool has_id = id && *id, has_secret = secret && *secret;
    if (!has_id && !has_secret)
        return o2p_fail(err, O2P_ENOTFOUND, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
    if (!has_id || !has_secret)
        return o2p_fail(err, O2P_EINVAL, "%s is set but %s is not",
                        has_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                        has_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    int rc = copy(out->access_key_id, sizeof out->access_key_id, id, "AWS_ACCESS_KEY_ID", err);
    if (rc == O2P_OK)
        rc = copy(out->secret_access_key, sizeof out->secret_access_key, secret,
                  "AWS_SECRET_ACCESS_KEY", err);
    if (rc == O2P_OK && token)
        rc = copy(out->session_token, sizeof out->session_token, token, "AWS_SESSION_TOKEN", err);
    snprintf(out->source, sizeof out->source, "env");
    return rc;
}

/* trim - strip blanks at both ends in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

int aws_credentials_from_file(const char *path, const char *profile, struct aws_credentials *out,
                              struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    if (!profile || !*profile)
        profile = "default";
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return o2p_fail(err, O2P_ENOTFOUND, "shared credentials file %s does not exist", path);
        return o2p_fail_errno(err, "open shared credentials file %s", path);
    }
    char line[8192];
    bool in_profile = false, found = false;
    int rc = O2P_OK;
    while (rc == O2P_OK && fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == '#' || *s == ';' || *s == 0)
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end)
                *end = 0;
            char *name = trim(s + 1);
            /* The credentials file names profiles plainly; tolerate "profile x" too. */
            if (strncmp(name, "profile ", 8) == 0)
                name = trim(name + 8);
            in_profile = strcmp(name, profile) == 0;
            found |= in_profile;
            continue;
        }
        if (!in_profile)
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        if (strcasecmp(k, "aws_access_key_id") == 0)
            rc = copy(out->access_key_id, sizeof out->access_key_id, v, "aws_access_key_id", err);
        else if (strcasecmp(k, "aws_secret_access_key") == 0)
            rc = copy(out->secret_access_key, sizeof out->secret_access_key, v,
                      "aws_secret_access_key", err);
        else if (strcasecmp(k, "aws_session_token") == 0)
            rc = copy(out->session_token, sizeof out->session_token, v, "aws_session_token", err);
    }
    bool read_error = ferror(f);
    fclose(f);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "%s [%s]", path, profile);
    if (read_error)
        return o2p_fail(err, O2P_EIO, "read shared credentials file %s failed", path);
    if (!found)
        return o2p_fail(err, O2P_ENOTFOUND, "profile [%s] not found in %s", profile, path);
    if (!out->access_key_id[0] || !out->secret_access_key[0])
        return o2p_fail(err, O2P_EINVAL,
                        "profile [%s] in %s lacks aws_access_key_id or aws_secret_access_key",
                        profile, path);
    snprintf(out->source, sizeof out->source, "file:%.58s", profile);
    return O2P_OK;
}

/* imds_call - one IMDS request; body to `out`. O2P_ENOTFOUND for transport errors and 404. */
static int imds_call(struct http_client *hc, const char *method, const char *url,
                     const struct http_header *h, size_t nh, struct buf *out,
                     struct o2p_error *err)
{
    struct http_client_request rq = {.method = method, .url = url, .headers = h, .nheaders = nh,
                              .connect_timeout_ms = 1000, .timeout_ms = 3000};
    struct http_response resp;
    http_response_init(&resp, out);
    int rc = http_client_do(hc, &rq, &resp, err);
    if (rc == O2P_EAGAIN)
        rc = o2p_fail(err, O2P_ENOTFOUND, "EC2 metadata service: %s", err ? err->msg : "");
    else if (rc == O2P_OK && resp.status != 200)
        rc = o2p_fail(err, resp.status == 404 ? O2P_ENOTFOUND : O2P_EPROTO,
                      "EC2 metadata service: %s %s: HTTP %ld", method, url, resp.status);
    http_response_free(&resp);
    return rc;
}

/* parse_iso8601 - "2024-01-02T03:04:05Z" to time_t; 0 when unparsable. */
static time_t parse_iso8601(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h, mi, sec;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return timegm(&tm);
}

int aws_credentials_from_imds(const char *endpoint, struct aws_credentials *out,
                              struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    if (!endpoint || !*endpoint)
        endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!endpoint || !*endpoint)
        endpoint = IMDS_DEFAULT_ENDPOINT;
    size_t elen = strlen(endpoint);
    while (elen && endpoint[elen - 1] == '/')
        elen--;
    struct http_client *hc = NULL;
    int rc = http_client_new(&hc, err);
    if (rc != O2P_OK)
        return rc;
    struct buf token, role, doc;
    buf_init(&token, 4096);
    buf_init(&role, 4096);
    buf_init(&doc, 64 << 10);
    char url[1024];
    json_t *j = NULL;

    snprintf(url, sizeof url, "%.*s/latest/api/token", (int)elen, endpoint);
    struct http_header th[] = {{"X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL}};
    rc = imds_call(hc, "PUT", url, th, 1, &token, err);
    if (rc != O2P_OK)
        goto out;
    struct http_header ah[] = {{"X-aws-ec2-metadata-token", token.data ? (char *)token.data : ""}};
    snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/", (int)elen,
             endpoint);
    rc = imds_call(hc, "GET", url, ah, 1, &role, err);
    if (rc != O2P_OK)
        goto out;
    char *r = role.data ? trim((char *)role.data) : (char *)"";
    char *nl = strchr(r, '\n');
    if (nl)
        *nl = 0;
    r = trim(r);
    if (!*r) {
        rc = o2p_fail(err, O2P_ENOTFOUND, "EC2 metadata service: no IAM role attached");
        goto out;
    }
    if (snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)elen,
                 endpoint, r) >= (int)sizeof url) {
        rc = o2p_fail(err, O2P_EPROTO, "EC2 metadata service: role name too long");
        goto out;
    }
    rc = imds_call(hc, "GET", url, ah, 1, &doc, err);
    if (rc != O2P_OK)
        goto out;
    json_error_t je;
    j = json_loadb(doc.data ? (char *)doc.data : "", doc.len, 0, &je);
    const char *id = json_string_value(json_object_get(j, "AccessKeyId"));
    const char *secret = json_string_value(json_object_get(j, "SecretAccessKey"));
    const char *tok = json_string_value(json_object_get(j, "Token"));
    const char *exp = json_string_value(json_object_get(j, "Expiration"));
    if (!j || !id || !secret) {
        rc = o2p_fail(err, O2P_EPROTO,
                      "EC2 metadata service: credentials for role %s lack AccessKeyId or "
                      "SecretAccessKey",
                      r);
        goto out;
    }
    rc = copy(out->access_key_id, sizeof out->access_key_id, id, "AccessKeyId", err);
    if (rc == O2P_OK)
        rc = copy(out->secret_access_key, sizeof out->secret_access_key, secret,
                  "SecretAccessKey", err);
    if (rc == O2P_OK && tok)
        rc = copy(out->session_token, sizeof out->session_token, tok, "Token", err);
    out->expiration = exp ? parse_iso8601(exp) : 0;
    snprintf(out->source, sizeof out->source, "imds:%.58s", r);
out:
    json_decref(j);
    buf_free(&token);
    buf_free(&role);
    buf_free(&doc);
    http_client_free(hc);
    return rc;
}

int aws_credentials_encode(const struct aws_credentials *c, char *out, size_t n, struct o2p_error *err)
{
    const char *parts[] = {c->access_key_id, c->secret_access_key, c->session_token};
    for (size_t i = 0; i < 3; i++)
        if (strpbrk(parts[i], "\t\r\n"))
            return o2p_fail(err, O2P_EINVAL, "credentials %s: a key holds a tab or newline", c->source);
    int w = snprintf(out, n, "v1\t%s\t%s\t%s\t%lld", c->access_key_id, c->secret_access_key, c->session_token,
                     (long long)c->expiration);
    if (w < 0 || (size_t)w >= n)
        return o2p_fail(err, O2P_ETOOBIG, "credentials %s: too long to encode", c->source);
    return O2P_OK;
}

int aws_credentials_decode(const char *text, struct aws_credentials *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    if (strncmp(text, "v1\t", 3))
        return o2p_fail(err, O2P_ECORRUPT, "credentials text: not version v1");
    const char *p = text + 3;
    char *fields[] = {out->access_key_id, out->secret_access_key, out->session_token};
    size_t sizes[] = {sizeof out->access_key_id, sizeof out->secret_access_key, sizeof out->session_token};
    for (size_t i = 0; i < 3; i++) {
        const char *tab = strchr(p, '\t');
        if (!tab || (size_t)(tab - p) >= sizes[i])
            return o2p_fail(err, O2P_ECORRUPT, "credentials text: field %zu missing or too long", i + 2);
        memcpy(fields[i], p, (size_t)(tab - p));
        fields[i][tab - p] = 0;
        p = tab + 1;
    }
    char *end;
    long long exp = strtoll(p, &end, 10);
    if (end == p || *end || exp < 0 || !out->access_key_id[0] || !out->secret_access_key[0]) {
        explicit_bzero(out, sizeof *out);
        return o2p_fail(err, O2P_ECORRUPT, "credentials text: bad expiration or empty keys");
    }
    out->expiration = (time_t)exp;
    snprintf(out->source, sizeof out->source, "vended");
    return O2P_OK;
}

struct aws_credentials_provider {
    struct aws_credentials cur;
    bool have, pinned;
};

int aws_credentials_provider_new(struct aws_credentials_provider **out, struct o2p_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return o2p_fail(err, O2P_ENOMEM, "aws credentials: out of memory");
    return O2P_OK;
}

void aws_credentials_provider_set(struct aws_credentials_provider *p,
                                  const struct aws_credentials *cred)
{
    p->cur = *cred;
    if (!p->cur.source[0])
        snprintf(p->cur.source, sizeof p->cur.source, "static");
    p->have = p->pinned = true;
}

void aws_credentials_provider_invalidate(struct aws_credentials_provider *p)
{
    if (!p->pinned)
        p->have = false;
}

void aws_credentials_provider_free(struct aws_credentials_provider *p)
{
    if (p)
        explicit_bzero(p, sizeof *p);
    free(p);
}

/* walk_chain - env, then file, then IMDS; the first source that has keys wins. */
static int walk_chain(struct aws_credentials *c, struct o2p_error *err)
{
    struct o2p_error e1 = {0}, e2 = {0}, e3 = {0};
    int rc = aws_credentials_from_env(c, &e1);
    if (rc != O2P_ENOTFOUND) {
        if (rc != O2P_OK && err)
            *err = e1;
        return rc;
    }
    char path[4096];
    const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
    if (!file || !*file) {
        const char *home = getenv("HOME");
        snprintf(path, sizeof path, "%s/.aws/credentials", home && *home ? home : ".");
        file = path;
    }
    rc = aws_credentials_from_file(file, getenv("AWS_PROFILE"), c, &e2);
    if (rc != O2P_ENOTFOUND) {
        if (rc != O2P_OK && err)
            *err = e2;
        return rc;
    }
    const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
    if (disabled && strcasecmp(disabled, "true") == 0) {
        snprintf(e3.msg, sizeof e3.msg, "disabled by AWS_EC2_METADATA_DISABLED");
        rc = O2P_ENOTFOUND;
    } else {
        rc = aws_credentials_from_imds(NULL, c, &e3);
        if (rc != O2P_ENOTFOUND) {
            if (rc != O2P_OK && err)
                *err = e3;
            return rc;
        }
    }
    return o2p_fail(err, O2P_ENOTFOUND, "no AWS credentials: environment: %s; file: %s; IMDS: %s",
                    e1.msg, e2.msg, e3.msg);
}

int aws_credentials_provider_get(struct aws_credentials_provider *p, time_t now,
                                 struct aws_credentials *out, struct o2p_error *err)
{
    bool stale = p->have && !p->pinned && p->cur.expiration &&
                 now + AWS_CREDENTIALS_REFRESH_S >= p->cur.expiration;
    if (p->have && !stale) {
        *out = p->cur;
        return O2P_OK;
    }
    struct aws_credentials fresh;
    int rc = walk_chain(&fresh, err);
    if (rc != O2P_OK) {
        explicit_bzero(&fresh, sizeof fresh);
        if (p->have && now < p->cur.expiration) {
            /* Keep using keys that still work; the next call tries again. */
            log_warn("objstore", "op=refresh_credentials source=%s err=\"%s\"", p->cur.source,
                     err ? err->msg : "");
            *out = p->cur;
            return O2P_OK;
        }
        p->have = false;
        return rc;
    }
    p->cur = fresh;
    p->have = true;
    explicit_bzero(&fresh, sizeof fresh);
    *out = p->cur;
    return O2P_OK;
}
