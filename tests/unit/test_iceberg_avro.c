/*
 * test_iceberg_avro.c - the Avro encoder against hand-computed bytes (Avro spec "Binary
 * Encoding"), the container writer's exact header layout, and the reader on good, deflated
 * and damaged files; and the reader on manifest lists and manifests that a third-party
 * writer (python3-avro, tests/unit/data/avro/gen.py) made in each codec the spec names -
 * null, deflate, snappy, zstandard - several blocks each, the records compared with what
 * python wrote, plus a snappy CRC mismatch, a bad snappy copy offset and a truncated zstd
 * frame. The committed files are read, and gen.py is run again into a temporary folder so
 * the reader also meets what today's python3-avro writes.
 */
#include "testing.h"

#include "iceberg/iceberg_avro.h"
#include "iceberg/iceberg_manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

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

/* ---- files written by python3-avro (tests/unit/data/avro) ----------------------------------- */

static const char *data_dir(void)
{
    static char dir[1024];
    const char *root = getenv("O2P_ROOT");
    snprintf(dir, sizeof dir, "%s/tests/unit/data/avro", root ? root : ".");
    return dir;
}

/* slurp - dir/name into a malloc'ed buffer; NULL if it cannot be read */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(1 << 20);
    *len = b ? fread(b, 1, 1 << 20, f) : 0;
    fclose(f);
    return b;
}

/* blocks - how many data blocks the file has: its sync marker (the last 16 bytes) occurs once
 * after the header and once after each block */
static int blocks(const uint8_t *p, size_t n)
{
    int k = 0;
    for (size_t i = 0; n >= 16 && i + 16 <= n; i++)
        k += !memcmp(p + i, p + n - 16, 16);
    return k - 1;
}

/* check_codecs - every good file in dir read back equal to what python wrote; "" or a reason */
static const char *check_codecs(const char *dir, char *why, size_t cap)
{
    static const struct { const char *file, *expected; enum iceberg_avro_codec codec; } files[] = {
        {"manifest-list.null.avro", "manifest-list.expected.json", AVRO_CODEC_NULL},
        {"manifest-list.deflate.avro", "manifest-list.expected.json", AVRO_CODEC_DEFLATE},
        {"manifest-list.snappy.avro", "manifest-list.expected.json", AVRO_CODEC_SNAPPY},
        {"manifest-list.zstandard.avro", "manifest-list.expected.json", AVRO_CODEC_ZSTANDARD},
        {"manifest-list.zstandard-nosize.avro", "manifest-list.expected.json", AVRO_CODEC_ZSTANDARD},
        {"manifest.null.avro", "manifest.expected.json", AVRO_CODEC_NULL},
        {"manifest.deflate.avro", "manifest.expected.json", AVRO_CODEC_DEFLATE},
        {"manifest.snappy.avro", "manifest.expected.json", AVRO_CODEC_SNAPPY},
        {"manifest.zstandard.avro", "manifest.expected.json", AVRO_CODEC_ZSTANDARD},
    };
    why[0] = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !why[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].expected);
        json_error_t je;
        json_t *want = json_load_file(path, 0, &je);
        size_t len = 0;
        uint8_t *p = slurp(dir, files[i].file, &len);
        struct iceberg_avro_file f = {0};
        struct o2p_error err = {0};
        int rc = p && want ? iceberg_avro_read(p, len, 1000, 1 << 20, &f, &err) : O2P_ENOTFOUND;
        if (!p || !want)
            snprintf(why, cap, "%s: cannot read it or %s", files[i].file, files[i].expected);
        else if (rc != O2P_OK)
            snprintf(why, cap, "%s: %s", files[i].file, err.msg);
        else if (f.codec != files[i].codec)
            snprintf(why, cap, "%s: codec %d, expected %d", files[i].file, (int)f.codec, (int)files[i].codec);
        else if (blocks(p, len) < 4)
            snprintf(why, cap, "%s: %d blocks, expected several", files[i].file, blocks(p, len));
        else if (!json_equal(f.records, want)) {
            size_t k = 0;
            while (k < json_array_size(want) && json_equal(json_array_get(f.records, k), json_array_get(want, k)))
                k++;
            char *got = json_dumps(json_array_get(f.records, k), JSON_SORT_KEYS | JSON_COMPACT);
            snprintf(why, cap, "%s: %zu records, record %zu differs: %.300s", files[i].file,
                     json_array_size(f.records), k, got ? got : "(none)");
            free(got);
        } else if (strstr(files[i].file, "list")) {
            /* the committer's entry point reads it too */
            json_t *recs = NULL;
            rc = iceberg_manifest_list_read(p, len, &recs, &err);
            if (rc != O2P_OK || !json_equal(recs, want))
                snprintf(why, cap, "%s: iceberg_manifest_list_read: %s", files[i].file, rc ? err.msg : "differs");
            json_decref(recs);
        }
        if (rc == O2P_OK)
            iceberg_avro_file_free(&f);
        json_decref(want);
        free(p);
    }
    return why;
}

