/*
 * otlp2parquet-writer - drain the spool into Parquet data files and queue them for the
 * committer. Any number of writers may run on one spool (otlp2parquet-writer@N units).
 *
 * One step: take a claim (an expired one first, else a range whose size or age passed the
 * thresholds), write and publish its files, complete it; nothing to claim = idle for
 * writer.poll_interval. A failed claim is released at once (its lease expired, so anyone
 * redoes it) and retried after writer.retry_min_wait doubling to writer.retry_max_wait.
 * SIGTERM: drain, i.e. claim and write everything left regardless of thresholds, then exit 0;
 * while the storage fails the drain retries for writer.retry_max_wait, then exits 1 with the
 * records still spooled. A second SIGTERM abandons the claim in hand (another writer redoes
 * it) and exits 1. The lifecycle is common/daemon.h's.
 */
#include "writer/writer.h"

#include "common/daemon.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int writer_open(struct daemon *d, void *ctx, struct o2p_error *err)
{
    struct writer *w = ctx;
    const struct o2p_config *cfg = &d->cfg;
    w->cfg = cfg;
    w->stopping = daemon_stop_count();
    w->hourly = !strcmp(cfg->catalog.partition, "hour");
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(w->owner, sizeof w->owner, "%.40s:%d", host, (int)getpid());
    snprintf(d->metrics_name, sizeof d->metrics_name, "writer-%d", (int)getpid());
    d->idle_ms = cfg->writer.poll_interval_ms;
    d->drain_budget_ms = cfg->writer.retry_max_wait_ms;
    backoff_init(&d->retry, cfg->writer.retry_min_wait_ms, cfg->writer.retry_max_wait_ms, BACKOFF_JITTER_NONE);
    arena_init(&w->decode, 1 << 20, cfg->receiver.max_decompressed_bytes * 8);
    otlp_rows_init(&w->rows, writer_sink, w, 0);
    int rc = writer_tmpdir_open(w, err);
    struct spool_options so = {.path = cfg->spool.path, .max_bytes = cfg->spool.max_bytes};
    if (rc == O2P_OK)
        rc = spool_open(&w->spool, &so, err);
    if (rc == O2P_OK)
        log_info("writer", "op=start owner=%s spool=%s warehouse=%s", w->owner, cfg->spool.path,
                 cfg->catalog.warehouse);
    return rc;
}

static int writer_step(struct daemon *d, void *ctx, bool draining, struct o2p_error *err)
{
    struct writer *w = ctx;
    const struct o2p_config *cfg = w->cfg;
    struct spool_claim_policy pol = {.max_bytes = cfg->writer.max_file_bytes,
                                     .max_rows = (uint64_t)cfg->writer.max_file_rows,
                                     .max_age_ns = cfg->writer.max_file_age_ms * 1000000u,
                                     .drain = draining};
    int rc = spool_claim_take(w->spool, w->owner, &pol, cfg->writer.claim_lease_ms * 1000000u, &w->claim, err);
    if (rc != O2P_OK)
        return rc; /* O2P_EAGAIN: nothing to claim */
    spool_release_pages(w->spool); /* the claim's sizing touched record headers */
    rc = writer_run_claim(w, err);
    if (rc == O2P_OK || rc == O2P_ECONFLICT)
        return O2P_OK;
    log_error("writer", "op=claim_failed signal=%s range=%llu-%llu err=\"%s\" action=release",
              signal_kind_name(w->claim.signal), (unsigned long long)w->claim.first,
              (unsigned long long)w->claim.last, err->msg);
    /* Give it back now so the claim is redone (by anyone) without waiting out the lease, and
     * not counted as a death (writer_claim.c). A failed release leaves it to expire. */
    struct o2p_error rerr = {0};
    if (spool_claim_release(w->spool, &w->claim, &rerr) != O2P_OK)
        log_warn("writer", "op=claim_release err=\"%s\" effect=\"the claim is redone when its lease expires\"",
                 rerr.msg);
    /* A claim that must wait (a table not created yet) failed all the same: EAGAIN would
     * tell the skeleton there is nothing to do, and a drain would end with it undone. */
    return rc == O2P_EAGAIN ? O2P_EIO : rc;
}

static void writer_status(void *ctx, bool draining, char *out, size_t n)
{
    const struct writer *w = ctx;
    snprintf(out, n, "%s claims=%llu records=%llu files=%llu", draining ? "draining" : "running",
             (unsigned long long)w->claims_done, (unsigned long long)w->records_done,
             (unsigned long long)w->files_done);
}

static int writer_metrics(void *ctx, struct buf *out, struct o2p_error *err)
{
    const struct writer *w = ctx;
    const char *names[] = {"claims", "records", "files", "bytes", "claims_lost", "quarantined"};
    const uint64_t values[] = {w->claims_done, w->records_done, w->files_done, w->bytes_done, w->conflicts,
                               w->quarantined};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (buf_printf(out, "o2p_writer_%s_total{writer=\"%s\"} %llu\n", names[i], w->owner,
                       (unsigned long long)values[i]) != O2P_OK)
            return o2p_fail(err, O2P_ETOOBIG, "writer metrics: text too long");
    return O2P_OK;
}

static void writer_close(void *ctx)
{
    struct writer *w = ctx;
    log_info("writer", "op=exit claims=%llu records=%llu files=%llu bytes=%llu conflicts=%llu quarantined=%llu",
             (unsigned long long)w->claims_done, (unsigned long long)w->records_done,
             (unsigned long long)w->files_done, (unsigned long long)w->bytes_done,
             (unsigned long long)w->conflicts, (unsigned long long)w->quarantined);
    free(w->poison);
    free(w->sealed);
    otlp_rows_free(&w->rows);
    arena_free(&w->decode);
    writer_table_stores_close(w);
    spool_close(w->spool);
}

int main(int argc, char **argv)
{
    static const struct daemon_ops ops = {
        .prog = "otlp2parquet-writer",
        .component = "writer",
        .usage = "usage: otlp2parquet-writer [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
                 "Writes the spooled records to Parquet data files and queues them for the committer.\n",
        .open = writer_open,
        .step = writer_step,
        .status = writer_status,
        .metrics = writer_metrics,
        .close = writer_close,
    };
    static struct writer w;
    return daemon_main(argc, argv, &ops, &w);
}
