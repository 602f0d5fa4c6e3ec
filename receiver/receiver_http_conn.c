/*
 * receiver_http_conn.c - the limits on OTLP/HTTP connections that libevent 2.1's evhttp lacks:
 * at most receiver.max_connections open (one more gets a 503 and is closed at accept), and
 * a deadline per request: headers and body must arrive within receiver.request_timeout of the
 * request's first byte (of the accept, for a connection's first request), or the connection
 * is closed. evhttp's own timeout is per read, so a client sending a byte every few seconds
 * (slowloris) would otherwise hold a connection and its buffers forever.
 *
 * Framing: every byte a client sends passes receiver_http_frame (RFC 9112) before evhttp
 * parses it, because evhttp 2.1 reads ambiguous framing in ways a proxy in front may not
 * (request smuggling), answers chunk-framing errors 413 and resets a connection whose body is
 * too large. The input's evbuffer callback runs when bytes are added, before the bufferevent
 * calls evhttp's read callback, so a refused stream never reaches evhttp: from the refusal on
 * the input is drained as it arrives. The refusal is answered one loop turn later (on_refuse,
 * never from inside libevent's read path), once evhttp is not busy with a request: the
 * connection's callbacks become ours, the answer is written, then (plain HTTP) the write side
 * is shut so the client sees the answer end, and reading continues until the client closes or
 * receiver.request_timeout passes, so that what it still sends does not make our close reset
 * the connection before it has read the answer (lingering close).
 *
 * How we see connections evhttp owns: evhttp asks us for each connection's bufferevent
 * (evhttp_set_bevcb). We hold a reference on it until the next loop turn, when evhttp has set
 * its callbacks; their argument is the evhttp_connection, on which we set a close callback
 * that tells us when evhttp frees it. An evbuffer callback on the input tells us when a
 * request's first byte arrives (and feeds the framing check); one on the output tells us when
 * an answer has been written; on_request and the reply tell us when a request was read whole
 * and answered. Connections are found again by file descriptor.
 */
#include "receiver/receiver_http_conn.h"
#include "receiver/receiver_http_frame.h"

#include "common/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HTTP_INPUT_HIGH (256 * 1024) /* unparsed input held per connection, at most */

enum conn_phase {
    PHASE_READING,   /* a request is arriving: the deadline runs */
    PHASE_ANSWERING, /* read whole; ours until we reply */
    PHASE_IDLE,      /* keep-alive between requests: evhttp's idle timeout applies */
    PHASE_REFUSED,   /* framing refused and answered: ours, read and dropped until closed */
};

struct http_conn {
    struct http_conns *owner;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* NULL until attached */
    struct evbuffer_cb_entry *input_cb, *output_cb;
    struct event *attach_ev;
    struct event *refuse_ev; /* answers a framing refusal at the next loop turn */
    evutil_socket_t fd;
    enum conn_phase phase;
    uint64_t started_ns; /* when the current request's first byte (or the accept, or the refusal) came */
    struct http_frame frame;
    uint64_t hold;       /* the input may hold HTTP_INPUT_HIGH + this (receiver_http_frame_hold) */
    bool peer_eof;       /* refused: the client closed before our answer was out */
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
    if (c->refuse_ev)
        event_free(c->refuse_ev);
    if (c->attach_ev) {
        event_free(c->attach_ev);
        bufferevent_decref(c->bev);
    }
    free(c);
}

/* check_added - feed the n bytes just added at the end of the input to the framing check. The
 * check may rewrite them in place (receiver_http_frame_feed): they sit in ordinary chains the
 * bufferevent read into, which are ours to change until evhttp reads them. */
static void check_added(struct http_conn *c, struct evbuffer *buf, size_t n)
{
    size_t len = evbuffer_get_length(buf);
    struct evbuffer_ptr at;
    if (n > len || evbuffer_ptr_set(buf, &at, len - n, EVBUFFER_PTR_SET) != 0)
        return;
    while (n > 0 && !c->frame.status) {
        struct evbuffer_iovec v[8];
        int nv = evbuffer_peek(buf, (ev_ssize_t)n, &at, v, 8);
        if (nv <= 0)
            break;
        size_t seen = 0;
        for (int i = 0; i < nv && i < 8 && n > 0 && !c->frame.status; i++) {
            size_t take = v[i].iov_len < n ? v[i].iov_len : n;
            receiver_http_frame_feed(&c->frame, v[i].iov_base, take);
            seen += take;
            n -= take;
        }
        if (n > 0 && evbuffer_ptr_set(buf, &at, seen, EVBUFFER_PTR_ADD) != 0)
            break;
    }
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct http_conn *c = arg;
    if (info->n_added == 0)
        return;
    if (c->phase == PHASE_IDLE) {
        c->phase = PHASE_READING;
        c->started_ns = clock_mono_ns();
    }
    if (!c->frame.status)
        check_added(c, buf, info->n_added);
    if (c->frame.status) {
        /* Refused: nothing from here on reaches evhttp. The drain calls us again, with
         * n_added 0. */
        evbuffer_drain(buf, evbuffer_get_length(buf));
        if (c->phase != PHASE_REFUSED)
            event_active(c->refuse_ev, 0, 0);
        return;
    }
    /* evhttp takes a Content-Length body or a chunk only once it is buffered whole: let the
     * input hold it, on top of the pipelining bound (on_new_bev). */
    uint64_t hold = receiver_http_frame_hold(&c->frame);
    if (hold != c->hold) {
        c->hold = hold;
        bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_INPUT_HIGH + (size_t)hold);
    }
}

