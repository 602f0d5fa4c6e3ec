/*
 * test_otlp_json.c - OTLP/JSON decoder: real SDK captures (tests/unit/data/json/{logs,traces,
 * metrics}.json, copied from the JS SDK fixtures) and hand-written edge cases. Each decoded
 * request is also packed with protobuf_c_message_pack and unpacked again, so the structures
 * the decoder builds are exercised the way the receiver uses them.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otel/otlp_json.h"
#include "otel/otlp_wire.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "testing.h"

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsReq;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceReq;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsReq;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;

#define AV(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x
#define MD(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x

static struct arena arena;
static struct o2p_error err;

static char *slurp(const char *name, size_t *len)
{
    const char *root = getenv("O2P_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/data/json/%s", root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static int decode(enum o2p_signal sig, const char *json, ProtobufCMessage **m)
{
    arena_reset(&arena);
    memset(&err, 0, sizeof err);
    return otlp_json_decode(sig, json, strlen(json), &arena, m, &err);
}

/* repack - pack m, unpack it again, and check the bytes survive a second pack unchanged. */
static int repack(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *b1 = malloc(n + 1), *b2 = malloc(n + 1);
    int ok = protobuf_c_message_pack(m, b1) == n;
    ProtobufCMessage *u = protobuf_c_message_unpack(m->descriptor, NULL, n, b1);
    ok = ok && u && protobuf_c_message_pack(u, b2) == n && memcmp(b1, b2, n) == 0;
    if (u)
        protobuf_c_message_free_unpacked(u, NULL);
    free(b1);
    free(b2);
    return ok;
}

static int bytes_eq(ProtobufCBinaryData b, const char *hex)
{
    size_t n = strlen(hex) / 2;
    if (b.len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        if (b.data[i] != v)
            return 0;
    }
    return 1;
}

