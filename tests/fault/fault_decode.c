/*
 * fault_decode.c - the OTLP decoders under allocation failure: otlp_decode (the logs fast path
 * and its fallback), otlp_decode_unpack (scan + protobuf-c) and otlp_json_decode, for logs,
 * traces and metrics, on the SDK captures of tests/interop/fixtures (nested kvlist and array
 * attributes, events, links, every metric type) and the every-field JSON of tests/unit/data.
 *
 * The arena's block size is 1 byte, so every arena allocation is a malloc of its own: each
 * allocation site of the decoders is a call that fails in some run, not only the few block
 * refills a 64 KiB arena would make. The output compared between runs is the decoded request
 * packed back to protobuf.
 */
#include "otel/otlp_decode.h"
#include "otel/otlp_json.h"
#include "tests/fault/fault.h"

#include <stdio.h>

enum decoder { DEC_DECODE, DEC_UNPACK, DEC_JSON };

struct decode_ctx {
    enum o2p_signal sig;
    enum decoder dec;
    const char *file;
    unsigned char *data;
    size_t len;
};

static int op_decode(void *arg, struct fault_run *r)
{
    struct decode_ctx *c = arg;
    struct arena a;
    arena_init(&a, 1, 64u << 20);
    ProtobufCMessage *msg = NULL;
    fault_begin();
    int rc;
    if (c->dec == DEC_JSON)
        rc = otlp_json_decode(c->sig, (const char *)c->data, c->len, &a, &msg, &r->err);
    else if (c->dec == DEC_UNPACK)
        rc = otlp_decode_unpack(c->sig, c->data, c->len, &a, &msg, &r->err);
    else
        rc = otlp_decode(c->sig, c->data, c->len, &a, &msg, &r->err);
    fault_end();
    if (rc == O2P_OK) {
        size_t n = protobuf_c_message_get_packed_size(msg);
        uint8_t *p = __real_malloc(n + 1);
        if (!p)
            return O2P_ENOMEM;
        protobuf_c_message_pack(msg, p);
        fault_output(r, p, n);
        __real_free(p);
    }
    arena_free(&a);
    return rc;
}

#define ALLOC FAULT_MODE_BIT(FAULT_ALLOC)

static struct decode_ctx ctx[] = {
    {O2P_SIGNAL_LOGS, DEC_DECODE, "tests/interop/fixtures/logs.pb", NULL, 0},
    {O2P_SIGNAL_LOGS, DEC_UNPACK, "tests/interop/fixtures/logs.pb", NULL, 0},
    {O2P_SIGNAL_TRACES, DEC_DECODE, "tests/interop/fixtures/traces.pb", NULL, 0},
    {O2P_SIGNAL_METRICS, DEC_DECODE, "tests/interop/fixtures/metrics.pb", NULL, 0},
    {O2P_SIGNAL_LOGS, DEC_JSON, "tests/interop/fixtures/logs.json", NULL, 0},
    {O2P_SIGNAL_TRACES, DEC_JSON, "tests/interop/fixtures/traces.json", NULL, 0},
    {O2P_SIGNAL_METRICS, DEC_JSON, "tests/interop/fixtures/metrics.json", NULL, 0},
    {O2P_SIGNAL_LOGS, DEC_JSON, "tests/unit/data/json/logs_all.json", NULL, 0},
    {O2P_SIGNAL_TRACES, DEC_JSON, "tests/unit/data/json/traces_all.json", NULL, 0},
    {O2P_SIGNAL_METRICS, DEC_JSON, "tests/unit/data/json/metrics_all.json", NULL, 0},
};

int main(void)
{
    static const struct fault_case proto[] = {
        {.name = "decode_logs_protobuf", .modes = ALLOC, .persistent = true},
        {.name = "decode_unpack_logs_protobuf", .modes = ALLOC, .persistent = true},
        {.name = "decode_traces_protobuf", .modes = ALLOC, .persistent = true},
        {.name = "decode_metrics_protobuf", .modes = ALLOC, .persistent = true},
        {.name = "decode_logs_json", .modes = ALLOC, .persistent = true},
        {.name = "decode_traces_json", .modes = ALLOC, .persistent = true},
        {.name = "decode_metrics_json", .modes = ALLOC, .persistent = true},
        {.name = "decode_logs_json_all_fields", .modes = ALLOC},
        {.name = "decode_traces_json_all_fields", .modes = ALLOC},
        {.name = "decode_metrics_json_all_fields", .modes = ALLOC},
    };
    enum { N = sizeof ctx / sizeof ctx[0] };
    _Static_assert(sizeof proto / sizeof proto[0] == N, "one case per input");
    struct fault_case cases[N];
    for (size_t i = 0; i < N; i++) {
        ctx[i].len = fault_read_file(ctx[i].file, &ctx[i].data);
        cases[i] = proto[i];
        cases[i].op = op_decode;
        cases[i].ctx = &ctx[i];
    }
    int rc = fault_main(cases, N);
    for (size_t i = 0; i < N; i++)
        __real_free(ctx[i].data);
    return rc;
}
