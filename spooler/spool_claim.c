/*
 * spool_claim.c - the writer's side of the spool: claim a range, renew it, complete it.
 *
 * State machine of a range (see spool.h): UNCLAIMED -> CLAIMED (spool_claim_take) ->
 * CLAIMED by another writer after the lease expired (spool_claim_take, attempt + 1) ->
 * COMPLETED (spool_claim_complete: records deleted or quarantined, files queued, claim gone).
 *
 * Invariants: claims of one signal never overlap and cover exactly (first..last) of records
 * that existed when claimed; meta "claimed.<signal>" is the highest sequence number ever
 * claimed, so records above it are unclaimed. Only the current owner (owner string and attempt)
 * may complete a claim: a writer that lost its lease gets O2P_ECONFLICT and its work is
 * dropped, while the writer that took over redoes it under the same file names.
 */
#include "spooler/spool_internal.h"

#include "common/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Claim value layout, little endian: first u64, last u64, deadline u64, attempt u32, records
 * u64, bytes u64, entries u64, owner[64]; then deaths u32, progress_next u64, progress_deaths
 * u32, flags u32 (bit 0: released). Key: signal (1 byte) + first (8, BE). A value without the
 * second part (written before it existed) reads as no deaths and no progress. Earlier
 * versions memcpy'd the integers in host order: on a little-endian host (x86-64, arm64) those
 * are the same bytes, so their spools open unchanged. (An LMDB file never moves to a host of
 * the other byte order anyway: LMDB's own pages are in host order.) */
#define CLAIM_VALUE_V1_BYTES (8 * 3 + 4 + 8 * 3 + SPOOL_OWNER_MAX)
#define CLAIM_VALUE_BYTES (CLAIM_VALUE_V1_BYTES + 4 + 8 + 4 + 4)
#define CLAIM_RELEASED 1u

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void claim_encode(const struct spool_claim *c, uint8_t *v)
{
    put_le(v, c->first, 8);
    put_le(v + 8, c->last, 8);
    put_le(v + 16, c->lease_deadline_ns, 8);
    put_le(v + 24, c->attempt, 4);
    put_le(v + 28, c->records, 8);
    put_le(v + 36, c->bytes, 8);
    put_le(v + 44, c->entries, 8);
    memcpy(v + 52, c->owner, SPOOL_OWNER_MAX);
    uint8_t *x = v + CLAIM_VALUE_V1_BYTES;
    put_le(x, c->deaths, 4);
    put_le(x + 4, c->progress_next, 8);
    put_le(x + 12, c->progress_deaths, 4);
    put_le(x + 16, c->released ? CLAIM_RELEASED : 0, 4);
}

static int claim_decode(const MDB_val *k, const MDB_val *v, struct spool_claim *c)
{
    if (k->mv_size != 9 || (v->mv_size != CLAIM_VALUE_BYTES && v->mv_size != CLAIM_VALUE_V1_BYTES))
        return O2P_ECORRUPT;
    const uint8_t *p = v->mv_data;
    memset(c, 0, sizeof *c);
    c->signal = ((const uint8_t *)k->mv_data)[0];
    c->first = get_le(p, 8);
    c->last = get_le(p + 8, 8);
    c->lease_deadline_ns = get_le(p + 16, 8);
    c->attempt = (uint32_t)get_le(p + 24, 4);
    c->records = get_le(p + 28, 8);
    c->bytes = get_le(p + 36, 8);
    c->entries = get_le(p + 44, 8);
    memcpy(c->owner, p + 52, SPOOL_OWNER_MAX);
    c->owner[SPOOL_OWNER_MAX - 1] = 0;
    if (v->mv_size == CLAIM_VALUE_BYTES) {
        const uint8_t *x = p + CLAIM_VALUE_V1_BYTES;
        c->deaths = (uint32_t)get_le(x, 4);
        c->progress_next = get_le(x + 4, 8);
        c->progress_deaths = (uint32_t)get_le(x + 12, 4);
        c->released = (get_le(x + 16, 4) & CLAIM_RELEASED) != 0;
    }
    return c->signal < O2P_SIGNAL_COUNT ? O2P_OK : O2P_ECORRUPT;
}

static void claim_key(uint8_t kb[9], enum o2p_signal sig, uint64_t first)
{
    kb[0] = (uint8_t)sig;
    spool_key_encode(kb + 1, first);
}

static int put_claim(struct spool *s, MDB_txn *txn, const struct spool_claim *c, struct o2p_error *err)
{
    uint8_t kb[9], vb[CLAIM_VALUE_BYTES];
    claim_key(kb, c->signal, c->first);
    claim_encode(c, vb);
    MDB_val k = {9, kb}, v = {sizeof vb, vb};
    int mrc = mdb_put(txn, s->claims, &k, &v, 0);
    return mrc ? spool_lmdb_fail(err, mrc, "write claim") : O2P_OK;
}

static int meta_u64(struct spool *s, MDB_txn *txn, const char *name, uint64_t *v, bool write,
                    struct o2p_error *err)
{
    MDB_val k = {strlen(name), (void *)name}, val;
    if (write) {
        val.mv_size = 8;
        val.mv_data = v;
        int mrc = mdb_put(txn, s->meta, &k, &val, 0);
        return mrc ? spool_lmdb_fail(err, mrc, "write meta") : O2P_OK;
    }
    *v = 0;
    int mrc = mdb_get(txn, s->meta, &k, &val);
    if (mrc == MDB_NOTFOUND)
        return O2P_OK;
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "read meta");
    if (val.mv_size == 8)
        memcpy(v, val.mv_data, 8);
    return O2P_OK;
}

