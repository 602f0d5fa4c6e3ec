/*
 * spool.h - the durable queue between the receiver and the writers: one LMDB environment in
 * one directory, shared by every process of a pipeline on this host.
 *
 * Layout (named databases):
 *   rec.logs, rec.traces, rec.metrics   key: 8-byte big-endian sequence number (appends)
 *                                        value: spool record = header + OTLP protobuf request
 *   meta                                 "seq.<signal>" next sequence number (u64),
 *                                        "stat.<signal>" records, bytes, entries (3 x u64)
 *   claims                               writer claims (spool_claim.c)
 *   files                                data files queued for the committer (spool_files.c;
 *                                        the entry format: spool_files_entry.h)
 *   quarantine                           records that failed checks, with the reason
 *   files.quarantine                     files entries the committer could not decode, with
 *                                        the reason (spool_files_entry.h)
 *
 * Record header (32 bytes, little endian): magic "O2PS", version 1, signal, flags (u16),
 * receive time (u64 ns), record count (u32), body length (u32), CRC-32 of the body (u32),
 * reserved (u32). A value whose header or checksum does not verify is moved to quarantine by
 * spool_recover() and never handed to a writer.
 *
 * Durability: the environment is opened with LMDB's default (synchronous) commits, so when
 * spool_append_batch() returns O2P_OK the batch is on disk. The receiver groups many requests
 * into one call (group commit); that is where the cost of the two fsyncs is shared.
 *
 * Full: a commit that hits the map size (MDB_MAP_FULL) or the disk (ENOSPC) returns
 * O2P_EFULL and changes nothing; callers turn it into backpressure.
 *
 * Threads: a struct spool may be used from several threads (MDB_NOTLS); write transactions
 * serialize inside LMDB, across processes too.
 */
#ifndef O2P_SPOOL_H
#define O2P_SPOOL_H

#include "common/err.h"
#include "common/signal_kind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_RECORD_MAGIC 0x5350324fu /* "O2PS" little endian */
#define SPOOL_RECORD_VERSION 1
#define SPOOL_HEADER_BYTES 32

struct spool_record_header {
    uint8_t version;
    uint8_t signal;
    uint16_t flags;
    uint64_t recv_time_ns;
    uint32_t record_count;
    uint32_t length;
    uint32_t crc;
};

/* spool_record_encode - write the 32-byte header for `body` into out. */
void spool_record_encode(uint8_t out[SPOOL_HEADER_BYTES], enum o2p_signal sig,
                         uint64_t recv_time_ns, uint32_t record_count, const uint8_t *body,
                         uint32_t len);
/* spool_record_decode - parse and verify a stored value (header, length, checksum). On
 * success *body points into `value` (valid as long as value is). O2P_ECORRUPT with the reason
 * in err otherwise. */
int spool_record_decode(const uint8_t *value, size_t value_len, struct spool_record_header *h,
                        const uint8_t **body, struct o2p_error *err);
/* spool_record_peek - the header only, without the checksum over the body: for bookkeeping
 * that must not read (and page in) whole bodies. O2P_ECORRUPT for a malformed header. */
int spool_record_peek(const uint8_t *value, size_t value_len, struct spool_record_header *h);

struct spool;

struct spool_options {
    const char *path;   /* directory; created if missing */
    uint64_t max_bytes; /* LMDB map size */
    bool read_only;     /* inspectors: open without creating anything */
};

/* spool_open - open (creating if needed) the spool at o->path. Also clears reader slots left
 * by dead processes (mdb_reader_check). Before LMDB reads any data page it checks that
 * data.mdb holds every page in use and that the pages every open reads are well formed
 * (spool_verify.c): O2P_ECORRUPT naming the file, its size, the size it needs and the repair
 * steps, instead of SIGBUS at the first read past the end of a truncated file. */
int spool_open(struct spool **out, const struct spool_options *o, struct o2p_error *err);
void spool_close(struct spool *s);
const char *spool_path(const struct spool *s);
/* spool_id - 16 hex digits made at random when the spool was created; data file names carry
 * it so hosts sharing one warehouse never write the same name. */
const char *spool_id(const struct spool *s);

