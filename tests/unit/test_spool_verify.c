/*
 * test_spool_verify.c - a damaged data.mdb is an error with a reason, never a crash: spool_open
 * refuses a truncated file (SIGBUS otherwise, at the first page past the end), accepts a
 * file whose missing tail is only free pages, and spool_verify / spool_recover refuse a garbled
 * B-tree page, a wrong page number and a broken overflow run. The pages are found and damaged
 * by reading LMDB's format here, independently of spooler/spool_verify.c.
 */
#include "testing.h"

#include "spooler/spool.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PSIZE 4096u

static char dir[64], file[96];

static int make_spool(int big)
{
    snprintf(dir, sizeof dir, "/tmp/o2p-test-verify-%d", (int)getpid());
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return -1;
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    struct spool *s = NULL;
    struct o2p_error err = {0};
    if (spool_open(&s, &o, &err) != O2P_OK) {
        printf("  spool_open: %s\n", err.msg);
        return -1;
    }
    static uint8_t body[20000];
    memset(body, 'x', sizeof body);
    for (int i = 0; i < 40; i++) {
        struct spool_append a = {.signal = O2P_SIGNAL_LOGS, .body = body, .len = big && i % 4 == 0 ? 12000 : 100,
                                 .records = 1, .recv_time_ns = 1};
        if (spool_append_batch(s, &a, 1, &err) != O2P_OK) {
            printf("  append: %s\n", err.msg);
            spool_close(s);
            return -1;
        }
    }
    spool_close(s);
    return 0;
}

static int page_io(uint64_t pgno, uint8_t *buf, int write)
{
    int fd = open(file, O_RDWR);
    if (fd < 0)
        return -1;
    ssize_t n = write ? pwrite(fd, buf, PSIZE, (off_t)(pgno * PSIZE)) : pread(fd, buf, PSIZE, (off_t)(pgno * PSIZE));
    close(fd);
    return n == PSIZE ? 0 : -1;
}

static uint64_t u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint16_t u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* current_meta - the meta page (0 or 1) with the larger txnid. */
static int current_meta(uint8_t *page)
{
    uint8_t m0[PSIZE], m1[PSIZE];
    if (page_io(0, m0, 0) || page_io(1, m1, 0))
        return -1;
    int which = u64(m1 + 16 + 128) > u64(m0 + 16 + 128);
    memcpy(page, which ? m1 : m0, PSIZE);
    return which;
}

/* leaf_node - the node of leaf page `p` whose key is `key` (NULL: the first node with
 * F_BIGDATA), or NULL. */
static const uint8_t *leaf_node(const uint8_t *p, const char *key)
{
    unsigned n = (u16(p + 12) - 16u) / 2;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *node = p + u16(p + 16 + 2 * i);
        unsigned ksize = u16(node + 6);
        if (key ? ksize == strlen(key) && !memcmp(node + 8, key, ksize) : (u16(node + 4) & 1) != 0)
            return node;
    }
    return NULL;
}

/* named_root - the root page of named database `name` (main database of depth 1). */
static uint64_t named_root(const char *name, uint64_t *main_root)
{
    uint8_t meta[PSIZE], mainp[PSIZE];
    if (current_meta(meta) < 0)
        return 0;
    *main_root = u64(meta + 16 + 72 + 40);
    if (page_io(*main_root, mainp, 0) || !(u16(mainp + 10) & 2))
        return 0;
    const uint8_t *node = leaf_node(mainp, name);
    return node ? u64(node + 8 + u16(node + 6) + 40) : 0;
}

static int open_spool(struct spool **s, struct o2p_error *err)
{
    struct spool_options o = {.path = dir, .max_bytes = 64 << 20};
    memset(err, 0, sizeof *err);
    return spool_open(s, &o, err);
}

static int expect(int rc, int want, const struct o2p_error *err, const char *const *words)
{
    if (rc != want) {
        printf("  rc %d, want %d: %s\n", rc, want, err->msg);
        return 0;
    }
    for (; words && *words; words++)
        if (!strstr(err->msg, *words)) {
            printf("  message lacks \"%s\": %s\n", *words, err->msg);
            return 0;
        }
    return 1;
}

