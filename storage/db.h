/*
 * db.h -- the storage folder's database driver: one small API over SQLite and
 * PostgreSQL (libpq), so that one set of store-*.c files runs on both. Internal
 * to storage/ (the public interface is store.h).
 *
 * The API follows SQLite's own shape (prepare, bind, step, column, reset), because
 * the store was written against it and its statement cache depends on that shape:
 *
 *   cf_db_stmt_t *st;
 *   rc = cf_db_prepare(db, "SELECT state FROM cases WHERE id = ?", 1, &st);
 *   cf_db_bind_int64(st, 1, id);
 *   while ((step = cf_db_step(st)) == CF_DB_ROW) ... cf_db_column_text(st, 0) ...
 *   step == CF_DB_DONE, or a negative CF_E* code (cf_db_errmsg says why)
 *
 * SQL is written once with SQLite's placeholders (`?` or `?N`); on PostgreSQL the
 * driver rewrites them to `$N` (a bare `?` after `?N` is N+1, as in SQLite).
 * Everything else in the text must be valid on both (see /work/wt/PG-CONTRACT.md
 * and docs/postgresql.md): where the two dialects differ the caller picks the
 * text with cf_db_pick. On PostgreSQL every parameter is sent as text (blobs in
 * binary) with its type left for the server to infer from the statement, and
 * every column comes back as text, so cf_db_column_int64 parses it ("t"/"f"
 * booleans read 1/0).
 *
 * Statements prepared with persistent = 1 are kept by the connection until
 * cf_db_finalize: SQLITE_PREPARE_PERSISTENT on SQLite, a named server-side
 * prepared statement (PQprepare, on first execution) on PostgreSQL. The store's
 * cache (cf__store_prepare) decides which statements those are.
 *
 * Errors: every call that can fail returns 0 (or CF_DB_ROW/CF_DB_DONE) or a
 * negative CF_E* code: a unique violation or a serialization failure is
 * CF_ECONFLICT, a lock CF_EBUSY, a lost connection (PostgreSQL) CF_EUNAVAILABLE (the
 * daemon answers 503 to both), a
 * full disk CF_EFULL, I/O CF_EIO, corruption CF_ECORRUPT, the rest CF_ESTORE.
 * cf_db_errmsg is the database's message for the last failure.
 *
 * Rejected: a function table per backend (two backends, and a switch is as
 * fast as an indirect call); translating SQLite SQL wholesale (only the
 * placeholders are rewritten: a translator that guesses is worse than text
 * written for both).
 */
#ifndef CF_DB_H
#define CF_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct cf_db_s cf_db_t;
typedef struct cf_db_stmt_s cf_db_stmt_t;

enum cf_db_kind { CF_DB_SQLITE = 1, CF_DB_PG = 2 };

/* cf_db_step's results besides errors (SQLite's values). */
#define CF_DB_ROW  100
#define CF_DB_DONE 101

/* cf_db_column_type: CF_DB_NULL, or CF_DB_INTEGER/CF_DB_FLOAT/CF_DB_TEXT/CF_DB_BLOB
 * (SQLite's storage class; on PostgreSQL the column's type: int2/4/8 and bool are
 * INTEGER, float4/8 and numeric FLOAT, bytea BLOB, the rest TEXT). */
#define CF_DB_INTEGER 1
#define CF_DB_FLOAT   2
#define CF_DB_TEXT    3
#define CF_DB_BLOB    4
#define CF_DB_NULL    5

/* How cf_db_bind_text/blob hold the bytes: CF_DB_STATIC, the caller keeps them
 * unchanged until the statement is stepped to its end, reset or rebound;
 * CF_DB_TRANSIENT, copied now. */
#define CF_DB_STATIC    0
#define CF_DB_TRANSIENT 1

/* cf_db_open flags. */
#define CF_DB_OPEN_READONLY 1 /* SQLite: SQLITE_OPEN_READONLY (no create) */
#define CF_DB_OPEN_URI      2 /* SQLite: the name is a file: URI */

/* Nonzero when target names a PostgreSQL database (postgresql:// or postgres://). */
int cf_db_is_pg(const char *target);

/* Opens target: a PostgreSQL connection URI, else an SQLite file (created unless
 * CF_DB_OPEN_READONLY). OUT *db is set on success and on failure alike (NULL only
 * on ENOMEM), so cf_db_errmsg can say why; cf_db_close it in both cases. A connection
 * is used by one thread at a time (it may pass from one thread to another between two
 * uses, as the daemon's writer's does when it starts and stops): SQLite's is opened
 * without a mutex of its own (SQLITE_OPEN_NOMUTEX), as libpq's has none. */
int cf_db_open(const char *target, int flags, cf_db_t **db);
void cf_db_close(cf_db_t *db); /* finalizes nothing: finalize statements first */
int cf_db_kind(const cf_db_t *db);
const char *cf_db_errmsg(const cf_db_t *db); /* never NULL */

/* Picks the text for db's dialect: both static literals, so statement caches
 * keyed by pointer stay valid. */