/* on_output - an answer was written out whole: a refusal that waited for evhttp to finish
 * its own answer can go now. */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct http_conn *c = arg;
    if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0 && c->frame.status && c->phase != PHASE_REFUSED)
        event_active(c->refuse_ev, 0, 0);
}

/* refused_close - end a refused connection: evhttp frees it, on_close frees c. */
static void refused_close(struct http_conn *c) { evhttp_connection_free(c->evcon); }

/* on_refused_written - our answer is out: closing our side after it (TLS: close_notify, then
 * the FIN) tells the client it has all of it, while we go on reading what it still sends. */
static void on_refused_written(struct bufferevent *bev, void *arg)
{
    struct http_conn *c = arg;
    if (c->peer_eof) {
        refused_close(c);
        return;
    }
    if (c->owner->tls) {
        SSL *ssl = bufferevent_openssl_get_ssl(bev);
        if (ssl)
            SSL_shutdown(ssl); /* best effort: a client that misses it still sees the FIN */
    }
    if (shutdown(c->fd, SHUT_WR) != 0)
        log_debug("receiver", "op=http_refuse_shutdown err=\"%s\"", strerror(errno));
}

static void on_refused_event(struct bufferevent *bev, short what, void *arg)
{
    struct http_conn *c = arg;
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        /* The client half-closed right after sending: finish writing the answer first. */
        c->peer_eof = true;
        bufferevent_disable(bev, EV_READ);
        return;
    }
    refused_close(c); /* EOF, error or evhttp's idle timeout */
}

/* on_refuse - answer a framing refusal, once evhttp is not busy on this connection: it owns a
 * request we have not answered yet, or is writing an answer (on_output calls again after it,
 * request_answered's answer goes through on_output too, on_attach calls for a connection
 * refused before it was attached). */
static void on_refuse(evutil_socket_t unused, short what, void *arg)
{
    (void)unused;
    (void)what;
    struct http_conn *c = arg;
    struct bufferevent *bev = c->bev;
    if (!c->evcon || c->phase == PHASE_ANSWERING || c->phase == PHASE_REFUSED ||
        evbuffer_get_length(bufferevent_get_output(bev)) > 0)
        return;
    struct http_conns *cs = c->owner;
    int status = c->frame.status;
    receiver_count_rejection_reason(cs->r, TRANSPORT_HTTP,
                                    status == 413 ? REJECT_TOO_LARGE : status == 501 ? REJECT_ENCODING : REJECT_MALFORMED);
    receiver_count_request(cs->r, TRANSPORT_HTTP, status);
    log_info("receiver", "op=http_framing status=%d err=\"%s\" action=close", status, c->frame.msg);
    c->phase = PHASE_REFUSED;
    c->started_ns = clock_mono_ns(); /* on_scan closes it at receiver.request_timeout from now */
    const char *reason = status == 413 ? "Payload Too Large" : status == 501 ? "Not Implemented"
                         : status == 505 ? "HTTP Version Not Supported" : "Bad Request";
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     status, reason, strlen(c->frame.msg) + 1);
    /* The connection is ours from here: evhttp's read callback would only find the drained
     * input, its write callback would take the end of our answer for the end of its own last
     * reply, and its event callback would free the connection at the client's EOF before our
     * answer is out. evhttp's request object stays until evhttp_connection_free. */
    bufferevent_setcb(bev, NULL, on_refused_written, on_refused_event, c);
    bufferevent_write(bev, head, (size_t)n);
    bufferevent_write(bev, c->frame.msg, strlen(c->frame.msg));
    bufferevent_write(bev, "\n", 1);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
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
        if (c->frame.status)
            event_active(c->refuse_ev, 0, 0);
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
    /* evhttp parses one request at a time and reads the next only once the answer to this one
     * is written; meanwhile the bufferevent would keep reading a pipelining client's bytes
     * into its input without limit (1.1 GiB in 4 s from one connection that never read its
     * answers). Stop reading at HTTP_INPUT_HIGH unparsed bytes: the kernel's buffers fill and
     * the client waits. Bodies are moved to the request as they are parsed, so this bounds no
     * request's size. */
    bufferevent_setwatermark(bev, EV_READ, 0, HTTP_INPUT_HIGH);
    struct http_conn *c = calloc(1, sizeof *c);
    if (c) {
        c->attach_ev = event_new(base, -1, 0, on_attach, c);
        c->refuse_ev = event_new(base, -1, 0, on_refuse, c);
    }
    if (c && c->attach_ev && c->refuse_ev) {
        c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
        c->output_cb = evbuffer_add_cb(bufferevent_get_output(bev), on_output, c);
    }
    if (!c || !c->input_cb || !c->output_cb) {
        /* Untracked but still served: limits are a defence, not a reason to drop a client. */
        log_warn("receiver", "op=http_accept err=\"out of memory\" action=untracked");
        if (c && c->input_cb)
            evbuffer_remove_cb_entry(bufferevent_get_input(bev), c->input_cb);
        if (c && c->attach_ev)
            event_free(c->attach_ev);
        if (c && c->refuse_ev)
            event_free(c->refuse_ev);
        free(c);
        return bev;
    }
    receiver_http_frame_init(&c->frame, receiver_config(cs->r)->receiver.max_request_bytes, cs->tls == NULL);
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
        if (!c->evcon || (c->phase != PHASE_READING && c->phase != PHASE_REFUSED) || now - c->started_ns < limit)
            continue;
        if (c->phase == PHASE_READING) {
            receiver_count_rejection_reason(cs->r, TRANSPORT_HTTP, REJECT_SLOW_CLIENT);
            log_info("receiver", "op=http_request err=\"request not received whole within receiver.request_timeout "
                                 "(%llu ms)\" action=close",
                     (unsigned long long)(limit / 1000000));
        }
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
