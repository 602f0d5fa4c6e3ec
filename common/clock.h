/*
 * clock.h - the two clocks and what each is for.
 *
 * Monotonic (CLOCK_MONOTONIC): every duration and deadline inside one process (request
 * timeouts, batching windows, retry schedules, drain budgets). A wall-clock step (NTP, an
 * operator's `date -s`) does not move it, so it neither expires nor immortalises a deadline.
 * Wall (CLOCK_REALTIME): timestamps that leave the process (log lines, record receive times,
 * snapshot timestamps) and deadlines that outlive it (spool claim leases, read by other
 * processes and after a reboot, where the monotonic clock restarts).
 */
#ifndef O2P_CLOCK_H
#define O2P_CLOCK_H

#include <stdint.h>

/* clock_mono_ns - nanoseconds on CLOCK_MONOTONIC (arbitrary origin; only differences mean
 * anything, and only within one boot). */
uint64_t clock_mono_ns(void);

/* clock_mono_ms - the same in milliseconds. */
uint64_t clock_mono_ms(void);

/* clock_wall_ns - nanoseconds since the Unix epoch on CLOCK_REALTIME. */
uint64_t clock_wall_ns(void);

/* clock_wall_ms - the same in milliseconds. */
int64_t clock_wall_ms(void);

#endif
