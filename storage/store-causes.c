/*
 * store-causes.c -- the 案由 dictionaries in the SQLite backend (migration 3 in
 * store-sqlite.c).
 *
 *   dictionaries  id PRIMARY KEY   the dictionary's own id ("js-2024")
 *                 source           the YAML text exactly as loaded
 *                 loaded_at        seconds since the epoch
 *
 * Design: as for calendars, a dictionary is kept as its source text and parsed
 * again when read (cause.c), so what the store holds is what a person wrote and
 * reviewed. Unlike calendars, the text is parsed before it is stored too, and
 * filed under the id it declares: the table never holds a dictionary that does
 * not load. Storing a dictionary again under the same id replaces it; the cases
 * opened under the old text are not affected, because each keeps a copy of its
 * situation (subject type, cause and text) in its case.opened event.
 */
#include "store-int.h"

#include "cause.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Exported, documented in store.h */
int cf_store_causes_put(cf_store_t *s, const char *text, size_t len, const char *source, char *id,
                        size_t id_size, cf_error_t *err)
{
    cf_causes_t *set = NULL;
    cf_db_stmt_t *st = NULL;
    int rc = cf_causes_new(&set);
    if (rc == 0)
        rc = cf_causes_load(set, text, len, source, err);
    if (rc == 0)
        rc = cf__store_prepare(s,
                               "INSERT INTO dictionaries(id, source, loaded_at) VALUES (?, ?, ?) "
                               "ON CONFLICT(id) DO UPDATE SET source = excluded.source, "
                               "loaded_at = excluded.loaded_at",
                               &st, err);
    const cf_cause_dict_t *d = rc == 0 ? cf_causes_dict(set, 0) : NULL;
    if (rc == 0) {
        cf_db_bind_text(st, 1, d->id, -1, CF_DB_STATIC);
        cf_db_bind_text(st, 2, text, (int)len, CF_DB_STATIC);
        cf_db_bind_int64(st, 3, (int64_t)time(NULL));
        int step = cf_db_step(st);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "store 案由 dictionary", err);
    }
    if (rc == 0 && id)
        snprintf(id, id_size, "%s", d->id);
    cf__store_release(s, st);
    cf_causes_free(set);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_causes_load(cf_store_t *s, cf_causes_t **out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    cf_causes_t *set = NULL;
    int rc = cf__store_prepare(s, "SELECT id, source FROM dictionaries ORDER BY id", &st, err);
    if (rc != 0)
        return rc;
    rc = cf_causes_new(&set);
    int step = CF_DB_DONE;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        char name[160];
        cf_error_t why;
        snprintf(name, sizeof(name), "stored 案由 dictionary %s", cf_db_column_text(st, 0));
        rc = cf_causes_load(set, (const char *)cf_db_column_text(st, 1),
                            (size_t)cf_db_column_bytes(st, 1), name, &why);
        if (rc != 0 && rc != CF_ENOMEM)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "%s no longer loads: %s", name,
                              why.text);
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "load 案由 dictionaries", err);
    cf__store_release(s, st);
    if (rc != 0) {
        cf_causes_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_cases_keep_cause(cf_store_t *s, const char *cause, int64_t *ids, size_t *count,
                              cf_error_t *err)
{
    /* The case's 案由 record is in its snapshot (engine/case.h): one primary-key
     * lookup and one JSON read a case. */
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT 1 FROM (SELECT json_extract(snapshot, '$.cause.dictionary') AS d, "
        "json_extract(snapshot, '$.cause.id') AS i, json_extract(snapshot, '$.cause.situation') "
        "AS n, json_extract(snapshot, '$.cause.name') AS name FROM cases WHERE id = ?1) WHERE d "
        "IS NOT NULL AND (d || ':' || n = ?2 OR i = ?2 OR d || ':' || i = ?2 OR name = ?2)",
        &st, err);
    if (rc != 0)
        return rc;
    size_t kept = 0;
    for (size_t k = 0; rc == 0 && k < *count; k++) {
        cf_db_reset(st);
        cf_db_bind_int64(st, 1, ids[k]);
        cf_db_bind_text(st, 2, cause, -1, CF_DB_STATIC);
        int step = cf_db_step(st);
        if (step == CF_DB_ROW)
            ids[kept++] = ids[k];
        else if (step != CF_DB_DONE)
            rc = cf__store_error(s, step, "read a case's 案由", err);
    }
    cf__store_release(s, st);
    if (rc == 0)
        *count = kept;
    return rc;
}
