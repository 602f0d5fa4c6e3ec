/*
 * receiver_core.c - the receiver's shared state: spool handle, TLS context, bearer token,
 * decode arena and the backpressure decision.
 *
 * Backpressure has two levels. Soft: the spool holds more than spool.high_watermark of
 * spool.max_bytes (writers are behind) -> O2P_EFULL, answered 429 / UNAVAILABLE with
 * Retry-After. Hard: the last commit failed with a full map or disk -> O2P_EFULL until a
 * periodic refresh lets one commit probe again. Separately, the bytes accepted but not yet
 * answered are capped (O2P_EAGAIN -> 503) so a burst cannot grow memory without bound.
 */
#include "receiver/receiver_internal.h"
#include "receiver/receiver_accept.h"

#include "common/fsutil.h"
#include "common/lockfile.h"
#include "common/log.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int load_token(struct receiver *r, const char *path, struct o2p_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return o2p_fail_errno(err, "receiver.auth_token_file %s", path);
    char line[4096];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
        line[--n] = 0;
    if (n == 0)
        return o2p_fail(err, O2P_EINVAL, "receiver.auth_token_file %s is empty", path);
    r->auth_token = strdup(line);
    r->auth_token_len = n;
    return r->auth_token ? O2P_OK : o2p_fail(err, O2P_ENOMEM, "out of memory");
}

static int tls_fail(struct o2p_error *err, const char *what, const char *path)
{
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    return o2p_fail(err, O2P_EINVAL, "TLS: %s %s: %s", what, path, buf);
}

static int setup_tls(struct receiver *r, struct o2p_error *err)
{
    const struct o2p_config *c = r->cfg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return o2p_fail(err, O2P_ENOMEM, "TLS: SSL_CTX_new failed");
    r->tls = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(ctx, c->receiver.tls_cert) != 1)
        return tls_fail(err, "load certificate", c->receiver.tls_cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, c->receiver.tls_key, SSL_FILETYPE_PEM) != 1)
        return tls_fail(err, "load private key", c->receiver.tls_key);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return tls_fail(err, "key does not match certificate", c->receiver.tls_key);
    if (*c->receiver.tls_client_ca) {
        if (SSL_CTX_load_verify_locations(ctx, c->receiver.tls_client_ca, NULL) != 1)
            return tls_fail(err, "load client CA", c->receiver.tls_client_ca);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    /* ALPN: the gRPC transport installs the callback (h2 on its connections, http/1.1 on
     * the HTTP port's). */
    return O2P_OK;
}

/*
 * take_spool_lock - one receiver per spool. Two would both append (their sequence numbers
 * are safe: LMDB serializes writers), but each runs start-up recovery, which rewrites the
 * counters and quarantines records while the other appends, and each believes it alone
 * decides backpressure. The lock lives in the spool directory, not the data directory,
 * because the spool is what is shared: two data directories may name one spool.path.
 */
