/*
 * cfg.h - configuration: one table (cfg_keys.c) drives the INI file, OTLP2PARQUET_* environment
 * variables, `--set section.key=value`, the --http/--grpc shorthands, validation,
 * `otlp2parquet config --defaults` and docs/configuration.md.
 *
 * Precedence: flag > environment > file > default. Sizes take units (512KiB, 128MiB, 1GB),
 * durations too (500ms, 10s, 5m, 1h). An unknown key anywhere is an error.
 *
 * Strings in struct o2p_config are owned by it (cfg_free releases them). Values derived from
 * the data directory (spool.path, catalog.warehouse) are filled in by cfg_load.
 */
#ifndef O2P_CFG_H
#define O2P_CFG_H

#include "common/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* CFG_SIZE and CFG_DURATION fields are uint64_t (bytes, ms), CFG_INT int64_t, CFG_RATIO double,
 * CFG_BOOL bool, CFG_STRING, CFG_ENUM and CFG_ADDR char *. */
struct o2p_config {
    char *data_dir;
    struct {
        char *http, *grpc;
        uint64_t max_request_bytes, max_decompressed_bytes;
        char *auth_token_file, *tls_cert, *tls_key, *tls_client_ca;
        bool metrics_public;
        int64_t max_connections;
        uint64_t idle_timeout_ms;
        uint64_t request_timeout_ms;
        uint64_t max_header_bytes;
        uint64_t retry_after_ms;
        int64_t decode_threads;
    } receiver;
    struct {
        char *path;
        uint64_t max_bytes;
        double high_watermark;
        uint64_t group_commit_window_ms;
        uint64_t group_commit_bytes;
        uint64_t min_free_bytes;
    } spool;
    struct {
        uint64_t max_file_bytes, max_file_age_ms, row_group_bytes;
        int64_t max_file_rows;
        int64_t zstd_level;
        uint64_t claim_lease_ms;
        uint64_t poll_interval_ms;
        uint64_t retry_min_wait_ms, retry_max_wait_ms;
    } writer;
    struct {
        uint64_t interval_ms;
        int64_t max_files_per_commit;
        uint64_t max_bytes_per_commit;
        uint64_t retry_min_wait_ms, retry_max_wait_ms, retry_max_elapsed_ms;
    } committer;
    struct {
        char *type, *warehouse, *namespace_, *uri, *auth, *token_file, *credential_file,
            *oauth2_server_uri, *oauth2_scope, *oauth2_audience, *oauth2_resource, *oauth2_client_auth,
            *access_delegation, *sigv4_service, *region, *partition;
        char *headers; /* catalog.header.<Name> = value, as "Name: value\n" lines (NULL = none) */
        char *s3_tables_arn, *glue_s3tables, *r2_account_id, *r2_bucket, *table_prefix, *table_names;
    } catalog;
    struct {
        char *column_names; /* "snake_case" | "clickhouse": otel/table_schema.h table_schema_naming */
    } table;
    struct {
        char *endpoint, *region;
        bool path_style;
    } s3;
    struct {
        char *level;
    } log;
    unsigned char explicit_keys[128];  /* cfg_keys[i] was set by a file, env or flag (not default) */
};

/* CFG_ADDR: a listen address as cfg_addr_split accepts it, or "" (off). */
enum cfg_type { CFG_STRING, CFG_SIZE, CFG_DURATION, CFG_INT, CFG_BOOL, CFG_RATIO, CFG_ENUM, CFG_ADDR };

struct cfg_key {
    const char *section;
    const char *key;
    enum cfg_type type;
    const char *def;      /* default as text ("" = empty / derived) */
    double min, max;      /* numeric range (bytes, ms, count, ratio) */
    const char *choices;  /* CFG_ENUM: "a|b|c" */
    size_t offset;        /* into struct o2p_config */
    const char *doc;      /* one sentence for --defaults and the docs */
};

extern const struct cfg_key cfg_keys[];
extern const int cfg_key_count;

/* Command-line words shared by every binary. `rest` keeps the words cfg_cli_parse did not
 * consume, in order (subcommands, positional args, program-specific flags). Pointers point
 * into argv. */
#define CFG_CLI_MAX_SETS 128
struct cfg_cli {
    const char *config_file;
    const char *data_dir;
    const char *sets[CFG_CLI_MAX_SETS]; /* "section.key=value" */
    int nsets;
    char **rest;
    int nrest;
};

/* cfg_cli_parse - take --data-dir, -c/--config, --set, --http, --grpc out of argv.
 * cli->rest is allocated (free with cfg_cli_free). O2P_EINVAL with a message on bad usage. */
int cfg_cli_parse(struct cfg_cli *cli, int argc, char **argv, struct o2p_error *err);
void cfg_cli_free(struct cfg_cli *cli);
/* cfg_daemon_cli - a daemon's command line: what cfg_cli_parse takes, or -h/--help. Returns
 * -1 to go on (cli filled), else the code main returns: 0 after printing usage for --help, 2
 * after saying what is wrong and printing usage to stderr (cli freed). */
int cfg_daemon_cli(struct cfg_cli *cli, int argc, char **argv, const char *prog, const char *usage);

/* cfg_load - defaults, then the file, then the environment, then cli->sets; derive paths from
 * the data directory (cli, env OTLP2PARQUET_DATA_DIR, else default_data_dir) and validate.
 * On error the config is still safe to cfg_free. */
int cfg_load(struct o2p_config *c, const struct cfg_cli *cli, const char *default_data_dir,
             struct o2p_error *err);

/* cfg_set - set one key from text ("section.key", "value"); `origin` names where it came from
 * in error messages. */
int cfg_set(struct o2p_config *c, const char *name, const char *value, const char *origin,
            struct o2p_error *err);

/*
 * cfg_addr_split - a listen address of config key `key` ("receiver.http") into host and port:
 * "host:port", "[v6]:port" or ":port" (host "" = every address). host is an IPv4 address in
 * dotted decimal, an IPv6 address in brackets, or a host name (letters, digits, '-' and '.',
 * labels of 1-63 characters); port is 0-65535 (0: the kernel picks a free one, for tests). On O2P_EINVAL err says what is wrong, as
 * `key = "addr": reason`. The configuration's validator and the listeners both call it, so
 * check-config refuses exactly what a daemon would. hostsz: at least 256.
 */
int cfg_addr_split(const char *key, const char *addr, char *host, size_t hostsz, uint16_t *port,
                   struct o2p_error *err);

/* cfg_parse_size / cfg_parse_duration_ms - unit-aware parsers, exposed for tests. */
int cfg_parse_size(const char *s, uint64_t *out);
int cfg_parse_duration_ms(const char *s, uint64_t *out);

/* cfg_print - INI text of the current values (with_docs: a comment per key). */
void cfg_print(const struct o2p_config *c, FILE *out, bool with_docs);
/* cfg_print_markdown - the reference table for docs/configuration.md. */
void cfg_print_markdown(FILE *out);
void cfg_free(struct o2p_config *c);

#endif
