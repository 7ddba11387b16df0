/*
 * test-alert-rows.c -- alertrows-*: the alerts table clustered by due instant
 * (SQLite schema 22, store-alerts.c "Row ids") and the write-ahead log while alerts
 * fire (api/http/serve-writer.c), issue 26.1: the pages a burst writes.
 *
 * alertrows-1: every alert row's rowid is its due second times 2^24 plus its place,
 *   the alerts of a second side by side, through rewrites of a case's alerts; a second
 *   that already holds its 2^24th row still takes one more (past them, not dropped),
 *   which the due read finds and the mark by row marks.
 * alertrows-2: a schema-21 database (rowids in the order the alerts were made) is
 *   migrated at open: every row and value kept, pending and fired, the rowids clustered,
 *   the indexes there; the fired alerts are not due again, the pending ones are, in
 *   order.
 * alertrows-3: the frames a store's commits wrote into the log are counted, across a
 *   restart of the log.
 * alertrows-4: the daemon does not start the log over while alerts fire, and does at the
 *   first commit after.
 * alertrows-5: while alerts fire and the log nears its firing bound (lowered here), the
 *   checkpointer copies it after every commit, not once an interval (raised here to an
 *   hour), so the log's restart at the bound finds little left to copy.
 * alertrows-7: while alerts fire, the log is started over before the chunk that would take
 *   it past the firing bound (as large as the last chunk), not after it.
 * alertrows-6: at the firing bound the writer starts the log over even while the
 *   checkpointer copies (it waits for that run rather than letting the log pass the
 *   bound), and counts the frames it copied itself.
 * SQLite only (rowids, the write-ahead log).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../storage/store-int.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* alertrows-4 lowers the log's threshold */
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* Rows whose rowid is not of their due second: 0 when the table is clustered. */
static long long unclustered(const char *db)
{
    return td_scalar(db, "SELECT COUNT(*) FROM alerts WHERE rowid >> 24 <> due_at");
}

/* The seconds whose rows do not take its first places one after the other (a rewritten
 * case's alerts leave gaps, which is fine): 0 when packed. */
static long long unpacked(const char *db)
{
    return td_scalar(db, "SELECT COUNT(*) FROM (SELECT due_at FROM alerts GROUP BY due_at "
                         "HAVING MIN(rowid) <> due_at * 16777216 OR MAX(rowid) - MIN(rowid) + 1 "
                         "<> COUNT(*))");
}

static void exec(cf_store_t *s, const char *sql)
{
    cf_error_t err;
    if (cf__store_exec(s, sql, &err) != 0)
        CF__FAIL("%s: %s", sql, err.text);
}

