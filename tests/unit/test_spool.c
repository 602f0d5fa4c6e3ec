/*
 * test_spool.c - the LMDB spool: group appends, counters, visiting, recovery of corrupt
 * records into quarantine, files entries into files.quarantine, and a full map as
 * backpressure (O2P_EFULL), never a crash.
 */
#include "testing.h"

#include "spooler/spool.h"

#include <lmdb.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];

static struct spool *open_fresh(uint64_t max_bytes)
{
    snprintf(dir, sizeof dir, "/tmp/o2p-test-spool-%d", (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return NULL;
    struct spool_options o = {.path = dir, .max_bytes = max_bytes};
    struct spool *s = NULL;
    struct o2p_error err = {0};
    if (spool_open(&s, &o, &err) != O2P_OK)
        printf("  spool_open: %s\n", err.msg);
    return s;
}

struct collect {
    uint64_t seqs[64];
    uint32_t records[64];
    int n, bad;
};

static int on_rec(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h, const uint8_t *body,
                  const char *problem)
{
    struct collect *c = ctx;
    if (rc != O2P_OK) {
        c->bad++;
        return 0;
    }
    if (c->n < 64) {
        c->seqs[c->n] = seq;
        c->records[c->n++] = h->record_count;
    }
    return 0;
}

TEST(append_visit_stat)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    struct spool_append items[3] = {
        {.signal = O2P_SIGNAL_LOGS, .body = (const uint8_t *)"aaaa", .len = 4, .records = 10, .recv_time_ns = 1},
        {.signal = O2P_SIGNAL_TRACES, .body = (const uint8_t *)"bb", .len = 2, .records = 3, .recv_time_ns = 2},
        {.signal = O2P_SIGNAL_LOGS, .body = (const uint8_t *)"cccccc", .len = 6, .records = 5, .recv_time_ns = 3},
    };
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_append_batch(s, items, 3, &err), O2P_OK);
    CHECK(items[0].seq == 1 && items[2].seq == 2 && items[1].seq == 1);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.signal[O2P_SIGNAL_LOGS].records == 15 && st.signal[O2P_SIGNAL_LOGS].bytes == 10);
    CHECK(st.signal[O2P_SIGNAL_LOGS].entries == 2 && st.signal[O2P_SIGNAL_LOGS].oldest_ns == 1);
    CHECK(st.signal[O2P_SIGNAL_TRACES].records == 3 && st.signal[O2P_SIGNAL_METRICS].records == 0);
    struct collect c = {0};
    CHECK_EQ_INT(spool_visit(s, O2P_SIGNAL_LOGS, 0, on_rec, &c, &err), O2P_OK);
    CHECK(c.n == 2 && c.seqs[0] == 1 && c.seqs[1] == 2 && c.records[1] == 5 && c.bad == 0);
    /* Reopen: sequence numbers continue. */
    spool_close(s);
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    CHECK_EQ_INT(spool_open(&s, &o, &err), O2P_OK);
    CHECK_EQ_INT(spool_append_batch(s, items, 1, &err), O2P_OK);
    CHECK(items[0].seq == 3);
    spool_close(s);
}

