/*
 * case-snapshot.c -- a case's fold as JSON, and back.
 *
 * The store keeps this snapshot beside the events so that reading a case does
 * not refold its whole log. Snapshot format (times as integer
 * seconds since the epoch, unlike events, which are written for people; a
 * bundle's copy has them as ISO 8601, cf_case_json_times_iso, and is read back
 * the same):
 *   {id, workflow: {id, version, hash}, algo, matter, parent, party, state,
 *    prev_state, facts, history, documents, done, version, head, opened_at,
 *    updated_at, closed_at, cause? (the 案由 record, only when the case has one),
 *    evidence?, records? (the register, evidence.h: its items as their events give
 *    them, times as ISO 8601 text; only when not empty),
 *    clocks: [{id, state, started_at, deadline, paused_at, stopped_at,
 *              extended, extensions, party, exclusions?, period?, counting?,
 *              added?, provisional? [first, last]}]}
 *   (the last four since counting version 2; absent in older snapshots, read
 *    as a clock counted under version 1 with nothing provisional)
 */
#include "case.h"
#include "jsonw.h"

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
    if (o && ((k->period && json_object_set_new(o, "period", json_string(k->period))) ||
              json_object_set_new(o, "counting", json_integer(k->counting)) ||
              json_object_set_new(o, "added", json_integer(k->added)) ||
              (k->counted_from &&
               json_object_set_new(o, "counted_from", json_integer(k->counted_from))) ||
              (k->prov_first &&
               json_object_set_new(o, "provisional",
                                   json_pack("[i, i]", k->prov_first, k->prov_last))))) {
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
    if (o && ((c->cause && json_object_set_new(o, "cause", json_deep_copy(c->cause)) != 0) ||
              (c->evidence && json_object_set_new(o, "evidence", json_deep_copy(c->evidence))) ||
              (c->records && json_object_set_new(o, "records", json_deep_copy(c->records))))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the snapshot as text, written directly ---------------------------------------- */

/* The store writes a snapshot on every transition. Building it as a json_t and
 * dumping it was a third of the store's CPU per transition; this writes the same
 * JSON value straight into a buffer (jsonw.h). Test store_snapshot_text holds
 * it to cf_case_to_json. */

/* ,"key":"value", or nothing when value is NULL (as json_pack's "s*" leaves out). */
static void put_opt(cf__jsonw_t *t, const char *key, const char *value)
{
    if (!value)
        return;
    cf__jsonw_key(t, key);
    cf__jsonw_str(t, value);
}

static void put_clock(cf__jsonw_t *t, const cf_clock_rt_t *k)
{
    cf__jsonw_text(t, "{\"id\":");
    cf__jsonw_str(t, k->id);
    cf__jsonw_key(t, "state");
    cf__jsonw_str(t, cf_clock_state_name(k->state));
    cf__jsonw_key(t, "started_at");
    cf__jsonw_int(t, k->started_at);
    cf__jsonw_key(t, "deadline");
    cf__jsonw_int(t, k->deadline);
    cf__jsonw_key(t, "paused_at");
    cf__jsonw_int(t, k->paused_at);
    cf__jsonw_key(t, "stopped_at");
    cf__jsonw_int(t, k->stopped_at);
    put_opt(t, "extended", k->extended);
    cf__jsonw_key(t, "extensions");
    cf__jsonw_int(t, k->extensions);
    cf__jsonw_key(t, "party");
    cf__jsonw_text(t, k->party ? "true" : "false");
    if (k->exclusions) {
        cf__jsonw_key(t, "exclusions");
        cf__jsonw_value(t, k->exclusions, 0);
    }
    put_opt(t, "period", k->period);
    cf__jsonw_key(t, "counting");
    cf__jsonw_int(t, k->counting);
    cf__jsonw_key(t, "added");
    cf__jsonw_int(t, k->added);
    if (k->counted_from) {
        cf__jsonw_key(t, "counted_from");
        cf__jsonw_int(t, k->counted_from);
    }
    if (k->prov_first) {
        cf__jsonw_key(t, "provisional");
        cf__jsonw_text(t, "[");
        cf__jsonw_int(t, k->prov_first);
        cf__jsonw_text(t, ",");
        cf__jsonw_int(t, k->prov_last);
        cf__jsonw_text(t, "]");
    }
    cf__jsonw_text(t, "}");
}

/* Exported, documented in case.h */
char *cf_case_snapshot_text(const cf_case_t *c)
{
    char *text = NULL;
    size_t cap = 0;
    if (cf_case_snapshot_buf(c, &text, &cap) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The case's values, party to done, with its state and previous state after party. */
static void put_values(cf__jsonw_t *t, const cf_case_t *c)
{
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
            put_opt(t, "state", c->state);
            put_opt(t, "prev_state", c->prev_state);
        }
        cf__jsonw_key(t, values[i].key);
        cf__jsonw_value(t, values[i].value, 0);
    }
}

/* The case's clocks, an array. */
static void put_clocks(cf__jsonw_t *t, const cf_case_t *c)
{
    cf__jsonw_key(t, "clocks");
    cf__jsonw_text(t, "[");
    for (unsigned i = 0; i < c->clocks_count; i++) {
        if (i)
            cf__jsonw_text(t, ",");
        put_clock(t, &c->clocks[i]);
    }
    cf__jsonw_text(t, "]");
}

/* Exported, documented in case.h */
int cf_case_snapshot_buf(const cf_case_t *c, char **buf, size_t *cap)
{
    cf__jsonw_t t = {.p = *buf, .cap = *buf ? *cap : 0};
    cf__jsonw_text(&t, "{\"id\":");
    cf__jsonw_int(&t, c->id);
    cf__jsonw_text(&t, ",\"workflow\":{\"version\":");
    cf__jsonw_int(&t, c->workflow_version);
    cf__jsonw_key(&t, "hash");
    cf__jsonw_str(&t, c->workflow_hash);
    put_opt(&t, "id", c->workflow_id);
    cf__jsonw_text(&t, "}");
    cf__jsonw_key(&t, "algo");
    cf__jsonw_str(&t, cf_chain_algo_name(c->algo));
    put_opt(&t, "matter", c->matter_id);
    cf__jsonw_key(&t, "parent");
    cf__jsonw_int(&t, c->parent_id);
    put_values(&t, c);
    put_clocks(&t, c);
    const struct {
        const char *key;
        int64_t value;
    } ints[] = {{"version", c->version},
                {"opened_at", c->opened_at},
                {"updated_at", c->updated_at},
                {"closed_at", c->closed_at}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (i == 1) {
            cf__jsonw_key(&t, "head");
            cf__jsonw_str(&t, c->head);
        }
        cf__jsonw_key(&t, ints[i].key);
        cf__jsonw_int(&t, ints[i].value);
    }
    if (c->cause) {
        cf__jsonw_key(&t, "cause");
        cf__jsonw_value(&t, c->cause, 0);
    }
    if (c->evidence) {
        cf__jsonw_key(&t, "evidence");
        cf__jsonw_value(&t, c->evidence, 0);
    }
    if (c->records) {
        cf__jsonw_key(&t, "records");
        cf__jsonw_value(&t, c->records, 0);
    }
    cf__jsonw_text(&t, "}");
    *buf = t.p; /* grown or not, still the caller's */
    *cap = t.cap;
    return t.oom ? CF_ENOMEM : 0;
}

/* ---- reading it back ----------------------------------------------------------------- */

static const char *const case_times[] = {"opened_at", "updated_at", "closed_at"};
static const char *const clock_times[] = {"started_at", "deadline", "paused_at", "stopped_at",
                                          "counted_from"};

/* The time at key: integer seconds, ISO 8601 text or null (0). -1 when missing
 * or anything else. */
static int time_field(const json_t *o, const char *key, cf_time_t *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_null(v))
        *out = 0;
    else if (!json_is_string(v) || cf_time_parse(json_string_value(v), out, NULL) != 0)
        return -1;
    return 0;
}

static int clock_from_json(cf_clock_rt_t *k, const json_t *j)
{
    const char *id = NULL, *state = NULL, *extended = NULL;
    int extensions = 0, party = 0;
    memset(k, 0, sizeof(*k));
    if (json_unpack((json_t *)j, "{s:s, s:s, s?:s, s:i, s?:b}", "id", &id, "state", &state,
                    "extended", &extended, "extensions", &extensions, "party", &party) != 0 ||
        cf__clock_state_parse(state, &k->state) != 0 ||
        time_field(j, "started_at", &k->started_at) != 0 ||
        time_field(j, "deadline", &k->deadline) != 0 ||
        time_field(j, "paused_at", &k->paused_at) != 0 ||
        time_field(j, "stopped_at", &k->stopped_at) != 0)
        return CF_EPARSE;
    k->extensions = (unsigned)extensions;
    k->party = party;
    const char *period = json_string_value(json_object_get(j, "period"));
    k->counting = (int)json_integer_value(json_object_get(j, "counting"));
    k->counting = k->counting ? k->counting : 1;
    k->added = json_integer_value(json_object_get(j, "added"));
    if (json_object_get(j, "counted_from") && time_field(j, "counted_from", &k->counted_from) != 0)
        return CF_EPARSE;
    const json_t *prov = json_object_get(j, "provisional");
    k->prov_first = (int)json_integer_value(json_array_get(prov, 0));
    k->prov_last = (int)json_integer_value(json_array_get(prov, 1));
    if (period && !(k->period = strdup(period)))
        return CF_ENOMEM;
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
    json_int_t id, parent, version;
    int wf_version;
    const char *wf_id = NULL, *hash, *algo, *matter = NULL, *state = NULL, *prev = NULL, *head;
    json_t *party, *facts, *history, *docs, *done, *clocks;
    memset(c, 0, sizeof(*c));
    if (json_unpack((json_t *)j,
                    "{s:I, s:{s?:s, s:i, s:s}, s:s, s?:s, s:I, s:o, s?:s, s?:s, s:o, s:o, s:o, "
                    "s:o, s:o, s:I, s:s}",
                    "id", &id, "workflow", "id", &wf_id, "version", &wf_version, "hash", &hash,
                    "algo", &algo, "matter", &matter, "parent", &parent, "party", &party, "state",
                    &state, "prev_state", &prev, "facts", &facts, "history", &history, "documents",
                    &docs, "done", &done, "clocks", &clocks, "version", &version, "head",
                    &head) != 0 ||
        time_field(j, "opened_at", &c->opened_at) != 0 ||
        time_field(j, "updated_at", &c->updated_at) != 0 ||
        time_field(j, "closed_at", &c->closed_at) != 0) {
        memset(c, 0, sizeof(*c));
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "not a case snapshot");
    }
    c->id = id;
    c->parent_id = parent;
    c->version = version;
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
    json_t *evidence = json_object_get(j, "evidence"), *records = json_object_get(j, "records");
    if (rc == 0 && ((evidence && !json_is_array(evidence)) || (records && !json_is_array(records))))
        rc = cf_error_set(err, CF_EPARSE, NULL, 0, 0, "not a case snapshot: malformed register");
    if (rc == 0 && evidence && !(c->evidence = json_deep_copy(evidence)))
        rc = CF_ENOMEM;
    if (rc == 0 && records && !(c->records = json_deep_copy(records)))
        rc = CF_ENOMEM;
    if (rc != 0)
        cf_case_dispose(c);
    return rc;
}

/* Rewrites the keys of o from seconds to ISO 8601 text (0: null). */
static int times_iso(json_t *o, const char *const *keys, size_t count)
{
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *v = json_object_get(o, keys[i]);
        char text[CF_TIME_BUFSZ];
        if (!json_is_integer(v))
            continue;
        cf_time_format(json_integer_value(v), text);
        if (json_object_set_new(o, keys[i],
                                json_integer_value(v) ? json_string(text) : json_null()) != 0)
            rc = CF_ENOMEM;
    }
    return rc;
}

/* Exported, documented in case.h */
int cf_case_json_times_iso(json_t *snapshot)
{
    int rc = times_iso(snapshot, case_times, sizeof(case_times) / sizeof(case_times[0]));
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(snapshot, "clocks"), i, k) {
        if (rc == 0)
            rc = times_iso(k, clock_times, sizeof(clock_times) / sizeof(clock_times[0]));
    }
    return rc;
}
