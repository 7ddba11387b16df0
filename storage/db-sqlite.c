/*
 * db-sqlite.c -- the driver's entry points (db.h) and their SQLite side.
 *
 * Design: every cf_db_* call tests which backend its handle belongs to and, for
 * SQLite, calls the sqlite3_* function directly; PostgreSQL's side is in db-pg.c
 * (cf__pg_*). The SQLite path is the default and the one the benchmarks measure,
 * so it stays one branch away from what the store called before the driver
 * existed: no copies, SQLITE_STATIC bindings kept static, the statement itself
 * prepared with SQLITE_PREPARE_PERSISTENT when the store caches it.
 *
 * Errors: SQLite's result codes become CF_E* (cf__lite_code); the message stays
 * in the connection (sqlite3_errmsg) and cf_db_errmsg reads it from there.
 */
#include "db-int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

/* Exported, documented in db-int.h */
int cf__lite_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return 0;
    case SQLITE_ROW:
        return CF_DB_ROW;
    case SQLITE_DONE:
        return CF_DB_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return CF_EBUSY;
    case SQLITE_FULL:
        return CF_EFULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return CF_EIO;
    case SQLITE_NOMEM:
        return CF_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return CF_ECORRUPT;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? CF_ECONFLICT
                                                                                    : CF_ESTORE;
    default:
        return CF_ESTORE;
    }
}

/* Exported, documented in db.h */
int cf_db_sqlite_code(int rc)
{
    return cf__lite_code(rc);
}

/* ---- connections ---------------------------------------------------------------- */

/* SQLite's commit and rollback hooks: count the transactions that end (cf_db_tx_ends).
 * The commit hook runs before the commit and returns 0 to let it go on. */
static int on_commit(void *ctx)
{
    ((cf_db_t *)ctx)->ends++;
    return 0;
}

static void on_rollback(void *ctx)
{
    ((cf_db_t *)ctx)->ends++;
}

