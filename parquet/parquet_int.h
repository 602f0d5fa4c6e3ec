/*
 * parquet_int.h - internals shared by the parquet_*.c files of the encoder (not a public API).
 *
 * Module map:
 *   parquet_levels.c  RLE/bit-packing hybrid encode/decode, bit widths, boolean bit packing
 *   parquet_dict.c    open-addressing hash dictionary of byte-array values (PLAIN form)
 *   parquet_delta.c   DELTA_BINARY_PACKED encode/decode (INT32, INT64)
 *   parquet_bss.c     BYTE_STREAM_SPLIT encode/decode (DOUBLE)
 *   parquet_stats.c   min/max/null/NaN accumulation, string bound truncation
 *   parquet_page.c    one column's page buffers -> zstd-compressed data/dictionary pages
 *   parquet_footer.c  FileMetaData (Thrift compact) from the schema and the row-group log
 *   parquet_writer.c  public API: schema derivation, level/value appends, row-group flushes
 */
#ifndef O2P_PARQUET_INT_H
#define O2P_PARQUET_INT_H

#include "common/buf.h"
#include "parquet/parquet.h"

#include <zstd.h>

#define PQ_MAX_LEVEL 64                 /* deepest nesting accepted in a schema */
#define PQ_PREFIX (PQ_BOUND_MAX + 1)    /* string bounds are tracked on 65-byte prefixes */
#define PQ_PAGE_BUF_MAX (1u << 30)      /* per-page buffer ceiling: sizes must fit an i32 */
#define PQ_CHUNK_BUF_MAX ((size_t)1 << 34)
#define PQ_DICT_CAP_DEFAULT (1u << 20)  /* dictionary bytes before falling back to PLAIN */
/* A chunk's dictionary is judged once, when the values looked up in it would take dict_cap
 * bytes PLAIN (or at the chunk's first page close, if earlier), on everything seen so far:
 * it stays if the dictionary page plus the bit-packed indices are smaller than the PLAIN
 * values (parquet-java's first-page check) and, for a dictionary of more than
 * PQ_DICT_TRIAL_MIN entries, still smaller once both are zstd-compressed as they would be
 * written (sequential counters and structured text shrink far more PLAIN than as random
 * indices: 6x here). Otherwise the open page is rewritten PLAIN from the dictionary and the
 * chunk goes on PLAIN with no dictionary page. The sample is the whole dictionary budget:
 * ids repeated thousands of rows apart (a trace's records) are seen repeating before the
 * judgment, which a probe of the first few thousand values cannot see. */
#define PQ_DICT_TRIAL_MIN 256

/* Parquet Encoding / PageType values (parquet.thrift). */
enum { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3, PQ_ENC_DELTA_BINARY_PACKED = 5, PQ_ENC_RLE_DICTIONARY = 8,
       PQ_ENC_BYTE_STREAM_SPLIT = 9 };
enum { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2 };
#define PQ_CODEC_ZSTD 6

/* ---- parquet_levels.c ---- */
int pq_bit_width(uint32_t max_value);
/* worst-case encoded size of n values at width bits (no length prefix) */
size_t pq_rle_bound(size_t n, int width);
/* pq_rle_encode_u8/u32 - append the hybrid encoding of v[0..n) (no length prefix) to out. */
int pq_rle_encode_u8(const uint8_t *v, size_t n, int width, struct buf *out);
int pq_rle_encode_u32(const uint32_t *v, size_t n, int width, struct buf *out);
/* pq_rle_decode - decode exactly n values from p[0..len); *used = bytes consumed.
 * O2P_ECORRUPT when the data ends early, a run is empty or a value exceeds width. */
int pq_rle_decode(const uint8_t *p, size_t len, int width, uint32_t *out, size_t n, size_t *used);
/* pq_pack_bools - PLAIN booleans: v[i] (0/1) -> bit i, LSB first; writes (n+7)/8 bytes. */
void pq_pack_bools(const uint8_t *v, size_t n, uint8_t *out);

/* ---- parquet_delta.c ---- */
/* pq_delta_encode - append DELTA_BINARY_PACKED of n PLAIN values (little-endian int32, or
 * int64 when is64; vals need not be aligned) to out. O2P_ENOMEM when out cannot grow. */
int pq_delta_encode(const void *vals, size_t n, int is64, struct buf *out);
/* pq_delta_decode - decode exactly count values (sign-extended to int64) from p[0..len);
 * *used (may be NULL) = bytes consumed. O2P_ECORRUPT on any malformed or short input. */
int pq_delta_decode(const uint8_t *p, size_t len, int is64, int64_t *out, size_t count, size_t *used);

/* ---- parquet_bss.c ---- */
/* pq_bss_encode - append BYTE_STREAM_SPLIT of n values of w bytes (PLAIN form) to out. */
int pq_bss_encode(const void *vals, size_t n, size_t w, struct buf *out);
/* pq_bss_decode - n values of w bytes into out (PLAIN form); O2P_ECORRUPT unless len == n*w. */
int pq_bss_decode(const uint8_t *p, size_t len, size_t w, void *out, size_t n);

