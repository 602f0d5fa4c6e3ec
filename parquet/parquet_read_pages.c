/*
 * parquet_read_pages.c - decode the pages of one column chunk (see parquet_read.h).
 *
 * Walks the chunk from its first page (dictionary or data) for total_compressed_size bytes:
 * Thrift PageHeader, then the (zstd or uncompressed) body. Dictionary pages are PLAIN values;
 * data pages v1 hold [4-byte length + RLE rep levels] [same for def levels] [values].
 * Hardening: page sizes are checked against the chunk and a ceiling, decompressed sizes must
 * match the header exactly, level values must not exceed the column's max level, dictionary
 * indices must be in range, PLAIN byte arrays must fit in the page, and the number of decoded
 * entries must equal the chunk's num_values.
 */
#include "parquet/parquet_read.h"
#include "parquet/parquet_int.h"
#include "parquet/thrift_compact.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define PAGE_MAX (1u << 30)

struct page_hdr {
    int type;
    int64_t usize, csize;
    int64_t num_values;
    int encoding, def_enc, rep_enc;
    int dict_num;
};

static void read_sub(struct tc_dec *d, struct page_hdr *h, int dict)
{
    int16_t last = 0, fid;
    enum tc_type t;
    while (tc_read_field(d, &last, &fid, &t)) {
        if (fid == 1 && dict)
            h->dict_num = tc_read_i32(d, t);
        else if (fid == 1)
            h->num_values = tc_read_i32(d, t);
        else if (fid == 2)
            h->encoding = tc_read_i32(d, t);
        else if (fid == 3 && !dict)
            h->def_enc = tc_read_i32(d, t);
        else if (fid == 4 && !dict)
            h->rep_enc = tc_read_i32(d, t);
        else
            tc_skip(d, t);
    }
}

static int read_page_header(const uint8_t *p, size_t n, struct page_hdr *h, size_t *used)
{
    struct tc_dec d;
    tc_dec_init(&d, p, n);
    memset(h, 0, sizeof *h);
    h->type = -1;
    int16_t last = 0, fid;
    enum tc_type t;
    while (tc_read_field(&d, &last, &fid, &t)) {
        switch (fid) {
        case 1: h->type = tc_read_i32(&d, t); break;
        case 2: h->usize = tc_read_i32(&d, t); break;
        case 3: h->csize = tc_read_i32(&d, t); break;
        case 5:
        case 7:
            tc_enter(&d, t);
            read_sub(&d, h, fid == 7);
            tc_leave(&d);
            break;
        default: tc_skip(&d, t);
        }
    }
    *used = (size_t)(d.p - p);
    return d.rc;
}

static int grow(struct pqr_column *c, size_t n)
{
    if (n <= c->cap)
        return O2P_OK;
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < n)
        cap *= 2;
    uint16_t *d = realloc(c->def, cap * sizeof *d);
    if (d)
        c->def = d;
    uint16_t *r = d ? realloc(c->rep, cap * sizeof *r) : NULL;
    if (r)
        c->rep = r;
    if (!d || !r)
        return O2P_ENOMEM;
    c->cap = cap;
    return O2P_OK;
}

static int vgrow(struct pqr_column *c, size_t n)
{
    if (n <= c->vcap)
        return O2P_OK;
    size_t cap = c->vcap ? c->vcap : 1024;
    while (cap < n)
        cap *= 2;
    int64_t *a = realloc(c->i64, cap * sizeof *a);
    if (a)
        c->i64 = a;
    double *b = a ? realloc(c->f64, cap * sizeof *b) : NULL;
    if (b)
        c->f64 = b;
    uint64_t *o = b ? realloc(c->off, cap * sizeof *o) : NULL;
    if (o)
        c->off = o;
    uint32_t *l = o ? realloc(c->len, cap * sizeof *l) : NULL;
    if (l)
        c->len = l;
    if (!l)
        return O2P_ENOMEM;
    c->vcap = cap;
    return O2P_OK;
}

