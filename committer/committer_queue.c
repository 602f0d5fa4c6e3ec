/*
 * committer_queue.c - the committer's view of the files queue: each entry decoded once
 * (spool_files_entry_decode) and kept across passes, keyed by queue id; entries that do not
 * decode moved to the spool's files.quarantine.
 *
 * Why a cache: the committer walks the queue every pass (500 ms when idle) to batch and to
 * count; decoding every entry on every pass made a long queue (a catalog outage) cost
 * O(queue) JSON parses twice a second. Now a pass costs one LMDB cursor walk plus one decode
 * per new entry.
 *
 * Invariants: v[] is ascending by id, an id appears once; an entry is in the cache only while
 * its queue entry exists (dropped when the committer deletes it, and by the next walk that
 * does not meet it, whoever deleted it); batch file pointers point at cached data files and
 * are rebuilt every pass, so dropping an entry the current pass did not meet never leaves a
 * batch pointing at freed memory.
 *
 * Failure behaviour: a bad entry (not decodable, unknown table, broken framing) never blocks
 * the others: it is skipped at once and moved to quarantine after the walk, with its reason,
 * logged once (op=quarantine) and counted (o2p_committer_files_quarantined_total). If the
 * spool cannot take the move (full), it stays skipped and the move is retried each pass.
 *
 * Does not: write to the spool from inside the walk's read transaction (see spool.h Caveats).
 */
#include "committer/committer_int.h"

#include "common/log.h"

#include <stdlib.h>
#include <string.h>

static void entry_free(struct committer_queued *e)
{
    if (e->file) {
        iceberg_manifest_data_file_free(e->file);
        free(e->file);
    }
    free(e->reason);
    free(e->key);
    memset(e, 0, sizeof *e);
}

void committer_queue_begin(struct committer_queue *q)
{
    q->w = q->r = 0;
}

void committer_queue_end(struct committer_queue *q, bool complete)
{
    for (size_t i = q->r; i < q->n; i++) {
        if (complete)
            entry_free(&q->v[i]);
        else
            q->v[q->w++] = q->v[i];
    }
    q->n = q->w;
    q->r = q->w;
}

int committer_data_file_take(struct spool_files_entry *e, struct iceberg_data_file *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    out->cols = calloc(e->ncolumns ? e->ncolumns : 1, sizeof *out->cols);
    if (!out->cols)
        return o2p_fail(err, O2P_ENOMEM, "files entry %s: out of memory", e->key);
    for (size_t i = 0; i < e->ncolumns; i++) {
        const struct spool_files_entry_column *c = &e->columns[i];
        struct iceberg_col_metric *m = &out->cols[out->ncols++];
        m->id = c->id;
        m->size = c->size;
        m->values = c->values;
        m->nulls = c->nulls;
        m->nans = c->nans;
        m->lower_len = m->upper_len = -1;
        if (!c->has_bounds)
            continue;
        m->lower = malloc(c->lower_len ? c->lower_len : 1);
        m->upper = malloc(c->upper_len ? c->upper_len : 1);
        if (!m->lower || !m->upper) {
            iceberg_manifest_data_file_free(out);
            return o2p_fail(err, O2P_ENOMEM, "files entry %s: out of memory", e->key);
        }
        memcpy(m->lower, c->lower, c->lower_len);
        memcpy(m->upper, c->upper, c->upper_len);
        m->lower_len = c->lower_len;
        m->upper_len = c->upper_len;
    }
    snprintf(out->table, sizeof out->table, "%s", e->table);
    out->size = e->size;
    out->records = e->records;
    out->partitioned = true;
    snprintf(out->transform, sizeof out->transform, "%s", e->partition.transform);
    out->partition_value = e->partition.value;
    out->key = e->key;
    out->location = e->location;
    e->key = e->location = NULL;
    return O2P_OK;
}

