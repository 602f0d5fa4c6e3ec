/*
 * test_sigv4.c - SigV4 against AWS's published test suite (tests/unit/data/sigv4/) and the S3
 * examples of the S3 API reference (x-amz-content-sha256, UNSIGNED-PAYLOAD, query
 * canonicalisation, session tokens).
 */
#include "storage/sigv4.h"
#include "testing.h"

#include <stdlib.h>

static const char *data_dir(void)
{
    static char dir[4096];
    const char *root = getenv("O2P_ROOT");
    snprintf(dir, sizeof dir, "%s/tests/unit/data/sigv4", root && *root ? root : ".");
    return dir;
}

/* slurp - whole file as a NUL-terminated string (caller frees), NULL if unreadable. */
static char *slurp(const char *name, const char *ext)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s%s%s", data_dir(), name, ext ? "." : "", ext ? ext : "");
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_append_byte(&b, 0);
    return (char *)b.data;
}

static void aws_suite_creds(struct aws_credentials *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->access_key_id, "AKIDEXAMPLE");
    strcpy(c->secret_access_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
}

#define SUITE_TIME ((time_t)1440938160) /* 20150830T123600Z */

/* run_vector - parse NAME.req, sign it, compare with NAME.creq/.sts/.authz. Returns NULL when
 * everything matches, else a description of the first mismatch (static storage). */
static const char *run_vector(const char *name)
{
    static char why[8192];
    char *req = slurp(name, "req"), *creq = slurp(name, "creq"), *sts = slurp(name, "sts"),
         *authz = slurp(name, "authz");
    const char *result = NULL;
    struct sigv4_header hdr[32];
    size_t nh = 0;
    struct aws_credentials cred;
    aws_suite_creds(&cred);
    struct sigv4_result r;
    memset(&r, 0, sizeof r);
    if (!req || !creq || !sts || !authz) {
        snprintf(why, sizeof why, "%s: missing vector file in %s", name, data_dir());
        result = why;
        goto out;
    }
    /* Request line: METHOD SP URI SP HTTP/1.1 (the URI itself may contain spaces). */
    char *eol = strchr(req, '\n');
    char *line = req;
    char *rest = eol ? eol + 1 : req + strlen(req);
    if (eol)
        *eol = 0;
    char *sp = strchr(line, ' ');
    char *proto = strrchr(line, ' ');
    *sp = 0;
    *proto = 0;
    char *uri = sp + 1, *query = strchr(uri, '?');
    if (query)
        *query++ = 0;
    /* Headers up to a blank line, then the body. */
    const char *body = "";
    while (*rest) {
        eol = strchr(rest, '\n');
        if (eol)
            *eol = 0;
        if (*rest == 0) {
            body = eol ? eol + 1 : "";
            break;
        }
        char *colon = strchr(rest, ':');
        *colon = 0;
        if (!strcasecmp(rest, "X-Amz-Date")) {
            /* the signer derives it from `now` */
        } else if (!strcasecmp(rest, "X-Amz-Security-Token")) {
            snprintf(cred.session_token, sizeof cred.session_token, "%s", colon + 1);
        } else {
            hdr[nh].name = rest;
            hdr[nh].value = colon + 1;
            nh++;
        }
        if (!eol)
            break;
        rest = eol + 1;
    }
    struct sigv4_request rq = {.method = line, .path = uri, .query = query, .headers = hdr,
                               .nheaders = nh, .body = body, .body_len = strlen(body)};
    struct o2p_error err = {0};
    if (sigv4_sign(&rq, &cred, "us-east-1", "service", SUITE_TIME, &r, &err) != O2P_OK) {
        snprintf(why, sizeof why, "%s: sign failed: %s", name, err.msg);
        result = why;
    } else if (strcmp((char *)r.canonical_request.data, creq) != 0) {
        snprintf(why, sizeof why, "%s: canonical request\n%s\n--- expected\n%s", name,
                 (char *)r.canonical_request.data, creq);
        result = why;
    } else if (strcmp((char *)r.string_to_sign.data, sts) != 0) {
        snprintf(why, sizeof why, "%s: string to sign\n%s\n--- expected\n%s", name,
                 (char *)r.string_to_sign.data, sts);
        result = why;
    } else if (strcmp((char *)r.authorization.data, authz) != 0) {
        snprintf(why, sizeof why, "%s: authorization\n%s\n--- expected\n%s", name,
                 (char *)r.authorization.data, authz);
        result = why;
    }
out:
    sigv4_result_free(&r);
    free(req);
    free(creq);
    free(sts);
    free(authz);
    return result;
}

