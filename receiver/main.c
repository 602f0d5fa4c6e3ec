/*
 * otlp2parquet-receiver - OTLP/HTTP and OTLP/gRPC in, durable spool appends out.
 *
 * Open: spool, listeners (the commit thread runs spool recovery). Run: the libevent loop;
 * once recovery is done, ready (GET /ready 200, READY=1). SIGTERM/SIGINT: close the
 * listeners, answer every request already accepted once its commit is durable, then exit 0.
 * Lifecycle: common/daemon.h (an event daemon: the stop signal arrives on daemon_stop_fd).
 */
#include "receiver/receiver_internal.h"

#include "common/daemon.h"
#include "common/log.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>

struct receiver_daemon {
    struct daemon *d;
    struct event_base *base;
    struct receiver *r;
    struct http_server *http;
    struct grpc_server *grpc;
    struct event *tick, *stop;
    bool stopping, notified_ready;
    int idle_ticks; /* ticks seen idle while stopping: one more lets replies flush */
};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct receiver_daemon *rd = arg;
    struct receiver *r = rd->r;
    if (!receiver_refresh_spool_usage(r))
        return; /* the spool failed: the loop ends, exit 1 (receiver_daemon_run) */
    if (!rd->notified_ready && atomic_load(&r->ready)) {
        rd->notified_ready = true;
        daemon_ready(rd->d);
        log_info("receiver", "op=ready http=%s grpc=%s spool=%s", r->cfg->receiver.http, r->cfg->receiver.grpc,
                 r->cfg->spool.path);
    }
    daemon_status(rd->d);
    if (!rd->stopping)
        return;
    int open_grpc = rd->grpc ? receiver_grpc_server_drain(rd->grpc) : 0;
    bool idle = receiver_decode_idle(r->decode) && receiver_commit_idle(r->commit) && open_grpc == 0;
    rd->idle_ticks = idle ? rd->idle_ticks + 1 : 0;
    if (rd->idle_ticks >= 2)
        event_base_loopexit(rd->base, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct receiver_daemon *rd = arg;
    daemon_stop_fd_clear();
    if (rd->stopping)
        return;
    rd->stopping = true;
    rd->r->draining = true;
    log_info("receiver", "op=stop action=drain");
    /* Stop intake first; requests already accepted are still answered, and connections stay
     * open until they are (a gRPC client whose call was durable must hear so, or it would
     * retry and duplicate). */
    receiver_http_stop_accepting(rd->http);
    if (rd->grpc)
        receiver_grpc_server_drain(rd->grpc);
    struct timeval fast = {0, 20000}; /* notice the end of the drain soon */
    event_del(rd->tick);
    event_add(rd->tick, &fast);
}

static int receiver_daemon_open(struct daemon *d, void *ctx, struct o2p_error *err)
{
    struct receiver_daemon *rd = ctx;
    const struct o2p_config *cfg = &d->cfg;
    rd->d = d;
    if (evthread_use_pthreads() != 0)
        return o2p_fail(err, O2P_EUNSUPPORTED, "libevent without thread support");
    rd->base = event_base_new();
    if (!rd->base)
        return o2p_fail(err, O2P_ENOMEM, "create the event loop (event_base_new)");
    int rc = receiver_create(&rd->r, cfg, rd->base, err);
    if (rc == O2P_OK && *cfg->receiver.http)
        rc = receiver_http_start(rd->r, cfg->receiver.http, &rd->http, err);
    if (rc == O2P_OK && *cfg->receiver.grpc)
        rc = receiver_grpc_server_start(rd->r, cfg->receiver.grpc, &rd->grpc, err);
    if (rc != O2P_OK)
        return rc;
    rd->tick = event_new(rd->base, -1, EV_PERSIST, on_tick, rd);
    rd->stop = event_new(rd->base, daemon_stop_fd(), EV_READ | EV_PERSIST, on_stop, rd);
    struct timeval tick = {0, 200000};
    if (!rd->tick || !rd->stop || event_add(rd->tick, &tick) != 0 || event_add(rd->stop, NULL) != 0)
        return o2p_fail(err, O2P_ENOMEM, "register the receiver's timer and stop events");
    return O2P_OK;
}

static int receiver_daemon_run(struct daemon *d, void *ctx)
{
    struct receiver_daemon *rd = ctx;
    if (*daemon_stop_count() > 0)
        on_stop(-1, 0, rd); /* the signal came while opening */
    return event_base_dispatch(rd->base) == 0 && !receiver_spool_failed(rd->r) ? 0 : 1;
}

static void receiver_daemon_status(void *ctx, bool draining, char *out, size_t n)
{
    const struct receiver_daemon *rd = ctx;
    snprintf(out, n, "%s spool=%llu bytes inflight=%llu bytes",
             rd->stopping ? "draining" : atomic_load(&rd->r->ready) ? "ready" : "recovering",
             (unsigned long long)atomic_load(&rd->r->spool_used), (unsigned long long)rd->r->inflight_bytes);
}

static void receiver_daemon_close(void *ctx)
{
    struct receiver_daemon *rd = ctx;
    /* Answer whatever is still queued, then close the transports, then the spool. */
    if (rd->r) {
        receiver_commit_stop(rd->r->commit);
        rd->r->commit = NULL;
    }
    receiver_http_free(rd->http);
    receiver_grpc_server_free(rd->grpc);
    if (rd->tick)
        event_free(rd->tick);
    if (rd->stop)
        event_free(rd->stop);
    receiver_free(rd->r);
    if (rd->base)
        event_base_free(rd->base);
}

int main(int argc, char **argv)
{
    static const struct daemon_ops ops = {
        .prog = "otlp2parquet-receiver",
        .component = "receiver",
        .usage = "usage: otlp2parquet-receiver [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
                 "                             [--http ADDR] [--grpc ADDR]\n"
                 "Receives OTLP over HTTP (default 127.0.0.1:4318) and gRPC (127.0.0.1:4317) into the spool.\n",
        .open = receiver_daemon_open,
        .run = receiver_daemon_run,
        .status = receiver_daemon_status,
        .close = receiver_daemon_close,
    };
    static struct receiver_daemon rd;
    return daemon_main(argc, argv, &ops, &rd);
}
