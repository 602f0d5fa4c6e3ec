/*
 * receiver_accept.c - running out of file descriptors without spinning (receiver_accept.h).
 *
 * libevent's listener calls its error callback when accept() fails and otherwise tries again
 * at the next loop turn: with the process at its descriptor limit that is every turn, at
 * 100 % CPU and one log line per try (200 MB of stderr in 7 s, seen). Pausing the listener
 * lets connections close meanwhile; the kernel keeps the new ones in the listen backlog.
 */
#include "receiver/receiver_accept.h"

#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <sys/resource.h>

#define PAUSE_MS 100
#define LOG_EVERY_MS 10000

int64_t receiver_fd_budget(int64_t wanted, int ports)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t soft = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = soft;
    }
    if (rl.rlim_cur == RLIM_INFINITY || ports < 1)
        return wanted;
    int64_t fit = ((int64_t)rl.rlim_cur - RECEIVER_FD_RESERVE) / ports;
    if (fit < 1)
        fit = 1;
    if (fit >= wanted)
        return wanted;
    log_warn("receiver", "op=fd_budget nofile=%llu ports=%d max_connections=%lld wanted=%lld "
             "effect=\"fewer connections per port than receiver.max_connections: raise LimitNOFILE\"",
             (unsigned long long)rl.rlim_cur, ports, (long long)fit, (long long)wanted);
    return fit;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct receiver_accept_pause *p = arg;
    evconnlistener_enable(p->listener);
}

/* The error callback gets the listener's own argument (evhttp's, for the HTTP port), so the
 * pause is found by listener: there are two at most. */
static struct receiver_accept_pause *pauses[4];

static void on_error(struct evconnlistener *l, void *arg)
{
    struct receiver_accept_pause *p = NULL;
    for (size_t i = 0; i < sizeof pauses / sizeof pauses[0] && !p; i++)
        if (pauses[i] && pauses[i]->listener == l)
            p = pauses[i];
    if (!p)
        return;
    int e = EVUTIL_SOCKET_ERROR();
    uint64_t now = clock_mono_ms();
    if (!p->last_log_ms || now - p->last_log_ms >= LOG_EVERY_MS) {
        log_warn("receiver", "op=accept transport=%s err=\"%s\" action=pause_%dms unlogged=%llu", p->what,
                 evutil_socket_error_to_string(e), PAUSE_MS, (unsigned long long)p->unlogged);
        p->last_log_ms = now;
        p->unlogged = 0;
    } else {
        p->unlogged++;
    }
    evconnlistener_disable(l);
    struct timeval tv = {0, PAUSE_MS * 1000};
    event_add(p->retry, &tv);
}

int receiver_accept_pause_init(struct receiver_accept_pause *p, struct event_base *base,
                               struct evconnlistener *l, const char *what)
{
    p->listener = l;
    p->what = what;
    p->retry = evtimer_new(base, on_retry, p);
    size_t slot = 0;
    while (slot < sizeof pauses / sizeof pauses[0] && pauses[slot])
        slot++;
    if (!p->retry || slot == sizeof pauses / sizeof pauses[0]) {
        receiver_accept_pause_free(p);
        return O2P_ENOMEM;
    }
    pauses[slot] = p;
    evconnlistener_set_error_cb(l, on_error);
    return O2P_OK;
}

void receiver_accept_pause_free(struct receiver_accept_pause *p)
{
    for (size_t i = 0; i < sizeof pauses / sizeof pauses[0]; i++)
        if (pauses[i] == p)
            pauses[i] = NULL;
    if (p->retry)
        event_free(p->retry);
    p->retry = NULL;
}