TEST(aws_test_suite)
{
    char *list = slurp("LIST", NULL);
    CHECK(list != NULL);
    int count = 0;
    char *save = NULL;
    for (char *name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
        const char *why = run_vector(name);
        if (why) {
            free(list);
            FAILF("%s", why);
        }
        count++;
    }
    free(list);
    CHECK(count >= 25);
}

/* S3 API reference, "Signature calculations for the Authorization header", GET Object. */
static void s3_example_creds(struct aws_credentials *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->access_key_id, "AKIAIOSFODNN7EXAMPLE");
    strcpy(c->secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}
#define S3_EXAMPLE_TIME ((time_t)1369353600) /* 20130524T000000Z */

TEST(s3_get_object_example)
{
    struct aws_credentials c;
    s3_example_creds(&c);
    struct sigv4_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
                               {"Range", "bytes=0-9"}};
    struct sigv4_request rq = {.method = "GET", .path = "/test.txt", .headers = h,
                               .nheaders = 2, .flags = SIGV4_S3};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    const char *creq = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                       "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
                       "x-amz-date:20130524T000000Z\n\n"
                       "host;range;x-amz-content-sha256;x-amz-date\n" SIGV4_EMPTY_SHA256;
    int ok_creq = strcmp((char *)r.canonical_request.data, creq) == 0;
    int ok_sig = strcmp(r.signature,
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == 0;
    CHECK_EQ_STR(r.payload_hash, SIGV4_EMPTY_SHA256);
    sigv4_result_free(&r);
    CHECK(ok_creq);
    CHECK(ok_sig);
}

TEST(s3_unsigned_payload_and_query)
{
    struct aws_credentials c;
    s3_example_creds(&c);
    struct sigv4_header h[] = {{"host", "127.0.0.1:9000"}};
    /* S3: the path is signed as sent ("%20" stays "%20", "//" and "." stay). */
    struct sigv4_request rq = {.method = "PUT", .path = "/warehouse/a%20b//./c.parquet",
                               .query = "uploadId=x%2By&partNumber=2", .headers = h,
                               .nheaders = 1, .payload_hash = SIGV4_UNSIGNED_PAYLOAD,
                               .flags = SIGV4_S3};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    const char *creq = "PUT\n/warehouse/a%20b//./c.parquet\npartNumber=2&uploadId=x%2By\n"
                       "host:127.0.0.1:9000\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"
                       "x-amz-date:20130524T000000Z\n\n"
                       "host;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD";
    int ok = strcmp((char *)r.canonical_request.data, creq) == 0;
    if (!ok)
        printf("# got:\n%s\n", (char *)r.canonical_request.data);
    sigv4_result_free(&r);
    CHECK(ok);
}

TEST(s3_signed_payload_and_token)
{
    struct aws_credentials c;
    s3_example_creds(&c);
    strcpy(c.session_token, "TOKEN/abc==");
    struct sigv4_header h[] = {{"host", "b.s3.eu-west-1.amazonaws.com"}, {"If-None-Match", "*"}};
    struct sigv4_request rq = {.method = "PUT", .path = "/k", .headers = h, .nheaders = 2,
                               .body = "Welcome to Amazon S3.", .body_len = 21,
                               .flags = SIGV4_S3};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "eu-west-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    /* SHA-256("Welcome to Amazon S3."), as in the S3 reference's PUT Object example */
    int ok_hash = strcmp(r.payload_hash,
                         "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072") == 0;
    int ok_tok = strstr((char *)r.canonical_request.data,
                        "\nx-amz-security-token:TOKEN/abc==\n") != NULL;
    int ok_sh = strstr((char *)r.authorization.data,
                       "SignedHeaders=host;if-none-match;x-amz-content-sha256;x-amz-date;"
                       "x-amz-security-token, ") != NULL;
    int ok_scope = strstr((char *)r.authorization.data,
                          "Credential=AKIAIOSFODNN7EXAMPLE/20130524/eu-west-1/s3/aws4_request") !=
                   NULL;
    sigv4_result_free(&r);
    CHECK(ok_hash);
    CHECK(ok_tok);
    CHECK(ok_sh);
    CHECK(ok_scope);
}