TEST(healthy_spool_verifies)
{
    CHECK(make_spool(1) == 0);
    struct spool *s;
    struct o2p_error err;
    CHECK_EQ_INT(open_spool(&s, &err), O2P_OK);
    struct spool_verify v;
    CHECK_EQ_INT(spool_verify(s, &v, &err), O2P_OK);
    CHECK(v.pages > 10 && v.page_bytes == PSIZE && v.file_bytes >= v.used_bytes);
    struct spool_recovery rec;
    CHECK_EQ_INT(spool_recover(s, &rec, &err), O2P_OK);
    CHECK_EQ_INT(rec.entries_checked, 40);
    spool_close(s);
}

TEST(truncated_file_is_refused_with_both_sizes)
{
    static const char *const words[] = {"data.mdb is truncated", "the file has 8192 bytes", "Damaged spool",
                                        "move the spool directory aside", NULL};
    CHECK(make_spool(1) == 0);
    struct stat st;
    CHECK(stat(file, &st) == 0 && st.st_size > 8 * PSIZE);
    char used[64];
    snprintf(used, sizeof used, "its pages take %lld bytes", (long long)st.st_size);
    CHECK(truncate(file, 8192) == 0);
    struct spool *s;
    struct o2p_error err;
    CHECK(expect(open_spool(&s, &err), O2P_ECORRUPT, &err, words));
    CHECK(strstr(err.msg, used) != NULL);
    /* Read-only openers (status, spool check) too. */
    struct spool_options ro = {.path = dir, .max_bytes = 64 << 20, .read_only = true};
    CHECK(expect(spool_open(&s, &ro, &err), O2P_ECORRUPT, &err, words));
    /* Cut in the middle, not on a page boundary. */
    CHECK(make_spool(1) == 0);
    CHECK(stat(file, &st) == 0 && truncate(file, st.st_size / 2 + 100) == 0);
    CHECK_EQ_INT(open_spool(&s, &err), O2P_ECORRUPT);
    CHECK(strstr(err.msg, "is truncated") != NULL);
    /* Shorter than its meta pages: LMDB itself refuses it; the message still says what to do. */
    CHECK(truncate(file, 4200) == 0);
    CHECK_EQ_INT(open_spool(&s, &err), O2P_ECORRUPT);
    CHECK(strstr(err.msg, "Damaged spool") != NULL);
}

/* LMDB does not write pages the last transaction allocated and freed again, so the file may
 * end before the last page in use: that must open (and work), since nothing refers to them. */
TEST(missing_free_tail_is_accepted)
{
    CHECK(make_spool(0) == 0);
    uint8_t meta[PSIZE];
    int which = current_meta(meta);
    CHECK(which >= 0);
    uint64_t last = u64(meta + 16 + 120) + 5;
    memcpy(meta + 16 + 120, &last, 8);
    CHECK(page_io((uint64_t)which, meta, 1) == 0);
    struct spool *s;
    struct o2p_error err;
    CHECK_EQ_INT(open_spool(&s, &err), O2P_OK);
    struct spool_verify v;
    CHECK_EQ_INT(spool_verify(s, &v, &err), O2P_OK);
    CHECK(v.used_bytes > v.file_bytes);
    struct spool_recovery rec;
    CHECK_EQ_INT(spool_recover(s, &rec, &err), O2P_OK);
    struct spool_append a = {.signal = O2P_SIGNAL_LOGS, .body = (const uint8_t *)"after", .len = 5, .records = 1};
    CHECK_EQ_INT(spool_append_batch(s, &a, 1, &err), O2P_OK);
    CHECK_EQ_INT(spool_verify(s, &v, &err), O2P_OK);
    spool_close(s);
}

/* damage - run f on page pgno, write it back, and expect spool_verify and spool_recover to
 * refuse with `word` (spool_open still works: the page is not one every open reads). */
static int damage_and_expect(uint64_t pgno, void (*f)(uint8_t *), const char *word)
{
    uint8_t p[PSIZE];
    if (pgno < 2 || page_io(pgno, p, 0))
        return 0;
    f(p);
    if (page_io(pgno, p, 1))
        return 0;
    struct spool *s;
    struct o2p_error err;
    if (open_spool(&s, &err) != O2P_OK) {
        printf("  open: %s\n", err.msg);
        return 0;
    }
    struct spool_verify v;
    const char *const words[] = {"data.mdb is damaged", word, "Damaged spool", NULL};
    int ok = expect(spool_verify(s, &v, &err), O2P_ECORRUPT, &err, words);
    struct spool_recovery rec;
    ok = ok && expect(spool_recover(s, &rec, &err), O2P_ECORRUPT, &err, words);
    spool_close(s);
    return ok;
}

