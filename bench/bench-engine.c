/*
 * bench-engine.c -- `caseflow-bench engine`: transitions per second in one
 * process, the engine deciding (cf_engine_act) and the store writing, on the
 * bench workflow (eight steps in a line).
 *
 * Four figures, each on its own fresh database (or none):
 *   mem            engine only: cf_engine_open, then per step cf_engine_act and
 *                  cf_case_append (seal and fold) in memory; whole cases timed,
 *                  so it compares with the peer (bench/peer/run.mjs), which also
 *                  starts each process instance inside its time.
 *   durable_txn    cf_store_case_append, the command line's path: one IMMEDIATE
 *                  transaction, hence one fsync, per transition.
 *   durable_batch  the daemon's path: cf_store_tx_begin, cf_store_case_append_tx
 *                  per transition, cf_store_tx_commit every --batch transitions.
 *   durable_life   as durable_batch, but whole cases (cf_store_case_open_tx and
 *                  eight appends) inside the time: the durable figure the peer
 *                  table sets beside `mem` and the peer.
 * In durable_txn and durable_batch the cases are opened first, untimed, and the
 * steps then go round the cases (step 1 of every case, then step 2 ...), so
 * consecutive writes touch different cases as a busy office's would. The
 * durable figures also say where their time went: deciding (engine_s), writing
 * (store_s; for durable_txn this includes each transition's own commit) and, for
 * the batch, committing (commit_s, the fsync).
 *
 * Just before durable_txn the disk's commit latency is probed (fsync_engine):
 * that figure waits on one fsync per transition, and the disk is shared.
 *
 * bench-raw.c reads durable_batch's database to write the same rows with plain
 * statements: the limit these figures are set against.
 *
 * With --pg (bench-main.c) only durable_batch runs, on a PostgreSQL database, as
 * pg_durable_batch; bench-raw-pg.c reads that database.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_OPEN "2026-03-02T09:00:00+08:00"

typedef struct phase_s {
    double engine, store, commit; /* seconds */
    long transitions, commits;
} phase_t;

static void must(int rc, const char *what, const cf_error_t *err)
{
    if (rc != 0)
        cf_bench_die(what, "%s (%s)", err->text, cf_strerror(rc));
}

/* ---- in memory ------------------------------------------------------------------------------- */

static void mem_case(const cf_bench_env_t *env, int64_t id, cf_time_t t0)
{
    cf_case_t c;
    cf_error_t err;
    size_t i;
    json_t *ev, *events = cf_bench_open_events(env, id, t0);
    if (cf_case_init(&c) != 0)
        cf_bench_die("mem", "out of memory");
    c.id = id;
    c.algo = CF_CHAIN_SHA256;
    for (int step = 0; step <= CF_BENCH_STEPS; step++) {
        if (step > 0)
            events = cf_bench_act_events(env, &c, step, t0 + 60 * step);
        json_array_foreach(events, i, ev)
            must(cf_case_append(&c, ev, &err), "mem append", &err);
        json_decref(events);
    }
    if (!c.closed_at)
        cf_bench_die("mem", "case %lld did not close", (long long)id);
    cf_case_dispose(&c);
}

static void bench_mem(const cf_bench_env_t *env, long cases)
{
    cf_time_t t0 = cf_bench_time(T_OPEN);
    for (long i = 0; i < cases / 10; i++) /* warm-up */
        mem_case(env, i + 1, t0);
    double start = cf_bench_now();
    for (long i = 0; i < cases; i++)
        mem_case(env, i + 1, t0);
    double s = cf_bench_now() - start;
    cf_bench_result("mem", (double)(cases * CF_BENCH_STEPS) / s,
                    "cases=%ld transitions=%ld seconds=%.3f", cases, cases * CF_BENCH_STEPS, s);
}

/* ---- durable --------------------------------------------------------------------------------- */

static void tx_commit(cf_store_t *s, phase_t *p)
{
    cf_error_t err;
    double t = cf_bench_now();
    must(cf_store_tx_commit(s, &err), "commit", &err);
    p->commit += cf_bench_now() - t;
    p->commits++;
}

static void tx_begin(cf_store_t *s)
{
    cf_error_t err;
    must(cf_store_tx_begin(s, &err), "begin", &err);
}

/* Opens n cases in transactions of batch cases (untimed). */
static cf_case_t *open_cases(const cf_bench_env_t *env, cf_store_t *s, long n, long batch)
{
    cf_case_t *cases = calloc((size_t)n, sizeof(*cases));
    cf_time_t t0 = cf_bench_time(T_OPEN);
    cf_error_t err;
    if (!cases)
        cf_bench_die("open", "out of memory");
    tx_begin(s);
    for (long i = 0; i < n; i++) {
        json_t *events = cf_bench_open_events(env, i + 1, t0);
        if (cf_case_init(&cases[i]) != 0)
            cf_bench_die("open", "out of memory");
        must(cf_store_case_open_tx(s, &cases[i], events, NULL, &err), "open", &err);
        json_decref(events);
        if ((i + 1) % batch == 0 || i + 1 == n) {
            must(cf_store_tx_commit(s, &err), "commit", &err);
            if (i + 1 < n)
                tx_begin(s);
        }
    }
    return cases;
}

