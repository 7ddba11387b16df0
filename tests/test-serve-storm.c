/*
 * test-serve-storm.c -- storm-*: deadline storms (issue 26), at small scale and on
 * the injected clock: the figures (how late, how fast, how responsive) are bench
 * rows (bench/bench-storm.c), never asserted here; what is asserted is behaviour.
 *
 * storm-1: the alerts index gives the due alerts in firing order without sorting
 *          them (migration 10): a read of the next 1,024 of a million due on one
 *          second walks the index instead of sorting all of them each time.
 * storm-2: after a restart past a day of due instants, every alert fires once, in
 *          due order (ties by alert id), marked late, in chunks.
 * storm-3: a firing chunk yields: once it has run its first slice, it ends as soon
 *          as a request waits for the writer, and says more alerts are due.
 * storm-4: the write-ahead log is started over by the writer once it is long (the
 *          restart counter moves), and cf_store_checkpoint_restart copies every
 *          frame and makes the next commit write from the start of the log; a
 *          reader on an old snapshot makes it give up at once (CF_EBUSY).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* storm-3 runs a FIRE job directly; storm-4 lowers the threshold */
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* Opens n cases of penalty-general for agency through the store, the k-th at
 * at0 + k * step seconds (so their clocks fall due at as many instants), with
 * their alerts indexed as the daemon's open would. */
static void open_spread(const char *db, const char *agency, cf_time_t at0, int step, int n)
{
    cf_store_t *s;
    cf_error_t err;
    cf_calendar_t *cal;
    cf_workflow_t *wf = NULL;
    json_t *list, *w;
    size_t i;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    ASSERT_EQ(cf_store_workflow_list(s, &list, &err), 0);
    json_array_foreach(list, i, w)
        if (!wf && strcmp(json_string_value(json_object_get(w, "id")), "penalty-general") == 0)
            ASSERT_EQ(cf_store_workflow_get_hash(s, json_string_value(json_object_get(w, "hash")),
                                                 &wf, &err),
                      0);
    ASSERT(wf != NULL);
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    for (int k = 0; k < n; k++) {
        cf_open_t req = {
            .actor = "张三", .role = "handler", .party = party, .at = at0 + (cf_time_t)k * step};
        json_t *events = NULL;
        cf_refusal_t why = {0};
        cf_case_t c;
        ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, &why), 0);
        ASSERT_EQ(cf_case_init(&c), 0);
        ASSERT_EQ(cf_store_case_open_tx(s, &c, events, agency, &err), 0);
        ASSERT_EQ(cf_store_alerts_sync(s, &c, wf, cal, &err), 0);
        cf_case_dispose(&c);
        cf_refusal_dispose(&why);
        json_decref(events);
    }
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    json_decref(party);
    json_decref(list);
    cf_workflow_free(wf);
    cf_calendar_free(cal);
    cf_store_close(s);
}

static cf_time_t at_of(const char *iso)
{
    cf_time_t t;
    cf_error_t err;
    ASSERT_EQ(cf_time_parse(iso, &t, &err), 0);
    return t;
}

/* Pending alerts in db (read directly). */
static int pending_count(const char *db)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM alerts WHERE fired_at IS NULL", -1, &st, NULL),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* ---- storm-1 ------------------------------------------------------------------------------ */

TEST_IMPL(storm_due_order_indexed)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512];
    td_db("storm-index.db", db, sizeof(db));
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    /* the scheduler's read (cf_store_alerts_due), planned on the migrated schema */
    ASSERT_EQ(sqlite3_prepare_v2(h,
                                 "EXPLAIN QUERY PLAN SELECT alert_id, case_id, clock_id, point, "
                                 "due_at, deadline, 0 FROM alerts WHERE fired_at IS NULL AND "
                                 "due_at <= ? ORDER BY due_at, alert_id LIMIT ?",
                                 -1, &st, NULL),
              SQLITE_OK);
    int rows = 0, sorts = 0, indexed = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        rows++;
        sorts += strstr(detail, "TEMP B-TREE") != NULL;
        indexed += strstr(detail, "alerts_due") != NULL;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    ASSERT(rows >= 1);
    ASSERT_EQ(indexed, 1);
    ASSERT_EQ(sorts, 0);
    return 0;
}

