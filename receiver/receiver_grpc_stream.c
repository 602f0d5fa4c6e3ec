/*
 * receiver_grpc_stream.c - one OTLP/gRPC Export call on an HTTP/2 stream: the nghttp2
 * callbacks, request validation, the Length-Prefixed-Message, decompression, the hand-off to
 * receiver_ingest() and the response.
 *
 * Owns: struct grpc_stream (the per-call context, nghttp2 stream user data and the `ctx` of
 * receiver_ingest), its body and response buffers.
 *
 * State machine of a stream (function performing each transition in brackets):
 *
 *   GS_HEADERS --headers ok [headers_done]------------------> GS_BODY
 *   GS_HEADERS --405/415/UNAUTHENTICATED/UNIMPLEMENTED/
 *                headers too big [headers_done -> reject]---> GS_REJECTED | GS_RESPONDING
 *   GS_BODY    --DATA [on_data_chunk_recv]------------------> GS_BODY (body grows, ceiling)
 *   GS_BODY    --too big / bad prefix [reject]--------------> GS_REJECTED
 *   GS_BODY    --END_STREAM, bad frame/encoding/body,
 *                ingest refused [request_end -> reject]-----> GS_RESPONDING
 *   GS_BODY    --END_STREAM, queued [request_end]-----------> GS_INGESTING
 *   GS_INGESTING --done [on_ingest_done]--------------------> GS_RESPONDING
 *   any        --stream closed (RST_STREAM, response sent,
 *                connection gone) [on_stream_close,
 *                receiver_grpc_stream_orphan]------------------------> freed, except GS_INGESTING:
 *                                                             kept (closed or orphaned) until
 *                                                             `done`, which then frees it.
 * GS_REJECTED means an answer was sent before the client finished its request: the answer is
 * Trailers-Only (END_STREAM) followed by RST_STREAM(NO_ERROR) so the client stops sending,
 * and DATA still arriving is consumed (flow control) and dropped.
 *
 * Invariants: a stream in GS_INGESTING has no body bytes buffered (receiver_ingest copies)
 * and is counted in conn->inflight; `done` runs exactly once per GS_INGESTING stream and is
 * the only place such a stream is freed. A stream's buffered body bytes are counted in
 * srv->buffered until receiver_grpc_flow_release().
 *
 * Responses: success = HEADERS(:status 200, content-type application/grpc), DATA (the
 * length-prefixed Export*ServiceResponse, uncompressed), trailers (grpc-status 0). Every error
 * is Trailers-Only with grpc-status and a percent-encoded grpc-message; UNAVAILABLE (spool
 * full) adds grpc-retry-pushback-ms. Non-POST gets HTTP 405, a non-gRPC content-type 415.
 *
 * Not done here: grpc-timeout is ignored (the answer waits for durability either way; a
 * client that gives up cancels with RST_STREAM); responses are never compressed.
 */
#include "receiver/receiver_grpc.h"

#include "common/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_IS(name, len, lit) ((len) == sizeof(lit) - 1 && memcmp((name), (lit), (len)) == 0)
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE}

static void on_ingest_done(void *ctx, const struct ingest_result *result);

/* responding - the answer is submitted: from now on the response deadline runs. */
static void responding(struct grpc_stream *st)
{
    st->state = GS_RESPONDING;
    st->responding_ns = clock_mono_ns();
}

struct grpc_stream *receiver_grpc_stream_new(struct grpc_conn *c, int32_t id)
{
    struct grpc_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->conn = c;
    st->r = c->srv->r;
    c->srv->streams++;
    c->open_streams++;
    st->id = id;
    st->signal = -1;
    st->state = GS_HEADERS;
    st->started_ns = clock_mono_ns();
    buf_init(&st->body, c->srv->cfg->receiver.max_request_bytes + GRPC_PREFIX_LEN);
    buf_init(&st->resp, 0);
    st->next = c->streams;
    if (c->streams)
        c->streams->prev = st;
    c->streams = st;
    return st;
}

