/*
 * receiver_http_conn.c - the limits on OTLP/HTTP connections that libevent 2.1's evhttp lacks:
 * at most receiver.max_connections open (one more gets a 503 and is closed at accept), and
 * a deadline per request: headers and body must arrive within receiver.request_timeout of the
 * request's first byte (of the accept, for a connection's first request), or the connection
 * is closed. evhttp's own timeout is per read, so a client sending a byte every few seconds
 * (slowloris) would otherwise hold a connection and its buffers forever. And a bound on what
 * a connection may have read but not parsed (on_output): a client that pipelines requests
 * without reading the answers is not read from meanwhile.
 *
 * How we see connections evhttp owns: evhttp asks us for each connection's bufferevent
 * (evhttp_set_bevcb). We hold a reference on it until the next loop turn, when evhttp has set
 * its callbacks; their argument is the evhttp_connection, on which we set a close callback
 * that tells us when evhttp frees it. An evbuffer callback on the input tells us when a
 * request's first byte arrives; on_request and the reply tell us when it was read whole and
 * answered. Connections are found again by file descriptor.
 */
#include "receiver/receiver_http_conn.h"

#include "common/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HTTP_INPUT_HIGH (256 * 1024) /* unparsed input held while an answer is unwritten */

enum conn_phase {
    PHASE_READING,   /* a request is arriving: the deadline runs */
    PHASE_ANSWERING, /* read whole; ours until we reply */
    PHASE_IDLE,      /* keep-alive between requests: evhttp's idle timeout applies */
};

struct http_conn {
    struct http_conns *owner;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* NULL until attached */
    struct evbuffer_cb_entry *input_cb, *output_cb;
    size_t input_max, input_high; /* the read watermark: see on_output */
    struct event *attach_ev;
    evutil_socket_t fd;
    enum conn_phase phase;
    uint64_t started_ns; /* when the current request's first byte (or the accept) came */
    struct http_conn *prev, *next;
};

struct http_conns {
    struct receiver *r;
    SSL_CTX *tls;
    struct event *scan_ev;
    struct http_conn *list;
    struct http_conn **by_fd;
    size_t by_fd_len;
};

static void conn_unlink(struct http_conn *c)
{
    struct http_conns *cs = c->owner;
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->fd >= 0 && (size_t)c->fd < cs->by_fd_len && cs->by_fd[c->fd] == c)
        cs->by_fd[c->fd] = NULL;
}

/* conn_free - forget c. Drops our reference on the bufferevent if we still hold it. */
static void conn_free(struct http_conn *c)
{
    conn_unlink(c);
    if (c->input_cb)
        evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->input_cb);
    if (c->output_cb)
        evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->output_cb);
    if (c->attach_ev) {
        event_free(c->attach_ev);
        bufferevent_decref(c->bev);
    }
    free(c);
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    struct http_conn *c = arg;
    if (info->n_added > 0 && c->phase == PHASE_IDLE) {
        c->phase = PHASE_READING;
        c->started_ns = clock_mono_ns();
    }
}

/* input_max - what one request may need in the input at once: evhttp parses a body only once
 * it is there whole. */
static size_t input_max(const struct http_conns *cs)
{
    const struct o2p_config *cfg = receiver_config(cs->r);
    return cfg->receiver.max_request_bytes + cfg->receiver.max_header_bytes + HTTP_INPUT_HIGH;
}

/* on_output - evhttp reads the next request only once the answer to this one is written, and
 * meanwhile the bufferevent kept reading a pipelining client's bytes without limit (1.1 GiB
 * in 4 s from one connection that never read its answers). While an answer is unwritten,
 * stop reading at HTTP_INPUT_HIGH: the kernel's buffers fill and the client waits. Otherwise
 * a request may take what it needs (input_max). */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct http_conn *c = arg;
    size_t want = evbuffer_get_length(buf) > 0 ? HTTP_INPUT_HIGH : c->input_max;
    if (want != c->input_high) {
        c->input_high = want;
        bufferevent_setwatermark(c->bev, EV_READ, 0, want);
    }
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    struct http_conn *c = arg;
    receiver_connection_closed(c->owner->r, TRANSPORT_HTTP);
    conn_free(c);
}

