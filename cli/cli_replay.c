/*
 * cli_replay.c - `otlp2parquet replay quarantine [SIGNAL] [--seq N]`: after the operator fixed
 * what made records fail (a bug, a schema problem), move them from quarantine back into the
 * spool; the writers then process them like any other record. A record that fails again goes
 * back to quarantine with its new reason.
 *
 * Not built: `replay files` (re-queueing data files that are in the warehouse but in no
 * snapshot and no files entry). The claim protocol does not leave such files behind (a redo
 * overwrites the same names), so it has not been needed yet.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"

#include "spooler/spool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_replay(int argc, char **argv)
{
    struct cfg_cli cli;
    struct o2p_config cfg;
    int rc = cli_load_config(argc, argv, &cli, &cfg);
    if (rc)
        return rc;
    int sig = -1;
    uint64_t seq = 0;
    bool usage = cli.nrest < 1 || strcmp(cli.rest[0], "quarantine") != 0;
    for (int i = 1; i < cli.nrest && !usage; i++) {
        if (!strcmp(cli.rest[i], "--seq") && i + 1 < cli.nrest)
            seq = strtoull(cli.rest[++i], NULL, 10);
        else {
            sig = signal_kind_parse(cli.rest[i]);
            usage = sig < 0;
        }
    }
    if (usage) {
        fprintf(stderr, "usage: otlp2parquet replay quarantine [logs|traces|metrics] [--seq N] [common options]\n");
        rc = 2;
        goto out;
    }
    struct spool *s = NULL;
    struct spool_options so = {.path = cfg.spool.path, .max_bytes = cfg.spool.max_bytes};
    struct o2p_error err = {0};
    uint64_t moved = 0;
    if (spool_open(&s, &so, &err) != O2P_OK || spool_quarantine_requeue(s, sig, seq, &moved, &err) != O2P_OK) {
        fprintf(stderr, "otlp2parquet replay: %s\n", err.msg);
        rc = 1;
    } else {
        printf("moved %llu quarantined record(s) back into the spool\n", (unsigned long long)moved);
    }
    spool_close(s);
out:
    cfg_free(&cfg);
    cfg_cli_free(&cli);
    return rc;
}