#define cf_db_pick(db, sqlite_sql, pg_sql) (cf_db_kind(db) == CF_DB_PG ? (pg_sql) : (sqlite_sql))

/* Runs sql (no results kept; several statements separated by ';' allowed). */
int cf_db_exec(cf_db_t *db, const char *sql);

/* Rows changed by the last INSERT, UPDATE or DELETE stepped on db (on PostgreSQL it
 * waits for the writes sent ahead, see cf_db_defer; 0 when one of them failed, and the
 * next statement says how). */
int cf_db_changes(cf_db_t *db);

/* Rows changed by every INSERT, UPDATE and DELETE completed on db since it opened (a
 * statement that failed and was undone counts none): two readings equal, nothing was
 * written between them. -1 on PostgreSQL (not counted). */
int64_t cf_db_total_changes(cf_db_t *db);

/* Nonzero inside a transaction (BEGIN without COMMIT/ROLLBACK yet). */
int cf_db_in_tx(const cf_db_t *db);

/* SQLite: how many transactions have ended on db since it opened, committed or rolled
 * back, whoever ended them (the store, a bare ROLLBACK, SQLite itself after an error;
 * a commit attempted counts even if it then failed): two readings equal inside a
 * transaction, it is the same transaction. A ROLLBACK TO a savepoint is not an end.
 * Always 0 on PostgreSQL. */
uint64_t cf_db_tx_ends(const cf_db_t *db);

/* ---- statements ---- */
int cf_db_prepare(cf_db_t *db, const char *sql, int persistent, cf_db_stmt_t **st);
int cf_db_step(cf_db_stmt_t *st);
void cf_db_reset(cf_db_stmt_t *st);          /* to run again; bindings kept */
void cf_db_clear_bindings(cf_db_stmt_t *st); /* every parameter NULL */
void cf_db_finalize(cf_db_stmt_t *st);       /* NULL ignored */

/* PostgreSQL: st is a write inside a transaction whose failure its caller handles like
 * any other (it checks no particular error code, such as CF_ECONFLICT for a key taken):
 * stepped, it is sent without waiting (libpq's pipeline mode) and answers CF_DB_DONE; a
 * failure is returned by the next statement that waits for the server (a read,
 * cf_db_changes, COMMIT, ROLLBACK) and by every later one until a rollback. UPDATE,
 * DELETE and INSERT ... ON CONFLICT without RETURNING are so without asking (none of
 * the store's callers tell their failures apart); a plain INSERT only when asked here.
 * A no-op on SQLite. */
void cf_db_defer(cf_db_stmt_t *st);

/* PostgreSQL: the round trips db made so far (each wait for the server's answer: a
 * statement, or a pipeline of them); 0 on SQLite. For tests and the bench. */
uint64_t cf_db_round_trips(const cf_db_t *db);

/* Binding, 1-based like SQLite. len -1: text up to its NUL. text NULL binds NULL. */
int cf_db_bind_text(cf_db_stmt_t *st, int i, const char *text, int len, int how);
int cf_db_bind_blob(cf_db_stmt_t *st, int i, const void *data, size_t len, int how);
int cf_db_bind_int64(cf_db_stmt_t *st, int i, int64_t v);
int cf_db_bind_int(cf_db_stmt_t *st, int i, int v);
int cf_db_bind_null(cf_db_stmt_t *st, int i);

/* Columns of the current row, 0-based. Text and blobs are borrowed until the next
 * step, reset or finalize; NULL columns read NULL text/blob and 0. */
int cf_db_column_type(cf_db_stmt_t *st, int col);
int64_t cf_db_column_int64(cf_db_stmt_t *st, int col);
int cf_db_column_int(cf_db_stmt_t *st, int col);
double cf_db_column_double(cf_db_stmt_t *st, int col);
const unsigned char *cf_db_column_text(cf_db_stmt_t *st, int col);
const void *cf_db_column_blob(cf_db_stmt_t *st, int col);
int cf_db_column_bytes(cf_db_stmt_t *st, int col);

/* A SQLite result code (SQLITE_BUSY, SQLITE_IOERR ...) as its CF_E* code; 0 for
 * SQLITE_OK. The store's fault hooks (tests) speak in these codes. */
int cf_db_sqlite_code(int rc);

/* ---- SQLite only (on PostgreSQL: no-ops returning 0) ---- */
void cf_db_busy_timeout(cf_db_t *db, int ms);
int cf_db_wal_autocheckpoint(cf_db_t *db, int pages);
/* restart: SQLITE_CHECKPOINT_RESTART, else PASSIVE. OUT *log, *done: frames. */
int cf_db_wal_checkpoint(cf_db_t *db, int restart, int *log, int *done);
typedef void (*cf_db_wal_cb)(void *ctx, int frames);
void cf_db_wal_hook(cf_db_t *db, cf_db_wal_cb cb, void *ctx);
/* In an open write transaction: its changed pages written into the log (uncommitted
 * frames, which readers and recovery ignore: sqlite3_db_cacheflush) and the log file
 * synced, so that its COMMIT has only a frame left to write and sync. */
int cf_db_wal_presync(cf_db_t *db);

#endif
