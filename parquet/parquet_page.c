/*
 * parquet_page.c - turn one column's buffered page into an encoded, zstd-compressed page.
 *
 * Data page v1 body (uncompressed):  [rep levels] [def levels] [values]
 *   levels: 4-byte LE length + RLE/bit-packed hybrid at bit_width(max level), present only
 *           when the max level is > 0;
 *   values: PLAIN, or for a dictionary page-run one bit-width byte + hybrid-encoded indices
 *           (at a multiple of 8 bits when the column's dict_aligned says it compresses better),
 *           or for INT32/INT64 DELTA_BINARY_PACKED, for DOUBLE BYTE_STREAM_SPLIT, when the
 *           chunk's first page came out smaller that way after zstd than PLAIN (c->num_enc).
 * The whole body is compressed as one zstd frame; the Thrift PageHeader precedes it
 * uncompressed. Pages are appended to the column's `pages` buffer; the dictionary page is
 * produced at flush time (pq_page_dict) because it must come first in the chunk and keeps
 * growing while the data pages are written.
 *
 * Invariant: after pq_page_close the column's page buffers are empty and w->buffered counts
 * the compressed bytes instead of the raw estimate. Errors are fatal for the writer.
 */
#include "parquet/parquet_int.h"
#include "parquet/thrift_compact.h"

#include "common/err.h"

#include <string.h>

/* compress - one zstd frame of a ++ b into w->comp. */
int pq_compress(struct pq_writer *w, const void *a, size_t an, const void *b, size_t bn,
                    struct o2p_error *err)
{
    size_t bound = ZSTD_compressBound(an + bn);
    buf_reset(&w->comp);
    int rc = buf_reserve(&w->comp, bound);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: reserve %zu bytes to compress a page: %s", bound, o2p_strerror(rc));
    ZSTD_CCtx_reset(w->zc, ZSTD_reset_session_only);
    ZSTD_CCtx_setPledgedSrcSize(w->zc, an + bn);
    ZSTD_outBuffer out = {w->comp.data, bound, 0};
    ZSTD_inBuffer in = {a, an, 0};
    size_t r = ZSTD_compressStream2(w->zc, &out, &in, ZSTD_e_continue);
    if (!ZSTD_isError(r)) {
        in = (ZSTD_inBuffer){b, bn, 0};
        do {
            r = ZSTD_compressStream2(w->zc, &out, &in, ZSTD_e_end);
        } while (!ZSTD_isError(r) && r != 0 && out.pos < out.size);
    }
    if (ZSTD_isError(r) || r != 0)
        return o2p_fail(err, O2P_EFATAL, "parquet: zstd: %s",
                        ZSTD_isError(r) ? ZSTD_getErrorName(r) : "output full");
    w->comp.len = out.pos;
    return O2P_OK;
}

/* append_levels - 4-byte length prefix + hybrid encoding of n levels. */
static int append_levels(struct buf *out, const uint8_t *lv, size_t n, int max)
{
    size_t at = out->len;
    int rc = buf_append(out, "\0\0\0\0", 4);
    if (rc == O2P_OK)
        rc = pq_rle_encode_u8(lv, n, pq_bit_width((uint32_t)max), out);
    if (rc != O2P_OK)
        return rc;
    uint32_t len = (uint32_t)(out->len - at - 4);
    for (int i = 0; i < 4; i++)
        out->data[at + i] = (uint8_t)(len >> (8 * i));
    return O2P_OK;
}

