/*
 * store-tx.c -- transactions a caller holds open across several writes: the
 * daemon's group commit (one BEGIN IMMEDIATE ... COMMIT per batch, a SAVEPOINT
 * per request) and the operation layer's own transactions (api/ops), the
 * write-ahead log's checkpoints, and the case writes made inside them.
 *
 * Design. A refusal or a conflict rolls back to the request's savepoint and the
 * rest of the batch still commits. (On SQLite most requests take no savepoint, only a
 * mark, cf_store_unsaved_begin: the daemon runs its batch again with savepoints when
 * one fails after it wrote, api/http/serve-writer.c.) The case writes themselves are
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
    if (!cf_db_in_tx(s->db))
        cf__store_counts_clear(s); /* nothing kept from a transaction that ended elsewhere */
    return cf__store_run(s, CF__STORE_BEGIN(s), err);
}

/* Exported, documented in store.h */
int cf_store_tx_commit(cf_store_t *s, cf_error_t *err)
{
    int rc = cf__store_fault(s, "commit");
    if (rc != 0)
        return cf__store_error(s, rc, "commit", err);
    return cf__store_commit(s, err);
}

/* Exported, documented in store.h */
void cf_store_tx_rollback(cf_store_t *s)
{
    cf__store_rollback(s);
}

/* Exported, documented in store-int.h. Why this is commit order: the lock is taken
 * after every other lock of the transaction and held until its commit is complete
 * (PostgreSQL releases a transaction's locks only after its commit is visible to new
 * snapshots); the UPDATE starts after the lock is held, so under READ COMMITTED its
 * snapshot holds every transaction that placed its events before, and MAX(pos) is
 * the last of theirs. Two transactions therefore place their events in the order
 * they hold the lock, which is the order they commit in, with no gap (a transaction
 * rolled back gives its positions back, as on SQLite; the function is VOLATILE, so its
 * UPDATE takes a snapshot of its own, after the lock). A holder waits for nothing
 * but its own rows and the commit, so the lock cannot deadlock; what it serializes
 * is only this UPDATE and the commit of the transactions that wrote events. */
int cf__store_place(cf_store_t *s, cf_error_t *err)
{
    if (!s->unplaced)
        return 0;
    s->unplaced = 0;
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT cf_events_place()", &st, err); /* store-pg.c's */
    if (rc != 0)
        return rc;
    cf_db_defer(st); /* sent with the COMMIT: one round trip (db.h) */
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE || step == CF_DB_ROW ? 0 : cf__store_error(s, step, "place", err);
}

/* Exported, documented in store-int.h */
int cf__store_commit(cf_store_t *s, cf_error_t *err)
{
    int rc = cf__store_counts_flush(s, err); /* the counts' rows, once per transaction */
    if (rc == 0)
        rc = cf__store_place(s, err);
    if (rc == 0 && (rc = cf__store_run(s, "COMMIT", err)) == 0)
        cf__store_counts_clear(s);
    return rc;
}

/* Exported, documented in store-int.h */
void cf__store_rollback(cf_store_t *s)
{
    s->unplaced = 0;
    s->pos_known = 0; /* cf_db_tx_ends says so too; this says it here */
    cf__store_counts_clear(s);
    cf_db_exec(s->db, "ROLLBACK");
}

