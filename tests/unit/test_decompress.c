/*
 * test_decompress.c - Content-Encoding decoders and their limits (bombs stop while inflating).
 */
#include "testing.h"

#include "receiver/receiver.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

static uint8_t *gzip_of(const uint8_t *in, size_t len, size_t *out_len, int window_bits)
{
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&zs, len) + 64;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)("otlp log line "[i % 14] + (i / 1000) % 3);
    return p;
}

TEST(coding_names)
{
    enum content_coding c;
    CHECK(receiver_decompress_coding_parse(NULL, &c) == O2P_OK && c == CODING_IDENTITY);
    CHECK(receiver_decompress_coding_parse("GZIP", &c) == O2P_OK && c == CODING_GZIP);
    CHECK(receiver_decompress_coding_parse("deflate", &c) == O2P_OK && c == CODING_DEFLATE);
    CHECK(receiver_decompress_coding_parse("zstd", &c) == O2P_OK && c == CODING_ZSTD);
    CHECK(receiver_decompress_coding_parse("br", &c) == O2P_EUNSUPPORTED);
    CHECK(receiver_decompress_coding_parse("snappy", &c) == O2P_EUNSUPPORTED);
}

TEST(round_trips)
{
    size_t n = 300000, zl;
    uint8_t *in = sample(n);
    int bits[] = {16 + 15, 15, -15};
    enum content_coding codings[] = {CODING_GZIP, CODING_DEFLATE, CODING_DEFLATE};
    for (int i = 0; i < 3; i++) {
        uint8_t *z = gzip_of(in, n, &zl, bits[i]);
        struct buf out;
        buf_init(&out, 0);
        struct o2p_error err = {0};
        int rc = receiver_decompress_body(codings[i], z, zl, n, &out, &err);
        free(z);
        CHECK_EQ_INT(rc, O2P_OK);
        CHECK(out.len == n && memcmp(out.data, in, n) == 0);
        buf_free(&out);
    }
    size_t cap = ZSTD_compressBound(n);
    uint8_t *z = malloc(cap);
    zl = ZSTD_compress(z, cap, in, n, 3);
    struct buf out;
    buf_init(&out, 0);
    CHECK_EQ_INT(receiver_decompress_body(CODING_ZSTD, z, zl, n, &out, NULL), O2P_OK);
    CHECK(out.len == n && memcmp(out.data, in, n) == 0);
    buf_free(&out);
    free(z);
    free(in);
}

TEST(concatenated_gzip_members)
{
    size_t l1, l2;
    uint8_t *a = gzip_of((const uint8_t *)"hello ", 6, &l1, 31);
    uint8_t *b = gzip_of((const uint8_t *)"world", 5, &l2, 31);
    uint8_t *both = malloc(l1 + l2);
    memcpy(both, a, l1);
    memcpy(both + l1, b, l2);
    struct buf out;
    buf_init(&out, 0);
    CHECK_EQ_INT(receiver_decompress_body(CODING_GZIP, both, l1 + l2, 100, &out, NULL), O2P_OK);
    CHECK(out.len == 11 && memcmp(out.data, "hello world", 11) == 0);
    buf_free(&out);
    free(a);
    free(b);
    free(both);
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

TEST(gzip_bomb_is_stopped_while_inflating)
{
    /* 1 GiB of zeros compresses to about 1 MB; decoding must stop at the limit. */
    size_t n = 256u << 20, zl;
    uint8_t *zeros = calloc(1, n);
    uint8_t *z = gzip_of(zeros, n, &zl, 31);
    free(zeros);
    long before = max_rss_kib();
    struct buf out;
    buf_init(&out, 0);
    struct o2p_error err = {0};
    int rc = receiver_decompress_body(CODING_GZIP, z, zl, 4u << 20, &out, &err);
    free(z);
    CHECK_EQ_INT(rc, O2P_ETOOBIG);
    CHECK(strstr(err.msg, "max_decompressed_bytes") != NULL);
    CHECK(out.cap <= (4u << 20) + 1);
    buf_free(&out);
    /* No more than a few MiB above the limit were ever resident for the output. */
    CHECK(max_rss_kib() - before < 16 * 1024 || before > 256 * 1024);
}

TEST(zstd_bomb_is_stopped)
{
    size_t n = 64u << 20;
    uint8_t *zeros = calloc(1, n);
    size_t cap = ZSTD_compressBound(n);
    uint8_t *z = malloc(cap);
    size_t zl = ZSTD_compress(z, cap, zeros, n, 1);
    free(zeros);
    struct buf out;
    buf_init(&out, 0);
    struct o2p_error err = {0};
    CHECK_EQ_INT(receiver_decompress_body(CODING_ZSTD, z, zl, 1u << 20, &out, &err), O2P_ETOOBIG);
    CHECK(out.cap <= (1u << 20) + 1);
    buf_free(&out);
    free(z);
}

TEST(corrupt_and_truncated_streams)
{
    size_t n = 10000, zl;
    uint8_t *in = sample(n);
    uint8_t *z = gzip_of(in, n, &zl, 31);
    struct buf out;
    buf_init(&out, 0);
    struct o2p_error err = {0};
    CHECK_EQ_INT(receiver_decompress_body(CODING_GZIP, z, zl / 2, n, &out, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "truncated") != NULL);
    z[zl / 2] ^= 0xff;
    z[zl / 2 + 1] ^= 0x55;
    CHECK_EQ_INT(receiver_decompress_body(CODING_GZIP, z, zl, n, &out, &err), O2P_EINVAL);
    CHECK_EQ_INT(receiver_decompress_body(CODING_GZIP, (const uint8_t *)"not gzip at all", 15, n, &out, &err), O2P_EINVAL);
    CHECK_EQ_INT(receiver_decompress_body(CODING_ZSTD, (const uint8_t *)"not zstd at all", 15, n, &out, &err), O2P_EINVAL);
    CHECK(out.len == 0);
    buf_free(&out);
    free(z);
    free(in);
}

TEST(identity_respects_limit)
{
    struct buf out;
    buf_init(&out, 0);
    CHECK_EQ_INT(receiver_decompress_body(CODING_IDENTITY, (const uint8_t *)"12345", 5, 4, &out, NULL), O2P_ETOOBIG);
    CHECK_EQ_INT(receiver_decompress_body(CODING_IDENTITY, (const uint8_t *)"12345", 5, 5, &out, NULL), O2P_OK);
    CHECK(out.len == 5);
    buf_free(&out);
}

int main(void)
{
    RUN(coding_names);
    RUN(round_trips);
    RUN(concatenated_gzip_members);
    RUN(gzip_bomb_is_stopped_while_inflating);
    RUN(zstd_bomb_is_stopped);
    RUN(corrupt_and_truncated_streams);
    RUN(identity_respects_limit);
    return testing_done();
}
