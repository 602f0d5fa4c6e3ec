/*
 * fuzz_parquet_delta.c - libFuzzer target for the reader's DELTA_BINARY_PACKED decoder
 * (parquet/parquet_delta.c), which our reader uses on INT32/INT64 pages (compaction reads them),
 * and its BYTE_STREAM_SPLIT decoder (parquet_bss.c, DOUBLE pages).
 *
 * Input: byte 0 selects INT64 (bit 0) and, from bits 1-7, how many values to ask for (with the
 * next byte: up to 32,767); the rest is the page's value bytes. Hostile bytes must never crash,
 * read out of bounds or loop for long. Then the same bytes are read as values, encoded, and
 * decoded again: the round trip must give them back exactly. The same bytes as a
 * BYTE_STREAM_SPLIT page of doubles, and back, must also give them back exactly.
 */
#include "parquet/parquet_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int is64 = data[0] & 1;
    size_t count = ((size_t)(data[0] >> 1) << 8 | data[1]);
    data += 2;
    size -= 2;
    int64_t *out = malloc((count + 1) * sizeof *out);
    if (!out)
        return 0;
    size_t used = 0;
    if (pq_delta_decode(data, size, is64, out, count, &used) == O2P_OK && used > size)
        abort();
    free(out);

    size_t w = is64 ? 8 : 4, n = size / w;
    struct buf b;
    buf_init(&b, 0);
    int64_t *back = malloc((n + 1) * sizeof *back);
    if (back && pq_delta_encode(data, n, is64, &b) == O2P_OK) {
        if (pq_delta_decode(b.data, b.len, is64, back, n, &used) != O2P_OK || used != b.len)
            abort();
        for (size_t i = 0; i < n; i++) {
            int64_t v = 0;
            if (is64) {
                memcpy(&v, data + i * 8, 8);
            } else {
                int32_t x;
                memcpy(&x, data + i * 4, 4);
                v = x;
            }
            if (back[i] != v)
                abort();
        }
    }
    free(back);
    buf_free(&b);

    size_t nd = size / 8;
    uint8_t *d = malloc(nd * 8 + 1);
    struct buf e;
    buf_init(&e, 0);
    if (d && pq_bss_decode(data, nd * 8, 8, d, nd) == O2P_OK && pq_bss_encode(d, nd, 8, &e) == O2P_OK &&
        (e.len != nd * 8 || (nd && memcmp(e.data, data, nd * 8) != 0)))
        abort();
    if (d && nd && pq_bss_decode(data, nd * 8 - 1, 8, d, nd) != O2P_ECORRUPT)
        abort();
    free(d);
    buf_free(&e);
    return 0;
}
