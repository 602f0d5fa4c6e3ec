/*
 * otlp_rows_metrics.c - ExportMetricsServiceRequest -> rows of the five metrics tables, one
 * row per data point, in the table of the metric's kind.
 *
 * Shared columns (table_schema.c METRICS_SHARED): ResourceAttributes, ResourceSchemaUrl,
 * ScopeName, ScopeVersion, ScopeAttributes, ScopeDroppedAttrCount, ScopeSchemaUrl,
 * ServiceName, MetricName, MetricDescription, MetricUnit, Attributes, StartTimeUnix,
 * TimeUnix, Flags, Exemplars list<struct<FilteredAttributes, TimeUnix, Value, SpanId,
 * TraceId>>; then per kind:
 *   gauge       Value (as_int converted to double)
 *   sum         Value, AggregationTemporality (the enum's number), IsMonotonic
 *   histogram   Count, Sum (null when absent), BucketCounts, ExplicitBounds, Min, Max (null
 *               when absent), AggregationTemporality
 *   exp. hist.  Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts,
 *               NegativeOffset, NegativeBucketCounts, Min, Max, AggregationTemporality
 *   summary     Count, Sum, ValueAtQuantiles list<struct<Quantile, Value>>
 * uint64 counts go to Iceberg long: one above 2^63-1 (no real histogram reaches it; a broken
 * or hostile sender) is written as 2^63-1 and counted in stats.clamped_counts rather than
 * read back negative. A histogram point whose buckets cannot be read (bucket_counts not one
 * more than explicit_bounds, or bounds that are NaN or not increasing, as the OTLP spec
 * requires) keeps its count, sum, min and max, and gets empty BucketCounts and ExplicitBounds
 * (counted in stats.invalid_buckets): a distribution nobody can interpret is not stored as if
 * it were one. A number point or exemplar without a value
 * is written as 0 and counted in stats.missing_values; a metric with no data or no points
 * is counted in stats.dropped. Not stored (no column in the design): Metric.metadata,
 * ExponentialHistogram zero_threshold.
 */
#include "otel/otlp_rows_int.h"

#include <string.h>

typedef Opentelemetry__Proto__Metrics__V1__Metric metric_t;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar exemplar_t;

/* count_of - a uint64 count for an Iceberg long: clamped at 2^63 - 1 (see the top). */
static int64_t count_of(struct otlp_rows *r, uint64_t count)
{
    if (count <= (uint64_t)INT64_MAX)
        return (int64_t)count;
    r->stats.clamped_counts++;
    return INT64_MAX;
}

/* buckets_readable - the OTLP spec's shape: no buckets at all, or one more count than bounds
 * with the bounds increasing (so none is NaN). */
