/*
 * fault.c - the fault tier's driver (see fault.h): the success run, the counting runs, one run
 * per failed call, and the verdict on each.
 *
 * A run passes when:
 *   - it freed every block it allocated (the live count of fault_alloc.c is back where it was;
 *     on a leak LeakSanitizer, when linked, prints the stacks at once) and closed every file
 *     descriptor it opened;
 *   - the planned call was reached (else the operation is not deterministic and k means
 *     nothing);
 *   - alloc, EIO, ENOSPC: it returned the matching code (O2P_ENOMEM, O2P_EIO, O2P_EFULL) with
 *     a message; O2P_OK only after a failed allocation the code absorbs (a fallback path) and
 *     then with the success run's output. An I/O failure is never absorbed (a write or fsync
 *     whose error is dropped is data that is not on disk) unless the case says its contract
 *     allows it (io_may_absorb), and then only with the success run's output;
 *   - short write, EINTR: O2P_OK with the success run's output (the caller must retry).
 * Crashes and sanitizer reports end the program; the watchdog ends a hang. One FAIL line per
 * case and mode, with the first failing k and how many failed; details on lines below it.
 */
#include "tests/fault/fault.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern bool fault_alloc_counting, fault_io_counting;

/* LeakSanitizer's on-demand check and the sanitizers' death callback, when the program has
 * them (weak: NULL otherwise). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define FAULT_ALL_UP_TO 3000   /* every k up to this many calls... */
#define FAULT_EDGE 200         /* ...else the first and last this many */
#define FAULT_DETAILS 8        /* failing runs described per case and mode */
#define FAULT_MESSAGES 6       /* distinct error messages shown per case and mode */

static const char *const mode_name[FAULT_MODE_COUNT] = {"alloc", "eio", "enospc", "short-write", "eintr"};

/* what the watchdog says when it fires */
static const char *volatile watch_case = "";
static volatile int watch_mode;
static volatile long watch_k;

void fault_begin(void) { fault_alloc_counting = fault_io_counting = true; }
void fault_end(void) { fault_alloc_counting = fault_io_counting = false; }

void fault_output(struct fault_run *r, const void *p, size_t n)
{
    if (r->out_cap - r->out_len < n) {
        size_t cap = r->out_cap ? r->out_cap : 4096;
        while (cap - r->out_len < n)
            cap *= 2;
        unsigned char *q = __real_realloc(r->out, cap);
        if (!q) {
            printf("FAIL %s: out of memory recording the output\n", watch_case);
            exit(1);
        }
        r->out = q;
        r->out_cap = cap;
    }
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
}

