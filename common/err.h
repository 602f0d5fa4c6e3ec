/*
 * err.h - the project's one error type.
 *
 * Every function that can fail returns an int: O2P_OK (0) or a negative O2P_E* code. Functions
 * that can say more take a `struct o2p_error *` (may be NULL) and fill it with a message a user
 * can act on: the operation, the object and the cause ("open spool /x: Permission denied").
 * Codes at or below O2P_EFATAL poison the object that returned them: the only legal next call
 * is its destroy function (the nghttp2 / LMDB convention).
 */
#ifndef O2P_ERR_H
#define O2P_ERR_H

#include <stddef.h>

enum o2p_err {
    O2P_OK = 0,
    O2P_EAGAIN = -1,     /* try again later: backpressure, lock held, nothing to do yet */
    O2P_ETOOBIG = -2,    /* a size limit was passed */
    O2P_ECORRUPT = -3,   /* stored data failed its checksum or format check */
    O2P_EIO = -4,        /* an operating system call failed (errno in the message) */
    O2P_EINVAL = -5,     /* bad input or configuration */
    O2P_ENOTFOUND = -6,
    O2P_EFULL = -7,      /* spool or disk full: backpressure */
    O2P_ECONFLICT = -8,  /* someone else changed it first: reload and retry */
    O2P_EUNSUPPORTED = -9,
    O2P_EPROTO = -10,    /* a peer broke its protocol */
    O2P_ESLOW = -11,     /* over a soft limit (the spool above its high watermark): slow down */
    O2P_EFATAL = -100,
    O2P_ENOMEM = -101,
};

#define O2P_ERROR_MAX 512

struct o2p_error {
    int code;
    char msg[O2P_ERROR_MAX];
};

/* o2p_strerror - a short name for an O2P_E* code, or strerror() of a positive errno. */
const char *o2p_strerror(int code);

/*
 * o2p_fail - record code and a printf-style message in err (when err is not NULL).
 * Returns code, so callers write `return o2p_fail(err, O2P_EINVAL, "bad %s", x);`.
 */
int o2p_fail(struct o2p_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* o2p_fail_errno - like o2p_fail with ": <strerror(errno)>" appended; returns O2P_EIO
 * (O2P_EFULL for ENOSPC/EDQUOT). errno is read on entry. */
int o2p_fail_errno(struct o2p_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* o2p_error_prefix - prepend "what: " to err's message, keeping its code. Returns the code. */
int o2p_error_prefix(struct o2p_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
