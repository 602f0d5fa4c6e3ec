/*
 * parquet_writer.c - the public encoder API (parquet.h): open, appends, row-group flushes
 * (the schema's leaf columns come from parquet_schema.c).
 *
 * Owns: per leaf column page buffers (levels one byte per entry, values PLAIN or dictionary
 * indices), the chunk's encoded pages and dictionary, the row-group log kept for the footer,
 * and the file statistics. Nothing is allocated per value; all buffers keep their capacity
 * across pages and row groups, so memory is bounded by one row group (plus dictionary), and
 * pass to the thread's next writer through a bounded pool (see "buffer pool").
 *
 * States:  OPEN --pq_write_xxx, pq_end_row--> OPEN --pq_writer_finish--> FINISHED
 *          any --fatal error--> FAILED (only pq_writer_free is legal)
 * Row groups: pq_end_row flushes when `buffered` (raw bytes of open pages + compressed bytes
 * of closed pages + dictionaries) passes row_group_bytes (flush_rowgroup). A page closes at
 * the first entry of a row (rep == 0) once it passes page_bytes, so no row straddles pages.
 * A string column starts each chunk dictionary-encoded. pq_dict_judge (parquet_dict_judge.c)
 * decides once per chunk, on a sample of dict_cap bytes of PLAIN values (or the chunk's first page, if smaller),
 * whether the dictionary pays (parquet_int.h); if not, the open page becomes PLAIN and so does
 * the rest of the chunk, with no dictionary page. A dictionary that pays is kept until it
 * passes its cap, then the rest of the chunk is PLAIN. Both happen at row boundaries.
 * I/O: sequential write() from offset 0, short writes and EINTR handled; never seeks/closes.
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- buffer pool ------------------------------------------------------------------------ */

#define POOL_W 4 /* writer scratch slots before the columns' */
#define POOL_COL(i, j) (POOL_W + 4 * (i) + (j))

/* ---- open / free ------------------------------------------------------------------------ */

static int write_all(struct pq_writer *w, const void *p, size_t n, struct o2p_error *err)
{
    const uint8_t *s = p;
    while (n > 0) {
        ssize_t r = write(w->fd, s, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return o2p_fail_errno(err, "parquet: write %s at offset %lld", w->opt.name ? w->opt.name : "file",
                                  (long long)w->offset);
        }
        s += r;
        n -= (size_t)r;
        w->offset += r;
    }
    return O2P_OK;
}

