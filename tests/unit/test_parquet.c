/*
 * test_parquet.c - unit tests of the Parquet encoder and reader: the RLE/bit-packing hybrid
 * against bytes computed by hand from Encodings.md, Thrift compact encoding, a tiny file read
 * back by our reader, statistics and bound truncation edge cases, dictionary fallback, page
 * boundaries at row starts, error paths, and a hostile-footer sweep.
 */
#include "testing.h"

#include "parquet/parquet.h"
#include "parquet/parquet_int.h"
#include "parquet/parquet_read.h"
#include "parquet/thrift_compact.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static int bytes_eq(const struct buf *b, const uint8_t *want, size_t n)
{
    return b->len == n && memcmp(b->data, want, n) == 0;
}

TEST(rle_hand_computed)
{
    struct buf b;
    buf_init(&b, 0);
    /* Encodings.md: 0..7 at width 3 bit-packed -> 10001000 11000110 11111010 */
    uint8_t v1[] = {0, 1, 2, 3, 4, 5, 6, 7};
    CHECK(pq_rle_encode_u8(v1, 8, 3, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0x03, 0x88, 0xC6, 0xFA}, 4));
    /* ten 1s at width 1: one RLE run, header 10 << 1 */
    uint8_t v2[10];
    memset(v2, 1, sizeof v2);
    buf_reset(&b);
    CHECK(pq_rle_encode_u8(v2, 10, 1, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0x14, 0x01}, 2));
    /* 8 alternating then ten 1s */
    uint8_t v3[18] = {0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    buf_reset(&b);
    CHECK(pq_rle_encode_u8(v3, 18, 1, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0x03, 0xAA, 0x14, 0x01}, 4));
    /* 0,1,0 then twelve 1s: the run is too short after topping up -> all literal, padded */
    uint8_t v4[15] = {0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    buf_reset(&b);
    CHECK(pq_rle_encode_u8(v4, 15, 1, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0x05, 0xFA, 0x7F}, 3));
    /* 2,3 then twenty 1s at width 2: literal topped up to 8, then RLE of 14 */
    uint8_t v5[22] = {2, 3};
    memset(v5 + 2, 1, 20);
    buf_reset(&b);
    CHECK(pq_rle_encode_u8(v5, 22, 2, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0x03, 0x5E, 0x55, 0x1C, 0x01}, 5));
    /* RLE value of a 9-bit width takes 2 bytes: 300 x 3 -> varint(600) = 0xD8 0x04 */
    uint32_t v6[300];
    for (int i = 0; i < 300; i++)
        v6[i] = 257;
    buf_reset(&b);
    CHECK(pq_rle_encode_u32(v6, 300, 9, &b) == O2P_OK);
    CHECK(bytes_eq(&b, (const uint8_t[]){0xD8, 0x04, 0x01, 0x01}, 4));
    buf_free(&b);
}

TEST(rle_round_trip_and_errors)
{
    struct buf b;
    buf_init(&b, 0);
    uint32_t in[3000], outv[3000];
    uint64_t s = 12345;
    for (int width = 1; width <= 32; width++) {
        for (int i = 0; i < 3000; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
            /* runs of random length so both run kinds appear */
            in[i] = (i > 0 && (s >> 60) < 12) ? in[i - 1] : (uint32_t)(s >> 20) & mask;
        }
        buf_reset(&b);
        CHECK(pq_rle_encode_u32(in, 3000, width, &b) == O2P_OK);
        CHECK(b.len <= pq_rle_bound(3000, width));
        size_t used;
        CHECK(pq_rle_decode(b.data, b.len, width, outv, 3000, &used) == O2P_OK);
        CHECK(memcmp(in, outv, sizeof in) == 0);
        CHECK(used == b.len);
        /* every truncation fails cleanly (or decodes fewer bytes' worth correctly) */
        for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 50)
            CHECK(pq_rle_decode(b.data, cut, width, outv, 3000, NULL) == O2P_ECORRUPT);
    }
    CHECK(pq_rle_decode((const uint8_t[]){0x00}, 1, 1, outv, 1, NULL) == O2P_ECORRUPT); /* empty run */
    CHECK(pq_rle_decode((const uint8_t[]){0x02, 0x05}, 2, 2, outv, 1, NULL) == O2P_ECORRUPT); /* value > width */
    buf_free(&b);
}

