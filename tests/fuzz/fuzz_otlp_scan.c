/*
 * fuzz_otlp_scan.c - the receiver's validating scanner against protobuf-c on hostile bytes
 * (first byte: signal, rest: the body). otlp_scan must accept exactly when protobuf-c unpack
 * accepts and the AnyValue nesting on the wire is at most OTLP_MAX_ANY_DEPTH, and then report
 * the records kept and rejected that receiver_ingest.c's check_* functions count on
 * protobuf-c's tree.
 *
 * The nesting is measured by an independent walk driven by the protobuf-c descriptors
 * (wire_depth), run first: past the limit the scanner must refuse, and protobuf-c is not run
 * (its recursion is what the limit protects).
 */
#include "common/arena.h"
#include "otel/otlp_scan.h"
#include "otel/otlp_wire.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ProtobufCMessageDescriptor *const req_desc[3] = {
    &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
    &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
    &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
};

/* rd_varint - a plain varint reader (at most 10 bytes), independent of otlp_wire.h */
static int rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int i = 0; i < 10 && *p < end; i++) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return 0;
}

/* wire_depth - the deepest AnyValue nesting of message d at p[0..n), walking only what
 * protobuf-c would recurse into (known message fields, length-delimited); stops early at
 * malformed framing and past `cap`. */
static int wire_depth(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, int depth, int cap)
{
    if (d == &opentelemetry__proto__common__v1__any_value__descriptor)
        depth++;
    if (depth > cap)
        return depth;
    int max = depth;
    const uint8_t *end = p + n;
    while (p < end) {
        uint64_t t, v;
        if (!rd_varint(&p, end, &t))
            break;
        int wt = (int)(t & 7);
        if (wt == 0) {
            if (!rd_varint(&p, end, &v))
                break;
        } else if (wt == 1 || wt == 5) {
            size_t k = wt == 1 ? 8 : 4;
            if ((size_t)(end - p) < k)
                break;
            p += k;
        } else if (wt == 2) {
            if (!rd_varint(&p, end, &v) || v > (uint64_t)(end - p))
                break;
            const ProtobufCFieldDescriptor *f =
                t >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(t >> 3)) : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                int sub = wire_depth(f->descriptor, p, (size_t)v, depth, cap);
                if (sub > max)
                    max = sub;
                if (max > cap)
                    return max;
            }
            p += v;
        } else {
            break;
        }
    }
    return max;
}

struct tally {
    uint64_t records;
    int64_t rejected;
};

/* count - receiver_ingest.c's check_logs / check_traces / check_metrics, counting only */
static void count(int sig, const ProtobufCMessage *m, struct tally *t)
{
    if (sig == 0) {
        const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *r = (const void *)m;
        for (size_t i = 0; i < r->n_resource_logs; i++)
            for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++) {
                const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = r->resource_logs[i]->scope_logs[j];
                for (size_t k = 0; k < sl->n_log_records; k++) {
                    const Opentelemetry__Proto__Logs__V1__LogRecord *lr = sl->log_records[k];
                    if ((lr->trace_id.len != 0 && lr->trace_id.len != 16) ||
                        (lr->span_id.len != 0 && lr->span_id.len != 8))
                        t->rejected++;
                    else
                        t->records++;
                }
            }
    } else if (sig == 1) {
        const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r = (const void *)m;
        for (size_t i = 0; i < r->n_resource_spans; i++)
            for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++) {
                const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = r->resource_spans[i]->scope_spans[j];
                for (size_t k = 0; k < ss->n_spans; k++) {
                    const Opentelemetry__Proto__Trace__V1__Span *sp = ss->spans[k];
                    if (sp->trace_id.len != 16 || sp->span_id.len != 8 ||
                        (sp->parent_span_id.len != 0 && sp->parent_span_id.len != 8))
                        t->rejected++;
                    else
                        t->records++;
                }
            }
    } else {
        const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r = (const void *)m;
        for (size_t i = 0; i < r->n_resource_metrics; i++)
            for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++) {
                const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = r->resource_metrics[i]->scope_metrics[j];
                for (size_t k = 0; k < sm->n_metrics; k++) {
                    const Opentelemetry__Proto__Metrics__V1__Metric *mt = sm->metrics[k];
                    switch (mt->data_case) {
                    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE: t->records += mt->gauge->n_data_points; break;
                    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: t->records += mt->sum->n_data_points; break;
                    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
                        t->records += mt->histogram->n_data_points;
                        break;
                    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
                        t->records += mt->exponential_histogram->n_data_points;
                        break;
                    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
                        t->records += mt->summary->n_data_points;
                        break;
                    default: break;
                    }
                }
            }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a;
    static int init;
    if (!init) {
        arena_init(&a, 64 * 1024, 256u << 20);
        init = 1;
    }
    if (size < 1)
        return 0;
    int sig = data[0] % 3;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    struct otlp_scan_result sr;
    int rc = otlp_scan((enum o2p_signal)sig, p, n, &sr, NULL);
    if (wire_depth(req_desc[sig], p, n, 0, OTLP_MAX_ANY_DEPTH) > OTLP_MAX_ANY_DEPTH) {
        if (rc == O2P_OK)
            __builtin_trap(); /* accepted nesting past the limit */
        return 0;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(req_desc[sig], arena_protobuf_allocator(&a), n, p);
    if ((m != NULL) != (rc == O2P_OK))
        __builtin_trap(); /* accept/reject differs from protobuf-c */
    if (m) {
        struct tally t = {0, 0};
        count(sig, m, &t);
        if (t.records != sr.records || t.rejected != sr.rejected)
            __builtin_trap(); /* counts differ */
        if (!sr.merged && sr.decoded_bytes * 2 + (1u << 20) < a.used_bytes)
            __builtin_trap(); /* the size estimate is not an upper bound */
    }
    arena_reset(&a);
    return 0;
}
