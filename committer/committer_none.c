/*
 * committer_none.c - catalog.type=none (plain Parquet): the data files are final as the writers
 * wrote them, in Hive-style directories (<table>/data/<Column>_day=YYYY-MM-DD/), so the
 * committer only retires the files queue. The same pipeline then serves users who only want
 * files: nothing accumulates in the spool.
 */
#include "committer/committer.h"

#include "common/log.h"
#include "spooler/spool.h"


struct retire_ctx {
    uint64_t ids[1024];
    size_t n;
};

static int collect_id(void *ctx, uint64_t id, const char *key, const char *entry, size_t len)
{
    struct retire_ctx *r = ctx;
    r->ids[r->n++] = id;
    return r->n == sizeof r->ids / sizeof r->ids[0];
}

/* retire_files - catalog.type=none: drop queued entries (their files are final as written). */
static int retire_files(const struct o2p_config *cfg, uint64_t *count, struct o2p_error *err)
{
    struct spool *s = NULL;
    struct spool_options so = {.path = cfg->spool.path, .max_bytes = cfg->spool.max_bytes};
    int rc = spool_open(&s, &so, err);
    static struct retire_ctx r;
    *count = 0;
    while (rc == O2P_OK) {
        r.n = 0;
        rc = spool_files_visit(s, collect_id, &r, err);
        if (rc != O2P_OK || r.n == 0)
            break;
        rc = spool_files_delete(s, r.ids, r.n, err);
        *count += r.n;
    }
    spool_close(s);
    return rc;
}

int committer_retire_files(const struct o2p_config *cfg, struct o2p_error *err)
{
    uint64_t n = 0;
    int rc = retire_files(cfg, &n, err);
    if (rc == O2P_OK && n)
        log_info("committer", "op=retire files=%llu", (unsigned long long)n);
    return rc;
}
