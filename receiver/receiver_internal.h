/*
 * receiver_internal.h - the receiver's process-wide state, shared by its own files only.
 * Transports use receiver.h.
 */
#ifndef O2P_RECEIVER_INTERNAL_H
#define O2P_RECEIVER_INTERNAL_H

#include "receiver/receiver.h"

#include "common/arena.h"
#include "spooler/spool.h"

#include <stdatomic.h>

struct group_commit;
struct decode_pool;

/* Reasons a request is refused, for the rejections counter. */
enum rejection_reason {
    REJECT_MALFORMED, REJECT_TOO_LARGE, REJECT_MEDIA_TYPE, REJECT_ENCODING, REJECT_UNAUTHORIZED,
    REJECT_NOT_FOUND, REJECT_METHOD, REJECT_SPOOL_FULL, REJECT_NOT_READY, REJECT_BUSY,
    REJECT_INVALID_RECORD, REJECT_INTERNAL, REJECT_SLOW_CLIENT, REJECT_MAX_CONNECTIONS, REJECT_CANCELLED,
    REJECT_COUNT
};

#define LATENCY_BUCKETS 14
struct latency_histogram {
    uint64_t counts[LATENCY_BUCKETS + 1]; /* last: +Inf */
    double sum_s;
    uint64_t total;
};
extern const double receiver_metrics_latency_bucket_bounds_s[LATENCY_BUCKETS];
void receiver_metrics_latency_observe(struct latency_histogram *h, double seconds);
/* receiver_metrics_latency_quantile - an upper bound of the q-quantile from the buckets. */
double receiver_metrics_latency_quantile(const struct latency_histogram *h, double q);

struct receiver_metrics {
    uint64_t requests[2][6];  /* transport x status class: 2xx,4xx,429,5xx,503,other */
    uint64_t rejections[2][REJECT_COUNT];
    uint64_t wire_bytes[2];
    uint64_t records[O2P_SIGNAL_COUNT];
    uint64_t rejected_records[O2P_SIGNAL_COUNT];
    uint64_t spooled_bytes[O2P_SIGNAL_COUNT];
    int64_t connections[2];
    struct latency_histogram ack_latency;
};

struct receiver {
    const struct o2p_config *cfg;
    struct event_base *base;
    struct spool *spool;
    struct group_commit *commit;
    SSL_CTX *tls;
    char *auth_token;
    size_t auth_token_len;
    struct arena decode_arena;    /* receiver.decode_threads <= 1: one request at a time, loop thread */
    struct decode_pool *decode;   /* receiver.decode_threads >= 2, else NULL */
    struct receiver_metrics metrics;
    atomic_bool ready;            /* spool recovery finished */
    bool draining;                /* SIGTERM: refuse new exports, answer the accepted ones */
    atomic_bool spool_full;       /* the last commit hit a full map or disk */
    atomic_uint_fast64_t disk_free;   /* room for appends: free on the spool's disk + freed spool pages */
    atomic_uint_fast64_t spool_used;  /* bytes held in the spool, refreshed after commits */
    uint64_t high_watermark_bytes;
    uint64_t inflight_bytes;      /* accepted but not yet answered */
    uint64_t inflight_max;
    int64_t max_connections;      /* per port: receiver.max_connections, or what the fd limit fits */
    int lock_fd;                  /* SPOOL/receiver.lock, held for the process's life (-1: none) */
    /* The spool cannot be used (recovery failed, or a commit found it damaged): the commit
     * thread writes the message, then sets the code; the loop thread ends the process with
     * exit 1 (main.c on_tick). Never cleared. */
    atomic_int spool_failed;
    char spool_failed_msg[O2P_ERROR_MAX];
    bool spool_failed_logged;     /* loop thread: the op=exit line went out */
};

/* What receiver_ingest_prepare makes of a request: the protobuf bytes to spool (malloc'd, owned by the
 * caller; NULL when there are no records), the record count, and what validation dropped. */
struct ingest_prepared {
    uint8_t *body;
    size_t len;
    uint32_t records;
    int64_t rejected;
    char *rejected_msg;  /* malloc'd or NULL */
};

/* receiver_ingest_prepare - decode (protobuf or OTLP/JSON) in arena `a`, validate, count and drop bad
 * records, and produce the bytes to spool. Pure: no receiver state, so fuzz targets and
 * benchmarks call it directly. O2P_EINVAL/O2P_ETOOBIG/O2P_ENOMEM with a message. */
int receiver_ingest_prepare(enum o2p_signal sig, enum ingest_format fmt, const uint8_t *body, size_t len,
                   struct arena *a, struct ingest_prepared *out, struct o2p_error *err);

/* receiver_ingest_prepare_owned - the same, for a malloc'd body whose ownership passes here:
 * it becomes out->body when spooled as is, else it is freed (also on error). */
int receiver_ingest_prepare_owned(enum o2p_signal sig, enum ingest_format fmt, uint8_t *body, size_t len,
                                  struct arena *a, struct ingest_prepared *out, struct o2p_error *err);

