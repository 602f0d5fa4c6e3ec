/*
 * fault_parquet.c - the Parquet writer (parquet/) under allocation and I/O failure, fed the
 * way the writer daemon feeds it: decoded SDK captures (tests/interop/fixtures) mapped to
 * rows by otlp_rows (otel/) into one pq_writer per table, then pq_writer_finish. Small row
 * groups, pages and dictionaries so one run flushes several row groups, closes many pages
 * and falls back from dictionary to PLAIN: every buffer and every write path is reached.
 *
 * The scratch arenas of otlp_rows get 1-byte blocks, so each of their allocations is a malloc
 * that some run fails. The files are memfds (the writer only writes sequentially to an fd); the output compared
 * between runs is every file's bytes and statistics. The writer's thread-local buffer pool is
 * emptied before each run, so every run allocates its buffers itself; the "_twice" cases
 * write the files twice in one run, the second time from pooled buffers.
 */
#include "otel/otlp_decode.h"
#include "otel/otlp_rows.h"
#include "otel/table_schema.h"
#include "parquet/parquet.h"
#include "tests/fault/fault.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct parquet_ctx {
    enum o2p_signal sig;
    const char *file;
    int copies;               /* the request is added this many times per file */
    int passes;               /* files written one after the other in a run (pooled buffers) */
    unsigned char *data;
    size_t len;
    struct arena dec;         /* the decoded request, made once, outside the counts */
    ProtobufCMessage *msg;
};

/* The writers of one pass, one per table, opened by the sink on first use. */
struct tables {
    struct pq_writer *w[OTEL_TABLE_COUNT];
    int fd[OTEL_TABLE_COUNT];
    struct pq_kv kv[2];
};

static int sink(void *arg, enum otel_table t, int64_t partition_us, struct pq_writer **w, struct o2p_error *err)
{
    struct tables *tb = arg;
    (void)partition_us;
    if (!tb->w[t]) {
        struct pq_options opt = {.zstd_level = 1, .row_group_bytes = 4096, .page_bytes = 512,
                                 .created_by = "otlp2parquet fault", .kv = tb->kv, .num_kv = 2,
                                 .dict_max_bytes = 256};
        int rc = pq_writer_open(&tb->w[t], tb->fd[t], table_schema_parquet(t, TABLE_NAMING_SNAKE), &opt, err);
        if (rc != O2P_OK)
            return rc;
    }
    *w = tb->w[t];
    return O2P_OK;
}

static int add(struct otlp_rows *rows, const struct parquet_ctx *c, struct o2p_error *err)
{
    switch (c->sig) {
    case O2P_SIGNAL_LOGS:
        return otlp_rows_add_logs(rows, (const void *)c->msg, err);
    case O2P_SIGNAL_TRACES:
        return otlp_rows_add_traces(rows, (const void *)c->msg, err);
    default:
        return otlp_rows_add_metrics(rows, (const void *)c->msg, err);
    }
}

/* record - the bytes of file fd and its statistics, into the run's output */
static void record(struct fault_run *r, int fd, const struct pq_file_stats *st)
{
    fault_output(r, &st->num_rows, sizeof st->num_rows);
    fault_output(r, &st->file_bytes, sizeof st->file_bytes);
    fault_output(r, &st->num_row_groups, sizeof st->num_row_groups);
    for (int i = 0; i < st->num_columns; i++)
        fault_output(r, &st->columns[i], sizeof st->columns[i]);
    unsigned char buf[65536];
    ssize_t n;
    off_t off = 0;
    while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
        fault_output(r, buf, (size_t)n);
        off += n;
    }
}

static int one_pass(struct parquet_ctx *c, struct fault_run *r)
{
    struct tables tb = {.kv = {{"producer", "otlp2parquet"}, {"fault", "1"}}};
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        tb.fd[t] = memfd_create("fault-parquet", MFD_CLOEXEC);
        if (tb.fd[t] < 0) {
            printf("FAIL memfd_create\n");
            return O2P_EIO;
        }
    }
    struct otlp_rows rows;
    struct pq_file_stats st[OTEL_TABLE_COUNT] = {0};
    fault_begin();
    otlp_rows_init(&rows, sink, &tb, 0);
    /* one malloc per scratch allocation (as in fault_decode.c), so each one can fail */
    rows.req.block_size = rows.row.block_size = 1;
    int rc = O2P_OK;
    for (int i = 0; rc == O2P_OK && i < c->copies; i++)
        rc = add(&rows, c, &r->err);
    for (int t = 0; rc == O2P_OK && t < OTEL_TABLE_COUNT; t++)
        if (tb.w[t])
            rc = pq_writer_finish(tb.w[t], &st[t], &r->err);
    otlp_rows_free(&rows);
    fault_end();
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        if (rc == O2P_OK && tb.w[t])
            record(r, tb.fd[t], &st[t]);
        pq_writer_free(tb.w[t]);
        close(tb.fd[t]);
    }
    return rc;
}

static int op_parquet(void *arg, struct fault_run *r)
{
    struct parquet_ctx *c = arg;
    pq_writer_pool_release();
    int rc = O2P_OK;
    for (int i = 0; rc == O2P_OK && i < c->passes; i++)
        rc = one_pass(c, r);
    pq_writer_pool_release();
    return rc;
}

#define MODES (FAULT_MODE_BIT(FAULT_ALLOC) | FAULT_MODES_IO | FAULT_MODES_WRITES)

static struct parquet_ctx ctx[] = {
    {O2P_SIGNAL_LOGS, "tests/interop/fixtures/logs.pb", 12, 1, NULL, 0, {0}, NULL},
    {O2P_SIGNAL_TRACES, "tests/interop/fixtures/traces.pb", 12, 1, NULL, 0, {0}, NULL},
    {O2P_SIGNAL_METRICS, "tests/interop/fixtures/metrics.pb", 12, 1, NULL, 0, {0}, NULL},
    {O2P_SIGNAL_LOGS, "tests/interop/fixtures/logs.pb", 4, 2, NULL, 0, {0}, NULL},
};

int main(void)
{
    static const struct fault_case proto[] = {
        {.name = "parquet_logs", .modes = MODES, .persistent = true},
        {.name = "parquet_traces", .modes = MODES},
        {.name = "parquet_metrics", .modes = MODES},
        {.name = "parquet_logs_twice", .modes = FAULT_MODE_BIT(FAULT_ALLOC)},
    };
    enum { N = sizeof ctx / sizeof ctx[0] };
    _Static_assert(sizeof proto / sizeof proto[0] == N, "one case per input");
    struct fault_case cases[N];
    for (size_t i = 0; i < N; i++) {
        struct parquet_ctx *c = &ctx[i];
        c->len = fault_read_file(c->file, &c->data);
        arena_init(&c->dec, 0, 0);
        struct o2p_error err = {0};
        if (otlp_decode(c->sig, c->data, c->len, &c->dec, &c->msg, &err) != O2P_OK) {
            printf("FAIL %s: decode %s: %s\n", proto[i].name, c->file, err.msg);
            return 1;
        }
        cases[i] = proto[i];
        cases[i].op = op_parquet;
        cases[i].ctx = c;
    }
    int rc = fault_main(cases, N);
    for (size_t i = 0; i < N; i++) {
        arena_free(&ctx[i].dec);
        __real_free(ctx[i].data);
    }
    return rc;
}
