/*
 * otlp_json.c - OTLP/JSON request → protobuf-c structures (see otlp_json.h for the mapping).
 *
 * The decoder is driven by the protobuf-c descriptors generated from proto/, so every message
 * of logs, traces and metrics (and any field added to the protos later) is covered by the same
 * few functions: dec_message walks an object, finds each key's field descriptor, and
 * dec_value converts the JSON value by the field's type into the message memory. The only
 * OTLP-specific rules are the hex ids (by field name, see id_bytes) and the AnyValue depth
 * bound.
 *
 * Owns: a scratch stack (struct json_dec.stk, malloc) on which the elements of the repeated field
 * being read are collected, so each array is allocated once, at its exact size, in the arena
 * when its ']' is reached; nested arrays use the stack above their parent's elements and are
 * popped before the parent pushes its next element. Freed before otlp_json_decode returns.
 * Everything else is allocated in the caller's arena.
 *
 * Error paths: the path stack (dec.path) is pushed on entering a field and popped only on
 * success, so after any failure it still names the offending field; otlp_json_decode prefixes
 * that path to the message. A failure leaves partial structures in the arena (the caller's
 * arena_reset frees them) and never sets *out.
 */
#define OTLP_JSON_INTERNAL
#include "otel/otlp_json.h"

#include "otel/otlp_wire.h" /* OTLP_MAX_ANY_DEPTH, the one AnyValue nesting limit */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

/* Frames needed: the request's own nesting plus 3 per AnyValue level (value, kvlist, values). */
#define MAX_PATH (16 + 3 * OTLP_MAX_ANY_DEPTH)

struct path_frame {
    const ProtobufCFieldDescriptor *field;
    long index;  /* element index inside a repeated field, -1 outside */
};

struct json_dec {
    struct otlp_json_lex l;
    struct arena *a;
    struct o2p_error *err;
    unsigned char *stk;  /* scratch stack of array elements */
    size_t stk_len, stk_cap, stk_max;
    int depth;      /* frames in use */
    int any_depth;  /* AnyValues being decoded, outermost = 1 */
    struct path_frame path[MAX_PATH];  /* last: not cleared, only path[0..depth) is read */
};

/* An element of any field type, as protobuf-c stores it. */
union elem {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    protobuf_c_boolean b;
    char *s;
    ProtobufCBinaryData bin;
    ProtobufCMessage *m;
};

static int dec_message(struct json_dec *d, const ProtobufCMessageDescriptor *md, ProtobufCMessage **out);

/* fail - record an O2P_EINVAL schema error about the value at the current path. */
static int fail(struct json_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct json_dec *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err->msg, sizeof d->err->msg, fmt, ap);
    va_end(ap);
    d->err->code = O2P_EINVAL;
    return O2P_EINVAL;
}

static int too_big(struct json_dec *d)
{
    return o2p_fail(d->err, O2P_ETOOBIG, "decoded request exceeds the %zu-byte memory limit",
                    d->a->max_bytes);
}

/* no_memory - arena_alloc returned NULL: past the ceiling (O2P_ETOOBIG), or malloc failed
 * below it (O2P_ENOMEM); arena_alloc does not say which, so redo its ceiling check. */
static int no_memory(struct json_dec *d, size_t n)
{
    size_t need = n > d->a->block_size ? n : d->a->block_size;
    if (d->a->max_bytes && d->a->used_bytes + need > d->a->max_bytes)
        return too_big(d);
    return o2p_fail(d->err, O2P_ENOMEM, "out of memory decoding the request");
}

static void *alloc(struct json_dec *d, size_t n)
{
    return arena_alloc(d->a, n ? n : 1);
}

/* expected - the JSON value at the cursor has the wrong type for the field. */
static int expected(struct json_dec *d, const char *what)
{
    return fail(d, "expected %s, got %s", what, otlp_json_lex_what(&d->l));
}

/* json_name_eq - does key[0..n) equal the proto3 JSON name (lowerCamelCase) of `snake`? */
static int json_name_eq(const char *key, size_t n, const char *snake)
{
    size_t j = 0;
    int upper = 0;
    for (const char *c = snake; *c; c++) {
        if (*c == '_') {
            upper = 1;
            continue;
        }
        char want = upper && *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
        upper = 0;
        if (j >= n || key[j] != want)
            return 0;
        j++;
    }
    return j == n;
}

