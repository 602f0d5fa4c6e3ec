/*
 * cli_parquet_dump.c - `otlp2parquet parquet-dump [--rows N] [--no-rows] [--json] FILE`.
 *
 * Prints the footer (schema with field ids, row groups, column chunks with encodings, codec,
 * sizes and statistics) and then the rows as one JSON object per line. --json prints only
 * the rows (machine-readable), --no-rows only the metadata, --rows N at most N rows.
 * The file is read whole into memory (it is an inspector, not a query engine).
 */
#include "cli/cli.h"

#include "parquet/parquet_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr, "usage: otlp2parquet parquet-dump [--rows N] [--no-rows] [--json] FILE\n");
    return 2;
}

int cli_parquet_dump(int argc, char **argv)
{
    long long rows = -1;
    int meta = 1, show_rows = 1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            char *end;
            rows = strtoll(argv[++i], &end, 10);
            if (*end || rows < 0)
                return usage();
        } else if (strcmp(argv[i], "--no-rows") == 0) {
            show_rows = 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            meta = 0;
        } else if (argv[i][0] == '-' || path) {
            return usage();
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return usage();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "otlp2parquet parquet-dump: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    size_t len = (size_t)st.st_size, got = 0;
    uint8_t *data = malloc(len ? len : 1);
    while (data && got < len) {
        ssize_t r = read(fd, data + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!data || got != len) {
        fprintf(stderr, "otlp2parquet parquet-dump: %s: read failed\n", path);
        free(data);
        return 1;
    }
    struct o2p_error err = {0};
    int rc = pqr_dump(data, len, meta, show_rows ? rows : 0, stdout, &err);
    free(data);
    if (rc != 0) {
        fflush(stdout);
        fprintf(stderr, "otlp2parquet parquet-dump: %s: %s\n", path, err.msg);
        return 1;
    }
    return 0;
}
