/*
 * receiver_commit.c - group commit: the receiver's only writer to the spool.
 *
 * States of a request body:
 *   QUEUED (pending list) -> COMMITTING (taken by the commit thread, inside one LMDB write
 *   transaction) -> DURABLE or FAILED (done list) -> ANSWERED (done callback ran on the loop
 *   thread, body freed).
 *
 * The commit thread takes everything queued at once, so requests that arrive while a sync is
 * running share the next one: under load the batch grows by itself and durability costs one
 * sync per batch. spool.group_commit_window optionally holds a batch open a little longer
 * when the disk is faster than the arrival rate; spool.group_commit_bytes closes it early.
 *
 * Before the first commit the thread runs spool recovery; until it finishes the receiver is
 * not ready and refuses intake. A spool that cannot be used - recovery failed, or a commit
 * found it damaged (O2P_ECORRUPT) - is fatal: the thread records why in r->spool_failed,
 * answers every request after that 503 without touching the spool again (LMDB on a damaged
 * file may crash, and nothing acknowledged may go into it), and the loop thread ends the
 * process with exit 1 and the message (main.c). Staying up "not ready" instead would answer
 * 503 forever with the reason in one log line nobody connects to it.
 */
#include "receiver/receiver_internal.h"

#include "common/log.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct commit_item {
    struct commit_item *next;
    enum o2p_signal sig;
    uint8_t *body;
    size_t len;
    uint32_t records;
    int64_t rejected;
    char *rejected_msg;
    uint64_t enqueued_ns;
    ingest_done_fn done;
    void *ctx;
    int code;
    char *message;  /* why the commit failed (owned) */
};

struct item_list {
    struct commit_item *head, *tail;
    size_t count;
    size_t bytes;
};

struct group_commit {
    struct receiver *r;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item_list pending;  /* QUEUED */
    struct item_list done;     /* DURABLE or FAILED, waiting for the loop thread */
    size_t committing;         /* items inside the current transaction */
    bool stop;
    struct event *done_ev;
    struct receiver_commit_stats stats;
};

static void list_push(struct item_list *l, struct commit_item *it)
{
    it->next = NULL;
    if (l->tail)
        l->tail->next = it;
    else
        l->head = it;
    l->tail = it;
    l->count++;
    l->bytes += it->len;
}

static void list_append(struct item_list *dst, struct item_list *src)
{
    if (!src->head)
        return;
    if (dst->tail)
        dst->tail->next = src->head;
    else
        dst->head = src->head;
    dst->tail = src->tail;
    dst->count += src->count;
    dst->bytes += src->bytes;
    memset(src, 0, sizeof *src);
}

static int batch_bucket(size_t n)
{
    int b = 0;
    while (n > 1 && b < 7) {
        n >>= 1;
        b++;
    }
    return b;
}

/* spool_failed - record once why the spool cannot be used; the loop thread exits on it. */
static void spool_failed(struct receiver *r, int code, const char *msg)
{
    int none = 0;
    if (atomic_load(&r->spool_failed) != 0)
        return;
    snprintf(r->spool_failed_msg, sizeof r->spool_failed_msg, "%s", msg);
    atomic_compare_exchange_strong(&r->spool_failed, &none, code);
    atomic_store(&r->ready, false); /* GET /ready and o2p_receiver_ready say so at once */
}