/* S3 reference PUT Object example: Date and x-amz-storage-class headers, "$" in the key. */
TEST(s3_put_object_example)
{
    struct aws_credentials c;
    s3_example_creds(&c);
    struct sigv4_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
                               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
    struct buf path;
    buf_init(&path, 0);
    buf_append_byte(&path, '/');
    sigv4_uri_encode(&path, "test$file.text", true);
    struct sigv4_request rq = {.method = "PUT", .path = (char *)path.data, .headers = h,
                               .nheaders = 3, .body = "Welcome to Amazon S3.", .body_len = 21,
                               .flags = SIGV4_S3};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    int ok_path = strcmp((char *)path.data, "/test%24file.text") == 0;
    int ok = strcmp(r.signature,
                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == 0;
    sigv4_result_free(&r);
    buf_free(&path);
    CHECK(ok_path);
    CHECK(ok);
}

/* S3 reference GET Bucket lifecycle and ListObjects examples: query canonicalisation. */
TEST(s3_query_examples)
{
    struct aws_credentials c;
    s3_example_creds(&c);
    struct sigv4_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    struct sigv4_request rq = {.method = "GET", .path = "/", .query = "lifecycle", .headers = h,
                               .nheaders = 1, .flags = SIGV4_S3};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    int ok1 = strcmp(r.signature,
                     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == 0;
    sigv4_result_free(&r);
    rq.query = "max-keys=2&prefix=J";
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", S3_EXAMPLE_TIME, &r, NULL), O2P_OK);
    int ok2 = strcmp(r.signature,
                     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == 0;
    sigv4_result_free(&r);
    CHECK(ok1);
    CHECK(ok2);
}

/* Non-S3 services (glue, s3tables) encode the wire path once more. */
TEST(double_encoding_for_other_services)
{
    struct aws_credentials c;
    aws_suite_creds(&c);
    struct sigv4_header h[] = {{"host", "glue.us-east-1.amazonaws.com"}};
    struct sigv4_request rq = {.method = "GET",
                               .path = "/iceberg/v1/catalogs/123%3Abucket/namespaces",
                               .headers = h, .nheaders = 1};
    struct sigv4_result r;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "glue", SUITE_TIME, &r, NULL), O2P_OK);
    int ok = strncmp((char *)r.canonical_request.data,
                     "GET\n/iceberg/v1/catalogs/123%253Abucket/namespaces\n\n", 51) == 0;
    sigv4_result_free(&r);
    CHECK(ok);
}

TEST(rejects_bad_input)
{
    struct aws_credentials c;
    aws_suite_creds(&c);
    struct sigv4_header h[] = {{"x-other", "1"}};
    struct sigv4_request rq = {.method = "GET", .path = "/", .headers = h, .nheaders = 1};
    struct sigv4_result r;
    struct o2p_error err = {0};
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", SUITE_TIME, &r, &err), O2P_EINVAL);
    sigv4_result_free(&r);
    CHECK(strstr(err.msg, "host") != NULL);
    struct sigv4_header h2[] = {{"host", "x"}};
    rq.headers = h2;
    rq.payload_hash = "nothex";
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", SUITE_TIME, &r, &err), O2P_EINVAL);
    sigv4_result_free(&r);
    rq.payload_hash = NULL;
    c.secret_access_key[0] = 0;
    CHECK_EQ_INT(sigv4_sign(&rq, &c, "us-east-1", "s3", SUITE_TIME, &r, &err), O2P_EINVAL);
    sigv4_result_free(&r);
}

TEST(uri_encode)
{
    struct buf b;
    buf_init(&b, 0);
    CHECK_EQ_INT(sigv4_uri_encode(&b, "otel/logs/data/a b+c=d~e_f.parquet", true), O2P_OK);
    CHECK_EQ_STR((char *)b.data, "otel/logs/data/a%20b%2Bc%3Dd~e_f.parquet");
    buf_reset(&b);
    CHECK_EQ_INT(sigv4_uri_encode(&b, "a/\xc3\xa9", false), O2P_OK);
    CHECK_EQ_STR((char *)b.data, "a%2F%C3%A9");
    buf_free(&b);
}

int main(void)
{
    RUN(aws_test_suite);
    RUN(s3_get_object_example);
    RUN(s3_unsigned_payload_and_query);
    RUN(s3_signed_payload_and_token);
    RUN(s3_put_object_example);
    RUN(s3_query_examples);
    RUN(double_encoding_for_other_services);
    RUN(rejects_bad_input);
    RUN(uri_encode);
    return testing_done();
}
