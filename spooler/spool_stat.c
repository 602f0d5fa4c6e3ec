/*
 * spool_stat.c - reading the spool's state: counters, and start-up recovery (stale readers,
 * the file's structure (spool_verify.c), checksums, counters recomputed from what is stored).
 * Records are read by spool_read.c.
 */
#include "spooler/spool_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int entry_count(MDB_txn *txn, MDB_dbi dbi, uint64_t *out, struct o2p_error *err)
{
    MDB_stat st;
    int mrc = mdb_stat(txn, dbi, &st);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "stat");
    *out = st.ms_entries;
    return O2P_OK;
}

static int oldest_time(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t *out,
                       struct o2p_error *err)
{
    MDB_cursor *cur;
    *out = 0;
    int mrc = mdb_cursor_open(txn, s->rec[sig], &cur);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "open cursor");
    MDB_val k, v;
    mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    if (mrc == 0) {
        struct spool_record_header h;
        /* Header only (no body read); a malformed first record reports 0. */
        if (v.mv_size >= SPOOL_HEADER_BYTES &&
            spool_record_peek(v.mv_data, v.mv_size, &h) == O2P_OK)
            *out = h.recv_time_ns;
    }
    mdb_cursor_close(cur);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read first record");
    return O2P_OK;
}

int spool_stat(struct spool *s, struct spool_stat *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    int rc = O2P_OK;
    for (int sig = 0; sig < O2P_SIGNAL_COUNT && rc == O2P_OK; sig++) {
        struct spool_counters c;
        struct spool_signal_stat *ss = &out->signal[sig];
        rc = spool_counters_get(s, txn, sig, &c, err);
        if (rc == O2P_OK)
            rc = spool_seq_get(s, txn, sig, &ss->next_seq, err);
        if (rc == O2P_OK)
            rc = oldest_time(s, txn, sig, &ss->oldest_ns, err);
        ss->records = c.records;
        ss->bytes = c.bytes;
        ss->entries = c.entries;
    }
    if (rc == O2P_OK)
        rc = entry_count(txn, s->claims, &out->claims, err);
    if (rc == O2P_OK)
        rc = entry_count(txn, s->files, &out->files, err);
    if (rc == O2P_OK)
        rc = entry_count(txn, s->quarantine, &out->quarantined, err);
    if (rc == O2P_OK && s->has_files_quarantine)
        rc = entry_count(txn, s->files_quarantine, &out->files_quarantined, err);
    MDB_envinfo info;
    MDB_stat est;
    if (rc == O2P_OK && mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &est) == 0) {
        out->map_bytes = info.me_mapsize;
        out->file_bytes = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
    }
    mdb_txn_abort(txn);
    return rc;
}

int spool_used_bytes(struct spool *s, uint64_t *out, struct o2p_error *err)
{
    MDB_txn *txn;
    *out = 0;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    int rc = O2P_OK;
    for (int sig = 0; sig < O2P_SIGNAL_COUNT && rc == O2P_OK; sig++) {
        struct spool_counters c;
        rc = spool_counters_get(s, txn, sig, &c, err);
        /* Each entry also costs its header and, in LMDB, about a page of overhead at most. */
        *out += c.bytes + c.entries * SPOOL_HEADER_BYTES;
    }
    mdb_txn_abort(txn);
    return rc;
}

/* Quarantine value: signal (1 byte), seq (8 bytes BE), reason length (u16 LE), reason,
 * then the original value. The key is signal (1 byte) + seq (8 bytes BE): unique, because a
 * sequence number is never reused. */
int spool_quarantine_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t seq,
                          const char *reason, const MDB_val *orig, struct o2p_error *err)
{
    size_t rlen = strlen(reason);
    if (rlen > 1000)
        rlen = 1000;
    uint8_t kb[9];
    kb[0] = (uint8_t)sig;
    spool_key_encode(kb + 1, seq);
    MDB_val key = {9, kb};
    MDB_val val = {11 + rlen + orig->mv_size, NULL};
    int mrc = mdb_put(txn, s->quarantine, &key, &val, MDB_RESERVE);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "quarantine record");
    uint8_t *p = val.mv_data;
    p[0] = (uint8_t)sig;
    spool_key_encode(p + 1, seq);
    p[9] = (uint8_t)rlen;
    p[10] = (uint8_t)(rlen >> 8);
    memcpy(p + 11, reason, rlen);
    memcpy(p + 11 + rlen, orig->mv_data, orig->mv_size);
    return O2P_OK;
}

int spool_recover(struct spool *s, struct spool_recovery *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    mdb_reader_check(s->env, &out->stale_readers);
    if (s->read_only)
        return o2p_fail(err, O2P_EINVAL, "spool recovery needs a writable spool");
    /* The scan below goes through LMDB's map, where a garbled tree page is a crash or a wrong
     * turn; check the structure with pread first, so damage is an error with a reason. */
    struct spool_verify v;
    int rc = spool_verify(s, &v, err);
    if (rc != O2P_OK)
        return rc;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin recovery");
    for (int sig = 0; sig < O2P_SIGNAL_COUNT && rc == O2P_OK; sig++) {
        MDB_cursor *cur;
        mrc = mdb_cursor_open(txn, s->rec[sig], &cur);
        if (mrc != 0) {
            rc = spool_lmdb_fail(err, mrc, "open cursor");
            break;
        }
        struct spool_counters c = {0};
        uint64_t last_seq = 0;
        MDB_val k, v;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (mrc == 0) {
            struct spool_record_header h;
            const uint8_t *body;
            struct o2p_error e = {0};
            out->entries_checked++;
            int drc = k.mv_size == 8 ? spool_record_decode(v.mv_data, v.mv_size, &h, &body, &e)
                                     : o2p_fail(&e, O2P_ECORRUPT, "key of %zu bytes", k.mv_size);
            if (drc == O2P_OK && h.signal != sig)
                drc = o2p_fail(&e, O2P_ECORRUPT, "record of signal %u in %s", h.signal,
                               signal_kind_name(sig));
            uint64_t seq = k.mv_size == 8 ? spool_key_decode(k.mv_data) : 0;
            if (drc != O2P_OK) {
                rc = spool_quarantine_put(s, txn, sig, seq, e.msg, &v, err);
                if (rc != O2P_OK)
                    break;
                mrc = mdb_cursor_del(cur, 0);
                if (mrc != 0) {
                    rc = spool_lmdb_fail(err, mrc, "remove corrupt record");
                    break;
                }
                out->quarantined++;
                mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
                if (mrc == EINVAL) /* deleted the last record */
                    mrc = MDB_NOTFOUND;
                continue;
            }
            c.records += h.record_count;
            c.bytes += h.length;
            c.entries++;
            last_seq = seq;
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
        if (rc != O2P_OK)
            break;
        if (mrc != 0 && mrc != MDB_NOTFOUND) {
            rc = spool_lmdb_fail(err, mrc, "scan records");
            break;
        }
        rc = spool_counters_put(s, txn, sig, &c, err);
        uint64_t next;
        if (rc == O2P_OK)
            rc = spool_seq_get(s, txn, sig, &next, err);
        /* The sequence must stay above every stored key whatever happened to meta. */
        if (rc == O2P_OK && next <= last_seq)
            rc = spool_seq_put(s, txn, sig, last_seq + 1, err);
    }
    if (rc != O2P_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit recovery") : O2P_OK;
}
