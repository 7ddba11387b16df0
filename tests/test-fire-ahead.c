/*
 * test-fire-ahead.c -- fireahead-*: firing takes a case read ahead of its instant
 * without looking up its head again (serve-jobs.c, sched-ahead.c); the write's version
 * check is what keeps the chain exact, so these tests change cases between the read
 * ahead and the instant.
 *
 * fireahead-1: of the cases of one instant, read ahead, one gets an event of its own
 *   before the instant (its copy in the table is then a version behind), and one's copy
 *   in the table has a clock that no longer matches its alert (as if read before a
 *   change of its clock). Every alert of the instant fires once, each recorded once on
 *   its case's chain after the head the chain has, every chain verifies, the pending
 *   alerts of the instant are none and the other instants' all still pending.
 * fireahead-2: the table keeps each case's agency and cf__ahead_take_any gives it with
 *   the case whatever its head, once.
 * fireahead-3: a chunk is fired without a savepoint per alert; an alert in the middle
 *   that cannot be fired (its case is not there) undoes the chunk, which is fired again
 *   alert by alert: that alert is marked fired without an event (never escalated), every
 *   other alert is recorded once and delivered once.
 * fireahead-4: the rows of an alert made while its case is read ahead (its event sealed
 *   onto the head read, the next snapshot, what is delivered) are what firing writes: the
 *   same events, hashes and case rows as the same alerts fired cold on a twin database,
 *   each alert once, every chain verifying, the head the one sealed ahead.
 * fireahead-5: a case that gets an event of its own between the rows made ahead and the
 *   instant is fired once, from its fresh state, after the head its chain has now.
 * fireahead-6: rows made for the instant and fired a second later are sealed again for that
 *   second: each event records the second it fired in (never the instant it was made
 *   for), with the same rows as the alerts fired cold at that second.
 * fireahead-7: a daemon that stops between the rows made ahead and their commit wrote
 *   nothing: every alert is still pending, every case at its version, and each fires once
 *   after the restart.
 * fireahead-8..12: the firing held (serve-fire-ahead.c): written ahead in a
 *   transaction held open and committed at the instant, byte for byte what a cold twin
 *   writes (8); a request meanwhile rolls it back and both land once (9); a stop leaves
 *   nothing (10); an instant passed before the commit fires as before (11); the write
 *   lock held no longer than the hold before the instant (12).
 * fireahead-13..15: the log around the held firing (burst11): its pages written into the
 *   log and synced before the instant, a crash copy then recovering every alert pending
 *   (13); the log started over before the held rows (14); after the held commit, the
 *   next chunk counted at the held rate and the checkpointer after every commit (15).
 * fireahead-16: a chunk stops where the log would pass its firing bound (burst12).
 * Runs on both backends (15 and 16 on SQLite only; 13 and 14 read the log's files on
 * SQLite only).
 *
 * Map of the file: the helpers of one job run in a transaction (run_job, another_event,
 * alert_events) and fireahead-1..3; the sealed rows' helpers (sealed_db .. last_at) and
 * fireahead-4..7; a daemon holding a firing (held_daemon, fire_at, each_once) and
 * fireahead-8..12; the log's files read as a crash leaves them (wal_file_frames,
 * wal_committed, crash_copy) and fireahead-13..16.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../engine/audit.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h"
#include "task.h"

#define T0    "2026-03-02T09:00:00+08:00"
#define CASES 12

/* Runs one job of kind at instant on srv (not running), in its own transaction. OUT
 * *more; returns the alerts it fired (FIRE) or the cases it made ready (PREFETCH). */
static int run_job(cf_serve_t *srv, cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs,
                   int kind, cf_time_t instant, int *more)
{
    cf_error_t err;
    cf__job_t *job = calloc(1, sizeof(*job));
    ASSERT(job != NULL);
    job->kind = kind;
    job->now = instant;
    job->if_match = -1;
    job->chunk = 10;
    job->srv = srv;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf__job_exec(s, cal, wfs, job), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    int n = kind == CF__JOB_FIRE ? (int)json_array_size(job->alerts) : (int)job->fired;
    *more = job->more;
    cf__job_free(job);
    return n;
}

/* An event of its own on c (an alert of another clock, written as the daemon writes
 * one), committed: c's version moves on, its clocks do not. */
static void another_event(cf_store_t *s, int64_t id, cf_time_t at)
{
    cf_case_t c;
    cf_error_t err;
    char when[CF_TIME_BUFSZ];
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0); /* it initializes c */
    cf_time_format(at, when);
    json_t *events = json_pack("[{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}]", "seq",
                               (json_int_t)c.version + 1, "type", "alert", "at", when, "actor",
                               "caseflow", "role", "system", "clock", "other", "point", "warning",
                               "deadline", when, "due_at", when, "late", 0, "alert_id", "manual");
    ASSERT_EQ(cf_store_case_append(s, &c, events, &err), 0);
    json_decref(events);
    cf_case_dispose(&c);
}

/* How many events of case id are alert alert_id; OUT *version: the case's. The chain
 * verifies. */
