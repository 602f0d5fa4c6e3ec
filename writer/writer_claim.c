/*
 * writer_claim.c - one claim from spooled records to queued data files.
 *
 *   CLAIMED -> (read records in order, in chunks of one short read transaction each; decode
 *   each into the arena, rows into one file per table and partition; renew the lease between
 *   chunks, outside any transaction) -> files SEALED and PUBLISHED ->
 *   spool_claim_complete: records deleted, files queued, poisoned records quarantined.
 *
 * A record that cannot be decoded (corrupt or not OTLP) is poisoned: it goes to quarantine
 * with the reason when the claim completes, and never blocks the records behind it; a claim
 * may poison any number of them. A record that decodes but fails while its rows are written
 * (e.g. nesting deeper than allowed) may have left part of a row in the files, so the files
 * are dropped and the claim is redone without it. Any other failure (disk, object store)
 * leaves the claim in the spool (main.c releases it) and it is redone, by this writer or
 * another, under the same file names.
 *
 * A record that kills the writer process (a decoder bug: nothing returns an error, the
 * process dies) would otherwise be retried forever by every writer, wedging the signal. A
 * claim whose previous owner vanished (spool_claim.deaths > 0) is therefore read in
 * isolation: one record per read transaction, and before each record past the point where
 * owners died, its sequence number is written durably (spool_claim_progress). When
 * WRITER_DEATHS_TO_QUARANTINE owners died on the same record, the next one quarantines it
 * undecoded with that reason. Not covered: a death in publishing (after every record was
 * read), which no single record explains.
 */
#include "writer/writer.h"

#include "common/clock.h"
#include "common/daemon.h"

#include "common/failpoint.h"
#include "common/log.h"
#include "otel/otlp_decode.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Owners that must die on one record before it is quarantined: one death can be a kill -9
 * or the OOM killer landing there by chance, three on the same record are the record. */
#define WRITER_DEATHS_TO_QUARANTINE 3

struct pass {
    struct writer *w;
    int rc;
    struct o2p_error *err;
    bool redo;       /* a record was poisoned after some of its rows were written */
    uint64_t bytes_seen;  /* spool bytes read since the last spool_release_pages */
    uint64_t killer;      /* isolation: the first record at or past this killed owners; 0 = none */
};

/* seal_open_files - publish every open file into w->sealed (entries kept for the claim's
 * completion) and close them. */
static int seal_open_files(struct writer *w, struct o2p_error *err)
{
    int rc = O2P_OK;
    int i = 0;
    for (; i < w->nfiles && rc == O2P_OK; i++) {
        if (w->nsealed == w->sealed_cap) {
            size_t cap = w->sealed_cap ? w->sealed_cap * 2 : WRITER_MAX_FILES;
            struct writer_sealed *p = realloc(w->sealed, cap * sizeof *p);
            if (!p) {
                rc = o2p_fail(err, O2P_ENOMEM, "claim %s %llu-%llu: keep %zu published files: out of memory",
                              signal_kind_name(w->claim.signal), (unsigned long long)w->claim.first,
                              (unsigned long long)w->claim.last, w->nsealed + 1);
                break;
            }
            w->sealed = p;
            w->sealed_cap = cap;
        }
        struct writer_sealed *sf = &w->sealed[w->nsealed];
        buf_init(&sf->entry, 0);
        sf->location = strdup(w->files[i].location);
        rc = sf->location ? writer_file_publish(w, &w->files[i], &sf->entry, err)
                          : o2p_fail(err, O2P_ENOMEM, "keep the name of %s: out of memory", w->files[i].location);
        w->nsealed++; /* freed with the rest, published or not */
    }
    for (int j = 0; j < w->nfiles; j++)
        writer_file_discard(&w->files[j]);
    w->nfiles = 0;
    return rc;
}

static void free_sealed(struct writer *w)
{
    for (size_t i = 0; i < w->nsealed; i++) {
        free(w->sealed[i].location);
        buf_free(&w->sealed[i].entry);
    }
    w->nsealed = 0;
    w->round = 0;
}

int writer_sink(void *ctx, enum otel_table t, int64_t partition_us, struct pq_writer **pw, struct o2p_error *err)
{
    struct writer *w = ctx;
    int64_t part = otlp_rows_partition(partition_us, w->hourly);
    for (int i = 0; i < w->nfiles; i++)
        if (w->files[i].table == t && w->files[i].part_us == part) {
            *pw = w->files[i].pw;
            return O2P_OK;
        }
    int rc = O2P_OK;
    if (w->nfiles == WRITER_MAX_FILES) {
        /* More partitions than files open at once: publish these, go on with new ones. No row
         * is in progress here (rows are begun one at a time), so no writer is in use. */
        rc = seal_open_files(w, err);
        if (rc != O2P_OK)
            return rc;
        w->round++;
    }
    rc = writer_file_open(w, t, part, &w->files[w->nfiles], err);
    if (rc != O2P_OK)
        return rc;
    *pw = w->files[w->nfiles++].pw;
    return O2P_OK;
}

