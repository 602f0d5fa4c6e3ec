/*
 * buf.h - a growable byte buffer with a hard ceiling (curl's dynbuf idea).
 *
 * Growth past `max` returns O2P_ETOOBIG and leaves the contents as they were, so a caller
 * can answer 413 / RESOURCE_EXHAUSTED. The buffer owns `data`; buf_free releases it.
 */
#ifndef O2P_BUF_H
#define O2P_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;  /* 0 = unlimited */
};

void buf_init(struct buf *b, size_t max);
/* buf_reserve - make room for `extra` more bytes; O2P_ETOOBIG past max, O2P_ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_byte(struct buf *b, uint8_t c);
/* buf_printf - append formatted text (no NUL counted in len; data stays NUL-terminated). */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
