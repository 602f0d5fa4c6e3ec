/*
 * receiver_grpc.c - the OTLP/gRPC transport: an h2c (or TLS + ALPN "h2") listener whose
 * connections each run one nghttp2 server session over a libevent bufferevent.
 *
 * Owns: struct grpc_server (listener, connection list, flow-control budget) and every
 * struct grpc_conn (socket, bufferevent, nghttp2 session). Streams - one per Export call -
 * live in receiver_grpc_stream.c; framing helpers in receiver_grpc_frame.c.
 *
 * Connection life:
 *
 *   accept [on_accept] --max_connections reached--> closed at once
 *     | SETTINGS(MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 64 KiB, MAX_HEADER_LIST_SIZE)
 *     v
 *   OPEN: input fed to nghttp2_session_mem_recv straight from the evbuffer's chunks
 *         [conn_process_input]; output from nghttp2_session_mem_send [receiver_grpc_conn_flush]
 *     |-- PAUSED (socket not read) while any PAUSE_* reason holds, re-checked on write drain
 *     |   [on_write] and on the server's resume event [on_resume]
 *     |-- idle for receiver.idle_timeout with no call waiting for the spool: GOAWAY -> CLOSING
 *     |-- a call still arriving receiver.request_timeout after its HEADERS: answered
 *     |   DEADLINE_EXCEEDED, the rest of its body discarded [on_deadline]
 *     |-- an answer still unsent receiver.request_timeout after it was submitted (the client
 *     |   keeps its window shut): RST_STREAM(CANCEL), so it frees its slot [on_deadline]
 *     |-- peer GOAWAY / protocol error: nghttp2 stops wanting I/O -> CLOSING
 *     v
 *   CLOSING: no more input; freed once the output is written [receiver_grpc_conn_flush]
 *   EOF, socket error, write timeout, receiver_grpc_server_free: freed now [conn_free]
 *
 * conn_free frees every stream context of the connection except those waiting for the
 * ingest path's `done`: they are orphaned (detached) and `done` frees them later, so nothing
 * dangles even after receiver_grpc_server_free.
 *
 * Memory bounds (flow control; nghttp2 runs with NGHTTP2_OPT_NO_AUTO_WINDOW_UPDATE):
 *  - a request body is at most receiver.max_request_bytes + 5 (buf ceiling; the declared
 *    length is checked from the first 5 bytes), its decompressed form at most
 *    receiver.max_decompressed_bytes (receiver_decompress_body stops inflating there);
 *  - srv->buffered is the capacity of the bodies still being received, on all connections.
 *    Under GRPC_BUDGET a body is allocated once at its declared length; above, it grows with
 *    what arrives;
 *  - connection-level window is given back as soon as bytes reach a stream's buffer, the
 *    stream-level window only while srv->buffered is under GRPC_BUDGET. Above it a stream
 *    gets at most its open window (64 KiB) of extra data, except the single "favoured"
 *    stream, which always gets its window back so at least one request can always finish
 *    (no deadlock of half-received bodies; invariant: deferred streams exist only while a
 *    favoured stream does);
 *  - above GRPC_HARD_CAP every connection except the favoured stream's stops reading;
 *  - at most GRPC_MAX_OPEN_STREAMS calls are open on all connections together; more get
 *    RST_STREAM(REFUSED_STREAM), which clients retry, so open windows hold at most that
 *    many x 64 KiB; past GRPC_SHARED_STREAMS only connections holding fewer than
 *    GRPC_FAIR_STREAMS get more, and the last GRPC_LIGHT_RESERVE only those holding fewer
 *    than GRPC_LIGHT_STREAMS (three greedy connections once held every slot);
 *  - a connection stops reading while GRPC_MAX_INFLIGHT of its calls, or GRPC_MAX_INFLIGHT_BYTES
 *    of message from all connections, wait for `done` (the ingest path holds a copy of each
 *    until its group commit is durable: this is what bounds the receiver's RSS under load),
 *    and while its output buffer holds GRPC_OUTPUT_HIGH bytes (nghttp2's recommended
 *    64 KiB), so a client that does not read cannot grow our output.
 *  So the transport holds at most about GRPC_HARD_CAP + open streams x 64 KiB +
 *  GRPC_MAX_INFLIGHT_BYTES (measured: 8 connections x 16 streams of 267 KB requests, peak
 *  RSS 55 MB for the whole receiver; 32 connections x 32 streams of 1 MB requests, 58 MB,
 *  with the calls over GRPC_MAX_OPEN_STREAMS refused; 152 MB before that cap).
 *
 * Stop: receiver_grpc_server_drain closes the listener and sends each connection a graceful
 * GOAWAY; calls already started are still answered once durable, and the receiver exits when
 * none is open (a client whose call was acknowledged must hear so, or it retries and
 * duplicates). Not done here: the client's grpc-timeout (receiver.request_timeout bounds a
 * call instead), compression of responses.
 */
