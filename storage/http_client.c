/*
 * http_client.c - blocking HTTP requests over one libcurl easy handle (see http_client.h).
 *
 * Owns: the CURL handle (and with it a connection cache), reset before every request so no
 * option leaks from one request into the next.
 *
 * Invariants: a 2xx body goes to the caller's buffer and nothing else does; an error body is
 * kept (truncated) for diagnostics; request bodies are streamed from memory or with pread from
 * a file descriptor, never copied whole. libcurl is loaded and initialised once (pthread_once).
 *
 * Failure behaviour: transport problems → O2P_EAGAIN (retryable), body overflow →
 * O2P_ETOOBIG, body fd read error → O2P_EIO, with "METHOD URL: curl's message". Never exits.
 * Not done: redirects (S3 answers 301/307 with an error body instead; we report it).
 */
#include "storage/http_client.h"
#include "common/version.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http_client {
    CURL *curl;
};

/* libcurl is opened when the first client is made, not linked: loading it and what it pulls
 * in (GnuTLS, Kerberos, LDAP, ...) costs ~4 ms at every start of a process that never makes
 * a request (`otlp2parquet convert`, `spool`, `status` on a filesystem catalog). */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_reset)(CURL *h);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode cc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} lc;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static char global_error[300]; /* empty: libcurl loaded and initialised */

static void global_init(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(global_error, sizeof global_error, "cannot load libcurl (install libcurl4): %s", dlerror());
        return;
    }
    static const struct {
        const char *name;
        size_t off;
    } syms[] = {
        {"curl_global_init", offsetof(__typeof__(lc), global_init)},
        {"curl_easy_init", offsetof(__typeof__(lc), easy_init)},
        {"curl_easy_setopt", offsetof(__typeof__(lc), easy_setopt)},
        {"curl_easy_perform", offsetof(__typeof__(lc), easy_perform)},
        {"curl_easy_getinfo", offsetof(__typeof__(lc), easy_getinfo)},
        {"curl_easy_reset", offsetof(__typeof__(lc), easy_reset)},
        {"curl_easy_cleanup", offsetof(__typeof__(lc), easy_cleanup)},
        {"curl_easy_strerror", offsetof(__typeof__(lc), easy_strerror)},
        {"curl_slist_append", offsetof(__typeof__(lc), slist_append)},
        {"curl_slist_free_all", offsetof(__typeof__(lc), slist_free_all)},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(global_error, sizeof global_error, "libcurl.so.4 has no %s (too old?)", syms[i].name);
            return;
        }
        memcpy((char *)&lc + syms[i].off, &f, sizeof f); /* POSIX: object and function pointers agree */
    }
    CURLcode cc = lc.global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK)
        snprintf(global_error, sizeof global_error, "libcurl initialisation: %s", lc.easy_strerror(cc));
}

int http_client_new(struct http_client **out, struct o2p_error *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_error[0])
        return o2p_fail(err, O2P_EIO, "http client: %s", global_error);
    struct http_client *c = calloc(1, sizeof *c);
    if (!c)
        return o2p_fail(err, O2P_ENOMEM, "http client: out of memory");
    c->curl = lc.easy_init();
    if (!c->curl) {
        free(c);
        return o2p_fail(err, O2P_EIO, "http client: curl_easy_init failed");
    }
    *out = c;
    return O2P_OK;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    lc.easy_cleanup(c->curl);
    free(c);
}

void http_response_init(struct http_response *resp, struct buf *body)
{
    memset(resp, 0, sizeof *resp);
    resp->body = body;
    buf_init(&resp->error_body, HTTP_ERROR_BODY_MAX);
}

void http_response_free(struct http_response *resp) { buf_free(&resp->error_body); }

struct xfer {
    CURL *curl;
    const struct http_client_request *rq;
    struct http_response *resp;
    uint64_t sent;
    int read_errno;  /* pread failure */
    bool overflow;   /* 2xx body passed its ceiling */
};

static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    uint64_t left = x->rq->body_len - x->sent;
    size_t n = size * nmemb;
    if (n > left)
        n = (size_t)left;
    if (n == 0)
        return 0;
    if (x->rq->body_from_fd) {
        ssize_t r;
        do
            r = pread(x->rq->body_fd, dst, n, (off_t)(x->rq->body_offset + x->sent));
        while (r < 0 && errno == EINTR);
        if (r <= 0) {
            /* A file that shrank under us must not be sent short: abort the transfer. */
            x->read_errno = r < 0 ? errno : EIO;
            return CURL_READFUNC_ABORT;
        }
        n = (size_t)r;
    } else {
        memcpy(dst, (const char *)x->rq->body + x->sent, n);
    }
    x->sent += n;
    return n;
}