static bool buckets_readable(const uint64_t *counts, size_t ncounts, const double *bounds, size_t nbounds)
{
    (void)counts;
    if (ncounts == 0 && nbounds == 0)
        return true;
    if (ncounts != nbounds + 1)
        return false;
    for (size_t i = 0; i < nbounds; i++)
        if (!(bounds[i] == bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            return false;
    return true;
}

struct metric_vals {
    struct otel_str name, description, unit;
};

/* What every data point kind has in common. */
struct point {
    otlp_kv **attrs;
    size_t n_attrs;
    uint64_t start, time;
    uint32_t flags;
    exemplar_t **ex;
    size_t n_ex;
};

struct point_prep {
    struct pmap attrs;
    struct pmap *ex_attrs;
    struct otel_str *ex_span, *ex_trace;
};

static int prepare(struct otlp_rows *r, const struct point *p, struct point_prep *pp,
                   struct o2p_error *err)
{
    struct arena *a = &r->row;
    memset(pp, 0, sizeof(*pp));
    int rc = otlp_rows_rows_pmap(r, a, p->attrs, p->n_attrs, &pp->attrs, err);
    if (rc == O2P_OK && p->n_ex) {
        pp->ex_attrs = arena_alloc(a, p->n_ex * sizeof(*pp->ex_attrs));
        pp->ex_span = arena_alloc(a, p->n_ex * sizeof(*pp->ex_span));
        pp->ex_trace = arena_alloc(a, p->n_ex * sizeof(*pp->ex_trace));
        if (!pp->ex_attrs || !pp->ex_span || !pp->ex_trace)
            rc = otlp_rows_rows_oom(a, err, "exemplars");
        for (size_t i = 0; rc == O2P_OK && i < p->n_ex; i++) {
            const exemplar_t *e = p->ex[i];
            rc = otlp_rows_rows_pmap(r, a, e->filtered_attributes, e->n_filtered_attributes,
                           &pp->ex_attrs[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_id(a, &e->span_id, &pp->ex_span[i], err);
            if (rc == O2P_OK)
                rc = otlp_rows_rows_id(a, &e->trace_id, &pp->ex_trace[i], err);
        }
    }
    if (rc != O2P_OK)
        arena_reset(a);
    return rc;
}

static double exemplar_value(struct otlp_rows *r, const exemplar_t *e)
{
    switch (e->value_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE: return e->as_double;
    case OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT: return (double)e->as_int;
    default: r->stats.missing_values++; return 0;
    }
}

/* begin a row of table t and write the 16 shared columns */
static int begin_shared(struct row *w, struct otlp_rows *r, enum otel_table t,
                        const struct res_vals *res, const struct scope_vals *sc,
                        const struct metric_vals *m, const struct point *p,
                        const struct point_prep *pp, struct o2p_error *err)
{
    if (otlp_rows_rows_begin(w, r, t, p->time, err) != O2P_OK)
        return w->rc;
    otlp_rows_put_map_same(w, &res->attrs, res->same);
    otlp_rows_put_str_same(w, res->schema_url, res->same);
    otlp_rows_put_str_same(w, sc->name, sc->same);
    otlp_rows_put_str_same(w, sc->version, sc->same);
    otlp_rows_put_map_same(w, &sc->attrs, sc->same);
    otlp_rows_put_i32(w, (int32_t)sc->dropped_attributes_count);
    otlp_rows_put_str_same(w, sc->schema_url, sc->same);
    otlp_rows_put_str_same(w, res->service_name, res->same);
    otlp_rows_put_str(w, m->name);
    otlp_rows_put_str(w, m->description);
    otlp_rows_put_str(w, m->unit);
    otlp_rows_put_map(w, &pp->attrs);
    otlp_rows_put_ts(w, p->start);
    otlp_rows_put_ts(w, p->time);
    otlp_rows_put_i32(w, (int32_t)p->flags);
    /* Exemplars: FilteredAttributes.key, .value, TimeUnix, Value, SpanId, TraceId */
    size_t n = p->n_ex;
    if (!n) {
        for (int c = 0; c < 6; c++, w->col++)
            otlp_rows_put_empty_list(w);
        return w->rc;
    }
    for (int v = 0; v < 2; v++, w->col++)
        for (size_t i = 0; i < n; i++)
            otlp_rows_put_elem_map_col(w, i, &pp->ex_attrs[i], v);
    for (size_t i = 0; i < n; i++)
        otlp_rows_put_elem_i64(w, i, otlp_rows_ns_to_us(p->ex[i]->time_unix_nano));
    w->col++;
    for (size_t i = 0; i < n; i++)
        otlp_rows_put_elem_dbl(w, i, exemplar_value(r, p->ex[i]));
    w->col++;
    for (size_t i = 0; i < n; i++)
        otlp_rows_put_elem_str(w, i, pp->ex_span[i]);
    w->col++;
    for (size_t i = 0; i < n; i++)
        otlp_rows_put_elem_str(w, i, pp->ex_trace[i]);
    w->col++;
    return w->rc;
}

#define POINT_OF(dp)                                                                        \
    ((struct point){ (dp)->attributes, (dp)->n_attributes, (dp)->start_time_unix_nano,    \
                     (dp)->time_unix_nano, (dp)->flags, (dp)->exemplars, (dp)->n_exemplars })

static double number_value(struct otlp_rows *r,
                           const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *dp)
{
    switch (dp->value_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE:
        return dp->as_double;
    case OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT:
        return (double)dp->as_int;
    default: r->stats.missing_values++; return 0;
    }
}

static void put_buckets(struct row *w,
                        const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets *b)
{
    otlp_rows_put_i32(w, b ? b->offset : 0);
    otlp_rows_put_list_u64(w, b ? b->bucket_counts : NULL, b ? b->n_bucket_counts : 0);
}

/* add_points - one row per data point of metric m (kind already known non-empty) */
static int add_points(struct otlp_rows *r, const struct res_vals *res,
                      const struct scope_vals *sc, const struct metric_vals *mv,
                      const metric_t *m, struct o2p_error *err)
{
    struct row w;
    struct point_prep pp;
    struct point p;
    int rc = O2P_OK;
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: {
        int is_sum = m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
        size_t n = is_sum ? m->sum->n_data_points : m->gauge->n_data_points;
        Opentelemetry__Proto__Metrics__V1__NumberDataPoint **dps =
            is_sum ? m->sum->data_points : m->gauge->data_points;
        enum otel_table t = is_sum ? OTEL_TABLE_METRICS_SUM : OTEL_TABLE_METRICS_GAUGE;
        for (size_t i = 0; rc == O2P_OK && i < n; i++) {
            p = POINT_OF(dps[i]);
            rc = prepare(r, &p, &pp, err);
            if (rc == O2P_OK && begin_shared(&w, r, t, res, sc, mv, &p, &pp, err) == O2P_OK) {
                otlp_rows_put_dbl(&w, number_value(r, dps[i]));
                if (is_sum) {
                    otlp_rows_put_i32(&w, (int32_t)m->sum->aggregation_temporality);
                    otlp_rows_put_bool(&w, m->sum->is_monotonic);
                }
            }
            if (rc == O2P_OK)
                rc = otlp_rows_rows_end(&w, t, err);
            if (rc != O2P_OK)
                o2p_error_prefix(err, "dataPoints[%zu]", i);
        }
        return rc;
    }
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM: {
        /* See the top: counts clamped, unreadable buckets written empty. */
        const Opentelemetry__Proto__Metrics__V1__Histogram *h = m->histogram;
        for (size_t i = 0; rc == O2P_OK && i < h->n_data_points; i++) {
            const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *dp = h->data_points[i];
            p = POINT_OF(dp);
            rc = prepare(r, &p, &pp, err);
            if (rc == O2P_OK &&
                begin_shared(&w, r, OTEL_TABLE_METRICS_HISTOGRAM, res, sc, mv, &p, &pp, err) ==
                    O2P_OK) {
                otlp_rows_put_i64(&w, count_of(r, dp->count));
                otlp_rows_put_opt_dbl(&w, dp->_sum_case != 0, dp->sum);
                bool readable = buckets_readable(dp->bucket_counts, dp->n_bucket_counts, dp->explicit_bounds,
                                                 dp->n_explicit_bounds);
                r->stats.invalid_buckets += !readable;
                otlp_rows_put_list_u64(&w, dp->bucket_counts, readable ? dp->n_bucket_counts : 0);
                otlp_rows_put_list_dbl(&w, dp->explicit_bounds, readable ? dp->n_explicit_bounds : 0);
                otlp_rows_put_opt_dbl(&w, dp->_min_case != 0, dp->min);
                otlp_rows_put_opt_dbl(&w, dp->_max_case != 0, dp->max);
                otlp_rows_put_i32(&w, (int32_t)h->aggregation_temporality);
            }
            if (rc == O2P_OK)
                rc = otlp_rows_rows_end(&w, OTEL_TABLE_METRICS_HISTOGRAM, err);
            if (rc != O2P_OK)
                o2p_error_prefix(err, "dataPoints[%zu]", i);
        }
        return rc;
    }
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM: {
        const Opentelemetry__Proto__Metrics__V1__ExponentialHistogram *h =
            m->exponential_histogram;
        enum otel_table t = OTEL_TABLE_METRICS_EXP_HISTOGRAM;
        for (size_t i = 0; rc == O2P_OK && i < h->n_data_points; i++) {
            const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *dp =
                h->data_points[i];
            p = POINT_OF(dp);
            rc = prepare(r, &p, &pp, err);
            if (rc == O2P_OK && begin_shared(&w, r, t, res, sc, mv, &p, &pp, err) == O2P_OK) {
                otlp_rows_put_i64(&w, count_of(r, dp->count));
                otlp_rows_put_opt_dbl(&w, dp->_sum_case != 0, dp->sum);
                otlp_rows_put_i32(&w, dp->scale);
                otlp_rows_put_i64(&w, count_of(r, dp->zero_count));
                put_buckets(&w, dp->positive);
                put_buckets(&w, dp->negative);
                otlp_rows_put_opt_dbl(&w, dp->_min_case != 0, dp->min);
                otlp_rows_put_opt_dbl(&w, dp->_max_case != 0, dp->max);
                otlp_rows_put_i32(&w, (int32_t)h->aggregation_temporality);
            }
            if (rc == O2P_OK)
                rc = otlp_rows_rows_end(&w, t, err);
            if (rc != O2P_OK)
                o2p_error_prefix(err, "dataPoints[%zu]", i);
        }
        return rc;
    }
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY: {
        const Opentelemetry__Proto__Metrics__V1__Summary *s = m->summary;
        enum otel_table t = OTEL_TABLE_METRICS_SUMMARY;
        for (size_t i = 0; rc == O2P_OK && i < s->n_data_points; i++) {
            const Opentelemetry__Proto__Metrics__V1__SummaryDataPoint *dp = s->data_points[i];
            /* summaries carry no exemplars */
            p = (struct point){ dp->attributes, dp->n_attributes, dp->start_time_unix_nano,
                                dp->time_unix_nano, dp->flags, NULL, 0 };
            rc = prepare(r, &p, &pp, err);
            if (rc == O2P_OK && begin_shared(&w, r, t, res, sc, mv, &p, &pp, err) == O2P_OK) {
                otlp_rows_put_i64(&w, count_of(r, dp->count));
                otlp_rows_put_dbl(&w, dp->sum);
                size_t nq = dp->n_quantile_values;
                for (int c = 0; c < 2; c++, w.col++) {
                    if (!nq)
                        otlp_rows_put_empty_list(&w);
                    for (size_t q = 0; q < nq; q++)
                        otlp_rows_put_elem_dbl(&w, q, c ? dp->quantile_values[q]->value
                                              : dp->quantile_values[q]->quantile);
                }
            }
            if (rc == O2P_OK)
                rc = otlp_rows_rows_end(&w, t, err);
            if (rc != O2P_OK)
                o2p_error_prefix(err, "dataPoints[%zu]", i);
        }
        return rc;
    }
    default:
        return O2P_OK;
    }
}

/* point_count - data points of m; -1 when m carries no (known) data */
static long point_count(const metric_t *m)
{
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
        return m->gauge ? (long)m->gauge->n_data_points : -1;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
        return m->sum ? (long)m->sum->n_data_points : -1;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        return m->histogram ? (long)m->histogram->n_data_points : -1;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
        return m->exponential_histogram ? (long)m->exponential_histogram->n_data_points : -1;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
        return m->summary ? (long)m->summary->n_data_points : -1;
    default:
        return -1;
    }
}

static int add_metrics(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req, struct o2p_error *err)
{
    arena_reset(&r->req);
    arena_reset(&r->row);
    for (size_t i = 0; i < req->n_resource_metrics; i++) {
        const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[i];
        struct res_vals res;
        int rc = otlp_rows_rows_resource(r, rm->resource, rm->schema_url, &res, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "resourceMetrics[%zu]", i);
        for (size_t j = 0; j < rm->n_scope_metrics; j++) {
            const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[j];
            struct scope_vals sc;
            rc = otlp_rows_rows_scope(r, sm->scope, sm->schema_url, &sc, err);
            for (size_t k = 0; rc == O2P_OK && k < sm->n_metrics; k++) {
                const metric_t *m = sm->metrics[k];
                long n = point_count(m);
                if (n <= 0) {
                    r->stats.dropped[n < 0 ? OTLP_DROP_METRIC_NO_DATA
                                           : OTLP_DROP_METRIC_NO_POINTS]++;
                    continue;
                }
                struct metric_vals mv;
                rc = otlp_rows_rows_text(r, &r->req, m->name, &mv.name, err);
                if (rc == O2P_OK)
                    rc = otlp_rows_rows_text(r, &r->req, m->description, &mv.description, err);
                if (rc == O2P_OK)
                    rc = otlp_rows_rows_text(r, &r->req, m->unit, &mv.unit, err);
                if (rc == O2P_OK)
                    rc = add_points(r, &res, &sc, &mv, m, err);
                if (rc != O2P_OK)
                    o2p_error_prefix(err, "metrics[%zu] (%.64s)", k, m->name ? m->name : "");
            }
            if (rc != O2P_OK)
                return o2p_error_prefix(err, "resourceMetrics[%zu].scopeMetrics[%zu]", i, j);
        }
    }
    return O2P_OK;
}

int otlp_rows_add_metrics(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
                     struct o2p_error *err)
{
    r->output_failed = false;
    return otlp_rows_request_done(r, add_metrics(r, req, err), err);
}