/* alertrows-1 */
TEST_IMPL(alertrows_clustered)
{
    CF_TEST_SQLITE_ONLY("SQLite's rowids");
    enum { CASES = 6 };
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("alertrows-1.db");
    char db[512];
    snprintf(db, sizeof(db), "%s", s->path);
    cf_case_t c[CASES];
    cf_error_t err;
    /* opened at two instants, alternately: their alerts made out of due order */
    for (int i = 0; i < CASES; i++)
        cf_test_open(s, wf, cal, i % 2 ? "2026-03-02T10:00:00+08:00" : T0, &c[i]);
    for (int i = 0; i < CASES; i++)
        ASSERT_EQ(cf_store_alerts_sync(s, &c[i], wf, cal, &err), 0);
    long long rows = td_scalar(db, "SELECT COUNT(*) FROM alerts");
    ASSERT(rows >= 2 * CASES);
    ASSERT_EQ(unclustered(db), 0);
    ASSERT_EQ(unpacked(db), 0);
    ASSERT(td_scalar(db, "SELECT COUNT(DISTINCT due_at) FROM alerts") < rows); /* shared */
    /* alertrows-1.1: a case's alerts rewritten (deleted, made again) stay clustered */
    ASSERT_EQ(cf_store_alerts_sync(s, &c[0], wf, cal, &err), 0);
    ASSERT_EQ(cf_store_alerts_sync(s, &c[3], wf, cal, &err), 0);
    ASSERT_EQ(td_scalar(db, "SELECT COUNT(*) FROM alerts"), rows);
    ASSERT_EQ(unclustered(db), 0);
    /* alertrows-1.2: a second already holding its last place: the row goes past it */
    char sql[512];
    long long due = td_scalar(db, "SELECT due_at FROM alerts WHERE case_id = 3 AND point = "
                                  "'deadline'");
    ASSERT(due > 0);
    snprintf(sql, sizeof(sql),
             "INSERT INTO alerts(rowid, alert_id, case_id, clock_id, point, due_at, deadline, "
             "agency) VALUES (%lld * 16777216 + 16777215, '999:x:deadline:z', 999, 'x', "
             "'deadline', %lld, %lld, '')",
             due, due, due);
    exec(s, sql);
    ASSERT_EQ(cf_store_alerts_sync(s, &c[2], wf, cal, &err), 0);
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM alerts WHERE case_id = 3 AND due_at = %lld AND rowid > %lld "
             "* 16777216 + 16777215",
             due, due);
    ASSERT_EQ(td_scalar(db, sql), 1);
    cf_alert_t list[64];
    int n = cf_store_alerts_due(s, (cf_time_t)due, list, 64, &err), k = -1;
    ASSERT(n > 0 && n < 64);
    for (int i = 0; i < n; i++)
        if (list[i].case_id == 3 && list[i].due_at == (cf_time_t)due)
            k = i;
    ASSERT(k >= 0);
    ASSERT(list[k].row > due * 16777216 + 16777215);
    ASSERT_EQ(cf_store_alert_mark_read(s, &list[k], (cf_time_t)due, &err), 0);
    ASSERT_EQ(cf_store_alert_mark_read(s, &list[k], (cf_time_t)due, &err), CF_ECONFLICT);
    for (int i = 0; i < CASES; i++)
        cf_case_dispose(&c[i]);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* Every alert row, every column, in id order: one line each. */
static void all_rows(const char *db, char *out, size_t size)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h,
                                 "SELECT alert_id, case_id, clock_id, point, due_at, deadline, "
                                 "fired_at, prov_first, prov_last, claim_owner, claim_until, "
                                 "agency, acked_at, escalated_at FROM alerts ORDER BY alert_id, "
                                 "agency",
                                 -1, &st, NULL),
              SQLITE_OK);
    size_t used = 0;
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 14; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            int w = snprintf(out + used, size - used, "%s|", v ? v : "NULL");
            ASSERT(w > 0 && (size_t)w < size - used);
            used += (size_t)w;
        }
        ASSERT(used + 1 < size);
        out[used++] = '\n';
        out[used] = '\0';
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* alertrows-2 */
TEST_IMPL(alertrows_migration)
{
    CF_TEST_SQLITE_ONLY("SQLite's rowids and schema");
    enum { CASES = 8 };
    char db[512];
    td_db("alertrows-2.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 600, CASES); /* alerts at 2 * CASES instants */
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    /* fired, acknowledged, escalated, claimed; the rest pending */
    exec(s, "UPDATE alerts SET fired_at = due_at + 1 WHERE case_id IN (1, 2, 3)");
    exec(s, "UPDATE alerts SET acked_at = due_at + 5 WHERE case_id = 2");
    exec(s, "UPDATE alerts SET escalated_at = due_at + 9 WHERE case_id = 3");
    exec(s, "UPDATE alerts SET claim_owner = 'n1', claim_until = 42 WHERE case_id = 4");
    /* schema 21's rowids: in the order the alerts were made, here the reverse of due */
    exec(s, "UPDATE alerts SET rowid = -rowid");
    exec(s, "UPDATE alerts SET rowid = r.n FROM (SELECT rowid AS o, row_number() OVER (ORDER BY "
            "due_at DESC, alert_id DESC) AS n FROM alerts) AS r WHERE r.o = alerts.rowid");
    exec(s, "PRAGMA user_version = 21");
    cf_store_close(s);
    ASSERT(unclustered(db) > 0);
    static char before[65536], after[65536];
    all_rows(db, before, sizeof(before));
    long long rows = td_scalar(db, "SELECT COUNT(*) FROM alerts");
    ASSERT(rows >= 2 * CASES);
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);          /* migrates */
    ASSERT(td_scalar(db, "PRAGMA user_version") >= 22); /* 22, and the steps after it */
    /* alertrows-2.1: every row and value kept, the table clustered, its indexes there */
    all_rows(db, after, sizeof(after));
    ASSERT_STR_EQ(after, before);
    ASSERT_EQ(unclustered(db), 0);
    ASSERT_EQ(unpacked(db), 0);
    ASSERT_EQ(td_scalar(db, "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'alerts' AND "
                            "name IN ('alerts_due', 'alerts_case', 'alerts_open')"),
              3);
    /* alertrows-2.2: the fired alerts are not due again; every pending one is, in order */
    cf_alert_t list[64];
    int n = cf_store_alerts_due(s, cf_test_time("2027-01-01T00:00:00+08:00"), list, 64, &err);
    ASSERT_EQ(n, td_scalar(db, "SELECT COUNT(*) FROM alerts WHERE fired_at IS NULL"));
    ASSERT(n > 0 && n < rows);
    for (int i = 0; i < n; i++) {
        ASSERT(list[i].case_id > 3);
        ASSERT_EQ(list[i].row >> 24, list[i].due_at);
        if (i)
            ASSERT(list[i - 1].due_at < list[i].due_at || (list[i - 1].due_at == list[i].due_at &&
                                                           strcmp(list[i - 1].id, list[i].id) < 0));
        ASSERT_EQ(cf_store_alert_mark_read(s, &list[i], list[i].due_at, &err), 0);
    }
    ASSERT_EQ(cf_store_alerts_due(s, cf_test_time("2027-01-01T00:00:00+08:00"), list, 64, &err), 0);
    cf_store_close(s);
    return 0;
}