TEST(thrift_compact)
{
    uint8_t v[10];
    CHECK(tc_put_varint(v, 300) == 2 && v[0] == 0xAC && v[1] == 0x02);
    CHECK(tc_zigzag64(0) == 0 && tc_zigzag64(-1) == 1 && tc_zigzag64(1) == 2 && tc_zigzag64(-2) == 3);
    CHECK(tc_zigzag64(INT64_MIN) == UINT64_MAX && tc_unzigzag64(UINT64_MAX) == INT64_MIN);
    struct buf b;
    buf_init(&b, 0);
    struct tc_enc e;
    tc_enc_init(&e, &b);
    tc_field_i32(&e, 1, 5);          /* delta 1, type 5: 0x15, zigzag 10 */
    tc_field_i32(&e, 20, -1);        /* delta 19: long form 0x05, zigzag(20) = 40, value 1 */
    tc_field_bool(&e, 21, true);     /* delta 1, type TRUE: 0x11 */
    tc_field_list(&e, 22, TC_BINARY, 2); /* 0x19, size 2 << 4 | 8 */
    tc_elem_bin(&e, "ab", 2);
    tc_elem_bin(&e, "", 0);
    tc_field_struct(&e, 23);         /* 0x1C */
    tc_field_i64(&e, 1, -300);       /* inner struct restarts at 0: 0x16, zigzag 599 = 0xD7 0x04 */
    tc_struct_end(&e);
    tc_struct_end(&e);
    CHECK(e.rc == O2P_OK);
    const uint8_t want[] = {0x15, 0x0A, 0x05, 0x28, 0x01, 0x11, 0x19, 0x28, 0x02, 'a', 'b', 0x00,
                            0x1C, 0x16, 0xD7, 0x04, 0x00, 0x00};
    CHECK(bytes_eq(&b, want, sizeof want));
    struct tc_dec d;
    tc_dec_init(&d, b.data, b.len);
    int16_t last = 0, fid;
    enum tc_type t;
    CHECK(tc_read_field(&d, &last, &fid, &t) && fid == 1 && tc_read_i32(&d, t) == 5);
    CHECK(tc_read_field(&d, &last, &fid, &t) && fid == 20 && tc_read_i32(&d, t) == -1);
    CHECK(tc_read_field(&d, &last, &fid, &t) && fid == 21 && tc_read_bool(&d, t));
    CHECK(tc_read_field(&d, &last, &fid, &t) && fid == 22);
    tc_skip(&d, t);
    CHECK(tc_read_field(&d, &last, &fid, &t) && fid == 23);
    tc_skip(&d, t);
    CHECK(!tc_read_field(&d, &last, &fid, &t) && d.rc == O2P_OK && d.p == d.end);
    /* hostile: a list claiming more elements than bytes */
    tc_dec_init(&d, (const uint8_t[]){0xF8, 0xFF, 0xFF, 0x03}, 4);
    enum tc_type el;
    uint32_t n;
    tc_read_list(&d, TC_LIST, &el, &n);
    CHECK(d.rc == O2P_ECORRUPT && n == 0);
    /* hostile: deep nesting is refused, not recursed */
    uint8_t deep[200];
    memset(deep, 0x1C, sizeof deep);
    tc_dec_init(&d, deep, sizeof deep);
    tc_skip(&d, TC_STRUCT);
    CHECK(d.rc == O2P_ECORRUPT);
    buf_free(&b);
}

/* write rows into a temp file; returns the file bytes in out */
static int read_fd(int fd, struct buf *out)
{
    off_t len = lseek(fd, 0, SEEK_END);
    buf_reset(out);
    if (buf_reserve(out, (size_t)len) != O2P_OK)
        return -1;
    out->len = (size_t)len;
    return pread(fd, out->data, out->len, 0) == len ? 0 : -1;
}

