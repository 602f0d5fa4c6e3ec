/*
 * test_parquet_property.c - property test of the Parquet encoder: random schemas and rows.
 *
 * Schemas mix required/optional primitives of every type, strings (unicode, empty, long,
 * with escapes), binary, timestamps, structs, LIST of primitives and of structs holding MAPs,
 * MAPs, nulls at every level and empty lists/maps. Rows are written through the Dremel
 * encoding (levels computed here independently of the writer) with tiny row-group, page and
 * dictionary limits so files have several row groups, many pages and dictionary fallback.
 *
 * Unit mode (no arguments, run by tests/run.sh): every file is read back with our own reader
 * (pqr_dump) and compared line by line with the rows the generator meant to write.
 * Export mode (`--out DIR [--files N] [--seed S]`, used by tests/integration/parquet_property.sh):
 * writes DIR/NNN.parquet, DIR/NNN.expected.jsonl (canonical JSON: int64 and timestamps as
 * decimal strings, maps as objects, NaN/Infinity as strings, binary as "hex:..") and
 * DIR/NNN.ids.json ([name, field_id|null] per schema element, depth-first) for the
 * third-party readers (tests/interop/parquet-read.mjs).
 */
#include "testing.h"

#include "parquet/parquet.h"
#include "parquet/parquet_read.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXN 256

enum kind { K_LEAF, K_STRUCT, K_LIST, K_MAP, K_SYNTH };

struct gen {
    uint64_t rng;
    struct pq_node nodes[MAXN];
    enum kind kind[MAXN];
    int def[MAXN], rep[MAXN], lo[MAXN], hi[MAXN], binary[MAXN];
    int sequence[MAXN];     /* integer leaf: 1 = values walk in small steps (timestamps,
                               counters: the writer picks DELTA_BINARY_PACKED), with rare edge
                               jumps; 2 = a few distinct values (a dictionary); 0 = random.
                               DOUBLE leaf: 1 = a drifting measurement (BYTE_STREAM_SPLIT),
                               2 = a handful of values (a dictionary) */
    int64_t last[MAXN];
    char names[MAXN][16];
    int n, ncols, next_id;
    int col_of[MAXN];       /* leaf node -> column */
    struct pq_writer *w;
    struct buf dump, canon; /* expected rows in both forms */
    int failed;
    char why[1024];
};

static uint64_t rnd(struct gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}
static int rn(struct gen *g, int n) { return (int)(rnd(g) % (uint64_t)n); }

/* ---- schema ---- */

static int add(struct gen *g, const char *name, enum pq_repetition r, int nch, enum pq_physical t,
               enum pq_logical l, enum kind k, int with_id)
{
    int i = g->n++;
    snprintf(g->names[i], sizeof g->names[i], "%s", name);
    g->nodes[i] = (struct pq_node){g->names[i], with_id ? ++g->next_id : 0, r, nch, t, l};
    g->kind[i] = k;
    return i;
}

static void gen_field(struct gen *g, const char *name, int depth, int allow_required);

static void gen_leaf(struct gen *g, const char *name, enum pq_repetition r)
{
    static const struct { enum pq_physical t; enum pq_logical l; int bin; } types[] = {
        {PQ_BOOLEAN, 0, 0}, {PQ_INT32, 0, 0}, {PQ_INT64, 0, 0}, {PQ_DOUBLE, 0, 0},
        {PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0}, {PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0},
        {PQ_BYTE_ARRAY, 0, 1}, {PQ_INT64, PQ_LOGICAL_TIMESTAMP_US, 0}};
    int k = rn(g, 8);
    int i = add(g, name, r, 0, types[k].t, types[k].l, K_LEAF, 1);
    g->binary[i] = types[k].bin;
    /* DOUBLE leaves take the three kinds in turn, so every run holds all of them (each its own
     * encoding: PLAIN, BYTE_STREAM_SPLIT, dictionary); other leaves draw theirs */
    static int double_kind;
    g->sequence[i] = types[k].t == PQ_DOUBLE ? double_kind++ % 3 : rn(g, 3);
    g->last[i] = (int64_t)rnd(g) % 1000000000000000ll;
}

/* step - the next value of a sequence column: a small step, or now and then an extreme (the
 * deltas then wrap around the type's width) */
