/*
 * test_spool_read.c - the chunked record reader (spooler/spool_read.c): every record of a range
 * exactly once across chunk boundaries, with corrupt records and gaps (deleted keys, also keys
 * deleted between chunks by another process); and the reason it exists: while a long range is
 * read in chunks, another process's appends and deletes reuse freed pages and the map does not
 * grow, where one long read transaction makes it grow.
 *
 * The other process is a forked child with its own LMDB handle (raw LMDB, never the parent's
 * environment), driven over a pipe: "delete key N" or "churn" (append 16 x 16 KiB to
 * rec.traces in one transaction, delete them in the next, as the receiver and a writer do).
 */
#include "testing.h"

#include "spooler/spool.h"

#include <lmdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[80];
static size_t map_bytes; /* the spool's map size: the same in every handle */

static void reset_dir(const char *tag)
{
    snprintf(dir, sizeof dir, "/tmp/o2p-test-spool-read-%s-%d", tag, (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("  %s failed\n", cmd);
}

static struct spool *open_spool(void)
{
    struct spool_options o = {.path = dir, .max_bytes = map_bytes};
    struct spool *s = NULL;
    struct o2p_error err = {0};
    if (spool_open(&s, &o, &err) != O2P_OK)
        printf("  spool_open: %s\n", err.msg);
    return s;
}

static void key_of(uint8_t kb[8], uint64_t seq)
{
    for (int i = 7; i >= 0; i--, seq >>= 8)
        kb[i] = (uint8_t)seq;
}

/* raw_open - a plain LMDB handle on the spool (its own process only: never two in one). */
static int raw_open(MDB_env **env, MDB_dbi *logs, MDB_dbi *traces)
{
    MDB_txn *txn;
    if (mdb_env_create(env) != 0)
        return -1;
    mdb_env_set_maxdbs(*env, 16);
    mdb_env_set_mapsize(*env, map_bytes);
    if (mdb_env_open(*env, dir, MDB_NOTLS, 0600) != 0 || mdb_txn_begin(*env, NULL, 0, &txn) != 0)
        return -1;
    if (mdb_dbi_open(txn, "rec.logs", 0, logs) != 0 || mdb_dbi_open(txn, "rec.traces", 0, traces) != 0)
        return -1;
    return mdb_txn_commit(txn) == 0 ? 0 : -1;
}

/* ---- the other process -------------------------------------------------------------------- */

struct child {
    pid_t pid;
    int cmd, ack; /* parent's ends */
};

static int churn(MDB_env *env, MDB_dbi dbi, uint64_t *next)
{
    static uint8_t val[16 << 10];
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn) != 0)
        return -1;
    for (int i = 0; i < 16; i++) {
        uint8_t kb[8];
        key_of(kb, *next + (uint64_t)i);
        MDB_val k = {8, kb}, v = {sizeof val, val};
        if (mdb_put(txn, dbi, &k, &v, MDB_APPEND) != 0)
            return -1;
    }
    if (mdb_txn_commit(txn) != 0 || mdb_txn_begin(env, NULL, 0, &txn) != 0)
        return -1;
    for (int i = 0; i < 16; i++) {
        uint8_t kb[8];
        key_of(kb, *next + (uint64_t)i);
        MDB_val k = {8, kb};
        if (mdb_del(txn, dbi, &k, NULL) != 0)
            return -1;
    }
    *next += 16;
    return mdb_txn_commit(txn) == 0 ? 0 : -1;
}

static void child_main(int cmd, int ack)
{
    MDB_env *env;
    MDB_dbi logs, traces;
    char ok = raw_open(&env, &logs, &traces) == 0 ? 'y' : 'n';
    uint64_t next = 1;
    uint8_t op[9];
    while (write(ack, &ok, 1) == 1 && read(cmd, op, sizeof op) == (ssize_t)sizeof op) {
        ok = 'y';
        if (op[0] == 'c') {
            ok = churn(env, traces, &next) == 0 ? 'y' : 'n';
        } else if (op[0] == 'd') {
            MDB_txn *txn;
            MDB_val k = {8, op + 1};
            if (mdb_txn_begin(env, NULL, 0, &txn) != 0 || mdb_del(txn, logs, &k, NULL) != 0 ||
                mdb_txn_commit(txn) != 0)
                ok = 'n';
        }
    }
    mdb_env_close(env);
    _exit(0);
}

