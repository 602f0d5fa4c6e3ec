/*
 * committer_status.c - per-table state for `otlp2parquet status` (see committer.h).
 *
 * Read-only: opens the warehouse and the catalog, loads each table's current metadata and
 * reports its head snapshot, or (error) why the committer would refuse the table, such as a
 * table.column_names mismatch. Never takes the committer lock, never creates a table, so it
 * works (and is safe) whether or not the committer is running.
 */
#include "iceberg/catalog.h"
#include "committer/committer.h"

#include "otel/table_schema.h"
#include "iceberg/iceberg_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t summary_num(const json_t *snap, const char *key)
{
    const char *v = json_string_value(json_object_get(json_object_get(snap, "summary"), key));
    return v ? strtoll(v, NULL, 10) : 0;
}

int committer_table_status(const struct o2p_config *cfg, struct committer_table_status *out, int max,
                           struct o2p_error *err)
{
    struct objstore *store = NULL;
    struct catalog *cat = NULL;
    const char *wh = cfg->catalog.warehouse;
    int rc = O2P_OK;
    /* A REST catalog's warehouse may be a name, not a URL: no warehouse store then. */
    if (strncmp(wh, "file://", 7) == 0 || strncmp(wh, "s3://", 5) == 0 || strcmp(cfg->catalog.type, "rest") != 0)
        rc = objstore_open(&store, wh, cfg, err);
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "open warehouse %s", wh);
    rc = catalog_open(&cat, cfg, store, err);
    if (rc != O2P_OK) {
        objstore_close(store);
        return rc;
    }
    int n = 0;
    for (int t = 0; t < OTEL_TABLE_COUNT && n < max; t++, n++) {
        struct committer_table_status *s = &out[n];
        memset(s, 0, sizeof *s);
        table_schema_catalog_name(cfg, t, s->table, sizeof s->table);
        s->snapshot_id = -1;
        struct catalog_table tbl;
        struct o2p_error e = {0};
        int lrc = catalog_load(cat, s->table, &tbl, &e);
        if (lrc == O2P_ENOTFOUND)
            continue;
        if (lrc != O2P_OK) {
            snprintf(s->error, sizeof s->error, "%s", e.msg);
            continue;
        }
        s->exists = true;
        s->version = tbl.version;
        /* The committer would refuse a table of the other naming: say so here too. */
        char label[300];
        snprintf(label, sizeof label, "%s.%s", cat->ns, s->table);
        if (iceberg_metadata_check_naming(tbl.metadata, t, table_schema_naming(cfg), label, &e) != O2P_OK)
            snprintf(s->error, sizeof s->error, "%s", e.msg);
        snprintf(s->metadata_location, sizeof s->metadata_location, "%s", tbl.metadata_location);
        s->sequence_number = (int64_t)json_integer_value(json_object_get(tbl.metadata, "last-sequence-number"));
        s->snapshots = (int64_t)json_array_size(json_object_get(tbl.metadata, "snapshots"));
        s->snapshot_id = iceberg_metadata_current(tbl.metadata);
        const json_t *snap = s->snapshot_id >= 0 ? iceberg_metadata_snapshot(tbl.metadata, s->snapshot_id) : NULL;
        if (snap) {
            s->last_commit_ms = (int64_t)json_integer_value(json_object_get(snap, "timestamp-ms"));
            s->total_records = summary_num(snap, "total-records");
            s->total_files = summary_num(snap, "total-data-files");
            s->total_bytes = summary_num(snap, "total-files-size");
        }
        catalog_table_free(&tbl);
    }
    catalog_close(cat);
    objstore_close(store);
    return n;
}
