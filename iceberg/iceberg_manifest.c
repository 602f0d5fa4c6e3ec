/*
 * iceberg_manifest.c - Iceberg v2 manifests and manifest lists (reference/iceberg.md s3).
 *
 * Owns: the Avro schema texts of manifest_entry (record names manifest_entry / r2 / r102 /
 * k<key>_v<value>, as Java writes them, with field-id on every field and element-id on lists)
 * and manifest_file (r508 for the partition summaries); the encoding of one record of each.
 * Files-queue entries are decoded by spooler/spool_files_entry.c, not here.
 *
 * Invariants:
 *   - primitives are written as bare type names ("int", not {"type":"int"}): icebird cannot
 *     read the object form; the one exception is the day partition value, written as
 *     {"type":"int","logicalType":"date"} as the spec says writers should;
 *   - manifest entries are status ADDED with sequence_number/file_sequence_number null, so
 *     they inherit the sequence number the manifest list assigns at commit time; the manifest
 *     therefore stays valid across conflict retries and is written once per batch;
 *   - carried-forward manifest list entries are re-encoded field by field; nothing a v2 reader
 *     needs is dropped (v3-only fields such as first_row_id are not written).
 *
 * Does not: do I/O, merge manifests, or write delete manifests.
 */
#include "iceberg/iceberg_manifest.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MANIFEST_BYTES (512u << 20)

/* ---- a data file's description ---------------------------------------------------------- */

void iceberg_manifest_data_file_free(struct iceberg_data_file *f)
{
    free(f->key);
    free(f->location);
    for (int i = 0; i < f->ncols; i++) {
        free(f->cols[i].lower);
        free(f->cols[i].upper);
    }
    free(f->cols);
    memset(f, 0, sizeof *f);
}

/* ---- schemas ------------------------------------------------------------------------------- */

static const char *opt_map(char *out, size_t cap, const char *name, int id, int kid, int vid, const char *vtype)
{
    snprintf(out, cap,
             "{\"name\":\"%s\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":"
             "{\"type\":\"record\",\"name\":\"k%d_v%d\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":%d},"
             "{\"name\":\"value\",\"type\":\"%s\",\"field-id\":%d}]}}],\"default\":null,\"field-id\":%d}",
             name, kid, vid, kid, vtype, vid, id);
    return out;
}

static int entry_schema(struct buf *b, const struct iceberg_spec *spec)
{
    char m[6][512];
    char part[512] = "";
    if (spec->nfields == 1) {
        bool date = !strcmp(spec->transform, "day");
        snprintf(part, sizeof part, "{\"name\":\"%s\",\"type\":[\"null\",%s],\"default\":null,\"field-id\":%d}",
                 spec->name, date ? "{\"type\":\"int\",\"logicalType\":\"date\"}" : "\"int\"", spec->field_id);
    }
    return buf_printf(b,
        "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
        "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
        "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
        "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
        "{\"name\":\"file_sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":4},"
        "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
        "{\"name\":\"content\",\"type\":\"int\",\"doc\":\"Contents of the file: 0=data, 1=position deletes, 2=equality deletes\",\"field-id\":134},"
        "{\"name\":\"file_path\",\"type\":\"string\",\"doc\":\"Location URI with FS scheme\",\"field-id\":100},"
        "{\"name\":\"file_format\",\"type\":\"string\",\"doc\":\"File format name: avro, orc, or parquet\",\"field-id\":101},"
        "{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":[%s]},\"doc\":\"Partition data tuple, schema based on the partition spec\",\"field-id\":102},"
        "{\"name\":\"record_count\",\"type\":\"long\",\"doc\":\"Number of records in the file\",\"field-id\":103},"
        "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"doc\":\"Total file size in bytes\",\"field-id\":104},"
        "%s,%s,%s,%s,%s,%s,"
        "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":131},"
        "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}],\"default\":null,\"field-id\":132},"
        "{\"name\":\"equality_ids\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"int\",\"element-id\":136}],\"default\":null,\"field-id\":135},"
        "{\"name\":\"sort_order_id\",\"type\":[\"null\",\"int\"],\"default\":null,\"field-id\":140},"
        "{\"name\":\"referenced_data_file\",\"type\":[\"null\",\"string\"],\"default\":null,\"field-id\":143}"
        "]},\"field-id\":2}]}",
        part,
        opt_map(m[0], sizeof m[0], "column_sizes", 108, 117, 118, "long"),
        opt_map(m[1], sizeof m[1], "value_counts", 109, 119, 120, "long"),
        opt_map(m[2], sizeof m[2], "null_value_counts", 110, 121, 122, "long"),
        opt_map(m[3], sizeof m[3], "nan_value_counts", 137, 138, 139, "long"),
        opt_map(m[4], sizeof m[4], "lower_bounds", 125, 126, 127, "bytes"),
        opt_map(m[5], sizeof m[5], "upper_bounds", 128, 129, 130, "bytes"));
}