static int alert_events(cf_store_t *s, int64_t id, const char *alert_id, int64_t *version)
{
    cf_case_t c;
    cf_error_t err;
    json_t *events, *ev;
    size_t i;
    int n = 0;
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0); /* it initializes c */
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    ASSERT_EQ(json_array_size(events), (size_t)c.version);
    cf_audit_t audit;
    ASSERT_EQ(cf_audit_init(&audit, id), 0);
    ASSERT_EQ(cf_audit_verify(events, c.algo, c.head, &audit), 0);
    ASSERT_EQ(audit.items_count, 0);
    cf_audit_dispose(&audit);
    json_array_foreach(events, i, ev) {
        const char *of = json_string_value(json_object_get(ev, "alert_id"));
        n += of && strcmp(of, alert_id) == 0;
    }
    *version = c.version;
    json_decref(events);
    cf_case_dispose(&c);
    return n;
}

/* fireahead-1 */
TEST_IMPL(fireahead_changed_since)
{
    char db[512];
    td_db("fire-ahead.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES);
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    cf_time_t instant;
    ASSERT_EQ(cf_store_alerts_next(s, &instant, &err), 0);
    cf_alert_t due[CASES + 1];
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 1, &err), CASES);
    int64_t before[CASES];
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &before[k]), 0);
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.fire_chunk = 1024;
    cf_wfcache_t wfs = {0};
    int more = 1, ready = 0;
    while (more)
        ready += run_job(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant, &more);
    ASSERT_EQ(ready, CASES);
    /* fireahead-1.1: case 0 changed after it was read ahead */
    another_event(s, due[0].case_id, instant - 10);
    /* fireahead-1.2: case 1's copy with a clock that no longer matches its alert */
    cf_case_t c;
    char agency[128];
    ASSERT_EQ(cf__ahead_take_any(&srv->writer.ahead, due[1].case_id, &c, agency, sizeof(agency)),
              0);
    cf_clock_rt_t *k = (cf_clock_rt_t *)cf_case_clock(&c, due[1].clock);
    ASSERT(k != NULL);
    k->deadline += 86400;
    ASSERT_EQ(cf__ahead_put(&srv->writer.ahead, &c, agency), 0);
    int fired = 0;
    more = 1;
    while (more)
        fired += run_job(srv, s, cal, &wfs, CF__JOB_FIRE, instant, &more);
    ASSERT_EQ(fired, CASES);
    /* fireahead-1.3: each once, on the chain as it is now */
    for (int i = 0; i < CASES; i++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[i].case_id, due[i].id, &version), 1);
        ASSERT_EQ(version, before[i] + (i == 0 ? 2 : 1));
    }
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 1, &err), 0);
    cf_alert_t *later = calloc(8 * CASES, sizeof(*later));
    ASSERT(later != NULL);
    int left =
        cf_store_alerts_due(s, cf_test_time("2099-01-01T00:00:00+08:00"), later, 8 * CASES, &err);
    ASSERT(left > 0 && left % CASES == 0); /* the other instants, every case's */
    free(later);
    cf__ahead_reset(&srv->writer.ahead, 0);
    cf_store_close(s);
    cf_wfcache_free(&wfs);
    free(srv->writer.fire.alerts);
    free(srv);
    cf_calendar_free(cal);
    return 0;
}

/* fireahead-2 */
TEST_IMPL(fireahead_table_agency)
{
    cf__ahead_t ah = {0};
    cf__ahead_reset(&ah, 100);
    cf_case_t a = {.id = 7}, b = {.id = 7}, out;
    snprintf(a.head, sizeof(a.head), "%s", "aaaa");
    snprintf(b.head, sizeof(b.head), "%s", "bbbb");
    char agency[8];
    ASSERT_EQ(cf__ahead_put(&ah, &a, "甲局"), 0);
    ASSERT_EQ(cf__ahead_put(&ah, &b, "某市医疗保障局"), 0); /* read again: replaces both */
    ASSERT_EQ(cf__ahead_take_any(&ah, 8, &out, agency, sizeof(agency)), CF_ENOTFOUND);
    ASSERT_EQ(cf__ahead_take_any(&ah, 7, &out, agency, sizeof(agency)), 0);
    ASSERT_STR_EQ(out.head, "bbbb");
    ASSERT_EQ(strncmp(agency, "某市", 6), 0); /* cut to the buffer as the store's look cuts */
    ASSERT_EQ(strlen(agency), sizeof(agency) - 1);
    ASSERT_EQ(cf__ahead_take_any(&ah, 7, &out, agency, sizeof(agency)), CF_ENOTFOUND);
    ASSERT_EQ(cf__ahead_take(&ah, 7, "bbbb", &out), CF_ENOTFOUND);
    cf_case_t c = {.id = 9};
    snprintf(c.head, sizeof(c.head), "%s", "cccc");
    ASSERT_EQ(cf__ahead_put(&ah, &c, NULL), 0); /* no agency: "" */
    ASSERT_EQ(cf__ahead_take_any(&ah, 9, &out, agency, sizeof(agency)), 0);
    ASSERT_STR_EQ(agency, "");
    cf__ahead_reset(&ah, 0);
    return 0;
}

