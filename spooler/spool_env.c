/*
 * spool_env.c - open and close the spool's LMDB environment, and the meta counters.
 *
 * Invariants: the per-signal "seq" in meta only grows (file names derive from sequence
 * ranges, so a sequence number is never reused even after its records were drained); the
 * "stat" counters equal what is stored, and spool_recover() restores that if they drift.
 */
#include "spooler/spool_internal.h"

#include "common/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

int spool_lmdb_fail(struct o2p_error *err, int mrc, const char *what)
{
    int code = O2P_EIO;
    if (mrc == MDB_MAP_FULL || mrc == ENOSPC || mrc == EDQUOT)
        code = O2P_EFULL;
    else if (mrc == MDB_CORRUPTED || mrc == MDB_PAGE_NOTFOUND || mrc == MDB_INVALID)
        code = O2P_ECORRUPT;
    else if (mrc == ENOMEM)
        code = O2P_ENOMEM;
    return o2p_fail(err, code, "spool %s: %s%s", what, mdb_strerror(mrc),
                    mrc == MDB_MAP_FULL      ? " (raise spool.max_bytes or start more writers)"
                    : code == O2P_ECORRUPT ? ": the spool is damaged " SPOOL_REPAIR_HINT
                                           : "");
}

static int open_dbi(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *out,
                    struct o2p_error *err)
{
    int mrc = mdb_dbi_open(txn, name, flags, out);
    if (mrc != 0) {
        char what[64];
        snprintf(what, sizeof what, "open database %s", name);
        return spool_lmdb_fail(err, mrc, what);
    }
    return O2P_OK;
}