/* find_field - index of the field named key (snake_case or lowerCamelCase) in md, or -1.
 * Senders write fields in a fixed order, so the field after the previous match (*hint) is
 * tried first. */
static int find_field(const ProtobufCMessageDescriptor *md, const char *key, size_t n,
                      unsigned *hint)
{
    if (n == 0)
        return -1;
    unsigned i = *hint < md->n_fields ? *hint : 0;
    for (unsigned k = 0; k < md->n_fields; k++, i = i + 1 < md->n_fields ? i + 1 : 0) {
        const char *name = md->fields[i].name;
        if (name[0] != key[0])  /* both spellings start alike */
            continue;
        if (json_name_eq(key, n, name) || (strncmp(name, key, n) == 0 && name[n] == 0)) {
            *hint = i + 1;
            return (int)i;
        }
    }
    return -1;
}

/* id_bytes - OTLP's hex-encoded ids: 16 bytes for trace_id, 8 for span ids, 0 otherwise. */
static size_t id_bytes(const ProtobufCFieldDescriptor *f)
{
    if (strcmp(f->name, "trace_id") == 0)
        return 16;
    if (strcmp(f->name, "span_id") == 0 || strcmp(f->name, "parent_span_id") == 0)
        return 8;
    return 0;
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 8;
    }
}

/* read_string - the JSON string at the cursor, unescaped, NUL-terminated, in the arena.
 * *nul is set when the string itself contains a NUL (only possible as "\u0000"). */
static int read_string(struct json_dec *d, char **s, size_t *n, int *nul)
{
    const char *raw;
    size_t rawn;
    int plain;
    int rc = otlp_json_lex_string(&d->l, &raw, &rawn, &plain);
    if (rc)
        return rc;
    char *out = alloc(d, rawn + 1);  /* unescaping never lengthens */
    if (!out)
        return no_memory(d, rawn + 1);
    *nul = 0;
    if (plain) {
        memcpy(out, raw, rawn);
        *n = rawn;
    } else {
        rc = otlp_json_lex_unescape(&d->l, raw, rawn, out, n);
        if (rc)
            return rc;
        *nul = memchr(out, 0, *n) != NULL;
    }
    out[*n] = 0;
    *s = out;
    return O2P_OK;
}

/* read_small_string - a string expected to be short (a number, an enum name, an id) into buf. */
static int read_small_string(struct json_dec *d, char *buf, size_t cap, size_t *n, const char *what)
{
    const char *raw;
    size_t rawn;
    int plain;
    int rc = otlp_json_lex_string(&d->l, &raw, &rawn, &plain);
    if (rc)
        return rc;
    if (rawn >= cap)
        return fail(d, "expected %s, got a string of %zu bytes", what, rawn);
    rc = otlp_json_lex_unescape(&d->l, raw, rawn, buf, n);
    if (rc)
        return rc;
    buf[*n] = 0;
    return O2P_OK;
}

/* read_number_text - a number given as a JSON number or as a string holding one. */
static int read_number_text(struct json_dec *d, char *buf, size_t cap, const char **s, size_t *n,
                            int *quoted, const char *what)
{
    int rc;
    *quoted = 0;
    if (d->l.p < d->l.end && *d->l.p == '"') {
        size_t bn;
        rc = read_small_string(d, buf, cap, &bn, what);
        if (rc)
            return rc;
        *quoted = 1;
        *s = buf;
        *n = bn;
        return O2P_OK;
    }
    if (d->l.p >= d->l.end || (*d->l.p != '-' && (*d->l.p < '0' || *d->l.p > '9')))
        return expected(d, what);
    return otlp_json_lex_number(&d->l, s, n);
}

/* is_number_text - does buf[0..n) (a string's contents) match the JSON number grammar? */
static int is_number_text(struct json_dec *d, const char *buf, size_t n)
{
    struct o2p_error scratch;
    struct otlp_json_lex sub = { buf, buf, buf + n, &scratch };
    const char *s;
    size_t sn;
    (void)d;
    return n > 0 && otlp_json_lex_number(&sub, &s, &sn) == O2P_OK && sub.p == sub.end;
}

