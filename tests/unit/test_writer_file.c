/*
 * test_writer_file.c - the writer's data files as its row mapping meets them: a temporary file
 * that cannot be created fails the request with "create temporary file PATH: <errno text>"
 * (the operation and the file, not the request's JSON path), while an error about the
 * request itself keeps its path; with a working temp directory the file is written.
 */
#include "testing.h"

#include "writer/writer.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    *n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

/* setup - a writer on a fresh data directory (defaults: filesystem catalog), claim 1-2 of traces. */
static int setup(struct writer *w, struct o2p_config *cfg)
{
    snprintf(root, sizeof root, "/tmp/o2p-test-wf-%d", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/tmp", root, root);
    if (system(cmd) != 0)
        return -1;
    struct cfg_cli cli = {0};
    struct o2p_error err = {0};
    memset(cfg, 0, sizeof *cfg);
    if (cfg_load(cfg, &cli, root, &err) != O2P_OK) {
        printf("  cfg_load: %s\n", err.msg);
        return -1;
    }
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    struct spool_options so = {.path = cfg->spool.path, .max_bytes = 64 << 20};
    if (spool_open(&w->spool, &so, &err) != O2P_OK) {
        printf("  spool_open: %s\n", err.msg);
        return -1;
    }
    w->claim.signal = O2P_SIGNAL_TRACES;
    w->claim.first = 1;
    w->claim.last = 2;
    return 0;
}

static void teardown(struct writer *w, struct o2p_config *cfg)
{
    for (int i = 0; i < w->nfiles; i++)
        writer_file_discard(&w->files[i]);
    w->nfiles = 0;
    otlp_rows_free(&w->rows);
    writer_table_stores_close(w);
    spool_close(w->spool);
    cfg_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0)
        printf("  could not remove %s\n", root);
}

static Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *traces(struct arena *a)
{
    size_t n;
    void *data = load("tests/unit/data/otlp/traces.pb", &n);
    if (!data)
        return NULL;
    return opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        arena_protobuf_allocator(a), n, data);
}

TEST(create_temporary_file_error_names_the_file)
{
    struct writer w;
    struct o2p_config cfg;
    CHECK(setup(&w, &cfg) == 0);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req = traces(&a);
    CHECK(req != NULL);
    /* The temp directory is gone (removed under a running writer, or never made). */
    snprintf(w.tmp_dir, sizeof w.tmp_dir, "%s/tmp/missing", root);
    otlp_rows_init(&w.rows, writer_sink, &w, 0);
    struct o2p_error err = {0};
    int rc = otlp_rows_add_traces(&w.rows, req, &err);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "create temporary file %s/traces-", w.tmp_dir);
    const char *tail = ": No such file or directory";
    size_t len = strlen(err.msg);
    bool ok = rc == O2P_EIO && strncmp(err.msg, want, strlen(want)) == 0 && len > strlen(tail) &&
              strcmp(err.msg + len - strlen(tail), tail) == 0 && !strstr(err.msg, "resourceSpans");
    arena_free(&a);
    teardown(&w, &cfg);
    if (!ok)
        FAILF("rc %d, message \"%s\"", rc, err.msg);
}

TEST(request_errors_keep_their_path_and_files_get_written)
{
    struct writer w;
    struct o2p_config cfg;
    CHECK(setup(&w, &cfg) == 0);
    struct arena a;
    arena_init(&a, 1 << 16, 0);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req = traces(&a);
    CHECK(req != NULL);
    snprintf(w.tmp_dir, sizeof w.tmp_dir, "%s/tmp", root);
    /* A scratch limit smaller than the request's values: the request is the problem. */
    otlp_rows_init(&w.rows, writer_sink, &w, 512);
    struct o2p_error err = {0};
    int rc = otlp_rows_add_traces(&w.rows, req, &err);
    bool path_kept = rc == O2P_ETOOBIG && strncmp(err.msg, "resourceSpans[0]", 16) == 0;
    otlp_rows_free(&w.rows);
    for (int i = 0; i < w.nfiles; i++)
        writer_file_discard(&w.files[i]);
    w.nfiles = 0;
    /* With room, the same request is written to a temp file under tmp/. */
    otlp_rows_init(&w.rows, writer_sink, &w, 0);
    int rc2 = otlp_rows_add_traces(&w.rows, req, &err);
    struct stat st;
    bool written = rc2 == O2P_OK && w.nfiles == 1 && stat(w.files[0].tmp_path, &st) == 0;
    arena_free(&a);
    teardown(&w, &cfg);
    if (!path_kept)
        FAILF("scratch limit: rc %d, message \"%s\"", rc, err.msg);
    if (!written)
        FAILF("write: rc %d, files %d, message \"%s\"", rc2, w.nfiles, err.msg);
}

int main(void)
{
    RUN(create_temporary_file_error_names_the_file);
    RUN(request_errors_keep_their_path_and_files_get_written);
    return testing_done();
}
