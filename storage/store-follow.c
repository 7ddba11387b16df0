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

/* Exported, documented in store.h */
int cf_store_log_after(cf_store_t *s, int64_t from, int max, cf_store_logged_cb cb, void *ctx,
                       cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT e.pos, e.case_id, e.seq, e.type, e.body, c.version, c.state, a.agency, "
        "c.workflow_id, CASE WHEN e.type = 'alert' THEN json_extract(c.snapshot, '$.facts') END "
        "FROM events e JOIN cases c ON c.id = e.case_id LEFT JOIN case_agency a ON a.case_id = "
        "e.case_id WHERE e.pos >= ? ORDER BY e.pos LIMIT ?",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, from);
    cf_db_bind_int(st, 2, max);
    int step, n = 0;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        cf_store_logged_t e;
        e.pos = cf_db_column_int64(st, 0);
        e.case_id = cf_db_column_int64(st, 1);
        e.seq = cf_db_column_int64(st, 2);
        e.type = (const char *)cf_db_column_text(st, 3);
        e.body = (const char *)cf_db_column_text(st, 4);
        e.version = cf_db_column_int64(st, 5);
        e.state = (const char *)cf_db_column_text(st, 6);
        e.agency = (const char *)cf_db_column_text(st, 7);
        e.workflow = (const char *)cf_db_column_text(st, 8);
        e.facts = (const char *)cf_db_column_text(st, 9);
        rc = cb(ctx, &e);
        n++;
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read the log", err);
    cf__store_release(s, st);
    return rc != 0 ? rc : n;
}
