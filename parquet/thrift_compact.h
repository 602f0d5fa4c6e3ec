/*
 * thrift_compact.h - the Thrift compact protocol, just enough for Parquet metadata.
 *
 * Encoder: appends to a struct buf (which carries the size ceiling). Errors are sticky in
 * the encoder (tc_enc.rc) so a long run of writes is checked once at the end.
 * Decoder: reads untrusted bytes. Every read is bounds-checked; the first error is sticky in
 * tc_dec.rc (O2P_ECORRUPT) and later reads return zeros, so callers may check once per struct.
 * Nesting is limited to TC_MAX_DEPTH for both directions (a hostile footer cannot recurse
 * the stack away).
 * No I/O, no allocation in the decoder.
 */
#ifndef O2P_THRIFT_COMPACT_H
#define O2P_THRIFT_COMPACT_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compact-protocol type ids (as found in field headers and list headers). */
enum tc_type {
    TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5, TC_I64 = 6,
    TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10, TC_MAP = 11, TC_STRUCT = 12,
};

#define TC_MAX_DEPTH 32

struct tc_enc {
    struct buf *b;
    int16_t last[TC_MAX_DEPTH]; /* last field id written, per open struct */
    int depth;
    int rc;                     /* first error (O2P_ENOMEM / O2P_ETOOBIG / O2P_EINVAL), sticky */
};

/* tc_enc_init - start encoding the fields of a top-level struct into b (appends). */
void tc_enc_init(struct tc_enc *e, struct buf *b);
void tc_field_i32(struct tc_enc *e, int16_t fid, int32_t v);
void tc_field_i64(struct tc_enc *e, int16_t fid, int64_t v);
void tc_field_bool(struct tc_enc *e, int16_t fid, bool v);
void tc_field_bin(struct tc_enc *e, int16_t fid, const void *p, size_t n);
void tc_field_str(struct tc_enc *e, int16_t fid, const char *s);
/* tc_field_struct - open a struct-valued field; close it with tc_struct_end. */
void tc_field_struct(struct tc_enc *e, int16_t fid);
/* tc_field_list - write a list header; then write n elements with tc_elem_* / tc_elem_struct. */
void tc_field_list(struct tc_enc *e, int16_t fid, enum tc_type elem, uint32_t n);
void tc_elem_i32(struct tc_enc *e, int32_t v);
void tc_elem_bin(struct tc_enc *e, const void *p, size_t n);
/* tc_elem_struct - open a struct element of a list; close with tc_struct_end. */
void tc_elem_struct(struct tc_enc *e);
/* tc_struct_end - write the stop byte of the innermost open struct (or the top level). */
void tc_struct_end(struct tc_enc *e);

/* Low-level helpers, exposed for tests. Return bytes written to out (at most 10). */
size_t tc_put_varint(uint8_t *out, uint64_t v);
uint64_t tc_zigzag64(int64_t v);
int64_t tc_unzigzag64(uint64_t v);

struct tc_dec {
    const uint8_t *p, *end;
    int depth;
    int rc;                     /* O2P_OK or O2P_ECORRUPT, sticky */
};

void tc_dec_init(struct tc_dec *d, const void *p, size_t n);
/* tc_read_field - next field header of the current struct: returns false at the stop byte
 * (or on error); *last is the struct's previous field id, kept by the caller per struct. */
bool tc_read_field(struct tc_dec *d, int16_t *last, int16_t *fid, enum tc_type *type);
int32_t tc_read_i32(struct tc_dec *d, enum tc_type type);
int64_t tc_read_i64(struct tc_dec *d, enum tc_type type);
bool tc_read_bool(struct tc_dec *d, enum tc_type type);
/* tc_read_bin - a binary/string: *p points into the decoded buffer, valid as long as it. */
void tc_read_bin(struct tc_dec *d, enum tc_type type, const uint8_t **p, size_t *n);
/* tc_read_list - a list header; *n is checked against the bytes left (each element takes at
 * least one byte), so callers can allocate n elements safely. */
void tc_read_list(struct tc_dec *d, enum tc_type type, enum tc_type *elem, uint32_t *n);
/* tc_enter / tc_leave - bracket the fields of a nested struct (depth limit). */
void tc_enter(struct tc_dec *d, enum tc_type type);
void tc_leave(struct tc_dec *d);
/* tc_skip - skip one value of the given type (recursively, depth-limited). */
void tc_skip(struct tc_dec *d, enum tc_type type);

#endif
