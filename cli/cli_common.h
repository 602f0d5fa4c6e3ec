/*
 * cli_common.h - what the subcommands share: loading configuration from their arguments.
 */
#ifndef O2P_CLI_COMMON_H
#define O2P_CLI_COMMON_H

#include "common/cfg.h"

/* cli_load_config - parse the common options of argv (argv[0] is the subcommand) and load the
 * configuration with default data directory ./data. On failure prints the error and returns
 * 2 (usage) or 1; on success 0, and the caller frees with cfg_free + cfg_cli_free. */
int cli_load_config(int argc, char **argv, struct cfg_cli *cli, struct o2p_config *cfg);

#endif
