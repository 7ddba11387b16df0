/*
 * store-session.c -- what the workbench's sessions keep in the database, so that
 * every daemon serving it (several nodes, or one restarted) knows them alike
 * (api/http/http-session.c has the design): the key that signs session cookies,
 * one setting made with the database (migration 17), and the sessions ended before
 * their time (signed out), kept until they would have expired.
 *
 * The key is made by the migration rather than by the first daemon to start, so a
 * database is complete after `init` and nodes starting together do not race to
 * make it. A daemon still stores one at start when there is none (a database whose
 * setting was deleted to end every session): INSERT ... ON CONFLICT DO NOTHING,
 * then it reads what is stored, so two daemons doing that at once agree.
 *
 * A session itself is not stored: its cookie carries what it is (id, expiry, the
 * token's digest) under the key's signature, so signing in writes nothing. Only
 * signing out writes: one row, which every daemon reads when it next checks the
 * session (each keeps its answer for the token cache time).
 *
 * SCHEMA (version 15; the key since 18)
 *   session_ends  id TEXT PRIMARY KEY (the session's id, 64 hex digits),
 *                 expires_at (seconds: when the session would have ended anyway;
 *                 rows past it are deleted by the next sign-out)
 *   settings      "session_key": 64 hex digits, the HMAC-SHA256 key of the cookies
 *                 (lower case)
 */
#include "store-int.h"

#include <string.h>

/* Exported, documented in store.h */
int cf_store_session_key(cf_store_t *s, const char *candidate, char key[65], cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO settings(key, value) VALUES ('" CF_SETTING_SESSION_KEY
                               "', ?) ON CONFLICT(key) DO NOTHING",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, candidate, -1, CF_DB_STATIC);
    rc = cf__store_step_done(s, st, "store the session key", err);
    char got[65] = "";
    if (rc == 0)
        rc = cf_store_setting_get(s, CF_SETTING_SESSION_KEY, got, sizeof(got), err);
    if (rc == 0 && strlen(got) != 64)
        rc = cf_error_set(err, CF_ECORRUPT, s->path, 0, 0,
                          "setting %s is not 64 hex digits: delete it (every session ends)",
                          CF_SETTING_SESSION_KEY);
    if (rc == 0)
        memcpy(key, got, 65);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_session_end(cf_store_t *s, const char *id, cf_time_t expires_at, cf_time_t now,
                         cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "INSERT INTO session_ends(id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, expires_at);
    rc = cf__store_step_done(s, st, "record the sign-out", err);
    if (rc == 0)
        rc = cf__store_prepare(s, "DELETE FROM session_ends WHERE expires_at <= ?", &st, err);
    if (rc == 0) {
        cf_db_bind_int64(st, 1, now);
        rc = cf__store_step_done(s, st, "forget ended sessions", err);
    }
    return rc;
}

/* Exported, documented in store.h */
int cf_store_session_ended(cf_store_t *s, const char *id, int *ended, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT 1 FROM session_ends WHERE id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    if (step != CF_DB_ROW && step != CF_DB_DONE)
        return cf__store_error(s, step, "read the sign-outs", err);
    *ended = step == CF_DB_ROW;
    return 0;
}
