/*
 * fault_iceberg.c - the committer's metadata code (iceberg/) under allocation failure, in the
 * order committer_batch.c calls it for one commit on a table that already has a snapshot:
 * parse the table metadata, parse the batch's files-queue entries, the partition spec and
 * schema, write the manifest, read the parent's manifest list, add the new manifest's entry,
 * write the new list, build the snapshot, apply it and dump the next metadata JSON. And
 * iceberg_metadata_new + dump, the table's creation. And the reader on manifest lists another
 * engine wrote in the snappy and zstandard codecs (python3-avro's, in tests/unit/data/avro,
 * a zstd one without content sizes): each block's buffer and every decoded value fail in turn.
 *
 * jansson allocates through json_set_alloc_funcs, pointed at the wrappers: most of what fails
 * here is jansson's. The output compared between runs is the manifest and the list decoded
 * again (their sync markers are random) and the metadata text (less the random table uuid of
 * a new table).
 */
#include "iceberg/iceberg_avro.h"
#include "committer/committer_int.h"
#include "iceberg/iceberg_manifest.h"
#include "spooler/spool_files_entry.h"
#include "iceberg/iceberg_metadata.h"
#include "tests/fault/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const entries[] = {
    "{\"table\":\"logs\",\"key\":\"otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet\","
    "\"location\":\"file:///w/otel/logs/data/timestamp_day=2026-11-21/logs-1-20.parquet\","
    "\"format\":\"parquet\","
    "\"size\":12345,\"records\":1000,"
    "\"partition\":{\"source\":\"timestamp\",\"transform\":\"day\",\"name\":\"timestamp_day\","
    "\"value\":20413,\"text\":\"2026-11-21\"},"
    "\"claim\":{\"signal\":\"logs\",\"first\":1,\"last\":20},"
    "\"columns\":[{\"id\":1,\"size\":100,\"values\":1000,\"nulls\":0,"
    "\"lower\":\"AAECAwQFBgc=\",\"upper\":\"AQECAwQFBgc=\"},"
    "{\"id\":5,\"size\":80,\"values\":1000,\"nulls\":3,\"lower\":\"YWJj\",\"upper\":\"YWJk\"},"
    "{\"id\":19,\"size\":7,\"values\":10,\"nulls\":10}]}",
    "{\"table\":\"logs\",\"key\":\"otel/logs/data/timestamp_day=2026-11-22/logs-21-40.parquet\","
    "\"location\":\"file:///w/otel/logs/data/timestamp_day=2026-11-22/logs-21-40.parquet\","
    "\"format\":\"parquet\","
    "\"size\":999,\"records\":20,"
    "\"partition\":{\"source\":\"timestamp\",\"transform\":\"day\",\"name\":\"timestamp_day\","
    "\"value\":20414,\"text\":\"2026-11-22\"},"
    "\"claim\":{\"signal\":\"logs\",\"first\":21,\"last\":40},"
    "\"columns\":[{\"id\":1,\"size\":10,\"values\":20,\"nulls\":0,"
    "\"lower\":\"AAECAwQFBgc=\",\"upper\":\"AQECAwQFBgc=\"},"
    "{\"id\":7,\"size\":12,\"values\":20,\"nulls\":0,\"nans\":0,"
    "\"lower\":\"AAAAAAAA8D8=\",\"upper\":\"AAAAAAAAAEA=\"}]}",
};
#define NENTRIES (sizeof entries / sizeof entries[0])

/* Made once, outside the counted calls: the base metadata (one snapshot) and its list. */
static char *base_text;
static struct buf parent_list;

#define COMMIT_ID "c0ffee00-0000-4000-8000-000000000001"

