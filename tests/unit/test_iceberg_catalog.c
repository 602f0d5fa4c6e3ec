/*
 * test_iceberg_catalog.c - the filesystem catalog on a temporary file:// warehouse: create,
 * load, commit, a commit on a stale base losing with O2P_ECONFLICT (vN+1 exists: link(2)
 * never replaces), a lagging or missing version-hint.text, and committer_table_status.
 */
#include "testing.h"

#include "iceberg/catalog.h"
#include "committer/committer.h"
#include "iceberg/iceberg_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64], wh[128];
static struct o2p_config cfg;

static int setup(void)
{
    strcpy(dir, "/tmp/o2p-catalog-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(wh, sizeof wh, "file://%s/warehouse", dir);
    char *argv[] = {"t", "--data-dir", dir, NULL};
    struct cfg_cli cli;
    if (cfg_cli_parse(&cli, 3, argv, NULL) != O2P_OK || cfg_load(&cfg, &cli, dir, NULL) != O2P_OK)
        return -1;
    cfg_cli_free(&cli);
    return cfg_set(&cfg, "catalog.warehouse", wh, "test", NULL);
}

static json_t *snapshot(const struct catalog_table *t, int64_t id, const char *commit)
{
    struct iceberg_append a = {.snapshot_id = id, .commit_id = commit, .manifest_list = "file:///nowhere/snap.avro",
                           .added_files = 1, .added_records = 10, .added_bytes = 100, .now_ms = 1700000000000};
    return iceberg_metadata_snapshot_new(t->metadata, &a);
}

static int64_t read_hint(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/warehouse/otel/logs/metadata/version-hint.text", dir);
    FILE *f = fopen(p, "r");
    long long v = -1;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

TEST(create_commit_conflict)
{
    struct objstore *s = NULL;
    struct catalog *c = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_open(&s, wh, &cfg, &err), O2P_OK);
    CHECK_EQ_INT(catalog_open(&c, &cfg, s, &err), O2P_OK);
    struct catalog_table t, stale, again;
    CHECK_EQ_INT(catalog_load(c, "logs", &t, &err), O2P_ENOTFOUND);
    json_t *proposal = iceberg_metadata_new(OTEL_TABLE_LOGS, TABLE_NAMING_SNAKE, "", "day", 1, &err);
    CHECK_EQ_INT(catalog_create(c, "logs", proposal, &t, &err), O2P_OK);
    CHECK_EQ_INT(t.version, 1);
    char want[256];
    snprintf(want, sizeof want, "%s/otel/logs", wh);
    CHECK_EQ_STR(t.location, want);
    CHECK_EQ_INT(catalog_create(c, "logs", proposal, &again, &err), O2P_ECONFLICT);
    json_decref(proposal);
    CHECK_EQ_INT(catalog_load(c, "logs", &stale, &err), O2P_OK);

    json_t *s1 = snapshot(&t, 11, "one");
    CHECK_EQ_INT(catalog_commit(c, &t, s1, &err), O2P_OK);
    json_decref(s1);
    CHECK_EQ_INT(t.version, 2);
    CHECK_EQ_INT(read_hint(), 2);
    /* A committer still on v1 loses: v2 exists and is never replaced. */
    json_t *s2 = snapshot(&stale, 22, "two");
    CHECK_EQ_INT(catalog_commit(c, &stale, s2, &err), O2P_ECONFLICT);
    json_decref(s2);
    catalog_table_free(&stale);
    CHECK_EQ_INT(catalog_load(c, "logs", &stale, &err), O2P_OK);
    CHECK_EQ_INT(stale.version, 2);
    CHECK(iceberg_metadata_find_commit(stale.metadata, "one") != NULL);
    s2 = snapshot(&stale, 22, "two");
    CHECK_EQ_INT(catalog_commit(c, &stale, s2, &err), O2P_OK);
    json_decref(s2);

    /* A lagging hint (a crash between publish and hint): load probes forward. */
    char p[256];
    snprintf(p, sizeof p, "%s/warehouse/otel/logs/metadata/version-hint.text", dir);
    FILE *f = fopen(p, "w");
    fputs("1", f);
    fclose(f);
    catalog_table_free(&again);
    CHECK_EQ_INT(catalog_load(c, "logs", &again, &err), O2P_OK);
    CHECK_EQ_INT(again.version, 3);
    CHECK(iceberg_metadata_current(again.metadata) == 22);
    catalog_table_free(&again);
    /* No hint at all: the listing finds the newest version. */
    unlink(p);
    CHECK_EQ_INT(catalog_load(c, "logs", &again, &err), O2P_OK);
    CHECK_EQ_INT(again.version, 3);
    catalog_table_free(&again);
    catalog_table_free(&t);
    catalog_table_free(&stale);

    struct committer_table_status st[OTEL_TABLE_COUNT];
    CHECK_EQ_INT(committer_table_status(&cfg, st, OTEL_TABLE_COUNT, &err), OTEL_TABLE_COUNT);
    CHECK_EQ_STR(st[0].table, "logs");
    CHECK(st[0].exists);
    CHECK_EQ_INT(st[0].snapshot_id, 22);
    CHECK_EQ_INT(st[0].total_records, 20);
    CHECK_EQ_INT(st[0].snapshots, 2);
    CHECK_EQ_INT(st[0].version, 3);
    CHECK(st[0].last_commit_ms >= 1700000000000);
    CHECK(!st[1].exists);
    CHECK_EQ_INT(st[1].snapshot_id, -1);
    catalog_close(c);
    objstore_close(s);
}

static bool version_exists(const char *table, int v)
{
    char p[300];
    snprintf(p, sizeof p, "%s/warehouse/otel/%s/metadata/v%d.metadata.json", dir, table, v);
    return access(p, F_OK) == 0;
}

/* write.metadata.delete-after-commit.enabled / previous-versions-max (2 here): a commit deletes
 * the metadata files that left the metadata-log, and nothing when the property is off. */
TEST(metadata_retention)
{
    struct objstore *s = NULL;
    struct catalog *c = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(objstore_open(&s, wh, &cfg, &err), O2P_OK);
    CHECK_EQ_INT(catalog_open(&c, &cfg, s, &err), O2P_OK);
    const char *names[] = {"traces", "metrics_sum"};
    for (int k = 0; k < 2; k++) {
        json_t *proposal = iceberg_metadata_new(OTEL_TABLE_TRACES, TABLE_NAMING_SNAKE, "", "day", 1, &err);
        CHECK(iceberg_metadata_delete_after_commit(proposal)); /* what this project creates */
        CHECK_EQ_INT(iceberg_metadata_previous_versions_max(proposal), 100);
        json_t *props = json_object_get(proposal, "properties");
        json_object_set_new(props, ICEBERG_PROP_PREVIOUS_VERSIONS_MAX, json_string("2"));
        if (k == 1)
            json_object_set_new(props, ICEBERG_PROP_DELETE_AFTER_COMMIT, json_string("false"));
        struct catalog_table t;
        CHECK_EQ_INT(catalog_create(c, names[k], proposal, &t, &err), O2P_OK);
        json_decref(proposal);
        for (int i = 0; i < 5; i++) {
            char commit[16];
            snprintf(commit, sizeof commit, "c%d", i);
            json_t *snap = snapshot(&t, 100 + i, commit);
            CHECK_EQ_INT(catalog_commit(c, &t, snap, &err), O2P_OK);
            json_decref(snap);
        }
        CHECK_EQ_INT(t.version, 6);
        CHECK_EQ_INT((int)json_array_size(json_object_get(t.metadata, "metadata-log")), 2);
        for (int v = 1; v <= 6; v++)
            CHECK(version_exists(names[k], v) == (k == 1 || v >= 4));
        catalog_table_free(&t);
        struct catalog_table again;
        CHECK_EQ_INT(catalog_load(c, names[k], &again, &err), O2P_OK);
        CHECK_EQ_INT(again.version, 6);
        CHECK_EQ_INT((int)json_array_size(json_object_get(again.metadata, "snapshots")), 5);
        catalog_table_free(&again);
    }
    catalog_close(c);
    objstore_close(s);
}

TEST(rest_needs_uri)
{
    struct o2p_config c2 = cfg;
    c2.catalog.type = "rest";
    c2.catalog.uri = "";
    struct catalog *c = NULL;
    struct o2p_error err = {0};
    CHECK_EQ_INT(catalog_open(&c, &c2, NULL, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "catalog.uri") != NULL);
}

int main(void)
{
    if (setup() != 0) {
        printf("FAIL setup: cannot make a temporary warehouse\n");
        return 1;
    }
    RUN(create_commit_conflict);
    RUN(metadata_retention);
    RUN(rest_needs_uri);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("warning: could not remove %s\n", dir);
    cfg_free(&cfg);
    return testing_done();
}
