/*
 * receiver_decompress.c - Content-Encoding / grpc-encoding decoders with a hard output limit.
 *
 * The output buffer's ceiling is the limit: inflating stops the moment the next chunk would
 * pass it, so a 10 KB gzip bomb costs at most max_out bytes of memory and a little CPU, never
 * the gigabytes it expands to.
 */
#include "receiver/receiver.h"

#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (64 * 1024)

int receiver_decompress_coding_parse(const char *name, enum content_coding *out)
{
    if (!name || !*name || !strcasecmp(name, "identity"))
        *out = CODING_IDENTITY;
    else if (!strcasecmp(name, "gzip") || !strcasecmp(name, "x-gzip"))
        *out = CODING_GZIP;
    else if (!strcasecmp(name, "deflate"))
        *out = CODING_DEFLATE;
    else if (!strcasecmp(name, "zstd"))
        *out = CODING_ZSTD;
    else
        return O2P_EUNSUPPORTED;
    return O2P_OK;
}

static int too_big(struct o2p_error *err, size_t max_out)
{
    return o2p_fail(err, O2P_ETOOBIG,
                    "decompressed body exceeds receiver.max_decompressed_bytes (%zu bytes)", max_out);
}

/* window_bits: 16+15 gzip, 15 zlib, -15 raw deflate. */
static int inflate_into(int window_bits, const uint8_t *in, size_t len, size_t max_out,
                        struct buf *out, struct o2p_error *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return o2p_fail(err, O2P_ENOMEM, "inflateInit2 failed");
    size_t start = out->len;
    zs.next_in = (Bytef *)in;
    int rc = O2P_OK;
    int zrc = Z_OK;
    size_t remaining = len;
    while (rc == O2P_OK) {
        if (zs.avail_in == 0 && remaining) {
            zs.avail_in = remaining > UINT32_MAX ? UINT32_MAX : (uInt)remaining;
            remaining -= zs.avail_in;
        }
        size_t room = max_out - (out->len - start);
        if (room == 0) {
            rc = too_big(err, max_out);
            break;
        }
        size_t want = room < CHUNK ? room : CHUNK;
        rc = buf_reserve(out, want);
        if (rc != O2P_OK) {
            rc = rc == O2P_ETOOBIG ? too_big(err, max_out) : o2p_fail(err, rc, "out of memory");
            break;
        }
        zs.next_out = out->data + out->len;
        zs.avail_out = (uInt)want;
        zrc = inflate(&zs, Z_NO_FLUSH);
        out->len += want - zs.avail_out;
        if (zrc == Z_STREAM_END) {
            /* gzip allows several members back to back. */
            if (zs.avail_in == 0 && remaining == 0)
                break;
            if (window_bits > 16 && inflateReset(&zs) == Z_OK)
                continue;
            rc = o2p_fail(err, O2P_EINVAL, "trailing bytes after the compressed stream");
            break;
        }
        if (zrc == Z_BUF_ERROR && zs.avail_in == 0 && remaining == 0) {
            rc = o2p_fail(err, O2P_EINVAL, "compressed body is truncated");
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = o2p_fail(err, O2P_EINVAL, "corrupt %s stream: %s",
                          window_bits > 16 ? "gzip" : "deflate", zs.msg ? zs.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != O2P_OK)
        out->len = start;
    else if (out->data)
        out->data[out->len] = 0;
    return rc;
}

static int zstd_into(const uint8_t *in, size_t len, size_t max_out, struct buf *out,
                     struct o2p_error *err)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds)
        return o2p_fail(err, O2P_ENOMEM, "ZSTD_createDStream failed");
    /* Refuse frames that would need a window larger than our whole output budget. */
    ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, 27);
    size_t start = out->len;
    ZSTD_inBuffer ib = {in, len, 0};
    int rc = O2P_OK;
    size_t last = 1;
    while (rc == O2P_OK && (ib.pos < ib.size || last != 0)) {
        size_t room = max_out - (out->len - start);
        if (room == 0) {
            rc = too_big(err, max_out);
            break;
        }
        size_t want = room < CHUNK ? room : CHUNK;
        rc = buf_reserve(out, want);
        if (rc != O2P_OK) {
            rc = rc == O2P_ETOOBIG ? too_big(err, max_out) : o2p_fail(err, rc, "out of memory");
            break;
        }
        ZSTD_outBuffer ob = {out->data + out->len, want, 0};
        size_t before_in = ib.pos;
        last = ZSTD_decompressStream(ds, &ob, &ib);
        out->len += ob.pos;
        if (ZSTD_isError(last)) {
            rc = o2p_fail(err, O2P_EINVAL, "corrupt zstd stream: %s", ZSTD_getErrorName(last));
            break;
        }
        if (ib.pos == ib.size && last != 0 && ob.pos == 0 && before_in == ib.pos) {
            rc = o2p_fail(err, O2P_EINVAL, "zstd body is truncated");
            break;
        }
    }
    ZSTD_freeDStream(ds);
    if (rc != O2P_OK)
        out->len = start;
    else if (out->data)
        out->data[out->len] = 0;
    return rc;
}

static int decode(enum content_coding coding, const uint8_t *in, size_t len, size_t max_out,
                  struct buf *out, struct o2p_error *err)
{
    switch (coding) {
    case CODING_IDENTITY:
        if (len > max_out)
            return too_big(err, max_out);
        if (buf_append(out, in, len) != O2P_OK)
            return o2p_fail(err, O2P_ENOMEM, "out of memory");
        return O2P_OK;
    case CODING_GZIP:
        return inflate_into(16 + MAX_WBITS, in, len, max_out, out, err);
    case CODING_DEFLATE:
        /* HTTP "deflate" is the zlib format, but some clients send raw deflate: the zlib
         * header's check bits tell them apart. */
        if (len >= 2 && (in[0] & 0x0f) == 8 && ((in[0] << 8) | in[1]) % 31 == 0)
            return inflate_into(MAX_WBITS, in, len, max_out, out, err);
        return inflate_into(-MAX_WBITS, in, len, max_out, out, err);
    case CODING_ZSTD:
        return zstd_into(in, len, max_out, out, err);
    }
    return o2p_fail(err, O2P_EUNSUPPORTED, "unsupported content coding");
}

int receiver_decompress_body(enum content_coding coding, const uint8_t *in, size_t len, size_t max_out,
                    struct buf *out, struct o2p_error *err)
{
    /* Cap the buffer itself for the duration, so its doubling growth cannot allocate past
     * the limit either. */
    size_t saved_max = out->max;
    if (!out->max || out->max > out->len + max_out)
        out->max = out->len + max_out;
    int rc = decode(coding, in, len, max_out, out, err);
    out->max = saved_max;
    return rc;
}
