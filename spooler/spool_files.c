/*
 * spool_files.c - the files queue between writers and the committer, its quarantine, and the
 * records quarantine reader.
 *
 * Key and value framing: spool_files_entry.h (the one description; the entry itself is
 * encoded and decoded there). An entry is deleted only after the catalog confirmed the
 * commit that contains it (spool_files_delete), or moved to files.quarantine when the
 * committer cannot decode it (spool_files_quarantine), so one bad entry never blocks the
 * queue and is never lost either.
 */
#include "spooler/spool_internal.h"

#include "common/clock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int spool_files_put(struct spool *s, MDB_txn *txn, const struct spool_file *f, struct o2p_error *err)
{
    MDB_val mk = {7, "fileseq"}, mv;
    uint64_t id = 1;
    int mrc = mdb_get(txn, s->meta, &mk, &mv);
    if (mrc == 0 && mv.mv_size == 8)
        memcpy(&id, mv.mv_data, 8);
    else if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read file sequence");
    size_t klen = strlen(f->key);
    if (klen > 65535)
        return o2p_fail(err, O2P_EINVAL, "file key too long");
    uint8_t kb[8];
    spool_key_encode(kb, id);
    MDB_val k = {8, kb}, v = {2 + klen + f->entry_len, NULL};
    mrc = mdb_put(txn, s->files, &k, &v, MDB_RESERVE | MDB_APPEND);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "queue file");
    uint8_t *p = v.mv_data;
    p[0] = (uint8_t)klen;
    p[1] = (uint8_t)(klen >> 8);
    memcpy(p + 2, f->key, klen);
    memcpy(p + 2 + klen, f->entry, f->entry_len);
    id++;
    mv.mv_size = 8;
    mv.mv_data = &id;
    mrc = mdb_put(txn, s->meta, &mk, &mv, 0);
    return mrc ? spool_lmdb_fail(err, mrc, "write file sequence") : O2P_OK;
}

struct entry_part {
    const char *entry;
    size_t len;
};

/* split_value - a queue value into its key (copied, NUL-terminated: key has room for 65,536
 * bytes + NUL) and its entry; O2P_ECORRUPT when the value is too short for its framing. */
static int split_value(const void *value, size_t n, char *key, struct entry_part *out)
{
    const uint8_t *p = value;
    if (n < 2)
        return O2P_ECORRUPT;
    size_t klen = (size_t)(p[0] | p[1] << 8);
    if (2 + klen > n)
        return O2P_ECORRUPT;
    memcpy(key, p + 2, klen);
    key[klen] = 0;
    out->entry = (const char *)p + 2 + klen;
    out->len = n - 2 - klen;
    return O2P_OK;
}

int spool_files_visit(struct spool *s, spool_files_fn fn, void *ctx, struct o2p_error *err)
{
    struct entry_part fn_args;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    MDB_cursor *cur;
    mrc = mdb_cursor_open(txn, s->files, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open files");
    }
    MDB_val k, v;
    char key[65536 + 1];
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8)
            continue;
        if (split_value(v.mv_data, v.mv_size, key, &fn_args) != O2P_OK) {
            if (fn(ctx, spool_key_decode(k.mv_data), NULL, v.mv_data, v.mv_size))
                break;
            continue;
        }
        if (fn(ctx, spool_key_decode(k.mv_data), key, fn_args.entry, fn_args.len))
            break;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read files");
    return O2P_OK;
}

