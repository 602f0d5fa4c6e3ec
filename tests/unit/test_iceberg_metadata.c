/*
 * test_iceberg_metadata.c - table metadata JSON: a new table's required members, text round
 * trip with exact 63-bit ids, append snapshots (parent, sequence numbers, summary totals,
 * logs), commit-id lookup, and the conflicts iceberg_metadata_apply must refuse.
 */
#include "testing.h"

#include "iceberg/iceberg_metadata.h"

#include <stdio.h>
#include <stdlib.h>

static json_t *reparse(const json_t *md)
{
    char *text = iceberg_metadata_dump(md);
    json_t *out = NULL;
    int rc = iceberg_metadata_parse(text, strlen(text), &out, NULL);
    free(text);
    return rc == O2P_OK ? out : NULL;
}

static const char *summary(const json_t *snap, const char *key)
{
    return json_string_value(json_object_get(json_object_get(snap, "summary"), key));
}

TEST(new_table)
{
    struct o2p_error err = {0};
    json_t *md = iceberg_metadata_new(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_SNAKE, "file:///w/otel/metrics_sum", "hour", 1700000000000, &err);
    CHECK(md != NULL);
    json_t *back = reparse(md);
    CHECK(back != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(back, "format-version")), 2);
    CHECK_EQ_INT(strlen(json_string_value(json_object_get(back, "table-uuid"))), 36);
    CHECK_EQ_INT(iceberg_metadata_current(back), -1);
    struct iceberg_spec spec;
    CHECK_EQ_INT(iceberg_metadata_spec(back, &spec, &err), O2P_OK);
    CHECK_EQ_INT(spec.nfields, 1);
    CHECK_EQ_STR(spec.name, "time_unix_hour");
    CHECK_EQ_STR(spec.transform, "hour");
    CHECK_EQ_INT(spec.field_id, 1000);
    CHECK_EQ_INT(spec.source_id, table_schema_field_id(OTEL_TABLE_METRICS_SUM, TABLE_NAMING_SNAKE, "time_unix"));
    int sid = -1;
    char *schema = iceberg_metadata_schema_json(back, &sid);
    CHECK(schema && strstr(schema, "\"schema-id\":0"));
    CHECK_EQ_INT(sid, 0);
    free(schema);
    /* last-column-id is the largest id anywhere in the schema, nested ones included. */
    json_t *logs = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "file:///w/otel/logs", "day", 1, &err);
    CHECK_EQ_INT(json_integer_value(json_object_get(logs, "last-column-id")), 23);
    CHECK(json_object_get(logs, "sort-orders") && json_integer_value(json_object_get(logs, "default-sort-order-id")) == 0);
    CHECK(iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "x", "month", 1, &err) == NULL);
    json_decref(logs);
    json_decref(md);
    json_decref(back);
}

TEST(append_snapshots)
{
    json_t *md = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "file:///w/otel/logs", "day", 1700000000000, NULL);
    int64_t ids[2] = {9223372036854775807LL, 4611686018427387905LL};
    for (int i = 0; i < 2; i++) {
        struct iceberg_append a = {.snapshot_id = ids[i], .commit_id = i ? "c2" : "c1",
                               .manifest_list = "file:///w/otel/logs/metadata/snap.avro", .added_files = 2,
                               .added_records = 100, .added_bytes = 5000, .changed_partitions = 1,
                               .now_ms = 1700000000000}; /* same clock: timestamps must still advance */
        json_t *snap = iceberg_metadata_snapshot_new(md, &a);
        CHECK_EQ_INT(json_integer_value(json_object_get(snap, "sequence-number")), i + 1);
        if (i == 0)
            CHECK(json_object_get(snap, "parent-snapshot-id") == NULL);
        else
            CHECK(json_integer_value(json_object_get(snap, "parent-snapshot-id")) == ids[0]);
        char prev[64];
        snprintf(prev, sizeof prev, "file:///w/otel/logs/metadata/v%d.metadata.json", i + 1);
        CHECK_EQ_INT(iceberg_metadata_apply(md, snap, prev, NULL), O2P_OK);
        /* The same snapshot again is refused: it exists, and its sequence number is stale. */
        struct o2p_error err = {0};
        CHECK_EQ_INT(iceberg_metadata_apply(md, snap, prev, &err), O2P_ECONFLICT);
        json_decref(snap);
        json_t *back = reparse(md);
        json_decref(md);
        md = back;
        CHECK(md != NULL);
    }
    CHECK(iceberg_metadata_current(md) == ids[1]);
    CHECK(json_integer_value(json_object_get(md, "current-snapshot-id")) == ids[1]);
    CHECK_EQ_INT(json_integer_value(json_object_get(md, "last-sequence-number")), 2);
    const json_t *s2 = iceberg_metadata_snapshot(md, ids[1]);
    CHECK(s2 != NULL);
    CHECK_EQ_STR(summary(s2, "operation"), "append");
    CHECK_EQ_STR(summary(s2, "added-records"), "100");
    CHECK_EQ_STR(summary(s2, "total-records"), "200");
    CHECK_EQ_STR(summary(s2, "total-data-files"), "4");
    CHECK_EQ_STR(summary(s2, "total-files-size"), "10000");
    CHECK_EQ_STR(summary(s2, "total-delete-files"), "0");
    CHECK_EQ_STR(summary(s2, "total-equality-deletes"), "0");
    CHECK_EQ_STR(summary(s2, "changed-partition-count"), "1");
    const json_t *s1 = iceberg_metadata_snapshot(md, ids[0]);
    CHECK(json_integer_value(json_object_get(s2, "timestamp-ms")) > json_integer_value(json_object_get(s1, "timestamp-ms")));
    CHECK(iceberg_metadata_find_commit(md, "c1") == s1);
    CHECK(iceberg_metadata_find_commit(md, "c3") == NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(md, "snapshot-log")), 2);
    CHECK_EQ_INT(json_array_size(json_object_get(md, "metadata-log")), 2);
    CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(md, "refs"), "main"), "snapshot-id")) == ids[1]);
    /* Text keeps 63-bit ids exact (no double in between). */
    char *text = iceberg_metadata_dump(md);
    CHECK(strstr(text, "9223372036854775807") != NULL);
    free(text);
    json_decref(md);
}

