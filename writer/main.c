/*
 * otlp2parquet-writer - drain the spool into Parquet data files and queue them for the
 * committer. Any number of writers may run on one spool (otlp2parquet-writer@N units).
 *
 * Loop: take a claim (an expired one first, else a range whose size or age passed the
 * thresholds), write and publish its files, complete it; sleep writer.poll_interval when there
 * is nothing to do. SIGTERM: finish the claim in hand, then claim and write everything left
 * regardless of thresholds, then exit 0. A second SIGTERM abandons the claim in hand (another
 * writer redoes it) and exits.
 */
#include "writer/writer.h"

#include "common/fsutil.h"
#include "common/log.h"
#include "common/metrics_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { stopping = stopping + 1; }

/* remove_stale_temp_files - temp files of writers that are gone (the pid in the name is not
 * running). Those of live writers sharing the directory are left alone. */
static void remove_stale_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *suffix = strstr(e->d_name, ".parquet.tmp");
        const char *dash = suffix ? memrchr(e->d_name, '-', (size_t)(suffix - e->d_name)) : NULL;
        if (!dash)
            continue;
        long pid = strtol(dash + 1, NULL, 10);
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char path[PATH_MAX];
            int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (n > 0 && (size_t)n < sizeof path && unlink(path) == 0)
                log_info("writer", "op=remove_stale_temp file=%s", path);
        }
    }
    closedir(d);
}

/* publish_metrics - this writer's counters for the receiver's /metrics (at most every 2 s). */
static void publish_metrics(const struct writer *w, bool force)
{
    static time_t last;
    time_t now = time(NULL);
    if (!force && now - last < 2)
        return;
    last = now;
    char text[1024], name[64];
    int n = snprintf(text, sizeof text,
                     "o2p_writer_claims_total{writer=\"%s\"} %llu\n"
                     "o2p_writer_records_total{writer=\"%s\"} %llu\n"
                     "o2p_writer_files_total{writer=\"%s\"} %llu\n"
                     "o2p_writer_bytes_total{writer=\"%s\"} %llu\n"
                     "o2p_writer_claims_lost_total{writer=\"%s\"} %llu\n"
                     "o2p_writer_quarantined_total{writer=\"%s\"} %llu\n",
                     w->owner, (unsigned long long)w->claims_done, w->owner, (unsigned long long)w->records_done,
                     w->owner, (unsigned long long)w->files_done, w->owner, (unsigned long long)w->bytes_done,
                     w->owner, (unsigned long long)w->conflicts, w->owner, (unsigned long long)w->quarantined);
    snprintf(name, sizeof name, "writer-%d", (int)getpid());
    if (n > 0 && (size_t)n < sizeof text)
        metrics_file_publish(w->cfg->data_dir, name, text, (size_t)n, NULL);
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short, which is what shutdown wants */
}

/* retry_wait - the wait after a failure: writer.retry_min_wait, doubled each time up to
 * writer.retry_max_wait (prev: the last wait, 0 after a success). */
static uint64_t retry_wait(const struct o2p_config *cfg, uint64_t prev)
{
    uint64_t w = prev ? prev * 2 : cfg->writer.retry_min_wait_ms;
    return w < cfg->writer.retry_max_wait_ms ? w : cfg->writer.retry_max_wait_ms;
}

