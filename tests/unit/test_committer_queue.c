/*
 * test_committer_queue.c - the committer's files-queue cache (committer/committer_queue.c):
 * each entry is decoded once and kept across passes, new entries are decoded as they come,
 * entries deleted from the queue leave the cache, and an undecodable entry is moved to the
 * spool's files.quarantine with its reason while the entries around it stay usable.
 */
#include "testing.h"

#include "committer/committer_int.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[64];

static struct spool *open_fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/o2p-test-cq-%d", (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return NULL;
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    struct spool *s = NULL;
    return spool_open(&s, &o, NULL) == O2P_OK ? s : NULL;
}

/* good - the encoded entry of a logs file named n. */
static void good(struct buf *b, int n, char *loc, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "data/timestamp_day=2026-11-21/logs-%d.parquet", n);
    snprintf(loc, cap, "file:///w/otel/logs/%s", key);
    struct spool_files_entry_column col = {.id = 1, .size = 10, .values = 5, .nulls = 0, .nans = -1};
    struct spool_files_entry e = {.key = key, .location = loc, .size = 100 + n, .records = 5, .columns = &col,
                                  .ncolumns = 1};
    strcpy(e.table, "logs");
    strcpy(e.partition.source, "timestamp");
    strcpy(e.partition.transform, "day");
    strcpy(e.partition.name, "timestamp_day");
    strcpy(e.partition.text, "2026-11-21");
    e.partition.value = 20413;
    e.claim.signal = O2P_SIGNAL_LOGS;
    e.claim.first = e.claim.last = (uint64_t)n;
    buf_reset(b);
    spool_files_entry_encode(&e, b, NULL);
}

/* queue - one claim completed with the given entries (NULL text = a good entry). */
static int queue(struct spool *s, const char *const *texts, int n, int first_name)
{
    static uint8_t body[10];
    struct spool_append it = {.signal = O2P_SIGNAL_LOGS, .body = body, .len = sizeof body, .records = 1,
                              .recv_time_ns = 1};
    if (spool_append_batch(s, &it, 1, NULL) != O2P_OK)
        return -1;
    struct spool_claim_policy p = {.max_bytes = 1 << 20, .max_rows = 1000, .drain = true};
    struct spool_claim c;
    if (spool_claim_take(s, "w", &p, 60000000000ull, &c, NULL) != O2P_OK)
        return -1;
    struct buf b[8];
    struct spool_file f[8];
    char loc[8][128];
    for (int i = 0; i < n; i++) {
        buf_init(&b[i], 0);
        if (texts[i]) {
            buf_printf(&b[i], "%s", texts[i]);
            snprintf(loc[i], sizeof loc[i], "file:///w/bad-%d", i);
        } else {
            good(&b[i], first_name + i, loc[i], sizeof loc[i]);
        }
        f[i] = (struct spool_file){loc[i], (const char *)b[i].data, b[i].len};
    }
    int rc = spool_claim_complete(s, &c, f, (size_t)n, NULL, 0, NULL);
    for (int i = 0; i < n; i++)
        buf_free(&b[i]);
    return rc;
}

struct pass {
    struct committer *c;
    struct committer_queued *seen[16];
    int n;
};

static int on_entry(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct pass *p = ctx;
    struct committer_queued *q;
    if (committer_queue_get(&p->c->queue, id, key, entry, len, &q) != O2P_OK)
        return 1;
    if (p->n < 16)
        p->seen[p->n++] = q;
    return 0;
}

static int run_pass(struct committer *c, struct pass *p)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    committer_queue_begin(&c->queue);
    int rc = spool_files_visit(c->spool, on_entry, p, NULL);
    committer_queue_end(&c->queue, rc == O2P_OK);
    return rc;
}