/* ---- parquet_dict.c ---- */
struct pq_dict_entry {
    uint32_t off, len, hash;  /* off: of the 4-byte length prefix in plain */
    uint32_t follow;          /* entry index + 1 looked up after this one last time; 0 none */
};
struct pq_dict {
    struct buf plain;              /* the dictionary page body: PLAIN values */
    struct pq_dict_entry *entries;
    uint32_t count, entries_cap;
    uint64_t *slots;               /* hash << 32 | (entry index + 1); 0 = empty */
    uint32_t mask;                 /* slots size - 1 (power of two), 0 before first insert */
    uint32_t prev;                 /* entry index + 1 of the previous lookup; 0 none */
};
void pq_dict_init(struct pq_dict *d);
int pq_dict_insert(struct pq_dict *d, const void *p, size_t n, uint32_t *idx, int *is_new);
/* The same with the hash computed beforehand (pq_dict_hash), so a caller holding several
 * values can pq_dict_prefetch their slots first and overlap the cache misses of a large
 * dictionary; PQ_DICT_NO_HASH: compute it here. */
#define PQ_DICT_NO_HASH ((uint64_t)1 << 32)
uint32_t pq_dict_hash(const void *p, size_t n);
void pq_dict_prefetch(const struct pq_dict *d, uint32_t hash); /* the hash's first slot */
int pq_dict_insert_hashed(struct pq_dict *d, const void *p, size_t n, uint64_t hash, uint32_t *idx,
                          int *is_new);
void pq_dict_reset(struct pq_dict *d);
void pq_dict_free(struct pq_dict *d);

/* ---- parquet_stats.c ---- */
struct pq_acc {
    int has;                       /* at least one non-null, non-NaN value seen */
    int64_t imin, imax;            /* BOOLEAN/INT32/INT64 */
    double dmin, dmax;             /* DOUBLE */
    uint8_t smin[PQ_PREFIX], smax[PQ_PREFIX];  /* BYTE_ARRAY prefixes */
    uint8_t sminlen, smaxlen;
};
void pq_acc_reset(struct pq_acc *a);
void pq_acc_bytes(struct pq_acc *a, const void *p, size_t n);
void pq_acc_merge(struct pq_acc *dst, const struct pq_acc *src, enum pq_physical t);
/* pq_acc_bounds - the PLAIN-encoded bounds readers may trust: min <= every value <= max.
 * Strings are cut to PQ_BOUND_MAX bytes (at a UTF-8 boundary for STRING); a cut max is
 * incremented so it stays an upper bound, or dropped (*has_max = 0) when impossible. */
void pq_acc_bounds(const struct pq_acc *a, enum pq_physical t, enum pq_logical l,
                   uint8_t *min, size_t *min_len, int *min_exact, int *has_min,
                   uint8_t *max, size_t *max_len, int *max_exact, int *has_max);
/* compare two byte strings as unsigned bytes */
int pq_bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

static inline void pq_acc_int(struct pq_acc *a, int64_t v)
{
    if (!a->has) {
        a->imin = a->imax = v;
        a->has = 1;
    } else if (v < a->imin) {
        a->imin = v;
    } else if (v > a->imax) {
        a->imax = v;
    }
}
static inline void pq_acc_double(struct pq_acc *a, double v) /* v is not NaN */
{
    if (!a->has) {
        a->dmin = a->dmax = v;
        a->has = 1;
    } else if (v < a->dmin) {
        a->dmin = v;
    } else if (v > a->dmax) {
        a->dmax = v;
    }
}

/* ---- the writer ---- */
struct pq_chunk_meta {
    int64_t data_page_offset, dict_page_offset;  /* dict: -1 when none */
    int64_t compressed, uncompressed;            /* page headers included */
    int64_t num_values, null_count, nan_count;
    unsigned encodings;                           /* bit (1 << PQ_ENC_*) */
    struct pq_acc acc;
};

struct pq_rowgroup_meta {
    int64_t num_rows, file_offset, total_byte_size, total_compressed;
};

/* A recorded row of one column, in the shape it is appended to a page. */
struct pq_same_row {
    struct buf rep, def;           /* one byte per entry */
    struct buf idx;                /* uint32 dictionary index per value entry */
    uint32_t entries, nulls, max_idx;
    uint64_t plain;                /* PLAIN size of its values */
};

