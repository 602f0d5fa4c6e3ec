/*
 * writer_file.c - one Parquet data file of a claim: open a local temp file, stream rows into
 * it, finish it, publish it to the warehouse and describe it for the committer.
 *
 * States: WRITING (temp file, pq_writer) -> SEALED (footer written, fsynced) -> PUBLISHED
 * (in the warehouse under its final key) -> QUEUED (files entry committed with the claim,
 * writer_claim.c). A crash before QUEUED leaves at most a published file that the redo of the
 * claim overwrites with the same bytes under the same key: names derive from the claim
 * (signal, first and last sequence number), the table, the partition and nothing else.
 *
 * The files entry carries everything an Iceberg manifest entry needs, so the committer never
 * reopens the file; its format is spool_files_entry.h's, and describe() only fills the struct.
 * Bounds go in as Parquet PLAIN bytes, which for the types used here equal Iceberg's
 * single-value form (int/long/double/timestamp little endian, boolean one byte, string UTF-8).
 */
#include "writer/writer.h"

#include "common/log.h"
#include "spooler/spool_files_entry.h"
#include "storage/aws_credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void partition_text(const struct writer *w, int64_t part_us, char *out, size_t n)
{
    time_t secs = (time_t)(part_us / 1000000);
    if (part_us < 0 && part_us % 1000000)
        secs--;
    struct tm tm;
    gmtime_r(&secs, &tm);
    if (w->hourly)
        snprintf(out, n, "%04d-%02d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
    else
        snprintf(out, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* partition_value - Iceberg's day()/hour() result: days/hours since 1970-01-01 (floor). */
static int64_t partition_value(const struct writer *w, int64_t part_us)
{
    int64_t unit = w->hourly ? 3600000000LL : 86400000000LL;
    int64_t v = part_us / unit;
    if (part_us < 0 && part_us % unit)
        v--;
    return v;
}

/* use_vended_credentials - the keys the catalog vended for table t (the committer's spool meta
 * "credentials.<table>"), read at every file so a renewal reaches the next file. None: the
 * store keeps its own chain. */
static int use_vended_credentials(struct writer *w, enum otel_table t, struct objstore *store, struct o2p_error *err)
{
    char key[96], text[AWS_CREDENTIALS_TEXT_MAX];
    snprintf(key, sizeof key, "credentials.%s", table_schema_name(t));
    int rc = spool_meta_get(w->spool, key, text, sizeof text, err);
    if (rc == O2P_ENOTFOUND)
        return O2P_OK;
    struct aws_credentials cred;
    if (rc == O2P_OK)
        rc = aws_credentials_decode(text, &cred, err);
    explicit_bzero(text, sizeof text);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "storage credentials of table %s", table_schema_name(t));
    objstore_set_credentials(store, &cred);
    explicit_bzero(&cred, sizeof cred);
    return O2P_OK;
}

int writer_table_store(struct writer *w, enum otel_table t, struct objstore **out, struct o2p_error *err)
{
    const struct o2p_config *cfg = w->cfg;
    char key[96], loc[sizeof w->tables[0].location];
    snprintf(key, sizeof key, "location.%s", table_schema_name(t));
    int rc = spool_meta_get(w->spool, key, loc, sizeof loc, err);
    if (rc == O2P_ENOTFOUND) {
        if (!strcmp(cfg->catalog.type, "rest"))
            return o2p_fail(err, O2P_EAGAIN, "table %s.%s has no location yet: waiting for the committer to create it "
                                             "in the catalog", cfg->catalog.namespace_, table_schema_name(t));
        char cname[128];
        int n = snprintf(loc, sizeof loc, "%s/%s/%s", cfg->catalog.warehouse, cfg->catalog.namespace_,
                         table_schema_catalog_name(cfg, t, cname, sizeof cname));
        if (n < 0 || (size_t)n >= sizeof loc)
            return o2p_fail(err, O2P_EINVAL, "table location too long");
    } else if (rc != O2P_OK) {
        return rc;
    }
    struct writer_table_store *ts = &w->tables[t];
    if (!ts->store || strcmp(ts->location, loc) != 0) {
        objstore_close(ts->store);
        ts->store = NULL;
        rc = objstore_open(&ts->store, loc, cfg, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "data location of table %s", table_schema_name(t));
        snprintf(ts->location, sizeof ts->location, "%s", loc);
    }
    rc = use_vended_credentials(w, t, ts->store, err);
    if (rc != O2P_OK)
        return rc;
    *out = ts->store;
    return O2P_OK;
}

void writer_table_stores_close(struct writer *w)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        objstore_close(w->tables[t].store);
        w->tables[t].store = NULL;
    }
}

