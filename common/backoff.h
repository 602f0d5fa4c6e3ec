/*
 * backoff.h - the one retry-wait policy: exponential from min_ms, doubling up to max_ms, with
 * a choice of jitter. Callers that retry (the writer after a failed claim, the committer per
 * table, the S3 client per request, `otlp2parquet run` per child) keep one struct backoff per
 * thing being retried and reset it after a success.
 *
 * Jitter, and who uses which:
 *   BACKOFF_JITTER_NONE     exactly min, 2min, 4min, ... max (deterministic restarts).
 *   BACKOFF_JITTER_QUARTER  that plus 0..25 %: peers that collided (two committers on one
 *                           table) do not collide again in lockstep, and the wait never
 *                           drops below the configured minimum.
 *   BACKOFF_JITTER_FULL     uniform in 0..that ("full jitter"): many clients retrying one
 *                           overloaded server spread out completely.
 * Not thread-safe: one struct per thread (the random state is inside it).
 */
#ifndef O2P_BACKOFF_H
#define O2P_BACKOFF_H

#include <stdint.h>

enum backoff_jitter { BACKOFF_JITTER_NONE, BACKOFF_JITTER_QUARTER, BACKOFF_JITTER_FULL };

struct backoff {
    uint64_t min_ms, max_ms;
    enum backoff_jitter jitter;
    uint64_t base_ms; /* the un-jittered wait the next call returns; 0 = min_ms */
    unsigned seed;
};

/* backoff_init - a policy from min_ms (>= 1) to max_ms (>= min_ms; a smaller max is raised to
 * min). The jitter seed comes from the address and the monotonic clock, so processes started
 * together still differ. */
void backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms, enum backoff_jitter jitter);

/* backoff_next - the wait before the next attempt, in ms, and advance (double, capped). */
uint64_t backoff_next(struct backoff *b);

/* backoff_reset - after a success: the next wait is min_ms again. */
void backoff_reset(struct backoff *b);

#endif