static const struct pq_node tiny_nodes[] = {
    {"id", 1, PQ_REQUIRED, 0, PQ_INT32, PQ_LOGICAL_NONE},
    {"name", 2, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
    {"tags", 3, PQ_OPTIONAL, 1, 0, PQ_LOGICAL_LIST},
    {"list", 0, PQ_REPEATED, 1, 0, PQ_LOGICAL_NONE},
    {"element", 4, PQ_REQUIRED, 0, PQ_INT64, PQ_LOGICAL_NONE},
};

TEST(tiny_file_round_trip)
{
    FILE *tf = tmpfile();
    struct pq_schema s = {tiny_nodes, 5};
    struct pq_kv kv[] = {{"iceberg.schema", "{}"}};
    struct pq_options o = {.zstd_level = 3, .row_group_bytes = 1 << 20, .created_by = "test", .kv = kv, .num_kv = 1};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    CHECK(pq_column_count(w) == 3);
    CHECK(pq_column_max_def(w, 2) == 2 && pq_column_max_rep(w, 2) == 1);
    /* row 0: {1, "a", [10, 11]}  row 1: {2, null, []}  row 2: {3, "b", null} */
    CHECK(pq_write_int32(w, 0, 0, 0, 1) == 0 && pq_write_bytes(w, 1, 0, 1, "a", 1) == 0);
    CHECK(pq_write_int64(w, 2, 0, 2, 10) == 0 && pq_write_int64(w, 2, 1, 2, 11) == 0);
    CHECK(pq_end_row(w, &err) == O2P_OK);
    CHECK(pq_write_int32(w, 0, 0, 0, 2) == 0 && pq_write_null(w, 1, 0, 0) == 0 && pq_write_null(w, 2, 0, 1) == 0);
    CHECK(pq_end_row(w, &err) == O2P_OK);
    CHECK(pq_write_int32(w, 0, 0, 0, 3) == 0 && pq_write_bytes(w, 1, 0, 1, "b", 1) == 0 && pq_write_null(w, 2, 0, 0) == 0);
    CHECK(pq_end_row(w, &err) == O2P_OK);
    struct pq_file_stats st;
    CHECK(pq_writer_finish(w, &st, &err) == O2P_OK);
    CHECK(st.num_rows == 3 && st.num_row_groups == 1 && st.num_columns == 3);
    CHECK(st.columns[1].null_count == 1 && st.columns[1].num_values == 3 && st.columns[1].field_id == 2);
    CHECK(st.columns[2].num_values == 4 && st.columns[2].null_count == 2);
    CHECK(st.columns[0].has_bounds && st.columns[0].min_len == 4 && st.columns[0].min[0] == 1 && st.columns[0].max[0] == 3);
    CHECK(st.columns[1].min_len == 1 && st.columns[1].min[0] == 'a' && st.columns[1].max[0] == 'b');
    CHECK(pq_write_int32(w, 0, 0, 0, 4) == O2P_EINVAL); /* finished */
    pq_writer_free(w);

    struct buf f;
    buf_init(&f, 0);
    CHECK(read_fd(fileno(tf), &f) == 0);
    fclose(tf);
    CHECK(st.file_bytes == (int64_t)f.len);
    CHECK(memcmp(f.data, "PAR1", 4) == 0 && memcmp(f.data + f.len - 4, "PAR1", 4) == 0);
    struct pqr_file *pf;
    CHECK(pqr_open(f.data, f.len, &pf, &err) == O2P_OK);
    CHECK(pf->num_rows == 3 && pf->ncols == 3 && pf->nschema == 6 && pf->nrg == 1 && pf->nkv == 1);
    CHECK(pf->schema[2].has_field_id && pf->schema[2].field_id == 2 && pf->schema[2].logical == 1 && pf->schema[2].converted == 0);
    CHECK(pf->schema[3].logical == 3 && pf->schema[3].converted == 3 && !pf->schema[4].has_field_id);
    CHECK(pf->ncolumn_orders == 3 && pf->rgs[0].cols[1].codec == 6);
    /* two distinct strings: a dictionary would not pay (dict_judge), so PLAIN and no dictionary page */
    CHECK(!(pf->rgs[0].cols[1].encodings & (1u << PQ_ENC_RLE_DICTIONARY)));
    CHECK(pf->rgs[0].cols[1].stats.has_null_count && pf->rgs[0].cols[1].stats.null_count == 1);
    CHECK(!pf->rgs[0].cols[1].stats.max.p); /* deprecated fields never written */
    struct pqr_column c = {0};
    CHECK(pqr_read_column(pf, f.data, f.len, 0, 2, &c, &err) == O2P_OK);
    CHECK(c.n == 4 && c.nvals == 2 && c.i64[0] == 10 && c.i64[1] == 11);
    CHECK(c.rep[0] == 0 && c.rep[1] == 1 && c.rep[2] == 0 && c.def[2] == 1 && c.def[3] == 0);
    pqr_column_free(&c);
    pqr_file_free(pf);
    char *text = NULL;
    size_t tlen;
    FILE *ms = open_memstream(&text, &tlen);
    CHECK(pqr_dump(f.data, f.len, 0, -1, ms, &err) == O2P_OK);
    fclose(ms);
    CHECK_EQ_STR(text, "{\"id\":1,\"name\":\"a\",\"tags\":[10,11]}\n{\"id\":2,\"name\":null,\"tags\":[]}\n"
                       "{\"id\":3,\"name\":\"b\",\"tags\":null}\n");
    free(text);
    buf_free(&f);
}

TEST(error_paths)
{
    FILE *tf = tmpfile();
    struct pq_schema s = {tiny_nodes, 5};
    struct pq_options o = {.zstd_level = 1};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    CHECK(pq_write_int64(w, 0, 0, 0, 1) == O2P_EINVAL);          /* wrong type */
    CHECK(strstr(pq_writer_errmsg(w), "wrong value type") != NULL);
    CHECK(pq_write_bytes(w, 0, 0, 0, "x", 1) == O2P_EINVAL);
    CHECK(pq_write_int32(w, 3, 0, 0, 1) == O2P_EINVAL);          /* no such column */
    CHECK(pq_write_int32(w, 0, 1, 0, 1) == O2P_EINVAL);          /* rep > max_rep */
    CHECK(pq_write_bytes(w, 1, 0, 0, "x", 1) == O2P_EINVAL);     /* value below max_def */
    CHECK(pq_write_null(w, 1, 0, 1) == O2P_EINVAL);              /* null at max_def */
    CHECK(pq_write_null(w, 0, 0, 0) == O2P_EINVAL);              /* required column */
    CHECK(pq_write_int64(w, 2, 1, 2, 5) == O2P_EINVAL);          /* rep 1 before rep 0 */
    CHECK(pq_write_int64(w, 2, 0, 2, 5) == O2P_OK);
    CHECK(pq_write_null(w, 2, 1, 0) == O2P_EINVAL);              /* rep 1 needs def >= 1 */
    CHECK(pq_write_int64(w, 2, 0, 2, 6) == O2P_EINVAL);          /* second row start */
    /* still usable after O2P_EINVAL from pq_write_* */
    CHECK(pq_write_int32(w, 0, 0, 0, 1) == O2P_OK && pq_write_null(w, 1, 0, 0) == O2P_OK);
    CHECK(pq_end_row(w, &err) == O2P_OK);
    CHECK(pq_write_int32(w, 0, 0, 0, 2) == O2P_OK);
    CHECK(pq_end_row(w, &err) == O2P_EINVAL);                    /* columns 1, 2 missing */
    CHECK(pq_writer_finish(w, NULL, &err) == O2P_EINVAL);        /* poisoned */
    pq_writer_free(w);
    struct pq_node bad[] = {{"x", 1, PQ_REQUIRED, 0, PQ_INT32, PQ_LOGICAL_STRING}};
    struct pq_schema bs = {bad, 1};
    CHECK(pq_writer_open(&w, fileno(tf), &bs, &o, &err) == O2P_EINVAL && w == NULL);
    struct pq_node bad2[] = {{"g", 1, PQ_REQUIRED, 2, 0, 0}, {"x", 2, PQ_REQUIRED, 0, PQ_INT32, 0}};
    struct pq_schema bs2 = {bad2, 2};
    CHECK(pq_writer_open(&w, fileno(tf), &bs2, &o, &err) == O2P_EINVAL);
    fclose(tf);
    /* writing to a closed fd reports the errno */
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[1]);
    CHECK(pq_writer_open(&w, fds[1], &s, &o, &err) == O2P_EIO);
    close(fds[0]);
}

