/*
 * store-alerts.c -- the alerts index the deadline scheduler runs on: one row per
 * warning point and deadline of every running clock, rewritten whenever a clock
 * changes, whoever writes (the operation layer does it for the command line and
 * the daemon alike).
 *
 * SCHEMA (migration 2, in store-sqlite.c)
 *   alerts       alert_id PRIMARY KEY  "<case>:<clock>:<point>:<due>", stable; due
 *                                      in ISO basic form, "20270308T235959+0800"
 *                                      (schema 10; epoch seconds before: such ids
 *                                      still resolve, cf_store_alert_id_canon)
 *                case_id, clock_id     the clock
 *                point                 "warning" | "deadline"
 *                due_at, deadline      when it falls due; the clock's deadline
 *                prov_first, prov_last the provisional calendar years the
 *                                      clock's deadline was counted on (R11), 0
 *                                      when settled (schema 10)
 *                fired_at              NULL while pending; set in the same
 *                                      transaction as the alert event, so no
 *                                      alert fires twice, across restarts too
 *                Partial index alerts_due on (due_at, alert_id) WHERE fired_at IS
 *                NULL (migration 10; on due_at alone before): the scheduler's next
 *                instant is one index lookup, never a scan, and the due alerts come
 *                in firing order straight from it (on due_at alone, every read of
 *                the next 1,024 sorted all the alerts due on that second).
 *
 * Row ids (SQLite, schema 22). A row's rowid is its due second times 2^24 plus its
 * place among that second's rows (CF_STORE_ALERT_ROWID: one more than the last, found by
 * one seek), so the table is clustered by due instant. Alerts are made when clocks start,
 * in no order of their due, and with rowids handed out in that order the 10,000 alerts of
 * one second each lay on a page of their own: a burst's marks (fired_at NULL -> a time,
 * the row grows) rewrote a full page and split it per alert, 3.7 pages of the log an
 * alert (27,000 table pages and 10,000 new ones for the bench's burst on a million
 * cases). Clustered, they share ~300. The mark still finds its row by rowid (read with
 * the due alerts) and checks its id; a rowid freed by a rewritten case's alerts may go to
 * another alert of the same second, which that check covers. Rejected: a table WITHOUT
 * ROWID keyed by (due_at, alert_id, agency), the same clustering but every lookup by id
 * through a second index and the mark by row rewritten for both backends; a table of
 * fired marks apart, appended in firing order (every pending read would then join it).
 * PostgreSQL keeps its heap as it is (no rowid; schema unchanged there).
 *
 * Rejected: keeping alerts only in memory and rebuilding them from every case at
 * start (a scan of all cases, and no record of what already fired).
 */
#include "store-int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---- alerts --------------------------------------------------------------------------- */

/* Exported, documented in store.h */
int cf_store_alert_id(int64_t case_id, const char *clock, const char *point, cf_time_t due,
                      char *out, size_t size)
{
    char at[CF_TIME_BUFSZ];
    cf_time_format_basic(due, at);
    int n = snprintf(out, size, "%lld:%s:%s:%s", (long long)case_id, clock, point, at);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = '\0';
        return CF_EINVAL;
    }
    return 0;
}

/* The due field of an id before schema 10: decimal epoch seconds. */
static int epoch_field(const char *text, cf_time_t *out)
{
    char *end;
    if (!*text || (!isdigit((unsigned char)*text) && *text != '-'))
        return CF_EINVAL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end || errno || v < INT32_MIN * 100LL || v > INT32_MAX * 100LL)
        return CF_EINVAL;
    *out = v;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_alert_id_canon(const char *id, cf_time_t *due, char *canon, size_t size)
{
    /* "<case>:<clock>:<point>:<due>": the case is digits, the due field the last. */
    const char *last = strrchr(id, ':');
    char *end;
    errno = 0;
    long long case_id = strtoll(id, &end, 10);
    if (!last || end == id || *end != ':' || errno || case_id <= 0)
        return CF_EINVAL;
    const char *clock = end + 1, *colon = strchr(clock, ':');
    if (!colon || colon == clock || colon >= last || colon + 1 == last ||
        memchr(colon + 1, ':', (size_t)(last - colon - 1)))
        return CF_EINVAL;
    cf_time_t t;
    if (cf_time_parse_basic(last + 1, &t, NULL) != 0 && epoch_field(last + 1, &t) != 0)
        return CF_EINVAL;
    char clk[64], point[16], out[160];
    size_t clen = (size_t)(colon - clock), plen = (size_t)(last - colon - 1);
    if (clen >= sizeof(clk) || plen >= sizeof(point))
        return CF_EINVAL;
    memcpy(clk, clock, clen);
    clk[clen] = '\0';
    memcpy(point, colon + 1, plen);
    point[plen] = '\0';
    if (cf_store_alert_id(case_id, clk, point, t, out, sizeof(out)) != 0 || strlen(out) >= size)
        return CF_EINVAL;
    memcpy(canon, out, strlen(out) + 1);
    *due = t;
    return 0;
}