/* fireahead-3 */
TEST_IMPL(fireahead_failure_redone)
{
    char db[512];
    td_db("fire-redo.db", db, sizeof(db));
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES);
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    cf_time_t instant;
    ASSERT_EQ(cf_store_alerts_next(s, &instant, &err), 0);
    char sql[512];
    /* between case 5's alert and case 6's in firing order; case 99999 is not there */
    snprintf(sql, sizeof(sql),
             "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, agency) "
             "VALUES ('5:zzz:warning:x', 99999, 'zzz', 'warning', %lld, %lld, '甲局')",
             (long long)instant, (long long)instant);
    ASSERT_EQ(cf__store_exec(s, sql, &err), 0);
    cf_alert_t due[CASES + 2];
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 2, &err), CASES + 1);
    int64_t before[CASES + 1];
    for (int k = 0; k < CASES + 1; k++)
        if (due[k].case_id != 99999)
            ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &before[k]), 0);
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.fire_chunk = 1024;
    cf_wfcache_t wfs = {0};
    int more = 1, fired = 0;
    while (more)
        run_job(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant, &more);
    more = 1;
    while (more)
        fired += run_job(srv, s, cal, &wfs, CF__JOB_FIRE, instant, &more);
    ASSERT_EQ(fired, CASES); /* delivered once each, the failed one not at all */
    for (int k = 0; k < CASES + 1; k++) {
        int64_t version;
        if (due[k].case_id == 99999)
            continue;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        ASSERT_EQ(version, before[k] + 1);
    }
    cf_alert_t a;
    cf_alert_ack_t ack;
    ASSERT_EQ(cf_store_alert_get(s, "5:zzz:warning:x", &a, &ack, &err), 0);
    ASSERT_EQ(a.fired_at, instant);
    cf_alert_t open[CASES + 2];
    int n = cf_store_alerts_unacked(s, instant, open, CASES + 2, &err);
    ASSERT_EQ(n, CASES); /* the failed one is never escalated */
    for (int k = 0; k < n; k++)
        ASSERT(strcmp(open[k].id, "5:zzz:warning:x") != 0);
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 2, &err), 0);
    cf__ahead_reset(&srv->writer.ahead, 0);
    cf_store_close(s);
    cf_wfcache_free(&wfs);
    free(srv->writer.fire.alerts);
    free(srv);
    cf_calendar_free(cal);
    return 0;
}

/* ---- rows made ahead (fireahead-4 to 7) ----------------------------------------------------- */

/* A fresh database name (OUT db, 512 bytes) of CASES cases of 甲局, all due at one instant:
 * OUT store, calendar, instant and due (CASES alerts). */
static void sealed_db(const char *name, char *db, cf_store_t **s, cf_calendar_t **cal,
                      cf_time_t *instant, cf_alert_t *due)
{
    cf_error_t err;
    td_db(name, db, 512);
    td_open_spread(db, "甲局", cf_test_time(T0), 0, CASES);
    ASSERT_EQ(cf_store_open_existing(db, s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(*s, cal, &err), 0);
    ASSERT_EQ(cf_store_alerts_next(*s, instant, &err), 0);
    ASSERT_EQ(cf_store_alerts_due(*s, *instant, due, CASES + 1, &err), CASES);
}

static cf_serve_t *sealed_srv(void)
{
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.fire_chunk = 1024;
    return srv;
}

static void sealed_done(cf_serve_t *srv, cf_store_t *s, cf_calendar_t *cal, cf_wfcache_t *wfs)
{
    cf__ahead_reset(&srv->writer.ahead, 0);
    cf_store_close(s);
    cf_wfcache_free(wfs);
    free(srv->writer.fire.alerts);
    free(srv);
    cf_calendar_free(cal);
}

/* Runs jobs of kind at instant until none is left; returns what they counted. */
static int run_all(cf_serve_t *srv, cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs,
                   int kind, cf_time_t instant)
{
    int more = 1, n = 0;
    while (more)
        n += run_job(srv, s, cal, wfs, kind, instant, &more);
    return n;
}

/* Fires every alert due at instant (CASES of them); returns how many of the delivered
 * alerts carry "made_ahead". */
static int fire_marked(cf_serve_t *srv, cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs,
                       cf_time_t instant)
{
    cf_error_t err;
    int more = 1, fired = 0, marked = 0;
    while (more) {
        cf__job_t *job = calloc(1, sizeof(*job));
        ASSERT(job != NULL);
        *job = (cf__job_t){
            .kind = CF__JOB_FIRE, .now = instant, .if_match = -1, .chunk = 10, .srv = srv};
        ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
        ASSERT_EQ(cf__job_exec(s, cal, wfs, job), 0);
        ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
        size_t i;
        json_t *a;
        json_array_foreach(job->alerts, i, a) {
            marked += json_is_true(json_object_get(a, "made_ahead"));
            fired++;
        }
        more = job->more;
        cf__job_free(job);
    }
    ASSERT_EQ(fired, CASES);
    return marked;
}

/* Case id's events, key-sorted compact text (malloc'd), and OUT snapshot: its row's. */
static char *case_text(cf_store_t *s, int64_t id, char **snapshot)
{
    cf_case_t c;
    cf_error_t err;
    json_t *events;
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0); /* it initializes c */
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    char *text = json_dumps(events, JSON_COMPACT | JSON_SORT_KEYS);
    ASSERT(text != NULL);
    *snapshot = cf_case_snapshot_text(&c);
    ASSERT(*snapshot != NULL);
    json_decref(events);
    cf_case_dispose(&c);
    return text;
}

/* The `at` of case id's last event (OUT at, CF_TIME_BUFSZ bytes). */
static void last_at(cf_store_t *s, int64_t id, char *at)
{
    json_t *events;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    const char *t = json_string_value(
        json_object_get(json_array_get(events, json_array_size(events) - 1), "at"));
    ASSERT(t != NULL);
    snprintf(at, CF_TIME_BUFSZ, "%s", t);
    json_decref(events);
}

