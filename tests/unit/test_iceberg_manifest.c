/*
 * test_iceberg_manifest.c - manifests and manifest lists: a files-queue entry decoded
 * (spool_files_entry_decode) and taken into a data file (committer_data_file_take), then
 * write -> read back twice: with our reader (every value) and with python3-avro through
 * tests/interop/iceberg-avro-check.py (a third-party reader; field-id / element-id on every
 * node, Iceberg header keys, record count).
 */
#include "testing.h"

#include "committer/committer_int.h"
#include "iceberg/iceberg_manifest.h"
#include "iceberg/iceberg_metadata.h"

#include <stdlib.h>
#include <unistd.h>

static const char ENTRY[] =
    "{\"table\":\"logs\",\"key\":\"otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet\","
    "\"location\":\"file:///w/otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet\",\"format\":\"parquet\","
    "\"size\":12345,\"records\":1000,"
    "\"partition\":{\"source\":\"timestamp\",\"transform\":\"day\",\"name\":\"timestamp_day\",\"value\":20413,\"text\":\"2026-11-21\"},"
    "\"claim\":{\"signal\":\"logs\",\"first\":1,\"last\":20},"
    "\"columns\":[{\"id\":1,\"size\":100,\"values\":1000,\"nulls\":0,\"lower\":\"AAECAwQFBgc=\",\"upper\":\"AQECAwQFBgc=\"},"
    "{\"id\":5,\"size\":80,\"values\":1000,\"nulls\":3,\"lower\":\"YWJj\",\"upper\":\"YWJk\"},"
    "{\"id\":19,\"size\":7,\"values\":10,\"nulls\":10}]}";

/* parse - what the committer does with a queued entry: decode, then take into a data file. */
static int parse(const char *json, size_t len, struct iceberg_data_file *f, struct o2p_error *err)
{
    struct spool_files_entry e;
    int rc = spool_files_entry_decode(json, len, &e, err);
    if (rc == O2P_OK)
        rc = committer_data_file_take(&e, f, err);
    spool_files_entry_free(&e);
    return rc;
}

static struct iceberg_spec day_spec(void)
{
    struct iceberg_spec s = {.spec_id = 0, .nfields = 1, .source_id = 1, .field_id = 1000};
    strcpy(s.name, "timestamp_day");
    strcpy(s.transform, "day");
    return s;
}

/* run_check - python3-avro over the file; returns its exit status, output in out. */
static int run_check(const char *path, int records, char *out, size_t cap)
{
    char cmd[512];
    const char *root = getenv("O2P_ROOT");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/interop/iceberg-avro-check.py %s --expect-records %d 2>&1",
             root ? root : ".", path, records);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    return pclose(p);
}

TEST(entry_parse)
{
    struct iceberg_data_file f;
    struct o2p_error err = {0};
    CHECK_EQ_INT(parse(ENTRY, strlen(ENTRY), &f, &err), O2P_OK);
    CHECK_EQ_STR(f.table, "logs");
    CHECK_EQ_INT(f.size, 12345);
    CHECK_EQ_INT(f.partition_value, 20413);
    CHECK_EQ_INT(f.ncols, 3);
    CHECK_EQ_INT(f.cols[0].lower_len, 8);
    CHECK_EQ_INT(f.cols[0].lower[7], 7);
    CHECK_EQ_INT(f.cols[1].upper_len, 3);
    CHECK(memcmp(f.cols[1].upper, "abd", 3) == 0);
    CHECK_EQ_INT(f.cols[2].lower_len, -1);
    CHECK_EQ_INT(f.cols[1].nans, -1);
    CHECK(f.partitioned);
    CHECK_EQ_STR(f.transform, "day");
    CHECK_EQ_STR(f.key, "otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet");
    CHECK_EQ_STR(f.location, "file:///w/otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet");
    iceberg_manifest_data_file_free(&f);
    /* Bad entries: tests/unit/test_spool_files_entry.c. */
}

