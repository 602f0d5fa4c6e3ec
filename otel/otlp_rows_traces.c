/*
 * otlp_rows_traces.c - ExportTraceServiceRequest -> rows of table `traces`, one per Span.
 *
 * Columns (table_schema.c): Timestamp (start), TraceId, SpanId, ParentSpanId (hex, "" when
 * empty), TraceState, SpanName, SpanKind (Unspecified, Internal, Server, Client, Producer,
 * Consumer), ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
 * Duration (end - start in ns, signed: an end before the start stays visible as a negative
 * value instead of wrapping as ClickHouse's UInt64 would), StatusCode (Unset, Ok, Error),
 * StatusMessage, Events list<struct<Timestamp, Name, Attributes>>, Links
 * list<struct<TraceId, SpanId, TraceState, Attributes>>. A kind or status code outside the
 * enum is written as its number ("7") rather than guessed.
 * Not stored (no column in the design): flags, dropped_* counts, resource/scope schema URLs.
 */
#include "otel/otlp_rows_int.h"

#include <stdio.h>
#include <string.h>

typedef Opentelemetry__Proto__Trace__V1__Span span_t;

static int enum_name(struct arena *a, int v, const char *const *names, int n,
                     struct otel_str *out, struct o2p_error *err)
{
    if (v >= 0 && v < n) {
        out->p = names[v];
        out->n = strlen(names[v]);
        return O2P_OK;
    }
    char num[16];
    int k = snprintf(num, sizeof(num), "%d", v);
    out->p = arena_strndup(a, num, (size_t)k);
    out->n = (size_t)k;
    return out->p ? O2P_OK : otlp_rows_rows_oom(a, err, "span");
}

static const char *const kind_names[] = { "Unspecified", "Internal", "Server",
                                          "Client", "Producer", "Consumer" };
static const char *const status_names[] = { "Unset", "Ok", "Error" };

