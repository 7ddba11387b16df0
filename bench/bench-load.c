/*
 * bench-load.c -- `caseflow-bench load`: a database of a million open cases
 * with running clocks, for the deadline-scale figures (bench-alerts.c); and the
 * bulk row writer that bench-audit.c shares.
 *
 * Each case is real: cf_engine_open decides its opening on the bench workflow
 * (so its clock.started event carries the deadline the engine computed: 72
 * hours after the opening, which the layout in bench.h chooses), cf_case_append
 * seals its events onto a SHA-256 chain, and cf_case_snapshot_text gives its
 * snapshot, in the bytes the store writes (an audit compares them with the
 * fold's by their bytes first: cf_audit_cache_fold). Only the writing is done by hand: the same
 * rows store-cases.c and store-tx.c write (events, cases, clocks, case_agency, and the pending
 * alert cf_store_alerts_sync would index for the running clock: the bench
 * clock has no warning points, so one "deadline" alert per case), by prepared
 * statements in transactions of 20,000 cases with synchronous=OFF. The schema
 * is made by cf_store_open, so the daemon finds exactly the database it would
 * have written itself, only sooner: the store's own path (bench-engine.c,
 * durable_life) would take minutes for a million cases on this machine.
 *
 * Cost of the shortcut: if the store's rows change (a new column, a new index),
 * this writer must follow; the daemon's start on this database then fails
 * loudly (a missing row or a snapshot that does not parse), not silently.
 */
#include "bench.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_START "2026-03-02T09:00:00+08:00"
#define PERIOD  (72 * 3600)

/* Exported, documented in bench.h */
void cf_bench_layout(long cases, cf_bench_layout_t *out)
{
    memset(out, 0, sizeof(*out));
    out->mode = CF_BENCH_SCALE;
    out->cases = cases;
    out->alerts = 10000;
    out->stride = cases / out->alerts;
    if (out->stride < 3)
        cf_bench_die("load", "at least %ld cases are needed", 3 * out->alerts);
    out->t0 = cf_bench_time(T_START);
    out->spread = out->t0 + 3600;
    out->burst = out->spread + 600;
}

/* Exported, documented in bench.h */
void cf_bench_layout_mode(long cases, int mode, cf_bench_layout_t *out)
{
    if (mode == CF_BENCH_SCALE)
        return cf_bench_layout(cases, out);
    memset(out, 0, sizeof(*out));
    out->cases = out->alerts = cases;
    out->mode = mode;
    out->t0 = cf_bench_time(T_START);
    out->spread = out->t0 + 3600;
    out->burst = out->spread + 600;
    out->restart = out->t0 + 3600 + 86400 + 3600;
}

/* Exported, documented in bench.h */
const char *cf_bench_layout_db(int mode)
{
    return mode == CF_BENCH_STORM      ? "storm.db"
           : mode == CF_BENCH_DOWNTIME ? "downtime.db"
                                       : "load.db";
}

/* Exported, documented in bench.h */
cf_time_t cf_bench_deadline(const cf_bench_layout_t *l, long id)
{
    if (l->mode == CF_BENCH_STORM)
        return l->burst;
    if (l->mode == CF_BENCH_DOWNTIME)
        return l->t0 + 3600 + (cf_time_t)((id - 1) * 86400L / l->cases);
    long k = id / l->stride;
    if (id % l->stride == 1 && k < l->alerts)
        return l->spread + k % 60;
    if (id % l->stride == 2 && k < l->alerts)
        return l->burst;
    return l->burst + 3600 + (cf_time_t)((id * 7919L) % (59L * 3600));
}

/* ---- the row writer -------------------------------------------------------------------------- */

struct cf_bench_rows_s {
    sqlite3 *db;
    sqlite3_stmt *ev, *cs, *clk, *agency, *alert;
    long cases;
};

static void ok(cf_bench_rows_t *w, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        cf_bench_die(what, "%s", sqlite3_errmsg(w->db));
}

static sqlite3_stmt *prep(cf_bench_rows_t *w, const char *sql)
{
    sqlite3_stmt *st;
    ok(w, sqlite3_prepare_v2(w->db, sql, -1, &st, NULL), sql);
    return st;
}

