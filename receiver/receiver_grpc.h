/*
 * receiver_grpc.h - private to the OTLP/gRPC transport (receiver_grpc*.c) and its tests.
 *
 *   receiver_grpc_frame.c   pure functions: Length-Prefixed-Message parsing, method paths,
 *                           grpc-message percent-encoding, status names (no I/O, no state)
 *   receiver_grpc_stream.c  one request stream: headers, body, decode, ingest, response
 *   receiver_grpc.c         listener, connections, the nghttp2 session, flow control
 *
 * Everything runs on the receiver's event-loop thread.
 */
#ifndef O2P_RECEIVER_GRPC_H
#define O2P_RECEIVER_GRPC_H

#include "receiver/receiver.h"
#include "receiver/receiver_accept.h"

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gRPC status codes (grpc/grpc doc/statuscodes.md) used by this transport. */
enum grpc_status {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
    GRPC_UNAUTHENTICATED = 16,
};

#define GRPC_PREFIX_LEN 5
/* Calls open at once on all connections; more get REFUSED_STREAM. Bounds the data clients
 * may send before flow control stops them: this many x the 64 KiB stream window. */
#define GRPC_MAX_OPEN_STREAMS 256
/* Fairness: once GRPC_SHARED_STREAMS calls are open, a connection that holds
 * GRPC_FAIR_STREAMS or more gets no new one (REFUSED_STREAM) until it holds fewer; the last
 * quarter of the slots stays for connections with few calls. */
#define GRPC_SHARED_STREAMS (GRPC_MAX_OPEN_STREAMS * 3 / 4)
#define GRPC_FAIR_STREAMS 16
/* And the last GRPC_LIGHT_RESERVE slots only for connections holding fewer than
 * GRPC_LIGHT_STREAMS: many greedy connections at 16 each still leave room for light ones
 * (the hostile soak: six of them took all 256). */
#define GRPC_LIGHT_RESERVE 32
#define GRPC_LIGHT_STREAMS 4
#define GRPC_ACCEPT_ENCODING "identity,gzip,deflate,zstd"

/* ---- receiver_grpc_frame.c (pure) ------------------------------------------------------ */

struct grpc_msg {
    bool compressed;     /* the Compressed-Flag byte was 1 */
    const uint8_t *data; /* points into the parsed input; valid as long as it is */
    size_t len;
};

/*
 * receiver_grpc_frame_peek - read the 5-byte prefix at the start of a request body.
 * in: p/len, the body received so far; max_len, the largest message accepted.
 * out: *msg_len, the declared message length (only on O2P_OK).
 * Returns O2P_OK; O2P_EAGAIN when fewer than 5 bytes are there; O2P_EPROTO for a flag byte
 * other than 0/1; O2P_ETOOBIG when the declared length passes max_len. Fills err (may be NULL).
 */
int receiver_grpc_frame_peek(const uint8_t *p, size_t len, size_t max_len, size_t *msg_len,
                    struct o2p_error *err);

/*
 * receiver_grpc_frame_parse - the whole body of a unary request: exactly one Length-Prefixed-Message.
 * out->data points into p. Returns O2P_OK; O2P_EPROTO when there is no message, the message
 * is truncated, there are bytes after it (a second message) or the flag byte is not 0/1;
 * O2P_ETOOBIG when the declared length passes max_len.
 */
int receiver_grpc_frame_parse(const uint8_t *p, size_t len, size_t max_len, struct grpc_msg *out,
                     struct o2p_error *err);

/* receiver_grpc_frame_path_signal - the signal whose Export method `path` names (not NUL-terminated);
 * -1 for any other path. */
int receiver_grpc_frame_path_signal(const uint8_t *path, size_t len);

/*
 * receiver_grpc_frame_percent_encode - grpc-message encoding: bytes outside 0x20..0x7E and '%' become
 * "%XX". Writes at most outsz bytes including the NUL (truncating at a character boundary,
 * never inside a %XX); returns the length written (without the NUL). outsz must be > 0.
 */
size_t receiver_grpc_frame_percent_encode(const char *in, char *out, size_t outsz);

/* receiver_grpc_frame_status_for_error - the gRPC status answering an O2P_E* code from the ingest path:
 * EINVAL/EPROTO/ECORRUPT 3, ETOOBIG 8, EFULL/EAGAIN 14, EUNSUPPORTED 12, others 13. */
int receiver_grpc_frame_status_for_error(int code);

/* receiver_grpc_frame_reason_for_status - the short rejection-reason token receiver_count_rejection takes. */
const char *receiver_grpc_frame_reason_for_status(int status);

/* ---- shared by receiver_grpc.c and receiver_grpc_stream.c ------------------------------ */

struct grpc_stream;

/* A connection: one socket, one nghttp2 server session. Owned by its server's list. */
struct grpc_conn {
    struct grpc_server *srv;
    struct bufferevent *bev;
    nghttp2_session *session;
    struct grpc_conn *prev, *next;       /* srv->conns */
    struct grpc_stream *streams;         /* every context still tied to this connection */
    int open_streams;                    /* how many: for fairness between connections */
    int in_session;                      /* >0 while inside nghttp2_session_mem_recv/send */
    int inflight;                        /* streams waiting for their `done` */
    size_t inflight_bytes;               /* body bytes those streams handed to ingest */
    unsigned paused;                     /* PAUSE_* reasons the socket is not read */
    bool closing;                        /* free once the output is flushed */
    bool draining;                       /* graceful GOAWAY sent (receiver_grpc_server_drain) */
    bool tls;
};

