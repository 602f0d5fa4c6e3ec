/*
 * receiver_accept.h - what both listeners do the same way when the process runs out of file
 * descriptors: a budget derived at start (the soft RLIMIT_NOFILE raised to the hard one; the
 * per-port connection cap lowered to what fits) and a pause, not a spin, when accept() fails.
 */
#ifndef O2P_RECEIVER_ACCEPT_H
#define O2P_RECEIVER_ACCEPT_H

#include "receiver/receiver.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <stdint.h>

/* Descriptors kept for everything but connections: the spool, the listeners, the event
 * loop, the decode and commit threads' pipes, metrics files, TLS, logs. */
#define RECEIVER_FD_RESERVE 64

/* receiver_fd_budget - raise the soft RLIMIT_NOFILE to the hard limit and return the
 * connections per port that fit in it next to RECEIVER_FD_RESERVE (both ports may fill at
 * once): `wanted` (receiver.max_connections), or fewer, with a warning that says why. */
int64_t receiver_fd_budget(int64_t wanted, int ports);

/* A listener that pauses itself for 100 ms when accept() fails (EMFILE, ENFILE, ENOBUFS)
 * instead of letting libevent retry at once in a tight loop (100 % CPU, a log line per try),
 * and logs the failure at most once per 10 s with how many it did not log. */
struct receiver_accept_pause {
    struct evconnlistener *listener;
    struct event *retry;
    const char *what; /* "http" or "grpc": the log's transport */
    uint64_t last_log_ms, unlogged;
};

/* receiver_accept_pause_init - attach p to listener l (its error callback). O2P_ENOMEM. */
int receiver_accept_pause_init(struct receiver_accept_pause *p, struct event_base *base,
                               struct evconnlistener *l, const char *what);
/* receiver_accept_pause_free - detach; p may be zeroed or half made. */
void receiver_accept_pause_free(struct receiver_accept_pause *p);

#endif