/* One transition of case c: decide, then write (own transaction when batch == 0). */
static void step_case(const cf_bench_env_t *env, cf_store_t *s, cf_case_t *c, int step, long batch,
                      phase_t *p)
{
    cf_error_t err;
    double t = cf_bench_now();
    json_t *events = cf_bench_act_events(env, c, step, c->updated_at + 60);
    double t2 = cf_bench_now();
    p->engine += t2 - t;
    if (batch == 0)
        must(cf_store_case_append(s, c, events, &err), "append", &err);
    else
        must(cf_store_case_append_tx(s, c, events, &err), "append_tx", &err);
    p->store += cf_bench_now() - t2;
    p->transitions++;
    json_decref(events);
}

/* Steps every case through the eight steps, round by round; timed. */
static double rounds(const cf_bench_env_t *env, cf_store_t *s, cf_case_t *cases, long n, long batch,
                     phase_t *p)
{
    double start = cf_bench_now();
    if (batch)
        tx_begin(s);
    for (int step = 1; step <= CF_BENCH_STEPS; step++)
        for (long i = 0; i < n; i++) {
            step_case(env, s, &cases[i], step, batch, p);
            if (batch && p->transitions % batch == 0) {
                tx_commit(s, p);
                tx_begin(s);
            }
        }
    if (batch)
        tx_commit(s, p);
    if (!batch)
        p->commits = p->transitions;
    return cf_bench_now() - start;
}

static void bench_durable(const cf_bench_env_t *env, const char *key, const char *name, long n,
                          long batch)
{
    char path[1024];
    cf_store_t *s;
    phase_t p = {0};
    cf_bench_db(env, name, path, sizeof(path));
    cf_bench_new_db(env, path, &s);
    cf_case_t *cases = open_cases(env, s, n, 1000);
    double secs = rounds(env, s, cases, n, batch, &p);
    for (long i = 0; i < n; i++) {
        if (!cases[i].closed_at)
            cf_bench_die(name, "case %lld did not close", (long long)cases[i].id);
        cf_case_dispose(&cases[i]);
    }
    free(cases);
    cf_store_close(s);
    cf_bench_result(key, (double)p.transitions / secs,
                    "cases=%ld transitions=%ld commits=%ld seconds=%.3f engine_s=%.3f "
                    "store_s=%.3f commit_s=%.3f batch=%ld",
                    n, p.transitions, p.commits, secs, p.engine, p.store, p.commit, batch);
}

/* Whole cases, opened and stepped inside the time, committed every batch writes. */
static void bench_life(const cf_bench_env_t *env, long n, long batch)
{
    char path[1024];
    cf_store_t *s;
    cf_error_t err;
    phase_t p = {0};
    long writes = 0;
    cf_time_t t0 = cf_bench_time(T_OPEN);
    cf_bench_path(env, "engine-life.db", path, sizeof(path));
    cf_bench_new_db(env, path, &s);
    double start = cf_bench_now();
    tx_begin(s);
    for (long i = 0; i < n; i++) {
        cf_case_t c;
        json_t *events = cf_bench_open_events(env, i + 1, t0);
        if (cf_case_init(&c) != 0)
            cf_bench_die("life", "out of memory");
        must(cf_store_case_open_tx(s, &c, events, NULL, &err), "open", &err);
        json_decref(events);
        for (int step = 0; step <= CF_BENCH_STEPS; step++, writes++) {
            if (step > 0)
                step_case(env, s, &c, step, batch, &p);
            if ((writes + 1) % batch == 0) {
                tx_commit(s, &p);
                tx_begin(s);
            }
        }
        cf_case_dispose(&c);
    }
    tx_commit(s, &p);
    double secs = cf_bench_now() - start;
    cf_store_close(s);
    cf_bench_result("durable_life", (double)(n * CF_BENCH_STEPS) / secs,
                    "cases=%ld transitions=%ld seconds=%.3f batch=%ld", n, n * CF_BENCH_STEPS, secs,
                    batch);
}

/* Exported, documented in bench.h */
int cf_bench_engine(cf_bench_env_t *env, int argc, char **argv)
{
    long cases = cf_bench_opt(argc, argv, "--cases", env->quick ? 2000 : 10000);
    long txn_cases = cf_bench_opt(argc, argv, "--txn-cases", env->quick ? 300 : 1000);
    long batch = cf_bench_opt(argc, argv, "--batch", 1000);
    if (env->pg) { /* the daemon's path on PostgreSQL, the rows raw then writes again */
        bench_durable(env, "pg_durable_batch", "pg-engine-batch", cases, batch);
        return 0;
    }
    bench_mem(env, cases);
    cf_bench_fsync(env, "fsync_engine", 200);
    bench_durable(env, "durable_txn", "engine-txn.db", txn_cases, 0);
    bench_durable(env, "durable_batch", "engine-batch.db", cases, batch);
    bench_life(env, cases, batch);
    return 0;
}
