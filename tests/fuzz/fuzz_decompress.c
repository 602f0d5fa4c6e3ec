/*
 * fuzz_decompress.c - gzip/deflate/zstd decoding with a 1 MiB output limit on hostile input.
 */
#include "receiver/receiver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct buf out;
    buf_init(&out, 0);
    enum content_coding c = (enum content_coding)(data[0] % 4);
    receiver_decompress_body(c, data + 1, size - 1, 1u << 20, &out, NULL);
    buf_free(&out);
    return 0;
}
