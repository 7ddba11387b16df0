/*
 * test-alert-id.c -- an alert's id without epoch seconds (issue 17 item 4: no epoch
 * integers in any JSON), the migration that rewrites stored ids, old ids still
 * resolving, and the provisional mark on pending alert rows (R11).
 *
 * alertid-1.*: the id's form, its basic-format instant, the reader of both forms.
 * alertid-2.*: a database of schema 9 migrated: every stored id rewritten, the
 *              pending rows' provisional years taken from the case's clock.
 * alertid-3.*: the daemon: GET /v1/alerts rows carry the new ids and, pending, the
 *              provisional years; an old-form id still works as a cursor.
 */
#include <regex.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

/* The id's due field: ISO basic, never a run of epoch digits. */
static int id_has_basic_form(const char *id)
{
    regex_t re;
    int ok = regcomp(&re, "^[0-9]+:[a-z_]+:(warning|deadline):[0-9]{8}T[0-9]{6}\\+0800$",
                     REG_EXTENDED | REG_NOSUB) == 0;
    ok = ok && regexec(&re, id, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* alertid-1.1..1.4 */
TEST_IMPL(alert_id_form)
{
    cf_time_t due = cf_test_time("2027-03-08T23:59:59+08:00");
    char id[160], canon[160];
    /* alertid-1.1: the due instant in ISO basic form, China time */
    ASSERT_EQ(cf_store_alert_id(7, "decision", "warning", due, id, sizeof(id)), 0);
    ASSERT_STR_EQ(id, "7:decision:warning:20270308T235959+0800");
    ASSERT(id_has_basic_form(id));
    ASSERT_EQ(cf_store_alert_id(7, "decision", "warning", due, id, 20), CF_EINVAL);
    ASSERT_STR_EQ(id, "");
    char basic[CF_TIME_BUFSZ];
    cf_time_format_basic(cf_test_time("2026-12-31T16:00:00Z"), basic);
    ASSERT_STR_EQ(basic, "20270101T000000+0800");
    /* alertid-1.2: the basic form parses back, with any offset */
    cf_time_t t = 0;
    ASSERT_EQ(cf_time_parse_basic("20270308T235959+0800", &t, NULL), 0);
    ASSERT_EQ(t, due);
    ASSERT_EQ(cf_time_parse_basic("20270308T155959Z", &t, NULL), 0);
    ASSERT_EQ(t, due);
    cf_error_t err;
    const char *bad[] = {"20270308T235959",      "2027-03-08T23:59:59+08:00",
                         "20271308T235959+0800", "20270308X235959+0800",
                         "1804514399",           ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 42;
        ASSERT_EQ(cf_time_parse_basic(bad[i], &t, &err), CF_EPARSE);
        ASSERT_EQ(t, 42);
    }
    /* alertid-1.3: an id of either form resolves to today's form and its instant */
    cf_time_t got = 0;
    char old[64];
    snprintf(old, sizeof(old), "7:decision:warning:%lld", (long long)due);
    ASSERT_EQ(cf_store_alert_id_canon(old, &got, canon, sizeof(canon)), 0);
    ASSERT_STR_EQ(canon, "7:decision:warning:20270308T235959+0800");
    ASSERT_EQ(got, due);
    got = 0;
    ASSERT_EQ(cf_store_alert_id_canon(id[0] ? id : canon, &got, canon, sizeof(canon)), 0);
    ASSERT_STR_EQ(canon, "7:decision:warning:20270308T235959+0800");
    ASSERT_EQ(got, due);
    /* alertid-1.4: anything else is refused, outputs untouched */
    const char *wrong[] = {
        "7:decision:warning:", "x:decision:warning:1", "7:decision:1",           "7::warning:1",
        "7:a:b:c:1",           "0:decision:warning:1", "7:decision:warning:12ab"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        got = 99;
        strcpy(canon, "unchanged");
        if (cf_store_alert_id_canon(wrong[i], &got, canon, sizeof(canon)) != CF_EINVAL)
            CF__FAIL("'%s' accepted", wrong[i]);
        ASSERT_EQ(got, 99);
        ASSERT_STR_EQ(canon, "unchanged");
    }
    ASSERT_EQ(cf_store_alert_id_canon(old, &got, canon, 10), CF_EINVAL);
    ASSERT_STR_EQ(canon, "unchanged");
    return 0;
}

static sqlite3 *raw(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        CF__FAIL("open %s", path);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        CF__FAIL("%s: %s", sql, msg ? msg : "?");
}

/* alertid-2.1: a schema-9 database (ids with epoch seconds, no provisional
 * columns) opened by today's store: every id rewritten to what
 * cf_store_alerts_sync writes today, fired rows too; a pending alert of a clock
 * counted on provisional years carries them; nothing else changes. */
TEST_IMPL(alert_id_migration)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec, raw)");
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    ASSERT_EQ(cf_calendar_set_provisional(cal, CF_CALENDAR_PROVISIONAL_YEARS), 0);
    cf_store_t *s = cf_test_store("alert-migrate.db");
    cf_case_t a, b;
    cf_error_t err;
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &a);
    cf_test_open(s, wf, cal, "2026-12-20T09:00:00+08:00", &b); /* deadline in 2027 */
    ASSERT_EQ(cf_store_alerts_sync(s, &a, wf, cal, &err), 0);
    ASSERT_EQ(cf_store_alerts_sync(s, &b, wf, cal, &err), 0);
    cf_alert_t due[8];
    cf_time_t next = 0;
    ASSERT_EQ(cf_store_alerts_next(s, &next, &err), 0);
    ASSERT_EQ(cf_store_alerts_due(s, next, due, 8, &err), 1);
    ASSERT_EQ(cf_store_alert_mark(s, due[0].id, due[0].due_at, &err), 0);
    char fired_id[160];
    snprintf(fired_id, sizeof(fired_id), "%s", due[0].id);
    cf_store_close(s);
    /* Back to schema 9. */
    char path[512];
    snprintf(path, sizeof(path), "%s/alert-migrate.db", cf_test_tmpdir());
    sqlite3 *db = raw(path);
    exec(db, cf_test_undo_18_sqlite);
    exec(db, "CREATE TABLE want AS SELECT alert_id, prov_first, prov_last, fired_at FROM alerts;"
             "UPDATE alerts SET alert_id = case_id || ':' || clock_id || ':' || point || ':' || "
             "due_at;"
             "ALTER TABLE alerts DROP COLUMN prov_first; ALTER TABLE alerts DROP COLUMN prov_last;"
             "ALTER TABLE alerts DROP COLUMN claim_owner; ALTER TABLE alerts DROP COLUMN "
             "claim_until;" /* schema 16 */
             "PRAGMA user_version = 9");
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), SUM(alert_id GLOB '*T*') FROM alerts", -1,
                                 &st, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    int rows = sqlite3_column_int(st, 0);
    ASSERT(rows >= 4);
    ASSERT_EQ(sqlite3_column_int(st, 1), 0); /* epoch seconds everywhere */
    sqlite3_finalize(st);
    sqlite3_close(db);
    ASSERT_EQ(cf_store_open(path, &s, &err), 0); /* migrates */
    cf_store_close(s);
    db = raw(path);
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT COUNT(*), SUM(w.prov_first > 0), SUM(l.fired_at IS NOT "
                                 "NULL) FROM alerts l JOIN want w ON w.alert_id = l.alert_id AND "
                                 "w.prov_first = l.prov_first AND w.prov_last = l.prov_last AND "
                                 "w.fired_at IS l.fired_at",
                                 -1, &st, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(st, 0), rows); /* each row as today's store writes it */
    ASSERT(sqlite3_column_int(st, 1) >= 1);     /* b's alerts: provisional 2027 */
    ASSERT_EQ(sqlite3_column_int(st, 2), 1);
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT alert_id FROM alerts", -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        ASSERT(id_has_basic_form((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    ASSERT(id_has_basic_form(fired_id));
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* alertid-3.1: through the daemon, a case opened on 2026-12-20 (its filing
 * deadline counted on the provisional 2027): each pending row carries
 * "provisional": [2027] and an id in the new form; paging by an id of the old
 * form gives the same next page as by the new. */
