/*
 * iceberg_metadata.c - Iceberg v2 table metadata JSON (see iceberg_metadata.h).
 *
 * Owns: the rules of reference/iceberg.md 2.1 (snapshot object and summary totals) and 2.5
 * (what an append changes in metadata.json). Ids and sequence numbers are json_int_t
 * (long long) end to end; a double never touches them.
 *
 * Life of one table's metadata, as seen from here:
 *   iceberg_metadata_new (v1, no snapshot)
 *     -> iceberg_metadata_snapshot_new on the current base -> iceberg_metadata_apply -> next version
 *   A conflict means the base was stale: the caller reloads and repeats both steps on the new
 *   base (the snapshot id and commit id stay; parent, sequence number, timestamp and totals
 *   are recomputed).
 *
 * Does not: expire snapshots, evolve schemas or specs, or read manifests.
 */
#include "iceberg/iceberg_metadata.h"

#include "common/buf.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void iceberg_metadata_uuid(char out[37])
{
    uint8_t u[16];
    RAND_bytes(u, sizeof u);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

int64_t iceberg_metadata_random_id(void)
{
    uint64_t v = 0;
    while (v == 0) {
        RAND_bytes((unsigned char *)&v, sizeof v);
        v &= INT64_MAX;
    }
    return (int64_t)v;
}

/* max_id - the largest field id in a schema type tree (last-column-id). */
static int64_t max_id(const json_t *type)
{
    int64_t m = 0;
    if (!json_is_object(type))
        return 0;
    const char *keys[] = {"id", "element-id", "key-id", "value-id"};
    for (size_t i = 0; i < 4; i++) {
        const json_t *v = json_object_get(type, keys[i]);
        if (json_is_integer(v) && json_integer_value(v) > m)
            m = json_integer_value(v);
    }
    const char *kids[] = {"type", "element", "key", "value"};
    for (size_t i = 0; i < 4; i++) {
        int64_t k = max_id(json_object_get(type, kids[i]));
        m = k > m ? k : m;
    }
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(type, "fields"), i, f) {
        int64_t k = max_id(f);
        m = k > m ? k : m;
    }
    return m;
}

json_t *iceberg_metadata_new(enum otel_table t, enum table_naming n, const char *location,
                             const char *transform, int64_t now_ms, struct o2p_error *err)
{
    const struct table_def *d = table_schema_get(t, n);
    if (!d || (strcmp(transform, "day") && strcmp(transform, "hour"))) {
        o2p_fail(err, O2P_EINVAL, "table metadata: unknown table or partition transform \"%s\"", transform);
        return NULL;
    }
    size_t need = table_schema_iceberg_json(t, n, 0, NULL, 0);
    char *text = malloc(need + 1);
    if (!text) {
        o2p_fail(err, O2P_ENOMEM, "table metadata: allocate the schema text of %s: out of memory", d->name);
        return NULL;
    }
    table_schema_iceberg_json(t, n, 0, text, need + 1);
    json_error_t je;
    json_t *schema = json_loads(text, 0, &je);
    free(text);
    if (!schema) {
        if (json_error_code(&je) == json_error_out_of_memory)
            o2p_fail(err, O2P_ENOMEM, "table metadata: parse the schema of %s: out of memory", d->name);
        else
            o2p_fail(err, O2P_EINVAL, "table metadata: schema JSON of %s does not parse: %s", d->name, je.text);
        return NULL;
    }
    char uuid[37], pname[96];
    iceberg_metadata_uuid(uuid);
    snprintf(pname, sizeof pname, "%s_%s", d->partition_column, transform);
    int32_t source = table_schema_field_id(t, n, d->partition_column);
    json_t *md = json_pack(
        "{s:i, s:s, s:s, s:I, s:I, s:I, s:i, s:[o], s:i, s:[{s:i, s:[{s:s, s:s, s:i, s:i}]}], s:i,"
        " s:i, s:[{s:i, s:[]}], s:{s:s, s:s, s:s, s:s}, s:I, s:{}, s:[], s:[], s:[]}",
        "format-version", 2, "table-uuid", uuid, "location", location,
        "last-sequence-number", (json_int_t)0, "last-updated-ms", (json_int_t)now_ms,
        "last-column-id", (json_int_t)max_id(schema), "current-schema-id", 0, "schemas", schema,
        "default-spec-id", 0, "partition-specs", "spec-id", 0, "fields", "name", pname, "transform",
        transform, "source-id", source, "field-id", 1000, "last-partition-id", 1000,
        "default-sort-order-id", 0, "sort-orders", "order-id", 0, "fields", "properties",
        "write.format.default", "parquet", "write.parquet.compression-codec", "zstd",
        /* Iceberg's own retention keys (its default is to keep every version): the filesystem
         * catalog deletes a metadata file once it leaves the metadata-log; an operator changes
         * either with any engine (ALTER TABLE ... SET TBLPROPERTIES). */
        ICEBERG_PROP_DELETE_AFTER_COMMIT, "true", ICEBERG_PROP_PREVIOUS_VERSIONS_MAX, "100",
        "current-snapshot-id", (json_int_t)-1, "refs", "snapshots", "snapshot-log", "metadata-log");
    if (!md)
        o2p_fail(err, O2P_ENOMEM, "table metadata: build the metadata of %s: out of memory", d->name);
    return md;
}

