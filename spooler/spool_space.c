/*
 * spool_space.c - how much the spool can still take without growing its file: the pages on
 * LMDB's free list (records deleted by writers) are reused by later appends, so a disk that
 * has no free bytes left may still hold a spool with room inside.
 */
#include "spooler/spool_internal.h"

int spool_reusable_bytes(struct spool *s, uint64_t *out, struct o2p_error *err)
{
    *out = 0;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    MDB_stat est;
    MDB_cursor *cur;
    mrc = mdb_env_stat(s->env, &est);
    if (mrc == 0)
        mrc = mdb_cursor_open(txn, 0, &cur); /* dbi 0: LMDB's free list, as mdb_stat -f reads it */
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "read the free list");
    }
    /* Each value is a page list whose first word is its length. */
    uint64_t pages = 0;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (v.mv_size >= sizeof(size_t))
            pages += *(const size_t *)v.mv_data;
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read the free list");
    *out = pages * est.ms_psize;
    return O2P_OK;
}
