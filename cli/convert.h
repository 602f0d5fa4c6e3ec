/*
 * convert.h - captured OTLP export requests (files) -> one Parquet file per table touched.
 *
 * The engine behind `otlp2parquet convert`: each input file is one Export*ServiceRequest body
 * (protobuf, or OTLP/JSON). Inputs are streamed: one file is read and decoded into an arena
 * at a time, its rows go into the table writers (otel/otlp_rows.h), and the arena is reset,
 * so memory is bounded by the largest input plus one row group per table, however many
 * inputs there are. Output: <out_dir>/<table>/part-00000.parquet for every table that got at
 * least one row (an existing file of that name is replaced); nothing for the others.
 * Files are not fsynced: this is a batch tool, rerun it after a crash.
 */
#ifndef O2P_CONVERT_H
#define O2P_CONVERT_H

#include "common/err.h"
#include "common/signal_kind.h"
#include "otel/table_schema.h"
#include "otel/otlp_rows.h"

#include <stddef.h>
#include <stdint.h>

struct convert_opts {
    enum o2p_signal signal;
    int json;                  /* 1: inputs are OTLP/JSON; 0: protobuf */
    int zstd_level;            /* 0 = 3 */
    size_t row_group_bytes;    /* 0 = 64 MiB */
    size_t page_bytes;         /* 0 = the encoder's default */
    size_t max_input_bytes;    /* per input file; 0 = 256 MiB */
    size_t max_decoded_bytes;  /* arena ceiling per decoded input; 0 = 1 GiB */
    enum table_naming naming;  /* column names (table.column_names); 0 = snake_case */
    const char *out_dir;
    const char *const *inputs;
    int n_inputs;
};

struct convert_table_result {
    int64_t rows;
    int64_t bytes;             /* file size */
    int row_groups;
    char path[4096];           /* "" when the table got no rows */
};

struct convert_result {
    struct convert_table_result tables[OTEL_TABLE_COUNT];
    struct otlp_rows_stats stats;
    int64_t inputs;            /* files converted */
    int64_t input_bytes;
};

/*
 * convert_run - convert every input in order. On success returns O2P_OK with *res filled.
 * On the first failure (unreadable or undecodable input — the message names the file —,
 * disk error, limit passed) returns its O2P_E* code with err filled; the files of this run
 * are removed so no partial output is left behind. Not thread-safe; no global state.
 */
int convert_run(const struct convert_opts *opts, struct convert_result *res,
                struct o2p_error *err);

#endif
