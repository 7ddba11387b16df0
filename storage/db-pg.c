/*
 * db-pg.c -- the driver's PostgreSQL side (libpq), called by db-sqlite.c's entry
 * points for a handle opened on a postgresql:// URI.
 *
 * Design. A statement is a text with $N placeholders (rewritten from SQLite's
 * `?`/`?N` at prepare) and an array of parameters. Nothing is sent at prepare:
 * the first step executes. A persistent statement is prepared on the server
 * under its own name (PQprepare, "cf1", "cf2", ...) the first time it runs on
 * this connection and executed by name after that (PQexecPrepared), which saves
 * the server's parse and plan on every request; a one-use statement runs with
 * PQexecParams. Every parameter goes as text (a blob in binary); a parameter bound
 * as text is declared text, a blob bytea, an integer bigint, and a NULL is left for
 * the server to infer from the statement, so `$1 IS NULL OR state = $1` and
 * SQLite's numbering gaps (`?1` and `?10` without `?2`) both work; results
 * come back as text and the whole result is held (PGresult) while the caller
 * steps through its rows.
 *
 * Pipeline. Inside a transaction a write whose answer no caller reads (cf_db_defer in
 * db.h: UPDATE, DELETE, INSERT ... ON CONFLICT, or a statement marked so), BEGIN,
 * SAVEPOINT, RELEASE and every single statement cf_db_exec runs there (exec keeps no
 * results) is sent in libpq's pipeline mode without waiting; the next statement that
 * needs the server's answer (a read, cf_db_changes, COMMIT, ROLLBACK) goes in the same
 * pipeline and waits for all of them at once: one round trip where there were several
 * (the daemon's group commit made 8.4 a transition through the operation layer, now
 * 2.1: tests/test-pipeline.c). A queued statement that failed makes the wait fail with
 * its code (the "poison"), and every later statement too, until ROLLBACK TO or ROLLBACK.
 * ROLLBACK TO clears it when the failure came after the last RELEASE queued (so inside
 * the innermost savepoint, which it rolls back); when a RELEASE was queued after the
 * failing statement, that RELEASE never ran and a ROLLBACK TO would reach the wrong
 * savepoint, so only a full ROLLBACK clears it: the whole transaction fails (nothing
 * partial commits, nothing is answered as done). A plain INSERT is queued only when its
 * caller says so: several turn a unique violation into "already exists" at once.
 *
 * Errors: SQLSTATE decides the CF_E* code (unique_violation 23505 and
 * serialization_failure 40001 / deadlock 40P01: CF_ECONFLICT; connection
 * exceptions, class 08, the server shutting down, 57P*, and libpq's own failures
 * (no SQLSTATE, a connection found bad): CF_EUNAVAILABLE, the daemon's 503
 * EUNAVAILABLE; lock_not_available 55P03: CF_EBUSY, also a 503; disk_full 53100: CF_EFULL;
 * out_of_memory 53200: CF_ENOMEM; data_corrupted XX001/XX002: CF_ECORRUPT). A connection found
 * broken is reset (PQreset) at the next statement outside a transaction; the statements named on
 * the old one are prepared again (epoch).
 *
 * Rejected: binary results (each column's type would have to be known to decode
 * it, for a saving the store does not need); single-row mode (the store's reads
 * are small or paged).
 */
#include "db-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs ("already exists, skipping") are not errors */
}

static void set_msg(cf_db_t *db, const char *text)
{
    const char *from = text && *text ? text : "unknown error"; /* cut to fit, as snprintf */
    size_t n = strnlen(from, sizeof(db->msg) - 1);
    memcpy(db->msg, from, n);
    db->msg[n] = '\0';
    while (n > 0 && (db->msg[n - 1] == '\n' || db->msg[n - 1] == ' '))
        db->msg[--n] = '\0';
}

static int code_of(const char *state)
{
    if (!state)
        return CF_EUNAVAILABLE; /* no SQLSTATE: libpq's own failure, the connection */
    if (!strcmp(state, "23505") || !strcmp(state, "40001") || !strcmp(state, "40P01"))
        return CF_ECONFLICT;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
        return CF_EUNAVAILABLE;
    if (!strcmp(state, "55P03"))
        return CF_EBUSY;
    if (!strcmp(state, "53100"))
        return CF_EFULL;
    if (!strcmp(state, "53200"))
        return CF_ENOMEM;
    if (!strcmp(state, "XX001") || !strcmp(state, "XX002"))
        return CF_ECORRUPT;
    return CF_ESTORE;
}

