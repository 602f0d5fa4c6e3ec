/*
 * receiver_ingest.c - from a decompressed request body to a queued spool append.
 *
 * Every body is validated so that nothing malformed reaches the spool and the records can be
 * counted. Records whose ids cannot be right (a trace id that is not 16 bytes, a span id that
 * is not 8) are dropped and reported in partial_success; the others are spooled. What is
 * spooled is always protobuf: the original bytes when nothing was dropped (no re-encoding on
 * the hot path), else the re-packed request.
 *
 * Protobuf bodies take one of two paths:
 *   scan (the hot path): otlp_scan validates exactly as protobuf-c would, enforces the
 *     AnyValue nesting limit and counts records, allocating nothing; the body is spooled as is.
 *   unpack (the slow path): when the scan found records to drop, a singular message field
 *     given twice (protobuf-c merges: its decoded size is not known without decoding), or a
 *     decoded size that may pass the decode arena's limit. The body, whose nesting the scan
 *     has already checked, is unpacked by protobuf-c into the arena, checked record by record
 *     and re-packed, as every body used to be. OTLP/JSON bodies always take this path (from
 *     otlp_json_decode's tree).
 *
 * Threads: receiver_ingest_prepare is pure and runs wherever it is called - on the loop
 * thread, or on a decode thread (receiver_decode.c) with that thread's arena.
 */
#include "receiver/receiver_internal.h"

#include "common/log.h"
#include "otel/otlp_decode.h"
#include "otel/otlp_json.h"
#include "otel/otlp_scan.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsReq;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceReq;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsReq;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;

struct tally {
    uint64_t records;
    int64_t rejected;
    char first_problem[160];
};

/* note_reject - count one dropped record; remember the first reason ("<what> of N bytes"). */
static void note_reject(struct tally *t, const char *what, size_t got)
{
    if (t->rejected++ == 0)
        snprintf(t->first_problem, sizeof t->first_problem, "%s of %zu bytes", what, got);
}

static void check_logs(LogsReq *req, struct tally *t)
{
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = req->resource_logs[i];
        for (size_t j = 0; j < rl->n_scope_logs; j++) {
            Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[j];
            size_t keep = 0;
            for (size_t k = 0; k < sl->n_log_records; k++) {
                LogRecord *lr = sl->log_records[k];
                if (lr->trace_id.len != 0 && lr->trace_id.len != 16)
                    note_reject(t, "log record trace_id", lr->trace_id.len);
                else if (lr->span_id.len != 0 && lr->span_id.len != 8)
                    note_reject(t, "log record span_id", lr->span_id.len);
                else
                    sl->log_records[keep++] = lr;
            }
            sl->n_log_records = keep;
            t->records += keep;
        }
    }
}

static void check_traces(TraceReq *req, struct tally *t)
{
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[i];
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[j];
            size_t keep = 0;
            for (size_t k = 0; k < ss->n_spans; k++) {
                Span *sp = ss->spans[k];
                if (sp->trace_id.len != 16)
                    note_reject(t, "span trace_id", sp->trace_id.len);
                else if (sp->span_id.len != 8)
                    note_reject(t, "span span_id", sp->span_id.len);
                else if (sp->parent_span_id.len != 0 && sp->parent_span_id.len != 8)
                    note_reject(t, "span parent_span_id", sp->parent_span_id.len);
                else
                    ss->spans[keep++] = sp;
            }
            ss->n_spans = keep;
            t->records += keep;
        }
    }
}

static size_t metric_points(const Metric *m)
{
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE: return m->gauge->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: return m->sum->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM: return m->histogram->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
        return m->exponential_histogram->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY: return m->summary->n_data_points;
    default: return 0;
    }
}

static void check_metrics(MetricsReq *req, struct tally *t)
{
    for (size_t i = 0; i < req->n_resource_metrics; i++) {
        Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[i];
        for (size_t j = 0; j < rm->n_scope_metrics; j++) {
            Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[j];
            for (size_t k = 0; k < sm->n_metrics; k++)
                t->records += metric_points(sm->metrics[k]);
        }
    }
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *p = malloc(*len ? *len : 1);
    if (p)
        protobuf_c_message_pack(m, p);
    return p;
}

/* decode_tree - the slow path's tree: OTLP/JSON, or protobuf-c after a successful scan. */
static int decode_tree(enum o2p_signal sig, enum ingest_format fmt, const uint8_t *body, size_t len,
                       struct arena *a, ProtobufCMessage **msg, struct o2p_error *err)
{
    if (fmt == INGEST_JSON)
        return otlp_json_decode(sig, (const char *)body, len, a, msg, err);
    return otlp_decode_unpack(sig, body, len, a, msg, err);
}

