/*
 * cli_status.c - `otlp2parquet status [--json]`: every stage at a glance, read straight from
 * the durable state (the spool), so it works whether or not the daemons are running.
 *
 * JSON shape: {"spool": {"logs": {"records", "bytes", "entries", "oldest_age_s"}, "traces":
 * {...}, "metrics": {...}, "used_bytes", "max_bytes", "path"}, "claims": [{"signal", "first",
 * "last", "records", "owner", "attempt", "lease_left_s"}], "files": {"queued", "bytes",
 * "records", "undecodable", "quarantined", "tables": {"<table>": {"files", "bytes", "records"}}},
 * "quarantine": N,
 * "tables": {}}.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include "common/clock.h"
#include "committer/committer.h"
#include "otel/table_schema.h"
#include "spooler/spool.h"
#include "spooler/spool_files_entry.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static double age_s(uint64_t oldest_ns)
{
    if (!oldest_ns)
        return 0;
    uint64_t now = clock_wall_ns();
    return now > oldest_ns ? (double)(now - oldest_ns) / 1e9 : 0;
}

struct files_summary {
    uint64_t count, bytes, records;
    uint64_t undecodable;  /* queued entries the committer will quarantine */
    struct {
        char name[64];
        uint64_t files, bytes, records;
    } table[16];
    int ntables;
};

static int on_file(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct files_summary *f = ctx;
    struct spool_files_entry e;
    f->count++;
    if (!key || spool_files_entry_decode(entry, len, &e, NULL) != O2P_OK) {
        f->undecodable++;
        return 0;
    }
    uint64_t size = (uint64_t)e.size, records = (uint64_t)e.records;
    f->bytes += size;
    f->records += records;
    int i = 0;
    while (i < f->ntables && strcmp(f->table[i].name, e.table) != 0)
        i++;
    if (i == f->ntables && f->ntables < 16)
        snprintf(f->table[f->ntables++].name, sizeof f->table[0].name, "%s", e.table);
    if (i < f->ntables) {
        f->table[i].files++;
        f->table[i].bytes += size;
        f->table[i].records += records;
    }
    spool_files_entry_free(&e);
    return 0;
}