static int64_t step(struct gen *g, int i, int64_t lo, int64_t hi)
{
    if (g->sequence[i] == 2) /* a handful of values: the edges and a few near last[i] */
        return rn(g, 8) == 0 ? (rn(g, 2) ? lo : hi) : g->last[i] / 2 + rn(g, 4);
    if (rn(g, 64) == 0)
        g->last[i] = rn(g, 2) ? lo : hi;
    else
        g->last[i] = (int64_t)((uint64_t)g->last[i] + (uint64_t)(rn(g, 2000) - 400));
    if (g->last[i] < lo || g->last[i] > hi)
        g->last[i] = lo / 2 + rn(g, 1000);
    return g->last[i];
}

static void gen_field(struct gen *g, const char *name, int depth, int allow_required)
{
    enum pq_repetition r = allow_required && rn(g, 3) == 0 ? PQ_REQUIRED : PQ_OPTIONAL;
    int c = depth >= 3 || g->n > MAXN - 20 ? 0 : rn(g, 10);
    if (c <= 4) {
        gen_leaf(g, name, r);
    } else if (c <= 6) { /* LIST */
        add(g, name, PQ_OPTIONAL, 1, 0, PQ_LOGICAL_LIST, K_LIST, 1);
        add(g, "list", PQ_REPEATED, 1, 0, 0, K_SYNTH, 0);
        gen_field(g, "element", depth + 1, 1);
    } else if (c == 7) { /* MAP<string, x> */
        add(g, name, PQ_OPTIONAL, 1, 0, PQ_LOGICAL_MAP, K_MAP, 1);
        add(g, "key_value", PQ_REPEATED, 2, 0, 0, K_SYNTH, 0);
        add(g, "key", PQ_REQUIRED, 0, PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, K_LEAF, 1);
        gen_field(g, "value", depth + 1, 0);
    } else { /* struct (with a map inside sometimes) */
        int s = add(g, name, r, 0, 0, 0, K_STRUCT, 1);
        int nch = 1 + rn(g, 3);
        for (int k = 0; k < nch; k++) {
            char nm[16] = {(char)('a' + k), 0};
            gen_field(g, nm, depth + 1, 1);
        }
        g->nodes[s].num_children = nch;
    }
}

/* levels - def/rep/leaf range per node, mirroring the Dremel rules */
static int levels(struct gen *g, int i, int d, int r)
{
    const struct pq_node *n = &g->nodes[i];
    d += n->repetition != PQ_REQUIRED;
    r += n->repetition == PQ_REPEATED;
    g->def[i] = d;
    g->rep[i] = r;
    g->lo[i] = g->ncols;
    int next = i + 1;
    if (n->num_children == 0)
        g->col_of[i] = g->ncols++;
    for (int c = 0; c < n->num_children; c++)
        next = levels(g, next, d, r);
    g->hi[i] = g->ncols;
    return next;
}

static int next_sibling(struct gen *g, int i)
{
    int pending = 1;
    while (pending > 0) {
        pending += g->nodes[i].num_children - 1;
        i++;
    }
    return i;
}

/* ---- values ---- */

static void out(struct gen *g, const char *s)
{
    buf_append(&g->dump, s, strlen(s));
    buf_append(&g->canon, s, strlen(s));
}

static void json_str(struct buf *b, const uint8_t *p, size_t n)
{
    buf_append_byte(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            buf_printf(b, "\\%c", p[i]);
        else if (p[i] < 0x20)
            buf_printf(b, "\\u%04x", p[i]);
        else
            buf_append_byte(b, p[i]);
    }
    buf_append_byte(b, '"');
}

static void check(struct gen *g, int rc)
{
    if (rc != O2P_OK && !g->failed) {
        g->failed = 1;
        snprintf(g->why, sizeof g->why, "write: %s", pq_writer_errmsg(g->w));
    }
}

static void nulls(struct gen *g, int i, int r, int d)
{
    for (int c = g->lo[i]; c < g->hi[i]; c++)
        check(g, pq_write_null(g->w, c, r, d));
}

static const char *strings[] = {"", "a", "b", "héllo wörld", "日本語テキスト", "emoji 😀🎉",
    "quote \" back \\ slash", "line\nbreak\ttab", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ", "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"
    "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"
    "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"
    "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", "key"};

