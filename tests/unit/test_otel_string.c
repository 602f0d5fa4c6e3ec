/* test_otel_string.c - AnyValue -> string (pcommon AsString rules), ids, base64, UTF-8. */
#include "otel/otel_string.h"
#include "testing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__ArrayValue array_value;
typedef Opentelemetry__Proto__Common__V1__KeyValueList kv_list;

static struct arena A;

static any_value str_v(const char *s)
{
    any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    v.string_value = (char *)s;
    return v;
}
static any_value dbl_v(double d)
{
    any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
    v.double_value = d;
    return v;
}
static any_value int_v(int64_t i)
{
    any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
    v.int_value = i;
    return v;
}
static any_value bool_v(int b)
{
    any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
    v.bool_value = b;
    return v;
}
static any_value bytes_v(const void *p, size_t n)
{
    any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
    v.bytes_value.data = (uint8_t *)p;
    v.bytes_value.len = n;
    return v;
}

static const char *as(const any_value *v)
{
    struct otel_str s;
    static struct o2p_error err;
    if (otel_string_any(v, &A, &s, &err) != O2P_OK)
        return err.msg;
    return s.p;
}

static const char *dstr(double d)
{
    static char buf[OTEL_STRING_DOUBLE_MAX];
    otel_string_double(d, buf);
    return buf;
}

