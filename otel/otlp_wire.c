/*
 * otlp_wire.c - ExportLogsServiceRequest from the wire into protobuf-c structures (see
 * otlp_wire.h for why and for the exact contract).
 *
 * Shape: one function per message type, each a loop over (tag, value) that fills a struct
 * initialised from protobuf-c's own __INIT value. A message with repeated message fields is
 * scanned once first to count them, so each array and its elements are one arena allocation.
 * Strings go to one block of n bytes taken up front: a string of L bytes occupies at least
 * L + 2 bytes on the wire (tag and length), so L + 1 for the copy and its NUL always fits.
 *
 * Every deviation from the plain, well-formed case returns 0 ("not mine"), and the caller
 * (otlp_decode) hands the whole request to otlp_scan and then protobuf-c; there is no partial
 * result and no error message here. Doing only the unambiguous case is what keeps the
 * behaviour identical to protobuf-c. Recursion is bounded: AnyValue nesting past
 * OTLP_MAX_ANY_DEPTH is declined like any other deviation.
 *
 * The varint and tag readers here are stricter than the shared ones in otlp_wire.h (they
 * decline 10-byte varints whose last byte is above 1, and field numbers of 2^29 or more) so
 * that a value is only ever read one way; the length reader is the shared one.
 */
#include "otel/otlp_wire.h"

#include <string.h>

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__ArrayValue array_value;
typedef Opentelemetry__Proto__Common__V1__KeyValueList kv_list;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope scope_t;
typedef Opentelemetry__Proto__Resource__V1__Resource resource_t;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct dec {
    struct arena *a;
    char *str;      /* string block: next free byte */
    char *str_end;
};

/* ---- wire primitives ------------------------------------------------------------------ */

/* varint - at most 10 bytes; the 10th may only carry bit 63 (protobuf-c and we would
 * disagree on what the overflow bits mean, so those go to protobuf-c). */
static inline int varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 1;
    }
    uint64_t r = 0;
    for (int i = 0; i < 10; i++) {
        if (p >= end)
            return 0;
        uint8_t b = *p++;
        if (i == 9 && b > 1)
            return 0;
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = r;
            *pp = p;
            return 1;
        }
    }
    return 0;
}

/* tag - field number (1 .. 2^29-1) and wire type; 0 on anything odd */
static inline int tag(const uint8_t **pp, const uint8_t *end, uint32_t *field, int *wt)
{
    uint64_t t;
    const uint8_t *start = *pp;
    /* protobuf-c reads a tag from at most 5 bytes: a longer (zero-padded) one goes to it too. */
    if (!varint(pp, end, &t) || t > 0xffffffffu || *pp - start > 5)
        return 0;
    *field = (uint32_t)(t >> 3);
    *wt = (int)(t & 7);
    return *field != 0;
}

/* len_field - a length-delimited value (the shared primitive: exactly protobuf-c's rule) */
#define len_field otlp_wire_len

static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian host assumed, as in the Parquet encoder */
    return v;
}

static inline uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* skip - an unknown field of wire type wt (groups and reserved types: not ours) */
static int skip(const uint8_t **pp, const uint8_t *end, int wt)
{
    uint64_t v;
    const uint8_t *vp;
    size_t vn;
    switch (wt) {
    case WT_VARINT: return varint(pp, end, &v);
    case WT_I64:
        if (end - *pp < 8)
            return 0;
        *pp += 8;
        return 1;
    case WT_LEN: return len_field(pp, end, &vp, &vn);
    case WT_I32:
        if (end - *pp < 4)
            return 0;
        *pp += 4;
        return 1;
    }
    return 0;
}

/* fixed - a WT_I64 / WT_I32 value */
static inline int fixed64(const uint8_t **pp, const uint8_t *end, int wt, uint64_t *v)
{
    if (wt != WT_I64 || end - *pp < 8)
        return 0;
    *v = le64(*pp);
    *pp += 8;
    return 1;
}

