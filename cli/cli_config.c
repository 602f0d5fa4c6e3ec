/*
 * cli_config.c - `otlp2parquet config` and `check-config`: the configuration table printed
 * as an INI file (defaults or effective values) or as the Markdown reference in
 * docs/configuration.md.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include <stdio.h>
#include <string.h>

int cli_config(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    const char *mode = cli.nrest ? cli.rest[0] : "--effective";
    if (!strcmp(mode, "--markdown")) {
        cfg_print_markdown(stdout);
    } else if (!strcmp(mode, "--defaults")) {
        struct o2p_config defaults;
        struct cfg_cli none = {0};
        struct o2p_error err = {0};
        /* Defaults alone: no file, no flags (the environment still applies, as it would). */
        if (cfg_load(&defaults, &none, "./data", &err) != O2P_OK) {
            fprintf(stderr, "otlp2parquet config: %s\n", err.msg);
            rc = 1;
        } else {
            printf("# otlp2parquet configuration: every key with its default.\n"
                   "# Precedence: command line (--set section.key=value) > environment\n"
                   "# (OTLP2PARQUET_SECTION_KEY) > this file (-c FILE) > default.\n"
                   "# spool.path and catalog.warehouse default to DATA_DIR/spool and DATA_DIR/warehouse.\n\n");
            cfg_print(&defaults, stdout, true);
        }
        cfg_free(&defaults);
    } else if (!strcmp(mode, "--effective")) {
        cfg_print(&cfg, stdout, false);
    } else {
        fprintf(stderr, "usage: otlp2parquet config [--defaults | --effective | --markdown] [common options]\n");
        rc = 2;
    }
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}

int cli_check_config(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    printf("configuration ok (data dir %s, spool %s, catalog %s %s)\n", cfg.data_dir, cfg.spool.path,
           cfg.catalog.type, cfg.catalog.warehouse);
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return 0;
}
