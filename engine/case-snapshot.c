/*
 * case-snapshot.c -- a case's fold as JSON, and back.
 *
 * The store keeps this snapshot beside the events so that reading a case does
 * not refold its whole log. Snapshot format (times as integer
 * seconds since the epoch, unlike events, which are written for people):
 *   {id, workflow: {id, version, hash}, algo, matter, parent, party, state,
 *    prev_state, facts, history, documents, done, version, head, opened_at,
 *    updated_at, closed_at, cause? (the 案由 record, only when the case has one),
 *    clocks: [{id, state, started_at, deadline, paused_at, stopped_at,
 *              extended, extensions}]}
 */
#include "case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *clock_to_json(const cf_clock_rt_t *k)
{
    json_t *o =
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s*, s:i, s:b}", "id", k->id, "state",
                  cf_clock_state_name(k->state), "started_at", (json_int_t)k->started_at,
                  "deadline", (json_int_t)k->deadline, "paused_at", (json_int_t)k->paused_at,
                  "stopped_at", (json_int_t)k->stopped_at, "extended", k->extended, "extensions",
                  (int)k->extensions, "party", k->party);
    if (o && k->exclusions && json_object_set(o, "exclusions", k->exclusions) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Exported, documented in case.h */
json_t *cf_case_to_json(const cf_case_t *c)
{
    json_t *clocks = json_array();
    for (unsigned i = 0; clocks && i < c->clocks_count; i++)
        if (json_array_append_new(clocks, clock_to_json(&c->clocks[i])) != 0) {
            json_decref(clocks);
            return NULL;
        }
    json_t *o = json_pack(
        "{s:I, s:{s:s*, s:i, s:s}, s:s, s:s*, s:I, s:O, s:s*, s:s*, s:O, s:O, s:O, "
        "s:O, s:o, s:I, s:s, s:I, s:I, s:I}",
        "id", (json_int_t)c->id, "workflow", "id", c->workflow_id, "version",
        (int)c->workflow_version, "hash", c->workflow_hash, "algo", cf_chain_algo_name(c->algo),
        "matter", c->matter_id, "parent", (json_int_t)c->parent_id, "party", c->party, "state",
        c->state, "prev_state", c->prev_state, "facts", c->facts, "history", c->history,
        "documents", c->documents, "done", c->done, "clocks", clocks, "version",
        (json_int_t)c->version, "head", c->head, "opened_at", (json_int_t)c->opened_at,
        "updated_at", (json_int_t)c->updated_at, "closed_at", (json_int_t)c->closed_at);
    if (o && c->cause && json_object_set_new(o, "cause", json_deep_copy(c->cause)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the snapshot as text, written directly ---------------------------------------- */

/* The store writes a snapshot on every transition. Building it as a json_t and
 * dumping it was a third of the store's CPU per transition; this writes the same
 * JSON value straight into a buffer, using jansson only for the values that
 * are free-form JSON (party, facts, history, documents, done, cause,
 * exclusions). Test store_snapshot_text holds it to cf_case_to_json. */
typedef struct text_s {
    char *p;
    size_t len, cap;
    int oom;
} text_t;

static int put(const char *bytes, size_t n, void *data)
{
    text_t *t = data;
    if (t->oom)
        return -1;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *grown = realloc(t->p, cap);
        if (!grown) {
            t->oom = 1;
            return -1;
        }
        t->p = grown;
        t->cap = cap;
    }
    memcpy(t->p + t->len, bytes, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

static void put_s(text_t *t, const char *s)
{
    put(s, strlen(s), t);
}

/* A JSON string, or null for NULL. Quotes, backslashes and control characters
 * are escaped; other bytes (UTF-8, as every string here came from JSON) pass. */
static void put_str(text_t *t, const char *s)
{
    if (!s) {
        put_s(t, "null");
        return;
    }
    put("\"", 1, t);
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        put(run, (size_t)(s - run), t);
        char esc[8];
        if (ch == '"' || ch == '\\')
            snprintf(esc, sizeof(esc), "\\%c", ch);
        else
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
        put_s(t, esc);
        run = s + 1;
    }
    put(run, (size_t)(s - run), t);
    put("\"", 1, t);
}

static void put_int(text_t *t, int64_t v)
{
    char digits[24], *d = digits + sizeof(digits);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--d = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--d = '-';
    put(d, (size_t)(digits + sizeof(digits) - d), t);
}

static void put_json(text_t *t, const json_t *v)
{
    if (json_is_object(v) && json_object_size(v) == 0)
        put_s(t, "{}");
    else if (json_is_array(v) && json_array_size(v) == 0)
        put_s(t, "[]");
    else if (json_dump_callback(v, put, t, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        t->oom = 1;
}

/* ,"key": */
static void put_key(text_t *t, const char *key)
{
    put(",\"", 2, t);
    put_s(t, key);
    put("\":", 2, t);
}

/* ,"key":"value", or nothing when value is NULL (as json_pack's "s*" leaves out). */
static void put_opt(text_t *t, const char *key, const char *value)
{
    if (!value)
        return;
    put_key(t, key);
    put_str(t, value);
}

static void put_clock(text_t *t, const cf_clock_rt_t *k)
{
    put_s(t, "{\"id\":");
    put_str(t, k->id);
    put_key(t, "state");
    put_str(t, cf_clock_state_name(k->state));
    put_key(t, "started_at");
    put_int(t, k->started_at);
    put_key(t, "deadline");
    put_int(t, k->deadline);
    put_key(t, "paused_at");
    put_int(t, k->paused_at);
    put_key(t, "stopped_at");
    put_int(t, k->stopped_at);
    put_opt(t, "extended", k->extended);
    put_key(t, "extensions");
    put_int(t, k->extensions);
    put_key(t, "party");
    put_s(t, k->party ? "true" : "false");
    if (k->exclusions) {
        put_key(t, "exclusions");
        put_json(t, k->exclusions);
    }
    put_s(t, "}");
}

/* Exported, documented in case.h */
char *cf_case_snapshot_text(const cf_case_t *c)
{
    text_t t = {0};
    put_s(&t, "{\"id\":");
    put_int(&t, c->id);
    put_s(&t, ",\"workflow\":{\"version\":");
    put_int(&t, c->workflow_version);
    put_key(&t, "hash");
    put_str(&t, c->workflow_hash);
    put_opt(&t, "id", c->workflow_id);
    put_s(&t, "}");
    put_key(&t, "algo");
    put_str(&t, cf_chain_algo_name(c->algo));
    put_opt(&t, "matter", c->matter_id);
    put_key(&t, "parent");
    put_int(&t, c->parent_id);
    const struct {
        const char *key;
        const json_t *value;
    } values[] = {{"party", c->party},
                  {"facts", c->facts},
                  {"history", c->history},
                  {"documents", c->documents},
                  {"done", c->done}};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        if (i == 1) {
            put_opt(&t, "state", c->state);
            put_opt(&t, "prev_state", c->prev_state);
        }
        put_key(&t, values[i].key);
        put_json(&t, values[i].value);
    }
    put_key(&t, "clocks");
    put_s(&t, "[");
    for (unsigned i = 0; i < c->clocks_count; i++) {
        if (i)
            put_s(&t, ",");
        put_clock(&t, &c->clocks[i]);
    }
    put_s(&t, "]");
    const struct {
        const char *key;
        int64_t value;
    } ints[] = {{"version", c->version},
                {"opened_at", c->opened_at},
                {"updated_at", c->updated_at},
                {"closed_at", c->closed_at}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (i == 1) {
            put_key(&t, "head");
            put_str(&t, c->head);
        }
        put_key(&t, ints[i].key);
        put_int(&t, ints[i].value);
    }
    if (c->cause) {
        put_key(&t, "cause");
        put_json(&t, c->cause);
    }
    put_s(&t, "}");
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

static int clock_from_json(cf_clock_rt_t *k, const json_t *j)
{
    const char *id = NULL, *state = NULL, *extended = NULL;
    json_int_t started = 0, deadline = 0, paused = 0, stopped = 0;
    int extensions = 0, party = 0;
    memset(k, 0, sizeof(*k));
    if (json_unpack((json_t *)j, "{s:s, s:s, s:I, s:I, s:I, s:I, s?:s, s:i, s?:b}", "id", &id,
                    "state", &state, "started_at", &started, "deadline", &deadline, "paused_at",
                    &paused, "stopped_at", &stopped, "extended", &extended, "extensions",
                    &extensions, "party", &party) != 0 ||
        cf__clock_state_parse(state, &k->state) != 0)
        return CF_EPARSE;
    k->started_at = started;
    k->deadline = deadline;
    k->paused_at = paused;
    k->stopped_at = stopped;
    k->extensions = (unsigned)extensions;
    k->party = party;
    json_t *exclusions = json_object_get(j, "exclusions");
    if (exclusions && !(k->exclusions = json_deep_copy(exclusions)))
        return CF_ENOMEM;
    k->id = strdup(id);
    k->extended = extended ? strdup(extended) : NULL;
    return k->id && (!extended || k->extended) ? 0 : CF_ENOMEM;
}

static int clocks_from_json(cf_case_t *c, const json_t *arr)
{
    size_t n = json_array_size(arr);
    c->clocks = calloc(n ? n : 1, sizeof(*c->clocks));
    if (!c->clocks)
        return CF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = clock_from_json(&c->clocks[i], json_array_get(arr, i));
        c->clocks_count++;
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int strings_from_json(cf_case_t *c, const char *wf_id, const char *hash, const char *matter,
                             const char *state, const char *prev, const char *head)
{
    c->workflow_id = wf_id ? strdup(wf_id) : NULL;
    c->matter_id = matter ? strdup(matter) : NULL;
    c->state = state ? strdup(state) : NULL;
    c->prev_state = prev ? strdup(prev) : NULL;
    snprintf(c->workflow_hash, sizeof(c->workflow_hash), "%s", hash);
    snprintf(c->head, sizeof(c->head), "%s", head);
    if ((wf_id && !c->workflow_id) || (matter && !c->matter_id) || (state && !c->state) ||
        (prev && !c->prev_state))
        return CF_ENOMEM;
    return 0;
}

/* Exported, documented in case.h */
int cf_case_from_json(cf_case_t *c, const json_t *j, cf_error_t *err)
{
    json_int_t id, parent, version, opened, updated, closed;
    int wf_version;
    const char *wf_id = NULL, *hash, *algo, *matter = NULL, *state = NULL, *prev = NULL, *head;
    json_t *party, *facts, *history, *docs, *done, *clocks;
    memset(c, 0, sizeof(*c));
    if (json_unpack((json_t *)j,
                    "{s:I, s:{s?:s, s:i, s:s}, s:s, s?:s, s:I, s:o, s?:s, s?:s, s:o, s:o, s:o, "
                    "s:o, s:o, s:I, s:s, s:I, s:I, s:I}",
                    "id", &id, "workflow", "id", &wf_id, "version", &wf_version, "hash", &hash,
                    "algo", &algo, "matter", &matter, "parent", &parent, "party", &party, "state",
                    &state, "prev_state", &prev, "facts", &facts, "history", &history, "documents",
                    &docs, "done", &done, "clocks", &clocks, "version", &version, "head", &head,
                    "opened_at", &opened, "updated_at", &updated, "closed_at", &closed) != 0)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "not a case snapshot");
    c->id = id;
    c->parent_id = parent;
    c->version = version;
    c->opened_at = opened;
    c->updated_at = updated;
    c->closed_at = closed;
    c->workflow_version = (unsigned)wf_version;
    cf_chain_algo_parse(algo, &c->algo);
    c->party = json_deep_copy(party);
    c->facts = json_deep_copy(facts);
    c->history = json_deep_copy(history);
    c->documents = json_deep_copy(docs);
    c->done = json_deep_copy(done);
    int rc = strings_from_json(c, wf_id, hash, matter, state, prev, head);
    if (rc == 0 && (!c->party || !c->facts || !c->history || !c->documents || !c->done))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = clocks_from_json(c, clocks);
    json_t *cause = json_object_get(j, "cause");
    if (rc == 0 && cause && !json_is_object(cause))
        rc = cf_error_set(err, CF_EPARSE, NULL, 0, 0, "not a case snapshot: malformed cause");
    if (rc == 0 && cause && !(c->cause = json_deep_copy(cause)))
        rc = CF_ENOMEM;
    if (rc != 0)
        cf_case_dispose(c);
    return rc;
}
