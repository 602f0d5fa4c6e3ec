/*
 * test_objstore_s3.c - the s3:// object store against a real S3 implementation (s3rver behind
 * tests/interop/s3-sigv4-proxy.mjs, which checks every signature with AWS's own signer), and
 * the credential chain (shared credentials file always; IMDSv2 against a loopback mock).
 *
 * The network tests run only when tests/integration/objstore_s3.sh sets:
 *   O2P_S3_ENDPOINT   http://127.0.0.1:PORT of the proxy (path-style, bucket O2P_S3_BUCKET)
 *   O2P_S3_DATA_DIR   s3rver's directory (objects are checked byte for byte there too)
 *   O2P_IMDS_ENDPOINT the IMDSv2 mock
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY  the proxy's keys
 * Otherwise they print "ok objstore_s3_skipped".
 */
#include "storage/aws_credentials.h"
#include "common/fsutil.h"
#include "storage/objstore.h"
#include "testing.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];
static const char *endpoint, *bucket;

static struct objstore *open_s3(const char *prefix)
{
    static struct o2p_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.s3.endpoint = (char *)endpoint;
    cfg.s3.region = "us-east-1";
    cfg.s3.path_style = true;
    char url[512];
    snprintf(url, sizeof url, "s3://%s/%s", bucket, prefix);
    struct objstore *s = NULL;
    struct o2p_error err = {0};
    if (objstore_open(&s, url, &cfg, &err) != O2P_OK)
        printf("# objstore_open %s: %s\n", url, err.msg);
    return s;
}

/* make_file - a file of n pseudo-random bytes (the same for the same seed). */
static int make_file(const char *path, size_t n, unsigned seed)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint32_t x = seed * 2654435761u + 1;
    unsigned char chunk[65536];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
        for (size_t i = 0; i < k; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            chunk[i] = (unsigned char)x;
        }
        fwrite(chunk, 1, k, f);
        done += k;
    }
    return fclose(f);
}

static int same_as_file(const struct buf *b, const char *path)
{
    struct buf f;
    buf_init(&f, 0);
    int ok = fs_read_file(path, &f, NULL) == O2P_OK && f.len == b->len &&
             (f.len == 0 || memcmp(f.data, b->data, f.len) == 0);
    buf_free(&f);
    return ok;
}

