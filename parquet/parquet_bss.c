/*
 * parquet_bss.c - BYTE_STREAM_SPLIT (Parquet Encodings.md, encoding 9) for DOUBLE.
 *
 * n values of w bytes become w streams of n bytes: stream k holds byte k of every value. The
 * bytes are the same as PLAIN's, reordered, so zstd sees the sign/exponent bytes of
 * measurements (nearly constant) apart from their noisy low mantissa bytes. The decoder
 * requires exactly n * w bytes and never reads past them.
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

int pq_bss_encode(const void *vals, size_t n, size_t w, struct buf *out)
{
    int rc = buf_reserve(out, n * w);
    if (rc != O2P_OK)
        return rc;
    const uint8_t *src = vals;
    uint8_t *dst = out->data + out->len;
    for (size_t k = 0; k < w; k++)
        for (size_t i = 0; i < n; i++)
            dst[k * n + i] = src[i * w + k];
    out->len += n * w;
    return O2P_OK;
}

int pq_bss_decode(const uint8_t *p, size_t len, size_t w, void *out, size_t n)
{
    if (w == 0 || n > SIZE_MAX / w || len != n * w)
        return O2P_ECORRUPT;
    uint8_t *dst = out;
    for (size_t k = 0; k < w; k++)
        for (size_t i = 0; i < n; i++)
            dst[i * w + k] = p[k * n + i];
    return O2P_OK;
}
