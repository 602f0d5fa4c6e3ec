/*
 * parquet_levels.c - the RLE / bit-packing hybrid (Parquet Encodings.md) and PLAIN booleans.
 *
 * Used for repetition and definition levels (with a 4-byte length prefix the caller adds in
 * data pages v1) and for dictionary indices (after a bit-width byte the caller adds).
 *
 *   run          := bit-packed-run | rle-run
 *   bit-packed   := varint((groups << 1) | 1), groups * 8 values, LSB first, width bits each
 *   rle-run      := varint(count << 1), the value in ceil(width / 8) little-endian bytes
 *
 * Invariant of the encoder: a bit-packed run holds a multiple of 8 values except the last run
 * of the buffer, whose padding values are zero (readers stop at num_values). Runs of 8 or more
 * equal values become RLE runs; a literal run is topped up from the next RLE run to reach a
 * multiple of 8. The decoder never reads past len and rejects empty runs (no endless loop on a
 * hostile page).
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <string.h>

int pq_bit_width(uint32_t v)
{
    return v ? 32 - __builtin_clz(v) : 0; /* called per row by the page-size estimate */
}

size_t pq_rle_bound(size_t n, int width)
{
    /* all literal: one header per literal run, and at worst a literal run every 16 values
     * separated by 8-value RLE runs (header <= 5 bytes, value <= 4 bytes) */
    return (n / 8 + 1) * ((size_t)width + 10) + 16;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* pack8 - eight values of `width` bits, LSB first: exactly `width` bytes. Whole 32-bit words
 * are stored as they fill (little-endian host, as in parquet_writer.c). */
static inline uint8_t *pack8(uint8_t *o, uint64_t v0, uint64_t v1, uint64_t v2, uint64_t v3,
                             uint64_t v4, uint64_t v5, uint64_t v6, uint64_t v7, int width)
{
    const uint64_t v[8] = {v0, v1, v2, v3, v4, v5, v6, v7};
    uint64_t acc = 0;
    int bits = 0;
    for (int q = 0; q < 8; q++) {
        acc |= v[q] << bits;
        bits += width;
        if (bits >= 32) {
            uint32_t w = (uint32_t)acc;
            memcpy(o, &w, 4);
            o += 4;
            acc >>= 32;
            bits -= 32;
        }
    }
    for (; bits > 0; bits -= 8) { /* 8 * width bits in all: whole bytes remain */
        *o++ = (uint8_t)acc;
        acc >>= 8;
    }
    return o;
}

/* The encoder body, shared by the two element types. */
#define RLE_ENCODE_BODY(T)                                                                    \
    int rc = buf_reserve(out, pq_rle_bound(n, width));                                        \
    if (rc != O2P_OK)                                                                         \
        return rc;                                                                            \
    uint8_t *o = out->data + out->len;                                                        \
    size_t vbytes = ((size_t)width + 7) / 8;                                                  \
    size_t i = 0, lit = 0;                                                                    \
    for (;;) {                                                                                \
        size_t j = i, k = 0;                                                                  \
        if (i < n) {                                                                          \
            T v = a[i];                                                                       \
            j = i + 1;                                                                        \
            while (j < n && a[j] == v)                                                        \
                j++;                                                                          \
            if (j - i < 8) {                                                                  \
                i = j;                                                                        \
                continue;                                                                     \
            }                                                                                 \
            k = (8 - (i - lit) % 8) % 8;                                                      \
            if (j - i - k < 8) {                                                              \
                i = j;                                                                        \
                continue;                                                                     \
            }                                                                                 \
        }                                                                                     \
        /* flush the literal run lit..i+k (padded with zeros at the very end) */              \
        size_t L = (i < n ? i + k : n) - lit;                                                 \
        if (L > 0) {                                                                          \
            size_t groups = (L + 7) / 8;                                                      \
            o = put_varint(o, (uint64_t)groups << 1 | 1);                                     \
            for (size_t g = 0; g < groups; g++) {                                             \
                T x8[8] = {0};                                                                \
                const T *x = a + lit + g * 8;                                                 \
                if (g * 8 + 8 > L) { /* the last group: zero padding */                       \
                    memcpy(x8, x, (L - g * 8) * sizeof(T));                                   \
                    x = x8;                                                                   \
                }                                                                             \
                o = pack8(o, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], width);          \
            }                                                                                 \
        }                                                                                     \
        if (i >= n)                                                                           \
            break;                                                                            \
        o = put_varint(o, (uint64_t)(j - i - k) << 1);                                        \
        uint64_t v = (uint64_t)a[i];                                                          \
        for (size_t b = 0; b < vbytes; b++)                                                   \
            *o++ = (uint8_t)(v >> (8 * b));                                                   \
        lit = i = j;                                                                          \
    }                                                                                         \
    out->len = (size_t)(o - out->data);                                                       \
    return O2P_OK;

