/*
 * otlp2parquet-receiver - OTLP/HTTP and OTLP/gRPC in, durable spool appends out.
 *
 * Start-up: configuration -> spool open -> listeners -> commit thread runs spool recovery ->
 * ready (GET /ready 200, sd_notify READY=1). SIGTERM/SIGINT: close the listeners, answer
 * every request already accepted once its commit is durable, then exit 0.
 */
#include "receiver/receiver_internal.h"

#include "common/log.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

struct daemon_state {
    struct receiver *r;
    struct http_server *http;
    struct grpc_server *grpc;
    struct event *tick, *sigterm, *sigint;
    bool stopping, notified_ready;
    int idle_ticks;  /* ticks seen idle while stopping: one more lets replies flush */
};

static const char usage[] =
    "usage: otlp2parquet-receiver [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
    "                             [--http ADDR] [--grpc ADDR]\n"
    "Receives OTLP over HTTP (default 127.0.0.1:4318) and gRPC (127.0.0.1:4317) into the spool.\n";

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct daemon_state *d = arg;
    struct receiver *r = d->r;
    receiver_refresh_spool_usage(r);
    if (!d->notified_ready && atomic_load(&r->ready)) {
        d->notified_ready = true;
        sd_notify(0, "READY=1");
        log_info("receiver", "op=ready http=%s grpc=%s spool=%s", r->cfg->receiver.http,
                 r->cfg->receiver.grpc, r->cfg->spool.path);
    }
    char status[160];
    snprintf(status, sizeof status, "STATUS=%s spool=%llu bytes inflight=%llu bytes\nWATCHDOG=1",
             d->stopping ? "draining" : atomic_load(&r->ready) ? "ready" : "recovering",
             (unsigned long long)atomic_load(&r->spool_used), (unsigned long long)r->inflight_bytes);
    sd_notify(0, status);
    if (!d->stopping)
        return;
    int open_grpc = d->grpc ? receiver_grpc_server_drain(d->grpc) : 0;
    if (receiver_decode_idle(r->decode) && receiver_commit_idle(r->commit) && open_grpc == 0) {
        if (++d->idle_ticks >= 2)
            event_base_loopexit(r->base, NULL);
    } else {
        d->idle_ticks = 0;
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct daemon_state *d = arg;
    if (d->stopping)
        return;
    d->stopping = true;
    d->r->draining = true;
    sd_notify(0, "STOPPING=1");
    log_info("receiver", "op=stop signal=%d action=drain", (int)sig);
    /* Stop intake first; requests already accepted are still answered, and connections stay
     * open until they are (a gRPC client whose call was durable must hear so, or it would
     * retry and duplicate). */
    receiver_http_stop_accepting(d->http);
    if (d->grpc)
        receiver_grpc_server_drain(d->grpc);
    struct timeval fast = {0, 20000};
    event_del(d->tick);
    event_add(d->tick, &fast);
}

int main(int argc, char **argv)
{
    log_set_component("receiver");
    struct cfg_cli cli;
    struct o2p_config cfg;
    struct o2p_error err = {0};
    int code = cfg_daemon_cli(&cli, argc, argv, "otlp2parquet-receiver", usage);
    if (code >= 0)
        return code;
    if (cfg_load(&cfg, &cli, "./data", &err) != O2P_OK)
        die("op=config err=\"%s\"", err.msg);
    log_set_level_name(cfg.log.level);
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        die("op=evthread_use_pthreads err=\"libevent without thread support\"");
    struct event_base *base = event_base_new();
    if (!base)
        die("op=event_base_new err=\"failed\"");
    struct daemon_state d = {0};
    if (receiver_create(&d.r, &cfg, base, &err) != O2P_OK)
        die("op=start err=\"%s\"", err.msg);
    if (*cfg.receiver.http && receiver_http_start(d.r, cfg.receiver.http, &d.http, &err) != O2P_OK)
        die("op=listen err=\"%s\"", err.msg);
    if (*cfg.receiver.grpc && receiver_grpc_server_start(d.r, cfg.receiver.grpc, &d.grpc, &err) != O2P_OK)
        die("op=listen err=\"%s\"", err.msg);
    log_info("receiver", "op=listen http=%s grpc=%s tls=%s auth=%s", *cfg.receiver.http ? cfg.receiver.http : "off",
             *cfg.receiver.grpc ? cfg.receiver.grpc : "off", d.r->tls ? "on" : "off",
             d.r->auth_token ? "bearer" : "none");
    d.tick = event_new(base, -1, EV_PERSIST, on_tick, &d);
    d.sigterm = evsignal_new(base, SIGTERM, on_signal, &d);
    d.sigint = evsignal_new(base, SIGINT, on_signal, &d);
    struct timeval tick = {0, 200000};
    event_add(d.tick, &tick);
    event_add(d.sigterm, NULL);
    event_add(d.sigint, NULL);
    event_base_dispatch(base);

    /* Answer whatever is still queued, then close the transports, then the spool. */
    receiver_commit_stop(d.r->commit);
    d.r->commit = NULL;
    receiver_http_free(d.http);
    receiver_grpc_server_free(d.grpc);
    event_free(d.tick);
    event_free(d.sigterm);
    event_free(d.sigint);
    receiver_free(d.r);
    event_base_free(base);
    log_info("receiver", "op=exit status=0");
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return 0;
}
