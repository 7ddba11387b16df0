/*
 * store-tokens.c -- who may use the daemon and whose cases are whose: bearer
 * tokens and the agency each case was opened for.
 *
 * SCHEMA (migration 2, in store-sqlite.c)
 *   tokens       hash PRIMARY KEY    SHA-256 hex of the bearer secret (the secret
 *                                    itself is never stored)
 *                agency, role, name  who holds it; name is the actor of its acts
 *                created_at          seconds since the epoch
 *   case_agency  case_id, agency PRIMARY KEY: the agency a case was opened for;
 *                no row for a case opened without one (CF_ENOTFOUND below). Since
 *                schema 18 every case table, cases included, also carries the
 *                agency in its key ('' for none: docs/postgresql.md, Citus).
 *
 *   settings     key PRIMARY KEY, value (migration 7): what the bureau sets for
 *                the whole database; "agency" is the default agency of a case
 *                opened from the command line (`caseflow init --agency`).
 *
 * Rejected (until schema 18): an agency column on cases (every writer of the row
 * would have to carry it); Citus's distribution key made it worth it.
 */
#include "store-int.h"

#include <stdio.h>
#include <string.h>

#include "engine.h"

/* ---- tokens and agencies ------------------------------------------------------------ */

/* Exported, documented in store.h */
int cf_store_token_put(cf_store_t *s, const char *hash_hex, const cf_principal_t *p,
                       cf_time_t created_at, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO tokens(hash, agency, role, name, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, hash_hex, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, p->agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 3, p->role, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 4, p->name, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 5, created_at);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    if (step == CF_ECONFLICT)
        return cf_error_set(err, CF_EEXIST, NULL, 0, 0, "token already stored");
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "store token", err);
}

/* Exported, documented in store.h */
int cf_store_token_get(cf_store_t *s, const char *hash_hex, cf_principal_t *p, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT agency, role, name FROM tokens WHERE hash = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, hash_hex, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        cf__store_copy_col(st, 0, p->agency, sizeof(p->agency));
        cf__store_copy_col(st, 1, p->role, sizeof(p->role));
        cf__store_copy_col(st, 2, p->name, sizeof(p->name));
    }
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "unknown token");
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read token", err);
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
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT a.agency, c.head FROM case_agency a JOIN cases c ON c.id = "
                               "a.case_id WHERE a.case_id = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        cf__store_copy_col(st, 0, agency, size);
        cf__store_copy_col(st, 1, head, CF_CHAIN_HEX);
    }
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read case agency", err);
}

/* Exported, documented in store.h */
int cf_store_setting_get(cf_store_t *s, const char *key, char *value, size_t size, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT value FROM settings WHERE key = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, key, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        cf__store_copy_col(st, 0, value, size);
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no setting '%s'", key);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read setting", err);
}

/* Exported, documented in store.h */
int cf_store_setting_set(cf_store_t *s, const char *key, const char *value, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) "
                               "DO UPDATE SET value = excluded.value",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, key, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, value, -1, CF_DB_STATIC);
    return cf__store_step_done(s, st, "store setting", err);
}

/* Exported, documented in store.h */
int cf_store_case_number_next(cf_store_t *s, const char *agency, int year, int64_t *seq,
                              cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          "INSERT INTO case_counters(agency, year, last) VALUES (?, ?, 1) "
                          "ON CONFLICT(agency, year) DO UPDATE SET last = case_counters.last + 1 "
                          "RETURNING last",
                          &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, agency, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 2, year);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *seq = cf_db_column_int64(st, 0);
    if (step == CF_DB_ROW)
        step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "take a case number", err);
}

/* Exported, documented in store.h */
int cf_store_case_number_put(cf_store_t *s, int64_t id, const char *number, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "INSERT INTO case_numbers(case_id, number, agency) VALUES (?, ?, " CF__STORE_AGENCY_OF(
            "?1") ")",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_text(st, 2, number, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    if (step == CF_ECONFLICT)
        return cf_error_set(err, CF_EEXIST, NULL, 0, 0,
                            "case %lld already has a number, or '%s' is taken", (long long)id,
                            number);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "record case number", err);
}

/* Exported, documented in store.h */
int cf_store_case_number_get(cf_store_t *s, int64_t id, char *number, size_t size, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT number FROM case_numbers WHERE case_id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        cf__store_copy_col(st, 0, number, size);
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "case %lld has no number",
                            (long long)id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read case number", err);
}

/* cf_store_case_list's query (store-cases.c), joined with case_agency. */
#define LIST_SELECT                                                                                \
    "SELECT c.id, c.workflow_id, c.workflow_version, c.state, c.closed, c.party, c.matter_id, "    \
    "c.parent_id, c.updated_at, c.version, (SELECT MIN(deadline) FROM clocks k WHERE k.case_id = " \
    "c.id AND k.state = 'running'), (SELECT MIN(provisional) FROM clocks k WHERE k.case_id = "     \
    "c.id AND k.state IN ('running', 'paused') AND k.provisional > 0), " CF__LIST_REFS             \
    "FROM cases c JOIN "                                                                           \
    "case_agency a ON a.case_id = c.id AND a.agency = ?9 WHERE "
static const char *const list_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_ANY_PARENT);
static const char *const children_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_CHILDREN);
static const char *const deadline_sql =
    LIST_SELECT CF__LIST_FILTERS_BY_DEADLINE(CF__LIST_ANY_PARENT);

/* Exported, documented in store.h */
int cf_store_case_list_agency(cf_store_t *s, const char *agency, const cf_case_filter_t *f,
                              json_t **list, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               f->by_deadline ? deadline_sql
                               : f->parent    ? children_sql
                                              : list_sql,
                               &st, err);
    if (rc != 0)
        return rc;
    cf__store_bind_list(st, f);
    cf__store_bind_text(st, 9, agency);
    return cf__store_collect(s, st, cf__store_case_list_row, list, "list cases", err);
}
