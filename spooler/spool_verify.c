/*
 * spool_verify.c - is data.mdb whole and well formed? Checked with pread(2), never through
 * LMDB's memory map, so that a damaged file gives an error instead of killing the process.
 *
 * Why not let LMDB find out: LMDB reads its pages through a shared mapping of the whole map
 * size. A page that lies past the end of the file (data.mdb truncated: a bad restore, a
 * copy cut short, a full disk during `cp`) is SIGBUS at the first touch, in the receiver,
 * `status` and `spool check` alike; a garbage B-tree page sends it after garbage offsets
 * (SIGSEGV, or SIGBUS again). Neither leaves a message, and systemd restarts into the same
 * death. So before LMDB touches data pages we read them ourselves:
 *
 *   spool_file_check (every spool_open, cheap): the file must hold every page the newest meta
 *       page says is in use, (mm_last_pg + 1) * page size. It may legitimately be shorter:
 *       LMDB does not write "loose" pages (allocated and freed again by the last transaction),
 *       so pages at the end can be free and unwritten (mdb_env_copy clamps its copy to the
 *       file size for the same reason). Only then the whole snapshot is walked, and the file
 *       is refused only if a page the snapshot refers to is missing. It also walks the main
 *       database and `meta`, the pages every open reads.
 *   spool_verify (spool_recover and `spool check`): every B-tree of the snapshot, page by
 *       page: each page's number, kind and node layout, children and overflow runs inside
 *       the file and below mm_last_pg, no page reached twice.
 *
 * Consistency: the walk holds an LMDB read transaction (which touches only the meta pages),
 * so the snapshot it reads is pinned: writers in other processes never reuse its pages while
 * it runs. It reads the meta page whose txnid is the transaction's.
 *
 * The format read here is LMDB 0.9's data format version 1 on this machine's word size and
 * byte order (lmdb.h pins MDB_DATA_VERSION; mdb.c defines the structures): page header 16
 * bytes (pgno u64, pad u16, flags u16, lower u16, upper u16 / overflow pages u32), node
 * header 8 bytes (lo u16, hi u16, flags u16, ksize u16) then key and data, meta after the
 * first page header (magic, version, address, mapsize, two MDB_db of 48 bytes, last page,
 * txnid). Nothing here writes.
 */
#include "spooler/spool_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From LMDB's mdb.c (data format version 1). */
#define PAGEHDRSZ 16u
#define NODESIZE 8u
#define P_BRANCH 0x01u
#define P_LEAF 0x02u
#define P_OVERFLOW 0x04u
#define P_LEAF2 0x20u
#define F_BIGDATA 0x01u
#define F_SUBDATA 0x02u
#define MDB_MAGIC 0xBEEFC0DEu
#define META_DBS 24u       /* offset of mm_dbs[0] in MDB_meta */
#define META_LAST_PG 120u
#define META_TXNID 128u
#define META_BYTES 136u
#define DB_BYTES 48u       /* sizeof(MDB_db) */
#define DB_ROOT 40u        /* offset of md_root in MDB_db */
#define P_INVALID (~(uint64_t)0)
#define MAX_DEPTH 32       /* LMDB's CURSOR_STACK: no tree of LMDB is deeper */
#define SEEN_MAX_BYTES ((size_t)64 << 20)

struct file_walk {
    int fd;
    const char *file;     /* "DIR/data.mdb", for messages */
    unsigned psize;
    uint64_t file_bytes, file_pages; /* the file's size and its whole pages */
    uint64_t last_pg;     /* the snapshot's mm_last_pg */
    uint8_t *pages;       /* MAX_DEPTH page buffers: one per tree level */
    uint8_t *seen;        /* full walks: one bit per file page; NULL: not kept (see walk_snapshot) */
    uint64_t visited;     /* pages reached so far */
    char db[64];          /* the tree being walked, for messages */
    const char *only;     /* walk only this named database (NULL: every one) */
    struct o2p_error *err;
};

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int damaged(struct file_walk *w, const char *fmt, uint64_t pgno, unsigned long long detail)
{
    char what[200];
    snprintf(what, sizeof what, fmt, detail);
    return o2p_fail(w->err, O2P_ECORRUPT, "spool %s is damaged: page %llu (%s): %s %s", w->file,
                    (unsigned long long)pgno, w->db, what, SPOOL_REPAIR_HINT);
}