/* load_or_make_id - the spool's random id from meta "id", made on first (writable) open. */
static int load_or_make_id(struct spool *s, MDB_txn *txn, struct o2p_error *err)
{
    MDB_val k = {2, "id"}, v;
    int mrc = mdb_get(txn, s->meta, &k, &v);
    if (mrc == 0 && v.mv_size == 16) {
        memcpy(s->id, v.mv_data, 16);
        s->id[16] = 0;
        return O2P_OK;
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read spool id");
    if (s->read_only) {
        snprintf(s->id, sizeof s->id, "%s", "0000000000000000");
        return O2P_OK;
    }
    uint8_t raw[8];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return o2p_fail_errno(err, "getrandom for the spool id");
    for (int i = 0; i < 8; i++)
        snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
    v.mv_size = 16;
    v.mv_data = s->id;
    mrc = mdb_put(txn, s->meta, &k, &v, 0);
    return mrc ? spool_lmdb_fail(err, mrc, "write spool id") : O2P_OK;
}

int spool_open(struct spool **out, const struct spool_options *o, struct o2p_error *err)
{
    *out = NULL;
    struct spool *s = calloc(1, sizeof *s);
    if (!s)
        return o2p_fail(err, O2P_ENOMEM, "open spool %s: allocate its handle: out of memory", o->path);
    s->read_only = o->read_only;
    s->map_bytes = o->max_bytes;
    s->path = strdup(o->path);
    int rc = O2P_OK, mrc;
    MDB_txn *txn = NULL;
    if (!s->path) {
        rc = o2p_fail(err, O2P_ENOMEM, "open spool %s: copy its path: out of memory", o->path);
        goto fail;
    }
    if (!o->read_only) {
        rc = fs_mkdir_p(o->path, err);
        if (rc != O2P_OK)
            goto fail;
    }
    mrc = mdb_env_create(&s->env);
    if (mrc != 0) {
        rc = spool_lmdb_fail(err, mrc, "create environment");
        goto fail;
    }
    mdb_env_set_maxdbs(s->env, 16);
    mdb_env_set_maxreaders(s->env, 256);
    /* Read-only openers (status, inspectors) must not shrink the map of a running receiver:
     * size 0 means "use the size recorded in the environment". */
    mrc = mdb_env_set_mapsize(s->env, o->read_only ? 0 : o->max_bytes);
    if (mrc != 0) {
        rc = spool_lmdb_fail(err, mrc, "set map size");
        goto fail;
    }
    /* MDB_NOTLS: read transactions are not tied to threads (the receiver reads counters on
     * its loop thread while the commit thread writes). No MDB_WRITEMAP: with pwrite() a full
     * disk is an error code at commit, with a writable map it would be SIGBUS. */
    /* An empty data.mdb in a spool that was made whole once (the SPOOL_MADE marker, written
     * after the first complete open) is a spool truncated to nothing: LMDB would open it as a
     * new, empty spool and lose every record without a word. Without the marker it is a spool
     * whose creation is under way in another process, or was killed part-way: LMDB finishes it. */
    char dpath[PATH_MAX], mpath[PATH_MAX];
    struct stat dst, mst;
    snprintf(dpath, sizeof dpath, "%s/data.mdb", o->path);
    snprintf(mpath, sizeof mpath, "%s/" SPOOL_MADE, o->path);
    if (stat(dpath, &dst) == 0 && dst.st_size == 0 && stat(mpath, &mst) == 0) {
        rc = o2p_fail(err, O2P_ECORRUPT, "%s is empty (0 bytes) but the spool was made before (%s exists): "
                      "the file was truncated and its records are gone; stop every otlp2parquet process, move "
                      "the spool directory aside and start again (docs/operations.md, \"Damaged spool\")",
                      dpath, mpath);
        goto fail;
    }
    unsigned flags = MDB_NOTLS | (o->read_only ? MDB_RDONLY : 0);
    mrc = mdb_env_open(s->env, o->path, flags, 0600);
    if (mrc != 0) {
        rc = spool_lmdb_fail(err, mrc, o->read_only ? "open (does the spool exist?)" : "open");
        o2p_error_prefix(err, "%s", o->path);
        goto fail;
    }
    /* Before anything reads a data page through the map: a truncated or garbled file must be
     * an error here, not SIGBUS later (spool_verify.c). */
    rc = spool_file_check(s, err);
    if (rc != O2P_OK)
        goto fail;
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0)
        s->map_bytes = info.me_mapsize;

    mrc = mdb_txn_begin(s->env, NULL, o->read_only ? MDB_RDONLY : 0, &txn);
    if (mrc != 0) {
        rc = spool_lmdb_fail(err, mrc, "begin transaction");
        goto fail;
    }
    unsigned create = o->read_only ? 0 : MDB_CREATE;
    static const char *const rec_names[O2P_SIGNAL_COUNT] = {"rec.logs", "rec.traces", "rec.metrics"};
    for (int i = 0; i < O2P_SIGNAL_COUNT && rc == O2P_OK; i++)
        rc = open_dbi(txn, rec_names[i], create, &s->rec[i], err);
    if (rc == O2P_OK)
        rc = open_dbi(txn, "meta", create, &s->meta, err);
    if (rc == O2P_OK)
        rc = open_dbi(txn, "claims", create, &s->claims, err);
    if (rc == O2P_OK)
        rc = open_dbi(txn, "files", create, &s->files, err);
    if (rc == O2P_OK)
        rc = open_dbi(txn, "quarantine", create, &s->quarantine, err);
    if (rc == O2P_OK) {
        /* Added after the first release: an older spool opened read-only (status, inspectors)
         * does not have it yet, and that only means nothing was ever quarantined there. */
        mrc = mdb_dbi_open(txn, "files.quarantine", create, &s->files_quarantine);
        if (mrc == 0)
            s->has_files_quarantine = true;
        else if (!(o->read_only && mrc == MDB_NOTFOUND))
            rc = spool_lmdb_fail(err, mrc, "open database files.quarantine");
    }
    if (rc == O2P_OK)
        rc = load_or_make_id(s, txn, err);
    if (rc != O2P_OK)
        goto fail;
    mrc = mdb_txn_commit(txn);
    txn = NULL;
    if (mrc != 0) {
        rc = spool_lmdb_fail(err, mrc, "commit database creation");
        goto fail;
    }
    /* The databases are durable now (the commit synced): from here an empty data.mdb is damage. */
    if (!o->read_only && stat(mpath, &mst) != 0) {
        rc = fs_write_durable(mpath, s->id, strlen(s->id), FS_CREATE_ONLY, err);
        if (rc == O2P_ECONFLICT)
            rc = O2P_OK; /* another process of the pipeline wrote it first */
        if (rc != O2P_OK) {
            o2p_error_prefix(err, "open spool %s: mark it made", o->path);
            goto fail;
        }
    }
    *out = s;
    return O2P_OK;
fail:
    if (txn)
        mdb_txn_abort(txn);
    spool_close(s);
    return rc;
}

void spool_close(struct spool *s)
{
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    free(s->path);
    free(s);
}

const char *spool_path(const struct spool *s) { return s->path; }
const char *spool_id(const struct spool *s) { return s->id; }

