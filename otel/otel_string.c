/*
 * otel_string.c - pcommon.Value.AsString() for protobuf-c AnyValues (rules in otel_string.h).
 *
 * Owns no state. Output is assembled in a small builder whose storage comes from the caller's
 * arena (grown by doubling; the abandoned smaller copies stay in the arena until its reset,
 * which bounds the waste to the final size). Recursion over arrays/kvlists is bounded by
 * OTEL_STRING_MAX_DEPTH so hostile input cannot exhaust the stack.
 *
 * Double formatting: the digits are those of the shortest %.Ne that strtod() reads back to the
 * same double (glibc printf/strtod are correctly rounded), then the ES6 Number::toString
 * layout is applied. Telemetry-sized values (about 1e-4 .. 3.6e16) get those digits from exact
 * 128-bit integer arithmetic (digits_exact), everything else from at most three printf/strtod
 * rounds (digits_printf); the printf loop was over half of a whole conversion's time. Does not
 * depend on the locale's decimal point: only digits and the exponent are taken from printf.
 */
#include "otel/otel_string.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;

/* ---- UTF-8 ------------------------------------------------------------------------ */

/* utf8_len - length of the well-formed sequence at p (n bytes left), 0 if ill-formed */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && p[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && p[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && p[1] < 0x90)
            return 0;
        if (c == 0xf4 && p[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

bool otel_string_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull))) {
            i += 8; /* eight ASCII bytes */
            continue;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len(p + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* ---- builder ------------------------------------------------------------------------ */

struct sb {
    char *p;
    size_t len, cap;
    struct arena *a;
    int rc; /* sticky: first failure */
};

static void sb_init(struct sb *b, struct arena *a, size_t hint)
{
    b->a = a;
    b->len = 0;
    b->rc = O2P_OK;
    b->cap = hint < 32 ? 32 : hint;
    b->p = arena_alloc(a, b->cap);
    if (!b->p)
        b->rc = arena_error(a);
}

static __attribute__((noinline)) int sb_grow_block(struct sb *b, size_t extra)
{
    if (b->rc != O2P_OK)
        return b->rc;
    size_t cap = b->cap * 2;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = arena_alloc(b->a, cap);
    if (!p)
        return b->rc = arena_error(b->a);
    memcpy(p, b->p, b->len);
    b->p = p;
    b->cap = cap;
    return O2P_OK;
}

/* sb_grow - room for extra more bytes and a NUL; the common case inline */
static inline int sb_grow(struct sb *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap && b->rc == O2P_OK)
        return O2P_OK;
    return sb_grow_block(b, extra);
}

static inline void sb_put(struct sb *b, const void *s, size_t n)
{
    if (sb_grow(b, n) != O2P_OK)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void sb_putc(struct sb *b, char c)
{
    if (sb_grow(b, 1) != O2P_OK)
        return;
    b->p[b->len++] = c;
}

static inline void sb_puts(struct sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_finish(struct sb *b, struct otel_str *out)
{
    if (b->rc == O2P_OK)
        b->p[b->len] = '\0';
    out->p = b->p;
    out->n = b->len;
}

/* ---- scalars ------------------------------------------------------------------------ */

/* Powers of ten that fit in 64 bits: 10^0 .. 10^19. */
static const uint64_t pow10_u64[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull, 10000000000000000000ull,
};

/* digits_exact - the digits the printf loop (smallest precision whose "%.*e" reads back as d)
 * would choose, computed with exact integer arithmetic for positive normal ad in roughly
 * [1e-4, 3.6e16]; 0 when ad is outside that range (the caller falls back to printf).
 *
 * ad = m * 2^e. Scaled by 10^q, ad and the bounds of its round-to-nearest interval are
 * (4m, 4m+2, 4m-2 or 4m-1 at a power of two) * 10^q / 2^S with S = 2-e: exact 128-bit
 * numerators over a power-of-two denominator. I = floor(ad * 10^q) has 18 or 19 digits. For
 * k = 15..17, the candidate is I rounded to k significant digits (half to even on an exact
 * tie, as glibc's printf), accepted when it lies inside the interval (ends included when m is
 * even, as strtod breaks ties to even). Returns the digit count; *x10 is the decimal exponent
 * of the first digit. */
static int digits_exact(double ad, char digits[24], int *x10)
{
    uint64_t bits;
    memcpy(&bits, &ad, sizeof bits);
    int be = (int)(bits >> 52) & 0x7ff;
    if (be == 0 || be == 0x7ff)
        return 0;
    uint64_t m = (bits & ((1ull << 52) - 1)) | 1ull << 52;
    int e = be - 1075;
    if (e > 2)
        return 0;
    int S = 2 - e;
    if (S > 120)
        return 0;
    int xe = (int)floor((e + 52) * 0.30102999566398120); /* x or x-1, x = floor(log10 ad) */
    int q = 17 - xe;
    if (q < 0 || q > 21)
        return 0;
    unsigned __int128 p = q <= 19 ? (unsigned __int128)pow10_u64[q]
                                  : (unsigned __int128)pow10_u64[19] * pow10_u64[q - 19];
    unsigned __int128 mask = ((unsigned __int128)1 << S) - 1;
    unsigned __int128 X = (unsigned __int128)(4 * m) * p;
    unsigned __int128 Xp = (unsigned __int128)(4 * m + 2) * p;
    unsigned __int128 Xm = (unsigned __int128)(4 * m - (m == 1ull << 52 && be > 1 ? 1 : 2)) * p;
    uint64_t I = (uint64_t)(X >> S), Ip = (uint64_t)(Xp >> S), Im = (uint64_t)(Xm >> S);
    int f = (X & mask) != 0, fp = (Xp & mask) != 0, fm = (Xm & mask) != 0;
    int incl = (m & 1) == 0;
    int nd = 0;
    while (nd < 20 && I >= pow10_u64[nd])
        nd++;
    if (nd < 18)
        return 0;
    /* As in digits_printf, only 15, 16 and 17 digits need trying: a shorter candidate that
     * reads back is the 15-digit one without its trailing zeros, stripped below. */
    for (int k = 15; k <= 17; k++) {
        uint64_t pt = pow10_u64[nd - k], half = pt / 2;
        uint64_t r = I % pt, c = I - r;
        if (r > half || (r == half && (f || (c / pt) % 2)))
            c += pt; /* c <= 10^19: still fits */
        int below_hi = c < Ip || (c == Ip && (fp || incl));
        int above_lo = c > Im || (c == Im && !fm && incl);
        if (!below_hi || !above_lo)
            continue;
        char tmp[24];
        int n = 0;
        for (uint64_t v = c; v; v /= 10)
            tmp[n++] = (char)('0' + v % 10);
        *x10 = n - 1 - q;
        int lo = 0;
        while (lo < n - 1 && tmp[lo] == '0')
            lo++; /* trailing zeros of the number */
        int k2 = 0;
        for (int i = n - 1; i >= lo; i--)
            digits[k2++] = tmp[i];
        digits[k2] = '\0';
        return k2;
    }
    return 0;
}

/* digits_printf - the same digits through printf/strtod, for any finite nonzero ad. If some
 * precision k <= 15 reads back, so does 15: a double's rounding interval is narrower than
 * half the spacing of 15-digit decimals, so the k-digit number is also the nearest 15-digit
 * one, and its trailing zeros are the only difference. So precisions 15, 16, 17 suffice for
 * normal doubles; subnormals have fewer significant bits, so they take the full loop. */
static int digits_printf(double ad, char digits[24], int *x10)
{
    char e[40];
    for (int prec = ad < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, ad);
        if (strtod(e, NULL) == ad)
            break;
    }
    /* e is "D[.DDD]e[+-]XX": collect the digits and the decimal exponent */
    int k = 0;
    const char *p = e;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < 19)
            digits[k++] = *p;
    *x10 = atoi(p + 1); /* value = D1.D2..Dk * 10^x */
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    return k;
}

size_t otel_string_double(double d, char buf[OTEL_STRING_DOUBLE_MAX])
{
    if (isnan(d))
        return (size_t)snprintf(buf, OTEL_STRING_DOUBLE_MAX, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, OTEL_STRING_DOUBLE_MAX, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return (size_t)snprintf(buf, OTEL_STRING_DOUBLE_MAX, signbit(d) ? "-0" : "0");

    char digits[24];
    int x;
    double ad = fabs(d);
    int k = digits_exact(ad, digits, &x);
    if (!k)
        k = digits_printf(ad, digits, &x);

    char *o = buf;
    if (d < 0)
        *o++ = '-';
    if (ad < 1e-6 || ad >= 1e21) {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)k - 1);
            o += k - 1;
        }
        o += sprintf(o, "e%c%d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x >= 0) {
        int intlen = x + 1;
        if (k <= intlen) {
            memcpy(o, digits, (size_t)k);
            o += k;
            for (int i = k; i < intlen; i++)
                *o++ = '0';
        } else {
            memcpy(o, digits, (size_t)intlen);
            o += intlen;
            *o++ = '.';
            memcpy(o, digits + intlen, (size_t)(k - intlen));
            o += k - intlen;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* int_text - "%lld" of v without printf (a third of the attribute values are integers) */
static size_t int_text(int64_t v, char buf[OTEL_STRING_DOUBLE_MAX])
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n)
        buf[k++] = tmp[--n];
    buf[k] = '\0';
    return k;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(struct sb *b, const uint8_t *p, size_t n)
{
    if (sb_grow(b, (n + 2) / 3 * 4) != O2P_OK)
        return;
    char *o = b->p + b->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = '=';
    }
    b->len = (size_t)(o - b->p);
}

const char *otel_string_base64(const uint8_t *p, size_t n, struct arena *a)
{
    struct sb b;
    struct otel_str s;
    sb_init(&b, a, (n + 2) / 3 * 4 + 1);
    put_base64(&b, p, n);
    sb_finish(&b, &s);
    return b.rc == O2P_OK ? s.p : NULL;
}

const char *otel_string_id(const uint8_t *p, size_t n, struct arena *a)
{
    size_t i = 0;
    while (i < n && p[i] == 0)
        i++;
    if (i == n)
        return "";
    char *o = arena_alloc(a, 2 * n + 1);
    if (!o)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    for (i = 0; i < n; i++) {
        o[2 * i] = hex[p[i] >> 4];
        o[2 * i + 1] = hex[p[i] & 15];
    }
    o[2 * n] = '\0';
    return o;
}

int otel_string_text(const char *s, struct arena *a, struct otel_str *out, bool *repaired)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    out->p = s;
    out->n = n;
    if (otel_string_utf8_valid(s, n))
        return O2P_OK;
    struct sb b;
    sb_init(&b, a, n + 16);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (k) {
            sb_put(&b, p + i, k);
            i += k;
        } else {
            sb_put(&b, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    sb_finish(&b, out);
    if (repaired)
        *repaired = true;
    return b.rc;
}

/* ---- JSON (Go encoding/json compatible) --------------------------------------------- */

static void put_json_string(struct sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    sb_putc(b, '"');
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c < 0x80) {
            i++;
            continue;
        }
        if (c < 0x80) {
            sb_put(b, p + start, i - start);
            switch (c) {
            case '"': sb_puts(b, "\\\""); break;
            case '\\': sb_puts(b, "\\\\"); break;
            case '\b': sb_puts(b, "\\b"); break;
            case '\f': sb_puts(b, "\\f"); break;
            case '\n': sb_puts(b, "\\n"); break;
            case '\r': sb_puts(b, "\\r"); break;
            case '\t': sb_puts(b, "\\t"); break;
            default: {
                char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
                sb_puts(b, u);
            }
            }
            start = ++i;
            continue;
        }
        size_t k = utf8_len(p + i, n - i);
        if (!k) {
            sb_put(b, p + start, i - start);
            sb_puts(b, "\\ufffd");
            start = ++i;
            continue;
        }
        if (k == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            sb_put(b, p + start, i - start);
            sb_puts(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            start = i += 3;
            continue;
        }
        i += k;
    }
    sb_put(b, p + start, n - start);
    sb_putc(b, '"');
}

static int put_json(struct sb *b, const any_value *v, int depth);

struct kv_ent {
    const char *key;
    const any_value *value;
    size_t pos;
};

/* kv_cmp - order kvlist entries by key bytes, then by position, so that the last of a run
 * of duplicates is the one written last in the request */
static int kv_cmp(const void *x, const void *y)
{
    const struct kv_ent *a = x, *c = y;
    int r = strcmp(a->key, c->key);
    if (r)
        return r;
    return a->pos < c->pos ? -1 : a->pos > c->pos;
}

/* kv_sort - kv_cmp order; insertion sort (stable, so equal keys keep their positions) for
 * the few entries most kvlists have */
static void kv_sort(struct kv_ent *e, size_t n)
{
    if (n > 16) {
        qsort(e, n, sizeof(*e), kv_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct kv_ent x = e[i];
        size_t j = i;
        for (; j > 0 && strcmp(e[j - 1].key, x.key) > 0; j--)
            e[j] = e[j - 1];
        e[j] = x;
    }
}

static int put_json_kvlist(struct sb *b, const Opentelemetry__Proto__Common__V1__KeyValueList *l,
                           int depth)
{
    size_t n = l ? l->n_values : 0;
    sb_putc(b, '{');
    if (n) {
        struct kv_ent *e = arena_alloc(b->a, n * sizeof(*e));
        if (!e)
            return b->rc = arena_error(b->a);
        for (size_t i = 0; i < n; i++) {
            const key_value *kv = l->values[i];
            e[i].key = kv && kv->key ? kv->key : "";
            e[i].value = kv ? kv->value : NULL;
            e[i].pos = i;
        }
        kv_sort(e, n);
        int first = 1;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && strcmp(e[i].key, e[i + 1].key) == 0)
                continue; /* a later duplicate wins, as in Go's map */
            if (!first)
                sb_putc(b, ',');
            first = 0;
            put_json_string(b, e[i].key, strlen(e[i].key));
            sb_putc(b, ':');
            int rc = put_json(b, e[i].value, depth + 1);
            if (rc != O2P_OK)
                return rc;
        }
    }
    sb_putc(b, '}');
    return b->rc;
}

