/*
 * arena.h - a bump allocator for per-request and per-batch memory.
 *
 * Allocations are never freed one by one: arena_reset() drops them all in O(1) (keeping the
 * first block for reuse), arena_free() releases everything. An arena has a hard ceiling
 * (`max_bytes`); past it arena_alloc() returns NULL, which callers report as O2P_ETOOBIG /
 * O2P_ENOMEM. Not thread-safe: one owner at a time.
 *
 * arena_protobuf_allocator() adapts an arena to protobuf-c, so a decoded request is freed by
 * resetting its arena instead of protobuf_c_message_free_unpacked().
 */
#ifndef O2P_ARENA_H
#define O2P_ARENA_H

#include "common/err.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

struct arena_block;

struct arena {
    unsigned char *cur, *end;  /* free part of the head block (its `used` is synced lazily) */
    struct arena_block *head;  /* current block (newest) */
    size_t block_size;         /* default size of a new block */
    size_t max_bytes;          /* ceiling over all blocks; 0 = unlimited */
    size_t used_bytes;         /* bytes held in blocks */
    int last_error;            /* why arena_alloc last returned NULL: O2P_ETOOBIG (past
                                  max_bytes) or O2P_ENOMEM (malloc failed); set on failure only */
    ProtobufCAllocator pb;     /* filled by arena_init */
};

/* arena_init - set up an empty arena; nothing is allocated until the first arena_alloc. */
void arena_init(struct arena *a, size_t block_size, size_t max_bytes);
/* arena_alloc - 16-byte aligned memory valid until the next reset/free; NULL past max_bytes
 * or when malloc fails (a->last_error says which, for callers that only see a NULL, such as
 * protobuf-c). Inline bump in the head block; arena_alloc_block takes a new block. */
void *arena_alloc_block(struct arena *a, size_t size);
static inline void *arena_alloc(struct arena *a, size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    if (need >= size && (size_t)(a->end - a->cur) >= need) {
        void *p = a->cur;
        a->cur += need;
        return p;
    }
    return arena_alloc_block(a, size);
}
/* arena_error - after arena_alloc returned NULL: O2P_ETOOBIG (the ceiling: the input is too
 * big) or O2P_ENOMEM (malloc failed: a transient condition, not the input's fault). */
static inline int arena_error(const struct arena *a)
{
    return a->last_error == O2P_ENOMEM ? O2P_ENOMEM : O2P_ETOOBIG;
}
/* arena_strndup - copy of s[0..n) plus a NUL, in the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* arena_protobuf_allocator - a ProtobufCAllocator that allocates from a (free is a no-op). */
ProtobufCAllocator *arena_protobuf_allocator(struct arena *a);

#endif