/* prepare - receiver_ingest_prepare; `owned`: body is malloc'd and becomes out->body when it
 * is spooled as is (else it is freed here). */
static int prepare(enum o2p_signal sig, enum ingest_format fmt, const uint8_t *body, size_t len, uint8_t *owned,
                   struct arena *a, struct ingest_prepared *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    int rc;
    if (fmt == INGEST_PROTOBUF) {
        struct otlp_scan_result scan;
        rc = otlp_scan(sig, body, len, &scan, err);
        if (rc == O2P_OK && scan.string_nul)
            /* Decoded, the string would end at the NUL: a silent change of the data. OTLP/JSON
             * refuses "\u0000" the same way (otlp_json.c). */
            rc = o2p_fail(err, O2P_EINVAL, "OTLP %s: a string contains a NUL byte, which is not supported",
                          signal_kind_name(sig));
        if (rc != O2P_OK) {
            free(owned);
            return rc == O2P_EUNSUPPORTED ? O2P_EINVAL : rc;
        }
        /* arena use may round up to a block per allocation run: leave it twice the estimate */
        bool fits = !a->max_bytes || scan.decoded_bytes * 2 + (1u << 20) < a->max_bytes;
        if (scan.rejected == 0 && !scan.merged && fits) {
            if (scan.records > UINT32_MAX) {
                free(owned);
                return o2p_fail(err, O2P_ETOOBIG, "more than 2^32 records in one request");
            }
            if (scan.records > 0) {
                out->body = owned;
                owned = NULL;
                if (!out->body) {
                    out->body = malloc(len ? len : 1);
                    if (!out->body)
                        return o2p_fail(err, O2P_ENOMEM, "out of memory");
                    memcpy(out->body, body, len);
                }
                out->len = len;
            }
            free(owned);
            out->records = (uint32_t)scan.records;
            return O2P_OK;
        }
    }
    ProtobufCMessage *msg = NULL;
    rc = decode_tree(sig, fmt, body, len, a, &msg, err);
    if (rc != O2P_OK) {
        arena_reset(a);
        free(owned);
        return rc;
    }
    struct tally t = {0};
    switch (sig) {
    case O2P_SIGNAL_LOGS: check_logs((LogsReq *)msg, &t); break;
    case O2P_SIGNAL_TRACES: check_traces((TraceReq *)msg, &t); break;
    case O2P_SIGNAL_METRICS: check_metrics((MetricsReq *)msg, &t); break;
    }
    if (t.records > UINT32_MAX) {
        arena_reset(a);
        free(owned);
        return o2p_fail(err, O2P_ETOOBIG, "more than 2^32 records in one request");
    }
    if (t.records > 0) {
        if (fmt == INGEST_PROTOBUF && t.rejected == 0) {
            out->body = owned;
            owned = NULL;
            if (!out->body) {
                out->body = malloc(len ? len : 1);
                if (out->body)
                    memcpy(out->body, body, len);
            }
            out->len = len;
        } else {
            out->body = pack(msg, &out->len);
        }
    }
    free(owned);
    arena_reset(a);
    if (t.records > 0 && !out->body)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    out->records = (uint32_t)t.records;
    out->rejected = t.rejected;
    if (t.rejected > 0) {
        size_t n = strlen(t.first_problem) + 64;
        out->rejected_msg = malloc(n);
        if (out->rejected_msg)
            snprintf(out->rejected_msg, n, "%lld record(s) rejected; first: %s", (long long)t.rejected,
                     t.first_problem);
    }
    return O2P_OK;
}

int receiver_ingest_prepare(enum o2p_signal sig, enum ingest_format fmt, const uint8_t *body, size_t len,
                            struct arena *a, struct ingest_prepared *out, struct o2p_error *err)
{
    return prepare(sig, fmt, body, len, NULL, a, out, err);
}

int receiver_ingest_prepare_owned(enum o2p_signal sig, enum ingest_format fmt, uint8_t *body, size_t len,
                                  struct arena *a, struct ingest_prepared *out, struct o2p_error *err)
{
    return prepare(sig, fmt, body, len, body, a, out, err);
}

void receiver_ingest_finish(struct receiver *r, enum receiver_transport transport, enum o2p_signal sig, int rc,
                            struct ingest_prepared *p, ingest_done_fn done, void *ctx, const struct o2p_error *err)
{
    if (rc != O2P_OK) {
        receiver_count_rejection_reason(r, transport, rc == O2P_ETOOBIG ? REJECT_TOO_LARGE : REJECT_MALFORMED);
        struct ingest_result res = {.code = rc, .message = err->msg, .signal = sig};
        done(ctx, &res);
        return;
    }
    if (p->rejected > 0)
        receiver_count_rejection_reason(r, transport, REJECT_INVALID_RECORD);
    if (p->records == 0) {
        /* Nothing to store (an empty request, or every record rejected): answer now, but
         * still through `done` so transports have one path. */
        struct ingest_result res = {.code = O2P_OK, .signal = sig, .rejected = p->rejected,
                                    .rejected_message = p->rejected_msg};
        r->metrics.rejected_records[sig] += (uint64_t)p->rejected;
        done(ctx, &res);
        free(p->rejected_msg);
        return;
    }
    receiver_commit_submit(r->commit, sig, p->body, p->len, p->records, p->rejected, p->rejected_msg, done, ctx);
}

