/*
 * snappy.c - raw Snappy decoder (see snappy.h), written from google/snappy
 * format_description.txt:
 *
 *   stream  = varint(uncompressed length, < 2^32, at most 5 bytes) element*
 *   element = tag byte, low 2 bits the kind:
 *     00 literal  len-1 in the upper 6 bits if < 60, else in the next 1..4 bytes (LE), 60..63
 *                 saying how many; the len bytes follow
 *     01 copy-1   len = 4 + bits 2..4; offset = bits 5..7 << 8 | next byte (11 bits)
 *     10 copy-2   len = 1 + upper 6 bits; offset = next 2 bytes (LE)
 *     11 copy-4   len = 1 + upper 6 bits; offset = next 4 bytes (LE)
 *   A copy repeats `len` bytes starting `offset` bytes back in the output; it may overlap
 *   what it writes (offset < len is run-length encoding).
 *
 * Invariants: 0 <= pos <= n (input) and 0 <= op <= want (output) at every step; every read
 * of the input is preceded by a check of what is left, every write by a check against the
 * declared length, so a hostile stream can neither read nor write out of bounds. Memory: one
 * allocation of the declared length, after the ceiling check and a check that the input could
 * produce it (at most 64 bytes per 3: a few bytes cannot make us allocate the ceiling).
 *
 * Does not: decode the framing format, validate a CRC (the Avro codec keeps its own, checked
 * by the caller), or compress.
 */
#include "common/snappy.h"

#include <string.h>

/* bad - an O2P_ECORRUPT for the element at byte `at` of the input */
static int bad(struct buf *out, struct o2p_error *err, size_t at, const char *why)
{
    out->len = 0;
    return o2p_fail(err, O2P_ECORRUPT, "snappy: %s at byte %zu", why, at);
}

/* preamble - the declared uncompressed length; *pos past it */
static int preamble(const uint8_t *in, size_t n, size_t *pos, uint64_t *want, struct buf *out,
                    struct o2p_error *err)
{
    uint64_t v = 0;
    for (int i = 0; i < 5; i++) {
        if (*pos >= n)
            return bad(out, err, *pos, "truncated length preamble");
        uint8_t c = in[(*pos)++];
        v |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80)) {
            if (v > UINT32_MAX)
                return bad(out, err, 0, "declared length above 2^32 - 1");
            *want = v;
            return O2P_OK;
        }
    }
    return bad(out, err, 0, "length preamble longer than 5 bytes");
}

/* le - the n-byte little-endian value at p */
static size_t le(const uint8_t *p, size_t n)
{
    size_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (size_t)p[i] << (8 * i);
    return v;
}

int snappy_decompress(const uint8_t *in, size_t n, size_t max, struct buf *out, struct o2p_error *err)
{
    size_t pos = 0;
    uint64_t want64 = 0;
    buf_reset(out);
    int rc = preamble(in, n, &pos, &want64, out, err);
    if (rc != O2P_OK)
        return rc;
    if (want64 > max)
        return o2p_fail(err, O2P_ETOOBIG, "snappy: block declares %llu bytes, more than the %zu allowed",
                        (unsigned long long)want64, max);
    /* No element yields more than 64 bytes for 3 of input (a copy-2): a length beyond 22 per
     * input byte cannot be produced, and is refused before it is allocated. */
    if (want64 > (uint64_t)(n - pos) * 22)
        return bad(out, err, 0, "declared length larger than the input can produce");
    size_t want = (size_t)want64;
    rc = buf_reserve(out, want);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "snappy: room for the declared %zu bytes: %s", want, o2p_strerror(rc));
    uint8_t *dst = out->data;
    size_t op = 0;
    while (pos < n) {
        size_t at = pos, len, off;
        uint8_t tag = in[pos++];
        switch (tag & 3) {
        case 0:
            len = tag >> 2;
            if (len >= 60) {
                size_t nb = len - 59;
                if (n - pos < nb)
                    return bad(out, err, at, "truncated literal length");
                len = le(in + pos, nb);
                pos += nb;
            }
            /* len is the length - 1 here: compared before the + 1, which cannot then overflow */
            if (len >= n - pos)
                return bad(out, err, at, "literal runs past the end of the input (truncated)");
            if (len >= want - op)
                return bad(out, err, at, "literal would write past the declared length");
            len += 1;
            memcpy(dst + op, in + pos, len);
            op += len;
            pos += len;
            continue;
        case 1:
            if (n - pos < 1)
                return bad(out, err, at, "truncated copy (1-byte offset)");
            len = 4 + ((tag >> 2) & 7);
            off = (size_t)(tag >> 5) << 8 | in[pos];
            pos += 1;
            break;
        case 2:
            if (n - pos < 2)
                return bad(out, err, at, "truncated copy (2-byte offset)");
            len = 1 + (tag >> 2);
            off = le(in + pos, 2);
            pos += 2;
            break;
        default:
            if (n - pos < 4)
                return bad(out, err, at, "truncated copy (4-byte offset)");
            len = 1 + (tag >> 2);
            off = le(in + pos, 4);
            pos += 4;
            break;
        }
        if (off == 0)
            return bad(out, err, at, "copy with offset 0");
        if (off > op)
            return bad(out, err, at, "copy reaches before the start of the output");
        if (len > want - op)
            return bad(out, err, at, "copy would write past the declared length");
        if (off >= len) {
            memcpy(dst + op, dst + op - off, len);
        } else {
            /* overlapping: each byte may be one this copy just wrote (run-length encoding) */
            for (size_t i = 0; i < len; i++)
                dst[op + i] = dst[op + i - off];
        }
        op += len;
    }
    if (op != want) {
        out->len = 0;
        return o2p_fail(err, O2P_ECORRUPT, "snappy: input ends after %zu of the %zu declared bytes (truncated)",
                        op, want);
    }
    out->len = want;
    return O2P_OK;
}