/* reject_busy - the connection is one too many: say so in plain HTTP (best effort, the socket
 * is fresh so the few bytes fit), then let evhttp close it. */
static void reject_busy(struct http_conn *c)
{
    struct http_conns *cs = c->owner;
    receiver_count_rejection_reason(cs->r, TRANSPORT_HTTP, REJECT_MAX_CONNECTIONS);
    if (!cs->tls) {
        char body[160], msg[400];
        int bl = snprintf(body, sizeof body, "too many connections (%lld on this port); retry later\n",
                          (long long)receiver_max_connections(cs->r));
        int ml = snprintf(msg, sizeof msg,
                          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
                          bl, body);
        if (send(c->fd, msg, (size_t)ml, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            log_debug("receiver", "op=http_reject_busy err=\"%s\"", strerror(errno));
    }
    evhttp_connection_free(c->evcon);
}

static int by_fd_put(struct http_conns *cs, struct http_conn *c)
{
    if ((size_t)c->fd >= cs->by_fd_len) {
        size_t n = cs->by_fd_len ? cs->by_fd_len : 64;
        while (n <= (size_t)c->fd)
            n *= 2;
        struct http_conn **p = realloc(cs->by_fd, n * sizeof *p);
        if (!p)
            return O2P_ENOMEM;
        memset(p + cs->by_fd_len, 0, (n - cs->by_fd_len) * sizeof *p);
        cs->by_fd = p;
        cs->by_fd_len = n;
    }
    cs->by_fd[c->fd] = c;
    return O2P_OK;
}

/* on_attach - one loop turn after the accept: evhttp has wired the bufferevent to its
 * connection by now (or already freed it). */
static void on_attach(evutil_socket_t unused, short what, void *arg)
{
    (void)unused;
    (void)what;
    struct http_conn *c = arg;
    bufferevent_data_cb readcb, writecb;
    bufferevent_event_cb eventcb;
    void *cbarg;
    bufferevent_getcb(c->bev, &readcb, &writecb, &eventcb, &cbarg);
    event_free(c->attach_ev);
    c->attach_ev = NULL;
    struct bufferevent *bev = c->bev;
    c->fd = bufferevent_getfd(bev);
    if (!eventcb || !cbarg || c->fd < 0) { /* evhttp freed it already (or never wired it) */
        conn_free(c);
        bufferevent_decref(bev);
        return;
    }
    c->evcon = cbarg;
    struct http_conns *cs = c->owner;
    if (!receiver_connection_opened(cs->r, TRANSPORT_HTTP)) {
        reject_busy(c);
        conn_free(c);
    } else if (by_fd_put(cs, c) != O2P_OK) {
        log_warn("receiver", "op=http_accept err=\"out of memory\" action=close");
        receiver_connection_closed(cs->r, TRANSPORT_HTTP);
        evhttp_connection_free(c->evcon);
        conn_free(c);
    } else {
        evhttp_connection_set_closecb(c->evcon, on_close, c);
    }
    bufferevent_decref(bev);
}

static struct bufferevent *on_new_bev(struct event_base *base, void *arg)
{
    struct http_conns *cs = arg;
    struct bufferevent *bev;
    if (cs->tls) {
        SSL *ssl = SSL_new(cs->tls);
        if (!ssl)
            return NULL;
        bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        if (!bev)
            SSL_free(ssl);
    } else {
        bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev)
        return NULL;
    struct http_conn *c = calloc(1, sizeof *c);
    if (c)
        c->attach_ev = event_new(base, -1, 0, on_attach, c);
    if (c && c->attach_ev)
        c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
    if (c && c->input_cb)
        c->output_cb = evbuffer_add_cb(bufferevent_get_output(bev), on_output, c);
    if (!c || !c->output_cb) {
        /* Untracked but still served: limits are a defence, not a reason to drop a client. */
        log_warn("receiver", "op=http_accept err=\"out of memory\" action=untracked");
        if (c && c->input_cb)
            evbuffer_remove_cb_entry(bufferevent_get_input(bev), c->input_cb);
        if (c && c->attach_ev)
            event_free(c->attach_ev);
        free(c);
        return bev;
    }
    c->input_max = c->input_high = input_max(cs);
    bufferevent_setwatermark(bev, EV_READ, 0, c->input_max);
    c->owner = cs;
    c->bev = bev;
    c->fd = -1;
    c->phase = PHASE_READING;
    c->started_ns = clock_mono_ns();
    c->next = cs->list;
    if (cs->list)
        cs->list->prev = c;
    cs->list = c;
    bufferevent_incref(bev);
    event_active(c->attach_ev, 0, 0);
    return bev;
}

/* on_scan - close the connections whose request is overdue. */
static void on_scan(evutil_socket_t unused, short what, void *arg)
{
    (void)unused;
    (void)what;
    struct http_conns *cs = arg;
    uint64_t now = clock_mono_ns();
    uint64_t limit = receiver_config(cs->r)->receiver.request_timeout_ms * 1000000ull;
    struct http_conn *next;
    for (struct http_conn *c = cs->list; c; c = next) {
        next = c->next;
        if (!c->evcon || c->phase != PHASE_READING || now - c->started_ns < limit)
            continue;
        receiver_count_rejection_reason(cs->r, TRANSPORT_HTTP, REJECT_SLOW_CLIENT);
        log_info("receiver", "op=http_request err=\"request not received whole within receiver.request_timeout "
                             "(%llu ms)\" action=close",
                 (unsigned long long)(limit / 1000000));
        evhttp_connection_free(c->evcon); /* on_close frees c */
    }
}

int receiver_http_conn_start(struct receiver *r, struct evhttp *http, SSL_CTX *tls, struct http_conns **out,
                     struct o2p_error *err)
{
    struct http_conns *cs = calloc(1, sizeof *cs);
    if (!cs)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    cs->r = r;
    cs->tls = tls;
    cs->scan_ev = event_new(receiver_event_base(r), -1, EV_PERSIST, on_scan, cs);
    if (!cs->scan_ev) {
        free(cs);
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    }
    struct timeval tv = receiver_deadline_scan_interval(receiver_config(r));
    event_add(cs->scan_ev, &tv);
    evhttp_set_bevcb(http, on_new_bev, cs);
    *out = cs;
    return O2P_OK;
}

static struct http_conn *conn_of(struct http_conns *cs, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (!evcon)
        return NULL;
    evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
    if (fd < 0 || (size_t)fd >= cs->by_fd_len)
        return NULL;
    struct http_conn *c = cs->by_fd[fd];
    return c && c->evcon == evcon ? c : NULL;
}

void receiver_http_conn_request_read(struct http_conns *cs, struct evhttp_request *req)
{
    struct http_conn *c = conn_of(cs, req);
    if (c)
        c->phase = PHASE_ANSWERING;
}

void receiver_http_conn_request_answered(struct http_conns *cs, struct evhttp_request *req)
{
    struct http_conn *c = conn_of(cs, req);
    if (!c)
        return;
    /* A pipelined next request may be waiting already; its clock starts now. */
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
        c->phase = PHASE_READING;
        c->started_ns = clock_mono_ns();
    } else {
        c->phase = PHASE_IDLE;
    }
}

void receiver_http_conn_free(struct http_conns *cs)
{
    if (!cs)
        return;
    while (cs->list) /* only connections evhttp never wired up are left after evhttp_free */
        conn_free(cs->list);
    event_free(cs->scan_ev);
    free(cs->by_fd);
    free(cs);
}
