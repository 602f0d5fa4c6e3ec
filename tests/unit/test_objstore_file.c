/*
 * test_objstore_file.c - the file:// object store and the durable-write helper (fsutil):
 * round trips, create-only, moves, key checks, listing, and no temp file after failures.
 */
#include "common/fsutil.h"
#include "storage/objstore.h"
#include "testing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static void rm_rf(const char *path)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", path, path);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", path);
}

/* count_temp - temp files left anywhere under dir. */
static int count_temp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    for (;;) {
        const struct dirent *e = readdir(d);
        if (!e)
            break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_temp(p);
        else if (fs_is_temp_name(e->d_name))
            n++;
    }
    closedir(d);
    return n;
}

static struct objstore *open_store(const char *sub)
{
    char url[PATH_MAX + 16];
    snprintf(url, sizeof url, "file://%s/%s", root, sub);
    struct objstore *s = NULL;
    struct o2p_error err = {0};
    if (objstore_open(&s, url, NULL, &err) != O2P_OK)
        printf("# objstore_open %s: %s\n", url, err.msg);
    return s;
}

static int write_local(const char *path, const char *text)
{
    return fs_write_durable(path, text, strlen(text), 0, NULL);
}

TEST(put_get_stat_delete)
{
    struct objstore *s = open_store("w1");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/metadata/v1.json", "{\"a\":1}", 7, 0, &err),
                 O2P_OK);
    uint64_t size = 0;
    CHECK_EQ_INT(objstore_stat(s, "otel/logs/metadata/v1.json", &size, &err), O2P_OK);
    CHECK_EQ_INT(size, 7);
    struct buf b;
    buf_init(&b, 1024);
    CHECK_EQ_INT(objstore_get(s, "otel/logs/metadata/v1.json", &b, &err), O2P_OK);
    CHECK_EQ_INT(b.len, 7);
    CHECK(memcmp(b.data, "{\"a\":1}", 7) == 0);
    /* overwrite without CREATE_ONLY replaces */
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/metadata/v1.json", "xy", 2, 0, &err), O2P_OK);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_get(s, "otel/logs/metadata/v1.json", &b, &err), O2P_OK);
    CHECK_EQ_INT(b.len, 2);
    CHECK_EQ_INT(objstore_delete(s, "otel/logs/metadata/v1.json", &err), O2P_OK);
    CHECK_EQ_INT(objstore_stat(s, "otel/logs/metadata/v1.json", NULL, &err), O2P_ENOTFOUND);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_get(s, "otel/logs/metadata/v1.json", &b, &err), O2P_ENOTFOUND);
    CHECK(strstr(err.msg, "v1.json") != NULL);
    /* deleting what is not there is fine */
    CHECK_EQ_INT(objstore_delete(s, "otel/logs/metadata/v1.json", &err), O2P_OK);
    CHECK_EQ_INT(objstore_delete(s, "no/such/dir/x", &err), O2P_OK);
    /* empty object */
    CHECK_EQ_INT(objstore_put_bytes(s, "empty", "", 0, 0, &err), O2P_OK);
    CHECK_EQ_INT(objstore_stat(s, "empty", &size, &err), O2P_OK);
    CHECK_EQ_INT(size, 0);
    buf_free(&b);
    CHECK_EQ_INT(count_temp(root), 0);
    objstore_close(s);
}

TEST(create_only_never_overwrites)
{
    struct objstore *s = open_store("w2");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/00001.json", "first", 5, OBJSTORE_CREATE_ONLY,
                                    &err),
                 O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/00001.json", "second", 6,
                                    OBJSTORE_CREATE_ONLY, &err),
                 O2P_ECONFLICT);
    CHECK(strstr(err.msg, "already exists") != NULL);
    struct buf b;
    buf_init(&b, 0);
    CHECK_EQ_INT(objstore_get(s, "t/metadata/00001.json", &b, &err), O2P_OK);
    CHECK_EQ_INT(b.len, 5);
    CHECK(memcmp(b.data, "first", 5) == 0);
    buf_free(&b);
    /* put_file CREATE_ONLY too, copy and move: the source survives a refused move */
    char local[PATH_MAX];
    snprintf(local, sizeof local, "%s/local-co", root);
    CHECK_EQ_INT(write_local(local, "third"), O2P_OK);
    CHECK_EQ_INT(objstore_put_file(s, "t/metadata/00001.json", local, OBJSTORE_CREATE_ONLY, &err),
                 O2P_ECONFLICT);
    CHECK_EQ_INT(objstore_put_file(s, "t/metadata/00001.json", local,
                                   OBJSTORE_CREATE_ONLY | OBJSTORE_MOVE, &err),
                 O2P_ECONFLICT);
    CHECK(access(local, F_OK) == 0);
    CHECK_EQ_INT(objstore_put_file(s, "t/metadata/00002.json", local,
                                   OBJSTORE_CREATE_ONLY | OBJSTORE_MOVE, &err),
                 O2P_OK);
    CHECK(access(local, F_OK) != 0);
    CHECK_EQ_INT(count_temp(root), 0);
    objstore_close(s);
}

