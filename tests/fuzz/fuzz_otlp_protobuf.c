/*
 * fuzz_otlp_protobuf.c - the receiver's decode-validate-count step on hostile protobuf (and,
 * for an odd first byte, OTLP/JSON): first byte picks signal and format, the rest is the body.
 */
#include "receiver/receiver_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static struct arena a;
    static int init;
    if (!init) {
        arena_init(&a, 64 * 1024, 64u << 20);
        init = 1;
    }
    enum o2p_signal sig = (enum o2p_signal)(data[0] % 3);
    enum ingest_format fmt = (data[0] & 0x80) ? INGEST_JSON : INGEST_PROTOBUF;
    struct ingest_prepared p;
    struct o2p_error err;
    if (receiver_ingest_prepare(sig, fmt, data + 1, size - 1, &a, &p, &err) == O2P_OK) {
        free(p.body);
        free(p.rejected_msg);
    }
    return 0;
}
