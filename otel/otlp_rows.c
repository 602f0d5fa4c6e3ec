/*
 * otlp_rows.c - shared machinery of the OTLP -> rows mapping: scratch arenas, prepared
 * attribute maps, resource/scope values, and the column writers that turn values into
 * Parquet (rep, def) entries. The per-signal row layouts live in otlp_rows_logs.c,
 * otlp_rows_traces.c and otlp_rows_metrics.c.
 *
 * Invariants: every fallible string computation of a row happens before the row's first
 * pq_write_* call, so an out-of-memory or nesting error never leaves a half-written row
 * behind; a pq_write_* failure does (the writer is poisoned anyway, see parquet.h).
 * Duplicate attribute keys: the first occurrence wins (pcommon Map.Get semantics); later
 * ones are counted in stats.duplicate_keys. Detection is a linear scan for maps of up to
 * 32 entries and a sort of key indices beyond that, so hostile maps stay O(n log n).
 */
#include "otel/otlp_rows_int.h"

#include <stdlib.h>
#include <string.h>

#define SCRATCH_BLOCK (64 * 1024)
#define SCRATCH_MAX_DEFAULT ((size_t)256 << 20)

void otlp_rows_init(struct otlp_rows *r, otlp_rows_sink_fn sink, void *ctx, size_t scratch_max)
{
    memset(r, 0, sizeof(*r));
    r->sink = sink;
    r->sink_ctx = ctx;
    if (!scratch_max)
        scratch_max = SCRATCH_MAX_DEFAULT;
    arena_init(&r->req, SCRATCH_BLOCK, scratch_max);
    arena_init(&r->row, SCRATCH_BLOCK, scratch_max);
}

void otlp_rows_free(struct otlp_rows *r)
{
    arena_free(&r->req);
    arena_free(&r->row);
}

const char *otlp_rows_drop_name(enum otlp_rows_drop d)
{
    switch (d) {
    case OTLP_DROP_METRIC_NO_DATA: return "metric_no_data";
    case OTLP_DROP_METRIC_NO_POINTS: return "metric_no_points";
    }
    return "?";
}

int64_t otlp_rows_partition(int64_t ts_us, int hourly)
{
    int64_t unit = hourly ? INT64_C(3600000000) : INT64_C(86400000000);
    int64_t q = ts_us / unit;
    if (ts_us % unit < 0)
        q--;
    return q * unit;
}

/* ---- strings ------------------------------------------------------------------------ */

int otlp_rows_rows_oom(const struct arena *a, struct o2p_error *err, const char *what)
{
    if (arena_error(a) == O2P_ENOMEM)
        return o2p_fail(err, O2P_ENOMEM, "allocate scratch memory for %s: out of memory", what);
    return o2p_fail(err, O2P_ETOOBIG,
                    "%s: scratch memory limit reached (a single request has more attribute/"
                    "body text than the writer's scratch limit; raise it or send smaller "
                    "batches)", what);
}

int otlp_rows_rows_text(struct otlp_rows *r, struct arena *a, const char *s, struct otel_str *out,
              struct o2p_error *err)
{
    bool repaired = false;
    if (otel_string_text(s, a, out, &repaired) != O2P_OK)
        return otlp_rows_rows_oom(a, err, "string");
    if (repaired)
        r->stats.utf8_repaired++;
    return O2P_OK;
}

int otlp_rows_rows_id(struct arena *a, const ProtobufCBinaryData *id, struct otel_str *out,
            struct o2p_error *err)
{
    const char *s = otel_string_id(id->data, id->len, a);
    if (!s)
        return otlp_rows_rows_oom(a, err, "id");
    out->p = s;
    out->n = strlen(s);
    return O2P_OK;
}

static int any_string(struct otlp_rows *r, struct arena *a, const otlp_any *v,
                      struct otel_str *out, struct o2p_error *err)
{
    if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
        return otlp_rows_rows_text(r, a, v->string_value, out, err);
    return otel_string_any(v, a, out, err);
}

struct key_ix {
    const char *key;
    size_t pos;
};