static const char LIST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"doc\":\"Location URI with FS scheme\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"doc\":\"Total file size in bytes\",\"field-id\":501},"
    "{\"name\":\"partition_spec_id\",\"type\":\"int\",\"doc\":\"Spec ID used to write\",\"field-id\":502},"
    "{\"name\":\"content\",\"type\":\"int\",\"doc\":\"Contents of the manifest: 0=data, 1=deletes\",\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\",\"doc\":\"Sequence number when the manifest was added\",\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\",\"doc\":\"Lowest sequence number in the manifest\",\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\",\"doc\":\"Snapshot ID that added the manifest\",\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"doc\":\"Added entry count\",\"field-id\":504},"
    "{\"name\":\"existing_files_count\",\"type\":\"int\",\"doc\":\"Existing entry count\",\"field-id\":505},"
    "{\"name\":\"deleted_files_count\",\"type\":\"int\",\"doc\":\"Deleted entry count\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"doc\":\"Added rows count\",\"field-id\":512},"
    "{\"name\":\"existing_rows_count\",\"type\":\"long\",\"doc\":\"Existing rows count\",\"field-id\":513},"
    "{\"name\":\"deleted_rows_count\",\"type\":\"long\",\"doc\":\"Deleted rows count\",\"field-id\":514},"
    "{\"name\":\"partitions\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"r508\",\"fields\":["
    "{\"name\":\"contains_null\",\"type\":\"boolean\",\"doc\":\"True if any file has a null partition value\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],\"doc\":\"True if any file has a nan partition value\",\"default\":null,\"field-id\":518},"
    "{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],\"doc\":\"Partition lower bound for all files\",\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],\"doc\":\"Partition upper bound for all files\",\"default\":null,\"field-id\":511}"
    "]},\"element-id\":508}],\"doc\":\"Summary for each partition\",\"default\":null,\"field-id\":507},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"doc\":\"Encryption key metadata blob\",\"default\":null,\"field-id\":519}"
    "]}";

void iceberg_manifest_spec_fields_json(const struct iceberg_spec *spec, char *out, size_t cap)
{
    if (spec->nfields == 0)
        snprintf(out, cap, "[]");
    else
        snprintf(out, cap, "[{\"name\":\"%s\",\"transform\":\"%s\",\"source-id\":%d,\"field-id\":%d}]",
                 spec->name, spec->transform, spec->source_id, spec->field_id);
}

/* ---- manifest ------------------------------------------------------------------------------- */

enum metric { M_SIZE, M_VALUES, M_NULLS, M_NANS, M_LOWER, M_UPPER };

static bool has_metric(const struct iceberg_col_metric *c, enum metric m)
{
    switch (m) {
    case M_SIZE: return c->size >= 0;
    case M_VALUES: return c->values >= 0;
    case M_NULLS: return c->nulls >= 0;
    case M_NANS: return c->nans >= 0;
    case M_LOWER: return c->lower_len >= 0;
    case M_UPPER: return c->upper_len >= 0;
    }
    return false;
}