int iceberg_metadata_parse(const char *text, size_t len, json_t **out, struct o2p_error *err)
{
    json_error_t je;
    json_t *md = json_loadb(text, len, 0, &je);
    if (!md && json_error_code(&je) == json_error_out_of_memory)
        return o2p_fail(err, O2P_ENOMEM, "table metadata: parse %zu bytes: out of memory", len);
    if (!md || !json_is_object(md)) {
        json_decref(md);
        return o2p_fail(err, O2P_ECORRUPT, "table metadata: not JSON: %s (line %d)", je.text, je.line);
    }
    json_int_t fv = json_integer_value(json_object_get(md, "format-version"));
    if (fv != 2) {
        json_decref(md);
        return o2p_fail(err, O2P_EUNSUPPORTED, "table metadata: format-version %lld (this committer writes v2 tables only)",
                        (long long)fv);
    }
    const char *req[] = {"table-uuid", "location", "last-sequence-number", "last-updated-ms", "last-column-id",
                         "schemas", "current-schema-id", "partition-specs", "default-spec-id"};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        if (!json_object_get(md, req[i])) {
            json_decref(md);
            return o2p_fail(err, O2P_ECORRUPT, "table metadata: required member \"%s\" missing", req[i]);
        }
    }
    if (!json_is_array(json_object_get(md, "snapshots")) && json_object_set_new(md, "snapshots", json_array()) != 0) {
        json_decref(md);
        return o2p_fail(err, O2P_ENOMEM, "table metadata: add an empty snapshots list: out of memory");
    }
    *out = md;
    return O2P_OK;
}

/* text_append - json_dump_callback's sink: a growable buffer whose first failure sticks, so
 * a part jansson did not check (see iceberg_metadata_json_text) still fails the whole text. */
struct text {
    struct buf b;
    bool failed;
};

static int text_append(const char *p, size_t n, void *data)
{
    struct text *t = data;
    if (t->failed || buf_append(&t->b, p, n) != O2P_OK)
        t->failed = true;
    return t->failed ? -1 : 0;
}

char *iceberg_metadata_json_text(const json_t *j, size_t flags)
{
    struct text t = {.failed = false};
    buf_init(&t.b, 0);
    if (json_dump_callback(j, text_append, &t, flags) != 0 || t.failed || buf_reserve(&t.b, 0) != O2P_OK) {
        buf_free(&t.b);
        return NULL;
    }
    return (char *)t.b.data; /* buf keeps a NUL after its bytes */
}

char *iceberg_metadata_dump(const json_t *md) { return iceberg_metadata_json_text(md, JSON_COMPACT | JSON_PRESERVE_ORDER); }

int64_t iceberg_metadata_current(const json_t *md)
{
    const json_t *main_ref = json_object_get(json_object_get(md, "refs"), "main");
    const json_t *v = main_ref ? json_object_get(main_ref, "snapshot-id") : json_object_get(md, "current-snapshot-id");
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (int64_t)json_integer_value(v) : -1;
}

