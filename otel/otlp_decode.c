/*
 * otlp_decode.c - decoding entry points (contract in otlp_decode.h).
 *
 * Order of operations, and why: the logs fast path first (it is bounded in depth and declines
 * anything unusual); then otlp_scan, so protobuf-c never sees a body it would recurse too
 * deeply into, and so a malformed body gets the scanner's message naming field and offset;
 * then protobuf-c unpack with the arena allocator. If protobuf-c still fails after the scan
 * passed, the only cause is memory: the arena limit (O2P_ETOOBIG) or malloc (O2P_ENOMEM).
 *
 * Owns nothing: all memory is the caller's arena.
 */
#include "otel/otlp_decode.h"

#include "otel/otlp_scan.h"
#include "otel/otlp_wire.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

static const ProtobufCMessageDescriptor *const request_desc[O2P_SIGNAL_COUNT] = {
    &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
    &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
    &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
};

int otlp_decode_unpack(enum o2p_signal sig, const uint8_t *p, size_t n, struct arena *a, ProtobufCMessage **msg,
                       struct o2p_error *err)
{
    *msg = NULL;
    struct otlp_scan_result scan;
    int rc = otlp_scan(sig, p, n, &scan, err);
    if (rc != O2P_OK)
        return rc;
    a->last_error = O2P_OK;
    *msg = protobuf_c_message_unpack(request_desc[sig], arena_protobuf_allocator(a), n, p);
    /* A transient malloc failure must not look like a request too big to decode: the writer
     * quarantines those. */
    if (!*msg && a->last_error == O2P_ENOMEM)
        return o2p_fail(err, O2P_ENOMEM, "decode %s request: out of memory", signal_kind_name(sig));
    if (!*msg)
        return o2p_fail(err, O2P_ETOOBIG, "decoded %s request exceeds the decode memory limit (%zu bytes)",
                        signal_kind_name(sig), a->max_bytes);
    return O2P_OK;
}

int otlp_decode(enum o2p_signal sig, const uint8_t *p, size_t n, struct arena *a, ProtobufCMessage **msg,
                struct o2p_error *err)
{
    if (sig == O2P_SIGNAL_LOGS) {
        otlp_wire_logs_req *req = otlp_wire_decode_logs(a, p, n);
        if (req) {
            *msg = &req->base;
            return O2P_OK;
        }
        arena_reset(a);
    }
    return otlp_decode_unpack(sig, p, n, a, msg, err);
}