/* receiver_ingest_finish - loop thread: the outcome of a prepare (rc, *p, err) goes on: an
 * error or a request without records is answered through `done` now (rejections counted),
 * the others are queued for group commit (p->body and p->rejected_msg pass to it). */
void receiver_ingest_finish(struct receiver *r, enum receiver_transport transport, enum o2p_signal sig, int rc,
                            struct ingest_prepared *p, ingest_done_fn done, void *ctx, const struct o2p_error *err);

/*
 * Decode pool (receiver_decode.c): receiver.decode_threads threads that run
 * receiver_ingest_prepare off the loop thread, each with its own arena.
 *
 * receiver_decode_start - start n (>= 2) threads; O2P_ENOMEM / O2P_EIO with a message.
 * receiver_decode_submit - loop thread: copy body (the caller keeps its own) and queue it;
 *   O2P_OK: `done` runs exactly once, later, on the loop thread, after the request was
 *   prepared and (when it has records) made durable by group commit. O2P_EAGAIN with a
 *   message when DECODE_QUEUE_PER_THREAD requests per thread are already waiting (the
 *   caller answers 503 / UNAVAILABLE), O2P_ENOMEM.
 * receiver_decode_idle - nothing queued, decoding or waiting for the loop thread.
 * receiver_decode_stop - join the threads; requests not yet answered are dropped without
 *   `done` (only called once idle, or when the transports are gone).
 */
/* With two threads, as many as the transports let in at once by default (256 gRPC calls, 1,024
 * HTTP connections of one request each): a burst waits in the queue instead of being refused. */
#define DECODE_QUEUE_PER_THREAD 512
int receiver_decode_start(struct decode_pool **out, struct receiver *r, int n, struct o2p_error *err);
int receiver_decode_submit(struct decode_pool *dp, enum receiver_transport transport, enum o2p_signal sig,
                           enum ingest_format fmt, const uint8_t *body, size_t len, ingest_done_fn done,
                           void *ctx, struct o2p_error *err);
bool receiver_decode_idle(struct decode_pool *dp);
void receiver_decode_stop(struct decode_pool *dp);

/* receiver_create / receiver_free - state, spool, TLS context, auth token. */
int receiver_create(struct receiver **out, const struct o2p_config *cfg, struct event_base *base,
                    struct o2p_error *err);
void receiver_free(struct receiver *r);
/* receiver_refresh_spool_usage - re-read the spool's size (writers drain it) and clear the
 * "full" flag so the next commit probes the disk again. Loop thread, on a timer. Once the
 * spool failed (receiver_spool_failed): false, the spool untouched, and the event loop told
 * to end (the process then exits 1). */
bool receiver_refresh_spool_usage(struct receiver *r);
/* receiver_spool_failed - true once the spool cannot be used (receiver_commit.c); the first
 * call that sees it logs the reason (op=exit). Loop thread: the caller ends the process. */
bool receiver_spool_failed(struct receiver *r);
/* receiver_disk_free - bytes available on the spool's filesystem now (UINT64_MAX if unknown). */
uint64_t receiver_disk_free(const struct receiver *r);
/* receiver_backpressure - O2P_OK, or with a message: O2P_ESLOW (the spool above its high
 * watermark: 429), O2P_EFULL (the spool or its disk full, or the disk under
 * spool.min_free_bytes: 503), O2P_EAGAIN (too many bytes waiting for the disk: 503). */
int receiver_backpressure(struct receiver *r, size_t incoming, struct o2p_error *err);

void receiver_count_rejection_reason(struct receiver *r, enum receiver_transport t,
                                     enum rejection_reason why);
/* receiver_metrics_render - Prometheus text exposition of every counter, plus spool gauges. */
int receiver_metrics_render(struct receiver *r, struct buf *out);

/* Group commit (receiver_commit.c). The commit thread also runs spool recovery first. */
int receiver_commit_start(struct group_commit **out, struct receiver *r, struct o2p_error *err);
/* receiver_commit_submit - queue body (ownership passes to the commit; freed after `done`). */
void receiver_commit_submit(struct group_commit *gc, enum o2p_signal sig, uint8_t *body, size_t len,
                         uint32_t records, int64_t rejected, char *rejected_msg,
                         ingest_done_fn done, void *ctx);
/* receiver_commit_idle - nothing queued, committing or waiting to be answered. */
bool receiver_commit_idle(struct group_commit *gc);
/* receiver_commit_stop - finish what is queued, answer it, join the thread. */
void receiver_commit_stop(struct group_commit *gc);
struct receiver_commit_stats {
    uint64_t batches, requests, records, bytes, failures;
    struct latency_histogram commit_latency;
    uint64_t batch_size_counts[8]; /* requests per batch: 1,2-3,4-7,8-15,16-31,32-63,64-127,128+ */
};
void receiver_commit_stats(struct group_commit *gc, struct receiver_commit_stats *out);

#endif