/* spool_meta_put / spool_meta_get - small named values shared by the processes of a pipeline
 * (e.g. "location.<table>": where the catalog put a table, and "credentials.<table>": the
 * storage keys a catalog vended for it, both published by the committer for the writers; the
 * spool files are the pipeline user's alone, mode 0600). get: O2P_ENOTFOUND when unset; the value is NUL-terminated in out (cap bytes). */
int spool_meta_put(struct spool *s, const char *name, const char *value, struct o2p_error *err);
int spool_meta_get(struct spool *s, const char *name, char *out, size_t cap, struct o2p_error *err);

/* spool_release_pages - drop this process's mapping of spool pages it has read (they stay in
 * the page cache). LMDB maps the whole file; a writer that read gigabytes of records would
 * otherwise carry them in its resident set. Safe at any time outside a transaction. */
void spool_release_pages(struct spool *s);

/* One item of a group commit. `seq` is filled in on success. */
struct spool_append {
    enum o2p_signal signal;
    const uint8_t *body;   /* OTLP Export*ServiceRequest protobuf; not retained */
    size_t len;
    uint32_t records;      /* log records, spans or metric data points in body */
    uint64_t recv_time_ns;
    uint64_t seq;          /* out */
};

/*
 * spool_append_batch - append n items in one write transaction and one sync. All or nothing:
 * O2P_OK means every item is durable; O2P_EFULL (map or disk full), O2P_EIO, O2P_ETOOBIG
 * (one body over 4 GiB) mean none is.
 */
int spool_append_batch(struct spool *s, struct spool_append *items, size_t n,
                       struct o2p_error *err);

struct spool_signal_stat {
    uint64_t records;     /* log records / spans / metric data points */
    uint64_t bytes;       /* OTLP protobuf bytes */
    uint64_t entries;     /* spooled requests */
    uint64_t oldest_ns;   /* receive time of the oldest entry; 0 when empty */
    uint64_t next_seq;
};

struct spool_stat {
    struct spool_signal_stat signal[O2P_SIGNAL_COUNT];
    uint64_t map_bytes;        /* configured map size */
    uint64_t file_bytes;       /* pages in use by the environment (high-water mark) */
    uint64_t claims, files, quarantined;
    uint64_t files_quarantined;  /* files-queue entries moved to files.quarantine */
};

/* spool_stat - one consistent read of the counters. */
int spool_stat(struct spool *s, struct spool_stat *out, struct o2p_error *err);

/* spool_used_bytes - the bytes of records held (sum over signals); cheap, for backpressure. */
int spool_used_bytes(struct spool *s, uint64_t *out, struct o2p_error *err);

/* spool_reusable_bytes - bytes on LMDB's free list: what appends can take without growing the
 * file (spool_space.c). Walks the free list: for a periodic check, not per request. */
int spool_reusable_bytes(struct spool *s, uint64_t *out, struct o2p_error *err);

/* Result of spool_recover(). */
struct spool_recovery {
    uint64_t entries_checked;
    uint64_t quarantined;
    int stale_readers;
};

/*
 * spool_recover - start-up recovery, run by the receiver before it reports ready: clear stale
 * reader slots, check the file's structure (spool_verify), verify every record's header and
 * checksum (moving bad ones to quarantine with the reason) and recompute the per-signal
 * counters from what is really stored. O2P_ECORRUPT when the file is damaged (nothing was
 * changed; the message says what and how to repair it): a spool that cannot be verified must
 * not be appended to.
 */
int spool_recover(struct spool *s, struct spool_recovery *out, struct o2p_error *err);

/* What spool_verify found. */
struct spool_verify {
    uint64_t pages;       /* pages the snapshot's trees reach (B-tree and overflow pages) */
    uint64_t page_bytes;  /* LMDB's page size */
    uint64_t file_bytes;  /* the size of data.mdb */
    uint64_t used_bytes;  /* (last page in use + 1) * page size, from the meta page */
};

