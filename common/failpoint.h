/*
 * failpoint.h - crash points for tests: failpoint("writer.before_complete") kills the process
 * with SIGKILL when the environment variable O2P_FAILPOINT names that point, so a test can
 * crash a daemon at exactly the moment that matters (files published, claim not completed)
 * instead of hoping a timed kill -9 lands there. Costs one cached getenv when unset.
 */
#ifndef O2P_FAILPOINT_H
#define O2P_FAILPOINT_H

#include <stdbool.h>

void failpoint(const char *name);

/* failpoint_armed - O2P_FAILPOINT names this point (for a point with a condition of its own,
 * checked only when armed). */
bool failpoint_armed(const char *name);

#endif
