/*
 * fault_alloc.c - the allocation shim (see fault.h): __wrap_* for every allocation function
 * the libraries call (grep malloc/calloc/realloc/strdup/strndup) and the ones they might call
 * tomorrow (posix_memalign, aligned_alloc, reallocarray: --wrap of a symbol nobody references
 * is harmless, and a new caller is then covered without anyone remembering this file), and
 * realpath(p, NULL), whose result our code frees (an uncounted block freed would look like a
 * negative leak).
 *
 * jansson's loaders are the exception: jansson 2.14 (and its master today) walks past its
 * buffer when a string token's buffer fails to grow (load.c: lex_save ignores the failure and
 * lex_scan_string then looks for a closing quote that was never saved), so a failure inside
 * json_loads/json_loadb is a crash in jansson, not a test of our code. They are wrapped too:
 * each call counts as one allocation that, when failed, returns NULL with the error jansson
 * gives for its own allocation failures (json_error_out_of_memory); inside, nothing fails.
 *
 * Each counted call is numbered from 1; the planned one (or, persistent, every one from it on)
 * returns NULL with errno ENOMEM without calling the real allocator. Every block handed out is
 * counted live until __wrap_free, the leak check of fault.c.
 */
#include "tests/fault/fault.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *__real_calloc(size_t n, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t size);
char *__real_realpath(const char *path, char *resolved);

/* The definitions are what --wrap binds our references to; no header declares them. */
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
char *__wrap_realpath(const char *path, char *resolved);

bool fault_alloc_counting; /* set by fault_begin/fault_end (fault.c) */

/* FAULT_TRACE=1 in the environment prints the stack of every injected failure (sanitized
 * builds), to find the allocation behind a report */
void __sanitizer_print_stack_trace(void) __attribute__((weak));
static int trace = -1;

static long calls, fail_at, live;
static bool persistent, fired;

void fault_alloc_plan(long k, bool persist)
{
    calls = 0;
    fail_at = k;
    persistent = persist;
    fired = false;
}

long fault_alloc_calls(void) { return calls; }
bool fault_alloc_fired(void) { return fired; }
long fault_alloc_live(void) { return live; }

/* fail - count this call; true when it is the one to fail (errno set as malloc would) */
static bool fail(void)
{
    if (!fault_alloc_counting)
        return false;
    calls++;
    if (fail_at > 0 && (calls == fail_at || (persistent && calls > fail_at))) {
        fired = true;
        if (trace < 0)
            trace = getenv("FAULT_TRACE") != NULL;
        if (trace && __sanitizer_print_stack_trace) {
            fprintf(stderr, "# allocation %ld fails here:\n", calls);
            __sanitizer_print_stack_trace();
        }
        errno = ENOMEM;
        return true;
    }
    return false;
}

static void *held(void *p)
{
    if (p)
        live++;
    return p;
}

void *__wrap_malloc(size_t n) { return fail() ? NULL : held(__real_malloc(n)); }
void *__wrap_calloc(size_t n, size_t size) { return fail() ? NULL : held(__real_calloc(n, size)); }
char *__wrap_strdup(const char *s) { return fail() ? NULL : held(__real_strdup(s)); }
char *__wrap_strndup(const char *s, size_t n) { return fail() ? NULL : held(__real_strndup(s, n)); }
void *__wrap_aligned_alloc(size_t align, size_t n) { return fail() ? NULL : held(__real_aligned_alloc(align, n)); }

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    if (fail())
        return ENOMEM;
    int rc = __real_posix_memalign(p, align, n);
    if (rc == 0)
        held(*p);
    return rc;
}

/* A failed realloc leaves the block as it was (and live); realloc(p, 0) frees it. */
void *__wrap_realloc(void *p, size_t n)
{
    if (fail())
        return NULL;
    void *q = __real_realloc(p, n);
    if (!p && q)
        live++;
    else if (p && !q && n == 0)
        live--;
    return q;
}

void *__wrap_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return __wrap_realloc(p, n * size);
}

void __wrap_free(void *p)
{
    if (p)
        live--;
    __real_free(p);
}

char *__wrap_realpath(const char *path, char *resolved)
{
    if (!resolved && fail())
        return NULL;
    char *p = __real_realpath(path, resolved);
    return resolved ? p : held(p);
}

json_t *__real_json_loads(const char *input, size_t flags, json_error_t *error);
json_t *__real_json_loadb(const char *buffer, size_t len, size_t flags, json_error_t *error);
json_t *__wrap_json_loads(const char *input, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t len, size_t flags, json_error_t *error);

/* json_oom - what jansson reports when its own allocation fails */
static json_t *json_oom(json_error_t *error)
{
    if (error) {
        memset(error, 0, sizeof *error);
        snprintf(error->text, sizeof error->text, "out of memory");
        error->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_out_of_memory;
    }
    return NULL;
}

json_t *__wrap_json_loads(const char *input, size_t flags, json_error_t *error)
{
    if (fail())
        return json_oom(error);
    bool was = fault_alloc_counting;
    fault_alloc_counting = false;
    json_t *j = __real_json_loads(input, flags, error);
    fault_alloc_counting = was;
    return j;
}

json_t *__wrap_json_loadb(const char *buffer, size_t len, size_t flags, json_error_t *error)
{
    if (fail())
        return json_oom(error);
    bool was = fault_alloc_counting;
    fault_alloc_counting = false;
    json_t *j = __real_json_loadb(buffer, len, flags, error);
    fault_alloc_counting = was;
    return j;
}