TEST(manifest_round_trip)
{
    struct iceberg_data_file f[3];
    struct iceberg_data_file *files[3];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(parse(ENTRY, strlen(ENTRY), &f[i], NULL), O2P_OK);
        f[i].partition_value += i;
        files[i] = &f[i];
    }
    struct iceberg_spec spec = day_spec();
    char schema[16384];
    table_schema_iceberg_json(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, 0, schema, sizeof schema);
    struct iceberg_manifest_ctx ctx = {schema, 0, &spec, AVRO_CODEC_DEFLATE};
    struct buf out;
    buf_init(&out, 0);
    struct iceberg_manifest_info info;
    int64_t sid = 8744736658442914487LL;
    CHECK_EQ_INT(iceberg_manifest_write(&out, &ctx, files, 3, sid, &info, NULL), O2P_OK);
    CHECK_EQ_INT(info.length, (int64_t)out.len);
    CHECK_EQ_INT(info.added_files, 3);
    CHECK_EQ_INT(info.added_rows, 3000);
    CHECK_EQ_INT(info.lower, 20413);
    CHECK_EQ_INT(info.upper, 20415);

    struct iceberg_avro_file af;
    CHECK_EQ_INT(iceberg_avro_read(out.data, out.len, 100, 1 << 20, &af, NULL), O2P_OK);
    CHECK_EQ_STR(iceberg_avro_meta_get(&af, "format-version"), "2");
    CHECK_EQ_STR(iceberg_avro_meta_get(&af, "content"), "data");
    CHECK_EQ_STR(iceberg_avro_meta_get(&af, "partition-spec"),
                 "[{\"name\":\"timestamp_day\",\"transform\":\"day\",\"source-id\":1,\"field-id\":1000}]");
    CHECK_EQ_STR(iceberg_avro_meta_get(&af, "schema"), schema);
    json_t *e = json_array_get(af.records, 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(e, "status")), 1);
    CHECK(json_integer_value(json_object_get(e, "snapshot_id")) == sid);
    CHECK(json_is_null(json_object_get(e, "sequence_number")));
    json_t *d = json_object_get(e, "data_file");
    CHECK_EQ_STR(json_string_value(json_object_get(d, "file_format")), "PARQUET");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(d, "partition"), "timestamp_day")), 20415);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "record_count")), 1000);
    CHECK_EQ_INT(json_array_size(json_object_get(d, "lower_bounds")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(d, "upper_bounds"), 1), "value")),
                 "616264");
    CHECK(json_is_null(json_object_get(d, "nan_value_counts")));
    iceberg_avro_file_free(&af);

    char path[] = "/tmp/o2p-manifest-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, out.data, out.len), (long long)out.len);
    close(fd);
    buf_free(&out);
    for (int i = 0; i < 3; i++)
        iceberg_manifest_data_file_free(&f[i]);
    char res[65536];
    int st = run_check(path, 3, res, sizeof res);
    unlink(path);
    if (st != 0)
        FAILF("python3-avro check failed (%d):\n%s", st, res);
    CHECK(strstr(res, "\"timestamp_day\": \"2025-11-23\"") != NULL); /* day 20415, logicalType date */
    CHECK(strstr(res, "\"snapshot_id\": 8744736658442914487") != NULL);
    CHECK(strstr(res, "\"file_format\": \"PARQUET\"") != NULL);
}