static int put_json(struct sb *b, const any_value *v, int depth)
{
    char num[OTEL_STRING_DOUBLE_MAX];
    if (depth > OTEL_STRING_MAX_DEPTH)
        return O2P_EINVAL;
    if (!v) {
        sb_puts(b, "null");
        return b->rc;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        const char *s = v->string_value ? v->string_value : "";
        put_json_string(b, s, strlen(s));
        break;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        sb_puts(b, v->bool_value ? "true" : "false");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        sb_put(b, num, int_text(v->int_value, num));
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        if (!isfinite(v->double_value)) {
            sb_puts(b, "null");
        } else {
            otel_string_double(v->double_value, num);
            sb_puts(b, num);
        }
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        sb_putc(b, '"');
        put_base64(b, v->bytes_value.data, v->bytes_value.len);
        sb_putc(b, '"');
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        const Opentelemetry__Proto__Common__V1__ArrayValue *arr = v->array_value;
        sb_putc(b, '[');
        for (size_t i = 0; arr && i < arr->n_values; i++) {
            if (i)
                sb_putc(b, ',');
            int rc = put_json(b, arr->values[i], depth + 1);
            if (rc != O2P_OK)
                return rc;
        }
        sb_putc(b, ']');
        break;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        return put_json_kvlist(b, v->kvlist_value, depth);
    default:
        sb_puts(b, "null");
        break;
    }
    return b->rc;
}