static inline int fixed32(const uint8_t **pp, const uint8_t *end, int wt, uint32_t *v)
{
    if (wt != WT_I32 || end - *pp < 4)
        return 0;
    *v = le32(*pp);
    *pp += 4;
    return 1;
}

static inline int varint_field(const uint8_t **pp, const uint8_t *end, int wt, uint64_t *v)
{
    return wt == WT_VARINT && varint(pp, end, v);
}

/* string - a NUL-terminated copy in the string block */
static inline int string(struct dec *d, const uint8_t **pp, const uint8_t *end, int wt, char **out)
{
    const uint8_t *vp;
    size_t vn;
    if (wt != WT_LEN || !len_field(pp, end, &vp, &vn))
        return 0;
    if ((size_t)(d->str_end - d->str) < vn + 1)
        return 0; /* cannot happen (see the header); be safe */
    char *s = d->str;
    memcpy(s, vp, vn);
    s[vn] = '\0';
    d->str += vn + 1;
    *out = s;
    return 1;
}

/* bytes - points into the input */
static inline int bytes(const uint8_t **pp, const uint8_t *end, int wt, ProtobufCBinaryData *out)
{
    const uint8_t *vp;
    size_t vn;
    if (wt != WT_LEN || !len_field(pp, end, &vp, &vn))
        return 0;
    out->len = vn;
    out->data = vn ? (uint8_t *)vp : NULL;
    return 1;
}

/* count - occurrences of field f (any wire type) in p[0..n), the message checked for
 * well-formed framing on the way. */
static int count(const uint8_t *p, size_t n, uint32_t f, size_t *out)
{
    const uint8_t *end = p + n;
    size_t c = 0;
    while (p < end) {
        uint32_t fn;
        int wt;
        if (!tag(&p, end, &fn, &wt) || !skip(&p, end, wt))
            return 0;
        c += fn == f;
    }
    *out = c;
    return 1;
}

/* array - an array of n pointers to n zero-filled elements of size sz (n == 0: NULL) */
static void **array(struct dec *d, size_t n, size_t sz, void **elems)
{
    *elems = NULL;
    if (!n)
        return NULL;
    if (n > SIZE_MAX / (sz + sizeof(void *)))
        return NULL;
    void **ptrs = arena_alloc(d->a, n * sizeof(void *));
    unsigned char *e = arena_alloc(d->a, n * sz);
    if (!ptrs || !e)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ptrs[i] = e + i * sz;
    *elems = e;
    return ptrs;
}

/* ---- common.proto --------------------------------------------------------------------- */

static int any_val(struct dec *d, const uint8_t *p, size_t n, any_value *out, int depth);

/* key_values - the repeated KeyValue field f of message p[0..n) (n_out/out) */
static int key_values(struct dec *d, const uint8_t *p, size_t n, uint32_t f, size_t *n_out,
                      key_value ***out, int depth);

static int array_val(struct dec *d, const uint8_t *p, size_t n, array_value *out, int depth)
{
    static const array_value init = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
    static const any_value any_init = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    *out = init;
    size_t c;
    if (!count(p, n, 1, &c))
        return 0;
    any_value *e;
    out->values = (any_value **)array(d, c, sizeof(any_value), (void **)&e);
    if (c && !out->values)
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        if (fn == 1) {
            const uint8_t *vp;
            size_t vn;
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            any_value *v = &e[out->n_values];
            *v = any_init;
            if (!any_val(d, vp, vn, v, depth + 1))
                return 0;
            out->n_values++;
        } else if (!skip(&p, end, wt)) {
            return 0;
        }
    }
    return 1;
}