TEST(shared_credentials_file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/credentials", tmpdir);
    const char *text = "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
                       "aws_secret_access_key = secret-default\n\n"
                       "[other]\r\naws_access_key_id=S3RVER\r\naws_secret_access_key=S3RVER\r\n"
                       "aws_session_token = tok-other\r\n"
                       "[broken]\naws_access_key_id = X\n";
    CHECK_EQ_INT(fs_write_durable(path, text, strlen(text), 0, NULL), O2P_OK);
    struct aws_credentials c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(aws_credentials_from_file(path, NULL, &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "AKIDDEFAULT");
    CHECK_EQ_STR(c.secret_access_key, "secret-default");
    CHECK_EQ_STR(c.session_token, "");
    CHECK_EQ_INT(aws_credentials_from_file(path, "other", &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "S3RVER");
    CHECK_EQ_STR(c.session_token, "tok-other");
    CHECK_EQ_STR(c.source, "file:other");
    CHECK_EQ_INT(aws_credentials_from_file(path, "nope", &c, &err), O2P_ENOTFOUND);
    CHECK(strstr(err.msg, "[nope]") != NULL);
    CHECK_EQ_INT(aws_credentials_from_file(path, "broken", &c, &err), O2P_EINVAL);
    CHECK_EQ_INT(aws_credentials_from_file("/nonexistent/credentials", NULL, &c, &err),
                 O2P_ENOTFOUND);

    /* The chain: environment first, then the file's AWS_PROFILE. */
    char *saved_id = getenv("AWS_ACCESS_KEY_ID") ? strdup(getenv("AWS_ACCESS_KEY_ID")) : NULL;
    char *saved_secret =
        getenv("AWS_SECRET_ACCESS_KEY") ? strdup(getenv("AWS_SECRET_ACCESS_KEY")) : NULL;
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_PROFILE", "other", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    struct aws_credentials_provider *p = NULL;
    CHECK_EQ_INT(aws_credentials_provider_new(&p, &err), O2P_OK);
    CHECK_EQ_INT(aws_credentials_provider_get(p, time(NULL), &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "ENVKEY");
    unsetenv("AWS_ACCESS_KEY_ID");
    aws_credentials_provider_invalidate(p);
    /* half-set environment is an error, not a silent fall-through */
    CHECK_EQ_INT(aws_credentials_provider_get(p, time(NULL), &c, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "AWS_ACCESS_KEY_ID") != NULL);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_EQ_INT(aws_credentials_provider_get(p, time(NULL), &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "S3RVER");
    CHECK_EQ_STR(c.source, "file:other");
    aws_credentials_provider_invalidate(p);
    unsetenv("AWS_PROFILE");
    CHECK_EQ_INT(aws_credentials_provider_get(p, time(NULL), &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "AKIDDEFAULT");
    aws_credentials_provider_invalidate(p);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    CHECK_EQ_INT(aws_credentials_provider_get(p, time(NULL), &c, &err), O2P_ENOTFOUND);
    CHECK(strstr(err.msg, "IMDS: disabled") != NULL);
    aws_credentials_provider_free(p);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_EC2_METADATA_DISABLED");
    if (saved_id)
        setenv("AWS_ACCESS_KEY_ID", saved_id, 1);
    if (saved_secret)
        setenv("AWS_SECRET_ACCESS_KEY", saved_secret, 1);
    free(saved_id);
    free(saved_secret);
}

TEST(small_put_file_get_stat)
{
    struct objstore *s = open_s3("wh/otel");
    CHECK(s != NULL);
    char local[512];
    snprintf(local, sizeof local, "%s/small.parquet", tmpdir);
    CHECK(make_file(local, 100000, 1) == 0);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_file(s, "logs/data/day=2026-01-01/small.parquet", local, 0, &err),
                 O2P_OK);
    uint64_t size = 0;
    CHECK_EQ_INT(objstore_stat(s, "logs/data/day=2026-01-01/small.parquet", &size, &err), O2P_OK);
    CHECK_EQ_INT(size, 100000);
    struct buf b;
    buf_init(&b, 1 << 20);
    CHECK_EQ_INT(objstore_get(s, "logs/data/day=2026-01-01/small.parquet", &b, &err), O2P_OK);
    CHECK(same_as_file(&b, local));
    buf_free(&b);
    /* OBJSTORE_MOVE consumes the local file once uploaded */
    CHECK_EQ_INT(objstore_put_file(s, "logs/data/moved.parquet", local, OBJSTORE_MOVE, &err),
                 O2P_OK);
    CHECK(access(local, F_OK) != 0);
    objstore_close(s);
}

TEST(large_put_file_multipart)
{
    struct objstore *s = open_s3("wh/otel");
    CHECK(s != NULL);
    char local[512];
    snprintf(local, sizeof local, "%s/large.parquet", tmpdir);
    size_t n = 40u << 20; /* 3 parts: 16 + 16 + 8 MiB */
    CHECK(make_file(local, n, 2) == 0);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_file(s, "traces/data/large.parquet", local, 0, &err), O2P_OK);
    uint64_t size = 0;
    CHECK_EQ_INT(objstore_stat(s, "traces/data/large.parquet", &size, &err), O2P_OK);
    CHECK_EQ_INT(size, n);
    struct buf b;
    buf_init(&b, 64u << 20);
    CHECK_EQ_INT(objstore_get(s, "traces/data/large.parquet", &b, &err), O2P_OK);
    CHECK(same_as_file(&b, local));
    buf_free(&b);
    /* and what s3rver stored on disk */
    const char *dd = getenv("O2P_S3_DATA_DIR");
    if (dd && *dd) {
        char stored[1024];
        snprintf(stored, sizeof stored, "%s/%s/wh/otel/traces/data/large.parquet._S3rver_object",
                 dd, bucket);
        struct buf f;
        buf_init(&f, 0);
        CHECK_EQ_INT(fs_read_file(stored, &f, &err), O2P_OK);
        int same = same_as_file(&f, local);
        buf_free(&f);
        CHECK(same);
    }
    /* a ceiling below the object's size is reported, not overrun */
    struct buf small;
    buf_init(&small, 1 << 20);
    CHECK_EQ_INT(objstore_get(s, "traces/data/large.parquet", &small, &err), O2P_ETOOBIG);
    buf_free(&small);
    unlink(local);
    objstore_close(s);
}

static int collect(const char *key, uint64_t size, void *ctx)
{
    return buf_printf(ctx, "%s:%llu;", key, (unsigned long long)size);
}

TEST(put_bytes_get_exists_delete_list)
{
    struct objstore *s = open_s3("wh2");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    const char *key = "otel/logs/metadata/00001-a b+c=d&e.metadata.json";
    CHECK_EQ_INT(objstore_put_bytes(s, key, "{\"format-version\":2}", 20, 0, &err), O2P_OK);
    CHECK_EQ_INT(objstore_stat(s, key, NULL, &err), O2P_OK);
    struct buf b;
    buf_init(&b, 1024);
    CHECK_EQ_INT(objstore_get(s, key, &b, &err), O2P_OK);
    CHECK(b.len == 20 && memcmp(b.data, "{\"format-version\":2}", 20) == 0);
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/metadata/version-hint.text", "1", 1, 0, &err),
                 O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/traces/metadata/v.json", "{}", 2, 0, &err), O2P_OK);
    struct buf l;
    buf_init(&l, 0);
    CHECK_EQ_INT(objstore_list(s, "otel/logs/", collect, &l, &err), O2P_OK);
    CHECK(l.data && strstr((char *)l.data, "otel/logs/metadata/00001-a b+c=d&e.metadata.json:20;"));
    CHECK(strstr((char *)l.data, "otel/logs/metadata/version-hint.text:1;") != NULL);
    CHECK(strstr((char *)l.data, "traces") == NULL);
    buf_free(&l);
    CHECK_EQ_INT(objstore_delete(s, key, &err), O2P_OK);
    CHECK_EQ_INT(objstore_stat(s, key, NULL, &err), O2P_ENOTFOUND);
    buf_reset(&b);
    CHECK_EQ_INT(objstore_get(s, key, &b, &err), O2P_ENOTFOUND);
    CHECK(strstr(err.msg, "404 NoSuchKey") != NULL);
    CHECK(strstr(err.msg, "s3 GET s3://") != NULL);
    CHECK_EQ_INT(objstore_delete(s, key, &err), O2P_OK); /* already gone: fine */
    buf_free(&b);
    objstore_close(s);
}

TEST(create_only)
{
    struct objstore *s = open_s3("wh3");
    CHECK(s != NULL);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/v1.json", "one", 3, OBJSTORE_CREATE_ONLY, &err),
                 O2P_OK);
    /* The proxy emulates If-None-Match (s3rver ignores it) and answers 412. */
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/v1.json", "two", 3, OBJSTORE_CREATE_ONLY, &err),
                 O2P_ECONFLICT);
    CHECK(strstr(err.msg, "412 PreconditionFailed") != NULL);
    struct buf b;
    buf_init(&b, 100);
    CHECK_EQ_INT(objstore_get(s, "t/metadata/v1.json", &b, &err), O2P_OK);
    CHECK(b.len == 3 && memcmp(b.data, "one", 3) == 0);
    buf_free(&b);
    objstore_close(s);
}

/* A store that refuses If-None-Match itself (general S3's 501 NotImplemented, from the proxy
 * with --refuse-header If-None-Match:PutObject --refuse-style s3): a name that must never be
 * replaced fails with the store's answer; a unique name (OBJSTORE_UNIQUE_KEY) is written
 * without the header, and so is every later one. */
TEST(conditional_header_refused)
{
    const char *saved = endpoint;
    endpoint = getenv("O2P_S3_REFUSING_ENDPOINT");
    struct objstore *s = open_s3("wh-refuse");
    endpoint = saved;
    CHECK(s != NULL);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/v1.json", "one", 3, OBJSTORE_CREATE_ONLY, &err),
                 O2P_EUNSUPPORTED);
    CHECK(strstr(err.msg, "501 NotImplemented") != NULL);
    unsigned unique = OBJSTORE_CREATE_ONLY | OBJSTORE_UNIQUE_KEY;
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/a-m0.avro", "manifest", 8, unique, &err), O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "t/metadata/b-m0.avro", "manifest", 8, unique, &err), O2P_OK);
    struct buf b;
    buf_init(&b, 100);
    CHECK_EQ_INT(objstore_get(s, "t/metadata/b-m0.avro", &b, &err), O2P_OK);
    CHECK(b.len == 8 && memcmp(b.data, "manifest", 8) == 0);
    buf_free(&b);
    objstore_close(s);
}