/*
 * spool_verify - check data.mdb's structure without going through LMDB's memory map (which
 * would die of SIGBUS or SIGSEGV on a truncated or garbled file): every B-tree page of the
 * current snapshot read with pread, its page number, kind and node layout checked, every
 * child and overflow run inside the file, none reached twice. Reads every tree page once
 * (not the values in overflow pages). Holds one read transaction meanwhile. O2P_OK;
 * O2P_ECORRUPT with the file, the page, the database it belongs to and the repair steps;
 * O2P_EIO, O2P_ENOMEM. spool_recover calls it first; `spool check` does too.
 * (spool_open makes the cheap part of this check: the file holds every page in use.)
 */
int spool_verify(struct spool *s, struct spool_verify *out, struct o2p_error *err);

/* ---- reading records (spool_read.c) ------------------------------------------------------
 *
 * Caveats, in LMDB's words (lmdb.h), for whoever writes the next callback:
 *  - "Avoid long-lived transactions. Read transactions prevent reuse of pages freed by newer
 *    write transactions, thus the database can grow quickly." Every spool_visit_fn below runs
 *    inside a read transaction, which spool_read_chunk ends after SPOOL_READ_CHUNK_BYTES or
 *    SPOOL_READ_CHUNK_RECORDS. Per record, fn may do work proportional to the record
 *    (decode, encode, write a row group) but must not wait: no network, no locks, no sleep.
 *  - MDB_val: "Values returned from the database are valid only until a subsequent update
 *    operation, or the end of the transaction." A reader may end its transaction after any
 *    call, so h, body and problem are valid until fn returns: copy what must outlive it.
 *  - Writes: do not call a spool function that writes (spool_claim_renew, spool_append_batch,
 *    ...) from fn. The spool uses MDB_NOTLS, under which "a thread may only have a single
 *    transaction at a time" does "not apply to read-only transactions", so LMDB would let it;
 *    but a write begun inside a read cannot reuse the pages that read pins, and it waits on
 *    every other process's write while the read stays open. Write between chunks
 *    (spool_read_chunk returns with its transaction ended).
 *
 * fn is called once per record in key order with its sequence number (0 for a malformed key);
 * rc = O2P_OK with the verified header and body (body: h->length bytes, zero-copy into the
 * map), or rc = O2P_ECORRUPT with h/body undefined and the reason in problem (header, length
 * or checksum wrong, or a key that is not 8 bytes). fn returns 0 to go on, non-zero to stop.
 */
typedef int (*spool_visit_fn)(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h,
                              const uint8_t *body, const char *problem);

#define SPOOL_READ_CHUNK_BYTES (4u << 20) /* stored bytes per read transaction (then it ends) */
#define SPOOL_READ_CHUNK_RECORDS 1024u    /* records per read transaction */

/* A range of one signal's records read in chunks: one read transaction per chunk. */
struct spool_range {
    enum o2p_signal signal;
    uint64_t first, last;    /* inclusive sequence range */
    size_t chunk_bytes;      /* a chunk ends once it delivered this many stored bytes... */
    uint32_t chunk_records;  /* ...or this many records; it always delivers at least one */
    /* Progress, kept by spool_read_chunk (read-only for the caller): */
    bool done;               /* range read through, or fn said stop: nothing more to read */
    bool resumed;            /* resume is set: the next chunk starts after record `resume` */
    uint64_t resume;         /* the last well-formed sequence number delivered */
    uint64_t chunks;         /* read transactions begun */
    uint64_t records_read;   /* fn calls */
};

/* spool_range_init - a range first..last of sig, with the default chunk bounds (the caller may
 * lower chunk_bytes / chunk_records afterwards). */
void spool_range_init(struct spool_range *r, enum o2p_signal sig, uint64_t first, uint64_t last);

/*
 * spool_read_chunk - the next chunk of r: begin a read transaction, call fn for each record
 * from where the previous chunk stopped (records deleted meanwhile are skipped, records
 * already delivered never come again), end the transaction after chunk_bytes or
 * chunk_records, at the end of the range or when fn returns non-zero (then r->done). The
 * transaction is over when this returns, so the caller may write to the spool (renew a lease)
 * before the next call. Call until r->done. O2P_OK, or an LMDB error (O2P_EIO, O2P_ECORRUPT,
 * O2P_ENOMEM) with r unchanged past the last record delivered, so a retry resumes there.
 */
