/*
 * receiver_decode.c - the decode pool: receiver.decode_threads threads that validate and
 * count request bodies (receiver_ingest_prepare: otlp_scan for protobuf, otlp_json_decode
 * and re-packing for JSON) off the libevent loop, so one receiver can use every core.
 *
 * States of a job (function performing each transition):
 *   QUEUED (in list; body copied) [receiver_decode_submit]
 *   -> DECODING (taken by a thread, outside the lock) [worker]
 *   -> DECODED (out list; rc, prepared body or error) [worker, then event_active(done_ev)]
 *   -> HANDED ON [on_decoded, loop thread: receiver_ingest_finish answers it now (error, no
 *      records) or passes the prepared body to group commit, whose `done` answers it later]
 *
 * Ownership: the job owns its copy of the body until a worker hands it to
 * receiver_ingest_prepare_owned, which either makes it the prepared body (spooled as is) or
 * frees it; the prepared body then belongs to the job until on_decoded passes it to
 * receiver_commit_submit. The transport's ctx is untouched here: only `done` is called with it,
 * once, on the loop thread.
 *
 * Bounds: the jobs' bytes count in r->inflight_bytes from submit until handed on, so
 * receiver_backpressure's inflight_max bounds the pool's memory together with the commit
 * queue's (past it: O2P_EAGAIN, 503 / UNAVAILABLE). Their number is bounded too, at
 * DECODE_QUEUE_PER_THREAD per thread (the same answer), for many tiny requests; with two
 * threads that is what the transports let in at once by default (256 gRPC calls, 1,024 HTTP
 * connections), so a burst waits in the queue instead of being refused. Each thread has one
 * arena (ceiling: 8x receiver.max_decompressed_bytes, like the loop thread's).
 *
 * Order: jobs are taken in submission order but finish in any order; nothing depends on the
 * order across requests (each HTTP connection has one request outstanding; gRPC streams are
 * independent).
 *
 * Not done here: decompression (the transports do it before ingest), the spool commit.
 */
#include "receiver/receiver_internal.h"

#include "common/log.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct decode_job {
    struct decode_job *next;
    enum receiver_transport transport;
    enum o2p_signal sig;
    enum ingest_format fmt;
    uint8_t *body;  /* QUEUED: owned copy; passed to prepare by the worker */
    size_t len;
    ingest_done_fn done;
    void *ctx;
    int rc;                    /* DECODED */
    struct ingest_prepared p;  /* DECODED, rc == O2P_OK */
    struct o2p_error err;      /* DECODED, rc != O2P_OK */
};

struct job_list {
    struct decode_job *head, *tail;
};

struct decode_pool {
    struct receiver *r;
    int nthreads, started;
    pthread_t *threads;
    struct arena *arenas;     /* one per thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job_list queued;   /* QUEUED */
    struct job_list decoded;  /* DECODED, waiting for the loop thread */
    size_t jobs;              /* submitted and not yet handed on (loop thread's count) */
    size_t busy;              /* DECODING */
    bool stop;
    struct event *done_ev;
};

struct worker_arg {
    struct decode_pool *dp;
    int i;
};

