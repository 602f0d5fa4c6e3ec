/*
 * receiver_http.c - OTLP/HTTP on libevent's evhttp: POST /v1/{logs,traces,metrics} with
 * protobuf or JSON bodies (Content-Length or chunked; gzip, deflate or zstd), plus
 * GET /health, /ready and /metrics.
 *
 * A request's life: receiver_http_conn checks its framing as the bytes arrive (RFC 9112;
 * receiver_http_frame), answering bad framing and bodies over receiver.max_request_bytes
 * itself -> evhttp reads headers and body (and answers 400 past max_header_bytes) ->
 * on_request checks path, method,
 * auth, content type and encoding -> decompress (bounded) -> receiver_ingest (which copies
 * the body, so the request's input buffer is not used after it returns) -> a decode thread
 * validates it, or receiver_ingest does inline -> the group commit makes it durable ->
 * on_ingested sends 200 with the Export*ServiceResponse (or the decode thread's 400/413). If the
 * client disconnects meanwhile, evhttp keeps the request object detached until we reply, and
 * evhttp_send_reply then just frees it.
 *
 * Error bodies are google.rpc.Status (protobuf: code=1, message=2) or its JSON form, as the
 * OTLP/HTTP specification asks, in the request's format (framing refusals are text/plain: no
 * request was parsed). /metrics needs the bearer token when one is configured, unless
 * receiver.metrics_public; /health and /ready never do (probes carry no secrets).
 */
#include "receiver/receiver_accept.h"
#include "receiver/receiver_http_conn.h"

#include "common/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_server {
    struct receiver *r;
    struct evhttp *http;
    struct evhttp_bound_socket *listener;
    struct receiver_accept_pause accept_pause; /* accept() failing: pause, do not spin */
    struct http_conns *conns;
};

struct export_call {
    struct http_server *s;
    struct evhttp_request *req;
    enum ingest_format fmt;
};

/* google.rpc.Status codes used in error bodies. */
enum { RPC_INVALID_ARGUMENT = 3, RPC_NOT_FOUND = 5, RPC_RESOURCE_EXHAUSTED = 8,
       RPC_UNIMPLEMENTED = 12, RPC_INTERNAL = 13, RPC_UNAVAILABLE = 14, RPC_UNAUTHENTICATED = 16 };

