/*
 * otlp_scan.h - validate an OTLP protobuf Export*ServiceRequest and count its records without
 * decoding it: no allocation, no copy, no recursion deeper than the AnyValue limit allows.
 *
 * The receiver needs to know three things about a body before it spools it: would protobuf-c
 * accept it, how many records it holds, and whether any record has an id of the wrong length
 * (those are dropped and reported in partial_success). otlp_scan answers all three in one
 * pass over the wire bytes, where protobuf-c unpack built (and threw away) the whole tree.
 *
 * Exactness: the scanner accepts a body iff protobuf-c 1.4.1 unpack accepts it and its
 * AnyValue nesting is at most OTLP_MAX_ANY_DEPTH (otlp_wire.h). It is driven by the
 * protobuf-c descriptors of the generated code (one table per message type, built once), so
 * every field of the .proto files is checked with protobuf-c's rule for its type: wire type,
 * varint and length framing, packed repeated scalars; strings are not checked for UTF-8
 * because protobuf-c does not check them. tests/fuzz/fuzz_otlp_scan.c is the differential
 * test of this claim.
 */
#ifndef O2P_OTLP_SCAN_H
#define O2P_OTLP_SCAN_H

#include "common/err.h"
#include "common/signal_kind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct otlp_scan_result {
    uint64_t records;         /* log records / spans / data points kept (as the receiver counts) */
    int64_t rejected;         /* log records / spans with an id of the wrong length */
    char first_problem[160];  /* the first rejected record's reason: "span trace_id of 3 bytes" */
    bool merged;              /* a singular message field occurs twice (protobuf-c merges them) */
    bool string_nul;          /* a string field holds a NUL byte: protobuf-c's char * ends there */
    uint64_t decoded_bytes;   /* upper bound of what protobuf-c would allocate for it, unless merged */
};

/*
 * otlp_scan - scan the Export{Logs,Trace,Metrics}ServiceRequest p[0..n) of signal sig.
 * O2P_OK with *out filled; O2P_EINVAL with a message naming the signal, the problem and its
 * byte offset when protobuf-c would refuse it or when AnyValues nest deeper than
 * OTLP_MAX_ANY_DEPTH; O2P_EUNSUPPORTED when the descriptors hold a construct the scanner does
 * not know (a proto update: see otlp_scan_self_check). Thread-safe, allocates nothing; the
 * tables are built on first use.
 */
int otlp_scan(enum o2p_signal sig, const uint8_t *p, size_t n, struct otlp_scan_result *out,
              struct o2p_error *err);

/* otlp_scan_self_check - build the tables; O2P_EUNSUPPORTED naming the message and field the
 * scanner cannot handle (groups, maps, required fields, a role field that is gone). */
int otlp_scan_self_check(struct o2p_error *err);

#endif
