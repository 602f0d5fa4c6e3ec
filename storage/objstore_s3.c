/*
 * objstore_s3.c - the s3:// object store: PutObject, GetObject, HeadObject, DeleteObject,
 * ListObjectsV2 on AWS S3 and S3-compatible stores (R2, MinIO, ...), signed with our SigV4.
 *
 * Owns: struct s3 (endpoint, addressing, region), one HTTP client (connection reuse) and one
 * credential provider. Multipart uploads live in objstore_s3_multipart.c.
 *
 * Addressing: path style  {scheme}://{endpoint}/{bucket}/{prefix/key}
 *             virtual     {scheme}://{bucket}.{endpoint}/{prefix/key}
 * with endpoint = s3.endpoint, or s3.{region}.amazonaws.com (https) when empty. Object keys go
 * on the wire URI-encoded except '/', and S3 signs that path as is (no double encoding).
 * Queries are built in canonical order so the wire and the signature agree byte for byte.
 *
 * Invariants: every request body is covered by its signed SHA-256 (x-amz-content-sha256), so
 * S3 rejects a body corrupted in transit; a request is re-signed on every attempt (fresh
 * x-amz-date); retries happen only for answers that cannot have been a final refusal: 5xx
 * but 501, 408, 429, RequestTimeout, SlowDown, and transport failures.
 *
 * Failure behaviour: see objstore.h; status mapping in objstore_s3_fail. Never exits.
 * Not done: SSE-KMS/SSE-C headers, checksums other than SHA-256, presigned URLs, ListObjects
 * delimiters, path-style fallback for buckets with dots under https virtual hosting.
 */
#include "storage/objstore_int.h"
#include "common/backoff.h"
#include "common/log.h"
#include "storage/sigv4.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S3_LIST_PAGE_MAX (16u << 20)
#define S3_SMALL_BODY_MAX (1u << 20)

void objstore_s3_url(const struct s3 *s, const char *key, char *out, size_t n)
{
    snprintf(out, n, "s3://%s/%s%s%s", s->bucket, s->prefix, s->prefix[0] && key && *key ? "/" : "",
             key ? key : "");
}

/* xml_unescape - decode the five predefined XML entities and numeric ones below 0x80. */
static void xml_unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (s[i] == '&') {
            static const struct {
                const char *ent;
                char c;
            } map[] = {{"&amp;", '&'},
                       {"&lt;", '<'},
                       {"&gt;", '>'},
                       {"&quot;", '"'},
                       {"&apos;", '\''}};
            bool done = false;
            for (size_t k = 0; k < sizeof map / sizeof map[0] && !done; k++) {
                size_t l = strlen(map[k].ent);
                if (i + l <= n && strncmp(s + i, map[k].ent, l) == 0) {
                    out[o++] = map[k].c;
                    i += l - 1;
                    done = true;
                }
            }
            if (!done && i + 3 < n && s[i + 1] == '#') {
                char *end;
                bool hexa = s[i + 2] == 'x';
                long v = strtol(s + i + (hexa ? 3 : 2), &end, hexa ? 16 : 10);
                if (*end == ';' && v > 0 && v < 0x80) {
                    out[o++] = (char)v;
                    i = (size_t)(end - s);
                    done = true;
                }
            }
            if (done)
                continue;
        }
        out[o++] = s[i];
    }
    out[o] = 0;
}

bool objstore_s3_xml_text(const char *xml, const char *tag, char *out, size_t n)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = xml ? strstr(xml, open) : NULL;
    if (!a)
        return false;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b)
        return false;
    xml_unescape(a, (size_t)(b - a), out, n);
    return true;
}

