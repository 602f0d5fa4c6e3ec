/*
 * fuzz_parquet_footer.c - libFuzzer target for the Parquet reader on hostile input.
 *
 * The input is taken two ways: as raw FileMetaData Thrift bytes (pqr_parse_footer), and as a
 * whole file (pqr_dump: magic, footer, then every page of every column decoded and rows
 * reassembled). Neither may crash, leak, hang or read out of bounds, whatever the bytes.
 */
#include "parquet/parquet_read.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct o2p_error err;
    struct pqr_file *f;
    if (pqr_parse_footer(data, size, &f, &err) == O2P_OK)
        pqr_file_free(f);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        pqr_dump(data, size, 1, 1000, out, &err);
        fclose(out);
    }
    return 0;
}
