/*
 * otlp_json.h - OTLP/JSON export requests to protobuf-c structures.
 *
 * The receiver validates an OTLP/JSON body with otlp_json_decode() and spools it as protobuf
 * (protobuf_c_message_pack of the result); `otlp2parquet convert --format json` reads captured
 * JSON the same way. The mapping is the OTLP specification's "JSON Protobuf Encoding" on top
 * of the proto3 JSON mapping:
 *
 *   - keys in lowerCamelCase or the original snake_case; unknown keys are ignored; a key given
 *     twice (also as both spellings) is an error; `null` means the field's default;
 *   - traceId / spanId / parentSpanId (spans, links, log records, exemplars) are hex strings of
 *     32 / 16 digits (any case) or ""; every other `bytes` field is base64 (standard or
 *     URL-safe alphabet, padding optional);
 *   - 64-bit integers as JSON numbers or decimal strings, exactly (the full uint64 range, also
 *     as a number); 32-bit integers likewise; an exponent or fraction is accepted when the
 *     value is integral ("1e3", "5.0");
 *   - doubles as numbers, numeric strings, or "NaN" / "Infinity" / "-Infinity";
 *   - enums as integers or as their proto value names ("SPAN_KIND_SERVER");
 *   - oneofs (AnyValue, Metric data, asDouble/asInt, the optional sum/min/max) set their case;
 *     two members of one oneof is an error; `{}` as an AnyValue is an empty value.
 *
 * The input is treated as hostile: strings must be valid UTF-8 without NUL characters (a
 * protobuf-c string is NUL-terminated), AnyValue nesting is bounded by OTLP_MAX_ANY_DEPTH
 * (otlp_wire.h: the same limit as for protobuf input), nesting of ignored values by
 * OTLP_JSON_MAX_SKIP_DEPTH, and all memory of the result comes from the caller's arena, so
 * its ceiling bounds the decoded size.
 */
#ifndef O2P_OTLP_JSON_H
#define O2P_OTLP_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/err.h"
#include "common/signal_kind.h"

/* Objects/arrays nested deeper than this inside an ignored (unknown) field are rejected. */
#define OTLP_JSON_MAX_SKIP_DEPTH 128

/*
 * otlp_json_decode - parse an OTLP/JSON Export{Logs,Trace,Metrics}ServiceRequest.
 *
 *   sig   O2P_SIGNAL_LOGS, O2P_SIGNAL_TRACES or O2P_SIGNAL_METRICS: which request `json` holds.
 *   json  the body, `len` bytes; need not be NUL-terminated; not retained.
 *   a     every decoded structure, string and array is allocated here. The caller frees the
 *         result (successful or partial) with arena_reset/arena_free; never call
 *         protobuf_c_message_free_unpacked on it.
 *   out   on success, the request message: cast to Opentelemetry__Proto__Collector__Logs__V1__
 *         ExportLogsServiceRequest (or the Trace / Metrics one). Valid until `a` is reset.
 *         Untouched on failure.
 *   err   may be NULL; on failure receives the code and a message that names the JSON path of
 *         the first problem, e.g. "resourceLogs[0].scopeLogs[1].logRecords[3].traceId:
 *         expected 32 hex digits, got 31".
 *
 * Returns O2P_OK; O2P_EINVAL for malformed JSON or a value that does not fit the schema;
 * O2P_ETOOBIG when the decoded request does not fit under the arena's max_bytes; O2P_ENOMEM when
 * malloc fails (a scratch stack for array elements, bounded by the arena's ceiling, is the only
 * memory taken outside the arena; it is freed before returning).
 * Reentrant: no global state besides a lazily created "C" locale for number parsing.
 */
int otlp_json_decode(enum o2p_signal sig, const char *json, size_t len, struct arena *a,
                     ProtobufCMessage **out, struct o2p_error *err);

#ifdef OTLP_JSON_INTERNAL
/*
 * The JSON lexer shared by otlp_json*.c (otlp_json_lex.c); not for other modules.
 * Every function that fails fills l->err (O2P_EINVAL, "invalid JSON at byte N: ...") and
 * returns its code; the decoder adds the field path.
 */
struct otlp_json_lex {
    const char *base;  /* start of the document, for byte offsets in messages */
    const char *p;     /* next unread byte */
    const char *end;
    struct o2p_error *err;
};

/* Skip JSON whitespace. */
static inline void otlp_json_lex_ws(struct otlp_json_lex *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\n' || *l->p == '\r' || *l->p == '\t'))
        l->p++;
}

/* otlp_json_lex_syntax - fail with "invalid JSON at byte <offset of l->p>: <what>". */
int otlp_json_lex_syntax(struct otlp_json_lex *l, const char *what);
/* otlp_json_lex_what - "an object", "a string", ... for the value starting at l->p. */
const char *otlp_json_lex_what(const struct otlp_json_lex *l);
/* otlp_json_lex_literal - consume `word` (true/false/null) at l->p. */
int otlp_json_lex_literal(struct otlp_json_lex *l, const char *word);
/* otlp_json_lex_string - l->p at '"': return the raw (still escaped) contents in *s, *n and
 * leave l->p after the closing quote. *plain = 1 when the contents are printable ASCII without
 * escapes (valid as they are); otherwise they still need otlp_json_lex_unescape. */
int otlp_json_lex_string(struct otlp_json_lex *l, const char **s, size_t *n, int *plain);
/* otlp_json_lex_unescape - validate raw string contents (escapes, UTF-8, no control bytes)
 * and, when out is not NULL, write the decoded bytes there (at most n bytes, no NUL added);
 * *outn gets their count. */
int otlp_json_lex_unescape(struct otlp_json_lex *l, const char *s, size_t n, char *out,
                           size_t *outn);
/* otlp_json_lex_number - l->p at a JSON number: its text in *s, *n; l->p after it. */
int otlp_json_lex_number(struct otlp_json_lex *l, const char **s, size_t *n);
/* otlp_json_lex_skip - skip one value of any type, at most `depth` levels deep. */
int otlp_json_lex_skip(struct otlp_json_lex *l, int depth);

/* otlp_json_num_integer - exact value of a JSON number text: *neg and magnitude *mag.
 * Returns 0, -1 when the value is not integral, -2 when |value| > UINT64_MAX. */
int otlp_json_num_integer(const char *s, size_t n, int *neg, uint64_t *mag);
/* otlp_json_num_double - strtod in the "C" locale. 0, -1 too long, -2 beyond double range. */
int otlp_json_num_double(const char *s, size_t n, double *v);
/* otlp_json_base64 - decode standard or URL-safe base64, padding optional, in place.
 * Returns the decoded length, or -1 when the text is not base64. */
long otlp_json_base64(unsigned char *buf, size_t n);
/* otlp_json_hex - decode 2*nbytes hex digits (either case) from s into out; -1 if not hex. */
int otlp_json_hex(const char *s, size_t nbytes, unsigned char *out);
#endif

#endif
