/*
 * writer_tmpdir.c - DATA_DIR/tmp, where writers build their Parquet files before publishing
 * them. Several writers share it: a temp file's name carries its writer's pid
 * (<claim>-<pid>.parquet.tmp), so the ones left by a writer that died are recognised and
 * removed at start-up, and a live writer's are never touched.
 */
#include "writer/writer.h"

#include "common/fsutil.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* remove_stale - temp files whose writer (the pid in the name) is not running. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *suffix = strstr(e->d_name, ".parquet.tmp");
        const char *dash = suffix ? memrchr(e->d_name, '-', (size_t)(suffix - e->d_name)) : NULL;
        if (!dash)
            continue;
        long pid = strtol(dash + 1, NULL, 10);
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char path[PATH_MAX];
            int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (n > 0 && (size_t)n < sizeof path && unlink(path) == 0)
                log_info("writer", "op=remove_stale_temp file=%s", path);
        }
    }
    closedir(d);
}

int writer_tmpdir_open(struct writer *w, struct o2p_error *err)
{
    int n = snprintf(w->tmp_dir, sizeof w->tmp_dir, "%s/tmp", w->cfg->data_dir);
    if (n < 0 || (size_t)n >= sizeof w->tmp_dir)
        return o2p_fail(err, O2P_EINVAL, "temp directory %s/tmp: path too long", w->cfg->data_dir);
    int rc = fs_mkdir_p(w->tmp_dir, err);
    if (rc == O2P_OK)
        remove_stale(w->tmp_dir);
    return rc;
}