static void put_varint(struct buf *b, uint64_t v)
{
    while (v >= 0x80) {
        buf_append_byte(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    buf_append_byte(b, (uint8_t)v);
}

static void status_body(struct buf *b, enum ingest_format fmt, int code, const char *msg)
{
    if (fmt == INGEST_JSON) {
        buf_printf(b, "{\"code\":%d,\"message\":\"", code);
        for (const char *p = msg; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\')
                buf_printf(b, "\\%c", c);
            else if (c < 0x20)
                buf_printf(b, "\\u%04x", c);
            else
                buf_append_byte(b, c);
        }
        buf_append(b, "\"}", 2);
        return;
    }
    size_t n = strlen(msg);
    buf_append_byte(b, 0x08); /* field 1, varint */
    put_varint(b, (uint64_t)code);
    buf_append_byte(b, 0x12); /* field 2, length-delimited */
    put_varint(b, n);
    buf_append(b, msg, n);
}

static void send_body(struct http_server *s, struct evhttp_request *req, int status, const char *reason,
                      const char *content_type, const void *body, size_t len)
{
    struct receiver *r = s->r;
    receiver_http_conn_request_answered(s->conns, req);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    if (r->draining)
        evhttp_add_header(h, "Connection", "close");
    if (content_type)
        evhttp_add_header(h, "Content-Type", content_type);
    struct evbuffer *ob = evbuffer_new();
    if (ob && len)
        evbuffer_add(ob, body, len);
    evhttp_send_reply(req, status, reason, ob);
    if (ob)
        evbuffer_free(ob);
    receiver_count_request(r, TRANSPORT_HTTP, status);
}

static void send_error(struct http_server *s, struct evhttp_request *req, enum ingest_format fmt,
                       int status, const char *reason, int rpc_code, const char *msg)
{
    struct receiver *r = s->r;
    struct buf b;
    buf_init(&b, 0);
    status_body(&b, fmt, rpc_code, msg);
    if (status == 429 || status == 503) {
        char ra[32];
        uint64_t s = (r->cfg->receiver.retry_after_ms + 999) / 1000;
        snprintf(ra, sizeof ra, "%llu", (unsigned long long)(s ? s : 1));
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", ra);
    }
    if (status == 401)
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer");
    send_body(s, req, status, reason, fmt == INGEST_JSON ? "application/json" : "application/x-protobuf",
              b.data, b.len);
    buf_free(&b);
}

static void send_text(struct http_server *s, struct evhttp_request *req, int status, const char *reason,
                      const char *text)
{
    send_body(s, req, status, reason, "text/plain; charset=utf-8", text, strlen(text));
}

static void on_ingested(void *ctx, const struct ingest_result *res)
{
    struct export_call *hr = ctx;
    struct http_server *s = hr->s;
    struct receiver *r = s->r;
    if (res->code == O2P_OK) {
        struct buf b;
        buf_init(&b, 0);
        receiver_ingest_response_encode(res, hr->fmt, &b);
        send_body(s, hr->req, 200, "OK",
                  hr->fmt == INGEST_JSON ? "application/json" : "application/x-protobuf", b.data, b.len);
        buf_free(&b);
    } else if (res->code == O2P_EFULL || res->code == O2P_ESLOW) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_SPOOL_FULL);
        if (res->code == O2P_ESLOW)
            send_error(s, hr->req, hr->fmt, 429, "Too Many Requests", RPC_RESOURCE_EXHAUSTED, res->message);
        else
            send_error(s, hr->req, hr->fmt, 503, "Service Unavailable", RPC_UNAVAILABLE, res->message);
    } else if (res->code == O2P_EAGAIN) {
        /* the commit could not be tried (the spool failed): retryable, as for receiver_ingest's */
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_NOT_READY);
        send_error(s, hr->req, hr->fmt, 503, "Service Unavailable", RPC_UNAVAILABLE, res->message);
    } else if (res->code == O2P_EINVAL || res->code == O2P_EPROTO) {
        /* refused by a decode thread (counted there), as receiver_ingest refuses inline */
        send_error(s, hr->req, hr->fmt, 400, "Bad Request", RPC_INVALID_ARGUMENT, res->message);
    } else if (res->code == O2P_ETOOBIG) {
        send_error(s, hr->req, hr->fmt, 413, "Payload Too Large", RPC_RESOURCE_EXHAUSTED, res->message);
    } else {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_INTERNAL);
        send_error(s, hr->req, hr->fmt, 500, "Internal Server Error", RPC_INTERNAL, res->message);
    }
    free(hr);
}

/* media_type_is - compare the type/subtype of a Content-Type, ignoring parameters. */
static bool media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (strncasecmp(ct, want, n) != 0)
        return false;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

