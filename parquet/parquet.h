/*
 * parquet.h - the project's own Parquet encoder (there is no C Parquet library in Debian).
 *
 * What it writes (parquet-format, parquet.thrift): PAR1 magic, row groups of column chunks,
 * each chunk an optional dictionary page (PLAIN-encoded values for RLE_DICTIONARY data pages;
 * STRING, INT32, INT64 and DOUBLE columns; kept only when it makes the chunk smaller, judged
 * once per chunk, and falling back to PLAIN pages for the rest of the chunk when the
 * dictionary passes options.dict_max_bytes) followed by data pages v1 (RLE/bit-packed
 * repetition and definition levels; values RLE_DICTIONARY or PLAIN, INT32/INT64 values
 * DELTA_BINARY_PACKED and DOUBLE values BYTE_STREAM_SPLIT when that compresses smaller; see
 * parquet/README.md), pages compressed with zstd, and a Thrift-compact FileMetaData footer with the schema (field_id on every element that has
 * one), logical types, column statistics and key-value metadata.
 *
 * Model: the caller describes the schema as a depth-first list of nodes (the root is implicit)
 * and then writes leaf values column by column with their repetition and definition levels
 * (Dremel encoding), calling pq_end_row() after each top-level row. Leaf columns are numbered
 * 0..n-1 in depth-first order. The writer buffers one row group in memory and streams it to the
 * file descriptor when its encoded size passes options.row_group_bytes, so memory stays bounded
 * however large the file.
 *
 * Ownership: the schema nodes and strings must outlive the writer. Value bytes are copied.
 * The writer never closes or seeks the fd; it writes sequentially from the fd's offset 0
 * (the caller opens a fresh file).
 * Errors: every function returns O2P_OK or a negative O2P_E* code with a message in err;
 * after any error other than O2P_EINVAL from a pq_write_* call, the only legal call is
 * pq_writer_free().
 */
#ifndef O2P_PARQUET_H
#define O2P_PARQUET_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical types: the values are parquet.thrift's Type enum. */
enum pq_physical { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6 };
/* Repetition: parquet.thrift's FieldRepetitionType. */
enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum pq_logical {
    PQ_LOGICAL_NONE = 0,
    PQ_LOGICAL_STRING,        /* BYTE_ARRAY, UTF-8 (also sets converted_type UTF8) */
    PQ_LOGICAL_TIMESTAMP_US,  /* INT64, TIMESTAMP(isAdjustedToUTC=true, MICROS) */
    PQ_LOGICAL_MAP,           /* group: MAP (converted_type MAP) */
    PQ_LOGICAL_LIST,          /* group: LIST (converted_type LIST) */
};

struct pq_node {
    const char *name;
    int32_t field_id;             /* written when > 0 */
    enum pq_repetition repetition;
    int num_children;             /* > 0 makes this a group; its children follow it */
    enum pq_physical physical;    /* leaves only */
    enum pq_logical logical;
};

struct pq_schema {
    const struct pq_node *nodes;  /* depth-first, root excluded */
    int num_nodes;
};

struct pq_kv {
    const char *key;
    const char *value;
};

struct pq_options {
    int zstd_level;           /* e.g. 3 */
    size_t row_group_bytes;   /* flush a row group when buffered encoded data passes this */
    size_t page_bytes;        /* target uncompressed data page size; 0 = 1 MiB */
    const char *created_by;   /* FileMetaData.created_by */
    const struct pq_kv *kv;   /* key-value metadata, copied at open */
    int num_kv;
    size_t dict_max_bytes;    /* dictionary size per string column chunk before falling back to
                                 PLAIN for the rest of the chunk; 0 = 1 MiB */
    const char *name;         /* what fd is, for I/O errors ("write NAME at offset N: ..."); may
                                 be NULL; borrowed: must outlive the writer */
};

/* Per leaf column, over the whole file: what the committer needs for an Iceberg manifest entry
 * without reopening the file. Bounds are in Parquet PLAIN form (INT32/INT64/DOUBLE little
 * endian, BOOLEAN one byte 0/1, BYTE_ARRAY the raw bytes, truncated for long strings as
 * the Parquet statistics are). */