#define PAUSE_OUTPUT 1u   /* output buffer above GRPC_OUTPUT_HIGH */
#define PAUSE_BUDGET 2u   /* server-wide buffered bodies above the hard cap */
#define PAUSE_INGEST 4u   /* too many requests (of this connection) or bytes (of all
                             connections) waiting for `done` */

struct grpc_server {
    struct receiver *r;
    const struct o2p_config *cfg;
    struct event_base *base;
    struct evconnlistener *listener;
    SSL_CTX *ssl_ctx;
    struct event *resume_ev;             /* deferred: resume paused connections */
    struct receiver_accept_pause accept_pause; /* accept() failing: pause, do not spin */
    struct event *deadline_ev;           /* expires requests past receiver.request_timeout */
    nghttp2_session_callbacks *callbacks;
    nghttp2_option *option;
    bool any_paused;                     /* a connection is paused for BUDGET or INGEST */
    struct grpc_conn *conns;
    size_t buffered;                     /* body capacity of streams still receiving */
    size_t inflight_bytes;               /* message bytes of all connections awaiting `done` */
    size_t streams;                      /* stream contexts tied to a connection, all connections */
    struct grpc_stream *favoured;        /* always consumed, so one request always progresses */
    struct grpc_stream *deferred_head, *deferred_tail; /* streams with unconsumed bytes */
    char addr[128];
};

enum grpc_stream_state {
    GS_HEADERS,    /* HEADERS frame(s) arriving */
    GS_BODY,       /* accepted; DATA accumulates in body */
    GS_REJECTED,   /* error answered before the request ended; further DATA is discarded */
    GS_INGESTING,  /* handed to receiver_ingest; waiting for done */
    GS_RESPONDING, /* response submitted */
};

struct grpc_stream {
    struct grpc_conn *conn;            /* NULL once orphaned (connection freed before done) */
    struct receiver *r;
    struct grpc_stream *prev, *next;   /* conn->streams */
    struct grpc_stream *dprev, *dnext; /* srv deferred list */
    bool in_deferred;
    int32_t id;
    enum grpc_stream_state state;
    bool closed;                       /* nghttp2 closed the stream */
    bool remote_ended;                 /* the client sent END_STREAM */
    uint64_t started_ns;               /* HEADERS began: the request deadline runs from here */
    uint64_t responding_ns;            /* the answer was submitted: the response deadline runs */
    /* request headers */
    int signal;                        /* -1: not an Export path */
    bool method_post, content_type_ok, auth_seen, auth_ok, has_encoding, encoding_ok;
    enum content_coding coding;
    size_t header_bytes;
    /* body */
    struct buf body;                   /* Length-Prefixed-Message, ceiling max_request_bytes + 5 */
    size_t accounted;                  /* body capacity counted in srv->buffered */
    size_t deferred;                   /* stream-level bytes not yet consumed */
    size_t wire_bytes;                 /* DATA payload bytes received */
    size_t ingest_bytes;               /* counted in conn->inflight_bytes while ingesting */
    /* response */
    struct buf resp;                   /* Length-Prefixed response message */
    size_t resp_off;
    int status;                        /* grpc-status sent */
};

/* receiver_grpc.c */
/* receiver_grpc_conn_flush - move the session's pending frames to the socket (up to GRPC_OUTPUT_HIGH
 * bytes of output) and free the connection when it is finished. Not to be called from inside
 * an nghttp2 callback (c->in_session). Returns false when c was freed. */
bool receiver_grpc_conn_flush(struct grpc_conn *c);
/* receiver_grpc_budget_bytes - srv->buffered above which stream windows are held back. */
size_t receiver_grpc_budget_bytes(void);
/* receiver_grpc_server_schedule_resume - re-examine paused connections from a fresh event-loop turn. */
void receiver_grpc_server_schedule_resume(struct grpc_server *s);
/* receiver_grpc_flow_data - `len` DATA bytes of st were buffered: count them and give back flow-control
 * window (connection level always; stream level unless over budget, see receiver_grpc.c). */
void receiver_grpc_flow_data(struct grpc_conn *c, struct grpc_stream *st, size_t len);
/* receiver_grpc_flow_release - st buffers no more request bytes (ended, rejected or closed). Idempotent. */
void receiver_grpc_flow_release(struct grpc_server *s, struct grpc_stream *st);

/* receiver_grpc_stream.c */
/* receiver_grpc_stream_session_callbacks_new - the nghttp2 callbacks of a server session whose user_data is
 * a struct grpc_conn. Free with nghttp2_session_callbacks_del. O2P_ENOMEM. */
int receiver_grpc_stream_session_callbacks_new(nghttp2_session_callbacks **out);
/* receiver_grpc_stream_new - a context for a new request stream, linked into c->streams. NULL: ENOMEM. */
struct grpc_stream *receiver_grpc_stream_new(struct grpc_conn *c, int32_t id);
/* receiver_grpc_stream_free - release accounting and memory, unlink. Not for GS_INGESTING streams
 * whose `done` is still to come. */
void receiver_grpc_stream_free(struct grpc_stream *st);
/* receiver_grpc_stream_overdue - still receiving a request that began before `since_ns`, or
 * still sending an answer submitted before it. */
bool receiver_grpc_stream_overdue(const struct grpc_stream *st, uint64_t since_ns);
/* receiver_grpc_stream_expire - an overdue request is answered DEADLINE_EXCEEDED; an overdue
 * answer (the client keeps its window shut) ends with RST_STREAM(CANCEL). */
void receiver_grpc_stream_expire(struct grpc_stream *st);
/* receiver_grpc_stream_orphan - the connection goes away while st waits for `done`: detach it; `done`
 * frees it later. */
void receiver_grpc_stream_orphan(struct grpc_stream *st);

#endif