static void unlink_from_conn(struct grpc_stream *st)
{
    struct grpc_conn *c = st->conn;
    if (!c)
        return;
    c->open_streams--;
    if (st->prev)
        st->prev->next = st->next;
    else
        c->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
}

void receiver_grpc_stream_free(struct grpc_stream *st)
{
    if (st->conn) {
        receiver_grpc_flow_release(st->conn->srv, st);
        st->conn->srv->streams--;
    }
    unlink_from_conn(st);
    buf_free(&st->body);
    buf_free(&st->resp);
    free(st);
}

void receiver_grpc_stream_orphan(struct grpc_stream *st)
{
    st->conn->srv->streams--;
    unlink_from_conn(st);
    st->conn = NULL;
}

/* count - metrics for one answered call: `code` is the grpc-status, or the HTTP status when
 * the answer was not gRPC (405/415). */
static void count(struct grpc_stream *st, int code, const char *reason)
{
    receiver_count_request(st->r, TRANSPORT_GRPC, code);
    if (reason)
        receiver_count_rejection(st->r, TRANSPORT_GRPC, reason);
}

/* submit_trailers_only - an error answer in one HEADERS frame with END_STREAM. */
static int submit_trailers_only(struct grpc_stream *st, int status, const char *msg)
{
    struct grpc_conn *c = st->conn;
    char code[12], emsg[512], pushback[24];
    snprintf(code, sizeof code, "%d", status);
    receiver_grpc_frame_percent_encode(msg ? msg : "", emsg, sizeof emsg);
    nghttp2_nv nv[6] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                        NV("grpc-status", code), NV("grpc-message", emsg)};
    size_t n = 4;
    if (status == GRPC_UNIMPLEMENTED)
        nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", GRPC_ACCEPT_ENCODING);
    if (status == GRPC_UNAVAILABLE) {
        snprintf(pushback, sizeof pushback, "%llu",
                 (unsigned long long)c->srv->cfg->receiver.retry_after_ms);
        nv[n++] = (nghttp2_nv)NV("grpc-retry-pushback-ms", pushback);
    }
    return nghttp2_submit_response(c->session, st->id, nv, n, NULL);
}

/* after_early_answer - the client has not finished its request: drop what it still sends;
 * on_frame_send stops it with RST_STREAM(NO_ERROR) once the answer is on the wire (HTTP/2
 * §8.1; submitted earlier, the RST_STREAM would discard the queued answer). */
static void after_early_answer(struct grpc_stream *st)
{
    receiver_grpc_flow_release(st->conn->srv, st);
    buf_free(&st->body);
    st->state = GS_REJECTED;
}

/* reject - answer a gRPC error now; `ended`: the client has sent END_STREAM. */
static void reject(struct grpc_stream *st, int status, const char *msg, bool ended)
{
    st->status = status;
    count(st, status, receiver_grpc_frame_reason_for_status(status));
    log_debug("receiver", "op=grpc_reject stream=%d status=%d msg=\"%s\"", st->id, status,
              msg ? msg : "");
    if (submit_trailers_only(st, status, msg) != 0) {
        nghttp2_submit_rst_stream(st->conn->session, NGHTTP2_FLAG_NONE, st->id,
                                  NGHTTP2_INTERNAL_ERROR);
    }
    if (ended) {
        responding(st);
        receiver_grpc_flow_release(st->conn->srv, st);
        buf_free(&st->body);
    } else {
        after_early_answer(st);
    }
}

bool receiver_grpc_stream_overdue(const struct grpc_stream *st, uint64_t since_ns)
{
    if (st->closed)
        return false;
    if (st->state == GS_RESPONDING)
        return st->responding_ns < since_ns;
    return (st->state == GS_HEADERS || st->state == GS_BODY) && st->started_ns < since_ns;
}

