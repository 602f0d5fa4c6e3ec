/*
 * fuzz_spool_record.c - the spool record header check on arbitrary stored bytes.
 */
#include "spooler/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spool_record_header h;
    const uint8_t *body;
    if (spool_record_decode(data, size, &h, &body, NULL) == O2P_OK && h.length != size - SPOOL_HEADER_BYTES)
        __builtin_trap();
    return 0;
}
