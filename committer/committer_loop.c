/*
 * committer_loop.c - files queue -> per-table batches -> committer_commit_batch -> queue
 * entries deleted. The daemon calls committer_poll on a timer.
 *
 * Files-queue entries (one per Parquet file; the committer never reopens the file) have the
 * format of spooler/spool_files_entry.h; committer_queue.c decodes each once and keeps it.
 *
 * A batch's life (the state machine; * = persisted):
 *
 *   COLLECTING --due: count / bytes / age / drain--> PLANNED* (pending/<table>.json written
 *   durably: commit id, snapshot id, queue ids)  --committer_commit_batch--> COMMITTED
 *   (snapshot published; the commit point)  --spool_files_delete--> DELETED
 *   --unlink pending/<table>.json--> gone.
 *   PLANNED --failure--> PLANNED (kept in memory and on disk, retried after backoff).
 *
 *   Crash in PLANNED: at start-up the pending file is loaded and exactly that batch (same ids,
 *   same commit id) is attempted first; its RECONCILE step finds the snapshot if the crash
 *   came after the commit point, so the files are never appended twice. Crash in DELETED:
 *   the same, and deleting entries that are already gone is fine.
 *
 * Batching: files are taken in queue order, per table up to committer.max_files_per_commit
 * files and committer.max_bytes_per_commit bytes (at least one). A table's batch is due when
 * a limit was reached, when committer.interval passed since its oldest queued file was first
 * seen by this process, when a batch was left from before a restart, or when draining.
 *
 * Bad entries (anything spool_files_entry_decode refuses) are skipped at once and, after the
 * walk, moved to the spool's files.quarantine with their reason (committer_queue.c): one
 * undecodable entry never blocks the entries behind it, and is never dropped silently.
 *
 * Does not: re-decode an entry it has seen (the queue cache), or write to the spool inside
 * the walk's read transaction.
 */
#include "committer/committer_int.h"

#include "common/clock.h"
#include "common/fsutil.h"
#include "common/lockfile.h"
#include "common/log.h"
#include "iceberg/iceberg_metadata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    free(b->files); /* the files themselves belong to the queue cache */
    free(b->ids);
    free(b);
}

static int push_id(struct batch *b, uint64_t id)
{
    if (b->nids == b->cap_ids) {
        size_t cap = b->cap_ids ? b->cap_ids * 2 : 64;
        uint64_t *p = realloc(b->ids, cap * sizeof *p);
        if (!p)
            return O2P_ENOMEM;
        b->ids = p;
        b->cap_ids = cap;
    }
    b->ids[b->nids++] = id;
    return O2P_OK;
}