TEST(fixture_logs)
{
    size_t len;
    char *json = slurp("logs.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    int rc = otlp_json_decode(O2P_SIGNAL_LOGS, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    LogsReq *r = (LogsReq *)m;
    CHECK_EQ_INT(r->n_resource_logs, 1);
    CHECK_EQ_INT(r->resource_logs[0]->resource->n_attributes, 4);
    CHECK_EQ_STR(r->resource_logs[0]->resource->attributes[0]->key, "service.name");
    CHECK_EQ_STR(r->resource_logs[0]->resource->attributes[0]->value->string_value, "otel-send");
    CHECK_EQ_INT(r->resource_logs[0]->n_scope_logs, 1);
    CHECK_EQ_STR(r->resource_logs[0]->scope_logs[0]->scope->name, "otel-send");
    CHECK_EQ_STR(r->resource_logs[0]->scope_logs[0]->scope->version, "1.0.0");
    CHECK_EQ_INT(r->resource_logs[0]->scope_logs[0]->n_log_records, 10);
    LogRecord **lr = r->resource_logs[0]->scope_logs[0]->log_records;
    CHECK(lr[0]->time_unix_nano == 1795264316202000000ull);
    CHECK(lr[0]->observed_time_unix_nano == 1795264316203000000ull);
    CHECK_EQ_INT(lr[0]->severity_number, 5);
    CHECK_EQ_STR(lr[0]->severity_text, "DEBUG");
    CHECK_EQ_STR(lr[0]->event_name, "otel_send.started");
    CHECK_EQ_INT(lr[0]->flags, 1);
    CHECK(bytes_eq(lr[0]->trace_id, "236c8a47ff76b335cc7a9e20dea175db"));
    CHECK(bytes_eq(lr[0]->span_id, "460c0e9a469cf86f"));
    CHECK_EQ_INT(lr[0]->body->value_case, AV(STRING_VALUE));
    CHECK_EQ_STR(lr[0]->body->string_value, "log message 0");
    CHECK_EQ_INT(lr[0]->n_attributes, 3);
    CHECK_EQ_INT(lr[0]->attributes[0]->value->value_case, AV(INT_VALUE));  /* JSON number */
    CHECK_EQ_INT(lr[0]->attributes[0]->value->int_value, 0);
    CHECK_EQ_INT(lr[0]->attributes[2]->value->value_case, AV(ARRAY_VALUE));
    CHECK_EQ_INT(lr[0]->attributes[2]->value->array_value->n_values, 2);
    CHECK_EQ_STR(lr[0]->attributes[2]->value->array_value->values[1]->string_value, "y");
    /* kvlist body with a nested kvlist holding an array */
    AnyValue *b = lr[1]->body;
    CHECK_EQ_INT(b->value_case, AV(KVLIST_VALUE));
    CHECK_EQ_INT(b->kvlist_value->n_values, 4);
    CHECK_EQ_STR(b->kvlist_value->values[0]->key, "msg");
    CHECK_EQ_INT(b->kvlist_value->values[1]->value->int_value, 1);
    CHECK_EQ_INT(b->kvlist_value->values[2]->value->value_case, AV(BOOL_VALUE));
    CHECK_EQ_INT(b->kvlist_value->values[2]->value->bool_value, 0);
    AnyValue *list = b->kvlist_value->values[3]->value->kvlist_value->values[0]->value;
    CHECK_EQ_INT(list->array_value->n_values, 3);
    CHECK(list->array_value->values[2]->double_value == 3.5);
    /* bytes body, base64 "3q2+7wI=" */
    CHECK_EQ_INT(lr[2]->body->value_case, AV(BYTES_VALUE));
    CHECK(bytes_eq(lr[2]->body->bytes_value, "deadbeef02"));
    CHECK_EQ_INT(lr[3]->severity_number, 17);
    CHECK(repack(m));
}

TEST(fixture_traces)
{
    size_t len;
    char *json = slurp("traces.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    arena_reset(&arena);
    int rc = otlp_json_decode(O2P_SIGNAL_TRACES, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    TraceReq *r = (TraceReq *)m;
    CHECK_EQ_INT(r->n_resource_spans, 1);
    CHECK_EQ_INT(r->resource_spans[0]->n_scope_spans, 1);
    CHECK_EQ_INT(r->resource_spans[0]->scope_spans[0]->n_spans, 10);
    Span **s = r->resource_spans[0]->scope_spans[0]->spans;
    CHECK(bytes_eq(s[0]->trace_id, "236c8a47ff76b335cc7a9e20dea175db"));
    CHECK(bytes_eq(s[0]->span_id, "2a64ac714ae9c97c"));
    CHECK(bytes_eq(s[0]->parent_span_id, "460c0e9a469cf86f"));
    CHECK_EQ_STR(s[0]->name, "db.query 0");
    CHECK_EQ_INT(s[0]->kind, 1);
    CHECK_EQ_INT(s[0]->flags, 257);
    CHECK(s[0]->start_time_unix_nano == 1795264316203000000ull);
    CHECK_EQ_INT(s[0]->n_events, 1);
    CHECK_EQ_STR(s[0]->events[0]->name, "row fetched");
    CHECK_EQ_INT(s[4]->kind, 2);
    CHECK_EQ_INT(s[4]->parent_span_id.len, 0);  /* root: no parentSpanId key */
    CHECK_EQ_INT(s[4]->status->code, 1);
    CHECK_EQ_INT(s[4]->attributes[1]->value->int_value, 200);
    CHECK_EQ_INT(s[6]->status->code, 2);
    CHECK_EQ_STR(s[6]->status->message, "synthetic failure 7");
    CHECK_EQ_INT(s[6]->n_events, 2);
    CHECK_EQ_STR(s[6]->events[1]->name, "exception");
    CHECK_EQ_INT(s[9]->n_links, 1);
    CHECK(bytes_eq(s[9]->links[0]->trace_id, "236c8a47ff76b335cc7a9e20dea175db"));
    CHECK(bytes_eq(s[9]->links[0]->span_id, "460c0e9a469cf86f"));
    CHECK_EQ_INT(s[9]->links[0]->flags, 257);
    CHECK_EQ_STR(s[9]->links[0]->attributes[0]->value->string_value, "previous-trace");
    CHECK(s[9]->attributes[3]->value->double_value == 1.6666666666666667);
    CHECK(repack(m));
}

TEST(fixture_metrics)
{
    size_t len;
    char *json = slurp("metrics.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    arena_reset(&arena);
    int rc = otlp_json_decode(O2P_SIGNAL_METRICS, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    MetricsReq *r = (MetricsReq *)m;
    CHECK_EQ_INT(r->resource_metrics[0]->scope_metrics[0]->n_metrics, 6);
    Metric **mt = r->resource_metrics[0]->scope_metrics[0]->metrics;
    CHECK_EQ_STR(mt[0]->name, "otel_send.latency_exp");
    CHECK_EQ_INT(mt[0]->data_case, MD(EXPONENTIAL_HISTOGRAM));
    CHECK_EQ_INT(mt[0]->exponential_histogram->aggregation_temporality, 2);
    Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *e =
        mt[0]->exponential_histogram->data_points[0];
    CHECK_EQ_INT(e->scale, 4);
    CHECK_EQ_INT(e->zero_count, 1);
    CHECK_EQ_INT(e->count, 11);
    CHECK_EQ_INT(e->_sum_case, 5);
    CHECK(e->sum == 1145);
    CHECK(e->_min_case != 0 && e->min == 0);
    CHECK(e->_max_case != 0 && e->max == 324.5);
    CHECK_EQ_INT(e->positive->offset, -17);
    CHECK(e->positive->n_bucket_counts > 50);
    CHECK_EQ_INT(e->positive->bucket_counts[0], 1);
    CHECK_EQ_INT(e->negative->n_bucket_counts, 0);
    CHECK_EQ_INT(mt[1]->data_case, MD(SUM));
    CHECK(mt[1]->sum->is_monotonic);
    CHECK_EQ_INT(mt[3]->data_case, MD(GAUGE));
    CHECK_EQ_INT(mt[3]->gauge->n_data_points, 3);
    CHECK_EQ_INT(mt[5]->data_case, MD(HISTOGRAM));
    Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *h = mt[5]->histogram->data_points[0];
    CHECK_EQ_INT(h->n_bucket_counts, 7);
    CHECK_EQ_INT(h->bucket_counts[5], 6);
    CHECK_EQ_INT(h->n_explicit_bounds, 6);
    CHECK(h->explicit_bounds[5] == 500);
    CHECK(h->sum == 1232.9999999999998);
    CHECK(h->max == 246.6);
    CHECK(h->start_time_unix_nano == 1795264376239000000ull);
    CHECK(repack(m));
}

TEST(metrics_all_kinds)
{
    size_t len;
    char *json = slurp("metrics_all.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    arena_reset(&arena);
    int rc = otlp_json_decode(O2P_SIGNAL_METRICS, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    MetricsReq *r = (MetricsReq *)m;
    CHECK_EQ_INT(r->resource_metrics[0]->resource->dropped_attributes_count, 3);
    CHECK_EQ_STR(r->resource_metrics[0]->schema_url, "https://opentelemetry.io/schemas/1.24.0");
    CHECK_EQ_STR(r->resource_metrics[0]->scope_metrics[0]->schema_url, "scope-schema");
    Metric **mt = r->resource_metrics[0]->scope_metrics[0]->metrics;
    Opentelemetry__Proto__Metrics__V1__NumberDataPoint *g = mt[0]->gauge->data_points[0];
    CHECK(g->time_unix_nano == UINT64_MAX);
    CHECK(g->as_int == INT64_MAX);
    CHECK(g->attributes[0]->value->int_value == INT64_MIN);
    CHECK_EQ_INT(g->n_exemplars, 2);
    CHECK(isinf(g->exemplars[0]->as_double) && g->exemplars[0]->as_double > 0);
    CHECK(isnan(g->exemplars[0]->filtered_attributes[0]->value->double_value));
    CHECK(bytes_eq(g->exemplars[0]->trace_id, "0102030405060708090a0b0c0d0e0f10"));
    CHECK(bytes_eq(g->exemplars[0]->span_id, "0102030405060708"));
    CHECK_EQ_INT(g->exemplars[1]->as_int, -7);
    CHECK_EQ_INT(g->exemplars[1]->trace_id.len, 0);
    CHECK(mt[0]->gauge->data_points[1]->as_double == -1.5e300);
    CHECK_EQ_INT(mt[1]->sum->aggregation_temporality, 1);  /* by name */
    CHECK(isinf(mt[1]->sum->data_points[0]->as_double));
    CHECK_EQ_INT(mt[1]->sum->data_points[1]->value_case,
                 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
    Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *h = mt[2]->histogram->data_points[0];
    CHECK_EQ_INT(h->n_bucket_counts, 3);
    CHECK_EQ_INT(h->bucket_counts[0] + h->bucket_counts[1] + h->bucket_counts[2], 6);
    CHECK(h->explicit_bounds[1] == 5);
    CHECK(h->_min_case && h->min == 0.5);
    CHECK_EQ_INT(mt[2]->histogram->data_points[1]->_sum_case, 0);  /* absent optional sum */
    Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *e =
        mt[3]->exponential_histogram->data_points[0];
    CHECK_EQ_INT(e->scale, -3);
    CHECK_EQ_INT(e->negative->offset, 3);
    CHECK_EQ_INT(e->negative->bucket_counts[0], 1);
    CHECK(e->_sum_case && e->sum == 0);  /* present though zero */
    CHECK(e->zero_threshold == 1e-9);
    CHECK_EQ_INT(mt[4]->data_case, MD(SUMMARY));
    Opentelemetry__Proto__Metrics__V1__SummaryDataPoint *q = mt[4]->summary->data_points[0];
    CHECK_EQ_INT(q->count, 10);
    CHECK_EQ_INT(q->n_quantile_values, 3);
    CHECK(q->quantile_values[1]->quantile == 0.5 && q->quantile_values[1]->value == 5.5);
    CHECK(repack(m));
}

TEST(traces_all_fields)
{
    size_t len;
    char *json = slurp("traces_all.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    arena_reset(&arena);
    int rc = otlp_json_decode(O2P_SIGNAL_TRACES, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    Span **s = ((TraceReq *)m)->resource_spans[0]->scope_spans[0]->spans;
    CHECK(bytes_eq(s[0]->trace_id, "5b8efff798038103d269b633813fc60c"));  /* upper case */
    CHECK_EQ_STR(s[0]->trace_state, "a=b,c=d");
    CHECK_EQ_INT(s[0]->kind, 2);  /* "SPAN_KIND_SERVER" */
    CHECK(s[0]->end_time_unix_nano == 1544712661000000000ull);  /* as a JSON number */
    AnyValue *arr = s[0]->attributes[0]->value;
    CHECK_EQ_INT(arr->array_value->n_values, 5);
    CHECK(bytes_eq(arr->array_value->values[3]->bytes_value, "010203"));
    CHECK_EQ_INT(arr->array_value->values[4]->value_case, AV(_NOT_SET));  /* {} */
    CHECK_EQ_INT(s[0]->dropped_attributes_count, 1);
    CHECK_EQ_INT(s[0]->events[0]->dropped_attributes_count, 2);
    CHECK_EQ_INT(s[0]->dropped_events_count, 3);
    CHECK_EQ_INT(s[0]->links[0]->dropped_attributes_count, 4);
    CHECK_EQ_STR(s[0]->links[0]->trace_state, "x=y");
    CHECK_EQ_INT(s[0]->links[0]->attributes[0]->value->int_value, -5);
    CHECK_EQ_INT(s[0]->dropped_links_count, 5);
    CHECK_EQ_INT(s[0]->status->code, 2);
    CHECK_EQ_STR(s[0]->status->message, "boom");
    CHECK_EQ_STR(s[1]->name, "child");  /* snake_case keys, unknown field skipped */
    CHECK(bytes_eq(s[1]->span_id, "eee19b7ec3c1b176"));
    CHECK_EQ_INT(s[1]->parent_span_id.len, 0);
    CHECK_EQ_INT(s[1]->kind, 3);
    CHECK(repack(m));
}

TEST(logs_snake_case_and_enums)
{
    size_t len;
    char *json = slurp("logs_all.json", &len);
    CHECK(json);
    ProtobufCMessage *m;
    arena_reset(&arena);
    int rc = otlp_json_decode(O2P_SIGNAL_LOGS, json, len, &arena, &m, &err);
    free(json);
    if (rc)
        FAILF("%s", err.msg);
    LogsReq *r = (LogsReq *)m;
    CHECK_EQ_STR(r->resource_logs[0]->schema_url, "r");
    LogRecord **lr = r->resource_logs[0]->scope_logs[0]->log_records;
    CHECK_EQ_INT(r->resource_logs[0]->scope_logs[0]->n_log_records, 3);
    CHECK(lr[0]->time_unix_nano == 1700000000000000001ull);
    CHECK(lr[0]->observed_time_unix_nano == 1700000000000000002ull);  /* exact as a number */
    CHECK_EQ_INT(lr[0]->severity_number, 13);  /* SEVERITY_NUMBER_WARN */
    CHECK(bytes_eq(lr[0]->body->bytes_value, "deadbeef"));  /* URL-safe, unpadded */
    CHECK_EQ_STR(lr[0]->event_name, "ev");
    CHECK(bytes_eq(lr[0]->trace_id, "000102030405060708090a0b0c0d0e0f"));
    CHECK_EQ_INT(lr[0]->n_attributes, 4);
    CHECK_EQ_INT(lr[0]->attributes[0]->value->value_case, AV(_NOT_SET));
    CHECK(lr[0]->attributes[1]->value == NULL);  /* "value": null */
    CHECK_EQ_STR(lr[0]->attributes[2]->value->string_value,
                 "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"");
    AnyValue *kv = lr[0]->attributes[3]->value;
    CHECK_EQ_INT(kv->kvlist_value->values[0]->value->int_value, 42);
    CHECK_EQ_INT(kv->kvlist_value->values[1]->value->value_case, AV(ARRAY_VALUE));
    CHECK_EQ_INT(lr[1]->severity_number, 21);
    CHECK(lr[1]->body->double_value > 0 && lr[1]->body->double_value < 1e-300);
    CHECK_EQ_INT(lr[1]->attributes[0]->value->int_value, 1000);  /* 1e3 */
    CHECK(lr[2]->body == NULL && lr[2]->n_attributes == 0);
    CHECK(repack(m));
}

#define LOG_WITH(rec) "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[" rec "]}]}]}"
#define ATTR(val) LOG_WITH("{\"attributes\":[{\"key\":\"k\",\"value\":" val "}]}")

static AnyValue *attr0(ProtobufCMessage *m)
{
    return ((LogsReq *)m)->resource_logs[0]->scope_logs[0]->log_records[0]->attributes[0]->value;
}

static LogRecord *rec0(ProtobufCMessage *m)
{
    return ((LogsReq *)m)->resource_logs[0]->scope_logs[0]->log_records[0];
}

TEST(integers)
{
    ProtobufCMessage *m;
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":\"18446744073709551615\"}"),
                        &m), 0);
    CHECK(rec0(m)->time_unix_nano == UINT64_MAX);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":18446744073709551615}"), &m),
                 0);
    CHECK(rec0(m)->time_unix_nano == UINT64_MAX);  /* beyond INT64_MAX as a number: exact */
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":18446744073709551616}"), &m),
                 O2P_EINVAL);
    CHECK(strstr(err.msg, "logRecords[0].timeUnixNano: integer 18446744073709551616 out of"));
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":\"-1\"}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":1.5}"), &m), O2P_EINVAL);
    CHECK(strstr(err.msg, "non-integral"));
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"timeUnixNano\":\" 1\"}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"intValue\":\"-9223372036854775808\"}"), &m), 0);
    CHECK(attr0(m)->int_value == INT64_MIN);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"intValue\":-9223372036854775809}"), &m),
                 O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"intValue\":9223372036854775807}"), &m), 0);
    CHECK(attr0(m)->int_value == INT64_MAX);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"intValue\":\"12e2\"}"), &m), 0);
    CHECK_EQ_INT(attr0(m)->int_value, 1200);
    /* 32-bit fields: flags is fixed32, droppedAttributesCount uint32 */
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"flags\":4294967295,"
                        "\"droppedAttributesCount\":\"7\"}"), &m), 0);
    CHECK(rec0(m)->flags == UINT32_MAX);
    CHECK_EQ_INT(rec0(m)->dropped_attributes_count, 7);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"flags\":4294967296}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"severityNumber\":2147483648}"), &m),
                 O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"severityNumber\":99}"), &m), 0);
    CHECK_EQ_INT(rec0(m)->severity_number, 99);  /* open enum: unknown numbers kept */
}

