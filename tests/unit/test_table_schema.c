/* test_table_schema.c - the table definitions: field-id scheme, Parquet nodes, Iceberg JSON, and
 * the two column namings (snake_case pinned name by name; both share ids). */
#include "otel/table_schema.h"
#include "common/cfg.h"
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int subtree(const struct table_field *f, int i)
{
    int n = 1;
    for (int c = 0; c < f[i].num_children; c++)
        n += subtree(f, i + n);
    return n;
}

/* The ids Iceberg's Java assignFreshIds gives: a struct's members first, consecutively, then
 * each member's nested types in member order. Fills want[] for the subtree at i. */
static void java_ids(const struct table_field *f, int i, int nmembers, int *next, int *want)
{
    int idx[64], k = 0, j = i;
    for (int m = 0; m < nmembers; m++) { /* members of this struct get their ids first */
        idx[k++] = j;
        want[j] = (*next)++;
        j += subtree(f, j);
    }
    for (int m = 0; m < k; m++) {
        int p = idx[m];
        if (f[p].type == TABLE_LIST) {
            want[p + 1] = (*next)++;
            if (f[p + 1].type == TABLE_STRUCT)
                java_ids(f, p + 2, f[p + 1].num_children, next, want);
        } else if (f[p].type == TABLE_MAP) {
            want[p + 1] = (*next)++;
            want[p + 2] = (*next)++;
        }
    }
}

TEST(field_id_scheme)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        const struct table_def *d = table_schema_get(t, TABLE_NAMING_CLICKHOUSE);
        CHECK(d != NULL);
        int want[256] = {0}, next = 1;
        java_ids(d->fields, 0, d->num_columns, &next, want);
        CHECK_EQ_INT(next - 1, d->num_fields);
        for (int i = 0; i < d->num_fields; i++)
            if (d->fields[i].id != want[i])
                FAILF("%s field #%d (%s) has id %d, Java's assignFreshIds gives %d", d->name, i,
                      d->fields[i].name ? d->fields[i].name : "(nested)", (int)d->fields[i].id, want[i]);
    }
}

TEST(catalog_names)
{
    struct o2p_config c;
    memset(&c, 0, sizeof c);
    char buf[64];
    CHECK_EQ_STR(table_schema_catalog_name(&c, OTEL_TABLE_LOGS, buf, sizeof buf), "logs");
    c.catalog.table_prefix = "app1_";
    CHECK_EQ_STR(table_schema_catalog_name(&c, OTEL_TABLE_TRACES, buf, sizeof buf), "app1_traces");
    c.catalog.table_names = "metrics_sum=sums, logs=app_logs";
    CHECK_EQ_STR(table_schema_catalog_name(&c, OTEL_TABLE_LOGS, buf, sizeof buf), "app_logs");
    CHECK_EQ_STR(table_schema_catalog_name(&c, OTEL_TABLE_METRICS_SUM, buf, sizeof buf), "sums");
    CHECK_EQ_STR(table_schema_catalog_name(&c, OTEL_TABLE_METRICS_SUMMARY, buf, sizeof buf), "app1_metrics_summary");
}

TEST(names_and_columns)
{
    CHECK_EQ_STR(table_schema_name(OTEL_TABLE_METRICS_EXP_HISTOGRAM),
                 "metrics_exponential_histogram");
    CHECK_EQ_INT(table_schema_parse("metrics_summary"), OTEL_TABLE_METRICS_SUMMARY);
    CHECK_EQ_INT(table_schema_parse("nope"), -1);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_LOGS, TABLE_NAMING_CLICKHOUSE, "ObservedTimestamp"), 17);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_TRACES, TABLE_NAMING_CLICKHOUSE, "Links"), 17);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_CLICKHOUSE, "IsMonotonic"), 19);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_GAUGE, TABLE_NAMING_CLICKHOUSE, "Exemplars"), 16);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_GAUGE, TABLE_NAMING_CLICKHOUSE, "Nope"), 0);
    CHECK_EQ_STR(table_schema_get(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_CLICKHOUSE)->partition_column, "TimeUnix");
}

