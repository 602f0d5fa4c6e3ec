/*
 * test_snappy.c - the raw Snappy decoder (common/snappy.c): every element kind by hand
 * (google/snappy format_description.txt), a 300 KB sample compressed by python3-snappy (the
 * reference compressor's Python binding), and each rule a hostile stream can break: declared
 * length above the ceiling, offset 0, a copy reaching before the output's start, output
 * overrun, truncated input at every cut.
 */
#include "testing.h"

#include "common/snappy.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* decode - snappy_decompress on n bytes of s; the code, the output in *out (caller frees) */
static int decode(const char *s, size_t n, size_t max, struct buf *out, struct o2p_error *err)
{
    buf_init(out, 0);
    memset(err, 0, sizeof *err);
    return snappy_decompress((const uint8_t *)s, n, max, out, err);
}

#define OK_AS(stream, want)                                                          \
    do {                                                                             \
        struct buf o_;                                                               \
        struct o2p_error e_;                                                         \
        int rc_ = decode(stream, sizeof stream - 1, 1 << 20, &o_, &e_);              \
        int same_ = rc_ == O2P_OK && o_.len == sizeof want - 1 && !memcmp(o_.data, want, o_.len); \
        buf_free(&o_);                                                               \
        if (!same_)                                                                  \
            FAILF("%s -> rc %d (%s)", #stream, rc_, e_.msg);                         \
    } while (0)

#define BAD_AS(stream, code, why)                                                    \
    do {                                                                             \
        struct buf o_;                                                               \
        struct o2p_error e_;                                                         \
        int rc_ = decode(stream, sizeof stream - 1, 1 << 20, &o_, &e_);              \
        size_t len_ = o_.len;                                                        \
        buf_free(&o_);                                                               \
        if (rc_ != (code) || len_ != 0 || !strstr(e_.msg, why))                      \
            FAILF("%s -> rc %d len %zu \"%s\", expected %d \"%s\"", #stream, rc_, len_, e_.msg, code, why); \
    } while (0)

TEST(elements)
{
    OK_AS("\x00", "");                                           /* empty */
    OK_AS("\x03\x08" "abc", "abc");                              /* literal, length in the tag */
    /* copy-1: "ab" then 6 bytes from 2 back (overlapping: run-length) */
    OK_AS("\x08\x04" "ab" "\x09\x02", "abababab");
    /* copy-1 with the offset's upper bits in the tag: offset 256 + 4 */
    char lit[300];
    for (int i = 0; i < 300; i++)
        lit[i] = (char)('a' + i % 23);
    struct buf o;
    struct o2p_error e;
    char s[400];
    size_t n = 0;
    s[n++] = (char)0xb4; s[n++] = 0x02;                          /* length 308 (varint) */
    s[n++] = (char)(61 << 2); s[n++] = (char)(299 & 0xff); s[n++] = (char)(299 >> 8); /* literal, 2-byte len */
    memcpy(s + n, lit, 300); n += 300;
    s[n++] = (char)(1 | (0 << 2) | (1 << 5)); s[n++] = 4;        /* copy-1 len 4 offset 260 */
    s[n++] = (char)(2 | (3 << 2)); s[n++] = 0x2c; s[n++] = 0x01; /* copy-2 len 4 offset 300 */
    CHECK_EQ_INT(decode(s, n, 1 << 20, &o, &e), O2P_OK);
    int ok = o.len == 308 && !memcmp(o.data, lit, 300) && !memcmp(o.data + 300, lit + 40, 4) &&
             !memcmp(o.data + 304, lit + 4, 4);
    buf_free(&o);
    CHECK(ok);
    /* literal with a 1-byte length (tag 60), then copy-4 of 64 bytes from 100 back */
    n = 0;
    s[n++] = (char)164; s[n++] = 1;                              /* length 164 */
    s[n++] = (char)(60 << 2); s[n++] = 99;
    memcpy(s + n, lit, 100); n += 100;
    s[n++] = (char)(3 | (63 << 2)); s[n++] = 100; s[n++] = 0; s[n++] = 0; s[n++] = 0;
    CHECK_EQ_INT(decode(s, n, 1 << 20, &o, &e), O2P_OK);
    ok = o.len == 164 && !memcmp(o.data, lit, 100) && !memcmp(o.data + 100, lit, 64);
    buf_free(&o);
    CHECK(ok);
    /* literal lengths in 3 and 4 bytes (tags 62, 63) */
    OK_AS("\x02\xf8\x01\x00\x00" "xy", "xy");
    OK_AS("\x02\xfc\x01\x00\x00\x00" "xy", "xy");
    OK_AS("\x04\x00" "a" "\x00" "b" "\x06\x02\x00", "abab");     /* two literals in a row, copy-2 */
}

TEST(hostile)
{
    BAD_AS("\x05\x00" "a" "\x01\x00", O2P_ECORRUPT, "offset 0");            /* copy-1 offset 0 */
    BAD_AS("\x05\x00" "a" "\x02\x00\x00", O2P_ECORRUPT, "offset 0");        /* copy-2 offset 0 */
    BAD_AS("\x05\x00" "a" "\x03\x00\x00\x00\x00", O2P_ECORRUPT, "offset 0");
    BAD_AS("\x05\x00" "a" "\x01\x02", O2P_ECORRUPT, "before the start");    /* 2 back, 1 written */
    BAD_AS("\x05\x02\x01\x00", O2P_ECORRUPT, "before the start");           /* a copy first */
    BAD_AS("\x05\x00" "a" "\x03\xff\xff\xff\xff", O2P_ECORRUPT, "before the start");
    BAD_AS("\x02\x08" "abc", O2P_ECORRUPT, "past the declared length");     /* literal overrun */
    BAD_AS("\x04\x04" "ab" "\x09\x02", O2P_ECORRUPT, "past the declared length"); /* copy overrun */
    BAD_AS("\x03\x08" "ab", O2P_ECORRUPT, "truncated");                     /* literal cut */
    BAD_AS("\x08\x04" "ab" "\x09", O2P_ECORRUPT, "truncated");              /* copy-1 cut */
    BAD_AS("\x08\x04" "ab" "\x0a\x02", O2P_ECORRUPT, "truncated");          /* copy-2 cut */
    BAD_AS("\x08\x04" "ab" "\x0b\x02\x00", O2P_ECORRUPT, "truncated");      /* copy-4 cut */
    BAD_AS("\x08\xf0", O2P_ECORRUPT, "truncated");                          /* literal length cut */
    BAD_AS("\x08\x04" "ab", O2P_ECORRUPT, "2 of the 8 declared");           /* stream ends early */
    BAD_AS("", O2P_ECORRUPT, "truncated length");
    BAD_AS("\x80\x80", O2P_ECORRUPT, "truncated length");
    BAD_AS("\xff\xff\xff\xff\xff\x01", O2P_ECORRUPT, "longer than 5 bytes");
    BAD_AS("\xff\xff\xff\xff\x7f", O2P_ECORRUPT, "above 2^32");
    BAD_AS("\xc8\x01\x00" "a", O2P_ECORRUPT, "larger than the input can produce"); /* 200 from 2 */
    /* the ceiling: checked against the declared length, before anything is allocated */
    struct buf o;
    struct o2p_error e;
    CHECK_EQ_INT(decode("\x03\x08" "abc", 5, 2, &o, &e), O2P_ETOOBIG);
    CHECK(strstr(e.msg, "declares 3 bytes, more than the 2 allowed") != NULL);
    CHECK(o.data == NULL);
    buf_free(&o);
    CHECK_EQ_INT(decode("\xff\xff\xff\xff\x0f", 5, 1 << 20, &o, &e), O2P_ETOOBIG);
    CHECK(o.data == NULL);
    buf_free(&o);
    /* the buffer's own ceiling holds too */
    buf_init(&o, 2);
    CHECK_EQ_INT(snappy_decompress((const uint8_t *)"\x03\x08" "abc", 5, 100, &o, NULL), O2P_ETOOBIG);
    buf_free(&o);
}

/* run - a shell command's exit status */
static int run(const char *cmd)
{
    int st = system(cmd);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

/* python_snappy - in[0..n) compressed by python3-snappy; malloc'ed, *zn its length; NULL on failure */
static uint8_t *python_snappy(const char *in, size_t n, size_t *zn)
{
    char dir[] = "/tmp/o2p-snappy.XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    char raw[64], z[64], cmd[512];
    snprintf(raw, sizeof raw, "%s/raw", dir);
    snprintf(z, sizeof z, "%s/z", dir);
    FILE *f = fopen(raw, "wb");
    size_t w = f ? fwrite(in, 1, n, f) : 0;
    if (f)
        fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import snappy,sys; open(sys.argv[2],\"wb\").write("
             "snappy.compress(open(sys.argv[1],\"rb\").read()))' %s %s", raw, z);
    int st = w == n ? run(cmd) : -1;
    uint8_t *zb = malloc(n + n / 6 + 64);
    *zn = 0;
    f = st == 0 && zb ? fopen(z, "rb") : NULL;
    if (f) {
        *zn = fread(zb, 1, n + n / 6 + 64, f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run(cmd);
    if (!*zn) {
        free(zb);
        return NULL;
    }
    return zb;
}

/* decodes_back - the sample through python3-snappy and back; every prefix fails cleanly and a
 * ceiling one byte short is O2P_ETOOBIG. "" or what went wrong. */
static const char *decodes_back(const char *in, size_t n)
{
    size_t zn;
    uint8_t *zb = python_snappy(in, n, &zn);
    if (!zb)
        return "python3-snappy did not compress the sample (apt-get install python3-snappy)";
    struct buf o;
    buf_init(&o, 0);
    const char *why = "";
    if (snappy_decompress(zb, zn, n, &o, NULL) != O2P_OK || o.len != n || memcmp(o.data, in, n) != 0)
        why = "did not decode to the sample";
    for (size_t cut = 0; cut < zn && !why[0]; cut += 1 + cut / 7)
        if (snappy_decompress(zb, cut, n, &o, NULL) != O2P_ECORRUPT || o.len != 0)
            why = "a prefix did not fail as O2P_ECORRUPT";
    if (!why[0] && snappy_decompress(zb, zn, n - 1, &o, NULL) != O2P_ETOOBIG)
        why = "a ceiling one byte short was not O2P_ETOOBIG";
    buf_free(&o);
    free(zb);
    return why;
}

TEST(python_snappy_sample)
{
    /* 300 KB of log-like text, compressed by python3-snappy (libsnappy underneath) */
    size_t n = 300000;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = "level=info comp=writer op=flush rows=1024 file=logs-"[i % 52] + (char)((i / 997) % 5);
    const char *why = decodes_back(in, n);
    /* 1 MiB of zeros: the best ratio the compressor reaches (64 bytes per 3-byte copy), under
     * the 22-per-byte bound the decoder enforces */
    size_t zeros = 1u << 20;
    char *z = calloc(1, zeros);
    const char *why0 = decodes_back(z, zeros);
    free(in);
    free(z);
    if (why[0])
        FAILF("log text: %s", why);
    if (why0[0])
        FAILF("zeros: %s", why0);
}

int main(void)
{
    RUN(elements);
    RUN(hostile);
    RUN(python_snappy_sample);
    return testing_done();
}
