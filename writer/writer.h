/*
 * writer.h - the writer daemon's state, shared by writer/main.c, writer_claim.c and
 * writer_file.c (not a library interface).
 *
 * A writer turns one claim at a time into Parquet data files: records of the claim are decoded
 * one by one, their rows go to one file per (table, partition), the files are finished,
 * synced and published to the warehouse under names derived from the claim, and then one
 * spool transaction deletes the records and queues the files for the committer.
 */
#ifndef O2P_WRITER_H
#define O2P_WRITER_H

#include "common/arena.h"
#include "common/buf.h"
#include "common/cfg.h"
#include "storage/objstore.h"
#include "otel/table_schema.h"
#include "spooler/spool.h"
#include "otel/otlp_rows.h"
#include "parquet/parquet.h"

#include <limits.h>
#include <signal.h>

/* Files open at once per claim. A claim that reaches more table partitions (a backfill of
 * months of hourly data, one request spanning many days) publishes the open files and goes on
 * with new ones (a "round"): the cap bounds memory, not what a claim may hold. */
#define WRITER_MAX_FILES 256

/* One data file being written for the current claim. */
struct writer_file {
    enum otel_table table;
    int64_t part_us;          /* start of the partition (day or hour), µs since the epoch */
    int fd;
    struct pq_writer *pw;
    char tmp_path[PATH_MAX];  /* local file being written */
    struct objstore *store;   /* the table location's store (borrowed from struct writer) */
    char key[1024];           /* its name under the table location */
    char location[2048];      /* its absolute URL: the files-queue key and the manifest path */
    char *schema_json;        /* Iceberg schema, key-value metadata of the file */
    struct pq_kv kv[3];
};

/* Where a table's data files go: the location its catalog chose (published by the committer
 * in spool meta "location.<table>"), else, for the filesystem catalog and plain Parquet,
 * <warehouse>/<namespace>/<table>. */
struct writer_table_store {
    char location[1100];
    struct objstore *store;
};

/* A data file published in the warehouse for the current claim, queued when it completes. */
struct writer_sealed {
    char *location; /* the files-queue key */
    struct buf entry;
};

struct writer {
    const struct o2p_config *cfg;
    struct spool *spool;
    struct writer_table_store tables[OTEL_TABLE_COUNT];
    char owner[SPOOL_OWNER_MAX];
    char tmp_dir[PATH_MAX];
    bool hourly;
    const volatile sig_atomic_t *stopping; /* stop signals (daemon_stop_count) */
    struct arena decode;       /* one spooled request at a time */
    struct otlp_rows rows;
    /* The claim in progress. */
    struct spool_claim claim;
    struct writer_file files[WRITER_MAX_FILES];
    int nfiles;
    unsigned round;            /* files published so far this claim, in groups of <= WRITER_MAX_FILES */
    struct writer_sealed *sealed; /* published files waiting for spool_claim_complete (owned) */
    size_t nsealed, sealed_cap;
    /* Records of this claim to quarantine, in sequence order (the reason strings are owned
     * here); as many as the claim holds, no cap. */
    struct spool_poison *poison;
    size_t npoison, poison_cap;
    /* Totals for the log and status. */
    uint64_t claims_done, records_done, files_done, bytes_done, conflicts, quarantined;
};

/* writer_run_claim - turn w->claim into published files and complete it in the spool.
 * O2P_ECONFLICT: the claim was taken over (its work is dropped, not an error). Other codes:
 * the claim stays in the spool and is retried after its lease expires. */
int writer_run_claim(struct writer *w, struct o2p_error *err);

/* writer_sink - the otlp_rows sink (ctx = struct writer): the file of the row's table and
 * partition in the current claim, opened on first use. */
int writer_sink(void *ctx, enum otel_table t, int64_t partition_us, struct pq_writer **pw,
                struct o2p_error *err);

/* writer_tmpdir_open - create DATA_DIR/tmp (w->tmp_dir) and remove the temp files of writers
 * that are gone (writer_tmpdir.c). */
int writer_tmpdir_open(struct writer *w, struct o2p_error *err);

/* writer_table_store - the store of table t's location (opened and cached). O2P_EAGAIN while
 * a REST catalog has not given the table a location yet (the committer creates it). */
int writer_table_store(struct writer *w, enum otel_table t, struct objstore **out, struct o2p_error *err);
void writer_table_stores_close(struct writer *w);

/* writer_file_open - start the file for (t, part_us) of the current claim. */
int writer_file_open(struct writer *w, enum otel_table t, int64_t part_us, struct writer_file *f,
                     struct o2p_error *err);
/* writer_file_publish - finish the Parquet file, sync it, publish it to the warehouse, and
 * write its files-queue entry (manifest information, JSON) into entry. */
int writer_file_publish(struct writer *w, struct writer_file *f, struct buf *entry,
                        struct o2p_error *err);
/* writer_file_discard - drop a file in progress (temp file removed). */
void writer_file_discard(struct writer_file *f);

#endif
