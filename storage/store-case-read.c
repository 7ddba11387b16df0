/*
 * store-case-read.c -- reading cases and their event logs in the SQLite backend (the
 * writes are store-cases.c's).
 *
 * A case is read from its row (cf_store_case_get: the snapshot; cf_store_case_row:
 * the columns alone), its events in log order (cf_store_case_events, and the audit's
 * lenient and rehashing readers, which keep reading past a text they cannot parse or
 * hash each event from its stored text as read), one row for the audit's check of the
 * cached columns (cf_store_case_audit_row), the ids of closed cases, and pages of the
 * case list. Stored JSON is read by cf__jsonr_load (engine/jsonr.h): caseflow writes
 * it compact, so one pass builds the value; other text goes to jansson whole.
 */
#include "store-int.h"
#include "jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading -------------------------------------------------------------------- */

/* Steps st, a select of case id's row (bound as its only parameter): 0 when
 * st is on the row, CF_ENOTFOUND or a store error. */
static int case_row_step(cf_store_t *s, cf_db_stmt_t *st, int64_t id, cf_error_t *err)
{
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read case", err);
}

/* Exported, documented in store.h */
int cf_store_case_get(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT snapshot FROM cases WHERE id = ?", &st, err);
    if (rc != 0)
        return rc;
    rc = case_row_step(s, st, id, err);
    if (rc == 0) {
        json_t *snap = json_loads((const char *)cf_db_column_text(st, 0), 0, NULL);
        rc = snap ? cf_case_from_json(c, snap, err)
                  : cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: snapshot is not JSON",
                                 (long long)id);
        json_decref(snap);
    }
    cf__store_release(s, st);
    return rc;
}

/* An event whose stored body is not JSON, as an audit sees it: what its row's
 * columns still say, and why it cannot be read. */
static json_t *unreadable(cf_db_stmt_t *st, int64_t id, const json_error_t *why)
{
    char text[256];
    snprintf(text, sizeof(text), "not JSON at line %d, column %d: %s", why->line, why->column,
             why->text);
    return json_pack("{s:I, s:I, s:s, s:s, s:s}", "seq", (json_int_t)cf_db_column_int64(st, 0),
                     "case", (json_int_t)id, "type", cf_db_column_text(st, 1), "hash",
                     cf_db_column_text(st, 2), "unreadable", text);
}

/* What read_events recomputes of each event's hash, for an audit. */
typedef struct rehash_s {
    cf_chain_algo_t algo;
    cf_store_rehash_t *out;
    cf__jsonw_t canon; /* the event's canonical text, as read (cf__jsonr_load_canonical) */
} rehash_t;

/* Event ev's hash recomputed into slot n of h: from its text as read when that is
 * already canonical, else from its value (cf_chain_hash); "" when unreadable. */
static int rehash(rehash_t *h, size_t n, const json_t *ev)
{
    cf_store_rehash_t *out = h->out;
    if (n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        char(*grown)[CF_CHAIN_HEX] = realloc(out->hashes, cap * sizeof(*grown));
        if (!grown)
            return CF_ENOMEM;
        out->hashes = grown;
        out->cap = cap;
    }
    const char *prev = json_string_value(json_object_get(ev, "prev"));
    out->hashes[n][0] = '\0';
    if (json_object_get(ev, "unreadable") || h->canon.oom)
        return h->canon.oom ? CF_ENOMEM : 0;
    if (h->canon.len)
        return cf_chain_hash_text(h->algo, prev ? prev : "", h->canon.p, h->canon.len,
                                  out->hashes[n]);
    return cf_chain_hash(h->algo, prev ? prev : "", ev, out->hashes[n]);
}

/* The events of case id by seq; an event that is not JSON fails the read, or
 * with lenient stands in the array as unreadable() makes it. With h, each
 * event's hash is recomputed into h (rehash). */