size_t fault_read_file(const char *rel, unsigned char **out)
{
    const char *root = getenv("O2P_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    unsigned char *p = n >= 0 ? __real_malloc((size_t)n + 1) : NULL;
    if (!p || fseek(f, 0, SEEK_SET) != 0 || fread(p, 1, (size_t)n, f) != (size_t)n) {
        printf("FAIL %s: cannot read %s\n", watch_case, path);
        exit(1);
    }
    fclose(f);
    p[n] = 0;
    *out = p;
    return (size_t)n;
}

/* open_fds - how many file descriptors the process has open */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void run(const struct fault_case *c, struct fault_run *r)
{
    r->out_len = 0;
    memset(&r->err, 0, sizeof r->err);
    r->rc = c->op(c->ctx, r);
    fault_end(); /* an operation that returned early must not leave counting on */
}

static void plan(enum fault_mode m, long k, bool persistent)
{
    fault_alloc_plan(m == FAULT_ALLOC ? k : 0, persistent);
    fault_io_plan(m == FAULT_ALLOC ? 0 : k, m);
}

static bool same_output(const struct fault_run *a, const struct fault_run *b)
{
    return a->out_len == b->out_len && (a->out_len == 0 || memcmp(a->out, b->out, a->out_len) == 0);
}

/* judge - the verdict on one run; NULL when it passed, else why not (in buf) */
static const char *judge(const struct fault_case *c, enum fault_mode m, const struct fault_run *ok,
                         const struct fault_run *r, long leaked, int fds, char *buf, size_t cap)
{
    bool fired = m == FAULT_ALLOC ? fault_alloc_fired() : fault_io_fired();
    if (leaked) {
        snprintf(buf, cap, "leaks %ld block(s) (rc %s: %s)", leaked, o2p_strerror(r->rc), r->err.msg);
        return buf;
    }
    if (fds) {
        snprintf(buf, cap, "leaks %d file descriptor(s) (rc %s: %s)", fds, o2p_strerror(r->rc), r->err.msg);
        return buf;
    }
    if (!fired) {
        snprintf(buf, cap, "the call to fail never came: the run is not deterministic");
        return buf;
    }
    if (m == FAULT_IO_SHORT || m == FAULT_IO_EINTR) {
        if (r->rc != O2P_OK)
            snprintf(buf, cap, "%s: %s (%s) instead of retrying", fault_io_fired_call(), o2p_strerror(r->rc),
                     r->err.msg);
        else if (!same_output(ok, r))
            snprintf(buf, cap, "%s: O2P_OK but the output differs from the success run", fault_io_fired_call());
        else
            return NULL;
        return buf;
    }
    if (r->rc == O2P_OK) {
        if ((m == FAULT_ALLOC || c->io_may_absorb) && same_output(ok, r))
            return NULL; /* absorbed, e.g. a fast path that fell back */
        if (m == FAULT_ALLOC)
            snprintf(buf, cap, "O2P_OK after a failed allocation, with output unlike the success run's");
        else
            snprintf(buf, cap, "O2P_OK after %s failed: the error was dropped", fault_io_fired_call());
        return buf;
    }
    int want = m == FAULT_ALLOC ? O2P_ENOMEM : m == FAULT_IO_EIO ? O2P_EIO : O2P_EFULL;
    if (r->rc != want && r->rc != c->also_code[m]) {
        snprintf(buf, cap, "%s%sreturned %d (%s) instead of %d (%s): \"%s\"",
                 m == FAULT_ALLOC ? "" : fault_io_fired_call(), m == FAULT_ALLOC ? "" : " failed, ", r->rc,
                 o2p_strerror(r->rc), want, o2p_strerror(want), r->err.msg);
        return buf;
    }
    if (!c->no_message && !r->err.msg[0]) {
        snprintf(buf, cap, "%s (%d) without a message", o2p_strerror(r->rc), r->rc);
        return buf;
    }
    return NULL;
}

/* dump_outputs - write the success run's and run k's outputs under dir (FAULT_DUMP=dir) */
static void dump_outputs(const char *dir, const char *name, const char *mode, long k, const struct fault_run *ok,
                         const struct fault_run *r)
{
    char path[4096];
    const struct fault_run *runs[2] = {ok, r};
    for (int i = 0; i < 2; i++) {
        if (i == 0)
            snprintf(path, sizeof path, "%s/%s.ok", dir, name);
        else
            snprintf(path, sizeof path, "%s/%s.%s.%ld", dir, name, mode, k);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(runs[i]->out, 1, runs[i]->out_len, f);
            fclose(f);
        }
    }
}

/* next_k - the runs of a mode with n calls: all, or edges and a stride */
static long next_k(long k, long n)
{
    if (n <= FAULT_ALL_UP_TO || k < FAULT_EDGE || k >= n - FAULT_EDGE)
        return k + 1;
    long stride = (n - 2 * FAULT_EDGE) / (FAULT_ALL_UP_TO - 2 * FAULT_EDGE) + 1;
    long next = k + stride;
    return next > n - FAULT_EDGE ? n - FAULT_EDGE : next;
}