static void bounds_of(struct pq_acc *a, enum pq_physical t, enum pq_logical l, uint8_t *min,
                      size_t *minl, int *mine, int *hmin, uint8_t *max, size_t *maxl, int *maxe, int *hmax)
{
    pq_acc_bounds(a, t, l, min, minl, mine, hmin, max, maxl, maxe, hmax);
}

TEST(stats_truncation)
{
    struct pq_acc a;
    uint8_t min[PQ_BOUND_MAX], max[PQ_BOUND_MAX], v[100];
    size_t minl, maxl;
    int mine, maxe, hmin, hmax;
    /* 70 x 'a': min = 64 'a' (inexact), max = 63 'a' + 'b' (inexact) */
    memset(v, 'a', 70);
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 70);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(hmin && hmax && !mine && !maxe && minl == 64 && maxl == 64);
    CHECK(memcmp(min, v, 64) == 0 && memcmp(max, v, 63) == 0 && max[63] == 'b');
    /* exactly 64 bytes: exact */
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 64);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(mine && maxe && minl == 64 && maxl == 64);
    /* binary of 0xFF: no upper bound exists */
    memset(v, 0xFF, 70);
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 70);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_NONE, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(hmin && !hmax);
    /* binary: 63 x 'a' then 0xFF...: the 0xFF is dropped and 'a' bumped */
    memset(v, 'a', 63);
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 70);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_NONE, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(hmax && maxl == 63 && max[62] == 'b');
    /* UTF-8: 40 x U+00E9 (80 bytes): cut at 32 chars, max ends in U+00EA */
    for (int i = 0; i < 40; i++) {
        v[2 * i] = 0xC3;
        v[2 * i + 1] = 0xA9;
    }
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 80);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(minl == 64 && maxl == 64 && max[62] == 0xC3 && max[63] == 0xAA && !maxe);
    /* UTF-8: 'x' + 21 x U+20AC (3 bytes): cut must not split a char: 1 + 21*3 = 64 fits exactly */
    v[0] = 'x';
    for (int i = 0; i < 25; i++) {
        v[1 + 3 * i] = 0xE2;
        v[2 + 3 * i] = 0x82;
        v[3 + 3 * i] = 0xAC;
    }
    pq_acc_reset(&a);
    pq_acc_bytes(&a, v, 76);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(minl == 64 && maxl == 64 && max[63] == 0xAD);
    /* ordering: prefixes decide */
    pq_acc_reset(&a);
    pq_acc_bytes(&a, "b", 1);
    pq_acc_bytes(&a, "", 0);
    pq_acc_bytes(&a, "\xc3\xa9", 2);
    pq_acc_bytes(&a, "ba", 2);
    bounds_of(&a, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(minl == 0 && maxl == 2 && max[0] == 0xC3);
    /* doubles: zeros normalised, signed ints */
    pq_acc_reset(&a);
    pq_acc_double(&a, 0.0);
    pq_acc_double(&a, -0.0);
    bounds_of(&a, PQ_DOUBLE, 0, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    double lo, hi;
    memcpy(&lo, min, 8);
    memcpy(&hi, max, 8);
    CHECK(lo == 0 && signbit(lo) && hi == 0 && !signbit(hi));
    pq_acc_reset(&a);
    pq_acc_int(&a, 3);
    pq_acc_int(&a, -5);
    bounds_of(&a, PQ_INT32, 0, min, &minl, &mine, &hmin, max, &maxl, &maxe, &hmax);
    CHECK(minl == 4 && min[0] == 0xFB && min[3] == 0xFF && max[0] == 3);
}

TEST(file_stats_nan_and_nulls)
{
    static const struct pq_node nodes[] = {{"d", 7, PQ_OPTIONAL, 0, PQ_DOUBLE, 0},
                                           {"e", 8, PQ_OPTIONAL, 0, PQ_DOUBLE, 0}};
    FILE *tf = tmpfile();
    struct pq_schema s = {nodes, 2};
    struct pq_options o = {.zstd_level = 1, .row_group_bytes = 30};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    double vals[] = {NAN, 2.5, -1.0, NAN, 0.0};
    for (int i = 0; i < 5; i++) {
        CHECK(pq_write_double(w, 0, 0, 1, vals[i]) == O2P_OK);
        CHECK((i % 2 ? pq_write_null(w, 1, 0, 0) : pq_write_double(w, 1, 0, 1, NAN)) == O2P_OK);
        CHECK(pq_end_row(w, &err) == O2P_OK);
    }
    struct pq_file_stats st;
    CHECK(pq_writer_finish(w, &st, &err) == O2P_OK);
    CHECK(st.num_row_groups > 1);
    const struct pq_column_stats *d = &st.columns[0], *e = &st.columns[1];
    double lo, hi;
    memcpy(&lo, d->min, 8);
    memcpy(&hi, d->max, 8);
    CHECK(d->nan_count == 2 && d->null_count == 0 && d->has_bounds && lo == -1.0 && hi == 2.5);
    CHECK(e->nan_count == 3 && e->null_count == 2 && !e->has_bounds && e->num_values == 5);
    pq_writer_free(w);
    fclose(tf);
}

TEST(dictionary_fallback_and_page_starts)
{
    static const struct pq_node nodes[] = {
        {"s", 1, PQ_OPTIONAL, 1, 0, PQ_LOGICAL_LIST},
        {"list", 0, PQ_REPEATED, 1, 0, 0},
        {"element", 2, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
    };
    FILE *tf = tmpfile();
    struct pq_schema s = {nodes, 3};
    struct pq_options o = {.zstd_level = 1, .row_group_bytes = 1 << 20, .page_bytes = 64, .dict_max_bytes = 200};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    char v[32];
    for (int r = 0; r < 300; r++) {
        for (int k = 0; k < 1 + r % 5; k++) {
            int n = snprintf(v, sizeof v, "value-%d", r < 100 ? k : r * 7 + k);
            CHECK(pq_write_bytes(w, 0, k ? 1 : 0, 3, v, (size_t)n) == O2P_OK);
        }
        CHECK(pq_end_row(w, &err) == O2P_OK);
    }
    CHECK(pq_writer_finish(w, NULL, &err) == O2P_OK);
    pq_writer_free(w);
    struct buf f;
    buf_init(&f, 0);
    CHECK(read_fd(fileno(tf), &f) == 0);
    fclose(tf);
    struct pqr_file *pf;
    CHECK(pqr_open(f.data, f.len, &pf, &err) == O2P_OK);
    const struct pqr_chunk *ch = &pf->rgs[0].cols[0];
    CHECK((ch->encodings & (1u << PQ_ENC_RLE_DICTIONARY)) && (ch->encodings & (1u << PQ_ENC_PLAIN)));
    struct pqr_column c = {0};
    CHECK(pqr_read_column(pf, f.data, f.len, 0, 0, &c, &err) == O2P_OK);
    CHECK(c.pages > 10 && c.pages_mid_row == 0);
    size_t i = 0;
    for (int r = 0; r < 300; r++)
        for (int k = 0; k < 1 + r % 5; k++, i++) {
            int n = snprintf(v, sizeof v, "value-%d", r < 100 ? k : r * 7 + k);
            CHECK(c.len[i] == (uint32_t)n && memcmp(c.bytes.data + c.off[i], v, (size_t)n) == 0);
        }
    CHECK(i == c.nvals);
    pqr_column_free(&c);
    pqr_file_free(pf);
    buf_free(&f);
}

/* dict_chunk_test - write `rows` rows of column 0 = id(r), column 1 = "v-<r % 7>" with a
 * dictionary budget of dict_max bytes, read them back value for value, and return the chunk
 * encodings of column 0 OR-ed over the row groups in *enc (column 1 must keep its dictionary). */
static void dict_chunk_test(int rows, size_t dict_max, int (*id)(int r, char *v, size_t cap), unsigned *enc)
{
    static const struct pq_node nodes[] = {
        {"u", 1, PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"few", 2, PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
    };
    FILE *tf = tmpfile();
    struct pq_schema s = {nodes, 2};
    struct pq_options o = {.zstd_level = 1, .row_group_bytes = 8 << 20, .dict_max_bytes = dict_max};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    char v[40];
    for (int r = 0; r < rows; r++) {
        int n = id(r, v, sizeof v);
        CHECK(pq_write_bytes(w, 0, 0, 0, v, (size_t)n) == O2P_OK);
        n = snprintf(v, sizeof v, "v-%d", r % 7);
        CHECK(pq_write_bytes(w, 1, 0, 0, v, (size_t)n) == O2P_OK);
        CHECK(pq_end_row(w, &err) == O2P_OK);
    }
    CHECK(pq_writer_finish(w, NULL, &err) == O2P_OK);
    pq_writer_free(w);
    struct buf f;
    buf_init(&f, 0);
    CHECK(read_fd(fileno(tf), &f) == 0);
    fclose(tf);
    struct pqr_file *pf;
    CHECK(pqr_open(f.data, f.len, &pf, &err) == O2P_OK);
    int r0 = 0, r1 = 0;
    struct pqr_column c = {0};
    *enc = 0;
    for (int g = 0; g < pf->nrg; g++) {
        *enc |= pf->rgs[g].cols[0].encodings;
        CHECK(pf->rgs[g].cols[1].encodings & (1u << PQ_ENC_RLE_DICTIONARY));
        CHECK(pqr_read_column(pf, f.data, f.len, g, 0, &c, &err) == O2P_OK);
        for (size_t i = 0; i < c.nvals; i++, r0++) {
            int n = id(r0, v, sizeof v);
            CHECK(c.len[i] == (uint32_t)n && memcmp(c.bytes.data + c.off[i], v, (size_t)n) == 0);
        }
        CHECK(pqr_read_column(pf, f.data, f.len, g, 1, &c, &err) == O2P_OK);
        for (size_t i = 0; i < c.nvals; i++, r1++) {
            int n = snprintf(v, sizeof v, "v-%d", r1 % 7);
            CHECK(c.len[i] == (uint32_t)n && memcmp(c.bytes.data + c.off[i], v, (size_t)n) == 0);
        }
    }
    CHECK(r0 == rows && r1 == rows);
    pqr_column_free(&c);
    pqr_file_free(pf);
    buf_free(&f);
}

static int distinct_id(int r, char *v, size_t cap)
{
    return snprintf(v, cap, "id-%d", r * 7919 % 100003);
}

/* 32 random hex digits, each id used by 5 rows 12,000 rows apart (a trace's log records in
 * the issue #13 corpus: farther apart than zstd level 1 finds repeats in PLAIN pages) */
static int shared_id(int r, char *v, size_t cap)
{
    uint64_t x = (uint64_t)(r % 12000) + 1, y;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    y = (x ^ (x >> 31)) * 0x9e3779b97f4a7c15ull;
    return snprintf(v, cap, "%016llx%016llx", (unsigned long long)x, (unsigned long long)y);
}

/* Distinct values: the dictionary is judged not to pay and the whole chunk is PLAIN, with no
 * dictionary page; a repetitive column keeps its dictionary. */
TEST(dictionary_dropped_when_distinct)
{
    unsigned enc;
    dict_chunk_test(40000, 0, distinct_id, &enc);
    CHECK(!(enc & (1u << PQ_ENC_RLE_DICTIONARY)));
}

/* Ids shared by a handful of rows far apart are distinct for the first 12,000 rows (where the
 * old 4,096-value probe gave up); judged on the whole dictionary budget the dictionary stays. */
TEST(dictionary_kept_for_ids_repeated_far_apart)
{
    unsigned enc;
    dict_chunk_test(60000, 0, shared_id, &enc);
    CHECK(enc & (1u << PQ_ENC_RLE_DICTIONARY));
    /* a budget too small to see the repeats: judged not to pay, PLAIN, still read back */
    dict_chunk_test(60000, 16 << 10, shared_id, &enc);
    CHECK(!(enc & (1u << PQ_ENC_RLE_DICTIONARY)));
}

/* DELTA_BINARY_PACKED: encode -> decode value for value, across block and miniblock edges,
 * wrapping deltas at both widths, and every truncation of one encoding refused, not crashed */
TEST(delta_round_trip)
{
    static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 130, 1000};
    int64_t v[1000], got[1000];
    int32_t v32[1000];
    uint64_t x = 88172645463325252ull;
    for (int kind = 0; kind < 4; kind++) {
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                v[i] = kind == 0 ? 1796308360036000 + (int64_t)i * 1000 + (int64_t)(x % 400)
                     : kind == 1 ? (int64_t)x                           /* random: 64-bit wraps */
                     : kind == 2 ? (i % 2 ? INT64_MIN : INT64_MAX)
                     : (int64_t)(x % 3) - 1;
                v32[i] = kind == 2 ? (i % 2 ? INT32_MIN : INT32_MAX) : (int32_t)v[i];
            }
            for (int is64 = 0; is64 < 2; is64++) {
                struct buf b;
                buf_init(&b, 0);
                CHECK(pq_delta_encode(is64 ? (const void *)v : (const void *)v32, n, is64, &b) == O2P_OK);
                size_t used = 0;
                CHECK(pq_delta_decode(b.data, b.len, is64, got, n, &used) == O2P_OK && used == b.len);
                for (size_t i = 0; i < n; i++)
                    CHECK(got[i] == (is64 ? v[i] : v32[i]));
                if (n == 129)
                    for (size_t cut = 0; cut < b.len; cut++)
                        CHECK(pq_delta_decode(b.data, cut, is64, got, n, NULL) == O2P_ECORRUPT);
                CHECK(n == 0 || pq_delta_decode(b.data, b.len, is64, got, n - 1, NULL) == O2P_ECORRUPT);
                buf_free(&b);
            }
        }
    }
}

