/*
 * receiver_grpc_frame.c - the pure parts of OTLP/gRPC: Length-Prefixed-Message framing,
 * Export method paths, grpc-message percent-encoding and status mapping.
 *
 * Owns nothing; does no I/O and keeps no state, so tests/unit/test_grpc_frame.c and
 * tests/fuzz/fuzz_grpc_frames.c call these functions directly.
 *
 * Framing (grpc/grpc doc/PROTOCOL-HTTP2.md):
 *   Length-Prefixed-Message = Compressed-Flag (1 byte, 0 or 1)
 *                             Message-Length (4 bytes, big-endian) Message
 * An OTLP Export call is unary: the request body holds exactly one message. Zero messages, a
 * truncated one or a second one are protocol violations (the server answers INTERNAL, as
 * grpc-go does); a declared length above the limit is RESOURCE_EXHAUSTED and is detected from
 * the first five bytes, before the body is buffered.
 */
#include "receiver/receiver_grpc.h"

#include <string.h>

int receiver_grpc_frame_peek(const uint8_t *p, size_t len, size_t max_len, size_t *msg_len,
                    struct o2p_error *err)
{
    if (len < GRPC_PREFIX_LEN)
        return O2P_EAGAIN;
    if (p[0] > 1)
        return o2p_fail(err, O2P_EPROTO,
                        "gRPC message: compressed flag is %u (must be 0 or 1)", p[0]);
    size_t n = ((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
    if (n > max_len)
        return o2p_fail(err, O2P_ETOOBIG,
                        "gRPC message of %zu bytes is larger than receiver.max_request_bytes "
                        "(%zu): send smaller batches",
                        n, max_len);
    *msg_len = n;
    return O2P_OK;
}

int receiver_grpc_frame_parse(const uint8_t *p, size_t len, size_t max_len, struct grpc_msg *out,
                     struct o2p_error *err)
{
    size_t n = 0;
    if (len == 0)
        return o2p_fail(err, O2P_EPROTO, "gRPC request has no message (unary call expected)");
    int rc = receiver_grpc_frame_peek(p, len, max_len, &n, err);
    if (rc == O2P_EAGAIN)
        return o2p_fail(err, O2P_EPROTO,
                        "gRPC message prefix truncated: %zu of 5 bytes", len);
    if (rc != O2P_OK)
        return rc;
    size_t have = len - GRPC_PREFIX_LEN;
    if (have < n)
        return o2p_fail(err, O2P_EPROTO, "gRPC message truncated: %zu of %zu bytes", have, n);
    if (have > n)
        return o2p_fail(err, O2P_EPROTO,
                        "gRPC request carries more than one message (%zu extra bytes); Export "
                        "is a unary call",
                        have - n);
    out->compressed = p[0] == 1;
    out->data = p + GRPC_PREFIX_LEN;
    out->len = n;
    return O2P_OK;
}

static const struct {
    const char *path;
    enum o2p_signal signal;
} paths[] = {
    {"/opentelemetry.proto.collector.trace.v1.TraceService/Export", O2P_SIGNAL_TRACES},
    {"/opentelemetry.proto.collector.logs.v1.LogsService/Export", O2P_SIGNAL_LOGS},
    {"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", O2P_SIGNAL_METRICS},
};

int receiver_grpc_frame_path_signal(const uint8_t *path, size_t len)
{
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strlen(paths[i].path) == len && memcmp(paths[i].path, path, len) == 0)
            return (int)paths[i].signal;
    return -1;
}

size_t receiver_grpc_frame_percent_encode(const char *in, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)in; s && *s; s++) {
        bool plain = *s >= 0x20 && *s <= 0x7e && *s != '%';
        size_t need = plain ? 1 : 3;
        if (o + need + 1 > outsz)
            break;
        if (plain) {
            out[o++] = (char)*s;
        } else {
            out[o++] = '%';
            out[o++] = hex[*s >> 4];
            out[o++] = hex[*s & 15];
        }
    }
    out[o] = 0;
    return o;
}

int receiver_grpc_frame_status_for_error(int code)
{
    switch (code) {
    case O2P_OK: return GRPC_OK;
    case O2P_EINVAL:
    case O2P_EPROTO:
    case O2P_ECORRUPT: return GRPC_INVALID_ARGUMENT;
    case O2P_ETOOBIG: return GRPC_RESOURCE_EXHAUSTED;
    case O2P_EFULL:
    case O2P_ESLOW:
    case O2P_EAGAIN: return GRPC_UNAVAILABLE;
    case O2P_EUNSUPPORTED: return GRPC_UNIMPLEMENTED;
    default: return GRPC_INTERNAL;
    }
}

const char *receiver_grpc_frame_reason_for_status(int status)
{
    switch (status) {
    case GRPC_INVALID_ARGUMENT: return "malformed";
    case GRPC_RESOURCE_EXHAUSTED: return "too_large";
    case GRPC_UNIMPLEMENTED: return "not_found";
    case GRPC_UNAVAILABLE: return "spool_full";
    case GRPC_UNAUTHENTICATED: return "unauthorized";
    case GRPC_CANCELLED: return "cancelled";
    case GRPC_DEADLINE_EXCEEDED: return "slow_client";
    default: return "internal";
    }
}