TEST(doubles)
{
    ProtobufCMessage *m;
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":\"NaN\"}"), &m), 0);
    CHECK(isnan(attr0(m)->double_value));
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":\"-Infinity\"}"), &m), 0);
    CHECK(isinf(attr0(m)->double_value) && attr0(m)->double_value < 0);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":\"2.5e-3\"}"), &m), 0);
    CHECK(attr0(m)->double_value == 2.5e-3);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":-0.0}"), &m), 0);
    CHECK(attr0(m)->double_value == 0 && signbit(attr0(m)->double_value));
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":1e999}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":\"nan\"}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":NaN}"), &m), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, ATTR("{\"doubleValue\":.5}"), &m), O2P_EINVAL);
}

TEST(enums_by_name)
{
    ProtobufCMessage *m;
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"severityNumber\":\"SEVERITY_NUMBER_INFO\"}"),
                        &m), 0);
    CHECK_EQ_INT(rec0(m)->severity_number, 9);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"severityNumber\":\"INFO\"}"), &m),
                 O2P_EINVAL);
    CHECK(strstr(err.msg, "severityNumber: unknown SeverityNumber value \"INFO\""));
    CHECK_EQ_INT(decode(O2P_SIGNAL_TRACES, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
                        "[{\"kind\":\"SPAN_KIND_CONSUMER\",\"status\":{\"code\":"
                        "\"STATUS_CODE_OK\"}}]}]}]}", &m), 0);
    Span *s = ((TraceReq *)m)->resource_spans[0]->scope_spans[0]->spans[0];
    CHECK_EQ_INT(s->kind, 5);
    CHECK_EQ_INT(s->status->code, 1);
}