/* Exported, documented in bench.h */
#define AGENCY "COALESCE((SELECT agency FROM case_agency WHERE case_id = ?1), '')"

cf_bench_rows_t *cf_bench_rows_open(const cf_bench_env_t *env, const char *path)
{
    cf_store_t *s;
    cf_bench_rows_t *w = calloc(1, sizeof(*w));
    cf_bench_new_db(env, path, &s);
    cf_store_close(s);
    if (!w || sqlite3_open(path, &w->db) != SQLITE_OK)
        cf_bench_die(path, "cannot open");
    ok(w,
       sqlite3_exec(w->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN", NULL, NULL,
                    NULL),
       "begin");
    /* the agency of a case's rows (schema 17) from its case_agency row, written first */
    w->ev = prep(w, "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) VALUES "
                    "(?,?,?,?,?,?,(SELECT COALESCE(MAX(pos), -1) + 1 FROM events), " AGENCY ")");
    w->cs =
        prep(w, "INSERT INTO cases(id, workflow_id, workflow_version, workflow_hash, party, "
                "state, closed, version, head, algo, opened_at, updated_at, closed_at, snapshot, "
                "agency) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, " AGENCY ")");
    w->clk = prep(w, "INSERT INTO clocks(case_id, clock_id, state, deadline, party, agency) "
                     "VALUES (?,?,?,?,?, " AGENCY ")");
    w->agency = prep(w, "INSERT INTO case_agency(case_id, agency) VALUES (?, ?)");
    /* the rowid from the due instant, as cf_store_alerts_sync gives it (schema 22) */
    w->alert = prep(
        w,
        "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, "
        "agency, rowid) VALUES (?, ?, ?, 'deadline', ?, ?, "
        "COALESCE((SELECT agency FROM case_agency WHERE case_id = ?2), ''), " CF_STORE_ALERT_ROWID(
            "?4") ")");
    return w;
}

static void run(cf_bench_rows_t *w, sqlite3_stmt *st, const char *what)
{
    ok(w, sqlite3_step(st), what);
    sqlite3_reset(st);
}

