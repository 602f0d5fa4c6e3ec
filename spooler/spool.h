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
 *   files                                data files queued for the committer (spool_files.c)
 *   quarantine                           records that failed checks, with the reason
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

struct spool;

struct spool_options {
    const char *path;   /* directory; created if missing */
    uint64_t max_bytes; /* LMDB map size */
    bool read_only;     /* inspectors: open without creating anything */
};

/* spool_open - open (creating if needed) the spool at o->path. Also clears reader slots left
 * by dead processes (mdb_reader_check). */
int spool_open(struct spool **out, const struct spool_options *o, struct o2p_error *err);
void spool_close(struct spool *s);
const char *spool_path(const struct spool *s);

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
};

/* spool_stat - one consistent read of the counters. */
int spool_stat(struct spool *s, struct spool_stat *out, struct o2p_error *err);

/* spool_used_bytes - the bytes of records held (sum over signals); cheap, for backpressure. */
int spool_used_bytes(struct spool *s, uint64_t *out, struct o2p_error *err);

/* Result of spool_recover(). */
struct spool_recovery {
    uint64_t entries_checked;
    uint64_t quarantined;
    int stale_readers;
};

/*
 * spool_recover - start-up recovery, run by the receiver before it reports ready: clear stale
 * reader slots, verify every record's header and checksum (moving bad ones to quarantine with
 * the reason) and recompute the per-signal counters from what is really stored.
 */
int spool_recover(struct spool *s, struct spool_recovery *out, struct o2p_error *err);

/* spool_visit - call fn for each record of `sig` with seq >= from, in order, inside one read
 * transaction (pointers valid during the call only). fn returns 0 to go on, non-zero to stop.
 * Corrupt records are passed with rc = O2P_ECORRUPT and h/body undefined. */
typedef int (*spool_visit_fn)(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h,
                              const uint8_t *body, const char *problem);
int spool_visit(struct spool *s, enum o2p_signal sig, uint64_t from, spool_visit_fn fn, void *ctx,
                struct o2p_error *err);

#endif
