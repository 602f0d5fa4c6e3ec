/*
 * otlp_json_lex.c - the JSON lexer under otlp_json_decode (see otlp_json.h, internal section).
 *
 * A pull lexer over a byte range: the decoder (otlp_json.c) asks for the token it expects
 * and writes values straight into protobuf-c structures, so no document tree is built and
 * every byte of the result lives in the caller's arena. This file owns no memory.
 *
 * Invariants: l->base <= l->p <= l->end at all times; nothing reads past l->end (the input
 * need not be NUL-terminated); every rejection names the byte offset.
 * Strictness: RFC 8259 grammar; strings must be valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), escaped surrogates must pair; control bytes must be escaped.
 * Not done here: field lookup, schema types, paths in messages (otlp_json.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strtod_l, newlocale (the Makefile defines it too) */
#endif
#define OTLP_JSON_INTERNAL
#include "otel/otlp_json.h"

#include "common/hex.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int otlp_json_lex_syntax(struct otlp_json_lex *l, const char *what)
{
    if (l->p >= l->end)
        return o2p_fail(l->err, O2P_EINVAL, "invalid JSON at byte %zu: unexpected end of input"
                        " (%s)", (size_t)(l->end - l->base), what);
    return o2p_fail(l->err, O2P_EINVAL, "invalid JSON at byte %zu: %s",
                    (size_t)(l->p - l->base), what);
}

const char *otlp_json_lex_what(const struct otlp_json_lex *l)
{
    if (l->p >= l->end)
        return "end of input";
    switch (*l->p) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't': case 'f': return "a boolean";
    case 'n': return "null";
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return "a number";
    default: return "an invalid token";
    }
}

int otlp_json_lex_literal(struct otlp_json_lex *l, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, word, n) != 0)
        return otlp_json_lex_syntax(l, "invalid literal");
    l->p += n;
    return O2P_OK;
}

/* Byte classes for the string scanner: 0 plain ASCII, 1 quote, 2 backslash, 3 control or
 * non-ASCII (needs validation). */
static const unsigned char str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

int otlp_json_lex_string(struct otlp_json_lex *l, const char **s, size_t *n, int *plain)
{
    const unsigned char *p = (const unsigned char *)l->p + 1, *end = (const unsigned char *)l->end;
    int pl = 1;
    while (p < end) {
        unsigned c = str_class[*p];
        if (c == 0) {
            p++;
        } else if (c == 1) {
            *s = l->p + 1;
            *n = (size_t)((const char *)p - *s);
            *plain = pl;
            l->p = (const char *)p + 1;
            return O2P_OK;
        } else {
            pl = 0;
            p += c == 2 ? 2 : 1;  /* skip the escaped character, which may be a quote */
        }
    }
    l->p = l->end;
    return otlp_json_lex_syntax(l, "unterminated string");
}


