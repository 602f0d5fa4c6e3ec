/*
 * fault_spool.c - the spool (spooler/) under allocation and I/O failure: a whole life cycle
 * on a fresh directory in one run: spool_open (creates the directory and the environment),
 * two group appends, a claim, the claim read in chunks, renew, complete (one file queued, one
 * record quarantined), the files queue visited and drained, meta put/get, stat, recovery,
 * the quarantine visited and requeued, claims listed, close; then a second open of the same
 * spool (start-up of the next process).
 *
 * The spool's own code allocates little; its I/O is LMDB's (open, pwrite, fdatasync, ...),
 * which the I/O shim reaches by interposition (fault.h). LMDB reports a failed or short
 * write as an errno and refuses further writes (MDB_PANIC), so a run ends at the first error.
 * Spools live under /dev/shm when it exists: thousands of runs of fsync on a real disk would
 * take minutes. The output compared between runs is what the calls returned (sequence
 * numbers, claim, records, files entry, counters), never the random spool id or the lease
 * deadline.
 */
#include "spooler/spool.h"
#include "tests/fault/fault.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[256];  /* mkdtemp'd once; each run makes and removes base/spool */

/* remove_spool - delete base/spool and its files (outside the counted calls) */
static void remove_spool(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

struct seen {
    struct fault_run *r;
    uint64_t n;
};

static int on_record(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h, const uint8_t *body,
                     const char *problem)
{
    struct seen *s = ctx;
    fault_output(s->r, &seq, sizeof seq);
    fault_output(s->r, &rc, sizeof rc);
    if (rc == O2P_OK) {
        fault_output(s->r, &h->record_count, sizeof h->record_count);
        fault_output(s->r, body, h->length);
    } else {
        fault_output(s->r, problem, strlen(problem));
    }
    s->n++;
    return 0;
}

struct files {
    struct fault_run *r;
    uint64_t ids[8];
    size_t n;
};

static int on_file(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct files *f = ctx;
    if (f->n < 8)
        f->ids[f->n++] = id;
    fault_output(f->r, key, strlen(key));
    fault_output(f->r, entry, len);
    return 0;
}

static int on_quarantined(void *ctx, enum o2p_signal sig, uint64_t seq, const char *reason, size_t reason_len,
                          const uint8_t *value, size_t value_len)
{
    struct fault_run *r = ctx;
    fault_output(r, &sig, sizeof sig);
    fault_output(r, &seq, sizeof seq);
    fault_output(r, reason, reason_len);
    fault_output(r, value, value_len);
    return 0;
}

static void out_u64(struct fault_run *r, uint64_t v) { fault_output(r, &v, sizeof v); }

/* life - the calls of one run, stopping at the first error */
static int life(const char *dir, struct fault_run *r)
{
    struct spool_options o = {.path = dir, .max_bytes = 8u << 20};
    struct spool *s = NULL;
    struct o2p_error *err = &r->err;
    int rc = spool_open(&s, &o, err);
    static const uint8_t body[3][48] = {"logs request one", "traces request", "logs request two, a bit longer"};
    struct spool_append items[3] = {
        {.signal = O2P_SIGNAL_LOGS, .body = body[0], .len = 17, .records = 4, .recv_time_ns = 1000},
        {.signal = O2P_SIGNAL_TRACES, .body = body[1], .len = 14, .records = 2, .recv_time_ns = 2000},
        {.signal = O2P_SIGNAL_LOGS, .body = body[2], .len = 30, .records = 7, .recv_time_ns = 3000},
    };
    if (rc == O2P_OK)
        rc = spool_append_batch(s, items, 2, err);
    if (rc == O2P_OK)
        rc = spool_append_batch(s, items + 2, 1, err);
    for (int i = 0; rc == O2P_OK && i < 3; i++)
        out_u64(r, items[i].seq);
    struct spool_claim c;
    struct spool_claim_policy pol = {.max_bytes = 1u << 20, .max_rows = 1000, .drain = true};
    if (rc == O2P_OK)
        rc = spool_claim_take(s, "fault-writer", &pol, 60000000000ull, &c, err);
    if (rc == O2P_OK) {
        out_u64(r, (uint64_t)c.signal);
        out_u64(r, c.first);
        out_u64(r, c.last);
        out_u64(r, c.attempt);
        out_u64(r, c.records);
        out_u64(r, c.bytes);
    }
    struct spool_range range;
    struct seen seen = {r, 0};
    if (rc == O2P_OK) {
        spool_range_init(&range, c.signal, c.first, c.last);
        range.chunk_records = 1; /* a read transaction per record */
        while (rc == O2P_OK && !range.done)
            rc = spool_read_chunk(s, &range, on_record, &seen, err);
    }
    if (rc == O2P_OK)
        rc = spool_claim_renew(s, &c, 60000000000ull, err);
    static const char entry[] = "{\"table\":\"logs\",\"key\":\"logs/data/x.parquet\",\"records\":4}";
    struct spool_file file = {"logs/data/x.parquet", entry, sizeof entry - 1};
    struct spool_poison poison = {c.last, "fault test: poisoned"};
    if (rc == O2P_OK)
        rc = spool_claim_complete(s, &c, &file, 1, &poison, 1, err);
    struct files files = {r, {0}, 0};
    if (rc == O2P_OK)
        rc = spool_files_visit(s, on_file, &files, err);
    if (rc == O2P_OK)
        rc = spool_files_delete(s, files.ids, files.n, err);
    char value[64];
    if (rc == O2P_OK)
        rc = spool_meta_put(s, "location.logs", "file:///warehouse/otel/logs", err);
    if (rc == O2P_OK)
        rc = spool_meta_get(s, "location.logs", value, sizeof value, err);
    if (rc == O2P_OK)
        fault_output(r, value, strlen(value));
    struct spool_stat st;
    if (rc == O2P_OK)
        rc = spool_stat(s, &st, err);
    if (rc == O2P_OK)
        for (int i = 0; i < O2P_SIGNAL_COUNT; i++) {
            out_u64(r, st.signal[i].records);
            out_u64(r, st.signal[i].bytes);
            out_u64(r, st.signal[i].entries);
            out_u64(r, st.signal[i].next_seq);
            out_u64(r, st.quarantined);
        }
    struct spool_recovery rec;
    if (rc == O2P_OK)
        rc = spool_recover(s, &rec, err);
    if (rc == O2P_OK) {
        out_u64(r, rec.entries_checked);
        out_u64(r, rec.quarantined);
    }
    if (rc == O2P_OK)
        rc = spool_quarantine_visit(s, on_quarantined, r, err);
    uint64_t moved = 0;
    if (rc == O2P_OK)
        rc = spool_quarantine_requeue(s, -1, 0, &moved, err);
    if (rc == O2P_OK)
        out_u64(r, moved);
    struct spool_claim claims[4];
    if (rc == O2P_OK) {
        int n = spool_claims_list(s, claims, 4, err);
        rc = n < 0 ? n : O2P_OK;
        out_u64(r, (uint64_t)n);
    }
    spool_close(s);
    s = NULL;
    /* The next process's start: reopen, append once more. */
    if (rc == O2P_OK)
        rc = spool_open(&s, &o, err);
    if (rc == O2P_OK)
        rc = spool_append_batch(s, items, 1, err);
    if (rc == O2P_OK)
        out_u64(r, items[0].seq);
    spool_close(s);
    return rc;
}

static int op_spool(void *arg, struct fault_run *r)
{
    (void)arg;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/spool", base);
    fault_begin();
    int rc = life(dir, r);
    fault_end();
    remove_spool(dir);
    return rc;
}

#define MODES (FAULT_MODE_BIT(FAULT_ALLOC) | FAULT_MODES_IO | FAULT_MODE_BIT(FAULT_IO_EINTR))

int main(void)
{
    struct stat sb;
    snprintf(base, sizeof base, "%s/o2p-fault-spool-XXXXXX", stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(base)) {
        printf("FAIL spool: mkdtemp %s\n", base);
        return 1;
    }
    static const struct fault_case cases[] = {
        {.name = "spool_life_cycle", .op = op_spool, .modes = MODES, .persistent = true},
    };
    int rc = fault_main(cases, sizeof cases / sizeof cases[0]);
    rmdir(base);
    return rc;
}