/* Leaf count of each Parquet schema (what the mapping writes) */
static int leaves(const struct pq_schema *s)
{
    int n = 0;
    for (int i = 0; i < s->num_nodes; i++)
        n += s->nodes[i].num_children == 0;
    return n;
}

TEST(parquet_nodes)
{
    const struct pq_schema *s = table_schema_parquet(OTEL_TABLE_LOGS, TABLE_NAMING_CLICKHOUSE);
    CHECK(s != NULL);
    CHECK_EQ_INT(leaves(s), 20);
    /* Timestamp, TraceId, ..., ResourceAttributes MAP at node 9 */
    CHECK_EQ_STR(s->nodes[0].name, "Timestamp");
    CHECK_EQ_INT(s->nodes[0].physical, PQ_INT64);
    CHECK_EQ_INT(s->nodes[0].logical, PQ_LOGICAL_TIMESTAMP_US);
    CHECK_EQ_STR(s->nodes[9].name, "ResourceAttributes");
    CHECK_EQ_INT(s->nodes[9].logical, PQ_LOGICAL_MAP);
    CHECK_EQ_INT(s->nodes[9].field_id, 10);
    CHECK_EQ_STR(s->nodes[10].name, "key_value");
    CHECK_EQ_INT(s->nodes[10].repetition, PQ_REPEATED);
    CHECK_EQ_INT(s->nodes[10].field_id, 0);
    CHECK_EQ_STR(s->nodes[11].name, "key");
    CHECK_EQ_INT(s->nodes[11].field_id, 18);
    CHECK_EQ_INT(s->nodes[11].repetition, PQ_REQUIRED);
    CHECK_EQ_STR(s->nodes[12].name, "value");
    CHECK_EQ_INT(s->nodes[12].field_id, 19);
    CHECK_EQ_INT(s->nodes[12].repetition, PQ_OPTIONAL);

    s = table_schema_parquet(OTEL_TABLE_TRACES, TABLE_NAMING_CLICKHOUSE);
    /* 15 plain + 3 maps*2 ... : Events(Timestamp, Name, Attr k/v) Links(3 + k/v) */
    CHECK_EQ_INT(leaves(s), 13 + 2 + 2 + 4 + 5);
    int ev = -1;
    for (int i = 0; i < s->num_nodes; i++)
        if (strcmp(s->nodes[i].name, "Events") == 0)
            ev = i;
    CHECK(ev > 0);
    CHECK_EQ_INT(s->nodes[ev].logical, PQ_LOGICAL_LIST);
    CHECK_EQ_STR(s->nodes[ev + 1].name, "list");
    CHECK_EQ_STR(s->nodes[ev + 2].name, "element");
    CHECK_EQ_INT(s->nodes[ev + 2].num_children, 3);
    CHECK_EQ_INT(s->nodes[ev + 2].field_id, 22);
    CHECK_EQ_STR(s->nodes[ev + 3].name, "Timestamp");

    s = table_schema_parquet(OTEL_TABLE_METRICS_HISTOGRAM, TABLE_NAMING_CLICKHOUSE);
    int sum = -1;
    for (int i = 0; i < s->num_nodes; i++)
        if (strcmp(s->nodes[i].name, "Sum") == 0)
            sum = i;
    CHECK(sum > 0);
    CHECK_EQ_INT(s->nodes[sum].repetition, PQ_OPTIONAL);
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        for (int m = 0; m < TABLE_NAMING_COUNT; m++)
            CHECK(table_schema_parquet(t, (enum table_naming)m)->num_nodes <= 96);
}