int receiver_ingest(struct receiver *r, enum receiver_transport transport, enum o2p_signal sig,
                    enum ingest_format fmt, const uint8_t *body, size_t len, ingest_done_fn done,
                    void *ctx, struct o2p_error *err)
{
    if (atomic_load(&r->spool_failed) != 0) {
        receiver_count_rejection_reason(r, transport, REJECT_NOT_READY);
        return o2p_fail(err, O2P_EAGAIN, "the receiver's spool cannot be used and the receiver is stopping; "
                                         "retry later");
    }
    if (!atomic_load(&r->ready)) {
        receiver_count_rejection_reason(r, transport, REJECT_NOT_READY);
        return o2p_fail(err, O2P_EAGAIN, "the receiver is still recovering its spool; retry shortly");
    }
    if (r->draining) {
        receiver_count_rejection_reason(r, transport, REJECT_NOT_READY);
        return o2p_fail(err, O2P_EAGAIN, "the receiver is shutting down; retry shortly");
    }
    int rc = receiver_backpressure(r, len, err);
    if (rc != O2P_OK) {
        receiver_count_rejection_reason(r, transport, rc == O2P_EFULL || rc == O2P_ESLOW ? REJECT_SPOOL_FULL : REJECT_BUSY);
        return rc;
    }
    if (r->decode)
        return receiver_decode_submit(r->decode, transport, sig, fmt, body, len, done, ctx, err);
    struct ingest_prepared p;
    rc = receiver_ingest_prepare(sig, fmt, body, len, &r->decode_arena, &p, err);
    if (rc != O2P_OK) {
        receiver_count_rejection_reason(r, transport, rc == O2P_ETOOBIG ? REJECT_TOO_LARGE : REJECT_MALFORMED);
        return rc;
    }
    receiver_ingest_finish(r, transport, sig, O2P_OK, &p, done, ctx, err);
    return O2P_OK;
}

/* Minimal JSON string escaping for error messages in JSON responses. */
static int json_escape(struct buf *out, const char *s)
{
    int rc = buf_append_byte(out, '"');
    for (; *s && rc == O2P_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            rc = buf_printf(out, "\\u%04x", c);
        else
            rc = buf_append_byte(out, c);
    }
    return rc == O2P_OK ? buf_append_byte(out, '"') : rc;
}

int receiver_ingest_response_encode(const struct ingest_result *res, enum ingest_format fmt,
                           struct buf *out)
{
    const char *msg = res->rejected_message ? res->rejected_message : "";
    if (fmt == INGEST_JSON) {
        if (res->rejected <= 0)
            return buf_append(out, "{}", 2);
        static const char *const field[] = {"rejectedLogRecords", "rejectedSpans", "rejectedDataPoints"};
        int rc = buf_printf(out, "{\"partialSuccess\":{\"%s\":\"%lld\",\"errorMessage\":",
                            field[res->signal], (long long)res->rejected);
        if (rc == O2P_OK)
            rc = json_escape(out, msg);
        return rc == O2P_OK ? buf_append(out, "}}", 2) : rc;
    }
    ProtobufCMessage *m;
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse lr =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess lp =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse tr =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess tp =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse mr =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsPartialSuccess mp =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_PARTIAL_SUCCESS__INIT;
    bool partial = res->rejected > 0;
    switch (res->signal) {
    case O2P_SIGNAL_LOGS:
        lp.rejected_log_records = res->rejected;
        lp.error_message = (char *)msg;
        lr.partial_success = partial ? &lp : NULL;
        m = &lr.base;
        break;
    case O2P_SIGNAL_TRACES:
        tp.rejected_spans = res->rejected;
        tp.error_message = (char *)msg;
        tr.partial_success = partial ? &tp : NULL;
        m = &tr.base;
        break;
    default:
        mp.rejected_data_points = res->rejected;
        mp.error_message = (char *)msg;
        mr.partial_success = partial ? &mp : NULL;
        m = &mr.base;
        break;
    }
    size_t n = protobuf_c_message_get_packed_size(m);
    int rc = buf_reserve(out, n);
    if (rc != O2P_OK)
        return rc;
    protobuf_c_message_pack(m, out->data + out->len);
    out->len += n;
    return O2P_OK;
}
