/*
 * fault_catalog.c - the filesystem catalog (iceberg/catalog_fs.c) and the durable writes under
 * it (storage/objstore_file.c, common/fsutil.c) under allocation and I/O failure: on a fresh
 * file:// warehouse, open the store and the catalog, find the table missing, create it, commit
 * a snapshot, load it again.
 *
 * What the catalog's contract says an I/O failure becomes: creating the table returns the
 * error; a failed publish of version N+1 (out of memory too) is O2P_EAGAIN (the outcome is
 * unknown to the committer, which looks for its commit id before trying again); the version
 * hint is advisory
 * (readers list the versions), so a failed hint write may end in O2P_OK with the same
 * metadata. After every run no temp file (fs_is_temp_name) may be left in the warehouse.
 * The output compared is the versions and metadata text of what was committed and loaded.
 */
#include "common/cfg.h"
#include "common/fsutil.h"
#include "iceberg/catalog.h"
#include "iceberg/iceberg_metadata.h"
#include "storage/objstore.h"
#include "tests/fault/fault.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], wh_url[320], wh_path[300];
static struct o2p_config cfg;
static json_t *proposal;   /* made once: its uuid is random */
static int temps;          /* temp files found by count_temp */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int count_temp(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    if (flag == FTW_F && fs_is_temp_name(path + ftw->base)) {
        printf("#   temp file left: %s\n", path);
        temps++;
    }
    return 0;
}

static void out_table(struct fault_run *r, const struct catalog_table *t)
{
    char *text = iceberg_metadata_dump(t->metadata);
    fault_output(r, &t->version, sizeof t->version);
    fault_output(r, t->location, strlen(t->location));
    if (text)
        fault_output(r, text, strlen(text));
    free(text);
}

static int life(struct fault_run *r, struct catalog_table *t, struct catalog_table *again)
{
    struct o2p_error *err = &r->err;
    struct objstore *store = NULL;
    struct catalog *c = NULL;
    int rc = objstore_open(&store, wh_url, &cfg, err);
    if (rc == O2P_OK)
        rc = catalog_open(&c, &cfg, store, err);
    if (rc == O2P_OK) {
        rc = catalog_load(c, "logs", t, err);
        if (rc == O2P_ENOTFOUND)
            rc = catalog_create(c, "logs", proposal, t, err);
        else if (rc == O2P_OK)
            rc = o2p_fail(err, O2P_EINVAL, "the table exists before it was created");
    }
    json_t *snap = NULL;
    if (rc == O2P_OK) {
        struct iceberg_append a = {.snapshot_id = 77, .commit_id = "fault-commit",
                                   .manifest_list = "file:///nowhere/snap-77.avro", .added_files = 1,
                                   .added_records = 10, .added_bytes = 100, .now_ms = 1795264400000};
        snap = iceberg_metadata_snapshot_new(t->metadata, &a);
        if (!snap)
            rc = o2p_fail(err, O2P_ENOMEM, "iceberg_metadata_snapshot_new returned NULL");
    }
    if (rc == O2P_OK)
        rc = catalog_commit(c, t, snap, err);
    json_decref(snap);
    if (rc == O2P_OK)
        rc = catalog_load(c, "logs", again, err);
    catalog_close(c);
    objstore_close(store);
    return rc;
}

static int op_catalog(void *arg, struct fault_run *r)
{
    (void)arg;
    struct catalog_table t, again;
    memset(&t, 0, sizeof t);
    memset(&again, 0, sizeof again);
    fault_begin();
    int rc = life(r, &t, &again);
    fault_end();
    if (rc == O2P_OK) {
        out_table(r, &t);
        out_table(r, &again);
    }
    catalog_table_free(&t);
    catalog_table_free(&again);
    temps = 0;
    nftw(wh_path, count_temp, 16, FTW_PHYS);
    nftw(wh_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (temps)
        return o2p_fail(&r->err, O2P_EFATAL, "%d temp file(s) left in the warehouse (rc was %d: %s)", temps, rc,
                        r->err.msg);
    return rc;
}

int main(void)
{
    json_set_alloc_funcs(__wrap_malloc, __wrap_free);
    struct stat sb;
    snprintf(dir, sizeof dir, "%s/o2p-fault-catalog-XXXXXX", stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) {
        printf("FAIL catalog: mkdtemp %s\n", dir);
        return 1;
    }
    snprintf(wh_path, sizeof wh_path, "%s/warehouse", dir);
    snprintf(wh_url, sizeof wh_url, "file://%s", wh_path);
    char *argv[] = {"fault_catalog", "--data-dir", dir, NULL};
    struct cfg_cli cli;
    struct o2p_error err = {0};
    if (cfg_cli_parse(&cli, 3, argv, &err) != O2P_OK || cfg_load(&cfg, &cli, dir, &err) != O2P_OK ||
        cfg_set(&cfg, "catalog.warehouse", wh_url, "test", &err) != O2P_OK) {
        printf("FAIL catalog: configuration: %s\n", err.msg);
        return 1;
    }
    cfg_cli_free(&cli);
    proposal = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "", "day", 1795264300000, &err);
    if (!proposal) {
        printf("FAIL catalog: %s\n", err.msg);
        return 1;
    }
    static const struct fault_case cases[] = {
        {.name = "catalog_fs_create_commit", .op = op_catalog,
         .modes = FAULT_MODE_BIT(FAULT_ALLOC) | FAULT_MODES_IO | FAULT_MODES_WRITES, .persistent = true,
         .io_may_absorb = true,
         .also_code = {[FAULT_ALLOC] = O2P_EAGAIN, [FAULT_IO_EIO] = O2P_EAGAIN, [FAULT_IO_ENOSPC] = O2P_EAGAIN}},
    };
    int rc = fault_main(cases, sizeof cases / sizeof cases[0]);
    json_decref(proposal);
    cfg_free(&cfg);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
