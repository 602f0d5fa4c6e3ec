/*
 * parquet_dict.c - the dictionary of one BYTE_ARRAY column chunk.
 *
 * Values are stored once, already in PLAIN form (4-byte little-endian length + bytes), so the
 * dictionary page body is `plain` as it is. Lookup is an open-addressing hash table with
 * linear probing over entry indices; each entry keeps its hash so growth never rehashes bytes.
 * Invariants: slots has a power-of-two size, at most half full; entry i was inserted i-th, so
 * indices handed out earlier stay valid until pq_dict_reset. No per-value allocation: entries,
 * slots and plain grow geometrically and are kept across resets (row groups).
 * Each entry also remembers the entry looked up right after it last time (follow), which
 * answers most lookups of repetitive columns without hashing.
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <stdlib.h>
#include <string.h>

/* pq_dict_hash - 8-byte words, then the tail read with at most two overlapping loads: a
 * variable-length memcpy into a word compiles to byte stores that stall the load after it. */
uint32_t pq_dict_hash(const void *vp, size_t n)
{
    const uint8_t *p = vp;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    uint64_t k = 0;
    if (n >= 8) {
        const uint8_t *end = p + n - 8;
        while (p < end) {
            memcpy(&k, p, 8);
            h = (h ^ k) * 0xbf58476d1ce4e5b9ull;
            h ^= h >> 31;
            p += 8;
        }
        memcpy(&k, end, 8); /* the last 8 bytes, overlapping the previous word */
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        k = (uint64_t)a << 32 | b;
    } else if (n > 0) {
        k = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    }
    h = (h ^ k) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

void pq_dict_init(struct pq_dict *d)
{
    memset(d, 0, sizeof *d);
    buf_init(&d->plain, PQ_PAGE_BUF_MAX);
}

/* grow_slots - double the table (or create it) and reinsert every entry by its stored hash. */
static int grow_slots(struct pq_dict *d)
{
    uint32_t size = d->mask ? (d->mask + 1) * 2 : 1024;
    uint64_t *s = calloc(size, sizeof *s);
    if (!s)
        return O2P_ENOMEM;
    uint32_t mask = size - 1;
    for (uint32_t i = 0; i < d->count; i++) {
        uint32_t h = d->entries[i].hash & mask;
        while (s[h])
            h = (h + 1) & mask;
        s[h] = (uint64_t)d->entries[i].hash << 32 | (i + 1);
    }
    free(d->slots);
    d->slots = s;
    d->mask = mask;
    return O2P_OK;
}

/* bytes_eq - a[0..n) == b[0..n); values up to 32 bytes (most of them) with two or four
 * overlapping loads of each side instead of a memcmp call */
static inline int bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t x, y, u, v;
    if (n >= 8 && n <= 16) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + n - 8, 8);
        memcpy(&v, b + n - 8, 8);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    if (n > 16 && n <= 32) { /* keys such as "deployment.environment.name" */
        uint64_t a2, b2, a3, b3;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + 8, 8);
        memcpy(&v, b + 8, 8);
        memcpy(&a2, a + n - 16, 8);
        memcpy(&b2, b + n - 16, 8);
        memcpy(&a3, a + n - 8, 8);
        memcpy(&b3, b + n - 8, 8);
        return ((x ^ y) | (u ^ v) | (a2 ^ b2) | (a3 ^ b3)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t x4, y4, u4, v4;
        memcpy(&x4, a, 4);
        memcpy(&y4, b, 4);
        memcpy(&u4, a + n - 4, 4);
        memcpy(&v4, b + n - 4, 4);
        return ((x4 ^ y4) | (u4 ^ v4)) == 0;
    }
    return memcmp(a, b, n) == 0;
}

/* same_entry - entry i holds exactly the n bytes at p */
static inline int same_entry(const struct pq_dict *d, uint32_t i, const void *p, size_t n)
{
    const struct pq_dict_entry *e = &d->entries[i];
    return e->len == n && bytes_eq(d->plain.data + e->off + 4, p, n);
}

/* lookup_insert - the hash table proper */
static int lookup_insert(struct pq_dict *d, const void *p, size_t n, uint32_t h, uint32_t *idx,
                         int *is_new)
{
    if ((uint64_t)(d->count + 1) * 2 > (uint64_t)d->mask + 1) {
        if (d->mask >= (1u << 30))
            return O2P_ETOOBIG;
        int rc = grow_slots(d);
        if (rc != O2P_OK)
            return rc;
    }
    uint32_t pos = h & d->mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) == h) { /* the stored hash spares a cache miss on mismatches */
            uint32_t i = (uint32_t)s - 1;
            if (same_entry(d, i, p, n)) {
                *idx = i;
                *is_new = 0;
                return O2P_OK;
            }
        }
        pos = (pos + 1) & d->mask;
    }
    if (d->count == d->entries_cap) {
        uint32_t cap = d->entries_cap ? d->entries_cap * 2 : 1024;
        struct pq_dict_entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e)
            return O2P_ENOMEM;
        d->entries = e;
        d->entries_cap = cap;
    }
    if (n > UINT32_MAX - 4)
        return O2P_ETOOBIG;
    int rc = buf_reserve(&d->plain, n + 4);
    if (rc != O2P_OK)
        return rc;
    uint32_t off = (uint32_t)d->plain.len;
    uint8_t *o = d->plain.data + off;
    o[0] = (uint8_t)n;
    o[1] = (uint8_t)(n >> 8);
    o[2] = (uint8_t)(n >> 16);
    o[3] = (uint8_t)(n >> 24);
    if (n)
        memcpy(o + 4, p, n);
    d->plain.len += n + 4;
    d->entries[d->count] = (struct pq_dict_entry){off, (uint32_t)n, h, 0};
    d->slots[pos] = (uint64_t)h << 32 | ++d->count;
    *idx = d->count - 1;
    *is_new = 1;
    return O2P_OK;
}

void pq_dict_prefetch(const struct pq_dict *d, uint32_t h)
{
    if (d->slots)
        __builtin_prefetch(&d->slots[h & d->mask]);
}

int pq_dict_insert(struct pq_dict *d, const void *p, size_t n, uint32_t *idx, int *is_new)
{
    return pq_dict_insert_hashed(d, p, n, PQ_DICT_NO_HASH, idx, is_new);
}

int pq_dict_insert_hashed(struct pq_dict *d, const void *p, size_t n, uint64_t hash, uint32_t *idx,
                          int *is_new)
{
    /* Columns often repeat a sequence (the keys of every row's map, a resource's attribute
     * values): try the entry that followed the previous one last time before hashing. */
    uint32_t prev = d->prev;
    if (prev) {
        uint32_t f = d->entries[prev - 1].follow;
        if (f && same_entry(d, f - 1, p, n)) {
            d->prev = f;
            *idx = f - 1;
            *is_new = 0;
            return O2P_OK;
        }
    }
    uint32_t h = hash == PQ_DICT_NO_HASH ? pq_dict_hash(p, n) : (uint32_t)hash;
    int rc = lookup_insert(d, p, n, h, idx, is_new);
    if (rc == O2P_OK) {
        if (prev)
            d->entries[prev - 1].follow = *idx + 1;
        d->prev = *idx + 1;
    }
    return rc;
}

void pq_dict_reset(struct pq_dict *d)
{
    if (d->count && d->slots)
        memset(d->slots, 0, ((size_t)d->mask + 1) * sizeof *d->slots);
    d->count = 0;
    d->prev = 0;
    buf_reset(&d->plain);
}

void pq_dict_free(struct pq_dict *d)
{
    buf_free(&d->plain);
    free(d->entries);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
