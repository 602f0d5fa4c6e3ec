/*
 * test_iceberg_avro.c - the Avro encoder against hand-computed bytes (Avro spec "Binary
 * Encoding"), the container writer's exact header layout, and the reader on good, deflated
 * and damaged files.
 */
#include "testing.h"

#include "iceberg/iceberg_avro.h"

#include <stdint.h>

static int same(const struct buf *b, const uint8_t *want, size_t n)
{
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        printf("  got:");
        for (size_t i = 0; i < b->len; i++)
            printf(" %02x", b->data[i]);
        printf("\n");
        return 0;
    }
    return 1;
}

TEST(zigzag_longs)
{
    struct { int64_t v; uint8_t bytes[10]; size_t n; } cases[] = {
        {0, {0x00}, 1}, {-1, {0x01}, 1}, {1, {0x02}, 1}, {-64, {0x7f}, 1}, {64, {0x80, 0x01}, 2},
        {1000, {0xd0, 0x0f}, 2}, {-65, {0x81, 0x01}, 2},
        {INT64_MAX, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
        {INT64_MIN, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        buf_init(&b, 0);
        CHECK_EQ_INT(iceberg_avro_put_long(&b, cases[i].v), O2P_OK);
        int ok = same(&b, cases[i].bytes, cases[i].n);
        buf_free(&b);
        if (!ok)
            FAILF("long %lld", (long long)cases[i].v);
    }
}

TEST(primitives_and_unions)
{
    struct buf b;
    buf_init(&b, 0);
    iceberg_avro_put_string(&b, "foo");                 /* 06 'f' 'o' 'o' */
    iceberg_avro_put_bool(&b, true);                    /* 01 */
    iceberg_avro_put_double(&b, 1.0);                   /* 00 00 00 00 00 00 f0 3f */
    iceberg_avro_put_union(&b, 1);                      /* ["null","long"] branch 1 ... */
    iceberg_avro_put_long(&b, 2);                       /* ... value 2: 02 04 */
    iceberg_avro_put_union(&b, 0);                      /* null branch: 00 */
    iceberg_avro_put_bytes(&b, "\x01\xff", 2);          /* 04 01 ff */
    iceberg_avro_put_long(&b, 2);                       /* array block of 2 ints: 04 */
    iceberg_avro_put_int(&b, 117);                      /*   ea 01 */
    iceberg_avro_put_int(&b, -3);                       /*   05 */
    iceberg_avro_put_long(&b, 0);                       /* end of array: 00 */
    const uint8_t want[] = {0x06, 'f', 'o', 'o', 0x01, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x02, 0x04, 0x00,
                            0x04, 0x01, 0xff, 0x04, 0xea, 0x01, 0x05, 0x00};
    int ok = same(&b, want, sizeof want);
    buf_free(&b);
    CHECK(ok);
}

TEST(container_header_bytes)
{
    uint8_t sync[16];
    memset(sync, 0xaa, sizeof sync);
    const uint8_t body[] = {0x0a}; /* int 5 */
    struct buf b;
    buf_init(&b, 0);
    const struct iceberg_avro_meta meta[] = {{"k", "v", 0}};
    CHECK_EQ_INT(iceberg_avro_ocf_write(&b, "\"int\"", AVRO_CODEC_NULL, meta, 1, sync, body, 1, 1, NULL), O2P_OK);
    struct buf want;
    buf_init(&want, 0);
    buf_append(&want, "Obj\x01", 4);
    buf_append(&want, "\x06", 1);                       /* 3 map entries */
    buf_append(&want, "\x16" "avro.schema", 12);
    buf_append(&want, "\x0a" "\"int\"", 6);
    buf_append(&want, "\x14" "avro.codec", 11);
    buf_append(&want, "\x08" "null", 5);
    buf_append(&want, "\x02" "k" "\x02" "v", 4);
    buf_append(&want, "\x00", 1);                       /* end of map */
    buf_append(&want, sync, 16);
    buf_append(&want, "\x02\x02\x0a", 3);               /* 1 record, 1 byte, int 5 */
    buf_append(&want, sync, 16);
    int ok = same(&b, want.data, want.len);
    struct iceberg_avro_file f;
    int rc = iceberg_avro_read(b.data, b.len, 10, 1 << 20, &f, NULL);
    buf_free(&want);
    buf_free(&b);
    CHECK(ok);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK_EQ_INT(json_array_size(f.records), 1);
    CHECK_EQ_INT(json_integer_value(json_array_get(f.records, 0)), 5);
    CHECK_EQ_STR(iceberg_avro_meta_get(&f, "k"), "v");
    iceberg_avro_file_free(&f);
}

static const char SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
    "{\"name\":\"s\",\"type\":\"string\",\"field-id\":1},"
    "{\"name\":\"id\",\"type\":[\"null\",\"long\"],\"field-id\":2},"
    "{\"name\":\"m\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":\"record\","
    "\"name\":\"k1_v2\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},{\"name\":\"value\",\"type\":\"bytes\"}]}}]},"
    "{\"name\":\"again\",\"type\":[\"null\",\"k1_v2\"]},"
    "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}}]}";

static void put_record(struct buf *b, int i)
{
    char s[32];
    snprintf(s, sizeof s, "row-%d", i);
    iceberg_avro_put_string(b, s);
    iceberg_avro_put_union(b, 1);
    iceberg_avro_put_long(b, INT64_MAX - i);
    iceberg_avro_put_union(b, 1);
    iceberg_avro_put_long(b, 1);
    iceberg_avro_put_int(b, 7);
    iceberg_avro_put_bytes(b, "\x00\x10", 2);
    iceberg_avro_put_long(b, 0);
    iceberg_avro_put_union(b, 0);
    iceberg_avro_put_int(b, 20413);
}

TEST(deflate_round_trip)
{
    struct buf body, file;
    buf_init(&body, 0);
    buf_init(&file, 0);
    for (int i = 0; i < 500; i++)
        put_record(&body, i);
    uint8_t sync[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CHECK_EQ_INT(iceberg_avro_ocf_write(&file, SCHEMA, AVRO_CODEC_DEFLATE, NULL, 0, sync, body.data, body.len, 500, NULL), O2P_OK);
    CHECK(file.len < body.len);
    struct iceberg_avro_file f;
    struct o2p_error err = {0};
    int rc = iceberg_avro_read(file.data, file.len, 1000, 1 << 20, &f, &err);
    buf_free(&body);
    if (rc != O2P_OK)
        buf_free(&file);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK_EQ_INT(f.codec, AVRO_CODEC_DEFLATE);
    CHECK_EQ_INT(json_array_size(f.records), 500);
    json_t *r = json_array_get(f.records, 499);
    CHECK_EQ_STR(json_string_value(json_object_get(r, "s")), "row-499");
    CHECK(json_integer_value(json_object_get(r, "id")) == INT64_MAX - 499);
    json_t *kv = json_array_get(json_object_get(r, "m"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(kv, "key")), 7);
    CHECK_EQ_STR(json_string_value(json_object_get(kv, "value")), "0010");
    CHECK(json_is_null(json_object_get(r, "again")));
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "d")), 20413);
    iceberg_avro_file_free(&f);
    /* Damage: a flipped sync byte, a truncated file, a bad magic. */
    file.data[file.len - 1] ^= 1;
    CHECK_EQ_INT(iceberg_avro_read(file.data, file.len, 1000, 1 << 20, &f, &err), O2P_ECORRUPT);
    CHECK(strstr(err.msg, "sync") != NULL);
    CHECK_EQ_INT(iceberg_avro_read(file.data, file.len / 2, 1000, 1 << 20, &f, &err), O2P_ECORRUPT);
    file.data[0] = 'X';
    CHECK_EQ_INT(iceberg_avro_read(file.data, file.len, 1000, 1 << 20, &f, &err), O2P_ECORRUPT);
    CHECK_EQ_INT(iceberg_avro_read(file.data, 3, 1000, 1 << 20, &f, &err), O2P_ECORRUPT);
    buf_free(&file);
}

