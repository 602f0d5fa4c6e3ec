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
 * deeper than OTLP_MAX_ANY_DEPTH, arena limit reached - is declined (NULL), and
 * otlp_decode() (otel/otlp_decode.h) then validates the request with otlp_scan (which also
 * enforces the nesting limit) before protobuf-c unpacks it, so accepted and rejected inputs
 * are exactly protobuf-c's under the depth rule.
 *
 * Unknown fields: every field number of the messages decoded here is listed in
 * otlp_wire_fields[] below; tests/unit/test_otlp_decode.c walks the protobuf-c descriptors
 * and fails when the .proto files gain a field this decoder would skip.
 */
#ifndef O2P_OTLP_WIRE_H
#define O2P_OTLP_WIRE_H

#include "common/arena.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

#include <stddef.h>
#include <stdint.h>

/* OTLP_MAX_ANY_DEPTH - the one nesting limit for AnyValue (arrays and kvlists), in both
 * formats: an AnyValue inside OTLP_MAX_ANY_DEPTH others (the outermost counts 1) is refused.
 * protobuf-c recurses once per level with no limit of its own, so the receiver (otlp_scan)
 * and every decode (otlp_decode) check it before anything recursive runs; the JSON decoder
 * (otlp_json.c) stops at the same depth. docs/architecture.md, "Limits". */
#define OTLP_MAX_ANY_DEPTH 64

/* ---- wire primitives, exactly as protobuf-c 1.4.1 reads them ------------------------------
 * Shared by the fast path below and the validating scanner (otlp_scan.c). Each returns 1 and
 * advances *pp, or 0 (malformed) leaving *pp unspecified. */

enum { OTLP_WT_VARINT = 0, OTLP_WT_I64 = 1, OTLP_WT_LEN = 2, OTLP_WT_I32 = 5 };

/* otlp_wire_varint - at most 10 bytes; any 10th byte below 0x80 ends it (bits past 64 are
 * dropped, as protobuf-c does). */
static inline int otlp_wire_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 1;
    }
    uint64_t r = 0;
    for (int i = 0; i < 10 && p < end; i++) {
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = r;
            *pp = p;
            return 1;
        }
    }
    return 0;
}

/* otlp_wire_tag - field number and wire type from at most 5 bytes. protobuf-c refuses a tag
 * whose first byte holds no field bit (field 0 in one byte), yet takes a longer field-0 tag
 * (0x80 0x00) as an unknown field; the field number may use all 32 bits. */
static inline int otlp_wire_tag(const uint8_t **pp, const uint8_t *end, uint32_t *field, int *wt)
{
    const uint8_t *start = *pp;
    uint64_t t;
    if (start >= end || (*start & 0xf8) == 0)
        return 0;
    if (!otlp_wire_varint(pp, end, &t) || *pp - start > 5)
        return 0;
    *field = (uint32_t)(t >> 3);
    *wt = (int)(t & 7);
    return 1;
}

/* otlp_wire_len - a length prefix (at most 5 bytes, at most INT32_MAX) and the value it
 * frames, which must fit in the rest of the buffer: *vp, *vn. */
static inline int otlp_wire_len(const uint8_t **pp, const uint8_t *end, const uint8_t **vp, size_t *vn)
{
    const uint8_t *start = *pp;
    uint64_t n;
    if (!otlp_wire_varint(pp, end, &n) || *pp - start > 5 || n > 0x7fffffffu || n > (uint64_t)(end - *pp))
        return 0;
    *vp = *pp;
    *vn = (size_t)n;
    *pp += n;
    return 1;
}

/* otlp_wire_skip - a value of wire type wt (groups and the reserved types 6, 7: 0). */
static inline int otlp_wire_skip(const uint8_t **pp, const uint8_t *end, int wt)
{
    uint64_t v;
    const uint8_t *vp;
    size_t vn;
    switch (wt) {
    case OTLP_WT_VARINT: return otlp_wire_varint(pp, end, &v);
    case OTLP_WT_I64:
        if (end - *pp < 8)
            return 0;
        *pp += 8;
        return 1;
    case OTLP_WT_LEN: return otlp_wire_len(pp, end, &vp, &vn);
    case OTLP_WT_I32:
        if (end - *pp < 4)
            return 0;
        *pp += 4;
        return 1;
    }
    return 0;
}

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest otlp_wire_logs_req;

/* otlp_wire_decode_logs - the fast path alone: the request in arena a, or NULL when it must
 * go to protobuf-c (the arena then holds garbage: reset it). For tests. */
otlp_wire_logs_req *otlp_wire_decode_logs(struct arena *a, const uint8_t *p, size_t n);

/* otlp_wire_fields - what the fast path does with each field of each message it decodes: a
 * table ending with {NULL}. `decoded` lists the field numbers it fills; `declined` those whose
 * presence makes it decline the whole request (protobuf-c then decodes it). Any other field
 * number is skipped, so it must not exist in the descriptor. */
struct otlp_wire_msg_fields {
    const ProtobufCMessageDescriptor *desc;
    uint32_t decoded[16];
    uint32_t declined[4];
};
extern const struct otlp_wire_msg_fields otlp_wire_fields[];

#endif