/* put_metric_map - one of the six id-keyed maps: null when no column has the metric. */
static int put_metric_map(struct buf *b, const struct iceberg_data_file *f, enum metric m)
{
    int n = 0, rc;
    for (int i = 0; i < f->ncols; i++)
        n += has_metric(&f->cols[i], m);
    if (n == 0)
        return iceberg_avro_put_union(b, 0);
    rc = iceberg_avro_put_union(b, 1);
    rc = rc ? rc : iceberg_avro_put_long(b, n);
    for (int i = 0; i < f->ncols && rc == O2P_OK; i++) {
        const struct iceberg_col_metric *c = &f->cols[i];
        if (!has_metric(c, m))
            continue;
        rc = iceberg_avro_put_int(b, c->id);
        if (rc)
            break;
        switch (m) {
        case M_SIZE: rc = iceberg_avro_put_long(b, c->size); break;
        case M_VALUES: rc = iceberg_avro_put_long(b, c->values); break;
        case M_NULLS: rc = iceberg_avro_put_long(b, c->nulls); break;
        case M_NANS: rc = iceberg_avro_put_long(b, c->nans); break;
        case M_LOWER: rc = iceberg_avro_put_bytes(b, c->lower, (size_t)c->lower_len); break;
        case M_UPPER: rc = iceberg_avro_put_bytes(b, c->upper, (size_t)c->upper_len); break;
        }
    }
    return rc ? rc : iceberg_avro_put_long(b, 0);
}

static int put_entry(struct buf *b, const struct iceberg_data_file *f, int64_t snapshot_id, const struct iceberg_spec *spec)
{
    int rc = iceberg_avro_put_int(b, 1);                    /* status ADDED */
    rc = rc ? rc : iceberg_avro_put_union(b, 1);
    rc = rc ? rc : iceberg_avro_put_long(b, snapshot_id);
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* sequence_number: inherited */
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* file_sequence_number: inherited */
    rc = rc ? rc : iceberg_avro_put_int(b, 0);              /* content: data */
    rc = rc ? rc : iceberg_avro_put_string(b, f->location);
    rc = rc ? rc : iceberg_avro_put_string(b, "PARQUET");
    if (spec->nfields == 1) {
        rc = rc ? rc : iceberg_avro_put_union(b, 1);
        rc = rc ? rc : iceberg_avro_put_int(b, f->partition_value);
    }
    rc = rc ? rc : iceberg_avro_put_long(b, f->records);
    rc = rc ? rc : iceberg_avro_put_long(b, f->size);
    for (int m = M_SIZE; m <= M_UPPER && rc == O2P_OK; m++)
        rc = put_metric_map(b, f, (enum metric)m);
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* key_metadata */
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* split_offsets */
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* equality_ids */
    rc = rc ? rc : iceberg_avro_put_union(b, 1);
    rc = rc ? rc : iceberg_avro_put_int(b, 0);              /* sort_order_id: unsorted */
    rc = rc ? rc : iceberg_avro_put_union(b, 0);            /* referenced_data_file */
    return rc;
}

int iceberg_manifest_write(struct buf *out, const struct iceberg_manifest_ctx *ctx,
                       struct iceberg_data_file *const *files, size_t n, int64_t snapshot_id,
                       struct iceberg_manifest_info *info, struct o2p_error *err)
{
    struct buf schema, body;
    buf_init(&schema, 64 * 1024);
    buf_init(&body, MAX_MANIFEST_BYTES);
    memset(info, 0, sizeof *info);
    int rc = entry_schema(&schema, ctx->spec);
    for (size_t i = 0; i < n && rc == O2P_OK; i++) {
        const struct iceberg_data_file *f = files[i];
        if (ctx->spec->nfields == 1 && (!f->partitioned || strcmp(f->transform, ctx->spec->transform))) {
            rc = o2p_fail(err, O2P_EINVAL, "manifest: %s is partitioned by %s, the table by %s(%d); "
                          "catalog.partition must match the table's partition spec",
                          f->key, f->partitioned ? f->transform : "nothing", ctx->spec->transform,
                          ctx->spec->source_id);
            goto out;
        }
        rc = put_entry(&body, f, snapshot_id, ctx->spec);
        info->added_files++;
        info->added_rows += f->records;
        if (ctx->spec->nfields == 1) {
            if (!info->has_bounds || f->partition_value < info->lower)
                info->lower = f->partition_value;
            if (!info->has_bounds || f->partition_value > info->upper)
                info->upper = f->partition_value;
            info->has_bounds = true;
        }
    }
    if (rc != O2P_OK) {
        o2p_fail(err, rc, "manifest: encode %zu entries: %s", n, o2p_strerror(rc));
        goto out;
    }
    char spec_json[512], schema_id[16], spec_id[16];
    iceberg_manifest_spec_fields_json(ctx->spec, spec_json, sizeof spec_json);
    snprintf(schema_id, sizeof schema_id, "%d", ctx->schema_id);
    snprintf(spec_id, sizeof spec_id, "%d", ctx->spec->spec_id);
    const struct iceberg_avro_meta meta[] = {
        {"schema", ctx->schema_json, 0},       {"schema-id", schema_id, 0},
        {"partition-spec", spec_json, 0},      {"partition-spec-id", spec_id, 0},
        {"format-version", "2", 0},            {"content", "data", 0},
    };
    uint8_t sync[AVRO_SYNC_BYTES];
    RAND_bytes(sync, sizeof sync);
    size_t start = out->len;
    rc = iceberg_avro_ocf_write(out, (const char *)schema.data, ctx->codec, meta, 6, sync, body.data, body.len,
                        (int64_t)n, err);
    info->length = (int64_t)(out->len - start);
out:
    buf_free(&schema);
    buf_free(&body);
    return rc;
}