/* fireahead-4 */
TEST_IMPL(fireahead_sealed_same)
{
    cf_store_t *s, *cold;
    cf_calendar_t *cal, *cal2;
    cf_time_t instant, instant2;
    cf_alert_t due[CASES + 1], due2[CASES + 1];
    char db[512], db2[512];
    sealed_db("sealed-ahead.db", db, &s, &cal, &instant, due);
    sealed_db("sealed-cold.db", db2, &cold, &cal2, &instant2, due2);
    ASSERT_EQ(instant, instant2);
    cf_serve_t *srv = sealed_srv(), *srv2 = sealed_srv();
    cf_wfcache_t wfs = {0}, wfs2 = {0};
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant), CASES);
    char heads[CASES][CF_CHAIN_HEX];
    for (int k = 0; k < CASES; k++) { /* fireahead-4.1: made for each alert */
        const cf__ahead_prep_t *p = cf__ahead_prepared(&srv->writer.ahead, due[k].case_id);
        ASSERT(p != NULL);
        ASSERT_STR_EQ(p->alert_id, due[k].id);
        snprintf(heads[k], sizeof(heads[k]), "%s", p->head);
    }
    /* a mark on what case 0's rows deliver: the delivered alert is the one made ahead */
    json_t *made = cf__ahead_prepared(&srv->writer.ahead, due[0].case_id)->fired;
    ASSERT_EQ(json_object_set_new(made, "made_ahead", json_true()), 0);
    ASSERT_EQ(fire_marked(srv, s, cal, &wfs, instant), 1);
    ASSERT_EQ(run_all(srv2, cold, cal2, &wfs2, CF__JOB_FIRE, instant), CASES);
    for (int k = 0; k < CASES; k++) { /* fireahead-4.2: what was made is what was written */
        int64_t version;
        cf_case_t c;
        cf_error_t err;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        ASSERT_EQ(cf_store_case_get(s, due[k].case_id, &c, &err), 0);
        ASSERT_STR_EQ(c.head, heads[k]);
        cf_case_dispose(&c);
        /* fireahead-4.3: the same rows as fired cold */
        char *snap, *snap2, *text = case_text(s, due[k].case_id, &snap),
                            *text2 = case_text(cold, due2[k].case_id, &snap2);
        ASSERT_STR_EQ(text, text2);
        ASSERT_STR_EQ(snap, snap2);
        free(text);
        free(text2);
        free(snap);
        free(snap2);
    }
    ASSERT_EQ(srv->writer.ahead.slots, NULL); /* emptied once the instant is fired */
    sealed_done(srv, s, cal, &wfs);
    sealed_done(srv2, cold, cal2, &wfs2);
    return 0;
}

/* fireahead-5 */
TEST_IMPL(fireahead_sealed_changed)
{
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t before[CASES];
    char db[512];
    sealed_db("sealed-changed.db", db, &s, &cal, &instant, due);
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &before[k]), 0);
    cf_serve_t *srv = sealed_srv();
    cf_wfcache_t wfs = {0};
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant), CASES);
    ASSERT(cf__ahead_prepared(&srv->writer.ahead, due[3].case_id) != NULL);
    another_event(s, due[3].case_id, instant - 10); /* after its rows were made */
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_FIRE, instant), CASES);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        ASSERT_EQ(version, before[k] + (k == 3 ? 2 : 1));
    }
    cf_error_t err;
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 1, &err), 0);
    sealed_done(srv, s, cal, &wfs);
    return 0;
}

/* fireahead-6 */
TEST_IMPL(fireahead_sealed_next_second)
{
    cf_store_t *s, *cold;
    cf_calendar_t *cal, *cal2;
    cf_time_t instant, instant2;
    cf_alert_t due[CASES + 1], due2[CASES + 1];
    char db[512], db2[512];
    sealed_db("sealed-late.db", db, &s, &cal, &instant, due);
    sealed_db("sealed-late-cold.db", db2, &cold, &cal2, &instant2, due2);
    cf_serve_t *srv = sealed_srv(), *srv2 = sealed_srv();
    cf_wfcache_t wfs = {0}, wfs2 = {0};
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant), CASES);
    json_t *made = cf__ahead_prepared(&srv->writer.ahead, due[0].case_id)->fired;
    ASSERT_EQ(json_object_set_new(made, "made_ahead", json_true()), 0);
    /* fireahead-6.1: fired a second after the instant, from the rows sealed again */
    ASSERT_EQ(fire_marked(srv, s, cal, &wfs, instant + 1), 1);
    ASSERT_EQ(run_all(srv2, cold, cal2, &wfs2, CF__JOB_FIRE, instant + 1), CASES);
    char want[CF_TIME_BUFSZ], at[CF_TIME_BUFSZ];
    cf_time_format(instant + 1, want);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        last_at(s, due[k].case_id, at); /* fireahead-6.2: the second it fired in */
        ASSERT_STR_EQ(at, want);
        /* fireahead-6.3: the same rows as fired cold at that second */
        char *snap, *snap2, *text = case_text(s, due[k].case_id, &snap),
                            *text2 = case_text(cold, due2[k].case_id, &snap2);
        ASSERT_STR_EQ(text, text2);
        ASSERT_STR_EQ(snap, snap2);
        free(text);
        free(text2);
        free(snap);
        free(snap2);
    }
    sealed_done(srv, s, cal, &wfs);
    sealed_done(srv2, cold, cal2, &wfs2);
    return 0;
}

