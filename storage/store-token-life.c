/*
 * store-token-life.c -- a bearer token's life after it is issued: expiry,
 * revocation, last use, and the list an operator reads (`caseflow token list`,
 * `token revoke`, `token create --expires`; docs/operations.md).
 *
 * Format (schema version 5, store-sqlite.c): three columns added to tokens,
 *   expires_at    seconds (cf_time_t) after which the token is refused; NULL: never
 *   revoked_at    when it was revoked; NULL: not revoked. Kept, never deleted, so the
 *                 list still says who held a token and when it stopped.
 *   last_used_at  the last time the daemon read the token from the database (it
 *                 trusts a token for token_cache_ms between reads, so this is exact to
 *                 that time); NULL: never used.
 * A token is named to an operator by its id: the first 12 hex digits of the
 * SHA-256 of its secret, which tells nothing of the secret (the secret is never
 * stored, so it can never be listed). Design: the daemon's check is one indexed
 * read with the validity in the WHERE clause, so a revoked or expired token is
 * refused at its next read, at most token_cache_ms after the change. Rejected:
 * deleting revoked tokens (the record of who could act, and until when, would go).
 */
#include "store-int.h"

#include <stdio.h>
#include <string.h>

#define TOKEN_ID_LEN 12

/* Exported, documented in store.h */
int cf_store_token_check(cf_store_t *s, const char *hash_hex, cf_time_t now, cf_principal_t *p,
                         cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT agency, role, name, revoked_at, expires_at FROM tokens WHERE hash = ?", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, hash_hex, -1, CF_DB_STATIC);
    int step = cf_db_step(st), revoked = 0;
    cf_time_t expires = 0;
    if (step == CF_DB_ROW) {
        const unsigned char *a = cf_db_column_text(st, 0), *r = cf_db_column_text(st, 1),
                            *n = cf_db_column_text(st, 2);
        revoked = cf_db_column_type(st, 3) != CF_DB_NULL;
        expires = cf_db_column_type(st, 4) != CF_DB_NULL ? cf_db_column_int64(st, 4) : 0;
        if (!revoked && !(expires && expires <= now)) {
            snprintf(p->agency, sizeof(p->agency), "%s", a ? (const char *)a : "");
            snprintf(p->role, sizeof(p->role), "%s", r ? (const char *)r : "");
            snprintf(p->name, sizeof(p->name), "%s", n ? (const char *)n : "");
        }
    }
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "unknown token");
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "read token", err);
    /* Said to whoever holds the token (its secret), so that a peer renews an expired one
     * rather than looking for a typing mistake. */
    if (revoked)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "the token was revoked");
    if (expires && expires <= now) {
        char at[CF_TIME_BUFSZ];
        cf_time_format(expires, at);
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "the token expired at %s", at);
    }
    return 0;
}

/* Runs an UPDATE of tokens with (time, hash or id prefix) bound; OUT *changed. */
static int token_update(cf_store_t *s, const char *sql, cf_time_t t, const char *key, int *changed,
                        cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, sql, &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, t);
    cf_db_bind_text(st, 2, key, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    *changed = cf_db_changes(s->db);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "update token", err);
}

/* Exported, documented in store.h */
int cf_store_token_expire_at(cf_store_t *s, const char *hash_hex, cf_time_t expires_at,
                             cf_error_t *err)
{
    int changed = 0;
    int rc = token_update(s, "UPDATE tokens SET expires_at = ? WHERE hash = ?", expires_at,
                          hash_hex, &changed, err);
    if (rc == 0 && !changed)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "unknown token");
    return rc;
}

/* Exported, documented in store.h */
int cf_store_token_touch(cf_store_t *s, const char *hash_hex, cf_time_t now, cf_error_t *err)
{
    int changed = 0;
    return token_update(s,
                        "UPDATE tokens SET last_used_at = ?1 WHERE hash = ?2 AND "
                        "(last_used_at IS NULL OR last_used_at < ?1)",
                        now, hash_hex, &changed, err);
}

/* The one token whose id (hash prefix, at least 6 hex digits) is id: OUT hash
 * (65 bytes). CF_ENOTFOUND, or CF_EINVALID when the prefix names several. */
static int token_by_id(cf_store_t *s, const char *id, char *hash, cf_error_t *err)
{
    size_t len = strlen(id);
    if (len < 6 || len > 64 || strspn(id, "0123456789abcdef") != len)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "'%s' is not a token id (6 to 64 lowercase hex digits, as "
                            "`caseflow token list` shows)",
                            id);
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT hash FROM tokens WHERE substr(hash, 1, CAST(? AS INTEGER)) = ? LIMIT 2", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_int(st, 1, (int)len);
    cf_db_bind_text(st, 2, id, -1, CF_DB_STATIC);
    int found = 0, step;
    while ((step = cf_db_step(st)) == CF_DB_ROW && ++found == 1)
        snprintf(hash, 65, "%s", (const char *)cf_db_column_text(st, 0));
    cf__store_release(s, st);
    if (step != CF_DB_ROW && step != CF_DB_DONE)
        return cf__store_error(s, step, "read token", err);
    if (found == 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no token with id %s", id);
    if (found > 1)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "token id %s names several tokens: give more digits", id);
    return 0;
}

/* Exported, documented in store.h */
int cf_store_token_revoke(cf_store_t *s, const char *id, cf_time_t now, cf_error_t *err)
{
    char hash[65];
    int changed = 0;
    int rc = token_by_id(s, id, hash, err);
    if (rc == 0)
        rc = token_update(s,
                          "UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL",
                          now, hash, &changed, err);
    if (rc == 0 && !changed)
        return cf_error_set(err, CF_EEXIST, NULL, 0, 0, "token %s was already revoked", id);
    return rc;
}

static json_t *time_or_null(cf_db_stmt_t *st, int col)
{
    if (cf_db_column_type(st, col) == CF_DB_NULL)
        return json_null();
    char text[CF_TIME_BUFSZ];
    cf_time_format((cf_time_t)cf_db_column_int64(st, col), text);
    return json_string(text);
}

/* Exported, documented in store.h */
int cf_store_token_list(cf_store_t *s, json_t **out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT hash, name, role, agency, created_at, expires_at, "
                               "revoked_at, last_used_at FROM tokens ORDER BY created_at, hash",
                               &st, err);
    if (rc != 0)
        return rc;
    json_t *list = json_array();
    int step;
    while (list && (step = cf_db_step(st)) == CF_DB_ROW) {
        char id[TOKEN_ID_LEN + 1];
        snprintf(id, sizeof(id), "%s", (const char *)cf_db_column_text(st, 0));
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", id, "name",
            (const char *)cf_db_column_text(st, 1), "role", (const char *)cf_db_column_text(st, 2),
            "agency", (const char *)cf_db_column_text(st, 3), "created_at", time_or_null(st, 4),
            "expires_at", time_or_null(st, 5), "revoked_at", time_or_null(st, 6), "last_used_at",
            time_or_null(st, 7));
        if (!row || json_array_append_new(list, row) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    cf__store_release(s, st);
    if (!list)
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory listing tokens");
    if (step != CF_DB_DONE) {
        json_decref(list);
        return cf__store_error(s, step, "list tokens", err);
    }
    *out = list;
    return 0;
}
