/*
 * store-anchor.c -- the log of all cases in commit order, its checkpoints, and
 * the case row as an audit reads it, in the SQLite backend.
 *
 * Positions are written with each event (store-cases.c, CF__STORE_NEXT_POS in
 * store-int.h; on PostgreSQL at its transaction's commit, cf__store_place), so
 * nothing here writes to events. The log is read straight from
 * the events table in position order, through its UNIQUE index: an auditor's
 * tree is recomputed from the events themselves, never from a table of tree
 * nodes that could be rewritten along with them.
 *
 * The anchors table keeps a copy of each checkpoint taken, for an operator to
 * list; it proves nothing (whoever rewrites the events can rewrite it too).
 * What proves is the copy kept outside the database.
 */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills leaf from a row (pos, case_id, seq, hash). */
static void leaf_of(cf_db_stmt_t *st, cf_store_leaf_t *leaf)
{
    const char *hash = (const char *)cf_db_column_text(st, 3);
    leaf->pos = cf_db_column_type(st, 0) == CF_DB_NULL ? -1 : cf_db_column_int64(st, 0);
    leaf->case_id = cf_db_column_int64(st, 1);
    leaf->seq = cf_db_column_int64(st, 2);
    snprintf(leaf->hash, sizeof(leaf->hash), "%s",
             hash && strlen(hash) == CF_CHAIN_HEX - 1 ? hash : "");
}

/* Exported, documented in store.h */
int cf_store_log_each(cf_store_t *s, cf_store_leaf_cb cb, void *ctx, cf_error_t *err)
{
    cf_db_stmt_t *st = NULL;
    int own = !cf_db_in_tx(s->db); /* else: inside the caller's transaction */
    /* inside a transaction that wrote events: their positions first (PostgreSQL) */
    int rc = own ? cf_store_read_begin(s, err) : cf__store_place(s, err);
    if (rc != 0)
        return rc;
    rc = cf__store_prepare(
        s, "SELECT pos, case_id, seq, hash FROM events ORDER BY pos, case_id, seq", &st, err);
    int step = CF_DB_DONE;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        cf_store_leaf_t leaf;
        leaf_of(st, &leaf);
        rc = cb(ctx, &leaf);
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read the log", err);
    cf__store_release(s, st);
    if (own)
        cf_store_read_end(s);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_log_find(cf_store_t *s, int64_t case_id, int64_t seq, cf_store_leaf_t *leaf,
                      cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT pos, case_id, seq, hash FROM events WHERE case_id = ? AND seq = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, case_id);
    cf_db_bind_int64(st, 2, seq);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        leaf_of(st, leaf);
    else if (step == CF_DB_DONE)
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "case %lld has no event %lld",
                          (long long)case_id, (long long)seq);
    else
        rc = cf__store_error(s, step, "read the log", err);
    cf__store_release(s, st);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_anchor_put(cf_store_t *s, const json_t *checkpoint, cf_error_t *err)
{
    json_t *head = json_copy((json_t *)checkpoint);
    if (head)
        json_object_del(head, "index"); /* the copy outside keeps it; it can be large */
    char *body = head ? json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    cf_db_stmt_t *st = NULL;
    int rc = body ? cf__store_prepare(s,
                                      "INSERT INTO anchors(tree_size, root_hash, timestamp, "
                                      "key_id, body) VALUES (?, ?, ?, ?, ?)",
                                      &st, err)
                  : CF_ENOMEM;
    if (rc == 0) {
        cf_db_bind_int64(st, 1, json_integer_value(json_object_get(head, "tree_size")));
        cf__store_bind_text(st, 2, json_string_value(json_object_get(head, "root_hash")));
        cf__store_bind_text(st, 3, json_string_value(json_object_get(head, "timestamp")));
        cf__store_bind_text(st, 4, json_string_value(json_object_get(head, "key_id")));
        cf_db_bind_text(st, 5, body, -1, CF_DB_STATIC);
        int step = cf_db_step(st);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "record the checkpoint", err);
    }
    cf__store_release(s, st);
    free(body);
    json_decref(head);
    return rc;
}

/* Column col as JSON: null, an integer, or text (parsed as JSON when parse is
 * set and it is JSON; else the text itself). */
static json_t *column_json(cf_db_stmt_t *st, int col, int parse)
{
    switch (cf_db_column_type(st, col)) {
    case CF_DB_NULL:
        return json_null();
    case CF_DB_INTEGER:
        return json_integer(cf_db_column_int64(st, col));
    default: {
        const char *text = (const char *)cf_db_column_text(st, col);
        json_t *v = parse ? json_loadb(text, (size_t)cf_db_column_bytes(st, col), 0, NULL) : NULL;
        return v ? v : json_string(text ? text : "");
    }
    }
}

static const char *const cached_columns[] = {"id",
                                             "workflow_id",
                                             "workflow_version",
                                             "workflow_hash",
                                             "matter_id",
                                             "parent_id",
                                             "party",
                                             "algo",
                                             "state",
                                             "closed",
                                             "version",
                                             "head",
                                             "opened_at",
                                             "updated_at",
                                             "closed_at",
                                             "snapshot",
                                             NULL};

/* Exported, documented in store-int.h */
json_t *cf__store_cached_json(cf_db_stmt_t *st, int first, int snapshot)
{
    json_t *out = json_object();
    int rc = out ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && cached_columns[i]; i++) {
        int last = !cached_columns[i + 1]; /* the snapshot */
        int parse = !strcmp(cached_columns[i], "party") || last;
        if (last && !snapshot)
            break;
        if (json_object_set_new(out, cached_columns[i], column_json(st, first + i, parse)) != 0)
            rc = CF_ENOMEM;
    }
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Exported, documented in store.h */
int cf_store_case_cached(cf_store_t *s, int64_t id, json_t **row, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT id, workflow_id, workflow_version, workflow_hash, "
                               "matter_id, parent_id, party, algo, state, closed, version, head, "
                               "opened_at, updated_at, closed_at, snapshot FROM cases WHERE id = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    json_t *out = NULL;
    if (step == CF_DB_ROW) {
        out = cf__store_cached_json(st, 0, 1);
        rc = out ? 0 : CF_ENOMEM;
    } else if (step == CF_DB_DONE) {
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    } else {
        rc = cf__store_error(s, step, "read case", err);
    }
    cf__store_release(s, st);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *row = out;
    return 0;
}