/* fireahead-7 */
TEST_IMPL(fireahead_sealed_crash)
{
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t before[CASES];
    char db[512];
    cf_error_t err;
    sealed_db("sealed-crash.db", db, &s, &cal, &instant, due);
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &before[k]), 0);
    cf_serve_t *srv = sealed_srv();
    cf_wfcache_t wfs = {0};
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_PREFETCH, instant), CASES);
    ASSERT(cf__ahead_prepared(&srv->writer.ahead, due[0].case_id) != NULL);
    sealed_done(srv, s, cal, &wfs); /* stopped before the instant: the rows are lost */
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    ASSERT_EQ(cf_store_alerts_due(s, instant, due, CASES + 1, &err), CASES);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 0);
        ASSERT_EQ(version, before[k]);
    }
    srv = sealed_srv();
    memset(&wfs, 0, sizeof(wfs));
    ASSERT_EQ(run_all(srv, s, cal, &wfs, CF__JOB_FIRE, instant), CASES);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        ASSERT_EQ(version, before[k] + 1);
    }
    sealed_done(srv, s, cal, &wfs);
    return 0;
}

/* ---- firing ahead: written before the instant, committed at it (fireahead-8 to 12) ----- */

/* A daemon (OUT d, cfg) on a fresh database db of CASES cases due at one instant (OUT
 * instant, due, and each case's version before, vbefore), its clock ten minutes before the
 * instant and the read-ahead's lead an hour: the rows are made, and the firing written
 * ahead is held, long before real time could reach the instant, so nothing here waits on
 * it. off: 1 no firing ahead (the path before); 2 firing ahead held at most 300 s before
 * the instant (a read-ahead's lead of an hour is done long before then); 0 held as long as
 * the lead. Returns a handler's token of 甲局. */
static char *held_daemon(td_daemon_t *d, cf_serve_config_t *cfg, const char *name, char *db,
                         int off, cf_time_t *instant, cf_alert_t *due, int64_t *vbefore)
{
    cf_store_t *s;
    cf_calendar_t *cal;
    sealed_db(name, db, &s, &cal, instant, due);
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &vbefore[k]), 0);
    cf_store_close(s);
    cf_calendar_free(cal);
    char *token = td_token(db, "甲局", "handler", "张三");
    td_config(cfg, db, NULL);
    cfg->now = *instant - 600;
    cfg->prefetch_lead_ms = 3600 * 1000;
    cfg->fire_ahead_off = off == 1;
    cfg->fire_ahead_hold_ms = off == 2 ? 300 * 1000 : 3600 * 1000;
    td_start(d, cfg);
    if (off) {
        CF_TEST_WAIT_UNTIL(td_metric(d, "caseflow_alert_cases_prefetched_total") == CASES);
        ASSERT_EQ(td_metric(d, "caseflow_alert_cases_prefetched_total"), CASES);
    } else {
        CF_TEST_WAIT_UNTIL(td_metric(d, "caseflow_fire_ahead_held") == 1);
        ASSERT_EQ(td_metric(d, "caseflow_fire_ahead_held"), 1);
    }
    return token;
}

/* Moves d's clock to the second at (waits for every alert due then), then stops d. */
static void fire_at(td_daemon_t *d, cf_time_t at)
{
    char iso[CF_TIME_BUFSZ];
    cf_time_format(at, iso);
    td_clock(d, iso);
}

/* Each of the CASES alerts of due once on its case's chain (which verifies), each case at
 * its version before + 1 (+ 2 for case extra, given an event of its own meanwhile), every
 * event's last `at` at. */
static void each_once(const char *db, const cf_alert_t *due, const int64_t *vbefore, int extra,
                      cf_time_t at)
{
    cf_store_t *s;
    cf_error_t err;
    char want[CF_TIME_BUFSZ], last[CF_TIME_BUFSZ];
    cf_time_format(at, want);
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 1);
        ASSERT_EQ(version, vbefore[k] + (k == extra ? 2 : 1));
        last_at(s, due[k].case_id, last);
        ASSERT_STR_EQ(last, want);
    }
    cf_alert_t left[CASES + 1];
    ASSERT_EQ(cf_store_alerts_due(s, at, left, CASES + 1, &err), 0);
    cf_store_close(s);
}

/* fireahead-8 */
TEST_IMPL(fireahead_held_same)
{
    td_daemon_t d, d2;
    cf_serve_config_t cfg, cfg2;
    cf_time_t instant, instant2;
    cf_alert_t due[CASES + 1], due2[CASES + 1];
    int64_t vb[CASES], vb2[CASES];
    char db[512], db2[512];
    char *token = held_daemon(&d, &cfg, "held-ahead.db", db, 0, &instant, due, vb);
    char *token2 = held_daemon(&d2, &cfg2, "held-before.db", db2, 1, &instant2, due2, vb2);
    ASSERT_EQ(instant, instant2);
    /* fireahead-8.1: the rows written ahead, held: nothing fired, nothing visible */
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 0);
    json_t *pending = td_get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= CASES);
    json_decref(pending);
    /* fireahead-8.2: committed at the instant, every alert from the transaction held */
    fire_at(&d, instant);
    fire_at(&d2, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES);
    ASSERT_EQ(td_metric(&d2, "caseflow_alerts_fired_total"), CASES);
    ASSERT_EQ(td_metric(&d2, "caseflow_alerts_fired_ahead_total"), 0);
    td_stop(&d);
    td_stop(&d2);
    each_once(db, due, vb, -1, instant);
    each_once(db2, due2, vb2, -1, instant);
    /* fireahead-8.3: byte for byte the rows the path before writes */
    cf_store_t *s, *s2;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_open_existing(db2, &s2, &err), 0);
    for (int k = 0; k < CASES; k++) {
        char *snap, *snap2, *text = case_text(s, due[k].case_id, &snap),
                            *text2 = case_text(s2, due2[k].case_id, &snap2);
        ASSERT_STR_EQ(text, text2);
        ASSERT_STR_EQ(snap, snap2);
        free(text);
        free(text2);
        free(snap);
        free(snap2);
    }
    cf_store_close(s);
    cf_store_close(s2);
    free(token);
    free(token2);
    return 0;
}