/* read_int - an integer field: number or numeric string, exact, within [min, max]. */
static int read_int(struct json_dec *d, int is_signed, int64_t min, uint64_t max, union elem *v)
{
    char buf[72];
    const char *s;
    size_t n;
    int quoted, neg;
    uint64_t mag;
    const char *what = is_signed ? "an integer (number or decimal string)"
                                 : "an unsigned integer (number or decimal string)";
    int rc = read_number_text(d, buf, sizeof buf, &s, &n, &quoted, what);
    if (rc)
        return rc;
    if (quoted && !is_number_text(d, s, n))
        return fail(d, "expected %s, got the string \"%.40s\"", what, s);
    rc = otlp_json_num_integer(s, n, &neg, &mag);
    if (rc == -1)
        return fail(d, "expected %s, got the non-integral %.*s", what, (int)(n > 40 ? 40 : n), s);
    if (rc == 0 && neg && mag != 0 && !is_signed)
        rc = -2;
    if (rc == 0 && is_signed && neg && mag > (uint64_t)-(min + 1) + 1)
        rc = -2;
    if (rc == 0 && !neg && mag > max)
        rc = -2;
    if (rc == -2)
        return fail(d, "integer %.*s out of range [%lld, %llu]", (int)(n > 40 ? 40 : n), s,
                    (long long)min, (unsigned long long)max);
    if (is_signed)
        v->i64 = neg ? (int64_t)(0 - mag) : (int64_t)mag;  /* two's complement wrap is exact */
    else
        v->u64 = mag;
    return O2P_OK;
}

static int read_double(struct json_dec *d, double *v)
{
    char buf[512];
    const char *s;
    size_t n;
    int quoted;
    const char *what = "a number, a numeric string, \"NaN\", \"Infinity\" or \"-Infinity\"";
    int rc = read_number_text(d, buf, sizeof buf, &s, &n, &quoted, what);
    if (rc)
        return rc;
    if (quoted) {
        if (strcmp(s, "NaN") == 0) {
            *v = NAN;
            return O2P_OK;
        }
        if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
            *v = s[0] == '-' ? -INFINITY : INFINITY;
            return O2P_OK;
        }
        if (!is_number_text(d, s, n))
            return fail(d, "expected %s, got the string \"%.40s\"", what, s);
    }
    rc = otlp_json_num_double(s, n, v);
    if (rc == -1)
        return fail(d, "number longer than 511 characters");
    if (rc == -2)
        return fail(d, "number %.*s out of range for a double", (int)(n > 40 ? 40 : n), s);
    return O2P_OK;
}

static int read_enum(struct json_dec *d, const ProtobufCFieldDescriptor *f, int32_t *v)
{
    const ProtobufCEnumDescriptor *ed = f->descriptor;
    if (d->l.p < d->l.end && *d->l.p == '"') {
        char name[128];
        size_t n;
        int rc = read_small_string(d, name, sizeof name, &n, "an enum value name");
        if (rc)
            return rc;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, name);
        if (ev && strlen(name) == n) {
            *v = ev->value;
            return O2P_OK;
        }
        /* "2" is accepted as 2, as protobuf's own JSON parsers do. */
        int neg;
        uint64_t mag;
        if (!is_number_text(d, name, n) || otlp_json_num_integer(name, n, &neg, &mag) != 0 ||
            mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
            return fail(d, "unknown %s value \"%.60s\"", ed->short_name, name);
        *v = neg ? (int32_t)(0 - (int64_t)mag) : (int32_t)mag;
        return O2P_OK;
    }
    union elem e;
    int rc = read_int(d, 1, INT32_MIN, INT32_MAX, &e);
    if (rc)
        return rc;
    *v = (int32_t)e.i64;  /* proto3 enums are open: unknown numbers are kept */
    return O2P_OK;
}

static int read_bytes(struct json_dec *d, const ProtobufCFieldDescriptor *f, ProtobufCBinaryData *v)
{
    if (d->l.p >= d->l.end || *d->l.p != '"')
        return expected(d, id_bytes(f) ? "a hex string" : "a base64 string");
    size_t idn = id_bytes(f);
    if (idn) {
        char hex[68];
        size_t n;
        int rc = read_small_string(d, hex, sizeof hex, &n, "a hex id");
        if (rc)
            return rc;
        if (n == 0) {
            v->len = 0;
            v->data = NULL;
            return O2P_OK;
        }
        if (n != 2 * idn)
            return fail(d, "expected %zu hex digits, got %zu characters", 2 * idn, n);
        v->data = alloc(d, idn);
        if (!v->data)
            return no_memory(d, idn);
        if (otlp_json_hex(hex, idn, v->data) < 0)
            return fail(d, "expected %zu hex digits, got \"%s\"", 2 * idn, hex);
        v->len = idn;
        return O2P_OK;
    }
    char *s;
    size_t n;
    int nul;
    int rc = read_string(d, &s, &n, &nul);
    if (rc)
        return rc;
    long k = otlp_json_base64((unsigned char *)s, n);
    if (k < 0)
        return fail(d, "expected base64, got \"%.40s%s\"", s, n > 40 ? "..." : "");
    v->len = (size_t)k;
    v->data = k ? (uint8_t *)s : NULL;
    return O2P_OK;
}

