/*
 * iceberg_metadata.h - Iceberg v2 table metadata JSON (spec "Table Metadata"): create a new
 * table's metadata, parse and validate one, find snapshots, build an append snapshot with its
 * summary, and apply it (what a REST server does server-side and the filesystem catalog does
 * itself, reference/iceberg.md 2.5).
 *
 * Metadata is held as a jansson tree (exact int64 for snapshot ids); members this module does
 * not know are kept as they were. Pure functions: no I/O.
 */
#ifndef O2P_ICEBERG_METADATA_H
#define O2P_ICEBERG_METADATA_H

#include "common/err.h"
#include "otel/table_schema.h"
#include "iceberg/iceberg_manifest.h"

#include <jansson.h>
#include <stdint.h>

#define ICEBERG_METADATA_MAX_BYTES (256u << 20)
#define ICEBERG_COMMIT_ID_KEY "otlp2parquet.commit-id"

/*
 * iceberg_metadata_new - metadata of a new, empty v2 table for table t at `location` (absolute
 * URI, no trailing '/'): the table_schema schema (column names in naming n) as schema 0, partition spec 0 =
 * `<transform>(<partition column>)` (transform "day" or "hour", field id 1000, name
 * "<column>_<transform>"), sort order 0 unsorted, no snapshot. New reference or NULL (ENOMEM
 * or a bad transform, err filled).
 */
json_t *iceberg_metadata_new(enum otel_table t, enum table_naming n, const char *location,
                             const char *transform, int64_t now_ms, struct o2p_error *err);

/*
 * iceberg_metadata_check_naming - does the current schema of md (a table t loaded from or
 * created by a catalog; `label` names it in messages, e.g. "otel.logs") use naming `want`?
 * Compares top-level column names with both namings and with the ClickHouse names
 * lower-cased (what AWS Glue and Lake Formation store when asked for `ServiceName`). O2P_OK
 * when no column carries the other naming's name (unknown or missing columns are not this
 * check's business: the field-id checks see those); else O2P_EUNSUPPORTED with a message that
 * names the columns found and the table.column_names value to set. Called by the committer for
 * every catalog at each load and create of a table; pure, no allocation.
 */
int iceberg_metadata_check_naming(const json_t *md, enum otel_table t, enum table_naming want, const char *label,
                                  struct o2p_error *err);

/* iceberg_metadata_parse - parse and check a metadata file's text (format-version 2, required
 * members present). *out is a new reference. O2P_ECORRUPT / O2P_EUNSUPPORTED (v1/v3),
 * O2P_ENOMEM. */
int iceberg_metadata_parse(const char *text, size_t len, json_t **out, struct o2p_error *err);

/* iceberg_metadata_dump - the text to store (malloc'd, NUL-terminated) or NULL on ENOMEM. */

/*
 * iceberg_metadata_json_text - json_dumps(j, flags), malloc'd, except that it is NULL whenever
 * any part of the text could not be written. jansson 2.14 (dump.c do_dump, unchanged in its
 * master) ignores the result of writing an object's key, so when json_dumps's buffer fails to
 * grow right there the key is left out and the broken text ("a":1,:2) is returned as a
 * success: a table metadata file no reader could parse. Use this for every text that is
 * stored or sent.
 */
char *iceberg_metadata_json_text(const json_t *j, size_t flags);
char *iceberg_metadata_dump(const json_t *md);

/* iceberg_metadata_current - current snapshot id of `main` (refs.main, else current-snapshot-id);
 * -1 when the table has none. */
int64_t iceberg_metadata_current(const json_t *md);
/* iceberg_metadata_snapshot - the snapshot object with this id, or NULL (borrowed). */
const json_t *iceberg_metadata_snapshot(const json_t *md, int64_t id);
/* iceberg_metadata_find_commit - the snapshot whose summary carries commit id `commit_id`
 * (any snapshot of the table, not only ancestors of main), or NULL (borrowed). */
const json_t *iceberg_metadata_find_commit(const json_t *md, const char *commit_id);

/* iceberg_metadata_spec - the default partition spec (only 0/1-field identity-free specs with
 * day/hour transforms can be written by this committer: O2P_EUNSUPPORTED otherwise). */
int iceberg_metadata_spec(const json_t *md, struct iceberg_spec *out, struct o2p_error *err);
/* iceberg_metadata_schema_json - the current schema as JSON text (malloc'd) and its id. NULL
 * when md has no current schema (*schema_id untouched) or when out of memory (*schema_id
 * set). */
char *iceberg_metadata_schema_json(const json_t *md, int *schema_id);

/* What this commit adds, for the summary. */
struct iceberg_append {
    int64_t snapshot_id;
    const char *commit_id;        /* summary "otlp2parquet.commit-id" */
    const char *manifest_list;    /* absolute URI */
    int64_t added_files, added_records, added_bytes;
    int changed_partitions;
    int64_t now_ms;
};

/*
 * iceberg_metadata_snapshot_new - the append snapshot on top of md's current snapshot: parent, sequence
 * number last-sequence-number + 1, timestamp (never before md's last-updated-ms), summary with
 * added-* and total-* recomputed from the parent's summary. New reference, or NULL when out of
 * memory (never a snapshot with a member missing).
 */
json_t *iceberg_metadata_snapshot_new(const json_t *md, const struct iceberg_append *a);

/*
 * iceberg_metadata_apply - turn base metadata md into the next version in place: append the
 * snapshot, set current-snapshot-id and refs.main, last-sequence-number, last-updated-ms,
 * snapshot-log, and metadata-log (+ prev_file, the metadata file md was read from; kept to
 * the last write.metadata.previous-versions-max). O2P_ECONFLICT when the snapshot id already exists or its sequence number is
 * not last + 1 (the base moved). O2P_ENOMEM, after which md is partly changed: discard it.
 */
int iceberg_metadata_apply(json_t *md, const json_t *snapshot, const char *prev_file, struct o2p_error *err);

/* Iceberg's metadata retention properties (set true / 100 on the tables this project makes). */
#define ICEBERG_PROP_DELETE_AFTER_COMMIT "write.metadata.delete-after-commit.enabled"
#define ICEBERG_PROP_PREVIOUS_VERSIONS_MAX "write.metadata.previous-versions-max"

/* iceberg_metadata_previous_versions_max - the table's previous-versions-max, 100 (Iceberg's
 * default) when unset or not a positive number. iceberg_metadata_delete_after_commit - whether
 * delete-after-commit is "true" (Iceberg's default: false). */
int64_t iceberg_metadata_previous_versions_max(const json_t *md);
bool iceberg_metadata_delete_after_commit(const json_t *md);

/* iceberg_metadata_uuid - a random (v4) UUID as 36 characters + NUL. */
void iceberg_metadata_uuid(char out[37]);
/* iceberg_metadata_random_id - a random positive 63-bit id (snapshot ids). */
int64_t iceberg_metadata_random_id(void);

#endif
