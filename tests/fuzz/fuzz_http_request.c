/*
 * fuzz_http_request.c - libFuzzer target for the receiver's OTLP/HTTP transport end to end:
 * the input is the raw bytes a client sends on one TCP connection (request line, headers,
 * body - Content-Length or chunked, any Content-Type / Content-Encoding, pipelined requests).
 *
 * On the first call a real receiver is started in-process the way receiver/main.c starts it
 * (cfg_load defaults + a few --set overrides, spool in a fresh temporary directory with a
 * small spool.max_bytes, no auth, no TLS, gRPC off, HTTP on 127.0.0.1:0) and its event loop
 * runs in a background thread; we wait for GET /ready to say 200. Then for each input:
 * connect over loopback, send the bytes, shutdown(SHUT_WR), read until EOF.
 *
 * Invariants (abort() on violation, so libFuzzer reports the input):
 *   - the server answers or closes within RECV_TIMEOUT_S (else it is stuck: a hang);
 *   - an answer starts with "HTTP/1.1 " (or the version the request line named, which evhttp
 *     echoes) and a 3-digit status (100-599) and a space;
 *   - the server never answers 500 (nothing a client sends may be an internal error while
 *     the spool is healthy);
 *   - the event-loop thread never exits;
 *   - every HEALTH_EVERY inputs, GET /health on a fresh connection still gets 200.
 * The spool is small and its high watermark low, so the backpressure path (429) is reached
 * every few thousand inputs; after DRAIN_AFTER_429 such answers it is emptied (claim
 * everything, complete with no files, as a writer would) so that accepting resumes.
 *
 * The spool lives under /dev/shm when it exists (LMDB's fsyncs cost nothing there).
 *
 * Limits: libevent itself is not instrumented, so coverage guidance comes from the receiver's
 * code only. Because we half-close right after sending, evhttp (2.1.12) answers only the first
 * of pipelined requests: it sees the EOF before it parses the next buffered request.
 * FUZZ_HTTP_VERBOSE=1 prints each answer's status line.
 */
#include "receiver/receiver_internal.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef RECV_TIMEOUT_S
#define RECV_TIMEOUT_S 2
#endif
#ifndef HEALTH_EVERY
#define HEALTH_EVERY 256
#endif
#ifndef DRAIN_AFTER_429
#define DRAIN_AFTER_429 256
#endif
#define MAX_FDS 4096

static struct {
    bool started;
    struct o2p_config cfg;
    struct event_base *base;
    struct receiver *r;
    struct http_server *http;
    struct event *tick;
    pthread_t loop;
    atomic_bool loop_exited;
    struct sockaddr_in addr;
    char dir[512];
    bool verbose; /* FUZZ_HTTP_VERBOSE set: print each answer's status line */
    uint64_t inputs;
    uint64_t closed;     /* inputs the server closed without answering */
    uint64_t since_drain_429;
    uint64_t by_status[600];
} F;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static _Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_http_request: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (F.dir[0])
        remove_tree(F.dir); /* libFuzzer's crash exit skips atexit */
    abort();
}

/* ---- the receiver, as receiver/main.c runs it --------------------------------------------- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    receiver_refresh_spool_usage(F.r);
}

static void *loop_thread(void *arg)
{
    event_base_dispatch(F.base);
    atomic_store(&F.loop_exited, true);
    return NULL;
}

static void cleanup(void)
{
    fprintf(stderr, "fuzz_http_request: %llu inputs; closed without an answer: %llu; first answers:",
            (unsigned long long)F.inputs, (unsigned long long)F.closed);
    for (int i = 0; i < 600; i++)
        if (F.by_status[i])
            fprintf(stderr, " %d=%llu", i, (unsigned long long)F.by_status[i]);
    fprintf(stderr, "\n");
    /* The loop and commit threads still run; unlinking the spool under them is harmless. */
    if (F.dir[0])
        remove_tree(F.dir);
}

/* remove_stale - spools of earlier runs that died without cleaning up (a sanitizer report):
 * o2p-fuzz-http-<pid>-* whose process is gone. */
static void remove_stale(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "o2p-fuzz-http-%d-", &pid) == 1 && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
            remove_tree(path);
        }
    }
    closedir(d);
}

/* listening_inet - fds that are listening AF_INET sockets; *port of the last one found. */
static void listening_inet(bool is_listening[MAX_FDS], bool was_listening[MAX_FDS], uint16_t *port)
{
    for (int fd = 0; fd < MAX_FDS; fd++) {
        int acc = 0;
        socklen_t l = sizeof acc;
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        is_listening[fd] = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) == 0 && acc &&
                           getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sin_family == AF_INET;
        if (is_listening[fd] && was_listening && !was_listening[fd])
            *port = ntohs(sa.sin_port);
    }
}

