/*
 * otlp_wire.h - a hand-written decoder of ExportLogsServiceRequest straight from the protobuf
 * wire format into the protobuf-c structures, for the hot path of the writer and `convert`.
 *
 * Why: protobuf-c's table-driven unpack was a fifth of a conversion's CPU (descriptor lookups
 * per field, one allocator call per string and per message, default-value copies). This
 * decoder knows the OTLP logs schema, counts repeated fields before it fills them (one
 * arena allocation per array), copies all strings into one arena block sized by the input,
 * and points `bytes` fields (trace and span ids) into the input instead of copying them.
 *
 * Contract: the result is the same message protobuf-c would produce, except that
 * unknown fields are dropped (nothing downstream reads them) and bytes fields point into
 * the input (valid as long as the input is). Anything this decoder does not handle exactly
 * like protobuf-c - malformed or truncated input, wrong wire types, groups, a singular
 * message field or an AnyValue member given twice (protobuf-c merges), entity_refs, nesting
 * deeper than OTLP_WIRE_MAX_DEPTH, arena limit reached - is handed to protobuf-c unpack, so
 * accepted and rejected inputs are exactly protobuf-c's.
 */
#ifndef O2P_OTLP_WIRE_H
#define O2P_OTLP_WIRE_H

#include "common/arena.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

#include <stddef.h>
#include <stdint.h>

#define OTLP_WIRE_MAX_DEPTH 32 /* AnyValue array/kvlist nesting handled here; deeper: protobuf-c */

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest otlp_wire_logs_req;

/* otlp_wire_decode_logs - the fast path alone: the request in arena a, or NULL when it must
 * go to protobuf-c (the arena then holds garbage: reset it). For tests. */
otlp_wire_logs_req *otlp_wire_decode_logs(struct arena *a, const uint8_t *p, size_t n);

/* otlp_wire_unpack_logs - decode p[0..n) into arena a: the fast path, else arena_reset(a)
 * and protobuf-c unpack with the arena allocator. NULL: not a valid request (or the arena's
 * limit was reached), as protobuf-c decides. */
otlp_wire_logs_req *otlp_wire_unpack_logs(struct arena *a, const uint8_t *p, size_t n);

#endif
