/*
 * otlp2parquet-committer - the spool's files queue -> Iceberg append snapshots, exactly once.
 *
 * Start-up: configuration -> committer_open (lock, spool, warehouse, catalog, batches planned
 * before a restart) -> sd_notify READY=1 -> committer_poll every 500 ms (STATUS= with the
 * queue depth, WATCHDOG=1). SIGTERM/SIGINT: STOPPING=1, then commit everything queued
 * regardless of committer.interval and exit 0 (exit 1 if the catalog kept failing for
 * committer.retry_max_elapsed: the files stay queued and nothing is lost).
 */
#include "committer/committer.h"

#include "common/log.h"
#include "common/metrics_file.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static const char usage[] =
    "usage: otlp2parquet-committer [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
    "Commits the data files queued in the spool to Iceberg tables (catalog.type, catalog.warehouse).\n";

static void tick(void *arg)
{
    (void)arg;
    sd_notify(0, "WATCHDOG=1");
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short: fine */
}

/* publish_metrics - counters for the receiver's /metrics (committer.h has no port of its own). */
static void publish_metrics(const char *data_dir, const struct committer_pass *p, unsigned long long snapshots,
                            unsigned long long files, unsigned long long records, unsigned long long failures)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "o2p_committer_snapshots_total %llu\no2p_committer_files_total %llu\n"
                     "o2p_committer_records_total %llu\no2p_committer_failed_batches_total %llu\n"
                     "o2p_committer_queued_files %llu\n",
                     snapshots, files, records, failures, (unsigned long long)p->queued);
    if (n > 0 && (size_t)n < sizeof text)
        metrics_file_publish(data_dir, "committer", text, (size_t)n, NULL);
}

static void notify_status(const char *state, const struct committer_pass *p, unsigned long long total)
{
    char s[200];
    snprintf(s, sizeof s, "STATUS=%s queued=%llu files committed=%llu snapshots\nWATCHDOG=1", state,
             (unsigned long long)p->queued, total);
    sd_notify(0, s);
}

int main(int argc, char **argv)
{
    log_set_component("committer");
    struct cfg_cli cli;
    struct o2p_config cfg;
    struct o2p_error err = {0};
    int code = cfg_daemon_cli(&cli, argc, argv, "otlp2parquet-committer", usage);
    if (code >= 0)
        return code;
    if (cfg_load(&cfg, &cli, "./data", &err) != O2P_OK)
        die("op=config err=\"%s\"", err.msg);
    log_set_level_name(cfg.log.level);
    if (!strcmp(cfg.catalog.type, "none")) {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        int status = committer_run_without_catalog(&cfg, &stop_signal);
        cfg_free(&cfg);
        cfg_cli_free(&cli);
        return status;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Tests only: fault injection points of the commit protocol (see committer.h). */
    struct committer_options o = {.cfg = &cfg, .tick = tick, .test_hook = getenv("O2P_TEST_HOOK")};
    struct committer *c = NULL;
    if (committer_open(&c, &o, &err) != O2P_OK)
        die("op=start err=\"%s\"", err.msg);
    log_info("committer", "op=ready catalog=%s warehouse=%s namespace=%s interval_ms=%llu spool=%s",
             cfg.catalog.type, cfg.catalog.warehouse, cfg.catalog.namespace_,
             (unsigned long long)cfg.committer.interval_ms, cfg.spool.path);
    sd_notify(0, "READY=1");

    struct committer_pass p = {0};
    unsigned long long total = 0, files = 0, records = 0, failures = 0;
    int status = 0;
    while (!stop_signal) {
        if (committer_poll(c, false, &p, &err) != O2P_OK)
            log_warn("committer", "op=poll err=\"%s\" action=retry", err.msg);
        total += (unsigned long long)p.committed;
        files += p.files;
        records += p.records;
        failures += (unsigned long long)p.failed;
        notify_status("committing", &p, total);
        publish_metrics(cfg.data_dir, &p, total, files, records, failures);
        /* A backlog (more files queued than one commit takes) is worked off without pausing. */
        if (p.committed > 0 && p.queued > 0)
            continue;
        for (int i = 0; i < 5 && !stop_signal; i++)
            nap_ms(100);
    }

    sd_notify(0, "STOPPING=1");
    log_info("committer", "op=stop signal=%d action=drain", (int)stop_signal);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int rc = committer_poll(c, true, &p, &err);
        if (rc != O2P_OK)
            log_warn("committer", "op=drain err=\"%s\"", err.msg);
        total += (unsigned long long)p.committed;
        notify_status("draining", &p, total);
        if (rc == O2P_OK && p.queued == 0 && p.failed == 0)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((uint64_t)(now.tv_sec - t0.tv_sec) * 1000 > cfg.committer.retry_max_elapsed_ms) {
            log_error("committer", "op=drain queued=%llu err=\"catalog kept failing\" effect=\"files stay queued "
                      "and are committed at the next start\"", (unsigned long long)p.queued);
            status = 1;
            break;
        }
        nap_ms(200);
    }
    committer_close(c);
    metrics_file_remove(cfg.data_dir, "committer");
    log_info("committer", "op=exit status=%d snapshots=%llu", status, total);
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return status;
}