void receiver_grpc_stream_expire(struct grpc_stream *st)
{
    if (st->state == GS_RESPONDING) {
        /* The answer could not be sent within receiver.request_timeout: the client keeps its
         * flow-control window shut (SETTINGS_INITIAL_WINDOW_SIZE 0) or does not read. Held
         * open, such calls would take the slots of every other client. The call was durable;
         * a client that cannot hear so may retry it. */
        log_info("receiver", "op=grpc_request stream=%d err=\"answer not sent within receiver.request_timeout: the "
                             "client does not take it\" action=rst_stream_cancel", st->id);
        receiver_count_rejection(st->r, TRANSPORT_GRPC, "slow_client");
        st->responding_ns = UINT64_MAX; /* once */
        nghttp2_submit_rst_stream(st->conn->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
        return;
    }
    log_info("receiver", "op=grpc_request stream=%d err=\"request not received whole within receiver.request_timeout\" "
                         "action=deadline_exceeded", st->id);
    reject(st, GRPC_DEADLINE_EXCEEDED, "request not received whole within receiver.request_timeout",
           st->remote_ended);
}

/* reject_http - a non-gRPC answer (405 wrong method, 415 wrong content-type). */
static void reject_http(struct grpc_stream *st, int http_status, bool ended)
{
    char code[8];
    snprintf(code, sizeof code, "%d", http_status);
    nghttp2_nv nv[] = {NV(":status", code), NV("allow", "POST")};
    count(st, http_status, http_status == 405 ? "method" : "unsupported_media_type");
    nghttp2_submit_response(st->conn->session, st->id, nv, http_status == 405 ? 2 : 1, NULL);
    if (ended) {
        responding(st);
    } else {
        after_early_answer(st);
    }
}

/* headers_done - the request's header block is complete: decide whether to accept it. */
static void headers_done(struct grpc_stream *st, bool ended)
{
    const struct o2p_config *cfg = st->conn->srv->cfg;
    char msg[256];
    if (st->header_bytes > cfg->receiver.max_header_bytes) {
        snprintf(msg, sizeof msg,
                 "request headers larger than receiver.max_header_bytes (%llu bytes)",
                 (unsigned long long)cfg->receiver.max_header_bytes);
        reject(st, GRPC_RESOURCE_EXHAUSTED, msg, ended);
        return;
    }
    if (!st->method_post) {
        reject_http(st, 405, ended);
        return;
    }
    if (!st->content_type_ok) {
        reject_http(st, 415, ended);
        return;
    }
    if (!st->auth_seen)
        st->auth_ok = receiver_auth_ok(st->r, NULL);
    if (!st->auth_ok) {
        reject(st, GRPC_UNAUTHENTICATED,
               "missing or wrong bearer token: send metadata \"authorization: Bearer <token>\" "
               "matching receiver.auth_token_file",
               ended);
        return;
    }
    if (st->signal < 0) {
        reject(st, GRPC_UNIMPLEMENTED,
               "unknown method: this server implements only the OTLP Export methods of "
               "TraceService, LogsService and MetricsService",
               ended);
        return;
    }
    st->state = GS_BODY;
}

/* request_end - END_STREAM from the client: parse, decompress and queue the message. */
static void request_end(struct grpc_stream *st)
{
    if (st->state != GS_BODY)
        return;
    struct grpc_conn *c = st->conn;
    const struct o2p_config *cfg = c->srv->cfg;
    struct o2p_error err = {0};
    struct grpc_msg m;
    struct buf plain;
    buf_init(&plain, 0);
    receiver_count_bytes(st->r, TRANSPORT_GRPC, st->wire_bytes);
    int rc = receiver_grpc_frame_parse(st->body.data, st->body.len, cfg->receiver.max_request_bytes, &m,
                              &err);
    if (rc != O2P_OK) {
        reject(st, rc == O2P_ETOOBIG ? GRPC_RESOURCE_EXHAUSTED : GRPC_INTERNAL, err.msg, true);
        return;
    }
    const uint8_t *body = m.data;
    size_t len = m.len;
    if (m.compressed) {
        if (!st->has_encoding || (st->encoding_ok && st->coding == CODING_IDENTITY)) {
            reject(st, GRPC_INTERNAL,
                   "compressed flag set but no grpc-encoding header names the compression",
                   true);
            return;
        }
        if (!st->encoding_ok) {
            reject(st, GRPC_UNIMPLEMENTED,
                   "unsupported grpc-encoding: use one of " GRPC_ACCEPT_ENCODING, true);
            return;
        }
        rc = receiver_decompress_body(st->coding, m.data, m.len, cfg->receiver.max_decompressed_bytes,
                             &plain, &err);
        if (rc != O2P_OK) {
            if (rc == O2P_ETOOBIG && !err.msg[0])
                snprintf(err.msg, sizeof err.msg,
                         "decompressed message larger than receiver.max_decompressed_bytes");
            reject(st, rc == O2P_ETOOBIG ? GRPC_RESOURCE_EXHAUSTED
                       : rc == O2P_ENOMEM ? GRPC_INTERNAL : GRPC_INVALID_ARGUMENT,
                   err.msg[0] ? err.msg : "corrupt compressed message", true);
            buf_free(&plain);
            return;
        }
        body = plain.data;
        len = plain.len;
    }
    st->state = GS_INGESTING;
    st->ingest_bytes = len;
    c->inflight++;
    c->inflight_bytes += len;
    c->srv->inflight_bytes += len;
    rc = receiver_ingest(st->r, TRANSPORT_GRPC, (enum o2p_signal)st->signal, INGEST_PROTOBUF,
                         body ? body : (const uint8_t *)"", len, on_ingest_done, st, &err);
    buf_free(&plain);
    if (rc != O2P_OK) {
        c->inflight--;
        c->inflight_bytes -= len;
        c->srv->inflight_bytes -= len;
        st->state = GS_BODY;
        reject(st, receiver_grpc_frame_status_for_error(rc), err.msg[0] ? err.msg : o2p_strerror(rc), true);
        return;
    }
    /* receiver_ingest copied the message: the wire body is no longer needed. */
    receiver_grpc_flow_release(c->srv, st);
    buf_free(&st->body);
}

/* read_response - nghttp2 data source: the response message, then the trailers. */
static ssize_t read_response(nghttp2_session *session, int32_t stream_id, uint8_t *out,
                             size_t length, uint32_t *data_flags, nghttp2_data_source *source,
                             void *user_data)
{
    struct grpc_stream *st = source->ptr;
    size_t n = st->resp.len - st->resp_off;
    if (n > length)
        n = length;
    if (n)
        memcpy(out, st->resp.data + st->resp_off, n);
    st->resp_off += n;
    if (st->resp_off == st->resp.len) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv tr[] = {NV("grpc-status", "0")};
        if (nghttp2_submit_trailer(session, stream_id, tr, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)n;
}

/* respond_ok - the full success response for a durable request. */
static void respond_ok(struct grpc_stream *st, const struct ingest_result *result)
{
    static const uint8_t zero[GRPC_PREFIX_LEN];
    buf_reset(&st->resp);
    int rc = buf_append(&st->resp, zero, sizeof zero);
    if (rc == O2P_OK)
        rc = receiver_ingest_response_encode(result, INGEST_PROTOBUF, &st->resp);
    if (rc != O2P_OK) {
        reject(st, GRPC_INTERNAL, "cannot encode the Export response", true);
        return;
    }
    size_t n = st->resp.len - GRPC_PREFIX_LEN;
    st->resp.data[1] = (uint8_t)(n >> 24);
    st->resp.data[2] = (uint8_t)(n >> 16);
    st->resp.data[3] = (uint8_t)(n >> 8);
    st->resp.data[4] = (uint8_t)n;
    st->resp_off = 0;
    nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                       NV("grpc-accept-encoding", GRPC_ACCEPT_ENCODING)};
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = read_response};
    responding(st);
    st->status = GRPC_OK;
    count(st, GRPC_OK, NULL);
    if (nghttp2_submit_response(st->conn->session, st->id, nv, 3, &prd) != 0)
        nghttp2_submit_rst_stream(st->conn->session, NGHTTP2_FLAG_NONE, st->id,
                                  NGHTTP2_INTERNAL_ERROR);
}