/* record_avro - a container file, decoded, into the run's output (sync markers left out) */
static int record_avro(struct fault_run *r, const struct buf *b)
{
    struct iceberg_avro_file f;
    struct o2p_error e = {0};
    if (iceberg_avro_read(b->data, b->len, 1000, 1u << 20, &f, &e) != O2P_OK) {
        printf("# cannot read back what was written: %s\n", e.msg);
        return O2P_ECORRUPT;
    }
    char *m = json_dumps(f.meta, JSON_COMPACT | JSON_SORT_KEYS);
    char *x = json_dumps(f.records, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = m && x ? O2P_OK : O2P_ENOMEM;
    if (rc == O2P_OK) {
        fault_output(r, m, strlen(m));
        fault_output(r, x, strlen(x));
    }
    free(m);
    free(x);
    iceberg_avro_file_free(&f);
    return rc;
}

/* commit - one commit's metadata work; stops at the first error */
static int commit(struct fault_run *r, struct buf *manifest, struct buf *list, char **text)
{
    struct o2p_error *err = &r->err;
    json_t *md = NULL, *parents = NULL, *snap = NULL;
    struct iceberg_data_file files[NENTRIES];
    struct iceberg_data_file *fp[NENTRIES];
    char *schema = NULL;
    size_t nfiles = 0;
    memset(files, 0, sizeof files);
    int rc = iceberg_metadata_parse(base_text, strlen(base_text), &md, err);
    for (; rc == O2P_OK && nfiles < NENTRIES; nfiles++) {
        /* The committer's way from a files-queue entry to a manifest's data file. */
        struct spool_files_entry e;
        rc = spool_files_entry_decode(entries[nfiles], strlen(entries[nfiles]), &e, err);
        if (rc == O2P_OK) {
            rc = committer_data_file_take(&e, &files[nfiles], err);
            spool_files_entry_free(&e);
        }
        fp[nfiles] = &files[nfiles];
    }
    struct iceberg_spec spec;
    int schema_id = 0;
    if (rc == O2P_OK)
        rc = iceberg_metadata_spec(md, &spec, err);
    if (rc == O2P_OK && !(schema = iceberg_metadata_schema_json(md, &schema_id)))
        rc = o2p_fail(err, O2P_ENOMEM, "iceberg_metadata_schema_json returned NULL");
    struct iceberg_manifest_info info;
    if (rc == O2P_OK) {
        struct iceberg_manifest_ctx ctx = {schema, schema_id, &spec, AVRO_CODEC_DEFLATE};
        rc = iceberg_manifest_write(manifest, &ctx, fp, nfiles, 4242, &info, err);
    }
    if (rc == O2P_OK)
        rc = iceberg_manifest_list_read(parent_list.data, parent_list.len, &parents, err);
    int64_t parent = iceberg_metadata_current(md);
    int64_t seq = (int64_t)json_integer_value(json_object_get(md, "last-sequence-number")) + 1;
    if (rc == O2P_OK) {
        json_t *e = iceberg_manifest_list_entry("file:///w/otel/logs/metadata/" COMMIT_ID "-m0.avro", spec.spec_id,
                                                seq, 4242, &info, &spec);
        if (!e || json_array_insert_new(parents, 0, e) != 0)
            rc = o2p_fail(err, O2P_ENOMEM, "iceberg_manifest_list_entry returned NULL");
    }
    if (rc == O2P_OK)
        rc = iceberg_manifest_list_write(list, parents, 4242, parent, seq, AVRO_CODEC_DEFLATE, err);
    if (rc == O2P_OK) {
        struct iceberg_append a = {.snapshot_id = 4242, .commit_id = COMMIT_ID,
                                   .manifest_list = "file:///w/otel/logs/metadata/snap-4242-1-" COMMIT_ID ".avro",
                                   .added_files = (int64_t)nfiles, .added_records = 1020, .added_bytes = 13344,
                                   .changed_partitions = 2, .now_ms = 1795264400000};
        snap = iceberg_metadata_snapshot_new(md, &a);
        if (!snap)
            rc = o2p_fail(err, O2P_ENOMEM, "iceberg_metadata_snapshot_new returned NULL");
    }
    if (rc == O2P_OK)
        rc = iceberg_metadata_apply(md, snap, "file:///w/otel/logs/metadata/v2.metadata.json", err);
    if (rc == O2P_OK && !(*text = iceberg_metadata_dump(md)))
        rc = o2p_fail(err, O2P_ENOMEM, "iceberg_metadata_dump returned NULL");
    if (rc == O2P_OK && !iceberg_metadata_find_commit(md, COMMIT_ID))
        rc = o2p_fail(err, O2P_ECORRUPT, "the commit id is not in the new metadata");
    json_decref(snap);
    json_decref(parents);
    free(schema);
    for (size_t i = 0; i < nfiles; i++)
        iceberg_manifest_data_file_free(&files[i]);
    json_decref(md);
    return rc;
}

static int op_commit(void *arg, struct fault_run *r)
{
    (void)arg;
    struct buf manifest, list;
    buf_init(&manifest, 0);
    buf_init(&list, 0);
    char *text = NULL;
    fault_begin();
    int rc = commit(r, &manifest, &list, &text);
    fault_end();
    if (rc == O2P_OK)
        rc = record_avro(r, &manifest);
    if (rc == O2P_OK)
        rc = record_avro(r, &list);
    if (rc == O2P_OK)
        fault_output(r, text, strlen(text));
    free(text);
    buf_free(&manifest);
    buf_free(&list);
    return rc;
}

static int op_new_table(void *arg, struct fault_run *r)
{
    (void)arg;
    fault_begin();
    json_t *md = iceberg_metadata_new(OTEL_TABLE_METRICS_HISTOGRAM, TABLE_NAMING_SNAKE, "file:///w/otel/metrics_histogram", "hour",
                                      1795264400000, &r->err);
    char *text = md ? iceberg_metadata_dump(md) : NULL;
    fault_end();
    int rc = O2P_OK;
    if (!md)
        rc = r->err.code ? r->err.code : O2P_ENOMEM;
    else if (!text)
        rc = o2p_fail(&r->err, O2P_ENOMEM, "iceberg_metadata_dump returned NULL");
    if (rc == O2P_OK) {
        /* the uuid is random: compare the rest */
        json_object_del(md, "table-uuid");
        char *rest = json_dumps(md, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (rest)
            fault_output(r, rest, strlen(rest));
        else
            rc = O2P_ENOMEM;
        free(rest);
    }
    free(text);
    json_decref(md);
    return rc;
}

/* Foreign files (codecs we read but do not write), loaded once outside the counted calls. */
static const char *const foreign[] = {
    "tests/unit/data/avro/manifest-list.snappy.avro",
    "tests/unit/data/avro/manifest-list.zstandard-nosize.avro",
};
#define NFOREIGN (sizeof foreign / sizeof foreign[0])
static unsigned char *foreign_data[NFOREIGN];
static size_t foreign_len[NFOREIGN];

/* op_read_foreign - each foreign manifest list through iceberg_manifest_list_read (the
 * committer's call: iceberg_avro_read, snappy or zstd blocks); the records are the output */
static int op_read_foreign(void *arg, struct fault_run *r)
{
    (void)arg;
    int rc = O2P_OK;
    for (size_t i = 0; i < NFOREIGN && rc == O2P_OK; i++) {
        json_t *list = NULL;
        fault_begin();
        rc = iceberg_manifest_list_read(foreign_data[i], foreign_len[i], &list, &r->err);
        fault_end();
        if (rc != O2P_OK)
            break;
        char *x = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
        if (x)
            fault_output(r, x, strlen(x));
        else
            rc = O2P_ENOMEM;
        free(x);
        json_decref(list);
    }
    return rc;
}

/* make_base - a logs table with one snapshot and its manifest list, as the fixture */
static int make_base(void)
{
    struct o2p_error err = {0};
    json_t *md = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "file:///w/otel/logs", "day", 1795264300000, &err);
    struct iceberg_spec spec;
    if (!md || iceberg_metadata_spec(md, &spec, &err) != O2P_OK)
        return printf("FAIL iceberg: fixture: %s\n", err.msg), 1;
    struct iceberg_manifest_info info = {.length = 5000, .added_files = 3, .added_rows = 300, .has_bounds = true,
                                         .lower = 20400, .upper = 20410};
    json_t *list = json_array();
    json_array_append_new(list, iceberg_manifest_list_entry("file:///w/otel/logs/metadata/old-m0.avro", 0, 1, 1111,
                                                            &info, &spec));
    info.lower = info.upper = 20411;
    json_array_append_new(list, iceberg_manifest_list_entry("file:///w/otel/logs/metadata/older-m0.avro", 0, 1, 1111,
                                                            &info, &spec));
    buf_init(&parent_list, 0);
    int rc = iceberg_manifest_list_write(&parent_list, list, 1111, -1, 1, AVRO_CODEC_DEFLATE, &err);
    json_decref(list);
    struct iceberg_append a = {.snapshot_id = 1111, .commit_id = "c0ffee00-0000-4000-8000-000000000000",
                               .manifest_list = "file:///w/otel/logs/metadata/snap-1111-1-x.avro",
                               .added_files = 6, .added_records = 600, .added_bytes = 10000,
                               .changed_partitions = 2, .now_ms = 1795264300001};
    json_t *snap = iceberg_metadata_snapshot_new(md, &a);
    if (rc == O2P_OK)
        rc = iceberg_metadata_apply(md, snap, "file:///w/otel/logs/metadata/v1.metadata.json", &err);
    json_decref(snap);
    base_text = rc == O2P_OK ? iceberg_metadata_dump(md) : NULL;
    json_decref(md);
    if (!base_text)
        return printf("FAIL iceberg: fixture: %s\n", err.msg), 1;
    return 0;
}

#define ALLOC FAULT_MODE_BIT(FAULT_ALLOC)

int main(void)
{
    /* jansson's allocations count and fail like ours (fault.h); set before any JSON exists */
    json_set_alloc_funcs(__wrap_malloc, __wrap_free);
    if (make_base())
        return 1;
    for (size_t i = 0; i < NFOREIGN; i++)
        foreign_len[i] = fault_read_file(foreign[i], &foreign_data[i]);
    static const struct fault_case cases[] = {
        {.name = "iceberg_commit_metadata", .op = op_commit, .modes = ALLOC, .persistent = true},
        {.name = "iceberg_new_table", .op = op_new_table, .modes = ALLOC, .persistent = true},
        {.name = "iceberg_read_snappy_zstd", .op = op_read_foreign, .modes = ALLOC, .persistent = true},
    };
    int rc = fault_main(cases, sizeof cases / sizeof cases[0]);
    for (size_t i = 0; i < NFOREIGN; i++)
        __real_free(foreign_data[i]);
    free(base_text);
    buf_free(&parent_list);
    return rc;
}
