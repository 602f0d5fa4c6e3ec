/*
 * parquet_read.c - FileMetaData decoding for the reader (see parquet_read.h).
 *
 * Hardened against hostile footers: the Thrift decoder is bounds-checked and depth-limited,
 * list counts are checked against the bytes left before allocating, the schema tree is
 * validated (children counts, depth, leaf count matching every row group), and unknown fields
 * are skipped. Strings point into the caller's footer bytes (no copies).
 */
#include "parquet/parquet_read.h"
#include "parquet/thrift_compact.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SCHEMA_DEPTH 64

static void *alloc_array(struct tc_dec *d, uint32_t n, size_t size)
{
    if (d->rc != O2P_OK)
        return NULL;
    void *p = calloc(n ? n : 1, size);
    if (!p)
        d->rc = O2P_ENOMEM;
    return p;
}

static void read_bytes(struct tc_dec *d, enum tc_type t, struct pqr_bytes *b)
{
    tc_read_bin(d, t, &b->p, &b->n);
}

static void read_timestamp(struct tc_dec *d, struct pqr_element *e)
{
    int16_t last = 0, fid;
    enum tc_type t;
    while (tc_read_field(d, &last, &fid, &t)) {
        if (fid == 1) {
            e->ts_utc = tc_read_bool(d, t);
        } else if (fid == 2) {
            tc_enter(d, t);
            int16_t l2 = 0, f2;
            enum tc_type t2;
            while (tc_read_field(d, &l2, &f2, &t2)) {
                e->ts_unit = f2;
                tc_skip(d, t2);
            }
            tc_leave(d);
        } else {
            tc_skip(d, t);
        }
    }
}

static void read_logical(struct tc_dec *d, struct pqr_element *e)
{
    int16_t last = 0, fid;
    enum tc_type t;
    while (tc_read_field(d, &last, &fid, &t)) {
        e->logical = fid;
        if (fid == 8 && t == TC_STRUCT) {
            tc_enter(d, t);
            read_timestamp(d, e);
            tc_leave(d);
        } else {
            tc_skip(d, t);
        }
    }
}

static void read_element(struct tc_dec *d, struct pqr_element *e)
{
    int16_t last = 0, fid;
    enum tc_type t;
    e->type = e->repetition = e->converted = -1;
    while (tc_read_field(d, &last, &fid, &t)) {
        switch (fid) {
        case 1: e->type = tc_read_i32(d, t); break;
        case 2: e->type_length = tc_read_i32(d, t); break;
        case 3: e->repetition = tc_read_i32(d, t); break;
        case 4: read_bytes(d, t, &e->name); break;
        case 5: e->num_children = tc_read_i32(d, t); break;
        case 6: e->converted = tc_read_i32(d, t); break;
        case 9: e->field_id = tc_read_i32(d, t); e->has_field_id = 1; break;
        case 10:
            tc_enter(d, t);
            read_logical(d, e);
            tc_leave(d);
            break;
        default: tc_skip(d, t);
        }
    }
}

static void read_stats(struct tc_dec *d, struct pqr_stats *s)
{
    int16_t last = 0, fid;
    enum tc_type t;
    while (tc_read_field(d, &last, &fid, &t)) {
        switch (fid) {
        case 1: read_bytes(d, t, &s->max); break;
        case 2: read_bytes(d, t, &s->min); break;
        case 3: s->null_count = tc_read_i64(d, t); s->has_null_count = 1; break;
        case 5: read_bytes(d, t, &s->max_value); break;
        case 6: read_bytes(d, t, &s->min_value); break;
        case 7: s->max_exact = tc_read_bool(d, t); s->has_max_exact = 1; break;
        case 8: s->min_exact = tc_read_bool(d, t); s->has_min_exact = 1; break;
        case 9: s->nan_count = tc_read_i64(d, t); s->has_nan_count = 1; break;
        default: tc_skip(d, t);
        }
    }
}

static void read_meta(struct tc_dec *d, struct pqr_chunk *c)
{
    int16_t last = 0, fid;
    enum tc_type t, elem;
    uint32_t n;
    c->has_meta = 1;
    while (tc_read_field(d, &last, &fid, &t)) {
        switch (fid) {
        case 1: c->type = tc_read_i32(d, t); break;
        case 2:
            tc_read_list(d, t, &elem, &n);
            for (uint32_t i = 0; i < n && d->rc == O2P_OK; i++) {
                int32_t v = tc_read_i32(d, elem);
                if (v >= 0 && v < 32)
                    c->encodings |= 1u << v;
            }
            break;
        case 3:
            tc_read_list(d, t, &elem, &n);
            c->path_len = (int)n;
            for (uint32_t i = 0; i < n && d->rc == O2P_OK; i++)
                tc_skip(d, elem == TC_BINARY ? elem : TC_STOP);
            break;
        case 4: c->codec = tc_read_i32(d, t); break;
        case 5: c->num_values = tc_read_i64(d, t); break;
        case 6: c->total_uncompressed = tc_read_i64(d, t); break;
        case 7: c->total_compressed = tc_read_i64(d, t); break;
        case 9: c->data_page_offset = tc_read_i64(d, t); break;
        case 11: c->dict_page_offset = tc_read_i64(d, t); break;
        case 12:
            tc_enter(d, t);
            c->has_stats = 1;
            read_stats(d, &c->stats);
            tc_leave(d);
            break;
        default: tc_skip(d, t);
        }
    }
}