int objstore_s3_sha256_fd(int fd, uint64_t off, uint64_t len, char hex[65], const char *path,
                 struct o2p_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return o2p_fail(err, O2P_ENOMEM, "sha256: out of memory");
    const size_t chunk_size = 1 << 17;
    unsigned char *chunk = malloc(chunk_size);
    if (!chunk) {
        EVP_MD_CTX_free(ctx);
        return o2p_fail(err, O2P_ENOMEM, "sha256: out of memory");
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    int rc = O2P_OK;
    while (len > 0) {
        size_t want = len < chunk_size ? (size_t)len : chunk_size;
        ssize_t r = pread(fd, chunk, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            rc = o2p_fail_errno(err, "read %s", path);
            break;
        }
        EVP_DigestUpdate(ctx, chunk, (size_t)r);
        off += (uint64_t)r;
        len -= (uint64_t)r;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    free(chunk);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return rc;
}

/* build_target - wire path (encoded) and URL for key (NULL: the bucket itself). */
static int build_target(const struct s3 *s, const char *key, const char *query, struct buf *path,
                        struct buf *url, char *host, size_t hostn)
{
    int rc = O2P_OK;
    if (s->path_style) {
        snprintf(host, hostn, "%s", s->host);
        rc = buf_printf(path, "/%s", s->bucket);
        if (rc == O2P_OK && key)
            rc = buf_append_byte(path, '/');
    } else {
        if (snprintf(host, hostn, "%s.%s", s->bucket, s->host) >= (int)hostn)
            return O2P_ETOOBIG;
        rc = buf_append_byte(path, '/');
    }
    if (rc == O2P_OK && key && s->prefix[0]) {
        rc = sigv4_uri_encode(path, s->prefix, true);
        if (rc == O2P_OK)
            rc = buf_append_byte(path, '/');
    }
    if (rc == O2P_OK && key)
        rc = sigv4_uri_encode(path, key, true);
    if (rc == O2P_OK)
        rc = buf_printf(url, "%s://%s%s%s%s", s->scheme, host, (char *)path->data,
                        query && *query ? "?" : "", query && *query ? query : "");
    return rc;
}

/* retryable - an answer worth another attempt. */
static bool retryable(const struct http_response *resp)
{
    long st = resp->status;
    /* 501 NotImplemented is the store's final word on a header or operation, not a hiccup. */
    if ((st >= 500 && st != 501) || st == 408 || st == 429)
        return true;
    if (st == 400 && resp->error_body.data) {
        char code[64];
        if (objstore_s3_xml_text((char *)resp->error_body.data, "Code", code, sizeof code))
            return !strcmp(code, "RequestTimeout") || !strcmp(code, "SlowDown");
    }
    return false;
}

static bool expired_token(const struct http_response *resp)
{
    char code[64];
    if ((resp->status != 400 && resp->status != 403) || !resp->error_body.data)
        return false;
    return objstore_s3_xml_text((char *)resp->error_body.data, "Code", code, sizeof code) &&
           (!strcmp(code, "ExpiredToken") || !strcmp(code, "TokenRefreshRequired"));
}

/* Full jitter: many writers retrying at once must not retry in step. */
static void backoff_sleep(struct backoff *b)
{
    uint64_t ms = backoff_next(b);
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int objstore_s3_request(struct s3 *s, struct s3_call *c, struct http_response *resp, struct o2p_error *err)
{
    struct buf path, url;
    buf_init(&path, 8192);
    buf_init(&url, 16384);
    char host[800];
    char url_text[OBJSTORE_KEY_MAX + 300];
    struct backoff wait;
    backoff_init(&wait, S3_BACKOFF_BASE_MS, S3_BACKOFF_MAX_MS, BACKOFF_JITTER_FULL);
    int rc = build_target(s, c->key, c->query, &path, &url, host, sizeof host);
    if (rc != O2P_OK) {
        buf_free(&path);
        buf_free(&url);
        return o2p_fail(err, rc, "s3 %s: building the URL: %s", c->op, o2p_strerror(rc));
    }
    char hash[65];
    if (c->payload_hash)
        snprintf(hash, sizeof hash, "%s", c->payload_hash);
    else
        sigv4_sha256_hex(c->body ? c->body : "", c->body ? (size_t)c->body_len : 0, hash);
    size_t out_len0 = c->out ? c->out->len : 0;
    bool refreshed = false;
    c->ambiguous = false;
    for (int attempt = 0;; attempt++) {
        struct aws_credentials cred;
        time_t now = time(NULL);
        rc = aws_credentials_provider_get(s->creds, now, &cred, err);
        if (rc != O2P_OK) {
            objstore_s3_url(s, c->key, url_text, sizeof url_text);
            o2p_error_prefix(err, "s3 %s %s: credentials", c->op, url_text);
            break;
        }
        struct sigv4_header sh[16];
        size_t nsh = 0;
        sh[nsh++] = (struct sigv4_header){"host", host};
        for (size_t i = 0; i < c->nheaders && nsh < 16; i++)
            sh[nsh++] = (struct sigv4_header){c->headers[i].name, c->headers[i].value};
        struct sigv4_request sr = {.method = c->method, .path = (char *)path.data,
                                   .query = c->query, .headers = sh, .nheaders = nsh,
                                   .payload_hash = hash, .flags = SIGV4_S3};
        struct sigv4_result sig;
        rc = sigv4_sign(&sr, &cred, s->region, "s3", now, &sig, err);
        if (rc != O2P_OK) {
            sigv4_result_free(&sig);
            explicit_bzero(&cred, sizeof cred);
            break;
        }
        struct http_header hh[24];
        size_t nhh = 0;
        hh[nhh++] = (struct http_header){"Host", host};
        for (size_t i = 0; i < c->nheaders && nhh < 16; i++)
            hh[nhh++] = c->headers[i];
        hh[nhh++] = (struct http_header){"x-amz-date", sig.amz_date};
        hh[nhh++] = (struct http_header){"x-amz-content-sha256", sig.payload_hash};
        if (cred.session_token[0])
            hh[nhh++] = (struct http_header){"x-amz-security-token", cred.session_token};
        hh[nhh++] = (struct http_header){"Authorization", (char *)sig.authorization.data};
        struct http_client_request rq = {.method = c->method, .url = (char *)url.data, .headers = hh,
                                  .nheaders = nhh, .body = c->body, .body_len = c->body_len,
                                  .body_from_fd = c->body_from_fd, .body_fd = c->body_fd,
                                  .body_offset = c->body_offset};
        if (c->out)
            c->out->len = out_len0; /* a retried GET starts over */
        rc = http_client_do(s->http, &rq, resp, err);
        /* What we signed, for comparison with S3's <CanonicalRequest> (never with a session
         * token in it: that is a secret). */
        if (rc == O2P_OK && resp->status == 403 && resp->error_body.data &&
            !cred.session_token[0] &&
            strstr((char *)resp->error_body.data, "SignatureDoesNotMatch"))
            log_debug("objstore", "op=%s url=%s canonical_request=\"%s\"", c->op,
                      (char *)url.data, (char *)sig.canonical_request.data);
        sigv4_result_free(&sig);
        explicit_bzero(&cred, sizeof cred);
        bool again;
        if (rc == O2P_EAGAIN) {
            again = true;
        } else if (rc != O2P_OK) {
            break;
        } else if (expired_token(resp) && !refreshed) {
            /* Temporary keys expired early (clock skew, revoked session): re-read once. */
            aws_credentials_provider_invalidate(s->creds);
            refreshed = true;
            continue;
        } else {
            again = retryable(resp);
        }
        if (!again || attempt + 1 >= S3_MAX_ATTEMPTS)
            break;
        /* The attempt may have reached S3 and been applied even though we saw no success. */
        c->ambiguous = true;
        objstore_s3_url(s, c->key, url_text, sizeof url_text);
        log_warn("objstore", "op=%s url=%s attempt=%d status=%ld err=\"%s\" retrying", c->op,
                 url_text, attempt + 1, rc == O2P_OK ? resp->status : 0L,
                 rc == O2P_OK ? "server busy or failing" : (err ? err->msg : ""));
        backoff_sleep(&wait);
    }
    if (rc == O2P_EAGAIN) {
        objstore_s3_url(s, c->key, url_text, sizeof url_text);
        o2p_error_prefix(err, "s3 %s %s: gave up after %d attempts", c->op, url_text,
                         S3_MAX_ATTEMPTS);
    }
    buf_free(&path);
    buf_free(&url);
    return rc;
}

int objstore_s3_fail(struct s3 *s, const struct s3_call *c, const struct http_response *resp,
            struct o2p_error *err)
{
    char url[OBJSTORE_KEY_MAX + 300], code[128] = "", msg[384] = "";
    objstore_s3_url(s, c->key, url, sizeof url);
    const char *xml = resp->error_body.data ? (const char *)resp->error_body.data : "";
    objstore_s3_xml_text(xml, "Code", code, sizeof code);
    objstore_s3_xml_text(xml, "Message", msg, sizeof msg);
    long st = resp->status;
    int rc;
    if (st == 404 && strcmp(code, "NoSuchBucket") != 0)
        rc = O2P_ENOTFOUND;
    else if (st == 404 || st == 400 || st == 401 || st == 403 || st == 301 || st == 307)
        rc = O2P_EINVAL; /* configuration: credentials, region, endpoint, bucket */
    else if (st == 409 || st == 412)
        rc = O2P_ECONFLICT;
    else if (st == 413)
        rc = O2P_ETOOBIG;
    else if (st == 501)
        rc = O2P_EUNSUPPORTED;
    else if (st >= 500 || st == 408 || st == 429)
        rc = O2P_EAGAIN;
    else
        rc = O2P_EPROTO;
    if (!code[0]) {
        /* HEAD answers have no body: name the status instead. */
        const char *name = st == 403 ? "Forbidden" : st == 404 ? "Not Found" :
                           st == 412 ? "Precondition Failed" : st == 400 ? "Bad Request" :
                           st == 503 ? "Service Unavailable" : "unexpected status";
        return o2p_fail(err, rc, "s3 %s %s: %ld %s", c->op, url, st, name);
    }
    return o2p_fail(err, rc, "s3 %s %s: %ld %s%s%s", c->op, url, st, code, msg[0] ? ": " : "",
                    msg);
}

static struct s3 *S(struct objstore *s) { return s->impl; }

/* header_refused - the store refused a header it does not support, not the request: S3's
 * 501 NotImplemented ("A header you provided implies functionality that is not
 * implemented"), or a 400 whose code names an unsupported header (S3 Tables table buckets). */
static bool header_refused(const struct http_response *resp)
{
    char code[96] = "";
    if (resp->status == 501)
        return true;
    if (resp->status != 400 || !resp->error_body.data)
        return false;
    objstore_s3_xml_text((char *)resp->error_body.data, "Code", code, sizeof code);
    return strstr(code, "UnsupportedHeader") || !strcmp(code, "NotImplemented");
}

/* put_object - one PutObject of a memory or fd body; see OBJSTORE_UNIQUE_KEY for the second
 * round. */
static int put_object(struct s3 *s, const char *key, const void *data, uint64_t len, int fd,
                      const char *hash, unsigned flags, bool *ambiguous, struct o2p_error *err)
{
    int rc = O2P_OK;
    for (int round = 0; round < 2; round++) {
        bool conditional = (flags & OBJSTORE_CREATE_ONLY) && !((flags & OBJSTORE_UNIQUE_KEY) && s->no_conditional_put);
        struct http_header h[2];
        size_t nh = 0;
        h[nh++] = (struct http_header){"Content-Type", "application/octet-stream"};
        if (conditional)
            h[nh++] = (struct http_header){"If-None-Match", "*"};
        struct s3_call c = {.op = "PUT", .method = "PUT", .key = key, .headers = h, .nheaders = nh,
                            .body = data, .body_len = len, .body_from_fd = fd >= 0, .body_fd = fd,
                            .payload_hash = hash};
        struct http_response resp;
        http_response_init(&resp, NULL);
        rc = objstore_s3_request(s, &c, &resp, err);
        bool retry = rc == O2P_OK && conditional && (flags & OBJSTORE_UNIQUE_KEY) && header_refused(&resp);
        if (rc == O2P_OK && resp.status != 200)
            rc = objstore_s3_fail(s, &c, &resp, err);
        *ambiguous = c.ambiguous;
        http_response_free(&resp);
        if (!retry)
            break;
        s->no_conditional_put = true;
        log_warn("objstore", "op=PUT bucket=%s err=\"%s\" action=\"objects with unique names are written without "
                 "If-None-Match from now on\"", s->bucket, err->msg);
    }
    return rc;
}

static int s3_get(struct objstore *os, const char *key, struct buf *out, struct o2p_error *err)
{
    struct s3 *s = S(os);
    struct s3_call c = {.op = "GET", .method = "GET", .key = key, .out = out};
    struct http_response resp;
    http_response_init(&resp, out);
    int rc = objstore_s3_request(s, &c, &resp, err);
    if (rc == O2P_ETOOBIG) {
        char url[OBJSTORE_KEY_MAX + 300];
        objstore_s3_url(s, key, url, sizeof url);
        rc = o2p_fail(err, rc, "s3 GET %s: object larger than the %zu-byte limit", url, out->max);
    } else if (rc == O2P_OK && resp.status != 200) {
        rc = objstore_s3_fail(s, &c, &resp, err);
    }
    http_response_free(&resp);
    return rc;
}

static int s3_put_bytes(struct objstore *os, const char *key, const void *data, size_t len,
                        unsigned flags, struct o2p_error *err)
{
    struct s3 *s = S(os);
    char hash[65];
    sigv4_sha256_hex(data, len, hash);
    bool ambiguous = false;
    int rc = put_object(s, key, data, len, -1, hash, flags, &ambiguous, err);
    if (rc == O2P_ECONFLICT && (flags & OBJSTORE_CREATE_ONLY) && ambiguous) {
        /* A lost answer to an earlier attempt, then 412: was the object ours? */
        struct buf back;
        buf_init(&back, len + 1);
        struct o2p_error e2;
        if (s3_get(os, key, &back, &e2) == O2P_OK && back.len == len &&
            (len == 0 || memcmp(back.data, data, len) == 0))
            rc = O2P_OK;
        buf_free(&back);
    }
    return rc;
}

static int s3_put_file(struct objstore *os, const char *key, const char *local, unsigned flags,
                       struct o2p_error *err)
{
    struct s3 *s = S(os);
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return o2p_fail(err, O2P_ENOTFOUND, "s3 PUT: local file %s does not exist", local);
        return o2p_fail_errno(err, "s3 PUT: open %s", local);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = o2p_fail_errno(err, "s3 PUT: stat %s", local);
        close(fd);
        return rc;
    }
    uint64_t size = (uint64_t)st.st_size;
    int rc;
    if (size <= OBJSTORE_S3_SINGLE_PUT_MAX) {
        char hash[65];
        rc = objstore_s3_sha256_fd(fd, 0, size, hash, local, err);
        bool ambiguous;
        if (rc == O2P_OK)
            rc = put_object(s, key, NULL, size, fd, hash, flags, &ambiguous, err);
    } else {
        rc = objstore_s3_multipart_put(s, key, fd, size, local, flags, err);
    }
    close(fd);
    if (rc == O2P_OK && (flags & OBJSTORE_MOVE))
        unlink(local); /* consumed, as a file:// move would */
    return rc;
}

static int s3_stat(struct objstore *os, const char *key, uint64_t *size, struct o2p_error *err)
{
    struct s3 *s = S(os);
    struct s3_call c = {.op = "HEAD", .method = "HEAD", .key = key};
    struct http_response resp;
    http_response_init(&resp, NULL);
    int rc = objstore_s3_request(s, &c, &resp, err);
    if (rc == O2P_OK && resp.status != 200)
        rc = objstore_s3_fail(s, &c, &resp, err);
    if (rc == O2P_OK && size)
        *size = resp.content_length;
    http_response_free(&resp);
    return rc;
}

static int s3_del(struct objstore *os, const char *key, struct o2p_error *err)
{
    struct s3 *s = S(os);
    struct s3_call c = {.op = "DELETE", .method = "DELETE", .key = key};
    struct http_response resp;
    http_response_init(&resp, NULL);
    int rc = objstore_s3_request(s, &c, &resp, err);
    if (rc == O2P_OK && resp.status != 204 && resp.status != 200 && resp.status != 404)
        rc = objstore_s3_fail(s, &c, &resp, err);
    http_response_free(&resp);
    return rc;
}

/* list_page - report the <Contents> of one ListObjectsV2 page; next token into `token`. */
static int list_page(struct s3 *s, const char *xml, objstore_list_fn fn, void *ctx, char *token,
                     size_t tokn, bool *more)
{
    size_t plen = strlen(s->prefix);
    const char *p = xml;
    int rc = 0;
    while (rc == 0) {
        const char *a = strstr(p, "<Contents>");
        if (!a)
            break;
        const char *b = strstr(a, "</Contents>");
        if (!b)
            break;
        size_t n = (size_t)(b - a);
        char *one = malloc(n + 1), key[OBJSTORE_KEY_MAX * 2], size[32] = "0";
        if (!one)
            return O2P_ENOMEM;
        memcpy(one, a, n);
        one[n] = 0;
        bool ok = objstore_s3_xml_text(one, "Key", key, sizeof key);
        objstore_s3_xml_text(one, "Size", size, sizeof size);
        free(one);
        p = b + 11;
        if (!ok)
            continue;
        const char *rel = key;
        if (plen) {
            if (strncmp(key, s->prefix, plen) != 0 || key[plen] != '/')
                continue;
            rel = key + plen + 1;
        }
        rc = fn(rel, strtoull(size, NULL, 10), ctx);
    }
    char trunc[16] = "";
    objstore_s3_xml_text(xml, "IsTruncated", trunc, sizeof trunc);
    *more = strcmp(trunc, "true") == 0 && objstore_s3_xml_text(xml, "NextContinuationToken", token, tokn);
    return rc;
}

static int s3_list(struct objstore *os, const char *prefix, objstore_list_fn fn, void *ctx,
                   struct o2p_error *err)
{
    struct s3 *s = S(os);
    char token[2048] = "";
    bool more = true;
    int rc = O2P_OK;
    while (rc == O2P_OK && more) {
        struct buf full, q, page;
        buf_init(&full, OBJSTORE_KEY_MAX * 2);
        buf_init(&q, 16384);
        buf_init(&page, S3_LIST_PAGE_MAX);
        rc = buf_printf(&full, "%s%s%s", s->prefix, s->prefix[0] ? "/" : "", prefix);
        /* Canonical (sorted) order on the wire: continuation-token < list-type < prefix. */
        if (rc == O2P_OK && token[0]) {
            rc = buf_printf(&q, "continuation-token=");
            if (rc == O2P_OK)
                rc = sigv4_uri_encode(&q, token, false);
            if (rc == O2P_OK)
                rc = buf_append_byte(&q, '&');
        }
        if (rc == O2P_OK)
            rc = buf_printf(&q, "list-type=2&prefix=");
        if (rc == O2P_OK && full.len)
            rc = sigv4_uri_encode(&q, (char *)full.data, false);
        if (rc != O2P_OK) {
            rc = o2p_fail(err, rc, "s3 ListObjectsV2: building the query: %s", o2p_strerror(rc));
        } else {
            struct s3_call c = {.op = "ListObjectsV2", .method = "GET", .key = NULL,
                                .query = (char *)q.data, .out = &page};
            struct http_response resp;
            http_response_init(&resp, &page);
            rc = objstore_s3_request(s, &c, &resp, err);
            if (rc == O2P_OK && resp.status != 200)
                rc = objstore_s3_fail(s, &c, &resp, err);
            http_response_free(&resp);
            if (rc == O2P_OK && page.data) {
                rc = list_page(s, (char *)page.data, fn, ctx, token, sizeof token, &more);
                if (rc == O2P_ENOMEM)
                    rc = o2p_fail(err, rc, "s3 ListObjectsV2: out of memory");
            } else {
                more = false;
            }
        }
        buf_free(&full);
        buf_free(&q);
        buf_free(&page);
    }
    return rc;
}

static void s3_url_op(const struct objstore *os, const char *key, char *out, size_t n)
{
    objstore_s3_url(os->impl, key, out, n);
}

static void s3_close(struct objstore *os)
{
    struct s3 *s = S(os);
    http_client_free(s->http);
    aws_credentials_provider_free(s->creds);
    free(s);
}

static const struct objstore_ops s3_ops = {
    .scheme = "s3",
    .put_file = s3_put_file,
    .put_bytes = s3_put_bytes,
    .get = s3_get,
    .stat = s3_stat,
    .del = s3_del,
    .list = s3_list,
    .url = s3_url_op,
    .close = s3_close,
};

void objstore_s3_set_credentials(struct objstore *os, const struct aws_credentials *cred)
{
    aws_credentials_provider_set(S(os)->creds, cred);
}

int objstore_s3_open(struct objstore *os, const char *bucket, const char *prefix,
                     const struct o2p_config *cfg, struct o2p_error *err)
{
    struct s3 *s = calloc(1, sizeof *s);
    if (!s)
        return o2p_fail(err, O2P_ENOMEM, "objstore: out of memory");
    snprintf(s->bucket, sizeof s->bucket, "%s", bucket);
    snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
    const char *region = cfg && cfg->s3.region && *cfg->s3.region ? cfg->s3.region : "us-east-1";
    snprintf(s->region, sizeof s->region, "%s", region);
    s->path_style = cfg ? cfg->s3.path_style : false;
    const char *ep = cfg && cfg->s3.endpoint ? cfg->s3.endpoint : "";
    int rc = O2P_OK;
    if (!*ep) {
        snprintf(s->scheme, sizeof s->scheme, "https");
        snprintf(s->host, sizeof s->host, "s3.%s.amazonaws.com", s->region);
    } else {
        const char *h = ep;
        if (strncmp(ep, "http://", 7) == 0) {
            snprintf(s->scheme, sizeof s->scheme, "http");
            h = ep + 7;
        } else if (strncmp(ep, "https://", 8) == 0) {
            snprintf(s->scheme, sizeof s->scheme, "https");
            h = ep + 8;
        } else if (strstr(ep, "://")) {
            rc = o2p_fail(err, O2P_EINVAL, "s3.endpoint %s: only http:// and https://", ep);
        } else {
            snprintf(s->scheme, sizeof s->scheme, "https");
        }
        size_t hl = strcspn(h, "/?#");
        if (rc == O2P_OK && (hl == 0 || hl >= sizeof s->host))
            rc = o2p_fail(err, O2P_EINVAL, "s3.endpoint %s: no host", ep);
        if (rc == O2P_OK) {
            memcpy(s->host, h, hl);
            s->host[hl] = 0;
            /* The Host header (and so the signature) omits a default port, as clients do. */
            const char *dflt = strcmp(s->scheme, "https") == 0 ? ":443" : ":80";
            size_t dl = strlen(dflt);
            if (hl > dl && strcmp(s->host + hl - dl, dflt) == 0)
                s->host[hl - dl] = 0;
        }
    }
    if (rc == O2P_OK)
        rc = http_client_new(&s->http, err);
    if (rc == O2P_OK)
        rc = aws_credentials_provider_new(&s->creds, err);
    if (rc != O2P_OK) {
        http_client_free(s->http);
        free(s);
        return rc;
    }
    os->ops = &s3_ops;
    os->impl = s;
    return O2P_OK;
}