/* ---- storm-2 ------------------------------------------------------------------------------ */

TEST_IMPL(storm_restart_due_order)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (pending_count)");
    enum { CASES = 40 };
    char db[512], log[512], line[4096];
    td_db("storm-restart.db", db, sizeof(db));
    snprintf(log, sizeof(log), "%s/storm-restart.jsonl", cf_test_tmpdir());
    remove(log);
    char *token = td_token(db, "甲局", "handler", "张三");
    /* Cases opened over a day, two at each hour (ties on every instant): their warnings
     * and deadlines fall due at 20 instants, two alerts on each. */
    cf_time_t t0 = at_of(T0);
    open_spread(db, "甲局", t0, 0, 2);
    open_spread(db, "甲局", t0 + 3600, 3600, CASES - 2);
    int pending = pending_count(db);
    ASSERT(pending >= 2 * CASES);
    /* The daemon was down for months past all of them: at start they fire, in chunks
     * of two (so the order crosses many commits and index reads). */
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, "2026-09-01T09:00:00+08:00");
    cfg.alert_log = log;
    cfg.fire_chunk = 2;
    td_start(&d, &cfg);
    td_clock(&d, "2026-09-01T09:00:00+08:00"); /* answered once the start's firing is done */
    json_t *fired = td_get_all(&d, token, "/v1/alerts?state=fired");
    ASSERT_EQ((int)json_array_size(fired), pending);
    json_decref(fired);
    td_stop(&d);
    ASSERT_EQ(pending_count(db), 0);
    /* The log: every alert once, late, in (due_at, alert_id) order. */
    FILE *f = fopen(log, "r");
    ASSERT(f != NULL);
    char last_due[64] = "", last_id[160] = "";
    int lines = 0;
    json_t *seen = json_object();
    while (fgets(line, sizeof(line), f)) {
        json_t *a = json_loads(line, 0, NULL);
        ASSERT(a != NULL);
        const char *due = json_string_value(json_object_get(a, "due_at"));
        const char *id = json_string_value(json_object_get(a, "alert_id"));
        ASSERT(due && id);
        ASSERT(json_is_true(json_object_get(a, "late")));
        ASSERT(json_object_get(seen, id) == NULL); /* once */
        json_object_set_new(seen, id, json_true());
        int c = strcmp(due, last_due);
        ASSERT(c > 0 || (c == 0 && strcmp(id, last_id) > 0));
        snprintf(last_due, sizeof(last_due), "%s", due);
        snprintf(last_id, sizeof(last_id), "%s", id);
        json_decref(a);
        lines++;
    }
    fclose(f);
    json_decref(seen);
    ASSERT_EQ(lines, pending);
    free(token);
    return 0;
}

/* ---- storm-3 ------------------------------------------------------------------------------ */

/* Runs one FIRE job of chunk index `chunk` at now, in its own transaction, on a daemon
 * structure that is not running (only what a job reads of it is set). Returns the
 * alerts it fired; OUT *more. */
static int fire_chunk(cf_serve_t *srv, cf_store_t *s, const cf_calendar_t *cal, cf_time_t now,
                      unsigned waiting, int *more)
{
    cf_wfcache_t wfs = {0};
    cf_error_t err;
    cf__job_t *job = calloc(1, sizeof(*job));
    ASSERT(job != NULL);
    job->kind = CF__JOB_FIRE;
    job->now = now;
    job->if_match = -1;
    job->chunk = 10; /* a late chunk: the largest time budget */
    job->srv = srv;
    atomic_store(&srv->writer.waiting, waiting);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf__job_exec(s, cal, &wfs, job), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    int n = (int)json_array_size(job->alerts);
    *more = job->more;
    cf__job_free(job);
    cf_wfcache_free(&wfs);
    return n;
}