TEST(manifest_list_round_trip)
{
    struct iceberg_spec spec = day_spec();
    struct iceberg_manifest_info info = {.length = 4242, .added_files = 2, .added_rows = 77, .has_bounds = true,
                                     .lower = 20413, .upper = 20414};
    json_t *entries = json_array();
    json_array_append_new(entries, iceberg_manifest_list_entry("file:///w/m1.avro", 0, 6, 8744736658442914487LL, &info, &spec));
    /* A carried-forward entry written by an older writer: old count names, no v2 fields. */
    json_t *old;
    old = json_pack("{s:s, s:I, s:i, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:n, s:n}", "manifest_path", "file:///w/m0.avro",
                    "manifest_length", (json_int_t)99, "partition_spec_id", 0, "added_snapshot_id",
                    (json_int_t)3051729675574597004LL, "added_data_files_count", 5, "existing_data_files_count", 0,
                    "deleted_data_files_count", 0, "added_rows_count", (json_int_t)500, "existing_rows_count",
                    (json_int_t)0, "deleted_rows_count", (json_int_t)0, "partitions", "key_metadata");
    json_array_append_new(entries, old);
    struct buf out;
    buf_init(&out, 0);
    CHECK_EQ_INT(iceberg_manifest_list_write(&out, entries, 8744736658442914487LL, 3051729675574597004LL, 6,
                                         AVRO_CODEC_NULL, NULL), O2P_OK);
    json_decref(entries);
    json_t *back = NULL;
    CHECK_EQ_INT(iceberg_manifest_list_read(out.data, out.len, &back, NULL), O2P_OK);
    CHECK_EQ_INT(json_array_size(back), 2);
    json_t *m1 = json_array_get(back, 0), *m0 = json_array_get(back, 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(m1, "sequence_number")), 6);
    CHECK_EQ_INT(json_integer_value(json_object_get(m1, "added_files_count")), 2);
    json_t *ps = json_array_get(json_object_get(m1, "partitions"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(ps, "lower_bound")), "bd4f0000"); /* 20413 LE */
    CHECK_EQ_STR(json_string_value(json_object_get(ps, "upper_bound")), "be4f0000");
    CHECK(json_is_false(json_object_get(ps, "contains_null")));
    CHECK_EQ_INT(json_integer_value(json_object_get(m0, "added_files_count")), 5);
    CHECK(json_integer_value(json_object_get(m0, "added_snapshot_id")) == 3051729675574597004LL);
    CHECK(json_is_null(json_object_get(m0, "partitions")));
    /* Re-encoding what we read gives the same records (carry-forward is lossless). */
    struct buf again;
    buf_init(&again, 0);
    CHECK_EQ_INT(iceberg_manifest_list_write(&again, back, 8744736658442914487LL, 3051729675574597004LL, 6,
                                         AVRO_CODEC_NULL, NULL), O2P_OK);
    json_t *back2 = NULL;
    CHECK_EQ_INT(iceberg_manifest_list_read(again.data, again.len, &back2, NULL), O2P_OK);
    CHECK(json_equal(back, back2));
    json_decref(back);
    json_decref(back2);
    buf_free(&again);

    char path[] = "/tmp/o2p-mlist-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, out.data, out.len), (long long)out.len);
    close(fd);
    buf_free(&out);
    char res[65536];
    int st = run_check(path, 2, res, sizeof res);
    unlink(path);
    if (st != 0)
        FAILF("python3-avro check failed (%d):\n%s", st, res);
    CHECK(strstr(res, "\"parent-snapshot-id\": \"3051729675574597004\"") != NULL);
    CHECK(strstr(res, "\"sequence-number\": \"6\"") != NULL);
    CHECK(strstr(res, "\"lower_bound\": \"bd4f0000\"") != NULL);
    CHECK(strstr(res, "\"manifest_length\": 4242") != NULL);
}

TEST(partition_mismatch)
{
    struct iceberg_data_file f;
    CHECK_EQ_INT(parse(ENTRY, strlen(ENTRY), &f, NULL), O2P_OK);
    struct iceberg_data_file *files[1] = {&f};
    struct iceberg_spec spec = day_spec();
    strcpy(spec.transform, "hour");
    struct iceberg_manifest_ctx ctx = {"{}", 0, &spec, AVRO_CODEC_NULL};
    struct buf out;
    buf_init(&out, 0);
    struct iceberg_manifest_info info;
    struct o2p_error err = {0};
    CHECK_EQ_INT(iceberg_manifest_write(&out, &ctx, files, 1, 1, &info, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "catalog.partition") != NULL);
    buf_free(&out);
    iceberg_manifest_data_file_free(&f);
}

int main(void)
{
    RUN(entry_parse);
    RUN(manifest_round_trip);
    RUN(manifest_list_round_trip);
    RUN(partition_mismatch);
    return testing_done();
}
