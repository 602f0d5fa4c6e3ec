/*
 * fuzz_iceberg_avro.c - the Avro container reader (iceberg/iceberg_avro.c) on hostile files:
 * header, schema, blocks in every codec it reads (null, deflate, snappy + CRC32, zstandard).
 * The first byte picks the block ceiling (2^(b % 21) bytes, 1 B .. 1 MiB) so the limits of each
 * codec are reached too; the rest is the file. The corpus is seeded with python3-avro's
 * manifest lists and manifests in all four codecs (tests/unit/data/avro). Beyond ASan/UBSan:
 * the reader returns one of its documented codes, and a success holds no more records than
 * allowed.
 */
#include "iceberg/iceberg_avro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max_block = (size_t)1 << (data[0] % 21);
    struct iceberg_avro_file f;
    int rc = iceberg_avro_read(data + 1, size - 1, 10000, max_block, &f, NULL);
    if (rc == O2P_OK) {
        if (json_array_size(f.records) > 10000)
            __builtin_trap();
        iceberg_avro_file_free(&f);
    } else if (rc != O2P_ECORRUPT && rc != O2P_ETOOBIG && rc != O2P_EUNSUPPORTED && rc != O2P_ENOMEM &&
               rc != O2P_EIO) {
        __builtin_trap();
    }
    return 0;
}