TEST(iceberg_json)
{
    char buf[16384];
    size_t n = table_schema_iceberg_json(OTEL_TABLE_METRICS_SUMMARY, TABLE_NAMING_CLICKHOUSE, 0, buf, sizeof(buf));
    CHECK(n < sizeof(buf));
    CHECK_EQ_INT(strlen(buf), n);
    static const char head[] = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,"
                       "\"name\":\"ResourceAttributes\",\"required\":true,\"type\":{\"type\":\"map\","
                       "\"key-id\":20,\"key\":\"string\",\"value-id\":21,\"value-required\":false,"
                       "\"value\":\"string\"}}";
    CHECK(strncmp(buf, head, sizeof(head) - 1) == 0);
    CHECK(strstr(buf, "{\"id\":19,\"name\":\"ValueAtQuantiles\",\"required\":true,\"type\":"
                      "{\"type\":\"list\",\"element-id\":34,\"element-required\":true,\"element\":"
                      "{\"type\":\"struct\",\"fields\":[{\"id\":35,\"name\":\"Quantile\",\"required\":"
                      "true,\"type\":\"double\"},{\"id\":36,\"name\":\"Value\",\"required\":true,"
                      "\"type\":\"double\"}]}}}]}") != NULL);
    CHECK(strstr(buf, "{\"id\":14,\"name\":\"TimeUnix\",\"required\":true,\"type\":\"timestamptz\"}"));
    /* truncation reports the full length, like snprintf */
    char small[10];
    CHECK_EQ_INT(table_schema_iceberg_json(OTEL_TABLE_METRICS_SUMMARY, TABLE_NAMING_CLICKHOUSE, 0, small, sizeof(small)), n);
    CHECK_EQ_INT(strlen(small), 9);
    n = table_schema_iceberg_json(OTEL_TABLE_METRICS_HISTOGRAM, TABLE_NAMING_CLICKHOUSE, 3, buf, sizeof(buf));
    CHECK(strstr(buf, "\"schema-id\":3"));
    CHECK(strstr(buf, "{\"id\":21,\"name\":\"Min\",\"required\":false,\"type\":\"double\"}"));
    CHECK(strstr(buf, "\"element-id\":38,\"element-required\":true,\"element\":\"long\""));
}

/* all_names - every named field of table t in naming m, depth-first, space-separated */
static void all_names(enum otel_table t, enum table_naming m, char *out, size_t n)
{
    const struct table_def *d = table_schema_get(t, m);
    size_t l = 0;
    out[0] = '\0';
    for (int i = 0; i < d->num_fields; i++)
        if (d->fields[i].name && l < n)
            l += (size_t)snprintf(out + l, n - l, "%s%s", l ? " " : "", d->fields[i].name);
}

/* Every snake_case name of every table, depth-first (nested struct members included): the
 * names users query, pinned one by one so a change of table_schema_snake_case shows here. */
static const char *const snake_pinned[OTEL_TABLE_COUNT] = {
    [OTEL_TABLE_LOGS] =
        "timestamp trace_id span_id trace_flags severity_text severity_number service_name body "
        "resource_schema_url resource_attributes scope_schema_url scope_name scope_version "
        "scope_attributes log_attributes event_name observed_timestamp",
    [OTEL_TABLE_TRACES] =
        "timestamp trace_id span_id parent_span_id trace_state span_name span_kind service_name "
        "resource_attributes scope_name scope_version span_attributes duration status_code "
        "status_message events timestamp name attributes links trace_id span_id trace_state "
        "attributes",
    [OTEL_TABLE_METRICS_GAUGE] =
        "resource_attributes resource_schema_url scope_name scope_version scope_attributes "
        "scope_dropped_attr_count scope_schema_url service_name metric_name metric_description "
        "metric_unit attributes start_time_unix time_unix flags exemplars filtered_attributes "
        "time_unix value span_id trace_id value",
    [OTEL_TABLE_METRICS_SUM] =
        "resource_attributes resource_schema_url scope_name scope_version scope_attributes "
        "scope_dropped_attr_count scope_schema_url service_name metric_name metric_description "
        "metric_unit attributes start_time_unix time_unix flags exemplars filtered_attributes "
        "time_unix value span_id trace_id value aggregation_temporality is_monotonic",
    [OTEL_TABLE_METRICS_HISTOGRAM] =
        "resource_attributes resource_schema_url scope_name scope_version scope_attributes "
        "scope_dropped_attr_count scope_schema_url service_name metric_name metric_description "
        "metric_unit attributes start_time_unix time_unix flags exemplars filtered_attributes "
        "time_unix value span_id trace_id count sum bucket_counts explicit_bounds min max "
        "aggregation_temporality",
    [OTEL_TABLE_METRICS_EXP_HISTOGRAM] =
        "resource_attributes resource_schema_url scope_name scope_version scope_attributes "
        "scope_dropped_attr_count scope_schema_url service_name metric_name metric_description "
        "metric_unit attributes start_time_unix time_unix flags exemplars filtered_attributes "
        "time_unix value span_id trace_id count sum scale zero_count positive_offset "
        "positive_bucket_counts negative_offset negative_bucket_counts min max "
        "aggregation_temporality",
    [OTEL_TABLE_METRICS_SUMMARY] =
        "resource_attributes resource_schema_url scope_name scope_version scope_attributes "
        "scope_dropped_attr_count scope_schema_url service_name metric_name metric_description "
        "metric_unit attributes start_time_unix time_unix flags exemplars filtered_attributes "
        "time_unix value span_id trace_id count sum value_at_quantiles quantile value",
};

