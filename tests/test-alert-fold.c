/*
 * test-alert-fold.c -- alertfold-*: an alert's acknowledgement and escalation as
 * columns of its row (schema 19, issue 26.1: firing writes one row, not two).
 *
 * alertfold-1: the store's calls on the columns: a marked alert waits for its
 *   acknowledgement (cf_store_alerts_unacked), one dropped (fired without its event)
 *   never does, acknowledging and escalating each take it off the list once.
 * alertfold-2: a schema-18 database with alert_acks rows (one acknowledged, one
 *   escalated, one waiting; a fired alert without a row; a pending alert) is migrated
 *   at open: each alert's state kept, the one without a row never escalated, the
 *   table gone.
 * Runs on both backends.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../storage/store-int.h"
#include "core-helpers.h"
#include "task.h"

#define T0 1800000000 /* 2027-01-15 */

/* Five alerts of one case: 0..3 fired at T0 + i, 4 pending. */
static void five_alerts(cf_store_t *s)
{
    cf_error_t err;
    char sql[1024];
    for (int i = 0; i < 5; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, "
                 "agency) VALUES ('9:k:deadline:%d', 9, 'k', 'deadline', %d, %d, '某局')",
                 i, T0 - 100 + i, T0 - 100 + i);
        if (cf__store_exec(s, sql, &err) != 0)
            CF__FAIL("%s: %s", sql, err.text);
    }
}

static const char *id_of(int i)
{
    static const char *const ids[] = {"9:k:deadline:0", "9:k:deadline:1", "9:k:deadline:2",
                                      "9:k:deadline:3", "9:k:deadline:4"};
    return ids[i];
}

/* The ids cf_store_alerts_unacked gives, joined by spaces, into out. */
static void unacked(cf_store_t *s, char *out, size_t size)
{
    cf_alert_t list[8];
    cf_error_t err;
    int n = cf_store_alerts_unacked(s, T0 + 1000, list, 8, &err);
    ASSERT(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(out);
        ASSERT(snprintf(out + used, size - used, "%s%s", i ? " " : "", list[i].id) <
               (int)(size - used));
    }
}

static void get(cf_store_t *s, int i, cf_alert_t *a, cf_alert_ack_t *ack)
{
    cf_error_t err;
    ASSERT_EQ(cf_store_alert_get(s, id_of(i), a, ack, &err), 0);
}

/* alertfold-1 */
TEST_IMPL(alertfold_calls)
{
    cf_store_t *s = cf_test_store("alertfold-calls");
    cf_error_t err;
    char list[256];
    five_alerts(s);
    /* alertfold-1.1: marked, it waits; dropped, it never does, and neither fires again */
    ASSERT_EQ(cf_store_alert_mark(s, id_of(0), T0, &err), 0);
    ASSERT_EQ(cf_store_alert_mark(s, id_of(1), T0 + 1, &err), 0);
    ASSERT_EQ(cf_store_alert_drop(s, id_of(2), T0 + 2, &err), 0);
    ASSERT_EQ(cf_store_alert_drop(s, id_of(2), T0 + 2, &err), CF_ECONFLICT);
    ASSERT_EQ(cf_store_alert_mark(s, id_of(2), T0 + 2, &err), CF_ECONFLICT);
    ASSERT_EQ(cf_store_alert_drop(s, id_of(0), T0 + 2, &err), CF_ECONFLICT);
    unacked(s, list, sizeof(list));
    ASSERT_STR_EQ(list, "9:k:deadline:0 9:k:deadline:1");
    cf_alert_t a;
    cf_alert_ack_t ack;
    get(s, 2, &a, &ack);
    ASSERT_EQ(a.fired_at, T0 + 2);
    ASSERT_EQ(ack.acked_at, 0);
    ASSERT_EQ(ack.escalated_at, 0); /* read as not escalated */
    ASSERT_EQ(cf_store_alert_escalated(s, id_of(2), T0 + 5, &err), CF_EEXIST);
    /* alertfold-1.2: acknowledged once; escalated once; a pending one neither */
    ASSERT_EQ(cf_store_alert_ack(s, id_of(0), T0 + 10, &err), 0);
    ASSERT_EQ(cf_store_alert_ack(s, id_of(0), T0 + 11, &err), CF_EEXIST);
    ASSERT_EQ(cf_store_alert_escalated(s, id_of(1), T0 + 20, &err), 0);
    ASSERT_EQ(cf_store_alert_escalated(s, id_of(1), T0 + 21, &err), CF_EEXIST);
    ASSERT_EQ(cf_store_alert_ack(s, id_of(4), T0 + 10, &err), CF_EEXIST);
    ASSERT_EQ(cf_store_alert_escalated(s, id_of(4), T0 + 10, &err), CF_EEXIST);
    unacked(s, list, sizeof(list));
    ASSERT_STR_EQ(list, "");
    get(s, 0, &a, &ack);
    ASSERT_EQ(ack.acked_at, T0 + 10);
    ASSERT_EQ(ack.escalated_at, 0);
    get(s, 1, &a, &ack);
    ASSERT_EQ(ack.acked_at, 0);
    ASSERT_EQ(ack.escalated_at, T0 + 20);
    /* alertfold-1.3: an escalated alert can still be acknowledged */
    ASSERT_EQ(cf_store_alert_ack(s, id_of(1), T0 + 30, &err), 0);
    cf_store_close(s);
    return 0;
}

