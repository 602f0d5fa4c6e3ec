/*
 * otel_string.h - OTLP values as the strings the tables store.
 *
 * otel_string_any() is the OpenTelemetry Collector's pcommon.Value.AsString() rule, which is
 * how the ClickHouse exporter fills every Map(String, String) value and Body:
 *   empty value       ""
 *   string            as is (invalid UTF-8 repaired to U+FFFD, see below)
 *   bool              true / false
 *   int               decimal
 *   double            as JavaScript prints numbers (shortest round-trip digits; exponent form
 *                     below 1e-6 and from 1e21: 1.5e-7, 1e+21); NaN, Infinity, -Infinity;
 *                     -0 prints "-0" as Go does
 *   bytes             standard base64 with padding
 *   array, kvlist     compact JSON as Go's encoding/json writes it (pcommon AsRaw + Marshal):
 *                     map keys sorted bytewise, a duplicated key keeps its last value; nested
 *                     strings escaped like Go (", \, \b \f \n \r \t, other controls and < > &
 *                     as \u00XX, U+2028/9 as \u2028/9, invalid UTF-8 as \ufffd); nested bytes
 *                     as base64 strings; nested empty values as null.
 * Deliberate differences from Go, which has no JSON for non-finite doubles: a top-level NaN
 * or infinity prints NaN / Infinity / -Infinity (Go prints "json: unsupported value: NaN"),
 * and one nested in an array or map prints null (Go's AsString returns "" for the whole
 * value), as JavaScript's JSON.stringify does.
 *
 * Strings written to Parquet STRING columns must be UTF-8, so invalid sequences in OTLP
 * strings (proto3 forbids them, but protobuf-c does not check) become U+FFFD.
 *
 * Memory: results live in the caller's arena until it is reset; nothing else is allocated.
 */
#ifndef O2P_OTEL_STRING_H
#define O2P_OTEL_STRING_H

#include "common/arena.h"
#include "common/err.h"
#include "opentelemetry/proto/common/v1/common.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AnyValues nested deeper than this are refused with O2P_EINVAL (same bound as OTLP/JSON). */
#define OTEL_STRING_MAX_DEPTH 64

/* A string view: p[0..n) (NUL-terminated when it comes from this module). */
struct otel_str {
    const char *p;
    size_t n;
};

/*
 * otel_string_any - AsString of v (NULL means the empty value) into *out, allocated in a.
 * Returns O2P_OK; O2P_ETOOBIG when the arena's ceiling is reached (O2P_ENOMEM if malloc
 * fails); O2P_EINVAL when v nests deeper than OTEL_STRING_MAX_DEPTH. err may be NULL.
 */
int otel_string_any(const Opentelemetry__Proto__Common__V1__AnyValue *v, struct arena *a,
                    struct otel_str *out, struct o2p_error *err);

/* otel_string_double - JavaScript-style text of d into buf (NUL-terminated); returns length. */
#define OTEL_STRING_DOUBLE_MAX 32
size_t otel_string_double(double d, char buf[OTEL_STRING_DOUBLE_MAX]);

/*
 * otel_string_id - lowercase hex of a trace/span id; "" when the id is empty or all zero
 * (pdata's IsEmpty). Result in a (or a static "" ), NULL only when the arena is exhausted.
 */
const char *otel_string_id(const uint8_t *p, size_t n, struct arena *a);

/* otel_string_base64 - standard base64 with padding, in a; NULL when the arena is exhausted. */
const char *otel_string_base64(const uint8_t *p, size_t n, struct arena *a);

/* otel_string_utf8_valid - whether p[0..n) is well-formed UTF-8 (no surrogates/overlongs). */
bool otel_string_utf8_valid(const char *p, size_t n);

/*
 * otel_string_text - s (NULL = "") as a Parquet-safe string: itself when valid UTF-8, else a
 * copy in a with each invalid sequence replaced by U+FFFD (*repaired set true). O2P_OK,
 * O2P_ETOOBIG (the arena's ceiling) or O2P_ENOMEM.
 */
int otel_string_text(const char *s, struct arena *a, struct otel_str *out, bool *repaired);

#endif