static void zero_flags(uint8_t *p) { memset(p + 10, 0, 2); }
static void wrong_pgno(uint8_t *p) { p[0] ^= 0x40; }
static void bad_bounds(uint8_t *p) { memset(p + 12, 0xff, 2); }
static void stray_node(uint8_t *p) { memset(p + 16, 0xff, 2); }
static void short_run(uint8_t *p) { memset(p + 12, 0, 4); }

TEST(garbled_tree_pages_are_refused)
{
    uint64_t main_root;
    CHECK(make_spool(1) == 0);
    CHECK(damage_and_expect(named_root("rec.logs", &main_root), zero_flags, "(rec.logs): not a B-tree page"));
    CHECK(make_spool(1) == 0);
    CHECK(damage_and_expect(named_root("rec.logs", &main_root), wrong_pgno, "its header says it is page"));
    CHECK(make_spool(1) == 0);
    CHECK(damage_and_expect(named_root("rec.logs", &main_root), bad_bounds, "free-space bounds"));
    CHECK(make_spool(1) == 0);
    CHECK(damage_and_expect(named_root("rec.logs", &main_root), stray_node, "outside the page's node area"));
}

/* Two branch entries naming one child: LMDB would read on (the keys merely look out of
 * order); the walk finds the page reached twice. */
static void same_child(uint8_t *p)
{
    const uint8_t *first = p + u16(p + 16);
    uint8_t *second = p + u16(p + 18);
    memcpy(second, first, 6); /* mn_lo, mn_hi, mn_flags: the child's page number */
}

TEST(page_reached_twice_is_refused)
{
    uint64_t main_root;
    CHECK(make_spool(1) == 0);
    uint64_t root = named_root("rec.logs", &main_root);
    uint8_t p[PSIZE];
    CHECK(root >= 2 && page_io(root, p, 0) == 0);
    CHECK((u16(p + 10) & 1) && (u16(p + 12) - 16u) / 2 >= 2); /* 40 records: a branch over leaves */
    CHECK(damage_and_expect(root, same_child, "is reached twice"));
}

TEST(broken_overflow_run_is_refused)
{
    uint64_t main_root;
    CHECK(make_spool(1) == 0);
    uint8_t rootp[PSIZE], leaf[PSIZE];
    uint64_t root = named_root("rec.logs", &main_root);
    CHECK(root >= 2 && page_io(root, rootp, 0) == 0);
    /* 40 records, 10 of them of 12 kB (in overflow runs): a leaf, or a branch over leaves. */
    const uint8_t *big = NULL;
    if (u16(rootp + 10) & 2) {
        memcpy(leaf, rootp, PSIZE);
        big = leaf_node(leaf, NULL);
    }
    unsigned kids = (u16(rootp + 12) - 16u) / 2;
    for (unsigned i = 0; !big && (u16(rootp + 10) & 1) && i < kids; i++) {
        const uint8_t *node = rootp + u16(rootp + 16 + 2 * i);
        uint64_t child = u16(node) | (uint64_t)u16(node + 2) << 16 | (uint64_t)u16(node + 4) << 32;
        if (page_io(child, leaf, 0) == 0 && (u16(leaf + 10) & 2))
            big = leaf_node(leaf, NULL);
    }
    CHECK(big != NULL);
    uint64_t ov = u64(big + 8 + u16(big + 6));
    CHECK(damage_and_expect(ov, short_run, "overflow run too short"));
}

TEST(garbled_main_database_fails_the_open)
{
    uint64_t main_root;
    CHECK(make_spool(0) == 0);
    CHECK(named_root("meta", &main_root) != 0);
    uint8_t p[PSIZE];
    CHECK(page_io(main_root, p, 0) == 0);
    zero_flags(p);
    CHECK(page_io(main_root, p, 1) == 0);
    struct spool *s;
    struct o2p_error err;
    static const char *const words[] = {"(main database): not a B-tree page", "Damaged spool", NULL};
    CHECK(expect(open_spool(&s, &err), O2P_ECORRUPT, &err, words));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(healthy_spool_verifies);
    RUN(truncated_file_is_refused_with_both_sizes);
    RUN(missing_free_tail_is_accepted);
    RUN(garbled_tree_pages_are_refused);
    RUN(page_reached_twice_is_refused);
    RUN(broken_overflow_run_is_refused);
    RUN(garbled_main_database_fails_the_open);
    return testing_done();
}
