/*
 * objstore_int.h - internals shared by objstore.c (dispatch), objstore_file.c,
 * objstore_s3.c and objstore_s3_multipart.c. Not a public interface: use objstore.h.
 */
#ifndef O2P_OBJSTORE_INT_H
#define O2P_OBJSTORE_INT_H

#include "storage/aws_credentials.h"
#include "storage/http_client.h"
#include "storage/objstore.h"

#include <stdbool.h>
#include <stdint.h>

/* One backend. Keys reaching these functions have passed objstore.c's key check. */
struct objstore_ops {
    const char *scheme;
    int (*put_file)(struct objstore *s, const char *key, const char *path, unsigned flags,
                    struct o2p_error *err);
    int (*put_bytes)(struct objstore *s, const char *key, const void *data, size_t len,
                     unsigned flags, struct o2p_error *err);
    int (*get)(struct objstore *s, const char *key, struct buf *out, struct o2p_error *err);
    int (*stat)(struct objstore *s, const char *key, uint64_t *size, struct o2p_error *err);
    int (*del)(struct objstore *s, const char *key, struct o2p_error *err);
    int (*list)(struct objstore *s, const char *prefix, objstore_list_fn fn, void *ctx,
                struct o2p_error *err);
    void (*url)(const struct objstore *s, const char *key, char *out, size_t n);
    void (*close)(struct objstore *s);
};

struct objstore {
    const struct objstore_ops *ops;
    void *impl;
};

/* objstore_file_open - fill s for the directory `root` (absolute, created if missing). */
int objstore_file_open(struct objstore *s, const char *root, struct o2p_error *err);

/* objstore_s3_open - fill s for s3://bucket/prefix ("prefix" without leading/trailing '/'). */
int objstore_s3_open(struct objstore *s, const char *bucket, const char *prefix,
                     const struct o2p_config *cfg, struct o2p_error *err);
void objstore_s3_set_credentials(struct objstore *s, const struct aws_credentials *cred);

/* ---- S3 internals (objstore_s3.c), used by objstore_s3_multipart.c ----------------------- */

#define S3_MAX_ATTEMPTS 6
#define S3_BACKOFF_BASE_MS 100
#define S3_BACKOFF_MAX_MS 5000
#define S3_MAX_PARTS 10000

struct s3 {
    char bucket[256];
    char prefix[OBJSTORE_KEY_MAX];
    char scheme[8];       /* "http" or "https" */
    char host[512];       /* endpoint host[:port] (default ports removed) */
    bool path_style;
    char region[64];
    struct http_client *http;
    struct aws_credentials_provider *creds;
    bool no_conditional_put; /* the store refused If-None-Match on PutObject (OBJSTORE_UNIQUE_KEY) */
};

/* One S3 operation on one object (key relative to the warehouse, NULL = the bucket). */
struct s3_call {
    const char *op;        /* for messages: "PUT", "GET", "CreateMultipartUpload", ... */
    const char *method;
    const char *key;
    const char *query;     /* canonical form (sorted, encoded) - sent as is */
    const struct http_header *headers; /* extra headers to send and sign */
    size_t nheaders;
    const void *body;      /* memory body, or fd range (body_from_fd) */
    uint64_t body_len;
    bool body_from_fd;
    int body_fd;
    uint64_t body_offset;
    const char *payload_hash; /* hex SHA-256 of the body (NULL: computed for memory bodies) */
    struct buf *out;       /* 2xx body destination (may be NULL) */
    bool ambiguous;        /* out: an earlier attempt may have been applied by S3 */
};

/* objstore_s3_request - sign and send c, retrying transport errors, 5xx, 408, 429 and S3's
 * RequestTimeout/SlowDown with jittered exponential backoff; refreshes credentials once on
 * ExpiredToken. O2P_OK with resp->status set to the final answer (any status); otherwise the
 * transport/credential error. */
int objstore_s3_request(struct s3 *s, struct s3_call *c, struct http_response *resp,
               struct o2p_error *err);

/* objstore_s3_fail - turn a non-success answer into an O2P_E* code and the message
 * "s3 OP s3://bucket/prefix/key: STATUS Code: Message". */
int objstore_s3_fail(struct s3 *s, const struct s3_call *c, const struct http_response *resp,
            struct o2p_error *err);

/* objstore_s3_xml_text - copy the text of the first <tag>...</tag> in xml (entities decoded) into out.
 * Returns false when absent. */
bool objstore_s3_xml_text(const char *xml, const char *tag, char *out, size_t n);

/* objstore_s3_sha256_fd - hex SHA-256 of len bytes of fd at off (pread). O2P_EIO. */
int objstore_s3_sha256_fd(int fd, uint64_t off, uint64_t len, char hex[65], const char *path,
                 struct o2p_error *err);

/* objstore_s3_url - "s3://bucket/prefix/key" */
void objstore_s3_url(const struct s3 *s, const char *key, char *out, size_t n);

/* objstore_s3_multipart_put - upload size bytes of fd as key with a multipart upload (aborted on
 * failure). flags: OBJSTORE_CREATE_ONLY. */
int objstore_s3_multipart_put(struct s3 *s, const char *key, int fd, uint64_t size, const char *path,
                     unsigned flags, struct o2p_error *err);

#endif