TEST(totals_missing_in_parent)
{
    /* A parent written by an engine that did not keep total-files-size: the total is omitted. */
    json_t *md = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "file:///w/otel/logs", "day", 1, NULL);
    struct iceberg_append a = {.snapshot_id = 5, .commit_id = "a", .manifest_list = "m", .added_files = 1,
                           .added_records = 1, .added_bytes = 1, .now_ms = 2};
    json_t *snap = iceberg_metadata_snapshot_new(md, &a);
    json_object_del(json_object_get(snap, "summary"), "total-files-size");
    CHECK_EQ_INT(iceberg_metadata_apply(md, snap, NULL, NULL), O2P_OK);
    json_decref(snap);
    a.snapshot_id = 6;
    snap = iceberg_metadata_snapshot_new(md, &a);
    CHECK(summary(snap, "total-files-size") == NULL);
    CHECK_EQ_STR(summary(snap, "total-records"), "2");
    json_decref(snap);
    json_decref(md);
}

TEST(parse_rejects)
{
    json_t *md = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(iceberg_metadata_parse("{", 1, &md, &err), O2P_ECORRUPT);
    const char *v1 = "{\"format-version\":1}";
    CHECK_EQ_INT(iceberg_metadata_parse(v1, strlen(v1), &md, &err), O2P_EUNSUPPORTED);
    const char *partial = "{\"format-version\":2,\"table-uuid\":\"x\"}";
    CHECK_EQ_INT(iceberg_metadata_parse(partial, strlen(partial), &md, &err), O2P_ECORRUPT);
    CHECK(strstr(err.msg, "location") != NULL);
    for (int i = 0; i < 100; i++)
        CHECK(iceberg_metadata_random_id() > 0);
}

/* lower_names - lower-case every top-level column name, as AWS Glue stores them */
static void lower_names(json_t *md)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(json_array_get(json_object_get(md, "schemas"), 0), "fields"), i, f) {
        char n[64];
        snprintf(n, sizeof n, "%s", json_string_value(json_object_get(f, "name")));
        for (char *p = n; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        json_object_set_new(f, "name", json_string(n));
    }
}

TEST(check_naming)
{
    struct o2p_error err = {0};
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        for (int m = 0; m < TABLE_NAMING_COUNT; m++) {
            json_t *md = iceberg_metadata_new(t, m, "file:///w/x", "day", 1, &err);
            CHECK_EQ_INT(iceberg_metadata_check_naming(md, t, m, "otel.x", &err), O2P_OK);
            CHECK_EQ_INT(iceberg_metadata_check_naming(md, t, !m, "otel.x", &err), O2P_EUNSUPPORTED);
            json_decref(md);
        }
    json_t *ch = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_CLICKHOUSE, "file:///w/x", "day", 1, &err);
    CHECK_EQ_INT(iceberg_metadata_check_naming(ch, OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "otel.logs", &err),
                 O2P_EUNSUPPORTED);
    CHECK_EQ_STR(err.msg, "table otel.logs uses ClickHouse column names (Timestamp, TraceId, SpanId, ...) but "
                          "table.column_names = snake_case: set table.column_names = clickhouse, or write to a new "
                          "table (catalog.table_prefix or catalog.table_names)");
    json_t *sn = iceberg_metadata_new(OTEL_TABLE_TRACES, TABLE_NAMING_SNAKE, "file:///w/x", "day", 1, &err);
    CHECK_EQ_INT(iceberg_metadata_check_naming(sn, OTEL_TABLE_TRACES, TABLE_NAMING_CLICKHOUSE, "otel.traces", &err),
                 O2P_EUNSUPPORTED);
    CHECK(strstr(err.msg, "uses snake_case column names (timestamp, trace_id, span_id, ...) but "
                          "table.column_names = clickhouse: set table.column_names = snake_case") != NULL);
    /* Glue lower-cased a table created with ClickHouse names: refused in both namings */
    lower_names(ch);
    for (int m = 0; m < TABLE_NAMING_COUNT; m++) {
        CHECK_EQ_INT(iceberg_metadata_check_naming(ch, OTEL_TABLE_LOGS, m, "otel.logs", &err), O2P_EUNSUPPORTED);
        CHECK(strstr(err.msg, "lower-cased by the catalog (traceid, spanid, traceflags, ...)") != NULL);
        CHECK(strstr(err.msg, "use table.column_names = snake_case") != NULL);
    }
    /* a column the table does not know, or one missing, is not a naming question */
    json_t *f = json_array_get(json_object_get(json_array_get(json_object_get(sn, "schemas"), 0), "fields"), 0);
    json_object_set_new(f, "name", json_string("extra"));
    CHECK_EQ_INT(iceberg_metadata_check_naming(sn, OTEL_TABLE_TRACES, TABLE_NAMING_SNAKE, "otel.traces", &err), O2P_OK);
    json_decref(ch);
    json_decref(sn);
}

int main(void)
{
    RUN(new_table);
    RUN(append_snapshots);
    RUN(totals_missing_in_parent);
    RUN(parse_rejects);
    RUN(check_naming);
    return testing_done();
}