static bool has_id(const struct batch *b, uint64_t id)
{
    size_t lo = 0, hi = b->nids;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->ids[mid] == id)
            return true;
        if (b->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static void pending_path(const struct committer *c, int table, char *out, size_t n)
{
    snprintf(out, n, "%s/pending/%s.json", c->state_dir, table_schema_name(table));
}

/* save_pending - PLANNED: the batch's identity, durably, before its first attempt. */
static int save_pending(struct committer *c, const struct batch *b, struct o2p_error *err)
{
    /* Every id must be in the file: after a restart the ids name the queue entries to delete
     * once the commit is found, and an entry left behind would be committed a second time. */
    json_t *ids = json_array();
    int bad = !ids;
    for (size_t i = 0; i < b->nids && !bad; i++)
        bad = json_array_append_new(ids, json_integer((json_int_t)b->ids[i])) != 0;
    if (bad) {
        json_decref(ids);
        ids = NULL; /* json_pack fails on it */
    }
    json_t *j = json_pack("{s:s, s:s, s:I, s:o}", "table", table_schema_name(b->table), "commit_id", b->commit_id,
                          "snapshot_id", (json_int_t)b->snapshot_id, "ids", ids);
    char *text = j ? iceberg_metadata_json_text(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return o2p_fail(err, O2P_ENOMEM, "pending batch of %s: write %zu ids as JSON: out of memory",
                        table_schema_name(b->table), b->nids);
    char path[PATH_MAX + 64];
    pending_path(c, b->table, path, sizeof path);
    int rc = fs_write_durable(path, text, strlen(text), FS_MKDIRS, err);
    free(text);
    return rc;
}

/* load_pending - a batch planned before a restart (ids only; files are re-read from the queue). */
static int load_pending(struct committer *c, int table, struct o2p_error *err)
{
    char path[PATH_MAX + 64];
    pending_path(c, table, path, sizeof path);
    struct buf text;
    buf_init(&text, 64u << 20);
    int rc = fs_read_file(path, &text, err);
    if (rc == O2P_ENOTFOUND) {
        buf_free(&text);
        return O2P_OK;
    }
    json_error_t je;
    json_t *j = rc == O2P_OK ? json_loadb((const char *)text.data, text.len, 0, &je) : NULL;
    buf_free(&text);
    if (rc != O2P_OK)
        return rc;
    const char *cid = json_string_value(json_object_get(j, "commit_id"));
    const json_t *ids = json_object_get(j, "ids");
    struct batch *b = calloc(1, sizeof *b);
    /* Never "damaged" for want of memory: the advice below must not be followed then. */
    if ((!j && json_error_code(&je) == json_error_out_of_memory) || (j && !b)) {
        json_decref(j);
        free(b);
        return o2p_fail(err, O2P_ENOMEM, "read %s: out of memory", path);
    }
    if (!j || !cid || strlen(cid) >= sizeof b->commit_id || !json_is_array(ids) || !b) {
        json_decref(j);
        free(b);
        return o2p_fail(err, O2P_ECORRUPT, "%s is damaged; move it away only after checking the table's "
                        "snapshots for its commit id (else its files may be committed twice)", path);
    }
    b->table = table;
    b->restored = true;
    snprintf(b->commit_id, sizeof b->commit_id, "%s", cid);
    b->snapshot_id = (int64_t)json_integer_value(json_object_get(j, "snapshot_id"));
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v) {
        if (push_id(b, (uint64_t)json_integer_value(v)) != O2P_OK) {
            json_decref(j);
            batch_free(b);
            return o2p_fail(err, O2P_ENOMEM, "pending batch: out of memory");
        }
    }
    json_decref(j);
    c->t[table].batch = b;
    log_info("committer", "op=recover table=%s commit_id=%s files=%zu action=reconcile", table_schema_name(table),
             b->commit_id, b->nids);
    return O2P_OK;
}

static int take_lock(struct committer *c, struct o2p_error *err)
{
    /* Wait rather than refuse: under `otlp2parquet run` or a restarting unit the old
     * committer may still be finishing its drain, and the new one should take over then. */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock", c->state_dir);
    for (int waited = 0;; waited++) {
        long holder = 0;
        int rc = lockfile_take(path, "committer lock", &c->lock_fd, &holder, err);
        if (rc != O2P_EAGAIN)
            return rc;
        if (waited % 60 == 0)
            log_info("committer", "op=lock path=%s state=waiting holder_pid=%ld reason=\"another committer uses "
                     "this data directory\"", path, holder);
        committer_sleep_ms(c, 1000);
    }
}

int committer_open(struct committer **out, const struct committer_options *o, struct o2p_error *err)
{
    *out = NULL;
    struct committer *c = calloc(1, sizeof *c);
    if (!c)
        return o2p_fail(err, O2P_ENOMEM, "committer: out of memory");
    c->o = *o;
    c->cfg = o->cfg;
    c->lock_fd = -1;
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        backoff_init(&c->t[t].retry, c->cfg->committer.retry_min_wait_ms, c->cfg->committer.retry_max_wait_ms,
                     BACKOFF_JITTER_QUARTER);
    snprintf(c->state_dir, sizeof c->state_dir, "%s/committer", c->cfg->data_dir);
    int rc = fs_mkdir_p(c->state_dir, err);
    if (rc == O2P_OK)
        rc = take_lock(c, err);
    struct spool_options so = {.path = c->cfg->spool.path, .max_bytes = c->cfg->spool.max_bytes};
    if (rc == O2P_OK) {
        rc = spool_open(&c->spool, &so, err);
        if (rc != O2P_OK)
            o2p_error_prefix(err, "open spool %s", c->cfg->spool.path);
    }
    /* A REST catalog's warehouse may be a name (an S3 Tables ARN, ACCOUNT:s3tablescatalog/B,
     * ACCOUNT_BUCKET for R2): then tables live wherever the catalog says, reached through
     * stores opened per table location (catalog_locate), and there is no warehouse store. */
    const char *wh = c->cfg->catalog.warehouse;
    bool wh_is_url = !strncmp(wh, "file://", 7) || !strncmp(wh, "s3://", 5);
    if (rc == O2P_OK && (wh_is_url || strcmp(c->cfg->catalog.type, "rest") != 0)) {
        rc = objstore_open(&c->store, wh, c->cfg, err);
        if (rc != O2P_OK)
            o2p_error_prefix(err, "open warehouse %s", wh);
    }
    if (rc == O2P_OK)
        rc = catalog_open(&c->cat, c->cfg, c->store, err);
    if (rc == O2P_OK)
        c->cat->test_hook = o->test_hook;
    for (int t = 0; t < OTEL_TABLE_COUNT && rc == O2P_OK; t++)
        rc = load_pending(c, t, err);
    if (rc != O2P_OK) {
        committer_close(c);
        return rc;
    }
    *out = c;
    return O2P_OK;
}

void committer_close(struct committer *c)
{
    if (!c)
        return;
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        batch_free(c->t[t].batch);
    catalog_close(c->cat);
    objstore_close(c->store);
    spool_close(c->spool);
    lockfile_release(c->lock_fd);
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        catalog_table_free(&c->cached[t]);
    committer_queue_free(&c->queue);
    free(c);
}

struct queue_scan {
    struct committer *c;
    int64_t now;
    int err;
};

static int visit(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct queue_scan *s = ctx;
    struct committer *c = s->c;
    struct committer_queued *q;
    s->err = committer_queue_get(&c->queue, id, key, entry, len, &q);
    if (s->err != O2P_OK)
        return 1;
    if (!q->file)
        return 0; /* bad: quarantined after the walk */
    int t = q->table;
    struct table_state *ts = &c->t[t];
    ts->queued++;
    if (!ts->first_seen_ms)
        ts->first_seen_ms = s->now;
    struct batch *b = ts->batch;
    if (b && b->restored) {
        if (!has_id(b, id))
            return 0;
    } else {
        if (!b) {
            b = ts->batch = calloc(1, sizeof *b);
            if (!b)
                return s->err = O2P_ENOMEM;
            b->table = t;
        }
        if (ts->cap_reached)
            return 0;
        if (b->nfiles >= (size_t)c->cfg->committer.max_files_per_commit) {
            ts->cap_reached = true;
            return 0;
        }
    }
    struct iceberg_data_file *f = q->file;
    if (!b->restored && b->nfiles > 0 && b->bytes + (uint64_t)f->size > c->cfg->committer.max_bytes_per_commit) {
        ts->cap_reached = true;
        return 0;
    }
    if (b->nfiles == b->cap_files) {
        size_t cap = b->cap_files ? b->cap_files * 2 : 64;
        struct iceberg_data_file **p = realloc(b->files, cap * sizeof *p);
        if (!p)
            return s->err = O2P_ENOMEM;
        b->files = p;
        b->cap_files = cap;
    }
    b->files[b->nfiles++] = f;
    b->bytes += (uint64_t)f->size;
    b->records += (uint64_t)f->records;
    if (!b->restored && push_id(b, id) != O2P_OK)
        return s->err = O2P_ENOMEM;
    return 0;
}

/* reset_files - forget collected files (the next pass collects them again from the queue
 * cache); keep identity. */
static void reset_files(struct batch *b)
{
    b->nfiles = 0;
    b->bytes = b->records = 0;
    if (!b->restored)
        b->nids = 0;
}

/* finish - COMMITTED -> DELETED -> gone. */
static int finish(struct committer *c, struct table_state *ts, struct o2p_error *err)
{
    struct batch *b = ts->batch;
    int rc = spool_files_delete(c->spool, b->ids, b->nids, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "delete committed queue entries of %s", table_schema_name(b->table));
    committer_queue_drop(&c->queue, b->ids, b->nids);
    char path[PATH_MAX + 64];
    pending_path(c, b->table, path, sizeof path);
    rc = fs_unlink_durable(path, err);
    if (rc != O2P_OK)
        return rc;
    batch_free(b);
    ts->batch = NULL;
    backoff_reset(&ts->retry);
    ts->next_try_ms = 0;
    return O2P_OK;
}

/* schedule_relocate - vended keys are renewed by loading the table again: half their remaining
 * life before they expire, at most 5 minutes before (the SDKs' margin), at least a second on. */
static void schedule_relocate(struct table_state *ts, const struct aws_credentials *cred, int64_t now_ms)
{
    int64_t left_ms = ((int64_t)cred->expiration - (int64_t)(clock_wall_ms() / 1000)) * 1000;
    int64_t margin = left_ms / 2 < 300000 ? left_ms / 2 : 300000;
    int64_t in = left_ms - margin > 1000 ? left_ms - margin : 1000;
    ts->next_locate_ms = now_ms + in;
}

/* locate_tables - REST catalogs choose table locations, and writers need them before they can
 * write a file: create (or load) every table up front and publish where it lives (and the keys
 * the catalog vended for it, loaded again before they expire). The filesystem catalog's
 * locations are derived from the warehouse, so it creates tables lazily. */
static void locate_tables(struct committer *c)
{
    if (strcmp(c->cfg->catalog.type, "rest") != 0)
        return;
    int64_t now = (int64_t)clock_mono_ms();
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        struct table_state *ts = &c->t[t];
        if (now < ts->next_locate_ms)
            continue;
        if (ts->located && !ts->next_locate_ms)
            continue;
        struct catalog_table tab;
        memset(&tab, 0, sizeof tab);
        struct o2p_error e = {0};
        if (committer_load_or_create(c, t, &tab, &e) == O2P_OK) {
            ts->located = true;
            ts->next_locate_ms = 0;
            if (tab.has_vended && tab.vended.expiration)
                schedule_relocate(ts, &tab.vended, now);
        } else {
            log_warn("committer", "op=locate table=%s err=\"%s\" action=retry effect=\"writers wait for the location\"",
                     table_schema_name(t), e.msg);
            ts->next_locate_ms = now + 5000;
        }
        catalog_table_free(&tab);
    }
}