static int key_ix_cmp(const void *x, const void *y)
{
    const struct key_ix *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->pos < b->pos ? -1 : a->pos > b->pos);
}

int otlp_rows_rows_pmap(struct otlp_rows *r, struct arena *a, otlp_kv *const *kvs, size_t n,
              struct pmap *m, struct o2p_error *err)
{
    memset(m, 0, sizeof(*m));
    if (!n)
        return O2P_OK;
    m->k = arena_alloc(a, n * sizeof(*m->k));
    m->v = arena_alloc(a, n * sizeof(*m->v));
    unsigned char *dup = arena_alloc(a, n);
    if (!m->k || !m->v || !dup)
        return otlp_rows_rows_oom(a, err, "attributes");
    memset(dup, 0, n);
    if (n <= 32) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i && !dup[i]; j++)
                if (strcmp(kvs[i]->key ? kvs[i]->key : "", kvs[j]->key ? kvs[j]->key : "") == 0)
                    dup[i] = 1;
    } else {
        struct key_ix *ix = arena_alloc(a, n * sizeof(*ix));
        if (!ix)
            return otlp_rows_rows_oom(a, err, "attributes");
        for (size_t i = 0; i < n; i++) {
            ix[i].key = kvs[i]->key ? kvs[i]->key : "";
            ix[i].pos = i;
        }
        qsort(ix, n, sizeof(*ix), key_ix_cmp);
        for (size_t i = 1; i < n; i++)
            if (strcmp(ix[i].key, ix[i - 1].key) == 0)
                dup[ix[i].pos] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (dup[i]) {
            r->stats.duplicate_keys++;
            continue;
        }
        int rc = otlp_rows_rows_text(r, a, kvs[i]->key, &m->k[m->n], err);
        if (rc == O2P_OK)
            rc = any_string(r, a, kvs[i]->value, &m->v[m->n], err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "attribute \"%.64s\"", kvs[i]->key ? kvs[i]->key : "");
        m->n++;
    }
    return O2P_OK;
}

static const struct otel_str *pmap_get(const struct pmap *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->k[i].p, key) == 0)
            return &m->v[i];
    return NULL;
}

/* same_token - a number no other resource or scope of this process gets */
static uint64_t same_token(void)
{
    static _Atomic uint64_t next = 1;
    return next++;
}

int otlp_rows_rows_resource(struct otlp_rows *r, const Opentelemetry__Proto__Resource__V1__Resource *res,
                  const char *schema_url, struct res_vals *out, struct o2p_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = O2P_OK;
    if (res)
        rc = otlp_rows_rows_pmap(r, &r->req, res->attributes, res->n_attributes, &out->attrs, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, &r->req, schema_url, &out->schema_url, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "resource");
    out->same = same_token();
    const struct otel_str *svc = pmap_get(&out->attrs, "service.name");
    out->service_name = svc ? *svc : (struct otel_str){ "", 0 };
    return O2P_OK;
}

int otlp_rows_rows_scope(struct otlp_rows *r,
               const Opentelemetry__Proto__Common__V1__InstrumentationScope *scope,
               const char *schema_url, struct scope_vals *out, struct o2p_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = otlp_rows_rows_text(r, &r->req, schema_url, &out->schema_url, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, &r->req, scope ? scope->name : NULL, &out->name, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, &r->req, scope ? scope->version : NULL, &out->version, err);
    if (rc == O2P_OK && scope)
        rc = otlp_rows_rows_pmap(r, &r->req, scope->attributes, scope->n_attributes, &out->attrs, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "scope");
    out->dropped_attributes_count = scope ? scope->dropped_attributes_count : 0;
    out->same = same_token();
    return O2P_OK;
}

/* ---- rows --------------------------------------------------------------------------- */

/* output_failed - remember the output's own message: the callers up the request's structure
 * prepend where the row came from, which says nothing about a file that could not be made. */
static int output_failed(struct otlp_rows *r, int rc, const struct o2p_error *err)
{
    if (!r->output_failed && err) {
        r->output_err = *err;
        r->output_err.code = rc;
    }
    r->output_failed = true;
    return rc;
}

