/*
 * cli_parquet_dump.c - placeholder until the data-format work lands.
 */
#include "cli.h"

#include <stdio.h>

int cli_parquet_dump(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "otlp2parquet %s: not built yet\n", argv[0]);
    return 1;
}
