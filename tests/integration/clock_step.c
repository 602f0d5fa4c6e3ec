/*
 * clock_step.c - an LD_PRELOAD shim that steps the wall clock of a process under test, the
 * way an NTP correction or an operator's `date -s` would: CLOCK_REALTIME (and gettimeofday,
 * time) read the real clock plus the number of seconds written in the file named by
 * O2P_CLOCK_STEP_FILE (re-read every 50 ms). Monotonic clocks are left alone; that is the
 * point of the test: what a daemon times with them must not move.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static long long offset_s, checked_ns;

static long long step_offset(void)
{
    struct timespec m;
    real_clock_gettime(CLOCK_MONOTONIC, &m);
    long long now = m.tv_sec * 1000000000ll + m.tv_nsec;
    if (now - checked_ns >= 50000000ll) {
        checked_ns = now;
        const char *path = getenv("O2P_CLOCK_STEP_FILE");
        FILE *f = path ? fopen(path, "r") : NULL;
        long long v = 0;
        if (f) {
            if (fscanf(f, "%lld", &v) == 1)
                offset_s = v;
            fclose(f);
        }
    }
    return offset_s;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    if (!real_clock_gettime)
        real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int rc = real_clock_gettime(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += step_offset();
    return rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    if (rc == 0 && tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return rc;
}

time_t time(time_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}
