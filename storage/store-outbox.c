/*
 * store-outbox.c -- the webhook deliveries owed, kept in the database until they
 * are done (issue 24 item 4: every fired alert delivered at least once with its
 * stable id, across a daemon's kill and across nodes).
 *
 * Design: a row per (delivery id, webhook), written by the daemon's writer in the
 * transaction that records the alert event (one multi-row INSERT for up to
 * CF_STORE_DELIVERY_ROWS of a firing chunk), so a fired alert is never without
 * the deliveries it owes; an alert's escalation notice (serve-alert-ack.c) is
 * written the same way, with the escalation event, under its own delivery id. The
 * daemon delivers from memory as before; a 2xx deletes the row (batched, in a later
 * transaction of the writer's: a delivery cut between its 2xx and that commit is
 * made again, with the same id: at least once), attempts used up mark it given_up
 * (kept for the operator, who lists them and may send one again: GET
 * /v1/alerts/deliveries, POST /v1/alerts/{id}/retry; never retried by itself).
 * The daemon holding a row in memory holds a lease on it (owner, until_ms on the
 * database's clock, as the alert claims of store-claim.c), renewed while it runs;
 * a row whose lease ran out (its daemon was killed) is claimed by any daemon and
 * delivered again. On PostgreSQL the claim skips rows another transaction is
 * claiming (FOR UPDATE SKIP LOCKED); a daemon alone on its SQLite file claims
 * every row another process left (no other daemon can be alive: the daemon lock).
 *
 * Rejected: the delivery state on the alert row (one column, no new table) -- it
 * holds for one webhook only, and several are configurable; a row per attempt
 * (the writer would pay for every retry); rebuilding the body from the case's
 * alert event at reload (the case's facts may have moved on since: what is
 * re-sent is what was sent).
 *
 * SCHEMA (version 20; agency since 21; docs/postgresql.md):
 *   alert_deliveries  alert_id, url,  PRIMARY KEY: the delivery id (X-Caseflow-Alert-Id:
 *                     agency          the alert's id, or "<alert_id>:escalated" for its
 *                                     escalation), the webhook's URL, the case's agency
 *                                     ('' for a case without one): the distribution
 *                                     column last, as in every case table
 *                     body            the JSON POSTed (the alert as delivered)
 *                     state           'pending' | 'given_up' (delivered: the row is gone)
 *                     attempts        tries made, recorded when given up
 *                     owner           node id of the daemon holding it in memory
 *                     until_ms        its lease, ms since the epoch, database clock
 *                     created_at      seconds since the epoch (the alert's firing)
 *   Two partial indexes: on until_ms WHERE state = 'pending' (the claim's order, and the
 *   renewal's scan of the rows pending: few, but for a burst's; an index on owner too
 *   cost 6 of the 15 us a row took to write, measured on SQLite), and on (agency,
 *   alert_id) WHERE state = 'given_up' (the API's list; nothing to write at firing).
 *   Every statement that knows a row names its whole key, agency included, so that on
 *   a database sharded by agency it goes to one shard.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* The database's clock in milliseconds since the epoch, in each dialect (store-claim.c). */
#define LITE_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
#define PG_NOW_MS   "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

#define REP4(x)  x "," x "," x "," x
#define REP5(x)  REP4(x) "," x
#define REP15(x) REP5(x) "," REP5(x) "," REP5(x)
#define REP16(x) REP4(x) "," REP4(x) "," REP4(x) "," REP4(x)
#define REP21(x) REP16(x) "," REP5(x)

/* ?1 owner, ?2 lease, ?3 created_at, then alert_id, url, body, agency of each row: each
 * row names ?1..?3 before its own plain ?, which both dialects number on from the
 * largest so far. */
#define ADD_ROW(NOW) "(?1, " NOW " + ?2, ?3, ?, ?, ?, ?, 'pending', 0)"
#define ADD_SQL(NOW)                                                                               \
    "INSERT INTO alert_deliveries(owner, until_ms, created_at, alert_id, url, body, agency, "      \
    "state, attempts) VALUES " REP15(ADD_ROW(NOW)) " ON CONFLICT DO NOTHING"
#define DONE_ROWS 21
/* (IN (VALUES ...) itself is a scan of the table on SQLite; a SELECT from it, a search
 * of the primary key per row.) */
#define DONE_SQL                                                                                   \
    "DELETE FROM alert_deliveries WHERE (alert_id, url, agency) IN (SELECT column1, column2, "     \
    "column3 FROM (VALUES " REP21("(?, ?, ?)") ") AS v)"
#define RENEW_SQL(NOW)                                                                             \
    "UPDATE alert_deliveries SET until_ms = " NOW " + ?2 WHERE owner = ?1 AND state = 'pending'"
#define CLAIM_SQL(NOW, LOCK)                                                                       \
    "UPDATE alert_deliveries SET owner = ?1, until_ms = " NOW " + ?2 WHERE (alert_id, url, "       \
    "agency) IN (SELECT alert_id, url, agency FROM alert_deliveries WHERE state = 'pending' AND "  \
    "(until_ms <= " NOW " OR (?3 = 1 AND owner <> ?1)) ORDER BY until_ms LIMIT ?4" LOCK ") "       \
    "RETURNING alert_id, url, body, attempts, agency"
