/*
 * test_config.c - configuration parsing and precedence (flag > env > file > default).
 */
#include "testing.h"

#include "common/cfg.h"

#include <stdlib.h>
#include <unistd.h>

static char *write_ini(const char *text)
{
    static char path[] = "/tmp/o2p-test-config-XXXXXX";
    strcpy(path, "/tmp/o2p-test-config-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    ssize_t w = write(fd, text, strlen(text));
    close(fd);
    return w == (ssize_t)strlen(text) ? path : NULL;
}

TEST(sizes_and_durations)
{
    uint64_t v;
    CHECK(cfg_parse_size("65536", &v) == 0 && v == 65536);
    CHECK(cfg_parse_size("512KiB", &v) == 0 && v == 512 * 1024);
    CHECK(cfg_parse_size("128MiB", &v) == 0 && v == 128ull << 20);
    CHECK(cfg_parse_size("1GB", &v) == 0 && v == 1000000000ull);
    CHECK(cfg_parse_size("4 GiB", &v) == 0 && v == 4ull << 30);
    CHECK(cfg_parse_size("12parsecs", &v) != 0);
    CHECK(cfg_parse_size("-1", &v) != 0);
    CHECK(cfg_parse_size("", &v) != 0);
    CHECK(cfg_parse_duration_ms("500ms", &v) == 0 && v == 500);
    CHECK(cfg_parse_duration_ms("10s", &v) == 0 && v == 10000);
    CHECK(cfg_parse_duration_ms("5m", &v) == 0 && v == 300000);
    CHECK(cfg_parse_duration_ms("1h", &v) == 0 && v == 3600000);
    CHECK(cfg_parse_duration_ms("2", &v) == 0 && v == 2000);
    CHECK(cfg_parse_duration_ms("1.5s", &v) == 0 && v == 1500);
    CHECK(cfg_parse_duration_ms("soon", &v) != 0);
}

TEST(defaults)
{
    struct o2p_config c;
    struct cfg_cli cli = {0};
    struct o2p_error err = {0};
    unsetenv("OTLP2PARQUET_RECEIVER_HTTP");
    CHECK_EQ_INT(cfg_load(&c, &cli, "/tmp/o2p-dd", &err), O2P_OK);
    CHECK_EQ_STR(c.receiver.http, "127.0.0.1:4318");
    CHECK_EQ_STR(c.receiver.grpc, "127.0.0.1:4317");
    CHECK_EQ_STR(c.spool.path, "/tmp/o2p-dd/spool");
    CHECK_EQ_STR(c.catalog.type, "filesystem");
    CHECK_EQ_STR(c.catalog.namespace_, "otel");
    CHECK(c.writer.zstd_level == 1);
    CHECK(strncmp(c.catalog.warehouse, "file://", 7) == 0);
    cfg_free(&c);
}

TEST(precedence_flag_env_file_default)
{
    char *ini = write_ini("[receiver]\nhttp = 10.0.0.1:1\ngrpc = 10.0.0.1:2\nmax_request_bytes = 1MiB\n"
                          "[writer]\nzstd_level = 9\n");
    CHECK(ini != NULL);
    setenv("OTLP2PARQUET_RECEIVER_GRPC", "10.0.0.2:2", 1);
    setenv("OTLP2PARQUET_WRITER_ZSTD_LEVEL", "5", 1);
    char *argv[] = {"prog", "-c", ini, "--set", "writer.zstd_level=7", "--grpc", "10.0.0.3:3", "extra", NULL};
    struct cfg_cli cli;
    struct o2p_config c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(cfg_cli_parse(&cli, 8, argv, &err), O2P_OK);
    CHECK_EQ_INT(cli.nrest, 1);
    CHECK_EQ_STR(cli.rest[0], "extra");
    int rc = cfg_load(&c, &cli, "./data", &err);
    unsetenv("OTLP2PARQUET_RECEIVER_GRPC");
    unsetenv("OTLP2PARQUET_WRITER_ZSTD_LEVEL");
    unlink(ini);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK_EQ_STR(c.receiver.http, "10.0.0.1:1");  /* file over default */
    CHECK_EQ_STR(c.receiver.grpc, "10.0.0.3:3");  /* flag over env over file */
    CHECK(c.writer.zstd_level == 7);              /* --set over env over file */
    CHECK(c.receiver.max_request_bytes == 1 << 20);
    cfg_free(&c);
    cfg_cli_free(&cli);
}

TEST(env_over_file)
{
    char *ini = write_ini("[spool]\nhigh_watermark = 50%\n[catalog]\nnamespace = fromfile\n");
    setenv("OTLP2PARQUET_CATALOG_NAMESPACE", "fromenv", 1);
    char *argv[] = {"prog", "--config", ini, NULL};
    struct cfg_cli cli;
    struct o2p_config c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(cfg_cli_parse(&cli, 3, argv, &err), O2P_OK);
    int rc = cfg_load(&c, &cli, "./data", &err);
    unsetenv("OTLP2PARQUET_CATALOG_NAMESPACE");
    unlink(ini);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK_EQ_STR(c.catalog.namespace_, "fromenv");
    CHECK(c.spool.high_watermark > 0.49 && c.spool.high_watermark < 0.51);
    cfg_free(&c);
    cfg_cli_free(&cli);
}

static int load_expect_error(const char *ini_text, const char *set, const char *envname,
                             const char *envval, const char *want_substring)
{
    char *ini = ini_text ? write_ini(ini_text) : NULL;
    if (envname)
        setenv(envname, envval, 1);
    char *argv[6] = {"prog"};
    int argc = 1;
    if (ini) {
        argv[argc++] = "-c";
        argv[argc++] = ini;
    }
    if (set) {
        argv[argc++] = "--set";
        argv[argc++] = (char *)set;
    }
    struct cfg_cli cli;
    struct o2p_config c;
    struct o2p_error err = {0};
    int rc = cfg_cli_parse(&cli, argc, argv, &err);
    if (rc == O2P_OK)
        rc = cfg_load(&c, &cli, "./data", &err);
    if (envname)
        unsetenv(envname);
    if (ini)
        unlink(ini);
    cfg_free(&c);
    cfg_cli_free(&cli);
    if (rc != O2P_EINVAL)
        return 0;
    if (!strstr(err.msg, want_substring)) {
        printf("  message was: %s\n", err.msg);
        return 0;
    }
    return 1;
}

TEST(unknown_keys_are_errors)
{
    CHECK(load_expect_error("[receiver]\nhttpp = x\n", NULL, NULL, NULL, "unknown configuration key \"receiver.httpp\""));
    CHECK(load_expect_error("[nosuch]\nkey = 1\n", NULL, NULL, NULL, "unknown configuration key"));
    CHECK(load_expect_error(NULL, "writer.nope=1", NULL, NULL, "unknown configuration key \"writer.nope\""));
    CHECK(load_expect_error(NULL, NULL, "OTLP2PARQUET_SPOOL_SIZE", "1", "unknown variable OTLP2PARQUET_SPOOL_SIZE"));
}

TEST(bad_values_are_errors)
{
    CHECK(load_expect_error(NULL, "receiver.max_request_bytes=lots", NULL, NULL, "not a size"));
    CHECK(load_expect_error(NULL, "writer.max_file_age=whenever", NULL, NULL, "not a duration"));
    CHECK(load_expect_error(NULL, "catalog.type=mysql", NULL, NULL, "must be one of filesystem|rest|none"));
    CHECK(load_expect_error(NULL, "writer.zstd_level=40", NULL, NULL, "out of range"));
    CHECK(load_expect_error(NULL, "s3.path_style=maybe", NULL, NULL, "true or false"));
    CHECK(load_expect_error("[receiver\nhttp=1\n", NULL, NULL, NULL, "outside any [section]"));
    CHECK(load_expect_error("[receiver]\nhttp\n", NULL, NULL, NULL, "syntax error on line 2"));
    CHECK(load_expect_error(NULL, "catalog.type=rest", NULL, NULL, "needs catalog.uri"));
    CHECK(load_expect_error(NULL, "receiver.tls_cert=/x.pem", NULL, NULL, "must be set together"));
}

TEST(every_key_has_a_valid_default_and_docs)
{
    for (int i = 0; i < cfg_key_count; i++) {
        CHECK(cfg_keys[i].doc && strlen(cfg_keys[i].doc) > 10);
        CHECK(cfg_keys[i].def != NULL);
    }
    /* And printing then re-reading the effective config gives the same values. */
    struct o2p_config c, d;
    struct cfg_cli cli = {0};
    struct o2p_error err = {0};
    CHECK_EQ_INT(cfg_load(&c, &cli, "./data", &err), O2P_OK);
    char path[] = "/tmp/o2p-test-roundtrip-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    cfg_print(&c, f, true);
    fclose(f);
    struct cfg_cli cli2 = {.config_file = path};
    int rc = cfg_load(&d, &cli2, "./data", &err);
    unlink(path);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK(d.spool.max_bytes == c.spool.max_bytes && d.writer.max_file_age_ms == c.writer.max_file_age_ms &&
          d.spool.group_commit_window_ms == c.spool.group_commit_window_ms);
    cfg_free(&c);
    cfg_free(&d);
}

static int load_sets(struct o2p_config *c, char **sets, int n, struct o2p_error *err)
{
    char *argv[16] = {"prog"};
    int argc = 1;
    for (int i = 0; i < n; i++) {
        argv[argc++] = "--set";
        argv[argc++] = sets[i];
    }
    struct cfg_cli cli;
    int rc = cfg_cli_parse(&cli, argc, argv, err);
    if (rc == O2P_OK)
        rc = cfg_load(c, &cli, "./data", err);
    cfg_cli_free(&cli);
    return rc;
}

TEST(presets_fill_what_is_not_set)
{
    struct o2p_config c;
    struct o2p_error err = {0};
    char *arn[] = {"catalog.s3_tables_arn=arn:aws:s3tables:eu-west-1:123456789012:bucket/otel"};
    CHECK_EQ_INT(load_sets(&c, arn, 1, &err), O2P_OK);
    CHECK_EQ_STR(c.catalog.type, "rest");
    CHECK_EQ_STR(c.catalog.uri, "https://s3tables.eu-west-1.amazonaws.com/iceberg");
    CHECK_EQ_STR(c.catalog.warehouse, "arn:aws:s3tables:eu-west-1:123456789012:bucket/otel");
    CHECK_EQ_STR(c.catalog.auth, "sigv4");
    CHECK_EQ_STR(c.catalog.sigv4_service, "s3tables");
    CHECK_EQ_STR(c.catalog.region, "eu-west-1");
    cfg_free(&c);
    char *glue[] = {"catalog.glue_s3tables=123456789012:s3tablescatalog/otel", "s3.region=us-west-2",
                    "catalog.uri=https://example.test/iceberg"};
    CHECK_EQ_INT(load_sets(&c, glue, 3, &err), O2P_OK);
    CHECK_EQ_STR(c.catalog.uri, "https://example.test/iceberg"); /* explicit wins over the preset */
    CHECK_EQ_STR(c.catalog.sigv4_service, "glue");
    CHECK_EQ_STR(c.catalog.region, "us-west-2");
    cfg_free(&c);
    /* Only the catalog's region given: the data goes to the same region (not us-east-1). */
    char *glue_region[] = {"catalog.glue_s3tables=123456789012:s3tablescatalog/otel", "catalog.region=eu-central-1"};
    CHECK_EQ_INT(load_sets(&c, glue_region, 2, &err), O2P_OK);
    CHECK_EQ_STR(c.catalog.uri, "https://glue.eu-central-1.amazonaws.com/iceberg");
    CHECK_EQ_STR(c.s3.region, "eu-central-1");
    cfg_free(&c);
    char *r2[] = {"catalog.r2_account_id=acc", "catalog.r2_bucket=bkt", "catalog.token_file=/dev/null"};
    CHECK_EQ_INT(load_sets(&c, r2, 3, &err), O2P_OK);
    CHECK_EQ_STR(c.catalog.uri, "https://catalog.cloudflarestorage.com/acc/bkt");
    CHECK_EQ_STR(c.catalog.warehouse, "acc_bkt");
    CHECK_EQ_STR(c.catalog.auth, "bearer");
    CHECK_EQ_STR(c.s3.endpoint, "https://acc.r2.cloudflarestorage.com");
    CHECK_EQ_STR(c.s3.region, "auto");
    CHECK(c.s3.path_style);
    cfg_free(&c);
    char *bad[] = {"catalog.s3_tables_arn=arn:aws:s3:::bucket"};
    CHECK_EQ_INT(load_sets(&c, bad, 1, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "expected arn:aws:s3tables:") != NULL);
    cfg_free(&c);
}

/* Listen addresses: the validator the daemons and check-config share (cfg_addr_split). */
TEST(listen_addresses)
{
    char host[256];
    uint16_t port = 0;
    struct o2p_error err = {0};
    CHECK_EQ_INT(cfg_addr_split("receiver.http", "127.0.0.1:4318", host, sizeof host, &port, &err), O2P_OK);
    CHECK(!strcmp(host, "127.0.0.1") && port == 4318);
    CHECK_EQ_INT(cfg_addr_split("receiver.http", "[::1]:9", host, sizeof host, &port, &err), O2P_OK);
    CHECK(!strcmp(host, "::1") && port == 9);
    CHECK_EQ_INT(cfg_addr_split("receiver.http", ":4318", host, sizeof host, &port, &err), O2P_OK);
    CHECK(!strcmp(host, "") && port == 4318);
    CHECK_EQ_INT(cfg_addr_split("receiver.http", "127.0.0.1:0", host, sizeof host, &port, &err), O2P_OK);
    CHECK_EQ_INT(cfg_addr_split("receiver.http", "otel-gw.example.com.:65535", host, sizeof host, &port, &err),
                 O2P_OK);
    static const char *const bad[][2] = {
        {"999.1.1.1:99999", "port must be a number from 0 to 65535"},
        {"999.1.1.1:4318", "\"999.1.1.1\" is not an IPv4 address"},
        {"127.0.0.1:065536", "port must be a number from 0 to 65535"},
        {"127.0.0.1:+80", "port must be a number from 0 to 65535"},
        {"127.0.0.1: 80", "port must be a number from 0 to 65535"},
        {"127.0.0.1", "expected host:port"},
        {"::1:4318", "IPv6 address goes in brackets"},
        {"[fe80::zz]:1", "is not an IPv6 address"},
        {"under_score:1", "neither an IP address nor a host name"},
        {"-lead.example:1", "neither an IP address nor a host name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        if (cfg_addr_split("receiver.http", bad[i][0], host, sizeof host, &port, &err) != O2P_EINVAL ||
            !strstr(err.msg, bad[i][1]))
            FAILF("%s: want EINVAL with \"%s\", got \"%s\"", bad[i][0], bad[i][1], err.msg);
    }
    /* The configuration refuses the same, with the same words, from every source; empty is "off". */
    CHECK(load_expect_error(NULL, "receiver.http=999.1.1.1:99999", NULL, NULL,
                            "command line: receiver.http = \"999.1.1.1:99999\": the port must be a number from 0 to 65535"));
    CHECK(load_expect_error("[receiver]\ngrpc = 10.0.0.1\n", NULL, NULL, NULL, "receiver.grpc = \"10.0.0.1\": expected host:port"));
    CHECK(load_expect_error(NULL, NULL, "OTLP2PARQUET_RECEIVER_HTTP", "a..b:1", "neither an IP address nor a host name"));
    struct o2p_config c;
    char *sets[] = {"receiver.http=", "receiver.grpc=[::]:4317"};
    CHECK_EQ_INT(load_sets(&c, sets, 2, &err), O2P_OK);
    CHECK_EQ_STR(c.receiver.http, "");
    cfg_free(&c);
}

/* catalog.header.<Name>: any number, in the file or --set, printed back, and refused when the
 * name is not a token, the value holds a control character or a name comes twice. */
TEST(catalog_headers)
{
    struct o2p_config c;
    struct o2p_error err = {0};
    char *sets[] = {"catalog.header.Polaris-Realm=prod", "catalog.header.X-Api-Key=k 1"};
    CHECK_EQ_INT(load_sets(&c, sets, 2, &err), O2P_OK);
    CHECK_EQ_STR(c.catalog.headers, "Polaris-Realm: prod\nX-Api-Key: k 1\n");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cfg_print(&c, f, false);
    fclose(f);
    CHECK(strstr(text, "header.Polaris-Realm = prod\n") != NULL);
    free(text);
    cfg_free(&c);
    CHECK(load_expect_error("[catalog]\nheader.Bad Name = x\n", NULL, NULL, NULL, "not allowed in a header name"));
    CHECK(load_expect_error(NULL, "catalog.header.X=a\rb", NULL, NULL, "control character"));
    char *twice[] = {"catalog.header.X-A=1", "catalog.header.x-a=2"};
    CHECK_EQ_INT(load_sets(&c, twice, 2, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "set twice") != NULL);
    cfg_free(&c);
}

int main(void)
{
    RUN(sizes_and_durations);
    RUN(defaults);
    RUN(precedence_flag_env_file_default);
    RUN(env_over_file);
    RUN(unknown_keys_are_errors);
    RUN(bad_values_are_errors);
    RUN(listen_addresses);
    RUN(every_key_has_a_valid_default_and_docs);
    RUN(presets_fill_what_is_not_set);
    RUN(catalog_headers);
    return testing_done();
}
