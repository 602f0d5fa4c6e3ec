/*
 * parquet_dict_judge.c - whether a column chunk keeps its dictionary: the once-per-chunk
 * decision the writer (parquet_writer.c) asks for at a row boundary, and the dictionary page
 * body. The rule is parquet_int.h's (PQ_DICT_TRIAL_MIN and the zstd trial); what the writer
 * does before and after the decision stays in parquet_writer.c.
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <string.h>

/* dict_strip - bytes of each dictionary entry's length prefix that its PLAIN form does not
 * have: the dictionary stores every value length-prefixed, INT32/INT64 PLAIN has no prefix */
static inline size_t dict_strip(const struct pq_col *c)
{
    return c->physical == PQ_BYTE_ARRAY ? 0 : 4;
}

/* dict_page_bytes - the dictionary page body (PLAIN values) */
static uint64_t dict_page_bytes(const struct pq_col *c)
{
    return (uint64_t)c->dict.plain.len - (uint64_t)dict_strip(c) * c->dict.count;
}

/* dict_pays - the chunk's dictionary page plus its values' bit-packed indices are smaller
 * than the same values PLAIN (before compression: zstd shrinks the dictionary page and PLAIN
 * values alike, random indices hardly at all, so the test leans to PLAIN only when close). */
static int dict_pays(const struct pq_col *c)
{
    uint64_t idx_bytes = ((uint64_t)c->dict_seen * (uint64_t)pq_bit_width(c->dict.count) + 7) / 8;
    return dict_page_bytes(c) + idx_bytes < c->dict_plain_seen;
}

/* trial_keeps - with the sample's compressed sizes (dictionary page, indices, PLAIN values):
 * at the chunk's end (final) the cheaper total wins. Mid-chunk the chunk goes on, and a
 * dictionary's page is paid up front (the first values are all new) while later values
 * mostly reuse entries: compare the cost per further value, the dictionary growing at the
 * rate of new entries in the sample's second half. */
static int trial_keeps(const struct pq_col *c, size_t dict_z, size_t idx_z, size_t plain_z, int final)
{
    if (final || !c->dict_half_seen || c->dict_seen <= c->dict_half_seen)
        return dict_z + idx_z < plain_z;
    double n = c->dict_seen, grow = (double)(c->dict.count - c->dict_half_count) /
                                    (double)(c->dict_seen - c->dict_half_seen);
    return (double)dict_z / c->dict.count * grow + (double)idx_z / n < (double)plain_z / n;
}

/* pq_dict_page_body - the dictionary page body of column c: the dictionary's PLAIN bytes as
 * they are (BYTE_ARRAY), or rebuilt into scratch without the length prefixes (INT32/INT64).
 * The pointer stays valid until scratch or the dictionary changes. */
int pq_dict_page_body(struct pq_col *c, struct buf *scratch, const uint8_t **body, size_t *len)
{
    if (!dict_strip(c)) {
        *body = c->dict.plain.data;
        *len = c->dict.plain.len;
        return O2P_OK;
    }
    buf_reset(scratch);
    int rc = buf_reserve(scratch, dict_page_bytes(c));
    if (rc != O2P_OK)
        return rc;
    for (uint32_t i = 0; i < c->dict.count; i++) {
        const struct pq_dict_entry *e = &c->dict.entries[i];
        memcpy(scratch->data + scratch->len, c->dict.plain.data + e->off + 4, e->len);
        scratch->len += e->len;
    }
    *body = scratch->data;
    *len = scratch->len;
    return O2P_OK;
}

/* pq_dict_judge - the once-per-chunk decision (parquet_int.h), at a row boundary, while every
 * value of the chunk is still in the open page: keep the dictionary, or rewrite the page's
 * indices as PLAIN values and drop it (indices stop being valid: dict_gen). Numeric columns
 * always take the trial, against the better of PLAIN and their alternative (DELTA_BINARY_
 * PACKED, BYTE_STREAM_SPLIT). Uses w->tmp,
 * w->lv and w->comp as scratch (free between pages). */