int committer_poll(struct committer *c, bool drain, struct committer_pass *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    out->sequence_max = c->sequence_max;
    locate_tables(c);
    struct queue_scan s = {c, (int64_t)clock_mono_ms(), O2P_OK};
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        c->t[t].queued = 0;
        c->t[t].cap_reached = false;
        if (c->t[t].batch)
            reset_files(c->t[t].batch);
    }
    committer_queue_begin(&c->queue);
    int rc = spool_files_visit(c->spool, visit, &s, err);
    committer_queue_end(&c->queue, rc == O2P_OK && s.err == O2P_OK);
    if (rc == O2P_OK && s.err != O2P_OK)
        rc = o2p_fail(err, s.err, "files queue: %s", o2p_strerror(s.err));
    if (rc != O2P_OK)
        return rc;
    /* After the walk, outside its read transaction: bad entries leave the queue. */
    out->quarantined = committer_queue_quarantine(c);
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        struct table_state *ts = &c->t[t];
        struct batch *b = ts->batch;
        out->queued += ts->queued;
        if (!ts->queued)
            ts->first_seen_ms = 0;
        if (!b)
            continue;
        if (b->restored && b->nfiles == 0) {
            /* Every file of the planned batch left the queue: it was committed and deleted. */
            rc = finish(c, ts, err);
            if (rc != O2P_OK)
                return rc;
            continue;
        }
        if (b->nfiles == 0)
            continue;
        bool due = drain || b->restored || ts->cap_reached ||
                   s.now - ts->first_seen_ms >= (int64_t)c->cfg->committer.interval_ms;
        if (!due || s.now < ts->next_try_ms)
            continue;
        if (!b->commit_id[0]) {
            iceberg_metadata_uuid(b->commit_id);
            b->snapshot_id = iceberg_metadata_random_id();
        }
        if (!b->restored) {
            /* PLANNED: from now on this exact set of files is this commit id. */
            rc = save_pending(c, b, err);
            if (rc != O2P_OK)
                return o2p_error_prefix(err, "save pending batch of %s", table_schema_name(t));
            b->restored = true;
        }
        struct o2p_error e = {0};
        rc = committer_commit_batch(c, b, &e);
        if (rc == O2P_OK) {
            out->committed++;
            out->sequence_max = c->sequence_max;
            out->files += b->nfiles;
            out->records += b->records;
            out->queued -= b->nfiles;
            ts->first_seen_ms = ts->queued > b->nfiles ? s.now : 0;
            rc = finish(c, ts, err);
            if (rc != O2P_OK)
                return rc;
        } else {
            out->failed++;
            uint64_t wait = backoff_next(&ts->retry);
            ts->next_try_ms = (int64_t)clock_mono_ms() + (int64_t)wait;
            log_warn("committer", "op=commit table=%s.%s commit_id=%s files=%zu err=\"%s\" action=\"kept queued, "
                     "retry in %llu ms\"", c->cat->ns, table_schema_name(t), b->commit_id, b->nfiles, e.msg,
                     (unsigned long long)wait);
        }
    }
    return O2P_OK;
}
