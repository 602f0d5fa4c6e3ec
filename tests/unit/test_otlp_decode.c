/* test_otlp_decode.c - the decoding entry points (otel/otlp_decode.h) and the validating
 * scanner (otel/otlp_scan.h):
 *   - the protobuf-c descriptors of every message the logs fast path decodes hold no field
 *     number it does not know (a .proto update must not be skipped silently), and a request
 *     with every field of those messages set decodes through the fast path to the same bytes;
 *   - the scanner's tables build from the descriptors, and its counts equal the receiver's
 *     check_* counts on real SDK payloads and on requests with bad ids;
 *   - the one AnyValue nesting limit: 64 levels pass, 65 fail, in protobuf (scanner, every
 *     decode path) and OTLP/JSON alike; 100,000 levels fail cleanly instead of overflowing
 *     the stack. */
#include "otel/otlp_decode.h"
#include "otel/otlp_json.h"
#include "otel/otlp_scan.h"
#include "otel/otlp_wire.h"
#include "testing.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <stdio.h>
#include <stdlib.h>

static const ProtobufCMessageDescriptor *const req_desc[3] = {
    &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
    &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
    &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
};

/* ---- descriptors ----------------------------------------------------------------------- */

static const struct otlp_wire_msg_fields *wire_entry(const ProtobufCMessageDescriptor *d)
{
    for (const struct otlp_wire_msg_fields *e = otlp_wire_fields; e->desc; e++)
        if (e->desc == d)
            return e;
    return NULL;
}