TEST(recovery_quarantines_corrupt_records)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    struct spool_append items[2] = {
        {.signal = O2P_SIGNAL_METRICS, .body = (const uint8_t *)"good", .len = 4, .records = 1},
        {.signal = O2P_SIGNAL_METRICS, .body = (const uint8_t *)"victim", .len = 6, .records = 2},
    };
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_append_batch(s, items, 2, &err), O2P_OK);
    spool_close(s);
    /* Flip a body byte behind the spool's back (bit rot, a bad disk). */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 16);
    CHECK(mdb_env_open(env, dir, 0, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(mdb_dbi_open(txn, "rec.metrics", 0, &dbi) == 0);
    uint8_t kb[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    MDB_val k = {8, kb}, v;
    CHECK(mdb_get(txn, dbi, &k, &v) == 0);
    uint8_t copy[64];
    memcpy(copy, v.mv_data, v.mv_size);
    copy[SPOOL_HEADER_BYTES] ^= 1;
    MDB_val nv = {v.mv_size, copy};
    CHECK(mdb_put(txn, dbi, &k, &nv, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);

    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    CHECK_EQ_INT(spool_open(&s, &o, &err), O2P_OK);
    struct spool_recovery rec;
    CHECK_EQ_INT(spool_recover(s, &rec, &err), O2P_OK);
    CHECK(rec.entries_checked == 2 && rec.quarantined == 1);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.quarantined == 1 && st.signal[O2P_SIGNAL_METRICS].records == 1 && st.signal[O2P_SIGNAL_METRICS].entries == 1);
    struct collect c = {0};
    CHECK_EQ_INT(spool_visit(s, O2P_SIGNAL_METRICS, 0, on_rec, &c, &err), O2P_OK);
    CHECK(c.n == 1 && c.seqs[0] == 1);
    /* The sequence is not reused after the quarantined one. */
    CHECK_EQ_INT(spool_append_batch(s, items, 1, &err), O2P_OK);
    CHECK(items[0].seq == 3);
    spool_close(s);
}

TEST(full_map_is_backpressure)
{
    struct spool *s = open_fresh(1 << 20);
    CHECK(s != NULL);
    static uint8_t body[64 * 1024];
    struct spool_append it = {.signal = O2P_SIGNAL_LOGS, .body = body, .len = sizeof body, .records = 1};
    struct o2p_error err = {0};
    int rc = O2P_OK, appended = 0;
    for (int i = 0; i < 100 && rc == O2P_OK; i++) {
        rc = spool_append_batch(s, &it, 1, &err);
        if (rc == O2P_OK)
            appended++;
    }
    CHECK_EQ_INT(rc, O2P_EFULL);
    CHECK(strstr(err.msg, "spool.max_bytes") != NULL);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.signal[O2P_SIGNAL_LOGS].entries == (uint64_t)appended);
    spool_close(s);
}

TEST(record_header_checks)
{
    uint8_t v[SPOOL_HEADER_BYTES + 3];
    spool_record_encode(v, O2P_SIGNAL_TRACES, 42, 7, (const uint8_t *)"xyz", 3);
    memcpy(v + SPOOL_HEADER_BYTES, "xyz", 3);
    struct spool_record_header h;
    const uint8_t *body;
    CHECK_EQ_INT(spool_record_decode(v, sizeof v, &h, &body, NULL), O2P_OK);
    CHECK(h.recv_time_ns == 42 && h.record_count == 7 && h.length == 3 && h.signal == O2P_SIGNAL_TRACES);
    CHECK_EQ_INT(spool_record_decode(v, sizeof v - 1, &h, &body, NULL), O2P_ECORRUPT);
    CHECK_EQ_INT(spool_record_decode(v, 10, &h, &body, NULL), O2P_ECORRUPT);
    v[0] ^= 1;
    CHECK_EQ_INT(spool_record_decode(v, sizeof v, &h, &body, NULL), O2P_ECORRUPT);
}

static void fill(struct spool *s, enum o2p_signal sig, int n, uint32_t records_each)
{
    static uint8_t body[100];
    for (int i = 0; i < n; i++) {
        struct spool_append it = {.signal = sig, .body = body, .len = sizeof body, .records = records_each,
                                  .recv_time_ns = 1};
        spool_append_batch(s, &it, 1, NULL);
    }
}

TEST(claims_follow_thresholds)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_LOGS, 10, 100); /* 10 entries, 1000 records, 1000 bytes */
    struct spool_claim c;
    struct o2p_error err = {0};
    /* Under every threshold (recv time 1 ns is old, so age would trigger: use a huge age). */
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000000, .max_age_ns = UINT64_MAX};
    CHECK_EQ_INT(spool_claim_take(s, "w1", &p, 1000000000, &c, &err), O2P_EAGAIN);
    /* Rows threshold: ranges of at most 300 records = 3 entries. */
    p.max_rows = 300;
    CHECK_EQ_INT(spool_claim_take(s, "w1", &p, 1000000000, &c, &err), O2P_OK);
    CHECK(c.signal == O2P_SIGNAL_LOGS && c.first == 1 && c.last == 3 && c.records == 300 && c.attempt == 1);
    struct spool_claim c2;
    CHECK_EQ_INT(spool_claim_take(s, "w2", &p, 1000000000, &c2, &err), O2P_OK);
    CHECK(c2.first == 4 && c2.last == 6);
    /* Age threshold claims the remainder even though it is small. */
    p.max_rows = 1000000;
    p.max_age_ns = 1000;
    struct spool_claim c3;
    CHECK_EQ_INT(spool_claim_take(s, "w3", &p, 1000000000, &c3, &err), O2P_OK);
    CHECK(c3.first == 7 && c3.last == 10);
    CHECK_EQ_INT(spool_claim_take(s, "w3", &p, 1000000000, &c3, &err), O2P_EAGAIN);
    struct spool_claim list[8];
    CHECK_EQ_INT(spool_claims_list(s, list, 8, &err), 3);
    spool_close(s);
}