static int read_events(cf_store_t *s, int64_t id, int lenient, rehash_t *h, json_t **events,
                       cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT seq, type, hash, body FROM events WHERE case_id = ? ORDER BY seq", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    json_t *out = json_array();
    int step = CF_DB_DONE;
    while (rc == 0 && out && (step = cf_db_step(st)) == CF_DB_ROW) {
        json_error_t why;
        const char *text = (const char *)cf_db_column_text(st, 3);
        size_t len = (size_t)cf_db_column_bytes(st, 3);
        json_t *ev = h ? cf__jsonr_load_canonical(text, len, &why, &h->canon)
                       : cf__jsonr_load(text, len, &why);
        if (!ev && lenient)
            ev = unreadable(st, id, &why);
        else if (!ev)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: event %lld is not JSON",
                              (long long)id, (long long)cf_db_column_int64(st, 0));
        if (rc == 0 && h && ev)
            rc = rehash(h, json_array_size(out), ev);
        if (rc == 0 && (!ev || json_array_append_new(out, ev) != 0))
            rc = CF_ENOMEM;
        else if (rc != 0)
            json_decref(ev);
    }
    if (rc == 0 && out && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read events", err);
    cf__store_release(s, st);
    if (rc != 0 || !out) {
        json_decref(out);
        return rc ? rc : CF_ENOMEM;
    }
    *events = out;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_events(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err)
{
    return read_events(s, id, 0, NULL, events, err);
}

/* Exported, documented in store.h */
int cf_store_case_events_audit(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err)
{
    return read_events(s, id, 1, NULL, events, err);
}

/* Exported, documented in store.h */
int cf_store_case_events_rehashed(cf_store_t *s, int64_t id, cf_chain_algo_t algo, json_t **events,
                                  cf_store_rehash_t *h, cf_error_t *err)
{
    rehash_t r = {.algo = algo, .out = h, .canon = {.p = h->text, .cap = h->text_cap}};
    int rc = read_events(s, id, 1, &r, events, err);
    h->text = r.canon.p; /* grown or not, still the caller's */
    h->text_cap = r.canon.cap;
    return rc;
}

/* Exported, documented in store.h */
void cf_store_rehash_dispose(cf_store_rehash_t *h)
{
    free(h->hashes);
    free(h->text);
    memset(h, 0, sizeof(*h));
}

/* Exported, documented in store.h */
int cf_store_read_begin(cf_store_t *s, cf_error_t *err)
{
    return cf__store_run(s, "BEGIN", err);
}

/* Exported, documented in store.h */
void cf_store_read_end(cf_store_t *s)
{
    cf_db_exec(s->db, "COMMIT"); /* nothing written: cannot fail */
}

/* A text column as a new string (NULL for SQL NULL); *oom set when it cannot be. */
static char *column_dup(cf_db_stmt_t *st, int col, int *oom)
{
    const char *text = (const char *)cf_db_column_text(st, col);
    char *copy = text ? strdup(text) : NULL;
    *oom |= text && !copy;
    return copy;
}

static int row_to_case(cf_db_stmt_t *st, cf_case_t *c, cf_error_t *err)
{
    int oom = 0;
    memset(c, 0, sizeof(*c));
    c->id = cf_db_column_int64(st, 0);
    c->workflow_id = column_dup(st, 1, &oom);
    c->workflow_version = (unsigned)cf_db_column_int(st, 2);
    snprintf(c->workflow_hash, sizeof(c->workflow_hash), "%s", cf_db_column_text(st, 3));
    c->matter_id = column_dup(st, 4, &oom);
    c->parent_id = cf_db_column_int64(st, 5);
    c->state = column_dup(st, 6, &oom);
    c->version = cf_db_column_int64(st, 7);
    snprintf(c->head, sizeof(c->head), "%s", cf_db_column_text(st, 8));
    c->opened_at = cf_db_column_int64(st, 10);
    c->updated_at = cf_db_column_int64(st, 11);
    c->closed_at = cf_db_column_int64(st, 12); /* NULL while open: 0 */
    int rc = oom ? CF_ENOMEM : 0;
    if (rc == 0 && cf_chain_algo_parse((const char *)cf_db_column_text(st, 9), &c->algo) != 0)
        rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: unknown chain algorithm",
                          (long long)c->id);
    if (rc != 0)
        cf_case_dispose(c);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_case_row(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          "SELECT id, workflow_id, workflow_version, workflow_hash, matter_id, "
                          "coalesce(parent_id, 0), state, version, head, algo, opened_at, "
                          "updated_at, closed_at FROM cases WHERE id = ?",
                          &st, err);
    if (rc != 0)
        return rc;
    rc = case_row_step(s, st, id, err);
    if (rc == 0)
        rc = row_to_case(st, c, err);
    cf__store_release(s, st);
    return rc;
}

