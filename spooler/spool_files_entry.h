/*
 * spool_files_entry.h - the files-queue entry: what a writer tells the committer about one
 * Parquet data file it published. This comment is the one description of the format; the
 * writer builds entries only with spool_files_entry_encode, the committer and `status` read
 * them only with spool_files_entry_decode.
 *
 * Where it lives: LMDB database `files` of the spool, key = 8-byte big-endian queue id (meta
 * "fileseq", so the committer sees files in the order they were made); value = the file's
 * location length (u16 little endian), the location, then the entry below (spool_files.c
 * frames it). An entry the committer cannot decode is moved to the database
 * `files.quarantine` under the same key, value = reason length (u16 LE), the reason, then the
 * original value unchanged (spool_files_quarantine in spool.h).
 *
 * The entry is one JSON object (UTF-8, RFC 8259 escaping of every string; the writers before
 * this module formatted it by hand without escaping, and what they wrote for locations free of
 * '"', '\\' and control characters decodes identically):
 *
 *   {"table":     "logs" | "traces" | "metrics_gauge" | ... (otel/table_schema.h names),
 *    "key":       the file's key under the table location, "data/<Column>_<day|hour>=<text>/...",
 *    "location":  the file's absolute URI (file:// or s3://), written into the manifest,
 *    "format":    "parquet",
 *    "size":      file bytes (integer >= 0),
 *    "records":   rows (integer >= 0),
 *    "partition": {"source": the table's partition column ("Timestamp" | "TimeUnix"),
 *                  "transform": "day" | "hour", "name": "<source>_<transform>",
 *                  "value": days/hours since 1970-01-01 (32-bit integer, Iceberg's day()/hour()),
 *                  "text": "YYYY-MM-DD" or "YYYY-MM-DD-HH" (the directory name's value)},
 *    "claim":     {"signal": "logs" | "traces" | "metrics", "first", "last": the spool
 *                  sequence range the file was made from (integers, 0 <= first <= last)},
 *    "columns":   [ per leaf column: {"id": Iceberg field id (32-bit integer > 0),
 *                  "size": compressed bytes, "values": value count, "nulls": null count
 *                  (integers >= 0), "nans": NaN count (integer >= 0, double columns only,
 *                  optional), "lower", "upper": Iceberg single-value bounds (Appendix D; for
 *                  our types the same bytes as Parquet PLAIN) in standard base64 with padding,
 *                  at most SPOOL_FILES_ENTRY_BOUND_MAX bytes decoded (optional, together)} ]}
 *
 * Every member above is required unless marked optional; members not listed are ignored (so
 * a newer writer may add one without wedging an older committer); a member given twice, a
 * wrong JSON type, a number out of its range, trailing bytes after the object or an invalid
 * string is an error that names the member. The committer never reopens the Parquet file:
 * everything an Iceberg manifest entry needs is here.
 *
 * Does not: touch LMDB (spool_files.c does), check that the file exists, or know Iceberg.
 */
#ifndef O2P_SPOOL_FILES_ENTRY_H
#define O2P_SPOOL_FILES_ENTRY_H

#include "common/buf.h"
#include "common/err.h"
#include "common/signal_kind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_FILES_ENTRY_KEY_MAX 1024       /* bytes of "key", NUL excluded, must be below */
#define SPOOL_FILES_ENTRY_LOCATION_MAX 4096  /* bytes of "location", NUL excluded, must be below */
#define SPOOL_FILES_ENTRY_BOUND_MAX 64       /* decoded bytes of one bound */
#define SPOOL_FILES_ENTRY_COLUMNS_MAX 1024   /* leaf columns of one file */
#define SPOOL_FILES_ENTRY_BYTES_MAX (4u << 20) /* encoded entry; far above any real one */

/* One leaf column's metrics. nans < 0: absent (not a double column). has_bounds: lower and
 * upper are both given (lower_len/upper_len bytes, 0 allowed: the empty string). */
struct spool_files_entry_column {
    int32_t id;
    int64_t size, values, nulls, nans;
    bool has_bounds;
    uint16_t lower_len, upper_len;
    uint8_t lower[SPOOL_FILES_ENTRY_BOUND_MAX], upper[SPOOL_FILES_ENTRY_BOUND_MAX];
};

struct spool_files_entry {
    char table[32];
    char *key;                      /* see the ownership note below */
    char *location;
    int64_t size, records;
    struct {
        char source[32];
        char transform[8];          /* "day" | "hour" */
        char name[48];
        int32_t value;
        char text[24];
    } partition;
    struct {
        enum o2p_signal signal;
        uint64_t first, last;
    } claim;
    struct spool_files_entry_column *columns;
    size_t ncolumns;
};

/*
 * spool_files_entry_encode - append the JSON text of *e to out (nothing else; no NUL counted).
 * Only reads *e: key, location and columns stay the caller's. Checks what decode checks, so a
 * written entry always decodes: O2P_EINVAL naming the member (a field out of range, a string
 * that is not UTF-8 or too long), O2P_ETOOBIG (out's ceiling), O2P_ENOMEM. On error out may
 * hold part of the text: reset it.
 */
int spool_files_entry_encode(const struct spool_files_entry *e, struct buf *out, struct o2p_error *err);

/*
 * spool_files_entry_decode - parse and validate one entry (data, len: the JSON text, not
 * NUL-terminated; only read, may point into LMDB's map). On O2P_OK *out owns key, location
 * and columns (malloc'd): release them with spool_files_entry_free. On error nothing is left
 * allocated, *out is zeroed, and err says which member is wrong and which entry it is
 * ("files entry data/...parquet: columns[3].lower: not base64"): O2P_ECORRUPT for any
 * malformed input, O2P_ENOMEM. Thread-safe (no shared state).
 */
int spool_files_entry_decode(const void *data, size_t len, struct spool_files_entry *out, struct o2p_error *err);

/* spool_files_entry_free - release what decode allocated and zero *e (safe on a zeroed or
 * already freed entry; never call it on an entry whose pointers the caller owns). */
void spool_files_entry_free(struct spool_files_entry *e);

#endif
