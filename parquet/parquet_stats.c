/*
 * parquet_stats.c - column statistics: min/max accumulation and the bounds written out.
 *
 * Orders (parquet.thrift ColumnOrder TYPE_ORDER): signed for BOOLEAN/INT32/INT64, numeric for
 * DOUBLE with NaN excluded (the caller counts NaNs instead) and a zero min written as -0.0 and
 * a zero max as +0.0, unsigned bytewise for BYTE_ARRAY.
 *
 * Strings are tracked on their first PQ_PREFIX (65) bytes only: comparing 65-byte prefixes
 * orders two strings correctly whenever the order matters for a 64-byte bound (if the prefixes
 * are equal both strings truncate to the same bound). So no allocation happens per value.
 * Invariant of pq_acc_bounds: the bounds it returns are true bounds (min <= v <= max for every
 * value counted); a max that cannot be made an upper bound after truncation is dropped.
 */
#include "parquet/parquet_int.h"

#include <math.h>
#include <string.h>

void pq_acc_reset(struct pq_acc *a)
{
    a->has = 0;
    a->sminlen = a->smaxlen = 0;
}

int pq_bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* key8 - s[0..min(n,8)) zero-padded, read big-endian: when two keys differ, they order the
 * strings as pq_bytes_cmp does (a padding zero sits where the shorter string has ended, so
 * it is the prefix and sorts first); equal keys need the full comparison. */
static inline uint64_t key8(const uint8_t *s, size_t n)
{
    uint64_t v = 0;
    if (n >= 8)
        memcpy(&v, s, 8);
    else
        memcpy(&v, s, n);
    return __builtin_bswap64(v); /* little-endian host assumed, as elsewhere in the encoder */
}

void pq_acc_bytes(struct pq_acc *a, const void *p, size_t n)
{
    size_t m = n < PQ_PREFIX ? n : PQ_PREFIX;
    if (!a->has) {
        memcpy(a->smin, p, m);
        memcpy(a->smax, p, m);
        a->sminlen = a->smaxlen = (uint8_t)m;
        a->has = 1;
        return;
    }
    /* The first 8 bytes as a big-endian number decide most comparisons without memcmp. */
    uint64_t kp = key8(p, m);
    uint64_t kmin = key8(a->smin, a->sminlen), kmax = key8(a->smax, a->smaxlen);
    if (kp < kmin || (kp == kmin && pq_bytes_cmp(p, m, a->smin, a->sminlen) < 0)) {
        memcpy(a->smin, p, m);
        a->sminlen = (uint8_t)m;
    } else if (kp > kmax || (kp == kmax && pq_bytes_cmp(p, m, a->smax, a->smaxlen) > 0)) {
        memcpy(a->smax, p, m);
        a->smaxlen = (uint8_t)m;
    }
}

void pq_acc_merge(struct pq_acc *dst, const struct pq_acc *src, enum pq_physical t)
{
    if (!src->has)
        return;
    if (!dst->has) {
        *dst = *src;
        return;
    }
    switch (t) {
    case PQ_DOUBLE:
        if (src->dmin < dst->dmin)
            dst->dmin = src->dmin;
        if (src->dmax > dst->dmax)
            dst->dmax = src->dmax;
        break;
    case PQ_BYTE_ARRAY:
        if (pq_bytes_cmp(src->smin, src->sminlen, dst->smin, dst->sminlen) < 0) {
            memcpy(dst->smin, src->smin, src->sminlen);
            dst->sminlen = src->sminlen;
        }
        if (pq_bytes_cmp(src->smax, src->smaxlen, dst->smax, dst->smaxlen) > 0) {
            memcpy(dst->smax, src->smax, src->smaxlen);
            dst->smaxlen = src->smaxlen;
        }
        break;
    default:
        if (src->imin < dst->imin)
            dst->imin = src->imin;
        if (src->imax > dst->imax)
            dst->imax = src->imax;
    }
}

static void put_le(uint8_t *o, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        o[i] = (uint8_t)(v >> (8 * i));
}