/* skipped - seq is poisoned already (binary search: w->poison is in sequence order, since
 * records are read in order and a redo poisons only records past the ones it had). */
static bool skipped(const struct writer *w, uint64_t seq)
{
    size_t lo = 0, hi = w->npoison;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->poison[mid].seq == seq)
            return true;
        if (w->poison[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int poison(struct writer *w, uint64_t seq, const char *reason, struct o2p_error *err)
{
    if (w->npoison == w->poison_cap) {
        size_t cap = w->poison_cap ? w->poison_cap * 2 : 16;
        struct spool_poison *p = realloc(w->poison, cap * sizeof *p);
        if (!p)
            return o2p_fail(err, O2P_ENOMEM, "quarantine record %llu of claim %s %llu-%llu: out of memory",
                            (unsigned long long)seq, signal_kind_name(w->claim.signal),
                            (unsigned long long)w->claim.first, (unsigned long long)w->claim.last);
        w->poison = p;
        w->poison_cap = cap;
    }
    char *copy = strdup(reason);
    if (!copy)
        return o2p_fail(err, O2P_ENOMEM, "quarantine record %llu: out of memory", (unsigned long long)seq);
    w->poison[w->npoison++] = (struct spool_poison){seq, copy};
    log_warn("writer", "op=quarantine signal=%s seq=%llu reason=\"%s\"", signal_kind_name(w->claim.signal),
             (unsigned long long)seq, reason);
    return O2P_OK;
}

static int add_rows(struct writer *w, const uint8_t *body, size_t len, struct o2p_error *err, bool *undecodable)
{
    /* Crash test: a record carrying the marker kills the process as a decoder crash would. */
    if (failpoint_armed("writer.decode_marker") && memmem(body, len, "o2p-failpoint-kill", 18))
        failpoint("writer.decode_marker");
    ProtobufCMessage *m;
    /* otlp_decode checks the AnyValue nesting before anything recursive runs: a record too
     * deep to decode (spooled by an older receiver) is poisoned here instead of crashing us. */
    int rc = otlp_decode(w->claim.signal, body, len, &w->decode, &m, err);
    /* Out of memory is no fault of the record: the claim fails and is redone, the record is
     * not quarantined. */
    *undecodable = rc != O2P_OK && rc != O2P_ENOMEM;
    if (rc == O2P_ENOMEM) {
        o2p_error_prefix(err, "%s record", signal_kind_name(w->claim.signal));
    } else if (rc == O2P_OK) {
        switch (w->claim.signal) {
        case O2P_SIGNAL_LOGS:
            rc = otlp_rows_add_logs(&w->rows, (Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *)m, err);
            break;
        case O2P_SIGNAL_TRACES:
            rc = otlp_rows_add_traces(&w->rows, (Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *)m, err);
            break;
        default:
            rc = otlp_rows_add_metrics(&w->rows, (Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *)m, err);
            break;
        }
    } else {
        o2p_error_prefix(err, "not a valid OTLP %s request", signal_kind_name(w->claim.signal));
        rc = O2P_EINVAL;
    }
    arena_reset(&w->decode);
    return rc;
}

static int on_record(void *ctx, uint64_t seq, int rc, const struct spool_record_header *h, const uint8_t *body,
                     const char *problem)
{
    struct pass *p = ctx;
    struct writer *w = p->w;
    if (skipped(w, seq)) {
        if (p->killer && seq >= p->killer)
            p->killer = 0; /* the suspect, quarantined by an earlier pass of this claim */
        return 0;
    }
    if (rc != O2P_OK) {
        p->rc = poison(w, seq, problem ? problem : "corrupt record", p->err);
        return p->rc != O2P_OK;
    }
    if (p->killer && seq >= p->killer) {
        char why[160];
        snprintf(why, sizeof why, "%d writer processes died while decoding this record (claim attempt %u): "
                 "quarantined undecoded so the records behind it flow", WRITER_DEATHS_TO_QUARANTINE, w->claim.attempt);
        p->killer = 0;
        p->rc = poison(w, seq, why, p->err);
        return p->rc != O2P_OK;
    }
    struct o2p_error e = {0};
    bool undecodable;
    rc = add_rows(w, body, h->length, &e, &undecodable);
    if (rc != O2P_OK) {
        if (undecodable || rc == O2P_EINVAL || rc == O2P_ETOOBIG) {
            /* The record itself is the problem. Undecodable: no row was written, go on. Else
             * the files may hold part of its rows: redo the claim without it. */
            p->rc = poison(w, seq, e.msg, p->err);
            if (p->rc != O2P_OK)
                return 1;
            if (!undecodable) {
                p->redo = true;
                return 1;
            }
            return 0;
        }
        p->rc = rc;
        *p->err = e;
        return 1;
    }
    p->bytes_seen += h->length;
    return *w->stopping > 1; /* a second signal: give up this claim now */
}

/* read_claim - one pass over the claim's records, chunk by chunk (spool_read_chunk ends its
 * read transaction after each chunk, so the pages other writers free can be reused). Between
 * chunks, outside any transaction: tell the watchdog, drop the map pages read, and renew the
 * lease when half of it has passed, so a long claim is not taken over. */
static int read_claim(struct writer *w, struct pass *p, struct o2p_error *err)
{
    struct spool_range r;
    spool_range_init(&r, w->claim.signal, w->claim.first, w->claim.last);
    uint64_t lease = w->cfg->writer.claim_lease_ms * 1000000u;
    /* Isolation (see the top): records before where owners died are known not to kill. */
    bool isolate = w->claim.deaths > 0;
    uint64_t died_at = w->claim.progress_next;
    if (isolate)
        r.chunk_records = 1;
    if (isolate && w->claim.progress_deaths >= WRITER_DEATHS_TO_QUARANTINE)
        p->killer = died_at;
    while (!r.done) {
        uint64_t next = r.resumed ? r.resume + 1 : r.first;
        if (isolate && next >= died_at) {
            int rc = spool_claim_progress(w->spool, &w->claim, next, err);
            if (rc != O2P_OK)
                return rc;
        }
        int rc = spool_read_chunk(w->spool, &r, on_record, p, err);
        if (rc != O2P_OK)
            return rc;
        if (r.done)
            break;
        daemon_watchdog(); /* a long claim is progress, not a hang */
        if (p->bytes_seen >= (4u << 20)) {
            /* A large claim reads up to writer.max_file_bytes of spool: keep only what we use. */
            spool_release_pages(w->spool);
            p->bytes_seen = 0;
        }
        if (clock_wall_ns() + lease / 2 > w->claim.lease_deadline_ns) /* leases are wall clock: spool.h */ {
            rc = spool_claim_renew(w->spool, &w->claim, lease, err);
            if (rc != O2P_OK)
                return rc;
        }
    }
    /* Every record is read: a death from here on is not a record's. */
    return isolate ? spool_claim_progress(w->spool, &w->claim, w->claim.last + 1, err) : O2P_OK;
}

static void discard_files(struct writer *w)
{
    for (int i = 0; i < w->nfiles; i++)
        writer_file_discard(&w->files[i]);
    w->nfiles = 0;
}

static void clear_poison(struct writer *w)
{
    for (size_t i = 0; i < w->npoison; i++)
        free((char *)w->poison[i].reason);
    w->npoison = 0;
}

int writer_run_claim(struct writer *w, struct o2p_error *err)
{
    const struct spool_claim *c = &w->claim;
    uint64_t t0 = clock_mono_ns();
    int rc = O2P_OK;
    for (;;) {
        struct pass p = {.w = w, .rc = O2P_OK, .err = err};
        memset(&w->rows.stats, 0, sizeof w->rows.stats);
        rc = read_claim(w, &p, err);
        if (rc == O2P_OK)
            rc = p.rc;
        if (rc == O2P_OK && *w->stopping > 1)
            rc = o2p_fail(err, O2P_EAGAIN, "interrupted");
        if (rc != O2P_OK || !p.redo)
            break;
        /* Redo without the poisoned record: what was published is made again under the same
         * names (rounds follow the records), so it is overwritten, never queued twice. */
        discard_files(w);
        free_sealed(w);
    }
    if (rc == O2P_OK)
        rc = seal_open_files(w, err);
    struct spool_file *files = rc == O2P_OK ? calloc(w->nsealed ? w->nsealed : 1, sizeof *files) : NULL;
    if (rc == O2P_OK && !files)
        rc = o2p_fail(err, O2P_ENOMEM, "queue %zu files: out of memory", w->nsealed);
    for (size_t i = 0; i < w->nsealed && files; i++)
        files[i] = (struct spool_file){.key = w->sealed[i].location, .entry = (const char *)w->sealed[i].entry.data,
                                       .entry_len = w->sealed[i].entry.len};
    /* Crash test: files published, claim not completed; the redo must not duplicate. */
    if (rc == O2P_OK)
        failpoint("writer.before_complete");
    if (rc == O2P_OK)
        rc = spool_claim_complete(w->spool, c, files, w->nsealed, w->poison, w->npoison, err);
    free(files);
    double ms = (double)(clock_mono_ns() - t0) / 1e6;
    if (rc == O2P_OK) {
        w->claims_done++;
        w->records_done += c->records;
        w->files_done += w->nsealed;
        w->quarantined += w->npoison;
        log_info("writer", "op=claim_done signal=%s range=%llu-%llu attempt=%u records=%llu files=%zu quarantined=%zu ms=%.1f",
                 signal_kind_name(c->signal), (unsigned long long)c->first, (unsigned long long)c->last, c->attempt,
                 (unsigned long long)c->records, w->nsealed, w->npoison, ms);
    } else if (rc == O2P_ECONFLICT) {
        w->conflicts++;
        log_warn("writer", "op=claim_lost signal=%s range=%llu-%llu err=\"%s\"", signal_kind_name(c->signal),
                 (unsigned long long)c->first, (unsigned long long)c->last, err->msg);
    }
    discard_files(w);
    free_sealed(w);
    clear_poison(w);
    spool_release_pages(w->spool); /* the claim's records are read: keep RSS to our own memory */
    return rc;
}
