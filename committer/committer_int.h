/*
 * committer_int.h - state shared by committer_loop.c (queue, batches, pending state) and
 * committer_batch.c (the commit protocol of one batch). Not a public interface.
 */
#ifndef O2P_COMMITTER_INT_H
#define O2P_COMMITTER_INT_H

#include "iceberg/catalog.h"
#include "committer/committer.h"
#include "common/backoff.h"
#include "otel/table_schema.h"
#include "iceberg/iceberg_manifest.h"
#include "spooler/spool.h"

#include <limits.h>

/* One batch: the files of one table committed as one snapshot. Its identity (commit id,
 * snapshot id, queue ids) is persisted in DATA_DIR/committer/pending/<table>.json before the
 * first attempt and removed after the queue entries are deleted. */
struct batch {
    int table;                   /* enum otel_table */
    char commit_id[40];          /* UUID; summary "otlp2parquet.commit-id" */
    int64_t snapshot_id;         /* kept across retries and restarts */
    uint64_t *ids;               /* queue ids, ascending (all deleted after the commit) */
    size_t nids, cap_ids;
    struct iceberg_data_file **files;
    size_t nfiles, cap_files;
    uint64_t bytes, records;
    bool restored;               /* planned before a restart: commit before anything new */
    /* Commit progress within this process (reused across conflict retries). */
    bool manifest_done;
    char manifest_uri[CATALOG_LOCATION_MAX];
    struct iceberg_manifest_info minfo;
    int attempt;
};

struct table_state {
    struct batch *batch;         /* being collected or committed; NULL when idle */
    /* Times on the monotonic clock (common/clock.h): a wall-clock step moves no batching
     * window and no retry. */
    int64_t first_seen_ms;       /* when a file of this table was first seen queued; 0 = none */
    int64_t next_try_ms;         /* after a failure: not before this */
    struct backoff retry;        /* committer.retry_min_wait .. retry_max_wait, +0..25 % */
    uint64_t queued;             /* files of this table seen in the last pass */
    bool cap_reached;            /* the last pass stopped collecting at a limit */
    bool located;                /* REST: table created/loaded and its location published */
    int64_t next_locate_ms;      /* REST: when to try again after the catalog failed */
};

struct committer {
    struct committer_options o;
    const struct o2p_config *cfg;
    struct spool *spool;
    struct objstore *store;
    struct catalog *cat;
    int lock_fd;
    char state_dir[PATH_MAX];
    struct table_state t[OTEL_TABLE_COUNT];
    struct catalog_table cached[OTEL_TABLE_COUNT];  /* metadata after our last commit per table */
    uint64_t warned_id;          /* highest queue id a "bad entry" warning was logged for */
};

/*
 * committer_commit_batch - run the commit protocol for b until it is committed (or found
 * committed), or a non-retryable error, or retry_max_elapsed passes. Conflicts and unknown
 * outcomes are retried inside with jittered exponential backoff. O2P_OK = committed (the
 * caller then deletes the queue entries). Anything else = not known to be committed: the
 * batch stays pending and is reconciled on the next try.
 */
int committer_commit_batch(struct committer *c, struct batch *b, struct o2p_error *err);

/* committer_load_or_create - load `table` from the catalog, creating it if missing, and publish
 * its location to the writers (spool meta "location.<table>"). */
int committer_load_or_create(struct committer *c, enum otel_table table, struct catalog_table *t, struct o2p_error *err);

/* committer_sleep_ms - sleep, calling the tick callback at least once a second. */
void committer_sleep_ms(struct committer *c, uint64_t ms);

#endif
