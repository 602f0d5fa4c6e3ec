/*
 * convert.c - the conversion engine behind `otlp2parquet convert` (see convert.h).
 *
 * Flow per input:  read file into `in` (reused buffer, ceiling max_input_bytes)
 *                  -> decode into arena `dec` (otlp_decode: the logs fast path, else
 *                     otlp_scan then protobuf-c; or otlp_json_decode)
 *                  -> otlp_rows_add_* -> arena_reset(dec).
 * Table files are opened lazily by the rows sink the first time a table gets a row, and
 * finished after the last input. On any error every file opened by this run is unlinked.
 * Key-value metadata of each file: producer=otlp2parquet, otlp2parquet.schema_version, and
 * iceberg.schema (the table's Iceberg schema JSON, as Iceberg writers add it).
 */
#include "cli/convert.h"

#include "common/arena.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "otel/otlp_json.h"
#include "otel/otlp_decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

struct table_out {
    int fd;
    struct pq_writer *w;
    char *schema_json;
    struct pq_kv kv[3];
};

struct conv {
    const struct convert_opts *o;
    struct convert_result *res;
    struct table_out t[OTEL_TABLE_COUNT];
};

/* sink - the writer of table t, opened on first use (one file per table: no partitioning) */
static int sink(void *ctx, enum otel_table t, int64_t partition_us, struct pq_writer **w,
                struct o2p_error *err)
{
    struct conv *c = ctx;
    struct table_out *to = &c->t[t];
    (void)partition_us;
    if (to->w) {
        *w = to->w;
        return O2P_OK;
    }
    struct convert_table_result *tr = &c->res->tables[t];
    int k = snprintf(tr->path, sizeof(tr->path), "%s/%s", c->o->out_dir, table_schema_name(t));
    if (k < 0 || (size_t)k + 32 >= sizeof(tr->path))
        return o2p_fail(err, O2P_EINVAL, "output directory name too long");
    int rc = fs_mkdir_p(tr->path, err);
    if (rc != O2P_OK) {
        tr->path[0] = '\0';
        return rc;
    }
    memcpy(tr->path + k, "/part-00000.parquet", sizeof("/part-00000.parquet"));
    to->fd = open(tr->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (to->fd < 0) {
        rc = o2p_fail_errno(err, "create %s", tr->path);
        tr->path[0] = '\0';
        return rc;
    }
    size_t need = table_schema_iceberg_json(t, c->o->naming, 0, NULL, 0);
    to->schema_json = malloc(need + 1);
    if (!to->schema_json)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    table_schema_iceberg_json(t, c->o->naming, 0, to->schema_json, need + 1);
    to->kv[0] = (struct pq_kv){ "producer", "otlp2parquet" };
    to->kv[1] = (struct pq_kv){ "otlp2parquet.schema_version", TABLE_SCHEMA_VERSION };
    to->kv[2] = (struct pq_kv){ "iceberg.schema", to->schema_json };
    struct pq_options po = {
        .zstd_level = c->o->zstd_level ? c->o->zstd_level : 1, /* writer.zstd_level's default */
        .row_group_bytes = c->o->row_group_bytes ? c->o->row_group_bytes : 64 * MIB,
        .page_bytes = c->o->page_bytes,
        .created_by = "otlp2parquet",
        .kv = to->kv,
        .num_kv = 3,
    };
    rc = pq_writer_open(&to->w, to->fd, table_schema_parquet(t, c->o->naming), &po, err);
    if (rc != O2P_OK) {
        to->w = NULL;
        return o2p_error_prefix(err, "%s", tr->path);
    }
    *w = to->w;
    return O2P_OK;
}

/* read_file - whole file into *in (reused), at most max bytes */
static int read_file(const char *path, struct buf *in, struct o2p_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return o2p_fail_errno(err, "open %s", path);
    buf_reset(in);
    int rc = O2P_OK;
    for (;;) {
        rc = buf_reserve(in, 1 << 16);
        if (rc != O2P_OK) {
            rc = o2p_fail(err, rc, "%s: larger than the input limit of %zu bytes", path,
                          in->max);
            break;
        }
        ssize_t k = read(fd, in->data + in->len, in->cap - in->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = o2p_fail_errno(err, "read %s", path);
            break;
        }
        if (k == 0)
            break;
        in->len += (size_t)k;
    }
    close(fd);
    return rc;
}

static int convert_one(struct conv *c, struct otlp_rows *rows, struct arena *dec,
                       const char *path, const struct buf *in, struct o2p_error *err)
{
    const struct convert_opts *o = c->o;
    ProtobufCMessage *msg = NULL;
    int rc;
    if (o->json) {
        rc = otlp_json_decode(o->signal, (const char *)in->data, in->len, dec, &msg, err);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "%s: not an OTLP/JSON %s request", path,
                                    signal_kind_name(o->signal));
    } else {
        rc = otlp_decode(o->signal, in->data, in->len, dec, &msg, err);
        if (rc == O2P_ETOOBIG)
            return o2p_fail(err, O2P_ETOOBIG, "%s: decoded request exceeds %zu bytes", path,
                            o->max_decoded_bytes);
        if (rc != O2P_OK)
            return o2p_error_prefix(err, "%s: not a protobuf Export%sServiceRequest (use --format json for "
                                    "OTLP/JSON, or check --signal)", path,
                                    o->signal == O2P_SIGNAL_LOGS     ? "Logs"
                                    : o->signal == O2P_SIGNAL_TRACES ? "Trace"
                                                                     : "Metrics");
    }
    switch (o->signal) {
    case O2P_SIGNAL_LOGS:
        rc = otlp_rows_add_logs(rows, (void *)msg, err);
        break;
    case O2P_SIGNAL_TRACES:
        rc = otlp_rows_add_traces(rows, (void *)msg, err);
        break;
    default:
        rc = otlp_rows_add_metrics(rows, (void *)msg, err);
        break;
    }
    if (rc != O2P_OK)
        return o2p_error_prefix(err, "%s", path);
    return O2P_OK;
}