/* commit_batch - one transaction for the whole batch; every item gets the same outcome. */
static void commit_batch(struct group_commit *gc, struct item_list *batch)
{
    struct spool_append stack_items[64];
    struct spool_append *items = batch->count <= 64 ? stack_items
                                                    : calloc(batch->count, sizeof *items);
    struct o2p_error err = {0};
    int rc;
    uint64_t t0 = clock_mono_ns();
    if (atomic_load(&gc->r->spool_failed) != 0) {
        /* Retryable for the sender: another receiver, or this one once its spool is repaired. */
        rc = o2p_fail(&err, O2P_EAGAIN, "the receiver's spool cannot be used and the receiver is stopping; "
                                        "retry later");
    } else if (!items) {
        rc = o2p_fail(&err, O2P_ENOMEM, "out of memory for a batch of %zu requests", batch->count);
    } else {
        size_t i = 0;
        uint64_t now = clock_wall_ns(); /* the records' receive time, kept in the spool */
        for (struct commit_item *it = batch->head; it; it = it->next, i++)
            items[i] = (struct spool_append){.signal = it->sig, .body = it->body, .len = it->len,
                                             .records = it->records, .recv_time_ns = now};
        rc = spool_append_batch(gc->r->spool, items, batch->count, &err);
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    if (items != stack_items)
        free(items);
    if (rc == O2P_ECORRUPT) {
        log_error("receiver", "op=spool_append requests=%zu err=\"%s\" action=stop", batch->count, err.msg);
        spool_failed(gc->r, rc, err.msg);
        rc = o2p_fail(&err, O2P_EAGAIN, "the receiver's spool is damaged and the receiver is stopping; retry later");
    }
    for (struct commit_item *it = batch->head; it; it = it->next) {
        it->code = rc;
        it->message = rc == O2P_OK ? NULL : strdup(err.msg);
    }
    uint64_t disk_free = rc == O2P_EIO ? receiver_disk_free(gc->r) : UINT64_MAX;
    if (disk_free < gc->r->cfg->spool.min_free_bytes + batch->bytes + (1u << 20)) {
        /* LMDB reports a filesystem that filled mid-write (tmpfs, some others) as EIO, not
         * ENOSPC: with the disk this close to full, it is the disk. 503, which clients retry,
         * instead of 500, which they drop. */
        o2p_error_prefix(&err, "the spool's disk is full (%llu bytes free)", (unsigned long long)disk_free);
        rc = O2P_EFULL;
        for (struct commit_item *it = batch->head; it; it = it->next) {
            free(it->message);
            it->code = rc;
            it->message = strdup(err.msg);
        }
    }
    if (rc == O2P_EFULL) {
        atomic_store(&gc->r->spool_full, true);
        log_warn("receiver", "op=spool_append requests=%zu err=\"%s\" action=backpressure",
                 batch->count, err.msg);
    } else if (rc != O2P_OK && atomic_load(&gc->r->spool_failed) == 0) {
        log_error("receiver", "op=spool_append requests=%zu err=\"%s\"", batch->count, err.msg);
    } else if (rc == O2P_OK) {
        uint64_t used;
        if (spool_used_bytes(gc->r->spool, &used, NULL) == O2P_OK)
            atomic_store(&gc->r->spool_used, used);
    }
    pthread_mutex_lock(&gc->mu);
    struct receiver_commit_stats *st = &gc->stats;
    st->batches++;
    st->requests += batch->count;
    st->bytes += batch->bytes;
    for (struct commit_item *it = batch->head; it; it = it->next)
        st->records += it->records;
    if (rc != O2P_OK)
        st->failures++;
    st->batch_size_counts[batch_bucket(batch->count)]++;
    receiver_metrics_latency_observe(&st->commit_latency, secs);
    gc->committing = 0;
    list_append(&gc->done, batch);
    pthread_mutex_unlock(&gc->mu);
    event_active(gc->done_ev, EV_READ, 0);
}

static void run_recovery(struct group_commit *gc)
{
    struct spool_recovery rec;
    struct o2p_error err = {0};
    uint64_t t0 = clock_mono_ns();
    int rc = spool_recover(gc->r->spool, &rec, &err);
    if (rc != O2P_OK) {
        /* Serving without a verified spool would acknowledge into something broken, and
         * waiting changes nothing: end the process with the reason (spool_failed). */
        log_error("receiver", "op=spool_recover path=%s err=\"%s\" action=stop", spool_path(gc->r->spool),
                  err.msg);
        spool_failed(gc->r, rc, err.msg);
        return;
    }
    log_info("receiver", "op=spool_recover entries=%llu quarantined=%llu stale_readers=%d ms=%.1f",
             (unsigned long long)rec.entries_checked, (unsigned long long)rec.quarantined,
             rec.stale_readers, (double)(clock_mono_ns() - t0) / 1e6);
    uint64_t used;
    if (spool_used_bytes(gc->r->spool, &used, NULL) == O2P_OK)
        atomic_store(&gc->r->spool_used, used);
    spool_release_pages(gc->r->spool); /* the scan touched every record: not our memory */
    atomic_store(&gc->r->ready, true);
}

static void *commit_thread(void *arg)
{
    struct group_commit *gc = arg;
    run_recovery(gc);
    const struct o2p_config *cfg = gc->r->cfg;
    uint64_t window_ns = cfg->spool.group_commit_window_ms * 1000000u;
    pthread_mutex_lock(&gc->mu);
    for (;;) {
        while (!gc->stop && !gc->pending.head)
            pthread_cond_wait(&gc->cv, &gc->mu);
        if (!gc->pending.head)
            break; /* stop, nothing left */
        if (window_ns && !gc->stop) {
            /* Hold the batch open until the oldest request has waited `window`, unless it is
             * already big enough. */
            uint64_t deadline = gc->pending.head->enqueued_ns + window_ns;
            while (!gc->stop && gc->pending.bytes < cfg->spool.group_commit_bytes) {
                uint64_t now = clock_mono_ns();
                if (now >= deadline)
                    break;
                /* The condition variable waits on CLOCK_MONOTONIC too (receiver_commit_start). */
                struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
                pthread_cond_timedwait(&gc->cv, &gc->mu, &ts);
            }
        }
        struct item_list batch = gc->pending;
        memset(&gc->pending, 0, sizeof gc->pending);
        gc->committing = batch.count;
        pthread_mutex_unlock(&gc->mu);
        commit_batch(gc, &batch);
        pthread_mutex_lock(&gc->mu);
    }
    pthread_mutex_unlock(&gc->mu);
    return NULL;
}

/* on_done - loop thread: answer every finished request, free its body. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    struct group_commit *gc = arg;
    pthread_mutex_lock(&gc->mu);
    struct item_list done = gc->done;
    memset(&gc->done, 0, sizeof gc->done);
    pthread_mutex_unlock(&gc->mu);
    struct receiver *r = gc->r;
    uint64_t now = clock_mono_ns();
    struct commit_item *it = done.head;
    while (it) {
        struct commit_item *next = it->next;
        struct ingest_result res = {
            .code = it->code,
            .message = it->code == O2P_OK ? NULL : (it->message ? it->message : "spool commit failed"),
            .signal = it->sig,
            .accepted = it->code == O2P_OK ? it->records : 0,
            .rejected = it->rejected,
            .rejected_message = it->rejected_msg,
        };
        if (it->code == O2P_OK) {
            r->metrics.records[it->sig] += it->records;
            r->metrics.spooled_bytes[it->sig] += it->len;
            r->metrics.rejected_records[it->sig] += (uint64_t)it->rejected;
        }
        receiver_metrics_latency_observe(&r->metrics.ack_latency, (double)(now - it->enqueued_ns) / 1e9);
        r->inflight_bytes -= it->len;
        it->done(it->ctx, &res);
        free(it->body);
        free(it->rejected_msg);
        free(it->message);
        free(it);
        it = next;
    }
}

int receiver_commit_start(struct group_commit **out, struct receiver *r, struct o2p_error *err)
{
    struct group_commit *gc = calloc(1, sizeof *gc);
    if (!gc)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    gc->r = r;
    pthread_mutex_init(&gc->mu, NULL);
    /* Batching windows are durations: a wall-clock step must not stretch or cut them. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&gc->cv, &ca);
    pthread_condattr_destroy(&ca);
    gc->done_ev = event_new(r->base, -1, 0, on_done, gc);
    if (!gc->done_ev) {
        free(gc);
        return o2p_fail(err, O2P_ENOMEM, "event_new failed");
    }
    int e = pthread_create(&gc->thread, NULL, commit_thread, gc);
    if (e != 0) {
        event_free(gc->done_ev);
        free(gc);
        errno = e;
        return o2p_fail_errno(err, "start the commit thread");
    }
    gc->started = true;
    *out = gc;
    return O2P_OK;
}

void receiver_commit_submit(struct group_commit *gc, enum o2p_signal sig, uint8_t *body, size_t len,
                         uint32_t records, int64_t rejected, char *rejected_msg,
                         ingest_done_fn done, void *ctx)
{
    struct commit_item *it = calloc(1, sizeof *it);
    if (!it)
        panic("out of memory queueing a request");
    *it = (struct commit_item){.sig = sig, .body = body, .len = len, .records = records,
                               .rejected = rejected, .rejected_msg = rejected_msg,
                               .enqueued_ns = clock_mono_ns(), .done = done, .ctx = ctx};
    gc->r->inflight_bytes += len;
    pthread_mutex_lock(&gc->mu);
    list_push(&gc->pending, it);
    pthread_cond_signal(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
}

bool receiver_commit_idle(struct group_commit *gc)
{
    pthread_mutex_lock(&gc->mu);
    bool idle = !gc->pending.head && !gc->done.head && gc->committing == 0;
    pthread_mutex_unlock(&gc->mu);
    return idle;
}

void receiver_commit_stats(struct group_commit *gc, struct receiver_commit_stats *out)
{
    pthread_mutex_lock(&gc->mu);
    *out = gc->stats;
    pthread_mutex_unlock(&gc->mu);
}

void receiver_commit_stop(struct group_commit *gc)
{
    if (!gc)
        return;
    pthread_mutex_lock(&gc->mu);
    gc->stop = true;
    pthread_cond_signal(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
    if (gc->started)
        pthread_join(gc->thread, NULL);
    on_done(-1, 0, gc); /* answer whatever the thread finished last */
    event_free(gc->done_ev);
    pthread_mutex_destroy(&gc->mu);
    pthread_cond_destroy(&gc->cv);
    free(gc);
}