static int child_start(struct child *c)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        return -1;
    c->pid = fork();
    if (c->pid < 0)
        return -1;
    if (c->pid == 0) {
        close(to[1]);
        close(from[0]);
        child_main(to[0], from[1]);
    }
    close(to[0]);
    close(from[1]);
    c->cmd = to[1];
    c->ack = from[0];
    char ok;
    return read(c->ack, &ok, 1) == 1 && ok == 'y' ? 0 : -1;
}

/* child_do - send one command and wait until the child committed it. */
static int child_do(struct child *c, char what, uint64_t seq)
{
    uint8_t op[9] = {(uint8_t)what};
    key_of(op + 1, seq);
    char ok;
    if (write(c->cmd, op, sizeof op) != (ssize_t)sizeof op || read(c->ack, &ok, 1) != 1)
        return -1;
    return ok == 'y' ? 0 : -1;
}

static void child_stop(struct child *c)
{
    close(c->cmd);
    close(c->ack);
    waitpid(c->pid, NULL, 0);
}

/* ---- every record exactly once ----------------------------------------------------------- */

#define NREC 120

struct seen {
    int count[NREC + 2];
    int corrupt[NREC + 2];
    uint64_t order[4 * NREC];
    int n;
    bool bad_problem;
};

static int on_rec(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h, const uint8_t *body,
                  const char *problem)
{
    struct seen *s = ctx;
    if (seq > NREC || s->n == 4 * NREC)
        return 1;
    s->order[s->n++] = seq;
    s->count[seq]++;
    if (rc == O2P_ECORRUPT) {
        s->corrupt[seq]++;
        s->bad_problem |= !problem || !*problem;
    } else if (rc != O2P_OK || !body || h->length != 100 + seq % 7 || body[0] != (uint8_t)seq) {
        s->bad_problem = true;
    }
    return 0;
}

static bool is_corrupt(uint64_t seq) { return seq == 1 || seq == 17 || seq == 64 || seq == 65; }
static bool is_gap(uint64_t seq) { return seq == 2 || seq == 40 || seq == 41 || seq == 42 || seq == 99; }

/* a spool of NREC logs records (bodies 100..106 bytes, first byte = seq), some corrupt, some
 * deleted */
static int make_range_spool(void)
{
    reset_dir("range");
    map_bytes = 64u << 20;
    struct spool *s = open_spool();
    if (!s)
        return -1;
    for (uint64_t i = 1; i <= NREC; i++) {
        uint8_t body[128];
        memset(body, (int)i, sizeof body);
        struct spool_append it = {.signal = O2P_SIGNAL_LOGS, .body = body, .len = 100 + i % 7, .records = 1};
        if (spool_append_batch(s, &it, 1, NULL) != O2P_OK || it.seq != i)
            return -1;
    }
    spool_close(s);
    MDB_env *env;
    MDB_dbi logs, traces;
    MDB_txn *txn;
    if (raw_open(&env, &logs, &traces) != 0 || mdb_txn_begin(env, NULL, 0, &txn) != 0)
        return -1;
    for (uint64_t i = 1; i <= NREC; i++) {
        uint8_t kb[8], copy[256];
        key_of(kb, i);
        MDB_val k = {8, kb}, v;
        if (is_gap(i)) {
            if (mdb_del(txn, logs, &k, NULL) != 0)
                return -1;
        } else if (is_corrupt(i)) {
            if (mdb_get(txn, logs, &k, &v) != 0)
                return -1;
            memcpy(copy, v.mv_data, v.mv_size);
            copy[SPOOL_HEADER_BYTES + 3] ^= 0x40; /* bit rot in the body: the checksum fails */
            MDB_val nv = {v.mv_size, copy};
            if (mdb_put(txn, logs, &k, &nv, 0) != 0)
                return -1;
        }
    }
    if (mdb_txn_commit(txn) != 0)
        return -1;
    mdb_env_close(env);
    return 0;
}

