/*
 * cli_status.c - `otlp2parquet status [--json]`: every stage at a glance, read straight from
 * the durable state (the spool), so it works whether or not the daemons are running.
 *
 * JSON shape: {"spool": {"logs": {"records", "bytes", "entries", "oldest_age_s"}, "traces":
 * {...}, "metrics": {...}, "used_bytes", "max_bytes"}, "claims": N, "files": {"queued": N},
 * "quarantine": N, "tables": {}}.
 */
#include "cli.h"
#include "cli_common.h"

#include "spooler/spool.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double age_s(uint64_t oldest_ns)
{
    if (!oldest_ns)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return now > oldest_ns ? (double)(now - oldest_ns) / 1e9 : 0;
}

int cli_status(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    bool json = false;
    for (int i = 0; i < cli.nrest; i++) {
        if (!strcmp(cli.rest[i], "--json"))
            json = true;
        else {
            fprintf(stderr, "usage: otlp2parquet status [--json] [common options]\n");
            rc = 2;
            goto out;
        }
    }
    struct spool *s = NULL;
    struct spool_options so = {.path = cfg.spool.path, .max_bytes = cfg.spool.max_bytes, .read_only = true};
    struct o2p_error err = {0};
    struct spool_stat st;
    if (spool_open(&s, &so, &err) != O2P_OK || spool_stat(s, &st, &err) != O2P_OK) {
        fprintf(stderr, "otlp2parquet status: %s\n", err.msg);
        spool_close(s);
        rc = 1;
        goto out;
    }
    spool_close(s);
    uint64_t used = 0;
    for (int i = 0; i < O2P_SIGNAL_COUNT; i++)
        used += st.signal[i].bytes;
    if (json) {
        printf("{\"spool\":{");
        for (int i = 0; i < O2P_SIGNAL_COUNT; i++) {
            const struct spool_signal_stat *ss = &st.signal[i];
            printf("\"%s\":{\"records\":%llu,\"bytes\":%llu,\"entries\":%llu,\"oldest_age_s\":%.3f},",
                   o2p_signal_name(i), (unsigned long long)ss->records, (unsigned long long)ss->bytes,
                   (unsigned long long)ss->entries, age_s(ss->oldest_ns));
        }
        printf("\"used_bytes\":%llu,\"max_bytes\":%llu,\"path\":\"%s\"},", (unsigned long long)used,
               (unsigned long long)st.map_bytes, cfg.spool.path);
        printf("\"claims\":%llu,\"files\":{\"queued\":%llu},\"quarantine\":%llu,\"tables\":{}}\n",
               (unsigned long long)st.claims, (unsigned long long)st.files,
               (unsigned long long)st.quarantined);
    } else {
        printf("spool %s (%.1f MiB of %.0f MiB)\n", cfg.spool.path, (double)used / 1048576.0,
               (double)st.map_bytes / 1048576.0);
        printf("  %-8s %12s %14s %9s %12s\n", "signal", "records", "bytes", "requests", "oldest");
        for (int i = 0; i < O2P_SIGNAL_COUNT; i++) {
            const struct spool_signal_stat *ss = &st.signal[i];
            printf("  %-8s %12llu %14llu %9llu %11.1fs\n", o2p_signal_name(i), (unsigned long long)ss->records,
                   (unsigned long long)ss->bytes, (unsigned long long)ss->entries, age_s(ss->oldest_ns));
        }
        printf("claims      %llu\nfiles       %llu queued for commit\nquarantine  %llu\n",
               (unsigned long long)st.claims, (unsigned long long)st.files, (unsigned long long)st.quarantined);
    }
out:
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
