/*
 * fsutil.h - the one durable-write helper (style rule 17) and its friends.
 *
 * A durable write is: write a temp file in the destination's directory, fsync(fd), then
 * rename(2) it over the destination (or link(2) it for FS_CREATE_ONLY), then fsync(dir).
 * On any failure the temp file is unlinked and the destination is untouched. Nothing else in
 * the code base renames data files.
 *
 * Temp files are named ".NAME.tmp-PID-N" (FS_TMP_INFIX); start-up recovery may delete any
 * file whose name fs_is_temp_name() accepts.
 */
#ifndef O2P_FSUTIL_H
#define O2P_FSUTIL_H

#include "common/buf.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FS_TMP_INFIX ".tmp-"

/* Flags for the durable writers. */
#define FS_CREATE_ONLY 0x1u /* never replace: O2P_ECONFLICT when the destination exists */
#define FS_MKDIRS 0x2u      /* create missing parent directories (durably) first */

/*
 * fs_write_durable - durably replace (or create) `path` with data[0..len), mode 0644 & ~umask.
 * O2P_ECONFLICT (FS_CREATE_ONLY and path exists), O2P_EFULL (ENOSPC/EDQUOT), O2P_EIO.
 */
int fs_write_durable(const char *path, const void *data, size_t len, unsigned flags,
                     struct o2p_error *err);

/*
 * fs_write_durable_fn - like fs_write_durable, with the content produced by fn(fd, ctx), which
 * writes the whole content to fd and returns O2P_OK or an O2P_E* code (filling err).
 */
typedef int (*fs_fill_fn)(int fd, void *ctx, struct o2p_error *err);
int fs_write_durable_fn(const char *path, fs_fill_fn fn, void *ctx, unsigned flags,
                        struct o2p_error *err);

/* fs_copy_durable - durably copy the file `src` to `dst` (flags as above). */
int fs_copy_durable(const char *src, const char *dst, unsigned flags, struct o2p_error *err);

/*
 * fs_move_durable - move `src` to `dst`: fsync(src), rename (or link + unlink for
 * FS_CREATE_ONLY), fsync both directories. When they are on different filesystems (EXDEV) the
 * file is copied durably and the source unlinked. O2P_ECONFLICT, O2P_EFULL, O2P_EIO;
 * O2P_ENOTFOUND when src does not exist.
 */
int fs_move_durable(const char *src, const char *dst, unsigned flags, struct o2p_error *err);

/* fs_mkdir_p - create `path` and missing parents (mode 0755 & ~umask); each new directory's
 * parent is fsynced so the entry survives a crash. Existing directories are fine. */
int fs_mkdir_p(const char *path, struct o2p_error *err);

/* fs_fsync_path - open and fsync a file or directory. */
int fs_fsync_path(const char *path, struct o2p_error *err);
/* fs_fsync_parent - fsync the directory that contains `path`. */
int fs_fsync_parent(const char *path, struct o2p_error *err);

/* fs_unlink_durable - unlink `path` and fsync its directory; a missing file is O2P_OK. */
int fs_unlink_durable(const char *path, struct o2p_error *err);

/* fs_read_file - append the whole file to `out` (its ceiling applies: O2P_ETOOBIG).
 * O2P_ENOTFOUND when it does not exist. */
int fs_read_file(const char *path, struct buf *out, struct o2p_error *err);

/* fs_is_temp_name - true for a base name made by the durable writers (".X.tmp-PID-N"). */
bool fs_is_temp_name(const char *name);

#endif