static int count_files(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    int *n = ctx;
    (*n)++;
    return 0;
}

TEST(expired_claim_is_taken_over_and_old_owner_loses)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_TRACES, 4, 10);
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .max_age_ns = 0, .drain = true};
    struct spool_claim a, b;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_claim_take(s, "writer-a", &p, 1 /* ns: expires at once */, &a, &err), O2P_OK);
    CHECK(a.first == 1 && a.last == 4);
    usleep(1000);
    CHECK_EQ_INT(spool_claim_take(s, "writer-b", &p, 60000000000ull, &b, &err), O2P_OK);
    CHECK(b.first == 1 && b.last == 4 && b.attempt == 2 && !strcmp(b.owner, "writer-b"));
    struct spool_file f = {.key = "otel/traces/data/x.parquet", .entry = "{}", .entry_len = 2};
    CHECK_EQ_INT(spool_claim_complete(s, &a, &f, 1, NULL, 0, &err), O2P_ECONFLICT);
    CHECK(strstr(err.msg, "taken over by writer-b") != NULL);
    CHECK_EQ_INT(spool_claim_renew(s, &a, 1000, &err), O2P_ECONFLICT);
    CHECK_EQ_INT(spool_claim_complete(s, &b, &f, 1, NULL, 0, &err), O2P_OK);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.signal[O2P_SIGNAL_TRACES].records == 0 && st.signal[O2P_SIGNAL_TRACES].entries == 0);
    CHECK(st.claims == 0 && st.files == 1);
    int n = 0;
    CHECK_EQ_INT(spool_files_visit(s, count_files, &n, &err), O2P_OK);
    CHECK(n == 1);
    uint64_t id = 1;
    CHECK_EQ_INT(spool_files_delete(s, &id, 1, &err), O2P_OK);
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.files == 0);
    spool_close(s);
}

/* A clean release is no death; a vanished owner is, and progress recorded in isolation
 * counts deaths on the record it names until the progress moves. */
TEST(claim_deaths_release_and_progress)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_LOGS, 5, 1);
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .drain = true};
    struct spool_claim a, b;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_claim_take(s, "w1", &p, 60000000000ull, &a, &err), O2P_OK);
    CHECK(a.deaths == 0 && a.progress_next == 0 && !a.released);
    CHECK_EQ_INT(spool_claim_release(s, &a, &err), O2P_OK);
    CHECK_EQ_INT(spool_claim_take(s, "w2", &p, 1, &b, &err), O2P_OK); /* at once: released */
    CHECK(b.attempt == 2 && b.deaths == 0 && !b.released);
    CHECK_EQ_INT(spool_claim_release(s, &a, &err), O2P_ECONFLICT);    /* no longer w1's */
    usleep(1000);                                                      /* w2 "dies": lease 1 ns */
    CHECK_EQ_INT(spool_claim_take(s, "w3", &p, 1, &a, &err), O2P_OK);
    CHECK(a.attempt == 3 && a.deaths == 1 && a.progress_deaths == 0);
    CHECK_EQ_INT(spool_claim_progress(s, &a, 3, &err), O2P_OK);
    usleep(1000);
    CHECK_EQ_INT(spool_claim_take(s, "w4", &p, 1, &b, &err), O2P_OK);
    CHECK(b.deaths == 2 && b.progress_next == 3 && b.progress_deaths == 1);
    CHECK_EQ_INT(spool_claim_progress(s, &b, 3, &err), O2P_OK);        /* same record: kept */
    usleep(1000);
    CHECK_EQ_INT(spool_claim_take(s, "w5", &p, 60000000000ull, &a, &err), O2P_OK);
    CHECK(a.progress_deaths == 2);
    CHECK_EQ_INT(spool_claim_progress(s, &a, 4, &err), O2P_OK);        /* moved on: reset */
    CHECK(a.progress_next == 4 && a.progress_deaths == 0);
    struct spool_claim listed[4];
    CHECK_EQ_INT(spool_claims_list(s, listed, 4, &err), 1);
    CHECK(listed[0].deaths == 3 && listed[0].progress_next == 4 && !strcmp(listed[0].owner, "w5"));
    struct spool_poison poison[] = {{2, "two"}, {4, "four"}};
    CHECK_EQ_INT(spool_claim_complete(s, &a, NULL, 0, poison, 2, &err), O2P_OK);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.quarantined == 2 && st.claims == 0);
    spool_close(s);
}