/* Back to schema 18: the columns into alert_acks, then the 18 database's own rows
 * (0 acknowledged, 1 escalated, 2 waiting, 3 fired with no row). */
static void make_18(const char *path, cf_store_t *s)
{
    cf_error_t err;
    const char *rows = "UPDATE alert_acks SET acked_at = 1800000010 WHERE alert_id = "
                       "'9:k:deadline:0';"
                       "UPDATE alert_acks SET escalated_at = 1800000020 WHERE alert_id = "
                       "'9:k:deadline:1';"
                       "DELETE FROM alert_acks WHERE alert_id = '9:k:deadline:3';";
    if (cf_test_pg()) {
        if (cf__store_exec(s, cf_test_undo_19_pg, &err) != 0 || cf__store_exec(s, rows, &err))
            CF__FAIL("undo 19: %s", err.text);
        cf_store_close(s);
        return;
    }
    cf_store_close(s);
    sqlite3 *db;
    char *msg = NULL;
    ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, cf_test_undo_19_sqlite, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, rows, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA user_version = 18", NULL, NULL, &msg) != SQLITE_OK)
        CF__FAIL("undo 19: %s", msg ? msg : "?");
    sqlite3_close(db);
}

/* alertfold-2 */
TEST_IMPL(alertfold_migration)
{
    char path[512];
    cf_test_db("alertfold-migrate.db", path, sizeof(path));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(path, &s, &err), 0);
    five_alerts(s);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(cf_store_alert_mark(s, id_of(i), T0 + i, &err), 0);
    make_18(path, s);
    ASSERT(cf_store_open_readonly(path, &s, &err) != 0); /* 18: a reader refuses it */
    ASSERT_EQ(cf_store_open(path, &s, &err), 0);         /* migrates */
    /* alertfold-2.1: every alert's state kept */
    cf_alert_t a;
    cf_alert_ack_t ack;
    get(s, 0, &a, &ack);
    ASSERT_EQ(a.fired_at, T0);
    ASSERT_EQ(ack.acked_at, T0 + 10);
    ASSERT_EQ(ack.escalated_at, 0);
    get(s, 1, &a, &ack);
    ASSERT_EQ(a.fired_at, T0 + 1);
    ASSERT_EQ(ack.acked_at, 0);
    ASSERT_EQ(ack.escalated_at, T0 + 20);
    get(s, 2, &a, &ack);
    ASSERT_EQ(a.fired_at, T0 + 2);
    ASSERT_EQ(ack.acked_at, 0);
    ASSERT_EQ(ack.escalated_at, 0);
    get(s, 4, &a, &ack);
    ASSERT_EQ(a.fired_at, 0);
    /* alertfold-2.2: only the one waiting before waits; the one with no row never will */
    char list[256];
    unacked(s, list, sizeof(list));
    ASSERT_STR_EQ(list, "9:k:deadline:2");
    get(s, 3, &a, &ack);
    ASSERT_EQ(a.fired_at, T0 + 3);
    ASSERT_EQ(ack.escalated_at, 0);
    ASSERT_EQ(cf_store_alert_escalated(s, id_of(3), T0 + 50, &err), CF_EEXIST);
    /* alertfold-2.3: the table is gone; the alerts go on */
    ASSERT(cf__store_exec(s, "SELECT 1 FROM alert_acks", &err) != 0);
    ASSERT_EQ(cf_store_alert_mark(s, id_of(4), T0 + 4, &err), 0);
    unacked(s, list, sizeof(list));
    ASSERT_STR_EQ(list, "9:k:deadline:2 9:k:deadline:4");
    cf_store_close(s);
    return 0;
}