TEST_IMPL(alert_id_daemon_rows)
{
    char db[512];
    td_db("alert-rows.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, "2026-12-20T09:00:00+08:00");
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    td_resp_t r;
    json_t *pending = td_get_json(&d, token, "/v1/alerts?state=pending"), *a;
    size_t i;
    ASSERT(json_array_size(pending) >= 2);
    json_array_foreach(pending, i, a) {
        ASSERT(id_has_basic_form(json_string_value(json_object_get(a, "alert_id"))));
        json_t *prov = json_object_get(a, "provisional");
        ASSERT(json_is_array(prov));
        ASSERT_EQ(json_integer_value(json_array_get(prov, 0)), 2027);
    }
    /* The old form of the first row's id pages like the new one. */
    const char *first = json_string_value(json_object_get(json_array_get(pending, 0), "alert_id"));
    cf_time_t due = 0;
    char canon[160], path[400];
    ASSERT_EQ(cf_store_alert_id_canon(first, &due, canon, sizeof(canon)), 0);
    char old[160];
    snprintf(old, sizeof(old), "%.*s%lld", (int)(strrchr(first, ':') - first + 1), first,
             (long long)due);
    snprintf(path, sizeof(path), "/v1/alerts?state=pending&limit=1&cursor=%s", old);
    json_t *by_old = td_get_json(&d, token, path);
    snprintf(path, sizeof(path), "/v1/alerts?state=pending&limit=1&cursor=%s", first);
    json_t *by_new = td_get_json(&d, token, path);
    ASSERT_EQ(json_array_size(by_new), 1);
    ASSERT(json_equal(by_old, by_new));
    ASSERT(json_equal(json_array_get(by_new, 0), json_array_get(pending, 1)));
    /* A cursor of neither form is refused. */
    td_http(&d, "GET", "/v1/alerts?cursor=1:filing:warning:soon", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 400);
    td_resp_free(&r);
    json_decref(by_old);
    json_decref(by_new);
    json_decref(pending);
    td_stop(&d);
    free(token);
    return 0;
}