/* The row's columns (row_to_case) then what it caches (cf__store_cached_json):
 * one read of the row for an audit, where it took two. */
#define AUDIT_ROW_CACHED 13

/* Exported, documented in store.h */
int cf_store_case_audit_row(cf_store_t *s, int64_t id, cf_case_t *c, json_t **row, char **snapshot,
                            size_t *snapshot_len, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT id, workflow_id, workflow_version, workflow_hash, matter_id, "
        "coalesce(parent_id, 0), state, version, head, algo, opened_at, updated_at, closed_at, "
        "id, workflow_id, workflow_version, workflow_hash, matter_id, parent_id, party, algo, "
        "state, closed, version, head, opened_at, updated_at, closed_at, snapshot "
        "FROM cases WHERE id = ?",
        &st, err);
    if (rc != 0)
        return rc;
    cf_case_t got;
    json_t *cached = NULL;
    char *text = NULL;
    int col = AUDIT_ROW_CACHED + 15, have_case = 0;
    size_t len = 0;
    rc = case_row_step(s, st, id, err);
    if (rc == 0 && (rc = row_to_case(st, &got, err)) == 0)
        have_case = 1;
    if (rc == 0 && !(cached = cf__store_cached_json(st, AUDIT_ROW_CACHED, 0)))
        rc = CF_ENOMEM;
    if (rc == 0 && cf_db_column_type(st, col) == CF_DB_NULL) { /* as cf_store_case_cached */
        rc = json_object_set_new(cached, "snapshot", json_null()) ? CF_ENOMEM : 0;
    } else if (rc == 0) {
        len = (size_t)cf_db_column_bytes(st, col);
        const void *bytes = cf_db_column_text(st, col);
        if ((text = malloc(len + 1)) != NULL) {
            memcpy(text, bytes, len);
            text[len] = '\0';
        }
        rc = text ? 0 : CF_ENOMEM;
    }
    cf__store_release(s, st);
    if (rc != 0) {
        if (have_case)
            cf_case_dispose(&got);
        json_decref(cached);
        return rc;
    }
    *c = got;
    *row = cached;
    *snapshot = text;
    *snapshot_len = len;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_ids(cf_store_t *s, const cf_time_t *closed, int64_t **ids, size_t *count,
                      cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          closed ? "SELECT id FROM cases WHERE closed_at >= ? AND closed_at < ? "
                                   "ORDER BY id"
                                 : "SELECT id FROM cases ORDER BY id",
                          &st, err);
    if (rc != 0)
        return rc;
    if (closed) {
        cf_db_bind_int64(st, 1, closed[0]);
        cf_db_bind_int64(st, 2, closed[1]);
    }
    return cf__store_collect_ids(s, st, ids, count, "list cases", err);
}

#define LIST_SELECT                                                                                \
    "SELECT c.id, c.workflow_id, c.workflow_version, c.state, c.closed, c.party, c.matter_id, "    \
    "c.parent_id, c.updated_at, c.version, (SELECT MIN(deadline) FROM clocks k WHERE k.case_id = " \
    "c.id AND k.state = 'running'), (SELECT MIN(provisional) FROM clocks k WHERE k.case_id = "     \
    "c.id AND k.state IN ('running', 'paused') AND k.provisional > 0), " CF__LIST_REFS             \
    "FROM cases c WHERE "
