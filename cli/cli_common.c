/*
 * cli_common.c - shared option handling of the subcommands.
 */
#include "cli/cli_common.h"

#include <stdio.h>

int cli_load_config(int argc, char **argv, struct cfg_cli *cli, struct o2p_config *cfg)
{
    struct o2p_error err = {0};
    if (cfg_cli_parse(cli, argc, argv, &err) != O2P_OK) {
        fprintf(stderr, "otlp2parquet %s: %s\n", argv[0], err.msg);
        return 2;
    }
    if (cfg_load(cfg, cli, "./data", &err) != O2P_OK) {
        fprintf(stderr, "otlp2parquet %s: %s\n", argv[0], err.msg);
        cfg_free(cfg);
        cfg_cli_free(cli);
        return 1;
    }
    return 0;
}
