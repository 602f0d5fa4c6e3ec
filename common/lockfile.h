/*
 * lockfile.h - "only one of us on this data": an exclusive flock(2) on a small file that
 * holds the owner's pid, kept for the life of the process.
 *
 * The lock belongs to the open file description, so it ends when the process does, however
 * it ends (kill -9 included): a lock file left behind by a dead process is simply taken by
 * the next one. The pid written into the file is for the message only ("held by pid N"); it
 * is never trusted to decide anything. Descriptors are O_CLOEXEC, so a program the holder
 * executes does not inherit the lock.
 */
#ifndef O2P_LOCKFILE_H
#define O2P_LOCKFILE_H

#include "common/err.h"

/*
 * lockfile_take - open (creating, mode 0644) the file `path` and take an exclusive lock on it
 * without waiting. `what` names the lock in messages ("receiver lock"). On O2P_OK *fd is the
 * descriptor that holds the lock (release with lockfile_release) and the file holds our pid.
 * O2P_EAGAIN when another process holds it: *holder is the pid written in the file (0 when
 * it cannot be read), err names the file and that pid, *fd is -1. O2P_EIO (open or flock
 * failed; err says which), *fd -1. holder may be NULL. Writing the pid is best effort.
 */
int lockfile_take(const char *path, const char *what, int *fd, long *holder, struct o2p_error *err);

/* lockfile_release - drop the lock and close fd (-1 is ignored). The file stays: removing it
 * could race with the next process that opened it and is waiting to lock it. */
void lockfile_release(int fd);

#endif