static int listed(const uint32_t *ids, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n && ids[i]; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* reach - every message type reachable from d, into out[*n] */
static void reach(const ProtobufCMessageDescriptor *d, const ProtobufCMessageDescriptor **out, int *n)
{
    for (int i = 0; i < *n; i++)
        if (out[i] == d)
            return;
    out[(*n)++] = d;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            reach(d->fields[i].descriptor, out, n);
}

TEST(wire_knows_every_logs_field)
{
    const ProtobufCMessageDescriptor *all[64];
    int n = 0;
    reach(req_desc[0], all, &n);
    for (int i = 0; i < n; i++) {
        const struct otlp_wire_msg_fields *e = wire_entry(all[i]);
        if (!e) {
            /* reachable only below a field the fast path declines (Resource.entity_refs) */
            int under_declined = 0;
            for (const struct otlp_wire_msg_fields *w = otlp_wire_fields; w->desc; w++)
                for (size_t k = 0; k < 4 && w->declined[k]; k++) {
                    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(w->desc, w->declined[k]);
                    const ProtobufCMessageDescriptor *sub[64];
                    int m = 0;
                    if (f && f->type == PROTOBUF_C_TYPE_MESSAGE)
                        reach(f->descriptor, sub, &m);
                    for (int j = 0; j < m; j++)
                        under_declined |= sub[j] == all[i];
                }
            if (!under_declined)
                FAILF("message %s is reachable from ExportLogsServiceRequest but unknown to otlp_wire", all[i]->name);
            continue;
        }
        for (unsigned f = 0; f < all[i]->n_fields; f++) {
            uint32_t id = all[i]->fields[f].id;
            if (!listed(e->decoded, 16, id) && !listed(e->declined, 4, id))
                FAILF("%s.%s (field %u) would be skipped by otlp_wire: decode it or decline it", all[i]->name,
                      all[i]->fields[f].name, (unsigned)id);
        }
        for (size_t k = 0; k < 16 && e->decoded[k]; k++)
            if (!protobuf_c_message_descriptor_get_field(all[i], e->decoded[k]))
                FAILF("otlp_wire lists field %u of %s, which the .proto no longer has", (unsigned)e->decoded[k],
                      all[i]->name);
    }
}

TEST(scan_tables_build)
{
    struct o2p_error err = {0};
    int rc = otlp_scan_self_check(&err);
    if (rc != O2P_OK)
        FAILF("%s", err.msg);
}

/* ---- a request with every field set ------------------------------------------------------ */

static void *alloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

static int skip_declined; /* fill() leaves out the fields otlp_wire declines */

/* fill - a message of type d with every field set (one member per oneof, chosen by `pick`;
 * fields the fast path declines left out); AnyValues nest `any_left` more levels. */
static ProtobufCMessage *fill(struct arena *a, const ProtobufCMessageDescriptor *d, int pick, int any_left)
{
    ProtobufCMessage *m = alloc(a, d->sizeof_message);
    d->message_init(m);
    const struct otlp_wire_msg_fields *e = skip_declined ? wire_entry(d) : NULL;
    bool is_any = d == &opentelemetry__proto__common__v1__any_value__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (e && listed(e->declined, 4, f->id))
            continue;
        char *base = (char *)m;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            /* one member per oneof: the pick-th of those allowed (no deeper AnyValue at the end) */
            uint32_t allowed[16];
            unsigned na = 0;
            for (unsigned j = 0; j < d->n_fields && na < 16; j++) {
                const ProtobufCFieldDescriptor *g = &d->fields[j];
                if (!(g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || g->quantifier_offset != f->quantifier_offset)
                    continue;
                if (is_any && any_left <= 0 && (g->id == 5 || g->id == 6))
                    continue;
                allowed[na++] = g->id;
            }
            if (!na || allowed[(unsigned)pick % na] != f->id)
                continue;
            *(uint32_t *)(base + f->quantifier_offset) = f->id;
        }
        size_t count = f->label == PROTOBUF_C_LABEL_REPEATED ? 2 : 1;
        void *slot = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            *(size_t *)(base + f->quantifier_offset) = count;
            size_t es = f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING ? sizeof(void *)
                        : f->type == PROTOBUF_C_TYPE_BYTES ? sizeof(ProtobufCBinaryData)
                        : f->type == PROTOBUF_C_TYPE_BOOL ? sizeof(protobuf_c_boolean)
                        : (f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_UINT64 ||
                           f->type == PROTOBUF_C_TYPE_SINT64 || f->type == PROTOBUF_C_TYPE_FIXED64 ||
                           f->type == PROTOBUF_C_TYPE_SFIXED64 || f->type == PROTOBUF_C_TYPE_DOUBLE) ? 8 : 4;
            void *arr = alloc(a, es * count);
            *(void **)slot = arr;
            slot = arr;
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                   !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
            *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
        }
        for (size_t k = 0; k < count; k++) {
            switch (f->type) {
            case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_SINT32:
            case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
                ((int32_t *)slot)[k] = (int32_t)(f->id + 3 + k);
                break;
            case PROTOBUF_C_TYPE_FLOAT: ((float *)slot)[k] = 1.5f; break;
            case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_SINT64:
            case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64:
                ((int64_t *)slot)[k] = (int64_t)(1000 + f->id + k);
                break;
            case PROTOBUF_C_TYPE_DOUBLE: ((double *)slot)[k] = 2.25; break;
            case PROTOBUF_C_TYPE_BOOL: ((protobuf_c_boolean *)slot)[k] = 1; break;
            case PROTOBUF_C_TYPE_STRING: {
                char *s = alloc(a, 16);
                snprintf(s, 16, "%s%zu", f->name, k);
                ((char **)slot)[k] = s;
                break;
            }
            case PROTOBUF_C_TYPE_BYTES: {
                size_t len = !strcmp(f->name, "trace_id") ? 16 : strstr(f->name, "span_id") ? 8 : 3;
                ProtobufCBinaryData *b = &((ProtobufCBinaryData *)slot)[k];
                b->len = len;
                b->data = alloc(a, len);
                memset(b->data, 0x5a, len);
                break;
            }
            case PROTOBUF_C_TYPE_MESSAGE:
                ((ProtobufCMessage **)slot)[k] = fill(a, f->descriptor, pick + (int)k + 1, any_left - is_any);
                break;
            }
        }
    }
    return m;
}

static uint8_t *pack(struct arena *a, const ProtobufCMessage *m, size_t *n)
{
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *p = arena_alloc(a, *n ? *n : 1);
    protobuf_c_message_pack(m, p);
    return p;
}