static int truncated(struct file_walk *w, uint64_t pgno)
{
    return o2p_fail(w->err, O2P_ECORRUPT,
                    "spool %s is truncated: the file has %llu bytes, its meta page says its pages take %llu "
                    "bytes, and page %llu (%s) is past the end; reading it would kill this process (SIGBUS) %s",
                    w->file, (unsigned long long)w->file_bytes, (unsigned long long)((w->last_pg + 1) * w->psize),
                    (unsigned long long)pgno, w->db, SPOOL_REPAIR_HINT);
}

/* claim_pages - pages [pgno, pgno + n) are part of the snapshot: inside the file, not past
 * the last page in use, and reached for the first time. */
static int claim_pages(struct file_walk *w, uint64_t pgno, uint64_t n)
{
    if (pgno < 2 || n == 0 || pgno > w->last_pg || n > w->last_pg - pgno + 1)
        return damaged(w, "refers to pages beyond the last page in use (%llu)", pgno, (unsigned long long)w->last_pg);
    if (pgno + n > w->file_pages)
        return truncated(w, pgno > w->file_pages ? pgno : w->file_pages); /* the first missing page */
    w->visited += n;
    if (w->visited > w->file_pages)
        return damaged(w, "the trees reach more pages than the file has (%llu): they loop", pgno,
                       (unsigned long long)w->file_pages);
    for (uint64_t p = pgno; w->seen && p < pgno + n; p++) {
        if (w->seen[p >> 3] & (1u << (p & 7)))
            return damaged(w, "is reached twice (%llu pages walked)", p, (unsigned long long)w->visited);
        w->seen[p >> 3] |= (uint8_t)(1u << (p & 7));
    }
    return O2P_OK;
}

static int read_at(struct file_walk *w, uint8_t *buf, size_t n, uint64_t pgno)
{
    ssize_t got = pread(w->fd, buf, n, (off_t)(pgno * w->psize));
    if (got < 0)
        return o2p_fail_errno(w->err, "read page %llu of %s", (unsigned long long)pgno, w->file);
    if ((size_t)got != n)
        return truncated(w, pgno);
    return O2P_OK;
}

/* overflow - a value stored in its own run of pages: check the run's header and extent. */
static int overflow(struct file_walk *w, uint64_t pgno, uint64_t dsize)
{
    uint8_t hdr[PAGEHDRSZ];
    uint64_t need = (PAGEHDRSZ - 1 + dsize) / w->psize + 1;
    int rc = claim_pages(w, pgno, 1);
    if (rc == O2P_OK)
        rc = read_at(w, hdr, sizeof hdr, pgno);
    if (rc != O2P_OK)
        return rc;
    if (get64(hdr) != pgno)
        return damaged(w, "overflow page says it is page %llu", pgno, (unsigned long long)get64(hdr));
    if (!(get16(hdr + 10) & P_OVERFLOW))
        return damaged(w, "a value's overflow page has flags 0x%04llx", pgno, (unsigned long long)get16(hdr + 10));
    uint32_t run = get32(hdr + 12);
    if (run < need)
        return damaged(w, "overflow run too short for its value (%llu pages)", pgno, (unsigned long long)run);
    return run > 1 ? claim_pages(w, pgno + 1, run - 1) : O2P_OK;
}

static int walk_tree(struct file_walk *w, uint64_t root, int depth, bool main_db);

/* subdb - a named database's record in the main database: walk its tree under its name (its
 * levels below the main database's, whose page buffers are still in use). */
static int subdb(struct file_walk *w, const uint8_t *key, unsigned ksize, const uint8_t *rec, int depth)
{
    if (w->only && (ksize != strlen(w->only) || memcmp(key, w->only, ksize) != 0))
        return O2P_OK;
    char outer[sizeof w->db];
    memcpy(outer, w->db, sizeof outer);
    snprintf(w->db, sizeof w->db, "%.*s", (int)(ksize < sizeof w->db - 1 ? ksize : sizeof w->db - 1), key);
    for (char *c = w->db; *c; c++)
        if (*c < 0x20 || *c > 0x7e)
            *c = '?';
    int rc = walk_tree(w, get64(rec + DB_ROOT), depth, false);
    memcpy(w->db, outer, sizeof outer);
    return rc;
}

