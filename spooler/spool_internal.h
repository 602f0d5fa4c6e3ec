/*
 * spool_internal.h - what the spool's own files share: the handle and the meta counters.
 * Not for use outside spooler/.
 */
#ifndef O2P_SPOOL_INTERNAL_H
#define O2P_SPOOL_INTERNAL_H

#include "spooler/spool.h"

#include <lmdb.h>

struct spool {
    MDB_env *env;
    MDB_dbi rec[O2P_SIGNAL_COUNT];
    MDB_dbi meta, claims, files, quarantine;
    MDB_dbi files_quarantine;  /* "files.quarantine" (spool_files_entry.h) */
    bool has_files_quarantine; /* false: a read-only open of a spool made before it existed */
    uint64_t map_bytes;
    bool read_only;
    char *path;
    unsigned claim_rotor;  /* which signal spool_claim_take looks at first */
    char id[17];           /* see spool_id() */
};

/* Per-signal counters kept in meta under "stat.<signal>". */
struct spool_counters {
    uint64_t records, bytes, entries;
};

/* What every "the spool is damaged" message ends with: the operator's next step. */
/* SPOOL_MADE - file beside data.mdb, holding the spool id, written once the spool was first
 * opened whole; an empty data.mdb next to it is a truncated spool (spool_env.c). */
#define SPOOL_MADE "spool.made"

#define SPOOL_REPAIR_HINT                                                                          \
    "(repair: stop every otlp2parquet process, move the spool directory aside and keep it, start " \
    "again with an empty spool; docs/operations.md \"Damaged spool\")"

/* spool_file_check - spool_open's check before LMDB reads data pages (spool_verify.c): the
 * file holds every page the snapshot uses, and the pages every open reads are well formed.
 * O2P_ECORRUPT with the file, the sizes and SPOOL_REPAIR_HINT; O2P_EIO, O2P_ENOMEM. */
int spool_file_check(struct spool *s, struct o2p_error *err);

/* lmdb_fail - map an LMDB return code to an O2P error with "what: mdb_strerror". */
int spool_lmdb_fail(struct o2p_error *err, int mrc, const char *what);

int spool_counters_get(struct spool *s, MDB_txn *txn, enum o2p_signal sig,
                       struct spool_counters *out, struct o2p_error *err);
int spool_counters_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig,
                       const struct spool_counters *c, struct o2p_error *err);
int spool_seq_get(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t *next, struct o2p_error *err);
int spool_seq_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t next, struct o2p_error *err);

/* spool_quarantine_put - store a record's original value under quarantine with the reason. */
int spool_quarantine_put(struct spool *s, MDB_txn *txn, enum o2p_signal sig, uint64_t seq,
                         const char *reason, const MDB_val *orig, struct o2p_error *err);
/* spool_files_put - queue one data file for the committer (inside the caller's txn). */
int spool_files_put(struct spool *s, MDB_txn *txn, const struct spool_file *f, struct o2p_error *err);

static inline void spool_key_encode(uint8_t out[8], uint64_t seq)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)seq;
        seq >>= 8;
    }
}

static inline uint64_t spool_key_decode(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

#endif