TEST(every_logs_field_round_trips_through_the_fast_path)
{
    struct arena a, b;
    arena_init(&a, 1 << 16, 0);
    arena_init(&b, 1 << 16, 0);
    skip_declined = 1;
    for (int pick = 0; pick < 14; pick++) {
        size_t n, n2;
        uint8_t *wire = pack(&a, fill(&a, req_desc[0], pick, 3), &n);
        otlp_wire_logs_req *r = otlp_wire_decode_logs(&b, wire, n);
        if (!r)
            FAILF("the fast path declined a request with every field set (pick %d)", pick);
        uint8_t *again = pack(&b, &r->base, &n2);
        if (n2 != n || memcmp(again, wire, n) != 0)
            FAILF("the fast path lost or changed a field (pick %d: %zu bytes in, %zu re-packed)", pick, n, n2);
        struct otlp_scan_result sr;
        CHECK_EQ_INT(otlp_scan(O2P_SIGNAL_LOGS, wire, n, &sr, NULL), O2P_OK);
        arena_reset(&b);
    }
    skip_declined = 0;
    /* and the fields it declines: declined, then decoded by protobuf-c through otlp_decode */
    for (const struct otlp_wire_msg_fields *w = otlp_wire_fields; w->desc; w++)
        for (size_t k = 0; k < 4 && w->declined[k]; k++) {
            uint8_t extra[64];
            size_t en = 0;
            const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(w->desc, w->declined[k]);
            CHECK(f && f->type == PROTOBUF_C_TYPE_MESSAGE && w->desc == &opentelemetry__proto__resource__v1__resource__descriptor);
            /* request{resource_logs{resource{<declined field> {}}}} */
            extra[en++] = 0x0a, extra[en++] = 4, extra[en++] = 0x0a, extra[en++] = 2;
            extra[en++] = (uint8_t)(f->id << 3 | 2), extra[en++] = 0;
            CHECK(!otlp_wire_decode_logs(&b, extra, en));
            arena_reset(&b);
            ProtobufCMessage *m;
            CHECK_EQ_INT(otlp_decode(O2P_SIGNAL_LOGS, extra, en, &b, &m, NULL), O2P_OK);
            arena_reset(&b);
        }
    arena_free(&a);
    arena_free(&b);
}

TEST(scan_accepts_every_field_of_every_signal)
{
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    for (int sig = 0; sig < 3; sig++)
        for (int pick = 0; pick < 14; pick++) {
            size_t n;
            ProtobufCMessage *m = fill(&a, req_desc[sig], pick, 2);
            uint8_t *wire = pack(&a, m, &n);
            struct otlp_scan_result sr;
            struct o2p_error err = {0};
            if (otlp_scan((enum o2p_signal)sig, wire, n, &sr, &err) != O2P_OK)
                FAILF("signal %d pick %d: %s", sig, pick, err.msg);
            /* 2 resources x 2 scopes x 2 records; a metric: its one data member's 2 points */
            CHECK_EQ_INT(sr.records, sig == 2 ? 16 : 8);
            CHECK_EQ_INT(sr.rejected, 0);
            arena_reset(&a);
        }
    arena_free(&a);
}

/* ---- counts ---------------------------------------------------------------------------- */

static uint8_t *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(4 << 20);
    *n = fread(buf, 1, 4 << 20, f);
    fclose(f);
    return buf;
}

TEST(scan_counts_sdk_payloads)
{
    static const char *const files[3] = {"tests/interop/fixtures/logs.pb", "tests/interop/fixtures/traces.pb",
                                         "tests/interop/fixtures/metrics.pb"};
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    for (int sig = 0; sig < 3; sig++) {
        size_t n;
        uint8_t *p = load(files[sig], &n);
        if (!p)
            FAILF("cannot read %s (run from the repository root)", files[sig]);
        struct otlp_scan_result sr;
        CHECK_EQ_INT(otlp_scan((enum o2p_signal)sig, p, n, &sr, NULL), O2P_OK);
        ProtobufCMessage *m;
        CHECK_EQ_INT(otlp_decode((enum o2p_signal)sig, p, n, &a, &m, NULL), O2P_OK);
        uint64_t c = 0;
        if (sig == 0) {
            Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *r = (void *)m;
            for (size_t i = 0; i < r->n_resource_logs; i++)
                for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
                    c += r->resource_logs[i]->scope_logs[j]->n_log_records;
        } else if (sig == 1) {
            Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r = (void *)m;
            for (size_t i = 0; i < r->n_resource_spans; i++)
                for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++)
                    c += r->resource_spans[i]->scope_spans[j]->n_spans;
        } else {
            Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r = (void *)m;
            for (size_t i = 0; i < r->n_resource_metrics; i++)
                for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++)
                    for (size_t k = 0; k < r->resource_metrics[i]->scope_metrics[j]->n_metrics; k++) {
                        Opentelemetry__Proto__Metrics__V1__Metric *mt = r->resource_metrics[i]->scope_metrics[j]->metrics[k];
                        c += mt->gauge ? mt->gauge->n_data_points : mt->sum ? mt->sum->n_data_points
                             : mt->histogram ? mt->histogram->n_data_points
                             : mt->exponential_histogram ? mt->exponential_histogram->n_data_points
                             : mt->summary ? mt->summary->n_data_points : 0;
                    }
        }
        CHECK(c > 0);
        CHECK_EQ_INT(sr.records, c);
        CHECK_EQ_INT(sr.rejected, 0);
        free(p);
        arena_reset(&a);
    }
    arena_free(&a);
}

