/*
 * store-daemon.c -- what the daemon (api/serve*.c) adds to the SQLite backend:
 * batched transactions for group commit, bearer tokens, the agency a case
 * belongs to, and the alerts index the deadline scheduler runs on.
 *
 * Design. The daemon's writer thread owns one connection and commits a batch of
 * requests in one BEGIN IMMEDIATE ... COMMIT, each request inside its own
 * SAVEPOINT: a refusal or a conflict rolls back to the savepoint and the rest of
 * the batch still commits. The case writes themselves are cf__store_case_write
 * (store-cases.c), the same code cf_store_case_open/append run, minus their own
 * BEGIN/COMMIT; nothing about how a case is written is duplicated here.
 *
 * SCHEMA (migration 2, in store-sqlite.c)
 *   tokens       hash PRIMARY KEY    SHA-256 hex of the bearer secret (the secret
 *                                    itself is never stored)
 *                agency, role, name  who holds it; name is the actor of its acts
 *                created_at          seconds since the epoch
 *   case_agency  case_id PRIMARY KEY, agency: the agency a case was opened for.
 *                A separate table, not a column of cases, because the case row is
 *                rewritten with INSERT OR REPLACE on every append.
 *   alerts       alert_id PRIMARY KEY  "<case>:<clock>:<point>:<due_at>", stable
 *                case_id, clock_id     the clock
 *                point                 "warning" | "deadline"
 *                due_at, deadline      when it falls due; the clock's deadline
 *                fired_at              NULL while pending; set in the same
 *                                      transaction as the alert event, so no
 *                                      alert fires twice, across restarts too
 *                Partial index alerts_due on due_at WHERE fired_at IS NULL: the
 *                scheduler's next instant is one index lookup, never a scan.
 *
 * Rejected: keeping alerts only in memory and rebuilding them from every case at
 * start (a scan of all cases, and no record of what already fired); an agency
 * column on cases (lost at the next INSERT OR REPLACE of the row).
 */
#include "store-int.h"

#include <stdio.h>
#include <string.h>

#include "engine.h"

/* ---- transactions ----------------------------------------------------------------- */

/* Exported, documented in store.h */
int cf_store_tx_begin(cf_store_t *s, cf_error_t *err)
{
    return cf__store_run(s, "BEGIN IMMEDIATE", err);
}

/* Exported, documented in store.h */
int cf_store_tx_commit(cf_store_t *s, cf_error_t *err)
{
    int rc = cf__store_fault(s, "commit");
    if (rc != SQLITE_OK)
        return cf__store_error(s, rc, "commit", err);
    return cf__store_run(s, "COMMIT", err);
}

/* Exported, documented in store.h */
void cf_store_tx_rollback(cf_store_t *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Exported, documented in store.h */
int cf_store_savepoint(cf_store_t *s, cf_error_t *err)
{
    return cf__store_run(s, "SAVEPOINT cf_request", err);
}

/* Exported, documented in store.h */
int cf_store_savepoint_release(cf_store_t *s, cf_error_t *err)
{
    return cf__store_run(s, "RELEASE cf_request", err);
}

/* Exported, documented in store.h */
int cf_store_set_autocheckpoint(cf_store_t *s, int pages, cf_error_t *err)
{
    int rc = sqlite3_wal_autocheckpoint(s->db, pages);
    return rc == SQLITE_OK ? 0 : cf__store_error(s, rc, "wal_autocheckpoint", err);
}

/* Exported, documented in store.h */
int cf_store_checkpoint(cf_store_t *s, int *frames, int *copied, cf_error_t *err)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (frames)
        *frames = log;
    if (copied)
        *copied = done;
    return rc == SQLITE_OK ? 0 : cf__store_error(s, rc, "checkpoint", err);
}

/* Exported, documented in store.h */
void cf_store_savepoint_rollback(cf_store_t *s)
{
    sqlite3_exec(s->db, "ROLLBACK TO cf_request; RELEASE cf_request", NULL, NULL, NULL);
}

/* Exported, documented in store.h */
int cf_store_query_only(cf_store_t *s, cf_error_t *err)
{
    return cf__store_exec(s, "PRAGMA query_only = 1", err);
}