/* alertrows-3 */
TEST_IMPL(alertrows_wal_written)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    char db[512];
    td_db("alertrows-3.db", db, sizeof(db));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_set_autocheckpoint(s, 0, &err), 0);
    cf_store_wal_track(s);
    ASSERT_EQ(cf_store_wal_written(s), 0);
    ASSERT_EQ(cf_store_setting_set(s, "rows-1", "x", &err), 0);
    uint64_t first = cf_store_wal_written(s);
    ASSERT(first > 0);
    ASSERT_EQ(first, (uint64_t)cf_store_wal_frames(s));
    ASSERT_EQ(cf_store_setting_set(s, "rows-2", "x", &err), 0);
    uint64_t second = cf_store_wal_written(s);
    ASSERT_EQ(second, (uint64_t)cf_store_wal_frames(s)); /* the log only grew */
    ASSERT(second > first);
    /* the log started over: the next commit's frames count from its start */
    ASSERT_EQ(cf_store_checkpoint_restart(s, NULL, NULL, &err), 0);
    ASSERT_EQ(cf_store_wal_frames(s), 0);
    ASSERT_EQ(cf_store_setting_set(s, "rows-3", "x", &err), 0);
    ASSERT(cf_store_wal_frames(s) > 0);
    ASSERT_EQ(cf_store_wal_written(s), second + (uint64_t)cf_store_wal_frames(s));
    cf_store_close(s);
    return 0;
}

/* The log's restarts each firing chunk found as it began (cfg.fire_probe, writer thread). */
typedef struct restarts_seen_s {
    td_daemon_t *d;
    atomic_ullong chunks, restarted; /* chunks probed; of them, after a restart */
} restarts_seen_t;

static void restart_probe(void *ctx, unsigned chunk)
{
    restarts_seen_t *r = ctx;
    (void)chunk;
    atomic_fetch_add(&r->chunks, 1);
    if (atomic_load(&r->d->srv->writer.wal_restarts) > 0)
        atomic_fetch_add(&r->restarted, 1);
}

