/*
 * thrift_compact.c - Thrift compact protocol encoder and hardened decoder (see thrift_compact.h).
 *
 * Wire format (Thrift compact protocol spec): integers are zigzag varints; a field header is
 * one byte (delta << 4 | type) when the field id grows by 1..15 since the previous field of
 * the same struct, else the type byte followed by the zigzag-varint field id; booleans travel
 * in the field header's type (1 true, 2 false); a list header is (size << 4 | elem type) for
 * sizes below 15, else 0xF0 | type followed by a varint size; binary is a varint length then
 * the bytes; a struct ends with a 0 byte.
 *
 * Invariants: the encoder never writes past its buf ceiling (the error is sticky); the decoder
 * never reads outside [p, end) and never trusts a length or count it has not compared with the
 * bytes left.
 */
#include "parquet/thrift_compact.h"

#include "common/err.h"

#include <string.h>

size_t tc_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

uint64_t tc_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
int64_t tc_unzigzag64(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* ---- encoder ---------------------------------------------------------------------------- */

void tc_enc_init(struct tc_enc *e, struct buf *b)
{
    e->b = b;
    e->depth = 0;
    e->last[0] = 0;
    e->rc = O2P_OK;
}

/* put - append raw bytes, recording the first failure. */
static void put(struct tc_enc *e, const void *p, size_t n)
{
    if (e->rc != O2P_OK)
        return;
    int rc = buf_append(e->b, p, n);
    if (rc != O2P_OK)
        e->rc = rc;
}

static void put_varint(struct tc_enc *e, uint64_t v)
{
    uint8_t tmp[10];
    put(e, tmp, tc_put_varint(tmp, v));
}

/* field_header - delta form when possible, long form otherwise. */
static void field_header(struct tc_enc *e, int16_t fid, enum tc_type t)
{
    int delta = fid - e->last[e->depth];
    if (delta > 0 && delta <= 15) {
        uint8_t c = (uint8_t)(delta << 4 | t);
        put(e, &c, 1);
    } else {
        uint8_t c = (uint8_t)t;
        put(e, &c, 1);
        put_varint(e, tc_zigzag64(fid));
    }
    e->last[e->depth] = fid;
}

void tc_field_i32(struct tc_enc *e, int16_t fid, int32_t v)
{
    field_header(e, fid, TC_I32);
    put_varint(e, tc_zigzag64(v));
}

void tc_field_i64(struct tc_enc *e, int16_t fid, int64_t v)
{
    field_header(e, fid, TC_I64);
    put_varint(e, tc_zigzag64(v));
}

void tc_field_bool(struct tc_enc *e, int16_t fid, bool v) { field_header(e, fid, v ? TC_TRUE : TC_FALSE); }

void tc_field_bin(struct tc_enc *e, int16_t fid, const void *p, size_t n)
{
    field_header(e, fid, TC_BINARY);
    put_varint(e, n);
    put(e, p, n);
}

void tc_field_str(struct tc_enc *e, int16_t fid, const char *s) { tc_field_bin(e, fid, s, strlen(s)); }

static void push(struct tc_enc *e)
{
    if (e->depth + 1 >= TC_MAX_DEPTH) {
        if (e->rc == O2P_OK)
            e->rc = O2P_EINVAL;
        return;
    }
    e->last[++e->depth] = 0;
}

void tc_field_struct(struct tc_enc *e, int16_t fid)
{
    field_header(e, fid, TC_STRUCT);
    push(e);
}

void tc_field_list(struct tc_enc *e, int16_t fid, enum tc_type elem, uint32_t n)
{
    field_header(e, fid, TC_LIST);
    if (n < 15) {
        uint8_t c = (uint8_t)(n << 4 | elem);
        put(e, &c, 1);
    } else {
        uint8_t c = (uint8_t)(0xF0 | elem);
        put(e, &c, 1);
        put_varint(e, n);
    }
}

void tc_elem_i32(struct tc_enc *e, int32_t v) { put_varint(e, tc_zigzag64(v)); }

void tc_elem_bin(struct tc_enc *e, const void *p, size_t n)
{
    put_varint(e, n);
    put(e, p, n);
}

void tc_elem_struct(struct tc_enc *e) { push(e); }

void tc_struct_end(struct tc_enc *e)
{
    uint8_t c = 0;
    put(e, &c, 1);
    if (e->depth > 0)
        e->depth--;
}

/* ---- decoder ---------------------------------------------------------------------------- */

void tc_dec_init(struct tc_dec *d, const void *p, size_t n)
{
    d->p = p;
    d->end = d->p + n;
    d->depth = 0;
    d->rc = O2P_OK;
}

static void corrupt(struct tc_dec *d)
{
    d->rc = O2P_ECORRUPT;
    d->p = d->end;
}

static uint8_t get_byte(struct tc_dec *d)
{
    if (d->rc != O2P_OK || d->p >= d->end) {
        corrupt(d);
        return 0;
    }
    return *d->p++;
}

static uint64_t get_varint(struct tc_dec *d)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        uint8_t c = get_byte(d);
        if (d->rc != O2P_OK)
            return 0;
        if (shift == 63 && c > 1) {
            corrupt(d);
            return 0;
        }
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    corrupt(d);
    return 0;
}