/* Exported, documented in db.h */
int cf_db_is_pg(const char *target)
{
    return target &&
           (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

/* SQLite's process-wide settings, made once before its first connection (sqlite3_config
 * is refused once SQLite has initialized, and then changes nothing). Memory statistics
 * off: with them on, every allocation SQLite makes takes a process-wide mutex to count
 * it. Debian's SQLite is built without lookaside (SQLITE_OMIT_LOOKASIDE), so every
 * small allocation is a malloc: ~80 allocations and as many frees a request on the
 * daemon's writer (the in-memory journal of each request's savepoint alone is allocated
 * in 1 KB pieces), the mutex and the counting about 20,000 instructions of its
 * ~285,000 (docs/performance.md, httpprof). Nothing here reads them
 * (sqlite3_memory_used, sqlite3_status, sqlite3_soft_heap_limit64 would need them). */
static void lite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Exported, documented in db.h */
int cf_db_open(const char *target, int flags, cf_db_t **out)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    cf_db_t *db = calloc(1, sizeof(*db));
    *out = db;
    if (!db)
        return CF_ENOMEM;
    if (cf_db_is_pg(target)) {
        db->kind = CF_DB_PG;
        return cf__pg_open(db, target);
    }
    db->kind = CF_DB_SQLITE;
    /* NOMUTEX: a connection is used by one thread at a time (db.h), so SQLite's mutex
     * per connection, taken by every call on it, guards nothing (5,100 instructions a
     * request on the daemon's writer: docs/performance.md, httpcost) */
    int how = SQLITE_OPEN_NOMUTEX |
              (flags & CF_DB_OPEN_READONLY ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (flags & CF_DB_OPEN_URI)
        how |= SQLITE_OPEN_URI;
    pthread_once(&configured, lite_configure);
    int rc = sqlite3_open_v2(target, &db->lite, how, NULL);
    if (rc != SQLITE_OK)
        return cf__lite_code(sqlite3_extended_errcode(db->lite) ? sqlite3_extended_errcode(db->lite)
                                                                : rc);
    sqlite3_extended_result_codes(db->lite, 1);
    sqlite3_commit_hook(db->lite, on_commit, db);
    sqlite3_rollback_hook(db->lite, on_rollback, db);
    return 0;
}

/* Exported, documented in db.h */
void cf_db_close(cf_db_t *db)
{
    if (!db)
        return;
    if (db->kind == CF_DB_PG)
        cf__pg_close(db);
    else
        sqlite3_close(db->lite);
    free(db);
}

/* Exported, documented in db.h */
int cf_db_kind(const cf_db_t *db)
{
    return db->kind;
}

/* Exported, documented in db.h */
const char *cf_db_errmsg(const cf_db_t *db)
{
    if (!db)
        return "out of memory";
    if (db->kind == CF_DB_PG)
        return db->msg[0] ? db->msg : "no error";
    return db->lite ? sqlite3_errmsg(db->lite) : "out of memory";
}

/* Exported, documented in db.h */
int cf_db_exec(cf_db_t *db, const char *sql)
{
    if (db->kind == CF_DB_PG)
        return cf__pg_exec(db, sql);
    return cf__lite_code(sqlite3_exec(db->lite, sql, NULL, NULL, NULL));
}

/* Exported, documented in db.h */
int cf_db_changes(cf_db_t *db)
{
    return db->kind == CF_DB_PG ? cf__pg_changes(db) : sqlite3_changes(db->lite);
}

/* Exported, documented in db.h */
int64_t cf_db_total_changes(cf_db_t *db)
{
    return db->kind == CF_DB_PG ? -1 : (int64_t)sqlite3_total_changes64(db->lite);
}

/* Exported, documented in db.h */
uint64_t cf_db_round_trips(const cf_db_t *db)
{
    return db->kind == CF_DB_PG ? db->trips : 0;
}

/* Exported, documented in db.h */
void cf_db_defer(cf_db_stmt_t *st)
{
    st->defer = !st->lite;
}

/* Exported, documented in db.h */
int cf_db_in_tx(const cf_db_t *db)
{
    return db->kind == CF_DB_PG ? cf__pg_in_tx(db) : !sqlite3_get_autocommit(db->lite);
}

/* Exported, documented in db.h */
uint64_t cf_db_tx_ends(const cf_db_t *db)
{
    return db->ends;
}

/* ---- statements ------------------------------------------------------------------ */

/* Exported, documented in db.h */
int cf_db_prepare(cf_db_t *db, const char *sql, int persistent, cf_db_stmt_t **out)
{
    cf_db_stmt_t *st = calloc(1, sizeof(*st));
    if (!st)
        return CF_ENOMEM;
    st->db = db;
    int rc;
    if (db->kind == CF_DB_PG)
        rc = cf__pg_prepare(db, sql, persistent, st);
    else
        rc = cf__lite_code(sqlite3_prepare_v3(
            db->lite, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st->lite, NULL));
    if (rc != 0) {
        cf_db_finalize(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* Exported, documented in db.h */
int cf_db_step(cf_db_stmt_t *st)
{
    if (st->lite)
        return cf__lite_code(sqlite3_step(st->lite));
    return cf__pg_step(st);
}

/* Exported, documented in db.h */
void cf_db_reset(cf_db_stmt_t *st)
{
    if (st->lite)
        sqlite3_reset(st->lite);
    else
        cf__pg_reset(st);
}

/* Exported, documented in db.h */
void cf_db_clear_bindings(cf_db_stmt_t *st)
{
    if (st->lite) {
        sqlite3_clear_bindings(st->lite);
        return;
    }
    for (int i = 1; i <= st->nparams; i++)
        cf__pg_bind(st, i, NULL, 0, 0, CF_DB_STATIC);
}

/* Exported, documented in db.h */
void cf_db_finalize(cf_db_stmt_t *st)
{
    if (!st)
        return;
    if (st->db->kind == CF_DB_PG)
        cf__pg_finalize(st);
    else
        sqlite3_finalize(st->lite);
    free(st);
}

/* ---- bindings -------------------------------------------------------------------- */

/* Exported, documented in db.h */
int cf_db_bind_text(cf_db_stmt_t *st, int i, const char *text, int len, int how)
{
    if (st->lite)
        return cf__lite_code(
            text ? sqlite3_bind_text(st->lite, i, text, len,
                                     how == CF_DB_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT)
                 : sqlite3_bind_null(st->lite, i));
    return cf__pg_bind(st, i, text,
                       !text     ? 0
                       : len < 0 ? (int)strlen(text)
                                 : len,
                       CF__PG_TEXT, how);
}

/* Exported, documented in db.h */
int cf_db_bind_blob(cf_db_stmt_t *st, int i, const void *data, size_t len, int how)
{
    if (st->lite)
        return cf__lite_code(sqlite3_bind_blob64(
            st->lite, i, data, len, how == CF_DB_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT));
    return cf__pg_bind(st, i, data ? data : "", (int)len, CF__PG_BLOB, how);
}

/* Exported, documented in db.h */
int cf_db_bind_int64(cf_db_stmt_t *st, int i, int64_t v)
{
    if (st->lite)
        return cf__lite_code(sqlite3_bind_int64(st->lite, i, v));
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    return cf__pg_bind(st, i, num, n, CF__PG_INT, CF_DB_TRANSIENT);
}

/* Exported, documented in db.h */
int cf_db_bind_int(cf_db_stmt_t *st, int i, int v)
{
    return cf_db_bind_int64(st, i, v);
}

/* Exported, documented in db.h */
int cf_db_bind_null(cf_db_stmt_t *st, int i)
{
    if (st->lite)
        return cf__lite_code(sqlite3_bind_null(st->lite, i));
    return cf__pg_bind(st, i, NULL, 0, 0, CF_DB_STATIC);
}

/* ---- columns --------------------------------------------------------------------- */

/* Exported, documented in db.h */
int cf_db_column_type(cf_db_stmt_t *st, int col)
{
    return st->lite ? sqlite3_column_type(st->lite, col) : cf__pg_column_type(st, col);
}

/* Exported, documented in db.h */
int64_t cf_db_column_int64(cf_db_stmt_t *st, int col)
{
    if (st->lite)
        return sqlite3_column_int64(st->lite, col);
    const char *t = (const char *)cf__pg_column_text(st, col);
    if (!t)
        return 0;
    if (t[0] == 't' && !t[1])
        return 1;
    return strtoll(t, NULL, 10);
}

/* Exported, documented in db.h */
int cf_db_column_int(cf_db_stmt_t *st, int col)
{
    return (int)cf_db_column_int64(st, col);
}

/* Exported, documented in db.h */
double cf_db_column_double(cf_db_stmt_t *st, int col)
{
    if (st->lite)
        return sqlite3_column_double(st->lite, col);
    const char *t = (const char *)cf__pg_column_text(st, col);
    return t ? strtod(t, NULL) : 0;
}

/* Exported, documented in db.h */
const unsigned char *cf_db_column_text(cf_db_stmt_t *st, int col)
{
    return st->lite ? sqlite3_column_text(st->lite, col) : cf__pg_column_text(st, col);
}

/* Exported, documented in db.h */
const void *cf_db_column_blob(cf_db_stmt_t *st, int col)
{
    return st->lite ? sqlite3_column_blob(st->lite, col) : cf__pg_column_blob(st, col);
}

/* Exported, documented in db.h */
int cf_db_column_bytes(cf_db_stmt_t *st, int col)
{
    return st->lite ? sqlite3_column_bytes(st->lite, col) : cf__pg_column_bytes(st, col);
}

/* ---- SQLite only ------------------------------------------------------------------ */

/* Exported, documented in db.h */
void cf_db_busy_timeout(cf_db_t *db, int ms)
{
    if (db->kind == CF_DB_SQLITE)
        sqlite3_busy_timeout(db->lite, ms);
}

/* Exported, documented in db.h */
int cf_db_wal_autocheckpoint(cf_db_t *db, int pages)
{
    return db->kind == CF_DB_SQLITE ? cf__lite_code(sqlite3_wal_autocheckpoint(db->lite, pages))
                                    : 0;
}

/* Exported, documented in db.h */
int cf_db_wal_checkpoint(cf_db_t *db, int restart, int *log, int *done)
{
    *log = *done = 0;
    if (db->kind != CF_DB_SQLITE)
        return 0;
    return cf__lite_code(sqlite3_wal_checkpoint_v2(
        db->lite, NULL, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, log,
        done));
}

/* Exported, documented in db.h. The log is synced through a descriptor of its own: SQLite
 * offers no call for it, and it takes no locks on the -wal file (its locks are on the
 * database and -shm files), so opening and closing one cannot drop any of SQLite's. */
int cf_db_wal_presync(cf_db_t *db)
{
    if (db->kind != CF_DB_SQLITE)
        return 0;
    int rc = cf__lite_code(sqlite3_db_cacheflush(db->lite));
    const char *name = sqlite3_db_filename(db->lite, "main");
    const char *wal = name && *name ? sqlite3_filename_wal(name) : NULL;
    int fd = rc == 0 && wal && *wal ? open(wal, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return rc ? rc : CF_EIO;
    if (fdatasync(fd) != 0)
        rc = CF_EIO;
    close(fd);
    return rc;
}

static int on_wal(void *ctx, sqlite3 *lite, const char *name, int frames)
{
    (void)lite;
    (void)name;
    cf_db_t *db = ctx;
    db->wal_cb(db->wal_ctx, frames);
    return SQLITE_OK;
}

/* Exported, documented in db.h */
void cf_db_wal_hook(cf_db_t *db, cf_db_wal_cb cb, void *ctx)
{
    if (db->kind != CF_DB_SQLITE)
        return;
    db->wal_cb = cb;
    db->wal_ctx = ctx;
    sqlite3_wal_hook(db->lite, cb ? on_wal : NULL, db);
}