/* dec_value - one value of field f's type (an array element for repeated fields) into *v. */
static int dec_value(struct json_dec *d, const ProtobufCFieldDescriptor *f, union elem *v)
{
    int rc, nul;
    size_t n;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        rc = read_int(d, 1, INT32_MIN, INT32_MAX, v);
        v->i32 = rc ? 0 : (int32_t)v->i64;
        return rc;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        rc = read_int(d, 0, 0, UINT32_MAX, v);
        v->u32 = rc ? 0 : (uint32_t)v->u64;
        return rc;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        return read_int(d, 1, INT64_MIN, INT64_MAX, v);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return read_int(d, 0, 0, UINT64_MAX, v);
    case PROTOBUF_C_TYPE_DOUBLE:
        return read_double(d, &v->d);
    case PROTOBUF_C_TYPE_FLOAT: {
        double x;
        rc = read_double(d, &x);
        if (rc)
            return rc;
        if (isfinite(x) && fabs(x) > 3.4028234663852886e38)
            return fail(d, "number out of range for a float");
        v->f = (float)x;
        return O2P_OK;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (d->l.p < d->l.end && *d->l.p == 't') {
            v->b = 1;
            return otlp_json_lex_literal(&d->l, "true");
        }
        if (d->l.p < d->l.end && *d->l.p == 'f') {
            v->b = 0;
            return otlp_json_lex_literal(&d->l, "false");
        }
        return expected(d, "true or false");
    case PROTOBUF_C_TYPE_ENUM:
        return read_enum(d, f, &v->i32);
    case PROTOBUF_C_TYPE_STRING:
        if (d->l.p >= d->l.end || *d->l.p != '"')
            return expected(d, "a string");
        rc = read_string(d, &v->s, &n, &nul);
        if (rc == O2P_OK && nul)
            return fail(d, "string contains a NUL character (\\u0000), which is not supported");
        return rc;
    case PROTOBUF_C_TYPE_BYTES:
        return read_bytes(d, f, &v->bin);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (d->l.p >= d->l.end || *d->l.p != '{')
            return expected(d, "an object");
        return dec_message(d, f->descriptor, &v->m);
    }
    return fail(d, "unsupported field type %d", (int)f->type);
}

static void store(void *dst, const union elem *v, size_t size) { memcpy(dst, v, size); }

static int stk_push(struct json_dec *d, const union elem *v, size_t size)
{
    if (d->stk_cap - d->stk_len < size) {
        size_t cap = d->stk_cap ? d->stk_cap * 2 : 4096;
        if (d->stk_max && cap > d->stk_max)
            cap = d->stk_max;
        if (cap - d->stk_len < size)
            return too_big(d);  /* these elements could not fit in the arena either */
        unsigned char *p = realloc(d->stk, cap);
        if (!p)
            return o2p_fail(d->err, O2P_ENOMEM, "out of memory decoding JSON array");
        d->stk = p;
        d->stk_cap = cap;
    }
    memcpy(d->stk + d->stk_len, v, size);
    d->stk_len += size;
    return O2P_OK;
}