/* The dictionary: values decoded into a pqr_column of its own. */
static int plain_values(int type, int type_len, const uint8_t *p, size_t n, size_t count,
                        struct pqr_column *c)
{
    if (vgrow(c, c->nvals + count) != O2P_OK)
        return O2P_ENOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        size_t k = c->nvals++;
        c->i64[k] = 0;
        c->f64[k] = 0;
        c->off[k] = c->bytes.len;
        c->len[k] = 0;
        switch (type) {
        case 0:
            if (pos / 8 >= n)
                return O2P_ECORRUPT;
            c->i64[k] = (p[pos / 8] >> (pos % 8)) & 1;
            pos++;
            break;
        case 1: case 4: {
            if (n - pos < 4 || pos > n)
                return O2P_ECORRUPT;
            uint32_t u;
            memcpy(&u, p + pos, 4);
            if (type == 1) {
                c->i64[k] = (int32_t)u;
            } else {
                float fl;
                memcpy(&fl, &u, 4);
                c->f64[k] = fl;
            }
            pos += 4;
            break;
        }
        case 2: case 5: {
            if (pos > n || n - pos < 8)
                return O2P_ECORRUPT;
            memcpy(type == 2 ? (void *)&c->i64[k] : (void *)&c->f64[k], p + pos, 8);
            pos += 8;
            break;
        }
        case 6: case 7: {
            size_t l;
            if (type == 6) {
                if (pos > n || n - pos < 4)
                    return O2P_ECORRUPT;
                l = (size_t)p[pos] | (size_t)p[pos + 1] << 8 | (size_t)p[pos + 2] << 16 |
                    (size_t)p[pos + 3] << 24;
                pos += 4;
            } else {
                l = type_len > 0 ? (size_t)type_len : 0;
            }
            if (l > n - pos)
                return O2P_ECORRUPT;
            c->off[k] = c->bytes.len;
            c->len[k] = (uint32_t)l;
            if (buf_append(&c->bytes, p + pos, l) != O2P_OK)
                return O2P_ENOMEM;
            pos += l;
            break;
        }
        default:
            return O2P_EUNSUPPORTED;
        }
    }
    return O2P_OK;
}

static int copy_dict_value(struct pqr_column *c, const struct pqr_column *dict, uint32_t i)
{
    size_t k = c->nvals++;
    c->i64[k] = dict->i64[i];
    c->f64[k] = dict->f64[i];
    c->off[k] = c->bytes.len;
    c->len[k] = dict->len[i];
    if (dict->len[i] == 0)
        return O2P_OK;
    return buf_append(&c->bytes, dict->bytes.data + dict->off[i], dict->len[i]);
}

static int levels(const uint8_t **p, const uint8_t *end, int max, uint16_t *out, size_t n,
                  uint32_t *tmp)
{
    if (n == 0)
        return O2P_OK;
    if (max == 0) {
        memset(out, 0, n * sizeof *out);
        return O2P_OK;
    }
    if (end - *p < 4)
        return O2P_ECORRUPT;
    uint32_t len = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
                   (uint32_t)(*p)[3] << 24;
    *p += 4;
    if (len > (size_t)(end - *p))
        return O2P_ECORRUPT;
    int rc = pq_rle_decode(*p, len, pq_bit_width((uint32_t)max), tmp, n, NULL);
    if (rc != O2P_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (tmp[i] > (uint32_t)max)
            return O2P_ECORRUPT;
        out[i] = (uint16_t)tmp[i];
    }
    *p += len;
    return O2P_OK;
}

