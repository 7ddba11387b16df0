/*
 * runner.c -- the one test binary.
 *
 * `caseflow-tests` runs every test in test-list.h, each in its own forked process
 * with a timeout, and ends with "N passed, N failed". `caseflow-tests NAME...`
 * runs only those (in-process when exactly one, for gdb). A test fails when it
 * returns non-zero, aborts (a failed ASSERT), crashes, or exceeds the timeout.
 *
 * Under AddressSanitizer a forked test also fails when it leaked: the child ends with
 * _exit (it must not run the parent's atexit handlers or flush its stdio twice), and
 * _exit skips LeakSanitizer's check at exit, so the child asks for the check itself
 * (__lsan_do_recoverable_leak_check, which honours LSAN_OPTIONS' suppressions and
 * prints the leaks) before it exits. A test run alone, in-process, is checked at
 * exit as any program is.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "task.h"
#include "test-list.h"

#if defined(__SANITIZE_ADDRESS__)
#define CF_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_TEST_LSAN 1
#endif
#endif
#ifdef CF_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define X(name) int run_test_##name(void);
TEST_GROUPS(X)
#undef X

typedef struct test_entry_s {
    const char *name;
    int (*fn)(void);
} test_entry_t;

static const test_entry_t tests[] = {
#define X(name) {#name, run_test_##name},
    TEST_GROUPS(X)
#undef X
};

/* A test's limit: it catches a hang, not slowness. serve_walk_every (every walk of
 * every workflow over HTTP, 40-odd) took 59-95 s on PostgreSQL on a loaded 2-core
 * machine (a few s alone), so the limit is twice that; the sanitizers run the same
 * test two to three times slower, so their builds wait three times as long. */
#ifdef CF_TEST_LSAN
#define TEST_TIMEOUT_S 360
#else
#define TEST_TIMEOUT_S 120
#endif

static char tmpdir_buf[256];

/* Exported, documented in task.h */
const char *cf_test_tmpdir(void)
{
    if (!tmpdir_buf[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir_buf, sizeof(tmpdir_buf), "%s/cf-test-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir_buf)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir_buf;
}

/* Exported, documented in task.h */
char *cf_test_slurp(const char *relpath, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CF_SOURCE_DIR, relpath);
    FILE *f = fopen(path, "rb");
    if (!f)
        CF__FAIL("cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        CF__FAIL("out of memory reading %s", path);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Exported, documented in task.h */
int64_t cf_test_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exported, documented in task.h */
void cf_test_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Exported, documented in task.h */
const char *cf_test_pg(void)
{
    const char *url = getenv("CASEFLOW_TEST_PG");
    return url && *url ? url : NULL;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Exported, documented in task.h */
char *cf_test_db(const char *name, char *path, size_t size)
{
    const char *base = cf_test_pg();
    if (!base) {
        snprintf(path, size, "%s/%s", cf_test_tmpdir(), name);
        remove(path);
        return path;
    }
    char db[64], sql[160];
    int n = snprintf(db, sizeof(db), "t%ld_", (long)getpid());
    for (const char *p = name; *p && n < (int)sizeof(db) - 1; p++)
        db[n++] = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_';
    db[n] = '\0';
    PGconn *c = PQconnectdb(base);
    PQsetNoticeProcessor(c, quiet, NULL);
    if (PQstatus(c) != CONNECTION_OK)
        CF__FAIL("PostgreSQL for the tests (%s): %s", base, PQerrorMessage(c));
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
    PQclear(PQexec(c, sql));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        CF__FAIL("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    /* the base's options (host=, user=) with the new database's name */
    const char *q = strchr(base, '?');
    const char *slash = strstr(base, "://");
    const char *host_end = slash ? strchr(slash + 3, '/') : NULL;
    int hl = host_end ? (int)(host_end - base) : (int)strcspn(base, "?");
    snprintf(path, size, "%.*s/%s%s", hl, base, db, q ? q : "");
    return path;
}

static int run_one_forked(const test_entry_t *t)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        alarm(TEST_TIMEOUT_S);
        int rc = t->fn();
#ifdef CF_TEST_LSAN
        alarm(TEST_TIMEOUT_S); /* the check's time (a second or so) is not the test's */
        if (rc == 0 && __lsan_do_recoverable_leak_check() != 0) {
            fprintf(stderr, "  %s: leaked (LeakSanitizer's report above)\n", t->name);
            rc = 1;
        }
#endif
        _exit(rc == 0 ? 0 : rc == CF_TEST_SKIP ? CF_TEST_SKIP : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CF_TEST_SKIP)
        return CF_TEST_SKIP;
    if (WIFSIGNALED(status))
        fprintf(stderr, "  %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 1;
}

static const test_entry_t *find(const char *name)
{
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
        if (strcmp(tests[i].name, name) == 0)
            return &tests[i];
    return NULL;
}

/* Whether the command line asks for name: one of the names given, or a name
 * beginning with an argument that ends in '*' (`store_*`), and not one named after
 * a '-' (`-store_conflict`: left out). */
static int wanted(int argc, char **argv, const char *name)
{
    for (int a = 1; a < argc; a++)
        if (argv[a][0] == '-' && strcmp(argv[a] + 1, name) == 0)
            return 0;
    for (int a = 1; a < argc; a++) {
        size_t len = strlen(argv[a]);
        if (len && argv[a][len - 1] == '*' ? strncmp(argv[a], name, len - 1) == 0
                                           : strcmp(argv[a], name) == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = sizeof(tests) / sizeof(tests[0]);
    /* The document module (docmod/docmod.h) is built beside the caseflow binary,
     * not beside this one: the import and 文书 tests load it from there. */
    setenv("CASEFLOW_DOCS_MODULE", CF_BINARY_DIR "/api/caseflow-docs.so", 0);
    /* A change names who acts (--actor, $CASEFLOW_ACTOR or $USER, else refused): the
     * tests name one person rather than depend on the login they run under. */
    setenv("CASEFLOW_ACTOR", "测试员", 1);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc == 2 && !strchr(argv[1], '*')) {
        const test_entry_t *t = find(argv[1]);
        if (!t) {
            fprintf(stderr, "no test named %s\n", argv[1]);
            return 2;
        }
        int rc = t->fn();
        return rc == 0 ? 0 : rc == CF_TEST_SKIP ? CF_TEST_SKIP : 1;
    }
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc >= 2 && !wanted(argc, argv, tests[i].name))
            continue;
        int rc = run_one_forked(&tests[i]);
        printf("%s %zu - %s%s\n", rc == 0 || rc == CF_TEST_SKIP ? "ok" : "not ok", i + 1,
               tests[i].name, rc == CF_TEST_SKIP ? " # SKIP" : "");
        rc == 0 ? passed++ : rc == CF_TEST_SKIP ? skipped++ : failed++;
    }
    printf("%d passed, %d failed, %d skipped%s\n", passed, failed, skipped,
           cf_test_pg() ? " (on PostgreSQL)" : "");
    return failed ? 1 : 0;
}
