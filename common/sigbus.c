/*
 * sigbus.c - the SIGBUS handler (sigbus.h).
 *
 * The handler may only call async-signal-safe functions: it formats its line by hand (no
 * stdio, no gmtime) into a stack buffer, write(2)s it to stderr in one call, then restores
 * the default action and raises the signal again so the process ends exactly as it would
 * have without the handler. SA_NODEFER lets that second SIGBUS through while the handler
 * runs; SA_RESETHAND makes any SIGBUS after the first one fatal at once.
 */
#include "common/sigbus.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *sigbus_component = "otlp2parquet";

struct line {
    char text[768];
    size_t len;
};

static void put(struct line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof l->text - l->len)
        n = sizeof l->text - l->len;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

/* put_num - v in decimal, at least `width` digits (zero padded). */
static void put_num(struct line *l, uint64_t v, int width)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof d);
    while (n < width && n < (int)sizeof d)
        d[n++] = '0';
    while (n > 0 && l->len < sizeof l->text)
        l->text[l->len++] = d[--n];
}

static void put_hex(struct line *l, uintptr_t v)
{
    static const char hex[] = "0123456789abcdef";
    char d[2 * sizeof v];
    int n = 0;
    do {
        d[n++] = hex[v & 15];
        v >>= 4;
    } while (v);
    put(l, "0x");
    while (n > 0 && l->len < sizeof l->text)
        l->text[l->len++] = d[--n];
}

/* put_ts - the log's ts=YYYY-MM-DDThh:mm:ss.mmmZ, from days since 1970 by hand (Howard
 * Hinnant's civil_from_days), since gmtime_r is not async-signal-safe. */
static void put_ts(struct line *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t secs = ts.tv_sec, days = secs / 86400, rem = secs % 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    put(l, "ts=");
    put_num(l, (uint64_t)year, 4);
    put(l, "-");
    put_num(l, (uint64_t)month, 2);
    put(l, "-");
    put_num(l, (uint64_t)day, 2);
    put(l, "T");
    put_num(l, (uint64_t)(rem / 3600), 2);
    put(l, ":");
    put_num(l, (uint64_t)(rem / 60 % 60), 2);
    put(l, ":");
    put_num(l, (uint64_t)(rem % 60), 2);
    put(l, ".");
    put_num(l, (uint64_t)(ts.tv_nsec / 1000000), 3);
    put(l, "Z");
}

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    struct line l = {.len = 0};
    put_ts(&l);
    put(&l, " level=error comp=");
    put(&l, sigbus_component);
    put(&l, " op=signal signal=SIGBUS addr=");
    put_hex(&l, (uintptr_t)(info ? info->si_addr : NULL));
    put(&l, " err=\"bus error reading a memory-mapped file: most likely the spool's data.mdb was truncated "
            "(or its disk failed) while this process had it open\" action=\"stop every otlp2parquet process, "
            "run otlp2parquet spool check, see docs/operations.md (Damaged spool)\"\n");
    ssize_t w = write(STDERR_FILENO, l.text, l.len);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

void sigbus_install(const char *component)
{
    sigbus_component = component;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}