TEST(foreign_codecs)
{
    char why[1024];
    check_codecs(data_dir(), why, sizeof why);
    if (why[0])
        FAILF("%s", why);
}

TEST(foreign_codecs_written_now)
{
    char dir[] = "/tmp/o2p-avro.XXXXXX", cmd[1400], why[1024];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/gen.py %s 2>&1", data_dir(), dir);
    int st = system(cmd);
    if (st == 0)
        check_codecs(dir, why, sizeof why);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    if (st != 0)
        FAILF("gen.py failed (exit %d): needs python3-avro, python3-snappy, python3-zstandard (scripts/deps.sh)",
              WEXITSTATUS(st));
    if (why[0])
        FAILF("%s", why);
}

/* read_err - read dir/name with max_block; the code, the message in msg */
static int read_err(const char *name, size_t max_block, char *msg, size_t cap)
{
    size_t len = 0;
    uint8_t *p = slurp(data_dir(), name, &len);
    if (!p) {
        snprintf(msg, cap, "cannot read %s", name);
        return 1;
    }
    struct iceberg_avro_file f;
    struct o2p_error err = {0};
    int rc = iceberg_avro_read(p, len, 1000, max_block, &f, &err);
    free(p);
    if (rc == O2P_OK)
        iceberg_avro_file_free(&f);
    snprintf(msg, cap, "%s", err.msg);
    return rc;
}

TEST(foreign_codecs_damaged)
{
    char msg[O2P_ERROR_MAX];
    /* python3-avro wrote each; only block 2's codec output was replaced (gen.py) */
    CHECK_EQ_INT(read_err("bad-snappy-crc.avro", 1 << 20, msg, sizeof msg), O2P_ECORRUPT);
    if (!strstr(msg, "block 2") || !strstr(msg, "CRC32 mismatch"))
        FAILF("bad-snappy-crc: %s", msg);
    CHECK_EQ_INT(read_err("bad-snappy-offset.avro", 1 << 20, msg, sizeof msg), O2P_ECORRUPT);
    if (!strstr(msg, "block 2") || !strstr(msg, "before the start of the output"))
        FAILF("bad-snappy-offset: %s", msg);
    CHECK_EQ_INT(read_err("bad-zstd-truncated.avro", 1 << 20, msg, sizeof msg), O2P_ECORRUPT);
    if (!strstr(msg, "block 2") || !strstr(msg, "zstd"))
        FAILF("bad-zstd-truncated: %s", msg);
    /* the block ceiling in each codec: a declared snappy length, a zstd content size, a zstd
     * frame without one (streamed until the ceiling) */
    CHECK_EQ_INT(read_err("manifest-list.snappy.avro", 200, msg, sizeof msg), O2P_ETOOBIG);
    CHECK(strstr(msg, "200 allowed") != NULL);
    CHECK_EQ_INT(read_err("manifest-list.zstandard.avro", 200, msg, sizeof msg), O2P_ETOOBIG);
    CHECK(strstr(msg, "200 allowed") != NULL);
    CHECK_EQ_INT(read_err("manifest-list.zstandard-nosize.avro", 200, msg, sizeof msg), O2P_ETOOBIG);
    CHECK(strstr(msg, "larger than 200 bytes") != NULL);
    /* every prefix of a snappy and a zstd file fails cleanly (no read past the end, no leak) */
    static const char *const cut[] = {"manifest.snappy.avro", "manifest-list.zstandard-nosize.avro"};
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        uint8_t *p = slurp(data_dir(), cut[i], &len);
        CHECK(p != NULL);
        int bad = 0;
        for (size_t n = 0; n < len && !bad; n += 1 + n / 50) {
            uint8_t *q = malloc(n ? n : 1);
            memcpy(q, p, n);
            struct iceberg_avro_file f;
            int rc = iceberg_avro_read(q, n, 1000, 1 << 20, &f, NULL);
            free(q);
            bad = rc != O2P_ECORRUPT && rc != O2P_OK;
            if (rc == O2P_OK)
                iceberg_avro_file_free(&f);
        }
        free(p);
        CHECK(!bad);
    }
}

