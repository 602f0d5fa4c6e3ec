/*
 * committer.h - the committer's engine: files queue -> batches per table -> one Iceberg append
 * snapshot per batch, exactly once (committer_loop.c, committer_batch.c), and the per-table
 * status that `otlp2parquet status` shows (committer_status.c).
 *
 * Process model: one committer per spool (an flock on DATA_DIR/committer/lock makes a second
 * one wait); any number of committers on different spools may share a warehouse: the catalog
 * serializes them and they retry on conflict.
 */
#ifndef O2P_COMMITTER_H
#define O2P_COMMITTER_H

#include "common/cfg.h"
#include "common/err.h"

#include <stdbool.h>
#include <stdint.h>

struct committer;

struct committer_options {
    const struct o2p_config *cfg;      /* borrowed; must outlive the committer */
    /* Called at least once a second while the committer waits (lock, backoff), so the
     * daemon can feed the systemd watchdog. May be NULL. */
    void (*tick)(void *arg);
    void *tick_arg;
    /* Tests only (env O2P_TEST_HOOK, read by main.c): "conflict-once" = another version is
     * published between load and publish of the first commit. Crash points use
     * common/failpoint.h: O2P_FAILPOINT=committer.before_publish | committer.after_publish. */
    const char *test_hook;
};

/*
 * committer_open - open the spool (cfg->spool), the warehouse (cfg->catalog.warehouse) and
 * the catalog; take the committer lock (waiting for it, with a log line, while another
 * committer of this data directory runs); load batches that were planned before a restart
 * (DATA_DIR/committer/pending/<table>.json) so they are reconciled first. *out is owned by
 * the caller (committer_close). O2P_EINVAL/O2P_EUNSUPPORTED (configuration), O2P_EIO, ...
 */
int committer_open(struct committer **out, const struct committer_options *o, struct o2p_error *err);

struct committer_pass {
    int committed;            /* snapshots published (or found already published) */
    int failed;               /* batches that failed and wait for their backoff */
    uint64_t files, records;  /* in the committed batches */
    uint64_t queued;          /* files left in the queue after the pass */
    uint64_t quarantined;     /* undecodable entries moved to files.quarantine in this pass */
    int64_t sequence_max;     /* highest last-sequence-number of a table committed so far (about
                               * the table versions a catalog keeps: Glue's quota is 100,000) */
};

/*
 * committer_poll - one pass: read the files queue, and for every table whose batch is due
 * (max_files_per_commit, max_bytes_per_commit, committer.interval since the table's oldest
 * queued file was first seen, a batch left from before a restart, or drain) commit it.
 * A batch that fails keeps its queue entries and is retried after a jittered exponential
 * backoff (retry_min_wait..retry_max_wait). Entries that do not decode are moved to the
 * spool's files.quarantine (logged once, counted in out->quarantined) and never block the
 * others. Entries are decoded once and kept across passes. Returns O2P_OK unless the spool
 * itself failed.
 */
int committer_poll(struct committer *c, bool drain, struct committer_pass *out, struct o2p_error *err);

void committer_close(struct committer *c);

/* committer_retire_files - catalog.type=none: drop every queued files entry (the data files
 * are final as written), one spool transaction per 1,024 entries (committer_none.c). */
int committer_retire_files(const struct o2p_config *cfg, struct o2p_error *err);

/* ---- status ----------------------------------------------------------------------------- */

struct committer_table_status {
    char table[64];
    bool exists;               /* the table has been created */
    int64_t snapshot_id;       /* current snapshot of main, -1 = none */
    int64_t sequence_number;   /* last-sequence-number */
    int64_t last_commit_ms;    /* timestamp-ms of the current snapshot, 0 = none */
    int64_t total_records;     /* summary total-records of the current snapshot (rows committed) */
    int64_t total_files;       /* summary total-data-files */
    int64_t total_bytes;       /* summary total-files-size */
    int64_t snapshots;         /* snapshots kept in the metadata */
    int64_t version;           /* filesystem catalog: N of vN.metadata.json */
    char metadata_location[1100];
    char error[O2P_ERROR_MAX];  /* non-empty when the table could not be read */
};

/*
 * committer_table_status - read every OTel table's current state from the catalog configured
 * in cfg (read-only: no lock, no spool, nothing created), for `otlp2parquet status`. Fills
 * out[0..min(max, OTEL_TABLE_COUNT)) in table order and returns the count, or a negative
 * O2P_E* code when the warehouse/catalog cannot be opened (err says why). A table that does
 * not exist yet has exists=false; one that cannot be read has error[] set. Safe to call while
 * the committer runs (it reads published versions only).
 */
int committer_table_status(const struct o2p_config *cfg, struct committer_table_status *out, int max,
                           struct o2p_error *err);

#endif