TEST_IMPL(storm_fire_yields)
{
    enum { CASES = 400 };
    char db[512];
    td_db("storm-yield.db", db, sizeof(db));
    open_spread(db, "甲局", at_of(T0), 0, CASES); /* 800 alerts, two instants */
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.fire_chunk = 1024;
    cf_time_t later = at_of("2026-09-01T09:00:00+08:00");
    int more = 0;
    /* A request waits: the chunk ends after its first slice (2 ms), with more due. */
    int yielded = fire_chunk(srv, s, cal, later, 1, &more);
    ASSERT(yielded >= 1);
    ASSERT_EQ(more, 1);
    /* No one waits: the same chunk runs its whole budget (64 ms) or to the end. */
    int whole = fire_chunk(srv, s, cal, later, 0, &more);
    ASSERT(whole > yielded);
    free(srv->writer.fire.alerts);
    free(srv);
    cf_calendar_free(cal);
    cf_store_close(s);
    return 0;
}

/* ---- storm-4 ------------------------------------------------------------------------------ */

/* The value of metric name (a sample line of its own) in /metrics, -1 when absent. */
static long long metric_value(const td_daemon_t *d, const char *name)
{
    td_resp_t r;
    td_http(d, "GET", "/metrics", d->metrics_token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    long long v = -1;
    size_t n = strlen(name);
    for (const char *at = r.body; at && (at = strstr(at, name)) != NULL; at += n)
        if ((at == r.body || at[-1] == '\n') && at[n] == ' ')
            v = atoll(at + n + 1);
    td_resp_free(&r);
    return v;
}

TEST_IMPL(storm_wal_restart)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    char db[512];
    td_db("storm-wal.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    /* The store: frames counted after each commit, the log started over on request. */
    cf_store_t *s, *r;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_set_autocheckpoint(s, 0, &err), 0);
    cf_store_wal_track(s);
    ASSERT_EQ(cf_store_wal_frames(s), 0);
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "storm-%d", i);
        ASSERT_EQ(cf_store_setting_set(s, key, "x", &err), 0);
    }
    int grown = cf_store_wal_frames(s), frames = -1, copied = -1;
    ASSERT(grown >= 20);
    /* A reader on the current snapshot: the restart copies what it can, gives up at once. */
    ASSERT_EQ(cf_store_open_existing(db, &r, &err), 0);
    ASSERT_EQ(cf_store_read_begin(r, &err), 0);
    char value[8];
    ASSERT_EQ(cf_store_setting_get(r, "storm-0", value, sizeof(value), &err), 0);
    ASSERT_EQ(cf_store_setting_set(s, "storm-late", "x", &err), 0);
    ASSERT_EQ(cf_store_checkpoint_restart(s, NULL, NULL, &err), CF_EBUSY);
    cf_store_read_end(r);
    cf_store_close(r);
    /* No reader: every frame copied, and the next commit writes from the start. */
    ASSERT_EQ(cf_store_checkpoint_restart(s, &frames, &copied, &err), 0);
    ASSERT(frames >= grown);
    ASSERT_EQ(copied, frames);
    ASSERT_EQ(cf_store_setting_set(s, "storm-after", "x", &err), 0);
    ASSERT(cf_store_wal_frames(s) < grown);
    cf_store_close(s);
    /* The daemon does it itself once the log is past its threshold (lowered here). */
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    atomic_store(&d.srv->writer.wal_restart_frames, 1);
    ASSERT_EQ(metric_value(&d, "caseflow_wal_restarts_total"), 0);
    json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", "penalty-general", "party", "name",
                             "某某大药房", "type", "定点医药机构");
    long long n = 0;
    for (int i = 0; i < 200 && (n = metric_value(&d, "caseflow_wal_restarts_total")) < 1; i++) {
        td_resp_t resp;
        td_http_json(&d, "POST", "/v1/cases", token, body, NULL, &resp);
        ASSERT_EQ(resp.status, 201);
        td_resp_free(&resp);
    }
    ASSERT(n >= 1);
    json_decref(body);
    td_stop(&d);
    free(token);
    return 0;
}
