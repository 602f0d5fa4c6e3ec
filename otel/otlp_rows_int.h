/*
 * otlp_rows_int.h - helpers shared by otel/otlp_rows*.c; not for other modules.
 *
 * A `struct row` tracks the writer, the next leaf column and a sticky error, so the per-table
 * code reads as a list of columns in table order. Column helpers consume exactly the number
 * of leaf columns of their Iceberg type (map 2, list<primitive> 1, ...). Definition and
 * repetition levels follow the schema built by table_schema_parquet():
 *   required primitive            rep 0, def 0
 *   optional primitive            def 1 present, 0 null
 *   required map<string,string>   key/value max_rep 1; key def 1, value def 2; empty: (0,0)
 *   required list<required T>     max_rep 1, def 1; empty: (0,0)
 *   required list<struct{... map ...}>: struct members max_rep 1 / def 1; a map inside an
 *                                 element: entries rep 2 after the first, key def 2,
 *                                 value def 3, empty map in a present element (rep, 1).
 */
#ifndef O2P_OTLP_ROWS_INT_H
#define O2P_OTLP_ROWS_INT_H

#include "otel/otel_string.h"
#include "otel/otlp_rows.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue otlp_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue otlp_any;

/* A prepared attribute map: duplicates removed, keys and values as strings. */
struct pmap {
    size_t n;
    struct otel_str *k;
    struct otel_str *v;
};

/* Resource- and scope-level values shared by all rows under them. */
/* A resource's or scope's values are the same in every row made under it: `same` (unique in
 * the process) lets the writer copy them from the previous row (pq_write_same_row). */
struct res_vals {
    uint64_t same;
    struct pmap attrs;
    struct otel_str service_name;
    struct otel_str schema_url;
};
struct scope_vals {
    uint64_t same;
    struct pmap attrs;
    struct otel_str name, version, schema_url;
    uint32_t dropped_attributes_count;
};

struct row {
    struct otlp_rows *r;
    struct pq_writer *w;
    int col;
    int rc;
};

/* otlp_rows_rows_oom - arena a returned NULL for `what`: O2P_ETOOBIG (the scratch limit: the
 * request's fault) or O2P_ENOMEM (malloc: retry), with the message to match. */
int otlp_rows_rows_oom(const struct arena *a, struct o2p_error *err, const char *what);
/* otlp_rows_rows_pmap - build *m from kvs in arena a (dedup, AsString). */
int otlp_rows_rows_pmap(struct otlp_rows *r, struct arena *a, otlp_kv *const *kvs, size_t n,
              struct pmap *m, struct o2p_error *err);
/* otlp_rows_rows_text - a protobuf-c string (NULL = "") as valid UTF-8, in a if it needs repair. */
int otlp_rows_rows_text(struct otlp_rows *r, struct arena *a, const char *s, struct otel_str *out,
              struct o2p_error *err);
/* otlp_rows_rows_id - hex id in a ("" for empty/all-zero). */
int otlp_rows_rows_id(struct arena *a, const ProtobufCBinaryData *id, struct otel_str *out,
            struct o2p_error *err);
/* otlp_rows_rows_resource / otlp_rows_rows_scope - fill the shared values (arena r->req). */
int otlp_rows_rows_resource(struct otlp_rows *r, const Opentelemetry__Proto__Resource__V1__Resource *res,
                  const char *schema_url, struct res_vals *out, struct o2p_error *err);
int otlp_rows_rows_scope(struct otlp_rows *r,
               const Opentelemetry__Proto__Common__V1__InstrumentationScope *scope,
               const char *schema_url, struct scope_vals *out, struct o2p_error *err);

/* otlp_rows_rows_begin - ask the sink for table t's writer; otlp_rows_rows_end - pq_end_row, count, reset the
 * row arena. Both return the sticky code. */
int otlp_rows_rows_begin(struct row *w, struct otlp_rows *r, enum otel_table t, uint64_t partition_ns,
               struct o2p_error *err);
int otlp_rows_rows_end(struct row *w, enum otel_table t, struct o2p_error *err);
/* otlp_rows_request_done - the end of an otlp_rows_add_* call: rc, with err put back to the
 * output's own message when the output failed (the request path prefixes dropped). */
int otlp_rows_request_done(struct otlp_rows *r, int rc, struct o2p_error *err);

/* Column writers (top level). */
void otlp_rows_put_ts(struct row *w, uint64_t ns);
void otlp_rows_put_str(struct row *w, struct otel_str s);
void otlp_rows_put_cstr(struct row *w, const char *s); /* static ASCII only */
void otlp_rows_put_i32(struct row *w, int32_t v);
void otlp_rows_put_i64(struct row *w, int64_t v);
void otlp_rows_put_dbl(struct row *w, double v);
void otlp_rows_put_opt_dbl(struct row *w, int present, double v);
void otlp_rows_put_bool(struct row *w, int v);
void otlp_rows_put_map(struct row *w, const struct pmap *m);
/* otlp_rows_put_str_same, otlp_rows_put_map_same - the same, for values equal in every row written with `same` */
void otlp_rows_put_str_same(struct row *w, struct otel_str s, uint64_t same);
void otlp_rows_put_map_same(struct row *w, const struct pmap *m, uint64_t same);
void otlp_rows_put_list_u64(struct row *w, const uint64_t *v, size_t n);
void otlp_rows_put_list_dbl(struct row *w, const double *v, size_t n);

/* Leaves inside list<struct>: entry i of n elements (rep 0 for the first, 1 after);
 * n == 0 writes the empty-list null. */
static inline int elem_rep(size_t i) { return i ? 1 : 0; }
void otlp_rows_put_empty_list(struct row *w);       /* (rep 0, def 0) in the current column */
void otlp_rows_put_elem_i64(struct row *w, size_t i, int64_t v);  /* does not advance col */
void otlp_rows_put_elem_dbl(struct row *w, size_t i, double v);
void otlp_rows_put_elem_str(struct row *w, size_t i, struct otel_str s);
/* otlp_rows_put_elem_map_col - the key (is_value 0) or value column of element i's map. */
void otlp_rows_put_elem_map_col(struct row *w, size_t i, const struct pmap *m, int is_value);

/* otlp_rows_rows_fail - record the first failure of a pq_write_* call (sticky). */
void otlp_rows_rows_fail(struct row *w, int rc);

#endif
