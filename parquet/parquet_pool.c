/*
 * parquet_pool.c - buffers of freed writers, kept per thread for the next writer.
 *
 * Owns: the calling thread's pool (pq_writer_pool_release frees it). See the comment below
 * for why and its bounds.
 */
#include "parquet/parquet_int.h"

#include <stdint.h>
#include <stdlib.h>

/* Buffers of freed writers are handed to the next writer opened by the same thread: the writer
 * daemon opens one writer per claim, and fresh buffers cost a page fault per 4 KiB touched
 * (about 8% of its time). Slot k holds what slot k of the previous writer used (writer
 * scratch first, then four per column), so a column mostly gets back its own buffer size.
 * Thread-local: no locking, and a thread never sees another's memory. Bounded by
 * PQ_POOL_SLOTS buffers and PQ_POOL_BYTES bytes; beyond that buffers are freed as before. */
#define PQ_POOL_SLOTS 256
#define PQ_POOL_BYTES ((size_t)64 << 20)
static _Thread_local struct {
    uint8_t *data;
    size_t cap;
} pool[PQ_POOL_SLOTS];
static _Thread_local size_t pool_bytes;

/* pq_pool_take - buf_init(b, max), with slot k's memory when it has some that fits max */
void pq_pool_take(struct buf *b, int k, size_t max)
{
    buf_init(b, max);
    if (k < 0 || k >= PQ_POOL_SLOTS || !pool[k].data || pool[k].cap > max)
        return;
    b->data = pool[k].data;
    b->cap = pool[k].cap;
    pool_bytes -= pool[k].cap;
    pool[k].data = NULL;
    pool[k].cap = 0;
}

/* pq_pool_give - buf_free(b), keeping its memory in slot k when there is room */
void pq_pool_give(struct buf *b, int k)
{
    if (b->data && k >= 0 && k < PQ_POOL_SLOTS && !pool[k].data &&
        pool_bytes + b->cap <= PQ_POOL_BYTES) {
        pool[k].data = b->data;
        pool[k].cap = b->cap;
        pool_bytes += b->cap;
        b->data = NULL;
        b->cap = b->len = 0;
    }
    buf_free(b);
}

void pq_writer_pool_release(void)
{
    for (int k = 0; k < PQ_POOL_SLOTS; k++) {
        free(pool[k].data);
        pool[k].data = NULL;
        pool[k].cap = 0;
    }
    pool_bytes = 0;
}