int pq_writer_open(struct pq_writer **out, int fd, const struct pq_schema *schema,
                   const struct pq_options *opt, struct o2p_error *err)
{
    *out = NULL;
    if (!schema || !opt || schema->num_nodes <= 0 || !schema->nodes)
        return o2p_fail(err, O2P_EINVAL, "parquet: empty schema");
    struct pq_writer *w = calloc(1, sizeof *w);
    if (!w)
        return o2p_fail(err, O2P_ENOMEM, "parquet: allocate the writer: out of memory");
    w->fd = fd;
    w->nodes = schema->nodes;
    w->num_nodes = schema->num_nodes;
    w->opt = *opt;
    w->page_bytes = opt->page_bytes ? opt->page_bytes : (1u << 20);
    if (w->page_bytes > PQ_PAGE_BUF_MAX / 2)
        w->page_bytes = PQ_PAGE_BUF_MAX / 2;
    w->dict_cap = opt->dict_max_bytes ? opt->dict_max_bytes : PQ_DICT_CAP_DEFAULT;
    if (!w->opt.row_group_bytes)
        w->opt.row_group_bytes = (size_t)128 << 20;
    pq_pool_take(&w->lv, 0, (size_t)1 << 32);
    pq_pool_take(&w->tmp, 1, (size_t)1 << 32);
    pq_pool_take(&w->comp, 2, (size_t)1 << 32);
    pq_pool_take(&w->hdr, 3, 1 << 16);
    int rc = pq_schema_columns(w->nodes, w->num_nodes, NULL, &w->ncols, err);
    if (rc == O2P_OK && w->ncols == 0)
        rc = o2p_fail(err, O2P_EINVAL, "parquet schema: no leaf columns");
    if (rc == O2P_OK) {
        w->cols = calloc((size_t)w->ncols, sizeof *w->cols);
        if (!w->cols)
            rc = o2p_fail(err, O2P_ENOMEM, "parquet: allocate %d columns: out of memory", w->ncols);
    }
    if (rc == O2P_OK)
        rc = pq_schema_columns(w->nodes, w->num_nodes, w->cols, &w->ncols, err);
    for (int i = 0; rc == O2P_OK && i < w->ncols; i++) {
        struct pq_col *c = &w->cols[i];
        pq_pool_take(&c->rep, POOL_COL(i, 0), PQ_PAGE_BUF_MAX);
        pq_pool_take(&c->def, POOL_COL(i, 1), PQ_PAGE_BUF_MAX);
        pq_pool_take(&c->vals, POOL_COL(i, 2), PQ_PAGE_BUF_MAX);
        pq_pool_take(&c->pages, POOL_COL(i, 3), PQ_CHUNK_BUF_MAX);
        pq_dict_init(&c->dict);
        pq_acc_reset(&c->chunk.acc);
        pq_acc_reset(&c->file_acc);
    }
    /* copy key-value metadata into one block */
    size_t kvbytes = 0;
    for (int i = 0; rc == O2P_OK && i < opt->num_kv; i++) {
        if (!opt->kv[i].key)
            rc = o2p_fail(err, O2P_EINVAL, "parquet: key-value %d has no key", i);
        else
            kvbytes += strlen(opt->kv[i].key) + 1 + (opt->kv[i].value ? strlen(opt->kv[i].value) + 1 : 0);
    }
    if (rc == O2P_OK && opt->num_kv > 0) {
        w->kv = calloc((size_t)opt->num_kv, sizeof *w->kv);
        w->kv_store = malloc(kvbytes ? kvbytes : 1);
        if (!w->kv || !w->kv_store) {
            rc = o2p_fail(err, O2P_ENOMEM, "parquet: copy the key-value metadata: out of memory");
        } else {
            char *p = w->kv_store;
            for (int i = 0; i < opt->num_kv; i++) {
                size_t kl = strlen(opt->kv[i].key) + 1;
                w->kv[i].key = memcpy(p, opt->kv[i].key, kl);
                p += kl;
                if (opt->kv[i].value) {
                    size_t vl = strlen(opt->kv[i].value) + 1;
                    w->kv[i].value = memcpy(p, opt->kv[i].value, vl);
                    p += vl;
                }
            }
            w->opt.kv = w->kv;
        }
    }
    if (rc == O2P_OK) {
        w->zc = ZSTD_createCCtx();
        if (!w->zc)
            rc = o2p_fail(err, O2P_ENOMEM, "parquet: zstd context");
        else
            ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, opt->zstd_level);
    }
    if (rc == O2P_OK)
        rc = write_all(w, "PAR1", 4, err);
    if (rc != O2P_OK) {
        pq_writer_free(w);
        return rc;
    }
    *out = w;
    return O2P_OK;
}

void pq_writer_free(struct pq_writer *w)
{
    if (!w)
        return;
    for (int i = 0; w->cols && i < w->ncols; i++) {
        struct pq_col *c = &w->cols[i];
        free(c->path);
        pq_pool_give(&c->rep, POOL_COL(i, 0));
        pq_pool_give(&c->def, POOL_COL(i, 1));
        pq_pool_give(&c->vals, POOL_COL(i, 2));
        pq_pool_give(&c->pages, POOL_COL(i, 3));
        pq_dict_free(&c->dict);
        buf_free(&c->same.rep);
        buf_free(&c->same.def);
        buf_free(&c->same.idx);
    }
    free(w->cols);
    free(w->kv);
    free(w->kv_store);
    free(w->rgs);
    free(w->chunks);
    free((void *)w->fstats.columns);
    pq_pool_give(&w->lv, 0);
    pq_pool_give(&w->tmp, 1);
    pq_pool_give(&w->comp, 2);
    pq_pool_give(&w->hdr, 3);
    ZSTD_freeCCtx(w->zc);
    free(w);
}

