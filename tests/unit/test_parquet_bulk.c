/* test_parquet_bulk.c - pq_write_bytes_n and pq_write_same_row write exactly what the same
 * pq_write_bytes calls write: byte-identical files across dictionary growth, the dictionary
 * cap (PLAIN fallback mid-chunk), page and row-group boundaries, and more than one batch per
 * row; and writers opened one after another (reusing pooled buffers) write the same bytes as
 * the first. */
#include "parquet/parquet.h"
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>

static const struct pq_node nodes[] = {
    {"id", 1, PQ_REQUIRED, 0, PQ_INT64, 0},
    {"attributes", 2, PQ_REQUIRED, 1, 0, PQ_LOGICAL_MAP},
    {"key_value", 0, PQ_REPEATED, 2, 0, 0},
    {"key", 3, PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
    {"value", 4, PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING},
};

/* finish - end the file (when rc is still O2P_OK) and return its bytes (malloc) and *n;
 * NULL on any failure. Frees w and closes f. */
static uint8_t *finish(struct pq_writer *w, FILE *f, int rc, size_t *n)
{
    struct o2p_error err = {0};
    struct pq_file_stats st;
    if (rc == O2P_OK)
        rc = pq_writer_finish(w, &st, &err);
    pq_writer_free(w);
    uint8_t *data = NULL;
    if (rc == O2P_OK) {
        long len = ftell(f);
        data = malloc((size_t)len);
        rewind(f);
        if (data && fread(data, 1, (size_t)len, f) == (size_t)len)
            *n = (size_t)len;
        else
            free(data), data = NULL;
    }
    fclose(f);
    return data;
}

/* write_file - rows with 0..39 map entries of mixed cardinality; bulk: values through
 * pq_write_bytes_n. Returns the file's bytes (malloc) and *n. */
static uint8_t *write_file(int bulk, size_t *n)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    struct pq_schema s = {nodes, 5};
    struct pq_options o = {.zstd_level = 1, .row_group_bytes = 256 << 10, .page_bytes = 16 << 10,
                           .dict_max_bytes = 64 << 10, .created_by = "test"};
    struct pq_writer *w;
    struct o2p_error err = {0};
    if (pq_writer_open(&w, fileno(f), &s, &o, &err) != O2P_OK)
        return NULL;
    char kbuf[40][16], vbuf[40][32];
    struct pq_bytes v[40];
    uint32_t seed = 7;
    int rc = O2P_OK;
    for (int r = 0; r < 20000 && rc == O2P_OK; r++) {
        int m = (int)(r % 41 == 40 ? 0 : r % 7 + (r % 13 == 0 ? 30 : 0));
        rc |= pq_write_int64(w, 0, 0, 0, r);
        if (!m) {
            rc |= pq_write_null(w, 1, 0, 0);
            rc |= pq_write_null(w, 2, 0, 0);
        }
        for (int i = 0; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            snprintf(kbuf[i], sizeof kbuf[i], "k%d", i);
            if (i % 3 == 0)
                snprintf(vbuf[i], sizeof vbuf[i], "v-%u", seed >> 8); /* high cardinality */
            else
                snprintf(vbuf[i], sizeof vbuf[i], "%s", i % 3 == 1 ? "GET" : "a-much-longer-value-for-key");
            v[i] = (struct pq_bytes){vbuf[i], strlen(vbuf[i])};
            rc |= pq_write_bytes(w, 1, i ? 1 : 0, 1, kbuf[i], strlen(kbuf[i]));
        }
        if (bulk && m) {
            rc |= pq_write_bytes_n(w, 2, 0, 1, 1, v, (size_t)m < 5 ? (size_t)m : 5);
            if (m > 5)
                rc |= pq_write_bytes_n(w, 2, 1, 1, 1, v + 5, (size_t)m - 5);
        } else {
            for (int i = 0; i < m; i++)
                rc |= pq_write_bytes(w, 2, i ? 1 : 0, 1, v[i].p, v[i].n);
        }
        if (rc == O2P_OK)
            rc = pq_end_row(w, &err);
    }
    return finish(w, f, rc, n);
}