static void read_chunk(struct tc_dec *d, struct pqr_chunk *c)
{
    int16_t last = 0, fid;
    enum tc_type t;
    c->dict_page_offset = -1;
    while (tc_read_field(d, &last, &fid, &t)) {
        if (fid == 3) {
            tc_enter(d, t);
            read_meta(d, c);
            tc_leave(d);
        } else {
            tc_skip(d, t);
        }
    }
}

static void read_rowgroup(struct tc_dec *d, struct pqr_rowgroup *rg)
{
    int16_t last = 0, fid;
    enum tc_type t, elem;
    uint32_t n;
    while (tc_read_field(d, &last, &fid, &t)) {
        switch (fid) {
        case 1:
            tc_read_list(d, t, &elem, &n);
            if (rg->cols || (n && elem != TC_STRUCT)) {
                d->rc = O2P_ECORRUPT;
                break;
            }
            rg->cols = alloc_array(d, n, sizeof *rg->cols);
            rg->ncols = rg->cols ? (int)n : 0;
            for (uint32_t i = 0; i < n && d->rc == O2P_OK; i++) {
                tc_enter(d, elem);
                read_chunk(d, &rg->cols[i]);
                tc_leave(d);
            }
            break;
        case 2: rg->total_byte_size = tc_read_i64(d, t); break;
        case 3: rg->num_rows = tc_read_i64(d, t); break;
        case 5: rg->file_offset = tc_read_i64(d, t); break;
        case 6: rg->total_compressed = tc_read_i64(d, t); break;
        default: tc_skip(d, t);
        }
    }
}

/* derive - parent links, levels and leaf ranges; validates the tree shape. */
static int derive(struct pqr_file *f, struct o2p_error *err)
{
    if (f->nschema < 1 || f->schema[0].num_children < 0)
        return o2p_fail(err, O2P_ECORRUPT, "parquet: empty schema");
    int stack[MAX_SCHEMA_DEPTH], left[MAX_SCHEMA_DEPTH], depth = 0;
    struct pqr_element *root = &f->schema[0];
    root->parent = -1;
    root->leaf_lo = 0;
    stack[0] = 0;
    left[0] = root->num_children;
    f->leaf = calloc((size_t)f->nschema, sizeof *f->leaf);
    if (!f->leaf)
        return o2p_fail(err, O2P_ENOMEM, "parquet: out of memory");
    f->ncols = 0;
    for (int i = 1; i < f->nschema; i++) {
        while (depth >= 0 && left[depth] == 0) {
            f->schema[stack[depth]].leaf_hi = f->ncols;
            depth--;
        }
        if (depth < 0)
            return o2p_fail(err, O2P_ECORRUPT, "parquet: schema has elements outside the root");
        struct pqr_element *e = &f->schema[i], *p = &f->schema[stack[depth]];
        left[depth]--;
        if (e->repetition < 0 || e->repetition > 2 || e->num_children < 0 || !e->name.p)
            return o2p_fail(err, O2P_ECORRUPT, "parquet: schema element %d is malformed", i);
        e->parent = stack[depth];
        e->max_def = p->max_def + (e->repetition != 0);
        e->max_rep = p->max_rep + (e->repetition == 2);
        e->leaf_lo = f->ncols;
        if (e->num_children > 0) {
            if (depth + 1 >= MAX_SCHEMA_DEPTH)
                return o2p_fail(err, O2P_ECORRUPT, "parquet: schema too deep");
            stack[++depth] = i;
            left[depth] = e->num_children;
        } else {
            if (e->type < 0 || e->type > 7)
                return o2p_fail(err, O2P_ECORRUPT, "parquet: leaf %d has no valid type", i);
            f->leaf[f->ncols++] = i;
            e->leaf_hi = f->ncols;
        }
    }
    while (depth >= 0) {
        if (left[depth] != 0)
            return o2p_fail(err, O2P_ECORRUPT, "parquet: schema ends inside a group");
        f->schema[stack[depth]].leaf_hi = f->ncols;
        depth--;
    }
    for (int i = 1; i < f->nschema; i++)
        if (f->schema[i].num_children > 0 && f->schema[i].leaf_lo == f->schema[i].leaf_hi)
            return o2p_fail(err, O2P_ECORRUPT, "parquet: group %d has no leaves", i);
    for (int r = 0; r < f->nrg; r++) {
        if (f->rgs[r].ncols != f->ncols)
            return o2p_fail(err, O2P_ECORRUPT, "parquet: row group %d has %d columns, schema %d", r,
                            f->rgs[r].ncols, f->ncols);
        for (int c = 0; c < f->ncols; c++)
            if (!f->rgs[r].cols[c].has_meta)
                return o2p_fail(err, O2P_ECORRUPT, "parquet: row group %d column %d: no meta_data", r, c);
    }
    return O2P_OK;
}