static void claimed_name(char *out, size_t n, enum o2p_signal sig)
{
    snprintf(out, n, "claimed.%s", signal_kind_name(sig));
}

/* take_expired - the first claim whose lease ran out, re-owned. O2P_EAGAIN if none. */
static int take_expired(struct spool *s, MDB_txn *txn, const char *owner, uint64_t lease_ns,
                        struct spool_claim *out, struct o2p_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, s->claims, &cur);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "open claims");
    uint64_t now = clock_wall_ns();
    MDB_val k, v;
    int rc = O2P_EAGAIN;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        struct spool_claim c;
        if (claim_decode(&k, &v, &c) != O2P_OK || c.lease_deadline_ns >= now)
            continue;
        if (!c.released) {
            /* The owner vanished (crashed or killed) instead of giving the claim back. */
            c.deaths++;
            if (c.progress_next)
                c.progress_deaths++;
        }
        c.released = false;
        c.attempt++;
        c.lease_deadline_ns = now + lease_ns;
        snprintf(c.owner, sizeof c.owner, "%s", owner);
        *out = c;
        rc = O2P_OK;
        break;
    }
    mdb_cursor_close(cur);
    if (rc == O2P_OK)
        rc = put_claim(s, txn, out, err);
    return rc;
}

/* take_new - the next unclaimed range of `sig` if it passes a threshold. */
static int take_new(struct spool *s, MDB_txn *txn, enum o2p_signal sig, const char *owner,
                    const struct spool_claim_policy *p, uint64_t lease_ns, struct spool_claim *out,
                    struct o2p_error *err)
{
    char name[32];
    claimed_name(name, sizeof name, sig);
    uint64_t upto;
    int rc = meta_u64(s, txn, name, &upto, false, err);
    if (rc != O2P_OK)
        return rc;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, s->rec[sig], &cur);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "open records");
    uint8_t kb[8];
    spool_key_encode(kb, upto + 1);
    MDB_val k = {8, kb}, v;
    struct spool_claim c = {.signal = sig};
    uint64_t oldest = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint64_t seq = spool_key_decode(k.mv_data);
        struct spool_record_header h = {0};
        /* Header only: a claim must not page in the bodies it sizes up. A corrupt record
         * still belongs to the range (the writer quarantines it), sized as stored. */
        if (spool_record_peek(v.mv_data, v.mv_size, &h) != O2P_OK) {
            h.length = (uint32_t)v.mv_size;
            h.record_count = 0;
        }
        if (c.entries > 0 && (c.bytes + h.length > p->max_bytes || c.records + h.record_count > p->max_rows))
            break;
        if (c.entries == 0) {
            c.first = seq;
            oldest = h.recv_time_ns;
        }
        c.last = seq;
        c.entries++;
        c.records += h.record_count;
        c.bytes += h.length;
    }
    mdb_cursor_close(cur);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return spool_lmdb_fail(err, mrc, "scan records");
    if (c.entries == 0)
        return O2P_EAGAIN;
    uint64_t now = clock_wall_ns();
    bool due = p->drain || c.bytes >= p->max_bytes || c.records >= p->max_rows ||
               (oldest && now > oldest && now - oldest >= p->max_age_ns) ||
               mrc == 0; /* stopped by a limit: more than a full range is waiting */
    if (!due)
        return O2P_EAGAIN;
    c.attempt = 1;
    c.lease_deadline_ns = now + lease_ns;
    snprintf(c.owner, sizeof c.owner, "%s", owner);
    rc = put_claim(s, txn, &c, err);
    if (rc == O2P_OK)
        rc = meta_u64(s, txn, name, &c.last, true, err);
    if (rc == O2P_OK)
        *out = c;
    return rc;
}