TEST(bulk_equals_single_calls)
{
    size_t na = 0, nb = 0, nc = 0;
    uint8_t *a = write_file(0, &na);
    uint8_t *b = write_file(1, &nb);
    uint8_t *c = write_file(0, &nc); /* a third writer: pooled buffers from the second */
    int ok = a && b && c && na == nb && na == nc && memcmp(a, b, na) == 0 && memcmp(a, c, na) == 0;
    free(a);
    free(b);
    free(c);
    CHECK(na > 100000); /* several row groups and pages */
    CHECK(ok);
}

/* write_grouped - rows in groups of 1..60 with one map per group (as a resource's attributes
 * repeat in each of its records), some empty, values of a cardinality that ends the
 * dictionary mid-chunk; same: through pq_write_same_row with one token per group. */
static int replayed; /* rows pq_write_same_row copied */

static uint8_t *write_grouped(int same, size_t *n)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    struct pq_schema s = {nodes, 5};
    struct pq_options o = {.zstd_level = 1, .row_group_bytes = 256 << 10, .page_bytes = 16 << 10,
                           .dict_max_bytes = 32 << 10, .created_by = "test"};
    struct pq_writer *w;
    struct o2p_error err = {0};
    if (pq_writer_open(&w, fileno(f), &s, &o, &err) != O2P_OK)
        return NULL;
    char kbuf[12][16], vbuf[12][32];
    int rc = O2P_OK, m = 0, left = 0;
    uint64_t token = 1000;
    uint32_t seed = 3;
    for (int r = 0; r < 30000 && rc == O2P_OK; r++) {
        if (!left) { /* a new group: its map */
            seed = seed * 1103515245u + 12345u;
            left = (int)(seed >> 16) % 60 + 1;
            m = (int)(seed >> 8) % 12;
            token++;
            for (int i = 0; i < m; i++) {
                snprintf(kbuf[i], sizeof kbuf[i], "key.%d", i);
                snprintf(vbuf[i], sizeof vbuf[i], "v%u-%d", r < 15000 ? seed % 5 : seed >> 4, i);
            }
        }
        left--;
        rc |= pq_write_int64(w, 0, 0, 0, r);
        for (int col = 1; col <= 2 && rc == O2P_OK; col++) {
            if (same) {
                int sr = pq_write_same_row(w, col, token);
                if (sr == O2P_OK) {
                    replayed++;
                    continue;
                }
                if (sr != PQ_NOT_SAME)
                    rc = sr;
            }
            if (!m)
                rc |= pq_write_null(w, col, 0, 0);
            for (int i = 0; i < m; i++)
                rc |= pq_write_bytes(w, col, i ? 1 : 0, 1, col == 1 ? kbuf[i] : vbuf[i],
                                     strlen(col == 1 ? kbuf[i] : vbuf[i]));
        }
        if (rc == O2P_OK)
            rc = pq_end_row(w, &err);
    }
    return finish(w, f, rc, n);
}

TEST(same_row_equals_writing_it)
{
    size_t na = 0, nb = 0;
    uint8_t *a = write_grouped(0, &na);
    uint8_t *b = write_grouped(1, &nb);
    int ok = a && b && na == nb && memcmp(a, b, na) == 0;
    free(a);
    free(b);
    CHECK(na > 50000); /* several row groups and pages */
    CHECK(replayed > 30000);
    CHECK(ok);
}

TEST(bulk_checks_levels)
{
    FILE *f = tmpfile();
    CHECK(f);
    struct pq_schema s = {nodes, 5};
    struct pq_options o = {.zstd_level = 1, .created_by = "test"};
    struct pq_writer *w;
    struct o2p_error err = {0};
    CHECK(pq_writer_open(&w, fileno(f), &s, &o, &err) == O2P_OK);
    struct pq_bytes v[2] = {{"a", 1}, {"b", 1}};
    CHECK(pq_write_bytes_n(w, 2, 0, 1, 0, v, 2) == O2P_EINVAL); /* def 0 is a null */
    CHECK(pq_write_bytes_n(w, 9, 0, 1, 1, v, 2) == O2P_EINVAL);
    pq_writer_free(w);
    fclose(f);
}

int main(void)
{
    RUN(bulk_equals_single_calls);
    RUN(bulk_checks_levels);
    RUN(same_row_equals_writing_it);
    return testing_done();
}