static int any_val(struct dec *d, const uint8_t *p, size_t n, any_value *out, int depth)
{
    if (depth >= OTLP_MAX_ANY_DEPTH) /* depth 0 is the outermost AnyValue */
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        uint64_t v;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        if (fn < 1 || fn > 7) {
            if (!skip(&p, end, wt))
                return 0;
            continue;
        }
        /* a second member of the oneof: protobuf-c replaces or merges; leave it to it */
        if (out->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET)
            return 0;
        switch (fn) {
        case 1:
            if (!string(d, &p, end, wt, &out->string_value))
                return 0;
            break;
        case 2:
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->bool_value = v != 0;
            break;
        case 3:
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->int_value = (int64_t)v;
            break;
        case 4:
            if (!fixed64(&p, end, wt, &v))
                return 0;
            memcpy(&out->double_value, &v, 8);
            break;
        case 5: case 6: {
            const uint8_t *vp;
            size_t vn;
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            if (fn == 5) {
                array_value *av = arena_alloc(d->a, sizeof *av);
                if (!av || !array_val(d, vp, vn, av, depth))
                    return 0;
                out->array_value = av;
            } else {
                static const kv_list init = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
                kv_list *kl = arena_alloc(d->a, sizeof *kl);
                if (!kl)
                    return 0;
                *kl = init;
                if (!key_values(d, vp, vn, 1, &kl->n_values, &kl->values, depth + 1))
                    return 0;
                out->kvlist_value = kl;
            }
            break;
        }
        case 7:
            if (!bytes(&p, end, wt, &out->bytes_value))
                return 0;
            break;
        }
        out->value_case = (Opentelemetry__Proto__Common__V1__AnyValue__ValueCase)fn;
    }
    return 1;
}

static int key_value_msg(struct dec *d, const uint8_t *p, size_t n, key_value *out, int depth)
{
    static const any_value any_init = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        if (fn == 1) {
            if (!string(d, &p, end, wt, &out->key))
                return 0;
        } else if (fn == 2) {
            const uint8_t *vp;
            size_t vn;
            if (out->value || wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0; /* given twice: protobuf-c merges */
            any_value *v = arena_alloc(d->a, sizeof *v);
            if (!v)
                return 0;
            *v = any_init;
            if (!any_val(d, vp, vn, v, depth))
                return 0;
            out->value = v;
        } else if (!skip(&p, end, wt)) {
            return 0;
        }
    }
    return 1;
}

static int key_values(struct dec *d, const uint8_t *p, size_t n, uint32_t f, size_t *n_out,
                      key_value ***out, int depth)
{
    static const key_value init = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
    size_t c;
    if (!count(p, n, f, &c))
        return 0;
    key_value *e;
    key_value **ptrs = (key_value **)array(d, c, sizeof(key_value), (void **)&e);
    if (c && !ptrs)
        return 0;
    size_t k = 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        if (fn == f) {
            const uint8_t *vp;
            size_t vn;
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            e[k] = init;
            if (!key_value_msg(d, vp, vn, &e[k], depth))
                return 0;
            k++;
        } else if (!skip(&p, end, wt)) {
            return 0;
        }
    }
    *n_out = k;
    *out = ptrs;
    return 1;
}

/* kv_spans - KeyValue messages already located by the caller's own pass (sp[0..n)) */
struct span {
    const uint8_t *p;
    size_t n;
};
#define MAX_SPANS 64

static int kv_spans(struct dec *d, const struct span *sp, size_t n, size_t *n_out, key_value ***out)
{
    static const key_value init = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
    key_value *e;
    key_value **ptrs = (key_value **)array(d, n, sizeof(key_value), (void **)&e);
    if (n && !ptrs)
        return 0;
    for (size_t i = 0; i < n; i++) {
        e[i] = init;
        if (!key_value_msg(d, sp[i].p, sp[i].n, &e[i], 0))
            return 0;
    }
    *n_out = n;
    *out = ptrs;
    return 1;
}

/* The messages below that hold attributes decode them with key_values() in a first pass over
 * the message and skip them in their own loop. */

static int scope_msg(struct dec *d, const uint8_t *p, size_t n, scope_t *out)
{
    if (!key_values(d, p, n, 3, &out->n_attributes, &out->attributes, 0))
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        uint64_t v;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        switch (fn) {
        case 1:
            if (!string(d, &p, end, wt, &out->name))
                return 0;
            break;
        case 2:
            if (!string(d, &p, end, wt, &out->version))
                return 0;
            break;
        case 3:
            if (!skip(&p, end, wt)) /* decoded above */
                return 0;
            break;
        case 4:
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->dropped_attributes_count = (uint32_t)v;
            break;
        default:
            if (!skip(&p, end, wt))
                return 0;
        }
    }
    return 1;
}