int spool_claim_take(struct spool *s, const char *owner, const struct spool_claim_policy *p,
                     uint64_t lease_ns, struct spool_claim *out, struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin claim");
    int rc = take_expired(s, txn, owner, lease_ns, out, err);
    /* Rotate the first signal looked at, so a signal that always has a full range waiting
     * cannot starve the others. */
    int start = s->claim_rotor++ % O2P_SIGNAL_COUNT;
    for (int i = 0; i < O2P_SIGNAL_COUNT && rc == O2P_EAGAIN; i++)
        rc = take_new(s, txn, (start + i) % O2P_SIGNAL_COUNT, owner, p, lease_ns, out, err);
    if (rc != O2P_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit claim") : O2P_OK;
}

/* check_owner - the stored claim is still (owner, attempt) of c. */
static int check_owner(struct spool *s, MDB_txn *txn, const struct spool_claim *c, struct o2p_error *err)
{
    uint8_t kb[9];
    claim_key(kb, c->signal, c->first);
    MDB_val k = {9, kb}, v;
    int mrc = mdb_get(txn, s->claims, &k, &v);
    if (mrc == MDB_NOTFOUND)
        return o2p_fail(err, O2P_ECONFLICT, "claim %s %llu-%llu is gone (completed by another writer)",
                        signal_kind_name(c->signal), (unsigned long long)c->first, (unsigned long long)c->last);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "read claim");
    struct spool_claim cur;
    if (claim_decode(&k, &v, &cur) != O2P_OK)
        return o2p_fail(err, O2P_ECORRUPT, "claim record is corrupt");
    if (cur.attempt != c->attempt || strcmp(cur.owner, c->owner) != 0)
        return o2p_fail(err, O2P_ECONFLICT, "claim %s %llu-%llu was taken over by %s (attempt %u): lease expired",
                        signal_kind_name(c->signal), (unsigned long long)c->first, (unsigned long long)c->last,
                        cur.owner, cur.attempt);
    return O2P_OK;
}

/* update_owned - store n in place of c (still ours: same owner and attempt) in one write
 * transaction; on success c becomes n. `what` names the operation in errors. */
static int update_owned(struct spool *s, struct spool_claim *c, const struct spool_claim *n, const char *what,
                        struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, what);
    int rc = check_owner(s, txn, c, err);
    if (rc == O2P_OK)
        rc = put_claim(s, txn, n, err);
    if (rc != O2P_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    mrc = mdb_txn_commit(txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, what);
    *c = *n;
    return O2P_OK;
}

int spool_claim_renew(struct spool *s, struct spool_claim *c, uint64_t lease_ns, struct o2p_error *err)
{
    struct spool_claim n = *c;
    n.lease_deadline_ns = clock_wall_ns() + lease_ns;
    return update_owned(s, c, &n, "renew claim", err);
}

