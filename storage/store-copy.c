/*
 * store-copy.c -- copying a whole database into another store (`caseflow migrate`).
 *
 * A bureau that moves from its SQLite file to another store (another file, or a
 * PostgreSQL database) must keep everything it had, and keep it exactly: the
 * events byte for byte (their bodies are what the chain hashes), their positions
 * in the log of all cases (what a signed checkpoint anchors), case ids, counters
 * (so no 案号 is given twice after the move), alerts already fired (so none fires
 * again), tokens, settings.
 *
 * Design: every table of the schema is copied row by row, every column as stored,
 * by name (SELECT * on the source, INSERT of the same columns on the target), in a
 * fixed order (copy_tables below). Replaying the cases through the operation layer
 * was rejected: it would re-seal the chains with new times and lose the log
 * positions, and re-derive rows the bureau's database holds as they were written.
 * The source is read in one read transaction (one snapshot: a daemon may still be
 * committing beside it); the target is written in one transaction, so a move that
 * fails leaves the target as empty as it was (a move is then simply run again).
 *
 * Safety: a target that already holds anything is refused (CF_EEXIST naming the
 * table), and a source table that this list does not know is refused too
 * (CF_ESTORE naming it): a table added by a later schema and forgotten here would
 * otherwise be lost silently. A new database already has two rows: calendar_version's
 * (version 0), updated rather than inserted, and settings' session_key (made by
 * migration 18), which the source's replaces, so that the sessions signed before
 * the move stay valid after it.
 *
 * Costs: one INSERT per row (a million events take tens of seconds on SQLite);
 * the target's write lock is held throughout.
 */
#include "db-int.h" /* the source is SQLite's: its own catalogue and column names */
#include "store-int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table of the schema, in the order they are copied (what a row refers to
 * comes first). */
/* clang-format off */
static const char *const copy_tables[] = {
    "workflows",       "calendars",        "matters",      "dictionaries", "documents",
    "document_chunks", "settings",         "tokens",       "cases",        "case_agency",
    "events",          "clocks",           "alerts",       "anchors",      "case_counters",
    "case_numbers",    "ref_counters",     "case_refs",    "case_summary", "case_people",
    "stat_counts",     "calendar_version", "session_ends",
    "alert_deliveries", /* the webhook deliveries still owed (store-outbox.c) */
    "document_holders", /* who gave a document's bytes (store-ref.c) */
    "idempotency_keys", /* the first answers to POST /v1/cases's keys (store-idem.c) */
};
/* clang-format on */
#define COPY_TABLES (sizeof(copy_tables) / sizeof(copy_tables[0]))

/* The source's SQLite result code rc as CF_E*, err naming what and SQLite's message. */
static int lite_error(cf_store_t *from, int rc, const char *what, cf_error_t *err)
{
    return cf_error_set(err, cf_db_sqlite_code(rc), from->path, 0, 0, "%s: %s", what,
                        sqlite3_errmsg(from->db->lite));
}

/* Refuses a source table copy_tables does not name. */
static int check_known(cf_store_t *from, cf_error_t *err)
{
    sqlite3_stmt *st;
    if (cf_db_kind(from->db) != CF_DB_SQLITE)
        return cf_error_set(err, CF_EINVAL, from->path, 0, 0,
                            "migrate copies from a SQLite file; this is another kind of store");
    int rc = sqlite3_prepare_v2(from->db->lite,
                                "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                "NOT LIKE 'sqlite_%' ORDER BY name",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return lite_error(from, rc, "list the source's tables", err);
    int step, out = 0;
    while (out == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t i = 0;
        while (i < COPY_TABLES && strcmp(copy_tables[i], name) != 0)
            i++;
        if (i == COPY_TABLES)
            out = cf_error_set(err, CF_ESTORE, from->path, 0, 0,
                               "table %s is not one this caseflow knows how to copy: refusing "
                               "to leave it behind",
                               name);
    }
    if (out == 0 && step != SQLITE_DONE)
        out = lite_error(from, step, "list the source's tables", err);
    sqlite3_finalize(st);
    return out;
}

/* What of table a new database already holds (see the opening comment): the
 * condition that leaves it out, or "". */
static const char *born_with(const char *table)
{
    if (strcmp(table, "calendar_version") == 0)
        return " WHERE version <> 0";
    if (strcmp(table, "settings") == 0)
        return " WHERE key <> '" CF_SETTING_SESSION_KEY "'";
    return "";
}

/* CF_EEXIST when table (of the target) holds a row a new database would not. */
static int check_empty(cf_store_t *to, const char *table, cf_error_t *err)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s%s LIMIT 1", table, born_with(table));
    cf_db_stmt_t *st;
    int rc = cf_db_prepare(to->db, sql, 1, &st); /* named: see copy_table */
    if (rc != 0)
        return cf__store_error(to, rc, "read the target", err);
    int step = cf_db_step(st);
    cf_db_finalize(st);
    if (step == CF_DB_ROW)
        return cf_error_set(err, CF_EEXIST, to->path, 0, 0,
                            "the target is not empty (table %s has rows): migrate copies into "
                            "a new database only",
                            table);
    return step == CF_DB_DONE ? 0 : cf__store_error(to, step, "read the target", err);
}

/* The INSERT (or, for calendar_version, the UPDATE; for settings, an INSERT that
 * replaces the value of a key the target has) of src's columns into table.
 * OUT sql (size bytes). CF_EINVAL when it does not fit. */
