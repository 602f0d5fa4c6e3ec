/*
 * fsutil.c - durable file writes (temp → fsync → rename/link → fsync dir), mkdir -p, fsync.
 *
 * Owns: temp files named ".NAME.tmp-PID-N" in the destination's directory, only for the
 * duration of one call.
 *
 * Invariants:
 *   - the destination is either its old content or the complete new content, also after a
 *     crash at any instant (rename/link are atomic; the data is fsynced before, the directory
 *     after, so the new name cannot point at unsynced data - Redis rdbSave + fsyncFileDir);
 *   - a failed call leaves no temp file behind (unlinked on every error path);
 *   - FS_CREATE_ONLY uses link(2), which fails with EEXIST instead of replacing, so two
 *     processes racing to create the same name cannot both win (the Iceberg committer relies
 *     on this for metadata files).
 *
 * Failure behaviour: O2P_EFULL for ENOSPC/EDQUOT (the caller backs off), O2P_ECONFLICT for
 * an existing destination under FS_CREATE_ONLY, O2P_EIO otherwise, with the operation, the
 * path and strerror in err. Never exits.
 */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint tmp_counter;

/* split - directory of path into dir (". " when none). */
static void dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool fs_is_temp_name(const char *name)
{
    return name[0] == '.' && strstr(name, FS_TMP_INFIX) != NULL;
}

int fs_fsync_path(const char *path, struct o2p_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return o2p_fail_errno(err, "open %s for fsync", path);
    if (fsync(fd) != 0) {
        int rc = o2p_fail_errno(err, "fsync %s", path);
        close(fd);
        return rc;
    }
    close(fd);
    return O2P_OK;
}

int fs_fsync_parent(const char *path, struct o2p_error *err)
{
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    return fs_fsync_path(dir, err);
}

int fs_mkdir_p(const char *path, struct o2p_error *err)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return o2p_fail(err, O2P_EINVAL, "mkdir %s: path too long", path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    struct stat st;
    if (stat(p, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return O2P_OK;
        errno = ENOTDIR;
        return o2p_fail_errno(err, "mkdir %s", p);
    }
    /* Create the parent first, then this one, then make the new entry durable. */
    char *slash = strrchr(p, '/');
    if (slash && slash != p) {
        *slash = 0;
        int rc = fs_mkdir_p(p, err);
        *slash = '/';
        if (rc != O2P_OK)
            return rc;
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return o2p_fail_errno(err, "mkdir %s", p);
    return fs_fsync_parent(p, err);
}

/* write_all - write n bytes, retrying short writes and EINTR. */
static int write_all(int fd, const void *data, size_t n, const char *what, struct o2p_error *err)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return o2p_fail_errno(err, "write %s", what);
        }
        p += w;
        n -= (size_t)w;
    }
    return O2P_OK;
}