#include "receiver/receiver_grpc.h"

#include "common/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GRPC_MAX_STREAMS 100
#define GRPC_STREAM_WINDOW (64u << 10)
#define GRPC_CONN_WINDOW (4 << 20)
#define GRPC_BUDGET ((size_t)8 << 20)
#define GRPC_HARD_CAP ((size_t)16 << 20)
#define GRPC_OUTPUT_HIGH ((size_t)64 << 10)
#define GRPC_MAX_INFLIGHT (2 * GRPC_MAX_STREAMS)
#define GRPC_MAX_INFLIGHT_BYTES ((size_t)16 << 20)

static int alpn_index = -1; /* SSL ex_data slot marking gRPC connections */
static bool conn_process_input(struct grpc_conn *c);

/* ---- flow control ---------------------------------------------------------------------- */

static void deferred_unlink(struct grpc_server *s, struct grpc_stream *st)
{
    if (!st->in_deferred)
        return;
    if (st->dprev)
        st->dprev->dnext = st->dnext;
    else
        s->deferred_head = st->dnext;
    if (st->dnext)
        st->dnext->dprev = st->dprev;
    else
        s->deferred_tail = st->dprev;
    st->dprev = st->dnext = NULL;
    st->in_deferred = false;
}

static void deferred_push(struct grpc_server *s, struct grpc_stream *st)
{
    if (st->in_deferred)
        return;
    st->dprev = s->deferred_tail;
    st->dnext = NULL;
    if (s->deferred_tail)
        s->deferred_tail->dnext = st;
    else
        s->deferred_head = st;
    s->deferred_tail = st;
    st->in_deferred = true;
}

/* consume_deferred - give st its held-back stream window. */
static void consume_deferred(struct grpc_server *s, struct grpc_stream *st)
{
    deferred_unlink(s, st);
    if (st->deferred && st->conn)
        nghttp2_session_consume_stream(st->conn->session, st->id, st->deferred);
    st->deferred = 0;
}

static void make_favoured(struct grpc_server *s, struct grpc_stream *st)
{
    s->favoured = st;
    consume_deferred(s, st);
}

void receiver_grpc_flow_data(struct grpc_conn *c, struct grpc_stream *st, size_t len)
{
    struct grpc_server *s = c->srv;
    nghttp2_session_consume_connection(c->session, len);
    if (st->body.cap > st->accounted) { /* count memory held, not bytes received */
        s->buffered += st->body.cap - st->accounted;
        st->accounted = st->body.cap;
    }
    if (s->buffered <= GRPC_BUDGET || s->favoured == st) {
        nghttp2_session_consume_stream(c->session, st->id, len);
        return;
    }
    st->deferred += len;
    if (!s->favoured)
        make_favoured(s, st);
    else
        deferred_push(s, st);
}

void receiver_grpc_flow_release(struct grpc_server *s, struct grpc_stream *st)
{
    bool kick = false;
    deferred_unlink(s, st);
    st->deferred = 0; /* the stream receives nothing more: its window no longer matters */
    s->buffered -= st->accounted;
    st->accounted = 0;
    if (s->favoured == st) {
        s->favoured = NULL;
        if (s->deferred_head) {
            make_favoured(s, s->deferred_head);
            kick = true; /* its WINDOW_UPDATE may belong to another connection */
        }
    }
    if (s->buffered <= GRPC_BUDGET && s->deferred_head) {
        while (s->deferred_head)
            consume_deferred(s, s->deferred_head);
        kick = true;
    }
    if (s->any_paused && s->buffered <= GRPC_BUDGET)
        kick = true;
    if (s->any_paused && !s->favoured)
        kick = true; /* a paused connection must pick the next favoured stream */
    if (kick)
        receiver_grpc_server_schedule_resume(s);
}