/* Exported, documented in store.h */
int cf_store_savepoint(cf_store_t *s, cf_error_t *err)
{
    if (cf__store_counts_mark(s) != 0)
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory for a savepoint");
    int rc = cf__store_run(s, "SAVEPOINT cf_request", err);
    if (rc != 0)
        cf__store_counts_unmark(s, 1);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_savepoint_release(cf_store_t *s, cf_error_t *err)
{
    int rc = cf__store_run(s, "RELEASE cf_request", err);
    if (rc == 0)
        cf__store_counts_unmark(s, 0);
    return rc;
}

/* Exported, documented in store.h. The counts' mark stands in for the savepoint's
 * (their deltas are memory of this store, not rows: cf__store_counts_unmark drops them),
 * and keeps them from being flushed while the request runs (a flush writes rows). */
int cf_store_unsaved_begin(cf_store_t *s)
{
    int64_t changes = cf_db_total_changes(s->db);
    if (changes < 0 || !cf_db_in_tx(s->db) || cf__store_counts_mark(s) != 0)
        return CF_ESTORE;
    s->unsaved_from = changes;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_unsaved_end(cf_store_t *s, int kept)
{
    cf__store_counts_unmark(s, !kept);
    return !kept && (cf_db_total_changes(s->db) != s->unsaved_from || !cf_db_in_tx(s->db));
}

/* Exported, documented in store.h */
int cf_store_set_autocheckpoint(cf_store_t *s, int pages, cf_error_t *err)
{
    int rc = cf_db_wal_autocheckpoint(s->db, pages);
    return rc == 0 ? 0 : cf__store_error(s, rc, "wal_autocheckpoint", err);
}

/* Exported, documented in store.h */
int cf_store_checkpoint(cf_store_t *s, int *frames, int *copied, cf_error_t *err)
{
    int log = 0, done = 0;
    int rc = cf_db_wal_checkpoint(s->db, 0, &log, &done);
    if (frames)
        *frames = log;
    if (copied)
        *copied = done;
    return rc == 0 ? 0 : cf__store_error(s, rc, "checkpoint", err);
}

/* Exported, documented in store.h */
int cf_store_checkpoint_restart(cf_store_t *s, int *frames, int *copied, cf_error_t *err)
{
    return cf_store_checkpoint_restart_wait(s, 0, frames, copied, err);
}

/* Exported, documented in store.h */
int cf_store_checkpoint_restart_wait(cf_store_t *s, int wait_ms, int *frames, int *copied,
                                     cf_error_t *err)
{
    int log = 0, done = 0;
    cf_db_busy_timeout(s->db, wait_ms); /* a reader in the way: try again after a later commit */
    int rc = cf_db_wal_checkpoint(s->db, 1, &log, &done);
    cf_db_busy_timeout(s->db, CF__STORE_BUSY_MS);
    if (frames)
        *frames = log;
    if (copied)
        *copied = done;
    if (rc == 0)
        s->wal_frames = 0; /* the next commit writes the log from its start */
    return rc == 0 ? 0 : cf__store_error(s, rc, "restart the log", err);
}

/* Exported, documented in store.h */
int cf_store_wal_presync(cf_store_t *s)
{
    return cf_db_wal_presync(s->db);
}

/* Exported, documented in store.h */
int cf_store_set_cache_kib(cf_store_t *s, int kib, cf_error_t *err)
{
    char sql[64];
    if (cf_db_kind(s->db) == CF_DB_PG)
        return 0; /* the server's shared_buffers */
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -kib);
    return cf__store_exec(s, sql, err);
}

/* frames is the log's length after the commit: the commit wrote what it grew by, or,
 * when the log started over, all of it (cf_store_checkpoint_restart sets wal_frames
 * to 0 for that). */
static void on_wal(void *ctx, int frames)
{
    cf_store_t *s = ctx;
    s->wal_written += (uint64_t)(frames >= s->wal_frames ? frames - s->wal_frames : frames);
    s->wal_frames = frames;
}

/* Exported, documented in store.h */
void cf_store_wal_track(cf_store_t *s)
{
    cf_db_wal_hook(s->db, on_wal, s);
}

/* Exported, documented in store.h */
int cf_store_wal_frames(const cf_store_t *s)
{
    return s->wal_frames;
}

/* Exported, documented in store.h */
uint64_t cf_store_wal_written(const cf_store_t *s)
{
    return s->wal_written;
}

/* Exported, documented in store.h */
void cf_store_savepoint_rollback(cf_store_t *s)
{
    cf_db_exec(s->db, "ROLLBACK TO cf_request; RELEASE cf_request");
    s->pos_known = 0; /* the events since the savepoint gave their positions back */
    cf__store_counts_unmark(s, 1);
}

/* Exported, documented in store.h */
int cf_store_query_only(cf_store_t *s, cf_error_t *err)
{
    return cf__store_exec(
        s, cf_db_pick(s->db, "PRAGMA query_only = 1", "SET default_transaction_read_only = on"),
        err);
}

/* Runs a one-row write statement with text and integer bindings already made. */
/* Exported, documented in store-int.h */
int cf__store_step_done(cf_store_t *s, cf_db_stmt_t *st, const char *what, cf_error_t *err)
{
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, what, err);
}

/* Exported, documented in store.h */
int cf_store_case_open_tx(cf_store_t *s, cf_case_t *c, json_t *events, const char *agency,
                          cf_error_t *err)
{
    cf_case_t opened;
    int rc = cf__store_case_next(s, c, events, 1, agency, &opened, err);
    if (rc != 0)
        return rc;
    cf_db_stmt_t *st = NULL;
    if (rc == 0 && agency)
        rc = cf__store_prepare(s, "INSERT INTO case_agency(case_id, agency) VALUES (?, ?)", &st,
                               err);
    if (rc == 0 && st) {
        cf_db_bind_int64(st, 1, opened.id);
        cf_db_bind_text(st, 2, agency, -1, CF_DB_STATIC);
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
    return cf__store_case_write(s, c, events, 0, NULL, err);
}

/* Exported, documented in store.h */
int cf_store_case_append_as(cf_store_t *s, cf_case_t *c, json_t *events, const char *agency,
                            cf_error_t *err)
{
    return cf__store_case_write(s, c, events, 0, agency, err);
}

/* ---- helpers shared by the backend's files ----------------------------------------- */

/* Exported, documented in store-int.h */
void cf__store_copy_col(cf_db_stmt_t *st, int col, char *out, size_t size)
{
    const char *t = (const char *)cf_db_column_text(st, col);
    size_t n = t && size ? strnlen(t, size - 1) : 0; /* snprintf's "%s", without its cost */
    if (size)
        memcpy(out, t ? t : "", n), out[n] = '\0';
}

/* Exported, documented in store-int.h */
int cf__store_collect(cf_store_t *s, cf_db_stmt_t *st, json_t *(*row_fn)(cf_db_stmt_t *),
                      json_t **list, const char *what, cf_error_t *err)
{
    json_t *out = json_array();
    int rc = out ? 0 : CF_ENOMEM, step = CF_DB_DONE;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW)
        if (json_array_append_new(out, row_fn(st)) != 0)
            rc = CF_ENOMEM;
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, what, err);
    cf__store_release(s, st);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *list = out;
    return 0;
}

/* Exported, documented in store-int.h */
int cf__store_collect_ids(cf_store_t *s, cf_db_stmt_t *st, int64_t **ids, size_t *count,
                          const char *what, cf_error_t *err)
{
    int64_t *out = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, step;
    while ((step = cf_db_step(st)) == CF_DB_ROW) {
        if (n == cap) {
            int64_t *grown = realloc(out, (cap = cap ? 2 * cap : 64) * sizeof(*out));
            if (!grown) {
                rc = CF_ENOMEM;
                break;
            }
            out = grown;
        }
        out[n++] = cf_db_column_int64(st, 0);
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, what, err);
    cf__store_release(s, st);
    if (rc != 0) {
        free(out);
        return rc;
    }
    *ids = out;
    *count = n;
    return 0;
}
