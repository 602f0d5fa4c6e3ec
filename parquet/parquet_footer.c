/*
 * parquet_footer.c - the FileMetaData footer in Thrift compact encoding (parquet.thrift).
 *
 * Written once by pq_writer_finish from the schema nodes and the row-group log. Field ids and
 * types follow parquet.thrift; fields are emitted in ascending id order. Statistics carry only
 * the new min_value/max_value fields (never the deprecated signed min/max) plus null_count,
 * nan_count for DOUBLE and exactness flags, and column_orders declares TYPE_ORDER for every
 * leaf so readers know how min_value/max_value are ordered.
 */
#include "parquet/parquet_int.h"
#include "parquet/thrift_compact.h"

#include "common/err.h"

#include <string.h>

/* ConvertedType values used here */
enum { CT_UTF8 = 0, CT_MAP = 1, CT_LIST = 3, CT_TIMESTAMP_MICROS = 10 };

static void schema_element(struct tc_enc *e, const struct pq_node *n)
{
    tc_elem_struct(e);
    if (n->num_children == 0)
        tc_field_i32(e, 1, n->physical);
    tc_field_i32(e, 3, n->repetition);
    tc_field_str(e, 4, n->name);
    if (n->num_children > 0)
        tc_field_i32(e, 5, n->num_children);
    int ct = -1, lt = 0;
    switch (n->logical) {
    case PQ_LOGICAL_STRING: ct = CT_UTF8; lt = 1; break;
    case PQ_LOGICAL_MAP: ct = CT_MAP; lt = 2; break;
    case PQ_LOGICAL_LIST: ct = CT_LIST; lt = 3; break;
    case PQ_LOGICAL_TIMESTAMP_US: ct = CT_TIMESTAMP_MICROS; lt = 8; break;
    case PQ_LOGICAL_NONE: break;
    }
    if (ct >= 0)
        tc_field_i32(e, 6, ct);
    if (n->field_id > 0)
        tc_field_i32(e, 9, n->field_id);
    if (lt) {
        tc_field_struct(e, 10);     /* LogicalType union */
        tc_field_struct(e, (int16_t)lt);
        if (lt == 8) {              /* TimestampType */
            tc_field_bool(e, 1, true);
            tc_field_struct(e, 2);  /* TimeUnit union */
            tc_field_struct(e, 2);  /* MICROS */
            tc_struct_end(e);
            tc_struct_end(e);
        }
        tc_struct_end(e);
        tc_struct_end(e);
    }
    tc_struct_end(e);
}

static void statistics(struct tc_enc *e, const struct pq_col *c, const struct pq_chunk_meta *m)
{
    uint8_t min[PQ_BOUND_MAX], max[PQ_BOUND_MAX];
    size_t min_len, max_len;
    int min_exact, max_exact, has_min, has_max;
    pq_acc_bounds(&m->acc, c->physical, c->logical, min, &min_len, &min_exact, &has_min, max,
                  &max_len, &max_exact, &has_max);
    tc_field_struct(e, 12);
    tc_field_i64(e, 3, m->null_count);
    if (has_max)
        tc_field_bin(e, 5, max, max_len);
    if (has_min)
        tc_field_bin(e, 6, min, min_len);
    if (has_max)
        tc_field_bool(e, 7, max_exact);
    if (has_min)
        tc_field_bool(e, 8, min_exact);
    if (c->physical == PQ_DOUBLE)
        tc_field_i64(e, 9, m->nan_count);
    tc_struct_end(e);
}