int pq_column_count(const struct pq_writer *w) { return w->ncols; }
int pq_column_max_def(const struct pq_writer *w, int col)
{
    return col >= 0 && col < w->ncols ? w->cols[col].max_def : O2P_EINVAL;
}
int pq_column_max_rep(const struct pq_writer *w, int col)
{
    return col >= 0 && col < w->ncols ? w->cols[col].max_rep : O2P_EINVAL;
}
const char *pq_writer_errmsg(const struct pq_writer *w) { return w->err.msg; }

/* ---- appends ---------------------------------------------------------------------------- */

static int grow_byte(struct pq_writer *w, struct buf *b, uint8_t v)
{
    int rc = buf_append(b, &v, 1);
    if (rc != O2P_OK)
        w->failed = o2p_fail(&w->err, rc, "parquet: level buffer");
    return rc;
}

static inline int push_byte(struct pq_writer *w, struct buf *b, uint8_t v)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = v;
        return O2P_OK;
    }
    return grow_byte(w, b, v);
}

static inline int push_val(struct pq_writer *w, struct pq_col *c, const void *p, size_t n)
{
    struct buf *b = &c->vals;
    if (b->len + n < b->cap) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    } else {
        int rc = buf_append(b, p, n);
        if (rc != O2P_OK)
            return w->failed = o2p_fail(&w->err, rc, "parquet: column %s: value buffer",
                                        c->path[c->path_len - 1]);
    }
    c->pending += n;
    w->buffered += n;
    c->page_values++;
    return O2P_OK;
}

/* page_estimate - uncompressed size the open page would encode to, roughly. */
static size_t page_estimate(const struct pq_col *c)
{
    size_t levels = (size_t)c->page_entries / 4;
    if (c->use_dict)
        return levels + (size_t)c->page_values * (size_t)(pq_bit_width(c->dict.count) + 1) / 8;
    return levels + c->vals.len;
}

/* close_page - pq_page_close, after the dictionary judgment if it is still open (final: the
 * chunk ends with this page) */
static int close_page(struct pq_writer *w, struct pq_col *c, int final, struct o2p_error *err)
{
    int rc = pq_dict_judge(w, c, final, err);
    if (rc == O2P_OK)
        rc = pq_page_close(w, c, err);
    return rc;
}

/* row_start - before a row's first entry: judge the dictionary once its sample is complete,
 * close the page if it is full, and end a dictionary past its cap (dict_gen). */
static inline int row_start(struct pq_writer *w, struct pq_col *c)
{
    if (c->use_dict && !c->dict_judged) {
        /* numbers are judged on an eighth of the budget (16,384 INT64 values): a repeat
         * further apart than that is rare for them, and hashing every distinct timestamp of a
         * large chunk costs more than the sample tells */
        size_t sample = c->physical == PQ_BYTE_ARRAY ? w->dict_cap : w->dict_cap / 8;
        if (!c->dict_half_seen && c->dict_plain_seen >= sample / 2) {
            c->dict_half_seen = c->dict_seen;
            c->dict_half_count = c->dict.count;
        }
        if (c->dict_plain_seen >= sample) {
            int rc = pq_dict_judge(w, c, 0, &w->err);
            if (rc != O2P_OK)
                return w->failed = rc;
        }
    }
    if (c->page_entries > 0) {
        int dict_full = c->use_dict && c->dict.plain.len > w->dict_cap;
        if (dict_full || page_estimate(c) >= w->page_bytes) {
            int rc = close_page(w, c, 0, &w->err);
            if (rc != O2P_OK)
                return w->failed = rc;
        }
    }
    if (c->use_dict && c->dict.plain.len > w->dict_cap) {
        c->use_dict = 0;
        c->dict_gen++;
    }
    return O2P_OK;
}

/* same_stop - the row being recorded cannot be replayed (PLAIN values, out of memory) */
static void same_stop(struct pq_col *c)
{
    c->same_recording = 0;
    c->same_token = 0;
}

/* same_record - one more entry of the row being recorded for pq_write_same_row (its index,
 * for a value, is added by same_record_index). */