/* ---- resource.proto / logs.proto ---------------------------------------------------------- */

static int resource_msg(struct dec *d, const uint8_t *p, size_t n, resource_t *out)
{
    if (!key_values(d, p, n, 1, &out->n_attributes, &out->attributes, 0))
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        uint64_t v;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        if (fn == 2) {
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->dropped_attributes_count = (uint32_t)v;
        } else if (fn == 3) {
            return 0; /* entity_refs: rare, not needed by the rows; protobuf-c does them */
        } else if (!skip(&p, end, wt)) {
            return 0;
        }
    }
    return 1;
}

/* log_record_msg - the attributes are gathered as spans in the one pass over the record and
 * decoded after it (more than MAX_SPANS of them: key_values' own two passes). */
static int log_record_msg(struct dec *d, const uint8_t *p, size_t n, log_record *out)
{
    static const any_value any_init = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    struct span sp[MAX_SPANS];
    size_t nsp = 0;
    int many = 0;
    const uint8_t *start = p;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        uint64_t v;
        uint32_t v32;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        switch (fn) {
        case 1:
            if (!fixed64(&p, end, wt, &out->time_unix_nano))
                return 0;
            break;
        case 11:
            if (!fixed64(&p, end, wt, &out->observed_time_unix_nano))
                return 0;
            break;
        case 2:
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)(int32_t)(uint32_t)v;
            break;
        case 3:
            if (!string(d, &p, end, wt, &out->severity_text))
                return 0;
            break;
        case 5: {
            const uint8_t *vp;
            size_t vn;
            if (out->body || wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0; /* a second body: protobuf-c merges */
            any_value *b = arena_alloc(d->a, sizeof *b);
            if (!b)
                return 0;
            *b = any_init;
            if (!any_val(d, vp, vn, b, 0))
                return 0;
            out->body = b;
            break;
        }
        case 6: {
            const uint8_t *vp;
            size_t vn;
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            if (nsp < MAX_SPANS)
                sp[nsp++] = (struct span){vp, vn};
            else
                many = 1;
            break;
        }
        case 7:
            if (!varint_field(&p, end, wt, &v))
                return 0;
            out->dropped_attributes_count = (uint32_t)v;
            break;
        case 8:
            if (!fixed32(&p, end, wt, &v32))
                return 0;
            out->flags = v32;
            break;
        case 9:
            if (!bytes(&p, end, wt, &out->trace_id))
                return 0;
            break;
        case 10:
            if (!bytes(&p, end, wt, &out->span_id))
                return 0;
            break;
        case 12:
            if (!string(d, &p, end, wt, &out->event_name))
                return 0;
            break;
        default:
            if (!skip(&p, end, wt))
                return 0;
        }
    }
    if (many)
        return key_values(d, start, n, 6, &out->n_attributes, &out->attributes, 0);
    return kv_spans(d, sp, nsp, &out->n_attributes, &out->attributes);
}

static int scope_logs_msg(struct dec *d, const uint8_t *p, size_t n, scope_logs *out)
{
    static const log_record lr_init = OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT;
    static const scope_t scope_init = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
    size_t c;
    if (!count(p, n, 2, &c))
        return 0;
    log_record *e;
    out->log_records = (log_record **)array(d, c, sizeof(log_record), (void **)&e);
    if (c && !out->log_records)
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        const uint8_t *vp;
        size_t vn;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        switch (fn) {
        case 1:
            if (out->scope || wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            out->scope = arena_alloc(d->a, sizeof *out->scope);
            if (!out->scope)
                return 0;
            *out->scope = scope_init;
            if (!scope_msg(d, vp, vn, out->scope))
                return 0;
            break;
        case 2: {
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            log_record *lr = &e[out->n_log_records];
            *lr = lr_init;
            if (!log_record_msg(d, vp, vn, lr))
                return 0;
            out->n_log_records++;
            break;
        }
        case 3:
            if (!string(d, &p, end, wt, &out->schema_url))
                return 0;
            break;
        default:
            if (!skip(&p, end, wt))
                return 0;
        }
    }
    return 1;
}