static void column_chunk(struct tc_enc *e, const struct pq_col *c, const struct pq_chunk_meta *m)
{
    tc_elem_struct(e);
    tc_field_i64(e, 2, 0);          /* file_offset: no ColumnMetaData outside the footer */
    tc_field_struct(e, 3);          /* ColumnMetaData */
    tc_field_i32(e, 1, c->physical);
    uint32_t nenc = 0;
    for (int b = 0; b < 10; b++)
        nenc += (m->encodings >> b) & 1;
    tc_field_list(e, 2, TC_I32, nenc);
    for (int b = 0; b < 10; b++)
        if ((m->encodings >> b) & 1)
            tc_elem_i32(e, b);
    tc_field_list(e, 3, TC_BINARY, (uint32_t)c->path_len);
    for (int i = 0; i < c->path_len; i++)
        tc_elem_bin(e, c->path[i], strlen(c->path[i]));
    tc_field_i32(e, 4, PQ_CODEC_ZSTD);
    tc_field_i64(e, 5, m->num_values);
    tc_field_i64(e, 6, m->uncompressed);
    tc_field_i64(e, 7, m->compressed);
    tc_field_i64(e, 9, m->data_page_offset);
    if (m->dict_page_offset >= 0)
        tc_field_i64(e, 11, m->dict_page_offset);
    statistics(e, c, m);
    tc_struct_end(e);
    tc_struct_end(e);
}

int pq_footer_encode(const struct pq_writer *w, struct buf *out, struct o2p_error *err)
{
    struct tc_enc e;
    tc_enc_init(&e, out);
    tc_field_i32(&e, 1, 1);
    tc_field_list(&e, 2, TC_STRUCT, (uint32_t)w->num_nodes + 1);
    tc_elem_struct(&e);
    tc_field_str(&e, 4, "schema");
    int top = 0;
    for (int i = 0; i < w->num_nodes; top++) {
        /* count top-level nodes by skipping subtrees */
        int pending = 1;
        while (pending > 0 && i < w->num_nodes) {
            pending += w->nodes[i].num_children - 1;
            i++;
        }
    }
    tc_field_i32(&e, 5, top);
    tc_struct_end(&e);
    for (int i = 0; i < w->num_nodes; i++)
        schema_element(&e, &w->nodes[i]);
    tc_field_i64(&e, 3, w->total_rows);
    tc_field_list(&e, 4, TC_STRUCT, (uint32_t)w->rgs_count);
    for (int r = 0; r < w->rgs_count; r++) {
        const struct pq_rowgroup_meta *rg = &w->rgs[r];
        tc_elem_struct(&e);
        tc_field_list(&e, 1, TC_STRUCT, (uint32_t)w->ncols);
        for (int i = 0; i < w->ncols; i++)
            column_chunk(&e, &w->cols[i], &w->chunks[(size_t)r * (size_t)w->ncols + (size_t)i]);
        tc_field_i64(&e, 2, rg->total_byte_size);
        tc_field_i64(&e, 3, rg->num_rows);
        tc_field_i64(&e, 5, rg->file_offset);
        tc_field_i64(&e, 6, rg->total_compressed);
        tc_struct_end(&e);
    }
    if (w->opt.num_kv > 0) {
        tc_field_list(&e, 5, TC_STRUCT, (uint32_t)w->opt.num_kv);
        for (int i = 0; i < w->opt.num_kv; i++) {
            tc_elem_struct(&e);
            tc_field_str(&e, 1, w->kv[i].key);
            if (w->kv[i].value)
                tc_field_str(&e, 2, w->kv[i].value);
            tc_struct_end(&e);
        }
    }
    tc_field_str(&e, 6, w->opt.created_by ? w->opt.created_by : "otlp2parquet");
    tc_field_list(&e, 7, TC_STRUCT, (uint32_t)w->ncols);
    for (int i = 0; i < w->ncols; i++) {
        tc_elem_struct(&e);
        tc_field_struct(&e, 1);     /* TYPE_ORDER */
        tc_struct_end(&e);
        tc_struct_end(&e);
    }
    tc_struct_end(&e);
    if (e.rc != O2P_OK)
        return o2p_fail(err, e.rc, "parquet: encode the footer: %s", o2p_strerror(e.rc));
    if (out->len > UINT32_MAX - 8)
        return o2p_fail(err, O2P_ETOOBIG, "parquet: footer of %zu bytes", out->len);
    return O2P_OK;
}