/* alertrows-4 */
TEST_IMPL(alertrows_no_restart_firing)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    enum { CASES = 40 };
    char db[512];
    td_db("alertrows-4.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES); /* 80 alerts, two instants */
    td_daemon_t d;
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0); /* nothing due yet */
    cfg.fire_chunk = 4;      /* the backlog in 20 chunks, 20 commits */
    restarts_seen_t seen = {.d = &d};
    cfg.fire_probe = restart_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    atomic_store(&d.srv->writer.wal_restart_frames, 1); /* a restart after any commit */
    td_clock(&d, "2026-09-01T09:00:00+08:00");          /* all due */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alerts_fired_total") >= 2 * CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 2 * CASES);
    ASSERT(td_metric(&d, "caseflow_fire_chunks_total") >= 2 * CASES / 4);
    ASSERT(td_metric(&d, "caseflow_wal_frames_written_total") > 2 * CASES);
    /* alertrows-4.1: none while they fired (whatever requests came meanwhile: the
     * metrics read above each write a token's last use) */
    ASSERT(atomic_load(&seen.chunks) >= 2 * CASES / 4);
    ASSERT_EQ(atomic_load(&seen.restarted), 0);
    /* alertrows-4.2: after them the log starts over (the last chunk's commit, or the
     * first request's) */
    ASSERT(td_open_until(&d, token, "caseflow_wal_restarts_total", 1) >= 1);
    td_stop(&d);
    free(token);
    return 0;
}

/* The checkpointer's runs each firing chunk found as it began (cfg.fire_probe, writer
 * thread): from the second chunk on, it waits (up to CF_TEST_WAIT_MS) for a run after
 * the chunk before it, and counts the chunks that waited in vain. */
typedef struct ckpt_seen_s {
    td_daemon_t *d;
    atomic_ullong chunks, behind;
    unsigned long long last; /* checkpoints when the chunk before began */
} ckpt_seen_t;

static void ckpt_probe(void *ctx, unsigned chunk)
{
    ckpt_seen_t *c = ctx;
    cf__writer_t *w = &c->d->srv->writer;
    if (atomic_fetch_add(&c->chunks, 1) > 0 && atomic_load(&c->behind) == 0) {
        CF_TEST_WAIT_UNTIL(atomic_load(&w->checkpoints) > c->last);
        if (atomic_load(&w->checkpoints) <= c->last)
            atomic_fetch_add(&c->behind, 1);
    }
    (void)chunk;
    c->last = atomic_load(&w->checkpoints);
}

/* alertrows-5 */
TEST_IMPL(alertrows_ckpt_firing)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    enum { CASES = 40 };
    char db[512];
    td_db("alertrows-5.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES); /* 80 alerts, two instants */
    td_daemon_t d;
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.fire_chunk = 4; /* 20 chunks, 20 commits */
    ckpt_seen_t seen = {.d = &d};
    cfg.fire_probe = ckpt_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    ASSERT(d.srv->writer.ckpt.started);
    atomic_store(&d.srv->writer.ckpt.interval_ms, 3600 * 1000); /* else: once an hour */
    /* near the bound from the first chunk on (the log's restarts stay at 4,096 frames) */
    atomic_store(&d.srv->writer.wal_firing_frames, 1);
    td_clock(&d, "2026-09-01T09:00:00+08:00"); /* all due */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alerts_fired_total") >= 2 * CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 2 * CASES);
    /* alertrows-5.1: a checkpoint after each chunk's commit, before the chunk after it */
    ASSERT(atomic_load(&seen.chunks) >= 2 * CASES / 4);
    ASSERT_EQ(atomic_load(&seen.behind), 0);
    td_stop(&d);
    return 0;
}

/* A checkpoint running (the checkpointer's lock held by this thread) from before the
 * alerts fire until the first chunk has committed, and a while after. */
typedef struct ckpt_hold_s {
    cf__writer_t *w;
    atomic_int held;
    unsigned long long written; /* the log's frames written before the firing */
} ckpt_hold_t;