static int resource_logs_msg(struct dec *d, const uint8_t *p, size_t n, resource_logs *out)
{
    static const scope_logs sl_init = OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
    static const resource_t res_init = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    size_t c;
    if (!count(p, n, 2, &c))
        return 0;
    scope_logs *e;
    out->scope_logs = (scope_logs **)array(d, c, sizeof(scope_logs), (void **)&e);
    if (c && !out->scope_logs)
        return 0;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        const uint8_t *vp;
        size_t vn;
        if (!tag(&p, end, &fn, &wt))
            return 0;
        switch (fn) {
        case 1:
            if (out->resource || wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            out->resource = arena_alloc(d->a, sizeof *out->resource);
            if (!out->resource)
                return 0;
            *out->resource = res_init;
            if (!resource_msg(d, vp, vn, out->resource))
                return 0;
            break;
        case 2: {
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return 0;
            scope_logs *sl = &e[out->n_scope_logs];
            *sl = sl_init;
            if (!scope_logs_msg(d, vp, vn, sl))
                return 0;
            out->n_scope_logs++;
            break;
        }
        case 3:
            if (!string(d, &p, end, wt, &out->schema_url))
                return 0;
            break;
        default:
            if (!skip(&p, end, wt))
                return 0;
        }
    }
    return 1;
}

otlp_wire_logs_req *otlp_wire_decode_logs(struct arena *a, const uint8_t *p, size_t n)
{
    static const otlp_wire_logs_req req_init =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
    static const resource_logs rl_init = OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
    struct dec d = {.a = a};
    if (n) {
        d.str = arena_alloc(a, n);
        if (!d.str)
            return NULL;
        d.str_end = d.str + n;
    }
    otlp_wire_logs_req *req = arena_alloc(a, sizeof *req);
    if (!req)
        return NULL;
    *req = req_init;
    size_t c;
    if (!count(p, n, 1, &c))
        return NULL;
    resource_logs *e;
    req->resource_logs = (resource_logs **)array(&d, c, sizeof(resource_logs), (void **)&e);
    if (c && !req->resource_logs)
        return NULL;
    const uint8_t *end = p + n;
    while (p < end) {
        uint32_t fn;
        int wt;
        if (!tag(&p, end, &fn, &wt))
            return NULL;
        if (fn == 1) {
            const uint8_t *vp;
            size_t vn;
            if (wt != WT_LEN || !len_field(&p, end, &vp, &vn))
                return NULL;
            resource_logs *rl = &e[req->n_resource_logs];
            *rl = rl_init;
            if (!resource_logs_msg(&d, vp, vn, rl))
                return NULL;
            req->n_resource_logs++;
        } else if (!skip(&p, end, wt)) {
            return NULL;
        }
    }
    return req;
}

#define DESC(name) &opentelemetry__proto__##name##__descriptor
const struct otlp_wire_msg_fields otlp_wire_fields[] = {
    {DESC(collector__logs__v1__export_logs_service_request), {1}, {0}},
    {DESC(logs__v1__resource_logs), {1, 2, 3}, {0}},
    {DESC(resource__v1__resource), {1, 2}, {3}},
    {DESC(logs__v1__scope_logs), {1, 2, 3}, {0}},
    {DESC(common__v1__instrumentation_scope), {1, 2, 3, 4}, {0}},
    {DESC(logs__v1__log_record), {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12}, {0}},
    {DESC(common__v1__any_value), {1, 2, 3, 4, 5, 6, 7}, {0}},
    {DESC(common__v1__array_value), {1}, {0}},
    {DESC(common__v1__key_value_list), {1}, {0}},
    {DESC(common__v1__key_value), {1, 2}, {0}},
    {NULL, {0}, {0}},
};