/* pause_reasons - why c should not be read now (PAUSE_* bits); may pick c's stream as the
 * favoured one when the server is over its hard cap and none is. */
static unsigned pause_reasons(struct grpc_conn *c)
{
    struct grpc_server *s = c->srv;
    unsigned p = 0;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) >= GRPC_OUTPUT_HIGH)
        p |= PAUSE_OUTPUT;
    if (c->inflight >= GRPC_MAX_INFLIGHT || s->inflight_bytes >= GRPC_MAX_INFLIGHT_BYTES)
        p |= PAUSE_INGEST;
    if (s->buffered > GRPC_HARD_CAP) {
        if (!s->favoured)
            for (struct grpc_stream *st = c->streams; st; st = st->next)
                if (st->state == GS_BODY) {
                    make_favoured(s, st);
                    break;
                }
        if (!s->favoured || s->favoured->conn != c)
            p |= PAUSE_BUDGET;
    }
    return p;
}

size_t receiver_grpc_budget_bytes(void) { return GRPC_BUDGET; }

void receiver_grpc_server_schedule_resume(struct grpc_server *s)
{
    if (s->resume_ev)
        event_active(s->resume_ev, EV_TIMEOUT, 0);
}

/* on_resume - re-examine every connection: paused ones may read again, and consumed
 * windows of other connections turn into WINDOW_UPDATE frames. */
static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct grpc_server *s = arg;
    s->any_paused = false;
    struct grpc_conn *next;
    for (struct grpc_conn *c = s->conns; c; c = next) {
        next = c->next;
        if (!c->closing)
            conn_process_input(c);
    }
}

/* ---- connections ----------------------------------------------------------------------- */

static void conn_free(struct grpc_conn *c)
{
    struct grpc_server *s = c->srv;
    while (c->streams) {
        if (c->streams->state == GS_INGESTING) {
            s->inflight_bytes -= c->streams->ingest_bytes; /* no longer paced by us */
            receiver_grpc_stream_orphan(c->streams);
        }
        else
            receiver_grpc_stream_free(c->streams);
    }
    nghttp2_session_del(c->session);
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    receiver_connection_closed(s->r, TRANSPORT_GRPC);
    free(c);
}

bool receiver_grpc_conn_flush(struct grpc_conn *c)
{
    if (c->in_session)
        return true;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    c->in_session++;
    while (evbuffer_get_length(out) < GRPC_OUTPUT_HIGH) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->session, &data);
        if (n < 0) {
            log_warn("receiver", "op=grpc_send peer=%p err=\"%s\"", (void *)c,
                     nghttp2_strerror((int)n));
            c->closing = true;
            break;
        }
        if (n == 0)
            break;
        if (evbuffer_add(out, data, (size_t)n) != 0) {
            c->closing = true;
            break;
        }
    }
    c->in_session--;
    if (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session))
        c->closing = true;
    if (c->closing) {
        bufferevent_disable(c->bev, EV_READ);
        if (evbuffer_get_length(out) == 0) {
            conn_free(c);
            return false;
        }
    }
    return true;
}

/* conn_process_input - feed buffered socket input to nghttp2 chunk by chunk (no copy),
 * stopping while a PAUSE_* reason holds. Returns false when c was freed. */
static bool conn_process_input(struct grpc_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (!c->closing) {
        unsigned p = pause_reasons(c);
        if (p && !c->paused)
            bufferevent_disable(c->bev, EV_READ);
        else if (!p && c->paused)
            bufferevent_enable(c->bev, EV_READ);
        c->paused = p;
        if (p & (PAUSE_BUDGET | PAUSE_INGEST))
            c->srv->any_paused = true;
        if (p || evbuffer_get_length(in) == 0)
            break;
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        c->in_session++;
        ssize_t rv = nghttp2_session_mem_recv(c->session, v.iov_base, v.iov_len);
        c->in_session--;
        if (rv < 0) {
            log_info("receiver", "op=grpc_recv err=\"%s\" action=close", nghttp2_strerror((int)rv));
            evbuffer_drain(in, evbuffer_get_length(in));
            c->closing = true; /* nghttp2 queued GOAWAY where the protocol allows one */
            break;
        }
        evbuffer_drain(in, (size_t)rv);
    }
    if (c->closing)
        evbuffer_drain(in, evbuffer_get_length(in));
    return receiver_grpc_conn_flush(c);
}

