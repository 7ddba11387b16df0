/*
 * store-ref.c -- reference data in the SQLite backend: workflow definitions,
 * calendars, the matter catalog and document contents. Schema in store-sqlite.c.
 *
 * Definitions are kept as their source text and parsed again on load, rather
 * than stored in a decoded form: the text is what the hash covers, so what is
 * replayed is provably what was pinned.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- workflows ------------------------------------------------------------------- */

static int existing_version(cf_store_t *s, const char *hash, int *version, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT version FROM workflows WHERE hash = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, hash, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *version = cf_db_column_int(st, 0);
    cf__store_release(s, st);
    if (step == CF_DB_ROW)
        return 1;
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "find workflow", err);
}

static int insert_workflow(cf_store_t *s, const cf_workflow_t *wf, int *version, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "INSERT INTO workflows(id, version, hash, author_version, power_type, title, source, "
        "loaded_at) VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM workflows WHERE id = "
        "?1), ?2, ?3, ?4, ?5, ?6, ?7) RETURNING version",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, wf->doc->id, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, wf->hash, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 3, (int)wf->doc->version);
    cf_db_bind_text(st, 4, wf->doc->power_type, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 5, wf->doc->title, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 6, wf->source, (int)wf->source_len, CF_DB_STATIC);
    cf_db_bind_int64(st, 7, (int64_t)time(NULL));
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *version = cf_db_column_int(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "store workflow", err);
}

/* Exported, documented in store.h */
int cf_store_workflow_put(cf_store_t *s, const cf_workflow_t *wf, int *version, int *created,
                          cf_error_t *err)
{
    int v = 0;
    int rc = cf__store_exec(s, CF__STORE_BEGIN(s), err);
    int found = rc == 0 ? existing_version(s, wf->hash, &v, err) : rc;
    if (found == 0)
        rc = insert_workflow(s, wf, &v, err);
    else if (found < 0)
        rc = found;
    if (rc == 0)
        rc = cf__store_exec(s, "COMMIT", err);
    if (rc != 0) {
        cf_db_exec(s->db, "ROLLBACK");
        return rc;
    }
    if (version)
        *version = v;
    if (created)
        *created = found == 0;
    return 0;
}

static int load_workflow_row(cf_store_t *s, cf_db_stmt_t *st, const char *what, cf_workflow_t **wf,
                             int *stored_version, cf_error_t *err)
{
    int step = cf_db_step(st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no stored workflow %s", what);
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "load workflow", err);
    const char *src = (const char *)cf_db_column_text(st, 0);
    size_t len = (size_t)cf_db_column_bytes(st, 0);
    cf_errlist_t problems = {0};
    int rc = cf_workflow_parse(src, len, what, wf, &problems);
    if (rc != 0 && rc != CF_ENOMEM)
        rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "stored workflow %s no longer loads: %s",
                          what, problems.items_count ? problems.items[0].text : "?");
    cf_errlist_free(&problems);
    if (rc == 0)
        (*wf)->stored_version = (unsigned)cf_db_column_int(st, 1);
    if (rc == 0 && stored_version)
        *stored_version = cf_db_column_int(st, 1);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_workflow_get(cf_store_t *s, const char *id, int version, cf_workflow_t **wf,
                          int *stored_version, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT source, version FROM workflows WHERE id = ?1 AND (?2 = 0 "
                               "OR version = ?2) ORDER BY version DESC LIMIT 1",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 2, version);
    char what[160];
    snprintf(what, sizeof(what), version ? "'%s' version %d" : "'%s'", id, version);
    rc = load_workflow_row(s, st, what, wf, stored_version, err);
    cf__store_release(s, st);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_workflow_get_hash(cf_store_t *s, const char *hash, cf_workflow_t **wf, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT source, version FROM workflows WHERE hash = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, hash, -1, CF_DB_STATIC);
    char what[100];
    snprintf(what, sizeof(what), "with hash %.12s", hash);
    rc = load_workflow_row(s, st, what, wf, NULL, err);
    cf__store_release(s, st);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_workflow_list(cf_store_t *s, json_t **list, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT id, version, hash, power_type, title, loaded_at, "
                               "author_version FROM workflows ORDER BY id, version",
                               &st, err);
    if (rc != 0)
        return rc;
    json_t *out = json_array();
    int step;
    char loaded[CF_TIME_BUFSZ];
    while (out && (step = cf_db_step(st)) == CF_DB_ROW) {
        cf_time_format(cf_db_column_int64(st, 5), loaded);
        json_array_append_new(
            out,
            json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:i}", "id", cf_db_column_text(st, 0),
                      "version", cf_db_column_int(st, 1), "hash", cf_db_column_text(st, 2),
                      "power_type", cf_db_column_text(st, 3), "title", cf_db_column_text(st, 4),
                      "loaded_at", loaded, "author_version", cf_db_column_int(st, 6)));
    }
    cf__store_release(s, st);
    if (!out)
        return CF_ENOMEM;
    if (step != CF_DB_DONE) {
        json_decref(out);
        return cf__store_error(s, step, "list workflows", err);
    }
    *list = out;
    return 0;
}

