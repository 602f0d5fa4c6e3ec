/*
 * metrics_file.c - see metrics_file.h. The files are small (tens of lines), so collecting
 * reads them whole, sorts the lines by family name (stable) and prints a TYPE line before each
 * family, which is what the exposition format requires when several processes report the same
 * family with different labels.
 */
#include "common/metrics_file.h"

#include "common/fsutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STALE_SECONDS 60

static int dir_path(char *out, size_t n, const char *data_dir, const char *name)
{
    int w = name ? snprintf(out, n, "%s/metrics/%s.prom", data_dir, name) : snprintf(out, n, "%s/metrics", data_dir);
    return w > 0 && (size_t)w < n ? O2P_OK : O2P_ETOOBIG;
}

int metrics_file_publish(const char *data_dir, const char *name, const char *text, size_t len,
                         struct o2p_error *err)
{
    char path[PATH_MAX];
    if (dir_path(path, sizeof path, data_dir, name) != O2P_OK)
        return o2p_fail(err, O2P_ETOOBIG, "metrics file path too long");
    return fs_write_durable(path, text, len, FS_MKDIRS, err);
}

void metrics_file_remove(const char *data_dir, const char *name)
{
    char path[PATH_MAX];
    if (dir_path(path, sizeof path, data_dir, name) == O2P_OK)
        unlink(path);
}

static size_t family_len(const char *line)
{
    size_t n = 0;
    while (line[n] && line[n] != '{' && line[n] != ' ')
        n++;
    return n;
}

static int by_family(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = family_len(x), ny = family_len(y);
    int c = strncmp(x, y, nx < ny ? nx : ny);
    if (c)
        return c;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return x < y ? -1 : x > y; /* keep file order within a family */
}

int metrics_file_collect(const char *data_dir, struct buf *out)
{
    char dpath[PATH_MAX];
    if (dir_path(dpath, sizeof dpath, data_dir, NULL) != O2P_OK)
        return O2P_ETOOBIG;
    DIR *d = opendir(dpath);
    if (!d)
        return O2P_OK; /* nobody published yet */
    struct buf all;
    buf_init(&all, 4u << 20);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".prom") != 0 || e->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        struct stat st;
        int w = snprintf(path, sizeof path, "%s/%s", dpath, e->d_name);
        if (w <= 0 || (size_t)w >= sizeof path || stat(path, &st) != 0 || now - st.st_mtime > STALE_SECONDS)
            continue;
        size_t before = all.len;
        if (fs_read_file(path, &all, NULL) != O2P_OK)
            all.len = before;
        else if (all.len > before && all.data[all.len - 1] != '\n')
            buf_append_byte(&all, '\n');
    }
    closedir(d);
    int rc = O2P_OK;
    size_t nlines = 0;
    for (size_t i = 0; i < all.len; i++)
        nlines += all.data[i] == '\n';
    const char **lines = nlines ? malloc(nlines * sizeof *lines) : NULL;
    size_t k = 0;
    if (nlines && !lines)
        rc = O2P_ENOMEM;
    for (size_t i = 0, start = 0; rc == O2P_OK && i < all.len; i++) {
        if (all.data[i] != '\n')
            continue;
        all.data[i] = 0;
        if (i > start && all.data[start] != '#')
            lines[k++] = (const char *)all.data + start;
        start = i + 1;
    }
    if (rc == O2P_OK && k) {
        qsort(lines, k, sizeof *lines, by_family);
        for (size_t i = 0; i < k && rc == O2P_OK; i++) {
            size_t fl = family_len(lines[i]);
            if (i == 0 || family_len(lines[i - 1]) != fl || strncmp(lines[i - 1], lines[i], fl) != 0) {
                bool counter = fl > 6 && !strncmp(lines[i] + fl - 6, "_total", 6);
                rc = buf_printf(out, "# TYPE %.*s %s\n", (int)fl, lines[i], counter ? "counter" : "gauge");
            }
            if (rc == O2P_OK)
                rc = buf_printf(out, "%s\n", lines[i]);
        }
    }
    free(lines);
    buf_free(&all);
    return rc;
}
