/*
 * fault_io.c - the I/O shim (see fault.h): definitions of the calls the libraries and LMDB
 * make to change files (grep write/pwrite/fsync/rename/link/open/mkdir in common/ parquet/
 * spooler/ iceberg/ storage/; nm -D liblmdb.so for LMDB's), each counted while fault_begin is
 * in effect and the planned one failed.
 *
 * Why definitions instead of --wrap: see fault.h (LMDB is a shared library). The real
 * function comes from dlsym(RTLD_NEXT): ASan's interceptor when sanitized, else libc's.
 * Writes to fds 0-2 (log lines, test output) are passed through uncounted.
 */
#include "tests/fault/fault.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

bool fault_io_counting; /* set by fault_begin/fault_end (fault.c) */

static long calls, fail_at;
static enum fault_mode mode;
static bool fired;
static const char *fired_call = "";

void fault_io_plan(long k, enum fault_mode m)
{
    calls = 0;
    fail_at = k;
    mode = m;
    fired = false;
    fired_call = "";
}

long fault_io_calls(void) { return calls; }
bool fault_io_fired(void) { return fired; }
const char *fault_io_fired_call(void) { return fired_call; }

/* hit - count a call of `name` (is_write: write or pwrite, which may also be cut short or
 * interrupted). Returns 0 to go ahead, an errno to fail with, or -1 (is_write only) to write
 * half of *n. */
static int hit(const char *name, bool is_write, size_t *n)
{
    if (!fault_io_counting)
        return 0;
    bool writes_only = mode == FAULT_IO_SHORT || mode == FAULT_IO_EINTR;
    if (writes_only && !is_write)
        return 0;
    calls++;
    if (fail_at <= 0 || calls != fail_at)
        return 0;
    fired = true;
    fired_call = name;
    switch (mode) {
    case FAULT_IO_ENOSPC:
        return ENOSPC;
    case FAULT_IO_EINTR:
        return EINTR;
    case FAULT_IO_SHORT:
        if (*n < 2) /* nothing to shorten: a write of 0 or 1 byte goes through */
            return 0;
        *n /= 2;
        return -1;
    default:
        return EIO;
    }
}

/* REAL(fn) - real_: the next definition of fn after ours, looked up once. */
#define REAL(fn)                                                \
    static __typeof__(fn) *real_;                               \
    if (!real_)                                                 \
        real_ = (__typeof__(fn) *)dlsym(RTLD_NEXT, #fn)

ssize_t write(int fd, const void *p, size_t n)
{
    REAL(write);
    int e = fd > 2 ? hit("write", true, &n) : 0;
    if (e > 0) {
        errno = e;
        return -1;
    }
    return real_(fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
    REAL(pwrite);
    int e = hit("pwrite", true, &n);
    if (e > 0) {
        errno = e;
        return -1;
    }
    return real_(fd, p, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    REAL(writev);
    size_t unused = 0;
    int e = fd > 2 ? hit("writev", false, &unused) : 0;
    if (e > 0) {
        errno = e;
        return -1;
    }
    return real_(fd, iov, iovcnt);
}

/* FAIL_OR_CALL - the body of a call that can only succeed or fail */
#define FAIL_OR_CALL(name, ...)                  \
    size_t unused = 0;                           \
    int e = hit(name, false, &unused);           \
    if (e > 0) {                                 \
        errno = e;                               \
        return -1;                               \
    }                                            \
    return real_(__VA_ARGS__)

int fsync(int fd)
{
    REAL(fsync);
    FAIL_OR_CALL("fsync", fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync);
    FAIL_OR_CALL("fdatasync", fd);
}

int rename(const char *from, const char *to)
{
    REAL(rename);
    FAIL_OR_CALL("rename", from, to);
}

int link(const char *from, const char *to)
{
    REAL(link);
    FAIL_OR_CALL("link", from, to);
}

int mkdir(const char *path, mode_t m)
{
    REAL(mkdir);
    FAIL_OR_CALL("mkdir", path, m);
}

int open(const char *path, int flags, ...)
{
    REAL(open);
    mode_t m = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    FAIL_OR_CALL("open", path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    REAL(openat);
    mode_t m = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    FAIL_OR_CALL("openat", dirfd, path, flags, m);
}