/* on_ingest_done - receiver_ingest's `done`: answer, or free a context nobody waits for. */
static void on_ingest_done(void *ctx, const struct ingest_result *result)
{
    struct grpc_stream *st = ctx;
    struct grpc_conn *c = st->conn;
    int status = receiver_grpc_frame_status_for_error(result->code);
    if (c) {
        c->inflight--;
        c->inflight_bytes -= st->ingest_bytes;
        c->srv->inflight_bytes -= st->ingest_bytes;
        if (c->srv->any_paused)
            receiver_grpc_server_schedule_resume(c->srv);
    }
    if (!c || st->closed) {
        /* The client went away (RST_STREAM or connection closed): nobody to answer. */
        count(st, status, status == GRPC_OK ? NULL : receiver_grpc_frame_reason_for_status(status));
        if (c)
            st->state = GS_RESPONDING; /* receiver_grpc_stream_free releases nothing more */
        receiver_grpc_stream_free(st);
        return;
    }
    if (result->code == O2P_OK) {
        respond_ok(st, result);
    } else {
        const char *m = result->message && result->message[0] ? result->message
                                                                : o2p_strerror(result->code);
        reject(st, status, m, true);
    }
    if (!c->in_session)
        receiver_grpc_conn_flush(c);
}

/* ---- nghttp2 callbacks (user_data is the struct grpc_conn) ----------------------------- */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame,
                            void *user_data)
{
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    struct grpc_conn *c = user_data;
    int open = c->srv->streams;
    if (open >= GRPC_MAX_OPEN_STREAMS || (open >= GRPC_SHARED_STREAMS && c->open_streams >= GRPC_FAIR_STREAMS) ||
        (open >= GRPC_MAX_OPEN_STREAMS - GRPC_LIGHT_RESERVE && c->open_streams >= GRPC_LIGHT_STREAMS)) {
        /* Each open stream may be sent its window (64 KiB) before we can say no: refusing
         * past this bounds that memory. REFUSED_STREAM: not processed, clients retry. Past
         * GRPC_SHARED_STREAMS only connections with few calls open get more, so a few
         * greedy connections cannot take every slot from the rest. */
        receiver_count_rejection(c->srv->r, TRANSPORT_GRPC, "busy");
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_REFUSED_STREAM);
        return 0;
    }
    struct grpc_stream *st = receiver_grpc_stream_new(c, frame->hd.stream_id);
    if (!st)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM(INTERNAL_ERROR) */
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, st);
    return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    struct grpc_stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!st)
        return 0;
    /* RFC 7541 §4.1 size, the measure SETTINGS_MAX_HEADER_LIST_SIZE uses. */
    st->header_bytes += namelen + valuelen + 32;
    if (st->header_bytes > st->conn->srv->cfg->receiver.max_header_bytes)
        return 0; /* headers_done answers RESOURCE_EXHAUSTED */
    /* nghttp2 guarantees name and value are NUL-terminated. */
    if (NAME_IS(name, namelen, ":method")) {
        st->method_post = NAME_IS(value, valuelen, "POST");
    } else if (NAME_IS(name, namelen, ":path")) {
        st->signal = receiver_grpc_frame_path_signal(value, valuelen);
    } else if (NAME_IS(name, namelen, "content-type")) {
        const char *ct = "application/grpc";
        size_t n = strlen(ct);
        st->content_type_ok = valuelen >= n && strncasecmp((const char *)value, ct, n) == 0 &&
                              (valuelen == n || value[n] == ';' ||
                               (value[n] == '+' && valuelen >= n + 6 &&
                                strncasecmp((const char *)value + n, "+proto", 6) == 0));
    } else if (NAME_IS(name, namelen, "grpc-encoding")) {
        st->has_encoding = true;
        st->encoding_ok = receiver_decompress_coding_parse((const char *)value, &st->coding) == O2P_OK;
    } else if (NAME_IS(name, namelen, "authorization")) {
        /* A repeated header must not turn a failed check into a pass. */
        bool ok = receiver_auth_ok(st->r, (const char *)value);
        st->auth_ok = st->auth_seen ? st->auth_ok && ok : ok;
        st->auth_seen = true;
    }
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    struct grpc_stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!st)
        return 0;
    bool ended = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (ended)
        st->remote_ended = true;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        headers_done(st, ended);
    if (ended)
        request_end(st);
    return 0;
}