/* Runs a one-row write statement with text and integer bindings already made. */
static int step_done(cf_store_t *s, sqlite3_stmt *st, const char *what, cf_error_t *err)
{
    int step = sqlite3_step(st);
    cf__store_release(s, st);
    return step == SQLITE_DONE ? 0 : cf__store_error(s, step, what, err);
}

/* Exported, documented in store.h */
int cf_store_case_open_tx(cf_store_t *s, cf_case_t *c, json_t *events, const char *agency,
                          cf_error_t *err)
{
    cf_case_t opened;
    int rc = cf__store_case_next(s, c, events, 1, &opened, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = NULL;
    if (rc == 0 && agency)
        rc = cf__store_prepare(s, "INSERT INTO case_agency(case_id, agency) VALUES (?, ?)", &st,
                               err);
    if (rc == 0 && st) {
        sqlite3_bind_int64(st, 1, opened.id);
        sqlite3_bind_text(st, 2, agency, -1, SQLITE_STATIC);
        rc = step_done(s, st, "stamp agency", err);
    }
    if (rc != 0) {
        cf_case_dispose(&opened);
        return rc;
    }
    cf_case_dispose(c);
    *c = opened;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_append_tx(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err)
{
    return cf__store_case_write(s, c, events, 0, err);
}

/* ---- tokens and agencies ------------------------------------------------------------ */

/* Exported, documented in store.h */
int cf_store_token_put(cf_store_t *s, const char *hash_hex, const cf_principal_t *p,
                       cf_time_t created_at, cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO tokens(hash, agency, role, name, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, hash_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, created_at);
    int step = sqlite3_step(st);
    cf__store_release(s, st);
    if ((step & 0xff) == SQLITE_CONSTRAINT)
        return cf_error_set(err, CF_EEXIST, NULL, 0, 0, "token already stored");
    return step == SQLITE_DONE ? 0 : cf__store_error(s, step, "store token", err);
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* Exported, documented in store.h */
int cf_store_token_get(cf_store_t *s, const char *hash_hex, cf_principal_t *p, cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s, "SELECT agency, role, name FROM tokens WHERE hash = ?", &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, hash_hex, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        copy_col(st, 0, p->agency, sizeof(p->agency));
        copy_col(st, 1, p->role, sizeof(p->role));
        copy_col(st, 2, p->name, sizeof(p->name));
    }
    cf__store_release(s, st);
    if (step == SQLITE_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "unknown token");
    return step == SQLITE_ROW ? 0 : cf__store_error(s, step, "read token", err);
}

/* Exported, documented in store.h */
int cf_store_case_agency(cf_store_t *s, int64_t id, char *agency, size_t size, cf_error_t *err)
{
    char head[CF_CHAIN_HEX];
    return cf_store_case_agency_head(s, id, agency, size, head, err);
}

/* Exported, documented in store.h */
int cf_store_case_agency_head(cf_store_t *s, int64_t id, char *agency, size_t size,
                              char head[CF_CHAIN_HEX], cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s,
                               "SELECT a.agency, c.head FROM case_agency a JOIN cases c ON c.id = "
                               "a.case_id WHERE a.case_id = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        copy_col(st, 0, agency, size);
        copy_col(st, 1, head, CF_CHAIN_HEX);
    }
    cf__store_release(s, st);
    if (step == SQLITE_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    return step == SQLITE_ROW ? 0 : cf__store_error(s, step, "read case agency", err);
}

/* cf_store_case_list's query (store-cases.c), joined with case_agency. */
#define LIST_SELECT                                                                                \
    "SELECT c.id, c.workflow_id, c.workflow_version, c.state, c.closed, c.party, c.matter_id, "    \
    "c.parent_id, c.updated_at, c.version, (SELECT MIN(deadline) FROM clocks k WHERE k.case_id = " \
    "c.id AND k.state = 'running') FROM cases c JOIN case_agency a ON a.case_id = c.id AND "       \
    "a.agency = ?9 WHERE "
/* Paged: ids after ?10 (the primary key's range, so a page costs its rows, not the
 * rows before it), at most ?11 rows (-1: no limit). */
#define LIST_PAGE "c.id > ?10 AND "
static const char *const list_sql =
    LIST_SELECT LIST_PAGE CF__LIST_FILTERS(CF__LIST_ANY_PARENT) " LIMIT ?11";
static const char *const children_sql =
    LIST_SELECT LIST_PAGE CF__LIST_FILTERS(CF__LIST_CHILDREN) " LIMIT ?11";

static json_t *list_row(sqlite3_stmt *st)
{
    char updated[CF_TIME_BUFSZ], next[CF_TIME_BUFSZ];
    int64_t parent = sqlite3_column_int64(st, 7);
    json_t *party = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
    cf_time_format(sqlite3_column_int64(st, 8), updated);
    json_t *row = json_pack(
        "{s:I, s:s, s:i, s:s, s:b, s:o, s:s?, s:o, s:s, s:I}", "id",
        (json_int_t)sqlite3_column_int64(st, 0), "workflow", sqlite3_column_text(st, 1),
        "workflow_version", sqlite3_column_int(st, 2), "state", sqlite3_column_text(st, 3),
        "closed", sqlite3_column_int(st, 4), "party", party ? party : json_object(), "matter",
        sqlite3_column_text(st, 6), "parent", parent ? json_integer(parent) : json_null(),
        "updated_at", updated, "version", (json_int_t)sqlite3_column_int64(st, 9));
    if (row && sqlite3_column_type(st, 10) != SQLITE_NULL) {
        cf_time_format(sqlite3_column_int64(st, 10), next);
        json_object_set_new(row, "next_deadline", json_string(next));
    }
    return row;
}

/* Collects every row of a prepared query through row_fn into OUT *list. */
static int collect(cf_store_t *s, sqlite3_stmt *st, json_t *(*row_fn)(sqlite3_stmt *),
                   json_t **list, const char *what, cf_error_t *err)
{
    json_t *out = json_array();
    int rc = out ? 0 : CF_ENOMEM, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(out, row_fn(st)) != 0)
            rc = CF_ENOMEM;
    if (rc == 0 && step != SQLITE_DONE)
        rc = cf__store_error(s, step, what, err);
    cf__store_release(s, st);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *list = out;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_list_agency(cf_store_t *s, const char *agency, const cf_case_filter_t *f,
                              json_t **list, cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s, f->parent ? children_sql : list_sql, &st, err);
    if (rc != 0)
        return rc;
    cf__store_bind_text(st, 1, f->state);
    cf__store_bind_text(st, 2, f->workflow);
    cf__store_bind_text(st, 3, f->matter);
    sqlite3_bind_int64(st, 4, f->parent);
    sqlite3_bind_int(st, 5, f->open_only);
    sqlite3_bind_int64(st, 6, f->due_within);
    sqlite3_bind_int64(st, 7, f->now);
    sqlite3_bind_int(st, 8, f->overdue);
    cf__store_bind_text(st, 9, agency);
    sqlite3_bind_int64(st, 10, f->after);
    sqlite3_bind_int(st, 11, f->limit > 0 ? f->limit : -1);
    return collect(s, st, list_row, list, "list cases", err);
}

/* ---- alerts --------------------------------------------------------------------------- */

static int insert_alert(cf_store_t *s, sqlite3_stmt *ins, const cf_case_t *c,
                        const cf_clock_rt_t *k, const char *point, cf_time_t due, cf_error_t *err)
{
    char id[160];
    snprintf(id, sizeof(id), "%lld:%s:%s:%lld", (long long)c->id, k->id, point, (long long)due);
    sqlite3_reset(ins);
    sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 2, c->id);
    sqlite3_bind_text(ins, 3, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, point, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 5, due);
    sqlite3_bind_int64(ins, 6, k->deadline);
    int step = sqlite3_step(ins);
    return step == SQLITE_DONE ? 0 : cf__store_error(s, step, "index alert", err);
}

