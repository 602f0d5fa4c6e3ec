/*
 * cli_convert.c - placeholder until the data-format work lands.
 */
#include "cli.h"

#include <stdio.h>

int cli_convert(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "otlp2parquet %s: not built yet\n", argv[0]);
    return 1;
}
