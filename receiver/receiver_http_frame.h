/*
 * receiver_http_frame.h - the HTTP/1.1 framing check (RFC 9112) that runs on each OTLP/HTTP
 * connection's raw input before evhttp parses it. libevent 2.1's evhttp is lenient where
 * leniency lets a request hide behind another (request smuggling): it takes the first of two
 * Content-Length fields, keeps "Content-Length " (space before the colon) as another name,
 * ignores a Transfer-Encoding other than exactly "chunked", reads "+5" as 5, and never reads
 * a body on HEAD. This checker follows the byte stream request by request, refuses all of
 * that before evhttp acts on it, and says what to answer.
 *
 * Pure: no I/O, no libevent; receiver_http_conn.c feeds it, tests/unit/test_http_frame.c and
 * the fuzz target drive it directly.
 */
#ifndef O2P_RECEIVER_HTTP_FRAME_H
#define O2P_RECEIVER_HTTP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One connection's framing state. Fields are private to receiver_http_frame.c except the
 * verdict: `status` (0 while the stream is fine; then 400, 413, 501 or 505) and `msg` (what
 * to tell the client, one line). */
struct http_frame {
    uint64_t max_body;  /* receiver.max_request_bytes */
    bool plain;         /* a plain-HTTP port: a TLS handshake gets its own message */
    int state, lf_then; /* where we are; what the LF that ends the current line completes */
    uint8_t pos;        /* index into the literal being matched ("HTTP/1.1") */
    bool http10;
    char method[8];
    uint8_t method_len;
    /* the current field line */
    char name[20];
    uint8_t name_len;   /* saturates past sizeof name: an uninteresting name */
    uint8_t field;      /* which of the fields we read (enum in the .c) */
    bool in_trailer;
    bool value_seen, value_ows; /* a value byte seen; whitespace after it */
    uint64_t num;       /* the Content-Length being read */
    char elem[12];      /* the transfer coding being read */
    uint8_t elem_len;
    bool elem_params;
    /* what the header section said */
    uint32_t cl_count;
    uint64_t cl;
    uint32_t te_fields, te_codings, te_chunked;
    bool te_last_chunked;
    char te_other[12];  /* the first coding that is not chunked, for the message */
    /* the body */
    uint64_t left;      /* bytes of the body or chunk still to come */
    uint64_t hold;      /* size of the body or chunk being received (receiver_http_frame_hold) */
    uint64_t body;      /* chunked: body bytes announced so far */
    uint16_t ext_len;   /* chunk-extension bytes on the current chunk-size line */
    bool ext_semi;      /* the extension's ';' has been seen */
    /* the verdict */
    int status;
    char msg[200];
};

/* receiver_http_frame_init - a connection's start. max_body: receiver.max_request_bytes;
 * plain: the port does not speak TLS. */
void receiver_http_frame_init(struct http_frame *f, uint64_t max_body, bool plain);

/* receiver_http_frame_feed - the next n bytes the client sent, in order (p may be NULL when n
 * is 0). Rewrites bytes in place where evhttp would read legal syntax wrongly, so that it
 * sees what we checked: a chunk extension (";name=value", which evhttp refuses), commas in
 * Transfer-Encoding ("chunked," is not chunked to evhttp) and tabs before a field value become
 * spaces. Returns 0 while the stream is well framed; else the verdict's status (also
 * in f->status, with f->msg): 400 bad framing, 413 a body over max_body, 501 a transfer coding
 * other than chunked, 505 not HTTP/1.x. After a verdict every call returns it unread. */
int receiver_http_frame_feed(struct http_frame *f, uint8_t *p, size_t n);

/* receiver_http_frame_hold - the size of the Content-Length body or chunk being received, 0
 * between them: evhttp waits until a whole body or chunk is buffered before it takes any of
 * it, so the connection's input must be allowed to hold that much. */
uint64_t receiver_http_frame_hold(const struct http_frame *f);

#endif