/* fireahead-9 */
TEST_IMPL(fireahead_held_request)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    char *token = held_daemon(&d, &cfg, "held-request.db", db, 0, &instant, due, vb);
    /* fireahead-9.1: a request on one of the instant's cases is answered (ten minutes
     * before the instant: it did not wait for it), the work held rolled back for it */
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/evidence", (long long)due[3].case_id);
    td_post_json(&d, NULL, path, token,
                 json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "kind", "书证",
                           "title", "处方单据", "source", "当事人", "method", "调取", "officers",
                           "name", "张三", "cert", "1", "name", "王五", "cert", "2"),
                 NULL, 201);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 0);
    ASSERT(td_metric(&d, "caseflow_fire_ahead_rollbacks_total") >= 1);
    /* fireahead-9.2: written again after it, and committed at the instant */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_fire_ahead_held") == 1);
    ASSERT_EQ(td_metric(&d, "caseflow_fire_ahead_held"), 1);
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES);
    td_stop(&d);
    /* fireahead-9.3: the request's event and every alert, each once, case 3's after it */
    each_once(db, due, vb, 3, instant);
    free(token);
    return 0;
}

/* fireahead-10 */
TEST_IMPL(fireahead_held_stopped)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    cf_store_t *s;
    cf_error_t err;
    char *token = held_daemon(&d, &cfg, "held-stopped.db", db, 0, &instant, due, vb);
    td_stop(&d); /* fireahead-10.1: stopped with the rows written and held: nothing kept */
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    cf_alert_t left[CASES + 1];
    ASSERT_EQ(cf_store_alerts_due(s, instant, left, CASES + 1, &err), CASES);
    for (int k = 0; k < CASES; k++) {
        int64_t version;
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 0);
        ASSERT_EQ(version, vb[k]);
    }
    cf_store_close(s);
    /* fireahead-10.2: started again at the instant, each fires once */
    td_config(&cfg, db, NULL);
    cfg.now = instant;
    td_start(&d, &cfg);
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    td_stop(&d);
    each_once(db, due, vb, -1, instant);
    free(token);
    return 0;
}

/* fireahead-11 */
TEST_IMPL(fireahead_held_late)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    char *token = held_daemon(&d, &cfg, "held-late.db", db, 0, &instant, due, vb);
    /* The instant's second passed before the commit (here: the clock moved a second past
     * it): the rows held are rolled back and the alerts fired as before, at that second. */
    fire_at(&d, instant + 1);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), 0);
    ASSERT(td_metric(&d, "caseflow_fire_ahead_rollbacks_total") >= 1);
    td_stop(&d);
    each_once(db, due, vb, -1, instant + 1);
    free(token);
    return 0;
}

/* fireahead-12: the write lock is held no longer than the hold before the instant
 * (cfg.fire_ahead_hold_ms; 1.5 s by default): the rows read ahead an hour before, a
 * command-line writer still gets the lock ten minutes before; the firing ahead is queued
 * once the clock is inside the hold, and committed at the instant. */
TEST_IMPL(fireahead_held_window)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    char *token = held_daemon(&d, &cfg, "held-window.db", db, 2, &instant, due, vb);
    /* fireahead-12.1: read ahead, not written: another process takes the write lock (a
     * writer that did not wait would hold it within milliseconds of the read-ahead's end;
     * the second below is that margin many times over) */
    usleep(1000 * 1000);
    ASSERT_EQ(td_metric(&d, "caseflow_fire_ahead_held"), 0);
    if (!cf_test_pg()) { /* (PostgreSQL's writers do not share one lock) */
        sqlite3 *other;
        ASSERT_EQ(sqlite3_open(db, &other), SQLITE_OK);
        sqlite3_busy_timeout(other, 2000);
        ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(other);
    }
    /* fireahead-12.2: the clock inside the hold: written ahead and held */
    fire_at(&d, instant - 200);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_fire_ahead_held") == 1);
    ASSERT_EQ(td_metric(&d, "caseflow_fire_ahead_held"), 1);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 0);
    /* fireahead-12.3: committed at the instant, each alert once */
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES);
    td_stop(&d);
    each_once(db, due, vb, -1, instant);
    free(token);
    return 0;
}

/* Frames at the start of write-ahead log file wal that belong to its current generation
 * (the header's salts), committed or not: what a crash at that moment leaves in it. */
static int wal_file_frames(const char *wal)
{
    FILE *f = fopen(wal, "rb");
    unsigned char h[32], fh[24];
    int n = 0;
    if (f && fread(h, 1, sizeof(h), f) == sizeof(h)) {
        long page = (long)h[8] << 24 | (long)h[9] << 16 | (long)h[10] << 8 | h[11];
        while (fread(fh, 1, sizeof(fh), f) == sizeof(fh) && memcmp(fh + 8, h + 16, 8) == 0 &&
               fseek(f, page, SEEK_CUR) == 0)
            n++;
    }
    if (f)
        fclose(f);
    return n;
}