static void leaf_value(struct gen *g, int i, int r, int d)
{
    const struct pq_node *n = &g->nodes[i];
    int col = g->col_of[i];
    char tmp[128];
    switch (n->physical) {
    case PQ_BOOLEAN: {
        int v = rn(g, 2);
        check(g, pq_write_bool(g->w, col, r, d, v));
        out(g, v ? "true" : "false");
        break;
    }
    case PQ_INT32: {
        static const int32_t edge[] = {0, 1, -1, INT32_MIN, INT32_MAX};
        int32_t v = g->sequence[i] ? (int32_t)step(g, i, INT32_MIN, INT32_MAX)
                  : rn(g, 4) == 0 ? edge[rn(g, 5)] : (int32_t)(uint32_t)rnd(g);
        check(g, pq_write_int32(g->w, col, r, d, v));
        snprintf(tmp, sizeof tmp, "%" PRId32, v);
        out(g, tmp);
        break;
    }
    case PQ_INT64: {
        int64_t v;
        if (n->logical == PQ_LOGICAL_TIMESTAMP_US && g->sequence[i])
            v = step(g, i, -1000000000000000ll, 1999999999999999ll);
        else if (n->logical == PQ_LOGICAL_TIMESTAMP_US)
            v = (int64_t)(rnd(g) % 3000000000000000ull) - 1000000000000000ll;
        else if (g->sequence[i])
            v = step(g, i, INT64_MIN, INT64_MAX);
        else
            v = rn(g, 4) == 0 ? (rn(g, 2) ? INT64_MIN : INT64_MAX) : (int64_t)rnd(g);
        check(g, pq_write_int64(g->w, col, r, d, v));
        snprintf(tmp, sizeof tmp, "%" PRId64, v);
        buf_append(&g->dump, tmp, strlen(tmp));
        buf_printf(&g->canon, "\"%s\"", tmp);
        break;
    }
    case PQ_DOUBLE: {
        static const double edge[] = {0.5, -1.25, 1e300, -1e-300, 3.0};
        double v;
        int k = rn(g, 12);
        if (g->sequence[i] == 1 && k > 0) { /* a measurement drifting in noisy steps */
            g->last[i] = (g->last[i] + rn(g, 2000) - 1000) % 1000000;
            v = 1000.0 + (double)g->last[i] / 997.0;
        } else if (g->sequence[i] == 2 && k > 0) { /* a handful of values (bucket bounds): a dictionary */
            static const double few[] = {0.005, 0.25, 10.0, 2500.0, -1.5};
            v = few[rn(g, 5)];
        } else if (k == 0) v = NAN;
        else if (k == 1) v = INFINITY;
        else if (k == 2) v = -INFINITY;
        else if (k < 6) v = edge[rn(g, 5)];
        else v = (double)(int64_t)(rnd(g) % 2000001) / 1024.0 - 900.0;
        check(g, pq_write_double(g->w, col, r, d, v));
        if (isnan(v)) out(g, "\"NaN\"");
        else if (isinf(v)) out(g, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else {
            snprintf(tmp, sizeof tmp, "%.17g", v);
            out(g, tmp);
        }
        break;
    }
    case PQ_BYTE_ARRAY: {
        uint8_t b[256];
        size_t len;
        if (g->binary[i]) {
            len = (size_t)rn(g, 20);
            for (size_t k = 0; k < len; k++)
                b[k] = (uint8_t)(rn(g, 3) ? rnd(g) : 0xFF);
            buf_append(&g->dump, "\"hex:", 5);
            buf_append(&g->canon, "\"hex:", 5);
            for (size_t k = 0; k < len; k++) {
                snprintf(tmp, sizeof tmp, "%02x", b[k]);
                out(g, tmp);
            }
            out(g, "\"");
        } else {
            if (rn(g, 3) == 0) { /* high-cardinality: forces dictionary fallback */
                len = (size_t)snprintf((char *)b, sizeof b, "v%016" PRIx64 "-%d", rnd(g), rn(g, 100));
            } else {
                const char *s = strings[rn(g, (int)(sizeof strings / sizeof *strings))];
                len = strlen(s);
                memcpy(b, s, len);
            }
            json_str(&g->dump, b, len);
            json_str(&g->canon, b, len);
        }
        check(g, pq_write_bytes(g->w, col, r, d, b, len));
        break;
    }
    }
}

static void field(struct gen *g, int i, int r, int d);

/* value - node i present: write its content at parent def d (i's own def counted by caller) */
static void value(struct gen *g, int i, int r, int d)
{
    if (g->kind[i] == K_LEAF) {
        leaf_value(g, i, r, d);
        return;
    }
    if (g->kind[i] == K_STRUCT) {
        out(g, "{");
        int c = i + 1;
        for (int k = 0; k < g->nodes[i].num_children; k++) {
            if (k)
                out(g, ",");
            buf_printf(&g->dump, "\"%s\":", g->names[c]);
            buf_printf(&g->canon, "\"%s\":", g->names[c]);
            field(g, c, r, d);
            c = next_sibling(g, c);
        }
        out(g, "}");
        return;
    }
    /* LIST or MAP: i is the annotated group (present), i+1 the repeated group */
    int rg = i + 1, is_map = g->kind[i] == K_MAP;
    int len = rn(g, 5) == 0 ? 0 : 1 + rn(g, 4);
    if (len == 0) {
        nulls(g, i, r, d);
        out(g, is_map ? "{}" : "[]");
        return;
    }
    out(g, is_map ? "{" : "[");
    for (int k = 0; k < len; k++) {
        int rr = k == 0 ? r : g->rep[rg];
        if (k)
            out(g, ",");
        if (is_map) {
            char key[16];
            snprintf(key, sizeof key, "k%d", k); /* keys unique within a map */
            check(g, pq_write_bytes(g->w, g->col_of[rg + 1], rr, g->def[rg + 1], key, strlen(key)));
            buf_printf(&g->dump, "\"%s\":", key);
            buf_printf(&g->canon, "\"%s\":", key);
            field(g, rg + 2, rr, g->def[rg]);
        } else {
            field(g, rg + 1, rr, g->def[rg]);
        }
    }
    out(g, is_map ? "}" : "]");
}

/* field - node i with its own repetition (never repeated here), parent def d */
static void field(struct gen *g, int i, int r, int d)
{
    if (g->nodes[i].repetition == PQ_OPTIONAL) {
        if (rn(g, 5) == 0) {
            nulls(g, i, r, d);
            out(g, "null");
            return;
        }
        value(g, i, r, d + 1);
        return;
    }
    value(g, i, r, d);
}

/* ---- driver ---- */

static int make_file(struct gen *g, int fd, int rows)
{
    g->n = g->ncols = g->next_id = 0;
    int top = 2 + rn(g, 6), idx = 0;
    for (int k = 0; k < top; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "f%d", k);
        gen_field(g, nm, 0, 1);
    }
    while (idx < g->n)
        idx = levels(g, idx, 0, 0);
    struct pq_kv kv[] = {{"generator", "test_parquet_property"}};
    struct pq_options o = {.zstd_level = 1 + rn(g, 5), .row_group_bytes = 500 + (size_t)rn(g, 8000),
                           .page_bytes = 50 + (size_t)rn(g, 1000), .created_by = "otlp2parquet test",
                           .kv = kv, .num_kv = 1, .dict_max_bytes = 64 + (size_t)rn(g, 400)};
    struct pq_schema s = {g->nodes, g->n};
    struct o2p_error err = {0};
    if (pq_writer_open(&g->w, fd, &s, &o, &err) != O2P_OK) {
        snprintf(g->why, sizeof g->why, "open: %s", err.msg);
        return -1;
    }
    buf_reset(&g->dump);
    buf_reset(&g->canon);
    g->failed = 0;
    for (int row = 0; row < rows && !g->failed; row++) {
        out(g, "{");
        int i = 0;
        for (int k = 0; k < top; k++) {
            if (k)
                out(g, ",");
            buf_printf(&g->dump, "\"%s\":", g->names[i]);
            buf_printf(&g->canon, "\"%s\":", g->names[i]);
            field(g, i, 0, 0);
            i = next_sibling(g, i);
        }
        out(g, "}\n");
        if (pq_end_row(g->w, &err) != O2P_OK && !g->failed) {
            g->failed = 1;
            snprintf(g->why, sizeof g->why, "end_row: %s", err.msg);
        }
    }
    struct pq_file_stats st;
    if (!g->failed && pq_writer_finish(g->w, &st, &err) != O2P_OK) {
        g->failed = 1;
        snprintf(g->why, sizeof g->why, "finish: %s", err.msg);
    }
    pq_writer_free(g->w);
    g->w = NULL;
    return g->failed ? -1 : 0;
}