/* decode - fill a new cache entry; a bad entry is not an error, only memory is. */
static int decode(struct committer_queued *q, uint64_t id, const char *key, const char *entry, size_t len)
{
    memset(q, 0, sizeof *q);
    q->id = id;
    q->table = -1;
    struct o2p_error e = {0};
    struct spool_files_entry fe;
    int rc = key ? spool_files_entry_decode(entry, len, &fe, &e)
                 : o2p_fail(&e, O2P_ECORRUPT, "files entry %llu: queue value of %zu bytes is shorter than its "
                            "own framing", (unsigned long long)id, len);
    if (rc == O2P_OK) {
        q->file = malloc(sizeof *q->file);
        rc = q->file ? committer_data_file_take(&fe, q->file, &e) : O2P_ENOMEM;
        spool_files_entry_free(&fe);
        if (rc != O2P_OK) {
            free(q->file);
            q->file = NULL;
            return O2P_ENOMEM;
        }
        q->table = table_schema_parse(q->file->table); /* known: decode checked it */
        return O2P_OK;
    }
    if (rc == O2P_ENOMEM)
        return rc;
    q->reason = strdup(e.msg);
    q->key = strdup(key ? key : "(none)");
    if (!q->reason || !q->key) {
        entry_free(q);
        return O2P_ENOMEM;
    }
    return O2P_OK;
}

int committer_queue_get(struct committer_queue *q, uint64_t id, const char *key, const char *entry, size_t len,
                        struct committer_queued **out)
{
    /* Cached ids below this one were not met by the walk: their entries are gone. */
    while (q->r < q->n && q->v[q->r].id < id)
        entry_free(&q->v[q->r++]);
    if (q->r < q->n && q->v[q->r].id == id) {
        if (q->w != q->r)
            q->v[q->w] = q->v[q->r];
        q->r++;
        *out = &q->v[q->w++];
        return O2P_OK;
    }
    /* A new id. Queue ids grow, so it usually comes after every cached one (r == n); in the
     * gap left by dropped entries it goes in place; else make room. */
    if (q->w == q->r) {
        if (q->n == q->cap) {
            size_t cap = q->cap ? q->cap * 2 : 256;
            struct committer_queued *p = realloc(q->v, cap * sizeof *p);
            if (!p)
                return O2P_ENOMEM;
            q->v = p;
            q->cap = cap;
        }
        memmove(&q->v[q->r + 1], &q->v[q->r], (q->n - q->r) * sizeof *q->v);
        q->n++;
        q->r++;
    }
    struct committer_queued *slot = &q->v[q->w];
    int rc = decode(slot, id, key, entry, len);
    if (rc != O2P_OK)
        return rc; /* the slot stays in the gap [w, r): the pass stops and end() drops it */
    q->decoded++;
    q->w++;
    *out = slot;
    return O2P_OK;
}

void committer_queue_drop(struct committer_queue *q, const uint64_t *ids, size_t n)
{
    size_t w = 0, j = 0;
    for (size_t i = 0; i < q->n; i++) {
        while (j < n && ids[j] < q->v[i].id)
            j++;
        if (j < n && ids[j] == q->v[i].id)
            entry_free(&q->v[i]);
        else
            q->v[w++] = q->v[i];
    }
    q->n = q->w = q->r = w;
}

uint64_t committer_queue_quarantine(struct committer *c)
{
    struct committer_queue *q = &c->queue;
    uint64_t moved = 0;
    size_t w = 0;
    for (size_t i = 0; i < q->n; i++) {
        struct committer_queued *e = &q->v[i];
        if (!e->reason) {
            q->v[w++] = *e;
            continue;
        }
        struct o2p_error err = {0};
        int rc = spool_files_quarantine(c->spool, e->id, e->reason, &err);
        if (rc == O2P_OK || rc == O2P_ENOTFOUND) {
            if (rc == O2P_OK) {
                moved++;
                log_warn("committer", "op=quarantine id=%llu key=%s reason=\"%s\" action=\"moved to the spool's "
                         "files.quarantine (otlp2parquet spool quarantine); the other entries go on\"",
                         (unsigned long long)e->id, e->key, e->reason);
            }
            entry_free(e);
            continue;
        }
        if (!e->warned)
            log_warn("committer", "op=quarantine id=%llu key=%s reason=\"%s\" err=\"%s\" action=\"skipped; "
                     "moving it is retried every pass\"", (unsigned long long)e->id, e->key, e->reason, err.msg);
        e->warned = true;
        q->v[w++] = *e;
    }
    q->n = q->w = q->r = w;
    q->quarantined += moved;
    return moved;
}

void committer_queue_free(struct committer_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        entry_free(&q->v[i]);
    free(q->v);
    memset(q, 0, sizeof *q);
}