int spool_read_chunk(struct spool *s, struct spool_range *r, spool_visit_fn fn, void *ctx,
                     struct o2p_error *err);

/* spool_visit - every record of sig with seq >= from (to the end), in chunks as above: a loop
 * of spool_read_chunk. For inspectors, which have nothing to do between chunks. */
int spool_visit(struct spool *s, enum o2p_signal sig, uint64_t from, spool_visit_fn fn, void *ctx,
                struct o2p_error *err);

/* ---- claims: the writer's side (spool_claim.c) -------------------------------------------
 *
 * States of a range of records:
 *   UNCLAIMED (seq > claimed_upto) --spool_claim_take--> CLAIMED (owner, lease)
 *   CLAIMED --lease expires, spool_claim_take by another writer--> CLAIMED (attempt + 1)
 *   CLAIMED --spool_claim_release (the owner failed cleanly)--> CLAIMED, expired at once
 *   CLAIMED --spool_claim_complete--> gone: records deleted, claim deleted, one files entry per
 *                                     data file queued, poisoned records moved to quarantine
 * An owner that vanishes without releasing (crashed, killed) leaves the claim to expire; the
 * takeover counts it in `deaths`. A claim with deaths is worked in isolation: its owner
 * records durably which record it is on (spool_claim_progress) before decoding it, so when
 * owners keep dying on one record (`progress_deaths`) the next one quarantines that record
 * instead of dying on it forever.
 * Ranges are contiguous and taken in sequence order, so "claimed_upto" in meta (the highest
 * sequence number ever claimed, per signal) is all it takes to find unclaimed records.
 */
#define SPOOL_OWNER_MAX 64

struct spool_claim {
    enum o2p_signal signal;
    uint64_t first, last;        /* inclusive sequence range */
    uint64_t lease_deadline_ns;  /* wall clock (clock_wall_ns): other processes and the next boot read it */
    uint32_t attempt;            /* 1 when fresh, +1 on each takeover */
    char owner[SPOOL_OWNER_MAX];
    uint64_t records, bytes, entries;  /* what the range held when claimed */
    uint32_t deaths;             /* takeovers from an owner that vanished without releasing */
    uint64_t progress_next;      /* isolation: the first record not yet done; 0 = none recorded */
    uint32_t progress_deaths;    /* owners that vanished while on progress_next */
    bool released;               /* the last owner gave it back (spool_claim_release) */
};

struct spool_claim_policy {
    uint64_t max_bytes;    /* claim when unclaimed OTLP bytes reach this; also the range's cap */
    uint64_t max_rows;     /* the same in records */
    uint64_t max_age_ns;   /* claim when the oldest unclaimed record is this old */
    bool drain;            /* claim whatever is left, thresholds or not (shutdown) */
};

/*
 * spool_claim_take - in one write transaction: take over an expired claim of any signal if
 * there is one, else claim the next range of the signal whose unclaimed records passed a
 * threshold (oldest first). O2P_OK with *out filled; O2P_EAGAIN when there is nothing to do.
 */
int spool_claim_take(struct spool *s, const char *owner, const struct spool_claim_policy *p,
                     uint64_t lease_ns, struct spool_claim *out, struct o2p_error *err);

/* spool_claim_renew - push the lease deadline out. O2P_ECONFLICT when the claim is no longer
 * ours (another writer took it over): stop working on it, it will be redone. */
int spool_claim_renew(struct spool *s, struct spool_claim *c, uint64_t lease_ns,
                      struct o2p_error *err);

/* spool_claim_release - give the claim back after a clean failure: it expires at once (any
 * writer redoes it without waiting out the lease) and the takeover does not count a death.
 * O2P_ECONFLICT when it is no longer ours. */
int spool_claim_release(struct spool *s, struct spool_claim *c, struct o2p_error *err);

/* spool_claim_progress - durably record that every record of the claim below `next` is done
 * (one synced write transaction: for claims in isolation only). Changing `next` resets
 * progress_deaths. O2P_ECONFLICT when the claim is no longer ours. */
int spool_claim_progress(struct spool *s, struct spool_claim *c, uint64_t next, struct o2p_error *err);