static void handle_export(struct http_server *s, struct evhttp_request *req, enum o2p_signal sig)
{
    struct receiver *r = s->r;
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *ct = evhttp_find_header(in, "Content-Type");
    enum ingest_format fmt = INGEST_PROTOBUF;
    if (ct && media_type_is(ct, "application/json"))
        fmt = INGEST_JSON;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_METHOD);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        send_error(s, req, fmt, 405, "Method Not Allowed", RPC_UNIMPLEMENTED,
                   "OTLP export endpoints accept POST only");
        return;
    }
    if (!receiver_auth_ok(r, evhttp_find_header(in, "Authorization"))) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_UNAUTHORIZED);
        send_error(s, req, fmt, 401, "Unauthorized", RPC_UNAUTHENTICATED,
                   "missing or wrong bearer token (Authorization: Bearer <token>)");
        return;
    }
    if (!ct || (!media_type_is(ct, "application/x-protobuf") && fmt != INGEST_JSON)) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_MEDIA_TYPE);
        char msg[300];
        snprintf(msg, sizeof msg, "unsupported Content-Type \"%.200s\": use application/x-protobuf or application/json",
                 ct ? ct : "");
        send_error(s, req, fmt, 415, "Unsupported Media Type", RPC_INVALID_ARGUMENT, msg);
        return;
    }
    const char *ce = evhttp_find_header(in, "Content-Encoding");
    enum content_coding coding;
    if (receiver_decompress_coding_parse(ce, &coding) != O2P_OK) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_ENCODING);
        char msg[300];
        snprintf(msg, sizeof msg, "unsupported Content-Encoding \"%.200s\": use gzip, deflate, zstd or none", ce);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Accept-Encoding", "gzip, deflate, zstd");
        send_error(s, req, fmt, 415, "Unsupported Media Type", RPC_INVALID_ARGUMENT, msg);
        return;
    }
    struct evbuffer *ib = evhttp_request_get_input_buffer(req);
    size_t wire = evbuffer_get_length(ib);
    receiver_count_bytes(r, TRANSPORT_HTTP, wire);
    const uint8_t *body = wire ? evbuffer_pullup(ib, -1) : (const uint8_t *)"";
    struct buf plain;
    buf_init(&plain, 0);
    struct o2p_error err = {0};
    int rc = O2P_OK;
    if (coding != CODING_IDENTITY) {
        rc = receiver_decompress_body(coding, body, wire, r->cfg->receiver.max_decompressed_bytes, &plain, &err);
        body = plain.data ? plain.data : (const uint8_t *)"";
        wire = plain.len;
    }
    struct export_call *hr = NULL;
    if (rc == O2P_OK) {
        hr = malloc(sizeof *hr);
        if (!hr)
            rc = o2p_fail(&err, O2P_ENOMEM, "out of memory");
    }
    if (rc == O2P_OK) {
        *hr = (struct export_call){.s = s, .req = req, .fmt = fmt};
        rc = receiver_ingest(r, TRANSPORT_HTTP, sig, fmt, body, wire, on_ingested, hr, &err);
        if (rc != O2P_OK) {
            free(hr);
            hr = NULL;
        }
    } else if (rc == O2P_ETOOBIG) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_TOO_LARGE);
    } else if (rc == O2P_EINVAL) {
        receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_MALFORMED);
    }
    buf_free(&plain);
    switch (rc) {
    case O2P_OK: return;
    case O2P_ETOOBIG: send_error(s, req, fmt, 413, "Payload Too Large", RPC_RESOURCE_EXHAUSTED, err.msg); return;
    case O2P_EINVAL:
    case O2P_EPROTO: send_error(s, req, fmt, 400, "Bad Request", RPC_INVALID_ARGUMENT, err.msg); return;
    case O2P_ESLOW: send_error(s, req, fmt, 429, "Too Many Requests", RPC_RESOURCE_EXHAUSTED, err.msg); return;
    case O2P_EFULL: send_error(s, req, fmt, 503, "Service Unavailable", RPC_UNAVAILABLE, err.msg); return;
    case O2P_EAGAIN: send_error(s, req, fmt, 503, "Service Unavailable", RPC_UNAVAILABLE, err.msg); return;
    default: send_error(s, req, fmt, 500, "Internal Server Error", RPC_INTERNAL, err.msg); return;
    }
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct http_server *s = arg;
    struct receiver *r = s->r;
    receiver_http_conn_request_read(s->conns, req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path)
        path = "/";
    static const char *const export_paths[O2P_SIGNAL_COUNT] = {"/v1/logs", "/v1/traces", "/v1/metrics"};
    for (int sig = 0; sig < O2P_SIGNAL_COUNT; sig++)
        if (!strcmp(path, export_paths[sig]) || (!strncmp(path, export_paths[sig], strlen(export_paths[sig])) &&
                                                 !strcmp(path + strlen(export_paths[sig]), "/"))) {
            handle_export(s, req, sig);
            return;
        }
    bool get = evhttp_request_get_command(req) == EVHTTP_REQ_GET ||
               evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
    if (!strcmp(path, "/health") || !strcmp(path, "/ready") || !strcmp(path, "/metrics")) {
        if (!get) {
            receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_METHOD);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
            send_text(s, req, 405, "Method Not Allowed", "use GET\n");
        } else if (!strcmp(path, "/health")) {
            send_text(s, req, 200, "OK", "ok\n");
        } else if (!strcmp(path, "/ready")) {
            if (atomic_load(&r->ready))
                send_text(s, req, 200, "OK", "ready\n");
            else
                send_text(s, req, 503, "Service Unavailable", "recovering the spool\n");
        } else if (!r->cfg->receiver.metrics_public && !receiver_auth_ok(r, evhttp_find_header(
                                                             evhttp_request_get_input_headers(req), "Authorization"))) {
            /* The metrics name tables, queue depths and rejection counts: not for anyone who
             * can reach the port when exports need a token. */
            receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_UNAUTHORIZED);
            evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer");
            send_text(s, req, 401, "Unauthorized",
                      "missing or wrong bearer token (Authorization: Bearer <token>); receiver.metrics_public=true "
                      "serves /metrics without it\n");
        } else {
            struct buf b;
            buf_init(&b, 0);
            if (receiver_metrics_render(r, &b) == O2P_OK)
                send_body(s, req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
            else
                send_text(s, req, 500, "Internal Server Error", "metrics rendering failed\n");
            buf_free(&b);
        }
        return;
    }
    receiver_count_rejection_reason(r, TRANSPORT_HTTP, REJECT_NOT_FOUND);
    char msg[300];
    snprintf(msg, sizeof msg, "no such path \"%.200s\": export to /v1/logs, /v1/traces or /v1/metrics", path);
    send_error(s, req, INGEST_PROTOBUF, 404, "Not Found", RPC_NOT_FOUND, msg);
}

