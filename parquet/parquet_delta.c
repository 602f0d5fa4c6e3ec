/*
 * parquet_delta.c - DELTA_BINARY_PACKED (Parquet Encodings.md, encoding 5) for INT32 and INT64.
 *
 *   page    := header block*
 *   header  := uleb(block_size = 128) uleb(miniblocks = 4) uleb(total values) zigzag(first)
 *   block   := zigzag(min delta) width[4] (one byte per miniblock) miniblock*
 *   miniblock := 32 values of (delta - min delta), LSB-first bit-packed at its width
 *
 * Deltas wrap in the column's own width (32 bits for INT32, 64 for INT64), as the readers
 * (arrow-rs, parquet-java, DuckDB, hyparquet) compute them, so an INT32 width never exceeds 32.
 * Invariants of the encoder: every miniblock that holds a value is written whole (its padding
 * values are zero); in the last block, the miniblocks after the last value have width 0 and no
 * bytes. The decoder reads exactly `count` values, never reads past len, rejects widths above
 * the type's and any header it did not write itself (block size not a multiple of 128,
 * miniblock size not a multiple of 32), and never loops more than count / 32 + blocks times.
 * It does not decode the other delta encodings (DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY).
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <string.h>

#define BLOCK 128
#define MINIS 4
#define MINI (BLOCK / MINIS)

static int put_uleb(struct buf *out, uint64_t v)
{
    uint8_t b[10];
    int n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return buf_append(out, b, (size_t)n);
}

static int put_zigzag(struct buf *out, int64_t v)
{
    return put_uleb(out, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static int width64(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* pack - n (<= MINI) values at width bits, LSB first, padded to MINI values; appends width*4 B */
static int pack(struct buf *out, const uint64_t *v, int n, int width)
{
    if (width == 0)
        return O2P_OK;
    size_t bytes = (size_t)width * MINI / 8;
    int rc = buf_reserve(out, bytes);
    if (rc != O2P_OK)
        return rc;
    uint8_t *p = out->data + out->len;
    memset(p, 0, bytes);
    size_t bit = 0;
    for (int i = 0; i < n; i++, bit += (size_t)width) {
        uint64_t x = v[i];
        size_t at = bit / 8;
        int sh = (int)(bit % 8), left = width;
        p[at++] |= (uint8_t)(x << sh);
        left -= 8 - sh;
        x >>= 8 - sh;
        while (left > 0) {
            p[at++] = (uint8_t)x;
            x >>= 8;
            left -= 8;
        }
    }
    out->len += bytes;
    return O2P_OK;
}

int pq_delta_encode(const void *vals, size_t n, int is64, struct buf *out)
{
    const uint8_t *src = vals;
    uint64_t mask = is64 ? UINT64_MAX : UINT32_MAX;
    int64_t first = 0;
    if (n) {
        if (is64) {
            memcpy(&first, src, 8);
        } else {
            int32_t f;
            memcpy(&f, src, 4);
            first = f;
        }
    }
    int rc = put_uleb(out, BLOCK);
    if (rc == O2P_OK)
        rc = put_uleb(out, MINIS);
    if (rc == O2P_OK)
        rc = put_uleb(out, n);
    if (rc == O2P_OK)
        rc = put_zigzag(out, first);
    uint64_t prev = (uint64_t)first & mask, d[BLOCK];
    for (size_t i = 1; rc == O2P_OK && i < n; i += BLOCK) {
        int k = n - i < BLOCK ? (int)(n - i) : BLOCK;
        int64_t min = INT64_MAX;
        for (int j = 0; j < k; j++) {
            uint64_t x;
            if (is64) {
                memcpy(&x, src + (i + (size_t)j) * 8, 8);
            } else {
                uint32_t y;
                memcpy(&y, src + (i + (size_t)j) * 4, 4);
                x = y;
            }
            uint64_t delta = (x - prev) & mask;
            prev = x;
            int64_t sd = is64 ? (int64_t)delta : (int64_t)(int32_t)(uint32_t)delta;
            d[j] = (uint64_t)sd;
            if (sd < min)
                min = sd;
        }
        uint8_t widths[MINIS] = {0};
        for (int j = 0; j < k; j++)
            d[j] = (d[j] - (uint64_t)min) & mask;
        for (int m = 0; m * MINI < k; m++) {
            uint64_t or = 0;
            for (int j = m * MINI; j < k && j < (m + 1) * MINI; j++)
                or |= d[j];
            widths[m] = (uint8_t)width64(or);
        }
        rc = put_zigzag(out, min);
        if (rc == O2P_OK)
            rc = buf_append(out, widths, MINIS);
        for (int m = 0; rc == O2P_OK && m * MINI < k; m++) {
            int cnt = k - m * MINI < MINI ? k - m * MINI : MINI;
            rc = pack(out, d + m * MINI, cnt, widths[m]);
        }
    }
    return rc;
}

