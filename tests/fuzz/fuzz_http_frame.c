/*
 * fuzz_http_frame.c - libFuzzer target for the HTTP/1.1 framing check (receiver_http_frame.c)
 * on its own, where coverage guides every byte (fuzz_http_request drives it end to end behind
 * libevent). The input's first byte is the piece size the stream is fed in (0: one byte at a
 * time), its second the size limit and the port kind; the rest is what a client sends.
 * Invariants (abort() on violation):
 *   - fed whole or in pieces, the stream gets the same verdict, and the same rewritten bytes;
 *   - a rewrite only turns a byte into a space, and never touches CR or LF (lines stay put);
 *   - the verdict is 0, 400, 413, 501 or 505, with a NUL-terminated message when not 0;
 *   - the bytes to hold never exceed the size limit.
 */
#include "receiver/receiver_http_frame.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t piece = data[0] ? data[0] : 1;
    uint64_t max = 1 + (uint64_t)(data[1] >> 1) * 97;
    bool plain = data[1] & 1;
    const uint8_t *in = data + 2;
    size_t n = size - 2;
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
    if (!a || !b)
        abort();
    memcpy(a, in, n);
    memcpy(b, in, n);
    struct http_frame fa, fb;
    receiver_http_frame_init(&fa, max, plain);
    receiver_http_frame_init(&fb, max, plain);
    int ra = receiver_http_frame_feed(&fa, a, n);
    int rb = 0;
    for (size_t i = 0; i < n && !rb; i += piece) {
        rb = receiver_http_frame_feed(&fb, b + i, n - i < piece ? n - i : piece);
        if (receiver_http_frame_hold(&fb) > max)
            abort();
    }
    if (ra != rb || (ra == 0 && memcmp(a, b, n) != 0))
        abort();
    if (ra != 0 && ra != 400 && ra != 413 && ra != 501 && ra != 505)
        abort();
    if (ra && (!memchr(fa.msg, 0, sizeof fa.msg) || !fa.msg[0]))
        abort();
    for (size_t i = 0; i < n; i++)
        if (a[i] != in[i] && (a[i] != ' ' || in[i] == '\r' || in[i] == '\n'))
            abort();
    free(a);
    free(b);
    return 0;
}
