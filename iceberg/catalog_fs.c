/*
 * catalog_fs.c - the filesystem (Hadoop-layout) Iceberg catalog: tables live at
 * <warehouse>/<namespace>/<table>/{data,metadata}/ and a table's versions are
 * metadata/v<N>.metadata.json, N = 1, 2, ... (reference/iceberg.md section 7).
 *
 * Commit protocol (section 7.3), all through the objstore so file:// and s3:// behave alike:
 *   1. the caller loaded version N (version-hint.text, else a listing, then probing forward
 *      v(N+1), v(N+2)... like Java, because the hint is only a hint) and wrote the manifest
 *      list;
 *   2. catalog_fs builds metadata N+1 = N + the snapshot (iceberg_metadata_apply);
 *   3. PUBLISH: objstore_put_bytes(v(N+1).metadata.json, OBJSTORE_CREATE_ONLY) - on file://
 *      a fsynced temp file link(2)ed to the final name, never replacing, then fsync(dir);
 *      "exists" = another committer published N+1 first = O2P_ECONFLICT;
 *   4. HINT: version-hint.text rewritten durably with the bare number (no newline; DuckDB
 *      splices it into a file name) only if it is larger than the hint found there, so a slow
 *      committer never moves it backwards. Failing here does not undo the commit: readers
 *      that trust the hint lag until the next commit, Java/iceberg-go probe forward.
 *   States of version N+1: ABSENT -> PUBLISHED (step 3, the commit point) -> HINTED (step 4).
 *   A crash before step 3 leaves at most orphan manifests; after it, the commit stands.
 *
 * Failure mapping: an error from step 3 other than "exists" is reported as O2P_EAGAIN
 * (outcome unknown) - on S3 a PUT can land although its answer was lost - so the caller
 * reloads and looks for its commit id before retrying.
 *
 * Retention: with write.metadata.delete-after-commit.enabled (set on the tables this project
 * creates), a committed version deletes the metadata files that fell out of its metadata-log,
 * which keeps write.metadata.previous-versions-max (100) of them. Only after the commit point:
 * a crash before leaves them, and the next commit's log no longer lists them (kept, not lost).
 *
 * Does not: take locks (link/If-None-Match is the lock), or support the
 * "<NNNNN>-<uuid>.metadata.json" naming of metastore catalogs.
 */
#include "iceberg/catalog.h"

#include "common/log.h"
#include "iceberg/iceberg_metadata.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HINT "version-hint.text"

static int table_key(const struct catalog *c, const char *table, const char *rest, char *out, size_t n)
{
    return snprintf(out, n, "%s/%s/%s", c->ns, table, rest) < (int)n ? O2P_OK : O2P_ETOOBIG;
}

static int version_key(const struct catalog *c, const char *table, int64_t v, char *out, size_t n)
{
    char rest[64];
    snprintf(rest, sizeof rest, "metadata/v%lld.metadata.json", (long long)v);
    return table_key(c, table, rest, out, n);
}

/* read_hint - the number in version-hint.text, or -1 (absent or not a number). */
static int64_t read_hint(struct catalog *c, const char *table)
{
    char key[OBJSTORE_KEY_MAX];
    struct buf b;
    buf_init(&b, 64);
    int64_t v = -1;
    struct o2p_error e = {0};
    if (table_key(c, table, "metadata/" HINT, key, sizeof key) == O2P_OK && objstore_get(c->store, key, &b, &e) == O2P_OK &&
        b.len > 0) {
        char *end;
        long long n = strtoll((const char *)b.data, &end, 10);
        while (end < (char *)b.data + b.len && (*end == '\n' || *end == '\r' || *end == ' '))
            end++;
        if (end == (char *)b.data + b.len && n > 0)
            v = n;
    }
    buf_free(&b);
    return v;
}

struct max_ctx {
    size_t prefix_len;
    int64_t max;
};

static int max_version(const char *key, uint64_t size, void *ctx)
{
    struct max_ctx *m = ctx;
    const char *name = key + m->prefix_len; /* after ".../metadata/v" */
    char *end;
    long long n = strtoll(name, &end, 10);
    if (end != name && !strcmp(end, ".metadata.json") && n > m->max)
        m->max = n;
    return 0;
}

static bool version_exists(struct catalog *c, const char *table, int64_t v)
{
    char key[OBJSTORE_KEY_MAX];
    struct o2p_error e = {0};
    return version_key(c, table, v, key, sizeof key) == O2P_OK && objstore_stat(c->store, key, NULL, &e) == O2P_OK;
}