/* The CF_E* code of a failed result (NULL: libpq could not even make one), its
 * message kept in db->msg; res is cleared. */
static int fail(cf_db_t *db, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = res ? code_of(state) : CF_EUNAVAILABLE;
    if (PQstatus(db->pg) == CONNECTION_BAD)
        code = CF_EUNAVAILABLE;
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m)
        m = res ? PQresultErrorMessage(res) : "";
    set_msg(db, *m ? m : PQerrorMessage(db->pg));
    if (code == CF_EUNAVAILABLE && !strstr(db->msg, "PostgreSQL")) {
        char text[sizeof(db->msg) + 64];
        snprintf(text, sizeof(text), "the PostgreSQL server cannot be reached: %s", db->msg);
        set_msg(db, text);
    }
    if (getenv("CASEFLOW_DB_TRACE")) /* debugging: every failure, as it happens */
        fprintf(stderr, "caseflow db: %s (SQLSTATE %s)\n", db->msg, state ? state : "none");
    PQclear(res);
    return code;
}

/* Exported, documented in db-int.h */
int cf__pg_open(cf_db_t *db, const char *uri)
{
    db->pg = PQconnectdb(uri);
    if (!db->pg) {
        set_msg(db, "out of memory");
        return CF_ENOMEM;
    }
    PQsetNoticeProcessor(db->pg, quiet, NULL);
    db->epoch = 1;
    if (PQstatus(db->pg) != CONNECTION_OK) {
        char text[sizeof(db->msg) + 64];
        snprintf(text, sizeof(text), "the PostgreSQL server cannot be reached: %.500s",
                 PQerrorMessage(db->pg));
        set_msg(db, text);
        /* the server answered, and the database is not there: as a missing file */
        return strstr(text, "does not exist") ? CF_ENOTFOUND : CF_EUNAVAILABLE;
    }
    return 0;
}

/* Exported, documented in db-int.h */
void cf__pg_close(cf_db_t *db)
{
    if (db->pg)
        PQfinish(db->pg);
}

/* A broken connection outside a transaction is made again before a statement. */
static void heal(cf_db_t *db)
{
    if (PQstatus(db->pg) != CONNECTION_BAD)
        return;
    PQreset(db->pg);
    if (PQpipelineStatus(db->pg) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(db->pg);
    db->queued = 0;
    if (PQstatus(db->pg) == CONNECTION_OK)
        db->epoch++;
}

/* ---- the pipeline ------------------------------------------------------------------ */

/* sql without its leading blanks starts with word (any case). */
static int starts(const char *sql, const char *word)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t')
        sql++;
    return strncasecmp(sql, word, strlen(word)) == 0;
}

/* The queued statement that failed: its code again, for a later statement. */
static int poisoned(cf_db_t *db)
{
    if (getenv("CASEFLOW_DB_TRACE"))
        fprintf(stderr, "caseflow db: refused after a failure: %s\n", db->msg);
    return db->poison;
}

/* Into pipeline mode, for a statement to be queued. */
static int pipe_enter(cf_db_t *db)
{
    if (PQpipelineStatus(db->pg) != PQ_PIPELINE_OFF || PQenterPipelineMode(db->pg) == 1)
        return 0;
    return fail(db, NULL);
}

/* Statement sql was queued (sent == 1) or could not be (libpq: the connection). */
static int queued(cf_db_t *db, const char *sql, int sent)
{
    if (sent == 1) {
        db->queued++;
        if (starts(sql, "RELEASE"))
            db->released = db->queued;
        return 0;
    }
    return db->poison = fail(db, NULL);
}

/* Waits for every queued statement: a sync, then their results in order (each the
 * last changes count, the first failure the poison); *keep (when keep) receives the
 * last statement's result, which the caller queued last to have it. Out of pipeline
 * mode after. 0 or the poison. */
