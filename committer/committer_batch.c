/*
 * committer_batch.c - the commit protocol of one batch (design.md "Committer -> catalog",
 * reference/iceberg.md 4.5), on top of the catalog interface.
 *
 * Per attempt:
 *   LOAD      catalog_load (create the table on first use: iceberg_metadata_new, catalog_create;
 *             losing that race just means loading the winner's table)
 *   RECONCILE if a snapshot of the table carries our commit id, the batch is committed
 *             (a previous attempt, or a process that died after publishing): done
 *   MANIFEST  written once per batch as metadata/<commit-id>-m0.avro (create-only; after a
 *             restart the file may exist already and is reused), entries status ADDED with
 *             inherited sequence numbers, so it fits any parent
 *   LIST      metadata/snap-<snapshot-id>-<attempt>-<commit-id>.avro: the new manifest with
 *             sequence number last+1, then every manifest of the parent's list
 *   COMMIT    catalog_commit(snapshot with parent = current head, seq = last + 1)
 *   O2P_ECONFLICT / O2P_EAGAIN -> sleep (jittered exponential) -> LOAD again, until
 *   committer.retry_max_elapsed; other errors end the attempt and the batch waits.
 *
 * Invariant: one commit id and one snapshot id per batch for its whole life (persisted before
 * the first attempt), so at most one attempt can ever be in a table and RECONCILE finds it.
 * Nothing written here is deleted on failure: an orphan manifest is harmless, a deleted
 * manifest that an unknown-outcome commit references would corrupt the table.
 */
#include "committer/committer_int.h"

#include "common/clock.h"
#include "common/failpoint.h"
#include "common/log.h"
#include "iceberg/iceberg_metadata.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void committer_sleep_ms(struct committer *c, uint64_t ms)
{
    while (ms > 0) {
        uint64_t step = ms > 500 ? 500 : ms;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
        if (c->o.tick)
            c->o.tick(c->o.tick_arg);
    }
}

#define GLUE_TABLE_VERSIONS_MAX 100000

static int load_or_create_table(struct committer *c, enum otel_table table, struct catalog_table *t,
                                struct o2p_error *err);

/* publish - spool meta `what`.<table> = value unless it already holds it. */
static void publish(struct committer *c, const char *what, enum otel_table table, const char *value)
{
    char key[96], cur[AWS_CREDENTIALS_TEXT_MAX];
    snprintf(key, sizeof key, "%s.%s", what, table_schema_name(table));
    bool same = spool_meta_get(c->spool, key, cur, sizeof cur, NULL) == O2P_OK && !strcmp(cur, value);
    explicit_bzero(cur, sizeof cur);
    if (same)
        return;
    struct o2p_error e = {0};
    if (spool_meta_put(c->spool, key, value, &e) != O2P_OK)
        log_warn("committer", "op=publish what=%s table=%s err=\"%s\"", what, table_schema_name(table), e.msg);
}

/* committer_load_or_create: the writers learn where the catalog put the table, so data files
 * land under its location whatever catalog chose it, and with which keys to write there. */
int committer_load_or_create(struct committer *c, enum otel_table table, struct catalog_table *t, struct o2p_error *err)
{
    int rc = load_or_create_table(c, table, t, err);
    if (rc != O2P_OK)
        return rc;
    publish(c, "location", table, t->location);
    if (t->has_vended) {
        char text[AWS_CREDENTIALS_TEXT_MAX];
        struct o2p_error e = {0};
        if (aws_credentials_encode(&t->vended, text, sizeof text, &e) == O2P_OK)
            publish(c, "credentials", table, text);
        else
            log_warn("committer", "op=publish what=credentials table=%s err=\"%s\"", table_schema_name(table), e.msg);
        explicit_bzero(text, sizeof text);
    }
    return O2P_OK;
}