const json_t *iceberg_metadata_snapshot(const json_t *md, int64_t id)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(md, "snapshots"), i, s) {
        if (json_integer_value(json_object_get(s, "snapshot-id")) == id)
            return s;
    }
    return NULL;
}

const json_t *iceberg_metadata_find_commit(const json_t *md, const char *commit_id)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(md, "snapshots"), i, s) {
        const char *c = json_string_value(json_object_get(json_object_get(s, "summary"), ICEBERG_COMMIT_ID_KEY));
        if (c && !strcmp(c, commit_id))
            return s;
    }
    return NULL;
}

int iceberg_metadata_spec(const json_t *md, struct iceberg_spec *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    json_int_t want = json_integer_value(json_object_get(md, "default-spec-id"));
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(md, "partition-specs"), i, s) {
        if (json_integer_value(json_object_get(s, "spec-id")) != want)
            continue;
        out->spec_id = (int)want;
        const json_t *fields = json_object_get(s, "fields");
        if (json_array_size(fields) == 0)
            return O2P_OK;
        const json_t *f = json_array_get(fields, 0);
        const char *tr = json_string_value(json_object_get(f, "transform"));
        const char *name = json_string_value(json_object_get(f, "name"));
        if (json_array_size(fields) > 1 || !tr || !name || (strcmp(tr, "day") && strcmp(tr, "hour")) ||
            strlen(name) >= sizeof out->name)
            return o2p_fail(err, O2P_EUNSUPPORTED, "table partition spec %lld is not a single day/hour field",
                            (long long)want);
        out->nfields = 1;
        out->source_id = (int32_t)json_integer_value(json_object_get(f, "source-id"));
        out->field_id = (int32_t)json_integer_value(json_object_get(f, "field-id"));
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->transform, sizeof out->transform, "%s", tr);
        return O2P_OK;
    }
    return o2p_fail(err, O2P_ECORRUPT, "table metadata: default-spec-id %lld has no spec", (long long)want);
}

char *iceberg_metadata_schema_json(const json_t *md, int *schema_id)
{
    json_int_t want = json_integer_value(json_object_get(md, "current-schema-id"));
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(md, "schemas"), i, s) {
        if (json_integer_value(json_object_get(s, "schema-id")) == want) {
            *schema_id = (int)want;
            return iceberg_metadata_json_text(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
        }
    }
    return NULL;
}

/* has_column - the current schema's top-level fields include `name` */
static bool has_column(const json_t *schema, const char *name)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(schema, "fields"), i, f) {
        const char *got = json_string_value(json_object_get(f, "name"));
        if (got && strcmp(got, name) == 0)
            return true;
    }
    return false;
}

/* list_add - append `name` to a short ", "-separated list of examples (three at most) */
static void list_add(char *list, size_t n, int *count, const char *name)
{
    size_t l = strlen(list);
    if (*count < 3)
        snprintf(list + l, n - l, "%s%s", *count ? ", " : "", name);
    else if (*count == 3)
        snprintf(list + l, n - l, ", ...");
    (*count)++;
}

