/*
 * audit-cache.c -- the cached row (cf_audit_cache): a case row's columns and cached
 * snapshot against what folding its events gives. See audit.h.
 *
 * Why apart from replay: it needs no workflow and no calendar, only the fold, and
 * reports what an edit of the row (not of the chain) did; kept with the chain check
 * it would make audit.c the second concern it is not.
 */
#include "audit-int.h"
#include "engine.h"

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

/* The value a row column should hold, from the fold (new reference). */
static json_t *column_of(const json_t *folded, const char *column)
{
    const json_t *wf = json_object_get(folded, "workflow");
    json_int_t closed_at = json_integer_value(json_object_get(folded, "closed_at"));
    json_int_t parent = json_integer_value(json_object_get(folded, "parent"));
    if (!strcmp(column, "workflow_id"))
        return json_incref(json_object_get(wf, "id"));
    if (!strcmp(column, "workflow_version"))
        return json_incref(json_object_get(wf, "version"));
    if (!strcmp(column, "workflow_hash"))
        return json_incref(json_object_get(wf, "hash"));
    if (!strcmp(column, "matter_id"))
        return json_incref(json_object_get(folded, "matter"));
    if (!strcmp(column, "parent_id"))
        return parent ? json_integer(parent) : json_null();
    if (!strcmp(column, "closed"))
        return json_integer(closed_at != 0);
    if (!strcmp(column, "closed_at"))
        return closed_at ? json_integer(closed_at) : json_null();
    return json_incref(json_object_get(folded, column));
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

static int compare_cache(const json_t *folded, const json_t *row, cf_audit_t *out)
{
    int rc = 0;
    for (int i = 0; rc == 0 && cached_columns[i]; i++) {
        const json_t *cached = json_object_get(row, cached_columns[i]);
        json_t *want = cached ? column_of(folded, cached_columns[i]) : NULL;
        if (cached && !json_equal((json_t *)cached, want ? want : json_null()))
            rc = cache_differs(out, "row", cached_columns[i], cached, want);
        json_decref(want);
    }
    const json_t *snap = json_object_get(row, "snapshot");
    if (rc == 0 && snap && !json_is_object(snap))
        rc = cf__audit_deviate(out, 0, "cache", "snapshot",
                               "the case row's cached snapshot is not a case: the row was altered")
                 ? 0
                 : CF_ENOMEM;
    const char *key;
    json_t *v;
    if (json_is_object(snap))
        json_object_foreach((json_t *)folded, key, v)
            if (rc == 0 && !json_equal(v, json_object_get(snap, key)))
                rc = cache_differs(out, "snapshot", key, json_object_get(snap, key), v);
    if (json_is_object(snap))
        json_object_foreach((json_t *)snap, key, v)
            if (rc == 0 && !json_object_get(folded, key))
                rc = cache_differs(out, "snapshot", key, v, NULL);
    return rc;
}

/* Exported, documented in audit.h */
int cf_audit_cache(const json_t *events, const json_t *row, cf_audit_t *out)
{
    cf_case_t c;
    if (cf_case_init(&c) != 0)
        return CF_ENOMEM;
    size_t i;
    json_t *ev;
    int folded = 1;
    json_array_foreach((json_t *)events, i, ev) {
        cf_error_t err;
        if (cf__audit_str(ev, "unreadable") || cf_case_apply(&c, ev, &err) != 0) {
            folded = 0; /* the record itself is broken: reported by verify and replay */
            break;
        }
    }
    json_t *fold = folded && json_array_size(events) ? cf_case_to_json(&c) : NULL;
    int rc = folded && json_array_size(events) && !fold ? CF_ENOMEM : 0;
    /* A bundle's snapshot carries its times as ISO 8601 (cf_case_json_times_iso),
     * the row's as seconds: the fold is compared in the form the cache has. */
    const json_t *snap = json_object_get(row, "snapshot");
    if (fold && json_is_string(json_object_get(snap, "opened_at")))
        rc = cf_case_json_times_iso(fold);
    if (fold && rc == 0)
        rc = compare_cache(fold, row, out);
    json_decref(fold);
    cf_case_dispose(&c);
    return rc;
}