TEST(hostile_footers)
{
    /* a valid file, then every truncation and many byte flips of its footer: never a crash */
    FILE *tf = tmpfile();
    struct pq_schema s = {tiny_nodes, 5};
    struct pq_options o = {.zstd_level = 1};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(tf), &s, &o, &err) == O2P_OK);
    for (int r = 0; r < 20; r++) {
        pq_write_int32(w, 0, 0, 0, r);
        pq_write_bytes(w, 1, 0, 1, "xy", 2);
        pq_write_int64(w, 2, 0, 2, r);
        CHECK(pq_end_row(w, &err) == O2P_OK);
    }
    CHECK(pq_writer_finish(w, NULL, &err) == O2P_OK);
    pq_writer_free(w);
    struct buf f;
    buf_init(&f, 0);
    CHECK(read_fd(fileno(tf), &f) == 0);
    fclose(tf);
    uint32_t flen;
    memcpy(&flen, f.data + f.len - 8, 4);
    const uint8_t *foot = f.data + f.len - 8 - flen;
    struct pqr_file *pf;
    CHECK(pqr_parse_footer(foot, flen, &pf, &err) == O2P_OK);
    pqr_file_free(pf);
    for (uint32_t cut = 0; cut < flen; cut++) {
        if (pqr_parse_footer(foot, cut, &pf, &err) == O2P_OK)
            pqr_file_free(pf);
    }
    uint8_t *copy = malloc(f.len);
    uint64_t rs = 99;
    for (int k = 0; k < 3000; k++) {
        memcpy(copy, f.data, f.len);
        rs = rs * 6364136223846793005ull + 1;
        size_t at = (size_t)(rs >> 33) % f.len;
        copy[at] ^= (uint8_t)(1u << ((rs >> 20) % 8));
        FILE *ms = fopen("/dev/null", "w");
        pqr_dump(copy, f.len, 1, -1, ms, &err); /* must return, whatever it says */
        fclose(ms);
    }
    free(copy);
    buf_free(&f);
}