/* ---- calendars -------------------------------------------------------------------- */

/* Exported, documented in store.h */
int cf_store_calendar_put(cf_store_t *s, int year, const char *source, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          "INSERT INTO calendars(year, source) VALUES (?, ?) ON CONFLICT(year) "
                          "DO UPDATE SET source = excluded.source",
                          &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int(st, 1, year);
    cf_db_bind_text(st, 2, source, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "store calendar", err);
}

/* Exported, documented in store.h */
int cf_store_calendar_load(cf_store_t *s, cf_calendar_t **out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    cf_calendar_t *cal = NULL;
    int rc = cf__store_prepare(s, "SELECT year, source FROM calendars ORDER BY year", &st, err);
    if (rc != 0)
        return rc;
    rc = cf_calendar_new(&cal);
    int step = CF_DB_DONE;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        char name[32];
        snprintf(name, sizeof(name), "calendar %d", cf_db_column_int(st, 0));
        rc = cf_calendar_load(cal, (const char *)cf_db_column_text(st, 1),
                              (size_t)cf_db_column_bytes(st, 1), name, err);
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "load calendars", err);
    cf__store_release(s, st);
    if (rc == 0) /* the cases' calendar: provisional past the last year (R11) */
        rc = cf_calendar_set_provisional(cal, CF_CALENDAR_PROVISIONAL_YEARS);
    if (rc != 0) {
        cf_calendar_free(cal);
        return rc;
    }
    *out = cal;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_calendar_sources(cf_store_t *s, json_t **sources, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT year, source FROM calendars ORDER BY year", &st, err);
    if (rc != 0)
        return rc;
    json_t *out = json_object();
    int step = CF_DB_DONE;
    while (out && (step = cf_db_step(st)) == CF_DB_ROW) {
        char year[16];
        snprintf(year, sizeof(year), "%d", cf_db_column_int(st, 0));
        if (json_object_set_new(out, year, json_string((const char *)cf_db_column_text(st, 1))))
            rc = CF_ENOMEM;
    }
    if (rc == 0 && out && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read calendars", err);
    cf__store_release(s, st);
    if (rc != 0 || !out) {
        json_decref(out);
        return rc ? rc : CF_ENOMEM;
    }
    *sources = out;
    return 0;
}

/* ---- matters ---------------------------------------------------------------------- */

/* Exported, documented in store.h */
int cf_store_matter_put(cf_store_t *s, const json_t *matter, cf_error_t *err)
{
    const char *id = json_string_value(json_object_get(matter, "id"));
    if (!id)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "a matter needs an id");
    char *body = json_dumps(matter, JSON_COMPACT);
    char *types =
        json_dumps(json_object_get(matter, "power_types"), JSON_COMPACT | JSON_ENCODE_ANY);
    cf_db_stmt_t *st = NULL;
    int rc = body ? cf__store_prepare(s,
                                      "INSERT INTO matters(id, power_types, name, body) VALUES "
                                      "(?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET power_types = "
                                      "excluded.power_types, name = excluded.name, body = "
                                      "excluded.body",
                                      &st, err)
                  : CF_ENOMEM;
    if (rc == 0) {
        cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
        cf_db_bind_text(st, 2, types ? types : "[]", -1, CF_DB_STATIC);
        cf__store_bind_text(st, 3, json_string_value(json_object_get(matter, "name")));
        cf_db_bind_text(st, 4, body, -1, CF_DB_STATIC);
        int step = cf_db_step(st);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "store matter", err);
    }
    cf__store_release(s, st);
    free(body);
    free(types);
    return rc;
}

static int matter_rows(cf_store_t *s, cf_db_stmt_t *st, json_t *out, cf_error_t *err)
{
    int step;
    while ((step = cf_db_step(st)) == CF_DB_ROW) {
        json_t *m = json_loads((const char *)cf_db_column_text(st, 0), 0, NULL);
        if (!m || json_array_append_new(out, m) != 0)
            return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "stored matter is not JSON");
    }
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "read matters", err);
}