/* walk_tree - one B-tree page and everything below it. */
static int walk_tree(struct file_walk *w, uint64_t pgno, int depth, bool main_db)
{
    if (pgno == P_INVALID)
        return O2P_OK; /* an empty database */
    uint64_t here = pgno;
    if (depth >= MAX_DEPTH)
        return damaged(w, "the tree is deeper than %llu levels", here, (unsigned long long)MAX_DEPTH);
    uint8_t *p = w->pages + (size_t)depth * w->psize;
    int rc = claim_pages(w, pgno, 1);
    if (rc == O2P_OK)
        rc = read_at(w, p, w->psize, pgno);
    if (rc != O2P_OK)
        return rc;
    unsigned flags = get16(p + 10), lower = get16(p + 12), upper = get16(p + 14);
    if (get64(p) != pgno)
        return damaged(w, "its header says it is page %llu", here, (unsigned long long)get64(p));
    bool branch = (flags & (P_BRANCH | P_LEAF | P_OVERFLOW)) == P_BRANCH;
    bool leaf = (flags & (P_BRANCH | P_LEAF | P_OVERFLOW)) == P_LEAF;
    if (!branch && !leaf)
        return damaged(w, "not a B-tree page (flags 0x%04llx)", here, (unsigned long long)flags);
    if (lower < PAGEHDRSZ || lower > upper || upper > w->psize || (lower - PAGEHDRSZ) % 2)
        return damaged(w, "its free-space bounds are impossible (lower %llu)", here, (unsigned long long)lower);
    unsigned nkeys = (lower - PAGEHDRSZ) / 2;
    if (branch && nkeys == 0)
        return damaged(w, "a branch page without children", here, 0);
    if (flags & P_LEAF2)
        return O2P_OK; /* fixed-size keys without node headers (MDB_DUPFIXED): nothing points out */
    for (unsigned i = 0; i < nkeys; i++) {
        unsigned off = get16(p + PAGEHDRSZ + 2 * i);
        if (off < upper || off + NODESIZE > w->psize)
            return damaged(w, "node %llu lies outside the page's node area", here, (unsigned long long)i);
        const uint8_t *node = p + off;
        unsigned nflags = get16(node + 4), ksize = get16(node + 6);
        uint64_t dsize = get16(node) | (uint64_t)get16(node + 2) << 16;
        const uint8_t *key = node + NODESIZE, *data = key + ksize;
        if (off + NODESIZE + ksize > w->psize)
            return damaged(w, "node %llu's key runs off the page", here, (unsigned long long)i);
        if (branch) {
            uint64_t child = dsize | (uint64_t)nflags << 32;
            rc = walk_tree(w, child, depth + 1, main_db);
            /* the recursion reused deeper buffers only: p is still this page */
        } else if (nflags & F_BIGDATA) {
            if (off + NODESIZE + ksize + 8 > w->psize)
                return damaged(w, "node %llu's overflow pointer runs off the page", here, (unsigned long long)i);
            rc = overflow(w, get64(data), dsize);
        } else if (off + NODESIZE + ksize + dsize > w->psize) {
            return damaged(w, "node %llu's value runs off the page", here, (unsigned long long)i);
        } else if ((nflags & F_SUBDATA) && main_db) {
            if (dsize != DB_BYTES)
                return damaged(w, "a database record of %llu bytes", here, (unsigned long long)dsize);
            rc = subdb(w, key, ksize, data, depth + 1);
        }
        if (rc != O2P_OK)
            return rc;
    }
    return O2P_OK;
}

/* read_meta - the meta page of txnid `txnid`, or O2P_EAGAIN when neither has it (two commits
 * happened since the transaction began: the caller begins a new one). */
static int read_meta(struct file_walk *w, uint64_t txnid, uint8_t meta[META_BYTES])
{
    for (uint64_t pg = 0; pg < 2; pg++) {
        uint8_t buf[PAGEHDRSZ + META_BYTES];
        ssize_t got = pread(w->fd, buf, sizeof buf, (off_t)(pg * w->psize));
        if (got != (ssize_t)sizeof buf)
            return got < 0 ? o2p_fail_errno(w->err, "read the meta pages of %s", w->file)
                           : o2p_fail(w->err, O2P_ECORRUPT, "spool %s is truncated: %lld bytes, shorter than its "
                                      "two meta pages %s", w->file, (long long)w->file_bytes, SPOOL_REPAIR_HINT);
        if (get32(buf + PAGEHDRSZ) == MDB_MAGIC && get64(buf + PAGEHDRSZ + META_TXNID) == txnid) {
            memcpy(meta, buf + PAGEHDRSZ, META_BYTES);
            return O2P_OK;
        }
    }
    return O2P_EAGAIN;
}

