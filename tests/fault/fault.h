/*
 * fault.h - the fault tier's shim and driver (nghttp2 tests/failmalloc_test.c, SQLite test6.c).
 *
 * An operation under test is run once to count what it allocates and what I/O it does, then
 * once more per counted call k, with call k failing; every such run must end in an error code
 * (or, for a failure the code may legitimately absorb, in the same output as the success run),
 * must not leak and must not crash. The programs are built with AddressSanitizer and UBSan.
 *
 * Allocation (fault_alloc.c): the fault binaries are linked with
 * -Wl,--wrap=malloc,--wrap=calloc,... so every call our code (and the test) makes lands in
 * __wrap_malloc & co. Only references in the objects being linked are rewritten: shared
 * libraries (LMDB, zlib, zstd, protobuf-c with its default allocator) allocate as before, so
 * their failures are not injected. jansson is the exception: the programs point
 * json_set_alloc_funcs at the wrappers, because our iceberg code builds everything in jansson.
 * The wrappers also count live blocks, so a run that leaks is reported at once, with k.
 * jansson's loaders are failed as one call, not from the inside (why: fault_alloc.c).
 *
 * I/O (fault_io.c): the I/O functions are defined, not wrapped: --wrap would not reach LMDB's
 * pwrite/fdatasync (a shared library), and the spool's I/O is LMDB's. A definition in the
 * executable is what the dynamic linker binds for LMDB too; the real function (ASan's
 * interceptor, then libc) is found with dlsym(RTLD_NEXT). Writes to fds 0-2 are never
 * counted: a log line is not the operation's I/O.
 *
 * Counting and failing happen only between fault_begin() and fault_end(), which an operation
 * puts around its calls into the library, so the test's own set-up and checks are never the
 * call that fails. Single-threaded: the counters are plain globals.
 */
#ifndef O2P_FAULT_H
#define O2P_FAULT_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>

/* What a run injects at call k. */
enum fault_mode {
    FAULT_ALLOC,       /* allocation k returns NULL (errno ENOMEM); expected: O2P_ENOMEM */
    FAULT_IO_EIO,      /* I/O call k fails with EIO; expected: O2P_EIO */
    FAULT_IO_ENOSPC,   /* I/O call k fails with ENOSPC; expected: O2P_EFULL */
    FAULT_IO_SHORT,    /* write/pwrite k writes half its bytes; expected: the same output */
    FAULT_IO_EINTR,    /* write/pwrite k fails with EINTR before writing; the same output */
    FAULT_MODE_COUNT,
};
#define FAULT_MODE_BIT(m) (1u << (m))
#define FAULT_MODES_IO (FAULT_MODE_BIT(FAULT_IO_EIO) | FAULT_MODE_BIT(FAULT_IO_ENOSPC))
#define FAULT_MODES_WRITES (FAULT_MODE_BIT(FAULT_IO_SHORT) | FAULT_MODE_BIT(FAULT_IO_EINTR))

/* ---- the shim (fault_alloc.c, fault_io.c) -------------------------------------------------- */

/* fault_begin / fault_end (fault.c) - count (and fail) the calls made in between. Nest not. */
void fault_begin(void);
void fault_end(void);

/* fault_alloc_plan - from the next fault_begin on, fail allocation k (1-based; 0 = none);
 * `persistent` fails every allocation from k on (nghttp2's failmalloc style). Resets the count. */
void fault_alloc_plan(long k, bool persistent);
long fault_alloc_calls(void);   /* allocation calls counted since the plan was set */
bool fault_alloc_fired(void);   /* a failure was injected */
long fault_alloc_live(void);    /* blocks allocated by the wrappers and not yet freed */

/* fault_io_plan - fail I/O call k (1-based; 0 = none) the way `mode` says. Resets the count.
 * For FAULT_IO_SHORT / FAULT_IO_EINTR only write and pwrite are counted. */
void fault_io_plan(long k, enum fault_mode mode);
long fault_io_calls(void);
bool fault_io_fired(void);
/* fault_io_fired_call - the name of the call that was failed ("fsync"), or "". */
const char *fault_io_fired_call(void);

/* The real allocator (for the test's own bookkeeping that must stay outside the counts). */
void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);

/* ---- the driver (fault.c) ------------------------------------------------------------ */

/* One run of an operation: what it returned and what it produced. */
struct fault_run {
    int rc;                 /* the operation's result: O2P_OK or an O2P_E* code */
    struct o2p_error err;   /* its message, when the API gives one */
    unsigned char *out;     /* the result's identity (fault_output), compared between runs */
    size_t out_len, out_cap;
};

/* An operation: set up, fault_begin(), call the library, fault_end(), record the result with
 * fault_output, clean up; return the library's result code (also in r->rc). It must
 * free everything it allocated, on every path: the driver checks the live-block count. */
typedef int (*fault_op_fn)(void *ctx, struct fault_run *r);

struct fault_case {
    const char *name;     /* printed as "ok <name>" / "FAIL <name>: ..." */
    fault_op_fn op;
    void *ctx;
    unsigned modes;       /* FAULT_MODE_BIT(FAULT_ALLOC) | FAULT_MODES_IO | ... */
    bool persistent;      /* FAULT_ALLOC also with every allocation from k on failing */
    bool no_message;      /* the API has no error message to check */
    bool io_may_absorb;   /* an I/O failure may end in O2P_OK with the success run's output
                             (a best-effort write the contract allows to fail, e.g. a hint) */
    /* per mode, a code that is as right as the expected one (0: none), e.g. O2P_EIO for an
     * ENOSPC that LMDB reports as a short write */
    int also_code[FAULT_MODE_COUNT];
};

/* fault_output - append n bytes to the run's identity (kept outside the counted heap). */
void fault_output(struct fault_run *r, const void *p, size_t n);

/*
 * fault_run_case - run c: the success run, then each k of each mode in c->modes (all of them
 * up to 3,000 calls; beyond, the first 200, the last 200 and a fixed stride in between).
 * Prints "ok <name>" with the counts, or "FAIL <name>: <mode> k=<k>: <why>" for the first
 * failing run of each mode. Returns 0 when every run passed.
 */
int fault_run_case(const struct fault_case *c);

/* fault_main - arm the watchdog (FAULT_TIMEOUT_S, a hang fails the program with the
 * case and k it hung in), run every case, return the exit status. */
#define FAULT_TIMEOUT_S 100
int fault_main(const struct fault_case *cases, size_t n);

/* fault_read_file - the whole file under $O2P_ROOT (or .) into *out (real malloc; free
 * with __real_free); exits with a FAIL line when it cannot. */
size_t fault_read_file(const char *rel, unsigned char **out);

#endif