#define PQ_BOUND_MAX 64
struct pq_column_stats {
    int32_t field_id;
    enum pq_physical physical;
    enum pq_logical logical;
    int64_t num_values;        /* level entries, nulls included (Iceberg value_counts) */
    int64_t null_count;        /* entries with def < max_def */
    int64_t nan_count;         /* DOUBLE only */
    int64_t compressed_bytes;  /* sum of the column chunks' total_compressed_size */
    bool has_bounds;           /* false when every value was null (or no exact bound exists) */
    uint8_t min[PQ_BOUND_MAX], max[PQ_BOUND_MAX];
    size_t min_len, max_len;
    bool min_exact, max_exact; /* false when truncated */
};

struct pq_file_stats {
    int64_t num_rows;
    int64_t file_bytes;        /* total bytes written, footer and magic included */
    int num_row_groups;
    int num_columns;
    const struct pq_column_stats *columns;  /* owned by the writer; valid until pq_writer_free */
};

struct pq_writer;

/* pq_writer_open - start a file on fd (writes the leading magic lazily or at once). */
int pq_writer_open(struct pq_writer **out, int fd, const struct pq_schema *schema,
                   const struct pq_options *opt, struct o2p_error *err);

/* pq_column_count / pq_column_max_def / pq_column_max_rep - derived from the schema. */
int pq_column_count(const struct pq_writer *w);
int pq_column_max_def(const struct pq_writer *w, int col);
int pq_column_max_rep(const struct pq_writer *w, int col);

/* Append one level entry to leaf column `col`. A value is present iff def == max_def of the
 * column; pq_write_null is for entries with def < max_def (null or empty list/map at some
 * level). The type must match the column's physical type (O2P_EINVAL otherwise). */
int pq_write_null(struct pq_writer *w, int col, int rep, int def);
int pq_write_bool(struct pq_writer *w, int col, int rep, int def, bool v);
int pq_write_int32(struct pq_writer *w, int col, int rep, int def, int32_t v);
int pq_write_int64(struct pq_writer *w, int col, int rep, int def, int64_t v);
int pq_write_double(struct pq_writer *w, int col, int rep, int def, double v);
int pq_write_bytes(struct pq_writer *w, int col, int rep, int def, const void *p, size_t n);
/* pq_write_bytes_n - n values at def (the column's max_def): the first at rep first_rep, the
 * rest at rep; the same as n pq_write_bytes calls, but a dictionary-encoded column looks
 * them up together, overlapping the cache misses of a large dictionary (map values). */
struct pq_bytes {
    const void *p;
    size_t n;
};
int pq_write_bytes_n(struct pq_writer *w, int col, int first_rep, int rep, int def,
                     const struct pq_bytes *v, size_t n);

/* pq_end_row - one top-level row is complete in every column; may flush a row group. */
/* pq_write_same_row - write column col's entries of this row as a copy of the row last
 * written to it after a call with the same token (a nonzero number the caller never uses for
 * other values: e.g. one per resource, for its attribute columns). Returns O2P_OK when
 * copied; PQ_NOT_SAME when the caller must write the row itself (it is then recorded for
 * the token); or the writer's sticky error. For dictionary-encoded string columns: the copy
 * reuses the dictionary indices, no lookups. */
#define PQ_NOT_SAME 1
int pq_write_same_row(struct pq_writer *w, int col, uint64_t token);
int pq_end_row(struct pq_writer *w, struct o2p_error *err);

/* pq_writer_finish - flush the last row group, write the footer and trailing magic, and
 * return file statistics (owned by the writer). Does not fsync or close the fd. */
int pq_writer_finish(struct pq_writer *w, struct pq_file_stats *stats, struct o2p_error *err);

void pq_writer_free(struct pq_writer *w);

/* pq_writer_pool_release - free the buffers pq_writer_free keeps for the calling thread's
 * next writer (parquet_writer.c, "buffer pool"): for a thread done with Parquet (the pool is
 * thread-local and has no destructor), and for tests that count allocations per run. */
void pq_writer_pool_release(void);

/* pq_writer_errmsg - the message of the last error returned by a pq_write_* call (those take
 * no struct o2p_error); valid until the next call on w. Never NULL. */
const char *pq_writer_errmsg(const struct pq_writer *w);

#endif
