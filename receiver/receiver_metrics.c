/*
 * receiver_metrics.c - counters and the Prometheus text exposition served on GET /metrics.
 *
 * Counters live in struct receiver_metrics and are touched only on the loop thread; the
 * group-commit statistics are copied under the commit thread's mutex; spool gauges are read
 * from the spool itself at scrape time, so they include what writers drained.
 */
#include "receiver/receiver_internal.h"

#include "common/metrics_file.h"

#include <string.h>

const double receiver_metrics_latency_bucket_bounds_s[LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5};

static const char *const transport_names[2] = {"http", "grpc"};
static const char *const class_names[6] = {"2xx", "4xx", "429", "5xx", "503", "other"};
static const char *const reason_names[REJECT_COUNT] = {
    "malformed", "too_large", "unsupported_media_type", "unsupported_encoding", "unauthorized",
    "not_found", "method_not_allowed", "spool_full", "not_ready", "busy", "invalid_record", "internal",
    "slow_client", "max_connections", "cancelled"};

void receiver_metrics_latency_observe(struct latency_histogram *h, double seconds)
{
    int i = 0;
    while (i < LATENCY_BUCKETS && seconds > receiver_metrics_latency_bucket_bounds_s[i])
        i++;
    h->counts[i]++;
    h->sum_s += seconds;
    h->total++;
}

double receiver_metrics_latency_quantile(const struct latency_histogram *h, double q)
{
    if (!h->total)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->total + 0.5), seen = 0;
    for (int i = 0; i <= LATENCY_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= want && seen)
            return i < LATENCY_BUCKETS ? receiver_metrics_latency_bucket_bounds_s[i] : 1e9;
    }
    return 1e9;
}

static int status_class(int code)
{
    if (code >= 200 && code < 300)
        return 0;
    if (code == 429)
        return 2;
    if (code == 503)
        return 4;
    if (code >= 400 && code < 500)
        return 1;
    if (code >= 500)
        return 3;
    return 5;
}

void receiver_count_request(struct receiver *r, enum receiver_transport t, int status_code)
{
    /* gRPC reports its grpc-status: 0 OK counts as 2xx, UNAVAILABLE (14) as 503, the
     * rest as 4xx/5xx by their nature. */
    if (t == TRANSPORT_GRPC)
        status_code = status_code == 0 ? 200 : status_code == 14 ? 503 : status_code == 8 ? 429
                      : (status_code == 13 || status_code == 2) ? 500 : 400;
    r->metrics.requests[t][status_class(status_code)]++;
}

void receiver_count_rejection_reason(struct receiver *r, enum receiver_transport t,
                                     enum rejection_reason why)
{
    r->metrics.rejections[t][why]++;
}

void receiver_count_rejection(struct receiver *r, enum receiver_transport t, const char *reason)
{
    for (int i = 0; i < REJECT_COUNT; i++)
        if (!strcmp(reason, reason_names[i])) {
            r->metrics.rejections[t][i]++;
            return;
        }
    r->metrics.rejections[t][REJECT_INTERNAL]++;
}

void receiver_count_bytes(struct receiver *r, enum receiver_transport t, size_t wire_bytes)
{
    r->metrics.wire_bytes[t] += wire_bytes;
}

bool receiver_connection_opened(struct receiver *r, enum receiver_transport t)
{
    if (r->metrics.connections[t] >= r->max_connections)
        return false;
    r->metrics.connections[t]++;
    return true;
}

struct timeval receiver_deadline_scan_interval(const struct o2p_config *cfg)
{
    /* Four times per timeout, at most once a second: requests overrun it by <= 25%. */
    uint64_t ms = cfg->receiver.request_timeout_ms / 4;
    if (ms > 1000)
        ms = 1000;
    if (ms < 25)
        ms = 25;
    return (struct timeval){(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
}

void receiver_connection_closed(struct receiver *r, enum receiver_transport t)
{
    r->metrics.connections[t]--;
}

static int histogram(struct buf *out, const char *name, const char *help,
                     const struct latency_histogram *h)
{
    int rc = buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (int i = 0; i < LATENCY_BUCKETS && rc == O2P_OK; i++) {
        cum += h->counts[i];
        rc = buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, receiver_metrics_latency_bucket_bounds_s[i],
                        (unsigned long long)cum);
    }
    if (rc == O2P_OK)
        rc = buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                        (unsigned long long)h->total, name, h->sum_s, name,
                        (unsigned long long)h->total);
    return rc;
}

