/*
 * http_client.h - a small blocking HTTP/1.1 client over libcurl for the object store and the
 * credential providers. One client = one curl easy handle = one connection cache; a client
 * belongs to one thread at a time.
 *
 * The client sends exactly the headers it is given (plus curl's Accept and, for bodies,
 * Content-Length, and User-Agent: otlp2parquet/<version>; "Expect: 100-continue" is
 * suppressed), so a caller can sign them (User-Agent is never signed).
 * Retrying is the caller's business: transport failures come back as O2P_EAGAIN.
 */
#ifndef O2P_HTTP_CLIENT_H
#define O2P_HTTP_CLIENT_H

#include "common/buf.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_client;

struct http_header {
    const char *name;
    const char *value;
};

struct http_client_request {
    const char *method; /* GET, HEAD, PUT, POST, DELETE */
    const char *url;
    const struct http_header *headers;
    size_t nheaders;
    /* Body: memory (body/body_len), or body_len bytes of file descriptor body_fd read with
     * pread from body_offset (when body_from_fd). */
    const void *body;
    uint64_t body_len;
    bool body_from_fd;
    int body_fd;
    uint64_t body_offset;
    long connect_timeout_ms; /* 0 = 10 s */
    long timeout_ms;         /* whole request; 0 = none (a 30 s stall still fails it) */
};

#define HTTP_ERROR_BODY_MAX (64u << 10)

struct http_response {
    long status;             /* 0 when no response arrived */
    struct buf *body;        /* in: where a 2xx body goes (its ceiling applies); NULL: drop */
    struct buf error_body;   /* non-2xx body, first HTTP_ERROR_BODY_MAX bytes (owned) */
    char etag[256];          /* ETag response header, quotes kept; "" if none */
    bool has_content_length;
    uint64_t content_length;
};

/* http_client_new - O2P_ENOMEM or O2P_EIO (libcurl initialisation failed). */
int http_client_new(struct http_client **out, struct o2p_error *err);
void http_client_free(struct http_client *c);

/* http_response_init / http_response_free - set up `resp` with a 2xx body destination (may
 * be NULL) / release error_body. */
void http_response_init(struct http_response *resp, struct buf *body);
void http_response_free(struct http_response *resp);

/*
 * http_client_do - perform one request. O2P_OK when a response arrived (look at
 * resp->status, whatever it is). O2P_EAGAIN: connection refused/reset, DNS, timeout, stall -
 * a transient transport failure worth retrying. O2P_ETOOBIG: the 2xx body passed resp->body's
 * ceiling. O2P_EIO: reading the request body from its fd failed. O2P_EINVAL: bad URL or
 * method. The message names the method and URL.
 */
int http_client_do(struct http_client *c, const struct http_client_request *rq,
                   struct http_response *resp, struct o2p_error *err);

#endif