int pq_page_close(struct pq_writer *w, struct pq_col *c, struct o2p_error *err)
{
    size_t n = c->page_entries;
    int rc = O2P_OK;
    buf_reset(&w->lv);
    if (c->max_rep > 0)
        rc = append_levels(&w->lv, c->rep.data, n, c->max_rep);
    if (rc == O2P_OK && c->max_def > 0)
        rc = append_levels(&w->lv, c->def.data, n, c->max_def);
    const uint8_t *vals = c->vals.data;
    size_t vlen = c->vals.len;
    int encoding = PQ_ENC_PLAIN;
    if (rc == O2P_OK && c->use_dict && c->page_values > 0) {
        int bw = pq_bit_width(c->max_index);
        if (c->dict_aligned) /* zstd matches byte-aligned index sequences (dict_judge) */
            bw = (bw + 7) & ~7;
        if (bw == 0)
            bw = 1;
        uint8_t bwb = (uint8_t)bw;
        buf_reset(&w->tmp);
        rc = buf_append(&w->tmp, &bwb, 1);
        if (rc == O2P_OK)
            rc = pq_rle_encode_u32((const uint32_t *)(const void *)c->vals.data, c->page_values,
                                   bw, &w->tmp);
        vals = w->tmp.data;
        vlen = w->tmp.len;
        encoding = PQ_ENC_RLE_DICTIONARY;
    } else if (rc == O2P_OK && c->physical == PQ_BOOLEAN) {
        buf_reset(&w->tmp);
        rc = buf_reserve(&w->tmp, (c->page_values + 7) / 8);
        if (rc == O2P_OK) {
            pq_pack_bools(c->vals.data, c->page_values, w->tmp.data);
            w->tmp.len = (c->page_values + 7) / 8;
        }
        vals = w->tmp.data;
        vlen = w->tmp.len;
    }
    int compressed = 0; /* w->comp already holds this page */
    int numeric = c->physical == PQ_INT32 || c->physical == PQ_INT64 || c->physical == PQ_DOUBLE;
    if (rc == O2P_OK && numeric && c->page_values > 0 && !c->use_dict && c->num_enc != PQ_NUM_PLAIN) {
        buf_reset(&w->tmp);
        rc = pq_num_alt_encode(c, c->vals.data, c->page_values, &w->tmp);
        if (rc == O2P_OK && c->num_enc == PQ_NUM_UNDECIDED) {
            /* the chunk's first page decides for the chunk: the smaller once compressed */
            rc = pq_compress(w, w->lv.data, w->lv.len, vals, vlen, err);
            size_t plain_z = w->comp.len;
            if (rc == O2P_OK)
                rc = pq_compress(w, w->lv.data, w->lv.len, w->tmp.data, w->tmp.len, err);
            if (rc != O2P_OK)
                return rc;
            c->num_enc = w->comp.len < plain_z ? PQ_NUM_ALT : PQ_NUM_PLAIN;
            compressed = c->num_enc == PQ_NUM_ALT;
        }
        if (c->num_enc == PQ_NUM_ALT) {
            vals = w->tmp.data;
            vlen = w->tmp.len;
            encoding = c->physical == PQ_DOUBLE ? PQ_ENC_BYTE_STREAM_SPLIT : PQ_ENC_DELTA_BINARY_PACKED;
        }
    }
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: encode page of column %s", c->path[c->path_len - 1]);
    size_t raw = w->lv.len + vlen;
    if (raw > INT32_MAX)
        return o2p_fail(err, O2P_ETOOBIG, "parquet: page of %zu bytes", raw);
    if (!compressed)
        rc = pq_compress(w, w->lv.data, w->lv.len, vals, vlen, err);
    if (rc != O2P_OK)
        return rc;

    struct tc_enc e;
    buf_reset(&w->hdr);
    tc_enc_init(&e, &w->hdr);
    tc_field_i32(&e, 1, PQ_PAGE_DATA);
    tc_field_i32(&e, 2, (int32_t)raw);
    tc_field_i32(&e, 3, (int32_t)w->comp.len);
    tc_field_struct(&e, 5);
    tc_field_i32(&e, 1, (int32_t)n);
    tc_field_i32(&e, 2, encoding);
    tc_field_i32(&e, 3, PQ_ENC_RLE);
    tc_field_i32(&e, 4, PQ_ENC_RLE);
    tc_struct_end(&e);
    tc_struct_end(&e);
    rc = e.rc;
    if (rc == O2P_OK)
        rc = buf_append(&c->pages, w->hdr.data, w->hdr.len);
    if (rc == O2P_OK)
        rc = buf_append(&c->pages, w->comp.data, w->comp.len);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: buffer page of column %s", c->path[c->path_len - 1]);

    size_t written = w->hdr.len + w->comp.len;
    c->chunk.compressed += (int64_t)written;
    c->chunk.uncompressed += (int64_t)(w->hdr.len + raw);
    c->chunk.encodings |= 1u << encoding;
    if (c->max_def > 0 || c->max_rep > 0)
        c->chunk.encodings |= 1u << PQ_ENC_RLE;
    w->buffered = w->buffered - c->pending + written;
    c->pending = 0;
    c->rep.len = c->def.len = c->vals.len = 0;
    c->page_entries = c->page_values = 0;
    c->max_index = 0;
    return O2P_OK;
}

int pq_page_dict(struct pq_writer *w, struct pq_col *c, struct buf *out, struct o2p_error *err)
{
    const uint8_t *body;
    size_t body_len;
    int rc = pq_dict_page_body(c, &w->tmp, &body, &body_len);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: dictionary page of column %s", c->path[c->path_len - 1]);
    struct buf dv = {.data = (uint8_t *)body, .len = body_len};
    const struct buf *d = &dv;
    rc = pq_compress(w, d->data, d->len, NULL, 0, err);
    if (rc != O2P_OK)
        return rc;
    struct tc_enc e;
    buf_reset(&w->hdr);
    tc_enc_init(&e, &w->hdr);
    tc_field_i32(&e, 1, PQ_PAGE_DICTIONARY);
    tc_field_i32(&e, 2, (int32_t)d->len);
    tc_field_i32(&e, 3, (int32_t)w->comp.len);
    tc_field_struct(&e, 7);
    tc_field_i32(&e, 1, (int32_t)c->dict.count);
    tc_field_i32(&e, 2, PQ_ENC_PLAIN);
    tc_struct_end(&e);
    tc_struct_end(&e);
    rc = e.rc;
    if (rc == O2P_OK)
        rc = buf_append(out, w->hdr.data, w->hdr.len);
    if (rc == O2P_OK)
        rc = buf_append(out, w->comp.data, w->comp.len);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: dictionary page of column %s", c->path[c->path_len - 1]);
    c->chunk.compressed += (int64_t)(w->hdr.len + w->comp.len);
    c->chunk.uncompressed += (int64_t)(w->hdr.len + d->len);
    c->chunk.encodings |= 1u << PQ_ENC_PLAIN;
    return O2P_OK;
}

int pq_num_alt_encode(const struct pq_col *c, const void *vals, size_t n, struct buf *out)
{
    if (c->physical == PQ_DOUBLE)
        return pq_bss_encode(vals, n, 8, out);
    return pq_delta_encode(vals, n, c->physical == PQ_INT64, out);
}
