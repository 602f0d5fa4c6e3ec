/* test_table_schema.c - the table definitions: field-id scheme, Parquet nodes, Iceberg JSON. */
#include "otel/table_schema.h"
#include "common/cfg.h"
#include "testing.h"

#include <stdlib.h>

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
        const struct table_def *d = table_schema_get(t);
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
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_LOGS, "ObservedTimestamp"), 17);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_TRACES, "Links"), 17);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_SUM, "IsMonotonic"), 19);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_GAUGE, "Exemplars"), 16);
    CHECK_EQ_INT(table_schema_field_id(OTEL_TABLE_METRICS_GAUGE, "Nope"), 0);
    CHECK_EQ_STR(table_schema_get(OTEL_TABLE_METRICS_SUM)->partition_column, "TimeUnix");
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
    const struct pq_schema *s = table_schema_parquet(OTEL_TABLE_LOGS);
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

    s = table_schema_parquet(OTEL_TABLE_TRACES);
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

    s = table_schema_parquet(OTEL_TABLE_METRICS_HISTOGRAM);
    int sum = -1;
    for (int i = 0; i < s->num_nodes; i++)
        if (strcmp(s->nodes[i].name, "Sum") == 0)
            sum = i;
    CHECK(sum > 0);
    CHECK_EQ_INT(s->nodes[sum].repetition, PQ_OPTIONAL);
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        CHECK(table_schema_parquet(t)->num_nodes <= 96);
}

TEST(iceberg_json)
{
    char buf[16384];
    size_t n = table_schema_iceberg_json(OTEL_TABLE_METRICS_SUMMARY, 0, buf, sizeof(buf));
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
    CHECK_EQ_INT(table_schema_iceberg_json(OTEL_TABLE_METRICS_SUMMARY, 0, small, sizeof(small)), n);
    CHECK_EQ_INT(strlen(small), 9);
    n = table_schema_iceberg_json(OTEL_TABLE_METRICS_HISTOGRAM, 3, buf, sizeof(buf));
    CHECK(strstr(buf, "\"schema-id\":3"));
    CHECK(strstr(buf, "{\"id\":21,\"name\":\"Min\",\"required\":false,\"type\":\"double\"}"));
    CHECK(strstr(buf, "\"element-id\":38,\"element-required\":true,\"element\":\"long\""));
}

int main(void)
{
    RUN(field_id_scheme);
    RUN(names_and_columns);
    RUN(catalog_names);
    RUN(parquet_nodes);
    RUN(iceberg_json);
    return testing_done();
}