static void same_record(struct pq_col *c, int rep, int def, int value)
{
    struct pq_same_row *s = &c->same;
    uint8_t r = (uint8_t)rep, d = (uint8_t)def;
    if ((c->max_rep > 0 && buf_append(&s->rep, &r, 1) != O2P_OK) ||
        (c->max_def > 0 && buf_append(&s->def, &d, 1) != O2P_OK))
        return same_stop(c);
    s->entries++;
    s->nulls += !value;
}

static void same_record_index(struct pq_col *c, uint32_t idx)
{
    if (buf_append(&c->same.idx, &idx, 4) != O2P_OK)
        return same_stop(c);
    if (idx > c->same.max_idx)
        c->same.max_idx = idx;
    c->same.plain += (uint64_t)c->dict.entries[idx].len + 4;
}

/* entry_error - the message for an entry entry() refused (cold path; same checks in order) */
static __attribute__((noinline, cold)) int entry_error(struct pq_writer *w, int col, int rep, int def,
                                                      int value, enum pq_physical t)
{
    if (col < 0 || col >= w->ncols)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %d out of range", col);
    struct pq_col *c = &w->cols[col];
    const char *name = c->path[c->path_len - 1];
    if (value && c->physical != t)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: wrong value type", name);
    if (rep < 0 || rep > c->max_rep || def < 0 || def > c->max_def)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: levels rep=%d def=%d out of range",
                        name, rep, def);
    if (value ? def != c->max_def : def == c->max_def)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: def=%d %s", name, def,
                        value ? "is below max_def for a value" : "is max_def for a null");
    if (rep > 0 && !c->row_starts)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: rep=%d before rep=0", name, rep);
    if (rep > 0)
        return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: rep=%d with def=%d", name, rep, def);
    return o2p_fail(&w->err, O2P_EINVAL, "parquet: column %s: second rep=0 entry in a row", name);
}

/* entry - validate one level entry and append its levels; *cp is the column. Inlined into
 * every pq_write_*: all checks fold into one well-predicted branch, messages are built by
 * entry_error only when one fails. */
static inline __attribute__((always_inline)) int entry(struct pq_writer *w, int col, int rep, int def,
                                                       int value, enum pq_physical t, struct pq_col **cp)
{
    *cp = NULL;
    if (w->failed)
        return w->failed;
    if ((unsigned)col >= (unsigned)w->ncols)
        return entry_error(w, col, rep, def, value, t);
    struct pq_col *c = &w->cols[col];
    int bad = (value && c->physical != t) | ((unsigned)rep > (unsigned)c->max_rep) |
              ((unsigned)def > (unsigned)c->max_def) | (value ? def != c->max_def : def == c->max_def);
    if (!bad)
        bad = rep > 0 ? !c->row_starts || def < c->rep_def[rep] : c->row_starts;
    if (bad)
        return entry_error(w, col, rep, def, value, t);
    if (rep == 0) {
        int rc = row_start(w, c);
        if (rc != O2P_OK)
            return rc;
        c->row_starts = 1;
        c->same_recording = c->same_armed;
        c->same_armed = 0;
        if (!c->same_recording)
            c->same_token = 0;
    }
    if (c->same_recording)
        same_record(c, rep, def, value);
    if (c->max_rep > 0 && push_byte(w, &c->rep, (uint8_t)rep) != O2P_OK)
        return w->failed;
    if (c->max_def > 0 && push_byte(w, &c->def, (uint8_t)def) != O2P_OK)
        return w->failed;
    c->page_entries++;
    c->chunk.num_values++;
    if (def < c->max_def)
        c->chunk.null_count++;
    *cp = c;
    return O2P_OK;
}

int pq_write_null(struct pq_writer *w, int col, int rep, int def)
{
    struct pq_col *c;
    return entry(w, col, rep, def, 0, PQ_BOOLEAN, &c);
}

int pq_write_bool(struct pq_writer *w, int col, int rep, int def, bool v)
{
    struct pq_col *c;
    int rc = entry(w, col, rep, def, 1, PQ_BOOLEAN, &c);
    if (rc != O2P_OK)
        return rc;
    uint8_t b = v ? 1 : 0;
    pq_acc_int(&c->chunk.acc, b);
    return push_val(w, c, &b, 1);
}

