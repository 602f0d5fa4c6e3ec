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
#include "spooler/spool_files_entry.h"

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
    struct iceberg_data_file **files;  /* borrowed from the queue cache (struct committer_queue) */
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
    int64_t next_locate_ms;      /* REST: when to try again after the catalog failed, or to load the
                                  * table again before its vended credentials expire */
};

/* One files-queue entry as this process knows it, decoded once (committer_queue.c). */
struct committer_queued {
    uint64_t id;                     /* queue id (the files database's key) */
    int table;                       /* enum otel_table; -1 when bad */
    struct iceberg_data_file *file;  /* NULL when bad; owned here */
    char *reason;                    /* bad: why it cannot be decoded, waiting for quarantine */
    char *key;                       /* bad: the queue value's key (file location), for the log */
    bool warned;                     /* bad: a failed quarantine was logged already */
};

/* The decoded entries of the files queue, ascending by id, kept across passes. A pass walks
 * the queue (keys only unless an id is new) and compacts the cache as it goes: [0, w) seen in
 * this pass, [r, n) not reached yet; whatever the walk does not meet was deleted. */
struct committer_queue {
    struct committer_queued *v;
    size_t n, cap, w, r;
    uint64_t decoded;                /* entries decoded since open (each once) */
    uint64_t quarantined;            /* entries moved to files.quarantine since open */
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
    int64_t sequence_max;                           /* committer_pass.sequence_max */
    struct committer_queue queue;
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
 * its location to the writers (spool meta "location.<table>") and the storage credentials the
 * catalog vended for it, if any ("credentials.<table>", aws_credentials_encode's form). */
int committer_load_or_create(struct committer *c, enum otel_table table, struct catalog_table *t, struct o2p_error *err);

/* ---- the queue cache (committer_queue.c) ------------------------------------------------ */

/* committer_queue_begin - start a pass over the files queue. */
void committer_queue_begin(struct committer_queue *q);

/*
 * committer_queue_get - the cached entry for queue id `id` (called in queue order from a
 * spool_files_visit callback, so inside its read transaction: nothing here writes to the
 * spool), decoding key/entry/len only when the id is new. Cached entries with smaller ids
 * that the walk skipped are gone from the queue and are dropped here. An entry that does not
 * decode (or names no table, or key is NULL: broken framing) is cached as bad with its
 * reason. *out stays valid until the next begin. O2P_ENOMEM (then the pass must stop).
 */
int committer_queue_get(struct committer_queue *q, uint64_t id, const char *key, const char *entry, size_t len,
                        struct committer_queued **out);

/* committer_queue_end - finish the pass; complete = the walk reached the end of the queue
 * (then entries it did not meet are dropped; else they are kept for the next pass). */
void committer_queue_end(struct committer_queue *q, bool complete);

/* committer_queue_quarantine - outside any read transaction: move every bad entry to the
 * spool's files.quarantine (spool_files_quarantine), log it once (id, key, reason) and drop
 * it from the cache. One that cannot be moved now (spool full) stays bad and skipped, is
 * warned about once and tried again on the next pass. Returns how many were moved. */
uint64_t committer_queue_quarantine(struct committer *c);

/* committer_queue_drop - forget ids[0..n) (ascending): their queue entries were deleted. */
void committer_queue_drop(struct committer_queue *q, const uint64_t *ids, size_t n);

/* committer_queue_free - release every cached entry. */
void committer_queue_free(struct committer_queue *q);

/*
 * committer_data_file_take - the manifest's view of a decoded entry: moves e's key and
 * location into *out (e keeps the rest and must still be freed), copies the columns and
 * bounds. O2P_OK or O2P_ENOMEM (then *out is empty and e unchanged).
 */
int committer_data_file_take(struct spool_files_entry *e, struct iceberg_data_file *out, struct o2p_error *err);

/* committer_sleep_ms - sleep, calling the tick callback at least once a second. */
void committer_sleep_ms(struct committer *c, uint64_t ms);

#endif
