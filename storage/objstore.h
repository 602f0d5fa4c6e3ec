/*
 * objstore.h - the warehouse's object storage: a local directory (file://) or an S3 bucket
 * (s3://bucket/prefix on AWS S3, Cloudflare R2, MinIO or another S3-compatible store).
 *
 * The writer uploads Parquet data files with objstore_put_file; the committer writes Iceberg
 * metadata with objstore_put_bytes(OBJSTORE_CREATE_ONLY) and reads it back with objstore_get.
 *
 * Keys are relative to the warehouse root ("otel/logs/data/x.parquet"): non-empty, no leading
 * or doubled '/', no "." or ".." segments, at most OBJSTORE_KEY_MAX bytes. Both backends give
 * the same answers:
 *   - a put is atomic: readers see the old object or the whole new one, never a part
 *     (file://: temp file + fsync + rename + fsync(dir); s3: one PUT or one completed
 *     multipart upload);
 *   - a put that returned O2P_OK is durable;
 *   - OBJSTORE_CREATE_ONLY never replaces an object: O2P_ECONFLICT if the key exists
 *     (file://: link(2); s3: If-None-Match: *, 412 Precondition Failed);
 *   - transient failures (S3 5xx but 501, 408, 429, SlowDown, timeouts, connection errors) are retried
 *     with jittered exponential backoff; 4xx answers are not retried.
 *
 * Error codes: O2P_ENOTFOUND (no such key), O2P_ECONFLICT (create-only and the key exists),
 * O2P_EINVAL (bad key/URL/configuration, or S3 refused the credentials: 400/401/403),
 * O2P_EAGAIN (still failing after the retries: try again later), O2P_EFULL (local disk full),
 * O2P_EIO (local I/O), O2P_ETOOBIG (object larger than the caller's buffer ceiling),
 * O2P_EPROTO (unexpected answer), O2P_ENOMEM. Messages name the operation, the object's URL,
 * and for S3 the HTTP status, the S3 error Code and Message:
 *   "s3 PUT s3://warehouse/otel/logs/data/x.parquet: 403 SignatureDoesNotMatch: The request..."
 *
 * Thread model: a struct objstore is used by one thread at a time (it owns one HTTP handle
 * and one credential cache); open one per thread or process.
 */
#ifndef O2P_OBJSTORE_H
#define O2P_OBJSTORE_H

#include "common/buf.h"
#include "common/cfg.h"
#include "common/err.h"

#include <stddef.h>
#include <stdint.h>

#define OBJSTORE_KEY_MAX 1024

/* Flags for objstore_put_file / objstore_put_bytes. */
#define OBJSTORE_CREATE_ONLY 0x1u /* fail with O2P_ECONFLICT instead of replacing an object */
#define OBJSTORE_MOVE 0x2u        /* put_file: the local file is consumed; file:// renames it
                                   * into place when on the same filesystem (else copies) and
                                   * the caller must not rely on it still existing */
#define OBJSTORE_UNIQUE_KEY 0x4u  /* with CREATE_ONLY: the key is unique to this write (it
                                   * carries a UUID), so create-only is only a safety net; a
                                   * store that refuses the conditional header itself (an S3
                                   * Tables table bucket: 501 NotImplemented or 400
                                   * ...UnsupportedHeader) gets the write without it, and is
                                   * logged once. Never for names that must not be replaced. */

struct objstore;
struct aws_credentials;

/*
 * objstore_open - open the warehouse at `warehouse_url`:
 *   file:///abs/dir          the directory is created if missing (a bare /abs/dir is
 *                            accepted too; file://rel/dir is relative to the cwd)
 *   s3://bucket[/prefix]     endpoint, region and addressing from cfg->s3 (cfg may be NULL:
 *                            AWS, us-east-1, virtual-hosted); credentials from the AWS chain
 *                            (see aws_credentials.h), read at the first request
 * Nothing is sent over the network here. *out is owned by the caller (objstore_close).
 * O2P_EINVAL (bad URL, unsupported scheme), O2P_EIO/O2P_EFULL (cannot create the directory),
 * O2P_ENOMEM.
 */
int objstore_open(struct objstore **out, const char *warehouse_url, const struct o2p_config *cfg,
                  struct o2p_error *err);

/*
 * objstore_put_file - store the local file `local_path` (read-only unless OBJSTORE_MOVE) as
 * `key`. S3: one PUT up to OBJSTORE_S3_SINGLE_PUT_MAX bytes, else a multipart upload whose
 * parts are read from the file one at a time (never the whole file in memory); every part's
 * SHA-256 is signed, so S3 rejects a corrupted transfer. An unfinished multipart upload is
 * aborted on failure. flags: OBJSTORE_CREATE_ONLY, OBJSTORE_MOVE.
 */
int objstore_put_file(struct objstore *s, const char *key, const char *local_path, unsigned flags,
                      struct o2p_error *err);

/*
 * objstore_put_bytes - store data[0..len) as `key`. flags: OBJSTORE_CREATE_ONLY. With
 * CREATE_ONLY on S3, a 412 that follows a retried attempt (whose answer was lost) is checked
 * by reading the object back: identical bytes count as success.
 */
int objstore_put_bytes(struct objstore *s, const char *key, const void *data, size_t len,
                       unsigned flags, struct o2p_error *err);

/*
 * objstore_get - append the object's bytes to `out` (whose ceiling applies: O2P_ETOOBIG).
 * O2P_ENOTFOUND when the key does not exist. On failure `out` may hold a partial object
 * past its original length; the caller resets it.
 */
int objstore_get(struct objstore *s, const char *key, struct buf *out, struct o2p_error *err);

/*
 * objstore_stat - O2P_OK and *size (may be NULL) when `key` exists, O2P_ENOTFOUND when it
 * does not, another code when the store could not tell.
 */
int objstore_stat(struct objstore *s, const char *key, uint64_t *size, struct o2p_error *err);

/* objstore_delete - remove `key`. Deleting a missing key succeeds (S3 semantics). */
int objstore_delete(struct objstore *s, const char *key, struct o2p_error *err);

/*
 * objstore_list - call fn(key, size, ctx) for every key that starts with `prefix` (a plain
 * string prefix, "" = everything), in no promised order (file://) / lexicographic order (s3).
 * Keys are relative to the warehouse root and valid only during the call. A non-zero return
 * from fn stops the listing and is returned. file:// skips temp files of unfinished puts.
 */
typedef int (*objstore_list_fn)(const char *key, uint64_t size, void *ctx);
int objstore_list(struct objstore *s, const char *prefix, objstore_list_fn fn, void *ctx,
                  struct o2p_error *err);

/*
 * objstore_url - the absolute location of `key` as written into Iceberg metadata:
 * "file:///abs/dir/KEY" or "s3://bucket/prefix/KEY". Writes at most n bytes (NUL included,
 * truncated if needed) and returns out.
 */
const char *objstore_url(const struct objstore *s, const char *key, char *out, size_t n);

/* objstore_scheme - "file" or "s3". */
const char *objstore_scheme(const struct objstore *s);

/* objstore_set_credentials - S3 only: use these keys instead of the AWS chain (tools, tests).
 * Copied. No effect on file://. */
void objstore_set_credentials(struct objstore *s, const struct aws_credentials *cred);

/* objstore_close - release everything (NULL is fine). */
void objstore_close(struct objstore *s);

/* Single PUT up to this size, multipart above; parts are this size (grown if a file would
 * need more than 10,000 parts). */
#define OBJSTORE_S3_SINGLE_PUT_MAX (16u << 20)
#define OBJSTORE_S3_PART_SIZE (16u << 20)

#endif
