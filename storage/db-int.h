/*
 * db-int.h -- what the driver's files (db.c, db-sqlite.c, db-pg.c) share: the two
 * structs, each carrying both backends' fields (one of them unused), and the
 * PostgreSQL side's entry points, which db.c calls when a handle is not SQLite's.
 */
#ifndef CF_DB_INT_H
#define CF_DB_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"

struct cf_db_s {
    int kind;
    sqlite3 *lite;
    PGconn *pg;
    char msg[512];  /* PostgreSQL: the last failure's message ("" when none) */
    int changes;    /* PostgreSQL: rows changed by the last statement */
    unsigned names; /* PostgreSQL: the prepared statements named so far */
    unsigned epoch; /* PostgreSQL: bumped by every reconnect (named statements lost) */
    int queued;     /* PostgreSQL: statements sent in pipeline mode, results not yet read */
    int poison;     /* PostgreSQL: CF_E* of a queued statement that failed (0: none), which
                       every statement returns until a rollback */
    int released;   /* PostgreSQL: the last RELEASE's place among the queued (1-based; 0) */
    int sticky;     /* PostgreSQL: the poison came before a queued RELEASE (which did not
                       run): only a full ROLLBACK clears it */
    uint64_t trips; /* PostgreSQL: round trips made (each wait for the server's answer) */
    cf_db_wal_cb wal_cb;
    void *wal_ctx;
    uint64_t ends; /* SQLite: transactions ended, committed or rolled back (cf_db_tx_ends) */
};

#define CF__PG_MAX_PARAMS 64
enum { CF__PG_INT = 1, CF__PG_TEXT = 2, CF__PG_BLOB = 3 };

/* A PostgreSQL parameter: its bytes (borrowed or owned), length and format. */
struct cf__pg_param_s {
    int kind;        /* CF__PG_*, 0 for NULL */
    int unused;      /* the text never names it */
    const char *val; /* NULL: SQL NULL */
    char *own;       /* what val points into when copied (freed on rebind) */
    int len;
    int binary;
    char num[24]; /* an integer's text */
};

struct cf_db_stmt_s {
    cf_db_t *db;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *sql;      /* the text with $N placeholders */
    char name[24];  /* "" for an unnamed (one-use) statement */
    unsigned epoch; /* db->epoch it was prepared in; 0: not yet prepared */
    int defer;      /* a write whose answer no caller reads: sent in a pipeline (db-pg.c) */
    int deferred;   /* stepped so: CF_DB_DONE until reset */
    int nparams;
    struct cf__pg_param_s *params;
    PGresult *res;          /* the executed statement's rows; NULL before the first step */
    int row;                /* the current row, -1 before the first */
    int blob_row, blob_col; /* the column decoded into blob */
    unsigned char *blob;
    size_t blob_len;
};

int cf__pg_open(cf_db_t *db, const char *uri);
void cf__pg_close(cf_db_t *db);
int cf__pg_exec(cf_db_t *db, const char *sql);
int cf__pg_in_tx(const cf_db_t *db);
int cf__pg_changes(cf_db_t *db);
int cf__pg_prepare(cf_db_t *db, const char *sql, int persistent, cf_db_stmt_t *st);
int cf__pg_step(cf_db_stmt_t *st);
void cf__pg_reset(cf_db_stmt_t *st);
void cf__pg_finalize(cf_db_stmt_t *st);
int cf__pg_bind(cf_db_stmt_t *st, int i, const char *val, int len, int kind, int how);
int cf__pg_column_type(cf_db_stmt_t *st, int col);
const unsigned char *cf__pg_column_text(cf_db_stmt_t *st, int col);
const void *cf__pg_column_blob(cf_db_stmt_t *st, int col);
int cf__pg_column_bytes(cf_db_stmt_t *st, int col);

/* SQLite's result code as CF_E* (db-sqlite.c). */
int cf__lite_code(int rc);

#endif