TEST(decoded_once_dropped_when_deleted_bad_ones_quarantined)
{
    struct committer *c = calloc(1, sizeof *c);
    CHECK(c != NULL);
    c->spool = open_fresh();
    CHECK(c->spool != NULL);
    /* ids 1..4: good, bad (a location with a '"' as the old writer wrote it), good, good. */
    const char *const first[4] = {NULL, "{\"table\":\"logs\",\"key\":\"data/x\",\"location\":\"file:///w/a\"b\"}", NULL,
                                  NULL};
    CHECK_EQ_INT(queue(c->spool, first, 4, 1), O2P_OK);
    struct pass p;
    CHECK_EQ_INT(run_pass(c, &p), O2P_OK);
    CHECK_EQ_INT(p.n, 4);
    CHECK_EQ_INT(c->queue.decoded, 4);
    CHECK(p.seen[0]->file && p.seen[2]->file && p.seen[3]->file);
    CHECK(p.seen[1]->file == NULL && p.seen[1]->reason && strstr(p.seen[1]->reason, "entry: not JSON"));
    CHECK_EQ_INT(p.seen[0]->table, OTEL_TABLE_LOGS);
    CHECK_EQ_INT(p.seen[3]->file->size, 104);
    struct iceberg_data_file *f0 = p.seen[0]->file;

    /* The bad one leaves the queue for files.quarantine; the good ones stay. */
    CHECK_EQ_INT(committer_queue_quarantine(c), 1);
    CHECK_EQ_INT(c->queue.quarantined, 1);
    CHECK_EQ_INT(c->queue.n, 3);
    struct spool_stat st;
    CHECK_EQ_INT(spool_stat(c->spool, &st, NULL), O2P_OK);
    CHECK_EQ_INT(st.files, 3);
    CHECK_EQ_INT(st.files_quarantined, 1);

    /* The next pass decodes nothing: same entries, same data files. */
    CHECK_EQ_INT(run_pass(c, &p), O2P_OK);
    CHECK_EQ_INT(p.n, 3);
    CHECK_EQ_INT(c->queue.decoded, 4);
    CHECK(p.seen[0]->file == f0);

    /* New entries (ids 5, 6) are decoded once each. */
    const char *const more[2] = {NULL, NULL};
    CHECK_EQ_INT(queue(c->spool, more, 2, 5), O2P_OK);
    CHECK_EQ_INT(run_pass(c, &p), O2P_OK);
    CHECK_EQ_INT(p.n, 5);
    CHECK_EQ_INT(c->queue.decoded, 6);
    CHECK(p.seen[4]->id == 6 && p.seen[4]->file->size == 106);

    /* Deleted by someone else (ids 3 and 6): the next walk drops them. */
    uint64_t gone[2] = {3, 6};
    CHECK_EQ_INT(spool_files_delete(c->spool, gone, 2, NULL), O2P_OK);
    CHECK_EQ_INT(run_pass(c, &p), O2P_OK);
    CHECK_EQ_INT(p.n, 3);
    CHECK_EQ_INT(c->queue.n, 3);
    CHECK(p.seen[0]->id == 1 && p.seen[1]->id == 4 && p.seen[2]->id == 5);
    CHECK_EQ_INT(c->queue.decoded, 6);

    /* Deleted by the committer after a commit: dropped at once. */
    uint64_t done[2] = {1, 5};
    CHECK_EQ_INT(spool_files_delete(c->spool, done, 2, NULL), O2P_OK);
    committer_queue_drop(&c->queue, done, 2);
    CHECK_EQ_INT(c->queue.n, 1);
    CHECK(c->queue.v[0].id == 4);

    /* A walk that stopped early keeps what it did not reach. */
    CHECK_EQ_INT(queue(c->spool, more, 2, 7), O2P_OK); /* ids 7, 8 */
    CHECK_EQ_INT(run_pass(c, &p), O2P_OK);
    CHECK_EQ_INT(c->queue.n, 3);
    committer_queue_begin(&c->queue);
    struct committer_queued *q;
    CHECK_EQ_INT(committer_queue_get(&c->queue, 4, "k", "", 0, &q), O2P_OK);
    committer_queue_end(&c->queue, false);
    CHECK_EQ_INT(c->queue.n, 3);
    CHECK_EQ_INT(c->queue.decoded, 8);

    committer_queue_free(&c->queue);
    spool_close(c->spool);
    free(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(decoded_once_dropped_when_deleted_bad_ones_quarantined);
    return testing_done();
}
