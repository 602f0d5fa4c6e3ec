/*
 * objstore.c - the object store front door: parses the warehouse URL, picks the backend
 * (objstore_file.c for file://, objstore_s3.c for s3://), validates keys, dispatches.
 *
 * Owns: the struct objstore and, through ops->close, the backend's state.
 *
 * Invariants: every key handed to a backend is a clean relative path (see check_key), so the
 * file backend cannot be made to write outside its root and both backends name objects
 * identically. The backends keep the contracts written in objstore.h.
 *
 * Failure behaviour: O2P_EINVAL for bad URLs and keys, otherwise the backend's code and
 * message. Never exits.
 */
#include "storage/objstore.h"

#include "storage/objstore_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* check_key - non-empty relative path: no leading, trailing or doubled '/', no "." or ".."
 * segment, no control characters, shorter than OBJSTORE_KEY_MAX. An empty key is allowed
 * only as a list prefix, which may also end in '/'. */
static int check_key(const char *key, bool is_prefix, struct o2p_error *err)
{
    if (!key)
        return o2p_fail(err, O2P_EINVAL, "objstore: NULL key");
    size_t n = strlen(key);
    if (n == 0 && !is_prefix)
        return o2p_fail(err, O2P_EINVAL, "objstore: empty key");
    if (n >= OBJSTORE_KEY_MAX)
        return o2p_fail(err, O2P_EINVAL, "objstore: key of %zu bytes, limit %d", n,
                        OBJSTORE_KEY_MAX - 1);
    if (n == 0)
        return O2P_OK;
    if (key[0] == '/' || (key[n - 1] == '/' && !is_prefix))
        return o2p_fail(err, O2P_EINVAL, "objstore: key \"%s\" must not start or end with '/'",
                        key);
    const char *seg = key;
    for (const char *p = key;; p++) {
        if (*p > 0 && *p < 0x20)
            return o2p_fail(err, O2P_EINVAL, "objstore: key \"%s\" has a control character",
                            key);
        if (*p == 0x7f)
            return o2p_fail(err, O2P_EINVAL, "objstore: key \"%s\" has a control character",
                            key);
        if (*p == '/' || *p == 0) {
            size_t l = (size_t)(p - seg);
            bool last = *p == 0;
            if ((l == 0 && !last) || (l == 1 && seg[0] == '.') ||
                (l == 2 && seg[0] == '.' && seg[1] == '.'))
                return o2p_fail(err, O2P_EINVAL,
                                "objstore: key \"%s\" has an empty, \".\" or \"..\" segment", key);
            if (last)
                break;
            seg = p + 1;
        }
    }
    return O2P_OK;
}