TEST(snake_case_names_pinned)
{
    char buf[2048];
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        all_names(t, TABLE_NAMING_SNAKE, buf, sizeof buf);
        if (strcmp(buf, snake_pinned[t]))
            FAILF("%s snake_case names:\n  got  %s\n  want %s", table_schema_name(t), buf, snake_pinned[t]);
    }
    CHECK_EQ_STR(table_schema_get(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE)->partition_column, "timestamp");
    CHECK_EQ_STR(table_schema_get(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_SNAKE)->partition_column, "time_unix");
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "service_name"), 7);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "ServiceName"), 0);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_SNAKE, "time_unix"), 14);
    CHECK(table_schema_get(OTEL_TABLE_LOGS, (enum table_naming)7) == NULL);
}

/* The ClickHouse names, first and last of each table and the nested ones that matter. */
TEST(clickhouse_names)
{
    char buf[2048];
    all_names(OTEL_TABLE_LOGS, TABLE_NAMING_CLICKHOUSE, buf, sizeof buf);
    CHECK_EQ_STR(buf, "Timestamp TraceId SpanId TraceFlags SeverityText SeverityNumber ServiceName Body "
                      "ResourceSchemaUrl ResourceAttributes ScopeSchemaUrl ScopeName ScopeVersion "
                      "ScopeAttributes LogAttributes EventName ObservedTimestamp");
    all_names(OTEL_TABLE_TRACES, TABLE_NAMING_CLICKHOUSE, buf, sizeof buf);
    CHECK(strstr(buf, "Events Timestamp Name Attributes Links TraceId SpanId TraceState Attributes") != NULL);
    all_names(OTEL_TABLE_METRICS_HISTOGRAM, TABLE_NAMING_CLICKHOUSE, buf, sizeof buf);
    CHECK(strstr(buf, "Exemplars FilteredAttributes TimeUnix Value SpanId TraceId Count Sum BucketCounts "
                      "ExplicitBounds Min Max AggregationTemporality") != NULL);
    CHECK_EQ_STR(table_schema_get(OTEL_TABLE_LOGS, TABLE_NAMING_CLICKHOUSE)->partition_column, "Timestamp");
}

