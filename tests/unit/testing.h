/*
 * testing.h - the unit-test harness (Redis testhelp.h style).
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ_INT(a, b); CHECK_EQ_STR(s, "x"); }
 *   int main(void) { RUN(name); return testing_done(); }
 *
 * Each test prints "ok <name>" or "FAIL <name>: <file>:<line>: <what>"; tests/run.sh counts
 * those lines. A failed CHECK ends the current test (return), not the program.
 */
#ifndef O2P_TESTING_H
#define O2P_TESTING_H

#include <stdio.h>
#include <string.h>

static int testing_failed_count, testing_passed_count, testing_current_failed;

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                  \
    do {                                                                           \
        testing_current_failed = 0;                                                \
        test_##name();                                                             \
        if (testing_current_failed)                                                \
            testing_failed_count++;                                                \
        else {                                                                     \
            testing_passed_count++;                                                \
            printf("ok %s\n", #name);                                              \
        }                                                                          \
        fflush(stdout);                                                            \
    } while (0)
#define FAILF(...)                                                                 \
    do {                                                                           \
        printf("FAIL %s: %s:%d: ", __func__ + 5, __FILE__, __LINE__);              \
        printf(__VA_ARGS__);                                                       \
        printf("\n");                                                              \
        testing_current_failed = 1;                                                \
        return;                                                                    \
    } while (0)
#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond))                                                               \
            FAILF("CHECK(%s)", #cond);                                             \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                         \
    do {                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                        \
        if (a_ != b_)                                                              \
            FAILF("%s == %lld, expected %s == %lld", #a, a_, #b, b_);              \
    } while (0)
#define CHECK_EQ_STR(a, b)                                                         \
    do {                                                                           \
        const char *a_ = (a), *b_ = (b);                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                     \
            FAILF("%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)

static inline int testing_done(void) { return testing_failed_count ? 1 : 0; }

#endif