static int insert_alert(cf_store_t *s, cf_db_stmt_t *ins, const cf_case_t *c,
                        const cf_clock_rt_t *k, const char *point, cf_time_t due, cf_error_t *err)
{
    char id[160];
    if (cf_store_alert_id(c->id, k->id, point, due, id, sizeof(id)) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "clock id \"%s\" too long for an alert",
                            k->id);
    cf_db_reset(ins);
    cf_db_bind_text(ins, 1, id, -1, CF_DB_TRANSIENT);
    cf_db_bind_int64(ins, 2, c->id);
    cf_db_bind_text(ins, 3, k->id, -1, CF_DB_STATIC);
    cf_db_bind_text(ins, 4, point, -1, CF_DB_STATIC);
    cf_db_bind_int64(ins, 5, due);
    cf_db_bind_int64(ins, 6, k->deadline);
    cf_db_bind_int(ins, 7, k->prov_first);
    cf_db_bind_int(ins, 8, k->prov_last);
    int step = cf_db_step(ins);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "index alert", err);
}

/* The alerts of one running clock: its warning points after it started, then its
 * deadline. */
static int clock_alerts(cf_store_t *s, cf_db_stmt_t *ins, const cf_case_t *c,
                        const cf_clock_rt_t *k, const cf_workflow_t *wf, const cf_calendar_t *cal,
                        cf_error_t *err)
{
    const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
    cf_time_t points[16];
    int n = def ? cf_engine_warn_points(def, cal, k->deadline, points, 16) : 0;
    if (n < 0)
        n = 0; /* a warning outside the calendar is skipped; the deadline still fires */
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        if (points[i] > k->started_at && points[i] < k->deadline)
            rc = insert_alert(s, ins, c, k, "warning", points[i], err);
    return rc == 0 ? insert_alert(s, ins, c, k, "deadline", k->deadline, err) : rc;
}

/* A new alert row; on SQLite with its rowid from its due instant (the file header). */
#define INSERT_ALERT(ROWCOL, ROWVAL)                                                               \
    "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, prov_first, "        \
    "prov_last, agency" ROWCOL ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, " CF__STORE_AGENCY_OF("?2")      \
        ROWVAL ") ON CONFLICT DO NOTHING"
#define ROWID_OF_DUE CF_STORE_ALERT_ROWID("?5")

/* Exported, documented in store.h */
int cf_store_alerts_sync(cf_store_t *s, const cf_case_t *c, const cf_workflow_t *wf,
                         const cf_calendar_t *cal, cf_error_t *err)
{
    cf_db_stmt_t *del = NULL, *ins = NULL;
    int rc = cf__store_prepare(s, "DELETE FROM alerts WHERE case_id = ? AND fired_at IS NULL", &del,
                               err);
    if (rc == 0)
        rc = cf__store_prepare(
            s, cf_db_pick(s->db, INSERT_ALERT(", rowid", ", " ROWID_OF_DUE), INSERT_ALERT("", "")),
            &ins, err);
    if (rc == 0) {
        cf_db_bind_int64(del, 1, c->id);
        int step = cf_db_step(del);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "index alerts", err);
    }
    for (unsigned i = 0; rc == 0 && i < c->clocks_count; i++)
        if (c->clocks[i].state == CF_CLOCK_RUNNING)
            rc = clock_alerts(s, ins, c, &c->clocks[i], wf, cal, err);
    cf__store_release(s, del);
    cf__store_release(s, ins);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_alerts_next(cf_store_t *s, cf_time_t *due, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s, "SELECT MIN(due_at) FROM alerts WHERE fired_at IS NULL", &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    int none = step == CF_DB_ROW && cf_db_column_type(st, 0) == CF_DB_NULL;
    if (step == CF_DB_ROW && !none)
        *due = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "next alert", err);
    return none ? CF_ENOTFOUND : 0;
}