int otlp_rows_request_done(struct otlp_rows *r, int rc, struct o2p_error *err)
{
    if (rc != O2P_OK && r->output_failed && err)
        *err = r->output_err;
    r->output_failed = false;
    return rc;
}

int otlp_rows_rows_begin(struct row *w, struct otlp_rows *r, enum otel_table t, uint64_t partition_ns,
               struct o2p_error *err)
{
    w->r = r;
    w->w = NULL;
    w->col = 0;
    w->rc = r->sink(r->sink_ctx, t, otlp_rows_ns_to_us(partition_ns), &w->w, err);
    if (w->rc != O2P_OK)
        return output_failed(r, w->rc, err);
    if (!w->w)
        w->rc = o2p_fail(err, O2P_EFATAL, "%s: sink returned no writer", table_schema_name(t));
    return w->rc;
}

int otlp_rows_rows_end(struct row *w, enum otel_table t, struct o2p_error *err)
{
    if (w->rc == O2P_OK && w->col != pq_column_count(w->w))
        w->rc = o2p_fail(err, O2P_EFATAL, "%s: row wrote %d columns, schema has %d (bug)",
                         table_schema_name(t), w->col, pq_column_count(w->w));
    if (w->rc != O2P_OK) {
        if (err && err->code == O2P_OK)
            o2p_fail(err, w->rc, "%s: writing a row: %s", table_schema_name(t),
                     o2p_strerror(w->rc));
        return w->rc;
    }
    w->rc = pq_end_row(w->w, err);
    if (w->rc == O2P_EIO || w->rc == O2P_EFULL) /* a row group could not be written out */
        return output_failed(w->r, w->rc, err);
    if (w->rc != O2P_OK)
        return w->rc;
    w->r->stats.rows[t]++;
    arena_reset(&w->r->row);
    return O2P_OK;
}

void otlp_rows_rows_fail(struct row *w, int rc)
{
    if (w->rc == O2P_OK && rc != O2P_OK)
        w->rc = rc;
}

void otlp_rows_put_ts(struct row *w, uint64_t ns)
{
    otlp_rows_rows_fail(w, pq_write_int64(w->w, w->col++, 0, 0, otlp_rows_ns_to_us(ns)));
}

void otlp_rows_put_str(struct row *w, struct otel_str s)
{
    otlp_rows_rows_fail(w, pq_write_bytes(w->w, w->col++, 0, 0, s.p, s.n));
}

void otlp_rows_put_cstr(struct row *w, const char *s)
{
    otlp_rows_rows_fail(w, pq_write_bytes(w->w, w->col++, 0, 0, s, strlen(s)));
}

void otlp_rows_put_i32(struct row *w, int32_t v) { otlp_rows_rows_fail(w, pq_write_int32(w->w, w->col++, 0, 0, v)); }
void otlp_rows_put_i64(struct row *w, int64_t v) { otlp_rows_rows_fail(w, pq_write_int64(w->w, w->col++, 0, 0, v)); }
void otlp_rows_put_dbl(struct row *w, double v) { otlp_rows_rows_fail(w, pq_write_double(w->w, w->col++, 0, 0, v)); }
void otlp_rows_put_bool(struct row *w, int v) { otlp_rows_rows_fail(w, pq_write_bool(w->w, w->col++, 0, 0, v != 0)); }

void otlp_rows_put_opt_dbl(struct row *w, int present, double v)
{
    if (present)
        otlp_rows_rows_fail(w, pq_write_double(w->w, w->col++, 0, 1, v));
    else
        otlp_rows_rows_fail(w, pq_write_null(w->w, w->col++, 0, 0));
}

static void map_keys(struct row *w, int kc, const struct pmap *m)
{
    if (!m->n)
        otlp_rows_rows_fail(w, pq_write_null(w->w, kc, 0, 0));
    for (size_t i = 0; i < m->n; i++)
        otlp_rows_rows_fail(w, pq_write_bytes(w->w, kc, elem_rep(i), 1, m->k[i].p, m->k[i].n));
}

