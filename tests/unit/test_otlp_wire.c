/* test_otlp_wire.c - the hand-written OTLP logs decoder against protobuf-c: the same message
 * for the sample requests, and the same accept/reject decision and message for every
 * truncation and many single-byte corruptions of one (a differential test: protobuf-c is the
 * reference, see otel/otlp_wire.h). */
#include "otel/otlp_decode.h"
#include "otel/otlp_wire.h"
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;

static uint8_t *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[1 << 20];
    *n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int bin_eq(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
    return a->len == b->len && (!a->len || memcmp(a->data, b->data, a->len) == 0);
}

static int kvs_eq(size_t na, key_value **a, size_t nb, key_value **b);

static int any_eq(const any_value *a, const any_value *b)
{
    if (!a || !b)
        return !a && !b;
    if (a->value_case != b->value_case)
        return 0;
    switch (a->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        return str_eq(a->string_value, b->string_value);
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        return !a->bool_value == !b->bool_value;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        return a->int_value == b->int_value;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        return memcmp(&a->double_value, &b->double_value, sizeof(double)) == 0;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        return bin_eq(&a->bytes_value, &b->bytes_value);
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
        if (a->array_value->n_values != b->array_value->n_values)
            return 0;
        for (size_t i = 0; i < a->array_value->n_values; i++)
            if (!any_eq(a->array_value->values[i], b->array_value->values[i]))
                return 0;
        return 1;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        return kvs_eq(a->kvlist_value->n_values, a->kvlist_value->values,
                      b->kvlist_value->n_values, b->kvlist_value->values);
    default:
        return 1;
    }
}

static int kvs_eq(size_t na, key_value **a, size_t nb, key_value **b)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!str_eq(a[i]->key, b[i]->key) || !any_eq(a[i]->value, b[i]->value))
            return 0;
    return 1;
}

static int req_eq(const otlp_wire_logs_req *a, const otlp_wire_logs_req *b)
{
    if (a->n_resource_logs != b->n_resource_logs)
        return 0;
    for (size_t i = 0; i < a->n_resource_logs; i++) {
        const Opentelemetry__Proto__Logs__V1__ResourceLogs *ra = a->resource_logs[i], *rb = b->resource_logs[i];
        if (!str_eq(ra->schema_url, rb->schema_url) || !ra->resource != !rb->resource ||
            ra->n_scope_logs != rb->n_scope_logs)
            return 0;
        if (ra->resource &&
            (ra->resource->dropped_attributes_count != rb->resource->dropped_attributes_count ||
             ra->resource->n_entity_refs != rb->resource->n_entity_refs ||
             !kvs_eq(ra->resource->n_attributes, ra->resource->attributes, rb->resource->n_attributes,
                     rb->resource->attributes)))
            return 0;
        for (size_t j = 0; j < ra->n_scope_logs; j++) {
            const Opentelemetry__Proto__Logs__V1__ScopeLogs *sa = ra->scope_logs[j], *sb = rb->scope_logs[j];
            if (!str_eq(sa->schema_url, sb->schema_url) || !sa->scope != !sb->scope ||
                sa->n_log_records != sb->n_log_records)
                return 0;
            if (sa->scope && (!str_eq(sa->scope->name, sb->scope->name) ||
                              !str_eq(sa->scope->version, sb->scope->version) ||
                              sa->scope->dropped_attributes_count != sb->scope->dropped_attributes_count ||
                              !kvs_eq(sa->scope->n_attributes, sa->scope->attributes,
                                      sb->scope->n_attributes, sb->scope->attributes)))
                return 0;
            for (size_t k = 0; k < sa->n_log_records; k++) {
                const Opentelemetry__Proto__Logs__V1__LogRecord *la = sa->log_records[k], *lb = sb->log_records[k];
                if (la->time_unix_nano != lb->time_unix_nano ||
                    la->observed_time_unix_nano != lb->observed_time_unix_nano ||
                    la->severity_number != lb->severity_number || !str_eq(la->severity_text, lb->severity_text) ||
                    !any_eq(la->body, lb->body) || la->dropped_attributes_count != lb->dropped_attributes_count ||
                    la->flags != lb->flags || !bin_eq(&la->trace_id, &lb->trace_id) ||
                    !bin_eq(&la->span_id, &lb->span_id) || !str_eq(la->event_name, lb->event_name) ||
                    !kvs_eq(la->n_attributes, la->attributes, lb->n_attributes, lb->attributes))
                    return 0;
            }
        }
    }
    return 1;
}

