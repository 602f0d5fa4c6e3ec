/*
 * sigv4.h - AWS Signature Version 4 (header-based, AWS4-HMAC-SHA256). Pure computation, no I/O.
 *
 * Used by the S3 object store (service "s3") and by catalog clients (service "glue",
 * "s3tables"). Checked against AWS's published test suite (tests/unit/data/sigv4/) and, on the
 * wire, against AWS's own signer (tests/interop/s3-sigv4-proxy.mjs).
 *
 *   struct sigv4_header h[] = {{"host", "bucket.s3.us-east-1.amazonaws.com"}};
 *   struct sigv4_request rq = {.method = "PUT", .path = "/otel/x.parquet", .headers = h,
 *                              .nheaders = 1, .payload_hash = hex, .flags = SIGV4_S3};
 *   struct sigv4_result r;
 *   rc = sigv4_sign(&rq, &cred, "us-east-1", "s3", time(NULL), &r, &err);
 *   then send:  x-amz-date: r.amz_date, x-amz-content-sha256: r.payload_hash (SIGV4_S3),
 *               x-amz-security-token: cred.session_token (when set),
 *               Authorization: r.authorization
 *   sigv4_result_free(&r);
 */
#ifndef O2P_SIGV4_H
#define O2P_SIGV4_H

#include "storage/aws_credentials.h"
#include "common/buf.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

enum {
    /* S3 rules: the canonical URI is the request path exactly as sent (no dot-segment
     * normalisation, no second URI-encoding), and x-amz-content-sha256 is signed. Without
     * this flag the path is normalised and every byte outside [A-Za-z0-9-._~/] is encoded
     * again ("%3A" -> "%253A"), as glue, s3tables and the test suite require. */
    SIGV4_S3 = 1u << 0,
};

struct sigv4_header {
    const char *name;  /* any case; must not be x-amz-date / x-amz-security-token /
                        * x-amz-content-sha256 / authorization: the signer adds those */
    const char *value;
};

struct sigv4_request {
    const char *method;                 /* "GET", "PUT", ... */
    const char *path;                   /* as sent on the wire (already URI-encoded), no query;
                                         * NULL or "" = "/" */
    const char *query;                  /* without '?', may be NULL; any encoding, canonicalised */
    const struct sigv4_header *headers; /* headers to sign; "host" is required */
    size_t nheaders;
    const char *payload_hash;           /* lowercase hex SHA-256 or SIGV4_UNSIGNED_PAYLOAD; NULL:
                                         * computed from body/body_len */
    const void *body;
    size_t body_len;
    unsigned flags;                     /* SIGV4_* */
};

struct sigv4_result {
    char amz_date[17];     /* "20150830T123600Z": send as x-amz-date */
    char payload_hash[65]; /* send as x-amz-content-sha256 when SIGV4_S3 (or UNSIGNED-PAYLOAD) */
    char signature[65];
    struct buf canonical_request; /* NUL-terminated text, kept for tests and 403 diagnostics */
    struct buf string_to_sign;
    struct buf authorization;     /* the Authorization header value */
};

/*
 * sigv4_sign - sign `req` with `cred` for region/service at time `now` (UTC seconds).
 * The signed headers are req->headers plus x-amz-date, x-amz-content-sha256 (SIGV4_S3 only)
 * and x-amz-security-token (when cred->session_token is not empty); the caller must send
 * exactly those headers with these values. `out` is always initialised: call
 * sigv4_result_free even on failure. Returns O2P_OK, O2P_EINVAL (no host header, bad
 * credentials or payload hash), O2P_ENOMEM.
 */
int sigv4_sign(const struct sigv4_request *req, const struct aws_credentials *cred,
               const char *region, const char *service, time_t now, struct sigv4_result *out,
               struct o2p_error *err);

void sigv4_result_free(struct sigv4_result *r);

/* sigv4_uri_encode - append `s` to `out` with every byte outside [A-Za-z0-9-._~] written as
 * %XX (uppercase); '/' is kept when keep_slash. This is how S3 object keys go on the wire and
 * how query names and values are canonicalised. O2P_ENOMEM / O2P_ETOOBIG from buf. */
int sigv4_uri_encode(struct buf *out, const char *s, bool keep_slash);

/* sigv4_sha256_hex - hex SHA-256 of data (65 bytes with the NUL). */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