static void on_read(struct bufferevent *bev, void *arg) { conn_process_input(arg); }

static void on_write(struct bufferevent *bev, void *arg)
{
    struct grpc_conn *c = arg;
    if (receiver_grpc_conn_flush(c) && !c->closing)
        conn_process_input(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct grpc_conn *c = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        if (what & BEV_EVENT_WRITING) {
            log_info("receiver", "op=grpc_write err=timeout action=close");
            conn_free(c);
            return;
        }
        if (c->inflight > 0 && !c->closing) {
            /* Quiet because we owe answers (spool commit), not because the client is idle. */
            if (!c->paused)
                bufferevent_enable(bev, EV_READ);
            return;
        }
        nghttp2_session_terminate_session(c->session, NGHTTP2_NO_ERROR);
        c->closing = true;
        receiver_grpc_conn_flush(c);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        conn_free(c);
        return;
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    struct grpc_server *s = arg;
    const struct o2p_config *cfg = s->cfg;
    if (!receiver_connection_opened(s->r, TRANSPORT_GRPC)) {
        receiver_count_rejection(s->r, TRANSPORT_GRPC, "max_connections");
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct grpc_conn *c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->srv = s;
    if (s->ssl_ctx) {
        SSL *ssl = SSL_new(s->ssl_ctx);
        if (!ssl)
            goto fail;
        SSL_set_ex_data(ssl, alpn_index, &alpn_index);
        c->bev = bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev) {
            SSL_free(ssl);
            goto fail;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        c->tls = true;
    } else {
        c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev)
            goto fail;
    }
    fd = -1; /* owned by the bufferevent now */
    if (nghttp2_session_server_new2(&c->session, s->callbacks, c, s->option) != 0) {
        bufferevent_free(c->bev);
        goto fail;
    }
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, GRPC_MAX_STREAMS},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, GRPC_STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)cfg->receiver.max_header_bytes},
    };
    nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
    nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, GRPC_CONN_WINDOW);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    struct timeval tv = {(time_t)(cfg->receiver.idle_timeout_ms / 1000),
                         (suseconds_t)(cfg->receiver.idle_timeout_ms % 1000) * 1000};
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    receiver_grpc_conn_flush(c);
    return;
fail:
    log_warn("receiver", "op=grpc_accept err=\"out of memory\" action=close");
    if (fd >= 0)
        evutil_closesocket(fd);
    free(c);
    receiver_connection_closed(s->r, TRANSPORT_GRPC);
}

