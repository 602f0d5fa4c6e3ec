/*
 * cli_run.c - `otlp2parquet run`: the embedded pipeline in the foreground.
 *
 * Starts the receiver, N writers and the committer with the same configuration words, and
 * restarts a child that dies with backoff (250 ms doubling to 16 s, reset after a minute of
 * good health), saying so in the log. SIGTERM/SIGINT shut down in data-path order so nothing
 * is left behind: the receiver first (stops intake, answers what it accepted), then the
 * writers (they drain every spooled record into files), then the committer (it commits every
 * queued file), and exit 0. A child that exits 0 on its own is not restarted; one that exits
 * 78 (EX_CONFIG) is not either: a configuration error does not heal by retrying. The children
 * die with the supervisor: killed even with SIGKILL, `run` leaves them a SIGTERM (prctl
 * PR_SET_PDEATHSIG), so they drain and exit instead of holding the ports for good.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include "common/backoff.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITERS 64
#define EXIT_CONFIG 78

enum role { ROLE_RECEIVER, ROLE_WRITER, ROLE_COMMITTER };

struct child {
    enum role role;
    int index;            /* writer number */
    pid_t pid;            /* 0 when not running */
    struct backoff restart; /* 250 ms doubling to 16 s */
    uint64_t started_ms; /* clock_mono_ms */
    bool done;            /* exited for good (0 or EX_CONFIG) */
};

static volatile sig_atomic_t stop_signal;
static void on_stop(int sig) { stop_signal = sig; }
static void on_child(int sig) { (void)sig; }

static const char *const role_prog[] = {"otlp2parquet-receiver", "otlp2parquet-writer", "otlp2parquet-committer"};

static void sibling_path(char *out, size_t n, const char *name)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            int w = snprintf(out, n, "%s/%s", self, name);
            if (w > 0 && (size_t)w < n)
                return;
        }
    }
    snprintf(out, n, "%s", name);
}

/* start - fork and exec the child's program with the configuration words (argv). */
static void start(struct child *c, char **words, int nwords)
{
    char prog[PATH_MAX];
    sibling_path(prog, sizeof prog, role_prog[c->role]);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        log_error("run", "op=fork prog=%s err=\"%s\"", role_prog[c->role], strerror(errno));
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGTERM, SIG_DFL);
        /* Die with the supervisor: if `run` is killed (even with SIGKILL) its children get
         * SIGTERM and drain, instead of serving on for good. The setting survives execv. If
         * the supervisor died before prctl, the parent is already someone else: stop now. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(1);
        /* A process group of its own: Ctrl-C in a terminal reaches only the supervisor, which
         * then stops the children in data-path order. */
        setpgid(0, 0);
        char **args = calloc((size_t)nwords + 2, sizeof *args);
        if (!args)
            _exit(127);
        args[0] = prog;
        for (int i = 0; i < nwords; i++)
            args[i + 1] = words[i];
        execv(prog, args);
        fprintf(stderr, "otlp2parquet run: cannot start %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    c->pid = pid;
    c->started_ms = clock_mono_ms();
}

static struct child *find(struct child *kids, int n, pid_t pid)
{
    for (int i = 0; i < n; i++)
        if (kids[i].pid == pid)
            return &kids[i];
    return NULL;
}

/* handles_sigterm - the child has installed its SIGTERM handler (SigCgt bit 15 in
 * /proc/PID/status): a SIGTERM sent earlier would take the default action and skip the drain. */
static bool handles_sigterm(pid_t pid)
{
    char path[64], line[256];
    /* Until exec the child is a copy of this process, with this process's handler: wait for
     * the daemon's own name ("otlp2parquet-..." in comm) before trusting SigCgt. */
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    bool execd = f && fgets(line, sizeof line, f) && !strncmp(line, "otlp2parquet-", 13);
    if (f)
        fclose(f);
    if (!execd)
        return false;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    bool yes = false;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "SigCgt:", 7)) {
            unsigned long long mask = strtoull(line + 7, NULL, 16);
            yes = (mask >> (SIGTERM - 1)) & 1;
            break;
        }
    fclose(f);
    return yes;
}

/* start_missing - a drain needs every writer and the committer: start those of `role` that are
 * down (e.g. waiting out a restart backoff when the stop came) and wait, up to 5 s, until they
 * handle SIGTERM. */
static void start_missing(struct child *kids, int n, enum role role, char **words, int nwords)
{
    for (int i = 0; i < n; i++) {
        if (kids[i].role != role || kids[i].pid != 0 || kids[i].done)
            continue;
        log_info("run", "op=start_for_drain prog=%s", role_prog[role]);
        start(&kids[i], words, nwords);
        for (int t = 0; t < 500 && kids[i].pid > 0 && !handles_sigterm(kids[i].pid); t++) {
            struct timespec ts = {0, 10000000L};
            nanosleep(&ts, NULL);
        }
    }
}