static inline int dict_index_value(struct pq_writer *w, struct pq_col *c, uint32_t idx);

/* fixed_dict_value - an INT32/INT64 value (PLAIN bytes p[0..n)) through the dictionary */
static int fixed_dict_value(struct pq_writer *w, struct pq_col *c, const void *p, size_t n)
{
    uint32_t idx;
    int is_new;
    size_t before = c->dict.plain.len;
    int rc = pq_dict_insert_hashed(&c->dict, p, n, PQ_DICT_NO_HASH, &idx, &is_new);
    if (rc != O2P_OK)
        return w->failed = o2p_fail(&w->err, rc, "parquet: column %s: dictionary",
                                    c->path[c->path_len - 1]);
    if (is_new)
        w->buffered += c->dict.plain.len - before;
    c->dict_plain_seen += n;
    return dict_index_value(w, c, idx);
}

int pq_write_int32(struct pq_writer *w, int col, int rep, int def, int32_t v)
{
    struct pq_col *c;
    int rc = entry(w, col, rep, def, 1, PQ_INT32, &c);
    if (rc != O2P_OK)
        return rc;
    pq_acc_int(&c->chunk.acc, v);
    if (c->use_dict)
        return fixed_dict_value(w, c, &v, 4);
    return push_val(w, c, &v, 4); /* little-endian host assumed (x86-64, aarch64) */
}

int pq_write_int64(struct pq_writer *w, int col, int rep, int def, int64_t v)
{
    struct pq_col *c;
    int rc = entry(w, col, rep, def, 1, PQ_INT64, &c);
    if (rc != O2P_OK)
        return rc;
    pq_acc_int(&c->chunk.acc, v);
    if (c->use_dict)
        return fixed_dict_value(w, c, &v, 8);
    return push_val(w, c, &v, 8);
}

int pq_write_double(struct pq_writer *w, int col, int rep, int def, double v)
{
    struct pq_col *c;
    int rc = entry(w, col, rep, def, 1, PQ_DOUBLE, &c);
    if (rc != O2P_OK)
        return rc;
    if (v != v)
        c->chunk.nan_count++;
    else
        pq_acc_double(&c->chunk.acc, v);
    if (c->use_dict)
        return fixed_dict_value(w, c, &v, 8);
    return push_val(w, c, &v, 8);
}

/* dict_index_value - append dictionary index idx as the column's next value */
static inline int dict_index_value(struct pq_writer *w, struct pq_col *c, uint32_t idx)
{
    if (idx > c->max_index)
        c->max_index = idx;
    c->dict_seen++;
    return push_val(w, c, &idx, 4);
}