int spool_claim_release(struct spool *s, struct spool_claim *c, struct o2p_error *err)
{
    struct spool_claim n = *c;
    n.lease_deadline_ns = 0;
    n.released = true;
    return update_owned(s, c, &n, "release claim", err);
}

int spool_claim_progress(struct spool *s, struct spool_claim *c, uint64_t next, struct o2p_error *err)
{
    struct spool_claim n = *c;
    if (n.progress_next != next)
        n.progress_deaths = 0;
    n.progress_next = next;
    return update_owned(s, c, &n, "record claim progress", err);
}

int spool_claim_complete(struct spool *s, const struct spool_claim *c, const struct spool_file *files,
                         size_t nfiles, const struct spool_poison *poison, size_t npoison,
                         struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin complete");
    int rc = check_owner(s, txn, c, err);
    MDB_cursor *cur = NULL;
    struct spool_counters cnt;
    if (rc == O2P_OK)
        rc = spool_counters_get(s, txn, c->signal, &cnt, err);
    if (rc == O2P_OK) {
        mrc = mdb_cursor_open(txn, s->rec[c->signal], &cur);
        if (mrc != 0)
            rc = spool_lmdb_fail(err, mrc, "open records");
    }
    if (rc == O2P_OK) {
        uint8_t kb[8];
        spool_key_encode(kb, c->first);
        MDB_val k = {8, kb}, v;
        size_t pi = 0; /* poison is in sequence order, as the cursor walks */
        mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (mrc == 0 && rc == O2P_OK) {
            uint64_t seq = spool_key_decode(k.mv_data);
            if (seq > c->last)
                break;
            while (pi < npoison && poison[pi].seq < seq)
                pi++;
            const char *reason = pi < npoison && poison[pi].seq == seq ? poison[pi].reason : NULL;
            struct spool_record_header h = {0};
            if (spool_record_peek(v.mv_data, v.mv_size, &h) == O2P_OK) {
                cnt.records -= cnt.records >= h.record_count ? h.record_count : cnt.records;
                cnt.bytes -= cnt.bytes >= h.length ? h.length : cnt.bytes;
            } else if (!reason) {
                reason = "record failed its checksum";
            }
            if (cnt.entries)
                cnt.entries--;
            if (reason)
                rc = spool_quarantine_put(s, txn, c->signal, seq, reason, &v, err);
            if (rc != O2P_OK)
                break;
            mrc = mdb_cursor_del(cur, 0);
            if (mrc != 0) {
                rc = spool_lmdb_fail(err, mrc, "delete record");
                break;
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        }
        if (rc == O2P_OK && mrc != 0 && mrc != MDB_NOTFOUND && mrc != EINVAL)
            rc = spool_lmdb_fail(err, mrc, "scan claimed records");
    }
    if (cur)
        mdb_cursor_close(cur);
    if (rc == O2P_OK)
        rc = spool_counters_put(s, txn, c->signal, &cnt, err);
    if (rc == O2P_OK) {
        uint8_t kb[9];
        claim_key(kb, c->signal, c->first);
        MDB_val k = {9, kb};
        mrc = mdb_del(txn, s->claims, &k, NULL);
        if (mrc != 0)
            rc = spool_lmdb_fail(err, mrc, "delete claim");
    }
    for (size_t i = 0; i < nfiles && rc == O2P_OK; i++)
        rc = spool_files_put(s, txn, &files[i], err);
    if (rc != O2P_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    mrc = mdb_txn_commit(txn);
    return mrc ? spool_lmdb_fail(err, mrc, "commit complete") : O2P_OK;
}

int spool_claims_list(struct spool *s, struct spool_claim *out, int max, struct o2p_error *err)
{
    MDB_txn *txn;
    int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "begin read");
    MDB_cursor *cur;
    mrc = mdb_cursor_open(txn, s->claims, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return spool_lmdb_fail(err, mrc, "open claims");
    }
    int n = 0;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && n < max; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (claim_decode(&k, &v, &out[n]) == O2P_OK)
            n++;
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}