static int get_uleb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (*p >= end)
            return O2P_ECORRUPT;
        uint8_t b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            *v = x;
            return O2P_OK;
        }
    }
    return O2P_ECORRUPT;
}

static int get_zigzag(const uint8_t **p, const uint8_t *end, int64_t *v)
{
    uint64_t u = 0;
    int rc = get_uleb(p, end, &u);
    *v = rc == O2P_OK ? (int64_t)((u >> 1) ^ (0 - (u & 1))) : 0;
    return rc;
}

/* unpack - value i of a miniblock at width bits (the miniblock's bytes are all present) */
static uint64_t unpack(const uint8_t *p, size_t i, int width)
{
    size_t bit = i * (size_t)width;
    uint64_t x = 0;
    int got = 0, sh = (int)(bit % 8);
    const uint8_t *q = p + bit / 8;
    x = (uint64_t)(*q++ >> sh);
    got = 8 - sh;
    while (got < width) {
        x |= (uint64_t)*q++ << got;
        got += 8;
    }
    return width == 64 ? x : x & (((uint64_t)1 << width) - 1);
}

int pq_delta_decode(const uint8_t *p, size_t len, int is64, int64_t *out, size_t count, size_t *used)
{
    const uint8_t *s = p, *end = p + len;
    uint64_t block, minis, total;
    int64_t first;
    int maxw = is64 ? 64 : 32;
    uint64_t mask = is64 ? UINT64_MAX : UINT32_MAX;
    int rc = get_uleb(&s, end, &block);
    if (rc == O2P_OK)
        rc = get_uleb(&s, end, &minis);
    if (rc == O2P_OK)
        rc = get_uleb(&s, end, &total);
    if (rc == O2P_OK)
        rc = get_zigzag(&s, end, &first);
    if (rc != O2P_OK)
        return rc;
    if (block == 0 || block % 128 || block > 1u << 20 || minis == 0 || block % minis ||
        (block / minis) % 32 || total != count)
        return O2P_ECORRUPT;
    uint64_t mini = block / minis;
    uint64_t prev = (uint64_t)first & mask;
    size_t i = 0;
    if (count) {
        out[i++] = is64 ? (int64_t)prev : (int64_t)(int32_t)(uint32_t)prev;
    }
    while (i < count) {
        int64_t min;
        rc = get_zigzag(&s, end, &min);
        if (rc != O2P_OK)
            return rc;
        if ((uint64_t)(end - s) < minis)
            return O2P_ECORRUPT;
        const uint8_t *widths = s;
        s += minis;
        for (uint64_t m = 0; m < minis && i < count; m++) {
            int w = widths[m];
            if (w > maxw)
                return O2P_ECORRUPT;
            size_t bytes = (size_t)((uint64_t)w * mini / 8);
            if ((size_t)(end - s) < bytes)
                return O2P_ECORRUPT;
            for (uint64_t j = 0; j < mini && i < count; j++) {
                uint64_t d = w ? unpack(s, (size_t)j, w) : 0;
                prev = (prev + (uint64_t)min + d) & mask;
                out[i++] = is64 ? (int64_t)prev : (int64_t)(int32_t)(uint32_t)prev;
            }
            s += bytes;
        }
    }
    if (used)
        *used = (size_t)(s - p);
    return O2P_OK;
}
