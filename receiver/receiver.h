/*
 * receiver.h - what the receiver's transports (receiver_http.c, receiver_grpc.c) share.
 *
 * A transport owns sockets and framing. For every complete export request it calls
 * receiver_ingest(); the ingest path validates and decodes the body, queues it for the next
 * group commit and later calls the transport's `done` callback, on the event-loop thread,
 * once the records are durable in the spool (or the commit failed). Only then may the
 * transport acknowledge. The transport keeps `ctx` alive until `done` runs, even if the
 * client went away meanwhile (it then just frees ctx).
 *
 * Threads: everything here runs on the event-loop thread except body validation, which runs
 * on the decode threads (receiver_decode.c) when receiver.decode_threads >= 2, and the spool
 * commit, which runs on the receiver's commit thread (receiver_commit.c).
 */
#ifndef O2P_RECEIVER_H
#define O2P_RECEIVER_H

#include "common/buf.h"
#include "common/cfg.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/signal_kind.h"

#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

struct receiver;

enum ingest_format { INGEST_PROTOBUF, INGEST_JSON };
enum content_coding { CODING_IDENTITY, CODING_GZIP, CODING_DEFLATE, CODING_ZSTD };
enum receiver_transport { TRANSPORT_HTTP = 0, TRANSPORT_GRPC = 1 };

struct ingest_result {
    int code;                      /* O2P_OK: durable; else why not (O2P_EFULL: spool full) */
    const char *message;           /* for errors; valid during the callback only */
    enum o2p_signal signal;
    int64_t accepted;              /* records spooled */
    int64_t rejected;              /* records dropped by validation (partial_success) */
    const char *rejected_message;  /* valid during the callback only */
};

typedef void (*ingest_done_fn)(void *ctx, const struct ingest_result *result);

/*
 * receiver_ingest - validate and decode `body` (already decompressed) and queue it for the
 * next group commit. Returns O2P_OK when queued: `done` will be called exactly once, later,
 * on the loop thread. Returns an error without calling `done` when the request is refused
 * now: O2P_EINVAL/O2P_EPROTO (bad body, message in err), O2P_ETOOBIG, O2P_EFULL (spool over
 * its high watermark: answer 429/503/UNAVAILABLE with Retry-After), O2P_EAGAIN (busy). With
 * receiver.decode_threads >= 2 the body is validated on a decode thread after this returns,
 * and a bad body is refused through `done` instead (result code O2P_EINVAL or O2P_ETOOBIG,
 * message), so `done` must map those as the immediate return would be. The body is copied
 * before this returns; the caller keeps ownership of it.
 */
int receiver_ingest(struct receiver *r, enum receiver_transport transport, enum o2p_signal sig,
                    enum ingest_format fmt, const uint8_t *body, size_t len, ingest_done_fn done,
                    void *ctx, struct o2p_error *err);

/*
 * receiver_ingest_response_encode - the Export{Logs,Trace,Metrics}ServiceResponse for a result, in the
 * request's format (protobuf bytes, or OTLP/JSON), appended to out. partial_success is set
 * when result->rejected > 0.
 */
int receiver_ingest_response_encode(const struct ingest_result *result, enum ingest_format fmt,
                           struct buf *out);

/* receiver_decompress_coding_parse - "gzip", "deflate", "zstd", "identity" or NULL/"" (identity).
 * O2P_EUNSUPPORTED for anything else. */
int receiver_decompress_coding_parse(const char *name, enum content_coding *out);

/*
 * receiver_decompress_body - decode `in` into out (appended), stopping with O2P_ETOOBIG as soon as
 * the output would pass max_out (a decompression bomb is stopped while inflating, not
 * after). O2P_EINVAL for a corrupt stream. CODING_IDENTITY copies. out is owned by the caller.
 */
int receiver_decompress_body(enum content_coding coding, const uint8_t *in, size_t len, size_t max_out,
                    struct buf *out, struct o2p_error *err);

/* receiver_auth_ok - true when no token is configured, or `authorization` is exactly
 * "Bearer <token>" (compared in constant time). */
bool receiver_auth_ok(const struct receiver *r, const char *authorization);

const struct o2p_config *receiver_config(const struct receiver *r);
/* receiver_max_connections - connections allowed per port: receiver.max_connections, or fewer
 * when the file-descriptor limit fits fewer (receiver_accept.h). */
int64_t receiver_max_connections(const struct receiver *r);
struct event_base *receiver_event_base(struct receiver *r);
/* receiver_tls_ctx - the server SSL_CTX when TLS is configured, else NULL. */
SSL_CTX *receiver_tls_ctx(struct receiver *r);

/* Metrics (receiver_metrics.c). `reason` is a short token: "malformed", "too_large",
 * "unsupported_media_type", "unauthorized", "not_found", "method", "spool_full", ... */
void receiver_count_request(struct receiver *r, enum receiver_transport t, int status_code);
void receiver_count_rejection(struct receiver *r, enum receiver_transport t, const char *reason);
void receiver_count_bytes(struct receiver *r, enum receiver_transport t, size_t wire_bytes);
/* receiver_connection_opened/closed - gauge of open connections; opened returns false when
 * receiver.max_connections is reached (the caller closes the new connection). */
bool receiver_connection_opened(struct receiver *r, enum receiver_transport t);
void receiver_connection_closed(struct receiver *r, enum receiver_transport t);
/* How often the transports look for requests past receiver.request_timeout. */
struct timeval receiver_deadline_scan_interval(const struct o2p_config *cfg);

/* Transports. Each binds its configured address, registers with the event base and serves
 * until freed. */
struct http_server;
struct grpc_server;
int receiver_http_start(struct receiver *r, const char *addr, struct http_server **out,
                      struct o2p_error *err);
/* receiver_http_stop_accepting - close the listening socket; open connections stay and their
 * pending requests are still answered. */
void receiver_http_stop_accepting(struct http_server *s);
void receiver_http_free(struct http_server *s);
int receiver_grpc_server_start(struct receiver *r, const char *addr, struct grpc_server **out,
                      struct o2p_error *err);
/* receiver_grpc_server_drain - stop accepting, send a graceful GOAWAY on every connection; calls already
 * started are still answered. Returns how many connections are still open (call again until
 * 0). */
int receiver_grpc_server_drain(struct grpc_server *s);
void receiver_grpc_server_free(struct grpc_server *s);

#endif