static int on_data_chunk_recv(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                              const uint8_t *data, size_t len, void *user_data)
{
    struct grpc_conn *c = user_data;
    struct grpc_stream *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!st || st->state != GS_BODY) {
        nghttp2_session_consume(session, stream_id, len); /* dropped: keep windows open */
        return 0;
    }
    st->wire_bytes += len;
    size_t before = st->body.len;
    int rc = buf_append(&st->body, data, len);
    if (rc != O2P_OK) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "request body larger than receiver.max_request_bytes (%llu): send smaller "
                 "batches",
                 (unsigned long long)c->srv->cfg->receiver.max_request_bytes);
        nghttp2_session_consume(session, stream_id, len);
        receiver_count_bytes(st->r, TRANSPORT_GRPC, st->wire_bytes);
        reject(st, rc == O2P_ETOOBIG ? GRPC_RESOURCE_EXHAUSTED : GRPC_INTERNAL, msg, false);
        return 0;
    }
    if (before < GRPC_PREFIX_LEN && st->body.len >= GRPC_PREFIX_LEN) {
        /* Check the declared length now: an oversize message is refused before its body. */
        struct o2p_error err = {0};
        size_t n = 0;
        rc = receiver_grpc_frame_peek(st->body.data, st->body.len,
                             c->srv->cfg->receiver.max_request_bytes, &n, &err);
        if (rc != O2P_OK) {
            nghttp2_session_consume(session, stream_id, len);
            receiver_count_bytes(st->r, TRANSPORT_GRPC, st->wire_bytes);
            reject(st, rc == O2P_ETOOBIG ? GRPC_RESOURCE_EXHAUSTED : GRPC_INTERNAL, err.msg,
                   false);
            return 0;
        }
        /* Size the buffer once instead of doubling, unless memory is short: then it grows
         * with what actually arrives. */
        if (n + GRPC_PREFIX_LEN > st->body.len && c->srv->buffered + n <= receiver_grpc_budget_bytes())
            buf_reserve(&st->body, n + GRPC_PREFIX_LEN - st->body.len);
    }
    receiver_grpc_flow_data(c, st, len);
    return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    struct grpc_stream *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (st && st->state == GS_REJECTED && !st->remote_ended)
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    struct grpc_stream *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!st)
        return 0;
    st->closed = true;
    if (st->state == GS_HEADERS || st->state == GS_BODY)
        receiver_count_rejection(st->r, TRANSPORT_GRPC, "cancelled");
    if (st->state == GS_INGESTING)
        return 0; /* on_ingest_done frees it */
    receiver_grpc_stream_free(st);
    return 0;
}

int receiver_grpc_stream_session_callbacks_new(nghttp2_session_callbacks **out)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        return O2P_ENOMEM;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    *out = cb;
    return O2P_OK;
}
