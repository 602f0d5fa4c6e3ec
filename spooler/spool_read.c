/*
 * spool_read.c - reading a signal's records in sequence order, in bounded chunks: the writer's
 * claim loop (spool_read_chunk) and the inspectors' visitor (spool_visit).
 *
 * Why chunks: an LMDB read transaction pins the snapshot it started on, so pages that newer
 * write transactions free (the receiver appending, other writers deleting completed claims)
 * cannot be reused while it is open and the file grows instead (lmdb.h, Caveats). A claim is
 * up to writer.max_file_bytes of records and its callback decodes, encodes and writes Parquet,
 * so one transaction per claim would stay open for seconds. Here a transaction covers at most
 * chunk_bytes of stored values or chunk_records records (at least one record), then ends; the
 * next chunk begins a new one at the record after the last one delivered.
 *
 * Invariants: every record of the range present when its chunk is read is delivered exactly
 * once, in key order, whatever the chunking and whatever gaps (deleted keys) the range has;
 * a chunk only ends after a well-formed (8-byte) key, and the next one resumes strictly after
 * that key, so a malformed key is delivered once too. Bodies are zero-copy: pointers into the
 * memory map, valid until fn returns (see spool.h).
 *
 * Failure: an LMDB error ends the chunk with the error and leaves the range where it was (the
 * next call re-reads from the record after the last one delivered). A record that fails its
 * header or checksum is not an error here: it is handed to fn with rc = O2P_ECORRUPT and the
 * reason, exactly as spool_record_decode() reports it.
 *
 * It does not: copy bodies, hold any lock, or write to the spool.
 */
#include "spooler/spool_internal.h"

#include <string.h>

void spool_range_init(struct spool_range *r, enum o2p_signal sig, uint64_t first, uint64_t last)
{
    memset(r, 0, sizeof *r);
    r->signal = sig;
    r->first = first;
    r->last = last;
    r->chunk_bytes = SPOOL_READ_CHUNK_BYTES;
    r->chunk_records = SPOOL_READ_CHUNK_RECORDS;
}

/* position - put the cursor on the first record not delivered yet. */
static int position(MDB_cursor *cur, const struct spool_range *r, MDB_val *k, MDB_val *v)
{
    uint8_t kb[8];
    spool_key_encode(kb, r->resumed ? r->resume : r->first);
    k->mv_size = 8;
    k->mv_data = kb;
    int mrc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
    /* The last record delivered may still be there (it usually is): resume after it. */
    if (mrc == 0 && r->resumed && k->mv_size == 8 && memcmp(k->mv_data, kb, 8) == 0)
        mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
    return mrc;
}

int spool_read_chunk(struct spool *s, struct spool_range *r, spool_visit_fn fn, void *ctx,
                     struct o2p_error *err)
{
    if (r->done)
        return O2P_OK;
    if (r->first > r->last) {
        r->done = true;
        return O2P_OK;
    }
    MDB_txn *txn;
    MDB_cursor *cur;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    mrc = mdb_cursor_open(txn, s->rec[r->signal], &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open cursor");
    }
    r->chunks++;
    MDB_val k, v;
    mrc = position(cur, r, &k, &v);
    size_t bytes = 0;
    uint32_t n = 0;
    bool cut = false;
    while (mrc == 0) {
        bool wellformed = k.mv_size == 8;
        uint64_t seq = wellformed ? spool_key_decode(k.mv_data) : 0;
        if (wellformed && seq > r->last)
            break;
        struct spool_record_header h;
        const uint8_t *body = NULL;
        struct o2p_error e = {0};
        int rc = spool_record_decode(v.mv_data, v.mv_size, &h, &body, &e);
        if (!wellformed)
            rc = o2p_fail(&e, O2P_ECORRUPT, "key of %zu bytes", k.mv_size);
        r->records_read++;
        if (wellformed) {
            r->resume = seq;
            r->resumed = true;
        }
        if (fn(ctx, seq, rc, &h, body, rc ? e.msg : NULL))
            break;
        bytes += v.mv_size;
        n++;
        /* End the transaction here (not after a malformed key: it cannot be resumed after). */
        if (wellformed && (bytes >= r->chunk_bytes || n >= r->chunk_records)) {
            cut = true;
            break;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "read records");
    if (!cut)
        r->done = true; /* end of the range, end of the records, or fn said stop */
    return O2P_OK;
}

int spool_visit(struct spool *s, enum o2p_signal sig, uint64_t from, spool_visit_fn fn, void *ctx,
                struct o2p_error *err)
{
    struct spool_range r;
    spool_range_init(&r, sig, from, UINT64_MAX);
    int rc = O2P_OK;
    while (!r.done && rc == O2P_OK)
        rc = spool_read_chunk(s, &r, fn, ctx, err);
    return rc;
}
