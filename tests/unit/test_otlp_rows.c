/* test_otlp_rows.c - the OTLP -> rows mapping: sink calls, partitions, counters, errors (an
 * output's error comes back as the output said it; a request's error carries its path).
 * Value-level checks against three real Parquet readers are in
 * tests/integration/convert_roundtrip.sh; this covers the C API itself. */
#include "otel/otlp_rows.h"
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct sink_ctx {
    struct pq_writer *w[OTEL_TABLE_COUNT];
    FILE *f[OTEL_TABLE_COUNT];
    int calls[OTEL_TABLE_COUNT];
    int64_t last_partition_us;
    int fail;
};

static int sink(void *vctx, enum otel_table t, int64_t partition_us, struct pq_writer **w,
                struct o2p_error *err)
{
    struct sink_ctx *c = vctx;
    c->calls[t]++;
    c->last_partition_us = partition_us;
    if (c->fail == 1)
        return o2p_fail(err, O2P_EIO, "sink refused");
    if (c->fail == 2 && !c->w[t]) {
        /* A disk that is full: the first row group flush fails inside pq_end_row. */
        struct pq_options o = { .zstd_level = 1, .row_group_bytes = 1, .created_by = "test", .name = "/dev/full" };
        c->f[t] = fopen("/dev/full", "wb");
        if (!c->f[t])
            return o2p_fail_errno(err, "open /dev/full");
        int rc = pq_writer_open(&c->w[t], fileno(c->f[t]), table_schema_parquet(t, TABLE_NAMING_SNAKE), &o, err);
        if (rc != O2P_OK)
            return rc;
    }
    if (!c->w[t]) {
        struct pq_options o = { .zstd_level = 1, .row_group_bytes = 4096, .created_by = "test" };
        c->f[t] = tmpfile();
        int rc = pq_writer_open(&c->w[t], fileno(c->f[t]), table_schema_parquet(t, TABLE_NAMING_SNAKE), &o, err);
        if (rc != O2P_OK)
            return rc;
    }
    *w = c->w[t];
    return O2P_OK;
}

static void finish(struct sink_ctx *c, int64_t *rows)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        rows[t] = 0;
        if (!c->w[t])
            continue;
        struct pq_file_stats st;
        struct o2p_error err = { 0 };
        if (pq_writer_finish(c->w[t], &st, &err) == O2P_OK)
            rows[t] = st.num_rows;
        pq_writer_free(c->w[t]);
        fclose(c->f[t]);
    }
}

static void *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    *n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

TEST(partition)
{
    CHECK_EQ_INT(otlp_rows_partition(INT64_C(86400000000) + 5, 0), INT64_C(86400000000));
    CHECK_EQ_INT(otlp_rows_partition(INT64_C(3600000000) * 25 + 1, 1), INT64_C(3600000000) * 25);
    CHECK_EQ_INT(otlp_rows_partition(-1, 0), -INT64_C(86400000000));
    CHECK_EQ_INT(otlp_rows_ns_to_us(1999), 1);
    CHECK_EQ_INT(otlp_rows_ns_to_us(UINT64_MAX), INT64_C(18446744073709551));
}

TEST(metrics_counters)
{
    size_t n;
    void *data = load("tests/unit/data/otlp/edge_metrics.pb", &n);
    CHECK(data != NULL);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
            arena_protobuf_allocator(&a), n, data);
    CHECK(req != NULL);
    struct sink_ctx c = { 0 };
    struct otlp_rows r;
    otlp_rows_init(&r, sink, &c, 0);
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otlp_rows_add_metrics(&r, req, &err), O2P_OK);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_GAUGE], 804);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_SUM], 2);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_HISTOGRAM], 2);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_EXP_HISTOGRAM], 2);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_SUMMARY], 2);
    CHECK_EQ_INT(r.stats.dropped[OTLP_DROP_METRIC_NO_DATA], 1);
    CHECK_EQ_INT(r.stats.dropped[OTLP_DROP_METRIC_NO_POINTS], 1);
    CHECK_EQ_INT(r.stats.missing_values, 2);
    CHECK(r.stats.duplicate_keys >= 2);
    CHECK_EQ_INT(c.calls[OTEL_TABLE_METRICS_GAUGE], 804); /* one sink call per row */
    CHECK_EQ_INT(c.last_partition_us, 1763728315555556); /* summary TimeUnix T+1 ns, floor */
    int64_t rows[OTEL_TABLE_COUNT];
    finish(&c, rows);
    CHECK_EQ_INT(rows[OTEL_TABLE_METRICS_GAUGE], 804);
    CHECK_EQ_INT(rows[OTEL_TABLE_LOGS], 0);
    CHECK_EQ_STR(otlp_rows_drop_name(OTLP_DROP_METRIC_NO_POINTS), "metric_no_points");
    otlp_rows_free(&r);
    arena_free(&a);
}

/* Histogram points a sender got wrong: counts past 2^63 - 1 are clamped, buckets that do not
 * fit their bounds (one more count than bounds, bounds increasing, no NaN) are written
 * empty; each counted. */