int pq_dict_judge(struct pq_writer *w, struct pq_col *c, int final, struct o2p_error *err)
{
    if (!c->use_dict || c->dict_judged)
        return O2P_OK;
    int keep = dict_pays(c), fixed = c->physical != PQ_BYTE_ARRAY;
    if (keep && !fixed && c->dict.count <= PQ_DICT_TRIAL_MIN) {
        c->dict_judged = 1;
        return O2P_OK;
    }
    size_t strip = dict_strip(c);
    struct buf *plain = &w->tmp;
    buf_reset(plain);
    int rc = buf_reserve(plain, c->dict_plain_seen);
    if (rc != O2P_OK)
        return w->failed = o2p_fail(err, rc, "parquet: column %s: %llu bytes to rewrite a page PLAIN",
                                    c->path[c->path_len - 1], (unsigned long long)c->dict_plain_seen);
    const uint32_t *idx = (const uint32_t *)(const void *)c->vals.data;
    for (uint32_t i = 0; i < c->page_values; i++) {
        const struct pq_dict_entry *e = &c->dict.entries[idx[i]];
        size_t n = (size_t)e->len + 4 - strip;
        memcpy(plain->data + plain->len, c->dict.plain.data + e->off + strip, n);
        plain->len += n;
    }
    if (keep) { /* the trial: both forms compressed as pq_page_close / pq_page_dict would */
        size_t dict_z, plain_z, idx_z = SIZE_MAX;
        const uint8_t *body;
        size_t body_len;
        rc = pq_dict_page_body(c, &w->lv, &body, &body_len);
        if (rc != O2P_OK)
            rc = o2p_fail(err, rc, "parquet: column %s: dictionary page", c->path[c->path_len - 1]);
        if (rc == O2P_OK)
            rc = pq_compress(w, body, body_len, NULL, 0, err);
        dict_z = w->comp.len;
        /* indices at their bit width, and at the next multiple of 8 (any width up to 32 is
         * valid): byte-aligned indices let zstd match repeated sequences of values */
        int bw = pq_bit_width(c->max_index), aligned = (bw + 7) & ~7;
        for (int k = 0; k < 2 && rc == O2P_OK; k++) {
            int width = k ? aligned : bw ? bw : 1;
            if (k && (aligned == bw || aligned == 0))
                break;
            buf_reset(&w->lv);
            rc = pq_rle_encode_u32(idx, c->page_values, width, &w->lv);
            if (rc != O2P_OK)
                rc = o2p_fail(err, rc, "parquet: column %s: encode indices", c->path[c->path_len - 1]);
            if (rc == O2P_OK)
                rc = pq_compress(w, w->lv.data, w->lv.len, NULL, 0, err);
            if (rc == O2P_OK && w->comp.len < idx_z) {
                idx_z = w->comp.len;
                c->dict_aligned = k;
            }
        }
        if (rc == O2P_OK)
            rc = pq_compress(w, plain->data, plain->len, NULL, 0, err);
        plain_z = w->comp.len;
        if (rc == O2P_OK && fixed) {
            buf_reset(&w->lv);
            rc = pq_num_alt_encode(c, plain->data, c->page_values, &w->lv);
            if (rc != O2P_OK)
                rc = o2p_fail(err, rc, "parquet: column %s: delta trial", c->path[c->path_len - 1]);
            if (rc == O2P_OK)
                rc = pq_compress(w, w->lv.data, w->lv.len, NULL, 0, err);
            if (rc == O2P_OK && w->comp.len < plain_z)
                plain_z = w->comp.len;
        }
        if (rc != O2P_OK)
            return w->failed = rc;
        if (trial_keeps(c, dict_z, idx_z, plain_z, final)) {
            c->dict_judged = 1;
            return O2P_OK;
        }
    }
    struct buf t = c->vals; /* swap the memory: both keep their capacity and own ceiling */
    size_t vals_max = t.max, plain_max = plain->max;
    c->vals = *plain;
    *plain = t;
    c->vals.max = vals_max;
    plain->max = plain_max;
    w->buffered = w->buffered - c->pending - c->dict.plain.len + c->vals.len;
    c->pending = c->vals.len;
    c->max_index = 0;
    pq_dict_reset(&c->dict);
    c->use_dict = 0;
    c->dict_gen++;
    return O2P_OK;
}