/* fill - parse version v's text into out. */
static int fill(struct catalog *c, const char *table, int64_t v, const struct buf *text, struct catalog_table *out,
                struct o2p_error *err)
{
    char key[OBJSTORE_KEY_MAX];
    version_key(c, table, v, key, sizeof key);
    int rc = iceberg_metadata_parse((const char *)text->data, text->len, &out->metadata, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "table %s.%s v%lld", c->ns, table, (long long)v);
    snprintf(out->name, sizeof out->name, "%s", table);
    objstore_url(c->store, key, out->metadata_location, sizeof out->metadata_location);
    snprintf(out->location, sizeof out->location, "%s", json_string_value(json_object_get(out->metadata, "location")));
    size_t l = strlen(out->location);
    while (l > 0 && out->location[l - 1] == '/')
        out->location[--l] = 0;
    out->version = v;
    return O2P_OK;
}

static int fs_load(struct catalog *c, const char *table, struct catalog_table *out, struct o2p_error *err)
{
    int64_t v = read_hint(c, table);
    if (v < 1 || !version_exists(c, table, v)) {
        char prefix[OBJSTORE_KEY_MAX];
        if (table_key(c, table, "metadata/v", prefix, sizeof prefix) != O2P_OK)
            return o2p_fail(err, O2P_EINVAL, "table name %s too long", table);
        struct max_ctx m = {strlen(prefix), 0};
        int rc = objstore_list(c->store, prefix, max_version, &m, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "list versions of %s.%s", c->ns, table);
        if (m.max < 1)
            return o2p_fail(err, O2P_ENOTFOUND, "table %s.%s does not exist", c->ns, table);
        v = m.max;
    }
    /* The hint may lag behind a commit whose hint update was lost: probe forward. */
    while (version_exists(c, table, v + 1))
        v++;
    char key[OBJSTORE_KEY_MAX];
    version_key(c, table, v, key, sizeof key);
    struct buf text;
    buf_init(&text, ICEBERG_METADATA_MAX_BYTES);
    int rc = objstore_get(c->store, key, &text, err);
    if (rc == O2P_OK)
        rc = fill(c, table, v, &text, out, err);
    buf_free(&text);
    return rc;
}

/* write_hint - best effort: never move the hint backwards. */
static void write_hint(struct catalog *c, const char *table, int64_t v)
{
    int64_t cur = read_hint(c, table);
    if (cur >= v)
        return;
    char key[OBJSTORE_KEY_MAX], text[24];
    struct o2p_error e = {0};
    int n = snprintf(text, sizeof text, "%lld", (long long)v);
    if (table_key(c, table, "metadata/" HINT, key, sizeof key) != O2P_OK ||
        objstore_put_bytes(c->store, key, text, (size_t)n, 0, &e) != O2P_OK)
        log_warn("committer", "op=version-hint table=%s.%s version=%lld err=\"%s\" effect=\"readers that trust "
                 "the hint see the previous version until the next commit\"", c->ns, table, (long long)v, e.msg);
}

/* publish - step 3: create version v from md, never replacing. */
static int publish(struct catalog *c, const char *table, int64_t v, const json_t *md, struct o2p_error *err)
{
    char key[OBJSTORE_KEY_MAX];
    if (version_key(c, table, v, key, sizeof key) != O2P_OK)
        return o2p_fail(err, O2P_EINVAL, "table name %s too long", table);
    char *text = iceberg_metadata_dump(md);
    if (!text)
        return o2p_fail(err, O2P_ENOMEM, "metadata v%lld: out of memory", (long long)v);
    int rc = objstore_put_bytes(c->store, key, text, strlen(text), OBJSTORE_CREATE_ONLY, err);
    free(text);
    return rc;
}

static int fs_create(struct catalog *c, const char *table, const json_t *proposal, struct catalog_table *out,
                     struct o2p_error *err)
{
    char key[OBJSTORE_KEY_MAX], loc[CATALOG_LOCATION_MAX];
    if (table_key(c, table, "x", key, sizeof key) != O2P_OK)
        return o2p_fail(err, O2P_EINVAL, "table name %s too long", table);
    key[strlen(key) - 2] = 0; /* "<ns>/<table>" */
    objstore_url(c->store, key, loc, sizeof loc);
    json_t *md = json_deep_copy(proposal);
    if (!md)
        return o2p_fail(err, O2P_ENOMEM, "create %s: out of memory", table);
    /* unchecked, the table would be created with the proposal's empty location */
    if (json_object_set_new(md, "location", json_string(loc)) != 0) {
        json_decref(md);
        return o2p_fail(err, O2P_ENOMEM, "create %s: set its location: out of memory", table);
    }
    int rc = publish(c, table, 1, md, err);
    if (rc == O2P_OK) {
        struct buf text = {0};
        char *s = iceberg_metadata_dump(md);
        text.data = (uint8_t *)s;
        text.len = s ? strlen(s) : 0;
        rc = s ? fill(c, table, 1, &text, out, err)
               : o2p_fail(err, O2P_ENOMEM, "create %s: write metadata v1 as text: out of memory", table);
        free(s);
        write_hint(c, table, 1);
    } else if (rc == O2P_ECONFLICT) {
        o2p_fail(err, O2P_ECONFLICT, "table %s.%s was created by someone else first", c->ns, table);
    }
    json_decref(md);
    return rc;
}