static int load_or_create_table(struct committer *c, enum otel_table table, struct catalog_table *t, struct o2p_error *err)
{
    char cname[128], label[300];
    const char *name = table_schema_catalog_name(c->cfg, table, cname, sizeof cname);
    enum table_naming naming = table_schema_naming(c->cfg);
    snprintf(label, sizeof label, "%s.%s", c->cat->ns, name);
    int rc = catalog_load(c->cat, name, t, err);
    if (rc == O2P_ENOTFOUND) {
        json_t *proposal = iceberg_metadata_new(table, naming, "", c->cfg->catalog.partition, clock_wall_ms(), err);
        if (!proposal)
            return err ? err->code : O2P_ENOMEM;
        rc = catalog_create(c->cat, name, proposal, t, err);
        json_decref(proposal);
        if (rc == O2P_OK)
            log_info("committer", "op=create-table table=%s location=%s partition=%s(%s) column_names=%s", label,
                     t->location, c->cfg->catalog.partition, table_schema_get(table, naming)->partition_column,
                     table_schema_naming_name(naming));
        else if (rc == O2P_ECONFLICT)
            rc = catalog_load(c->cat, name, t, err);
    }
    /* Every catalog, loaded or just created (a catalog may lower-case what it was asked to
     * create): files of one naming never go into a table of the other. */
    if (rc == O2P_OK) {
        rc = iceberg_metadata_check_naming(t->metadata, table, naming, label, err);
        if (rc != O2P_OK)
            catalog_table_free(t);
    }
    return rc;
}

/* table_key - store and key of <table location>/<rest>: the warehouse, or (REST catalogs
 * that place tables elsewhere) a store opened for that location (catalog_locate). */
static int table_key(struct committer *c, const struct catalog_table *t, const char *rest, struct objstore **store,
                     char *key, size_t n, struct o2p_error *err)
{
    char uri[CATALOG_LOCATION_MAX + 256];
    snprintf(uri, sizeof uri, "%s/%s", t->location, rest);
    return catalog_locate(c->cat, uri, store, key, n, err);
}

static int ensure_manifest(struct committer *c, struct batch *b, const struct catalog_table *t, struct o2p_error *err)
{
    if (b->manifest_done)
        return O2P_OK;
    struct iceberg_spec spec;
    int rc = iceberg_metadata_spec(t->metadata, &spec, err);
    if (rc != O2P_OK)
        return rc;
    int schema_id = -1; /* set when the schema was found (NULL then means out of memory) */
    char *schema = iceberg_metadata_schema_json(t->metadata, &schema_id);
    if (!schema && schema_id >= 0)
        return o2p_fail(err, O2P_ENOMEM, "table %s: write the current schema as text: out of memory", t->name);
    if (!schema)
        return o2p_fail(err, O2P_ECORRUPT, "table %s: current schema not found", t->name);
    struct iceberg_manifest_ctx ctx = {schema, schema_id, &spec, AVRO_CODEC_DEFLATE};
    struct buf out;
    buf_init(&out, 1u << 30);
    char rest[128], key[OBJSTORE_KEY_MAX];
    snprintf(rest, sizeof rest, "metadata/%s-m0.avro", b->commit_id);
    rc = iceberg_manifest_write(&out, &ctx, b->files, b->nfiles, b->snapshot_id, &b->minfo, err);
    free(schema);
    struct objstore *store = NULL;
    if (rc == O2P_OK)
        rc = table_key(c, t, rest, &store, key, sizeof key, err);
    if (rc == O2P_OK)
        rc = objstore_put_bytes(store, key, out.data, out.len, OBJSTORE_CREATE_ONLY | OBJSTORE_UNIQUE_KEY, err);
    if (rc == O2P_ECONFLICT) {
        /* Written by this batch before a restart: same files, same snapshot id. */
        uint64_t size = 0;
        rc = objstore_stat(store, key, &size, err);
        b->minfo.length = (int64_t)size;
    }
    buf_free(&out);
    if (rc != O2P_OK)
        return rc;
    objstore_url(store, key, b->manifest_uri, sizeof b->manifest_uri);
    b->manifest_done = true;
    return O2P_OK;
}

/* parent_manifests - the manifest_file records of the current snapshot's list ([] if none). */
static int parent_manifests(struct committer *c, const struct catalog_table *t, json_t **out, struct o2p_error *err)
{
    int64_t cur = iceberg_metadata_current(t->metadata);
    const json_t *snap = cur >= 0 ? iceberg_metadata_snapshot(t->metadata, cur) : NULL;
    const char *list = json_string_value(json_object_get(snap, "manifest-list"));
    if (!snap) {
        *out = json_array();
        return O2P_OK;
    }
    if (!list)
        return o2p_fail(err, O2P_EUNSUPPORTED, "table %s: snapshot %lld has no manifest-list (v1 inline "
                        "manifests are not supported)", t->name, (long long)cur);
    char key[OBJSTORE_KEY_MAX];
    struct objstore *store = NULL;
    int rc = catalog_locate(c->cat, list, &store, key, sizeof key, err);
    if (rc != O2P_OK)
        return rc;
    struct buf data;
    buf_init(&data, 1u << 30);
    rc = objstore_get(store, key, &data, err);
    if (rc == O2P_OK) {
        rc = iceberg_manifest_list_read(data.data, data.len, out, err);
        if (rc != O2P_OK) /* which file: another engine may have written it (any Avro codec) */
            o2p_error_prefix(err, "table %s: %s", t->name, list);
    }
    buf_free(&data);
    return rc;
}