TEST(every_record_once_across_chunks)
{
    CHECK_EQ_INT(make_range_spool(), 0);
    struct spool *s = open_spool();
    CHECK(s != NULL);
    static const struct {
        size_t bytes;
        uint32_t records;
    } bounds[] = {{1, 1000}, {1000, 2}, {SPOOL_READ_CHUNK_BYTES, 3}, {500, 7}, {SPOOL_READ_CHUNK_BYTES, 1000}};
    static const uint64_t ranges[][2] = {{1, NREC}, {2, 99}, {3, 39}, {40, 42}, {41, 43}, {100, 120}, {121, 500}};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
        for (size_t g = 0; g < sizeof ranges / sizeof ranges[0]; g++) {
            struct spool_range r;
            spool_range_init(&r, O2P_SIGNAL_LOGS, ranges[g][0], ranges[g][1]);
            r.chunk_bytes = bounds[b].bytes;
            r.chunk_records = bounds[b].records;
            struct seen seen = {0};
            struct o2p_error err = {0};
            for (int guard = 0; !r.done && guard < 1000; guard++)
                CHECK_EQ_INT(spool_read_chunk(s, &r, on_rec, &seen, &err), O2P_OK);
            CHECK(r.done);
            CHECK(!seen.bad_problem);
            int expect = 0;
            for (uint64_t i = 1; i <= NREC; i++) {
                bool in = i >= ranges[g][0] && i <= ranges[g][1] && !is_gap(i);
                if (seen.count[i] != (in ? 1 : 0) || seen.corrupt[i] != (in && is_corrupt(i) ? 1 : 0))
                    FAILF("bounds %zu/%u range %llu-%llu: seq %llu seen %d times (%d corrupt)", bounds[b].bytes,
                          bounds[b].records, (unsigned long long)ranges[g][0], (unsigned long long)ranges[g][1],
                          (unsigned long long)i, seen.count[i], seen.corrupt[i]);
                expect += in;
            }
            CHECK_EQ_INT(seen.n, expect);
            for (int i = 1; i < seen.n; i++)
                CHECK(seen.order[i] > seen.order[i - 1]);
            /* One record per chunk when bytes bound it at 1; plus the empty chunk that ends it. */
            if (bounds[b].bytes == 1 && expect > 0)
                CHECK_EQ_INT(r.chunks, (uint64_t)expect + 1);
        }
    /* spool_visit (the inspectors' loop) sees the same, from a start inside a gap. */
    struct seen seen = {0};
    struct o2p_error err = {0};
    CHECK_EQ_INT(spool_visit(s, O2P_SIGNAL_LOGS, 40, on_rec, &seen, &err), O2P_OK);
    CHECK_EQ_INT(seen.n, NREC - 39 - 4);
    CHECK(seen.order[0] == 43 && seen.corrupt[64] == 1 && seen.count[99] == 0);
    spool_close(s);
}

TEST(keys_deleted_between_chunks_are_skipped)
{
    CHECK_EQ_INT(make_range_spool(), 0);
    struct child c;
    CHECK_EQ_INT(child_start(&c), 0);
    struct spool *s = open_spool();
    CHECK(s != NULL);
    struct spool_range r;
    spool_range_init(&r, O2P_SIGNAL_LOGS, 1, NREC);
    r.chunk_records = 5;
    struct seen seen = {0};
    struct o2p_error err = {0};
    bool deleted_unread[NREC + 2] = {0};
    while (!r.done) {
        CHECK_EQ_INT(spool_read_chunk(s, &r, on_rec, &seen, &err), O2P_OK);
        if (r.done)
            break;
        /* Another process deletes the record we resume after, and the next one not yet read
         * (it skips gaps). */
        uint64_t next = r.resume + 1;
        while (next <= NREC && is_gap(next))
            next++;
        CHECK_EQ_INT(child_do(&c, 'd', r.resume), 0);
        if (next <= NREC) {
            CHECK_EQ_INT(child_do(&c, 'd', next), 0);
            deleted_unread[next] = true;
        }
    }
    child_stop(&c);
    for (uint64_t i = 1; i <= NREC; i++) {
        /* Deleted after it was read (the last of a chunk): read once. Before: never. */
        int want = is_gap(i) || deleted_unread[i] ? 0 : 1;
        if (seen.count[i] != want)
            FAILF("seq %llu read %d times, want %d", (unsigned long long)i, seen.count[i], want);
    }
    for (int i = 1; i < seen.n; i++)
        CHECK(seen.order[i] > seen.order[i - 1]);
    spool_close(s);
}

