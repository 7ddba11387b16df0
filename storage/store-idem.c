/*
 * store-idem.c -- the Idempotency-Key of POST /v1/cases (api/http/http-write.c says what
 * a client sends and gets; docs/api.md "Retrying"): the first answer given to a key, so
 * that a client that retries an opening whose answer it lost gets that answer again
 * instead of a second case.
 *
 * Design. The row is written by the job that opens the case, in its transaction (and
 * savepoint): committed together or not at all, so a crash can leave neither a case
 * without its key (a retry would open a second) nor a key without its case. It keeps the
 * answer's text as sent (the events sealed, the id, the status), so a retry is answered
 * byte for byte what the first request was, without reading the case. A key is the
 * client's: scoped by the token's agency and holder (actor), so two clients choosing the
 * same key never see each other's answer. The body is kept as the SHA-256 of its
 * canonical JSON (keys sorted at every level, no spaces: http-write.c), so a retry that writes the
 * same JSON another way is the same request.
 *
 * Keys are kept CF_IDEM_KEEP seconds from the opening: a row past it is not read, and
 * each keyed opening deletes its agency's rows past it (index idempotency_keys_created)
 * before writing its own. INSERT ... ON CONFLICT DO NOTHING: a key another daemon wrote
 * and committed meanwhile (several daemons on one PostgreSQL database; the lookup did
 * not see it) changes nothing, and the caller is told (CF_ECONFLICT).
 *
 * SCHEMA (version 26; PostgreSQL 28)
 *   idempotency_keys  key, actor, agency (PRIMARY KEY, agency last as every key),
 *                     body_sha256 (64 hex digits), case_id, status (201), answer (the
 *                     answer's JSON text), created_at (seconds)
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in store.h */
int cf_store_idem_get(cf_store_t *s, const cf_principal_t *who, const char *key, cf_time_t now,
                      cf_store_idem_t *out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    memset(out, 0, sizeof(*out));
    int rc = cf__store_prepare(s,
                               "SELECT body_sha256, case_id, status, answer FROM idempotency_keys "
                               "WHERE key = ? AND actor = ? AND agency = ? AND created_at > ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, key, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, who->name, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 3, who->agency, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 4, now - CF_IDEM_KEEP);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        cf__store_copy_col(st, 0, out->body_sha256, sizeof(out->body_sha256));
        out->case_id = cf_db_column_int64(st, 1);
        out->status = cf_db_column_int(st, 2);
        const char *answer = (const char *)cf_db_column_text(st, 3);
        out->answer = strdup(answer ? answer : "");
        out->found = 1;
        if (!out->answer)
            step = CF_ENOMEM;
    }
    cf__store_release(s, st);
    if (step != CF_DB_ROW && step != CF_DB_DONE)
        return cf__store_error(s, step, "read the Idempotency-Key", err);
    return 0;
}

/* Exported, documented in store.h */
int cf_store_idem_put(cf_store_t *s, const cf_principal_t *who, const char *key,
                      const cf_store_idem_t *in, cf_time_t now, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_fault(s, "idempotency_key");
    if (rc != 0)
        return cf__store_error(s, rc, "record the Idempotency-Key", err);
    rc = cf__store_prepare(s, "DELETE FROM idempotency_keys WHERE agency = ? AND created_at <= ?",
                           &st, err);
    if (rc == 0) {
        cf_db_bind_text(st, 1, who->agency, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 2, now - CF_IDEM_KEEP);
        rc = cf__store_step_done(s, st, "forget the Idempotency-Keys past their time", err);
    }
    if (rc == 0)
        rc = cf__store_prepare(s,
                               "INSERT INTO idempotency_keys(key, actor, agency, body_sha256, "
                               "case_id, status, answer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                               "?) ON CONFLICT DO NOTHING",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, key, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, who->name, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 3, who->agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 4, in->body_sha256, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 5, in->case_id);
    cf_db_bind_int(st, 6, in->status);
    cf_db_bind_text(st, 7, in->answer, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 8, now);
    rc = cf__store_step_done(s, st, "record the Idempotency-Key", err);
    if (rc == 0 && cf_db_changes(s->db) != 1)
        rc = cf_error_set(err, CF_ECONFLICT, NULL, 0, 0,
                          "Idempotency-Key \"%s\" was recorded by another request at the same "
                          "time: send the request again for its answer",
                          key);
    return rc;
}