/* queued_of - files (or records) of `table` waiting in the files queue: the commit lag. */
static uint64_t queued_of(const struct files_summary *f, const char *table, bool records)
{
    for (int i = 0; i < f->ntables; i++)
        if (!strcmp(f->table[i].name, table))
            return records ? f->table[i].records : f->table[i].files;
    return 0;
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
    struct files_summary files = {0};
    struct spool_claim claims[64];
    int nclaims = 0;
    int src = spool_open(&s, &so, &err);
    if (src == O2P_OK)
        src = spool_stat(s, &st, &err);
    if (src == O2P_OK)
        src = spool_files_visit(s, on_file, &files, &err);
    if (src == O2P_OK)
        nclaims = spool_claims_list(s, claims, 64, &err);
    if (src != O2P_OK || nclaims < 0) {
        fprintf(stderr, "otlp2parquet status: %s\n", err.msg);
        spool_close(s);
        rc = 1;
        goto out;
    }
    spool_close(s);
    struct committer_table_status tables[OTEL_TABLE_COUNT];
    struct o2p_error terr = {0};
    int ntables = committer_table_status(&cfg, tables, OTEL_TABLE_COUNT, &terr);
    uint64_t now = clock_wall_ns();
    uint64_t used = 0;
    for (int i = 0; i < O2P_SIGNAL_COUNT; i++)
        used += st.signal[i].bytes;
    if (json) {
        printf("{\"spool\":{");
        for (int i = 0; i < O2P_SIGNAL_COUNT; i++) {
            const struct spool_signal_stat *ss = &st.signal[i];
            printf("\"%s\":{\"records\":%llu,\"bytes\":%llu,\"entries\":%llu,\"oldest_age_s\":%.3f},",
                   signal_kind_name(i), (unsigned long long)ss->records, (unsigned long long)ss->bytes,
                   (unsigned long long)ss->entries, age_s(ss->oldest_ns));
        }
        printf("\"used_bytes\":%llu,\"max_bytes\":%llu,\"path\":\"%s\"},", (unsigned long long)used,
               (unsigned long long)st.map_bytes, cfg.spool.path);
        printf("\"claims\":[");
        for (int i = 0; i < nclaims; i++) {
            const struct spool_claim *c = &claims[i];
            printf("%s{\"signal\":\"%s\",\"first\":%llu,\"last\":%llu,\"records\":%llu,\"owner\":\"%s\",\"attempt\":%u,"
                   "\"lease_left_s\":%.1f}",
                   i ? "," : "", signal_kind_name(c->signal), (unsigned long long)c->first, (unsigned long long)c->last,
                   (unsigned long long)c->records, c->owner, c->attempt,
                   c->lease_deadline_ns > now ? (double)(c->lease_deadline_ns - now) / 1e9 : 0.0);
        }
        printf("],\"files\":{\"queued\":%llu,\"bytes\":%llu,\"records\":%llu,\"undecodable\":%llu,"
               "\"quarantined\":%llu,\"tables\":{", (unsigned long long)files.count, (unsigned long long)files.bytes,
               (unsigned long long)files.records, (unsigned long long)files.undecodable,
               (unsigned long long)st.files_quarantined);
        for (int i = 0; i < files.ntables; i++)
            printf("%s\"%s\":{\"files\":%llu,\"bytes\":%llu,\"records\":%llu}", i ? "," : "", files.table[i].name,
                   (unsigned long long)files.table[i].files, (unsigned long long)files.table[i].bytes,
                   (unsigned long long)files.table[i].records);
        printf("}},\"quarantine\":%llu,\"catalog\":{\"type\":\"%s\",\"warehouse\":\"%s\",\"column_names\":\"%s\"%s%s%s},"
               "\"tables\":{", (unsigned long long)st.quarantined, cfg.catalog.type, cfg.catalog.warehouse,
               table_schema_naming_name(table_schema_naming(&cfg)),
               ntables < 0 ? ",\"error\":\"" : "", ntables < 0 ? terr.msg : "", ntables < 0 ? "\"" : "");
        for (int i = 0; i < ntables; i++) {
            const struct committer_table_status *t = &tables[i];
            double age = t->last_commit_ms ? (double)now / 1e9 - (double)t->last_commit_ms / 1e3 : -1;
            printf("%s\"%s\":{\"exists\":%s,\"snapshot_id\":%lld,\"sequence_number\":%lld,\"last_commit_ms\":%lld,"
                   "\"last_commit_age_s\":%.1f,\"rows\":%lld,\"files\":%lld,\"bytes\":%lld,\"version\":%lld,"
                   "\"queued_files\":%llu,\"queued_records\":%llu,\"error\":\"%s\"}",
                   i ? "," : "", t->table, t->exists ? "true" : "false", (long long)t->snapshot_id,
                   (long long)t->sequence_number, (long long)t->last_commit_ms, age, (long long)t->total_records,
                   (long long)t->total_files, (long long)t->total_bytes, (long long)t->version,
                   (unsigned long long)queued_of(&files, table_schema_name(i), false),
                   (unsigned long long)queued_of(&files, table_schema_name(i), true), t->error);
        }
        printf("}}\n");
    } else {
        printf("spool %s (%.1f MiB of %.0f MiB)\n", cfg.spool.path, (double)used / 1048576.0,
               (double)st.map_bytes / 1048576.0);
        printf("  %-8s %12s %14s %9s %12s\n", "signal", "records", "bytes", "requests", "oldest");
        for (int i = 0; i < O2P_SIGNAL_COUNT; i++) {
            const struct spool_signal_stat *ss = &st.signal[i];
            printf("  %-8s %12llu %14llu %9llu %11.1fs\n", signal_kind_name(i), (unsigned long long)ss->records,
                   (unsigned long long)ss->bytes, (unsigned long long)ss->entries, age_s(ss->oldest_ns));
        }
        printf("claims      %d\n", nclaims);
        for (int i = 0; i < nclaims; i++)
            printf("  %-8s %llu-%llu  %llu records  owner %s  attempt %u  lease %.1fs left\n",
                   signal_kind_name(claims[i].signal), (unsigned long long)claims[i].first,
                   (unsigned long long)claims[i].last, (unsigned long long)claims[i].records, claims[i].owner,
                   claims[i].attempt,
                   claims[i].lease_deadline_ns > now ? (double)(claims[i].lease_deadline_ns - now) / 1e9 : 0.0);
        printf("files       %llu queued for commit (%.1f MiB, %llu records)\n", (unsigned long long)files.count,
               (double)files.bytes / 1048576.0, (unsigned long long)files.records);
        if (files.undecodable || st.files_quarantined)
            printf("  %llu undecodable (the committer quarantines them), %llu quarantined (otlp2parquet spool "
                   "quarantine)\n", (unsigned long long)files.undecodable, (unsigned long long)st.files_quarantined);
        for (int i = 0; i < files.ntables; i++)
            printf("  %-30s %llu files  %llu records\n", files.table[i].name, (unsigned long long)files.table[i].files,
                   (unsigned long long)files.table[i].records);
        printf("quarantine  %llu\n", (unsigned long long)st.quarantined);
        printf("tables      catalog %s at %s, column names %s\n", cfg.catalog.type, cfg.catalog.warehouse,
               table_schema_naming_name(table_schema_naming(&cfg)));
        if (ntables < 0)
            printf("  cannot read the catalog: %s\n", terr.msg);
        else
            printf("  %-30s %20s %14s %12s %10s\n", "table", "snapshot", "rows", "last commit", "queued");
        for (int i = 0; i < ntables; i++) {
            const struct committer_table_status *t = &tables[i];
            char last[32] = "never";
            if (t->last_commit_ms)
                snprintf(last, sizeof last, "%.0fs ago", (double)now / 1e9 - (double)t->last_commit_ms / 1e3);
            if (*t->error)
                printf("  %-30s error: %s\n", t->table, t->error);
            else if (!t->exists)
                printf("  %-30s %20s %14s %12s %10llu\n", t->table, "(not created)", "-", "-",
                       (unsigned long long)queued_of(&files, table_schema_name(i), false));
            else
                printf("  %-30s %20lld %14lld %12s %10llu\n", t->table, (long long)t->snapshot_id,
                       (long long)t->total_records, last, (unsigned long long)queued_of(&files, table_schema_name(i), false));
        }
    }
out:
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
