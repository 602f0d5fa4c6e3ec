/*
 * daemon.c - the daemon skeleton (lifecycle and promises: daemon.h).
 *
 * Stop signals reach the loop through a self-pipe: the handler counts the signal and writes
 * one byte, so a sleep (poll on the pipe) or an event loop wakes at once whatever thread the
 * signal landed on. The pipe is non-blocking: a burst of signals cannot block the handler.
 */
#include "common/daemon.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics_file.h"
#include "common/sigbus.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define NOTIFY_EVERY_MS 1000
#define METRICS_EVERY_MS 2000

static volatile sig_atomic_t stops;
static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
    (void)sig;
    int saved = errno;
    stops = stops + 1;
    if (stop_pipe[1] >= 0 && write(stop_pipe[1], "s", 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
    errno = saved;
}

static int install_signals(struct o2p_error *err)
{
    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return o2p_fail_errno(err, "create the stop-signal pipe");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return o2p_fail_errno(err, "install the SIGTERM/SIGINT handler");
    signal(SIGPIPE, SIG_IGN);
    return O2P_OK;
}

const volatile sig_atomic_t *daemon_stop_count(void) { return &stops; }

int daemon_stop_fd(void) { return stop_pipe[0]; }

void daemon_stop_fd_clear(void)
{
    char drain[64];
    while (read(stop_pipe[0], drain, sizeof drain) > 0)
        ;
}

void daemon_watchdog(void) { sd_notify(0, "WATCHDOG=1"); }

void daemon_ready(struct daemon *d)
{
    (void)d;
    sd_notify(0, "READY=1");
}

void daemon_status(struct daemon *d)
{
    char line[256] = "running", msg[300];
    if (d->ops->status)
        d->ops->status(d->ctx, stops > 0, line, sizeof line);
    snprintf(msg, sizeof msg, "STATUS=%s\nWATCHDOG=1", line);
    sd_notify(0, msg);
    d->last_notify_ms = clock_mono_ms();
}

void daemon_publish_metrics(struct daemon *d, bool force)
{
    uint64_t now = clock_mono_ms();
    if (!d->ops->metrics || !d->metrics_name[0] || (!force && now - d->last_metrics_ms < METRICS_EVERY_MS))
        return;
    d->last_metrics_ms = now;
    struct buf text;
    struct o2p_error err = {0};
    buf_init(&text, 1 << 16);
    int rc = d->ops->metrics(d->ctx, &text, &err);
    if (rc == O2P_OK)
        rc = metrics_file_publish(d->cfg.data_dir, d->metrics_name, (const char *)text.data, text.len, &err);
    if (rc != O2P_OK)
        log_warn(d->ops->component, "op=publish_metrics file=%s err=\"%s\"", d->metrics_name, err.msg);
    buf_free(&text);
}

void daemon_sleep_ms(struct daemon *d, uint64_t ms)
{
    uint64_t end = clock_mono_ms() + ms;
    for (;;) {
        uint64_t now = clock_mono_ms();
        if (now >= end)
            return;
        if (now - d->last_notify_ms >= NOTIFY_EVERY_MS)
            daemon_status(d);
        uint64_t left = end - now;
        struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};
        int n = poll(&p, 1, (int)(left < NOTIFY_EVERY_MS ? left : NOTIFY_EVERY_MS));
        if (n > 0) {
            daemon_stop_fd_clear();
            return; /* a stop signal: the caller looks at daemon_stop_count */
        }
    }
}

/* run_steps - the polling loop and the drain (daemon.h); returns the exit status. */
static int run_steps(struct daemon *d)
{
    const struct daemon_ops *ops = d->ops;
    struct o2p_error err = {0};
    bool draining = false;
    uint64_t drain_failing_since = 0;
    for (;;) {
        if (stops > 1) {
            log_warn(ops->component, "op=drain err=\"a second stop signal\" effect=\"what is left stays durable "
                     "and is done at the next start\"");
            return 1;
        }
        if (stops > 0 && !draining) {
            draining = true;
            sd_notify(0, "STOPPING=1");
            log_info(ops->component, "op=stop action=drain");
            backoff_reset(&d->retry);
        }
        err.msg[0] = 0;
        int rc = ops->step(d, d->ctx, draining, &err);
        if (clock_mono_ms() - d->last_notify_ms >= NOTIFY_EVERY_MS)
            daemon_status(d);
        daemon_publish_metrics(d, false);
        if (rc == O2P_OK) {
            backoff_reset(&d->retry);
            drain_failing_since = 0;
            continue;
        }
        if (rc == O2P_EAGAIN) {
            if (draining)
                return 0;
            daemon_sleep_ms(d, d->idle_ms);
            continue;
        }
        uint64_t wait = backoff_next(&d->retry);
        if (draining) {
            uint64_t now = clock_mono_ms();
            if (!drain_failing_since)
                drain_failing_since = now;
            if (now - drain_failing_since + wait > d->drain_budget_ms) {
                log_error(ops->component, "op=drain err=\"%s\" budget_ms=%llu effect=\"what is left stays durable "
                          "and is done at the next start\"", err.msg, (unsigned long long)d->drain_budget_ms);
                return 1;
            }
        }
        log_warn(ops->component, "op=step err=\"%s\" action=retry wait_ms=%llu", err.msg, (unsigned long long)wait);
        daemon_sleep_ms(d, wait);
    }
}

int daemon_main(int argc, char **argv, const struct daemon_ops *ops, void *ctx)
{
    log_set_component(ops->component);
    struct daemon d;
    memset(&d, 0, sizeof d);
    d.ops = ops;
    d.ctx = ctx;
    d.idle_ms = 500;
    backoff_init(&d.retry, 500, 30000, BACKOFF_JITTER_NONE);
    struct cfg_cli cli;
    struct o2p_error err = {0};
    int code = cfg_daemon_cli(&cli, argc, argv, ops->prog, ops->usage);
    if (code >= 0)
        return code == 0 ? 0 : DAEMON_EXIT_CONFIG;
    if (cfg_load(&d.cfg, &cli, "./data", &err) != O2P_OK) {
        log_error(ops->component, "op=config err=\"%s\" effect=\"not started: fix the configuration\"", err.msg);
        cfg_free(&d.cfg);
        cfg_cli_free(&cli);
        return DAEMON_EXIT_CONFIG;
    }
    log_set_level_name(d.cfg.log.level);
    sigbus_install(ops->component);
    int status = 1;
    if (install_signals(&err) != O2P_OK || ops->open(&d, ctx, &err) != O2P_OK) {
        log_error(ops->component, "op=start err=\"%s\"", err.msg);
    } else if (ops->run) {
        status = ops->run(&d, ctx);
    } else {
        daemon_ready(&d);
        daemon_status(&d);
        status = run_steps(&d);
    }
    if (stops == 0)
        sd_notify(0, "STOPPING=1");
    ops->close(ctx);
    if (d.metrics_name[0])
        metrics_file_remove(d.cfg.data_dir, d.metrics_name);
    log_info(ops->component, "op=exit status=%d", status);
    cfg_free(&d.cfg);
    cfg_cli_free(&cli);
    return status;
}