TEST(bad_ids)
{
    ProtobufCMessage *m;
    const char *bad[] = {
        LOG_WITH("{},{},{},{\"traceId\":\"236c8a47ff76b335cc7a9e20dea175d\"}"),
        LOG_WITH("{},{},{},{\"traceId\":\"236c8a47ff76b335cc7a9e20dea175dg\"}"),
        LOG_WITH("{},{},{},{\"traceId\":\"I2yKR/92szXMep4g3qF12w==\"}"),  /* base64: no */
        LOG_WITH("{},{},{},{\"traceId\":1234}"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, bad[i], &m), O2P_EINVAL);
        if (!strstr(err.msg, "resourceLogs[0].scopeLogs[0].logRecords[3].traceId: expected "))
            FAILF("case %zu: %s", i, err.msg);
    }
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"spanId\":\"00112233445566778899\"}"), &m),
                 O2P_EINVAL);
    CHECK(strstr(err.msg, "spanId: expected 16 hex digits"));
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, LOG_WITH("{\"spanId\":\"\"}"), &m), 0);
    CHECK_EQ_INT(rec0(m)->span_id.len, 0);
}

TEST(wrong_types)
{
    ProtobufCMessage *m;
    struct { const char *json, *msg; } c[] = {
        { "{\"resourceLogs\":\"x\"}", "resourceLogs: expected an array, got a string" },
        { "{\"resourceLogs\":[\"x\"]}", "resourceLogs[0]: expected an object, got a string" },
        { "{\"resourceLogs\":[{\"resource\":[]}]}", "resourceLogs[0].resource: expected an object" },
        { LOG_WITH("{\"body\":\"text\"}"), "logRecords[0].body: expected an object, got a string" },
        { LOG_WITH("{\"severityText\":5}"), "severityText: expected a string, got a number" },
        { ATTR("{\"boolValue\":\"true\"}"), "boolValue: expected true or false" },
        { ATTR("{\"bytesValue\":\"a\"}"), "bytesValue: expected base64" },
        { ATTR("{\"stringValue\":\"a\",\"intValue\":1}"), "intValue: more than one member" },
        { ATTR("{\"stringValue\":\"a\\u0000b\"}"), "stringValue: string contains a NUL" },
        { LOG_WITH("{\"flags\":1,\"flags\":2}"), "flags: field given more than once" },
        { LOG_WITH("{\"event_name\":\"a\",\"eventName\":\"b\"}"), "eventName: field given more" },
        { "[]", "expected an object, got an array" },
        { "", "empty body" },
        { "{\"resourceLogs\":[null]}", "resourceLogs[0]: null is not allowed" },
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        int rc = decode(O2P_SIGNAL_LOGS, c[i].json, &m);
        if (rc != O2P_EINVAL || !strstr(err.msg, c[i].msg))
            FAILF("case %zu: rc %d, \"%s\" lacks \"%s\"", i, rc, err.msg, c[i].msg);
    }
}

