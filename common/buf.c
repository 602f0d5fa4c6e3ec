/*
 * buf.c - growable byte buffer with a ceiling (see buf.h).
 */
#include "common/buf.h"

#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

int buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1; /* +1 keeps room for a NUL after text */
    if (need < b->len)
        return O2P_ETOOBIG;
    if (b->max && need - 1 > b->max)
        return O2P_ETOOBIG;
    if (need <= b->cap)
        return O2P_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return O2P_ENOMEM;
    b->data = p;
    b->cap = cap;
    return O2P_OK;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc != O2P_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return O2P_OK;
}

int buf_append_byte(struct buf *b, uint8_t c) { return buf_append(b, &c, 1); }

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return O2P_EINVAL;
    int rc = buf_reserve(b, (size_t)n);
    if (rc != O2P_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return O2P_OK;
}

void buf_reset(struct buf *b) { b->len = 0; }

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}