static size_t exchange(const void *req, size_t len, char *head, size_t headcap, size_t *total);

static void start_receiver(void)
{
    signal(SIGPIPE, SIG_IGN);
    F.verbose = getenv("FUZZ_HTTP_VERBOSE") != NULL;
    log_set_component("receiver");
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    remove_stale(tmp);
    snprintf(F.dir, sizeof F.dir, "%s/o2p-fuzz-http-%d-XXXXXX", tmp, (int)getpid());
    if (!mkdtemp(F.dir)) {
        int e = errno;
        char dir[sizeof F.dir];
        memcpy(dir, F.dir, sizeof dir);
        F.dir[0] = 0;
        fail("mkdtemp %s: %s", dir, strerror(e));
    }
    atexit(cleanup);

    struct cfg_cli cli = {.data_dir = F.dir};
    static const char *const sets[] = {
        "receiver.http=127.0.0.1:0",
        "receiver.grpc=",
        "receiver.auth_token_file=",
        "receiver.tls_cert=",
        "receiver.tls_key=",
        "receiver.max_request_bytes=6KiB", /* the traces.json seed is over it: 413 */
        "receiver.max_decompressed_bytes=1MiB",
        "receiver.max_header_bytes=8KiB",
        "receiver.idle_timeout=30s",
        /* Backpressure (429) past ~52 KiB of records: reached every few thousand inputs,
         * until the next drain_spool(). */
        "spool.max_bytes=1MiB",
        "spool.high_watermark=0.05",
        "spool.group_commit_window=0",
        "log.level=error",
    };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cli.sets[cli.nsets++] = sets[i];
    struct o2p_error err = {0};
    if (cfg_load(&F.cfg, &cli, F.dir, &err) != O2P_OK)
        fail("config: %s", err.msg);
    log_set_level_name(F.cfg.log.level);
    if (evthread_use_pthreads() != 0)
        fail("evthread_use_pthreads failed");
    F.base = event_base_new();
    if (!F.base)
        fail("event_base_new failed");
    if (receiver_create(&F.r, &F.cfg, F.base, &err) != O2P_OK)
        fail("receiver_create: %s", err.msg);

    /* Port 0: find the socket evhttp bound (the one listening now that was not before). */
    static bool before[MAX_FDS], after[MAX_FDS];
    uint16_t port = 0;
    listening_inet(before, NULL, &port);
    if (receiver_http_start(F.r, F.cfg.receiver.http, &F.http, &err) != O2P_OK)
        fail("receiver_http_start: %s", err.msg);
    listening_inet(after, before, &port);
    if (!port)
        fail("cannot find the port the HTTP listener was bound to");
    F.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
    F.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    F.tick = event_new(F.base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval tick = {0, 200000};
    event_add(F.tick, &tick);
    if (pthread_create(&F.loop, NULL, loop_thread, NULL) != 0)
        fail("pthread_create failed");

    /* Ready: the commit thread has recovered the spool. */
    static const char ready_req[] = "GET /ready HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    for (int i = 0;; i++) {
        char head[64];
        size_t total;
        exchange(ready_req, sizeof ready_req - 1, head, sizeof head, &total);
        if (!strncmp(head, "HTTP/1.1 200 ", 13))
            break;
        if (i == 500)
            fail("receiver not ready after 10 s (last answer: %.40s)", head);
        usleep(20000);
    }
    fprintf(stderr, "fuzz_http_request: receiver ready on 127.0.0.1:%u, spool %s\n", port, F.cfg.spool.path);
}

/* ---- one connection ----------------------------------------------------------------------- */

/* exchange - connect, send req, half-close, read until EOF. The first headcap-1 bytes of the
 * answer go to head (NUL-terminated); *total gets the answer's length. Aborts when the server
 * neither answers nor closes in time. Returns the bytes of req actually sent. */
