/*
 * bench-audit.c -- `caseflow-bench audit`: events verified per second, chain
 * and conformance (cf_audit_verify then cf_audit_replay), over closed cases.
 *
 * The cases are made as `mem` makes them (cf_engine_open, the eight steps by
 * cf_engine_act, sealed by cf_case_append: eleven events each, the clock met)
 * and written with the bulk row writer of bench-load.c into audit.db. Then:
 *   audit_pure   verify + replay of every case, events already read: only the
 *                time inside the two calls counts (the workflow parsed once);
 *   audit_store  the same with the reading, on one thread: cf_store_case_row
 *                and cf_store_case_events per case, 64 cases to a read
 *                transaction, as each of `caseflow audit replay`'s threads does;
 *   audit_cli    `caseflow --db audit.db audit replay --json` as a user runs
 *                it (output to /dev/null), over the same cases: it also starts a
 *                process, lists the cases, reads each case's pinned workflow
 *                (parsed again only when the hash changes), and renders and
 *                writes the JSON report, on one thread per processor; its peak
 *                resident memory is printed beside it.
 * Every case must come out conformant with an intact chain; one that does not
 * is a bench failure, not a figure.
 */
#include "audit.h"
#include "bench.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_OPEN "2026-03-02T09:00:00+08:00"

/* A closed case: opened at t0 + id minutes, one step an hour. */
static void make_case(const cf_bench_env_t *env, int64_t id, cf_case_t *c, json_t *all)
{
    cf_time_t t0 = cf_bench_time(T_OPEN) + 60 * (id % 100000);
    json_t *events = cf_bench_open_events(env, id, t0);
    if (cf_case_init(c) != 0)
        cf_bench_die("audit", "out of memory");
    c->id = id;
    c->algo = CF_CHAIN_SHA256;
    for (int step = 0; step <= CF_BENCH_STEPS; step++) {
        if (step > 0)
            events = cf_bench_act_events(env, c, step, t0 + 3600 * step);
        cf_bench_seal(c, events);
        json_array_extend(all, events);
        json_decref(events);
    }
    if (!c->closed_at)
        cf_bench_die("audit", "case %lld did not close", (long long)id);
}

static void make_db(const cf_bench_env_t *env, const char *path, long cases)
{
    cf_bench_rows_t *w = cf_bench_rows_open(env, path);
    for (long id = 1; id <= cases; id++) {
        cf_case_t c;
        json_t *events = json_array();
        make_case(env, id, &c, events);
        cf_bench_rows_case(w, &c, events, NULL);
        cf_case_dispose(&c);
        json_decref(events);
    }
    cf_bench_rows_close(w);
}

/* Verifies and replays one case; OUT *inside: seconds inside the two calls. */
static size_t audit_case(const cf_bench_env_t *env, cf_store_t *s, int64_t id, double *inside)
{
    cf_case_t c;
    cf_error_t err;
    cf_audit_t a;
    json_t *events;
    if (cf_store_case_row(s, id, &c, &err) != 0 || cf_store_case_events(s, id, &events, &err) != 0)
        cf_bench_die("audit", "case %lld: %s", (long long)id, err.text);
    double t = cf_bench_now();
    if (cf_audit_init(&a, id) != 0 || cf_audit_verify(events, c.algo, c.head, &a) != 0 ||
        cf_audit_replay(env->wf, env->cal, NULL, events, c.closed_at + 1, &a) != 0)
        cf_bench_die("audit", "case %lld: out of memory", (long long)id);
    *inside += cf_bench_now() - t;
    if (a.items_count)
        cf_bench_die("audit", "case %lld: %zu deviations, the first: %s %s", (long long)id,
                     a.items_count, a.items[0].kind, a.items[0].text);
    size_t n = json_array_size(events);
    cf_audit_dispose(&a);
    json_decref(events);
    cf_case_dispose(&c);
    return n;
}

/* Runs `caseflow --db path audit replay --json > /dev/null`; returns seconds.
 * OUT *peak_mb: its peak resident memory. */
static double run_cli(const cf_bench_env_t *env, const char *path, double *peak_mb)
{
    double start = cf_bench_now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(env->caseflow, env->caseflow, "--db", path, "audit", "replay", "--json",
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    *peak_mb = (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        cf_bench_die("audit replay", "%s exited %d (7: deviations found)", env->caseflow,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return cf_bench_now() - start;
}

/* Exported, documented in bench.h */
int cf_bench_audit(cf_bench_env_t *env, int argc, char **argv)
{
    long cases = cf_bench_opt(argc, argv, "--cases", env->quick ? 10000 : 100000);
    char path[1024];
    cf_store_t *s;
    cf_error_t err;
    double inside = 0;
    size_t events = 0;
    cf_bench_path(env, "audit.db", path, sizeof(path));
    make_db(env, path, cases);
    if (cf_store_open_existing(path, &s, &err) != 0)
        cf_bench_die(path, "%s", err.text);
    double start = cf_bench_now();
    for (long id = 1; id <= cases; id++) {
        if (id % 64 == 1) { /* a read transaction per 64 cases, as the command's batches */
            if (id > 1)
                cf_store_read_end(s);
            if (cf_store_read_begin(s, &err) != 0)
                cf_bench_die(path, "%s", err.text);
        }
        events += audit_case(env, s, id, &inside);
    }
    cf_store_read_end(s);
    double total = cf_bench_now() - start;
    cf_store_close(s);
    cf_bench_result("audit_pure", (double)events / inside, "cases=%ld events=%zu seconds=%.3f",
                    cases, events, inside);
    cf_bench_result("audit_store", (double)events / total, "cases=%ld events=%zu seconds=%.3f",
                    cases, events, total);
    double peak_mb = 0, cli = run_cli(env, path, &peak_mb);
    cf_bench_result("audit_cli", (double)events / cli,
                    "cases=%ld events=%zu seconds=%.3f peak_mb=%.1f", cases, events, cli, peak_mb);
    return 0;
}