static int write_sql(sqlite3_stmt *src, const char *table, char *sql, size_t size)
{
    int n = sqlite3_column_count(src), len;
    if (strcmp(table, "calendar_version") == 0)
        len = snprintf(sql, size,
                       "UPDATE calendar_version SET version = ?2, changed_at = ?3 "
                       "WHERE id = ?1");
    else {
        len = snprintf(sql, size, "INSERT INTO %s(", table);
        for (int i = 0; i < n && len > 0 && (size_t)len < size; i++)
            len += snprintf(sql + len, size - len, "%s\"%s\"", i ? ", " : "",
                            sqlite3_column_name(src, i));
        for (int i = 0; i < n && len > 0 && (size_t)len < size; i++)
            len += snprintf(sql + len, size - len, "%s?%d", i ? ", " : ") VALUES (", i + 1);
        if (len > 0 && (size_t)len < size)
            len += snprintf(sql + len, size - len, ")%s",
                            strcmp(table, "settings") == 0
                                ? " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                                : "");
    }
    return len > 0 && (size_t)len < size ? 0 : CF_EINVAL;
}

/* Binds column i of the source's row to parameter i + 1 of dst, by its type. */
static int bind_col(sqlite3_stmt *src, int i, cf_db_stmt_t *dst)
{
    switch (sqlite3_column_type(src, i)) {
    case SQLITE_INTEGER:
        return cf_db_bind_int64(dst, i + 1, sqlite3_column_int64(src, i));
    case SQLITE_FLOAT: {
        char text[32];
        snprintf(text, sizeof(text), "%.17g", sqlite3_column_double(src, i));
        return cf_db_bind_text(dst, i + 1, text, -1, CF_DB_TRANSIENT);
    }
    case SQLITE_TEXT:
        return cf_db_bind_text(dst, i + 1, (const char *)sqlite3_column_text(src, i),
                               sqlite3_column_bytes(src, i), CF_DB_STATIC);
    case SQLITE_BLOB: { /* an empty blob reads NULL: bound as an empty one, not SQL NULL */
        const void *data = sqlite3_column_blob(src, i);
        return cf_db_bind_blob(dst, i + 1, data ? data : "", (size_t)sqlite3_column_bytes(src, i),
                               CF_DB_STATIC);
    }
    default:
        return cf_db_bind_null(dst, i + 1);
    }
}

/* Copies every row of table. OUT *rows. */
static int copy_table(cf_store_t *from, cf_store_t *to, const char *table, int64_t *rows,
                      cf_error_t *err)
{
    char sql[2048];
    sqlite3_stmt *src = NULL;
    cf_db_stmt_t *dst = NULL;
    /* events by position: a reader of the target's log by row sees them in the order
     * they were committed at the source */
    snprintf(sql, sizeof(sql), "SELECT * FROM %s%s", table,
             strcmp(table, "events") == 0 ? " ORDER BY pos, case_id, seq" : "");
    int rc = sqlite3_prepare_v2(from->db->lite, sql, -1, &src, NULL);
    if (rc != SQLITE_OK)
        return lite_error(from, rc, table, err);
    rc = write_sql(src, table, sql, sizeof(sql));
    if (rc != 0)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%s: too many columns", table);
    /* persistent (a named statement on PostgreSQL): prepared once for every row, and an
     * unnamed one does not outlive the driver's savepoint statements in a transaction */
    else if ((rc = cf_db_prepare(to->db, sql, 1, &dst)) != 0)
        rc = cf__store_error(to, rc, table, err);
    int step = SQLITE_DONE;
    int64_t n = 0;
    while (rc == 0 && (step = sqlite3_step(src)) == SQLITE_ROW) {
        for (int i = 0; rc == 0 && i < sqlite3_column_count(src); i++)
            rc = bind_col(src, i, dst);
        int done = rc == 0 ? cf_db_step(dst) : rc;
        if (done != CF_DB_DONE)
            rc = cf__store_error(to, done, table, err);
        cf_db_reset(dst);
        n++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = lite_error(from, step, table, err);
    sqlite3_finalize(src);
    cf_db_finalize(dst);
    if (rc == 0)
        *rows = n;
    return rc;
}

/* On PostgreSQL the identity column anchors.id and case ids take their next value from
 * a sequence, which the copy's explicit ids did not move: set it past them. (events.id,
 * PostgreSQL's only since step 18, is not in the copy: each row takes its default.) */
static int identities(cf_store_t *to, cf_error_t *err)
{
    if (cf_db_kind(to->db) != CF_DB_PG)
        return 0;
    return cf__store_exec(to,
                          "SELECT setval(pg_get_serial_sequence('anchors', 'id'), "
                          "COALESCE((SELECT MAX(id) FROM anchors), 0) + 1, false);"
                          "SELECT setval('cases_id_seq', COALESCE((SELECT MAX(id) FROM cases), "
                          "0) + 1, false)",
                          err);
}

/* Exported, documented in store.h */
int cf_store_copy(cf_store_t *from, cf_store_t *to, cf_store_copy_t *out, cf_error_t *err)
{
    cf_store_copy_t got = {0};
    int rc = check_known(from, err);
    if (rc == 0)
        rc = cf_store_read_begin(from, err);
    if (rc != 0)
        return rc;
    rc = cf_store_tx_begin(to, err);
    for (size_t i = 0; rc == 0 && i < COPY_TABLES; i++)
        rc = check_empty(to, copy_tables[i], err);
    for (size_t i = 0; rc == 0 && i < COPY_TABLES; i++) {
        got.tables[i].name = copy_tables[i];
        rc = copy_table(from, to, copy_tables[i], &got.tables[i].rows, err);
        got.tables_count = i + 1;
    }
    if (rc == 0)
        rc = identities(to, err);
    if (rc == 0)
        rc = cf_store_tx_commit(to, err);
    if (rc != 0)
        cf_store_tx_rollback(to);
    cf_store_read_end(from);
    if (rc == 0)
        *out = got;
    return rc;
}