/* ?5: one URL, or '' for every one */
#define RETRY_SQL(NOW)                                                                             \
    "UPDATE alert_deliveries SET state = 'pending', attempts = 0, owner = ?1, until_ms = " NOW     \
    " + ?2 WHERE agency = ?3 AND alert_id = ?4 AND state = 'given_up' AND (?5 = '' OR url = ?5) "  \
    "RETURNING alert_id, url, body, attempts, agency"
/* the deliveries of agency ?1 for the ids after ?2, at most ?3 ids; WHERE: the state, as a
 * constant (so that the partial index on the rows given up serves it) */
#define LIST_SQL(WHERE)                                                                            \
    "SELECT alert_id, url, state, attempts, created_at, body FROM alert_deliveries WHERE agency "  \
    "= "                                                                                           \
    "?1" WHERE " AND alert_id IN (SELECT DISTINCT alert_id FROM alert_deliveries WHERE agency = "  \
    "?1" WHERE " AND alert_id > ?2 ORDER BY alert_id LIMIT ?3) ORDER BY alert_id, url"

_Static_assert(CF_STORE_DELIVERY_ROWS == 15, "ADD_SQL writes 15 rows");
_Static_assert(3 + 4 * CF_STORE_DELIVERY_ROWS <= 64 && 3 * DONE_ROWS <= 64,
               "within the PostgreSQL driver's parameters (CF__PG_MAX_PARAMS)");

/* Exported, documented in store.h */
int cf_store_deliveries_add(cf_store_t *s, const char *owner, int64_t lease_ms, cf_time_t now,
                            const cf_delivery_t *rows, size_t n, cf_error_t *err)
{
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < n; at += CF_STORE_DELIVERY_ROWS) {
        cf_db_stmt_t *st;
        rc = cf__store_prepare(s, cf_db_pick(s->db, ADD_SQL(LITE_NOW_MS), ADD_SQL(PG_NOW_MS)), &st,
                               err);
        if (rc != 0)
            break;
        cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 2, lease_ms);
        cf_db_bind_int64(st, 3, now);
        for (int k = 0; k < CF_STORE_DELIVERY_ROWS; k++) {
            /* a short last statement repeats its last row: the conflict leaves it once */
            const cf_delivery_t *r = &rows[at + k < n ? at + k : n - 1];
            cf_db_bind_text(st, 4 + 4 * k, r->alert_id, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 5 + 4 * k, r->url, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 6 + 4 * k, r->body, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 7 + 4 * k, r->agency ? r->agency : "", -1, CF_DB_STATIC);
        }
        rc = cf__store_step_done(s, st, "record webhook deliveries", err);
    }
    return rc;
}

/* Exported, documented in store.h */
int cf_store_deliveries_done(cf_store_t *s, const cf_delivery_t *rows, size_t n, cf_error_t *err)
{
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < n; at += DONE_ROWS) {
        cf_db_stmt_t *st;
        if ((rc = cf__store_prepare(s, DONE_SQL, &st, err)) != 0)
            break;
        for (int k = 0; k < DONE_ROWS; k++) {
            const cf_delivery_t *r = &rows[at + k < n ? at + k : n - 1];
            cf_db_bind_text(st, 1 + 3 * k, r->alert_id, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 2 + 3 * k, r->url, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 3 + 3 * k, r->agency ? r->agency : "", -1, CF_DB_STATIC);
        }
        rc = cf__store_step_done(s, st, "delete delivered webhook rows", err);
    }
    return rc;
}

/* Exported, documented in store.h */
int cf_store_deliveries_give_up(cf_store_t *s, const cf_delivery_t *rows, size_t n, cf_error_t *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cf_db_stmt_t *st;
        rc = cf__store_prepare(s,
                               "UPDATE alert_deliveries SET state = 'given_up', attempts = ?3 "
                               "WHERE alert_id = ?1 AND url = ?2 AND agency = ?4",
                               &st, err);
        if (rc != 0)
            break;
        cf_db_bind_text(st, 1, rows[i].alert_id, -1, CF_DB_STATIC);
        cf_db_bind_text(st, 2, rows[i].url, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 3, rows[i].attempts);
        cf_db_bind_text(st, 4, rows[i].agency ? rows[i].agency : "", -1, CF_DB_STATIC);
        rc = cf__store_step_done(s, st, "mark a webhook delivery given up", err);
    }
    return rc;
}

/* Exported, documented in store.h */
int cf_store_deliveries_renew(cf_store_t *s, const char *owner, int64_t lease_ms, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, cf_db_pick(s->db, RENEW_SQL(LITE_NOW_MS), RENEW_SQL(PG_NOW_MS)),
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, lease_ms);
    return cf__store_step_done(s, st, "renew the webhook deliveries' lease", err);
}

static char *dup_col(cf_db_stmt_t *st, int col)
{
    const char *t = (const char *)cf_db_column_text(st, col);
    return strdup(t ? t : "");
}