/* in_log - whether metadata file `uri` is still listed in md's metadata-log. */
static bool in_log(const json_t *md, const char *uri)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(md, "metadata-log"), i, e) {
        const char *f = json_string_value(json_object_get(e, "metadata-file"));
        if (f && !strcmp(f, uri))
            return true;
    }
    return false;
}

/* retire_metadata - write.metadata.delete-after-commit.enabled: after version `md` is
 * committed, delete the metadata files of `base` (its own file and its log) that md's log no
 * longer lists, as Java's HadoopTableOperations does. Only files of this table's metadata/
 * directory; best effort (a file left behind costs disk, not correctness). */
static void retire_metadata(struct catalog *c, const char *table, const json_t *base, const char *base_file,
                            const json_t *md)
{
    if (!iceberg_metadata_delete_after_commit(md))
        return;
    char dir[OBJSTORE_KEY_MAX], key[OBJSTORE_KEY_MAX];
    if (table_key(c, table, "metadata/", dir, sizeof dir) != O2P_OK)
        return;
    int deleted = 0, failed = 0;
    size_t n = json_array_size(json_object_get(base, "metadata-log"));
    for (size_t i = 0; i <= n; i++) {
        const char *f = i < n ? json_string_value(json_object_get(json_array_get(json_object_get(base, "metadata-log"), i),
                                                                  "metadata-file"))
                              : base_file;
        struct o2p_error e = {0};
        if (!f || in_log(md, f) || catalog_key_of(c, f, key, sizeof key, &e) != O2P_OK ||
            strncmp(key, dir, strlen(dir)) || strchr(key + strlen(dir), '/'))
            continue;
        int rc = objstore_delete(c->store, key, &e);
        if (rc == O2P_OK)
            deleted++;
        else if (rc != O2P_ENOTFOUND && !failed++)
            log_warn("committer", "op=metadata-retention table=%s.%s file=%s err=\"%s\"", c->ns, table, f, e.msg);
    }
    if (deleted)
        log_info("committer", "op=metadata-retention table=%s.%s deleted=%d kept=%lld", c->ns, table, deleted,
                 (long long)iceberg_metadata_previous_versions_max(md));
}

static int fs_commit(struct catalog *c, struct catalog_table *t, const json_t *snapshot, struct o2p_error *err)
{
    json_t *md = json_deep_copy(t->metadata);
    if (!md)
        return o2p_fail(err, O2P_ENOMEM, "commit %s: out of memory", t->name);
    int rc = iceberg_metadata_apply(md, snapshot, t->metadata_location, err);
    if (rc != O2P_OK) {
        json_decref(md);
        return rc;
    }
    int64_t v = t->version + 1;
    if (c->test_hook && !strcmp(c->test_hook, "conflict-once")) {
        /* Tests: another committer publishes v first (a copy of the base: a no-op commit). */
        c->test_hook = NULL;
        struct o2p_error e = {0};
        if (publish(c, t->name, v, t->metadata, &e) == O2P_OK)
            log_info("committer", "op=test-hook hook=conflict-once table=%s.%s version=%lld", c->ns, t->name,
                     (long long)v);
    }
    rc = publish(c, t->name, v, md, err);
    if (rc == O2P_ECONFLICT) {
        json_decref(md);
        return o2p_fail(err, O2P_ECONFLICT, "table %s.%s: version %lld was published by another committer",
                        c->ns, t->name, (long long)v);
    }
    if (rc != O2P_OK) {
        json_decref(md);
        o2p_error_prefix(err, "publish %s.%s v%lld", c->ns, t->name, (long long)v);
        err->code = O2P_EAGAIN;
        return O2P_EAGAIN;
    }
    /* Committed. Old versions may go; then adopt the new version as the base. */
    retire_metadata(c, t->name, t->metadata, t->metadata_location, md);
    char key[OBJSTORE_KEY_MAX];
    version_key(c, t->name, v, key, sizeof key);
    json_decref(t->metadata);
    t->metadata = md;
    t->version = v;
    objstore_url(c->store, key, t->metadata_location, sizeof t->metadata_location);
    write_hint(c, t->name, v);
    return O2P_OK;
}

const struct catalog_ops catalog_fs_ops = {
    .name = "filesystem",
    .load = fs_load,
    .create = fs_create,
    .commit = fs_commit,
    .close = NULL,
};
