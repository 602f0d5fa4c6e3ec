/*
 * fuzz_grpc_frames.c - libFuzzer target for the gRPC framing helpers (receiver_grpc_frame.c).
 * The input's first byte picks the size limit; the rest is a request body. Checks the
 * invariants: a parsed message lies inside the input and fits the limit; peek agrees with
 * parse; percent-encoding never overflows and yields only printable ASCII.
 */
#include "receiver/receiver_grpc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = (size_t)data[0] * 37;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    struct grpc_msg m;
    struct o2p_error err = {0};
    int rc = receiver_grpc_frame_parse(p, len, max, &m, &err);
    if (rc == O2P_OK) {
        if (m.data != p + GRPC_PREFIX_LEN || m.len + GRPC_PREFIX_LEN != len || m.len > max)
            abort();
        size_t n = 0;
        if (receiver_grpc_frame_peek(p, len, max, &n, NULL) != O2P_OK || n != m.len)
            abort();
    } else if (rc != O2P_EPROTO && rc != O2P_ETOOBIG) {
        abort();
    }
    (void)receiver_grpc_frame_path_signal(p, len);
    char *s = malloc(len + 1);
    if (!s)
        return 0;
    memcpy(s, p, len);
    s[len] = 0;
    char out[64];
    size_t o = receiver_grpc_frame_percent_encode(s, out, (size_t)data[0] % sizeof out + 1);
    if (o >= sizeof out || out[o] != 0)
        abort();
    for (size_t i = 0; i < o; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            abort();
    free(s);
    return 0;
}