TEST(poisoned_records_go_to_quarantine)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_METRICS, 3, 5);
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .drain = true};
    struct spool_claim c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_claim_take(s, "w", &p, 60000000000ull, &c, &err), O2P_OK);
    struct spool_poison bad = {.seq = 2, .reason = "not a valid OTLP metrics request"};
    CHECK_EQ_INT(spool_claim_complete(s, &c, NULL, 0, &bad, 1, &err), O2P_OK);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.quarantined == 1 && st.signal[O2P_SIGNAL_METRICS].entries == 0);
    /* New records get new sequence numbers and a new claim starts after the old range. */
    fill(s, O2P_SIGNAL_METRICS, 1, 5);
    CHECK_EQ_INT(spool_claim_take(s, "w", &p, 60000000000ull, &c, &err), O2P_OK);
    CHECK(c.first == 4 && c.last == 4);
    spool_close(s);
}

TEST(quarantined_records_can_be_requeued)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_LOGS, 2, 7);
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .drain = true};
    struct spool_claim c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_claim_take(s, "w", &p, 60000000000ull, &c, &err), O2P_OK);
    struct spool_poison bad = {.seq = 1, .reason = "a bug, since fixed"};
    CHECK_EQ_INT(spool_claim_complete(s, &c, NULL, 0, &bad, 1, &err), O2P_OK);
    uint64_t moved = 0;
    CHECK_EQ_INT(spool_quarantine_requeue(s, O2P_SIGNAL_TRACES, 0, &moved, &err), O2P_OK);
    CHECK(moved == 0);
    CHECK_EQ_INT(spool_quarantine_requeue(s, -1, 0, &moved, &err), O2P_OK);
    CHECK(moved == 1);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK(st.quarantined == 0 && st.signal[O2P_SIGNAL_LOGS].entries == 1 && st.signal[O2P_SIGNAL_LOGS].records == 7);
    struct collect col = {0};
    CHECK_EQ_INT(spool_visit(s, O2P_SIGNAL_LOGS, 0, on_rec, &col, &err), O2P_OK);
    CHECK(col.n == 1 && col.bad == 0 && col.seqs[0] == 3 && col.records[0] == 7);
    spool_close(s);
}

struct qfiles {
    uint64_t ids[8];
    char reason[8][64], key[8][64], entry[8][64];
    int n, unframed;
};

static int on_qfile(void *ctx, uint64_t id, const char *reason, size_t reason_len, const char *key,
                    const char *entry, size_t len)
{
    struct qfiles *q = ctx;
    if (q->n == 8)
        return 1;
    q->ids[q->n] = id;
    snprintf(q->reason[q->n], 64, "%.*s", (int)reason_len, reason);
    snprintf(q->key[q->n], 64, "%s", key ? key : "(null)");
    snprintf(q->entry[q->n], 64, "%.*s", (int)len, entry);
    q->unframed += key == NULL;
    q->n++;
    return 0;
}

static int list_ids(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct qfiles *q = ctx;
    if (q->n < 8) {
        q->ids[q->n] = id;
        snprintf(q->key[q->n++], 64, "%s", key ? key : "(null)");
    }
    return 0;
}