TEST(scan_rejects_bad_ids_like_the_receiver)
{
    /* request{resource_spans{scope_spans{span{trace_id: 3 bytes, span_id: 8}, span{16, 8}}}} */
    static const uint8_t span_bad[] = {0x0a, 3, 1, 2, 3, 0x12, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t span_ok[] = {0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      0x12, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t ss[128], rs[128], req[128];
    size_t n = 0;
    ss[n++] = 0x12, ss[n++] = sizeof span_bad, memcpy(ss + n, span_bad, sizeof span_bad), n += sizeof span_bad;
    ss[n++] = 0x12, ss[n++] = sizeof span_ok, memcpy(ss + n, span_ok, sizeof span_ok), n += sizeof span_ok;
    rs[0] = 0x12, rs[1] = (uint8_t)n, memcpy(rs + 2, ss, n);
    req[0] = 0x0a, req[1] = (uint8_t)(n + 2), memcpy(req + 2, rs, n + 2);
    struct otlp_scan_result sr;
    CHECK_EQ_INT(otlp_scan(O2P_SIGNAL_TRACES, req, n + 4, &sr, NULL), O2P_OK);
    CHECK_EQ_INT(sr.records, 1);
    CHECK_EQ_INT(sr.rejected, 1);
    CHECK_EQ_STR(sr.first_problem, "span trace_id of 3 bytes");
}

/* ---- nesting --------------------------------------------------------------------------- */

/* A buffer filled from its end, so messages are built inside out. */
struct rev {
    uint8_t *buf;
    size_t cap, start;
};

static void rv_put(struct rev *r, const void *p, size_t n)
{
    r->start -= n;
    memcpy(r->buf + r->start, p, n);
}

/* rv_wrap - everything after `from` becomes the value of a length-delimited field f */
static void rv_wrap(struct rev *r, size_t from, uint32_t f)
{
    size_t len = from - r->start;
    uint8_t v[10];
    int k = 0;
    do {
        v[k++] = (uint8_t)(len & 0x7f) | (len >= 0x80 ? 0x80 : 0);
        len >>= 7;
    } while (len);
    rv_put(r, v, (size_t)k);
    uint8_t t = (uint8_t)(f << 3 | 2);
    rv_put(r, &t, 1);
}

/* nested - an Export{Logs,Trace}ServiceRequest whose one record's body (logs) or attribute
 * value (traces) is an AnyValue nested `levels` deep (a string inside levels-1 arrays or
 * kvlists). *n: its size; free() the result. */
static uint8_t *nested(enum o2p_signal sig, int levels, int kvlist, size_t *n)
{
    struct rev r = {.cap = 64 + (size_t)levels * 24};
    r.buf = malloc(r.cap);
    r.start = r.cap;
    size_t end = r.cap;
    rv_put(&r, "x", 1);
    rv_wrap(&r, end, 1); /* AnyValue.string_value */
    for (int i = 1; i < levels; i++) {
        if (kvlist) {
            rv_wrap(&r, end, 2);              /* KeyValue.value */
            rv_put(&r, "\x0a\x01k", 3);       /* KeyValue.key */
            rv_wrap(&r, end, 1);              /* KeyValueList.values */
            rv_wrap(&r, end, 6);              /* AnyValue.kvlist_value */
        } else {
            rv_wrap(&r, end, 1);              /* ArrayValue.values */
            rv_wrap(&r, end, 5);              /* AnyValue.array_value */
        }
    }
    if (sig == O2P_SIGNAL_LOGS) {
        rv_wrap(&r, end, 5); /* LogRecord.body */
    } else {
        rv_wrap(&r, end, 2); /* KeyValue.value */
        rv_put(&r, "\x0a\x01k", 3);
        rv_wrap(&r, end, 9); /* Span.attributes */
        static const uint8_t ids[] = {0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      0x12, 8, 1, 2, 3, 4, 5, 6, 7, 8};
        rv_put(&r, ids, sizeof ids);
    }
    rv_wrap(&r, end, 2); /* Scope{Logs,Spans}.{log_records,spans} */
    rv_wrap(&r, end, 2); /* Resource{Logs,Spans}.scope_* */
    rv_wrap(&r, end, 1); /* request.resource_* */
    *n = r.cap - r.start;
    memmove(r.buf, r.buf + r.start, *n);
    return r.buf;
}

/* json_nested - the same logs request as OTLP/JSON */
static char *json_nested(int levels, size_t *n)
{
    size_t cap = 256 + (size_t)levels * 40;
    char *s = malloc(cap);
    size_t k = (size_t)snprintf(s, cap, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
    for (int i = 1; i < levels; i++)
        k += (size_t)snprintf(s + k, cap - k, "{\"arrayValue\":{\"values\":[");
    k += (size_t)snprintf(s + k, cap - k, "{\"stringValue\":\"x\"}");
    for (int i = 1; i < levels; i++)
        k += (size_t)snprintf(s + k, cap - k, "]}}");
    k += (size_t)snprintf(s + k, cap - k, "}]}]}]}");
    *n = k;
    return s;
}

TEST(one_nesting_limit_for_protobuf_and_json)
{
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    for (int sig = 0; sig < 2; sig++)
        for (int kv = 0; kv < 2; kv++)
            for (int levels = OTLP_MAX_ANY_DEPTH - 1; levels <= OTLP_MAX_ANY_DEPTH + 1; levels++) {
                size_t n;
                uint8_t *p = nested((enum o2p_signal)sig, levels, kv, &n);
                bool ok = levels <= OTLP_MAX_ANY_DEPTH;
                struct otlp_scan_result sr;
                struct o2p_error err = {0};
                int rc = otlp_scan((enum o2p_signal)sig, p, n, &sr, &err);
                if ((rc == O2P_OK) != ok)
                    FAILF("scan of %d levels (signal %d, kvlist %d): rc %d %s", levels, sig, kv, rc, err.msg);
                if (!ok && !strstr(err.msg, "nested deeper than 64"))
                    FAILF("unclear message: %s", err.msg);
                CHECK(!ok || sr.records == 1);
                ProtobufCMessage *m;
                CHECK_EQ_INT(otlp_decode((enum o2p_signal)sig, p, n, &a, &m, NULL) == O2P_OK, ok);
                arena_reset(&a);
                CHECK_EQ_INT(otlp_decode_unpack((enum o2p_signal)sig, p, n, &a, &m, NULL) == O2P_OK, ok);
                arena_reset(&a);
                free(p);
                if (sig == 0 && !kv) {
                    char *j = json_nested(levels, &n);
                    rc = otlp_json_decode(O2P_SIGNAL_LOGS, j, n, &a, &m, &err);
                    if ((rc == O2P_OK) != ok)
                        FAILF("JSON of %d levels: rc %d %s", levels, rc, err.msg);
                    arena_reset(&a);
                    free(j);
                }
            }
    arena_free(&a);
}

TEST(deep_nesting_fails_without_recursing)
{
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    for (int sig = 0; sig < 2; sig++) {
        size_t n;
        uint8_t *p = nested((enum o2p_signal)sig, 100000, sig, &n);
        struct otlp_scan_result sr;
        struct o2p_error err = {0};
        CHECK_EQ_INT(otlp_scan((enum o2p_signal)sig, p, n, &sr, &err), O2P_EINVAL);
        ProtobufCMessage *m;
        CHECK_EQ_INT(otlp_decode((enum o2p_signal)sig, p, n, &a, &m, &err), O2P_EINVAL);
        CHECK(strstr(err.msg, "AnyValue nested deeper than 64 levels") != NULL);
        arena_reset(&a);
        free(p);
    }
    arena_free(&a);
}

int main(void)
{
    RUN(wire_knows_every_logs_field);
    RUN(scan_tables_build);
    RUN(every_logs_field_round_trips_through_the_fast_path);
    RUN(scan_accepts_every_field_of_every_signal);
    RUN(scan_counts_sdk_payloads);
    RUN(scan_rejects_bad_ids_like_the_receiver);
    RUN(one_nesting_limit_for_protobuf_and_json);
    RUN(deep_nesting_fails_without_recursing);
    return testing_done();
}