TEST(syntax_errors)
{
    ProtobufCMessage *m;
    const char *bad[] = {
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"x",
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{}",
        "{\"resourceLogs\":[],}", "{\"resourceLogs\" []}", "{'resourceLogs':[]}",
        "{\"resourceLogs\":[]} x", "{\"x\":tru}", "{\"x\":[1,]}", "{\"x\":\"\\q\"}",
        "{\"x\":\"\\ud800\"}", "{\"x\":\"\xff\"}", "{\"x\":\"\xc0\xaf\"}", "{\"x\":\"a\nb\"}",
        "{\"x\":01}", "{\"x\":-}", "{\"x\":1.}", "{\"resourceLogs\":[{}]", "{",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = decode(O2P_SIGNAL_LOGS, bad[i], &m);
        if (rc != O2P_EINVAL || !strstr(err.msg, "invalid JSON at byte"))
            FAILF("case %zu: rc %d \"%s\"", i, rc, err.msg);
    }
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, bad[0], &m), O2P_EINVAL);
    CHECK(strstr(err.msg, "logRecords[0].body.stringValue: invalid JSON at byte"));
    CHECK(strstr(err.msg, "unexpected end of input"));
    /* Unknown fields are skipped whatever they hold, but must be well-formed. */
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, "{\"future\":{\"a\":[1,\"\\u00e9\",null,true,{}]},"
                        "\"resourceLogs\":[]}", &m), 0);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, "\xEF\xBB\xBF {} \n", &m), 0);
}