TEST(limits)
{
    struct buf body, file;
    buf_init(&body, 0);
    buf_init(&file, 0);
    for (int i = 0; i < 10; i++)
        put_record(&body, i);
    uint8_t sync[16] = {0};
    iceberg_avro_ocf_write(&file, SCHEMA, AVRO_CODEC_NULL, NULL, 0, sync, body.data, body.len, 10, NULL);
    struct iceberg_avro_file f;
    CHECK_EQ_INT(iceberg_avro_read(file.data, file.len, 9, 1 << 20, &f, NULL), O2P_ETOOBIG);
    struct buf small;
    buf_init(&small, 16);
    CHECK_EQ_INT(iceberg_avro_ocf_write(&small, SCHEMA, AVRO_CODEC_NULL, NULL, 0, sync, body.data, body.len, 10, NULL),
                 O2P_ETOOBIG);
    uint8_t hex[4];
    CHECK_EQ_INT(iceberg_avro_hex_decode("00ff10", hex, sizeof hex), 3);
    CHECK_EQ_INT(hex[1], 0xff);
    CHECK_EQ_INT(iceberg_avro_hex_decode("0g", hex, sizeof hex), -1);
    buf_free(&small);
    buf_free(&body);
    buf_free(&file);
}

int main(void)
{
    RUN(zigzag_longs);
    RUN(primitives_and_unions);
    RUN(container_header_bytes);
    RUN(deflate_round_trip);
    RUN(limits);
    return testing_done();
}