/* walk_snapshot - pin a snapshot with a read transaction and walk its trees: every one
 * (all), or the main database and `meta` only. */
static int walk_snapshot(struct spool *s, struct file_walk *w, bool all)
{
    int rc = O2P_EAGAIN;
    for (int attempt = 0; attempt < 20 && rc == O2P_EAGAIN; attempt++) {
        MDB_txn *txn;
        int mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
        if (mrc != 0)
            return spool_lmdb_fail(w->err, mrc, "begin the structure check");
        uint8_t meta[META_BYTES] = {0};
        rc = read_meta(w, mdb_txn_id(txn), meta);
        if (rc == O2P_OK) {
            w->last_pg = get64(meta + META_LAST_PG);
            w->visited = 0;
            /* One bit per page finds a page reached twice (a loop, or two trees sharing a
             * page). Only for full walks, and only up to SEEN_MAX_BYTES (2 TiB of 4 KiB
             * pages): beyond, or when it cannot be allocated, the walk still ends, since it
             * stops after file_pages pages. */
            free(w->seen);
            w->seen = NULL;
            size_t seen_bytes = (size_t)(w->file_pages / 8 + 1);
            if (all && seen_bytes <= SEEN_MAX_BYTES)
                w->seen = calloc(1, seen_bytes);
            snprintf(w->db, sizeof w->db, "free-page list");
            if (all)
                rc = walk_tree(w, get64(meta + META_DBS + DB_ROOT), 0, false);
            snprintf(w->db, sizeof w->db, "main database");
            w->only = all ? NULL : "meta";
            if (rc == O2P_OK)
                rc = walk_tree(w, get64(meta + META_DBS + DB_BYTES + DB_ROOT), 0, true);
        }
        mdb_txn_abort(txn);
    }
    if (rc == O2P_EAGAIN)
        rc = o2p_fail(w->err, O2P_EIO, "check %s: it changed too fast to find a consistent snapshot", w->file);
    return rc;
}

/* walk_init - the file, its size and the buffers of a walk. */
static int walk_init(struct spool *s, struct file_walk *w, char *file, size_t filesz, struct o2p_error *err)
{
    memset(w, 0, sizeof *w);
    w->err = err;
    w->file = file;
    snprintf(file, filesz, "%s/data.mdb", s->path);
    MDB_stat st;
    int mrc = mdb_env_get_fd(s->env, &w->fd);
    if (mrc == 0)
        mrc = mdb_env_stat(s->env, &st);
    if (mrc != 0)
        return spool_lmdb_fail(err, mrc, "read the page size of data.mdb");
    struct stat sb;
    if (fstat(w->fd, &sb) != 0)
        return o2p_fail_errno(err, "stat %s", file);
    w->psize = st.ms_psize;
    w->file_bytes = (uint64_t)sb.st_size;
    w->file_pages = w->file_bytes / w->psize; /* a partial last page is missing data too */
    w->pages = malloc((size_t)MAX_DEPTH * w->psize);
    if (!w->pages)
        return o2p_fail(err, O2P_ENOMEM, "check %s: out of memory", file);
    return O2P_OK;
}

static void walk_free(struct file_walk *w)
{
    free(w->pages);
    free(w->seen);
}

int spool_file_check(struct spool *s, struct o2p_error *err)
{
    struct file_walk w;
    char file[4200];
    int rc = walk_init(s, &w, file, sizeof file, err);
    MDB_envinfo info;
    if (rc == O2P_OK && mdb_env_info(s->env, &info) != 0)
        rc = o2p_fail(err, O2P_EIO, "check %s: mdb_env_info failed", file);
    if (rc == O2P_OK) {
        /* Short: maybe only free pages are missing (see the top); only a full walk can tell. */
        bool whole = w.file_bytes >= ((uint64_t)info.me_last_pgno + 1) * w.psize;
        rc = walk_snapshot(s, &w, !whole);
    }
    walk_free(&w);
    return rc;
}

int spool_verify(struct spool *s, struct spool_verify *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    struct file_walk w;
    char file[4200];
    int rc = walk_init(s, &w, file, sizeof file, err);
    if (rc == O2P_OK)
        rc = walk_snapshot(s, &w, true);
    out->pages = w.visited;
    out->page_bytes = w.psize;
    out->file_bytes = w.file_bytes;
    out->used_bytes = (w.last_pg + 1) * w.psize;
    walk_free(&w);
    return rc;
}