static const char *const list_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_ANY_PARENT);
static const char *const children_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_CHILDREN);
static const char *const deadline_sql =
    LIST_SELECT CF__LIST_FILTERS_BY_DEADLINE(CF__LIST_ANY_PARENT);

/* Exported, documented in store-int.h */
json_t *cf__store_case_list_row(cf_db_stmt_t *st)
{
    char updated[CF_TIME_BUFSZ], next[CF_TIME_BUFSZ];
    int64_t parent = cf_db_column_int64(st, 7);
    json_t *party = json_loads((const char *)cf_db_column_text(st, 5), 0, NULL);
    cf_time_format(cf_db_column_int64(st, 8), updated);
    json_t *row = json_pack(
        "{s:I, s:s, s:i, s:s, s:b, s:o, s:s?, s:o, s:s, s:I}", "id",
        (json_int_t)cf_db_column_int64(st, 0), "workflow", cf_db_column_text(st, 1),
        "workflow_version", cf_db_column_int(st, 2), "state", cf_db_column_text(st, 3), "closed",
        cf_db_column_int(st, 4), "party", party ? party : json_object(), "matter",
        cf_db_column_text(st, 6), "parent", parent ? json_integer(parent) : json_null(),
        "updated_at", updated, "version", (json_int_t)cf_db_column_int64(st, 9));
    if (row && cf_db_column_type(st, 10) != CF_DB_NULL) {
        cf_time_format(cf_db_column_int64(st, 10), next);
        json_object_set_new(row, "next_deadline", json_string(next));
    }
    if (row && cf_db_column_type(st, 11) != CF_DB_NULL) /* R11: a running clock's */
        json_object_set_new(row, "provisional", json_integer(cf_db_column_int(st, 11)));
    static const char *const refs[] = {"number", "name", "decision_number", "archive_number"};
    for (int i = 0; row && i < 4; i++) /* issue 20: its 案号, name and numbers */
        if (cf_db_column_type(st, 12 + i) != CF_DB_NULL)
            json_object_set_new(row, refs[i],
                                json_string((const char *)cf_db_column_text(st, 12 + i)));
    return row;
}

/* Exported, documented in store-int.h */
void cf__store_bind_list(cf_db_stmt_t *st, const cf_case_filter_t *f)
{
    cf__store_bind_text(st, 1, f->state);
    cf__store_bind_text(st, 2, f->workflow);
    cf__store_bind_text(st, 3, f->matter);
    cf_db_bind_int64(st, 4, f->parent);
    cf_db_bind_int(st, 5, f->open_only);
    cf_db_bind_int64(st, 6, f->due_within);
    cf_db_bind_int64(st, 7, f->now);
    cf_db_bind_int(st, 8, f->overdue);
    if (f->after > 0)
        cf_db_bind_int64(st, 10, f->after);
    cf_db_bind_int64(st, 11, f->limit > 0 ? f->limit : INT64_MAX);
    cf__store_bind_text(st, 12, f->number);
    cf__store_bind_text(st, 13, f->handler);
    cf__store_bind_text(st, 14, f->q && f->q[0] ? f->q : NULL);
    cf__store_bind_text(st, 16, f->power_type && f->power_type[0] ? f->power_type : NULL);
    cf__store_bind_text(st, 17, f->cause && f->cause[0] ? f->cause : NULL);
    if (f->by_deadline) {
        cf_db_bind_null(st, 10); /* the page is the offset's, not an id's */
        cf_db_bind_int64(st, 15, f->offset);
    }
}

/* Exported, documented in store.h */
int cf_store_case_list(cf_store_t *s, const cf_case_filter_t *f, json_t **list, cf_error_t *err)
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
    return cf__store_collect(s, st, cf__store_case_list_row, list, "list cases", err);
}