/* dec_array - a repeated field: collect elements on the stack, then one exact arena copy. */
static int dec_array(struct json_dec *d, const ProtobufCFieldDescriptor *f, void *msg)
{
    if (d->l.p >= d->l.end || *d->l.p != '[')
        return expected(d, "an array");
    d->l.p++;
    size_t size = elem_size(f->type), base = d->stk_len;
    struct path_frame *fr = &d->path[d->depth - 1];
    int rc;
    otlp_json_lex_ws(&d->l);
    if (d->l.p < d->l.end && *d->l.p == ']') {
        d->l.p++;
        return O2P_OK;
    }
    for (long i = 0;; i++) {
        union elem v;
        memset(&v, 0, sizeof v);
        fr->index = i;
        if (d->l.p < d->l.end && *d->l.p == 'n')
            return fail(d, "null is not allowed as an array element");
        rc = dec_value(d, f, &v);
        if (rc)
            return rc;
        rc = stk_push(d, &v, size);
        if (rc)
            return rc;
        otlp_json_lex_ws(&d->l);
        if (d->l.p < d->l.end && *d->l.p == ',') {
            d->l.p++;
            otlp_json_lex_ws(&d->l);
            continue;
        }
        if (d->l.p < d->l.end && *d->l.p == ']') {
            d->l.p++;
            break;
        }
        return otlp_json_lex_syntax(&d->l, "expected ',' or ']'");
    }
    fr->index = -1;
    size_t bytes = d->stk_len - base;
    void *arr = alloc(d, bytes);
    if (!arr)
        return no_memory(d, bytes);
    memcpy(arr, d->stk + base, bytes);
    d->stk_len = base;
    *(size_t *)((char *)msg + f->quantifier_offset) = bytes / size;
    *(void **)((char *)msg + f->offset) = arr;
    return O2P_OK;
}

/* dec_field - the value of one key of a message object (cursor at the value). */
static int dec_field(struct json_dec *d, const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg)
{
    char *base = (char *)msg;
    if (d->l.p < d->l.end && *d->l.p == 'n')
        return otlp_json_lex_literal(&d->l, "null");  /* null: leave the default */
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return dec_array(d, f, msg);
    uint32_t *oneof_case = NULL;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        oneof_case = (uint32_t *)(base + f->quantifier_offset);
        if (*oneof_case != 0)
            return fail(d, "more than one member of a oneof is set (only one of e.g. "
                           "stringValue/intValue, gauge/sum, asDouble/asInt may appear)");
    }
    union elem v;
    memset(&v, 0, sizeof v);
    int rc = dec_value(d, f, &v);
    if (rc)
        return rc;
    store(base + f->offset, &v, elem_size(f->type));
    if (oneof_case)
        *oneof_case = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    return O2P_OK;
}

static int dec_message(struct json_dec *d, const ProtobufCMessageDescriptor *md, ProtobufCMessage **out)
{
    int is_any = md == &opentelemetry__proto__common__v1__any_value__descriptor;
    if (is_any && d->any_depth >= OTLP_MAX_ANY_DEPTH)
        return fail(d, "AnyValue nested deeper than %d levels", OTLP_MAX_ANY_DEPTH);
    ProtobufCMessage *msg = alloc(d, md->sizeof_message);
    if (!msg)
        return no_memory(d, md->sizeof_message);
    md->message_init(msg);
    d->any_depth += is_any;
    d->l.p++;  /* '{' */
    uint64_t seen = 0;
    unsigned hint = 0;
    int rc;
    otlp_json_lex_ws(&d->l);
    if (d->l.p < d->l.end && *d->l.p == '}') {
        d->l.p++;
        goto done;
    }
    for (;;) {
        const char *key;
        size_t keyn;
        int plain;
        char kbuf[256];
        if (d->l.p >= d->l.end || *d->l.p != '"')
            return otlp_json_lex_syntax(&d->l, "expected a key string");
        rc = otlp_json_lex_string(&d->l, &key, &keyn, &plain);
        if (rc)
            return rc;
        if (!plain) {
            /* Escaped or non-ASCII keys are rare: validate, and unescape a copy when it could
             * still be a field name (even fully \u-escaped, none is longer than kbuf). */
            int copy = keyn < sizeof kbuf;
            size_t kn;
            rc = otlp_json_lex_unescape(&d->l, key, keyn, copy ? kbuf : NULL, &kn);
            if (rc)
                return rc;
            if (copy) {
                key = kbuf;
                keyn = kn;
            }
        }
        otlp_json_lex_ws(&d->l);
        if (d->l.p >= d->l.end || *d->l.p != ':')
            return otlp_json_lex_syntax(&d->l, "expected ':'");
        d->l.p++;
        otlp_json_lex_ws(&d->l);
        int fi = find_field(md, key, keyn, &hint);
        if (fi < 0) {
            /* Unknown fields are ignored (OTLP spec), but must still be valid JSON. */
            rc = otlp_json_lex_skip(&d->l, OTLP_JSON_MAX_SKIP_DEPTH);
            if (rc)
                return rc;
        } else {
            const ProtobufCFieldDescriptor *f = &md->fields[fi];
            if (d->depth >= MAX_PATH)
                return fail(d, "JSON nested too deeply");
            d->path[d->depth].field = f;
            d->path[d->depth].index = -1;
            d->depth++;
            if (fi < 64 && (seen >> fi & 1))
                return fail(d, "field given more than once");
            seen |= fi < 64 ? (uint64_t)1 << fi : 0;
            rc = dec_field(d, f, msg);
            if (rc)
                return rc;
            d->depth--;
        }
        otlp_json_lex_ws(&d->l);
        if (d->l.p < d->l.end && *d->l.p == ',') {
            d->l.p++;
            otlp_json_lex_ws(&d->l);
            continue;
        }
        if (d->l.p < d->l.end && *d->l.p == '}') {
            d->l.p++;
            break;
        }
        return otlp_json_lex_syntax(&d->l, "expected ',' or '}'");
    }
done:
    d->any_depth -= is_any;
    *out = msg;
    return O2P_OK;
}

