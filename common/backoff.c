/*
 * backoff.c - exponential retry waits with jitter (policy and users: backoff.h).
 */
#include "common/backoff.h"

#include "common/clock.h"

#include <stdint.h>
#include <stdlib.h>

void backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms, enum backoff_jitter jitter)
{
    b->min_ms = min_ms ? min_ms : 1;
    b->max_ms = max_ms > b->min_ms ? max_ms : b->min_ms;
    b->jitter = jitter;
    b->base_ms = 0;
    b->seed = (unsigned)(clock_mono_ns() ^ (uintptr_t)b);
}

uint64_t backoff_next(struct backoff *b)
{
    uint64_t wait = b->base_ms ? b->base_ms : b->min_ms;
    b->base_ms = wait >= b->max_ms / 2 ? b->max_ms : wait * 2;
    switch (b->jitter) {
    case BACKOFF_JITTER_QUARTER:
        return wait + (uint64_t)rand_r(&b->seed) % (wait / 4 + 1);
    case BACKOFF_JITTER_FULL:
        return (uint64_t)rand_r(&b->seed) % (wait + 1);
    case BACKOFF_JITTER_NONE:
        break;
    }
    return wait;
}

void backoff_reset(struct backoff *b) { b->base_ms = 0; }