int iceberg_metadata_check_naming(const json_t *md, enum otel_table t, enum table_naming want, const char *label,
                                  struct o2p_error *err)
{
    enum table_naming other = want == TABLE_NAMING_SNAKE ? TABLE_NAMING_CLICKHOUSE : TABLE_NAMING_SNAKE;
    const struct table_def *w = table_schema_get(t, want), *o = table_schema_get(t, other);
    const struct table_def *ch = table_schema_get(t, TABLE_NAMING_CLICKHOUSE);
    json_int_t cur = json_integer_value(json_object_get(md, "current-schema-id"));
    const json_t *schema = NULL, *s;
    size_t k;
    json_array_foreach(json_object_get(md, "schemas"), k, s) {
        if (json_integer_value(json_object_get(s, "schema-id")) == cur)
            schema = s;
    }
    if (!w || !o || !schema)
        return O2P_OK;
    char others[160] = "", lowered[160] = "";
    int nothers = 0, nlowered = 0;
    for (int i = 0, col = 0; col < w->num_columns; col++) {
        const char *wn = w->fields[i].name, *on = o->fields[i].name;
        char low[64];
        size_t j = 0;
        for (; ch->fields[i].name[j] && j + 1 < sizeof low; j++) {
            char c = ch->fields[i].name[j];
            low[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        low[j] = '\0';
        if (!has_column(schema, wn)) {
            if (strcmp(low, wn) && strcmp(low, on) && has_column(schema, low))
                list_add(lowered, sizeof lowered, &nlowered, low);
            else if (has_column(schema, on))
                list_add(others, sizeof others, &nothers, on);
        }
        /* next top-level column: skip this one's nested entries */
        int left = 1;
        while (left > 0) {
            left += w->fields[i].num_children - 1;
            i++;
        }
    }
    if (nlowered)
        return o2p_fail(err, O2P_EUNSUPPORTED,
                        "table %s has ClickHouse column names lower-cased by the catalog (%s), as AWS Glue and "
                        "Lake Formation store mixed-case names; no Parquet file of table.column_names = %s "
                        "matches them: use table.column_names = snake_case (the default) and write to a new "
                        "table (catalog.table_prefix or catalog.table_names)",
                        label, lowered, table_schema_naming_name(want));
    if (nothers)
        return o2p_fail(err, O2P_EUNSUPPORTED,
                        "table %s uses %s column names (%s) but table.column_names = %s: set "
                        "table.column_names = %s, or write to a new table (catalog.table_prefix or "
                        "catalog.table_names)",
                        label, other == TABLE_NAMING_CLICKHOUSE ? "ClickHouse" : "snake_case", others,
                        table_schema_naming_name(want), table_schema_naming_name(other));
    return O2P_OK;
}

/* set - json_object_set_new that records a failure in *bad: v NULL (a constructor out of
 * memory) or no room to add it. The reference to v is stolen either way. */
static void set(json_t *o, const char *key, json_t *v, bool *bad)
{
    if (json_object_set_new(o, key, v) != 0)
        *bad = true;
}

static json_t *num(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    return json_string(s);
}

/* set_total - summary[key] = parent total + added, as a decimal string; left out when the
 * parent has a summary without this total (Java/PyIceberg then omit it). */
static void set_total(json_t *sum, const json_t *parent_summary, const char *key, int64_t added, bool *bad)
{
    if (parent_summary) {
        const char *v = json_string_value(json_object_get(parent_summary, key));
        if (!v)
            return;
        added += strtoll(v, NULL, 10);
    }
    set(sum, key, num(added), bad);
}

json_t *iceberg_metadata_snapshot_new(const json_t *md, const struct iceberg_append *a)
{
    int64_t parent = iceberg_metadata_current(md);
    const json_t *ps = parent >= 0 ? json_object_get(iceberg_metadata_snapshot(md, parent), "summary") : NULL;
    int64_t seq = (int64_t)json_integer_value(json_object_get(md, "last-sequence-number")) + 1;
    int64_t last = (int64_t)json_integer_value(json_object_get(md, "last-updated-ms"));
    int64_t ts = a->now_ms > last ? a->now_ms : last + 1;
    /* Every member matters (a snapshot without its manifest list or commit id would be
     * committed as such): any failure to build one is a NULL result. */
    bool bad = false;
    json_t *sum = json_object();
    set(sum, "operation", json_string("append"), &bad);
    set(sum, "added-data-files", num(a->added_files), &bad);
    set(sum, "added-records", num(a->added_records), &bad);
    set(sum, "added-files-size", num(a->added_bytes), &bad);
    set(sum, "changed-partition-count", num(a->changed_partitions), &bad);
    const struct { const char *key; int64_t added; } totals[] = {
        {"total-records", a->added_records}, {"total-files-size", a->added_bytes},
        {"total-data-files", a->added_files}, {"total-delete-files", 0},
        {"total-position-deletes", 0}, {"total-equality-deletes", 0},
    };
    for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++)
        set_total(sum, ps, totals[i].key, totals[i].added, &bad);
    set(sum, "engine-name", json_string("otlp2parquet"), &bad);
    set(sum, ICEBERG_COMMIT_ID_KEY, json_string(a->commit_id), &bad);
    json_t *s = json_object();
    set(s, "sequence-number", json_integer(seq), &bad);
    set(s, "snapshot-id", json_integer(a->snapshot_id), &bad);
    if (parent >= 0)
        set(s, "parent-snapshot-id", json_integer(parent), &bad);
    set(s, "timestamp-ms", json_integer(ts), &bad);
    set(s, "manifest-list", json_string(a->manifest_list), &bad);
    set(s, "summary", sum, &bad);
    set(s, "schema-id", json_integer(json_integer_value(json_object_get(md, "current-schema-id"))), &bad);
    if (bad) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* array_member - md[key] as an array, made empty when missing; NULL when out of memory. */
static json_t *array_member(json_t *md, const char *key)
{
    json_t *a = json_object_get(md, key);
    if (json_is_array(a))
        return a;
    a = json_array();
    return json_object_set_new(md, key, a) == 0 ? a : NULL;
}

/* prop_text - a table property's value, or NULL. */
static const char *prop_text(const json_t *md, const char *key)
{
    return json_string_value(json_object_get(json_object_get(md, "properties"), key));
}

int64_t iceberg_metadata_previous_versions_max(const json_t *md)
{
    const char *v = prop_text(md, ICEBERG_PROP_PREVIOUS_VERSIONS_MAX);
    char *end;
    long long n = v ? strtoll(v, &end, 10) : -1;
    return v && end != v && !*end && n >= 1 ? n : 100; /* Iceberg's default; a bad value too */
}

bool iceberg_metadata_delete_after_commit(const json_t *md)
{
    const char *v = prop_text(md, ICEBERG_PROP_DELETE_AFTER_COMMIT);
    return v && !strcasecmp(v, "true");
}

int iceberg_metadata_apply(json_t *md, const json_t *snapshot, const char *prev_file, struct o2p_error *err)
{
    int64_t id = (int64_t)json_integer_value(json_object_get(snapshot, "snapshot-id"));
    int64_t seq = (int64_t)json_integer_value(json_object_get(snapshot, "sequence-number"));
    int64_t ts = (int64_t)json_integer_value(json_object_get(snapshot, "timestamp-ms"));
    int64_t last_seq = (int64_t)json_integer_value(json_object_get(md, "last-sequence-number"));
    int64_t last_ms = (int64_t)json_integer_value(json_object_get(md, "last-updated-ms"));
    if (iceberg_metadata_snapshot(md, id))
        return o2p_fail(err, O2P_ECONFLICT, "snapshot %lld already exists in the table", (long long)id);
    if (seq != last_seq + 1)
        return o2p_fail(err, O2P_ECONFLICT, "snapshot %lld has sequence number %lld, the table is at %lld",
                        (long long)id, (long long)seq, (long long)last_seq);
    bool bad = json_array_append(array_member(md, "snapshots"), (json_t *)snapshot) != 0;
    set(md, "current-snapshot-id", json_integer(id), &bad);
    json_t *refs = json_object_get(md, "refs");
    if (!json_is_object(refs)) {
        refs = json_object();
        if (json_object_set_new(md, "refs", refs) != 0)
            refs = NULL, bad = true;
    }
    set(refs, "main", json_pack("{s:I, s:s}", "snapshot-id", (json_int_t)id, "type", "branch"), &bad);
    set(md, "last-sequence-number", json_integer(seq), &bad);
    set(md, "last-updated-ms", json_integer(ts > last_ms ? ts : last_ms + 1), &bad);
    bad |= json_array_append_new(array_member(md, "snapshot-log"),
                                 json_pack("{s:I, s:I}", "timestamp-ms", (json_int_t)ts, "snapshot-id", (json_int_t)id)) != 0;
    if (prev_file) {
        json_t *log = array_member(md, "metadata-log");
        bad |= json_array_append_new(log, json_pack("{s:I, s:s}", "timestamp-ms", (json_int_t)last_ms, "metadata-file",
                                                    prev_file)) != 0;
        size_t keep = (size_t)iceberg_metadata_previous_versions_max(md);
        while (json_array_size(log) > keep)
            json_array_remove(log, 0);
    }
    if (bad)
        return o2p_fail(err, O2P_ENOMEM, "apply snapshot %lld to the table metadata: out of memory", (long long)id);
    return O2P_OK;
}
