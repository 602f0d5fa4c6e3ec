/*
 * catalog_rest.h - internals shared by the Iceberg REST catalog client (catalog_rest.c) and its
 * authentication (catalog_rest_auth.c), and exposed to tests/unit/test_catalog_rest*.c.
 * Not a public interface: the committer reaches the REST catalog through catalog.h only.
 */
#ifndef O2P_CATALOG_REST_H
#define O2P_CATALOG_REST_H

#include "storage/aws_credentials.h"
#include "common/cfg.h"
#include "common/err.h"
#include "storage/http_client.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define REST_TOKEN_MAX 8192
#define REST_EXTRA_HEADERS_MAX 16 /* catalog.header.<Name> */

/* Headers of one request, with their storage (the http_header pointers point into it). */
struct rest_headers {
    struct http_header h[10 + REST_EXTRA_HEADERS_MAX];
    size_t n;
    char authorization[REST_TOKEN_MAX + 64];
    char amz_date[17];
    char host[256];
    char security_token[AWS_TOKEN_MAX];
};

struct catalog_rest_auth;

/*
 * catalog_rest_auth_open - authentication for catalog.auth (none | bearer | oauth2 | sigv4) against the
 * catalog at `uri` (catalog.uri, no trailing '/'). bearer reads catalog.token_file now;
 * oauth2 reads catalog.credential_file ("client_id:client_secret") now and fetches a token on
 * first use; sigv4 resolves AWS credentials on first use. *out owned by the caller
 * (catalog_rest_auth_free). O2P_EINVAL (missing/unreadable file, bad value), O2P_ENOMEM.
 */
int catalog_rest_auth_open(struct catalog_rest_auth **out, const struct o2p_config *cfg, const char *uri,
                   struct o2p_error *err);
void catalog_rest_auth_free(struct catalog_rest_auth *a);

/*
 * catalog_rest_auth_headers - fill hs with Content-Type (when body is not NULL: `content_type`) and the
 * authentication headers for `method url` with this exact body (sigv4 signs it; oauth2 fetches
 * or refreshes the token first, using `http`). O2P_EAGAIN (token endpoint unreachable or 5xx),
 * O2P_EINVAL (token endpoint refused the client, no AWS credentials), O2P_ENOMEM.
 */
int catalog_rest_auth_headers(struct catalog_rest_auth *a, struct http_client *http, const char *method, const char *url,
                      const char *content_type, const void *body, size_t body_len, struct rest_headers *hs,
                      struct o2p_error *err);

/* catalog_rest_auth_unauthorized - the catalog answered 401/419 (or 403 expired keys): drop the cached token (oauth2), re-read
 * the token file (bearer) or the AWS credentials (sigv4). True when retrying the request once
 * with new headers can help. */
bool catalog_rest_auth_unauthorized(struct catalog_rest_auth *a);

/* catalog_rest_auth_mode - "none", "bearer", "oauth2" or "sigv4". */
const char *catalog_rest_auth_mode(const struct catalog_rest_auth *a);

/*
 * catalog_rest_auth_sigv4_headers - sign `method url` (path and query taken from the URL as sent) for
 * service glue/s3tables: the signed headers are host, content-type (when given) and the
 * signer's x-amz-date / x-amz-security-token. Appends host, x-amz-date, x-amz-security-token
 * (when cred has one) and Authorization to hs (Content-Type is the caller's). Pure: no I/O;
 * the unit test compares the result with AWS's own signer. O2P_EINVAL, O2P_ENOMEM.
 */
int catalog_rest_auth_sigv4_headers(const char *method, const char *url, const char *content_type, const void *body,
                       size_t body_len, const struct aws_credentials *cred, const char *region,
                       const char *service, time_t now, struct rest_headers *hs, struct o2p_error *err);

#endif