static int changed_partitions(const struct batch *b)
{
    int n = 0;
    for (size_t i = 0; i < b->nfiles; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = b->files[j]->partition_value == b->files[i]->partition_value;
        n += !seen;
    }
    return n;
}

/* attempt - one pass of LIST + COMMIT on the loaded base t. */
static int attempt(struct committer *c, struct batch *b, struct catalog_table *t, struct o2p_error *err)
{
    struct iceberg_spec spec;
    int rc = iceberg_metadata_spec(t->metadata, &spec, err);
    json_t *entries = NULL;
    if (rc == O2P_OK)
        rc = parent_manifests(c, t, &entries, err);
    if (rc != O2P_OK)
        return rc;
    int64_t parent = iceberg_metadata_current(t->metadata);
    int64_t seq = (int64_t)json_integer_value(json_object_get(t->metadata, "last-sequence-number")) + 1;
    /* Unchecked, a failure here would commit a snapshot without the batch's manifest and then
     * drop its files from the queue. */
    if (json_array_insert_new(entries, 0, iceberg_manifest_list_entry(b->manifest_uri, spec.spec_id, seq,
                                                                       b->snapshot_id, &b->minfo, &spec)) != 0) {
        json_decref(entries);
        return o2p_fail(err, O2P_ENOMEM, "table %s: add the new manifest to the manifest list: out of memory", t->name);
    }
    struct buf out;
    buf_init(&out, 1u << 30);
    rc = iceberg_manifest_list_write(&out, entries, b->snapshot_id, parent, seq, AVRO_CODEC_DEFLATE, err);
    json_decref(entries);
    char key[OBJSTORE_KEY_MAX], list_uri[CATALOG_LOCATION_MAX];
    struct objstore *store = NULL;
    for (int tries = 0; rc == O2P_OK && tries < 1000; tries++) {
        char rest[160];
        snprintf(rest, sizeof rest, "metadata/snap-%lld-%d-%s.avro", (long long)b->snapshot_id, ++b->attempt,
                 b->commit_id);
        rc = table_key(c, t, rest, &store, key, sizeof key, err);
        if (rc == O2P_OK)
            rc = objstore_put_bytes(store, key, out.data, out.len, OBJSTORE_CREATE_ONLY | OBJSTORE_UNIQUE_KEY, err);
        if (rc != O2P_ECONFLICT)
            break; /* a name left by an attempt before a restart: take the next number */
        rc = O2P_OK;
    }
    buf_free(&out);
    if (rc != O2P_OK)
        return rc;
    objstore_url(store, key, list_uri, sizeof list_uri);
    struct iceberg_append a = {
        .snapshot_id = b->snapshot_id, .commit_id = b->commit_id, .manifest_list = list_uri,
        .added_files = (int64_t)b->nfiles, .added_records = (int64_t)b->records, .added_bytes = (int64_t)b->bytes,
        .changed_partitions = changed_partitions(b), .now_ms = clock_wall_ms(),
    };
    json_t *snap = iceberg_metadata_snapshot_new(t->metadata, &a);
    if (!snap)
        return o2p_fail(err, O2P_ENOMEM, "table %s: build snapshot %lld: out of memory", t->name,
                        (long long)b->snapshot_id);
    failpoint("committer.before_publish");
    rc = catalog_commit(c->cat, t, snap, err);
    json_decref(snap);
    if (rc == O2P_OK)
        failpoint("committer.after_publish");
    return rc;
}

/* note_versions - every commit is a table version to the catalog, and AWS Glue keeps at most
 * 100,000 per table (its TABLE_VERSION quota; docs/operations.md): warn from 80% on, every
 * 1,000 commits, so the operator raises committer.interval or asks AWS before commits stop. */
