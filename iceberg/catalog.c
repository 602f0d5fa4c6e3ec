/*
 * catalog.c - picks the catalog implementation and forwards to its vtable (see catalog.h).
 *
 * Owns: the dispatch, the URI -> warehouse key mapping every implementation needs to write
 * manifests under a table's location, and the stores opened for table locations outside the
 * warehouse (a REST catalog decides where its tables live).
 */
#include "iceberg/catalog.h"

#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int catalog_open(struct catalog **out, const struct o2p_config *cfg, struct objstore *store,
                 struct o2p_error *err)
{
    *out = NULL;
    const struct catalog_ops *ops = NULL;
    if (!strcmp(cfg->catalog.type, "filesystem"))
        ops = &catalog_fs_ops;
    else if (!strcmp(cfg->catalog.type, "rest"))
        ops = &catalog_rest_ops;
    else
        return o2p_fail(err, O2P_EINVAL, "catalog.type=%s: the committer needs a catalog "
                        "(filesystem or rest)", cfg->catalog.type);
    const char *ns = cfg->catalog.namespace_ && *cfg->catalog.namespace_ ? cfg->catalog.namespace_ : "otel";
    if (strlen(ns) >= sizeof((struct catalog *)0)->ns || strchr(ns, '/') || !strcmp(ns, ".") || !strcmp(ns, ".."))
        return o2p_fail(err, O2P_EINVAL, "catalog.namespace=%s: must be one path segment under 128 bytes", ns);
    struct catalog *c = calloc(1, sizeof *c);
    if (!c)
        return o2p_fail(err, O2P_ENOMEM, "catalog: allocate the %s catalog: out of memory", ops->name);
    c->ops = ops;
    c->store = store;
    c->cfg = cfg;
    strcpy(c->ns, ns);
    if (ops == &catalog_rest_ops) {
        int rc = catalog_rest_open(c, cfg, err);
        if (rc != O2P_OK) {
            free(c);
            return rc;
        }
    }
    *out = c;
    return O2P_OK;
}

void catalog_close(struct catalog *c)
{
    if (!c)
        return;
    if (c->ops->close)
        c->ops->close(c);
    for (int i = 0; i < CATALOG_STORES_MAX; i++) {
        objstore_close(c->stores[i]);
        free(c->store_roots[i]);
    }
    free(c);
}

int catalog_load(struct catalog *c, const char *table, struct catalog_table *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    return c->ops->load(c, table, out, err);
}

int catalog_create(struct catalog *c, const char *table, const json_t *proposal, struct catalog_table *out,
                   struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    return c->ops->create(c, table, proposal, out, err);
}

int catalog_commit(struct catalog *c, struct catalog_table *t, const json_t *snapshot, struct o2p_error *err)
{
    return c->ops->commit(c, t, snapshot, err);
}

void catalog_table_free(struct catalog_table *t)
{
    json_decref(t->metadata);
    t->metadata = NULL;
}

int catalog_key_of(const struct catalog *c, const char *uri, char *key, size_t n, struct o2p_error *err)
{
    char root[CATALOG_LOCATION_MAX];
    if (!c->store)
        return o2p_fail(err, O2P_EINVAL, "%s: no warehouse store (the catalog's warehouse is not a URL)", uri);
    objstore_url(c->store, "x", root, sizeof root);
    size_t rl = strlen(root) - 1; /* without the "x" */
    if (strncmp(uri, root, rl) != 0 || strlen(uri + rl) >= n || !uri[rl])
        return o2p_fail(err, O2P_EINVAL, "%s is outside the warehouse %.*s", uri, (int)rl, root);
    strcpy(key, uri + rl);
    return O2P_OK;
}

/* under - the key of uri below root ("<root>/<key>"), or NULL. */
static const char *under(const char *uri, const char *root)
{
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    if (strncmp(uri, root, rl) != 0 || uri[rl] != '/' || !uri[rl + 1])
        return NULL;
    return uri + rl + 1;
}

int catalog_locate(struct catalog *c, const char *uri, struct objstore **store, char *key, size_t n,
                   struct o2p_error *err)
{
    struct o2p_error ignored = {0};
    if (c->store && catalog_key_of(c, uri, key, n, &ignored) == O2P_OK) {
        *store = c->store;
        return O2P_OK;
    }
    for (int i = 0; i < CATALOG_STORES_MAX; i++) {
        const char *k = c->store_roots[i] ? under(uri, c->store_roots[i]) : NULL;
        if (k) {
            if (strlen(k) >= n)
                return o2p_fail(err, O2P_ETOOBIG, "%s: key too long", uri);
            strcpy(key, k);
            *store = c->stores[i];
            return O2P_OK;
        }
    }
    /* The root: s3://bucket, or the directory of a file:// URI (a table's metadata/ folder). */
    char root[CATALOG_LOCATION_MAX];
    if (strlen(uri) >= sizeof root)
        return o2p_fail(err, O2P_ETOOBIG, "%s: location too long", uri);
    strcpy(root, uri);
    if (!strncmp(uri, "s3://", 5) || !strncmp(uri, "s3a://", 6)) {
        char *slash = strchr(strstr(root, "://") + 3, '/');
        if (!slash)
            return o2p_fail(err, O2P_EINVAL, "%s: no key after the bucket", uri);
        *slash = 0;
    } else if (!strncmp(uri, "file:/", 6)) {
        char *slash = strrchr(root, '/');
        if (slash <= root + 7)
            return o2p_fail(err, O2P_EINVAL, "%s: no directory", uri);
        *slash = 0;
    } else {
        return o2p_fail(err, O2P_EUNSUPPORTED, "%s: only file:// and s3:// locations can be written", uri);
    }
    int i = c->next_store;
    c->next_store = (c->next_store + 1) % CATALOG_STORES_MAX;
    objstore_close(c->stores[i]);
    free(c->store_roots[i]);
    c->stores[i] = NULL;
    c->store_roots[i] = NULL;
    char *r = strdup(root);
    if (!r)
        return o2p_fail(err, O2P_ENOMEM, "catalog: copy the store root %s: out of memory", root);
    int rc = objstore_open(&c->stores[i], root, c->cfg, err);
    if (rc != O2P_OK) {
        free(r);
        return o2p_error_prefix(err, "open the table's store %s", root);
    }
    c->store_roots[i] = r;
    log_info("committer", "op=open-store root=%s reason=\"table location outside the warehouse\"", root);
    const char *k = under(uri, r);
    if (!k || strlen(k) >= n)
        return o2p_fail(err, O2P_EINVAL, "%s: cannot be placed under %s", uri, r);
    strcpy(key, k);
    *store = c->stores[i];
    return O2P_OK;
}