int pqr_read_column(const struct pqr_file *f, const uint8_t *file, size_t len, int rg, int col,
                    struct pqr_column *out, struct o2p_error *err)
{
    if (rg < 0 || rg >= f->nrg || col < 0 || col >= f->ncols)
        return o2p_fail(err, O2P_EINVAL, "parquet: no column %d in row group %d", col, rg);
    const struct pqr_chunk *ch = &f->rgs[rg].cols[col];
    const struct pqr_element *el = &f->schema[f->leaf[col]];
    out->n = out->nvals = 0;
    out->pages = out->pages_mid_row = 0;
    buf_reset(&out->bytes);
    if (out->bytes.max == 0)
        out->bytes.max = (size_t)1 << 32;
    int64_t start = ch->dict_page_offset >= 0 && ch->dict_page_offset < ch->data_page_offset
                        ? ch->dict_page_offset : ch->data_page_offset;
    if (start < 4 || ch->total_compressed < 0 || (uint64_t)start > len ||
        (uint64_t)ch->total_compressed > len - (uint64_t)start)
        return o2p_fail(err, O2P_ECORRUPT, "parquet: column %d chunk outside the file", col);
    if (ch->codec != 0 && ch->codec != PQ_CODEC_ZSTD)
        return o2p_fail(err, O2P_EUNSUPPORTED, "parquet: column %d: codec %d", col, ch->codec);
    if (ch->num_values < 0 || ch->num_values > (int64_t)PAGE_MAX)
        return o2p_fail(err, O2P_ECORRUPT, "parquet: column %d: num_values %lld", col,
                        (long long)ch->num_values);
    const uint8_t *p = file + start, *end = p + ch->total_compressed;
    struct pqr_column dict = {0};
    uint8_t *ubuf = NULL;
    uint32_t *tmp = NULL;
    size_t ucap = 0, tcap = 0;
    int have_dict = 0, rc = O2P_OK;
    const char *what = "page";
    while (p < end && rc == O2P_OK) {
        struct page_hdr h;
        size_t hl;
        rc = read_page_header(p, (size_t)(end - p), &h, &hl);
        what = "page header";
        if (rc != O2P_OK)
            break;
        p += hl;
        what = "page size";
        if (h.csize < 0 || h.usize < 0 || h.usize > PAGE_MAX || h.csize > end - p) {
            rc = O2P_ECORRUPT;
            break;
        }
        const uint8_t *body = p;
        p += h.csize;
        if (ch->codec == PQ_CODEC_ZSTD) {
            if ((size_t)h.usize + 1 > ucap) {
                free(ubuf);
                ucap = (size_t)h.usize + 1;
                ubuf = malloc(ucap);
                if (!ubuf) {
                    rc = O2P_ENOMEM;
                    break;
                }
            }
            size_t r = ZSTD_decompress(ubuf, (size_t)h.usize, body, (size_t)h.csize);
            what = "zstd data";
            if (ZSTD_isError(r) || r != (size_t)h.usize) {
                rc = O2P_ECORRUPT;
                break;
            }
            body = ubuf;
        } else if (h.csize != h.usize) {
            rc = O2P_ECORRUPT;
            break;
        }
        const uint8_t *bend = body + h.usize;
        if (h.type == PQ_PAGE_DICTIONARY) {
            what = "dictionary page";
            if (have_dict || h.dict_num < 0) {
                rc = O2P_ECORRUPT;
                break;
            }
            rc = plain_values(el->type, el->type_length, body, (size_t)h.usize, (size_t)h.dict_num, &dict);
            have_dict = 1;
            continue;
        }
        if (h.type != PQ_PAGE_DATA) {
            what = "page type (only v1 data pages are supported)";
            rc = O2P_EUNSUPPORTED;
            break;
        }
        what = "data page";
        if (h.num_values < 0 || (uint64_t)out->n + (uint64_t)h.num_values > (uint64_t)ch->num_values) {
            rc = O2P_ECORRUPT;
            break;
        }
        size_t n = (size_t)h.num_values;
        if (grow(out, out->n + n) != O2P_OK || vgrow(out, out->nvals + n) != O2P_OK) {
            rc = O2P_ENOMEM;
            break;
        }
        if (n > tcap) {
            free(tmp);
            tcap = n;
            tmp = malloc(tcap * sizeof *tmp);
            if (!tmp) {
                rc = O2P_ENOMEM;
                break;
            }
        }
        what = "levels";
        rc = levels(&body, bend, el->max_rep, out->rep + out->n, n, tmp);
        if (rc == O2P_OK)
            rc = levels(&body, bend, el->max_def, out->def + out->n, n, tmp);
        if (rc != O2P_OK)
            break;
        out->pages++;
        if (n > 0 && out->rep[out->n] != 0)
            out->pages_mid_row++;
        size_t present = 0;
        for (size_t i = 0; i < n; i++)
            present += out->def[out->n + i] == el->max_def;
        out->n += n;
        what = "values";
        if (h.encoding == PQ_ENC_PLAIN) {
            rc = plain_values(el->type, el->type_length, body, (size_t)(bend - body), present, out);
        } else if (h.encoding == PQ_ENC_RLE_DICTIONARY || h.encoding == 2) {
            if (!have_dict || (present > 0 && body >= bend)) {
                rc = O2P_ECORRUPT;
                break;
            }
            if (present == 0)
                continue;
            int bw = *body++;
            rc = pq_rle_decode(body, (size_t)(bend - body), bw, tmp, present, NULL);
            for (size_t i = 0; rc == O2P_OK && i < present; i++) {
                if (tmp[i] >= dict.nvals)
                    rc = O2P_ECORRUPT;
                else if (copy_dict_value(out, &dict, tmp[i]) != O2P_OK)
                    rc = O2P_ENOMEM;
            }
        } else if (h.encoding == PQ_ENC_DELTA_BINARY_PACKED && (el->type == 1 || el->type == 2)) {
            rc = pq_delta_decode(body, (size_t)(bend - body), el->type == 2, out->i64 + out->nvals,
                                 present, NULL);
            for (size_t i = 0; rc == O2P_OK && i < present; i++) {
                size_t k = out->nvals++;
                out->f64[k] = 0;
                out->off[k] = out->bytes.len;
                out->len[k] = 0;
            }
        } else if (h.encoding == PQ_ENC_BYTE_STREAM_SPLIT && el->type == 5) {
            rc = pq_bss_decode(body, (size_t)(bend - body), 8, out->f64 + out->nvals, present);
            for (size_t i = 0; rc == O2P_OK && i < present; i++) {
                size_t k = out->nvals++;
                out->i64[k] = 0;
                out->off[k] = out->bytes.len;
                out->len[k] = 0;
            }
        } else {
            rc = O2P_EUNSUPPORTED;
        }
    }
    free(ubuf);
    free(tmp);
    pqr_column_free(&dict);
    if (rc == O2P_OK && (int64_t)out->n != ch->num_values) {
        what = "value count";
        rc = O2P_ECORRUPT;
    }
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "parquet: row group %d column %d: bad %s (%s)", rg, col, what,
                        o2p_strerror(rc));
    return O2P_OK;
}

void pqr_column_free(struct pqr_column *c)
{
    free(c->def);
    free(c->rep);
    free(c->i64);
    free(c->f64);
    free(c->off);
    free(c->len);
    buf_free(&c->bytes);
    memset(c, 0, sizeof *c);
}