int receiver_metrics_render(struct receiver *r, struct buf *out)
{
    const struct receiver_metrics *m = &r->metrics;
    int rc = buf_printf(out, "# HELP o2p_receiver_requests_total Export requests answered, by transport and status class.\n"
                             "# TYPE o2p_receiver_requests_total counter\n");
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < 6 && rc == O2P_OK; c++)
            rc = buf_printf(out, "o2p_receiver_requests_total{transport=\"%s\",status=\"%s\"} %llu\n",
                            transport_names[t], class_names[c], (unsigned long long)m->requests[t][c]);
    if (rc == O2P_OK)
        rc = buf_printf(out, "# HELP o2p_receiver_rejections_total Requests refused, by reason.\n"
                             "# TYPE o2p_receiver_rejections_total counter\n");
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < REJECT_COUNT && rc == O2P_OK; i++)
            rc = buf_printf(out, "o2p_receiver_rejections_total{transport=\"%s\",reason=\"%s\"} %llu\n",
                            transport_names[t], reason_names[i], (unsigned long long)m->rejections[t][i]);
    if (rc == O2P_OK)
        rc = buf_printf(out, "# HELP o2p_receiver_wire_bytes_total Request body bytes received (before decompression).\n"
                             "# TYPE o2p_receiver_wire_bytes_total counter\n"
                             "o2p_receiver_wire_bytes_total{transport=\"http\"} %llu\n"
                             "o2p_receiver_wire_bytes_total{transport=\"grpc\"} %llu\n"
                             "# HELP o2p_receiver_connections Open client connections.\n"
                             "# TYPE o2p_receiver_connections gauge\n"
                             "o2p_receiver_connections{transport=\"http\"} %lld\n"
                             "o2p_receiver_connections{transport=\"grpc\"} %lld\n",
                        (unsigned long long)m->wire_bytes[0], (unsigned long long)m->wire_bytes[1],
                        (long long)m->connections[0], (long long)m->connections[1]);
    static const char *const signal_help[][2] = {
        {"o2p_receiver_records_total", "Records (log records, spans, metric data points) durably spooled."},
        {"o2p_receiver_rejected_records_total", "Records dropped by validation and reported in partial_success."},
        {"o2p_receiver_spooled_bytes_total", "OTLP protobuf bytes durably spooled."}};
    const uint64_t *per_signal[] = {m->records, m->rejected_records, m->spooled_bytes};
    for (int k = 0; k < 3 && rc == O2P_OK; k++) {
        rc = buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", signal_help[k][0], signal_help[k][1],
                        signal_help[k][0]);
        for (int s = 0; s < O2P_SIGNAL_COUNT && rc == O2P_OK; s++)
            rc = buf_printf(out, "%s{signal=\"%s\"} %llu\n", signal_help[k][0], signal_kind_name(s),
                            (unsigned long long)per_signal[k][s]);
    }
    struct receiver_commit_stats gs;
    receiver_commit_stats(r->commit, &gs);
    if (rc == O2P_OK)
        rc = buf_printf(out, "# HELP o2p_group_commit_batches_total Spool transactions (one sync each).\n"
                             "# TYPE o2p_group_commit_batches_total counter\no2p_group_commit_batches_total %llu\n"
                             "# HELP o2p_group_commit_requests_total Requests written by those transactions.\n"
                             "# TYPE o2p_group_commit_requests_total counter\no2p_group_commit_requests_total %llu\n"
                             "# HELP o2p_group_commit_failures_total Spool transactions that failed.\n"
                             "# TYPE o2p_group_commit_failures_total counter\no2p_group_commit_failures_total %llu\n"
                             "# HELP o2p_group_commit_size Requests per transaction.\n"
                             "# TYPE o2p_group_commit_size histogram\n",
                        (unsigned long long)gs.batches, (unsigned long long)gs.requests,
                        (unsigned long long)gs.failures);
    uint64_t cum = 0;
    static const char *const size_le[8] = {"1", "3", "7", "15", "31", "63", "127", "+Inf"};
    for (int i = 0; i < 8 && rc == O2P_OK; i++) {
        cum += gs.batch_size_counts[i];
        rc = buf_printf(out, "o2p_group_commit_size_bucket{le=\"%s\"} %llu\n", size_le[i], (unsigned long long)cum);
    }
    if (rc == O2P_OK)
        rc = buf_printf(out, "o2p_group_commit_size_sum %llu\no2p_group_commit_size_count %llu\n",
                        (unsigned long long)gs.requests, (unsigned long long)gs.batches);
    if (rc == O2P_OK)
        rc = histogram(out, "o2p_group_commit_seconds", "Time to write and sync one spool transaction.",
                       &gs.commit_latency);
    if (rc == O2P_OK)
        rc = histogram(out, "o2p_receiver_ack_seconds", "From a request being queued to its durable acknowledgement.",
                       &m->ack_latency);
    /* The writers' and the committer's own samples (they have no port). */
    if (rc == O2P_OK)
        rc = metrics_file_collect(r->cfg->data_dir, out);
    struct spool_stat ss;
    if (rc == O2P_OK && spool_stat(r->spool, &ss, NULL) == O2P_OK) {
        uint64_t now = clock_wall_ns(); /* the spool keeps wall-clock receive times */
        rc = buf_printf(out, "# HELP o2p_spool_records Records waiting in the spool.\n# TYPE o2p_spool_records gauge\n");
        for (int s = 0; s < O2P_SIGNAL_COUNT && rc == O2P_OK; s++)
            rc = buf_printf(out, "o2p_spool_records{signal=\"%s\"} %llu\n", signal_kind_name(s),
                            (unsigned long long)ss.signal[s].records);
        if (rc == O2P_OK)
            rc = buf_printf(out, "# HELP o2p_spool_bytes OTLP bytes waiting in the spool.\n# TYPE o2p_spool_bytes gauge\n");
        for (int s = 0; s < O2P_SIGNAL_COUNT && rc == O2P_OK; s++)
            rc = buf_printf(out, "o2p_spool_bytes{signal=\"%s\"} %llu\n", signal_kind_name(s),
                            (unsigned long long)ss.signal[s].bytes);
        if (rc == O2P_OK)
            rc = buf_printf(out, "# HELP o2p_spool_oldest_age_seconds Age of the oldest spooled record.\n# TYPE o2p_spool_oldest_age_seconds gauge\n");
        for (int s = 0; s < O2P_SIGNAL_COUNT && rc == O2P_OK; s++) {
            uint64_t o = ss.signal[s].oldest_ns;
            rc = buf_printf(out, "o2p_spool_oldest_age_seconds{signal=\"%s\"} %.3f\n", signal_kind_name(s),
                            o && now > o ? (double)(now - o) / 1e9 : 0.0);
        }
        if (rc == O2P_OK)
            rc = buf_printf(out, "# HELP o2p_spool_claims Writer claims in progress.\n# TYPE o2p_spool_claims gauge\no2p_spool_claims %llu\n"
                                 "# HELP o2p_spool_files_queued Data files waiting for the committer.\n# TYPE o2p_spool_files_queued gauge\no2p_spool_files_queued %llu\n"
                                 "# HELP o2p_spool_quarantined Records in quarantine.\n# TYPE o2p_spool_quarantined gauge\no2p_spool_quarantined %llu\n"
                                 "# HELP o2p_spool_files_quarantined Files-queue entries the committer could not decode, in files.quarantine.\n# TYPE o2p_spool_files_quarantined gauge\no2p_spool_files_quarantined %llu\n"
                                 "# HELP o2p_spool_map_bytes Configured spool size (spool.max_bytes).\n# TYPE o2p_spool_map_bytes gauge\no2p_spool_map_bytes %llu\n"
                                 "# HELP o2p_spool_used_bytes Bytes of records held, as used for backpressure.\n# TYPE o2p_spool_used_bytes gauge\no2p_spool_used_bytes %llu\n"
                                 "# HELP o2p_receiver_ready 1 once spool recovery finished.\n# TYPE o2p_receiver_ready gauge\no2p_receiver_ready %d\n",
                            (unsigned long long)ss.claims, (unsigned long long)ss.files,
                            (unsigned long long)ss.quarantined, (unsigned long long)ss.files_quarantined,
                            (unsigned long long)ss.map_bytes,
                            (unsigned long long)atomic_load(&r->spool_used), atomic_load(&r->ready) ? 1 : 0);
    }
    return rc;
}