/* run_mode - every planned run of mode m (persistent: allocation k and all after it fail) */
static int run_mode(const struct fault_case *c, enum fault_mode m, bool persistent, const struct fault_run *ok,
                    long *live0p, long *nruns)
{
    struct fault_run r = {0};
    long live0 = *live0p;
    plan(m, 0, false);
    run(c, &r);
    long n = m == FAULT_ALLOC ? fault_alloc_calls() : fault_io_calls();
    long failed = 0, first = 0;
    char why[1024 + O2P_ERROR_MAX], details[FAULT_DETAILS][1100 + O2P_ERROR_MAX];
    char seen[FAULT_MESSAGES][O2P_ERROR_MAX];
    int nseen = 0;
    const char *name = persistent ? "alloc-persistent" : mode_name[m];
    bool verbose = getenv("FAULT_VERBOSE") != NULL; /* every failing run, not the first few */
    const char *dump_dir = getenv("FAULT_DUMP");   /* the outputs of failing runs, to diff */
    for (long k = 1; k <= n; k = next_k(k, n)) {
        watch_mode = m;
        watch_k = k;
        plan(m, k, persistent);
        int fds0 = open_fds();
        run(c, &r);
        int fds = open_fds() - fds0;
        (*nruns)++;
        long leaked = fault_alloc_live() - live0;
        const char *bad = judge(c, m, ok, &r, leaked, fds, why, sizeof why);
        if (leaked && __lsan_do_recoverable_leak_check)
            __lsan_do_recoverable_leak_check();
        if (bad && verbose)
            printf("#   %s k=%ld: %s\n", name, k, bad);
        if (bad && dump_dir)
            dump_outputs(dump_dir, c->name, name, k, ok, &r);
        if (bad) {
            if (failed < FAULT_DETAILS)
                snprintf(details[failed], sizeof details[failed], "k=%ld: %s", k, bad);
            if (!failed++)
                first = k;
            if (leaked) /* keep counting leaks from the next run only */
                live0 = fault_alloc_live();
        } else if (r.rc != O2P_OK && nseen < FAULT_MESSAGES) {
            int dup = 0;
            for (int i = 0; i < nseen; i++)
                dup |= !strcmp(seen[i], r.err.msg);
            if (!dup)
                snprintf(seen[nseen++], sizeof seen[0], "%s", r.err.msg);
        }
    }
    __real_free(r.out);
    *live0p = live0; /* a leak is reported once, not again by every later mode */
    printf("# %s %s: %ld calls\n", c->name, name, n);
    for (int i = 0; i < nseen; i++)
        printf("#   message: %s\n", seen[i]);
    if (!failed)
        return 0;
    printf("FAIL %s: %s k=%ld of %ld: %s (%ld run(s) failed)\n", c->name, name, first, n, details[0], failed);
    for (long i = 1; i < failed && i < FAULT_DETAILS; i++)
        printf("    %s %s\n", name, details[i]);
    return 1;
}

int fault_run_case(const struct fault_case *c)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    watch_case = c->name;
    watch_k = 0;
    struct fault_run ok = {0};
    /* A warm-up run first: whatever a library creates once per process (a locale, a dlsym
     * lookup) is made here, outside the leak check. */
    plan(FAULT_ALLOC, 0, false);
    run(c, &ok);
    long live0 = fault_alloc_live();
    plan(FAULT_ALLOC, 0, false);
    run(c, &ok);
    long leaked = fault_alloc_live() - live0;
    long nalloc = fault_alloc_calls();
    if (ok.rc != O2P_OK || leaked) {
        printf("FAIL %s: the run without faults %s: %s (%s)\n", c->name, leaked ? "leaks" : "fails",
               o2p_strerror(ok.rc), ok.err.msg);
        __real_free(ok.out);
        return 1;
    }
    long nruns = 0;
    int bad = 0;
    for (int m = 0; m < FAULT_MODE_COUNT; m++)
        if (c->modes & FAULT_MODE_BIT(m))
            bad |= run_mode(c, (enum fault_mode)m, false, &ok, &live0, &nruns);
    if ((c->modes & FAULT_MODE_BIT(FAULT_ALLOC)) && c->persistent)
        bad |= run_mode(c, FAULT_ALLOC, true, &ok, &live0, &nruns);
    __real_free(ok.out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!bad)
        printf("ok %s (%ld allocations; %ld runs, %.2f s)\n", c->name, nalloc, nruns, s);
    fflush(stdout);
    return bad;
}

/* on_alarm - a run hung: say where, and end the program (a signal handler: raw write only) */
static void on_alarm(int sig)
{
    (void)sig;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "FAIL %s: timed out after %d s in mode %s, k=%ld\n", watch_case,
                     FAULT_TIMEOUT_S, mode_name[watch_mode], watch_k);
    if (n > 0)
        syscall(SYS_write, 1, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    _exit(1);
}

/* on_death - a sanitizer report ends the program: say in which run (its report has no k) */
static void on_death(void)
{
    if (!*watch_case)
        printf("FAIL %s: leaks found at exit (above)\n", program_invocation_short_name);
    else
        printf("FAIL %s: sanitizer report in mode %s, k=%ld (above)\n", watch_case, mode_name[watch_mode], watch_k);
    fflush(stdout);
}

int fault_main(const struct fault_case *cases, size_t n)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(on_death);
    signal(SIGALRM, on_alarm);
    alarm(FAULT_TIMEOUT_S);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= fault_run_case(&cases[i]);
    watch_case = ""; /* LeakSanitizer's check at exit belongs to no run */
    return bad;
}