/* same - otlp_decode and protobuf-c agree on p[0..n): both reject, or both accept
 * with equal messages. *fast: the fast path alone accepted it. */
static int same(const uint8_t *p, size_t n, int *fast)
{
    struct arena a, b;
    arena_init(&a, 1 << 16, 64 << 20);
    arena_init(&b, 1 << 16, 64 << 20);
    otlp_wire_logs_req *x = otlp_wire_decode_logs(&a, p, n);
    *fast = x != NULL;
    if (!x) {
        ProtobufCMessage *m = NULL;
        arena_reset(&a);
        x = otlp_decode(O2P_SIGNAL_LOGS, p, n, &a, &m, NULL) == O2P_OK ? (otlp_wire_logs_req *)m : NULL;
    }
    otlp_wire_logs_req *y = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
        arena_protobuf_allocator(&b), n, p);
    int ok = (!x && !y) || (x && y && req_eq(x, y));
    arena_free(&a);
    arena_free(&b);
    return ok;
}

TEST(samples_equal_protobuf_c)
{
    const char *files[] = {"tests/unit/data/otlp/logs.pb", "tests/unit/data/otlp/edge_logs.pb"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        uint8_t *p = load(files[i], &n);
        CHECK(p && n > 0);
        int fast;
        CHECK(same(p, n, &fast));
        CHECK(fast); /* the samples are plain requests: no fallback */
    }
}

TEST(truncations_and_corruptions)
{
    size_t n;
    uint8_t *src = load("tests/unit/data/otlp/logs.pb", &n);
    CHECK(src && n > 0);
    uint8_t *p = malloc(n);
    CHECK(p);
    int fast, fast_count = 0;
    for (size_t len = 0; len < n; len++) {
        memcpy(p, src, len);
        if (!same(p, len, &fast)) {
            free(p);
            FAILF("truncated to %zu bytes: decoders disagree", len);
        }
    }
    static const uint8_t muts[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x2a};
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < sizeof muts; m++) {
            memcpy(p, src, n);
            if (p[i] == muts[m])
                continue;
            p[i] = muts[m];
            if (!same(p, n, &fast)) {
                free(p);
                FAILF("byte %zu set to 0x%02x: decoders disagree", i, muts[m]);
            }
            fast_count += fast;
        }
    }
    free(p);
    CHECK(fast_count > 0);
}

/* The edge cases file (deep nesting, odd UTF-8, every AnyValue kind) corrupted at a sample
 * of positions. */
TEST(edge_corruptions)
{
    size_t n;
    uint8_t *src = load("tests/unit/data/otlp/edge_logs.pb", &n);
    CHECK(src && n > 0);
    uint8_t *p = malloc(n);
    CHECK(p);
    int fast;
    static const uint8_t muts[] = {0x00, 0x80, 0xff, 0x0a, 0x2a};
    for (size_t i = 0; i < n; i += 1499) {
        for (size_t m = 0; m < sizeof muts; m++) {
            memcpy(p, src, n);
            p[i] = muts[m];
            if (!same(p, n, &fast)) {
                free(p);
                FAILF("byte %zu set to 0x%02x: decoders disagree", i, muts[m]);
            }
        }
    }
    free(p);
}

