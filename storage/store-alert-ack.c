/*
 * store-alert-ack.c -- the people's side of an alert (issue 22 item 5): when a
 * handler acknowledged it, and when it was escalated to the head because nobody did
 * within the daemon's alert_ack_timeout.
 *
 * SCHEMA (migration 10, in store-sqlite.c)
 *   alert_acks    alert_id PRIMARY KEY  a fired alert (a row of alerts), added when it
 *                                       fires (cf_store_alert_track)
 *                 case_id, fired_at
 *                 acked_at              NULL until acknowledged (POST .../ack)
 *                 escalated_at          NULL until escalated (or found moot: its clock
 *                                       no longer runs)
 *   Partial index alert_acks_open on fired_at over the rows with neither, so the
 *   daemon's look for alerts to escalate reads only those, however many fired before.
 * A table of its own rather than two columns on alerts: CREATE TABLE IF NOT EXISTS
 * can be run again (SQLite has no ADD COLUMN IF NOT EXISTS), and alerts' row shape
 * stays what the scheduler and its tests know.
 * The record that counts is the case's chain (alert.acknowledged, alert.escalated,
 * written in the same transaction); the columns are the index the daemon runs on,
 * as alerts.fired_at is for alert events.
 */
#include "store-int.h"

#include <string.h>

/* Exported, documented in store.h */
int cf_store_alert_get(cf_store_t *s, const char *id, cf_alert_t *a, cf_alert_ack_t *ack,
                       cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT a.alert_id, a.case_id, clock_id, point, due_at, deadline, "
                               "a.fired_at, k.acked_at, k.escalated_at FROM alerts a LEFT JOIN "
                               "alert_acks k ON k.alert_id = a.alert_id WHERE a.alert_id = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        cf__store_alert_from_row(st, 1, a);
        ack->acked_at = cf_db_column_int64(st, 7);
        ack->escalated_at = cf_db_column_int64(st, 8);
    }
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no alert %s", id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "alert", err);
}

static int set_column(cf_store_t *s, const char *sql, const char *id, cf_time_t at, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, sql, &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, at);
    cf_db_bind_text(st, 2, id, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    int changed = cf_db_changes(s->db);
    cf__store_release(s, st);
    if (step != CF_DB_DONE)
        return cf__store_error(s, step, "alert", err);
    return changed ? 0 : cf_error_set(err, CF_EEXIST, NULL, 0, 0, "alert %s: already done", id);
}

/* Exported, documented in store.h */
int cf_store_alert_track(cf_store_t *s, const char *id, int64_t case_id, cf_time_t fired_at,
                         cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO alert_acks(alert_id, case_id, fired_at, agency) "
                               "VALUES (?, ?, ?, " CF__STORE_AGENCY_OF("?2") ") ON CONFLICT DO "
                                                                             "NOTHING",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, case_id);
    cf_db_bind_int64(st, 3, fired_at);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "alert fired", err);
}

/* Exported, documented in store.h */
int cf_store_alert_ack(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err)
{
    return set_column(s,
                      "INSERT INTO alert_acks(alert_id, case_id, fired_at, acked_at, agency) "
                      "SELECT alert_id, case_id, fired_at, ?1, agency FROM alerts WHERE "
                      "alert_id = ?2 AND fired_at IS NOT NULL ON CONFLICT(alert_id, agency) DO "
                      "UPDATE SET acked_at = ?1 "
                      "WHERE alert_acks.acked_at IS NULL",
                      id, at, err);
}

/* Exported, documented in store.h */
int cf_store_alert_escalated(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err)
{
    return set_column(s,
                      "UPDATE alert_acks SET escalated_at = ? WHERE alert_id = ? AND "
                      "escalated_at IS NULL",
                      id, at, err);
}

/* Exported, documented in store.h */
int cf_store_alerts_unacked(cf_store_t *s, cf_time_t fired_before, cf_alert_t *out, int max,
                            cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT a.alert_id, a.case_id, clock_id, point, due_at, deadline, "
        "k.fired_at FROM alert_acks k JOIN alerts a ON a.alert_id = "
        "k.alert_id AND a.agency = k.agency WHERE k.acked_at IS NULL AND k.escalated_at IS NULL "
        "AND k.fired_at <= ? ORDER BY k.fired_at, k.alert_id LIMIT ?",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, fired_before);
    cf_db_bind_int(st, 2, max);
    return cf__store_alerts_read(s, st, 1, out, max, "unacknowledged alerts", err);
}