int main(int argc, char **argv)
{
    log_set_component("writer");
    struct cfg_cli cli;
    struct o2p_config cfg;
    struct o2p_error err = {0};
    int code = cfg_daemon_cli(&cli, argc, argv, "otlp2parquet-writer",
                              "usage: otlp2parquet-writer [--data-dir DIR] [-c FILE] [--set section.key=value]...\n"
                              "Writes the spooled records to Parquet data files and queues them for the committer.\n");
    if (code >= 0)
        return code;
    if (cfg_load(&cfg, &cli, "./data", &err) != O2P_OK)
        die("op=config err=\"%s\"", err.msg);
    log_set_level_name(cfg.log.level);
    struct writer w = {.cfg = &cfg, .stopping = &stopping, .hourly = !strcmp(cfg.catalog.partition, "hour")};
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(w.owner, sizeof w.owner, "%.40s:%d", host, (int)getpid());
    snprintf(w.tmp_dir, sizeof w.tmp_dir, "%s/tmp", cfg.data_dir);
    if (fs_mkdir_p(w.tmp_dir, &err) != O2P_OK)
        die("op=mkdir err=\"%s\"", err.msg);
    remove_stale_temp_files(w.tmp_dir);
    struct spool_options so = {.path = cfg.spool.path, .max_bytes = cfg.spool.max_bytes};
    if (spool_open(&w.spool, &so, &err) != O2P_OK)
        die("op=spool_open err=\"%s\"", err.msg);
    arena_init(&w.decode, 1 << 20, cfg.receiver.max_decompressed_bytes * 8);
    otlp_rows_init(&w.rows, writer_sink, &w, 0);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sd_notify(0, "READY=1");
    log_info("writer", "op=start owner=%s spool=%s warehouse=%s", w.owner, cfg.spool.path, cfg.catalog.warehouse);
    uint64_t backoff_ms = 0;
    for (;;) {
        struct spool_claim_policy pol = {.max_bytes = cfg.writer.max_file_bytes,
                                         .max_rows = (uint64_t)cfg.writer.max_file_rows,
                                         .max_age_ns = cfg.writer.max_file_age_ms * 1000000u,
                                         .drain = stopping > 0};
        if (stopping > 1)
            break;
        int rc = spool_claim_take(w.spool, w.owner, &pol, cfg.writer.claim_lease_ms * 1000000u, &w.claim, &err);
        if (rc == O2P_EAGAIN) {
            if (stopping)
                break; /* drained */
            char status[128];
            snprintf(status, sizeof status, "STATUS=idle claims=%llu records=%llu files=%llu\nWATCHDOG=1",
                     (unsigned long long)w.claims_done, (unsigned long long)w.records_done,
                     (unsigned long long)w.files_done);
            sd_notify(0, status);
            publish_metrics(&w, false);
            sleep_ms(cfg.writer.poll_interval_ms);
            continue;
        }
        if (rc != O2P_OK) {
            log_error("writer", "op=claim err=\"%s\"", err.msg);
            sleep_ms(backoff_ms = retry_wait(&cfg, backoff_ms));
            continue;
        }
        spool_release_pages(w.spool); /* the claim's sizing touched record headers */
        rc = writer_run_claim(&w, &err);
        publish_metrics(&w, false);
        if (rc == O2P_OK || rc == O2P_ECONFLICT) {
            backoff_ms = 0;
            continue;
        }
        log_error("writer", "op=claim_failed signal=%s range=%llu-%llu err=\"%s\" action=release",
                  signal_kind_name(w.claim.signal), (unsigned long long)w.claim.first,
                  (unsigned long long)w.claim.last, err.msg);
        /* Expire our lease now so the claim is redone (by anyone) without waiting it out. */
        spool_claim_renew(w.spool, &w.claim, 0, NULL);
        sleep_ms(backoff_ms = retry_wait(&cfg, backoff_ms));
    }
    sd_notify(0, "STOPPING=1");
    log_info("writer", "op=exit claims=%llu records=%llu files=%llu bytes=%llu conflicts=%llu quarantined=%llu",
             (unsigned long long)w.claims_done, (unsigned long long)w.records_done, (unsigned long long)w.files_done,
             (unsigned long long)w.bytes_done, (unsigned long long)w.conflicts, (unsigned long long)w.quarantined);
    char mname[64];
    snprintf(mname, sizeof mname, "writer-%d", (int)getpid());
    metrics_file_remove(cfg.data_dir, mname);
    otlp_rows_free(&w.rows);
    arena_free(&w.decode);
    writer_table_stores_close(&w);
    spool_close(w.spool);
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return 0;
}