/* bytes_value - the value part of pq_write_bytes, after entry(); hash: see pq_dict_insert_hashed */
static inline int bytes_value(struct pq_writer *w, struct pq_col *c, const void *p, size_t n,
                              uint64_t hash)
{
    int rc;
    if (n > INT32_MAX)
        return w->failed = o2p_fail(&w->err, O2P_ETOOBIG, "parquet: value of %zu bytes", n);
    if (c->use_dict) {
        uint32_t idx;
        int is_new;
        size_t before = c->dict.plain.len;
        rc = pq_dict_insert_hashed(&c->dict, p, n, hash, &idx, &is_new);
        if (rc != O2P_OK)
            return w->failed = o2p_fail(&w->err, rc, "parquet: column %s: dictionary",
                                        c->path[c->path_len - 1]);
        if (is_new) {
            pq_acc_bytes(&c->chunk.acc, p, n);
            w->buffered += c->dict.plain.len - before;
        }
        c->dict_plain_seen += n + 4;
        if (c->same_recording)
            same_record_index(c, idx);
        return dict_index_value(w, c, idx);
    }
    if (c->same_recording)
        same_stop(c);
    pq_acc_bytes(&c->chunk.acc, p, n);
    uint8_t len[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    struct buf *b = &c->vals;
    rc = buf_reserve(b, n + 4);
    if (rc != O2P_OK)
        return w->failed = o2p_fail(&w->err, rc, "parquet: column %s: value buffer",
                                    c->path[c->path_len - 1]);
    memcpy(b->data + b->len, len, 4);
    if (n)
        memcpy(b->data + b->len + 4, p, n);
    b->len += n + 4;
    c->pending += n + 4;
    w->buffered += n + 4;
    c->page_values++;
    return O2P_OK;
}

int pq_write_bytes(struct pq_writer *w, int col, int rep, int def, const void *p, size_t n)
{
    struct pq_col *c;
    int rc = entry(w, col, rep, def, 1, PQ_BYTE_ARRAY, &c);
    if (rc != O2P_OK)
        return rc;
    return bytes_value(w, c, p, n, PQ_DICT_NO_HASH);
}

#define BATCH 16

int pq_write_bytes_n(struct pq_writer *w, int col, int first_rep, int rep, int def,
                     const struct pq_bytes *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        struct pq_col *c;
        int rc = entry(w, col, i ? rep : first_rep, def, 1, PQ_BYTE_ARRAY, &c);
        if (rc != O2P_OK)
            return rc;
        /* entry() of a row's first value may have closed the page or ended the dictionary:
         * only now is use_dict settled for the rest of the row. */
        size_t k = n - i < BATCH ? n - i : BATCH;
        if (!c->use_dict || k == 1) {
            rc = bytes_value(w, c, v[i].p, v[i].n, PQ_DICT_NO_HASH);
            if (rc != O2P_OK)
                return rc;
            i++;
            continue;
        }
        uint32_t h[BATCH];
        for (size_t j = 0; j < k; j++) {
            h[j] = pq_dict_hash(v[i + j].p, v[i + j].n);
            pq_dict_prefetch(&c->dict, h[j]);
        }
        for (size_t j = 0; j < k; j++) {
            if (j) {
                rc = entry(w, col, rep, def, 1, PQ_BYTE_ARRAY, &c);
                if (rc != O2P_OK)
                    return rc;
            }
            rc = bytes_value(w, c, v[i + j].p, v[i + j].n, h[j]);
            if (rc != O2P_OK)
                return rc;
        }
        i += k;
    }
    return O2P_OK;
}

/* append - from's bytes at the end of b (one of the column's page buffers). Recorded rows
 * are a few bytes: copied inline while they fit. */
static inline int append(struct pq_writer *w, struct pq_col *c, struct buf *b, const struct buf *from)
{
    size_t n = from->len;
    if (n <= 16 && b->len + n < b->cap) { /* overlapping fixed-size copies, no call */
        uint8_t *d = b->data + b->len;
        const uint8_t *src = from->data;
        if (n >= 8) {
            uint64_t x, y;
            memcpy(&x, src, 8);
            memcpy(&y, src + n - 8, 8);
            memcpy(d, &x, 8);
            memcpy(d + n - 8, &y, 8);
        } else if (n >= 4) {
            uint32_t x, y;
            memcpy(&x, src, 4);
            memcpy(&y, src + n - 4, 4);
            memcpy(d, &x, 4);
            memcpy(d + n - 4, &y, 4);
        } else {
            for (size_t i = 0; i < n; i++)
                d[i] = src[i];
        }
        b->len += n;
        return O2P_OK;
    }
    if (n && buf_append(b, from->data, n) != O2P_OK)
        return w->failed = o2p_fail(&w->err, O2P_ENOMEM, "parquet: column %s: page buffer",
                                    c->path[c->path_len - 1]);
    return O2P_OK;
}

/* same_replay - append the recorded row: its levels and indices as they are, counters once */
static int same_replay(struct pq_writer *w, struct pq_col *c)
{
    const struct pq_same_row *s = &c->same;
    if ((c->max_rep > 0 && append(w, c, &c->rep, &s->rep) != O2P_OK) ||
        (c->max_def > 0 && append(w, c, &c->def, &s->def) != O2P_OK) ||
        append(w, c, &c->vals, &s->idx) != O2P_OK)
        return w->failed;
    uint32_t values = s->entries - s->nulls;
    c->page_entries += s->entries;
    c->chunk.num_values += s->entries;
    c->chunk.null_count += s->nulls;
    if (values && s->max_idx > c->max_index)
        c->max_index = s->max_idx;
    c->dict_seen += values;
    c->dict_plain_seen += s->plain;
    c->pending += s->idx.len;
    w->buffered += s->idx.len;
    c->page_values += values;
    c->row_starts = 1;
    return O2P_OK;
}