/* utf8_cut - largest cut <= limit that does not split a UTF-8 sequence. */
static size_t utf8_cut(const uint8_t *s, size_t n, size_t limit)
{
    if (n <= limit)
        return n;
    size_t cut = limit;
    while (cut > 0 && (s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

/* bytes_increment - shortest s' > every string starting with s[0..n): bump the last byte
 * below 0xFF and drop what follows. Returns the new length, 0 if impossible. */
static size_t bytes_increment(uint8_t *s, size_t n)
{
    while (n > 0) {
        if (s[n - 1] != 0xFF) {
            s[n - 1]++;
            return n;
        }
        n--;
    }
    return 0;
}

/* utf8_last - decode the code point ending at s[n-1]; its start in *start; -1 if invalid. */
static long utf8_last(const uint8_t *s, size_t n, size_t *start)
{
    size_t i = n - 1;
    while (i > 0 && (s[i] & 0xC0) == 0x80 && n - i < 4)
        i--;
    size_t len = n - i;
    uint8_t c = s[i];
    long cp;
    size_t want;
    if (c < 0x80) {
        cp = c;
        want = 1;
    } else if ((c & 0xE0) == 0xC0) {
        cp = c & 0x1F;
        want = 2;
    } else if ((c & 0xF0) == 0xE0) {
        cp = c & 0x0F;
        want = 3;
    } else if ((c & 0xF8) == 0xF0) {
        cp = c & 0x07;
        want = 4;
    } else {
        return -1;
    }
    if (want != len)
        return -1;
    for (size_t k = 1; k < len; k++)
        cp = cp << 6 | (s[i + k] & 0x3F);
    *start = i;
    return cp;
}

static size_t utf8_put(uint8_t *o, long cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* utf8_increment - like bytes_increment but the result stays valid UTF-8 of <= limit bytes:
 * the last code point is replaced by its successor (skipping surrogates), or dropped when it
 * is U+10FFFF or its successor would not fit. Falls back to bytes on invalid UTF-8. */
static size_t utf8_increment(uint8_t *s, size_t n, size_t limit)
{
    while (n > 0) {
        size_t start;
        long cp = utf8_last(s, n, &start);
        if (cp < 0)
            return bytes_increment(s, n);
        if (cp < 0x10FFFF) {
            long next = cp + 1 == 0xD800 ? 0xE000 : cp + 1;
            uint8_t enc[4];
            size_t el = utf8_put(enc, next);
            if (start + el <= limit) {
                memcpy(s + start, enc, el);
                return start + el;
            }
        }
        n = start;
    }
    return 0;
}

void pq_acc_bounds(const struct pq_acc *a, enum pq_physical t, enum pq_logical l,
                   uint8_t *min, size_t *min_len, int *min_exact, int *has_min,
                   uint8_t *max, size_t *max_len, int *max_exact, int *has_max)
{
    *has_min = *has_max = a->has;
    *min_exact = *max_exact = 1;
    *min_len = *max_len = 0;
    if (!a->has)
        return;
    switch (t) {
    case PQ_BOOLEAN:
        min[0] = (uint8_t)(a->imin != 0);
        max[0] = (uint8_t)(a->imax != 0);
        *min_len = *max_len = 1;
        break;
    case PQ_INT32:
        put_le(min, (uint64_t)(uint32_t)(int32_t)a->imin, 4);
        put_le(max, (uint64_t)(uint32_t)(int32_t)a->imax, 4);
        *min_len = *max_len = 4;
        break;
    case PQ_INT64:
        put_le(min, (uint64_t)a->imin, 8);
        put_le(max, (uint64_t)a->imax, 8);
        *min_len = *max_len = 8;
        break;
    case PQ_DOUBLE: {
        double lo = a->dmin == 0 ? -0.0 : a->dmin, hi = a->dmax == 0 ? 0.0 : a->dmax;
        uint64_t u;
        memcpy(&u, &lo, 8);
        put_le(min, u, 8);
        memcpy(&u, &hi, 8);
        put_le(max, u, 8);
        *min_len = *max_len = 8;
        break;
    }
    case PQ_BYTE_ARRAY: {
        int utf8 = l == PQ_LOGICAL_STRING;
        size_t n = a->sminlen;
        if (n > PQ_BOUND_MAX) {
            n = utf8 ? utf8_cut(a->smin, n, PQ_BOUND_MAX) : PQ_BOUND_MAX;
            *min_exact = 0;
        }
        memcpy(min, a->smin, n);
        *min_len = n;
        n = a->smaxlen;
        memcpy(max, a->smax, n < PQ_BOUND_MAX ? n : PQ_BOUND_MAX);
        if (n > PQ_BOUND_MAX) {
            *max_exact = 0;
            n = utf8 ? utf8_cut(a->smax, n, PQ_BOUND_MAX) : PQ_BOUND_MAX;
            n = utf8 ? utf8_increment(max, n, PQ_BOUND_MAX) : bytes_increment(max, n);
            if (n == 0)
                *has_max = 0;
        }
        *max_len = n;
        break;
    }
    }
}