TEST(wrong_secret_is_a_clear_error)
{
    struct objstore *s = open_s3("wh4");
    CHECK(s != NULL);
    struct aws_credentials c;
    memset(&c, 0, sizeof c);
    strcpy(c.access_key_id, "S3RVER");
    strcpy(c.secret_access_key, "not-the-secret");
    objstore_set_credentials(s, &c);
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_put_bytes(s, "otel/logs/data/x.parquet", "x", 1, 0, &err), O2P_EINVAL);
    printf("# %s\n", err.msg);
    CHECK(strstr(err.msg, "s3 PUT s3://") != NULL);
    CHECK(strstr(err.msg, "/wh4/otel/logs/data/x.parquet: 403 SignatureDoesNotMatch") != NULL);
    /* HEAD has no error body: the status still says what happened */
    CHECK_EQ_INT(objstore_stat(s, "otel/logs/data/x.parquet", NULL, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "403") != NULL);
    objstore_close(s);
}

TEST(unreachable_endpoint_gives_up)
{
    static struct o2p_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.s3.endpoint = "http://127.0.0.1:9"; /* discard port: nothing listens */
    cfg.s3.path_style = true;
    struct objstore *s = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_open(&s, "s3://warehouse/x", &cfg, &err), O2P_OK);
    CHECK_EQ_INT(objstore_put_bytes(s, "k", "x", 1, 0, &err), O2P_EAGAIN);
    CHECK(strstr(err.msg, "gave up after") != NULL);
    objstore_close(s);
}

