/*
 * otlp_rows.h - decoded OTLP export requests (protobuf-c) to rows of the seven tables.
 *
 * One row per log record (logs), span (traces) and metric data point (metrics_<kind>), with the
 * columns and value rules of otel/table_schema.h and design.md "Tables". Rows go straight
 * into Parquet writers (parquet/parquet.h) supplied by the caller through a sink callback, which
 * receives the row's table and partition timestamp, so a caller can split rows into files by
 * day or hour of Timestamp (logs, traces) / TimeUnix (metrics): see otlp_rows_partition().
 *
 * Memory: strings computed for a row (AsString values, hex ids, repaired UTF-8) live in a
 * per-row scratch arena that is reset after each row; resource- and scope-level values are
 * computed once per resource/scope into a per-request arena reset at the start of each
 * otlp_rows_add_* call. Neither allocates once its first block is warm (no per-row malloc).
 *
 * Nothing is silently dropped or invented: a metric without data or without points is
 * counted in stats.dropped (it has no row to write); attribute entries whose key repeats an
 * earlier key in the same map are counted in stats.duplicate_keys (the first occurrence is
 * kept, as pcommon Map.Get finds it); data points without a value (Value written as 0) are
 * counted in stats.missing_values; strings whose invalid UTF-8 was replaced with U+FFFD are
 * counted in stats.utf8_repaired.
 *
 * Not thread-safe: one struct otlp_rows per thread.
 */
#ifndef O2P_OTLP_ROWS_H
#define O2P_OTLP_ROWS_H

#include "common/arena.h"
#include "common/err.h"
#include "otel/table_schema.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "parquet/parquet.h"

#include <stdint.h>

/* Why a piece of OTLP produced no row. */
enum otlp_rows_drop {
    OTLP_DROP_METRIC_NO_DATA = 0, /* Metric with no data oneof set (or an unknown kind) */
    OTLP_DROP_METRIC_NO_POINTS,   /* Metric of a known kind with zero data points */
};
#define OTLP_DROP_COUNT 2

struct otlp_rows_stats {
    int64_t rows[OTEL_TABLE_COUNT];    /* rows written per table */
    int64_t dropped[OTLP_DROP_COUNT];  /* metrics that produced no row, by reason */
    int64_t duplicate_keys;            /* attribute entries skipped: key seen earlier */
    int64_t missing_values;            /* number points / exemplars without a value (0) */
    int64_t utf8_repaired;             /* strings with invalid UTF-8 replaced by U+FFFD */
    int64_t invalid_buckets;           /* histogram points whose buckets were written empty */
    int64_t clamped_counts;            /* counts past 2^63 - 1 written as 2^63 - 1 */
};

/*
 * otlp_rows_sink_fn - give the writer for table t that should receive a row whose partition
 * timestamp is partition_us (µs since the epoch, UTC: logs Timestamp after the
 * ObservedTimestamp fallback, traces Timestamp, metrics TimeUnix). Must return O2P_OK and set
 * *w to an open writer of table_schema_parquet(t), or an O2P_E* code (with err filled), which
 * aborts the request. Called once per row, before any of the row's values are written.
 */
typedef int (*otlp_rows_sink_fn)(void *ctx, enum otel_table t, int64_t partition_us,
                                 struct pq_writer **w, struct o2p_error *err);

struct otlp_rows {
    otlp_rows_sink_fn sink;
    void *sink_ctx;
    struct arena req;               /* per request: resource/scope-level values */
    struct arena row;               /* per row: everything else */
    struct otlp_rows_stats stats;   /* cumulative since init; the caller may zero it */
    /* The output's failure in the current request, kept whole (see otlp_rows_add_logs). */
    bool output_failed;
    struct o2p_error output_err;
};

/*
 * otlp_rows_init - set up r with a sink. scratch_max bounds each scratch arena (0 = 256 MiB);
 * a request whose values do not fit fails with O2P_ETOOBIG. Allocates nothing yet.
 */
void otlp_rows_init(struct otlp_rows *r, otlp_rows_sink_fn sink, void *ctx, size_t scratch_max);

/* otlp_rows_free - release the scratch arenas (not the sinks' writers). */
void otlp_rows_free(struct otlp_rows *r);

/*
 * otlp_rows_add_logs / _traces / _metrics - write every row of one decoded request.
 * The request is only read. Returns O2P_OK, or the first error: from the sink, from a
 * pq_write_* / pq_end_row call (then the writer concerned is poisoned: free it), O2P_ETOOBIG
 * when scratch memory runs out, O2P_EINVAL for an AnyValue nested too deep. After an error
 * the writers may hold a partial row: the caller must discard the files (the spool keeps the
 * records, so the writer daemon redoes the claim).
 * Messages: an error about the request carries its path ("resourceSpans[0].scopeSpans[1]:
 * spans[3]: attribute \"k\": ..."); an error of the output (the sink, or an I/O error of a
 * Parquet writer while it flushes: O2P_EIO, O2P_EFULL) is about a file, not about where in
 * the request the row came from, so it comes back exactly as the sink or writer said it
 * ("create temporary file /x/tmp/...: Permission denied").
 */
int otlp_rows_add_logs(struct otlp_rows *r,
                       const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req,
                       struct o2p_error *err);
int otlp_rows_add_traces(
    struct otlp_rows *r,
    const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req,
    struct o2p_error *err);
int otlp_rows_add_metrics(
    struct otlp_rows *r,
    const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    struct o2p_error *err);

/* otlp_rows_drop_name - "metric_no_data", "metric_no_points". */
const char *otlp_rows_drop_name(enum otlp_rows_drop d);

/* otlp_rows_ns_to_us - OTLP nanoseconds to the tables' microseconds (floor division). */
static inline int64_t otlp_rows_ns_to_us(uint64_t ns) { return (int64_t)(ns / 1000u); }

/*
 * otlp_rows_partition - the start of the day (hour when `hourly`) containing ts_us, in µs
 * since the epoch, UTC: the value the Iceberg transforms day()/hour() group by. Floor, so
 * timestamps before 1970 fall into the right bucket too.
 */
int64_t otlp_rows_partition(int64_t ts_us, int hourly);

#endif
