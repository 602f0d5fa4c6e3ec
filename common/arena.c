/*
 * arena.c - bump allocator (see arena.h). Blocks form a list newest-first; reset keeps only
 * the oldest block so a steady workload stops calling malloc after warm-up.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

static void *pb_alloc(void *data, size_t size) { return arena_alloc(data, size); }
static void pb_free(void *data, void *ptr) { (void)data; (void)ptr; }

void arena_init(struct arena *a, size_t block_size, size_t max_bytes)
{
    memset(a, 0, sizeof *a);
    a->block_size = block_size ? block_size : 64 * 1024;
    a->max_bytes = max_bytes;
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
}

void *arena_alloc(struct arena *a, size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    if (need < size)
        return NULL;
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t bsize = need > a->block_size ? need : a->block_size;
        if (a->max_bytes && a->used_bytes + bsize > a->max_bytes)
            return NULL;
        b = malloc(sizeof *b + bsize);
        if (!b)
            return NULL;
        b->size = bsize;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->used_bytes += bsize;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void arena_reset(struct arena *a)
{
    struct arena_block *b = a->head;
    if (!b)
        return;
    while (b->next) {
        struct arena_block *next = b->next;
        a->used_bytes -= b->size;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    /* A huge one-off block is not worth keeping for the next request. */
    if (b->size > a->block_size) {
        a->used_bytes -= b->size;
        free(b);
        a->head = NULL;
    }
}

void arena_free(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}

ProtobufCAllocator *arena_protobuf_allocator(struct arena *a) { return &a->pb; }