static int add_span(struct otlp_rows *r, const struct res_vals *res, const struct scope_vals *sc,
                    const span_t *s, struct o2p_error *err)
{
    struct arena *a = &r->row;
    struct otel_str trace_id, span_id, parent, state, name, kind, status, status_msg;
    struct pmap attrs;
    size_t ne = s->n_events, nl = s->n_links;
    struct otel_str *ev_name = NULL, *ln_trace = NULL, *ln_span = NULL, *ln_state = NULL;
    struct pmap *ev_attrs = NULL, *ln_attrs = NULL;

    int rc = otlp_rows_rows_id(a, &s->trace_id, &trace_id, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_id(a, &s->span_id, &span_id, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_id(a, &s->parent_span_id, &parent, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, a, s->trace_state, &state, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, a, s->name, &name, err);
    if (rc == O2P_OK)
        rc = enum_name(a, (int)s->kind, kind_names, 6, &kind, err);
    if (rc == O2P_OK)
        rc = enum_name(a, s->status ? (int)s->status->code : 0, status_names, 3, &status, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, a, s->status ? s->status->message : NULL, &status_msg, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_pmap(r, a, s->attributes, s->n_attributes, &attrs, err);
    if (rc == O2P_OK && ne) {
        ev_name = arena_alloc(a, ne * sizeof(*ev_name));
        ev_attrs = arena_alloc(a, ne * sizeof(*ev_attrs));
        if (!ev_name || !ev_attrs)
            rc = otlp_rows_rows_oom(a, err, "events");
        for (size_t i = 0; rc == O2P_OK && i < ne; i++) {
            rc = otlp_rows_rows_text(r, a, s->events[i]->name, &ev_name[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_pmap(r, a, s->events[i]->attributes, s->events[i]->n_attributes,
                               &ev_attrs[i], err);
        }
    }
    if (rc == O2P_OK && nl) {
        ln_trace = arena_alloc(a, nl * sizeof(*ln_trace));
        ln_span = arena_alloc(a, nl * sizeof(*ln_span));
        ln_state = arena_alloc(a, nl * sizeof(*ln_state));
        ln_attrs = arena_alloc(a, nl * sizeof(*ln_attrs));
        if (!ln_trace || !ln_span || !ln_state || !ln_attrs)
            rc = otlp_rows_rows_oom(a, err, "links");
        for (size_t i = 0; rc == O2P_OK && i < nl; i++) {
            const Opentelemetry__Proto__Trace__V1__Span__Link *l = s->links[i];
            rc = otlp_rows_rows_id(a, &l->trace_id, &ln_trace[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_id(a, &l->span_id, &ln_span[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_text(r, a, l->trace_state, &ln_state[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_pmap(r, a, l->attributes, l->n_attributes, &ln_attrs[i], err);
        }
    }
    if (rc != O2P_OK) {
        arena_reset(a);
        return o2p_error_prefix(err, "span");
    }

    struct row w;
    if (otlp_rows_rows_begin(&w, r, OTEL_TABLE_TRACES, s->start_time_unix_nano, err) != O2P_OK)
        return w.rc;
    otlp_rows_put_ts(&w, s->start_time_unix_nano);
    otlp_rows_put_str(&w, trace_id);
    otlp_rows_put_str(&w, span_id);
    otlp_rows_put_str(&w, parent);
    otlp_rows_put_str(&w, state);
    otlp_rows_put_str(&w, name);
    otlp_rows_put_str(&w, kind);
    otlp_rows_put_str_same(&w, res->service_name, res->same);
    otlp_rows_put_map_same(&w, &res->attrs, res->same);
    otlp_rows_put_str_same(&w, sc->name, sc->same);
    otlp_rows_put_str_same(&w, sc->version, sc->same);
    otlp_rows_put_map(&w, &attrs);
    otlp_rows_put_i64(&w, (int64_t)(s->end_time_unix_nano - s->start_time_unix_nano));
    otlp_rows_put_str(&w, status);
    otlp_rows_put_str(&w, status_msg);

    /* Events: Timestamp, Name, Attributes.key, Attributes.value */
    if (!ne) {
        for (int c = 0; c < 4; c++, w.col++)
            otlp_rows_put_empty_list(&w);
    } else {
        for (size_t i = 0; i < ne; i++)
            otlp_rows_rows_fail(&w, pq_write_int64(w.w, w.col, elem_rep(i), 1,
                                         otlp_rows_ns_to_us(s->events[i]->time_unix_nano)));
        w.col++;
        for (size_t i = 0; i < ne; i++)
            otlp_rows_put_elem_str(&w, i, ev_name[i]);
        w.col++;
        for (int v = 0; v < 2; v++, w.col++)
            for (size_t i = 0; i < ne; i++)
                otlp_rows_put_elem_map_col(&w, i, &ev_attrs[i], v);
    }
    /* Links: TraceId, SpanId, TraceState, Attributes.key, Attributes.value */
    if (!nl) {
        for (int c = 0; c < 5; c++, w.col++)
            otlp_rows_put_empty_list(&w);
    } else {
        const struct otel_str *cols[3] = { ln_trace, ln_span, ln_state };
        for (int c = 0; c < 3; c++, w.col++)
            for (size_t i = 0; i < nl; i++)
                otlp_rows_put_elem_str(&w, i, cols[c][i]);
        for (int v = 0; v < 2; v++, w.col++)
            for (size_t i = 0; i < nl; i++)
                otlp_rows_put_elem_map_col(&w, i, &ln_attrs[i], v);
    }
    return otlp_rows_rows_end(&w, OTEL_TABLE_TRACES, err);
}

static int add_traces(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req, struct o2p_error *err)
{
    arena_reset(&r->req);
    arena_reset(&r->row);
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[i];
        struct res_vals res;
        int rc = otlp_rows_rows_resource(r, rs->resource, rs->schema_url, &res, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "resourceSpans[%zu]", i);
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[j];
            struct scope_vals sc;
            rc = otlp_rows_rows_scope(r, ss->scope, ss->schema_url, &sc, err);
            for (size_t k = 0; rc == O2P_OK && k < ss->n_spans; k++) {
                rc = add_span(r, &res, &sc, ss->spans[k], err);
                if (rc != O2P_OK)
                    o2p_error_prefix(err, "spans[%zu]", k);
            }
            if (rc != O2P_OK)
                return o2p_error_prefix(err, "resourceSpans[%zu].scopeSpans[%zu]", i, j);
        }
    }
    return O2P_OK;
}

int otlp_rows_add_traces(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req,
                     struct o2p_error *err)
{
    r->output_failed = false;
    return otlp_rows_request_done(r, add_traces(r, req, err), err);
}