/* on_seek - curl rewinds the body when it must resend it (e.g. a reused connection closed). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct xfer *x = ud;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->rq->body_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->sent = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *src, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    long status = 0;
    lc.easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
        if (!x->resp->body)
            return n;
        if (buf_append(x->resp->body, src, n) != O2P_OK) {
            x->overflow = true;
            return 0;
        }
        return n;
    }
    struct buf *e = &x->resp->error_body;
    size_t room = e->max - e->len;
    (void)buf_append(e, src, n < room ? n : room);
    return n;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue, say): forget earlier headers. */
        x->resp->etag[0] = 0;
        x->resp->has_content_length = false;
        return n;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return n;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vlen = (size_t)(end - v);
    if (nlen == 4 && strncasecmp(line, "etag", 4) == 0) {
        if (vlen >= sizeof x->resp->etag)
            vlen = sizeof x->resp->etag - 1;
        memcpy(x->resp->etag, v, vlen);
        x->resp->etag[vlen] = 0;
    } else if (nlen == 14 && strncasecmp(line, "content-length", 14) == 0) {
        char tmp[32];
        if (vlen < sizeof tmp) {
            memcpy(tmp, v, vlen);
            tmp[vlen] = 0;
            x->resp->content_length = strtoull(tmp, NULL, 10);
            x->resp->has_content_length = true;
        }
    }
    return n;
}

int http_client_do(struct http_client *c, const struct http_client_request *rq,
                   struct http_response *resp, struct o2p_error *err)
{
    CURL *h = c->curl;
    lc.easy_reset(h);
    resp->status = 0;
    resp->etag[0] = 0;
    resp->has_content_length = false;
    buf_reset(&resp->error_body);

    struct xfer x = {.curl = h, .rq = rq, .resp = resp};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hl = NULL, *tmp;
    int rc = O2P_OK;

    for (size_t i = 0; i < rq->nheaders && rc == O2P_OK; i++) {
        char line[8192];
        int n = snprintf(line, sizeof line, "%s: %s", rq->headers[i].name, rq->headers[i].value);
        if (n < 0 || n >= (int)sizeof line) {
            rc = o2p_fail(err, O2P_EINVAL, "%s %s: header %s too long", rq->method, rq->url,
                          rq->headers[i].name);
            break;
        }
        tmp = lc.slist_append(hl, line);
        if (!tmp)
            rc = o2p_fail(err, O2P_ENOMEM, "%s %s: out of memory", rq->method, rq->url);
        else
            hl = tmp;
    }
    /* No 100-continue round trip: S3 answers errors after the body anyway. */
    if (rc == O2P_OK) {
        tmp = lc.slist_append(hl, "Expect:");
        if (tmp)
            hl = tmp;
    }
    if (rc != O2P_OK) {
        lc.slist_free_all(hl);
        return rc;
    }

    lc.easy_setopt(h, CURLOPT_URL, rq->url);
    lc.easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    lc.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    lc.easy_setopt(h, CURLOPT_USERAGENT, O2P_USER_AGENT);
    lc.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    lc.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L);
    if (rq->timeout_ms > 0)
        lc.easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
    /* A transfer that moves nothing for 30 s is dead (large uploads have no total limit). */
    lc.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    lc.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    lc.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    lc.easy_setopt(h, CURLOPT_WRITEDATA, &x);
    lc.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    lc.easy_setopt(h, CURLOPT_HEADERDATA, &x);

    bool has_body = rq->body_len > 0 || strcmp(rq->method, "PUT") == 0 ||
                    strcmp(rq->method, "POST") == 0;
    if (strcmp(rq->method, "GET") == 0) {
        lc.easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        lc.easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "PUT") == 0) {
        lc.easy_setopt(h, CURLOPT_UPLOAD, 1L);
        lc.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (strcmp(rq->method, "POST") == 0) {
        lc.easy_setopt(h, CURLOPT_POST, 1L);
        lc.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (strcmp(rq->method, "DELETE") == 0) {
        lc.easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else {
        lc.slist_free_all(hl);
        return o2p_fail(err, O2P_EINVAL, "http: unsupported method %s", rq->method);
    }
    if (has_body) {
        lc.easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        lc.easy_setopt(h, CURLOPT_READDATA, &x);
        lc.easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        lc.easy_setopt(h, CURLOPT_SEEKDATA, &x);
    }

    CURLcode cc = lc.easy_perform(h);
    lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    lc.slist_free_all(hl);
    if (cc == CURLE_OK)
        return O2P_OK;
    if (x.overflow)
        return o2p_fail(err, O2P_ETOOBIG, "%s %s: response larger than the %zu-byte limit",
                        rq->method, rq->url, resp->body ? resp->body->max : (size_t)0);
    if (x.read_errno) {
        errno = x.read_errno;
        return o2p_fail_errno(err, "%s %s: reading the request body", rq->method, rq->url);
    }
    resp->status = 0;
    switch (cc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return o2p_fail(err, O2P_EINVAL, "%s %s: %s", rq->method, rq->url,
                        errbuf[0] ? errbuf : lc.easy_strerror(cc));
    default:
        return o2p_fail(err, O2P_EAGAIN, "%s %s: %s", rq->method, rq->url,
                        errbuf[0] ? errbuf : lc.easy_strerror(cc));
    }
}
