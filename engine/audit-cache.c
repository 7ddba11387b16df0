/*
 * audit-cache.c -- the cached row (cf_audit_cache): a case row's columns and cached
 * snapshot against what folding its events gives. See audit.h.
 *
 * Why apart from replay: it needs no workflow and no calendar, only the fold, and
 * reports what an edit of the row (not of the chain) did; kept with the chain check
 * it would make audit.c the second concern it is not.
 *
 * Cost: the fold is the replay's when there is one (cf_audit_replay_fold), and the
 * cached snapshot is first compared by its bytes with the fold's as the store
 * writes it (cf_case_snapshot_buf): equal bytes are the same value, with nothing
 * parsed. Other bytes may still be the same value (the live case kept a request's
 * key order, the fold the canonical events'), so they are parsed and compared
 * member by member, as every snapshot was before: the verdict is the same either
 * way, only its cost differs.
 */
#include "audit-int.h"
#include "engine.h"
#include "jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the cached row ------------------------------------------------------------- */

/* value as short JSON text for a message (at most size - 1 bytes, "..." when cut). */
static void brief(const json_t *value, char *out, size_t size)
{
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(out, size, "%s", text ? text : "(none)");
    if (text && strlen(text) >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
    free(text);
}

static int cache_differs(cf_audit_t *out, const char *where, const char *name, const json_t *cached,
                         const json_t *folded)
{
    char rule[64], a[160], b[160];
    snprintf(rule, sizeof(rule), "%s.%s", where, name);
    brief(cached, a, sizeof(a));
    brief(folded, b, sizeof(b));
    return cf__audit_deviate(
               out, 0, "cache", rule,
               "the case row's %s%s is %s; its events give %s: the row was altered (%s)",
               strcmp(where, "row") == 0 ? "" : "cached snapshot's ", name, a, b, rule)
               ? 0
               : CF_ENOMEM;
}

/* The value a row column should hold, from the fold (new reference; NULL where
 * the fold has nothing, compared as null). */
static json_t *column_of(const cf_case_t *c, const char *column)
{
    if (!strcmp(column, "workflow_id"))
        return c->workflow_id ? json_string(c->workflow_id) : NULL;
    if (!strcmp(column, "workflow_version"))
        return json_integer(c->workflow_version);
    if (!strcmp(column, "workflow_hash"))
        return json_string(c->workflow_hash);
    if (!strcmp(column, "matter_id"))
        return c->matter_id ? json_string(c->matter_id) : NULL;
    if (!strcmp(column, "parent_id"))
        return c->parent_id ? json_integer(c->parent_id) : json_null();
    if (!strcmp(column, "party"))
        return json_incref(c->party);
    if (!strcmp(column, "algo"))
        return json_string(cf_chain_algo_name(c->algo));
    if (!strcmp(column, "state"))
        return c->state ? json_string(c->state) : NULL;
    if (!strcmp(column, "closed"))
        return json_integer(c->closed_at != 0);
    if (!strcmp(column, "version"))
        return json_integer(c->version);
    if (!strcmp(column, "head"))
        return json_string(c->head);
    if (!strcmp(column, "opened_at"))
        return json_integer(c->opened_at);
    if (!strcmp(column, "updated_at"))
        return json_integer(c->updated_at);
    return c->closed_at ? json_integer(c->closed_at) : json_null(); /* closed_at */
}

static const char *const cached_columns[] = {"workflow_id",
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
                                             NULL};

/* The row's columns against the fold c. */
static int compare_columns(const cf_case_t *c, const json_t *row, cf_audit_t *out)
{
    int rc = 0;
    for (int i = 0; rc == 0 && cached_columns[i]; i++) {
        const json_t *cached = json_object_get(row, cached_columns[i]);
        json_t *want = cached ? column_of(c, cached_columns[i]) : NULL;
        if (cached && !json_equal((json_t *)cached, want ? want : json_null()))
            rc = cache_differs(out, "row", cached_columns[i], cached, want);
        json_decref(want);
    }
    return rc;
}

/* The cached snapshot snap (parsed; its text when it is not JSON) against the
 * fold c, member by member. */
static int compare_snapshot(const cf_case_t *c, const json_t *snap, cf_audit_t *out)
{
    if (!json_is_object(snap))
        return cf__audit_deviate(
                   out, 0, "cache", "snapshot",
                   "the case row's cached snapshot is not a case: the row was altered")
                   ? 0
                   : CF_ENOMEM;
    json_t *folded = cf_case_to_json(c);
    int rc = folded ? 0 : CF_ENOMEM;
    /* A bundle's snapshot carries its times as ISO 8601 (cf_case_json_times_iso),
     * the row's as seconds: the fold is compared in the form the cache has. */
    if (rc == 0 && json_is_string(json_object_get(snap, "opened_at")))
        rc = cf_case_json_times_iso(folded);
    const char *key;
    json_t *v;
    if (rc == 0)
        json_object_foreach(folded, key, v)
            if (rc == 0 && !json_equal(v, json_object_get(snap, key)))
                rc = cache_differs(out, "snapshot", key, json_object_get(snap, key), v);
    if (rc == 0)
        json_object_foreach((json_t *)snap, key, v)
            if (rc == 0 && !json_object_get(folded, key))
                rc = cache_differs(out, "snapshot", key, v, NULL);
    json_decref(folded);
    return rc;
}

/* The snapshot's text (len bytes) against the fold c: the same bytes as the
 * store writes for c (cf_case_snapshot_buf) are the same value, with nothing
 * parsed; other bytes are parsed, to name what differs, and may still be the
 * same value (keys in another order, other spacing: no deviation, as before). */
static int compare_snapshot_text(const cf_case_t *c, const char *text, size_t len, cf_audit_t *out)
{
    char *want = cf_case_snapshot_text(c);
    if (!want)
        return CF_ENOMEM;
    int same = strlen(want) == len && memcmp(want, text, len) == 0;
    free(want);
    if (same)
        return 0;
    json_t *snap = cf__jsonr_load(text, len, NULL); /* else its text, as the store gives it */
    if (!snap && !(snap = json_stringn(text, len)) && !(snap = json_string("")))
        return CF_ENOMEM;
    int rc = compare_snapshot(c, snap, out);
    json_decref(snap);
    return rc;
}

/* Exported, documented in audit.h */
int cf_audit_cache_fold(const cf_case_t *fold, const json_t *row, const char *snapshot,
                        size_t snapshot_len, cf_audit_t *out)
{
    if (!fold) /* the record itself is broken: reported by verify and replay */
        return 0;
    int rc = compare_columns(fold, row, out);
    const json_t *snap = json_object_get(row, "snapshot");
    if (rc == 0 && snapshot)
        rc = compare_snapshot_text(fold, snapshot, snapshot_len, out);
    else if (rc == 0 && snap)
        rc = compare_snapshot(fold, snap, out);
    return rc;
}

/* Exported, documented in audit.h */
int cf_audit_fold(const json_t *events, cf_case_t *c, int *folded)
{
    *folded = 0;
    if (cf_case_init(c) != 0)
        return CF_ENOMEM;
    size_t i;
    json_t *ev;
    int ok = json_array_size(events) > 0;
    json_array_foreach((json_t *)events, i, ev) {
        cf_error_t err;
        if (cf__audit_str(ev, "unreadable") || cf_case_apply(c, ev, &err) != 0) {
            ok = 0;
            break;
        }
    }
    if (!ok)
        cf_case_dispose(c);
    *folded = ok;
    return 0;
}

/* Exported, documented in audit.h */
int cf_audit_cache(const json_t *events, const json_t *row, cf_audit_t *out)
{
    cf_case_t c;
    int folded;
    int rc = cf_audit_fold(events, &c, &folded);
    if (rc == 0)
        rc = cf_audit_cache_fold(folded ? &c : NULL, row, NULL, 0, out);
    if (folded)
        cf_case_dispose(&c);
    return rc;
}