TEST(count_overflow)
{
    /* a negative count is "count items, then their size"; INT64_MIN cannot be negated
     * (found by fuzz_iceberg_avro): the metadata map's count, then an array block's */
    struct iceberg_avro_file f;
    struct o2p_error err = {0};
    static const uint8_t map[] = "Obj\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    CHECK_EQ_INT(iceberg_avro_read(map, sizeof map - 1, 10, 1 << 20, &f, &err), O2P_ECORRUPT);
    CHECK(strstr(err.msg, "bad metadata map count") != NULL);
    struct buf b;
    buf_init(&b, 0);
    uint8_t sync[16] = {0};
    static const uint8_t body[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    CHECK_EQ_INT(iceberg_avro_ocf_write(&b, "{\"type\":\"array\",\"items\":\"int\"}", AVRO_CODEC_NULL, NULL, 0, sync,
                                        body, sizeof body - 1, 1, NULL), O2P_OK);
    int rc = iceberg_avro_read(b.data, b.len, 10, 1 << 20, &f, &err);
    buf_free(&b);
    CHECK_EQ_INT(rc, O2P_ECORRUPT);
    CHECK(strstr(err.msg, "bad block count") != NULL);
}

TEST(codec_names)
{
    /* exactly the spec's names: "zstd" (Parquet's word) and "bzip2" are refused */
    static const char *const names[] = {"zstd", "bzip2", "Snappy", ""};
    for (int i = 0; i < 4; i++) {
        struct buf b;
        buf_init(&b, 0);
        uint8_t sync[16] = {0};
        const struct iceberg_avro_meta meta[] = {{"avro.codec", names[i], 0}};
        /* the writer's own avro.codec comes first; a second key of the same name wins in a map */
        iceberg_avro_ocf_write(&b, "\"int\"", AVRO_CODEC_NULL, meta, 1, sync, (const uint8_t *)"\x0a", 1, 1, NULL);
        struct iceberg_avro_file f;
        struct o2p_error err = {0};
        int rc = iceberg_avro_read(b.data, b.len, 10, 1 << 20, &f, &err);
        buf_free(&b);
        if (rc == O2P_OK)
            iceberg_avro_file_free(&f);
        if (names[i][0] ? rc != O2P_EUNSUPPORTED || !strstr(err.msg, "zstandard") : rc != O2P_EUNSUPPORTED)
            FAILF("codec \"%s\": rc %d %s", names[i], rc, err.msg);
    }
    /* we write null and deflate only */
    struct buf b;
    buf_init(&b, 0);
    uint8_t sync[16] = {0};
    CHECK_EQ_INT(iceberg_avro_ocf_write(&b, "\"int\"", AVRO_CODEC_SNAPPY, NULL, 0, sync, (const uint8_t *)"\x0a", 1, 1,
                                        NULL), O2P_EUNSUPPORTED);
    buf_free(&b);
}

int main(void)
{
    RUN(zigzag_longs);
    RUN(primitives_and_unions);
    RUN(container_header_bytes);
    RUN(deflate_round_trip);
    RUN(limits);
    RUN(foreign_codecs);
    RUN(foreign_codecs_written_now);
    RUN(foreign_codecs_damaged);
    RUN(count_overflow);
    RUN(codec_names);
    return testing_done();
}
