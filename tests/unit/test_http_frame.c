/*
 * test_http_frame.c - the HTTP/1.1 framing check of receiver_http_frame.c: what it accepts
 * (and how it rewrites legal syntax for evhttp), what it refuses with which status, and that
 * feeding a stream in one piece or a byte at a time gives the same verdict.
 */
#include "receiver/receiver_http_frame.h"
#include "testing.h"

#include <stdlib.h>

#define MAX_BODY 1000

/* feed - the stream whole and byte by byte; both must agree. Returns the status; *out gets
 * the bytes as rewritten (whole-feed copy) when out is not NULL. */
static int feed(const char *s, size_t n, char *out, struct http_frame *whole)
{
    struct http_frame a, b;
    receiver_http_frame_init(&a, MAX_BODY, true);
    receiver_http_frame_init(&b, MAX_BODY, true);
    uint8_t *x = malloc(n + 1), *y = malloc(n + 1);
    memcpy(x, s, n);
    memcpy(y, s, n);
    int ra = receiver_http_frame_feed(&a, x, n);
    int rb = 0;
    for (size_t i = 0; i < n && !rb; i++)
        rb = receiver_http_frame_feed(&b, y + i, 1);
    if (ra != rb || (!ra && memcmp(x, y, n)))
        ra = -1; /* the two ways disagree */
    if (out) {
        memcpy(out, x, n);
        out[n] = 0;
    }
    if (whole)
        *whole = a;
    free(x);
    free(y);
    return ra;
}
#define FEED(lit) feed(lit, sizeof lit - 1, NULL, NULL)

TEST(accepts_plain_requests)
{
    CHECK_EQ_INT(FEED("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(FEED("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
    CHECK_EQ_INT(FEED("POST /v1/logs HTTP/1.1\r\nContent-Length: 5\r\nContent-Type: x\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n"), 0);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), 0);
    CHECK_EQ_INT(FEED("\r\nGET / HTTP/1.1\r\nX: \xff obs-text\t ok \r\n\r\n"), 0); /* empty line before: skipped */
    CHECK_EQ_INT(FEED("HEAD / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 0);
}

TEST(chunked_bodies_and_extensions)
{
    char out[256];
    static const char req[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5;name=value\r\nhello\r\n3 ; a=\"q s\";b\r\nabc\r\n0;last\r\nX-Sum: 1\r\n\r\n";
    CHECK_EQ_INT(feed(req, sizeof req - 1, out, NULL), 0);
    CHECK(strstr(out, "\r\n5           \r\nhello\r\n3            \r\nabc\r\n0     \r\nX-Sum") != NULL);
    static const char tab[] = "POST / HTTP/1.1\r\nTransfer-Encoding:\t \tchunked\r\n\r\n0\r\n\r\n";
    CHECK_EQ_INT(feed(tab, sizeof tab - 1, out, NULL), 0);
    CHECK(strstr(out, "Transfer-Encoding:   chunked\r\n") != NULL);
    static const char commas[] = "POST / HTTP/1.1\r\nTransfer-Encoding: , Chunked ,\r\n\r\n0\r\n\r\n";
    CHECK_EQ_INT(feed(commas, sizeof commas - 1, out, NULL), 0);
    CHECK(strstr(out, "Transfer-Encoding:   Chunked  \r\n") != NULL);
}

TEST(smuggling_forms_are_400)
{
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("HEAD / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("TRACE / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("FOO / HTTP/1.1\r\nContent-Length: 1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), 400);            /* obs-fold */
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\n Content-Length: 5\r\n\r\n"), 400);   /* space before the first field */
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 0\nX: y\r\n\r\n"), 400); /* bare LF */
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nX: a\rContent-Length: 5\r\n\r\n"), 400); /* bare CR */
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nX: a\0b\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nX-\x01: a\r\n\r\n"), 400);
}

TEST(transfer_codings_we_lack_are_501)
{
    struct http_frame f;
    static const char req[] = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    CHECK_EQ_INT(feed(req, sizeof req - 1, NULL, &f), 501);
    CHECK(strstr(f.msg, "'gzip'") != NULL);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(chunk_framing_errors_are_400)
{
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 9\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nAuthorization: x\r\n\r\n"), 400);
}

TEST(sizes_are_413)
{
    struct http_frame f;
    static const char big[] = "POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
    CHECK_EQ_INT(feed(big, sizeof big - 1, NULL, &f), 413);
    CHECK(strstr(f.msg, "max_request_bytes") != NULL);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 413);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"), 0);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n"), 413);
    CHECK_EQ_INT(FEED("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffffff\r\n"), 413);
    char req[2200];
    int n = snprintf(req, sizeof req, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n%0500d\r\n1f5\r\n", 0);
    CHECK_EQ_INT(feed(req, (size_t)n, NULL, NULL), 413); /* 500 + 501 > 1000 */
}

TEST(request_line)
{
    struct http_frame f;
    static const char tls[] = "\x16\x03\x01\x02\x00\x01";
    CHECK_EQ_INT(feed(tls, sizeof tls - 1, NULL, &f), 400);
    CHECK(strstr(f.msg, "plain HTTP") != NULL);
    static const char h2[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    CHECK_EQ_INT(feed(h2, sizeof h2 - 1, NULL, &f), 505);
    CHECK_EQ_INT(FEED("GET /a b HTTP/1.1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("GET  / HTTP/1.1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("GET / HTTP/1.1 \r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("GET / HTTQ/1.1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), 400);
    CHECK_EQ_INT(FEED("G@T / HTTP/1.1\r\n\r\n"), 400);
}

TEST(hold_is_the_body_or_chunk_in_flight)
{
    struct http_frame f;
    receiver_http_frame_init(&f, MAX_BODY, true);
    uint8_t a[] = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
    CHECK_EQ_INT(receiver_http_frame_feed(&f, a, sizeof a - 1), 0);
    CHECK_EQ_INT(receiver_http_frame_hold(&f), 10);
    uint8_t b[] = "defghij";
    CHECK_EQ_INT(receiver_http_frame_feed(&f, b, sizeof b - 1), 0);
    CHECK_EQ_INT(receiver_http_frame_hold(&f), 0);
    uint8_t c[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nxx";
    CHECK_EQ_INT(receiver_http_frame_feed(&f, c, sizeof c - 1), 0);
    CHECK_EQ_INT(receiver_http_frame_hold(&f), 100);
    /* after a verdict, nothing is looked at */
    uint8_t d[] = "zz";
    receiver_http_frame_init(&f, MAX_BODY, false);
    CHECK_EQ_INT(receiver_http_frame_feed(&f, (uint8_t *)"\x16", 1), 400); /* not the TLS message */
    CHECK(strstr(f.msg, "TLS") == NULL);
    CHECK_EQ_INT(receiver_http_frame_feed(&f, d, 2), 400);
}

int main(void)
{
    RUN(accepts_plain_requests);
    RUN(chunked_bodies_and_extensions);
    RUN(smuggling_forms_are_400);
    RUN(transfer_codings_we_lack_are_501);
    RUN(chunk_framing_errors_are_400);
    RUN(sizes_are_413);
    RUN(request_line);
    RUN(hold_is_the_body_or_chunk_in_flight);
    return testing_done();
}
