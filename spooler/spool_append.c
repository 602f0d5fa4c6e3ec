/*
 * spool_append.c - group commit: many requests, one write transaction, one sync.
 *
 * Each item becomes one value (header + body) under the next sequence number of its signal,
 * written with MDB_RESERVE so the body is copied once, straight into the map. The counters
 * and sequence numbers in meta change in the same transaction, so they can never disagree
 * with the records after a crash.
 */
#include "spooler/spool_internal.h"

#include <string.h>

int spool_append_batch(struct spool *s, struct spool_append *items, size_t n,
                       struct o2p_error *err)
{
    if (s->read_only)
        return o2p_fail(err, O2P_EINVAL, "spool opened read-only");
    if (n == 0)
        return O2P_OK;
    MDB_txn *txn = NULL;
    MDB_cursor *cur[O2P_SIGNAL_COUNT] = {NULL};
    int rc = O2P_OK;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin append");

    uint64_t next[O2P_SIGNAL_COUNT];
    struct spool_counters cnt[O2P_SIGNAL_COUNT];
    bool touched[O2P_SIGNAL_COUNT] = {false};
    for (int sig = 0; sig < O2P_SIGNAL_COUNT; sig++) {
        rc = spool_seq_get(s, txn, sig, &next[sig], err);
        if (rc == O2P_OK)
            rc = spool_counters_get(s, txn, sig, &cnt[sig], err);
        if (rc != O2P_OK)
            goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        struct spool_append *it = &items[i];
        if (it->len > UINT32_MAX - SPOOL_HEADER_BYTES) {
            rc = o2p_fail(err, O2P_ETOOBIG, "spool append: body of %zu bytes is too large", it->len);
            goto fail;
        }
        int sig = it->signal;
        if (!cur[sig]) {
            mrc = mdb_cursor_open(txn, s->rec[sig], &cur[sig]);
            if (mrc != 0) {
                rc = spool_lmdb_fail(err, mrc, "open cursor");
                goto fail;
            }
        }
        uint8_t kb[8];
        spool_key_encode(kb, next[sig]);
        MDB_val key = {8, kb}, val = {SPOOL_HEADER_BYTES + it->len, NULL};
        mrc = mdb_cursor_put(cur[sig], &key, &val, MDB_APPEND | MDB_RESERVE);
        if (mrc != 0) {
            rc = spool_lmdb_fail(err, mrc, "append record");
            goto fail;
        }
        spool_record_encode(val.mv_data, sig, it->recv_time_ns, it->records, it->body,
                            (uint32_t)it->len);
        memcpy((uint8_t *)val.mv_data + SPOOL_HEADER_BYTES, it->body, it->len);
        it->seq = next[sig]++;
        cnt[sig].records += it->records;
        cnt[sig].bytes += it->len;
        cnt[sig].entries++;
        touched[sig] = true;
    }
    for (int sig = 0; sig < O2P_SIGNAL_COUNT; sig++) {
        if (cur[sig])
            mdb_cursor_close(cur[sig]);
        cur[sig] = NULL;
        if (!touched[sig])
            continue;
        rc = spool_seq_put(s, txn, sig, next[sig], err);
        if (rc == O2P_OK)
            rc = spool_counters_put(s, txn, sig, &cnt[sig], err);
        if (rc != O2P_OK)
            goto fail;
    }
    /* The commit is the sync: LMDB flushes data pages, syncs, writes the meta page, syncs. */
    mrc = mdb_txn_commit(txn);
    txn = NULL;
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "commit append");
    return O2P_OK;
fail:
    for (int sig = 0; sig < O2P_SIGNAL_COUNT; sig++)
        if (cur[sig])
            mdb_cursor_close(cur[sig]);
    if (txn)
        mdb_txn_abort(txn);
    return rc;
}