TEST(histogram_impossible_values)
{
    typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint point_t;
    uint64_t counts3[] = {1, 2, 3}, counts2[] = {1, 2};
    double good[] = {1.0, 2.0}, nan_b[] = {1.0, 0.0 / 0.0}, down[] = {2.0, 1.0};
    point_t pts[4];
    point_t *pp[4];
    for (int i = 0; i < 4; i++) {
        opentelemetry__proto__metrics__v1__histogram_data_point__init(&pts[i]);
        pts[i].time_unix_nano = 1700000000000000000ull;
        pts[i].count = 6;
        pts[i].bucket_counts = counts3;
        pts[i].n_bucket_counts = 3;
        pts[i].explicit_bounds = good;
        pts[i].n_explicit_bounds = 2;
        pp[i] = &pts[i];
    }
    pts[0].count = UINT64_MAX;      /* readable buckets, impossible count */
    pts[1].bucket_counts = counts2; /* two counts for two bounds */
    pts[1].n_bucket_counts = 2;
    pts[2].explicit_bounds = nan_b;
    pts[3].explicit_bounds = down;
    Opentelemetry__Proto__Metrics__V1__Histogram h;
    opentelemetry__proto__metrics__v1__histogram__init(&h);
    h.data_points = pp;
    h.n_data_points = 4;
    Opentelemetry__Proto__Metrics__V1__Metric m;
    opentelemetry__proto__metrics__v1__metric__init(&m);
    m.name = "latency";
    m.data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
    m.histogram = &h;
    Opentelemetry__Proto__Metrics__V1__Metric *mp = &m;
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm;
    opentelemetry__proto__metrics__v1__scope_metrics__init(&sm);
    sm.metrics = &mp;
    sm.n_metrics = 1;
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics *smp = &sm;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm;
    opentelemetry__proto__metrics__v1__resource_metrics__init(&rm);
    rm.scope_metrics = &smp;
    rm.n_scope_metrics = 1;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rmp = &rm;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req;
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&req);
    req.resource_metrics = &rmp;
    req.n_resource_metrics = 1;
    struct sink_ctx c = { 0 };
    struct otlp_rows r;
    otlp_rows_init(&r, sink, &c, 0);
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otlp_rows_add_metrics(&r, &req, &err), O2P_OK);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_METRICS_HISTOGRAM], 4);
    CHECK_EQ_INT(r.stats.invalid_buckets, 3);
    CHECK_EQ_INT(r.stats.clamped_counts, 1);
    int64_t rows[OTEL_TABLE_COUNT];
    finish(&c, rows);
    CHECK_EQ_INT(rows[OTEL_TABLE_METRICS_HISTOGRAM], 4);
    otlp_rows_free(&r);
}

TEST(logs_and_sink_error)
{
    size_t n;
    void *data = load("tests/unit/data/otlp/logs.pb", &n);
    CHECK(data != NULL);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req =
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
            arena_protobuf_allocator(&a), n, data);
    CHECK(req != NULL);
    struct sink_ctx c = { 0 };
    struct otlp_rows r;
    otlp_rows_init(&r, sink, &c, 0);
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otlp_rows_add_logs(&r, req, &err), O2P_OK);
    CHECK_EQ_INT(otlp_rows_add_logs(&r, req, &err), O2P_OK);
    CHECK_EQ_INT(r.stats.rows[OTEL_TABLE_LOGS], 20);
    /* the scratch arenas stay at their first block: no per-row growth */
    CHECK(r.row.used_bytes <= 64 * 1024);
    c.fail = 1;
    CHECK_EQ_INT(otlp_rows_add_logs(&r, req, &err), O2P_EIO);
    /* The sink's message as it gave it: no "resourceLogs[0].scopeLogs[0]: logRecords[0]: ". */
    CHECK_EQ_STR(err.msg, "sink refused");
    CHECK_EQ_INT(err.code, O2P_EIO);
    int64_t rows[OTEL_TABLE_COUNT];
    finish(&c, rows);
    CHECK_EQ_INT(rows[OTEL_TABLE_LOGS], 20);
    /* The next request starts clean: a request error carries its path again. */
    otlp_rows_free(&r);
    arena_free(&a);
}

TEST(write_error_names_the_file)
{
    size_t n;
    void *data = load("tests/unit/data/otlp/logs.pb", &n);
    CHECK(data != NULL);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req =
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
            arena_protobuf_allocator(&a), n, data);
    CHECK(req != NULL);
    struct sink_ctx c = { .fail = 2 };
    struct otlp_rows r;
    otlp_rows_init(&r, sink, &c, 0);
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otlp_rows_add_logs(&r, req, &err), O2P_EFULL);
    CHECK(strncmp(err.msg, "parquet: write /dev/full at offset ", 35) == 0);
    CHECK(strstr(err.msg, "No space left on device") != NULL);
    CHECK(strstr(err.msg, "resourceLogs") == NULL);
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        if (c.w[t]) {
            pq_writer_free(c.w[t]);
            fclose(c.f[t]);
        }
    otlp_rows_free(&r);
    arena_free(&a);
}

TEST(scratch_limit)
{
    size_t n;
    void *data = load("tests/unit/data/otlp/edge_logs.pb", &n);
    CHECK(data != NULL);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req =
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
            arena_protobuf_allocator(&a), n, data);
    CHECK(req != NULL);
    struct sink_ctx c = { 0 };
    struct otlp_rows r;
    otlp_rows_init(&r, sink, &c, 8 * 1024); /* smaller than the 20 kB body */
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otlp_rows_add_logs(&r, req, &err), O2P_ETOOBIG);
    CHECK(strstr(err.msg, "scratch memory") != NULL);
    /* An error about the request keeps where in the request it is. */
    if (strncmp(err.msg, "resourceLogs[0]: resource: ", 27) != 0)
        FAILF("message \"%s\"", err.msg);
    int64_t rows[OTEL_TABLE_COUNT];
    finish(&c, rows);
    otlp_rows_free(&r);
    arena_free(&a);
}

int main(void)
{
    RUN(partition);
    RUN(metrics_counters);
    RUN(histogram_impossible_values);
    RUN(logs_and_sink_error);
    RUN(write_error_names_the_file);
    RUN(scratch_limit);
    return testing_done();
}