TEST(files_entries_go_to_files_quarantine)
{
    struct spool *s = open_fresh(64 << 20);
    CHECK(s != NULL);
    fill(s, O2P_SIGNAL_LOGS, 2, 5);
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .drain = true};
    struct spool_claim c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_claim_take(s, "w", &p, 60000000000ull, &c, &err), O2P_OK);
    struct spool_file f[3] = {{"file:///a", "{\"good\":1}", 10}, {"file:///b\"", "{not json", 9},
                              {"file:///c", "{\"good\":3}", 10}};
    CHECK_EQ_INT(spool_claim_complete(s, &c, f, 3, NULL, 0, &err), O2P_OK);
    CHECK_EQ_INT(spool_files_quarantine(s, 2, "files entry x: entry: not JSON", &err), O2P_OK);
    CHECK_EQ_INT(spool_files_quarantine(s, 2, "again", &err), O2P_ENOTFOUND);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK_EQ_INT(st.files, 2);
    CHECK_EQ_INT(st.files_quarantined, 1);
    CHECK_EQ_INT(st.quarantined, 0);
    struct qfiles q = {0};
    CHECK_EQ_INT(spool_files_visit(s, list_ids, &q, &err), O2P_OK);
    CHECK(q.n == 2 && q.ids[0] == 1 && q.ids[1] == 3);
    memset(&q, 0, sizeof q);
    CHECK_EQ_INT(spool_files_quarantine_visit(s, on_qfile, &q, &err), O2P_OK);
    CHECK_EQ_INT(q.n, 1);
    CHECK(q.ids[0] == 2);
    CHECK_EQ_STR(q.reason[0], "files entry x: entry: not JSON");
    CHECK_EQ_STR(q.key[0], "file:///b\"");
    CHECK_EQ_STR(q.entry[0], "{not json");
    spool_close(s);

    /* A value too short for its framing (planted with LMDB directly) is handed over with key
     * NULL, so the committer can quarantine it, and keeps its bytes there. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 16);
    CHECK(mdb_env_open(env, dir, 0, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(mdb_dbi_open(txn, "files", 0, &dbi) == 0);
    uint8_t k[8] = {0, 0, 0, 0, 0, 0, 0, 9}, v[3] = {0xff, 0x00, 'x'};
    MDB_val mk = {8, k}, mv = {3, v};
    CHECK(mdb_put(txn, dbi, &mk, &mv, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    CHECK_EQ_INT(spool_open(&s, &o, &err), O2P_OK);
    memset(&q, 0, sizeof q);
    CHECK_EQ_INT(spool_files_visit(s, list_ids, &q, &err), O2P_OK);
    CHECK(q.n == 3 && q.ids[2] == 9);
    CHECK_EQ_STR(q.key[2], "(null)");
    CHECK_EQ_INT(spool_files_quarantine(s, 9, "framing", &err), O2P_OK);
    memset(&q, 0, sizeof q);
    CHECK_EQ_INT(spool_files_quarantine_visit(s, on_qfile, &q, &err), O2P_OK);
    CHECK(q.n == 2 && q.ids[1] == 9 && q.unframed == 1);
    spool_close(s);
}

TEST(read_only_open_of_a_spool_without_files_quarantine)
{
    /* A spool made before files.quarantine existed: read-only openers (status) must work. */
    char cmd[160];
    snprintf(dir, sizeof dir, "/tmp/o2p-test-spool-%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    CHECK(system(cmd) == 0);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 16);
    CHECK(mdb_env_open(env, dir, 0, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    const char *names[] = {"rec.logs", "rec.traces", "rec.metrics", "meta", "claims", "files", "quarantine"};
    for (int i = 0; i < 7; i++)
        CHECK(mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20, .read_only = true};
    struct spool *s = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_open(&s, &o, &err), O2P_OK);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(s, &st, &err), O2P_OK);
    CHECK_EQ_INT(st.files_quarantined, 0);
    struct qfiles q = {0};
    CHECK_EQ_INT(spool_files_quarantine_visit(s, on_qfile, &q, &err), O2P_OK);
    CHECK_EQ_INT(q.n, 0);
    CHECK_EQ_INT(spool_files_quarantine(s, 1, "x", &err), O2P_EINVAL);
    spool_close(s);
    /* The first writable open adds it. */
    o.read_only = false;
    CHECK_EQ_INT(spool_open(&s, &o, &err), O2P_OK);
    spool_close(s);
}

int main(void)
{
    RUN(append_visit_stat);
    RUN(recovery_quarantines_corrupt_records);
    RUN(full_map_is_backpressure);
    RUN(record_header_checks);
    RUN(claims_follow_thresholds);
    RUN(expired_claim_is_taken_over_and_old_owner_loses);
    RUN(claim_deaths_release_and_progress);
    RUN(poisoned_records_go_to_quarantine);
    RUN(quarantined_records_can_be_requeued);
    RUN(files_entries_go_to_files_quarantine);
    RUN(read_only_open_of_a_spool_without_files_quarantine);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return testing_done();
}
