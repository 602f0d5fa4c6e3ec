/*
 * receiver_http_conn.h - connection limits for the OTLP/HTTP port: receiver.max_connections
 * (the next one gets 503 and is closed), receiver.request_timeout (a request must arrive
 * whole within it of its first byte; slowloris clients are closed), and the framing check
 * (receiver_http_frame.h) on every byte before evhttp parses it: a refused connection is
 * answered 400/413/501/505 and closed. Loop thread only.
 */
#ifndef O2P_RECEIVER_HTTP_CONN_H
#define O2P_RECEIVER_HTTP_CONN_H

#include "receiver/receiver_internal.h"

#include <event2/http.h>
#include <openssl/ssl.h>

struct http_conns;

/* receiver_http_conn_start - take over evhttp's bufferevent creation for `http` (TLS when tls is not
 * NULL), check each connection's framing, and start the deadline scan. Free with
 * receiver_http_conn_free after evhttp_free. */
int receiver_http_conn_start(struct receiver *r, struct evhttp *http, SSL_CTX *tls, struct http_conns **out,
                     struct o2p_error *err);
/* The request was read whole and is ours to answer: its connection's deadline stops. */
void receiver_http_conn_request_read(struct http_conns *cs, struct evhttp_request *req);
/* Call just before replying: the connection waits for its next request (or has one already). */
void receiver_http_conn_request_answered(struct http_conns *cs, struct evhttp_request *req);
void receiver_http_conn_free(struct http_conns *cs);

#endif