static void map_values(struct row *w, int vc, const struct pmap *m)
{
    if (!m->n)
        otlp_rows_rows_fail(w, pq_write_null(w->w, vc, 0, 0));
    /* Values in one call: a high-cardinality value dictionary's cache misses overlap. Keys
     * repeat row after row and hit the dictionary's follow path, which needs no hashing. */
    struct pq_bytes v[16];
    for (size_t i = 0; i < m->n; i += 16) {
        size_t k = m->n - i < 16 ? m->n - i : 16;
        for (size_t j = 0; j < k; j++)
            v[j] = (struct pq_bytes){ m->v[i + j].p, m->v[i + j].n };
        otlp_rows_rows_fail(w, pq_write_bytes_n(w->w, vc, elem_rep(i), 1, 2, v, k));
    }
}

void otlp_rows_put_map(struct row *w, const struct pmap *m)
{
    int kc = w->col++, vc = w->col++;
    map_keys(w, kc, m);
    map_values(w, vc, m);
}

/* same_row - copy column col's entries from the previous row written with token `same`;
 * false when the caller must write them (otlp_rows_rows_fail keeps a writer error). */
static bool same_row(struct row *w, int col, uint64_t same)
{
    int rc = pq_write_same_row(w->w, col, same);
    if (rc == PQ_NOT_SAME)
        return false;
    otlp_rows_rows_fail(w, rc);
    return true;
}

void otlp_rows_put_str_same(struct row *w, struct otel_str s, uint64_t same)
{
    if (same_row(w, w->col, same))
        w->col++;
    else
        otlp_rows_put_str(w, s);
}

void otlp_rows_put_map_same(struct row *w, const struct pmap *m, uint64_t same)
{
    int kc = w->col++, vc = w->col++;
    if (!same_row(w, kc, same))
        map_keys(w, kc, m);
    if (!same_row(w, vc, same))
        map_values(w, vc, m);
}

void otlp_rows_put_list_u64(struct row *w, const uint64_t *v, size_t n)
{
    if (!n)
        otlp_rows_put_empty_list(w);
    for (size_t i = 0; i < n; i++) {
        /* Counts go to Iceberg long: past 2^63 - 1 clamped, not read back negative. */
        bool over = v[i] > (uint64_t)INT64_MAX;
        w->r->stats.clamped_counts += over;
        otlp_rows_put_elem_i64(w, i, over ? INT64_MAX : (int64_t)v[i]);
    }
    w->col++;
}

void otlp_rows_put_list_dbl(struct row *w, const double *v, size_t n)
{
    if (!n)
        otlp_rows_put_empty_list(w);
    for (size_t i = 0; i < n; i++)
        otlp_rows_put_elem_dbl(w, i, v[i]);
    w->col++;
}

void otlp_rows_put_empty_list(struct row *w) { otlp_rows_rows_fail(w, pq_write_null(w->w, w->col, 0, 0)); }

void otlp_rows_put_elem_i64(struct row *w, size_t i, int64_t v)
{
    otlp_rows_rows_fail(w, pq_write_int64(w->w, w->col, elem_rep(i), 1, v));
}

void otlp_rows_put_elem_dbl(struct row *w, size_t i, double v)
{
    otlp_rows_rows_fail(w, pq_write_double(w->w, w->col, elem_rep(i), 1, v));
}

void otlp_rows_put_elem_str(struct row *w, size_t i, struct otel_str s)
{
    otlp_rows_rows_fail(w, pq_write_bytes(w->w, w->col, elem_rep(i), 1, s.p, s.n));
}

void otlp_rows_put_elem_map_col(struct row *w, size_t i, const struct pmap *m, int is_value)
{
    if (!m->n) {
        otlp_rows_rows_fail(w, pq_write_null(w->w, w->col, elem_rep(i), 1));
        return;
    }
    for (size_t j = 0; j < m->n; j++) {
        const struct otel_str *s = is_value ? &m->v[j] : &m->k[j];
        int rep = j ? 2 : elem_rep(i);
        otlp_rows_rows_fail(w, pq_write_bytes(w->w, w->col, rep, is_value ? 3 : 2, s->p, s->n));
    }
}
