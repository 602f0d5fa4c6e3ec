/*
 * cli_convert.c - `otlp2parquet convert`: captured OTLP requests -> Parquet files per table.
 *
 *   otlp2parquet convert --signal logs|traces|metrics [--format protobuf|json]
 *                        [--zstd-level N] [--row-group-bytes SIZE] --out DIR FILE...
 *   otlp2parquet convert --print-iceberg-schema TABLE
 *   plus the common options (-c FILE, --set section.key=value): table.column_names picks the
 *   column names of the files and of the printed schema.
 *
 * Argument parsing and the summary only; the work is cli/convert.c's convert_run().
 * Exit status: 0 success, 1 conversion failed (message on stderr), 2 bad usage.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include "common/cfg.h"

#include "common/signal_kind.h"
#include "otel/table_schema.h"
#include "cli/convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otlp2parquet convert --signal logs|traces|metrics [--format protobuf|json]\n"
            "                            [--zstd-level N] [--row-group-bytes N] --out DIR FILE...\n"
            "       otlp2parquet convert --print-iceberg-schema TABLE\n"
            "Common options (-c FILE, --set table.column_names=clickhouse, ...) apply: column names\n"
            "follow table.column_names (snake_case by default).\n"
            "Each FILE is one OTLP Export*ServiceRequest body. Writes DIR/<table>/part-00000.parquet\n"
            "for every table that gets rows (tables: logs, traces, metrics_gauge, metrics_sum,\n"
            "metrics_histogram, metrics_exponential_histogram, metrics_summary).\n");
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "otlp2parquet convert: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}

static int print_schema(const char *name, enum table_naming naming)
{
    int t = table_schema_parse(name);
    if (t < 0)
        return bad("unknown table '%s'", name);
    size_t n = table_schema_iceberg_json(t, naming, 0, NULL, 0);
    char *s = malloc(n + 1);
    if (!s) {
        fprintf(stderr, "otlp2parquet convert: out of memory\n");
        return 1;
    }
    table_schema_iceberg_json(t, naming, 0, s, n + 1);
    printf("%s\n", s);
    free(s);
    return 0;
}

/* convert_args - the convert-specific words (argv[0] then the words the common options left) */
static int convert_args(int argc, char **argv, struct convert_opts *o);

int cli_convert(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    char **av = calloc((size_t)cli.nrest + 2, sizeof *av);
    if (!av) {
        fprintf(stderr, "otlp2parquet convert: out of memory\n");
        rc = 1;
    } else {
        av[0] = argv[0];
        for (int i = 0; i < cli.nrest; i++)
            av[i + 1] = cli.rest[i];
        struct convert_opts o = { .signal = -1, .naming = table_schema_naming(&cfg) };
        rc = convert_args(cli.nrest + 1, av, &o);
        free(av);
    }
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}

static int convert_args(int argc, char **argv, struct convert_opts *opts)
{
    struct convert_opts o = *opts;
    int i;
    /* Every option takes a value: step over both words at once. */
    for (i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] != '-' || a[1] == '\0') {
            break;
        } else if (!v) {
            return bad("option %s needs a value", a);
        } else if (!strcmp(a, "--print-iceberg-schema")) {
            return print_schema(v, o.naming);
        } else if (!strcmp(a, "--signal")) {
            int s = signal_kind_parse(v);
            if (s < 0)
                return bad("unknown signal '%s' (logs, traces or metrics)", v);
            o.signal = s;
        } else if (!strcmp(a, "--format")) {
            if (!strcmp(v, "protobuf") || !strcmp(v, "proto"))
                o.json = 0;
            else if (!strcmp(v, "json"))
                o.json = 1;
            else
                return bad("unknown format '%s' (protobuf or json)", v);
        } else if (!strcmp(a, "--zstd-level")) {
            char *end;
            long l = strtol(v, &end, 10);
            if (*end || end == v || l < 1 || l > 22)
                return bad("--zstd-level '%s': expected 1..22", v);
            o.zstd_level = (int)l;
        } else if (!strcmp(a, "--row-group-bytes")) {
            uint64_t bytes;
            if (cfg_parse_size(v, &bytes) != 0 || bytes == 0)
                return bad("--row-group-bytes '%s': expected a size such as 64MiB", v);
            o.row_group_bytes = (size_t)bytes;
        } else if (!strcmp(a, "--out")) {
            o.out_dir = v;
        } else {
            return bad("unknown option '%s'", a);
        }
    }
    if ((int)o.signal < 0)
        return bad("%s", "--signal is required");
    if (!o.out_dir)
        return bad("%s", "--out DIR is required");
    if (i >= argc)
        return bad("%s", "no input files");
    o.inputs = (const char *const *)(argv + i);
    o.n_inputs = argc - i;

    struct convert_result *res = calloc(1, sizeof(*res));
    if (!res) {
        fprintf(stderr, "otlp2parquet convert: out of memory\n");
        return 1;
    }
    struct o2p_error err = { 0 };
    int rc = convert_run(&o, res, &err);
    if (rc != O2P_OK) {
        fprintf(stderr, "otlp2parquet convert: %s\n", err.msg[0] ? err.msg : o2p_strerror(rc));
        free(res);
        return 1;
    }
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        const struct convert_table_result *tr = &res->tables[t];
        if (tr->path[0])
            printf("table=%s rows=%lld bytes=%lld row_groups=%d file=%s\n", table_schema_name(t),
                   (long long)tr->rows, (long long)tr->bytes, tr->row_groups, tr->path);
    }
    const struct otlp_rows_stats *s = &res->stats;
    printf("inputs=%lld input_bytes=%lld", (long long)res->inputs, (long long)res->input_bytes);
    for (int d = 0; d < OTLP_DROP_COUNT; d++)
        printf(" dropped_%s=%lld", otlp_rows_drop_name(d), (long long)s->dropped[d]);
    printf(" duplicate_keys=%lld missing_values=%lld utf8_repaired=%lld invalid_buckets=%lld clamped_counts=%lld\n",
           (long long)s->duplicate_keys, (long long)s->missing_values, (long long)s->utf8_repaired,
           (long long)s->invalid_buckets, (long long)s->clamped_counts);
    free(res);
    return 0;
}