int otel_string_any(const any_value *v, struct arena *a, struct otel_str *out,
                    struct o2p_error *err)
{
    char num[OTEL_STRING_DOUBLE_MAX];
    out->p = "";
    out->n = 0;
    if (!v)
        return O2P_OK;
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        int rc = otel_string_text(v->string_value, a, out, NULL);
        return rc == O2P_OK ? rc : o2p_fail(err, rc, "string value: out of scratch memory");
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        out->p = v->bool_value ? "true" : "false";
        out->n = strlen(out->p);
        return O2P_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: {
        size_t n;
        if (v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE)
            n = int_text(v->int_value, num);
        else
            n = otel_string_double(v->double_value, num);
        char *p = arena_strndup(a, num, n);
        if (!p)
            return o2p_fail(err, arena_error(a), "number value: out of scratch memory");
        out->p = p;
        out->n = n;
        return O2P_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE: {
        const char *p = otel_string_base64(v->bytes_value.data, v->bytes_value.len, a);
        if (!p)
            return o2p_fail(err, arena_error(a), "bytes value: out of scratch memory");
        out->p = p;
        out->n = strlen(p);
        return O2P_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
        struct sb b;
        sb_init(&b, a, 256); /* most bodies and arrays fit: no regrowth copies */
        int rc = put_json(&b, v, 0);
        if (rc == O2P_EINVAL)
            return o2p_fail(err, rc, "AnyValue nested deeper than %d levels",
                            OTEL_STRING_MAX_DEPTH);
        if (rc != O2P_OK)
            return o2p_fail(err, rc, "array/kvlist value: out of scratch memory");
        sb_finish(&b, out);
        return O2P_OK;
    }
    default:
        return O2P_OK; /* empty value */
    }
}
