/*
 * store-tx.c -- transactions a caller holds open across several writes: the
 * daemon's group commit (one BEGIN IMMEDIATE ... COMMIT per batch, a SAVEPOINT
 * per request) and the operation layer's own transactions (api/ops), the
 * write-ahead log's checkpoints, and the case writes made inside them.
 *
 * Design. A refusal or a conflict rolls back to the request's savepoint and the
 * rest of the batch still commits. The case writes themselves are
 * cf__store_case_write (store-cases.c), the same code cf_store_case_open/append
 * run, minus their own BEGIN/COMMIT; nothing about how a case is written is
 * duplicated here. The helpers every SQLite file of this folder shares (a
 * one-row write, a text column, a list of rows) are at the end.
 *
 * Rejected: a transaction object handed around (SQLite has one transaction per
 * connection; the connection is the handle).
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
int cf_store_checkpoint_restart(cf_store_t *s, int *frames, int *copied, cf_error_t *err)
{
    int log = 0, done = 0;
    sqlite3_busy_timeout(s->db, 0); /* a reader in the way: try again after a later commit */
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
    sqlite3_busy_timeout(s->db, CF__STORE_BUSY_MS);
    if (frames)
        *frames = log;
    if (copied)
        *copied = done;
    return rc == SQLITE_OK ? 0 : cf__store_error(s, rc, "restart the log", err);
}

/* Exported, documented in store.h */
int cf_store_set_cache_kib(cf_store_t *s, int kib, cf_error_t *err)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -kib);
    return cf__store_exec(s, sql, err);
}

static int on_wal(void *ctx, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((cf_store_t *)ctx)->wal_frames = frames;
    return SQLITE_OK;
}

/* Exported, documented in store.h */
void cf_store_wal_track(cf_store_t *s)
{
    sqlite3_wal_hook(s->db, on_wal, s);
}

/* Exported, documented in store.h */
int cf_store_wal_frames(const cf_store_t *s)
{
    return s->wal_frames;
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
/* Exported, documented in store-int.h */
int cf__store_step_done(cf_store_t *s, sqlite3_stmt *st, const char *what, cf_error_t *err)
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
        rc = cf__store_step_done(s, st, "stamp agency", err);
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

/* ---- helpers shared by the backend's files ----------------------------------------- */

/* Exported, documented in store-int.h */
void cf__store_copy_col(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* Exported, documented in store-int.h */
int cf__store_collect(cf_store_t *s, sqlite3_stmt *st, json_t *(*row_fn)(sqlite3_stmt *),
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