/* ---- manifest list ----------------------------------------------------------------------- */

static json_t *hex4(int32_t v)
{
    char s[9];
    uint32_t u = (uint32_t)v;
    snprintf(s, sizeof s, "%02x%02x%02x%02x", u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff, u >> 24);
    return json_string(s);
}

json_t *iceberg_manifest_list_entry(const char *manifest_path, int32_t spec_id, int64_t seq,
                                int64_t snapshot_id, const struct iceberg_manifest_info *info,
                                const struct iceberg_spec *spec)
{
    /* A summary missing a member would be written as a null bound: any failure is NULL. */
    json_t *parts = json_array();
    if (parts && spec->nfields == 1) {
        json_t *fs = json_object();
        int bad = json_object_set_new(fs, "contains_null", json_false());
        bad |= json_object_set_new(fs, "contains_nan", json_null());
        bad |= json_object_set_new(fs, "lower_bound", info->has_bounds ? hex4(info->lower) : json_null());
        bad |= json_object_set_new(fs, "upper_bound", info->has_bounds ? hex4(info->upper) : json_null());
        if (bad) {
            json_decref(fs);
            fs = NULL;
        }
        if (json_array_append_new(parts, fs) != 0) {
            json_decref(parts);
            return NULL;
        }
    }
    if (!parts)
        return NULL;
    return json_pack("{s:s, s:I, s:i, s:i, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:o, s:n}",
                     "manifest_path", manifest_path, "manifest_length", (json_int_t)info->length,
                     "partition_spec_id", spec_id, "content", 0, "sequence_number", (json_int_t)seq,
                     "min_sequence_number", (json_int_t)seq, "added_snapshot_id", (json_int_t)snapshot_id,
                     "added_files_count", info->added_files, "existing_files_count", 0,
                     "deleted_files_count", 0, "added_rows_count", (json_int_t)info->added_rows,
                     "existing_rows_count", (json_int_t)0, "deleted_rows_count", (json_int_t)0,
                     "partitions", parts, "key_metadata");
}

int iceberg_manifest_list_read(const uint8_t *data, size_t len, json_t **out, struct o2p_error *err)
{
    struct iceberg_avro_file f;
    int rc = iceberg_avro_read(data, len, 1000000, MAX_MANIFEST_BYTES, &f, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "manifest list");
    *out = json_incref(f.records);
    iceberg_avro_file_free(&f);
    return O2P_OK;
}

/* field - a member by name, trying the older spelling too. */
static const json_t *field(const json_t *e, const char *name, const char *alt)
{
    const json_t *v = json_object_get(e, name);
    return v || !alt ? v : json_object_get(e, alt);
}

