/*
 * err.c - error names and messages (see err.h).
 */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *o2p_strerror(int code)
{
    if (code > 0)
        return strerror(code);
    switch (code) {
    case O2P_OK: return "ok";
    case O2P_EAGAIN: return "try again";
    case O2P_ETOOBIG: return "too big";
    case O2P_ECORRUPT: return "corrupt data";
    case O2P_EIO: return "I/O error";
    case O2P_EINVAL: return "invalid argument";
    case O2P_ENOTFOUND: return "not found";
    case O2P_EFULL: return "full";
    case O2P_ECONFLICT: return "conflict";
    case O2P_EUNSUPPORTED: return "unsupported";
    case O2P_EPROTO: return "protocol error";
    case O2P_ESLOW: return "slow down";
    case O2P_EFATAL: return "fatal error";
    case O2P_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}

int o2p_fail(struct o2p_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int o2p_fail_errno(struct o2p_error *err, const char *fmt, ...)
{
    int e = errno;
    int code = (e == ENOSPC || e == EDQUOT) ? O2P_EFULL : O2P_EIO;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(e));
        err->code = code;
    }
    errno = e;
    return code;
}

int o2p_error_prefix(struct o2p_error *err, const char *fmt, ...)
{
    if (!err)
        return O2P_EINVAL;
    char old[O2P_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Truncation is acceptable: the message stays NUL-terminated and the head comes first. */
    if (n >= 0 && (size_t)n + 2 < sizeof err->msg) {
        size_t room = sizeof err->msg - (size_t)n;
        memcpy(err->msg + n, ": ", 2);
        size_t len = strnlen(old, room - 3);
        memcpy(err->msg + n + 2, old, len);
        err->msg[(size_t)n + 2 + len] = 0;
    }
    return err->code;
}