int fs_write_durable_fn(const char *path, fs_fill_fn fn, void *ctx, unsigned flags,
                        struct o2p_error *err)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    int n = snprintf(tmp, sizeof tmp, "%s/.%s" FS_TMP_INFIX "%ld-%u", dir, base_of(path),
                     (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    if (n < 0 || n >= (int)sizeof tmp)
        return o2p_fail(err, O2P_EINVAL, "write %s: path too long", path);
    int rc;
    if (flags & FS_MKDIRS) {
        rc = fs_mkdir_p(dir, err);
        if (rc != O2P_OK)
            return rc;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return o2p_fail_errno(err, "create %s", tmp);
    rc = fn(fd, ctx, err);
    if (rc != O2P_OK)
        goto fail;
    /* The data must be on disk before a name points at it. */
    if (fsync(fd) != 0) {
        rc = o2p_fail_errno(err, "fsync %s", tmp);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = o2p_fail_errno(err, "close %s", tmp);
        goto fail;
    }
    fd = -1;
    if (flags & FS_CREATE_ONLY) {
        /* link(2) refuses to replace an existing name: create-only without a race. */
        if (link(tmp, path) != 0) {
            if (errno == EEXIST)
                rc = o2p_fail(err, O2P_ECONFLICT, "create %s: already exists", path);
            else
                rc = o2p_fail_errno(err, "link %s to %s", tmp, path);
            goto fail;
        }
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        rc = o2p_fail_errno(err, "rename %s to %s", tmp, path);
        goto fail;
    }
    /* The new directory entry must survive a crash too. */
    return fs_fsync_path(dir, err);
fail: {
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
    return rc;
}
}

struct mem_src {
    const void *data;
    size_t len;
    const char *path;
};

static int fill_mem(int fd, void *ctx, struct o2p_error *err)
{
    struct mem_src *m = ctx;
    return write_all(fd, m->data, m->len, m->path, err);
}

int fs_write_durable(const char *path, const void *data, size_t len, unsigned flags,
                     struct o2p_error *err)
{
    struct mem_src m = {data, len, path};
    return fs_write_durable_fn(path, fill_mem, &m, flags, err);
}

struct file_src {
    int fd;
    const char *src, *dst;
};

static int fill_copy(int fd, void *ctx, struct o2p_error *err)
{
    struct file_src *f = ctx;
    char chunk[1 << 16];
    for (;;) {
        ssize_t r = read(f->fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return o2p_fail_errno(err, "read %s", f->src);
        }
        if (r == 0)
            return O2P_OK;
        int rc = write_all(fd, chunk, (size_t)r, f->dst, err);
        if (rc != O2P_OK)
            return rc;
    }
}

int fs_copy_durable(const char *src, const char *dst, unsigned flags, struct o2p_error *err)
{
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return o2p_fail(err, O2P_ENOTFOUND, "copy %s: no such file", src);
        return o2p_fail_errno(err, "open %s", src);
    }
    struct file_src f = {fd, src, dst};
    int rc = fs_write_durable_fn(dst, fill_copy, &f, flags, err);
    close(fd);
    return rc;
}

int fs_move_durable(const char *src, const char *dst, unsigned flags, struct o2p_error *err)
{
    int rc;
    if (flags & FS_MKDIRS) {
        char dir[PATH_MAX];
        dir_of(dst, dir, sizeof dir);
        rc = fs_mkdir_p(dir, err);
        if (rc != O2P_OK)
            return rc;
    }
    /* The caller may not have synced the data: a renamed name must not point at lost data. */
    rc = fs_fsync_path(src, err);
    if (rc != O2P_OK) {
        if (errno == ENOENT)
            return o2p_fail(err, O2P_ENOTFOUND, "move %s: no such file", src);
        return rc;
    }
    int r = (flags & FS_CREATE_ONLY) ? link(src, dst) : rename(src, dst);
    if (r != 0) {
        if (errno == EXDEV) {
            rc = fs_copy_durable(src, dst, flags & ~FS_MKDIRS, err);
            if (rc == O2P_OK)
                (void)fs_unlink_durable(src, NULL);
            return rc;
        }
        if (errno == EEXIST && (flags & FS_CREATE_ONLY))
            return o2p_fail(err, O2P_ECONFLICT, "create %s: already exists", dst);
        return o2p_fail_errno(err, "move %s to %s", src, dst);
    }
    if (flags & FS_CREATE_ONLY)
        unlink(src);
    rc = fs_fsync_parent(dst, err);
    if (rc == O2P_OK)
        rc = fs_fsync_parent(src, err);
    return rc;
}

int fs_unlink_durable(const char *path, struct o2p_error *err)
{
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return O2P_OK;
        return o2p_fail_errno(err, "unlink %s", path);
    }
    return fs_fsync_parent(path, err);
}

int fs_read_file(const char *path, struct buf *out, struct o2p_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return o2p_fail(err, O2P_ENOTFOUND, "read %s: no such file", path);
        return o2p_fail_errno(err, "open %s", path);
    }
    int rc = O2P_OK;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0 &&
        (!out->max || (uint64_t)st.st_size <= out->max - out->len))
        rc = buf_reserve(out, (size_t)st.st_size);
    while (rc == O2P_OK) {
        size_t chunk = 1 << 16;
        if (out->max && out->max - out->len < chunk)
            chunk = out->max - out->len;
        if (chunk == 0) {
            /* At the ceiling: fine only if the file ends exactly here. */
            char probe;
            ssize_t r = read(fd, &probe, 1);
            if (r > 0)
                rc = O2P_ETOOBIG;
            else if (r < 0)
                rc = o2p_fail_errno(err, "read %s", path);
            break;
        }
        rc = buf_reserve(out, chunk);
        if (rc != O2P_OK)
            break;
        ssize_t r = read(fd, out->data + out->len, chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = o2p_fail_errno(err, "read %s", path);
            break;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->data[out->len] = 0;
    }
    close(fd);
    if (rc == O2P_ETOOBIG)
        return o2p_fail(err, rc, "read %s: larger than the %zu-byte limit", path, out->max);
    if (rc == O2P_ENOMEM)
        return o2p_fail(err, rc, "read %s: out of memory", path);
    return rc;
}