static void note_versions(struct committer *c, const char *table, int64_t seq)
{
    if (seq > c->sequence_max)
        c->sequence_max = seq;
    const struct o2p_config *cfg = c->cfg;
    bool glue = !strcmp(cfg->catalog.type, "rest") && !strcmp(cfg->catalog.auth, "sigv4") &&
                !strcmp(cfg->catalog.sigv4_service, "glue");
    if (glue && seq >= GLUE_TABLE_VERSIONS_MAX / 10 * 8 && seq % 1000 == 0)
        log_warn("committer", "op=commit table=%s.%s sequence=%lld err=\"near Glue's quota of %d table versions\" "
                 "action=\"raise committer.interval, or ask AWS for a higher TABLE_VERSION quota\"", c->cat->ns, table,
                 (long long)seq, GLUE_TABLE_VERSIONS_MAX);
}

int committer_commit_batch(struct committer *c, struct batch *b, struct o2p_error *err)
{
    char cname[128];
    const char *name = table_schema_catalog_name(c->cfg, b->table, cname, sizeof cname);
    uint64_t start = clock_mono_ms();
    /* Jittered: committers that collided on the table do not collide again in lockstep. */
    struct backoff retry;
    backoff_init(&retry, c->cfg->committer.retry_min_wait_ms, c->cfg->committer.retry_max_wait_ms,
                 BACKOFF_JITTER_QUARTER);
    int conflicts = 0;
    for (;;) {
        struct catalog_table t;
        int rc = O2P_OK;
        struct catalog_table *cached = &c->cached[b->table];
        if (conflicts == 0 && !b->restored && cached->metadata) {
            /* The metadata our last commit of this table produced: current unless someone
             * else committed since, and then the catalog answers with a conflict and we
             * reload. A batch from before a restart always reloads (it may be committed). */
            t = *cached;
            memset(cached, 0, sizeof *cached);
        } else {
            catalog_table_free(cached);
            memset(cached, 0, sizeof *cached);
            rc = committer_load_or_create(c, b->table, &t, err);
        }
        if (rc == O2P_OK) {
            const json_t *found = iceberg_metadata_find_commit(t.metadata, b->commit_id);
            if (found) {
                log_info("committer", "op=reconcile table=%s.%s commit_id=%s snapshot_id=%lld result=already-committed",
                         c->cat->ns, name, b->commit_id,
                         (long long)json_integer_value(json_object_get(found, "snapshot-id")));
                catalog_table_free(&t);
                return O2P_OK;
            }
            rc = ensure_manifest(c, b, &t, err);
            if (rc == O2P_OK)
                rc = attempt(c, b, &t, err);
            if (rc == O2P_OK)
                log_info("committer", "op=commit table=%s.%s snapshot_id=%lld sequence=%lld version=%lld files=%zu "
                         "records=%llu bytes=%llu commit_id=%s conflicts=%d", c->cat->ns, name,
                         (long long)b->snapshot_id,
                         (long long)json_integer_value(json_object_get(t.metadata, "last-sequence-number")),
                         (long long)t.version, b->nfiles, (unsigned long long)b->records,
                         (unsigned long long)b->bytes, b->commit_id, conflicts);
        }
        if (rc == O2P_OK) {
            c->cached[b->table] = t; /* the table as this commit left it */
            note_versions(c, name, json_integer_value(json_object_get(t.metadata, "last-sequence-number")));
            return O2P_OK;
        }
        catalog_table_free(&t);
        if (rc != O2P_ECONFLICT && rc != O2P_EAGAIN)
            return rc;
        conflicts++;
        uint64_t wait = backoff_next(&retry);
        if (clock_mono_ms() - start + wait > c->cfg->committer.retry_max_elapsed_ms)
            return o2p_error_prefix(err, "gave up after %d conflicts in %llu ms", conflicts,
                                    (unsigned long long)(clock_mono_ms() - start));
        log_info("committer", "op=retry table=%s.%s commit_id=%s reason=%s wait_ms=%llu err=\"%s\"", c->cat->ns,
                 name, b->commit_id, rc == O2P_ECONFLICT ? "conflict" : "unknown-outcome",
                 (unsigned long long)wait, err ? err->msg : "");
        committer_sleep_ms(c, wait);
    }
}