bool tc_read_field(struct tc_dec *d, int16_t *last, int16_t *fid, enum tc_type *type)
{
    uint8_t c = get_byte(d);
    if (d->rc != O2P_OK || c == 0)
        return false;
    int t = c & 0x0F, delta = c >> 4;
    if (t > TC_STRUCT) {
        corrupt(d);
        return false;
    }
    if (delta) {
        *fid = (int16_t)(*last + delta);
    } else {
        int64_t v = tc_unzigzag64(get_varint(d));
        if (v < INT16_MIN || v > INT16_MAX) {
            corrupt(d);
            return false;
        }
        *fid = (int16_t)v;
    }
    *last = *fid;
    *type = (enum tc_type)t;
    return d->rc == O2P_OK;
}

int64_t tc_read_i64(struct tc_dec *d, enum tc_type type)
{
    if (type == TC_BYTE)
        return (int8_t)get_byte(d);
    if (type != TC_I16 && type != TC_I32 && type != TC_I64) {
        corrupt(d);
        return 0;
    }
    return tc_unzigzag64(get_varint(d));
}

int32_t tc_read_i32(struct tc_dec *d, enum tc_type type)
{
    int64_t v = tc_read_i64(d, type);
    if (v < INT32_MIN || v > INT32_MAX) {
        corrupt(d);
        return 0;
    }
    return (int32_t)v;
}

bool tc_read_bool(struct tc_dec *d, enum tc_type type)
{
    if (type == TC_TRUE)
        return true;
    if (type == TC_FALSE)
        return false;
    corrupt(d);
    return false;
}

void tc_read_bin(struct tc_dec *d, enum tc_type type, const uint8_t **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (type != TC_BINARY) {
        corrupt(d);
        return;
    }
    uint64_t len = get_varint(d);
    if (d->rc != O2P_OK || len > (uint64_t)(d->end - d->p)) {
        corrupt(d);
        return;
    }
    *p = d->p;
    *n = (size_t)len;
    d->p += len;
}

void tc_read_list(struct tc_dec *d, enum tc_type type, enum tc_type *elem, uint32_t *n)
{
    *n = 0;
    *elem = TC_STOP;
    if (type != TC_LIST && type != TC_SET) {
        corrupt(d);
        return;
    }
    uint8_t c = get_byte(d);
    uint64_t size = c >> 4;
    if (size == 15)
        size = get_varint(d);
    int t = c & 0x0F;
    if (d->rc != O2P_OK || t > TC_STRUCT || t == TC_STOP || size > (uint64_t)(d->end - d->p)) {
        corrupt(d);
        return;
    }
    *elem = (enum tc_type)t;
    *n = (uint32_t)size;
}

void tc_enter(struct tc_dec *d, enum tc_type type)
{
    if (type != TC_STRUCT || d->depth + 1 >= TC_MAX_DEPTH) {
        corrupt(d);
        return;
    }
    d->depth++;
}

void tc_leave(struct tc_dec *d)
{
    if (d->depth > 0)
        d->depth--;
}

void tc_skip(struct tc_dec *d, enum tc_type type)
{
    if (d->rc != O2P_OK)
        return;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
        return; /* a bool field carries its value in the header */
    case TC_BYTE:
        get_byte(d);
        return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        get_varint(d);
        return;
    case TC_DOUBLE:
        if (d->end - d->p < 8)
            corrupt(d);
        else
            d->p += 8;
        return;
    case TC_BINARY: {
        const uint8_t *p;
        size_t n;
        tc_read_bin(d, type, &p, &n);
        return;
    }
    case TC_LIST:
    case TC_SET: {
        enum tc_type elem;
        uint32_t n;
        tc_read_list(d, type, &elem, &n);
        if (d->depth + 1 >= TC_MAX_DEPTH) {
            corrupt(d);
            return;
        }
        d->depth++;
        for (uint32_t i = 0; i < n && d->rc == O2P_OK; i++) {
            if (elem == TC_TRUE || elem == TC_FALSE)
                get_byte(d); /* list bools are one byte each */
            else
                tc_skip(d, elem);
        }
        d->depth--;
        return;
    }
    case TC_MAP: {
        uint64_t n = get_varint(d);
        if (n == 0)
            return;
        uint8_t kv = get_byte(d);
        if (d->rc != O2P_OK || n > (uint64_t)(d->end - d->p) || d->depth + 1 >= TC_MAX_DEPTH) {
            corrupt(d);
            return;
        }
        d->depth++;
        for (uint64_t i = 0; i < n && d->rc == O2P_OK; i++) {
            int kt = kv >> 4, vt = kv & 0x0F;
            if (kt == TC_TRUE || kt == TC_FALSE)
                get_byte(d);
            else
                tc_skip(d, (enum tc_type)kt);
            if (vt == TC_TRUE || vt == TC_FALSE)
                get_byte(d);
            else
                tc_skip(d, (enum tc_type)vt);
        }
        d->depth--;
        return;
    }
    case TC_STRUCT: {
        tc_enter(d, type);
        int16_t last = 0, fid;
        enum tc_type t;
        while (tc_read_field(d, &last, &fid, &t))
            tc_skip(d, t);
        tc_leave(d);
        return;
    }
    default:
        corrupt(d);
    }
}
