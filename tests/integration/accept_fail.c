/*
 * accept_fail.c - an LD_PRELOAD shim that makes accept() fail with EMFILE while the file named
 * by O2P_ACCEPT_FAIL_FILE exists, as it does for a process at its descriptor limit (the
 * connection stays in the kernel's backlog). For tests of what a listener does then.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int failing(void)
{
    const char *f = getenv("O2P_ACCEPT_FAIL_FILE");
    return f && access(f, F_OK) == 0;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real)
        real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    if (failing()) {
        errno = EMFILE;
        return -1;
    }
    return real(fd, addr, len, flags);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return accept4(fd, addr, len, 0);
}