TEST(put_file_copy_and_move)
{
    struct objstore *s = open_store("w3");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    char local[PATH_MAX];
    snprintf(local, sizeof local, "%s/local-data.parquet", root);
    /* a file bigger than one copy chunk */
    struct buf big;
    buf_init(&big, 0);
    for (int i = 0; i < 50000; i++)
        buf_printf(&big, "%08d", i);
    CHECK_EQ_INT(fs_write_durable(local, big.data, big.len, 0, &err), O2P_OK);
    CHECK_EQ_INT(objstore_put_file(s, "otel/traces/data/day=2026-01-01/a.parquet", local, 0, &err),
                 O2P_OK);
    CHECK(access(local, F_OK) == 0); /* copied, source kept */
    CHECK_EQ_INT(objstore_put_file(s, "otel/traces/data/day=2026-01-01/b.parquet", local,
                                   OBJSTORE_MOVE, &err),
                 O2P_OK);
    CHECK(access(local, F_OK) != 0); /* moved */
    struct buf b;
    buf_init(&b, 0);
    CHECK_EQ_INT(objstore_get(s, "otel/traces/data/day=2026-01-01/a.parquet", &b, &err), O2P_OK);
    CHECK(b.len == big.len && memcmp(b.data, big.data, b.len) == 0);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_get(s, "otel/traces/data/day=2026-01-01/b.parquet", &b, &err), O2P_OK);
    CHECK(b.len == big.len && memcmp(b.data, big.data, b.len) == 0);
    /* a ceiling smaller than the object */
    struct buf small;
    buf_init(&small, 100);
    CHECK_EQ_INT(objstore_get(s, "otel/traces/data/day=2026-01-01/b.parquet", &small, &err),
                 O2P_ETOOBIG);
    /* exactly at the ceiling is fine */
    struct buf exact;
    buf_init(&exact, big.len);
    CHECK_EQ_INT(objstore_get(s, "otel/traces/data/day=2026-01-01/b.parquet", &exact, &err),
                 O2P_OK);
    CHECK_EQ_INT(exact.len, big.len);
    /* missing source */
    CHECK_EQ_INT(objstore_put_file(s, "x", "/nonexistent/file", 0, &err), O2P_ENOTFOUND);
    buf_free(&b);
    buf_free(&big);
    buf_free(&small);
    buf_free(&exact);
    objstore_close(s);
}

TEST(bad_keys)
{
    struct objstore *s = open_store("w4");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    const char *bad[] = {"",     "/abs", "../escape", "a/../../b", "a//b",
                         "a/./b", "dir/", ".",         "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (objstore_put_bytes(s, bad[i], "x", 1, 0, &err) != O2P_EINVAL)
            FAILF("key \"%s\" accepted", bad[i]);
    }
    CHECK(access("escape", F_OK) != 0);
    objstore_close(s);
}

static int collect(const char *key, uint64_t size, void *ctx)
{
    struct buf *b = ctx;
    return buf_printf(b, "%s:%llu;", key, (unsigned long long)size);
}

TEST(list_and_url)
{
    struct objstore *s = open_store("w5");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/data/a.parquet", "12", 2, 0, &err), O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/metadata/v1.json", "123", 3, 0, &err), O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/traces/data/b.parquet", "1", 1, 0, &err), O2P_OK);
    /* a temp file of an interrupted put is invisible */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/w5/otel/logs/data/.c.parquet" FS_TMP_INFIX "1-1", root);
    CHECK_EQ_INT(write_local(tmp, "zz"), O2P_OK);
    struct buf b;
    buf_init(&b, 0);
    CHECK_EQ_INT(objstore_list(s, "otel/logs/", collect, &b, &err), O2P_OK);
    CHECK(b.data != NULL);
    CHECK(strstr((char *)b.data, "otel/logs/data/a.parquet:2;") != NULL);
    CHECK(strstr((char *)b.data, "otel/logs/metadata/v1.json:3;") != NULL);
    CHECK(strstr((char *)b.data, "traces") == NULL);
    CHECK(strstr((char *)b.data, ".c.parquet") == NULL);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_list(s, "otel/l", collect, &b, &err), O2P_OK);
    CHECK(b.len > 0 && strstr((char *)b.data, "traces") == NULL);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_list(s, "", collect, &b, &err), O2P_OK);
    CHECK(strstr((char *)b.data, "otel/traces/data/b.parquet:1;") != NULL);
    buf_free(&b);
    char url[PATH_MAX + 64], want[PATH_MAX + 64];
    objstore_url(s, "otel/logs/data/a.parquet", url, sizeof url);
    snprintf(want, sizeof want, "file://%s/w5/otel/logs/data/a.parquet", root);
    CHECK_EQ_STR(url, want);
    CHECK_EQ_STR(objstore_scheme(s), "file");
    objstore_close(s);

    /* s3 URLs need no network to open or to name objects */
    struct o2p_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.s3.region = "eu-west-1";
    CHECK_EQ_INT(objstore_open(&s, "s3://my-bucket/wh/prefix/", &cfg, &err), O2P_OK);
    CHECK_EQ_STR(objstore_url(s, "otel/logs/data/a.parquet", url, sizeof url),
                 "s3://my-bucket/wh/prefix/otel/logs/data/a.parquet");
    CHECK_EQ_STR(objstore_scheme(s), "s3");
    objstore_close(s);
    CHECK_EQ_INT(objstore_open(&s, "s3://b", NULL, &err), O2P_OK);
    CHECK_EQ_STR(objstore_url(s, "k", url, sizeof url), "s3://b/k");
    objstore_close(s);
    CHECK_EQ_INT(objstore_open(&s, "gs://b/x", NULL, &err), O2P_EINVAL);
    CHECK_EQ_INT(objstore_open(&s, "s3:///x", NULL, &err), O2P_EINVAL);
}