int receiver_http_start(struct receiver *r, const char *addr, struct http_server **out,
                      struct o2p_error *err)
{
    char host[256];
    uint16_t port;
    int rc = cfg_addr_split("receiver.http", addr, host, sizeof host, &port, err);
    if (rc != O2P_OK)
        return rc;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    s->r = r;
    s->http = evhttp_new(r->base);
    if (!s->http) {
        free(s);
        return o2p_fail(err, O2P_ENOMEM, "evhttp_new failed");
    }
    const struct o2p_config *c = r->cfg;
    evhttp_set_max_body_size(s->http, (ev_ssize_t)c->receiver.max_request_bytes);
    evhttp_set_max_headers_size(s->http, (ev_ssize_t)c->receiver.max_header_bytes);
    evhttp_set_timeout(s->http, (int)((c->receiver.idle_timeout_ms + 999) / 1000));
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(s->http, "text/plain; charset=utf-8");
    rc = receiver_http_conn_start(r, s->http, r->tls, &s->conns, err);
    if (rc != O2P_OK) {
        evhttp_free(s->http);
        free(s);
        return rc;
    }
    evhttp_set_gencb(s->http, on_request, s);
    s->listener = evhttp_bind_socket_with_handle(s->http, host, port);
    if (!s->listener) {
        rc = o2p_fail_errno(err, "listen on %s (receiver.http)", addr);
        evhttp_free(s->http);
        receiver_http_conn_free(s->conns);
        free(s);
        return rc;
    }
    if (receiver_accept_pause_init(&s->accept_pause, r->base, evhttp_bound_socket_get_listener(s->listener),
                                   "http") != O2P_OK) {
        receiver_http_free(s);
        return o2p_fail(err, O2P_ENOMEM, "listen on %s (receiver.http): out of memory", addr);
    }
    log_info("receiver", "op=listen transport=http addr=%s tls=%s auth=%s", addr, r->tls ? "on" : "off",
             r->auth_token ? "bearer" : "none");
    *out = s;
    return O2P_OK;
}

void receiver_http_stop_accepting(struct http_server *s)
{
    if (s && s->listener) {
        receiver_accept_pause_free(&s->accept_pause);
        evhttp_del_accept_socket(s->http, s->listener);
        s->listener = NULL;
    }
}

void receiver_http_free(struct http_server *s)
{
    if (!s)
        return;
    receiver_accept_pause_free(&s->accept_pause);
    evhttp_free(s->http); /* closes the connections: their close callbacks run first */
    receiver_http_conn_free(s->conns);
    free(s);
}
