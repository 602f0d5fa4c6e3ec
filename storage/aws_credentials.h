/*
 * aws_credentials.h - AWS access keys for SigV4: environment, shared credentials file, EC2 IMDSv2.
 *
 * Resolution order (the AWS SDKs' default chain, minus SSO/process/web-identity):
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
 *      profile AWS_PROFILE, else "default"
 *   3. EC2 instance metadata, IMDSv2 only (token PUT first). Endpoint
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254); disabled by
 *      AWS_EC2_METADATA_DISABLED=true. Temporary credentials are refreshed before they expire.
 *
 * Thread model: a provider belongs to one thread at a time (one per struct objstore).
 */
#ifndef O2P_AWS_CREDENTIALS_H
#define O2P_AWS_CREDENTIALS_H

#include "common/err.h"

#include <time.h>

#define AWS_KEY_MAX 256
#define AWS_TOKEN_MAX 4096

struct aws_credentials {
    char access_key_id[AWS_KEY_MAX];
    char secret_access_key[AWS_KEY_MAX];
    char session_token[AWS_TOKEN_MAX]; /* "" = none */
    time_t expiration;                 /* 0 = does not expire */
    char source[64];                   /* "env", "file:PROFILE", "imds:ROLE" - for messages */
};

/* Refresh temporary credentials this many seconds before they expire (the SDKs use 5 min). */
#define AWS_CREDENTIALS_REFRESH_S 300

/* aws_credentials_from_env - fill `out` from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
 * AWS_SESSION_TOKEN. O2P_ENOTFOUND when the two keys are not both set (message says which),
 * O2P_ETOOBIG when a value does not fit. */
int aws_credentials_from_env(struct aws_credentials *out, struct o2p_error *err);

/* aws_credentials_from_file - read profile `profile` ("default" when NULL) of the INI file at
 * `path` (aws_access_key_id, aws_secret_access_key, aws_session_token). O2P_ENOTFOUND when the
 * file or the profile is absent, O2P_EINVAL when the profile lacks a key, O2P_EIO on read
 * errors. */
int aws_credentials_from_file(const char *path, const char *profile, struct aws_credentials *out,
                              struct o2p_error *err);

/* aws_credentials_from_imds - IMDSv2: PUT /latest/api/token, GET
 * /latest/meta-data/iam/security-credentials/ (role name), GET .../ROLE (JSON with AccessKeyId,
 * SecretAccessKey, Token, Expiration). `endpoint` is "http://host[:port]" (NULL: the
 * environment or the EC2 default). Short timeouts (1 s connect, 3 s total). O2P_ENOTFOUND when
 * no metadata service answers or it has no role; O2P_EPROTO on a malformed answer. */
int aws_credentials_from_imds(const char *endpoint, struct aws_credentials *out,
                              struct o2p_error *err);

/*
 * aws_credentials_encode / aws_credentials_decode - the one text form of a key set that
 * crosses a process boundary: the committer hands keys a catalog vended (REST
 * storage-credentials) to the writers through the spool meta "credentials.<table>". One line,
 * "v1 TAB access-key TAB secret TAB session-token TAB expiration(epoch s, 0 = none)"; AWS key
 * material never holds a TAB or a newline, and encode refuses such values (O2P_EINVAL).
 * out needs AWS_CREDENTIALS_TEXT_MAX bytes. decode: O2P_ECORRUPT naming what is wrong. The
 * text holds secrets: callers wipe their copies.
 */
#define AWS_CREDENTIALS_TEXT_MAX (2 * AWS_KEY_MAX + AWS_TOKEN_MAX + 40)
int aws_credentials_encode(const struct aws_credentials *c, char *out, size_t n, struct o2p_error *err);
int aws_credentials_decode(const char *text, struct aws_credentials *out, struct o2p_error *err);

struct aws_credentials_provider;

/* aws_credentials_provider_new - a caching provider over the chain above. Reads nothing yet.
 * O2P_ENOMEM. Free with aws_credentials_provider_free. */
int aws_credentials_provider_new(struct aws_credentials_provider **out, struct o2p_error *err);

/* aws_credentials_provider_set - pin static credentials (tests, tools): the chain is skipped. */
void aws_credentials_provider_set(struct aws_credentials_provider *p,
                                  const struct aws_credentials *cred);

/* aws_credentials_provider_get - current credentials, copied to `out`. The first call walks the
 * chain; later calls return the cached keys, refreshing them from their source when they expire
 * within AWS_CREDENTIALS_REFRESH_S of `now`. If a refresh fails but the old keys are still
 * valid, they are returned (with a warning logged). O2P_ENOTFOUND when no source has
 * credentials (the message lists what was tried), else the source's error. */
int aws_credentials_provider_get(struct aws_credentials_provider *p, time_t now,
                                 struct aws_credentials *out, struct o2p_error *err);

/* aws_credentials_provider_invalidate - drop the cache so the next get re-reads the chain
 * (after a 403 ExpiredToken, say). */
void aws_credentials_provider_invalidate(struct aws_credentials_provider *p);

void aws_credentials_provider_free(struct aws_credentials_provider *p);

#endif