int spool_files_delete(struct spool *s, const uint64_t *ids, size_t n, struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin delete files");
    for (size_t i = 0; i < n; i++) {
        uint8_t kb[8];
        spool_key_encode(kb, ids[i]);
        MDB_val k = {8, kb};
        mrc = mdb_del(txn, s->files, &k, NULL);
        if (mrc != 0 && mrc != MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            return spool_lmdb_fail(err, mrc, "delete file entry");
        }
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit delete files") : O2P_OK;
}

/* Files quarantine value: reason length (u16 LE), the reason, then the queue value as it was.
 * The key stays the queue id, unique because ids are never reused (meta "fileseq"). */
int spool_files_quarantine(struct spool *s, uint64_t id, const char *reason, struct o2p_error *err)
{
    if (!s->has_files_quarantine || s->read_only)
        return o2p_fail(err, O2P_EINVAL, "spool quarantine files entry: spool opened read-only");
    size_t rlen = strlen(reason);
    if (rlen > 1000)
        rlen = 1000;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin quarantine files entry");
    uint8_t kb[8];
    spool_key_encode(kb, id);
    MDB_val k = {8, kb}, v, q;
    mrc = mdb_get(txn, s->files, &k, &v);
    if (mrc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return o2p_fail(err, O2P_ENOTFOUND, "files entry %llu: not in the queue", (unsigned long long)id);
    }
    /* A copy first: "values returned from the database are valid only until a subsequent
     * update operation" (lmdb.h), and the put below is one. */
    uint8_t *orig = mrc == 0 ? malloc(v.mv_size ? v.mv_size : 1) : NULL;
    if (mrc == 0 && !orig) {
        mdb_txn_abort(txn);
        return o2p_fail(err, O2P_ENOMEM, "quarantine files entry %llu: out of memory", (unsigned long long)id);
    }
    size_t olen = mrc == 0 ? v.mv_size : 0;
    if (mrc == 0) {
        memcpy(orig, v.mv_data, olen);
        q.mv_size = 2 + rlen + olen;
        q.mv_data = NULL;
        mrc = mdb_put(txn, s->files_quarantine, &k, &q, MDB_RESERVE);
    }
    if (mrc == 0) {
        uint8_t *p = q.mv_data;
        p[0] = (uint8_t)rlen;
        p[1] = (uint8_t)(rlen >> 8);
        memcpy(p + 2, reason, rlen);
        memcpy(p + 2 + rlen, orig, olen);
        mrc = mdb_del(txn, s->files, &k, NULL);
    }
    free(orig);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "quarantine files entry");
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit quarantine files entry") : O2P_OK;
}

int spool_files_quarantine_visit(struct spool *s, spool_files_quarantine_fn fn, void *ctx, struct o2p_error *err)
{
    if (!s->has_files_quarantine)
        return O2P_OK;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    MDB_cursor *cur;
    mrc = mdb_cursor_open(txn, s->files_quarantine, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open files.quarantine");
    }
    MDB_val k, v;
    char key[65536 + 1];
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *p = v.mv_data;
        if (k.mv_size != 8 || v.mv_size < 2)
            continue;
        size_t rlen = (size_t)(p[0] | p[1] << 8);
        if (2 + rlen > v.mv_size)
            continue;
        struct entry_part e;
        bool framed = split_value(p + 2 + rlen, v.mv_size - 2 - rlen, key, &e) == O2P_OK;
        if (!framed) {
            e.entry = (const char *)p + 2 + rlen;
            e.len = v.mv_size - 2 - rlen;
        }
        if (fn(ctx, spool_key_decode(k.mv_data), (const char *)p + 2, rlen, framed ? key : NULL, e.entry, e.len))
            break;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read files.quarantine");
    return O2P_OK;
}

int spool_quarantine_visit(struct spool *s, spool_quarantine_fn fn, void *ctx, struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    MDB_cursor *cur;
    mrc = mdb_cursor_open(txn, s->quarantine, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open quarantine");
    }
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *p = v.mv_data;
        if (v.mv_size < 11)
            continue;
        size_t rlen = (size_t)(p[9] | p[10] << 8);
        if (11 + rlen > v.mv_size || p[0] >= O2P_SIGNAL_COUNT)
            continue;
        if (fn(ctx, p[0], spool_key_decode(p + 1), (const char *)p + 11, rlen, p + 11 + rlen,
               v.mv_size - 11 - rlen))
            break;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read quarantine");
    return O2P_OK;
}