TEST(doubles_like_javascript)
{
    CHECK_EQ_STR(dstr(0.1), "0.1");
    CHECK_EQ_STR(dstr(1.5e-7), "1.5e-7");
    CHECK_EQ_STR(dstr(1e-7), "1e-7");
    CHECK_EQ_STR(dstr(1e-6), "0.000001");
    CHECK_EQ_STR(dstr(0.000001234), "0.000001234");
    CHECK_EQ_STR(dstr(1e21), "1e+21");
    CHECK_EQ_STR(dstr(123456789012345680000.0), "123456789012345680000");
    CHECK_EQ_STR(dstr(100), "100");
    CHECK_EQ_STR(dstr(3.14), "3.14");
    CHECK_EQ_STR(dstr(-2.5), "-2.5");
    CHECK_EQ_STR(dstr(5e-324), "5e-324");
    CHECK_EQ_STR(dstr(1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_EQ_STR(dstr(0.1 + 0.2), "0.30000000000000004");
    CHECK_EQ_STR(dstr(1234.5678), "1234.5678");
    CHECK_EQ_STR(dstr(-1e-300), "-1e-300");
    CHECK_EQ_STR(dstr(0), "0");
    CHECK_EQ_STR(dstr(-0.0), "-0");
    CHECK_EQ_STR(dstr(NAN), "NaN");
    CHECK_EQ_STR(dstr(INFINITY), "Infinity");
    CHECK_EQ_STR(dstr(-INFINITY), "-Infinity");
    CHECK_EQ_STR(dstr(9007199254740993.0), "9007199254740992");
}

/* ref_double - the original formatter (the smallest "%.*e" precision that strtod reads back,
 * then the JavaScript layout): slow but obviously right; the fast one must match it byte for
 * byte. */
static void ref_double(double d, char *buf)
{
    if (d == 0) {
        strcpy(buf, signbit(d) ? "-0" : "0");
        return;
    }
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    char digits[20];
    int k = 0, neg = 0;
    const char *p = e;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < 19)
            digits[k++] = *p;
    int x = atoi(p + 1);
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    char *o = buf;
    if (neg)
        *o++ = '-';
    double ad = fabs(d);
    if (ad < 1e-6 || ad >= 1e21) {
        o += sprintf(o, "%c%s%s", digits[0], k > 1 ? "." : "", digits + 1);
        sprintf(o, "e%c%d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x >= 0 && k <= x + 1) {
        o += sprintf(o, "%s", digits);
        for (int i = k; i < x + 1; i++)
            *o++ = '0';
        *o = '\0';
    } else if (x >= 0) {
        sprintf(o, "%.*s.%s", x + 1, digits, digits + x + 1);
    } else {
        o += sprintf(o, "0.");
        for (int i = 0; i < -x - 1; i++)
            *o++ = '0';
        strcpy(o, digits);
    }
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int same_as_ref(double d)
{
    char want[64], got[OTEL_STRING_DOUBLE_MAX];
    ref_double(d, want);
    size_t n = otel_string_double(d, got);
    if (strcmp(want, got) != 0 || n != strlen(want)) {
        fprintf(stderr, "  double %a: got %s want %s\n", d, got, want);
        return 0;
    }
    return 1;
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

TEST(doubles_match_reference)
{
    static const double edge[] = {
        5e-324, -5e-324, 2.2250738585072014e-308, 2.2250738585072009e-308, 1.7976931348623157e308,
        0.1 + 0.2, 1e21, 1e-7, 1e-6, 123456789012345680000.0, 9007199254740993.0, 1e-4, 1e-5,
        9.999999999999999e-5, 0.0001220703125, 3.6028797018963968e16, 3.602879701896397e16,
        7.205759403792794e16, 1e16, 1e17, 1e18, 99999999999999990.0, 0.3, 2.5, 0.5, 1.5,
        4.35, 0.15, 1e22, 1e23, 5e-310, 1.0, 2.0, 9.5, 0.95, 1234567.0, 4503599627370496.5,
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof edge / sizeof edge[0] && bad < 10; i++)
        bad += !same_as_ref(edge[i]) + !same_as_ref(-edge[i]);
    /* powers of two and ten and their neighbours: the interval is lopsided at 2^n */
    for (int i = -1074; i <= 1023 && bad < 10; i++) {
        double p = ldexp(1.0, i);
        bad += !same_as_ref(p) + !same_as_ref(nextafter(p, 0)) + !same_as_ref(nextafter(p, INFINITY));
    }
    for (int i = -323; i <= 308 && bad < 10; i++) {
        char t[16];
        snprintf(t, sizeof t, "1e%d", i);
        double p = strtod(t, NULL);
        bad += !same_as_ref(p) + !same_as_ref(nextafter(p, 0)) + !same_as_ref(nextafter(p, INFINITY));
    }
    for (int i = 0; i < 100000 && bad < 10; i++) { /* any bit pattern */
        double d = from_bits(rng());
        if (isfinite(d))
            bad += !same_as_ref(d);
    }
    for (int i = 0; i < 200000 && bad < 10; i++) { /* telemetry-sized: 1e-5 .. 1e17 */
        double d = from_bits((uint64_t)(1006 + rng() % 70) << 52 | (rng() & ((1ull << 52) - 1)));
        bad += !same_as_ref(d);
    }
    for (int i = 0; i < 100000 && bad < 10; i++) { /* few digits: n / 10^j, uniform 0..250 */
        double d = (double)(rng() % 100000000) / (double)(uint64_t)pow(10, (double)(rng() % 12));
        bad += !same_as_ref(d) + !same_as_ref((double)(rng() >> 11) / 9007199254740992.0 * 250);
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(scalars)
{
    any_value v = str_v("héllo \"x\" <b>");
    CHECK_EQ_STR(as(&v), "héllo \"x\" <b>");
    v = bool_v(1);
    CHECK_EQ_STR(as(&v), "true");
    v = bool_v(0);
    CHECK_EQ_STR(as(&v), "false");
    v = int_v(INT64_MIN);
    CHECK_EQ_STR(as(&v), "-9223372036854775808");
    v = dbl_v(2.0);
    CHECK_EQ_STR(as(&v), "2");
    v = bytes_v("\x01\x02\x03\xff", 4);
    CHECK_EQ_STR(as(&v), "AQID/w==");
    v = bytes_v("ab", 2);
    CHECK_EQ_STR(as(&v), "YWI=");
    v = bytes_v("", 0);
    CHECK_EQ_STR(as(&v), "");
    CHECK_EQ_STR(as(NULL), "");
    any_value empty = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    CHECK_EQ_STR(as(&empty), "");
    v = str_v("bad\xff utf8");
    CHECK_EQ_STR(as(&v), "bad\xef\xbf\xbd utf8");
}

TEST(arrays_and_maps_as_go_json)
{
    any_value e[8];
    any_value *ep[8];
    e[0] = str_v("a\"b\\c\n\x01<>&\xe2\x80\xa8");
    e[1] = int_v(-7);
    e[2] = dbl_v(1.5e-7);
    e[3] = bool_v(0);
    e[4] = bytes_v("\x00\x01", 2);
    e[5] = (any_value)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    e[6] = dbl_v(NAN);
    e[7] = dbl_v(100);
    for (int i = 0; i < 8; i++)
        ep[i] = &e[i];
    array_value arr = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
    arr.n_values = 8;
    arr.values = ep;
    any_value av = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    av.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
    av.array_value = &arr;
    CHECK_EQ_STR(as(&av), "[\"a\\\"b\\\\c\\n\\u0001\\u003c\\u003e\\u0026\\u2028\",-7,1.5e-7,"
                          "false,\"AAE=\",null,null,100]");

    /* map: keys sorted, last duplicate wins, nested array/map */
    any_value v1 = str_v("first"), v2 = int_v(2), v3 = str_v("last"), v4 = bool_v(1);
    key_value kv[5] = {
        OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT,
        OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT,
        OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT,
        OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT,
        OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT,
    };
    kv[0].key = "z"; kv[0].value = &v1;
    kv[1].key = "b"; kv[1].value = &v2;
    kv[2].key = "z"; kv[2].value = &v3;
    kv[3].key = "A"; kv[3].value = &av;
    kv[4].key = "é"; kv[4].value = NULL;
    key_value *kvp[5] = { &kv[0], &kv[1], &kv[2], &kv[3], &kv[4] };
    kv_list l = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
    l.n_values = 5;
    l.values = kvp;
    any_value mv = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    mv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
    mv.kvlist_value = &l;
    (void)v4;
    const char *got = as(&mv);
    CHECK(strncmp(got, "{\"A\":[", 6) == 0);
    CHECK(strstr(got, "],\"b\":2,\"z\":\"last\",\"é\":null}") != NULL);

    kv_list el = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
    mv.kvlist_value = &el;
    CHECK_EQ_STR(as(&mv), "{}");
    array_value ea = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
    av.array_value = &ea;
    CHECK_EQ_STR(as(&av), "[]");
}

TEST(depth_limit)
{
    enum { N = OTEL_STRING_MAX_DEPTH + 5 };
    static any_value v[N];
    static array_value a[N];
    static any_value *p[N];
    for (int i = 0; i < N; i++) {
        v[i] = (any_value)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
        v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
        a[i] = (array_value)OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
        v[i].array_value = &a[i];
        if (i + 1 < N) {
            p[i] = &v[i + 1];
            a[i].values = &p[i];
            a[i].n_values = 1;
        }
    }
    struct otel_str s;
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otel_string_any(&v[0], &A, &s, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "nested") != NULL);
    /* exactly at the limit is fine */
    CHECK_EQ_INT(otel_string_any(&v[N - OTEL_STRING_MAX_DEPTH - 1], &A, &s, &err), O2P_OK);
}

TEST(ids_and_utf8)
{
    uint8_t id[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 0xff };
    uint8_t zero[16] = { 0 };
    CHECK_EQ_STR(otel_string_id(id, 8, &A), "deadbeef000102ff");
    CHECK_EQ_STR(otel_string_id(zero, 16, &A), "");
    CHECK_EQ_STR(otel_string_id(NULL, 0, &A), "");
    CHECK(otel_string_utf8_valid("日本語 ✓ 😀", strlen("日本語 ✓ 😀")));
    CHECK(!otel_string_utf8_valid("\xc0\xaf", 2));        /* overlong */
    CHECK(!otel_string_utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
    CHECK(!otel_string_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    struct otel_str s;
    bool rep = false;
    CHECK_EQ_INT(otel_string_text("ok", &A, &s, &rep), O2P_OK);
    CHECK(!rep);
    CHECK_EQ_INT(otel_string_text("a\xe2\x82", &A, &s, &rep), O2P_OK);
    CHECK(rep);
    CHECK_EQ_STR(s.p, "a\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_EQ_INT(otel_string_text(NULL, &A, &s, NULL), O2P_OK);
    CHECK_EQ_STR(s.p, "");
}

TEST(arena_ceiling)
{
    struct arena small;
    arena_init(&small, 256, 512);
    static char big[4096];
    memset(big, 'x', sizeof(big) - 1);
    any_value e = str_v(big);
    any_value *ep = &e;
    array_value arr = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
    arr.n_values = 1;
    arr.values = &ep;
    any_value av = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    av.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
    av.array_value = &arr;
    struct otel_str s;
    struct o2p_error err = { 0 };
    CHECK_EQ_INT(otel_string_any(&av, &small, &s, &err), O2P_ETOOBIG);
    arena_free(&small);
}

int main(void)
{
    arena_init(&A, 4096, 0);
    RUN(doubles_like_javascript);
    RUN(doubles_match_reference);
    RUN(scalars);
    RUN(arrays_and_maps_as_go_json);
    RUN(depth_limit);
    RUN(ids_and_utf8);
    RUN(arena_ceiling);
    arena_free(&A);
    return testing_done();
}