TEST(credentials_from_profile_over_s3)
{
    char path[512];
    snprintf(path, sizeof path, "%s/credentials2", tmpdir);
    const char *text = "[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = x\n"
                       "[s3rver]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n";
    CHECK_EQ_INT(fs_write_durable(path, text, strlen(text), 0, NULL), O2P_OK);
    char *id = strdup(getenv("AWS_ACCESS_KEY_ID")), *sec = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_PROFILE", "s3rver", 1);
    struct objstore *s = open_s3("wh5");
    struct o2p_error err = {0};
    int rc1 = s ? objstore_put_bytes(s, "p", "1", 1, 0, &err) : -1;
    objstore_close(s);
    unsetenv("AWS_PROFILE"); /* default profile: a key the server does not know */
    s = open_s3("wh5");
    int rc2 = s ? objstore_put_bytes(s, "p", "1", 1, 0, &err) : -1;
    objstore_close(s);
    setenv("AWS_ACCESS_KEY_ID", id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sec, 1);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_EC2_METADATA_DISABLED");
    free(id);
    free(sec);
    CHECK_EQ_INT(rc1, O2P_OK);
    CHECK_EQ_INT(rc2, O2P_EINVAL);
    CHECK(strstr(err.msg, "InvalidAccessKeyId") != NULL);
}

TEST(imds_credentials_and_refresh)
{
    const char *imds = getenv("O2P_IMDS_ENDPOINT");
    CHECK(imds && *imds);
    struct aws_credentials c;
    struct o2p_error err = {0};
    CHECK_EQ_INT(aws_credentials_from_imds(imds, &c, &err), O2P_OK);
    CHECK_EQ_STR(c.access_key_id, "S3RVER");
    CHECK_EQ_STR(c.source, "imds:test-role");
    CHECK(strncmp(c.session_token, "imds-session-", 13) == 0);
    time_t now = time(NULL);
    CHECK(c.expiration > now + 3000 && c.expiration < now + 4000);

    /* Through the chain: no env keys, no file -> IMDS; cached; refreshed near expiry. */
    char *id = strdup(getenv("AWS_ACCESS_KEY_ID")), *sec = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds, 1);
    struct aws_credentials_provider *p = NULL;
    CHECK_EQ_INT(aws_credentials_provider_new(&p, &err), O2P_OK);
    struct aws_credentials a, b, d;
    int r1 = aws_credentials_provider_get(p, now, &a, &err);
    int r2 = aws_credentials_provider_get(p, now + 60, &b, &err);
    int r3 = aws_credentials_provider_get(p, a.expiration - 100, &d, &err);
    aws_credentials_provider_free(p);
    /* and a real S3 request signed with the session token */
    struct objstore *s = open_s3("wh6");
    int r4 = s ? objstore_put_bytes(s, "imds", "1", 1, 0, &err) : -1;
    objstore_close(s);
    setenv("AWS_ACCESS_KEY_ID", id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sec, 1);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    free(id);
    free(sec);
    CHECK_EQ_INT(r1, O2P_OK);
    CHECK_EQ_INT(r2, O2P_OK);
    CHECK_EQ_INT(r3, O2P_OK);
    CHECK_EQ_STR(a.source, "imds:test-role");
    CHECK_EQ_STR(b.session_token, a.session_token);   /* cached */
    CHECK(strcmp(d.session_token, a.session_token) != 0); /* refreshed before expiry */
    CHECK_EQ_INT(r4, O2P_OK);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/o2p-objstore-s3.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(shared_credentials_file);
    endpoint = getenv("O2P_S3_ENDPOINT");
    bucket = getenv("O2P_S3_BUCKET") ? getenv("O2P_S3_BUCKET") : "warehouse";
    if (!endpoint || !*endpoint || !getenv("AWS_ACCESS_KEY_ID")) {
        printf("ok objstore_s3_skipped\n");
    } else {
        RUN(small_put_file_get_stat);
        RUN(large_put_file_multipart);
        RUN(put_bytes_get_exists_delete_list);
        RUN(create_only);
        if (getenv("O2P_S3_REFUSING_ENDPOINT"))
            RUN(conditional_header_refused);
        RUN(wrong_secret_is_a_clear_error);
        RUN(unreachable_endpoint_gives_up);
        RUN(credentials_from_profile_over_s3);
        if (getenv("O2P_IMDS_ENDPOINT"))
            RUN(imds_credentials_and_refresh);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", tmpdir);
    return testing_done();
}