/* Exported, documented in store.h */
int cf_store_alerts_count_at(cf_store_t *s, cf_time_t instant, int max, int *n, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT COUNT(*) FROM (SELECT 1 FROM alerts WHERE fired_at IS NULL "
                               "AND due_at = ? LIMIT ?) AS due",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, instant);
    cf_db_bind_int(st, 2, max);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *n = cf_db_column_int(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "count due alerts", err);
}

/* Exported, documented in store-int.h */
void cf__store_alert_from_row(cf_db_stmt_t *st, int with_fired, cf_alert_t *a)
{
    memset(a, 0, sizeof(*a));
    cf__store_copy_col(st, 0, a->id, sizeof(a->id));
    a->case_id = cf_db_column_int64(st, 1);
    cf__store_copy_col(st, 2, a->clock, sizeof(a->clock));
    cf__store_copy_col(st, 3, a->point, sizeof(a->point));
    a->due_at = cf_db_column_int64(st, 4);
    a->deadline = cf_db_column_int64(st, 5);
    if (with_fired == CF__ALERT_ROWID)
        a->row = cf_db_column_int64(st, 6);
    else if (with_fired)
        a->fired_at = cf_db_column_int64(st, 6);
}

/* Exported, documented in store-int.h */
int cf__store_alerts_read(cf_store_t *s, cf_db_stmt_t *st, int with_fired, cf_alert_t *out, int max,
                          const char *what, cf_error_t *err)
{
    /* Stepped to the end, not stopped at max: a RETURNING statement's writes are done
     * only when it is (every query here has LIMIT max, so that is one step more). */
    int n = 0, step, rc = 0;
    while ((step = cf_db_step(st)) == CF_DB_ROW)
        if (n < max)
            cf__store_alert_from_row(st, with_fired, &out[n++]);
    if (step != CF_DB_DONE)
        rc = cf__store_error(s, step, what, err);
    cf__store_release(s, st);
    return rc != 0 ? rc : n;
}

/* The due alerts with their row (SQLite's rowid, for cf_store_alert_mark_read; 0 on
 * PostgreSQL, which marks by the id's key) in column 6. */
#define DUE_SELECT(ROW) "SELECT alert_id, case_id, clock_id, point, due_at, deadline, " ROW " "
#define DUE_FROM                                                                                   \
    "FROM alerts WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, alert_id LIMIT ?"

/* Exported, documented in store.h */
int cf_store_alerts_due(cf_store_t *s, cf_time_t now, cf_alert_t *out, int max, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, cf_db_pick(s->db, DUE_SELECT("rowid") DUE_FROM, DUE_SELECT("0") DUE_FROM), &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, now);
    cf_db_bind_int(st, 2, max);
    return cf__store_alerts_read(s, st, CF__ALERT_ROWID, out, max, "due alerts", err);
}

/* Exported, documented in store.h */
int cf_store_alerts_due_after(cf_store_t *s, cf_time_t now, cf_time_t after_due,
                              const char *after_id, cf_alert_t *out, int max, cf_error_t *err)
{
    if (!after_id)
        return cf_store_alerts_due(s, now, out, max, err);
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT alert_id, case_id, clock_id, point, due_at, deadline, 0 "
                               "FROM alerts WHERE fired_at IS NULL AND due_at <= ?1 "
                               "AND (due_at, alert_id) > (?2, ?3) "
                               "ORDER BY due_at, alert_id LIMIT ?4",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, now);
    cf_db_bind_int64(st, 2, after_due);
    cf_db_bind_text(st, 3, after_id, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 4, max);
    return cf__store_alerts_read(s, st, 1, out, max, "due alerts", err);
}

