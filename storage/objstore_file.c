/*
 * objstore_file.c - the file:// object store: objects are files under a root directory,
 * keys are relative paths ("otel/logs/data/x.parquet" → ROOT/otel/logs/data/x.parquet).
 *
 * Owns: the root path string. Directories are created on demand (durably, fs_mkdir_p).
 *
 * Invariants: every write goes through fsutil's durable helpers (temp → fsync → rename/link →
 * fsync dir), so an object is either absent, its old bytes or its complete new bytes, also
 * after a crash; CREATE_ONLY uses link(2) and never replaces; temp files of interrupted puts
 * (".NAME.tmp-…") are invisible to stat/list. Keys were checked by objstore.c, so paths cannot
 * leave the root.
 *
 * Failure behaviour: O2P_ENOTFOUND, O2P_ECONFLICT, O2P_EFULL, O2P_EIO with
 * "OP file:///root/key: cause". Never exits. Not done: removing directories left empty.
 */
#include "common/fsutil.h"
#include "storage/objstore_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fstore {
    char root[PATH_MAX];
};

static const char *root_of(const struct objstore *s) { return ((struct fstore *)s->impl)->root; }

static int path_of(const struct objstore *s, const char *key, char *out, size_t n,
                   struct o2p_error *err)
{
    if (snprintf(out, n, "%s/%s", root_of(s), key) >= (int)n)
        return o2p_fail(err, O2P_EINVAL, "objstore: path for key %s too long", key);
    return O2P_OK;
}

static void f_url(const struct objstore *s, const char *key, char *out, size_t n)
{
    snprintf(out, n, "file://%s/%s", root_of(s), key);
}

static int prefix_err(const struct objstore *s, const char *op, const char *key,
                      struct o2p_error *err)
{
    char url[PATH_MAX + 16];
    f_url(s, key, url, sizeof url);
    return o2p_error_prefix(err, "%s %s", op, url);
}

static int f_put_bytes(struct objstore *s, const char *key, const void *data, size_t len,
                       unsigned flags, struct o2p_error *err)
{
    char path[PATH_MAX];
    int rc = path_of(s, key, path, sizeof path, err);
    if (rc != O2P_OK)
        return rc;
    unsigned ff = FS_MKDIRS | ((flags & OBJSTORE_CREATE_ONLY) ? FS_CREATE_ONLY : 0);
    rc = fs_write_durable(path, data, len, ff, err);
    return rc == O2P_OK ? O2P_OK : prefix_err(s, "put", key, err);
}

static int f_put_file(struct objstore *s, const char *key, const char *local, unsigned flags,
                      struct o2p_error *err)
{
    char path[PATH_MAX];
    int rc = path_of(s, key, path, sizeof path, err);
    if (rc != O2P_OK)
        return rc;
    unsigned ff = FS_MKDIRS | ((flags & OBJSTORE_CREATE_ONLY) ? FS_CREATE_ONLY : 0);
    rc = (flags & OBJSTORE_MOVE) ? fs_move_durable(local, path, ff, err)
                                 : fs_copy_durable(local, path, ff, err);
    return rc == O2P_OK ? O2P_OK : prefix_err(s, "put", key, err);
}

static int f_get(struct objstore *s, const char *key, struct buf *out, struct o2p_error *err)
{
    char path[PATH_MAX];
    int rc = path_of(s, key, path, sizeof path, err);
    if (rc != O2P_OK)
        return rc;
    rc = fs_read_file(path, out, err);
    return rc == O2P_OK ? O2P_OK : prefix_err(s, "get", key, err);
}

static int f_stat(struct objstore *s, const char *key, uint64_t *size, struct o2p_error *err)
{
    char path[PATH_MAX];
    int rc = path_of(s, key, path, sizeof path, err);
    if (rc != O2P_OK)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return o2p_fail(err, O2P_ENOTFOUND, "stat file://%s: no such object", path);
        return o2p_fail_errno(err, "stat file://%s", path);
    }
    if (!S_ISREG(st.st_mode))
        return o2p_fail(err, O2P_ENOTFOUND, "stat file://%s: not an object (a directory?)", path);
    if (size)
        *size = (uint64_t)st.st_size;
    return O2P_OK;
}

static int f_del(struct objstore *s, const char *key, struct o2p_error *err)
{
    char path[PATH_MAX];
    int rc = path_of(s, key, path, sizeof path, err);
    if (rc != O2P_OK)
        return rc;
    rc = fs_unlink_durable(path, err);
    if (rc != O2P_OK && errno == ENOTDIR)
        return O2P_OK;
    return rc == O2P_OK ? O2P_OK : prefix_err(s, "delete", key, err);
}

/* walk - report regular files under dir (rel = its key prefix, "" for the root). */
static int walk(const char *dir, const char *rel, const char *prefix, objstore_list_fn fn,
                void *ctx, struct o2p_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return O2P_OK;
        return o2p_fail_errno(err, "list %s", dir);
    }
    int rc = O2P_OK;
    while (rc == O2P_OK) {
        const struct dirent *e = readdir(d);
        if (!e)
            break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || fs_is_temp_name(e->d_name))
            continue;
        char path[PATH_MAX], key[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            snprintf(key, sizeof key, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
                (int)sizeof key)
            continue;
        /* Prune subtrees that cannot match: the key must share the prefix's start. */
        size_t kl = strlen(key), pl = strlen(prefix);
        if (strncmp(key, prefix, kl < pl ? kl : pl) != 0)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(path, key, prefix, fn, ctx, err);
        else if (S_ISREG(st.st_mode) && kl >= pl)
            rc = fn(key, (uint64_t)st.st_size, ctx);
    }
    closedir(d);
    return rc;
}

static int f_list(struct objstore *s, const char *prefix, objstore_list_fn fn, void *ctx,
                  struct o2p_error *err)
{
    return walk(root_of(s), "", prefix, fn, ctx, err);
}

static void f_close(struct objstore *s) { free(s->impl); }

static const struct objstore_ops file_ops = {
    .scheme = "file",
    .put_file = f_put_file,
    .put_bytes = f_put_bytes,
    .get = f_get,
    .stat = f_stat,
    .del = f_del,
    .list = f_list,
    .url = f_url,
    .close = f_close,
};

int objstore_file_open(struct objstore *s, const char *root, struct o2p_error *err)
{
    struct fstore *f = calloc(1, sizeof *f);
    if (!f)
        return o2p_fail(err, O2P_ENOMEM, "objstore %s: allocate the file store: out of memory", root);
    snprintf(f->root, sizeof f->root, "%s", root);
    size_t n = strlen(f->root);
    while (n > 1 && f->root[n - 1] == '/')
        f->root[--n] = 0;
    int rc = fs_mkdir_p(f->root, err);
    if (rc != O2P_OK) {
        free(f);
        return o2p_error_prefix(err, "open warehouse file://%s", root);
    }
    s->ops = &file_ops;
    s->impl = f;
    return O2P_OK;
}