/* format_path - "resourceLogs[0].scopeLogs[1].logRecords[3].traceId" from the path stack. */
static void format_path(const struct json_dec *d, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < d->depth && o + 1 < cap; i++) {
        const char *c = d->path[i].field->name;
        if (i > 0)
            buf[o++] = '.';
        int upper = 0;
        for (; *c && o + 1 < cap; c++) {
            if (*c == '_') {
                upper = 1;
                continue;
            }
            buf[o++] = upper && *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
            upper = 0;
        }
        if (d->path[i].index >= 0 && o + 1 < cap) {
            int k = snprintf(buf + o, cap - o, "[%ld]", d->path[i].index);
            o = k > 0 && (size_t)k < cap - o ? o + (size_t)k : cap - 1;
        }
        buf[o] = 0;
    }
}

static const ProtobufCMessageDescriptor *request_descriptor(enum o2p_signal sig)
{
    switch (sig) {
    case O2P_SIGNAL_LOGS:
        return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
    case O2P_SIGNAL_TRACES:
        return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
    case O2P_SIGNAL_METRICS:
        return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
    }
    return NULL;
}

int otlp_json_decode(enum o2p_signal sig, const char *json, size_t len, struct arena *a,
                     ProtobufCMessage **out, struct o2p_error *err)
{
    const ProtobufCMessageDescriptor *md = request_descriptor(sig);
    if (!md)
        return o2p_fail(err, O2P_EINVAL, "OTLP/JSON: unknown signal %d", (int)sig);
    struct o2p_error local;
    struct json_dec *d = malloc(sizeof *d);
    if (!d)
        return o2p_fail(err, O2P_ENOMEM, "OTLP/JSON %s: allocate the decoder: out of memory", signal_kind_name(sig));
    memset(d, 0, offsetof(struct json_dec, path));
    d->err = err ? err : &local;
    d->l = (struct otlp_json_lex){ json, json, json + len, d->err };
    d->a = a;
    d->stk_max = a->max_bytes;
    ProtobufCMessage *msg = NULL;
    int rc;
    /* A UTF-8 byte order mark is tolerated (RFC 8259 §8.1 lets parsers ignore it). */
    if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0)
        d->l.p += 3;
    otlp_json_lex_ws(&d->l);
    if (d->l.p >= d->l.end) {
        rc = fail(d, "empty body");
        goto fail;
    }
    if (*d->l.p != '{') {
        rc = fail(d, "expected an object, got %s", otlp_json_lex_what(&d->l));
        goto fail;
    }
    rc = dec_message(d, md, &msg);
    if (rc)
        goto fail;
    otlp_json_lex_ws(&d->l);
    if (d->l.p != d->l.end) {
        rc = otlp_json_lex_syntax(&d->l, "unexpected data after the request object");
        goto fail;
    }
    free(d->stk);
    free(d);
    *out = msg;
    return O2P_OK;
fail:
    if (d->depth > 0) {
        /* A path through deep AnyValues can be long: keep its head and tail so the message
         * itself still fits in struct o2p_error. */
        char path[8192];
        format_path(d, path, sizeof path);
        size_t pn = strlen(path);
        if (pn > 240)
            o2p_error_prefix(d->err, "%.100s...%s", path, path + pn - 130);
        else
            o2p_error_prefix(d->err, "%s", path);
    }
    o2p_error_prefix(d->err, "OTLP/JSON %s", signal_kind_name(sig));
    free(d->stk);
    free(d);
    return rc;
}
