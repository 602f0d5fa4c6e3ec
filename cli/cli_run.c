/*
 * cli_run.c - `otlp2parquet run`: the embedded pipeline in the foreground.
 *
 * Today it supervises the receiver (the writer and committer daemons are not built yet):
 * starts it with the same configuration words, restarts it with backoff if it dies, and on
 * SIGTERM/SIGINT forwards the signal and waits for its drain.
 */
#include "cli.h"
#include "cli_common.h"

#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

/* sibling_path - the path of another program installed next to this one. */
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

static pid_t start_child(const char *prog, int argc, char **argv)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args)
        _exit(127);
    args[0] = (char *)prog;
    for (int i = 1; i < argc; i++)
        args[i] = argv[i];
    execv(prog, args);
    fprintf(stderr, "otlp2parquet run: cannot start %s: %s\n", prog, strerror(errno));
    _exit(127);
}

int cli_run(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    for (int i = 0; i < cli.nrest; i++) {
        if (!strcmp(cli.rest[i], "--writers") && i + 1 < cli.nrest) {
            i++; /* accepted for the command line of the design; writers are not built yet */
            continue;
        }
        fprintf(stderr, "usage: otlp2parquet run [--writers N] [--http ADDR] [--grpc ADDR] [common options]\n");
        cfg_free(&cfg);
        cfg_cli_free(&cli);
        return 2;
    }
    char receiver[PATH_MAX];
    sibling_path(receiver, sizeof receiver, "otlp2parquet-receiver");
    log_set_component("run");
    log_info("run", "op=start data_dir=%s http=%s grpc=%s warehouse=%s", cfg.data_dir, cfg.receiver.http,
             cfg.receiver.grpc, cfg.catalog.warehouse);
    fprintf(stderr, "otlp2parquet: send OTLP to http://%s (HTTP) or %s (gRPC); spool in %s\n"
                    "otlp2parquet: writer and committer are not built yet: data stays in the spool\n",
            cfg.receiver.http, cfg.receiver.grpc, cfg.spool.path);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    unsigned backoff_ms = 250;
    pid_t child = start_child(receiver, argc, argv);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(child, &status, 0);
        if (w < 0 && errno == EINTR) {
            if (stop_signal) {
                kill(child, SIGTERM);
                stop_signal = 0;
                log_info("run", "op=stop action=drain");
                while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                    ;
                rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
                break;
            }
            continue;
        }
        if (w < 0)
            break;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            rc = 0;
            break;
        }
        log_warn("run", "op=child_exit prog=otlp2parquet-receiver status=%d signal=%d action=restart backoff_ms=%u",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0, backoff_ms);
        struct timespec ts = {backoff_ms / 1000, (long)(backoff_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (stop_signal) {
            rc = 0;
            break;
        }
        backoff_ms = backoff_ms < 8000 ? backoff_ms * 2 : 16000;
        child = start_child(receiver, argc, argv);
    }
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
