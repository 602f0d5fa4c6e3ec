/*
 * otlp2parquet - the command a person types: runs the pipeline and inspects it.
 */
#include "cli/cli.h"

#include "common/log.h"
#include "common/sigbus.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"run", cli_run, "supervise receiver, writers and committer in the foreground"},
    {"status", cli_status, "spool, claims, files queue and tables at a glance (--json)"},
    {"spool", cli_spool, "inspect the spool: stat | dump SIGNAL | check"},
    {"config", cli_config, "print configuration: --defaults | --effective | --markdown"},
    {"check-config", cli_check_config, "validate configuration and exit"},
    {"replay", cli_replay, "move quarantined records back into the spool: replay quarantine [SIGNAL] [--seq N]"},
    {"convert", cli_convert, "convert captured OTLP requests into Parquet files"},
    {"parquet-dump", cli_parquet_dump, "print a Parquet file's schema, row groups, statistics and rows"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: otlp2parquet COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\ncommon options: --data-dir DIR, -c FILE, --set section.key=value\n");
}

int main(int argc, char **argv)
{
    log_set_component("otlp2parquet");
    sigbus_install("otlp2parquet"); /* status and spool check read the spool through LMDB's map */
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "otlp2parquet: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
