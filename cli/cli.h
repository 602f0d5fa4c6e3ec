/*
 * cli.h - the subcommands of `otlp2parquet`, one file each (cli_<name>.c).
 *
 * Each takes the words after the program name (argv[0] is the subcommand itself) and returns
 * the process exit status: 0 success, 1 failure, 2 bad usage. Messages go to stderr.
 */
#ifndef O2P_CLI_H
#define O2P_CLI_H

int cli_run(int argc, char **argv);          /* supervise the whole pipeline */
int cli_status(int argc, char **argv);       /* spool, files queue, tables at a glance */
int cli_spool(int argc, char **argv);        /* spool dump|check|stat */
int cli_config(int argc, char **argv);       /* config --defaults|--markdown|--effective */
int cli_check_config(int argc, char **argv); /* validate configuration and exit */
int cli_convert(int argc, char **argv);      /* OTLP files -> Parquet files per table */
int cli_parquet_dump(int argc, char **argv); /* inspect a Parquet file */
int cli_replay(int argc, char **argv);       /* move quarantined records back into the spool */

#endif