int spool_quarantine_requeue(struct spool *s, int sig, uint64_t seq, uint64_t *moved, struct o2p_error *err)
{
    *moved = 0;
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin requeue");
    MDB_cursor *cur;
    mrc = mdb_cursor_open(txn, s->quarantine, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open quarantine");
    }
    int rc = O2P_OK;
    uint64_t next[O2P_SIGNAL_COUNT];
    struct spool_counters cnt[O2P_SIGNAL_COUNT];
    for (int i = 0; i < O2P_SIGNAL_COUNT && rc == O2P_OK; i++) {
        rc = spool_seq_get(s, txn, i, &next[i], err);
        if (rc == O2P_OK)
            rc = spool_counters_get(s, txn, i, &cnt[i], err);
    }
    MDB_val k, v;
    mrc = rc == O2P_OK ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
    while (mrc == 0 && rc == O2P_OK) {
        const uint8_t *p = v.mv_data;
        size_t rlen = v.mv_size >= 11 ? (size_t)(p[9] | p[10] << 8) : 0;
        int qsig = v.mv_size >= 11 ? p[0] : -1;
        uint64_t qseq = v.mv_size >= 11 ? spool_key_decode(p + 1) : 0;
        bool pick = qsig >= 0 && qsig < O2P_SIGNAL_COUNT && 11 + rlen + SPOOL_HEADER_BYTES <= v.mv_size &&
                    (sig < 0 || sig == qsig) && (seq == 0 || seq == qseq);
        if (!pick) {
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        const uint8_t *orig = p + 11 + rlen;
        size_t olen = v.mv_size - 11 - rlen;
        struct spool_record_header h;
        const uint8_t *body;
        uint32_t records = 0;
        if (spool_record_decode(orig, olen, &h, &body, NULL) == O2P_OK)
            records = h.record_count;
        body = orig + SPOOL_HEADER_BYTES;
        size_t blen = olen - SPOOL_HEADER_BYTES;
        uint8_t kb[8];
        spool_key_encode(kb, next[qsig]);
        MDB_val nk = {8, kb}, nv = {olen, NULL};
        mrc = mdb_put(txn, s->rec[qsig], &nk, &nv, MDB_APPEND | MDB_RESERVE);
        if (mrc != 0) {
            rc = spool_lmdb_fail(err, mrc, "requeue record");
            break;
        }
        /* The body is copied before the quarantine entry (its source) is deleted. */
        memmove((uint8_t *)nv.mv_data + SPOOL_HEADER_BYTES, body, blen);
        spool_record_encode(nv.mv_data, qsig, clock_wall_ns(), records,
                            (uint8_t *)nv.mv_data + SPOOL_HEADER_BYTES, (uint32_t)blen);
        next[qsig]++;
        cnt[qsig].records += records;
        cnt[qsig].bytes += blen;
        cnt[qsig].entries++;
        (*moved)++;
        mrc = mdb_cursor_del(cur, 0);
        if (mrc != 0) {
            rc = spool_lmdb_fail(err, mrc, "remove from quarantine");
            break;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
    }
    if (rc == O2P_OK && mrc != 0 && mrc != MDB_NOTFOUND && mrc != EINVAL) /* EINVAL: deleted the last */
        rc = spool_lmdb_fail(err, mrc, "scan quarantine");
    mdb_cursor_close(cur);
    for (int i = 0; i < O2P_SIGNAL_COUNT && rc == O2P_OK; i++) {
        rc = spool_seq_put(s, txn, i, next[i], err);
        if (rc == O2P_OK)
            rc = spool_counters_put(s, txn, i, &cnt[i], err);
    }
    if (rc != O2P_OK) {
        mdb_txn_abort(txn);
        *moved = 0;
        return rc;
    }
    mrc = mdb_txn_commit(txn);
    if (mrc != 0) {
        *moved = 0;
        return spool_lmdb_fail(err, mrc, "commit requeue");
    }
    return O2P_OK;
}