/* The alerts of one running clock: its warning points after it started, then its
 * deadline. */
static int clock_alerts(cf_store_t *s, sqlite3_stmt *ins, const cf_case_t *c,
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

/* Exported, documented in store.h */
int cf_store_alerts_sync(cf_store_t *s, const cf_case_t *c, const cf_workflow_t *wf,
                         const cf_calendar_t *cal, cf_error_t *err)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = cf__store_prepare(s, "DELETE FROM alerts WHERE case_id = ? AND fired_at IS NULL", &del,
                               err);
    if (rc == 0)
        rc = cf__store_prepare(s,
                               "INSERT OR IGNORE INTO alerts(alert_id, case_id, clock_id, point, "
                               "due_at, deadline) VALUES (?, ?, ?, ?, ?, ?)",
                               &ins, err);
    if (rc == 0) {
        sqlite3_bind_int64(del, 1, c->id);
        int step = sqlite3_step(del);
        rc = step == SQLITE_DONE ? 0 : cf__store_error(s, step, "index alerts", err);
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
    sqlite3_stmt *st;
    int rc =
        cf__store_prepare(s, "SELECT MIN(due_at) FROM alerts WHERE fired_at IS NULL", &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(st);
    int none = step == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL;
    if (step == SQLITE_ROW && !none)
        *due = sqlite3_column_int64(st, 0);
    cf__store_release(s, st);
    if (step != SQLITE_ROW)
        return cf__store_error(s, step, "next alert", err);
    return none ? CF_ENOTFOUND : 0;
}

static void alert_from_row(sqlite3_stmt *st, cf_alert_t *a)
{
    memset(a, 0, sizeof(*a));
    copy_col(st, 0, a->id, sizeof(a->id));
    a->case_id = sqlite3_column_int64(st, 1);
    copy_col(st, 2, a->clock, sizeof(a->clock));
    copy_col(st, 3, a->point, sizeof(a->point));
    a->due_at = sqlite3_column_int64(st, 4);
    a->deadline = sqlite3_column_int64(st, 5);
    a->fired_at = sqlite3_column_int64(st, 6);
}

/* Exported, documented in store.h */
int cf_store_alerts_due(cf_store_t *s, cf_time_t now, cf_alert_t *out, int max, cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s,
                               "SELECT alert_id, case_id, clock_id, point, due_at, deadline, 0 "
                               "FROM alerts WHERE fired_at IS NULL AND due_at <= ? "
                               "ORDER BY due_at, alert_id LIMIT ?",
                               &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, max);
    int n = 0, step;
    while (n < max && (step = sqlite3_step(st)) == SQLITE_ROW)
        alert_from_row(st, &out[n++]);
    if (n < max && step != SQLITE_DONE)
        rc = cf__store_error(s, step, "due alerts", err);
    cf__store_release(s, st);
    return rc != 0 ? rc : n;
}

/* Exported, documented in store.h */
int cf_store_alert_mark(cf_store_t *s, const char *id, cf_time_t fired_at, cf_error_t *err)
{
    sqlite3_stmt *st;
    int rc = cf__store_prepare(
        s, "UPDATE alerts SET fired_at = ? WHERE alert_id = ? AND fired_at IS NULL", &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, fired_at);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    rc = step_done(s, st, "mark alert", err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "alert %s already fired", id);
    return rc;
}

static json_t *alert_row(sqlite3_stmt *st)
{
    cf_alert_t a;
    char due[CF_TIME_BUFSZ], deadline[CF_TIME_BUFSZ], fired[CF_TIME_BUFSZ];
    alert_from_row(st, &a);
    cf_time_format(a.due_at, due);
    cf_time_format(a.deadline, deadline);
    json_t *o =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "alert_id", a.id, "case", (json_int_t)a.case_id,
                  "clock", a.clock, "point", a.point, "due_at", due, "deadline", deadline);
    if (o && sqlite3_column_type(st, 6) != SQLITE_NULL) {
        cf_time_format(a.fired_at, fired);
        json_object_set_new(o, "fired_at", json_string(fired));
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
    sqlite3_stmt *st;
    int rc = cf__store_prepare(s,
                               "SELECT l.alert_id, l.case_id, l.clock_id, l.point, l.due_at, "
                               "l.deadline, l.fired_at FROM alerts l JOIN case_agency a ON "
                               "a.case_id = l.case_id AND a.agency = ?1 WHERE (?2 = 0 OR (?2 = 1 "
                               "AND l.fired_at IS NULL) OR (?2 = -1 AND l.fired_at IS NOT NULL)) "
                               "AND (?4 IS NULL OR l.due_at > ?3 OR (l.due_at = ?3 AND "
                               "l.alert_id > ?4)) ORDER BY l.due_at, l.alert_id LIMIT ?5",
                               &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, pending);
    sqlite3_bind_int64(st, 3, after_due);
    cf__store_bind_text(st, 4, after_id);
    sqlite3_bind_int(st, 5, limit > 0 ? limit : -1);
    return collect(s, st, alert_row, list, "list alerts", err);
}
