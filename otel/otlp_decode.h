/*
 * otlp_decode.h - the one way to decode an OTLP protobuf Export*ServiceRequest into
 * protobuf-c structures (the writer's add_rows, `otlp2parquet convert`).
 *
 * Per signal it takes the fastest exact path: logs go through the hand-written decoder
 * (otlp_wire.h); whatever that declines, and all traces and metrics, are first validated by
 * otlp_scan (which refuses AnyValue nesting past OTLP_MAX_ANY_DEPTH) and only then unpacked by
 * protobuf-c, whose recursion has no limit of its own. So a body too deep for the stack is an
 * error here, never a crash, and accepted bodies decode exactly as protobuf-c decodes them.
 */
#ifndef O2P_OTLP_DECODE_H
#define O2P_OTLP_DECODE_H

#include "common/arena.h"
#include "common/err.h"
#include "common/signal_kind.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/*
 * otlp_decode - decode p[0..n), an Export{Logs,Trace,Metrics}ServiceRequest of signal sig,
 * into arena a. *msg: the request (cast to the signal's type), valid until the arena is
 * reset; strings are copies, bytes fields may point into p (keep p alive as long as *msg).
 * O2P_EINVAL with a message (malformed, or AnyValue nested too deeply); O2P_ETOOBIG when the
 * decoded request passes the arena's limit; O2P_ENOMEM when malloc fails (not the request's
 * fault: retry it). On error the arena holds garbage: reset it.
 * Thread-safe for distinct arenas.
 */
int otlp_decode(enum o2p_signal sig, const uint8_t *p, size_t n, struct arena *a, ProtobufCMessage **msg,
                struct o2p_error *err);

/* otlp_decode_unpack - the same without the logs fast path: otlp_scan, then protobuf-c
 * unpack (what the receiver uses to re-pack a request it dropped records from). */
int otlp_decode_unpack(enum o2p_signal sig, const uint8_t *p, size_t n, struct arena *a, ProtobufCMessage **msg,
                       struct o2p_error *err);

#endif