int pq_write_same_row(struct pq_writer *w, int col, uint64_t token)
{
    if (w->failed)
        return w->failed;
    if ((unsigned)col >= (unsigned)w->ncols)
        return entry_error(w, col, 0, 0, 0, PQ_BYTE_ARRAY);
    struct pq_col *c = &w->cols[col];
    if (!token || !c->dict_eligible || c->physical != PQ_BYTE_ARRAY || c->row_starts)
        return PQ_NOT_SAME; /* the normal write reports a second row start */
    if (c->same_token == token && c->same_gen == c->dict_gen && c->use_dict) {
        int rc = row_start(w, c);
        if (rc != O2P_OK)
            return rc;
        if (c->same_gen == c->dict_gen)
            return same_replay(w, c);
    }
    c->same_token = token;
    c->same_gen = c->dict_gen;
    buf_reset(&c->same.rep);
    buf_reset(&c->same.def);
    buf_reset(&c->same.idx);
    c->same.entries = c->same.nulls = c->same.max_idx = 0;
    c->same.plain = 0;
    c->same_armed = 1;
    return PQ_NOT_SAME;
}

/* ---- row groups ------------------------------------------------------------------------- */

static int flush_rowgroup(struct pq_writer *w, struct o2p_error *err)
{
    if (w->rg_rows == 0)
        return O2P_OK;
    if (w->rgs_count == w->rgs_cap) {
        int cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
        struct pq_rowgroup_meta *r = realloc(w->rgs, sizeof *r * (size_t)cap);
        if (!r)
            return o2p_fail(err, O2P_ENOMEM, "parquet: grow the row-group log to %d: out of memory", cap);
        w->rgs = r;
        struct pq_chunk_meta *m = realloc(w->chunks, sizeof *m * (size_t)cap * (size_t)w->ncols);
        if (!m)
            return o2p_fail(err, O2P_ENOMEM, "parquet: grow the column-chunk log to %d row groups: out of memory", cap);
        w->chunks = m;
        w->rgs_cap = cap;
    }
    struct pq_rowgroup_meta *rg = &w->rgs[w->rgs_count];
    rg->num_rows = w->rg_rows;
    rg->file_offset = w->offset;
    rg->total_byte_size = rg->total_compressed = 0;
    for (int i = 0; i < w->ncols; i++) {
        struct pq_col *c = &w->cols[i];
        int rc = O2P_OK;
        if (c->page_entries > 0)
            rc = close_page(w, c, 1, err);
        if (rc != O2P_OK)
            return rc;
        int64_t start = w->offset;
        c->chunk.dict_page_offset = -1;
        if (c->chunk.encodings & (1u << PQ_ENC_RLE_DICTIONARY)) {
            buf_reset(&w->lv);
            rc = pq_page_dict(w, c, &w->lv, err);
            if (rc == O2P_OK)
                rc = write_all(w, w->lv.data, w->lv.len, err);
            if (rc != O2P_OK)
                return rc;
            c->chunk.dict_page_offset = start;
        }
        c->chunk.data_page_offset = w->offset;
        rc = write_all(w, c->pages.data, c->pages.len, err);
        if (rc != O2P_OK)
            return rc;
        w->chunks[(size_t)w->rgs_count * (size_t)w->ncols + (size_t)i] = c->chunk;
        rg->total_byte_size += c->chunk.uncompressed;
        rg->total_compressed += c->chunk.compressed;
        c->stats.num_values += c->chunk.num_values;
        c->stats.null_count += c->chunk.null_count;
        c->stats.nan_count += c->chunk.nan_count;
        c->stats.compressed_bytes += c->chunk.compressed;
        pq_acc_merge(&c->file_acc, &c->chunk.acc, c->physical);
        /* reuse every buffer for the next row group */
        buf_reset(&c->pages);
        pq_dict_reset(&c->dict);
        c->dict_gen++;
        c->use_dict = c->dict_eligible;
        c->dict_judged = 0;
        c->dict_seen = 0;
        c->dict_plain_seen = 0;
        c->dict_half_seen = c->dict_half_count = 0;
        c->dict_aligned = 0;
        c->num_enc = PQ_NUM_UNDECIDED;
        memset(&c->chunk, 0, sizeof c->chunk);
        pq_acc_reset(&c->chunk.acc);
    }
    w->rgs_count++;
    w->rg_rows = 0;
    w->buffered = 0;
    return O2P_OK;
}

