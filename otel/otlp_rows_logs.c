/*
 * otlp_rows_logs.c - ExportLogsServiceRequest -> rows of table `logs`, one per LogRecord.
 *
 * Columns (table_schema.c): Timestamp (time_unix_nano, or observed_time_unix_nano when it is
 * 0, as the Collector's ClickHouse exporter does), TraceId, SpanId (hex, "" when empty),
 * TraceFlags (flags & 0xff: the W3C trace flags byte), SeverityText, SeverityNumber,
 * ServiceName, Body (AsString), ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl,
 * ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName, ObservedTimestamp.
 * Not stored (no column in the design): dropped_attributes_count.
 */
#include "otel/otlp_rows_int.h"

typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

static int add_record(struct otlp_rows *r, const struct res_vals *res,
                      const struct scope_vals *sc, const log_record *lr, struct o2p_error *err)
{
    struct otel_str trace_id, span_id, sev, body, event;
    struct pmap attrs;
    struct arena *a = &r->row;
    int rc = otlp_rows_rows_id(a, &lr->trace_id, &trace_id, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_id(a, &lr->span_id, &span_id, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, a, lr->severity_text, &sev, err);
    if (rc == O2P_OK)
        rc = otlp_rows_rows_text(r, a, lr->event_name, &event, err);
    if (rc == O2P_OK) {
        if (lr->body && lr->body->value_case ==
                            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
            rc = otlp_rows_rows_text(r, a, lr->body->string_value, &body, err);
        else
            rc = otel_string_any(lr->body, a, &body, err);
        if (rc != O2P_OK)
            o2p_error_prefix(err, "body");
    }
    if (rc == O2P_OK)
        rc = otlp_rows_rows_pmap(r, a, lr->attributes, lr->n_attributes, &attrs, err);
    if (rc != O2P_OK) {
        arena_reset(a);
        return o2p_error_prefix(err, "log record");
    }

    uint64_t ts = lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano;
    struct row w;
    if (otlp_rows_rows_begin(&w, r, OTEL_TABLE_LOGS, ts, err) != O2P_OK)
        return w.rc;
    otlp_rows_put_ts(&w, ts);
    otlp_rows_put_str(&w, trace_id);
    otlp_rows_put_str(&w, span_id);
    otlp_rows_put_i32(&w, (int32_t)(lr->flags & 0xff));
    otlp_rows_put_str(&w, sev);
    otlp_rows_put_i32(&w, (int32_t)lr->severity_number);
    otlp_rows_put_str_same(&w, res->service_name, res->same);
    otlp_rows_put_str(&w, body);
    otlp_rows_put_str_same(&w, res->schema_url, res->same);
    otlp_rows_put_map_same(&w, &res->attrs, res->same);
    otlp_rows_put_str_same(&w, sc->schema_url, sc->same);
    otlp_rows_put_str_same(&w, sc->name, sc->same);
    otlp_rows_put_str_same(&w, sc->version, sc->same);
    otlp_rows_put_map_same(&w, &sc->attrs, sc->same);
    otlp_rows_put_map(&w, &attrs);
    otlp_rows_put_str(&w, event);
    otlp_rows_put_ts(&w, lr->observed_time_unix_nano);
    return otlp_rows_rows_end(&w, OTEL_TABLE_LOGS, err);
}

static int add_logs(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req, struct o2p_error *err)
{
    arena_reset(&r->req);
    arena_reset(&r->row);
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        const Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = req->resource_logs[i];
        struct res_vals res;
        int rc = otlp_rows_rows_resource(r, rl->resource, rl->schema_url, &res, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "resourceLogs[%zu]", i);
        for (size_t j = 0; j < rl->n_scope_logs; j++) {
            const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[j];
            struct scope_vals sc;
            rc = otlp_rows_rows_scope(r, sl->scope, sl->schema_url, &sc, err);
            for (size_t k = 0; rc == O2P_OK && k < sl->n_log_records; k++) {
                rc = add_record(r, &res, &sc, sl->log_records[k], err);
                if (rc != O2P_OK)
                    o2p_error_prefix(err, "logRecords[%zu]", k);
            }
            if (rc != O2P_OK)
                return o2p_error_prefix(err, "resourceLogs[%zu].scopeLogs[%zu]", i, j);
        }
    }
    return O2P_OK;
}

int otlp_rows_add_logs(struct otlp_rows *r, const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req,
                     struct o2p_error *err)
{
    r->output_failed = false;
    return otlp_rows_request_done(r, add_logs(r, req, err), err);
}
