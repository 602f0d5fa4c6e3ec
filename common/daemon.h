/*
 * daemon.h - what every otlp2parquet daemon does the same way, written once: the command line
 * and the configuration, stop signals, systemd notification (READY, STATUS, WATCHDOG,
 * STOPPING), metrics publishing, sleeping that a stop cuts short, retrying with backoff, and
 * the exit status. A daemon is a set of callbacks (struct daemon_ops) that daemon_main runs,
 * in the manner of Postfix's *_server.c skeletons; its main.c is those callbacks.
 *
 * Lifecycle run by daemon_main:
 *   parse argv, load the configuration --error--> exit 78 (EX_CONFIG: systemd's
 *       RestartPreventExitStatus=78 and `otlp2parquet run` do not restart a typo forever)
 *   install SIGTERM/SIGINT (counted, never SA_RESTART: a blocking call returns EINTR),
 *       ignore SIGPIPE, and make SIGBUS log its likely cause before it kills (sigbus.h)
 *   ops->open --error--> log op=start, ops->close, exit 1
 *   READY=1 (a step daemon; an event daemon calls daemon_ready itself once it serves)
 *   loop: ops->run, or ops->step until the first stop signal:
 *       O2P_OK = did work, step again at once; O2P_EAGAIN = nothing to do, sleep idle_ms;
 *       another code = failed: log it, sleep retry (backoff), step again
 *   first stop signal: STOPPING=1, then step(draining=true) until it returns O2P_EAGAIN
 *       (exit 0). A failing drain step is retried while drain_budget_ms lasts, then the daemon
 *       gives up with exit 1: its work stays durable (spooled records, queued files) and is
 *       done at the next start. A second stop signal ends the drain at once (exit 1).
 *   ops->close, remove the metrics file, exit.
 * STATUS=/WATCHDOG=1 go out after steps and during sleeps at least every second; a step that
 * can run long calls daemon_watchdog itself (WatchdogSec=30s in the units).
 *
 * One daemon per process: the signal state is process-wide.
 */
#ifndef O2P_DAEMON_H
#define O2P_DAEMON_H

#include "common/backoff.h"
#include "common/buf.h"
#include "common/cfg.h"
#include "common/err.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAEMON_EXIT_CONFIG 78 /* EX_CONFIG from sysexits.h */

struct daemon;

struct daemon_ops {
    const char *prog;      /* "otlp2parquet-writer": messages about the command line */
    const char *component; /* the log component ("writer") */
    const char *usage;     /* printed for --help and after a bad argument */
    /* open - take what the daemon needs (d->cfg is loaded). May set d->idle_ms, d->retry,
     * d->drain_budget_ms and d->metrics_name. An error ends the process with exit 1. */
    int (*open)(struct daemon *d, void *ctx, struct o2p_error *err);
    /* step - one unit of work of a polling daemon (see the loop above); draining: a stop was
     * requested, do what is left regardless of thresholds. O2P_EAGAIN means only "nothing to
     * do": a failure that wants a later retry returns another code. NULL when run is set. */
    int (*step)(struct daemon *d, void *ctx, bool draining, struct o2p_error *err);
    /* run - an event-driven daemon's own loop (the receiver): returns the exit status once
     * it stopped. It watches daemon_stop_fd and calls daemon_ready/daemon_status. */
    int (*run)(struct daemon *d, void *ctx);
    /* status - one line for STATUS= (optional). */
    void (*status)(void *ctx, bool draining, char *out, size_t n);
    /* metrics - Prometheus text for the receiver's /metrics (optional; published every 2 s
     * under d->metrics_name, see metrics_file.h). */
    int (*metrics)(void *ctx, struct buf *out, struct o2p_error *err);
    /* close - release what open took; called exactly once when open was called, also
     * after open failed. */
    void (*close)(void *ctx);
};

struct daemon {
    struct o2p_config cfg;         /* loaded before open; freed by daemon_main */
    uint64_t idle_ms;              /* sleep when step has nothing to do (default 500) */
    struct backoff retry;          /* waits after a failed step (default 500 ms .. 30 s) */
    uint64_t drain_budget_ms;      /* how long a failing drain is retried (default 0) */
    char metrics_name[64];         /* metrics file name; "" = none (default) */
    const struct daemon_ops *ops;  /* the rest is daemon.c's */
    void *ctx;
    uint64_t last_notify_ms, last_metrics_ms;
};

/* daemon_main - run the daemon described by ops (ctx is passed to every callback; owned by
 * the caller). Returns the process exit status: 0 (stopped, drained; or --help), 1 (open
 * failed, the drain gave up or was cut short) or 78 (a bad argument or configuration). */
int daemon_main(int argc, char **argv, const struct daemon_ops *ops, void *ctx);

/* daemon_stop_count - stop signals received so far (0 = running, 1 = draining, 2+ = hurry).
 * The flag is async-signal-safe to read from any thread. */
const volatile sig_atomic_t *daemon_stop_count(void);

/* daemon_stop_fd - a descriptor that becomes readable at each stop signal (for an event
 * loop); daemon_stop_fd_clear empties it once the signal was handled. */
int daemon_stop_fd(void);
void daemon_stop_fd_clear(void);

/* daemon_sleep_ms - sleep, cut short by a stop signal; feeds the watchdog meanwhile. */
void daemon_sleep_ms(struct daemon *d, uint64_t ms);

/* daemon_ready - READY=1 (event daemons; daemon_main sends it for step daemons). */
void daemon_ready(struct daemon *d);

/* daemon_status - STATUS=<ops->status line> and WATCHDOG=1, now. */
void daemon_status(struct daemon *d);

/* daemon_watchdog - WATCHDOG=1 only, from inside a long step (any thread). */
void daemon_watchdog(void);

/* daemon_publish_metrics - publish ops->metrics now (force) or if 2 s passed. */
void daemon_publish_metrics(struct daemon *d, bool force);

#endif