int writer_file_open(struct writer *w, enum otel_table t, int64_t part_us, struct writer_file *f,
                     struct o2p_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->table = t;
    f->part_us = part_us;
    enum table_naming naming = table_schema_naming(w->cfg);
    const struct table_def *def = table_schema_get(t, naming);
    char part[32];
    partition_text(w, part_us, part, sizeof part);
    const struct spool_claim *c = &w->claim;
    /* The spool id keeps names unique across hosts sharing a warehouse; the range keeps them
     * unique within a spool and the same for a redo of the claim. */
    int rc = writer_table_store(w, t, &f->store, err);
    if (rc != O2P_OK)
        return rc;
    /* A claim's later rounds (writer.h: more partitions than files open at once) add theirs:
     * rounds follow the records' order, so a redo makes the same names. */
    char round[16] = "";
    if (w->round > 0)
        snprintf(round, sizeof round, "-r%u", w->round);
    int n = snprintf(f->key, sizeof f->key, "data/%s_%s=%s/%s-%s-%016llx-%016llx%s.parquet", def->partition_column,
                     w->hourly ? "hour" : "day", part, signal_kind_name(c->signal), spool_id(w->spool),
                     (unsigned long long)c->first, (unsigned long long)c->last, round);
    if (n < 0 || (size_t)n >= sizeof f->key)
        return o2p_fail(err, O2P_EINVAL, "data file name too long");
    objstore_url(f->store, f->key, f->location, sizeof f->location);
    n = snprintf(f->tmp_path, sizeof f->tmp_path, "%s/%s-%s-%016llx-%d.parquet.tmp", w->tmp_dir, def->name, part,
                 (unsigned long long)c->first, (int)getpid());
    if (n < 0 || (size_t)n >= sizeof f->tmp_path)
        return o2p_fail(err, O2P_EINVAL, "temp file name too long");
    f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0)
        return o2p_fail_errno(err, "create temporary file %s", f->tmp_path);
    size_t cap = 65536;
    f->schema_json = malloc(cap);
    if (!f->schema_json || table_schema_iceberg_json(t, naming, 0, f->schema_json, cap) >= cap) {
        writer_file_discard(f);
        return o2p_fail(err, O2P_ENOMEM, "Iceberg schema of %s does not fit", def->name);
    }
    f->kv[0] = (struct pq_kv){"producer", "otlp2parquet"};
    f->kv[1] = (struct pq_kv){"otlp2parquet.schema_version", TABLE_SCHEMA_VERSION};
    f->kv[2] = (struct pq_kv){"iceberg.schema", f->schema_json};
    /* Metrics claims feed up to five tables at once: share the row-group budget. */
    size_t rg = w->cfg->writer.row_group_bytes;
    if (c->signal == O2P_SIGNAL_METRICS)
        rg /= 4;
    struct pq_options opt = {.zstd_level = (int)w->cfg->writer.zstd_level, .row_group_bytes = rg,
                             .created_by = "otlp2parquet", .kv = f->kv, .num_kv = 3, .name = f->tmp_path};
    rc = pq_writer_open(&f->pw, f->fd, table_schema_parquet(t, naming), &opt, err);
    if (rc != O2P_OK) {
        writer_file_discard(f);
        return rc;
    }
    return O2P_OK;
}

