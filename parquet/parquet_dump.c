/*
 * parquet_dump.c - print a Parquet file: metadata as text and rows as JSON lines.
 *
 * Row reassembly (Dremel): every leaf column of a row group is decoded in full, then rows are
 * rebuilt by walking the schema with one cursor per leaf. An element at definition level D
 * and repetition level R is absent (null / empty list) when its first leaf's next entry has
 * def < D, in which case every leaf below it advances by exactly one entry; a repeated
 * element continues while its first leaf's next entry has rep == R. LIST groups print as
 * arrays of their element, MAP groups as objects (keys as strings), other groups as objects.
 * Values: integers and timestamps (microseconds) as numbers, DOUBLE NaN/Infinity as strings,
 * UTF8 byte arrays as JSON strings, other byte arrays as "hex:..." strings.
 */
#include "parquet/parquet_read.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dump {
    const struct pqr_file *f;
    struct pqr_column *cols;
    size_t *cur, *vcur;   /* per leaf: next entry, next value */
    struct buf out;
    int rc;
};

static void out_bytes(struct dump *d, const void *p, size_t n)
{
    if (d->rc == O2P_OK)
        d->rc = buf_append(&d->out, p, n);
}
#define OUT(d, s) out_bytes(d, s, strlen(s))

static void json_string(struct buf *b, int *rc, const uint8_t *p, size_t n)
{
    if (*rc == O2P_OK)
        *rc = buf_append_byte(b, '"');
    for (size_t i = 0; i < n && *rc == O2P_OK; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            *rc = buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            *rc = buf_printf(b, "\\u%04x", c);
        else
            *rc = buf_append_byte(b, c);
    }
    if (*rc == O2P_OK)
        *rc = buf_append_byte(b, '"');
}