/* Exported, documented in store.h */
void cf_store_deliveries_free(cf_delivery_t *rows, int n)
{
    for (int i = 0; rows && i < n; i++) {
        free((char *)rows[i].alert_id);
        free((char *)rows[i].url);
        free((char *)rows[i].body);
        free((char *)rows[i].agency);
    }
    free(rows);
}

/* Steps st (prepared and bound; released here), which returns at most max rows of
 * (alert_id, url, body, attempts, agency): the count with OUT *out (NULL when none), or a
 * CF_E* code (*out untouched). */
static int read_rows(cf_store_t *s, cf_db_stmt_t *st, int max, cf_delivery_t **out,
                     const char *what, cf_error_t *err)
{
    cf_delivery_t *rows = calloc((size_t)(max > 0 ? max : 1), sizeof(*rows));
    int n = 0, step, oom = !rows;
    while ((step = cf_db_step(st)) == CF_DB_ROW) {
        if (n == max || !rows)
            continue; /* (LIMIT max: never) */
        cf_delivery_t *r = &rows[n++];
        r->alert_id = dup_col(st, 0);
        r->url = dup_col(st, 1);
        r->body = dup_col(st, 2);
        r->attempts = (unsigned)cf_db_column_int64(st, 3);
        r->agency = dup_col(st, 4);
        oom |= !r->alert_id || !r->url || !r->body || !r->agency;
    }
    cf__store_release(s, st);
    if (step != CF_DB_DONE || oom) {
        cf_store_deliveries_free(rows, n);
        return oom ? cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory")
                   : cf__store_error(s, step, what, err);
    }
    if (n == 0) {
        free(rows);
        rows = NULL;
    }
    *out = rows;
    return n;
}

/* Exported, documented in store.h */
int cf_store_deliveries_claim(cf_store_t *s, const char *owner, int64_t lease_ms, int orphans,
                              int max, cf_delivery_t **out, cf_error_t *err)
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
    cf_db_bind_int(st, 3, orphans ? 1 : 0);
    cf_db_bind_int(st, 4, max);
    return read_rows(s, st, max, out, "claim webhook deliveries", err);
}

/* Exported, documented in store.h */
int cf_store_deliveries_retry(cf_store_t *s, const char *owner, int64_t lease_ms,
                              const char *agency, const char *id, const char *url,
                              cf_delivery_t **out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, cf_db_pick(s->db, RETRY_SQL(LITE_NOW_MS), RETRY_SQL(PG_NOW_MS)),
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, owner, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, lease_ms);
    cf_db_bind_text(st, 3, agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 4, id, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 5, url ? url : "", -1, CF_DB_STATIC);
    return read_rows(s, st, CF_STORE_DELIVERY_RETRY_MAX, out, "retry webhook deliveries", err);
}

/* One row of a listing, from st's columns. New reference, NULL when out of memory. */
static json_t *list_row(cf_db_stmt_t *st)
{
    char when[CF_TIME_BUFSZ];
    cf_time_format(cf_db_column_int64(st, 4), when);
    const char *body = (const char *)cf_db_column_text(st, 5);
    json_t *alert = body ? json_loads(body, 0, NULL) : NULL;
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:s, s:o}", "alert_id", (const char *)cf_db_column_text(st, 0), "url",
        (const char *)cf_db_column_text(st, 1), "state", (const char *)cf_db_column_text(st, 2),
        "attempts", (json_int_t)cf_db_column_int64(st, 3), "created_at", when, "alert",
        alert ? alert : json_null());
}

/* Exported, documented in store.h */
int cf_store_deliveries_list(cf_store_t *s, const char *agency, const char *state,
                             const char *after, int max, json_t **list, cf_error_t *err)
{
    const char *sql = !state                           ? LIST_SQL("")
                      : strcmp(state, "given_up") == 0 ? LIST_SQL(" AND state = 'given_up'")
                      : strcmp(state, "pending") == 0  ? LIST_SQL(" AND state = 'pending'")
                                                       : NULL;
    if (!sql)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "no delivery state %s", state);
    cf_db_stmt_t *st;
    json_t *rows = json_array();
    int rc = rows ? cf__store_prepare(s, sql, &st, err)
                  : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc != 0) {
        json_decref(rows);
        return rc;
    }
    cf_db_bind_text(st, 1, agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, after ? after : "", -1, CF_DB_STATIC);
    cf_db_bind_int(st, 3, max);
    int step;
    while ((step = cf_db_step(st)) == CF_DB_ROW)
        if (json_array_append_new(rows, list_row(st)) != 0)
            rc = cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    cf__store_release(s, st);
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "list webhook deliveries", err);
    if (rc != 0) {
        json_decref(rows);
        return rc;
    }
    *list = rows;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_deliveries_count(cf_store_t *s, int64_t *pending, int64_t *given_up, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 "
                               "END), 0), COALESCE(SUM(CASE WHEN state = 'given_up' THEN 1 ELSE "
                               "0 END), 0) FROM alert_deliveries",
                               &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        *pending = cf_db_column_int64(st, 0);
        if (given_up)
            *given_up = cf_db_column_int64(st, 1);
    }
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "count webhook deliveries", err);
}
