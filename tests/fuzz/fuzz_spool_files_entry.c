/*
 * fuzz_spool_files_entry.c - the files-queue entry decoder (spooler/spool_files_entry.c) on
 * arbitrary bytes: it must never crash or leak, and whatever it accepts must encode, decode
 * to the same entry, and encode again to the same bytes (so a committer never quarantines
 * what a writer wrote, and the two directions agree on every rule).
 */
#include "spooler/spool_files_entry.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct spool_files_entry *a, const struct spool_files_entry *b)
{
    if (strcmp(a->table, b->table) || strcmp(a->key, b->key) || strcmp(a->location, b->location) ||
        a->size != b->size || a->records != b->records || memcmp(&a->partition, &b->partition, sizeof a->partition) ||
        a->claim.signal != b->claim.signal || a->claim.first != b->claim.first || a->claim.last != b->claim.last ||
        a->ncolumns != b->ncolumns)
        return 0;
    for (size_t i = 0; i < a->ncolumns; i++) {
        const struct spool_files_entry_column *x = &a->columns[i], *y = &b->columns[i];
        if (x->id != y->id || x->size != y->size || x->values != y->values || x->nulls != y->nulls ||
            x->nans != y->nans || x->has_bounds != y->has_bounds)
            return 0;
        if (x->has_bounds && (x->lower_len != y->lower_len || x->upper_len != y->upper_len ||
                              memcmp(x->lower, y->lower, x->lower_len) || memcmp(x->upper, y->upper, x->upper_len)))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spool_files_entry e, d;
    struct o2p_error err;
    if (spool_files_entry_decode(data, size, &e, &err) != O2P_OK) {
        if (e.key || e.location || e.columns || !err.msg[0])
            __builtin_trap(); /* a failure leaves nothing allocated and says why */
        return 0;
    }
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    if (spool_files_entry_encode(&e, &a, &err) != O2P_OK)
        __builtin_trap();
    if (spool_files_entry_decode(a.data, a.len, &d, &err) != O2P_OK)
        __builtin_trap();
    if (!same(&e, &d))
        __builtin_trap();
    if (spool_files_entry_encode(&d, &b, &err) != O2P_OK || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        __builtin_trap();
    buf_free(&a);
    buf_free(&b);
    spool_files_entry_free(&e);
    spool_files_entry_free(&d);
    return 0;
}
