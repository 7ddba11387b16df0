/*
 * store-alert-ack.c -- the people's side of an alert (issue 22 item 5): when a
 * handler acknowledged it, and when it was escalated to the head because nobody did
 * within the daemon's alert_ack_timeout.
 *
 * SCHEMA (migration 19, in store-sqlite.c; a table alert_acks of its own from 11 to 18)
 *   alerts.fired_at        set when the alert fires (cf_store_alert_mark): from then on
 *                          it waits for an acknowledgement
 *   alerts.acked_at        NULL until acknowledged (POST .../ack)
 *   alerts.escalated_at    NULL until escalated (or found moot: its clock no longer
 *                          runs); -1 for an alert fired without its event
 *                          (cf_store_alert_drop) or before version 11: never escalated,
 *                          read as not escalated
 *   Partial index alerts_open on fired_at over the fired rows with neither, so the
 *   daemon's look for alerts to escalate reads only those, however many fired before.
 * Columns of alerts rather than a table of their own (alert_acks, versions 11-18):
 * firing an alert then writes one row, the mark, instead of the mark and a second
 * row with its key and index entries (a quarter of the writer's cost per alert in a
 * burst was those two statements; docs/performance.md, issue 26.1). The table was
 * chosen first because CREATE TABLE IF NOT EXISTS can be run again and SQLite has no
 * ADD COLUMN IF NOT EXISTS; migrations run once, in a transaction, so that no longer
 * matters.
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
                               "SELECT alert_id, case_id, clock_id, point, due_at, deadline, "
                               "fired_at, acked_at, escalated_at FROM alerts WHERE alert_id = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        cf__store_alert_from_row(st, 1, a);
        ack->acked_at = cf_db_column_int64(st, 7);
        ack->escalated_at = cf_db_column_int64(st, 8);
        if (ack->escalated_at < 0)
            ack->escalated_at = 0; /* never to be escalated: not escalated */
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
int cf_store_alert_ack(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err)
{
    return set_column(s,
                      "UPDATE alerts SET acked_at = ? WHERE alert_id = ? AND fired_at IS NOT NULL "
                      "AND acked_at IS NULL",
                      id, at, err);
}

/* Exported, documented in store.h */
int cf_store_alert_escalated(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err)
{
    return set_column(s,
                      "UPDATE alerts SET escalated_at = ? WHERE alert_id = ? AND fired_at IS NOT "
                      "NULL AND escalated_at IS NULL",
                      id, at, err);
}

/* Exported, documented in store.h */
int cf_store_alerts_unacked(cf_store_t *s, cf_time_t fired_before, cf_alert_t *out, int max,
                            cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT alert_id, case_id, clock_id, point, due_at, deadline, fired_at FROM alerts "
        "WHERE fired_at IS NOT NULL AND acked_at IS NULL AND escalated_at IS NULL AND fired_at "
        "<= ? ORDER BY fired_at, alert_id LIMIT ?",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, fired_before);
    cf_db_bind_int(st, 2, max);
    return cf__store_alerts_read(s, st, 1, out, max, "unacknowledged alerts", err);
}
