/*
 * store-claim.c -- which daemon fires which due alert, when several serve one
 * database (issue 24 item 3).
 *
 * Every due clock point must be recorded once on its case's chain, by exactly one
 * daemon, and a daemon that dies must not take its alerts with it. The record
 * itself is already once-only: the alert event is appended against the case's
 * version and the row marked fired (fired_at IS NULL checked) in one transaction,
 * so a second daemon's attempt conflicts and is rolled back. What the claim adds
 * is that daemons do not all race for the same rows, and a lease: a daemon claims
 * a batch of due alerts (claim_owner, claim_until), committed with the first of
 * them fired; no other daemon takes them before claim_until, and any may take
 * them after it (the owner died, or stalled). On PostgreSQL the rows are chosen
 * FOR UPDATE SKIP LOCKED, so two daemons claiming at once take different rows
 * instead of waiting for each other; SQLite has one writer at a time and needs
 * no such clause.
 *
 * Leases are counted on the database's clock (milliseconds since the epoch),
 * never on a daemon's: the daemons' clocks may disagree, and a daemon under the
 * test clock runs on another time altogether.
 *
 * SCHEMA (version 16): alerts.claim_owner (the daemon's node id, or NULL),
 * alerts.claim_until (ms since the epoch on the database's clock, or NULL).
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* The database's clock in milliseconds since the epoch, in each dialect. */
#define LITE_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
#define PG_NOW_MS   "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/* The claim: the rows chosen in firing order (on PostgreSQL skipping those another
 * transaction holds), then taken. NOW is the dialect's clock; LOCK its row lock. */
#define CLAIM_SQL(NOW, LOCK)                                                                       \
    "UPDATE alerts SET claim_owner = ?1, claim_until = " NOW " + ?2 WHERE alert_id IN (SELECT "    \
    "alert_id FROM alerts WHERE fired_at IS NULL AND due_at <= ?3 AND (claim_owner IS NULL OR "    \
    "claim_owner = ?1 OR claim_until <= " NOW ") ORDER BY due_at, alert_id LIMIT ?4" LOCK ") "     \
    "RETURNING alert_id, case_id, clock_id, point, due_at, deadline"
#define NEXT_SQL(NOW, MAX)                                                                         \
    "SELECT due_at, CASE WHEN claim_owner IS NULL OR claim_owner = ?1 THEN 0 ELSE " MAX "(0, "     \
    "claim_until - " NOW ") END FROM alerts WHERE fired_at IS NULL ORDER BY due_at, alert_id "     \
    "LIMIT 1"

static int by_due(const void *a, const void *b)
{
    const cf_alert_t *x = a, *y = b;
    if (x->due_at != y->due_at)
        return x->due_at < y->due_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Exported, documented in store.h */
int cf_store_alerts_claim(cf_store_t *s, const char *owner, cf_time_t now, int64_t lease_ms,
                          cf_alert_t *out, int max, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               cf_db_pick(s->db, CLAIM_SQL(LITE_NOW_MS, ""),
                                          CLAIM_SQL(PG_NOW_MS, " FOR UPDATE SKIP LOCKED")),
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, lease_ms);
    cf_db_bind_int64(st, 3, now);
    cf_db_bind_int(st, 4, max);
    int n = cf__store_alerts_read(s, st, 0, out, max, "claim due alerts", err);
    if (n < 0)
        return n;
    qsort(out, (size_t)n, sizeof(*out), by_due); /* RETURNING gives no order */
    return n;
}

/* Exported, documented in store.h */
int cf_store_alerts_unclaim(cf_store_t *s, const char *owner, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "UPDATE alerts SET claim_owner = NULL, claim_until = NULL WHERE "
                               "claim_owner = ? AND fired_at IS NULL",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
    return cf__store_step_done(s, st, "release claimed alerts", err);
}

/* Exported, documented in store.h */
int cf_store_alerts_claim_next(cf_store_t *s, const char *owner, cf_time_t *due, int64_t *wait_ms,
                               cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, cf_db_pick(s->db, NEXT_SQL(LITE_NOW_MS, "MAX"), NEXT_SQL(PG_NOW_MS, "GREATEST")), &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        *due = cf_db_column_int64(st, 0);
        *wait_ms = cf_db_column_int64(st, 1);
    }
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no alert pending");
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "next alert", err);
}
