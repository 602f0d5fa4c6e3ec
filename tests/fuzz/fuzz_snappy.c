/*
 * fuzz_snappy.c - the raw Snappy decoder (common/snappy.c) on hostile streams, with a 1 MiB
 * ceiling. Beyond ASan/UBSan's checks: a success produces exactly the declared length and at
 * most the ceiling, a failure leaves an empty buffer, and decoding again with the ceiling set
 * to the length just produced succeeds with the same bytes (the limit is checked against the
 * declared length, nothing else).
 */
#include "common/snappy.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    size_t max = 1u << 20;
    int rc = snappy_decompress(data, size, max, &a, NULL);
    if (rc != O2P_OK && a.len != 0)
        __builtin_trap();
    if (rc == O2P_OK) {
        if (a.len > max)
            __builtin_trap();
        if (snappy_decompress(data, size, a.len, &b, NULL) != O2P_OK || b.len != a.len ||
            (a.len && memcmp(a.data, b.data, a.len) != 0))
            __builtin_trap();
        if (a.len && snappy_decompress(data, size, a.len - 1, &b, NULL) != O2P_ETOOBIG)
            __builtin_trap();
    }
    buf_free(&a);
    buf_free(&b);
    return 0;
}