int pq_end_row(struct pq_writer *w, struct o2p_error *err)
{
    if (w->failed)
        return o2p_fail(err, w->failed, "parquet: writer failed earlier: %s", w->err.msg);
    for (int i = 0; i < w->ncols; i++) {
        if (!w->cols[i].row_starts) {
            w->failed = O2P_EINVAL;
            return o2p_fail(err, O2P_EINVAL, "parquet: row %lld has no entry in column %s",
                            (long long)w->total_rows, w->cols[i].path[w->cols[i].path_len - 1]);
        }
        w->cols[i].row_starts = 0;
    }
    w->rg_rows++;
    w->total_rows++;
    if (w->buffered >= w->opt.row_group_bytes) {
        int rc = flush_rowgroup(w, err);
        if (rc != O2P_OK)
            return w->failed = rc;
    }
    return O2P_OK;
}

int pq_writer_finish(struct pq_writer *w, struct pq_file_stats *stats, struct o2p_error *err)
{
    if (w->failed)
        return o2p_fail(err, w->failed, "parquet: writer failed earlier: %s", w->err.msg);
    for (int i = 0; i < w->ncols; i++)
        if (w->cols[i].row_starts)
            return w->failed = o2p_fail(err, O2P_EINVAL, "parquet: finish inside a row (call pq_end_row)");
    int rc = flush_rowgroup(w, err);
    if (rc == O2P_OK) {
        buf_reset(&w->tmp);
        rc = pq_footer_encode(w, &w->tmp, err);
    }
    if (rc == O2P_OK) {
        uint32_t n = (uint32_t)w->tmp.len;
        uint8_t tail[8] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24),
                           'P', 'A', 'R', '1'};
        rc = buf_append(&w->tmp, tail, 8);
        if (rc != O2P_OK)
            rc = o2p_fail(err, rc, "parquet: footer buffer");
    }
    if (rc == O2P_OK)
        rc = write_all(w, w->tmp.data, w->tmp.len, err);
    if (rc == O2P_OK && !w->fstats.columns) {
        struct pq_column_stats *cs = calloc((size_t)w->ncols, sizeof *cs);
        if (!cs)
            rc = o2p_fail(err, O2P_ENOMEM, "parquet: allocate the file statistics: out of memory");
        for (int i = 0; rc == O2P_OK && i < w->ncols; i++) {
            struct pq_col *c = &w->cols[i];
            cs[i] = c->stats;
            int mine, maxe, hmin, hmax;
            pq_acc_bounds(&c->file_acc, c->physical, c->logical, cs[i].min, &cs[i].min_len, &mine,
                          &hmin, cs[i].max, &cs[i].max_len, &maxe, &hmax);
            cs[i].has_bounds = hmin && hmax;
            cs[i].min_exact = mine;
            cs[i].max_exact = maxe;
        }
        w->fstats.columns = cs;
    }
    if (rc != O2P_OK)
        return w->failed = rc;
    w->fstats.num_rows = w->total_rows;
    w->fstats.file_bytes = w->offset;
    w->fstats.num_row_groups = w->rgs_count;
    w->fstats.num_columns = w->ncols;
    if (stats)
        *stats = w->fstats;
    w->failed = O2P_EINVAL; /* finished: further appends are refused */
    snprintf(w->err.msg, sizeof w->err.msg, "parquet: writer already finished");
    return O2P_OK;
}
