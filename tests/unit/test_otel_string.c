/* test_otel_string.c - AnyValue -> string (pcommon AsString rules), ids, base64, UTF-8. */
#include "common/otel_string.h"
#include "testing.h"

#include <math.h>

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
    RUN(scalars);
    RUN(arrays_and_maps_as_go_json);
    RUN(depth_limit);
    RUN(ids_and_utf8);
    RUN(arena_ceiling);
    arena_free(&A);
    return testing_done();
}
