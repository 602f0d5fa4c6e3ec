/*
 * test_catalog_rest_sigv4.c - the REST catalog client's SigV4 (catalog_rest_auth_sigv4_headers: service glue
 * or s3tables, path URI-encoded twice, body hashed, host/content-type signed) against AWS's own
 * signer: tests/interop/sigv4-sign.mjs (@smithy/signature-v4) signs the same request and the
 * Authorization headers must be identical. Skipped (reported ok with a note) when node or the
 * interop node_modules are missing.
 */
#include "iceberg/catalog_rest.h"
#include "testing.h"

#include <stdlib.h>
#include <unistd.h>

static const char *root(void)
{
    const char *r = getenv("O2P_ROOT");
    return r && *r ? r : ".";
}

static bool have_node(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/interop/node_modules/@smithy/signature-v4", root());
    return access(path, R_OK) == 0 && system("node --version >/dev/null 2>&1") == 0;
}

/* aws_sign - the Authorization header from AWS's signer, or "" when it failed. */
static void aws_sign(const char *method, const char *url, const char *service, const char *region, const char *date,
                     const struct aws_credentials *cred, const char *ct, const char *body, char *out, size_t n)
{
    char cmd[8192];
    int l = snprintf(cmd, sizeof cmd, "cd %s/tests/interop && node sigv4-sign.mjs %s '%s' %s %s %s %s %s", root(), method,
                     url, service, region, date, cred->access_key_id, cred->secret_access_key);
    if (cred->session_token[0])
        l += snprintf(cmd + l, sizeof cmd - l, " --token '%s'", cred->session_token);
    if (ct)
        l += snprintf(cmd + l, sizeof cmd - l, " --content-type '%s'", ct);
    if (body)
        snprintf(cmd + l, sizeof cmd - l, " --body '%s'", body);
    out[0] = 0;
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (!fgets(out, (int)n, p))
        out[0] = 0;
    pclose(p);
    out[strcspn(out, "\n")] = 0;
}

static const char *header(const struct rest_headers *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++)
        if (!strcasecmp(hs->h[i].name, name))
            return hs->h[i].value;
    return NULL;
}

/* 2015-08-30T12:36:00Z */
#define NOW ((time_t)1440938160)

static void compare(const char *method, const char *url, const char *service, const char *region,
                    const struct aws_credentials *cred, const char *ct, const char *body, char *ours, char *theirs)
{
    struct rest_headers hs;
    memset(&hs, 0, sizeof hs);
    struct o2p_error err = {0};
    ours[0] = 0;
    if (catalog_rest_auth_sigv4_headers(method, url, ct, body, body ? strlen(body) : 0, cred, region, service, NOW, &hs, &err) == O2P_OK)
        snprintf(ours, 2048, "%s", header(&hs, "Authorization") ? header(&hs, "Authorization") : "");
    else
        snprintf(ours, 2048, "error: %s", err.msg);
    aws_sign(method, url, service, region, hs.amz_date[0] ? hs.amz_date : "20150830T123600Z", cred, ct, body, theirs, 2048);
}

static struct aws_credentials cred = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", 0, "test"};

TEST(glue_get_config)
{
    if (!have_node()) {
        printf("# skipped: node or tests/interop/node_modules missing\n");
        return;
    }
    char ours[2048], theirs[2048];
    compare("GET", "https://glue.us-east-1.amazonaws.com/iceberg/v1/config?warehouse=123456789012%3As3tablescatalog%2Fbucket",
            "glue", "us-east-1", &cred, NULL, NULL, ours, theirs);
    CHECK(strncmp(ours, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/glue/aws4_request", 76) == 0);
    CHECK_EQ_STR(ours, theirs);
}

TEST(glue_post_commit_with_body)
{
    if (!have_node())
        return;
    char ours[2048], theirs[2048];
    compare("POST", "https://glue.eu-west-1.amazonaws.com/iceberg/v1/catalogs/123456789012/namespaces/otel/tables/logs",
            "glue", "eu-west-1", &cred, "application/json",
            "{\"requirements\":[],\"updates\":[{\"action\":\"add-snapshot\",\"snapshot-id\":9223372036854775807}]}",
            ours, theirs);
    CHECK_EQ_STR(ours, theirs);
}

TEST(s3tables_arn_prefix_double_encoded)
{
    if (!have_node())
        return;
    char ours[2048], theirs[2048];
    compare("POST",
            "https://s3tables.us-east-2.amazonaws.com/iceberg/v1/arn%3Aaws%3As3tables%3Aus-east-2%3A123456789012%3Abucket%2Fo2p/namespaces",
            "s3tables", "us-east-2", &cred, "application/json", "{\"namespace\":[\"otel\"],\"properties\":{}}", ours,
            theirs);
    CHECK_EQ_STR(ours, theirs);
}

TEST(s3tables_session_token_and_load)
{
    if (!have_node())
        return;
    struct aws_credentials c = cred;
    snprintf(c.session_token, sizeof c.session_token, "%s", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==");
    char ours[2048], theirs[2048];
    compare("GET",
            "https://s3tables.us-east-2.amazonaws.com/iceberg/v1/arn%3Aaws%3As3tables%3Aus-east-2%3A123456789012%3Abucket%2Fo2p/namespaces/otel/tables/metrics_sum",
            "s3tables", "us-east-2", &c, NULL, NULL, ours, theirs);
    CHECK(strstr(ours, "x-amz-security-token") != NULL);
    CHECK_EQ_STR(ours, theirs);
}

TEST(headers_sent)
{
    struct rest_headers hs;
    memset(&hs, 0, sizeof hs);
    struct o2p_error err = {0};
    CHECK_EQ_INT(catalog_rest_auth_sigv4_headers("GET", "http://127.0.0.1:8181/v1/config", NULL, NULL, 0, &cred, "us-east-1", "glue",
                                    NOW, &hs, &err), O2P_OK);
    CHECK_EQ_STR(header(&hs, "Host"), "127.0.0.1:8181");
    CHECK_EQ_STR(header(&hs, "x-amz-date"), "20150830T123600Z");
    CHECK(header(&hs, "x-amz-security-token") == NULL);
    CHECK_EQ_INT(catalog_rest_auth_sigv4_headers("GET", "no-scheme", NULL, NULL, 0, &cred, "us-east-1", "glue", NOW, &hs, &err),
                 O2P_EINVAL);
}

int main(void)
{
    RUN(glue_get_config);
    RUN(glue_post_commit_with_body);
    RUN(s3tables_arn_prefix_double_encoded);
    RUN(s3tables_session_token_and_load);
    RUN(headers_sent);
    return testing_done();
}