static void write_events(cf_bench_rows_t *w, const json_t *events)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        char *body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
        sqlite3_bind_int64(w->ev, 1, json_integer_value(json_object_get(ev, "case")));
        sqlite3_bind_int64(w->ev, 2, json_integer_value(json_object_get(ev, "seq")));
        sqlite3_bind_text(w->ev, 3, json_string_value(json_object_get(ev, "type")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(w->ev, 4, json_string_value(json_object_get(ev, "at")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(w->ev, 5, body, -1, free);
        sqlite3_bind_text(w->ev, 6, json_string_value(json_object_get(ev, "hash")), -1,
                          SQLITE_STATIC);
        run(w, w->ev, "event");
    }
}

static void write_case(cf_bench_rows_t *w, const cf_case_t *c)
{
    char *snap = cf_case_snapshot_text(c);
    if (!snap)
        cf_bench_die("case", "out of memory");
    sqlite3_stmt *st = w->cs;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_text(st, 2, c->workflow_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)c->workflow_version);
    sqlite3_bind_text(st, 4, c->workflow_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, json_dumps(c->party, JSON_COMPACT), -1, free);
    sqlite3_bind_text(st, 6, c->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, c->closed_at != 0);
    sqlite3_bind_int64(st, 8, c->version);
    sqlite3_bind_text(st, 9, c->head, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, cf_chain_algo_name(c->algo), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, c->opened_at);
    sqlite3_bind_int64(st, 12, c->updated_at);
    c->closed_at ? sqlite3_bind_int64(st, 13, c->closed_at) : sqlite3_bind_null(st, 13);
    sqlite3_bind_text(st, 14, snap, -1, free);
    run(w, st, "case");
}

/* The clock index and, for a running clock, its pending deadline alert. */
static void write_clocks(cf_bench_rows_t *w, const cf_case_t *c, const char *agency)
{
    for (unsigned i = 0; i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        sqlite3_bind_int64(w->clk, 1, c->id);
        sqlite3_bind_text(w->clk, 2, k->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->clk, 3, cf_clock_state_name(k->state), -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->clk, 4, k->deadline);
        sqlite3_bind_int(w->clk, 5, k->party);
        run(w, w->clk, "clock");
        if (!agency || k->state != CF_CLOCK_RUNNING)
            continue;
        char id[160];
        cf_store_alert_id(c->id, k->id, "deadline", k->deadline, id, sizeof(id));
        sqlite3_bind_text(w->alert, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(w->alert, 2, c->id);
        sqlite3_bind_text(w->alert, 3, k->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->alert, 4, k->deadline);
        sqlite3_bind_int64(w->alert, 5, k->deadline);
        run(w, w->alert, "alert");
    }
}

/* Exported, documented in bench.h */
void cf_bench_rows_case(cf_bench_rows_t *w, const cf_case_t *c, const json_t *events,
                        const char *agency)
{
    if (agency) {
        sqlite3_bind_int64(w->agency, 1, c->id);
        sqlite3_bind_text(w->agency, 2, agency, -1, SQLITE_STATIC);
        run(w, w->agency, "agency");
    }
    write_events(w, events);
    write_case(w, c);
    write_clocks(w, c, agency);
    if (++w->cases % 20000 == 0)
        ok(w, sqlite3_exec(w->db, "COMMIT; BEGIN", NULL, NULL, NULL), "commit");
}

/* Exported, documented in bench.h */
void cf_bench_rows_close(cf_bench_rows_t *w)
{
    ok(w, sqlite3_exec(w->db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
       "commit");
    sqlite3_finalize(w->ev);
    sqlite3_finalize(w->cs);
    sqlite3_finalize(w->clk);
    sqlite3_finalize(w->agency);
    sqlite3_finalize(w->alert);
    sqlite3_close(w->db);
    free(w);
}

/* Exported, documented in bench.h */
void cf_bench_seal(cf_case_t *c, json_t *events)
{
    size_t i;
    json_t *ev;
    cf_error_t err;
    json_array_foreach(events, i, ev)
        if (cf_case_append(c, ev, &err) != 0)
            cf_bench_die("seal", "case %lld: %s", (long long)c->id, err.text);
}

/* ---- the command ----------------------------------------------------------------------------- */

/* Exported, documented in bench.h */
int cf_bench_load(cf_bench_env_t *env, int argc, char **argv)
{
    cf_bench_layout_t l;
    char path[1024];
    const char *layout = cf_bench_opt_text(argc, argv, "--layout", "scale");
    int mode = strcmp(layout, "storm") == 0      ? CF_BENCH_STORM
               : strcmp(layout, "downtime") == 0 ? CF_BENCH_DOWNTIME
                                                 : CF_BENCH_SCALE;
    long def = mode == CF_BENCH_DOWNTIME ? 100000 : 1000000;
    cf_bench_layout_mode(cf_bench_opt(argc, argv, "--cases", env->quick ? def / 10 : def), mode,
                         &l);
    cf_bench_path(env, cf_bench_layout_db(mode), path, sizeof(path));
    double start = cf_bench_now();
    cf_bench_rows_t *w = cf_bench_rows_open(env, path);
    for (long id = 1; id <= l.cases; id++) {
        cf_case_t c;
        json_t *events = cf_bench_open_events(env, id, cf_bench_deadline(&l, id) - PERIOD);
        if (cf_case_init(&c) != 0)
            cf_bench_die("load", "out of memory");
        c.id = id;
        c.algo = CF_CHAIN_SHA256;
        cf_bench_seal(&c, events);
        if (c.clocks_count != 1 || c.clocks[0].deadline != cf_bench_deadline(&l, id))
            cf_bench_die("load", "case %ld: the engine put its deadline elsewhere", id);
        cf_bench_rows_case(w, &c, events, CF_BENCH_AGENCY);
        cf_case_dispose(&c);
        json_decref(events);
    }
    cf_bench_rows_close(w);
    double s = cf_bench_now() - start;
    cf_bench_result(mode == CF_BENCH_SCALE   ? "load"
                    : mode == CF_BENCH_STORM ? "load_storm"
                                             : "load_downtime",
                    (double)l.cases / s, "cases=%ld seconds=%.1f", l.cases, s);
    return 0;
}