static int read_all(int fd, struct buf *b)
{
    off_t len = lseek(fd, 0, SEEK_END);
    buf_reset(b);
    if (len < 0 || buf_reserve(b, (size_t)len) != O2P_OK)
        return -1;
    b->len = (size_t)len;
    return pread(fd, b->data, b->len, 0) == (ssize_t)len ? 0 : -1;
}

TEST(random_files_round_trip)
{
    struct gen g = {.rng = 0x9E3779B97F4A7C15ull};
    buf_init(&g.dump, 0);
    buf_init(&g.canon, 0);
    struct buf file, got;
    buf_init(&file, 0);
    buf_init(&got, 0);
    int files = 60;
    for (int f = 0; f < files; f++) {
        FILE *tf = tmpfile();
        CHECK(tf != NULL);
        int rc = make_file(&g, fileno(tf), 20 + rn(&g, 200));
        if (rc != 0) {
            fclose(tf);
            FAILF("file %d: %s", f, g.why);
        }
        CHECK(read_all(fileno(tf), &file) == 0);
        fclose(tf);
        char *text = NULL;
        size_t tlen = 0;
        FILE *ms = open_memstream(&text, &tlen);
        struct o2p_error err = {0};
        rc = pqr_dump(file.data, file.len, 0, -1, ms, &err);
        fclose(ms);
        if (rc != O2P_OK) {
            free(text);
            FAILF("file %d: read back: %s", f, err.msg);
        }
        int same = tlen == g.dump.len && memcmp(text, g.dump.data, tlen) == 0;
        if (!same) {
            size_t k = 0;
            while (k < tlen && k < g.dump.len && text[k] == (char)g.dump.data[k])
                k++;
            size_t from = k > 80 ? k - 80 : 0;
            printf("# expected: %.160s\n# got:      %.160s\n", (char *)g.dump.data + from, text + from);
            free(text);
            FAILF("file %d: rows differ at byte %zu", f, k);
        }
        free(text);
    }
    buf_free(&g.dump);
    buf_free(&g.canon);
    buf_free(&file);
    buf_free(&got);
}