struct pq_col {
    int node;                      /* index into schema nodes */
    int max_def, max_rep;
    uint8_t rep_def[PQ_MAX_LEVEL + 1]; /* def level reached by the r-th repeated ancestor */
    enum pq_physical physical;
    enum pq_logical logical;
    int path_len;
    const char **path;             /* names from the root's child down to the leaf */
    int dict_eligible, use_dict;
    int dict_judged;               /* dict_judge kept the chunk's dictionary */
    uint32_t dict_seen;            /* values looked up in the chunk's dictionary */
    uint64_t dict_plain_seen;      /* their PLAIN size (4-byte length + bytes each) */
    uint32_t dict_half_seen, dict_half_count; /* dict_seen, dict.count at half the sample */
    int dict_aligned;              /* write indices at a multiple of 8 bits (dict_judge) */
    enum { PQ_NUM_UNDECIDED = 0, PQ_NUM_PLAIN, PQ_NUM_ALT } num_enc; /* INT32/INT64/DOUBLE
                                      chunk without a dictionary: PLAIN or the type's alternative
                                      (DELTA_BINARY_PACKED; DOUBLE: BYTE_STREAM_SPLIT); the first
                                      page tries both (pq_page_close) */
    int row_starts;                /* rep==0 entries since the last pq_end_row */
    uint32_t dict_gen;             /* bumped when dictionary indices stop being valid */
    /* pq_write_same_row: the entries of the row recorded for same_token, replayed while the
     * dictionary is the one (same_gen) that gave out their indices */
    uint64_t same_token;           /* 0: nothing recorded */
    uint32_t same_gen;
    int same_armed;                /* record the next row for same_token */
    int same_recording;            /* the row being written is being recorded */
    struct pq_same_row same;
    /* current page */
    struct buf rep, def;           /* one byte per level entry (only when max > 0) */
    struct buf vals;               /* PLAIN values, or uint32 dictionary indices */
    uint32_t page_entries, page_values;
    uint32_t max_index;            /* largest dictionary index in the page */
    /* current chunk */
    struct pq_dict dict;
    struct buf pages;              /* encoded data pages, headers included */
    struct pq_chunk_meta chunk;
    size_t pending;                /* bytes counted into w->buffered for the open page */
    /* whole file */
    struct pq_acc file_acc;
    struct pq_column_stats stats;
};

struct pq_writer {
    int fd;
    const struct pq_node *nodes;
    int num_nodes;
    int ncols;
    struct pq_col *cols;
    struct pq_options opt;
    size_t page_bytes, dict_cap;
    struct pq_kv *kv;              /* copied at open */
    char *kv_store;
    int64_t offset;                /* bytes written so far */
    int64_t rg_rows, total_rows;
    size_t buffered;               /* estimate of the open row group's encoded bytes */
    struct pq_rowgroup_meta *rgs;
    struct pq_chunk_meta *chunks;  /* rgs_count * ncols */
    int rgs_count, rgs_cap;
    ZSTD_CCtx *zc;
    struct buf lv, tmp, comp, hdr; /* scratch: levels, values, compressed page, page header */
    int failed;                    /* sticky fatal code */
    struct o2p_error err;          /* last error of a pq_write_* call */
    struct pq_file_stats fstats;
};

/* parquet_page.c */
/* pq_compress - one zstd frame of a[0..an) ++ b[0..bn) into w->comp (the writer's scratch,
 * valid until the next call); errors are fatal for the writer. */
int pq_compress(struct pq_writer *w, const void *a, size_t an, const void *b, size_t bn,
                struct o2p_error *err);
int pq_page_close(struct pq_writer *w, struct pq_col *c, struct o2p_error *err);
/* pq_schema_columns - check the node list and count its leaf columns (*ncols); with cols
 * (*ncols entries, zeroed) also fill their levels, path (malloc'd, freed by the writer) and
 * types. Buffers are the caller's. */
int pq_schema_columns(const struct pq_node *nodes, int num_nodes, struct pq_col *cols, int *ncols,
                      struct o2p_error *err);
int pq_page_dict(struct pq_writer *w, struct pq_col *c, struct buf *out, struct o2p_error *err);
/* pq_num_alt_encode - c's alternative to PLAIN (DELTA_BINARY_PACKED for INT32/INT64,
 * BYTE_STREAM_SPLIT for DOUBLE) of n PLAIN values, appended to out. */
struct pq_col;
int pq_num_alt_encode(const struct pq_col *c, const void *vals, size_t n, struct buf *out);
/* pq_pool_take / pq_pool_give (parquet_pool.c) - buf_init(b, max) with pool slot k's memory
 * when it has some that fits; buf_free(b), keeping its memory in slot k when there is room.
 * The calling thread's pool only. */
void pq_pool_take(struct buf *b, int k, size_t max);
void pq_pool_give(struct buf *b, int k);

/* pq_dict_judge (parquet_dict_judge.c) - the once-per-chunk dictionary decision for c, at a row
 * boundary (final: the chunk ends here): keep the dictionary, or rewrite the open page's indices
 * as PLAIN values and drop it. Uses w->tmp, w->lv and w->comp as scratch. O2P_OK or the
 * writer's fatal error. */
int pq_dict_judge(struct pq_writer *w, struct pq_col *c, int final, struct o2p_error *err);

/* pq_dict_page_body (parquet_dict_judge.c) - the dictionary page body of c: its PLAIN values,
 * rebuilt into scratch for INT32/INT64 (whose dictionary entries carry a length prefix). */
int pq_dict_page_body(struct pq_col *c, struct buf *scratch, const uint8_t **body, size_t *len);
/* parquet_footer.c */
int pq_footer_encode(const struct pq_writer *w, struct buf *out, struct o2p_error *err);

#endif
