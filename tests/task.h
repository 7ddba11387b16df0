/*
 * task.h -- assertions and helpers for caseflow tests.
 *
 * Each test is `TEST_IMPL(name)` returning 0; a failed ASSERT prints the file,
 * line and expression and aborts the test's process (the runner forks one per
 * test), so a failing check can never be missed.
 */
#ifndef CF_TASK_H
#define CF_TASK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_IMPL(name)                                                                            \
    int run_test_##name(void);                                                                     \
    int run_test_##name(void)

/* What a test returns when it does not apply to the database under test (the
 * runner counts it as skipped, never as passed). */
#define CF_TEST_SKIP 77

/* The database the suite runs on: NULL for SQLite files (the default), else the
 * PostgreSQL base URI in $CASEFLOW_TEST_PG (tests/pg/pg.sh run sets it). */
const char *cf_test_pg(void);

/* A fresh, empty database for this test, named after name: a SQLite file in the
 * test's directory (removed first), or on PostgreSQL a new database of its own
 * (dropped first if it exists), its URI. OUT path (size bytes). Returns path. */
char *cf_test_db(const char *name, char *path, size_t size);

/* A test that pokes SQLite's files or PRAGMAs directly opens with this: on
 * PostgreSQL it prints why it is skipped and returns CF_TEST_SKIP. */
#define CF_TEST_SQLITE_ONLY(why)                                                                   \
    do {                                                                                           \
        if (cf_test_pg()) {                                                                        \
            printf("# skip %s: SQLite only: %s\n", __func__ + 9, why);                             \
            return CF_TEST_SKIP;                                                                   \
        }                                                                                          \
    } while (0)

#define CF__FAIL(...)                                                                              \
    do {                                                                                           \
        fprintf(stderr, "Assertion failed in %s on line %d: ", __FILE__, __LINE__);                \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        fflush(stderr);                                                                            \
        abort();                                                                                   \
    } while (0)

#define ASSERT(expr)                                                                               \
    do {                                                                                           \
        if (!(expr))                                                                               \
            CF__FAIL("%s", #expr);                                                                 \
    } while (0)

#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                              \
        if (a_ != b_)                                                                              \
            CF__FAIL("%s == %s (%lld != %lld)", #a, #b, (long long)a_, (long long)b_);             \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            CF__FAIL("%s == %s (\"%s\" != \"%s\")", #a, #b, a_ ? a_ : "(null)",                    \
                     b_ ? b_ : "(null)");                                                          \
    } while (0)

#define ASSERT_CONTAINS(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            CF__FAIL("%s contains \"%s\" (got \"%s\")", #hay, n_, h_ ? h_ : "(null)");             \
    } while (0)

/* Source tree root (CMake passes it) for fixtures and workflows. */
#ifndef CF_SOURCE_DIR
#define CF_SOURCE_DIR "."
#endif

/* Reads a whole file under the source tree into a NUL-terminated malloc'd
 * buffer; aborts the test if it cannot. OUT len may be NULL. */
char *cf_test_slurp(const char *relpath, size_t *len);

/* A fresh temporary directory for this test (removed by the runner's child at
 * exit is not attempted: they live under $TMPDIR/cf-test-*). */
const char *cf_test_tmpdir(void);

/* Waiting for what another thread or process does (a daemon's writer or poll, a
 * follower, a log line): CF_TEST_WAIT_UNTIL(cond) evaluates cond every 10 ms until it
 * holds or CF_TEST_WAIT_MS have passed on the monotonic clock; the test asserts cond
 * after it. Never a fixed sleep or a count of tries: a fast run waits no longer than
 * it must, and a sanitizer build on a loaded 2-core machine still gets there well
 * inside the runner's 60 s timeout. */
#define CF_TEST_WAIT_MS 30000
#define CF_TEST_WAIT_UNTIL(cond)                                                                   \
    do {                                                                                           \
        int64_t cf_wait_end_ = cf_test_ms() + CF_TEST_WAIT_MS;                                     \
        while (!(cond) && cf_test_ms() < cf_wait_end_)                                             \
            cf_test_nap(10);                                                                       \
    } while (0)

/* Milliseconds on the monotonic clock (for waits and lower bounds, never asserted
 * against an upper bound). */
int64_t cf_test_ms(void);

/* Sleeps ms milliseconds (resumed after a signal). */
void cf_test_nap(int ms);

#endif