/* The frames SQLite recovers as committed from copy (a database and its log, no -shm). */
static int wal_committed(const char *copy)
{
    sqlite3 *lite;
    sqlite3_stmt *st;
    int log = -1;
    ASSERT_EQ(sqlite3_open(copy, &lite), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(lite, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        log = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(lite);
    return log;
}

/* Copies db and its log (not -shm: the copy is recovered from the log, as after a crash)
 * to copy; OUT *frames: the log file's frames of its current generation. */
static void crash_copy(const char *db, const char *copy, int *frames)
{
    char from[600], to[600];
    cf_test_copy_file(db, copy);
    snprintf(from, sizeof(from), "%s-wal", db);
    snprintf(to, sizeof(to), "%s-wal", copy);
    cf_test_copy_file(from, to);
    snprintf(to, sizeof(to), "%s-shm", copy);
    unlink(to);
    *frames = wal_file_frames(from);
}

/* fireahead-13: the held transaction's pages are written into the log and synced before
 * the instant (serve-writer.c, "presync"), so that its commit at the instant writes and
 * syncs little more than a frame; a crash while it is held still leaves nothing. */
TEST_IMPL(fireahead_held_presync)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512], copy[600];
    char *token = held_daemon(&d, &cfg, "held-presync.db", db, 0, &instant, due, vb);
    ASSERT(td_metric(&d, "caseflow_fire_ahead_presyncs_total") >= 1);
    if (!cf_test_pg()) {
        /* fireahead-13.1: the log file holds the held pages, past its committed frames
         * (without the presync they stay in the writer's cache: the two counts equal) */
        int frames;
        snprintf(copy, sizeof(copy), "%s.crash", db);
        crash_copy(db, copy, &frames);
        int committed = wal_committed(copy);
        ASSERT(committed >= 0);
        ASSERT(frames > committed);
        /* fireahead-13.2: a crash now (the files as they are): every alert pending, every
         * case at its version, nothing recorded */
        cf_store_t *s;
        cf_error_t err;
        ASSERT_EQ(cf_store_open_existing(copy, &s, &err), 0);
        cf_alert_t left[CASES + 1];
        ASSERT_EQ(cf_store_alerts_due(s, instant, left, CASES + 1, &err), CASES);
        for (int k = 0; k < CASES; k++) {
            int64_t version;
            ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &version), 0);
            ASSERT_EQ(version, vb[k]);
        }
        cf_store_close(s);
    }
    /* fireahead-13.3: committed at the instant, from the transaction held, each once */
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES);
    td_stop(&d);
    each_once(db, due, vb, -1, instant);
    free(token);
    return 0;
}

/* fireahead-14: the log is started over before a firing is written ahead
 * (cf__wal_restart_ahead), so the held frames begin at its start: a request's commit
 * before the hold leaves frames in the log, and while the firing is held none is
 * committed. */
TEST_IMPL(fireahead_held_restart_ahead)
{
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512], copy[600], path[64];
    char *token = held_daemon(&d, &cfg, "held-restart.db", db, 2, &instant, due, vb);
    snprintf(path, sizeof(path), "/v1/cases/%lld/evidence", (long long)due[3].case_id);
    td_post_json(&d, NULL, path, token,
                 json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "kind", "书证",
                           "title", "处方单据", "source", "当事人", "method", "调取", "officers",
                           "name", "张三", "cert", "1", "name", "王五", "cert", "2"),
                 NULL, 201);
    ASSERT_EQ(td_metric(&d, "caseflow_wal_restarts_ahead_total"), 0);
    fire_at(&d, instant - 200); /* inside the hold: written ahead and held */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_fire_ahead_held") == 1);
    ASSERT_EQ(td_metric(&d, "caseflow_fire_ahead_held"), 1);
    if (!cf_test_pg()) {
        /* fireahead-14.1: the log started over before the held frames (PostgreSQL has none) */
        ASSERT_EQ(td_metric(&d, "caseflow_wal_restarts_ahead_total"), 1);
        int frames;
        snprintf(copy, sizeof(copy), "%s.crash", db);
        crash_copy(db, copy, &frames);
        ASSERT_EQ(wal_committed(copy), 0);
        ASSERT(frames > 0);
    }
    /* fireahead-14.2: committed at the instant, each alert once, the request's event too */
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES);
    td_stop(&d);
    each_once(db, due, vb, 3, instant);
    free(token);
    return 0;
}

/* What the first chunk after a held commit found as it began (cfg.fire_probe, writer
 * thread): the log's restarts and frames written, the frames the log's restart counted
 * on for it, and whether the checkpointer ran after every commit. */
typedef struct after_held_s {
    td_daemon_t *d;
    atomic_int seen, eager, frames;
    atomic_ullong restarts, written;
} after_held_t;

static void after_held_probe(void *ctx, unsigned chunk)
{
    after_held_t *a = ctx;
    cf__writer_t *w = &a->d->srv->writer;
    (void)chunk;
    if (atomic_load(&w->fired_ahead) == 0 || atomic_load(&a->seen))
        return;
    atomic_store(&a->restarts, atomic_load(&w->wal_restarts));
    atomic_store(&a->written, atomic_load(&w->wal_written));
    atomic_store(&a->frames, w->fire_frames);
    atomic_store(&a->eager, atomic_load(&w->ckpt.eager));
    atomic_store(&a->seen, 1);
}

