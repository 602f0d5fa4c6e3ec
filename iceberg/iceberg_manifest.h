/*
 * iceberg_manifest.h - Iceberg v2 manifests and manifest lists as Avro container files
 * (reference/iceberg.md section 3), and the data-file description they are built from (the
 * committer fills it from a files-queue entry: committer_data_file_take, committer_queue.c).
 *
 * Pure functions: they build bytes in memory or parse them; the caller does the I/O.
 */
#ifndef O2P_ICEBERG_MANIFEST_H
#define O2P_ICEBERG_MANIFEST_H

#include "iceberg/iceberg_avro.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Per-column metrics of a data file, keyed by the leaf's Iceberg field id. Counts are -1 when
 * absent; bounds are Iceberg single-value serializations (spec Appendix D), len -1 = absent. */
struct iceberg_col_metric {
    int32_t id;
    int64_t size, values, nulls, nans;
    uint8_t *lower, *upper;   /* malloc'd, owned by the iceberg_data_file */
    int lower_len, upper_len;
};

/* One data file, as the writer queued it. Owned by the caller: key, location, cols and each
 * bound are malloc'd; iceberg_manifest_data_file_free releases them. */
struct iceberg_data_file {
    char table[64];
    char *key;           /* warehouse-relative key */
    char *location;      /* absolute URI written into the manifest */
    int64_t size, records;
    bool partitioned;
    char transform[8];   /* "day" or "hour" */
    int32_t partition_value;  /* days / hours since the epoch */
    struct iceberg_col_metric *cols;
    int ncols;
};

/* iceberg_manifest_data_file_free - release what f owns and zero it. */
void iceberg_manifest_data_file_free(struct iceberg_data_file *f);

/* A table's partition spec as the manifests need it: 0 or 1 field. */
struct iceberg_spec {
    int spec_id;
    int nfields;         /* 0 = unpartitioned, 1 = one field below */
    int32_t source_id;
    int32_t field_id;    /* 1000 */
    char name[96];       /* "Timestamp_day" */
    char transform[16];  /* "day" | "hour" | "identity"... (only day/hour have a writer here) */
};

/* What a manifest needs to know about the table it belongs to. */
struct iceberg_manifest_ctx {
    const char *schema_json;   /* the table schema JSON (Appendix C) including "schema-id" */
    int schema_id;
    const struct iceberg_spec *spec;
    enum iceberg_avro_codec codec;
};

/* The summary the manifest list needs about a manifest just written. */
struct iceberg_manifest_info {
    int64_t length;            /* bytes of the file */
    int32_t added_files;
    int64_t added_rows;
    bool has_bounds;           /* partition bounds known (partitioned spec, >= 1 file) */
    int32_t lower, upper;      /* min/max partition value */
};

/*
 * iceberg_manifest_write - append a v2 data manifest (status ADDED entries, snapshot_id =
 * snapshot_id, sequence numbers null so they inherit) for files[0..n) to out, with the six
 * Iceberg header keys. Fills *info. O2P_EINVAL when a file's partition does not match the spec,
 * O2P_ETOOBIG/O2P_ENOMEM.
 */
int iceberg_manifest_write(struct buf *out, const struct iceberg_manifest_ctx *ctx,
                       struct iceberg_data_file *const *files, size_t n, int64_t snapshot_id,
                       struct iceberg_manifest_info *info, struct o2p_error *err);

/*
 * iceberg_manifest_list_entry - a manifest_file record (as a JSON object shaped like iceberg_avro_read's
 * output: bytes as hex strings) for a manifest written by this snapshot. New reference, or NULL
 * when out of memory.
 */
json_t *iceberg_manifest_list_entry(const char *manifest_path, int32_t spec_id, int64_t seq,
                                int64_t snapshot_id, const struct iceberg_manifest_info *info,
                                const struct iceberg_spec *spec);

/*
 * iceberg_manifest_list_read - the manifest_file records of a manifest list (any v1/v2 writer,
 * any Avro codec - null, deflate, snappy, zstandard: fields are found by name, the pre-2023
 * "added_data_files_count" spellings too). *out is a
 * new JSON array. O2P_ECORRUPT, O2P_EUNSUPPORTED, O2P_ETOOBIG, O2P_ENOMEM.
 */
int iceberg_manifest_list_read(const uint8_t *data, size_t len, json_t **out, struct o2p_error *err);

/*
 * iceberg_manifest_list_write - append a v2 manifest list holding `entries` (JSON objects as above,
 * the new manifest first, then the parent's carried forward) to out. Entries that lack a v2
 * field (v1 lists) get the spec's defaults (sequence numbers 0, content 0).
 * parent_id < 0 = none ("null" in the header).
 */
int iceberg_manifest_list_write(struct buf *out, const json_t *entries, int64_t snapshot_id,
                            int64_t parent_id, int64_t seq, enum iceberg_avro_codec codec,
                            struct o2p_error *err);

/* iceberg_spec_json - the partition spec's fields as a JSON array text ("[]" or one field). */
void iceberg_manifest_spec_fields_json(const struct iceberg_spec *spec, char *out, size_t cap);

#endif