int objstore_open(struct objstore **out, const char *url, const struct o2p_config *cfg,
                  struct o2p_error *err)
{
    *out = NULL;
    if (!url || !*url)
        return o2p_fail(err, O2P_EINVAL, "objstore: empty warehouse URL");
    struct objstore *s = calloc(1, sizeof *s);
    if (!s)
        return o2p_fail(err, O2P_ENOMEM, "objstore %s: allocate the store: out of memory", url);
    int rc;
    if (strncmp(url, "file://", 7) == 0 || url[0] == '/') {
        const char *path = url[0] == '/' ? url : url + 7;
        char abs[PATH_MAX];
        if (strncmp(path, "localhost/", 10) == 0)
            path += 9;
        if (path[0] == '/') {
            rc = snprintf(abs, sizeof abs, "%s", path) < (int)sizeof abs ? O2P_OK : O2P_EINVAL;
        } else {
            /* file://relative/dir: relative to the working directory (tests, tools) */
            char cwd[PATH_MAX];
            if (!getcwd(cwd, sizeof cwd))
                cwd[0] = 0;
            rc = snprintf(abs, sizeof abs, "%s/%s", cwd, path) < (int)sizeof abs ? O2P_OK
                                                                                 : O2P_EINVAL;
        }
        if (rc != O2P_OK)
            rc = o2p_fail(err, O2P_EINVAL, "objstore: warehouse path too long: %s", url);
        else
            rc = objstore_file_open(s, abs, err);
    } else if (strncmp(url, "s3://", 5) == 0 || strncmp(url, "s3a://", 6) == 0) {
        const char *b = strstr(url, "://") + 3;
        const char *slash = strchr(b, '/');
        size_t blen = slash ? (size_t)(slash - b) : strlen(b);
        char bucket[256], prefix[OBJSTORE_KEY_MAX];
        if (blen == 0 || blen >= sizeof bucket) {
            rc = o2p_fail(err, O2P_EINVAL, "objstore: no bucket (or too long) in %s", url);
        } else {
            memcpy(bucket, b, blen);
            bucket[blen] = 0;
            const char *p = slash ? slash : "";
            while (*p == '/')
                p++;
            size_t plen = strlen(p);
            while (plen && p[plen - 1] == '/')
                plen--;
            if (plen >= sizeof prefix) {
                rc = o2p_fail(err, O2P_EINVAL, "objstore: prefix too long in %s", url);
            } else {
                memcpy(prefix, p, plen);
                prefix[plen] = 0;
                rc = plen ? check_key(prefix, false, err) : O2P_OK;
                if (rc != O2P_OK)
                    rc = o2p_error_prefix(err, "warehouse %s", url);
                else
                    rc = objstore_s3_open(s, bucket, prefix, cfg, err);
            }
        }
    } else {
        rc = o2p_fail(err, O2P_EINVAL,
                      "objstore: warehouse URL %s: expected file:///dir or s3://bucket/prefix",
                      url);
    }
    if (rc != O2P_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return O2P_OK;
}

int objstore_put_file(struct objstore *s, const char *key, const char *local_path, unsigned flags,
                      struct o2p_error *err)
{
    int rc = check_key(key, false, err);
    return rc != O2P_OK ? rc : s->ops->put_file(s, key, local_path, flags, err);
}

int objstore_put_bytes(struct objstore *s, const char *key, const void *data, size_t len,
                       unsigned flags, struct o2p_error *err)
{
    int rc = check_key(key, false, err);
    return rc != O2P_OK ? rc : s->ops->put_bytes(s, key, data, len, flags & ~OBJSTORE_MOVE, err);
}

int objstore_get(struct objstore *s, const char *key, struct buf *out, struct o2p_error *err)
{
    int rc = check_key(key, false, err);
    return rc != O2P_OK ? rc : s->ops->get(s, key, out, err);
}

int objstore_stat(struct objstore *s, const char *key, uint64_t *size, struct o2p_error *err)
{
    int rc = check_key(key, false, err);
    return rc != O2P_OK ? rc : s->ops->stat(s, key, size, err);
}

int objstore_delete(struct objstore *s, const char *key, struct o2p_error *err)
{
    int rc = check_key(key, false, err);
    return rc != O2P_OK ? rc : s->ops->del(s, key, err);
}

int objstore_list(struct objstore *s, const char *prefix, objstore_list_fn fn, void *ctx,
                  struct o2p_error *err)
{
    if (!prefix)
        prefix = "";
    int rc = check_key(prefix, true, err);
    return rc != O2P_OK ? rc : s->ops->list(s, prefix, fn, ctx, err);
}

const char *objstore_url(const struct objstore *s, const char *key, char *out, size_t n)
{
    if (n == 0)
        return out;
    s->ops->url(s, key, out, n);
    return out;
}

const char *objstore_scheme(const struct objstore *s) { return s->ops->scheme; }

void objstore_set_credentials(struct objstore *s, const struct aws_credentials *cred)
{
    if (strcmp(s->ops->scheme, "s3") == 0)
        objstore_s3_set_credentials(s, cred);
}

void objstore_close(struct objstore *s)
{
    if (!s)
        return;
    s->ops->close(s);
    free(s);
}