/* fireahead-15: after the held commit, the log's restart counts the next chunk as
 * writing as many frames an alert as the held commit did, for a whole chunk's alerts
 * (chunk_frames: the figure left by the read-ahead's commits, 0 or 1 frame, let a chunk
 * take the log past its bound), and the checkpointer copies the held frames after every
 * commit until the log is started over (ahead_pace), not once an interval. */
TEST_IMPL(fireahead_held_restart_later)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    cf_store_t *s;
    cf_calendar_t *cal;
    sealed_db("held-later.db", db, &s, &cal, &instant, due);
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &vb[k]), 0);
    cf_store_close(s);
    cf_calendar_free(cal);
    td_config(&cfg, db, NULL);
    cfg.now = instant - 600;
    cfg.prefetch_lead_ms = 3600 * 1000;
    cfg.fire_ahead_hold_ms = 300 * 1000;
    cfg.fire_chunk = 2;
    after_held_t seen = {.d = &d};
    cfg.fire_probe = after_held_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    ASSERT(w->ckpt.started);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alert_cases_prefetched_total") == CASES);
    w->fire_ahead_max = CASES / 2; /* half held, half in chunks of 2 after it */
    atomic_store(&w->wal_firing_frames, 100000);
    fire_at(&d, instant - 200);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_fire_ahead_held") == 1);
    unsigned long long restarts = atomic_load(&w->wal_restarts);
    unsigned long long written = atomic_load(&w->wal_written);
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES / 2);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    ASSERT_EQ(atomic_load(&seen.seen), 1);
    /* fireahead-15.1: the next chunk counted as 2 alerts of the held commit's frames */
    unsigned long long held = atomic_load(&seen.written) - written;
    ASSERT(held > 0);
    ASSERT((unsigned long long)atomic_load(&seen.frames) * (CASES / 2) >= held * 2);
    /* fireahead-15.2: it fit: it began on the log as the held commit left it, the
     * checkpointer running after every commit */
    ASSERT_EQ(atomic_load(&seen.restarts), restarts);
    ASSERT_EQ(atomic_load(&seen.eager), 1);
    td_stop(&d);
    each_once(db, due, vb, -1, instant);
    return 0;
}

/* Each chunk after a held commit (cfg.fire_probe, writer thread) finds the firing bound set
 * to the log as it is: no room for one more alert. */
typedef struct at_bound_s {
    td_daemon_t *d;
    atomic_int chunks;
} at_bound_t;

static void at_bound_probe(void *ctx, unsigned chunk)
{
    at_bound_t *a = ctx;
    cf__writer_t *w = &a->d->srv->writer;
    (void)chunk;
    if (atomic_load(&w->fired_ahead) == 0)
        return;
    atomic_store(&w->wal_firing_frames, cf_store_wal_frames(w->store));
    atomic_fetch_add(&a->chunks, 1);
}

/* fireahead-16 (burst12): a chunk fires no more alerts than fit under the log's firing
 * bound at the last firing commit's frames an alert (serve-fire.c, log_room), so the log
 * fills up to the bound and starts over there; with no room at all it still fires one
 * (progress). Here every chunk after the held commit finds the bound at the log's end: the
 * rest fire one a chunk, where fire_chunk (1,024) took them all in one chunk past the bound;
 * each alert once. */
TEST_IMPL(fireahead_chunk_at_bound)
{
    CF_TEST_SQLITE_ONLY("SQLite's write-ahead log");
    td_daemon_t d;
    cf_serve_config_t cfg;
    cf_time_t instant;
    cf_alert_t due[CASES + 1];
    int64_t vb[CASES];
    char db[512];
    cf_store_t *s;
    cf_calendar_t *cal;
    sealed_db("at-bound.db", db, &s, &cal, &instant, due);
    for (int k = 0; k < CASES; k++)
        ASSERT_EQ(alert_events(s, due[k].case_id, due[k].id, &vb[k]), 0);
    cf_store_close(s);
    cf_calendar_free(cal);
    td_config(&cfg, db, NULL);
    cfg.now = instant - 600;
    cfg.prefetch_lead_ms = 3600 * 1000;
    cfg.fire_ahead_hold_ms = 300 * 1000;
    at_bound_t seen = {.d = &d};
    cfg.fire_probe = at_bound_probe;
    cfg.fire_probe_ctx = &seen;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    ASSERT(w->ckpt.started);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_alert_cases_prefetched_total") == CASES);
    w->fire_ahead_max = CASES / 2; /* half held, the rest in chunks after it */
    fire_at(&d, instant - 200);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_fire_ahead_held") == 1);
    long long chunks = td_metric(&d, "caseflow_fire_chunks_total");
    fire_at(&d, instant);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_ahead_total"), CASES / 2);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), CASES);
    /* fireahead-16.1: the held chunk, then one alert a chunk */
    ASSERT_EQ(atomic_load(&seen.chunks), CASES / 2);
    ASSERT_EQ(td_metric(&d, "caseflow_fire_chunks_total") - chunks, 1 + CASES / 2);
    /* fireahead-16.2: each of them but the last stopped at the log's bound */
    ASSERT_EQ(td_metric(&d, "caseflow_fire_chunks_at_log_bound_total"), CASES / 2 - 1);
    td_stop(&d);
    each_once(db, due, vb, -1, instant);
    return 0;
}