static void push(struct job_list *l, struct decode_job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static struct decode_job *pop(struct job_list *l)
{
    struct decode_job *j = l->head;
    if (j) {
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
    }
    return j;
}

static void *worker(void *arg)
{
    struct decode_pool *dp = ((struct worker_arg *)arg)->dp;
    struct arena *a = &dp->arenas[((struct worker_arg *)arg)->i];
    free(arg);
    pthread_mutex_lock(&dp->mu);
    for (;;) {
        while (!dp->stop && !dp->queued.head)
            pthread_cond_wait(&dp->cv, &dp->mu);
        if (dp->stop)
            break;
        struct decode_job *j = pop(&dp->queued);
        dp->busy++;
        pthread_mutex_unlock(&dp->mu);
        uint8_t *body = j->body;
        j->body = NULL; /* prepare owns it now */
        j->rc = receiver_ingest_prepare_owned(j->sig, j->fmt, body, j->len, a, &j->p, &j->err);
        pthread_mutex_lock(&dp->mu);
        dp->busy--;
        push(&dp->decoded, j);
        event_active(dp->done_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&dp->mu);
    return NULL;
}

/* on_decoded - loop thread: hand every decoded job on. */
static void on_decoded(evutil_socket_t fd, short what, void *arg)
{
    struct decode_pool *dp = arg;
    pthread_mutex_lock(&dp->mu);
    struct job_list done = dp->decoded;
    memset(&dp->decoded, 0, sizeof dp->decoded);
    pthread_mutex_unlock(&dp->mu);
    struct receiver *r = dp->r;
    for (struct decode_job *j = pop(&done); j; j = pop(&done)) {
        dp->jobs--;
        r->inflight_bytes -= j->len; /* receiver_commit_submit counts the prepared body again */
        receiver_ingest_finish(r, j->transport, j->sig, j->rc, &j->p, j->done, j->ctx, &j->err);
        free(j);
    }
}

int receiver_decode_start(struct decode_pool **out, struct receiver *r, int n, struct o2p_error *err)
{
    struct decode_pool *dp = calloc(1, sizeof *dp);
    if (!dp)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    dp->r = r;
    dp->nthreads = n;
    dp->threads = calloc((size_t)n, sizeof *dp->threads);
    dp->arenas = calloc((size_t)n, sizeof *dp->arenas);
    dp->done_ev = event_new(r->base, -1, 0, on_decoded, dp);
    if (!dp->threads || !dp->arenas || !dp->done_ev) {
        receiver_decode_stop(dp);
        return o2p_fail(err, O2P_ENOMEM, "out of memory for %d decode threads", n);
    }
    pthread_mutex_init(&dp->mu, NULL);
    pthread_cond_init(&dp->cv, NULL);
    for (int i = 0; i < n; i++) {
        /* Decoded protobuf is 4-6x the wire size; allow 8x the decompressed limit. */
        arena_init(&dp->arenas[i], 256 * 1024, r->cfg->receiver.max_decompressed_bytes * 8);
        struct worker_arg *wa = malloc(sizeof *wa);
        int e = ENOMEM;
        if (wa) {
            *wa = (struct worker_arg){dp, i};
            e = pthread_create(&dp->threads[i], NULL, worker, wa);
        }
        if (e != 0) {
            free(wa);
            receiver_decode_stop(dp);
            errno = e;
            return o2p_fail_errno(err, "start decode thread %d of %d (receiver.decode_threads)", i + 1, n);
        }
        dp->started++;
    }
    *out = dp;
    return O2P_OK;
}

int receiver_decode_submit(struct decode_pool *dp, enum receiver_transport transport, enum o2p_signal sig,
                           enum ingest_format fmt, const uint8_t *body, size_t len, ingest_done_fn done,
                           void *ctx, struct o2p_error *err)
{
    if (dp->jobs >= (size_t)dp->nthreads * DECODE_QUEUE_PER_THREAD) {
        receiver_count_rejection_reason(dp->r, transport, REJECT_BUSY);
        return o2p_fail(err, O2P_EAGAIN, "the receiver is busy (%zu requests waiting to be decoded); retry later",
                        dp->jobs);
    }
    struct decode_job *j = calloc(1, sizeof *j);
    uint8_t *copy = malloc(len ? len : 1);
    if (!j || !copy) {
        free(j);
        free(copy);
        return o2p_fail(err, O2P_ENOMEM, "out of memory queueing a request of %zu bytes", len);
    }
    memcpy(copy, body, len);
    *j = (struct decode_job){.transport = transport, .sig = sig, .fmt = fmt, .body = copy, .len = len,
                             .done = done, .ctx = ctx};
    dp->jobs++;
    dp->r->inflight_bytes += len;
    pthread_mutex_lock(&dp->mu);
    push(&dp->queued, j);
    pthread_cond_signal(&dp->cv);
    pthread_mutex_unlock(&dp->mu);
    return O2P_OK;
}

bool receiver_decode_idle(struct decode_pool *dp)
{
    return !dp || dp->jobs == 0;
}

void receiver_decode_stop(struct decode_pool *dp)
{
    if (!dp)
        return;
    if (dp->started) {
        pthread_mutex_lock(&dp->mu);
        dp->stop = true;
        pthread_cond_broadcast(&dp->cv);
        pthread_mutex_unlock(&dp->mu);
        for (int i = 0; i < dp->started; i++)
            pthread_join(dp->threads[i], NULL);
        pthread_mutex_destroy(&dp->mu);
        pthread_cond_destroy(&dp->cv);
    }
    if (dp->jobs)
        log_warn("receiver", "op=decode_stop requests=%zu action=drop_unanswered", dp->jobs);
    for (int l = 0; l < 2; l++) {
        struct job_list *list = l ? &dp->decoded : &dp->queued;
        for (struct decode_job *j = pop(list); j; j = pop(list)) {
            free(j->body);
            free(j->p.body);
            free(j->p.rejected_msg);
            free(j);
        }
    }
    for (int i = 0; dp->arenas && i < dp->nthreads; i++)
        arena_free(&dp->arenas[i]);
    if (dp->done_ev)
        event_free(dp->done_ev);
    free(dp->arenas);
    free(dp->threads);
    free(dp);
}