int pqr_parse_footer(const uint8_t *p, size_t n, struct pqr_file **out, struct o2p_error *err)
{
    *out = NULL;
    struct pqr_file *f = calloc(1, sizeof *f);
    if (!f)
        return o2p_fail(err, O2P_ENOMEM, "parquet: out of memory");
    struct tc_dec dd, *d = &dd;
    tc_dec_init(d, p, n);
    int16_t last = 0, fid;
    enum tc_type t, elem;
    uint32_t cnt;
    int seen_schema = 0;
    while (tc_read_field(d, &last, &fid, &t)) {
        switch (fid) {
        case 1: f->version = tc_read_i32(d, t); break;
        case 2:
            tc_read_list(d, t, &elem, &cnt);
            if (seen_schema++ || (cnt && elem != TC_STRUCT)) {
                d->rc = O2P_ECORRUPT;
                break;
            }
            f->schema = alloc_array(d, cnt, sizeof *f->schema);
            f->nschema = f->schema ? (int)cnt : 0;
            for (uint32_t i = 0; i < cnt && d->rc == O2P_OK; i++) {
                tc_enter(d, elem);
                read_element(d, &f->schema[i]);
                tc_leave(d);
            }
            break;
        case 3: f->num_rows = tc_read_i64(d, t); break;
        case 4:
            tc_read_list(d, t, &elem, &cnt);
            if (f->rgs || (cnt && elem != TC_STRUCT)) {
                d->rc = O2P_ECORRUPT;
                break;
            }
            f->rgs = alloc_array(d, cnt, sizeof *f->rgs);
            f->nrg = f->rgs ? (int)cnt : 0;
            for (uint32_t i = 0; i < cnt && d->rc == O2P_OK; i++) {
                tc_enter(d, elem);
                read_rowgroup(d, &f->rgs[i]);
                tc_leave(d);
            }
            break;
        case 5:
            tc_read_list(d, t, &elem, &cnt);
            if (f->kv || (cnt && elem != TC_STRUCT)) {
                d->rc = O2P_ECORRUPT;
                break;
            }
            f->kv = alloc_array(d, cnt, sizeof *f->kv);
            f->nkv = f->kv ? (int)cnt : 0;
            for (uint32_t i = 0; i < cnt && d->rc == O2P_OK; i++) {
                tc_enter(d, elem);
                int16_t l2 = 0, f2;
                enum tc_type t2;
                while (tc_read_field(d, &l2, &f2, &t2)) {
                    if (f2 == 1)
                        read_bytes(d, t2, &f->kv[i].key);
                    else if (f2 == 2)
                        read_bytes(d, t2, &f->kv[i].value);
                    else
                        tc_skip(d, t2);
                }
                tc_leave(d);
            }
            break;
        case 6: read_bytes(d, t, &f->created_by); break;
        case 7:
            tc_read_list(d, t, &elem, &cnt);
            f->ncolumn_orders = (int)cnt;
            for (uint32_t i = 0; i < cnt && d->rc == O2P_OK; i++)
                tc_skip(d, elem);
            break;
        default: tc_skip(d, t);
        }
    }
    int rc = d->rc;
    if (rc == O2P_ENOMEM)
        rc = o2p_fail(err, rc, "parquet: out of memory reading the footer");
    else if (rc != O2P_OK)
        rc = o2p_fail(err, rc, "parquet: malformed footer near byte %zu",
                      (size_t)(d->p - p));
    else if (!seen_schema)
        rc = o2p_fail(err, O2P_ECORRUPT, "parquet: footer has no schema");
    else
        rc = derive(f, err);
    if (rc != O2P_OK) {
        pqr_file_free(f);
        return rc;
    }
    *out = f;
    return O2P_OK;
}

int pqr_open(const uint8_t *file, size_t len, struct pqr_file **out, struct o2p_error *err)
{
    *out = NULL;
    if (len < 12 || memcmp(file, "PAR1", 4) != 0 || memcmp(file + len - 4, "PAR1", 4) != 0)
        return o2p_fail(err, O2P_ECORRUPT, "parquet: missing PAR1 magic");
    const uint8_t *t = file + len - 8;
    uint32_t flen = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    if (flen > len - 12)
        return o2p_fail(err, O2P_ECORRUPT, "parquet: footer length %u exceeds the file", flen);
    return pqr_parse_footer(file + len - 8 - flen, flen, out, err);
}

void pqr_file_free(struct pqr_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nrg; i++)
        free(f->rgs[i].cols);
    free(f->rgs);
    free(f->schema);
    free(f->leaf);
    free(f->kv);
    free(f);
}