static int drain(cf_db_t *db, PGresult **keep)
{
    if (!db->queued)
        return db->poison;
    db->trips++;
    int rc = PQpipelineSync(db->pg) == 1 ? 0 : fail(db, NULL);
    for (int done = 0; rc == 0 && done < db->queued;) {
        PGresult *res = PQgetResult(db->pg);
        if (!res) { /* the end of one statement's results */
            done++;
            if (PQstatus(db->pg) == CONNECTION_BAD)
                rc = fail(db, NULL);
            continue;
        }
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
            const char *n = PQcmdTuples(res);
            if (*n)
                db->changes = atoi(n);
            if (keep && done == db->queued - 1) {
                PQclear(*keep);
                *keep = res;
                continue;
            }
            PQclear(res);
        } else if (s == PGRES_PIPELINE_ABORTED || db->poison) {
            PQclear(res); /* skipped after the first failure, or another result of it */
        } else {
            db->poison = fail(db, res);
            db->sticky = db->released > done; /* a RELEASE failed, or was skipped */
        }
    }
    if (rc == 0) {
        PGresult *res = PQgetResult(db->pg); /* the sync's own */
        if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC)
            rc = fail(db, res);
        else
            PQclear(res);
    }
    db->sticky |= rc != 0 && db->released;
    db->queued = db->released = 0;
    if (PQexitPipelineMode(db->pg) != 1 && rc == 0)
        rc = fail(db, NULL);
    if (rc != 0 && !db->poison)
        db->poison = rc;
    if (db->poison && keep) {
        PQclear(*keep);
        *keep = NULL;
    }
    return db->poison;
}

/* Exported, documented in db-int.h */
int cf__pg_changes(cf_db_t *db)
{
    return drain(db, NULL) == 0 ? db->changes : 0;
}

/* A statement that ends a transaction: it waits, and takes what is queued along (one
 * round trip for all). */
static int ends(const char *sql)
{
    return starts(sql, "COMMIT") || starts(sql, "END") || starts(sql, "PREPARE") ||
           starts(sql, "ROLLBACK");
}

/* Queued when stepped inside a transaction, by its text (the store's keywords are upper
 * case): a write whose answer no caller reads (db.h, cf_db_defer), BEGIN, SAVEPOINT,
 * RELEASE. */
static int deferrable(const char *sql)
{
    if (starts(sql, "BEGIN") || starts(sql, "SAVEPOINT") || starts(sql, "RELEASE"))
        return 1;
    if (strstr(sql, "RETURNING"))
        return 0;
    return starts(sql, "UPDATE ") || starts(sql, "DELETE ") ||
           (starts(sql, "INSERT ") && strstr(sql, "ON CONFLICT"));
}

/* Before any statement: a rollback gives up what failed, and the poison with it (ROLLBACK
 * TO only when it was not found at a RELEASE); anything else is refused while poisoned. */
static int gate(cf_db_t *db, const char *sql)
{
    if (starts(sql, "ROLLBACK")) {
        drain(db, NULL);
        int all = !starts(sql, "ROLLBACK TO");
        if (all || !db->sticky)
            db->poison = 0;
        db->sticky &= !all;
    }
    return db->poison ? poisoned(db) : 0;
}

/* Whether a statement (queue: its text is deferrable) is queued now: inside a
 * transaction, or BEGIN, which starts one. */
static int queue_now(cf_db_t *db, const char *sql, int queue)
{
    return queue && !ends(sql) && (cf__pg_in_tx(db) || starts(sql, "BEGIN"));
}