/* ---- micro-benchmark: `test_parquet --bench ROWS FILE` (not run by tests/run.sh) ---------- */

#include <fcntl.h>
#include <time.h>

static int bench(long rows, const char *path)
{
    static const struct pq_node nodes[] = {
        {"time_unix_nano", 1, PQ_REQUIRED, 0, PQ_INT64, PQ_LOGICAL_TIMESTAMP_US},
        {"observed_time_unix_nano", 2, PQ_OPTIONAL, 0, PQ_INT64, PQ_LOGICAL_TIMESTAMP_US},
        {"severity_number", 3, PQ_OPTIONAL, 0, PQ_INT32, 0},
        {"severity_text", 4, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"body", 5, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"trace_id", 6, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, 0},
        {"span_id", 7, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, 0},
        {"flags", 8, PQ_OPTIONAL, 0, PQ_INT32, 0},
        {"service_name", 9, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"scope_name", 10, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"dropped_attributes_count", 11, PQ_OPTIONAL, 0, PQ_INT32, 0},
        {"duration_ms", 12, PQ_OPTIONAL, 0, PQ_DOUBLE, 0},
        {"attributes", 13, PQ_OPTIONAL, 1, 0, PQ_LOGICAL_MAP},
        {"key_value", 0, PQ_REPEATED, 2, 0, 0},
        {"key", 14, PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
        {"value", 15, PQ_OPTIONAL, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
    };
    static const char *sev[] = {"INFO", "WARN", "ERROR", "DEBUG"};
    static const char *svc[] = {"checkout", "cart", "frontend", "payment", "shipping"};
    static const char *keys[] = {"http.method", "http.status_code", "http.route", "user.id"};
    static const char *methods[] = {"GET", "POST", "PUT"};
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return 1;
    struct pq_schema s = {nodes, 16};
    struct pq_options o = {.zstd_level = 3, .row_group_bytes = 64 << 20, .created_by = "otlp2parquet bench"};
    struct pq_writer *w;
    struct o2p_error err = {0};
    if (pq_writer_open(&w, fd, &s, &o, &err) != O2P_OK)
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t r = 88172645463325252ull;
    int64_t ts = 1700000000000000ll;
    char body[160], val[64];
    uint8_t tid[16];
    for (long i = 0; i < rows; i++) {
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        ts += (int64_t)(r % 1000);
        int k = (int)(r % 4);
        pq_write_int64(w, 0, 0, 0, ts);
        pq_write_int64(w, 1, 0, 1, ts + 150);
        pq_write_int32(w, 2, 0, 1, 9 + 4 * k);
        pq_write_bytes(w, 3, 0, 1, sev[k], strlen(sev[k]));
        int bl = snprintf(body, sizeof body, "request %s /api/v1/items/%u completed in %u ms for user %u",
                          methods[r % 3], (unsigned)(r >> 40) % 5000, (unsigned)(r >> 20) % 900,
                          (unsigned)(r >> 8) % 100000);
        pq_write_bytes(w, 4, 0, 1, body, (size_t)bl);
        for (int b = 0; b < 16; b++)
            tid[b] = (uint8_t)(r >> (b * 4) ^ (uint64_t)i >> (b % 8));
        pq_write_bytes(w, 5, 0, 1, tid, 16);
        pq_write_bytes(w, 6, 0, 1, tid + 4, 8);
        pq_write_int32(w, 7, 0, 1, 1);
        pq_write_bytes(w, 8, 0, 1, svc[i % 5], strlen(svc[i % 5]));
        pq_write_bytes(w, 9, 0, 1, "io.opentelemetry.log", 20);
        pq_write_int32(w, 10, 0, 1, 0);
        pq_write_double(w, 11, 0, 1, (double)(r % 100000) / 100.0);
        for (int a = 0; a < 4; a++) {
            int vl = a == 0 ? snprintf(val, sizeof val, "%s", methods[r % 3])
                   : a == 1 ? snprintf(val, sizeof val, "%d", k ? 200 : 500)
                   : a == 2 ? snprintf(val, sizeof val, "/api/v1/items/{id}")
                   : snprintf(val, sizeof val, "u%u", (unsigned)(r >> 8) % 100000);
            pq_write_bytes(w, 12, a ? 1 : 0, 2, keys[a], strlen(keys[a]));
            pq_write_bytes(w, 13, a ? 1 : 0, 3, val, (size_t)vl);
        }
        if (pq_end_row(w, &err) != O2P_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    struct pq_file_stats st;
    if (pq_writer_finish(w, &st, &err) != O2P_OK)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("rows=%ld seconds=%.3f rows_per_s=%.0f bytes=%lld bytes_per_row=%.2f row_groups=%d\n", rows,
           sec, (double)rows / sec, (long long)st.file_bytes, (double)st.file_bytes / (double)rows,
           st.num_row_groups);
    pq_writer_free(w);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--bench") == 0)
        return bench(atol(argv[2]), argv[3]);
    RUN(rle_hand_computed);
    RUN(rle_round_trip_and_errors);
    RUN(thrift_compact);
    RUN(tiny_file_round_trip);
    RUN(error_paths);
    RUN(stats_truncation);
    RUN(file_stats_nan_and_nulls);
    RUN(dictionary_fallback_and_page_starts);
    RUN(dictionary_dropped_when_distinct);
    RUN(dictionary_kept_for_ids_repeated_far_apart);
    RUN(delta_round_trip);
    RUN(hostile_footers);
    return testing_done();
}