static void print_value(struct dump *d, const struct pqr_element *e, const struct pqr_column *c,
                        size_t v)
{
    char tmp[64];
    switch (e->type) {
    case 0: OUT(d, c->i64[v] ? "true" : "false"); break;
    case 1: case 2:
        snprintf(tmp, sizeof tmp, "%" PRId64, c->i64[v]);
        OUT(d, tmp);
        break;
    case 4: case 5: {
        double x = c->f64[v];
        if (isnan(x))
            OUT(d, "\"NaN\"");
        else if (isinf(x))
            OUT(d, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else {
            snprintf(tmp, sizeof tmp, "%.17g", x);
            OUT(d, tmp);
        }
        break;
    }
    default: {
        const uint8_t *p = c->bytes.data + c->off[v];
        if (e->converted == 0 || e->logical == 1) {
            if (d->rc == O2P_OK)
                json_string(&d->out, &d->rc, p, c->len[v]);
        } else {
            OUT(d, "\"hex:");
            for (size_t i = 0; i < c->len[v]; i++) {
                snprintf(tmp, sizeof tmp, "%02x", p[i]);
                OUT(d, tmp);
            }
            OUT(d, "\"");
        }
    }
    }
}

static void skip_leaves(struct dump *d, const struct pqr_element *e)
{
    for (int l = e->leaf_lo; l < e->leaf_hi; l++)
        d->cur[l]++;
}

/* peek - the first leaf's next entry; 0 when the column is exhausted (corrupt). */
static int peek(struct dump *d, const struct pqr_element *e, int *def, int *rep)
{
    int l = e->leaf_lo;
    if (d->cur[l] >= d->cols[l].n) {
        d->rc = O2P_ECORRUPT;
        return 0;
    }
    *def = d->cols[l].def[d->cur[l]];
    *rep = d->cols[l].rep[d->cur[l]];
    return 1;
}

static void emit_field(struct dump *d, int i, int unwrap);

/* children - index of the k-th child of element i, by skipping subtrees. */
static int child(const struct pqr_file *f, int i, int k)
{
    int j = i + 1;
    while (k-- > 0) {
        int pending = 1;
        while (pending > 0 && j < f->nschema) {
            pending += f->schema[j].num_children - 1;
            j++;
        }
    }
    return j;
}

static void emit_value(struct dump *d, int i, int unwrap)
{
    const struct pqr_file *f = d->f;
    const struct pqr_element *e = &f->schema[i];
    if (e->num_children == 0) {
        int l = e->leaf_lo;
        struct pqr_column *c = &d->cols[l];
        if (d->cur[l] >= c->n) {
            d->rc = O2P_ECORRUPT;
            return;
        }
        if (c->def[d->cur[l]] == e->max_def) {
            if (d->vcur[l] >= c->nvals) {
                d->rc = O2P_ECORRUPT;
                return;
            }
            print_value(d, e, c, d->vcur[l]++);
        } else {
            OUT(d, "null");
        }
        d->cur[l]++;
        return;
    }
    if (unwrap && e->num_children == 1) {
        emit_field(d, i + 1, 0);
        return;
    }
    int is_list = (e->logical == 3 || e->converted == 3) && e->num_children == 1 &&
                  f->schema[i + 1].repetition == 2;
    int is_map = (e->logical == 2 || e->converted == 1) && e->num_children == 1 &&
                 f->schema[i + 1].repetition == 2 && f->schema[i + 1].num_children == 2;
    if (is_list) {
        emit_field(d, i + 1, 1);
        return;
    }
    if (is_map) {
        emit_field(d, i + 1, 2);
        return;
    }
    OUT(d, "{");
    for (int k = 0; k < e->num_children && d->rc == O2P_OK; k++) {
        int ci = child(f, i, k);
        if (k)
            OUT(d, ",");
        json_string(&d->out, &d->rc, f->schema[ci].name.p, f->schema[ci].name.n);
        OUT(d, ":");
        emit_field(d, ci, 0);
    }
    OUT(d, "}");
}

/* map_entry - "key":value of a key_value group (key printed as a JSON string). */
static void map_entry(struct dump *d, int i)
{
    int k = i + 1, v = child(d->f, i, 1);
    size_t mark = d->out.len;
    emit_field(d, k, 0);
    if (d->rc == O2P_OK && d->out.data[mark] != '"') {
        size_t n = d->out.len - mark;
        char *s = malloc(n + 1);
        if (!s) {
            d->rc = O2P_ENOMEM;
            return;
        }
        memcpy(s, d->out.data + mark, n);
        d->out.len = mark;
        json_string(&d->out, &d->rc, (uint8_t *)s, n);
        free(s);
    }
    OUT(d, ":");
    emit_field(d, v, 0);
}

/* emit_field - element i with its own repetition; unwrap: 1 list element, 2 map entries. */
static void emit_field(struct dump *d, int i, int unwrap)
{
    const struct pqr_element *e = &d->f->schema[i];
    int def, rep;
    if (d->rc != O2P_OK || !peek(d, e, &def, &rep))
        return;
    if (e->repetition == 2) {
        if (def < e->max_def) {
            OUT(d, unwrap == 2 ? "{}" : "[]");
            skip_leaves(d, e);
            return;
        }
        OUT(d, unwrap == 2 ? "{" : "[");
        for (int first = 1; d->rc == O2P_OK; first = 0) {
            if (!first)
                OUT(d, ",");
            if (unwrap == 2)
                map_entry(d, i);
            else
                emit_value(d, i, unwrap);
            int l = e->leaf_lo;
            if (d->cur[l] >= d->cols[l].n || d->cols[l].rep[d->cur[l]] != e->max_rep)
                break;
        }
        OUT(d, unwrap == 2 ? "}" : "]");
        return;
    }
    if (e->repetition == 1 && def < e->max_def) {
        OUT(d, "null");
        skip_leaves(d, e);
        return;
    }
    emit_value(d, i, 0);
}

static void print_bound(FILE *fp, const struct pqr_element *e, struct pqr_bytes b)
{
    if (!b.p) {
        fputs("-", fp);
        return;
    }
    int64_t i = 0;
    double x;
    if ((e->type == 1 && b.n == 4) || (e->type == 2 && b.n == 8)) {
        uint64_t u = 0;
        for (size_t k = 0; k < b.n; k++)
            u |= (uint64_t)b.p[k] << (8 * k);
        i = e->type == 1 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
        fprintf(fp, "%" PRId64, i);
    } else if (e->type == 5 && b.n == 8) {
        memcpy(&x, b.p, 8);
        fprintf(fp, "%.17g", x);
    } else if (e->type == 0 && b.n == 1) {
        fputs(b.p[0] ? "true" : "false", fp);
    } else {
        fputc('"', fp);
        for (size_t k = 0; k < b.n; k++)
            fprintf(fp, b.p[k] >= 0x20 && b.p[k] < 0x7f && b.p[k] != '"' ? "%c" : "\\x%02x", b.p[k]);
        fputc('"', fp);
    }
}

static void print_meta(FILE *fp, const struct pqr_file *f)
{
    static const char *types[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
                                  "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    static const char *reps[] = {"required", "optional", "repeated"};
    static const char *logicals[] = {"", "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE",
                                     "TIME", "TIMESTAMP", "", "INTEGER", "UNKNOWN", "JSON",
                                     "BSON", "UUID", "FLOAT16", "VARIANT"};
    fprintf(fp, "version: %d\ncreated_by: %.*s\nnum_rows: %" PRId64 "\nrow_groups: %d\n",
            f->version, (int)f->created_by.n, f->created_by.p ? (const char *)f->created_by.p : "",
            f->num_rows, f->nrg);
    for (int i = 0; i < f->nkv; i++)
        fprintf(fp, "kv: %.*s = %.*s\n", (int)f->kv[i].key.n, (const char *)f->kv[i].key.p,
                (int)f->kv[i].value.n, f->kv[i].value.p ? (const char *)f->kv[i].value.p : "");
    fprintf(fp, "schema:\n");
    int depth[64] = {0}, left[64] = {0}, dp = 0;
    left[0] = f->schema[0].num_children;
    for (int i = 1; i < f->nschema; i++) {
        while (dp > 0 && left[dp] == 0)
            dp--;
        left[dp]--;
        const struct pqr_element *e = &f->schema[i];
        fprintf(fp, "  %*s%s %s %.*s", dp * 2, "", reps[e->repetition],
                e->num_children ? "group" : types[e->type], (int)e->name.n, (const char *)e->name.p);
        if (e->logical > 0 && e->logical < 17)
            fprintf(fp, " (%s%s)", logicals[e->logical],
                    e->logical == 8 ? (e->ts_unit == 2 ? ",us" : e->ts_unit == 1 ? ",ms" : ",ns") : "");
        if (e->converted >= 0)
            fprintf(fp, " converted=%d", e->converted);
        if (e->has_field_id)
            fprintf(fp, " field_id=%d", e->field_id);
        if (!e->num_children)
            fprintf(fp, " [col %d def=%d rep=%d]", e->leaf_lo, e->max_def, e->max_rep);
        fputc('\n', fp);
        if (e->num_children > 0 && dp + 1 < 64) {
            depth[++dp] = i;
            left[dp] = e->num_children;
        }
    }
    for (int r = 0; r < f->nrg; r++) {
        const struct pqr_rowgroup *rg = &f->rgs[r];
        fprintf(fp, "row_group %d: rows=%" PRId64 " offset=%" PRId64 " bytes=%" PRId64
                " compressed=%" PRId64 "\n", r, rg->num_rows, rg->file_offset, rg->total_byte_size,
                rg->total_compressed);
        for (int c = 0; c < rg->ncols; c++) {
            const struct pqr_chunk *ch = &rg->cols[c];
            const struct pqr_element *e = &f->schema[f->leaf[c]];
            fprintf(fp, "  col %d %.*s: type=%s values=%" PRId64 " codec=%d enc=", c, (int)e->name.n,
                    (const char *)e->name.p, e->type >= 0 && e->type < 8 ? types[e->type] : "?",
                    ch->num_values, ch->codec);
            for (int b = 0; b < 32; b++)
                if ((ch->encodings >> b) & 1)
                    fprintf(fp, "%s%s", b == 0 ? "PLAIN" : b == 2 ? "PLAIN_DICTIONARY" : b == 3 ? "RLE" :
                            b == 5 ? "DELTA_BINARY_PACKED" : b == 8 ? "RLE_DICTIONARY" :
                            b == 9 ? "BYTE_STREAM_SPLIT" : "?", (ch->encodings >> (b + 1)) ? "," : "");
            fprintf(fp, " data=%" PRId64 " dict=%" PRId64 " size=%" PRId64 "/%" PRId64,
                    ch->data_page_offset, ch->dict_page_offset, ch->total_compressed,
                    ch->total_uncompressed);
            if (ch->has_stats) {
                fprintf(fp, " nulls=%" PRId64, ch->stats.null_count);
                if (ch->stats.has_nan_count)
                    fprintf(fp, " nans=%" PRId64, ch->stats.nan_count);
                fputs(" min=", fp);
                print_bound(fp, e, ch->stats.min_value);
                fputs(ch->stats.has_min_exact && !ch->stats.min_exact ? "(inexact)" : "", fp);
                fputs(" max=", fp);
                print_bound(fp, e, ch->stats.max_value);
                fputs(ch->stats.has_max_exact && !ch->stats.max_exact ? "(inexact)" : "", fp);
            }
            fputc('\n', fp);
        }
    }
    (void)depth;
}

int pqr_dump(const uint8_t *file, size_t len, int show_meta, long long max_rows, void *stdio_out,
             struct o2p_error *err)
{
    FILE *fp = stdio_out;
    struct pqr_file *f;
    int rc = pqr_open(file, len, &f, err);
    if (rc != O2P_OK)
        return rc;
    if (show_meta)
        print_meta(fp, f);
    struct dump d = {.f = f};
    buf_init(&d.out, (size_t)1 << 30);
    d.cols = calloc((size_t)f->ncols + 1, sizeof *d.cols);
    d.cur = calloc((size_t)f->ncols + 1, sizeof *d.cur);
    d.vcur = calloc((size_t)f->ncols + 1, sizeof *d.vcur);
    if (!d.cols || !d.cur || !d.vcur)
        rc = o2p_fail(err, O2P_ENOMEM, "parquet-dump: out of memory");
    long long printed = 0;
    for (int r = 0; rc == O2P_OK && r < f->nrg && (max_rows < 0 || printed < max_rows); r++) {
        for (int c = 0; rc == O2P_OK && c < f->ncols; c++) {
            rc = pqr_read_column(f, file, len, r, c, &d.cols[c], err);
            d.cur[c] = d.vcur[c] = 0;
        }
        for (int64_t row = 0; rc == O2P_OK && row < f->rgs[r].num_rows &&
                              (max_rows < 0 || printed < max_rows); row++, printed++) {
            buf_reset(&d.out);
            emit_value(&d, 0, 0);
            OUT(&d, "\n");
            if (d.rc != O2P_OK)
                rc = o2p_fail(err, d.rc, "parquet-dump: row group %d row %lld: levels do not "
                              "reassemble", r, (long long)row);
            else
                fwrite(d.out.data, 1, d.out.len, fp);
        }
    }
    for (int c = 0; d.cols && c < f->ncols; c++)
        pqr_column_free(&d.cols[c]);
    free(d.cols);
    free(d.cur);
    free(d.vcur);
    buf_free(&d.out);
    pqr_file_free(f);
    return rc;
}
