/*
 * fuzz_otlp_wire.c - the writer's hand-written OTLP logs decoder on hostile bytes: it must
 * never crash and must accept exactly what protobuf-c accepts, with the same record count.
 */
#include "common/arena.h"
#include "otel/otlp_wire.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_resource_logs; i++)
        for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
            n += r->resource_logs[i]->scope_logs[j]->n_log_records;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a, b;
    static int init;
    if (!init) {
        arena_init(&a, 64 * 1024, 64u << 20);
        arena_init(&b, 64 * 1024, 64u << 20);
        init = 1;
    }
    /* The fast path alone: whatever it accepts, protobuf-c must accept with the same records. */
    const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *w =
        (const void *)otlp_wire_decode_logs(&a, data, size);
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *p =
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(arena_protobuf_allocator(&b),
                                                                                        size, data);
    if (w && (!p || count(w) != count(p)))
        __builtin_trap();
    arena_reset(&a);
    arena_reset(&b);
    return 0;
}