static int hex4(const char *s, unsigned *cp)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_digit((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* utf8_len - length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;  /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0;  /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

int otlp_json_lex_unescape(struct otlp_json_lex *l, const char *s, size_t n, char *out,
                           size_t *outn)
{
    size_t i = 0, o = 0;
    const char *why;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '\\') {
            if (out)
                out[o] = (char)c;
            o++;
            i++;
            continue;
        }
        if (c < 0x20) {
            why = "control character in string (must be escaped)";
            goto fail;
        }
        if (c >= 0x80) {
            size_t k = utf8_len((const unsigned char *)s + i, n - i);
            if (!k) {
                why = "string is not valid UTF-8";
                goto fail;
            }
            if (out)
                memcpy(out + o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        /* A backslash: lex_string guarantees a following byte. */
        char e = s[i + 1], r;
        unsigned cp, lo;
        switch (e) {
        case '"': r = '"'; break;
        case '\\': r = '\\'; break;
        case '/': r = '/'; break;
        case 'b': r = '\b'; break;
        case 'f': r = '\f'; break;
        case 'n': r = '\n'; break;
        case 'r': r = '\r'; break;
        case 't': r = '\t'; break;
        case 'u':
            if (n - i < 6 || hex4(s + i + 2, &cp) < 0) {
                why = "bad \\u escape";
                goto fail;
            }
            i += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                why = "unpaired UTF-16 surrogate in \\u escape";
                goto fail;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' || hex4(s + i + 2, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    why = "unpaired UTF-16 surrogate in \\u escape";
                    goto fail;
                }
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (out) {
                o += put_utf8(out + o, cp);
            } else {
                char tmp[4];
                o += put_utf8(tmp, cp);
            }
            continue;
        default:
            why = "bad escape in string";
            goto fail;
        }
        if (out)
            out[o] = r;
        o++;
        i += 2;
    }
    if (outn)
        *outn = o;
    return O2P_OK;
fail:
    return o2p_fail(l->err, O2P_EINVAL, "invalid JSON at byte %zu: %s",
                    (size_t)(s + i - l->base), why);
}

static int is_digit(const char *p, const char *end) { return p < end && *p >= '0' && *p <= '9'; }

int otlp_json_lex_number(struct otlp_json_lex *l, const char **s, size_t *n)
{
    const char *p = l->p, *end = l->end;
    if (p < end && *p == '-')
        p++;
    if (!is_digit(p, end))
        goto bad;
    if (*p == '0')
        p++;
    else
        while (is_digit(p, end))
            p++;
    if (p < end && *p == '.') {
        p++;
        if (!is_digit(p, end))
            goto bad;
        while (is_digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(p, end))
            goto bad;
        while (is_digit(p, end))
            p++;
    }
    *s = l->p;
    *n = (size_t)(p - l->p);
    l->p = p;
    return O2P_OK;
bad:
    l->p = p;
    return otlp_json_lex_syntax(l, "malformed number");
}

int otlp_json_lex_skip(struct otlp_json_lex *l, int depth)
{
    const char *s;
    size_t n;
    int rc, plain;
    if (l->p >= l->end)
        return otlp_json_lex_syntax(l, "expected a value");
    switch (*l->p) {
    case '"':
        rc = otlp_json_lex_string(l, &s, &n, &plain);
        return rc || plain ? rc : otlp_json_lex_unescape(l, s, n, NULL, NULL);
    case 't': return otlp_json_lex_literal(l, "true");
    case 'f': return otlp_json_lex_literal(l, "false");
    case 'n': return otlp_json_lex_literal(l, "null");
    case '{': case '[': break;
    default: return otlp_json_lex_number(l, &s, &n);
    }
    if (depth <= 0)
        return o2p_fail(l->err, O2P_EINVAL, "invalid JSON at byte %zu: nested deeper than %d "
                        "levels", (size_t)(l->p - l->base), OTLP_JSON_MAX_SKIP_DEPTH);
    char close = *l->p == '{' ? '}' : ']';
    l->p++;
    otlp_json_lex_ws(l);
    if (l->p < l->end && *l->p == close) {
        l->p++;
        return O2P_OK;
    }
    for (;;) {
        if (close == '}') {
            if (l->p >= l->end || *l->p != '"')
                return otlp_json_lex_syntax(l, "expected a key string");
            rc = otlp_json_lex_skip(l, depth);
            if (rc)
                return rc;
            otlp_json_lex_ws(l);
            if (l->p >= l->end || *l->p != ':')
                return otlp_json_lex_syntax(l, "expected ':'");
            l->p++;
            otlp_json_lex_ws(l);
        }
        rc = otlp_json_lex_skip(l, depth - 1);
        if (rc)
            return rc;
        otlp_json_lex_ws(l);
        if (l->p < l->end && *l->p == ',') {
            l->p++;
            otlp_json_lex_ws(l);
            continue;
        }
        if (l->p < l->end && *l->p == close) {
            l->p++;
            return O2P_OK;
        }
        return otlp_json_lex_syntax(l, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* ---- number conversion -------------------------------------------------------------------- */

int otlp_json_num_integer(const char *s, size_t n, int *neg, uint64_t *mag)
{
    /* Exact decimal arithmetic: significant digits and a power of ten, never a double. */
    char dig[24];
    size_t nd = 0, i = 0;
    long exp10 = 0;
    int nonzero_dropped = 0;
    *neg = n > 0 && s[0] == '-';
    i = *neg ? 1 : 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (nd == 0 && s[i] == '0')
            continue;  /* leading zero */
        if (nd < sizeof dig)
            dig[nd++] = s[i];
        else
            exp10++;  /* digits beyond 24 in the integer part: certainly too big */
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (nd == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (nd < sizeof dig) {
                dig[nd++] = s[i];
                exp10--;
            } else if (s[i] != '0') {
                nonzero_dropped = 1;
            }
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        long e = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (nd == 0) {
        *mag = 0;
        return nonzero_dropped ? -1 : 0;
    }
    while (exp10 < 0 && nd > 0 && dig[nd - 1] == '0') {
        nd--;
        exp10++;
    }
    if (exp10 < 0 || nonzero_dropped)
        return -1;
    if ((long)nd + exp10 > 20)
        return -2;
    uint64_t v = 0;
    for (size_t k = 0; k < nd + (size_t)exp10; k++) {
        unsigned d = k < nd ? (unsigned)(dig[k] - '0') : 0;
        if (v > (UINT64_MAX - d) / 10)
            return -2;
        v = v * 10 + d;
    }
    *mag = v;
    return 0;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

int otlp_json_num_double(const char *s, size_t n, double *v)
{
    /* strtod needs a NUL; daemons could run under a locale whose decimal point is ',', so
     * parse in the "C" locale when one can be had. */
    char buf[512];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    pthread_once(&c_locale_once, c_locale_init);
    errno = 0;
    double d = c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
    if (errno == ERANGE && isinf(d))
        return -2;
    *v = d;
    return 0;
}

/* ---- bytes -------------------------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long otlp_json_base64(unsigned char *buf, size_t n)
{
    size_t pad = 0;
    while (n > 0 && buf[n - 1] == '=' && pad < 2) {
        n--;
        pad++;
    }
    if (n % 4 == 1 || (pad && (n + pad) % 4 != 0))
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(buf[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)(acc >> bits);  /* o < i: decoding in place is safe */
        }
    }
    return (long)o;
}

int otlp_json_hex(const char *s, size_t nbytes, unsigned char *out)
{
    for (size_t i = 0; i < nbytes; i++) {
        int h = hex_digit((unsigned char)s[2 * i]), lo = hex_digit((unsigned char)s[2 * i + 1]);
        if (h < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(h << 4 | lo);
    }
    return 0;
}