/* Exported, documented in store.h */
int cf_store_matter_get(cf_store_t *s, const char *id, json_t **matter, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT body FROM matters WHERE id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, id, -1, CF_DB_STATIC);
    json_t *out = json_array();
    rc = out ? matter_rows(s, st, out, err) : CF_ENOMEM;
    cf__store_release(s, st);
    if (rc == 0 && json_array_size(out) == 0)
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                          "no matter '%s' in the catalog (load one with `caseflow catalog load`)",
                          id);
    if (rc == 0)
        *matter = json_incref(json_array_get(out, 0));
    json_decref(out);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_matter_list(cf_store_t *s, const char *power_type, json_t **list, cf_error_t *err)
{
    cf_db_stmt_t *st;
    /* power_types is a JSON array of strings: json_each on SQLite, jsonb_exists on PostgreSQL */
    int rc = cf__store_prepare(
        s,
        cf_db_pick(s->db,
                   "SELECT body FROM matters WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM "
                   "json_each(matters.power_types) WHERE value = ?1) ORDER BY id",
                   "SELECT body FROM matters WHERE ?1::text IS NULL OR "
                   "jsonb_exists(matters.power_types::jsonb, ?1::text) ORDER BY id"),
        &st, err);
    if (rc != 0)
        return rc;
    cf__store_bind_text(st, 1, power_type);
    json_t *out = json_array();
    rc = out ? matter_rows(s, st, out, err) : CF_ENOMEM;
    cf__store_release(s, st);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *list = out;
    return 0;
}

/* ---- documents -------------------------------------------------------------------- */

/* A document's bytes are kept in rows of CF__DOC_CHUNK bytes (document_chunks:
 * sha256, n from 0, data), and its documents row holds its hash and size with an
 * empty content: no row, and no page of the write-ahead log, holds a whole large
 * document, and every node on the database reads the same bytes. Rows written
 * before chunking keep their content in documents.content; reading takes either. */
#define CF__DOC_CHUNK (256 * 1024)

/* Exported, documented in store.h */
int cf_store_document_put(cf_store_t *s, const char *sha256, const void *data, size_t len,
                          cf_error_t *err)
{
    cf_db_stmt_t *st, *chunk = NULL;
    int rc = cf__store_prepare(
        s, "INSERT INTO documents(sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, sha256, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, (int64_t)len);
    cf_db_bind_blob(st, 3, "", 0, CF_DB_STATIC); /* empty: the bytes are in document_chunks */
    int step = cf_db_step(st);
    int fresh = step == CF_DB_DONE && cf_db_changes(s->db) == 1;
    cf__store_release(s, st);
    if (step != CF_DB_DONE)
        return cf__store_error(s, step, "store document", err);
    if (fresh)
        rc = cf__store_prepare(s, "INSERT INTO document_chunks(sha256, n, data) VALUES (?, ?, ?)",
                               &chunk, err);
    for (size_t off = 0, n = 0; rc == 0 && fresh && off < len; off += CF__DOC_CHUNK, n++) {
        size_t part = len - off < CF__DOC_CHUNK ? len - off : CF__DOC_CHUNK;
        cf_db_reset(chunk);
        cf_db_bind_text(chunk, 1, sha256, -1, CF_DB_STATIC);
        cf_db_bind_int64(chunk, 2, (int64_t)n);
        cf_db_bind_blob(chunk, 3, (const char *)data + off, part, CF_DB_STATIC);
        step = cf_db_step(chunk);
        if (step != CF_DB_DONE)
            rc = cf__store_error(s, step, "store document", err);
    }
    cf__store_release(s, chunk);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_document_hold(cf_store_t *s, const char *sha256, const char *agency, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "INSERT INTO document_holders(sha256, agency) VALUES (?, ?) ON CONFLICT DO NOTHING", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, sha256, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, agency ? agency : "", -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "store document holder", err);
}

/* Exported, documented in store.h */
int cf_store_document_held(cf_store_t *s, const char *sha256, const char *agency, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT 1 FROM document_holders WHERE sha256 = ? AND agency IN "
                               "(?, '*')",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, sha256, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, agency ? agency : "", -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    if (step == CF_DB_ROW)
        return 0;
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "document %.16s… not held", sha256);
    return cf__store_error(s, step, "read document holder", err);
}

/* Exported, documented in store.h */
int cf_store_document_get(cf_store_t *s, const char *sha256, void **data, size_t *len,
                          cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT d.size, d.content, c.data FROM documents d LEFT JOIN "
                               "document_chunks c ON c.sha256 = d.sha256 WHERE d.sha256 = ? "
                               "ORDER BY c.n",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, sha256, -1, CF_DB_STATIC);
    char *buf = NULL;
    size_t size = 0, got = 0;
    int step, rows = 0;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        if (rows++ == 0) {
            size = (size_t)cf_db_column_int64(st, 0);
            if (!(buf = malloc(size ? size : 1)))
                rc = CF_ENOMEM;
        }
        int col = cf_db_column_type(st, 2) == CF_DB_NULL ? 1 : 2;
        size_t part = (size_t)cf_db_column_bytes(st, col);
        if (rc == 0 && got + part > size)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "document %s: more bytes than its size",
                              sha256);
        if (rc == 0 && part)
            memcpy(buf + got, cf_db_column_blob(st, col), part);
        got += part;
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read document", err);
    cf__store_release(s, st);
    if (rc == 0 && rows == 0)
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no document %s", sha256);
    if (rc == 0 && got != size)
        rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "document %s: %zu bytes of %zu stored",
                          sha256, got, size);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = size;
    return 0;
}
