/*
 * test_aws_credentials.c - the text form of vended keys the committer hands to the writers
 * (aws_credentials_encode / aws_credentials_decode): round trip, refusals on both sides.
 */
#include "storage/aws_credentials.h"
#include "testing.h"

#include <string.h>

TEST(round_trip)
{
    struct aws_credentials c = {0}, back;
    strcpy(c.access_key_id, "ASIAEXAMPLE");
    strcpy(c.secret_access_key, "se/cr+et=");
    strcpy(c.session_token, "tok en");
    c.expiration = 1800000000;
    char text[AWS_CREDENTIALS_TEXT_MAX];
    struct o2p_error err = {0};
    CHECK_EQ_INT(aws_credentials_encode(&c, text, sizeof text, &err), O2P_OK);
    CHECK_EQ_STR(text, "v1\tASIAEXAMPLE\tse/cr+et=\ttok en\t1800000000");
    CHECK_EQ_INT(aws_credentials_decode(text, &back, &err), O2P_OK);
    CHECK_EQ_STR(back.access_key_id, c.access_key_id);
    CHECK_EQ_STR(back.secret_access_key, c.secret_access_key);
    CHECK_EQ_STR(back.session_token, c.session_token);
    CHECK(back.expiration == c.expiration);
    CHECK_EQ_STR(back.source, "vended");
    c.session_token[0] = 0; /* no token, no expiry */
    c.expiration = 0;
    CHECK_EQ_INT(aws_credentials_encode(&c, text, sizeof text, &err), O2P_OK);
    CHECK_EQ_INT(aws_credentials_decode(text, &back, &err), O2P_OK);
    CHECK_EQ_STR(back.session_token, "");
}

TEST(refusals)
{
    struct aws_credentials c = {0}, back;
    strcpy(c.access_key_id, "AK\tID");
    strcpy(c.secret_access_key, "s");
    char text[AWS_CREDENTIALS_TEXT_MAX];
    struct o2p_error err = {0};
    CHECK_EQ_INT(aws_credentials_encode(&c, text, sizeof text, &err), O2P_EINVAL);
    const char *bad[] = {"", "v2\ta\tb\t\t0", "v1\ta\tb", "v1\ta\tb\tt\t", "v1\ta\tb\tt\t12x", "v1\t\tb\tt\t0",
                         "v1\ta\tb\tt\t-5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(aws_credentials_decode(bad[i], &back, &err), O2P_ECORRUPT);
        CHECK(strstr(err.msg, "credentials text") != NULL);
    }
}

int main(void)
{
    RUN(round_trip);
    RUN(refusals);
    return testing_done();
}
