/*
 * cli_spool.c - `otlp2parquet spool stat|dump SIGNAL|check`: the spool's inspector.
 *
 * dump prints one line per spooled request (sequence, receive time, records, bytes, checksum
 * state); --raw writes the protobuf bodies, each preceded by its length as a decimal line, so
 * they can be fed back to `convert` or `protoc --decode`. check verifies the file's structure
 * (spool_verify: pread, so a damaged file is a report, not a crash), then every record, and
 * exits 1 if anything fails. append stores files as records without validating them (re-injecting
 * captured requests; the writer quarantines what it cannot decode). quarantine lists the
 * quarantined records with their reasons, then the quarantined files-queue entries (the
 * committer's, spool_files_entry.h) with theirs.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include "spooler/spool.h"

#include "common/buf.h"
#include "common/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dump_ctx {
    bool raw;
    uint64_t limit, seen, bad, records;
};

static int on_record(void *arg, uint64_t seq, int rc, const struct spool_record_header *h,
                     const uint8_t *body, const char *problem)
{
    struct dump_ctx *d = arg;
    d->seen++;
    if (rc != O2P_OK) {
        d->bad++;
        printf("seq=%llu CORRUPT %s\n", (unsigned long long)seq, problem ? problem : "");
    } else if (d->raw) {
        printf("%u\n", h->length);
        fwrite(body, 1, h->length, stdout);
    } else {
        d->records += h->record_count;
        printf("seq=%llu recv_ns=%llu records=%u bytes=%u crc=%08x ok\n", (unsigned long long)seq,
               (unsigned long long)h->recv_time_ns, h->record_count, h->length, h->crc);
    }
    return d->limit && d->seen >= d->limit;
}

static int on_check(void *arg, uint64_t seq, int rc, const struct spool_record_header *h,
                    const uint8_t *body, const char *problem)
{
    struct dump_ctx *d = arg;
    d->seen++;
    if (rc != O2P_OK) {
        d->bad++;
        printf("seq=%llu CORRUPT %s\n", (unsigned long long)seq, problem ? problem : "");
    } else {
        d->records += h->record_count;
    }
    return 0;
}

static int on_quarantined(void *ctx, enum o2p_signal sig, uint64_t seq, const char *reason, size_t reason_len,
                          const uint8_t *value, size_t value_len)
{
    printf("%s seq=%llu bytes=%zu reason=\"%.*s\"\n", signal_kind_name(sig), (unsigned long long)seq, value_len,
           (int)reason_len, reason);
    return 0;
}

static int on_quarantined_file(void *ctx, uint64_t id, const char *reason, size_t reason_len, const char *key,
                               const char *entry, size_t len)
{
    printf("files id=%llu key=%s bytes=%zu reason=\"%.*s\"\n", (unsigned long long)id, key ? key : "(none)", len,
           (int)reason_len, reason);
    return 0;
}

/* append_file - one file, one record; records = 0 because nothing was decoded. */
static int append_file(struct spool *s, int sig, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "otlp2parquet spool append: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct buf b;
    buf_init(&b, 0);
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    struct spool_append it = {.signal = sig, .body = b.data ? b.data : (const uint8_t *)"", .len = b.len,
                              .records = 0, .recv_time_ns = clock_wall_ns()};
    struct o2p_error err = {0};
    int rc = spool_append_batch(s, &it, 1, &err);
    buf_free(&b);
    if (rc != O2P_OK) {
        fprintf(stderr, "otlp2parquet spool append: %s\n", err.msg);
        return 1;
    }
    printf("appended %s as %s seq=%llu\n", path, signal_kind_name(sig), (unsigned long long)it.seq);
    return 0;
}

