/*
 * fuzz_otlp_json.c - libFuzzer target for otlp_json_decode.
 *
 * The first input byte picks the signal (mod 3), the rest is the JSON body. Each input is
 * decoded under a 1 MiB arena ceiling; a successful decode is packed with protobuf-c and
 * unpacked again so that every structure the decoder built is walked, and the repacked bytes
 * must equal the first pack. A failure must carry a message.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ibuild/proto \
 *     tests/fuzz/fuzz_otlp_json.c otel/otlp_json*.c common/arena.c common/err.c \
 *     common/signal_kind.c build/proto/opentelemetry/proto/.../...pb-c.c \
 *     $(pkg-config --cflags --libs libprotobuf-c) -lpthread -o fuzz_otlp_json
 *   ./fuzz_otlp_json -max_total_time=60 tests/unit/data/json
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otel/otlp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a;
    static int init;
    if (!init) {
        arena_init(&a, 16 * 1024, 1024 * 1024);
        init = 1;
    }
    if (size < 1)
        return 0;
    enum o2p_signal sig = (enum o2p_signal)(data[0] % 3);
    /* Copy the body so ASan sees reads past its end (the input must not need a NUL). */
    char *body = malloc(size - 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    ProtobufCMessage *m = NULL;
    struct o2p_error err;
    memset(&err, 0, sizeof err);
    int rc = otlp_json_decode(sig, body, size - 1, &a, &m, &err);
    if (rc == O2P_OK) {
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *b1 = malloc(n ? n : 1), *b2 = malloc(n ? n : 1);
        if (protobuf_c_message_pack(m, b1) != n)
            abort();
        ProtobufCMessage *u = protobuf_c_message_unpack(m->descriptor, NULL, n, b1);
        if (!u || protobuf_c_message_pack(u, b2) != n || memcmp(b1, b2, n) != 0)
            abort();
        protobuf_c_message_free_unpacked(u, NULL);
        free(b1);
        free(b2);
    } else if (err.msg[0] == 0 || (rc != O2P_EINVAL && rc != O2P_ETOOBIG)) {
        abort();
    }
    arena_reset(&a);
    free(body);
    return 0;
}