/* on_deadline - answer the requests that are arriving too slowly (slowloris). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct grpc_server *s = arg;
    uint64_t limit = s->cfg->receiver.request_timeout_ms * 1000000ull, now = clock_mono_ns();
    if (now < limit)
        return;
    struct grpc_conn *next;
    for (struct grpc_conn *c = s->conns; c; c = next) {
        next = c->next;
        bool expired = false;
        for (struct grpc_stream *st = c->streams; st; st = st->next)
            if (receiver_grpc_stream_overdue(st, now - limit)) {
                receiver_grpc_stream_expire(st);
                expired = true;
            }
        if (expired)
            receiver_grpc_conn_flush(c);
    }
}

/* alpn_select - "h2" for gRPC connections; for others (the HTTP transport may share the
 * SSL_CTX) "http/1.1" when offered. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char h2[] = "\x02h2", h1[] = "\x08http/1.1";
    bool grpc = alpn_index >= 0 && SSL_get_ex_data(ssl, alpn_index) != NULL;
    const unsigned char *want = grpc ? h2 : h1;
    unsigned int wantlen = grpc ? sizeof h2 - 1 : sizeof h1 - 1;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, want, wantlen, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

int receiver_grpc_server_start(struct receiver *r, const char *addr, struct grpc_server **out,
                      struct o2p_error *err)
{
    char host[256], port[8];
    uint16_t port_num;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai = NULL;
    int rc = cfg_addr_split("receiver.grpc", addr, host, sizeof host, &port_num, err);
    if (rc != O2P_OK)
        return rc;
    snprintf(port, sizeof port, "%u", port_num);
    struct grpc_server *s = calloc(1, sizeof *s);
    if (!s)
        return o2p_fail(err, O2P_ENOMEM, "grpc server: out of memory");
    s->r = r;
    s->cfg = receiver_config(r);
    s->base = receiver_event_base(r);
    s->ssl_ctx = receiver_tls_ctx(r);
    snprintf(s->addr, sizeof s->addr, "%s", addr);
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gai != 0) {
        rc = o2p_fail(err, O2P_EINVAL, "receiver.grpc \"%s\": %s", addr, gai_strerror(gai));
        goto fail;
    }
    s->listener = evconnlistener_new_bind(
        s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        1024, ai->ai_addr, (int)ai->ai_addrlen);
    if (!s->listener) {
        rc = o2p_fail_errno(err, "listen on receiver.grpc %s (is another receiver running?)",
                            addr);
        goto fail;
    }
    s->resume_ev = event_new(s->base, -1, 0, on_resume, s);
    s->deadline_ev = event_new(s->base, -1, EV_PERSIST, on_deadline, s);
    if (!s->resume_ev || !s->deadline_ev ||
        receiver_accept_pause_init(&s->accept_pause, s->base, s->listener, "grpc") != O2P_OK || receiver_grpc_stream_session_callbacks_new(&s->callbacks) != O2P_OK ||
        nghttp2_option_new(&s->option) != 0) {
        rc = o2p_fail(err, O2P_ENOMEM, "grpc server: out of memory");
        goto fail;
    }
    nghttp2_option_set_no_auto_window_update(s->option, 1);
    struct timeval scan = receiver_deadline_scan_interval(s->cfg);
    event_add(s->deadline_ev, &scan);
    if (s->ssl_ctx) {
        if (alpn_index < 0)
            alpn_index = SSL_get_ex_new_index(0, (void *)"o2p-grpc", NULL, NULL, NULL);
        SSL_CTX_set_alpn_select_cb(s->ssl_ctx, alpn_select, NULL);
    }
    freeaddrinfo(ai);
    log_info("receiver", "op=listen transport=grpc addr=%s tls=%s", addr,
             s->ssl_ctx ? "yes" : "no");
    *out = s;
    return O2P_OK;
fail:
    if (ai)
        freeaddrinfo(ai);
    receiver_grpc_server_free(s);
    return rc;
}

int receiver_grpc_server_drain(struct grpc_server *s)
{
    if (s->listener) {
        receiver_accept_pause_free(&s->accept_pause);
        evconnlistener_free(s->listener);
        s->listener = NULL;
    }
    int open = 0;
    struct grpc_conn *next;
    for (struct grpc_conn *c = s->conns; c; c = next) {
        next = c->next;
        if (!c->draining) {
            /* Graceful GOAWAY: streams already started still get their answers; nghttp2
             * stops wanting I/O once they are closed, and receiver_grpc_conn_flush frees the
             * connection. */
            c->draining = true;
            nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(c->session),
                                  NGHTTP2_NO_ERROR, NULL, 0);
        }
        if (receiver_grpc_conn_flush(c))
            open++;
    }
    return open;
}

void receiver_grpc_server_free(struct grpc_server *s)
{
    if (!s)
        return;
    receiver_accept_pause_free(&s->accept_pause);
    if (s->listener)
        evconnlistener_free(s->listener);
    while (s->conns) {
        struct grpc_conn *c = s->conns;
        /* Best effort GOAWAY: the loop may not run again, so write it directly. */
        nghttp2_session_terminate_session(c->session, NGHTTP2_NO_ERROR);
        struct evbuffer *o = bufferevent_get_output(c->bev);
        const uint8_t *data;
        ssize_t n;
        while (evbuffer_get_length(o) < GRPC_OUTPUT_HIGH &&
               (n = nghttp2_session_mem_send(c->session, &data)) > 0)
            evbuffer_add(o, data, (size_t)n);
        if (!c->tls)
            evbuffer_write(o, bufferevent_getfd(c->bev));
        conn_free(c);
    }
    if (s->resume_ev)
        event_free(s->resume_ev);
    if (s->deadline_ev)
        event_free(s->deadline_ev);
    if (s->callbacks)
        nghttp2_session_callbacks_del(s->callbacks);
    if (s->option)
        nghttp2_option_del(s->option);
    free(s);
}