static int export_files(const char *dir, int files, uint64_t seed)
{
    struct gen g = {.rng = seed ? seed : 1};
    buf_init(&g.dump, 0);
    buf_init(&g.canon, 0);
    char path[4096];
    for (int f = 0; f < files; f++) {
        snprintf(path, sizeof path, "%s/%03d.parquet", dir, f);
        FILE *pf = fopen(path, "wb");
        if (!pf || make_file(&g, fileno(pf), 30 + rn(&g, 250)) != 0) {
            fprintf(stderr, "FAIL export %s: %s\n", path, g.why);
            return 1;
        }
        fclose(pf);
        snprintf(path, sizeof path, "%s/%03d.expected.jsonl", dir, f);
        FILE *ef = fopen(path, "wb");
        fwrite(g.canon.data, 1, g.canon.len, ef);
        fclose(ef);
        snprintf(path, sizeof path, "%s/%03d.ids.json", dir, f);
        FILE *idf = fopen(path, "wb");
        fputc('[', idf);
        for (int i = 0; i < g.n; i++) {
            fprintf(idf, "%s[\"%s\",", i ? "," : "", g.names[i]);
            if (g.nodes[i].field_id > 0)
                fprintf(idf, "%d]", g.nodes[i].field_id);
            else
                fputs("null]", idf);
        }
        fputs("]\n", idf);
        fclose(idf);
    }
    buf_free(&g.dump);
    buf_free(&g.canon);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--out") == 0) {
        int files = 12;
        uint64_t seed = 42;
        for (int i = 3; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--files") == 0)
                files = atoi(argv[i + 1]);
            else if (strcmp(argv[i], "--seed") == 0)
                seed = strtoull(argv[i + 1], NULL, 10);
        }
        return export_files(argv[2], files, seed);
    }
    RUN(random_files_round_trip);
    return testing_done();
}