/* stop_role - SIGTERM every child of a role and wait for them all (they drain). */
static int stop_role(struct child *kids, int n, enum role role)
{
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (kids[i].role == role && kids[i].pid > 0)
            kill(kids[i].pid, SIGTERM);
    for (int i = 0; i < n; i++) {
        if (kids[i].role != role || kids[i].pid <= 0)
            continue;
        int status;
        while (waitpid(kids[i].pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != EXIT_CONFIG)) {
            log_warn("run", "op=stop prog=%s pid=%d status=%d", role_prog[role], (int)kids[i].pid,
                     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            rc = 1;
        }
        kids[i].pid = 0;
    }
    return rc;
}

int cli_run(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    /* A bad argument or configuration is 78 here as in the daemons: run under a supervisor
     * (systemd, a container runtime) must not be restarted into the same typo. */
    if (cli_load_config(argc, argv, &cli, &cfg) != 0)
        return EXIT_CONFIG;
    int rc = 0;
    int writers = 1;
    /* The words passed on to every child: argv minus --writers N. */
    char **words = calloc((size_t)argc, sizeof *words);
    int nwords = 0;
    for (int i = 1; i < argc && words; i++) {
        if (!strcmp(argv[i], "--writers") && i + 1 < argc) {
            writers = atoi(argv[++i]);
            continue;
        }
        words[nwords++] = argv[i];
    }
    for (int i = 0; i < cli.nrest; i++) {
        if (!strcmp(cli.rest[i], "--writers") && i + 1 < cli.nrest) {
            i++;
            continue;
        }
        fprintf(stderr, "otlp2parquet run: unknown argument \"%s\"\n"
                        "usage: otlp2parquet run [--writers N] [--http ADDR] [--grpc ADDR] [--data-dir DIR] [-c FILE] [--set k=v]\n",
                cli.rest[i]);
        rc = EXIT_CONFIG;
    }
    if (!words || writers < 1 || writers > MAX_WRITERS) {
        fprintf(stderr, "otlp2parquet run: --writers must be 1..%d\n", MAX_WRITERS);
        rc = EXIT_CONFIG;
    }
    if (rc) {
        free(words);
        cfg_free(&cfg);
        cfg_cli_free(&cli);
        return rc;
    }
    log_set_component("run");
    fprintf(stderr,
            "otlp2parquet: send OTLP to http://%s (HTTP) or %s (gRPC)\n"
            "otlp2parquet: spool %s; tables in %s/%s/ (catalog %s)\n"
            "otlp2parquet: `otlp2parquet status` shows every stage; Ctrl-C drains and stops\n",
            cfg.receiver.http, cfg.receiver.grpc, cfg.spool.path, cfg.catalog.warehouse, cfg.catalog.namespace_,
            cfg.catalog.type);

    struct child kids[2 + MAX_WRITERS];
    int n = 0;
    kids[n++] = (struct child){.role = ROLE_RECEIVER};
    for (int i = 0; i < writers; i++)
        kids[n++] = (struct child){.role = ROLE_WRITER, .index = i + 1};
    kids[n++] = (struct child){.role = ROLE_COMMITTER};

    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 0; i < n; i++) {
        backoff_init(&kids[i].restart, 250, 16000, BACKOFF_JITTER_NONE);
        start(&kids[i], words, nwords);
    }
    log_info("run", "op=start receiver=1 writers=%d committer=1 data_dir=%s", writers, cfg.data_dir);

    while (!stop_signal) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        struct child *c = find(kids, n, pid);
        if (!c)
            continue;
        c->pid = 0;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code == 0 || code == EXIT_CONFIG) {
            c->done = true;
            log_warn("run", "op=child_exit prog=%s status=%d action=%s", role_prog[c->role], code,
                     code == 0 ? "none" : "not_restarted_config_error");
            continue;
        }
        if (clock_mono_ms() - c->started_ms > 60000) /* a minute of good health */
            backoff_reset(&c->restart);
        uint64_t wait_ms = backoff_next(&c->restart);
        log_warn("run", "op=child_exit prog=%s%s%.0d pid=%d status=%d signal=%d action=restart backoff_ms=%llu",
                 role_prog[c->role], c->role == ROLE_WRITER ? "@" : "", c->role == ROLE_WRITER ? c->index : 0,
                 (int)pid, code, WIFSIGNALED(status) ? WTERMSIG(status) : 0, (unsigned long long)wait_ms);
        struct timespec ts = {(time_t)(wait_ms / 1000), (long)(wait_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_signal)
            ;
        if (stop_signal)
            break;
        start(c, words, nwords);
    }
    log_info("run", "op=stop signal=%d action=drain order=receiver,writers,committer", (int)stop_signal);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    rc = stop_role(kids, n, ROLE_RECEIVER);
    start_missing(kids, n, ROLE_WRITER, words, nwords);
    rc |= stop_role(kids, n, ROLE_WRITER);
    start_missing(kids, n, ROLE_COMMITTER, words, nwords);
    rc |= stop_role(kids, n, ROLE_COMMITTER);
    log_info("run", "op=exit status=%d", rc);
    free(words);
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
