/*
 * sigv4.c - AWS Signature Version 4: canonical request, string to sign, signing key, signature.
 *
 * Owns: nothing beyond the three text buffers in struct sigv4_result. No I/O, no clock reads
 * (the caller passes `now`), no global state; safe from any thread.
 *
 * Invariants (the SigV4 specification, checked by tests/unit/test_sigv4.c against AWS's suite):
 *   canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED_HEADERS \n PAYLOAD_HASH
 *   - URI: S3 signs the path as sent; other services normalise it (".", "..", "//") and
 *     URI-encode it once more, so an on-the-wire "%3A" is signed as "%253A".
 *   - QUERY: each name and value percent-decoded, then re-encoded with sigv4_uri_encode
 *     (slash encoded too), sorted by name then value, joined with '&'; "a" becomes "a=".
 *   - HEADERS: lowercase names sorted; values trimmed with inner runs of spaces squeezed to
 *     one; repeated names joined with ',' in request order; each line ends in '\n'.
 *   string to sign = "AWS4-HMAC-SHA256" \n AMZ_DATE \n DATE/REGION/SERVICE/aws4_request \n
 *                    hex(SHA256(canonical request))
 *   signing key = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, DATE), REGION), SERVICE), "aws4_request")
 *
 * Failure behaviour: O2P_EINVAL for unusable input (no host header, empty keys, bad payload
 * hash), O2P_ENOMEM; the result buffers are then freed by sigv4_result_free as usual.
 * Not done here: presigned URLs, chunked (STREAMING-*) payloads, SigV4A.
 */
#include "storage/sigv4.h"

#include "common/hex.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define SIGV4_MAX_HEADERS 64
#define SIGV4_TEXT_MAX (1u << 20) /* a canonical request never legitimately nears 1 MiB */

static const char hexdig[] = "0123456789abcdef";

/* hex - lowercase hex of n bytes into out (2n+1 bytes). */
static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[p[i] >> 4];
        out[2 * i + 1] = hexdig[p[i] & 15];
    }
    out[2 * n] = 0;
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    hex(md, 32, out);
}

/* hmac - HMAC-SHA256(key, msg) into out[32]. */
static void hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &len);
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int encode_n(struct buf *out, const char *s, size_t n, bool keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (unreserved(c) || (keep_slash && c == '/')) {
            rc = buf_append_byte(out, c);
        } else {
            char e[3] = {'%', up[c >> 4], up[c & 15]};
            rc = buf_append(out, e, 3);
        }
        if (rc != O2P_OK)
            return rc;
    }
    return O2P_OK;
}

int sigv4_uri_encode(struct buf *out, const char *s, bool keep_slash)
{
    return encode_n(out, s, strlen(s), keep_slash);
}


/* decode_encode - percent-decode s[0..n) then sigv4-encode it (slash encoded) into out. */
static int decode_encode(struct buf *out, const char *s, size_t n)
{
    struct buf tmp;
    buf_init(&tmp, SIGV4_TEXT_MAX);
    int rc = O2P_OK;
    for (size_t i = 0; i < n && rc == O2P_OK; i++) {
        if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
            rc = buf_append_byte(&tmp, (uint8_t)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
            i += 2;
        } else {
            rc = buf_append_byte(&tmp, (uint8_t)s[i]);
        }
    }
    if (rc == O2P_OK && tmp.len)
        rc = encode_n(out, (const char *)tmp.data, tmp.len, false);
    buf_free(&tmp);
    return rc;
}