/* A data file made from a claim, as queued for the committer. `key` is unique (the file's
 * location); `entry` is its files-queue entry (spool_files_entry_encode), copied. */
struct spool_file {
    const char *key;
    const char *entry;
    size_t entry_len;
};

/* A record of the claim that could not be decoded: moved to quarantine with the reason. */
struct spool_poison {
    uint64_t seq;
    const char *reason;
};

/*
 * spool_claim_complete - in one write transaction: check the claim is still ours (same owner
 * and attempt; else O2P_ECONFLICT and nothing changes), move poisoned records (poison[], in
 * sequence order, any number) to quarantine,
 * delete the rest of the range and the claim, queue the files. After O2P_OK the records are
 * the files' responsibility.
 */
int spool_claim_complete(struct spool *s, const struct spool_claim *c, const struct spool_file *files,
                         size_t nfiles, const struct spool_poison *poison, size_t npoison,
                         struct o2p_error *err);

/* spool_claims_list - every current claim (up to max), for status. Returns the count. */
int spool_claims_list(struct spool *s, struct spool_claim *out, int max, struct o2p_error *err);

/* ---- the files queue: the committer's side (spool_files.c) -------------------------------- */

/* spool_files_visit - call fn(ctx, id, key, entry, len) for each queued file in queue order,
 * inside one read transaction (pointers valid during the call; entry is the JSON text of
 * spool_files_entry.h, not NUL-terminated). A value too short for its own framing is handed
 * over with key == NULL and entry/len = the whole value, so the caller can quarantine it
 * rather than skip it forever; values under a key that is not 8 bytes (no queue id: only a
 * tool writing into LMDB directly makes them) are skipped. fn returns non-zero to stop. */
typedef int (*spool_files_fn)(void *ctx, uint64_t id, const char *key, const char *entry, size_t len);
int spool_files_visit(struct spool *s, spool_files_fn fn, void *ctx, struct o2p_error *err);

/* spool_files_delete - remove committed entries by id, in one write transaction. */
int spool_files_delete(struct spool *s, const uint64_t *ids, size_t n, struct o2p_error *err);

/*
 * spool_files_quarantine - in one write transaction, move queue entry `id` to the database
 * files.quarantine (same key) with `reason` (cut at 1,000 bytes), its value kept byte for byte.
 * For entries the committer cannot decode: they leave the queue instead of being re-read on
 * every pass, and an operator finds them with the reason (`otlp2parquet spool quarantine`).
 * O2P_ENOTFOUND when the queue holds no entry `id` (deleted meanwhile); O2P_EFULL, O2P_EIO.
 */
int spool_files_quarantine(struct spool *s, uint64_t id, const char *reason, struct o2p_error *err);

/* spool_files_quarantine_visit - each quarantined files entry in queue-id order: its id, the
 * reason, and the original value's parts as spool_files_visit gives them (key NULL when the
 * framing was what was broken). Pointers valid during the call; fn returns non-zero to stop. */
typedef int (*spool_files_quarantine_fn)(void *ctx, uint64_t id, const char *reason, size_t reason_len,
                                         const char *key, const char *entry, size_t len);
int spool_files_quarantine_visit(struct spool *s, spool_files_quarantine_fn fn, void *ctx, struct o2p_error *err);

/* spool_quarantine_visit - each quarantined record: its signal, sequence, reason and the
 * original value (header + body). */
typedef int (*spool_quarantine_fn)(void *ctx, enum o2p_signal sig, uint64_t seq, const char *reason,
                                   size_t reason_len, const uint8_t *value, size_t value_len);
int spool_quarantine_visit(struct spool *s, spool_quarantine_fn fn, void *ctx, struct o2p_error *err);

/*
 * spool_quarantine_requeue - move quarantined records back into their signal's records (new
 * sequence numbers, fresh header and checksum over the body), in one write transaction.
 * sig < 0 means every signal; seq == 0 means every record of the selection. The body is the
 * part after the original 32-byte header (the header itself may have been what was corrupt).
 * *moved receives the count. For an operator who fixed what made them fail.
 */
int spool_quarantine_requeue(struct spool *s, int sig, uint64_t seq, uint64_t *moved, struct o2p_error *err);

#endif