static char *nest(int depth)
{
    /* depth AnyValues: {"kvlistValue":{"values":[{"key":"k","value": ... {} ...}]}} */
    const char *open = "{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":";
    const char *close = "}]}}";
    size_t n = strlen(LOG_WITH("")) + (size_t)depth * (strlen(open) + strlen(close)) + 64;
    char *s = malloc(n), *p = s;
    p += sprintf(p, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
    for (int i = 1; i < depth; i++)
        p += sprintf(p, "%s", open);
    p += sprintf(p, "{}");
    for (int i = 1; i < depth; i++)
        p += sprintf(p, "%s", close);
    sprintf(p, "}]}]}]}");
    return s;
}

TEST(deep_nesting)
{
    ProtobufCMessage *m;
    char *ok = nest(OTLP_MAX_ANY_DEPTH), *bad = nest(OTLP_MAX_ANY_DEPTH + 1);
    int rc1 = decode(O2P_SIGNAL_LOGS, ok, &m);
    int r1 = rc1 == 0 && repack(m);
    int rc2 = decode(O2P_SIGNAL_LOGS, bad, &m);
    free(ok);
    free(bad);
    if (rc1)
        FAILF("%s", err.msg);
    CHECK(r1);
    CHECK_EQ_INT(rc2, O2P_EINVAL);
    CHECK(strstr(err.msg, "AnyValue nested deeper than 64 levels"));
    /* 100000 nested arrays in an unknown field: bounded, no stack overflow. */
    size_t n = 200000;
    char *deep = malloc(2 * n + 16);
    memcpy(deep, "{\"x\":", 5);
    memset(deep + 5, '[', n);
    memset(deep + 5 + n, ']', n);
    memcpy(deep + 5 + 2 * n, "}", 2);
    CHECK_EQ_INT(decode(O2P_SIGNAL_LOGS, deep, &m), O2P_EINVAL);
    free(deep);
    CHECK(strstr(err.msg, "nested deeper than"));
}

TEST(arena_ceiling)
{
    size_t len;
    char *json = slurp("logs.json", &len);
    CHECK(json);
    ProtobufCMessage *m = NULL;
    struct arena small;
    arena_init(&small, 1024, 4096);
    int rc = otlp_json_decode(O2P_SIGNAL_LOGS, json, len, &small, &m, &err);
    arena_free(&small);
    /* The array scratch stack is bounded by the same ceiling. */
    arena_init(&small, 1024, 2048);
    char *many = malloc(40000), *p = many;
    p += sprintf(p, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{"
                    "\"key\":\"k\",\"value\":{\"arrayValue\":{\"values\":[");
    for (int i = 0; i < 4000; i++)
        p += sprintf(p, "%s{}", i ? "," : "");
    sprintf(p, "]}}}]}]}]}]}");
    struct o2p_error e2;
    int rc2 = otlp_json_decode(O2P_SIGNAL_LOGS, many, strlen(many), &small, &m, &e2);
    arena_free(&small);
    free(many);
    free(json);
    CHECK_EQ_INT(rc, O2P_ETOOBIG);
    CHECK(strstr(err.msg, "exceeds the 4096-byte memory limit"));
    CHECK_EQ_INT(rc2, O2P_ETOOBIG);
    CHECK(m == NULL);
}

TEST(signals_and_null_err)
{
    ProtobufCMessage *m;
    arena_reset(&arena);
    CHECK_EQ_INT(otlp_json_decode(O2P_SIGNAL_METRICS, "{\"resourceMetrics\":5}", 21, &arena, &m,
                                  NULL), O2P_EINVAL);
    CHECK_EQ_INT(otlp_json_decode((enum o2p_signal)7, "{}", 2, &arena, &m, &err), O2P_EINVAL);
    CHECK_EQ_INT(decode(O2P_SIGNAL_TRACES, "{\"resourceSpans\":null}", &m), 0);
    CHECK_EQ_INT(((TraceReq *)m)->n_resource_spans, 0);
    /* Not NUL-terminated: the decoder must stop at len. */
    const char buf[] = { '{', '}', '{' };
    arena_reset(&arena);
    CHECK_EQ_INT(otlp_json_decode(O2P_SIGNAL_LOGS, buf, 2, &arena, &m, &err), 0);
}

/* build_logs - a logs request with n copies of the fixture's first record; *len its length. */
static char *build_logs(const char *fixture, int n, size_t *len)
{
    const char *start = strstr(fixture, "\"logRecords\":[") + 14;
    const char *end = strstr(start, "},{\"time") + 1;
    size_t rec = (size_t)(end - start);
    char *big = malloc(64 + (size_t)n * (rec + 1)), *p = big;
    p += sprintf(p, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        memcpy(p, start, rec);
        p += rec;
    }
    p += sprintf(p, "]}]}]}");
    *len = (size_t)(p - big);
    return big;
}

/* best_ms - fastest of 3 decodes of json into a; -1 on a decode error. */
static double best_ms(const char *json, size_t len, struct arena *a, size_t *records)
{
    double best = 1e9;
    ProtobufCMessage *m;
    for (int k = 0; k < 3; k++) {
        struct timespec t0, t1;
        arena_reset(a);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = otlp_json_decode(O2P_SIGNAL_LOGS, json, len, a, &m, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (rc)
            return -1;
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        best = ms < best ? ms : best;
    }
    *records = ((LogsReq *)m)->resource_logs[0]->scope_logs[0]->n_log_records;
    return best;
}

TEST(speed_is_linear)
{
    size_t len, n1, n8, len1, len8;
    char *fixture = slurp("logs.json", &len);
    CHECK(fixture);
    char *j1 = build_logs(fixture, 1000, &len1), *j8 = build_logs(fixture, 8000, &len8);
    struct arena a;
    arena_init(&a, 1 << 20, 256 << 20);
    double t1 = best_ms(j1, len1, &a, &n1), t8 = best_ms(j8, len8, &a, &n8);
    printf("# 1000 log records (%zu bytes): %.3f ms; 8000: %.3f ms\n", len1, t1, t8);
    arena_free(&a);
    free(j1);
    free(j8);
    free(fixture);
    CHECK(t1 > 0 && t8 > 0);
    CHECK_EQ_INT(n1, 1000);
    CHECK_EQ_INT(n8, 8000);
    /* Relative, so it holds under sanitizers and valgrind: linear is 8x, quadratic 64x. */
    CHECK(t8 < 20 * t1 + 1);
}

int main(void)
{
    arena_init(&arena, 0, 64 << 20);
    RUN(fixture_logs);
    RUN(fixture_traces);
    RUN(fixture_metrics);
    RUN(metrics_all_kinds);
    RUN(traces_all_fields);
    RUN(logs_snake_case_and_enums);
    RUN(integers);
    RUN(doubles);
    RUN(enums_by_name);
    RUN(bad_ids);
    RUN(wrong_types);
    RUN(syntax_errors);
    RUN(deep_nesting);
    RUN(arena_ceiling);
    RUN(signals_and_null_err);
    RUN(speed_is_linear);
    arena_free(&arena);
    return testing_done();
}
