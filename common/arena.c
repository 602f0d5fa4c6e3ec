/*
 * arena.c - bump allocator (see arena.h). Blocks form a list newest-first; reset keeps up to
 * ARENA_KEEP_BLOCKS standard-size blocks (and ARENA_KEEP_BYTES, at least one block) on a spare
 * list hung off the head block, so a steady workload (one decoded request after another) stops
 * calling malloc, and stops faulting in fresh pages, after warm-up. Oversized one-off blocks
 * and blocks beyond the budget are freed at reset. Spare blocks count in used_bytes.
 */
#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_KEEP_BLOCKS 32
#define ARENA_KEEP_BYTES ((size_t)4 << 20) /* but at least one block */

struct arena_block {
    struct arena_block *next;   /* older block in use */
    struct arena_block *spare;  /* of the head block only: emptied blocks kept by reset */
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

/* set_head - make b the block arena_alloc bumps in */
static void set_head(struct arena *a, struct arena_block *b)
{
    a->head = b;
    a->cur = b ? b->data + b->used : NULL;
    a->end = b ? b->data + b->size : NULL;
}

void *arena_alloc_block(struct arena *a, size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    if (need < size) {
        a->last_error = O2P_ETOOBIG;
        return NULL;
    }
    struct arena_block *b = a->head;
    if (b)
        b->used = (size_t)(a->cur - b->data);
    if (!b || b->size - b->used < need) {
        struct arena_block *s = b ? b->spare : NULL;
        if (s && s->size >= need) { /* reuse a kept block: its spare link moves along */
            b->spare = NULL;
            s->used = 0;
            s->next = b;
            b = a->head = s;
        } else {
            size_t bsize = need > a->block_size ? need : a->block_size;
            if (a->max_bytes && a->used_bytes + bsize > a->max_bytes) {
                a->last_error = O2P_ETOOBIG;
                return NULL;
            }
            struct arena_block *nb = malloc(sizeof *nb + bsize);
            if (!nb) {
                a->last_error = O2P_ENOMEM;
                return NULL;
            }
            nb->size = bsize;
            nb->used = 0;
            nb->next = b;
            nb->spare = s;
            if (b)
                b->spare = NULL;
            b = a->head = nb;
            a->used_bytes += bsize;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    set_head(a, b);
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
    struct arena_block *b = a->head, *keep = NULL;
    int kept = 0;
    if (!b)
        return;
    struct arena_block *spare = b->spare;
    for (int pass = 0; pass < 2; pass++) { /* the blocks in use, then the kept ones */
        while (b) {
            struct arena_block *next = pass ? b->spare : b->next;
            /* a huge one-off block is not worth keeping for the next request */
            if (b->size == a->block_size && kept < ARENA_KEEP_BLOCKS &&
                (!kept || (size_t)(kept + 1) * b->size <= ARENA_KEEP_BYTES)) {
                b->used = 0;
                b->next = NULL;
                b->spare = keep;
                keep = b;
                kept++;
            } else {
                a->used_bytes -= b->size;
                free(b);
            }
            b = next;
        }
        b = spare;
    }
    set_head(a, keep);
}

void arena_free(struct arena *a)
{
    struct arena_block *b = a->head;
    struct arena_block *spare = b ? b->spare : NULL;
    for (int pass = 0; pass < 2; pass++) {
        while (b) {
            struct arena_block *next = pass ? b->spare : b->next;
            free(b);
            b = next;
        }
        b = spare;
    }
    set_head(a, NULL);
    a->used_bytes = 0;
}

ProtobufCAllocator *arena_protobuf_allocator(struct arena *a) { return &a->pb; }