/* Both namings: same fields, ids, types, requiredness, order; Parquet nodes alike but names. */
TEST(namings_share_ids)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        const struct table_def *a = table_schema_get(t, TABLE_NAMING_SNAKE);
        const struct table_def *b = table_schema_get(t, TABLE_NAMING_CLICKHOUSE);
        CHECK(a && b);
        CHECK_EQ_STR(a->name, b->name);
        CHECK_EQ_INT(a->num_fields, b->num_fields);
        CHECK_EQ_INT(a->num_columns, b->num_columns);
        for (int i = 0; i < a->num_fields; i++) {
            CHECK_EQ_INT(a->fields[i].id, b->fields[i].id);
            CHECK_EQ_INT(a->fields[i].type, b->fields[i].type);
            CHECK_EQ_INT(a->fields[i].required, b->fields[i].required);
            CHECK_EQ_INT(a->fields[i].num_children, b->fields[i].num_children);
            CHECK((a->fields[i].name == NULL) == (b->fields[i].name == NULL));
        }
        const struct pq_schema *pa = table_schema_parquet(t, TABLE_NAMING_SNAKE);
        const struct pq_schema *pb = table_schema_parquet(t, TABLE_NAMING_CLICKHOUSE);
        CHECK_EQ_INT(pa->num_nodes, pb->num_nodes);
        for (int i = 0; i < pa->num_nodes; i++) {
            CHECK_EQ_INT(pa->nodes[i].field_id, pb->nodes[i].field_id);
            CHECK_EQ_INT(pa->nodes[i].physical, pb->nodes[i].physical);
            CHECK_EQ_INT(pa->nodes[i].repetition, pb->nodes[i].repetition);
        }
        CHECK_EQ_INT(table_schema_field_id(t, TABLE_NAMING_SNAKE, a->partition_column),
                     table_schema_field_id(t, TABLE_NAMING_CLICKHOUSE, b->partition_column));
    }
    char buf[16384];
    table_schema_iceberg_json(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, 0, buf, sizeof buf);
    CHECK(strstr(buf, "{\"id\":7,\"name\":\"service_name\",\"required\":true,\"type\":\"string\"}"));
    CHECK(strstr(buf, "ServiceName") == NULL);
    table_schema_iceberg_json(OTEL_TABLE_TRACES, TABLE_NAMING_SNAKE, 0, buf, sizeof buf);
    CHECK(strstr(buf, "{\"id\":29,\"name\":\"trace_id\""));
}

TEST(snake_case_rule)
{
    char b[64];
    static const char *const cases[][2] = {
        {"TraceId", "trace_id"}, {"SpanId", "span_id"}, {"TraceFlags", "trace_flags"},
        {"ResourceSchemaUrl", "resource_schema_url"}, {"Count", "count"}, {"Sum", "sum"},
        {"BucketCounts", "bucket_counts"}, {"ExplicitBounds", "explicit_bounds"},
        {"FilteredAttributes", "filtered_attributes"}, {"ScopeDroppedAttrCount", "scope_dropped_attr_count"},
        {"HTTPCode", "http_code"}, {"Utf8Value", "utf8_value"}, {"already_snake", "already_snake"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_EQ_INT(table_schema_snake_case(cases[i][0], b, sizeof b), strlen(cases[i][1]));
        CHECK_EQ_STR(b, cases[i][1]);
    }
    char small[6];
    CHECK_EQ_INT(table_schema_snake_case("TraceFlags", small, sizeof small), 11);
    CHECK_EQ_STR(small, "trace");
}

TEST(naming_from_config)
{
    struct o2p_config c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(table_schema_naming(NULL), TABLE_NAMING_SNAKE);
    CHECK_EQ_INT(table_schema_naming(&c), TABLE_NAMING_SNAKE);
    c.table.column_names = "clickhouse";
    CHECK_EQ_INT(table_schema_naming(&c), TABLE_NAMING_CLICKHOUSE);
    c.table.column_names = "snake_case";
    CHECK_EQ_INT(table_schema_naming(&c), TABLE_NAMING_SNAKE);
    CHECK_EQ_STR(table_schema_naming_name(TABLE_NAMING_CLICKHOUSE), "clickhouse");
    CHECK_EQ_STR(table_schema_naming_name(TABLE_NAMING_SNAKE), "snake_case");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--dump")) { /* to review the pinned lists */
        char buf[2048];
        for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
            all_names(t, TABLE_NAMING_SNAKE, buf, sizeof buf);
            printf("%s: %s\n", table_schema_name(t), buf);
        }
        return 0;
    }
    RUN(field_id_scheme);
    RUN(names_and_columns);
    RUN(catalog_names);
    RUN(parquet_nodes);
    RUN(iceberg_json);
    RUN(snake_case_names_pinned);
    RUN(clickhouse_names);
    RUN(namings_share_ids);
    RUN(snake_case_rule);
    RUN(naming_from_config);
    return testing_done();
}