struct qparam {
    char *name, *value; /* encoded, NUL-terminated */
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* canonical_query - append the canonical query string of q to out. */
static int canonical_query(struct buf *out, const char *q)
{
    if (!q || !*q)
        return O2P_OK;
    size_t count = 1;
    for (const char *p = q; *p; p++)
        count += *p == '&';
    struct qparam *ps = calloc(count, sizeof *ps);
    if (!ps)
        return O2P_ENOMEM;
    size_t np = 0;
    int rc = O2P_OK;
    const char *p = q;
    while (rc == O2P_OK) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq ? (size_t)(eq - p) : len;
            struct buf n, v;
            buf_init(&n, SIGV4_TEXT_MAX);
            buf_init(&v, SIGV4_TEXT_MAX);
            rc = decode_encode(&n, p, nlen);
            if (rc == O2P_OK && eq)
                rc = decode_encode(&v, eq + 1, len - nlen - 1);
            if (rc == O2P_OK) {
                ps[np].name = n.data ? (char *)n.data : strdup("");
                ps[np].value = v.data ? (char *)v.data : strdup("");
                if (!ps[np].name || !ps[np].value)
                    rc = O2P_ENOMEM;
                np++;
            } else {
                buf_free(&n);
                buf_free(&v);
            }
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    if (rc == O2P_OK)
        qsort(ps, np, sizeof *ps, qparam_cmp);
    for (size_t i = 0; i < np && rc == O2P_OK; i++)
        rc = buf_printf(out, "%s%s=%s", i ? "&" : "", ps[i].name, ps[i].value);
    for (size_t i = 0; i < np; i++) {
        free(ps[i].name);
        free(ps[i].value);
    }
    free(ps);
    return rc;
}

/* canonical_uri - S3: the path verbatim. Others: remove "." / ".." / empty segments (keeping a
 * trailing slash), then URI-encode again with '/' kept. */
static int canonical_uri(struct buf *out, const char *path, bool s3)
{
    if (!path || !*path)
        path = "/";
    if (s3)
        return buf_printf(out, "%s", path);
    size_t n = strlen(path);
    /* segment start offsets of the normalised path */
    size_t *seg = malloc((n + 1) * sizeof *seg), *segl = malloc((n + 1) * sizeof *segl);
    if (!seg || !segl) {
        free(seg);
        free(segl);
        return O2P_ENOMEM;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        size_t s = i;
        while (i < n && path[i] != '/')
            i++;
        size_t l = i - s;
        if (l == 0 || (l == 1 && path[s] == '.'))
            continue;
        if (l == 2 && path[s] == '.' && path[s + 1] == '.') {
            if (ns)
                ns--;
            continue;
        }
        seg[ns] = s;
        segl[ns] = l;
        ns++;
    }
    int rc = O2P_OK;
    for (size_t i = 0; i < ns && rc == O2P_OK; i++) {
        rc = buf_append_byte(out, '/');
        if (rc == O2P_OK)
            rc = encode_n(out, path + seg[i], segl[i], false);
    }
    if (rc == O2P_OK && (ns == 0 || path[n - 1] == '/'))
        rc = buf_append_byte(out, '/');
    free(seg);
    free(segl);
    return rc;
}

struct chdr {
    char name[128]; /* lowercase */
    const char *value;
    size_t order;
};

static int chdr_cmp(const void *a, const void *b)
{
    const struct chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* append_trimmed - value with leading/trailing blanks removed and inner runs squeezed. */
static int append_trimmed(struct buf *out, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    int rc = O2P_OK;
    for (size_t i = 0; i < n && rc == O2P_OK; i++) {
        bool blank = v[i] == ' ' || v[i] == '\t';
        if (blank && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            continue;
        rc = buf_append_byte(out, blank ? ' ' : (uint8_t)v[i]);
    }
    return rc;
}

static bool valid_hash(const char *h)
{
    if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
        return true;
    if (strlen(h) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!strchr(hexdig, h[i]))
            return false;
    return true;
}

void sigv4_result_free(struct sigv4_result *r)
{
    buf_free(&r->canonical_request);
    buf_free(&r->string_to_sign);
    buf_free(&r->authorization);
}

int sigv4_sign(const struct sigv4_request *req, const struct aws_credentials *cred,
               const char *region, const char *service, time_t now, struct sigv4_result *out,
               struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    buf_init(&out->canonical_request, SIGV4_TEXT_MAX);
    buf_init(&out->string_to_sign, SIGV4_TEXT_MAX);
    buf_init(&out->authorization, SIGV4_TEXT_MAX);
    bool s3 = req->flags & SIGV4_S3;

    if (!cred->access_key_id[0] || !cred->secret_access_key[0])
        return o2p_fail(err, O2P_EINVAL, "sigv4: empty access key id or secret access key");
    if (!region || !*region || !service || !*service)
        return o2p_fail(err, O2P_EINVAL, "sigv4: empty region or service");
    if (req->nheaders + 3 > SIGV4_MAX_HEADERS)
        return o2p_fail(err, O2P_EINVAL, "sigv4: more than %d headers", SIGV4_MAX_HEADERS - 3);

    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return o2p_fail(err, O2P_EINVAL, "sigv4: bad time");
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char day[9];
    memcpy(day, out->amz_date, 8);
    day[8] = 0;

    if (req->payload_hash) {
        if (!valid_hash(req->payload_hash))
            return o2p_fail(err, O2P_EINVAL, "sigv4: payload hash \"%s\" is not hex SHA-256",
                            req->payload_hash);
        snprintf(out->payload_hash, sizeof out->payload_hash, "%s", req->payload_hash);
    } else {
        sigv4_sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0,
                         out->payload_hash);
    }

    struct chdr h[SIGV4_MAX_HEADERS];
    size_t nh = 0;
    bool have_host = false;
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *name = req->headers[i].name;
        size_t len = strlen(name);
        if (len == 0 || len >= sizeof h[0].name)
            return o2p_fail(err, O2P_EINVAL, "sigv4: bad header name \"%s\"", name);
        for (size_t k = 0; k <= len; k++)
            h[nh].name[k] = (char)tolower((unsigned char)name[k]);
        if (!strcmp(h[nh].name, "x-amz-date") || !strcmp(h[nh].name, "authorization") ||
            !strcmp(h[nh].name, "x-amz-security-token") ||
            !strcmp(h[nh].name, "x-amz-content-sha256"))
            return o2p_fail(err, O2P_EINVAL, "sigv4: header %s is added by the signer", name);
        have_host |= !strcmp(h[nh].name, "host");
        h[nh].value = req->headers[i].value ? req->headers[i].value : "";
        h[nh].order = nh;
        nh++;
    }
    if (!have_host)
        return o2p_fail(err, O2P_EINVAL, "sigv4: the host header is required");
    snprintf(h[nh].name, sizeof h[nh].name, "x-amz-date");
    h[nh].value = out->amz_date;
    h[nh].order = nh;
    nh++;
    if (s3) {
        snprintf(h[nh].name, sizeof h[nh].name, "x-amz-content-sha256");
        h[nh].value = out->payload_hash;
        h[nh].order = nh;
        nh++;
    }
    if (cred->session_token[0]) {
        snprintf(h[nh].name, sizeof h[nh].name, "x-amz-security-token");
        h[nh].value = cred->session_token;
        h[nh].order = nh;
        nh++;
    }
    qsort(h, nh, sizeof h[0], chdr_cmp);

    struct buf *cr = &out->canonical_request;
    struct buf signed_headers;
    buf_init(&signed_headers, SIGV4_TEXT_MAX);
    int rc = buf_printf(cr, "%s\n", req->method);
    if (rc == O2P_OK)
        rc = canonical_uri(cr, req->path, s3);
    if (rc == O2P_OK)
        rc = buf_append_byte(cr, '\n');
    if (rc == O2P_OK)
        rc = canonical_query(cr, req->query);
    if (rc == O2P_OK)
        rc = buf_append_byte(cr, '\n');
    for (size_t i = 0; i < nh && rc == O2P_OK; i++) {
        bool repeat = i > 0 && !strcmp(h[i].name, h[i - 1].name);
        if (repeat) {
            rc = buf_append_byte(cr, ',');
        } else {
            if (i > 0)
                rc = buf_append_byte(cr, '\n');
            if (rc == O2P_OK)
                rc = buf_printf(cr, "%s:", h[i].name);
            if (rc == O2P_OK)
                rc = buf_printf(&signed_headers, "%s%s", signed_headers.len ? ";" : "",
                                h[i].name);
        }
        if (rc == O2P_OK)
            rc = append_trimmed(cr, h[i].value);
    }
    if (rc == O2P_OK)
        rc = buf_printf(cr, "\n\n%s\n%s", (char *)signed_headers.data, out->payload_hash);

    char crhash[65];
    if (rc == O2P_OK) {
        sigv4_sha256_hex(cr->data, cr->len, crhash);
        rc = buf_printf(&out->string_to_sign, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
                        out->amz_date, day, region, service, crhash);
    }
    if (rc == O2P_OK) {
        char k0[AWS_KEY_MAX + 8];
        int kn = snprintf(k0, sizeof k0, "AWS4%s", cred->secret_access_key);
        unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
        hmac(k0, (size_t)kn, day, 8, k1);
        hmac(k1, 32, region, strlen(region), k2);
        hmac(k2, 32, service, strlen(service), k3);
        hmac(k3, 32, "aws4_request", 12, k4);
        hmac(k4, 32, out->string_to_sign.data, out->string_to_sign.len, sig);
        hex(sig, 32, out->signature);
        /* The derived keys are secrets too: do not leave them on the stack. */
        OPENSSL_cleanse(k0, sizeof k0);
        OPENSSL_cleanse(k1, 32);
        OPENSSL_cleanse(k2, 32);
        OPENSSL_cleanse(k3, 32);
        OPENSSL_cleanse(k4, 32);
        rc = buf_printf(&out->authorization,
                        "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                        "SignedHeaders=%s, Signature=%s",
                        cred->access_key_id, day, region, service, (char *)signed_headers.data,
                        out->signature);
    }
    buf_free(&signed_headers);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "sigv4: building the canonical request: %s", o2p_strerror(rc));
    return O2P_OK;
}