static int64_t ival(const json_t *e, const char *name, const char *alt, int64_t dflt)
{
    const json_t *v = field(e, name, alt);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static int put_opt_hex(struct buf *b, const json_t *v)
{
    uint8_t tmp[4096];
    const char *s = json_string_value(v);
    int n = s ? iceberg_avro_hex_decode(s, tmp, sizeof tmp) : -1;
    if (n < 0)
        return iceberg_avro_put_union(b, 0);
    int rc = iceberg_avro_put_union(b, 1);
    return rc ? rc : iceberg_avro_put_bytes(b, tmp, (size_t)n);
}

static int put_list_entry(struct buf *b, const json_t *e)
{
    const char *path = json_string_value(field(e, "manifest_path", NULL));
    if (!path)
        return O2P_ECORRUPT;
    int rc = iceberg_avro_put_string(b, path);
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "manifest_length", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_int(b, (int32_t)ival(e, "partition_spec_id", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_int(b, (int32_t)ival(e, "content", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "sequence_number", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "min_sequence_number", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "added_snapshot_id", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_int(b, (int32_t)ival(e, "added_files_count", "added_data_files_count", 0));
    rc = rc ? rc : iceberg_avro_put_int(b, (int32_t)ival(e, "existing_files_count", "existing_data_files_count", 0));
    rc = rc ? rc : iceberg_avro_put_int(b, (int32_t)ival(e, "deleted_files_count", "deleted_data_files_count", 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "added_rows_count", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "existing_rows_count", NULL, 0));
    rc = rc ? rc : iceberg_avro_put_long(b, ival(e, "deleted_rows_count", NULL, 0));
    const json_t *parts = field(e, "partitions", NULL);
    if (!json_is_array(parts)) {
        rc = rc ? rc : iceberg_avro_put_union(b, 0);
    } else {
        rc = rc ? rc : iceberg_avro_put_union(b, 1);
        if (json_array_size(parts))
            rc = rc ? rc : iceberg_avro_put_long(b, (int64_t)json_array_size(parts));
        size_t i;
        const json_t *fs;
        json_array_foreach(parts, i, fs) {
            const json_t *nan = json_object_get(fs, "contains_nan");
            rc = rc ? rc : iceberg_avro_put_bool(b, json_is_true(json_object_get(fs, "contains_null")));
            if (json_is_boolean(nan)) {
                rc = rc ? rc : iceberg_avro_put_union(b, 1);
                rc = rc ? rc : iceberg_avro_put_bool(b, json_is_true(nan));
            } else {
                rc = rc ? rc : iceberg_avro_put_union(b, 0);
            }
            rc = rc ? rc : put_opt_hex(b, json_object_get(fs, "lower_bound"));
            rc = rc ? rc : put_opt_hex(b, json_object_get(fs, "upper_bound"));
        }
        rc = rc ? rc : iceberg_avro_put_long(b, 0);
    }
    rc = rc ? rc : put_opt_hex(b, field(e, "key_metadata", NULL));
    return rc;
}

int iceberg_manifest_list_write(struct buf *out, const json_t *entries, int64_t snapshot_id,
                            int64_t parent_id, int64_t seq, enum iceberg_avro_codec codec,
                            struct o2p_error *err)
{
    struct buf body;
    buf_init(&body, MAX_MANIFEST_BYTES);
    int rc = O2P_OK;
    size_t i;
    const json_t *e;
    json_array_foreach(entries, i, e) {
        rc = put_list_entry(&body, e);
        if (rc != O2P_OK) {
            buf_free(&body);
            return o2p_fail(err, rc, "manifest list: encode entry %zu: %s", i,
                            rc == O2P_ECORRUPT ? "no manifest_path" : o2p_strerror(rc));
        }
    }
    char sid[24], pid[24], sq[24];
    snprintf(sid, sizeof sid, "%lld", (long long)snapshot_id);
    if (parent_id < 0)
        snprintf(pid, sizeof pid, "null");
    else
        snprintf(pid, sizeof pid, "%lld", (long long)parent_id);
    snprintf(sq, sizeof sq, "%lld", (long long)seq);
    const struct iceberg_avro_meta meta[] = {
        {"snapshot-id", sid, 0}, {"parent-snapshot-id", pid, 0},
        {"sequence-number", sq, 0}, {"format-version", "2", 0},
    };
    uint8_t sync[AVRO_SYNC_BYTES];
    RAND_bytes(sync, sizeof sync);
    rc = iceberg_avro_ocf_write(out, LIST_SCHEMA, codec, meta, 4, sync, body.data, body.len,
                        (int64_t)json_array_size(entries), err);
    buf_free(&body);
    return rc;
}