int convert_run(const struct convert_opts *o, struct convert_result *res, struct o2p_error *err)
{
    struct conv c = { .o = o, .res = res };
    struct otlp_rows rows;
    struct arena dec;
    struct buf in;
    int rc = O2P_OK;

    memset(res, 0, sizeof(*res));
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        c.t[t].fd = -1;
    if (!o->out_dir || !*o->out_dir)
        return o2p_fail(err, O2P_EINVAL, "no output directory given");
    rc = fs_mkdir_p(o->out_dir, err);
    if (rc != O2P_OK)
        return rc;
    buf_init(&in, o->max_input_bytes ? o->max_input_bytes : 256 * MIB);
    arena_init(&dec, MIB, o->max_decoded_bytes ? o->max_decoded_bytes : 1024 * MIB);
    otlp_rows_init(&rows, sink, &c, 0);

    for (int i = 0; rc == O2P_OK && i < o->n_inputs; i++) {
        rc = read_file(o->inputs[i], &in, err);
        if (rc == O2P_OK)
            rc = convert_one(&c, &rows, &dec, o->inputs[i], &in, err);
        arena_reset(&dec);
        res->inputs += rc == O2P_OK;
        res->input_bytes += (int64_t)in.len;
    }
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        struct table_out *to = &c.t[t];
        if (rc == O2P_OK && to->w) {
            struct pq_file_stats st;
            rc = pq_writer_finish(to->w, &st, err);
            if (rc == O2P_OK) {
                res->tables[t].rows = st.num_rows;
                res->tables[t].bytes = st.file_bytes;
                res->tables[t].row_groups = st.num_row_groups;
            } else {
                o2p_error_prefix(err, "%s", res->tables[t].path);
            }
        }
        if (to->w)
            pq_writer_free(to->w);
        if (to->fd >= 0 && close(to->fd) != 0 && rc == O2P_OK)
            rc = o2p_fail_errno(err, "close %s", res->tables[t].path);
        free(to->schema_json);
    }
    if (rc != O2P_OK) {
        for (int t = 0; t < OTEL_TABLE_COUNT; t++)
            if (c.t[t].fd >= 0 && res->tables[t].path[0])
                unlink(res->tables[t].path);
    }
    res->stats = rows.stats;
    otlp_rows_free(&rows);
    arena_free(&dec);
    buf_free(&in);
    return rc;
}