static size_t exchange(const void *req, size_t len, char *head, size_t headcap, size_t *total)
{
    int fd = -1;
    for (int attempt = 0;; attempt++) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("socket: %s", strerror(errno));
        struct timeval tv = {RECV_TIMEOUT_S, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        /* Thousands of connections a second leave as many in TIME_WAIT on our side (we close
         * first). Rotating the source address over 127.0.1.1-250 multiplies the local ports
         * available, so this does not depend on net.ipv4.tcp_tw_reuse. Best effort. */
        static unsigned rotor;
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7f000100u | (rotor++ % 250 + 1));
        if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) == 0)
            bind(fd, (struct sockaddr *)&src, sizeof src);
        if (connect(fd, (struct sockaddr *)&F.addr, sizeof F.addr) == 0)
            break;
        int e = errno;
        close(fd);
        /* Out of local ports (TIME_WAIT) or a full accept queue: back off, then retry. */
        if ((e == EADDRNOTAVAIL || e == EAGAIN || e == EINTR || e == ETIMEDOUT) && attempt < 200) {
            usleep(10000);
            continue;
        }
        fail("connect to the receiver: %s (attempt %d)", strerror(e), attempt);
    }
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, (const char *)req + sent, len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            fail("the server stopped reading for %d s with %zu of %zu bytes unsent, without closing",
                 RECV_TIMEOUT_S, len - sent, len);
        break; /* EPIPE / ECONNRESET: the server closed early, which it may */
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    head[0] = 0;
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (got < headcap - 1) {
                size_t take = (size_t)n < headcap - 1 - got ? (size_t)n : headcap - 1 - got;
                memcpy(head + got, buf, take);
                head[got + take] = 0;
            }
            got += (size_t)n;
            continue;
        }
        if (n == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            fail("hang: the server neither answered nor closed within %d s (sent %zu of %zu bytes, got %zu: \"%.60s\")",
                 RECV_TIMEOUT_S, sent, len, got, head);
        break; /* ECONNRESET: closed */
    }
    close(fd);
    *total = got;
    return sent;
}

/* status_of - the status code of an answer's first line, or -1 when the line is malformed.
 * evhttp answers in the version the request line named when it parsed one (it accepts
 * HTTP/0.x and 1.x, with sscanf's idea of a number: "HTTP/0.1", "HTTP/01.1", "HTTP/-1.1"),
 * else HTTP/1.1: so "HTTP/<int>.<int> <3 digits> ". */
static int status_of(const char *head, size_t total)
{
    if (total < 13 || strncmp(head, "HTTP/", 5) != 0)
        return -1;
    const char *p = head + 5;
    for (int part = 0; part < 2; part++) {
        const char *start = p;
        if (*p == '-' || *p == '+')
            p++;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == start || !(p[-1] >= '0' && p[-1] <= '9') || *p != (part ? ' ' : '.'))
            return -1;
        p++;
    }
    int code = 0;
    for (int i = 0; i < 3; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        code = code * 10 + (p[i] - '0');
    }
    if (p[3] != ' ' || code < 100 || code > 599)
        return -1;
    return code;
}

/* ---- spool upkeep ---------------------------------------------------------------------- */

static void drain_spool(void)
{
    struct spool_claim_policy p = {.max_bytes = UINT64_MAX, .max_rows = UINT64_MAX, .drain = true};
    for (int i = 0; i < 64; i++) {
        struct spool_claim c;
        struct o2p_error err = {0};
        int rc = spool_claim_take(F.r->spool, "fuzz_http_request", &p, 60ull * 1000000000u, &c, &err);
        if (rc == O2P_EAGAIN)
            return;
        if (rc != O2P_OK)
            fail("drain: spool_claim_take: %s", err.msg);
        rc = spool_claim_complete(F.r->spool, &c, NULL, 0, NULL, 0, &err);
        if (rc != O2P_OK)
            fail("drain: spool_claim_complete: %s", err.msg);
    }
    /* Let the loop thread see the new spool size now rather than at its next tick. */
    event_active(F.tick, EV_TIMEOUT, 0);
}

static void check_health(void)
{
    static const char req[] = "GET /health HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    char head[64];
    size_t total;
    exchange(req, sizeof req - 1, head, sizeof head, &total);
    if (strncmp(head, "HTTP/1.1 200 ", 13) != 0)
        fail("GET /health after %llu inputs: got %zu bytes \"%.40s\" instead of 200",
             (unsigned long long)F.inputs, total, head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!F.started) {
        F.started = true;
        start_receiver();
    }
    if (atomic_load(&F.loop_exited))
        fail("the receiver's event loop exited");
    char head[64];
    size_t total;
    exchange(data, size, head, sizeof head, &total);
    if (F.verbose)
        fprintf(stderr, "fuzz_http_request: %zu bytes in, %zu out: \"%.*s\"\n", size, total,
                (int)strcspn(head, "\r\n"), head);
    if (total > 0) {
        int code = status_of(head, total);
        if (code < 0)
            fail("malformed status line in a %zu-byte answer: \"%.40s\"", total, head);
        if (code == 500)
            fail("500 Internal Server Error for a client's request: \"%.60s\"", head);
        F.by_status[code]++;
        if (code == 429 && ++F.since_drain_429 >= DRAIN_AFTER_429) {
            drain_spool();
            F.since_drain_429 = 0;
        }
    } else {
        F.closed++;
    }
    F.inputs++;
    if (F.inputs % HEALTH_EVERY == 0) {
        check_health();
        if (atomic_load(&F.loop_exited))
            fail("the receiver's event loop exited");
    }
    return 0;
}