/* Exported, documented in store.h */
int cf_store_alert_mark(cf_store_t *s, const char *id, cf_time_t fired_at, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "UPDATE alerts SET fired_at = ? WHERE alert_id = ? AND fired_at IS NULL", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, fired_at);
    cf_db_bind_text(st, 2, id, -1, CF_DB_STATIC);
    rc = cf__store_step_done(s, st, "mark alert", err);
    if (rc == 0 && cf_db_changes(s->db) != 1)
        rc = cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "alert %s already fired", id);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_alert_mark_read(cf_store_t *s, const cf_alert_t *a, cf_time_t fired_at,
                             cf_error_t *err)
{
    if (a->row <= 0 || cf_db_kind(s->db) != CF_DB_SQLITE)
        return cf_store_alert_mark(s, a->id, fired_at, err);
    /* the row found by its rowid, not through the key's index; its id compared on the row
     * (a row deleted since and its rowid given to another is not this alert) */
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "UPDATE alerts SET fired_at = ?1 WHERE rowid = ?3 AND alert_id = ?2 "
                               "AND fired_at IS NULL",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, fired_at);
    cf_db_bind_text(st, 2, a->id, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 3, a->row);
    rc = cf__store_step_done(s, st, "mark alert", err);
    if (rc == 0 && cf_db_changes(s->db) != 1)
        rc = cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "alert %s already fired", a->id);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_alert_drop(cf_store_t *s, const char *id, cf_time_t fired_at, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "UPDATE alerts SET fired_at = ?, escalated_at = -1 WHERE alert_id "
                               "= ? AND fired_at IS NULL",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, fired_at);
    cf_db_bind_text(st, 2, id, -1, CF_DB_STATIC);
    rc = cf__store_step_done(s, st, "drop alert", err);
    if (rc == 0 && cf_db_changes(s->db) != 1)
        rc = cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "alert %s already fired", id);
    return rc;
}

static json_t *alert_row(cf_db_stmt_t *st)
{
    cf_alert_t a;
    char due[CF_TIME_BUFSZ], deadline[CF_TIME_BUFSZ], fired[CF_TIME_BUFSZ];
    cf__store_alert_from_row(st, 1, &a);
    cf_time_format(a.due_at, due);
    cf_time_format(a.deadline, deadline);
    json_t *o =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "alert_id", a.id, "case", (json_int_t)a.case_id,
                  "clock", a.clock, "point", a.point, "due_at", due, "deadline", deadline);
    if (o && cf_db_column_type(st, 6) != CF_DB_NULL) {
        cf_time_format(a.fired_at, fired);
        json_object_set_new(o, "fired_at", json_string(fired));
    } else if (o && cf_db_column_int(st, 7) > 0) { /* R11, as the fired event carries it */
        cf_clock_rt_t k = {.prov_first = cf_db_column_int(st, 7),
                           .prov_last = cf_db_column_int(st, 8)};
        json_t *years = cf_clock_provisional_json(&k);
        if (!years || json_object_set_new(o, "provisional", years) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* Exported, documented in store.h */
int cf_store_alert_list(cf_store_t *s, const char *agency, int pending, json_t **list,
                        cf_error_t *err)
{
    return cf_store_alert_page(s, agency, pending, 0, NULL, 0, list, err);
}

/* Exported, documented in store.h */
int cf_store_alert_page(cf_store_t *s, const char *agency, int pending, cf_time_t after_due,
                        const char *after_id, int limit, json_t **list, cf_error_t *err)
{
    return cf_store_alert_page_by(s, agency, NULL, pending, after_due, after_id, limit, list, err);
}

/* Exported, documented in store.h */
int cf_store_alert_page_by(cf_store_t *s, const char *agency, const char *handler, int pending,
                           cf_time_t after_due, const char *after_id, int limit, json_t **list,
                           cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT l.alert_id, l.case_id, l.clock_id, l.point, l.due_at, "
        "l.deadline, l.fired_at, l.prov_first, l.prov_last FROM alerts l JOIN case_agency a ON "
        "a.case_id = l.case_id AND a.agency = ?1 WHERE (?2 = 0 OR (?2 = 1 "
        "AND l.fired_at IS NULL) OR (?2 = -1 AND l.fired_at IS NOT NULL)) "
        "AND (?4 IS NULL OR l.due_at > ?3 OR (l.due_at = ?3 AND "
        "l.alert_id > ?4)) AND (?6 IS NULL OR l.case_id IN (SELECT "
        "case_id FROM case_people WHERE name = ?6)) ORDER BY l.due_at, l.alert_id LIMIT ?5",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, agency, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 2, pending);
    cf_db_bind_int64(st, 3, after_due);
    cf__store_bind_text(st, 4, after_id);
    cf_db_bind_int(st, 5, limit > 0 ? limit : INT_MAX); /* PostgreSQL refuses LIMIT -1 */
    cf__store_bind_text(st, 6, handler);
    return cf__store_collect(s, st, alert_row, list, "list alerts", err);
}
