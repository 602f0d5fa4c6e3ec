/*
 * catalog.h - the committer's view of an Iceberg catalog: load a table, create it, and commit
 * one append snapshot on top of the version that was loaded. One small vtable so the
 * filesystem catalog (catalog_fs.c, the embedded default) and the REST catalog client
 * (catalog_rest.c, catalog_rest_auth.c) are interchangeable.
 *
 * Commit contract (identical for every implementation; it is the REST contract):
 *   catalog_commit(c, t, snapshot) asks the catalog to move `main` from the snapshot t was
 *   loaded at (t->metadata's current snapshot; REST: assert-table-uuid +
 *   assert-ref-snapshot-id) to `snapshot` (REST: add-snapshot + set-snapshot-ref main;
 *   filesystem: vN+1.metadata.json created without overwrite). Answers:
 *     O2P_OK        committed; t now holds the new metadata (and location/version)
 *     O2P_ECONFLICT the table moved on (409 / vN+1 exists): definitely not committed;
 *                   reload, rebuild the manifest list on the new head, retry
 *     O2P_EAGAIN    outcome unknown (5xx, timeout, lost answer, I/O error after publishing
 *                   may have happened): reload and look for the commit id before anything else
 *     other         definitely not committed (bad request, permissions, ...)
 *   The manifest list the snapshot names must already be written (catalog_put_file).
 *
 * Ownership: struct catalog_table owns its metadata (catalog_table_free). The catalog borrows
 * the objstore given to catalog_open, which must outlive it. One thread at a time.
 */
#ifndef O2P_CATALOG_H
#define O2P_CATALOG_H

#include "common/buf.h"
#include "common/cfg.h"
#include "common/err.h"
#include "storage/aws_credentials.h"
#include "storage/objstore.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define CATALOG_LOCATION_MAX 1100

struct catalog_table {
    char name[64];
    json_t *metadata;                            /* owned: the table metadata JSON */
    char metadata_location[CATALOG_LOCATION_MAX]; /* absolute URI of the file it came from */
    char location[CATALOG_LOCATION_MAX];          /* table location (no trailing '/') */
    int64_t version;                             /* filesystem: N of vN.metadata.json */
    /* REST with catalog.access_delegation = vended-credentials: the S3 keys the catalog gave for
     * this table (storage-credentials, else config s3.*), already set on the catalog's stores
     * for its location; has_vended false when it gave none. */
    bool has_vended;
    struct aws_credentials vended;
};

struct catalog;

struct catalog_ops {
    const char *name;  /* "filesystem", "rest" */
    /* load - the current metadata of `table`; O2P_ENOTFOUND when it does not exist. */
    int (*load)(struct catalog *c, const char *table, struct catalog_table *out, struct o2p_error *err);
    /* create - create `table` from `proposal` (metadata as made by iceberg_metadata_new: its
     * schema, partition spec, sort order and properties are what is asked for; the catalog
     * decides location, uuid and ids, and returns what it stored). O2P_ECONFLICT when it
     * already exists (the caller loads it instead). */
    int (*create)(struct catalog *c, const char *table, const json_t *proposal, struct catalog_table *out,
                  struct o2p_error *err);
    /* commit - see the contract above. */
    int (*commit)(struct catalog *c, struct catalog_table *t, const json_t *snapshot, struct o2p_error *err);
    void (*close)(struct catalog *c);
};

#define CATALOG_STORES_MAX 16

struct catalog {
    const struct catalog_ops *ops;
    struct objstore *store;   /* borrowed: the warehouse (filesystem: where metadata goes) */
    const struct o2p_config *cfg; /* borrowed: to open stores for table locations elsewhere */
    char ns[128];             /* catalog.namespace */
    const char *test_hook;    /* tests only: "conflict-once" makes the next commit lose a race */
    void *impl;
    /* Stores opened by catalog_locate for locations outside the warehouse (REST catalogs
     * place tables where they like), owned, with their root URL; used round-robin. */
    struct objstore *stores[CATALOG_STORES_MAX];
    char *store_roots[CATALOG_STORES_MAX];
    int next_store;
};

/*
 * catalog_open - the catalog named by cfg->catalog.type ("filesystem" or "rest"). `store` is
 * the warehouse (borrowed), cfg is borrowed and must outlive the catalog. REST: reads the
 * token/credential files and asks GET /v1/config now; a catalog that cannot be reached is
 * only logged (the first load retries), a refusal (bad warehouse, 401, ...) is an error.
 * O2P_EINVAL (configuration), O2P_ENOMEM, ...
 */
int catalog_open(struct catalog **out, const struct o2p_config *cfg, struct objstore *store,
                 struct o2p_error *err);
void catalog_close(struct catalog *c);

int catalog_load(struct catalog *c, const char *table, struct catalog_table *out, struct o2p_error *err);
int catalog_create(struct catalog *c, const char *table, const json_t *proposal, struct catalog_table *out,
                   struct o2p_error *err);
int catalog_commit(struct catalog *c, struct catalog_table *t, const json_t *snapshot, struct o2p_error *err);
void catalog_table_free(struct catalog_table *t);

/*
 * catalog_key_of - the warehouse key of an absolute URI under the store's root ("file:///w/x"
 * -> "x"); O2P_EINVAL when the URI lies outside the warehouse (a REST catalog that placed the
 * table elsewhere needs its own store: not supported yet).
 */
int catalog_key_of(const struct catalog *c, const char *uri, char *key, size_t n, struct o2p_error *err);

/*
 * catalog_locate - the store and key of an absolute URI (file:// or s3://): the warehouse when
 * the URI lies under it, else a store opened for the URI's root (s3://bucket, or for file://
 * the URI's directory) and cached in the catalog. *store is borrowed from the catalog and valid
 * until the next catalog_locate call or catalog_close. O2P_EUNSUPPORTED (other schemes),
 * O2P_EINVAL, O2P_ETOOBIG, errors of objstore_open.
 */
int catalog_locate(struct catalog *c, const char *uri, struct objstore **store, char *key, size_t n,
                   struct o2p_error *err);

/* catalog_fs_ops - the filesystem (Hadoop-layout) catalog: catalog_fs.c. */
extern const struct catalog_ops catalog_fs_ops;
/* catalog_rest_ops - the Iceberg REST catalog client: catalog_rest.c; rest_open sets c->impl. */
extern const struct catalog_ops catalog_rest_ops;
int catalog_rest_open(struct catalog *c, const struct o2p_config *cfg, struct o2p_error *err);

#endif