static int fill_then_fail(int fd, void *ctx, struct o2p_error *err)
{
    (void)ctx;
    if (write(fd, "partial", 7) != 7)
        return o2p_fail_errno(err, "write");
    return o2p_fail(err, O2P_EIO, "producer failed on purpose");
}

TEST(durable_write_leaves_no_temp_on_failure)
{
    char dir[512], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/dw", root);
    struct o2p_error err = {0};
    CHECK_EQ_INT(fs_mkdir_p(dir, &err), O2P_OK);
    snprintf(path, sizeof path, "%s/file", dir);
    /* 1. the producer fails after writing some bytes */
    CHECK_EQ_INT(fs_write_durable_fn(path, fill_then_fail, NULL, 0, &err), O2P_EIO);
    CHECK(access(path, F_OK) != 0);
    CHECK_EQ_INT(count_temp(dir), 0);
    /* 2. rename fails: the destination is a non-empty directory */
    char sub[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/busy", dir);
    snprintf(sub, sizeof sub, "%s/x", path);
    CHECK_EQ_INT(fs_write_durable(sub, "1", 1, FS_MKDIRS, &err), O2P_OK);
    CHECK(fs_write_durable(path, "data", 4, 0, &err) != O2P_OK);
    CHECK(strstr(err.msg, "rename") != NULL);
    CHECK_EQ_INT(count_temp(dir), 0);
    /* 3. a read-only directory (root ignores permissions: skip that part) */
    if (geteuid() != 0) {
        char ro[1024], f[PATH_MAX];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        CHECK_EQ_INT(fs_mkdir_p(ro, &err), O2P_OK);
        CHECK(chmod(ro, 0555) == 0);
        snprintf(f, sizeof f, "%s/f", ro);
        CHECK_EQ_INT(fs_write_durable(f, "data", 4, 0, &err), O2P_EIO);
        CHECK(strstr(err.msg, "Permission denied") != NULL);
        chmod(ro, 0755);
        CHECK_EQ_INT(count_temp(dir), 0);
        /* and through the object store: a read-only warehouse subdirectory */
        struct objstore *s = open_store("ro-wh");
        CHECK(s != NULL);
        char sd[PATH_MAX];
        snprintf(sd, sizeof sd, "%s/ro-wh/locked", root);
        CHECK_EQ_INT(fs_mkdir_p(sd, &err), O2P_OK);
        CHECK(chmod(sd, 0555) == 0);
        CHECK_EQ_INT(objstore_put_bytes(s, "locked/obj", "x", 1, 0, &err), O2P_EIO);
        CHECK(strstr(err.msg, "locked/obj") != NULL);
        chmod(sd, 0755);
        objstore_close(s);
        CHECK_EQ_INT(count_temp(root), 0);
    }
    /* 4. create-only onto an existing name */
    snprintf(path, sizeof path, "%s/once", dir);
    CHECK_EQ_INT(fs_write_durable(path, "a", 1, FS_CREATE_ONLY, &err), O2P_OK);
    CHECK_EQ_INT(fs_write_durable(path, "b", 1, FS_CREATE_ONLY, &err), O2P_ECONFLICT);
    CHECK_EQ_INT(count_temp(dir), 0);
}

TEST(mkdir_p_and_temp_names)
{
    char deep[PATH_MAX];
    snprintf(deep, sizeof deep, "%s/m/a/b/c/", root);
    struct o2p_error err = {0};
    CHECK_EQ_INT(fs_mkdir_p(deep, &err), O2P_OK);
    CHECK_EQ_INT(fs_mkdir_p(deep, &err), O2P_OK);
    struct stat st;
    CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(fs_is_temp_name(".x.parquet.tmp-12-3"));
    CHECK(!fs_is_temp_name("x.parquet"));
    CHECK(!fs_is_temp_name(".hidden"));
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/o2p-objstore-file.XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(put_get_stat_delete);
    RUN(create_only_never_overwrites);
    RUN(put_file_copy_and_move);
    RUN(bad_keys);
    RUN(list_and_url);
    RUN(durable_write_leaves_no_temp_on_failure);
    RUN(mkdir_p_and_temp_names);
    rm_rf(root);
    return testing_done();
}
