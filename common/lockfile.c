/*
 * lockfile.c - exclusive per-process locks on files (lockfile.h): the receiver's on its spool,
 * the committer's on its state directory.
 *
 * Why flock and not a pid file alone: a pid file outlives a crash and its pid may be reused
 * by an unrelated process, so "is it still running?" has no reliable answer; a flock is
 * released by the kernel when its holder dies, so a stale file can never block a start. The
 * pid is written after the lock is held, so a reader that finds the lock held but the file
 * empty (the holder is between flock and write) reports pid 0, "unknown".
 *
 * Never waits and never exits: a caller that wants to wait (the committer) loops.
 */
#include "common/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* read_holder - the pid written in the lock file, 0 when there is none to read. */
static long read_holder(int fd)
{
    char text[32];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return 0;
    text[n] = 0;
    char *end;
    long pid = strtol(text, &end, 10);
    return pid > 0 && (*end == '\n' || *end == 0) ? pid : 0;
}

int lockfile_take(const char *path, const char *what, int *fd, long *holder, struct o2p_error *err)
{
    *fd = -1;
    if (holder)
        *holder = 0;
    int lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0)
        return o2p_fail_errno(err, "open %s %s", what, path);
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        int rc;
        if (errno == EWOULDBLOCK) {
            long pid = read_holder(lfd);
            if (holder)
                *holder = pid;
            if (pid > 0)
                rc = o2p_fail(err, O2P_EAGAIN, "%s %s is held by pid %ld", what, path, pid);
            else
                rc = o2p_fail(err, O2P_EAGAIN, "%s %s is held by another process (pid not yet written)", what,
                              path);
        } else {
            rc = o2p_fail_errno(err, "lock %s %s", what, path);
        }
        close(lfd);
        return rc;
    }
    /* Ours now: replace whatever pid a dead holder left. Best effort: the pid only makes a
     * rival's message better, and a full disk must not keep a daemon from starting (the
     * receiver answers 503 and recovers by itself when space returns). */
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(lfd, 0) != 0 || pwrite(lfd, text, (size_t)n, 0) != n) {
        /* a rival then reports "pid not yet written" */
    }
    *fd = lfd;
    return O2P_OK;
}

void lockfile_release(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the last descriptor of the description drops the flock */
}
