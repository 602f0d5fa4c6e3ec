/*
 * parquet_dict.c - the dictionary of one BYTE_ARRAY column chunk.
 *
 * Values are stored once, already in PLAIN form (4-byte little-endian length + bytes), so the
 * dictionary page body is `plain` as it is. Lookup is an open-addressing hash table with
 * linear probing over entry indices; each entry keeps its hash so growth never rehashes bytes.
 * Invariants: slots has a power-of-two size, at most half full; entry i was inserted i-th, so
 * indices handed out earlier stay valid until pq_dict_reset. No per-value allocation: entries,
 * slots and plain grow geometrically and are kept across resets (row groups).
 */
#include "parquet_int.h"

#include "common/err.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = (h ^ k) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, p, n);
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

int pq_dict_insert(struct pq_dict *d, const void *p, size_t n, uint32_t *idx, int *is_new)
{
    if ((uint64_t)(d->count + 1) * 2 > (uint64_t)d->mask + 1) {
        if (d->mask >= (1u << 30))
            return O2P_ETOOBIG;
        int rc = grow_slots(d);
        if (rc != O2P_OK)
            return rc;
    }
    uint32_t h = hash_bytes(p, n);
    uint32_t pos = h & d->mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) == h) { /* the stored hash spares a cache miss on mismatches */
            uint32_t i = (uint32_t)s - 1;
            const struct pq_dict_entry *e = &d->entries[i];
            if (e->len == n && memcmp(d->plain.data + e->off + 4, p, n) == 0) {
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
    d->entries[d->count] = (struct pq_dict_entry){off, (uint32_t)n, h};
    d->slots[pos] = (uint64_t)h << 32 | ++d->count;
    *idx = d->count - 1;
    *is_new = 1;
    return O2P_OK;
}

void pq_dict_reset(struct pq_dict *d)
{
    if (d->count && d->slots)
        memset(d->slots, 0, ((size_t)d->mask + 1) * sizeof *d->slots);
    d->count = 0;
    buf_reset(&d->plain);
}

void pq_dict_free(struct pq_dict *d)
{
    buf_free(&d->plain);
    free(d->entries);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
