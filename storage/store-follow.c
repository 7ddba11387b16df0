/*
 * store-follow.c -- reading the log of all cases from a position on, in commit
 * order: what lets every daemon serving a database show on its event stream the
 * changes made through any of them (issue 24 item 3; api/http/serve-follow.c).
 *
 * Positions are given in commit order (store-int.h CF__STORE_NEXT_POS): a reader
 * that asks for the events after the last position it saw never skips one that
 * committed late, as a reader by row id (a sequence, taken at INSERT) would.
 * An alert event comes with its case's facts, which say whom the alert is for
 * (serve-alert-ack.c cf__alert_json): read for alerts only, as they are the only
 * events that need them.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in store.h */
int cf_store_log_end(cf_store_t *s, int64_t *end, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT COALESCE(MAX(pos), -1) + 1 FROM events", &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *end = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read the log's end", err);
}

/* The log from a position on; TX is the transaction that wrote the row (PostgreSQL's
 * xmin: a position's UPDATE at commit is the top transaction's), or NULL (SQLite). */
#define LOG_SQL(TX)                                                                                \
    "SELECT e.pos, e.case_id, e.seq, e.type, e.body, c.version, c.state, a.agency, "               \
    "c.workflow_id, CASE WHEN e.type = 'alert' THEN json_extract(c.snapshot, '$.facts') END, " TX  \
    " FROM events e JOIN cases c ON c.id = e.case_id LEFT JOIN case_agency a ON a.case_id = "      \
    "e.case_id WHERE e.pos >= ? ORDER BY e.pos LIMIT ?"

/* One row read, its text copied (the statement's is borrowed until the next step). */
typedef struct row_s {
    cf_store_logged_t e;
    char *text[7]; /* type, body, state, agency, workflow, facts, tx */
} row_t;

static void rows_free(row_t *rows, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 7; k++)
            free(rows[i].text[k]);
    free(rows);
}

/* Row i's text columns copied and pointed at. 0, or CF_ENOMEM. */
static int row_keep(cf_db_stmt_t *st, row_t *r)
{
    static const int cols[7] = {3, 4, 6, 7, 8, 9, 10};
    for (int k = 0; k < 7; k++) {
        const char *t = (const char *)cf_db_column_text(st, cols[k]);
        if (t && !(r->text[k] = strdup(t)))
            return CF_ENOMEM;
    }
    r->e.pos = cf_db_column_int64(st, 0);
    r->e.case_id = cf_db_column_int64(st, 1);
    r->e.seq = cf_db_column_int64(st, 2);
    r->e.version = cf_db_column_int64(st, 5);
    r->e.type = r->text[0];
    r->e.body = r->text[1];
    r->e.state = r->text[2];
    r->e.agency = r->text[3];
    r->e.workflow = r->text[4];
    r->e.facts = r->text[5];
    return 0;
}

/* A notice's event (what a stream says with the case's version and state). */
static int noticed(const char *type)
{
    return type && (strcmp(type, "transition") == 0 || strcmp(type, "case.opened") == 0 ||
                    strcmp(type, "clock.extended") == 0);
}

/* The state an event of type with body leaves its case in, or NULL when it changes none
 * (malloc'd). */
static char *state_set(const char *type, const char *body)
{
    const char *key = !type                              ? NULL
                      : strcmp(type, "transition") == 0  ? "to"
                      : strcmp(type, "case.opened") == 0 ? "state"
                                                         : NULL;
    json_t *ev = key && body ? json_loads(body, 0, NULL) : NULL;
    const char *v = json_string_value(json_object_get(ev, key));
    char *out = v ? strdup(v) : NULL;
    json_decref(ev);
    return out;
}

/* The state case id was in after its event seq (malloc'd, or NULL). */
static char *state_at(cf_store_t *s, int64_t id, int64_t seq, cf_error_t *err)
{
    cf_db_stmt_t *st;
    if (cf__store_prepare(s,
                          "SELECT type, body FROM events WHERE case_id = ? AND seq <= ? AND type "
                          "IN ('transition', 'case.opened') ORDER BY seq DESC LIMIT 1",
                          &st, err) != 0)
        return NULL;
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_int64(st, 2, seq);
    char *out = NULL;
    if (cf_db_step(st) == CF_DB_ROW)
        out = state_set((const char *)cf_db_column_text(st, 0),
                        (const char *)cf_db_column_text(st, 1));
    cf__store_release(s, st);
    return out;
}

/* Whether rows a and b are of one change: the same case, and (PostgreSQL) the same
 * transaction. */
static int one_change(const row_t *a, const row_t *b)
{
    if (a->e.case_id != b->e.case_id)
        return 0;
    return !a->text[6] || !b->text[6] || strcmp(a->text[6], b->text[6]) == 0;
}

/* Rows from..to-1, one change of one case (its events are consecutive in the log, and
 * of one transaction: one request's, or those of several requests on the case in one of
 * the daemon's batches): each told the version and state right after the last of them,
 * as the daemon that made the change says in its own notices, rather than the case's
 * now. Only where a notice needs them. */
static void group_settle(cf_store_t *s, row_t *rows, int from, int to)
{
    int needed = 0;
    for (int i = from; i < to; i++)
        needed |= noticed(rows[i].e.type);
    int64_t end = rows[to - 1].e.seq;
    if (!needed || end == rows[from].e.version)
        return; /* nothing committed after it: the case's now is right */
    char *state = NULL;
    for (int i = to - 1; i >= from && !state; i--)
        state = state_set(rows[i].e.type, rows[i].e.body);
    if (!state)
        state = state_at(s, rows[from].e.case_id, end, NULL);
    if (!state)
        return;
    for (int i = from; i < to; i++) {
        rows[i].e.version = end;
        if (i == from) {
            free(rows[i].text[2]);
            rows[i].text[2] = state;
        }
        rows[i].e.state = state;
    }
}

/* Exported, documented in store.h */
int cf_store_log_after(cf_store_t *s, int64_t from, int max, cf_store_logged_cb cb, void *ctx,
                       cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s, cf_db_pick(s->db, LOG_SQL("NULL"), LOG_SQL("e.xmin::text")), &st, err);
    row_t *rows = rc == 0 ? calloc(max > 0 ? (size_t)max : 1, sizeof(*rows)) : NULL;
    if (rc != 0)
        return rc;
    if (!rows) {
        cf__store_release(s, st);
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory reading the log");
    }
    cf_db_bind_int64(st, 1, from);
    cf_db_bind_int(st, 2, max);
    int step = CF_DB_DONE, n = 0;
    while (rc == 0 && n < max && (step = cf_db_step(st)) == CF_DB_ROW)
        if ((rc = row_keep(st, &rows[n++])) != 0)
            rc = cf_error_set(err, rc, NULL, 0, 0, "out of memory reading the log");
    if (rc == 0 && n < max && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read the log", err);
    cf__store_release(s, st);
    /* a full page's last change may go on in the next page: it waits for that read
     * (unless it is the whole page) */
    int upto = n;
    if (n == max && n > 0) {
        int last = n - 1;
        while (last > 0 && one_change(&rows[last - 1], &rows[n - 1]))
            last--;
        upto = last > 0 ? last : n;
    }
    for (int i = 0, j; rc == 0 && i < upto; i = j) {
        for (j = i + 1; j < upto && one_change(&rows[j], &rows[i]);)
            j++;
        group_settle(s, rows, i, j);
    }
    for (int i = 0; rc == 0 && i < upto; i++)
        rc = cb(ctx, &rows[i].e);
    rows_free(rows, n);
    return rc != 0 ? rc : n;
}