int pq_rle_encode_u8(const uint8_t *a, size_t n, int width, struct buf *out)
{
    RLE_ENCODE_BODY(uint8_t)
}

int pq_rle_encode_u32(const uint32_t *a, size_t n, int width, struct buf *out)
{
    RLE_ENCODE_BODY(uint32_t)
}

int pq_rle_decode(const uint8_t *p, size_t len, int width, uint32_t *out, size_t n, size_t *used)
{
    const uint8_t *s = p, *end = p + len;
    size_t got = 0;
    size_t vbytes = ((size_t)width + 7) / 8;
    uint64_t limit = width >= 32 ? UINT32_MAX : ((uint64_t)1 << width) - 1;
    if (width < 0 || width > 32)
        return O2P_ECORRUPT;
    while (got < n) {
        uint64_t h = 0;
        int shift = 0;
        for (;;) {
            if (p >= end || shift > 35)
                return O2P_ECORRUPT;
            uint8_t c = *p++;
            h |= (uint64_t)(c & 0x7F) << shift;
            shift += 7;
            if (!(c & 0x80))
                break;
        }
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0)
                return O2P_ECORRUPT;
            uint64_t nbytes = groups * (uint64_t)width;
            if (nbytes > (uint64_t)(end - p))
                return O2P_ECORRUPT;
            uint64_t count = groups * 8, take = count < n - got ? count : n - got;
            uint64_t acc = 0;
            int bits = 0;
            const uint8_t *q = p;
            for (uint64_t t = 0; t < take; t++) {
                while (bits < width) {
                    acc |= (uint64_t)*q++ << bits;
                    bits += 8;
                }
                out[got++] = (uint32_t)(acc & limit);
                acc >>= width;
                bits -= width;
            }
            p += nbytes;
        } else {
            uint64_t count = h >> 1;
            if (count == 0 || (size_t)(end - p) < vbytes)
                return O2P_ECORRUPT;
            uint64_t v = 0;
            for (size_t b = 0; b < vbytes; b++)
                v |= (uint64_t)p[b] << (8 * b);
            p += vbytes;
            if (v > limit)
                return O2P_ECORRUPT;
            uint64_t take = count < n - got ? count : n - got;
            for (uint64_t t = 0; t < take; t++)
                out[got++] = (uint32_t)v;
        }
    }
    if (used)
        *used = (size_t)(p - s);
    return O2P_OK;
}

void pq_pack_bools(const uint8_t *v, size_t n, uint8_t *out)
{
    size_t full = n / 8;
    for (size_t g = 0; g < full; g++) {
        const uint8_t *x = v + g * 8;
        out[g] = (uint8_t)(x[0] | x[1] << 1 | x[2] << 2 | x[3] << 3 | x[4] << 4 | x[5] << 5 |
                           x[6] << 6 | x[7] << 7);
    }
    if (n % 8) {
        uint8_t b = 0;
        for (size_t i = 0; i < n % 8; i++)
            b |= (uint8_t)(v[full * 8 + i] << i);
        out[full] = b;
    }
}