/* ---- pages freed while a range is read ------------------------------------------------------ */

struct churner {
    struct child *c;
    int steps, failed;
};

static int on_rec_churn(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h,
                        const uint8_t *body, const char *problem)
{
    (void)seq, (void)rc, (void)h, (void)body, (void)problem;
    struct churner *ch = ctx;
    /* While this read transaction is open, another process appends and deletes. */
    if (child_do(ch->c, 'c', 0) != 0)
        ch->failed++;
    ch->steps++;
    return 0;
}

/* map_growth - bytes the file's high-water mark grew while 64 records of a claim were read in
 * chunks of chunk_records, with one churn step (256 KiB appended then deleted by another
 * process) per record read. */
static int map_growth(uint32_t chunk_records, uint64_t *growth)
{
    reset_dir("growth");
    map_bytes = 256u << 20;
    struct spool *s = open_spool();
    if (!s)
        return -1;
    static uint8_t body[8 << 10];
    for (int i = 0; i < 64; i++) {
        struct spool_append it = {.signal = O2P_SIGNAL_LOGS, .body = body, .len = sizeof body, .records = 1};
        if (spool_append_batch(s, &it, 1, NULL) != O2P_OK)
            return -1;
    }
    spool_close(s);
    struct child c;
    if (child_start(&c) != 0)
        return -1;
    s = open_spool();
    struct churner ch = {.c = &c};
    /* Warm up: the first churns grow the file until the freelist has room for one step. */
    for (int i = 0; i < 4; i++)
        child_do(&c, 'c', 0);
    struct spool_stat before, after;
    struct o2p_error err = {0};
    int rc = spool_stat(s, &before, &err);
    struct spool_range r;
    spool_range_init(&r, O2P_SIGNAL_LOGS, 1, 64);
    r.chunk_records = chunk_records;
    r.chunk_bytes = SIZE_MAX;
    while (rc == O2P_OK && !r.done)
        rc = spool_read_chunk(s, &r, on_rec_churn, &ch, &err);
    if (rc == O2P_OK)
        rc = spool_stat(s, &after, &err);
    child_stop(&c);
    spool_close(s);
    if (rc != O2P_OK || ch.failed || ch.steps != 64)
        return -1;
    *growth = after.file_bytes - before.file_bytes;
    printf("  chunk_records=%u: %llu read transactions, map grew %llu KiB over 64 x 256 KiB churned\n",
           chunk_records, (unsigned long long)r.chunks, (unsigned long long)(*growth >> 10));
    return 0;
}

TEST(chunked_read_lets_other_writers_reuse_pages)
{
    uint64_t chunked, whole;
    CHECK_EQ_INT(map_growth(2, &chunked), 0);
    CHECK_EQ_INT(map_growth(UINT32_MAX, &whole), 0);
    /* One transaction for the whole range pins every page freed during it: 64 x 256 KiB. */
    CHECK(whole >= 8u << 20);
    /* Chunks of two records pin at most two steps' pages at a time. */
    CHECK(chunked <= 2u << 20);
}

int main(void)
{
    RUN(every_record_once_across_chunks);
    RUN(keys_deleted_between_chunks_are_skipped);
    RUN(chunked_read_lets_other_writers_reuse_pages);
    reset_dir("range");
    reset_dir("growth");
    return testing_done();
}