static int take_spool_lock(struct receiver *r, struct o2p_error *err)
{
    const char *dir = r->cfg->spool.path;
    int rc = fs_mkdir_p(dir, err);
    if (rc != O2P_OK)
        return rc;
    char path[4200];
    int n = snprintf(path, sizeof path, "%s/receiver.lock", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return o2p_fail(err, O2P_EINVAL, "spool.path %s: too long", dir);
    long holder = 0;
    rc = lockfile_take(path, "receiver lock", &r->lock_fd, &holder, err);
    if (rc == O2P_EAGAIN)
        o2p_error_prefix(err, "another receiver%s%.0ld%s serves spool %s and there is one receiver per spool "
                              "(stop it, or give this one its own --data-dir or spool.path)",
                         holder ? " (pid " : "", holder, holder ? ")" : "", dir);
    return rc;
}

int receiver_create(struct receiver **out, const struct o2p_config *cfg, struct event_base *base,
                    struct o2p_error *err)
{
    struct receiver *r = calloc(1, sizeof *r);
    if (!r)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    r->lock_fd = -1;
    r->cfg = cfg;
    r->base = base;
    /* Decoded protobuf is 4-6x the wire size; allow 8x the decompressed limit. */
    arena_init(&r->decode_arena, 256 * 1024, cfg->receiver.max_decompressed_bytes * 8);
    r->high_watermark_bytes = (uint64_t)((double)cfg->spool.max_bytes * cfg->spool.high_watermark);
    r->inflight_max = 4 * cfg->spool.group_commit_bytes + cfg->receiver.max_decompressed_bytes;
    atomic_store(&r->disk_free, UINT64_MAX); /* until the first refresh */
    r->max_connections = receiver_fd_budget(cfg->receiver.max_connections,
                                            (*cfg->receiver.http ? 1 : 0) + (*cfg->receiver.grpc ? 1 : 0));
    int rc = O2P_OK;
    if (*cfg->receiver.auth_token_file)
        rc = load_token(r, cfg->receiver.auth_token_file, err);
    if (rc == O2P_OK && *cfg->receiver.tls_cert)
        rc = setup_tls(r, err);
    if (rc == O2P_OK)
        rc = take_spool_lock(r, err);
    if (rc == O2P_OK) {
        struct spool_options so = {.path = cfg->spool.path, .max_bytes = cfg->spool.max_bytes};
        rc = spool_open(&r->spool, &so, err);
    }
    if (rc == O2P_OK)
        rc = receiver_commit_start(&r->commit, r, err);
    long threads = cfg->receiver.decode_threads;
    if (threads < 0)
        threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (rc == O2P_OK && threads >= 2)
        rc = receiver_decode_start(&r->decode, r, (int)threads, err);
    if (rc != O2P_OK) {
        receiver_free(r);
        return rc;
    }
    *out = r;
    return O2P_OK;
}

void receiver_free(struct receiver *r)
{
    if (!r)
        return;
    receiver_decode_stop(r->decode); /* first: a decoded request goes on to the commit */
    receiver_commit_stop(r->commit);
    spool_close(r->spool);
    lockfile_release(r->lock_fd);
    if (r->tls)
        SSL_CTX_free(r->tls);
    if (r->auth_token)
        OPENSSL_cleanse(r->auth_token, r->auth_token_len);
    free(r->auth_token);
    arena_free(&r->decode_arena);
    free(r);
}

uint64_t receiver_disk_free(const struct receiver *r)
{
    struct statvfs vfs;
    if (statvfs(r->cfg->spool.path, &vfs) != 0)
        return UINT64_MAX; /* unknown: do not refuse on a guess */
    return (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
}

bool receiver_refresh_spool_usage(struct receiver *r)
{
    if (receiver_spool_failed(r)) {
        event_base_loopexit(r->base, NULL);
        return false;
    }
    uint64_t used;
    if (spool_used_bytes(r->spool, &used, NULL) == O2P_OK)
        atomic_store(&r->spool_used, used);
    /* Room for appends: the disk's free bytes plus the pages freed inside the spool file. The
     * free list is walked once a second (every 5th tick), not on every tick. */
    static unsigned ticks;
    static uint64_t inside;
    if (ticks % 5 == 0 && spool_reusable_bytes(r->spool, &inside, NULL) != O2P_OK)
        inside = 0;
    uint64_t disk = receiver_disk_free(r);
    atomic_store(&r->disk_free, disk == UINT64_MAX ? disk : disk + inside);
    atomic_store(&r->spool_full, false);
    /* LMDB reads its tree (and free lists) through the memory map; under churn with writers
     * those pages pile up in our resident set although they are only page cache. */
    if (++ticks % 5 == 0)
        spool_release_pages(r->spool);
    return true;
}

bool receiver_spool_failed(struct receiver *r)
{
    if (atomic_load(&r->spool_failed) == 0)
        return false;
    if (!r->spool_failed_logged)
        log_error("receiver", "op=exit err=\"%s\" effect=\"intake stopped, exit 1; requests in flight are answered "
                  "503\"", r->spool_failed_msg);
    r->spool_failed_logged = true;
    return true;
}

int receiver_backpressure(struct receiver *r, size_t incoming, struct o2p_error *err)
{
    if (atomic_load(&r->spool_full))
        return o2p_fail(err, O2P_EFULL, "the spool is full (disk or spool.max_bytes); retry later");
    /* The writers need room on the same disk for the files that drain the spool: a spool that
     * took the last byte would leave nothing to drain it with, and stay full for good. */
    uint64_t free_bytes = atomic_load(&r->disk_free);
    if (free_bytes < r->cfg->spool.min_free_bytes + incoming)
        return o2p_fail(err, O2P_EFULL,
                        "the spool's disk has %llu bytes free (with the spool's own free pages), under "
                        "spool.min_free_bytes (%llu) kept for the writers; retry later",
                        (unsigned long long)free_bytes, (unsigned long long)r->cfg->spool.min_free_bytes);
    uint64_t used = atomic_load(&r->spool_used);
    if (used + r->inflight_bytes + incoming > r->high_watermark_bytes)
        return o2p_fail(err, O2P_ESLOW,
                        "the spool is above its high watermark (%llu of %llu bytes): writers are behind; retry later",
                        (unsigned long long)used, (unsigned long long)r->cfg->spool.max_bytes);
    if (r->inflight_bytes > 0 && r->inflight_bytes + incoming > r->inflight_max)
        return o2p_fail(err, O2P_EAGAIN, "the receiver is busy (%llu bytes waiting for the disk); retry later",
                        (unsigned long long)r->inflight_bytes);
    return O2P_OK;
}

bool receiver_auth_ok(const struct receiver *r, const char *authorization)
{
    if (!r->auth_token)
        return true;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return false;
    const char *tok = authorization + 7;
    size_t n = strlen(tok);
    if (n != r->auth_token_len)
        return false;
    return CRYPTO_memcmp(tok, r->auth_token, n) == 0;
}

const struct o2p_config *receiver_config(const struct receiver *r) { return r->cfg; }

int64_t receiver_max_connections(const struct receiver *r) { return r->max_connections; }
struct event_base *receiver_event_base(struct receiver *r) { return r->base; }
SSL_CTX *receiver_tls_ctx(struct receiver *r) { return r->tls; }

