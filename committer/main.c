/*
 * otlp2parquet-committer - the spool's files queue -> Iceberg append snapshots, exactly once.
 *
 * Open: committer_open (lock, spool, warehouse, catalog, batches planned before a restart).
 * One step: committer_poll; a backlog (more queued than one commit takes) is worked off
 * without pausing, else idle 500 ms. SIGTERM/SIGINT: drain, i.e. commit everything queued
 * regardless of committer.interval, then exit 0; while the catalog fails the drain retries for
 * committer.retry_max_elapsed, then exits 1 with the files still queued (nothing is lost).
 * catalog.type=none: each step retires the files queue instead. Lifecycle: common/daemon.h.
 */
#include "committer/committer.h"

#include "common/daemon.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct committer_daemon {
    struct committer *c;  /* NULL for catalog.type=none */
    struct committer_pass last;
    unsigned long long snapshots, files, records, failures, quarantined;
};

static void tick(void *arg)
{
    (void)arg;
    daemon_watchdog();
}

static int committer_daemon_open(struct daemon *d, void *ctx, struct o2p_error *err)
{
    struct committer_daemon *cd = ctx;
    const struct o2p_config *cfg = &d->cfg;
    d->drain_budget_ms = cfg->committer.retry_max_elapsed_ms;
    backoff_init(&d->retry, cfg->committer.retry_min_wait_ms, cfg->committer.retry_max_wait_ms,
                 BACKOFF_JITTER_QUARTER);
    if (!strcmp(cfg->catalog.type, "none")) {
        log_info("committer", "op=start catalog=none action=retire_files_queue");
        return O2P_OK;
    }
    snprintf(d->metrics_name, sizeof d->metrics_name, "committer");
    /* Tests only: fault injection points of the commit protocol (see committer.h). */
    struct committer_options o = {.cfg = cfg, .tick = tick, .test_hook = getenv("O2P_TEST_HOOK")};
    int rc = committer_open(&cd->c, &o, err);
    if (rc == O2P_OK)
        log_info("committer", "op=ready catalog=%s warehouse=%s namespace=%s interval_ms=%llu spool=%s",
                 cfg->catalog.type, cfg->catalog.warehouse, cfg->catalog.namespace_,
                 (unsigned long long)cfg->committer.interval_ms, cfg->spool.path);
    return rc;
}

static int committer_daemon_step(struct daemon *d, void *ctx, bool draining, struct o2p_error *err)
{
    struct committer_daemon *cd = ctx;
    if (!cd->c) {
        int rc = committer_retire_files(&d->cfg, err);
        return rc == O2P_OK ? O2P_EAGAIN : rc;
    }
    struct committer_pass *p = &cd->last;
    int rc = committer_poll(cd->c, draining, p, err);
    if (rc != O2P_OK)
        return rc == O2P_EAGAIN ? O2P_EIO : rc; /* a failure, not "nothing to do" */
    cd->snapshots += (unsigned long long)p->committed;
    cd->files += p->files;
    cd->records += p->records;
    cd->failures += (unsigned long long)p->failed;
    cd->quarantined += p->quarantined;
    if (draining && p->failed > 0)
        return o2p_fail(err, O2P_EIO,
                        "%d batch(es) failed to commit, %llu file(s) queued", p->failed,
                        (unsigned long long)p->queued);
    if (p->queued > 0 && (draining || p->committed > 0))
        return O2P_OK;
    return O2P_EAGAIN;
}

static void committer_daemon_status(void *ctx, bool draining, char *out, size_t n)
{
    const struct committer_daemon *cd = ctx;
    if (!cd->c)
        snprintf(out, n, "catalog.type=none: retiring the files queue");
    else
        snprintf(out, n, "%s queued=%llu files committed=%llu snapshots quarantined=%llu entries",
                 draining ? "draining" : "committing", (unsigned long long)cd->last.queued, cd->snapshots,
                 cd->quarantined);
}

/* committer_daemon_metrics - counters for the receiver's /metrics (no port of its own). */
static int committer_daemon_metrics(void *ctx, struct buf *out, struct o2p_error *err)
{
    const struct committer_daemon *cd = ctx;
    if (buf_printf(out, "o2p_committer_snapshots_total %llu\no2p_committer_files_total %llu\n"
                   "o2p_committer_records_total %llu\no2p_committer_failed_batches_total %llu\n"
                   "o2p_committer_queued_files %llu\no2p_committer_files_quarantined_total %llu\n"
                   "o2p_committer_table_sequence_max %lld\n",
                   cd->snapshots, cd->files, cd->records, cd->failures, (unsigned long long)cd->last.queued,
                   cd->quarantined, (long long)cd->last.sequence_max) != O2P_OK)
        return o2p_fail(err, O2P_ETOOBIG, "committer metrics: text too long");
    return O2P_OK;
}

static void committer_daemon_close(void *ctx)
{
    struct committer_daemon *cd = ctx;
    if (cd->c)
        log_info("committer", "op=close snapshots=%llu", cd->snapshots);
    committer_close(cd->c);
}

int main(int argc, char **argv)
{
    static const struct daemon_ops ops = {
        .prog = "otlp2parquet-committer",
        .component = "committer",
        .usage = "usage: otlp2parquet-committer [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
                 "Commits the data files queued in the spool to Iceberg tables (catalog.type, catalog.warehouse).\n",
        .open = committer_daemon_open,
        .step = committer_daemon_step,
        .status = committer_daemon_status,
        .metrics = committer_daemon_metrics,
        .close = committer_daemon_close,
    };
    static struct committer_daemon cd;
    return daemon_main(argc, argv, &ops, &cd);
}