int cli_spool(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    const char *verb = cli.nrest ? cli.rest[0] : "stat";
    struct spool *s = NULL;
    struct spool_options so = {.path = cfg.spool.path, .max_bytes = cfg.spool.max_bytes, .read_only = true};
    struct o2p_error err = {0};
    if (strcmp(verb, "stat") && strcmp(verb, "dump") && strcmp(verb, "check") && strcmp(verb, "append") &&
        strcmp(verb, "quarantine")) {
        fprintf(stderr, "usage: otlp2parquet spool stat | dump SIGNAL [--raw] [--limit N] | check | quarantine\n"
                        "                          | append SIGNAL FILE...\n");
        rc = 2;
        goto out;
    }
    so.read_only = strcmp(verb, "append") != 0;
    if (spool_open(&s, &so, &err) != O2P_OK) {
        fprintf(stderr, "otlp2parquet spool: %s\n", err.msg);
        rc = 1;
        goto out;
    }
    if (!strcmp(verb, "stat")) {
        struct spool_stat st;
        if (spool_stat(s, &st, &err) != O2P_OK) {
            fprintf(stderr, "otlp2parquet spool: %s\n", err.msg);
            rc = 1;
        } else {
            for (int i = 0; i < O2P_SIGNAL_COUNT; i++)
                printf("%s records=%llu bytes=%llu entries=%llu next_seq=%llu\n", signal_kind_name(i),
                       (unsigned long long)st.signal[i].records, (unsigned long long)st.signal[i].bytes,
                       (unsigned long long)st.signal[i].entries, (unsigned long long)st.signal[i].next_seq);
            printf("claims=%llu files=%llu quarantine=%llu files_quarantine=%llu map_bytes=%llu file_bytes=%llu\n",
                   (unsigned long long)st.claims, (unsigned long long)st.files, (unsigned long long)st.quarantined,
                   (unsigned long long)st.files_quarantined,
                   (unsigned long long)st.map_bytes, (unsigned long long)st.file_bytes);
        }
    } else if (!strcmp(verb, "append")) {
        int sig = cli.nrest > 2 ? signal_kind_parse(cli.rest[1]) : -1;
        if (sig < 0) {
            fprintf(stderr, "usage: otlp2parquet spool append logs|traces|metrics FILE...\n");
            rc = 2;
        }
        for (int i = 2; i < cli.nrest && rc == 0; i++)
            rc = append_file(s, sig, cli.rest[i]);
    } else if (!strcmp(verb, "quarantine")) {
        if (spool_quarantine_visit(s, on_quarantined, NULL, &err) != O2P_OK ||
            spool_files_quarantine_visit(s, on_quarantined_file, NULL, &err) != O2P_OK) {
            fprintf(stderr, "otlp2parquet spool quarantine: %s\n", err.msg);
            rc = 1;
        }
    } else if (!strcmp(verb, "dump")) {
        struct dump_ctx d = {0};
        int sig = cli.nrest > 1 ? signal_kind_parse(cli.rest[1]) : -1;
        for (int i = 2; i < cli.nrest; i++) {
            if (!strcmp(cli.rest[i], "--raw"))
                d.raw = true;
            else if (!strcmp(cli.rest[i], "--limit") && i + 1 < cli.nrest)
                d.limit = strtoull(cli.rest[++i], NULL, 10);
            else
                sig = -1;
        }
        if (sig < 0) {
            fprintf(stderr, "usage: otlp2parquet spool dump logs|traces|metrics [--raw] [--limit N]\n");
            rc = 2;
        } else if (spool_visit(s, sig, 0, on_record, &d, &err) != O2P_OK) {
            fprintf(stderr, "otlp2parquet spool dump: %s\n", err.msg);
            rc = 1;
        }
    } else {
        /* The structure first, read without LMDB's map: if it is damaged, reading records
         * through LMDB could crash instead of reporting. */
        struct spool_verify v;
        if (spool_verify(s, &v, &err) != O2P_OK) {
            printf("structure: FAILED: %s\n", err.msg);
            printf("FAILED: the spool file is damaged; records were not checked\n");
            rc = 1;
            goto out;
        }
        printf("structure: ok pages=%llu file_bytes=%llu used_bytes=%llu\n", (unsigned long long)v.pages,
               (unsigned long long)v.file_bytes, (unsigned long long)v.used_bytes);
        uint64_t total = 0, bad = 0;
        for (int sig = 0; sig < O2P_SIGNAL_COUNT && rc == 0; sig++) {
            struct dump_ctx d = {0};
            if (spool_visit(s, sig, 0, on_check, &d, &err) != O2P_OK) {
                fprintf(stderr, "otlp2parquet spool check: %s\n", err.msg);
                rc = 1;
            }
            printf("%s entries=%llu records=%llu corrupt=%llu\n", signal_kind_name(sig),
                   (unsigned long long)d.seen, (unsigned long long)d.records, (unsigned long long)d.bad);
            total += d.seen;
            bad += d.bad;
        }
        if (rc == 0 && bad)
            rc = 1;
        printf("%s: %llu entries checked, %llu corrupt\n", bad ? "FAILED" : "ok", (unsigned long long)total,
               (unsigned long long)bad);
    }
out:
    spool_close(s);
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