static void *ckpt_hold(void *arg)
{
    ckpt_hold_t *h = arg;
    pthread_mutex_lock(&h->w->ckpt.run);
    atomic_store(&h->held, 1);
    CF_TEST_WAIT_UNTIL(atomic_load(&h->w->wal_written) > h->written);
    cf_test_nap(300); /* the writer reaches the restart meanwhile (it waits: the test) */
    pthread_mutex_unlock(&h->w->ckpt.run);
    return NULL;
}

/* The log's restarts the firing chunks after the first found as they began. */
static void bound_probe(void *ctx, unsigned chunk)
{
    restarts_seen_t *r = ctx;
    if (chunk > 0 && atomic_fetch_add(&r->chunks, 1) == 0)
        atomic_store(&r->restarted, atomic_load(&r->d->srv->writer.wal_restarts));
}

/* alertrows-6 */
TEST_IMPL(alertrows_bound_waits)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    enum { CASES = 40 };
    char db[512];
    td_db("alertrows-6.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES);
    td_daemon_t d;
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.fire_chunk = 4;
    restarts_seen_t seen = {.d = &d};
    cfg.fire_probe = bound_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    ASSERT(w->ckpt.started);
    atomic_store(&w->wal_restart_frames, 1);
    atomic_store(&w->wal_firing_frames, 1); /* the bound: past it after every chunk */
    unsigned long long restarts = atomic_load(&w->wal_restarts);
    ckpt_hold_t hold = {.w = w, .written = atomic_load(&w->wal_written)};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, ckpt_hold, &hold), 0);
    CF_TEST_WAIT_UNTIL(atomic_load(&hold.held));
    td_clock(&d, "2026-09-01T09:00:00+08:00"); /* all due */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alerts_fired_total") >= 2 * CASES);
    pthread_join(t, NULL);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 2 * CASES);
    /* alertrows-6.1: the second chunk began on a log started over after the first, the
     * checkpoint running at the bound waited for, not skipped */
    ASSERT(atomic_load(&seen.chunks) >= 1);
    ASSERT(atomic_load(&seen.restarted) > restarts);
    /* alertrows-6.2: what the restarts copied themselves is counted (the held "run"
     * copied nothing: the first chunk's frames were the writer's to copy) */
    ASSERT(td_metric(&d, "caseflow_wal_restart_frames_copied_total") > 0);
    td_stop(&d);
    return 0;
}

/* Chunks that began on a log they would take past the firing bound (cfg.fire_probe,
 * writer thread): its length and the last chunk's frames, from the second chunk on. */
typedef struct bound_seen_s {
    td_daemon_t *d;
    atomic_ullong chunks, over;
} bound_seen_t;

static void ahead_probe(void *ctx, unsigned chunk)
{
    bound_seen_t *b = ctx;
    cf__writer_t *w = &b->d->srv->writer;
    if (chunk == 0)
        return;
    atomic_fetch_add(&b->chunks, 1);
    if (cf_store_wal_frames(w->store) + w->fire_frames > atomic_load(&w->wal_firing_frames))
        atomic_fetch_add(&b->over, 1);
}

/* alertrows-7 */
TEST_IMPL(alertrows_bound_ahead)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    enum { CASES = 40 };
    char db[512];
    td_db("alertrows-7.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES);
    td_daemon_t d;
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.fire_chunk = 4; /* 20 chunks of some 10-20 frames each */
    bound_seen_t seen = {.d = &d};
    cfg.fire_probe = ahead_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    ASSERT(w->ckpt.started);
    atomic_store(&w->wal_restart_frames, 1);
    atomic_store(&w->wal_firing_frames, 60); /* a few chunks' worth */
    unsigned long long restarts = atomic_load(&w->wal_restarts);
    td_clock(&d, "2026-09-01T09:00:00+08:00"); /* all due (answered after the last chunk) */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alerts_fired_total") >= 2 * CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 2 * CASES);
    /* alertrows-7.1: the log restarted while they fired, never a chunk begun past what the
     * bound leaves it */
    ASSERT(atomic_load(&seen.chunks) >= 2 * CASES / 4 - 1);
    ASSERT(atomic_load(&w->wal_restarts) > restarts);
    ASSERT_EQ(atomic_load(&seen.over), 0);
    td_stop(&d);
    return 0;
}
