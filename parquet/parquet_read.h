/*
 * parquet_read.h - a reader for Parquet files, enough to inspect and verify our own output
 * (otlp2parquet parquet-dump, unit and fuzz tests). It reads untrusted input: every offset,
 * length and count in the footer and page headers is checked before use.
 *
 * Supported: FileMetaData (all fields we write; unknown fields skipped), data pages v1 with
 * RLE levels, PLAIN and (RLE|PLAIN)_DICTIONARY values of BOOLEAN/INT32/INT64/FLOAT/DOUBLE/
 * BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY, codecs UNCOMPRESSED and ZSTD. Anything else returns
 * O2P_EUNSUPPORTED. Not supported: data pages v2, other codecs, encryption, INT96.
 *
 * Ownership: a pqr_file borrows the footer bytes it was parsed from (names and statistics
 * point into them); they must outlive it. pqr_file_free releases the rest.
 */
#ifndef O2P_PARQUET_READ_H
#define O2P_PARQUET_READ_H

#include "common/buf.h"
#include "common/err.h"

#include <stddef.h>
#include <stdint.h>

struct pqr_bytes {
    const uint8_t *p;  /* NULL when absent */
    size_t n;
};

struct pqr_element {
    struct pqr_bytes name;
    int type;              /* parquet Type, -1 for groups */
    int type_length;
    int repetition;        /* -1 when absent (root) */
    int num_children;
    int converted;         /* ConvertedType, -1 when absent */
    int has_field_id;
    int32_t field_id;
    int logical;           /* LogicalType union member id, 0 when absent */
    int ts_utc, ts_unit;   /* TIMESTAMP: isAdjustedToUTC, unit (1 ms, 2 us, 3 ns) */
    /* derived */
    int parent, max_def, max_rep;
    int leaf_lo, leaf_hi;  /* leaf columns [lo, hi) under this element */
};

struct pqr_stats {
    struct pqr_bytes min, max, min_value, max_value;
    int has_null_count, has_nan_count, has_min_exact, has_max_exact;
    int64_t null_count, nan_count;
    int min_exact, max_exact;
};

struct pqr_chunk {
    int type, codec, has_meta;
    uint32_t encodings;    /* bit (1 << Encoding) */
    int path_len;
    int64_t num_values, total_uncompressed, total_compressed;
    int64_t data_page_offset, dict_page_offset;  /* dict: -1 when absent */
    int has_stats;
    struct pqr_stats stats;
};

struct pqr_rowgroup {
    int64_t num_rows, total_byte_size, file_offset, total_compressed;
    int ncols;
    struct pqr_chunk *cols;
};

struct pqr_kv {
    struct pqr_bytes key, value;
};

struct pqr_file {
    int32_t version;
    int64_t num_rows;
    int nschema, ncols;    /* elements (root included), leaf columns */
    struct pqr_element *schema;
    int *leaf;             /* schema index of each leaf column */
    int nrg;
    struct pqr_rowgroup *rgs;
    int nkv;
    struct pqr_kv *kv;
    struct pqr_bytes created_by;
    int ncolumn_orders;
};

/* pqr_parse_footer - decode FileMetaData from p[0..n) (the Thrift bytes only).
 * O2P_ECORRUPT on malformed input, O2P_ENOMEM. *out owned by the caller (pqr_file_free). */
int pqr_parse_footer(const uint8_t *p, size_t n, struct pqr_file **out, struct o2p_error *err);
/* pqr_open - check the PAR1 magic at both ends of a whole file in memory and parse its footer. */
int pqr_open(const uint8_t *file, size_t len, struct pqr_file **out, struct o2p_error *err);
void pqr_file_free(struct pqr_file *f);

/* The decoded entries of one column chunk. values are present for entries with
 * def == max_def, in order; i64 holds BOOLEAN/INT32/INT64, f64 FLOAT/DOUBLE, and byte arrays
 * are (off, len) into bytes. */
struct pqr_column {
    size_t n, nvals;
    uint16_t *def, *rep;
    int64_t *i64;
    double *f64;
    uint64_t *off;
    uint32_t *len;
    struct buf bytes;
    size_t cap, vcap;
    size_t pages, pages_mid_row;  /* data pages; those whose first entry has rep > 0 */
};
/* pqr_read_column - decode every page of chunk (rg, col) of file[0..len). out is reset first
 * (its memory is reused across calls). */
int pqr_read_column(const struct pqr_file *f, const uint8_t *file, size_t len, int rg, int col,
                    struct pqr_column *out, struct o2p_error *err);
void pqr_column_free(struct pqr_column *c);

/* pqr_dump - print a file as text (schema, row groups, chunks, statistics) and/or its rows as
 * one JSON object per line with lists, maps and structs reassembled. max_rows < 0: all. */
int pqr_dump(const uint8_t *file, size_t len, int show_meta, long long max_rows, void *stdio_out,
             struct o2p_error *err);

#endif