static void meta_key(char *out, size_t n, const char *what, enum o2p_signal sig)
{
    snprintf(out, n, "%s.%s", what, signal_kind_name(sig));
}

int spool_counters_get(struct spool *s, MDB_txn *txn, enum o2p_signal sig,
                       struct spool_counters *out, struct o2p_error *err)
{
    char k[32];
    meta_key(k, sizeof k, "stat", sig);
    MDB_val key = {strlen(k), k}, val;
    memset(out, 0, sizeof *out);
    int mrc = mdb_get(txn, s->meta, &key, &val);
    if (mrc == MDB_NOTFOUND)
        return O2P_OK;
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "read counters");
    if (val.mv_size == sizeof *out)
        memcpy(out, val.mv_data, sizeof *out);
    return O2P_OK;
}

int spool_counters_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig,
                       const struct spool_counters *c, struct o2p_error *err)
{
    char k[32];
    meta_key(k, sizeof k, "stat", sig);
    MDB_val key = {strlen(k), k}, val = {sizeof *c, (void *)c};
    int mrc = mdb_put(txn, s->meta, &key, &val, 0);
    return mrc ? spool_lmdb_fail(err, mrc, "write counters") : O2P_OK;
}

int spool_seq_get(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t *next, struct o2p_error *err)
{
    char k[32];
    meta_key(k, sizeof k, "seq", sig);
    MDB_val key = {strlen(k), k}, val;
    *next = 1;
    int mrc = mdb_get(txn, s->meta, &key, &val);
    if (mrc == MDB_NOTFOUND)
        return O2P_OK;
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "read sequence");
    if (val.mv_size == sizeof *next)
        memcpy(next, val.mv_data, sizeof *next);
    return O2P_OK;
}

int spool_seq_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t next, struct o2p_error *err)
{
    char k[32];
    meta_key(k, sizeof k, "seq", sig);
    MDB_val key = {strlen(k), k}, val = {sizeof next, &next};
    int mrc = mdb_put(txn, s->meta, &key, &val, 0);
    return mrc ? spool_lmdb_fail(err, mrc, "write sequence") : O2P_OK;
}

int spool_meta_put(struct spool *s, const char *name, const char *value, struct o2p_error *err)
{
    char key[128];
    int n = snprintf(key, sizeof key, "user.%s", name);
    if (n < 0 || (size_t)n >= sizeof key)
        return o2p_fail(err, O2P_EINVAL, "meta name too long: %s", name);
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin meta write");
    MDB_val k = {(size_t)n, key}, v = {strlen(value), (void *)value};
    mrc = mdb_put(txn, s->meta, &k, &v, 0);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "write meta");
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit meta") : O2P_OK;
}

int spool_meta_get(struct spool *s, const char *name, char *out, size_t cap, struct o2p_error *err)
{
    char key[128];
    int n = snprintf(key, sizeof key, "user.%s", name);
    if (n < 0 || (size_t)n >= sizeof key || cap == 0)
        return o2p_fail(err, O2P_EINVAL, "meta name too long: %s", name);
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin meta read");
    MDB_val k = {(size_t)n, key}, v;
    mrc = mdb_get(txn, s->meta, &k, &v);
    int rc = O2P_OK;
    if (mrc == MDB_NOTFOUND)
        rc = O2P_ENOTFOUND;
    else if (mrc != 0)
        rc = spool_lmdb_fail(err, mrc, "read meta");
    else if (v.mv_size >= cap)
        rc = o2p_fail(err, O2P_ETOOBIG, "meta value of %s too long", name);
    else {
        memcpy(out, v.mv_data, v.mv_size);
        out[v.mv_size] = 0;
    }
    mdb_txn_abort(txn);
    return rc;
}

void spool_release_pages(struct spool *s)
{
    /* LMDB reports no map address without MDB_FIXEDMAP: find data.mdb in our own maps. */
    char want[4200], line[4600];
    int n = snprintf(want, sizeof want, "%s/data.mdb", s->path);
    if (n < 0 || (size_t)n >= sizeof want)
        return;
    char *abs = realpath(want, NULL);
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        free(abs);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
            line[--len] = 0;
        const char *path = abs ? abs : want;
        size_t pl = strlen(path);
        if (len < pl || strcmp(line + len - pl, path) != 0)
            continue;
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi > lo)
            /* Read-only shared map (no MDB_WRITEMAP): MADV_DONTNEED only unmaps our view of the
             * pages; the next access faults them back in from the page cache. */
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
    fclose(f);
    free(abs);
}