void writer_file_discard(struct writer_file *f)
{
    if (f->pw)
        pq_writer_free(f->pw);
    f->pw = NULL;
    if (f->fd >= 0) {
        close(f->fd);
        unlink(f->tmp_path);
    }
    f->fd = -1;
    free(f->schema_json);
    f->schema_json = NULL;
}

_Static_assert(PQ_BOUND_MAX <= SPOOL_FILES_ENTRY_BOUND_MAX, "Parquet bounds must fit a files entry");

/* describe - the files entry of a published file (spool_files_entry_encode does the format). */
static int describe(struct writer *w, struct writer_file *f, const struct pq_file_stats *st, struct buf *out,
                    struct o2p_error *err)
{
    const struct table_def *def = table_schema_get(f->table, table_schema_naming(w->cfg));
    const char *tr = w->hourly ? "hour" : "day";
    struct spool_files_entry e = {.key = f->key, .location = f->location, .size = st->file_bytes,
                                  .records = st->num_rows, .ncolumns = (size_t)st->num_columns};
    snprintf(e.table, sizeof e.table, "%s", def->name);
    snprintf(e.partition.source, sizeof e.partition.source, "%s", def->partition_column);
    snprintf(e.partition.transform, sizeof e.partition.transform, "%s", tr);
    snprintf(e.partition.name, sizeof e.partition.name, "%s_%s", def->partition_column, tr);
    e.partition.value = (int32_t)partition_value(w, f->part_us);
    partition_text(w, f->part_us, e.partition.text, sizeof e.partition.text);
    e.claim.signal = w->claim.signal;
    e.claim.first = w->claim.first;
    e.claim.last = w->claim.last;
    e.columns = calloc(e.ncolumns ? e.ncolumns : 1, sizeof *e.columns);
    if (!e.columns)
        return o2p_fail(err, O2P_ENOMEM, "files entry for %s: out of memory", f->key);
    for (size_t i = 0; i < e.ncolumns; i++) {
        const struct pq_column_stats *c = &st->columns[i];
        struct spool_files_entry_column *m = &e.columns[i];
        m->id = c->field_id;
        m->size = c->compressed_bytes;
        m->values = c->num_values;
        m->nulls = c->null_count;
        m->nans = c->physical == PQ_DOUBLE ? c->nan_count : -1;
        m->has_bounds = c->has_bounds;
        if (c->has_bounds) {
            m->lower_len = (uint16_t)c->min_len;
            m->upper_len = (uint16_t)c->max_len;
            memcpy(m->lower, c->min, c->min_len);
            memcpy(m->upper, c->max, c->max_len);
        }
    }
    int rc = spool_files_entry_encode(&e, out, err);
    free(e.columns); /* the rest of e points into f */
    return rc;
}

int writer_file_publish(struct writer *w, struct writer_file *f, struct buf *entry, struct o2p_error *err)
{
    struct pq_file_stats st;
    int rc = pq_writer_finish(f->pw, &st, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "finish %s", f->tmp_path);
    /* Seal: the bytes must be on disk before the file is published or queued. */
    if (fsync(f->fd) != 0)
        return o2p_fail_errno(err, "fsync %s", f->tmp_path);
    rc = objstore_put_file(f->store, f->key, f->tmp_path, OBJSTORE_MOVE, err);
    if (rc != O2P_OK)
        return rc;
    buf_reset(entry);
    rc = describe(w, f, &st, entry, err);
    if (rc != O2P_OK)
        return rc;
    w->bytes_done += (uint64_t)st.file_bytes;
    /* The temp file was moved (or copied) away; only close what is left. */
    pq_writer_free(f->pw);
    f->pw = NULL;
    close(f->fd);
    f->fd = -1;
    unlink(f->tmp_path);
    free(f->schema_json);
    f->schema_json = NULL;
    return O2P_OK;
}
