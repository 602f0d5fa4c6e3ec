/*
 * catalog.c - picks the catalog implementation and forwards to its vtable (see catalog.h).
 *
 * Owns: nothing but the dispatch and the URI -> warehouse key mapping every implementation
 * needs to write manifests under a table's location.
 */
#include "catalog.h"

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
        return o2p_fail(err, O2P_EUNSUPPORTED, "catalog.type=rest: the REST catalog client is not built "
                        "in this version; use catalog.type=filesystem");
    else
        return o2p_fail(err, O2P_EINVAL, "catalog.type=%s: the committer needs a catalog "
                        "(filesystem or rest)", cfg->catalog.type);
    const char *ns = cfg->catalog.namespace_ && *cfg->catalog.namespace_ ? cfg->catalog.namespace_ : "otel";
    if (strlen(ns) >= sizeof((struct catalog *)0)->ns || strchr(ns, '/') || !strcmp(ns, ".") || !strcmp(ns, ".."))
        return o2p_fail(err, O2P_EINVAL, "catalog.namespace=%s: must be one path segment under 128 bytes", ns);
    struct catalog *c = calloc(1, sizeof *c);
    if (!c)
        return o2p_fail(err, O2P_ENOMEM, "catalog: out of memory");
    c->ops = ops;
    c->store = store;
    strcpy(c->ns, ns);
    *out = c;
    return O2P_OK;
}

void catalog_close(struct catalog *c)
{
    if (!c)
        return;
    if (c->ops->close)
        c->ops->close(c);
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
    objstore_url(c->store, "x", root, sizeof root);
    size_t rl = strlen(root) - 1; /* without the "x" */
    if (strncmp(uri, root, rl) != 0 || strlen(uri + rl) >= n || !uri[rl])
        return o2p_fail(err, O2P_EINVAL, "%s is outside the warehouse %.*s", uri, (int)rl, root);
    strcpy(key, uri + rl);
    return O2P_OK;
}