/* Exported, documented in db-int.h */
int cf__pg_exec(cf_db_t *db, const char *sql)
{
    int rc = gate(db, sql), one = !strchr(sql, ';');
    if (rc != 0)
        return rc;
    /* exec keeps no results: any one statement in a transaction can be queued */
    if (one && queue_now(db, sql, 1)) {
        rc = pipe_enter(db); /* the next statement that waits says how it went */
        return rc ? rc
                  : queued(db, sql, PQsendQueryParams(db->pg, sql, 0, NULL, NULL, NULL, NULL, 0));
    }
    if (one && db->queued) { /* COMMIT: in the pipeline, one wait for all */
        rc = queued(db, sql, PQsendQueryParams(db->pg, sql, 0, NULL, NULL, NULL, NULL, 0));
        return rc ? rc : drain(db, NULL);
    }
    if ((rc = drain(db, NULL)) != 0)
        return rc;
    heal(db);
    db->trips++;
    PGresult *res = PQexec(db->pg, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        return fail(db, res);
    db->changes = atoi(PQcmdTuples(res));
    PQclear(res);
    return 0;
}

/* Exported, documented in db-int.h */
int cf__pg_in_tx(const cf_db_t *db)
{
    if (db->queued)
        return 1; /* only a transaction's statements are queued, BEGIN first */
    PGTransactionStatusType t = PQtransactionStatus(db->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* ---- statements ------------------------------------------------------------------ */

/* sql with SQLite's placeholders as $N; OUT *count: the highest N. Quoted text
 * ('...', "...") is copied as it is. malloc'd, or NULL. */
static char *rewrite(const char *sql, int *count, unsigned char used[CF__PG_MAX_PARAMS + 1])
{
    char *out = malloc(strlen(sql) * 2 + 1), *w = out;
    int top = 0;
    char quote = 0;
    if (!out)
        return NULL;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            quote = *p == quote ? 0 : quote;
            *w++ = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            *w++ = *p;
        } else if (*p == '?') {
            int n = 0;
            while (p[1] >= '0' && p[1] <= '9')
                n = n * 10 + (*++p - '0');
            if (n == 0)
                n = top + 1;
            if (n > top)
                top = n;
            if (n <= CF__PG_MAX_PARAMS)
                used[n] = 1;
            w += sprintf(w, "$%d", n);
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    *count = top;
    return out;
}

/* Exported, documented in db-int.h */
int cf__pg_prepare(cf_db_t *db, const char *sql, int persistent, cf_db_stmt_t *st)
{
    unsigned char used[CF__PG_MAX_PARAMS + 1] = {0};
    st->sql = rewrite(sql, &st->nparams, used);
    st->params = calloc(st->nparams ? st->nparams : 1, sizeof(*st->params));
    if (!st->sql || !st->params) {
        set_msg(db, "out of memory");
        return CF_ENOMEM;
    }
    if (st->nparams > CF__PG_MAX_PARAMS) {
        set_msg(db, "too many parameters");
        return CF_ESTORE;
    }
    for (int i = 0; i < st->nparams; i++)
        st->params[i].unused = !used[i + 1];
    if (persistent)
        snprintf(st->name, sizeof(st->name), "cf%u", ++db->names);
    st->defer = deferrable(sql);
    st->row = -1;
    st->blob_row = -1;
    return 0;
}

/* Exported, documented in db-int.h */
int cf__pg_bind(cf_db_stmt_t *st, int i, const char *val, int len, int kind, int how)
{
    if (i < 1 || i > st->nparams)
        return CF_EINVAL; /* as SQLite's SQLITE_RANGE: the text has no such parameter */
    struct cf__pg_param_s *p = &st->params[i - 1];
    int binary = kind == CF__PG_BLOB;
    p->kind = val || kind == CF__PG_TEXT ? kind : 0; /* a NULL bound as text stays text */
    free(p->own);
    p->own = NULL;
    p->val = val;
    p->len = len;
    p->binary = binary;
    if (val && how == CF_DB_TRANSIENT) {
        if ((size_t)len < sizeof(p->num)) {
            memcpy(p->num, val, len);
            p->num[len] = '\0';
            p->val = p->num;
        } else if (!(p->own = malloc(len + 1))) {
            p->val = NULL;
            return CF_ENOMEM;
        } else {
            memcpy(p->own, val, len);
            p->own[len] = '\0';
            p->val = p->own;
        }
    } else if (val && !binary && val[len] != '\0') {
        /* a text with a length that is not its NUL: libpq sends text up to NUL */
        if (!(p->own = malloc(len + 1)))
            return CF_ENOMEM;
        memcpy(p->own, val, len);
        p->own[len] = '\0';
        p->val = p->own;
    }
    return 0;
}

/* Whether res failed with indeterminate_datatype (42P18) or ambiguous_parameter (42P08): a
 * parameter bound NULL whose type the statement does not settle (`$10 IS NULL OR id > $10` does
 * not: PostgreSQL types a parameter where it first meets it). */
static int indeterminate(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state && (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0);
}

/* Prepares st on the server under its name ("" for a one-use statement: the unnamed
 * statement). Types: text, bytea and bigint as bound (a NULL bound as text is text;
 * every integer is bigint, as SQLite's are 64-bit: `?6 = 0` would make it a 32-bit
 * integer); a parameter the text never names (SQLite allows gaps) text; a NULL as the
 * statement implies, and when it does not say, bigint: a second try. Inside a
 * transaction a failed first try would abort it, so when a NULL leaves a type to the
 * server the tries run behind a savepoint. OUT *guarded: 1 when that savepoint is still
 * open (a one-use statement: execute releases it after running it, see there). */
static int prepare(cf_db_stmt_t *st, int *guarded)
{
    cf_db_t *db = st->db;
    Oid types[CF__PG_MAX_PARAMS];
    int guess = 0;
    for (int i = 0; i < st->nparams; i++) {
        const struct cf__pg_param_s *p = &st->params[i];
        types[i] = p->unused || p->kind == CF__PG_TEXT ? 25
                   : p->kind == CF__PG_BLOB            ? 17
                   : p->kind == CF__PG_INT             ? 20
                                                       : 0;
        guess |= types[i] == 0;
    }
    int guard = guess && cf__pg_in_tx(db);
    *guarded = 0;
    if (guard)
        PQclear(PQexec(db->pg, "SAVEPOINT cf_prepare"));
    db->trips++;
    PGresult *res = PQprepare(db->pg, st->name, st->sql, st->nparams, types);
    if (guess && indeterminate(res)) {
        PQclear(res);
        if (guard)
            PQclear(PQexec(db->pg, "ROLLBACK TO SAVEPOINT cf_prepare"));
        for (int i = 0; i < st->nparams; i++)
            types[i] = types[i] ? types[i] : 20;
        db->trips++;
        res = PQprepare(db->pg, st->name, st->sql, st->nparams, types);
    }
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        return fail(db, res);
    PQclear(res);
    /* A simple query (PQexec) destroys the unnamed statement: a one-use statement's
     * savepoint is released only after the statement ran. */
    if (guard && st->name[0])
        PQclear(PQexec(db->pg, "RELEASE SAVEPOINT cf_prepare"));
    *guarded = guard && !st->name[0];
    st->epoch = st->name[0] ? db->epoch : 0;
    return 0;
}

/* Runs st with its parameters. 0 with st->res holding the result (NULL when queued:
 * st->deferred), or CF_E*. */
static int execute(cf_db_stmt_t *st)
{
    cf_db_t *db = st->db;
    int rc = gate(db, st->sql);
    if (rc != 0)
        return rc;
    if (!cf__pg_in_tx(db))
        heal(db);
    const char *vals[CF__PG_MAX_PARAMS];
    int lens[CF__PG_MAX_PARAMS], fmts[CF__PG_MAX_PARAMS], guarded = 0;
    for (int i = 0; i < st->nparams; i++) {
        vals[i] = st->params[i].val;
        lens[i] = st->params[i].len;
        fmts[i] = st->params[i].binary;
    }
    if (st->epoch != db->epoch) { /* prepared without a pipeline (it may try twice) */
        rc = drain(db, NULL);
        if (rc == 0)
            rc = prepare(st, &guarded);
        if (rc != 0)
            return rc;
    }
    PGresult *res = NULL;
    if (!guarded && queue_now(db, st->sql, st->defer)) {
        rc = pipe_enter(db);
        if (rc == 0)
            rc = queued(db, st->sql,
                        PQsendQueryPrepared(db->pg, st->name, st->nparams, vals, lens, fmts, 0));
        st->deferred = rc == 0;
        return rc;
    }
    if (db->queued) { /* behind the queued ones: one wait for all */
        rc = queued(db, st->sql,
                    PQsendQueryPrepared(db->pg, st->name, st->nparams, vals, lens, fmts, 0));
        if (rc == 0)
            rc = drain(db, &res);
        if (rc != 0)
            return rc;
    } else {
        db->trips++;
        res = PQexecPrepared(db->pg, st->name, st->nparams, vals, lens, fmts, 0);
        ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
            return fail(db, res); /* the transaction is aborted: the savepoint goes with it */
    }
    if (guarded)
        PQclear(PQexec(db->pg, "RELEASE SAVEPOINT cf_prepare"));
    const char *n = PQcmdTuples(res);
    if (*n)
        db->changes = atoi(n);
    st->res = res;
    return 0;
}

/* Exported, documented in db-int.h */
int cf__pg_step(cf_db_stmt_t *st)
{
    if (st->deferred)
        return CF_DB_DONE;
    if (!st->res) {
        int rc = execute(st);
        if (rc != 0)
            return rc;
        st->row = -1;
        if (st->deferred)
            return CF_DB_DONE;
    }
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return CF_DB_ROW;
    }
    st->row = PQntuples(st->res);
    return CF_DB_DONE;
}

/* Exported, documented in db-int.h */
void cf__pg_reset(cf_db_stmt_t *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->deferred = 0;
    st->row = -1;
    st->blob_row = -1;
}

/* Exported, documented in db-int.h */
void cf__pg_finalize(cf_db_stmt_t *st)
{
    cf__pg_reset(st);
    if (st->name[0] && st->epoch == st->db->epoch && PQstatus(st->db->pg) == CONNECTION_OK &&
        !st->db->queued && PQtransactionStatus(st->db->pg) == PQTRANS_IDLE) {
        char sql[48];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        st->db->trips++;
        PQclear(PQexec(st->db->pg, sql));
    }
    for (int i = 0; i < st->nparams; i++)
        free(st->params[i].own);
    free(st->params);
    free(st->sql);
    PQfreemem(st->blob);
}

/* ---- columns --------------------------------------------------------------------- */

static int on_row(const cf_db_stmt_t *st, int col)
{
    return st->res && st->row >= 0 && st->row < PQntuples(st->res) && col >= 0 &&
           col < PQnfields(st->res);
}

/* Exported, documented in db-int.h */
int cf__pg_column_type(cf_db_stmt_t *st, int col)
{
    if (!on_row(st, col) || PQgetisnull(st->res, st->row, col))
        return CF_DB_NULL;
    switch (PQftype(st->res, col)) {
    case 16: /* bool */
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        return CF_DB_INTEGER;
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 1700: /* numeric */
        return CF_DB_FLOAT;
    case 17: /* bytea */
        return CF_DB_BLOB;
    default:
        return CF_DB_TEXT;
    }
}

/* Exported, documented in db-int.h */
const unsigned char *cf__pg_column_text(cf_db_stmt_t *st, int col)
{
    if (!on_row(st, col) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return (const unsigned char *)PQgetvalue(st->res, st->row, col);
}

/* The bytes of a bytea column (text form "\x..."), decoded once per row and column. */
static int decode(cf_db_stmt_t *st, int col)
{
    if (st->blob_row == st->row && st->blob_col == col)
        return 0;
    PQfreemem(st->blob);
    st->blob = NULL;
    st->blob_len = 0;
    st->blob_row = -1;
    const unsigned char *t = cf__pg_column_text(st, col);
    if (!t)
        return -1;
    st->blob = PQunescapeBytea(t, &st->blob_len);
    if (!st->blob)
        return -1;
    st->blob_row = st->row;
    st->blob_col = col;
    return 0;
}

/* Exported, documented in db-int.h */
const void *cf__pg_column_blob(cf_db_stmt_t *st, int col)
{
    if (on_row(st, col) && PQftype(st->res, col) != 17)
        return cf__pg_column_text(st, col);
    return decode(st, col) == 0 ? st->blob : NULL;
}

/* Exported, documented in db-int.h */
int cf__pg_column_bytes(cf_db_stmt_t *st, int col)
{
    if (on_row(st, col) && PQftype(st->res, col) != 17)
        return PQgetisnull(st->res, st->row, col) ? 0 : PQgetlength(st->res, st->row, col);
    return decode(st, col) == 0 ? (int)st->blob_len : 0;
}