/* A body given twice is merged by protobuf-c; the fast path must leave it to protobuf-c. */
TEST(duplicate_body_falls_back)
{
    /* LogRecord{body{string_value "a"}, body{int_value 5}} in ScopeLogs in ResourceLogs */
    static const uint8_t lr[] = {0x2a, 0x03, 0x0a, 0x01, 'a', 0x2a, 0x02, 0x18, 0x05};
    uint8_t sl[2 + sizeof lr], rl[2 + sizeof sl], req[2 + sizeof rl];
    sl[0] = 0x12, sl[1] = sizeof lr, memcpy(sl + 2, lr, sizeof lr);
    rl[0] = 0x12, rl[1] = sizeof sl, memcpy(rl + 2, sl, sizeof sl);
    req[0] = 0x0a, req[1] = sizeof rl, memcpy(req + 2, rl, sizeof rl);
    int fast;
    CHECK(same(req, sizeof req, &fast));
    CHECK(!fast);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    ProtobufCMessage *m = NULL;
    CHECK_EQ_INT(otlp_decode(O2P_SIGNAL_LOGS, req, sizeof req, &a, &m, NULL), O2P_OK);
    otlp_wire_logs_req *r = (otlp_wire_logs_req *)m;
    CHECK(r && r->n_resource_logs == 1 && r->resource_logs[0]->n_scope_logs == 1);
    arena_free(&a);
}

/* wrap - tag t and a varint length before b[0..n) at out; returns the new length */
static size_t wrap(uint8_t *out, uint8_t t, const uint8_t *b, size_t n)
{
    size_t k = 0;
    out[k++] = t;
    for (size_t v = n; ; v >>= 7) {
        out[k++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80)
            break;
    }
    memmove(out + k, b, n);
    return k + n;
}

/* More attributes than the single-pass span buffer holds: the two-pass path, same result. */
TEST(many_attributes)
{
    static uint8_t lr[4096], a[4096], b[4096];
    for (size_t count = 60; count <= 70; count += 10) {
        size_t n = 0;
        for (size_t i = 0; i < count; i++) {
            uint8_t kv[] = {0x0a, 0x02, 'k', (uint8_t)('0' + i % 10), 0x12, 0x02, 0x18, (uint8_t)i};
            n += wrap(lr + n, 0x32, kv, sizeof kv);
        }
        n = wrap(a, 0x12, lr, n);  /* ScopeLogs.log_records */
        n = wrap(b, 0x12, a, n);   /* ResourceLogs.scope_logs */
        n = wrap(a, 0x0a, b, n);   /* ExportLogsServiceRequest.resource_logs */
        int fast;
        CHECK(same(a, n, &fast));
        CHECK(fast);
        struct arena ar;
        arena_init(&ar, 1 << 16, 0);
        otlp_wire_logs_req *r = otlp_wire_decode_logs(&ar, a, n);
        CHECK(r && r->resource_logs[0]->scope_logs[0]->log_records[0]->n_attributes == count);
        CHECK_EQ_INT(r->resource_logs[0]->scope_logs[0]->log_records[0]->attributes[count - 1]->value->int_value,
                     count - 1);
        arena_free(&ar);
    }
}

/* Ids are not copied: they point into the input. */
TEST(ids_point_into_input)
{
    size_t n;
    uint8_t *p = load("tests/unit/data/otlp/logs.pb", &n);
    CHECK(p && n > 0);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    otlp_wire_logs_req *r = otlp_wire_decode_logs(&a, p, n);
    CHECK(r && r->n_resource_logs > 0 && r->resource_logs[0]->n_scope_logs > 0);
    const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = r->resource_logs[0]->scope_logs[0];
    int found = 0;
    for (size_t i = 0; i < sl->n_log_records; i++) {
        const ProtobufCBinaryData *t = &sl->log_records[i]->trace_id;
        if (t->len) {
            CHECK(t->data >= p && t->data + t->len <= p + n);
            found = 1;
        }
    }
    CHECK(found);
    arena_free(&a);
}

int main(void)
{
    RUN(samples_equal_protobuf_c);
    RUN(truncations_and_corruptions);
    RUN(edge_corruptions);
    RUN(duplicate_body_falls_back);
    RUN(ids_point_into_input);
    RUN(many_attributes);
    return testing_done();
}
