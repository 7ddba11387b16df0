/*
 * case.c -- folding events into a case, sealing them into its chain, and the
 * case snapshot. The lifecycle diagram and the event format are in case.h.
 *
 * Design: the fold is the only code that changes a case, used alike when a
 * transition is committed, when a snapshot is rebuilt and when an auditor
 * replays. It trusts nothing: each event must follow the one before (seq, prev
 * hash, source state), so a log that was tampered with cannot fold silently. It
 * does not re-check the workflow's rules; that is the engine's job before an
 * event exists, and the audit replay's job afterwards.
 */
#include "case.h"
#include "engine-int.h"

#include <stdlib.h>
#include <string.h>

/* ---- lifecycle ------------------------------------------------------------------ */

/* Exported, documented in case.h */
int cf_case_init(cf_case_t *c)
{
    memset(c, 0, sizeof(*c));
    c->party = json_object();
    c->facts = json_object();
    c->history = json_object();
    c->documents = json_object();
    c->done = json_array();
    snprintf(c->head, sizeof(c->head), "%s", CF_CHAIN_GENESIS);
    if (!c->party || !c->facts || !c->history || !c->documents || !c->done) {
        cf_case_dispose(c);
        return CF_ENOMEM;
    }
    return 0;
}

static void clock_dispose(cf_clock_rt_t *k)
{
    free(k->id);
    free(k->extended);
    free(k->period);
    json_decref(k->exclusions);
}

/* Exported, documented in case.h */
void cf_case_dispose(cf_case_t *c)
{
    free(c->workflow_id);
    free(c->matter_id);
    free(c->state);
    free(c->prev_state);
    json_decref(c->party);
    json_decref(c->facts);
    json_decref(c->history);
    json_decref(c->documents);
    json_decref(c->done);
    json_decref(c->cause);
    json_decref(c->evidence);
    json_decref(c->records);
    for (unsigned i = 0; i < c->clocks_count; i++)
        clock_dispose(&c->clocks[i]);
    free(c->clocks);
    memset(c, 0, sizeof(*c));
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int copy_clock(cf_clock_rt_t *dst, const cf_clock_rt_t *src)
{
    *dst = *src;
    dst->id = strdup(src->id);
    dst->extended = dup_or_null(src->extended);
    dst->period = dup_or_null(src->period);
    dst->exclusions = json_incref(src->exclusions);
    return dst->id && (dst->extended || !src->extended) && (dst->period || !src->period)
               ? 0
               : CF_ENOMEM;
}

/* Exported, documented in case.h. Field by field, in the order of cf_case_t: a
 * field added there must be added here (test store_case_copy compares a copy of
 * a case that has every field set with its source, through the snapshot). The
 * JSON values are shared, not copied: the fold never changes one in place, it
 * puts a new one in the case's own slot (copying only what it touches), so two
 * copies cannot see each other's changes. Deep copies were the largest part of
 * a store write after the statements. */
int cf_case_copy(cf_case_t *dst, const cf_case_t *src)
{
    *dst = *src; /* the scalars and fixed arrays; every pointer is replaced below */
    dst->workflow_id = dup_or_null(src->workflow_id);
    dst->matter_id = dup_or_null(src->matter_id);
    dst->state = dup_or_null(src->state);
    dst->prev_state = dup_or_null(src->prev_state);
    dst->party = json_copy(src->party);
    dst->facts = json_copy(src->facts);
    dst->history = json_copy(src->history);
    dst->documents = json_copy(src->documents);
    dst->done = json_copy(src->done);
    dst->cause = json_incref(src->cause);
    dst->evidence = json_incref(src->evidence); /* replaced, never changed, by the fold */
    dst->records = json_incref(src->records);
    dst->clocks = src->clocks_count ? calloc(src->clocks_count, sizeof(*dst->clocks)) : NULL;
    dst->clocks_count = 0;
    int ok = (dst->workflow_id || !src->workflow_id) && (dst->matter_id || !src->matter_id) &&
             (dst->state || !src->state) && (dst->prev_state || !src->prev_state) && dst->party &&
             dst->facts && dst->history && dst->documents && dst->done &&
             (dst->clocks || !src->clocks_count);
    for (unsigned i = 0; ok && i < src->clocks_count; i++) {
        dst->clocks_count++;
        ok = copy_clock(&dst->clocks[i], &src->clocks[i]) == 0;
    }
    if (!ok) {
        cf_case_dispose(dst);
        return CF_ENOMEM;
    }
    return 0;
}

/* Exported, documented in case.h */
const char *cf_clock_state_name(cf_clock_state_t s)
{
    static const char *const names[] = {"idle",     "running", "paused", "met",
                                        "breached", "lapsed",  "ended"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int cf__clock_state_parse(const char *name, cf_clock_state_t *out)
{
    for (int s = CF_CLOCK_IDLE; s <= CF_CLOCK_ENDED; s++)
        if (strcmp(cf_clock_state_name((cf_clock_state_t)s), name) == 0) {
            *out = (cf_clock_state_t)s;
            return 0;
        }
    return CF_EPARSE;
}

/* Exported, documented in case.h */
const cf_clock_rt_t *cf_case_clock(const cf_case_t *c, const char *id)
{
    for (unsigned i = 0; i < c->clocks_count; i++)
        if (strcmp(c->clocks[i].id, id) == 0)
            return &c->clocks[i];
    return NULL;
}

/* Exported, documented in case.h */
json_t *cf_clock_provisional_json(const cf_clock_rt_t *k)
{
    json_t *years = k->prov_first ? json_array() : NULL;
    for (int y = k->prov_first; years && y <= k->prov_last; y++)
        if (json_array_append_new(years, json_integer(y)) != 0) {
            json_decref(years);
            return NULL;
        }
    return years;
}

/* Exported, documented in case.h */
int cf_clock_provisional_text(const cf_clock_rt_t *k, char *out, size_t size)
{
    if (!k->prov_first)
        snprintf(out, size, "%s", "");
    else if (k->prov_first == k->prov_last)
        snprintf(out, size, "%d", k->prov_first);
    else
        snprintf(out, size, "%d–%d", k->prov_first, k->prov_last);
    return k->prov_first != 0;
}

/* Exported, documented in case.h */
int cf_events_name_clock(const json_t *events, const char *type_prefix, const char *clock)
{
    size_t i, n = strlen(type_prefix);
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        const char *id = json_string_value(json_object_get(ev, "clock"));
        if (type && id && strncmp(type, type_prefix, n) == 0 && strcmp(id, clock) == 0)
            return 1;
    }
    return 0;
}

static cf_clock_rt_t *clock_get_or_add(cf_case_t *c, const char *id)
{
    cf_clock_rt_t *k = (cf_clock_rt_t *)cf_case_clock(c, id);
    if (k)
        return k;
    cf_clock_rt_t *grown = realloc(c->clocks, (c->clocks_count + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    c->clocks = grown;
    k = &c->clocks[c->clocks_count];
    memset(k, 0, sizeof(*k));
    if (!(k->id = strdup(id)))
        return NULL;
    c->clocks_count++;
    return k;
}

/* ---- the fold ------------------------------------------------------------------- */

static const char *str_of(const json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

static int time_of(const json_t *ev, const char *key, cf_time_t *out)
{
    const char *s = str_of(ev, key);
    return s ? cf_time_parse(s, out, NULL) : CF_EPARSE;
}

static int set_str(char **slot, const char *value)
{
    char *copy = dup_or_null(value);
    if (value && !copy)
        return CF_ENOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

static int merge_facts(cf_case_t *c, const json_t *ev);

static int apply_opened(cf_case_t *c, const json_t *ev, cf_error_t *err)
{
    json_t *wf = json_object_get(ev, "workflow");
    const char *hash = json_string_value(json_object_get(wf, "hash"));
    const char *algo = str_of(ev, "algo");
    if (c->version != 0 || !hash || !str_of(ev, "state") ||
        !json_is_object(json_object_get(ev, "facts")))
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "malformed case.opened event");
    cf_chain_algo_t chain = c->algo;
    if (algo && cf_chain_algo_parse(algo, &chain) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "unknown hash algorithm '%s'", algo);
    json_t *cause = json_object_get(ev, "cause");
    if (cause && !json_is_object(cause))
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case.opened with a malformed cause");
    if (set_str(&c->workflow_id, json_string_value(json_object_get(wf, "id"))) ||
        set_str(&c->matter_id, str_of(ev, "matter")) || set_str(&c->state, str_of(ev, "state")))
        return CF_ENOMEM;
    c->algo = chain;
    c->workflow_version = (unsigned)json_integer_value(json_object_get(wf, "version"));
    snprintf(c->workflow_hash, sizeof(c->workflow_hash), "%s", hash);
    c->parent_id = json_integer_value(json_object_get(ev, "parent"));
    json_t *party = json_object_get(ev, "party");
    json_t *own_party = party ? json_copy(party) : NULL;
    if (party && !own_party)
        return CF_ENOMEM;
    if (own_party) {
        json_decref(c->party);
        c->party = own_party;
    }
    if (cause && !(c->cause = json_deep_copy(cause)))
        return CF_ENOMEM;
    time_of(ev, "at", &c->opened_at);
    return merge_facts(c, ev);
}

/* Merges a transition's facts and documents into the case, keeping history. */
static int merge_facts(cf_case_t *c, const json_t *ev)
{
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(ev, "facts"), key, value) {
        /* A new array, never an append to the old one: copies of the case share
         * it (cf_case_copy). */
        json_t *old = json_object_get(c->history, key);
        json_t *hist = old ? json_copy(old) : json_array();
        if (!hist || json_array_append(hist, value) != 0 ||
            json_object_set_new(c->history, key, hist) != 0 ||
            json_object_set(c->facts, key, value) != 0)
            return CF_ENOMEM;
    }
    json_t *docs = json_object_get(ev, "documents");
    if (docs && json_object_update(c->documents, docs) != 0)
        return CF_ENOMEM;
    return 0;
}

static int apply_transition(cf_case_t *c, const json_t *ev, cf_error_t *err)
{
    const char *from = str_of(ev, "from"), *to = str_of(ev, "to"), *action = str_of(ev, "action");
    if (!from || !to || !action)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "malformed transition event");
    if (!c->state || strcmp(from, c->state) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                            "transition '%s' leaves state '%s' but the case is in '%s'", action,
                            from, c->state ? c->state : "(none)");
    if (c->closed_at)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "transition '%s' after the case closed",
                            action);
    const json_t *cause = json_object_get(ev, "cause"); /* a 案由 bound by this step */
    if (cause && !json_is_object(cause))
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "transition with a malformed cause");
    int rc = merge_facts(c, ev);
    if (rc == 0 && cause && !c->cause && !(c->cause = json_deep_copy(cause)))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = json_array_append_new(c->done, json_string(action)) ? CF_ENOMEM : 0;
    if (rc == 0)
        rc = set_str(&c->prev_state, from);
    if (rc == 0)
        rc = set_str(&c->state, to);
    if (rc == 0 && json_is_true(json_object_get(ev, "terminal")))
        time_of(ev, "at", &c->closed_at);
    return rc;
}

/* The amount of a period field ("5 days" -> 5), 0 when absent or unreadable. */
static int64_t amount_of(const json_t *ev, const char *key)
{
    const char *text = str_of(ev, key);
    long long n = text ? strtoll(text, NULL, 10) : 0;
    return n > 0 ? n : 0;
}

/* The event's provisional years ([2027, 2028]): OUT first and last, 0 when none. */
static void provisional_of(const json_t *ev, int *first, int *last)
{
    const json_t *years = json_object_get(ev, "provisional");
    size_t n = json_array_size(years);
    *first = n ? (int)json_integer_value(json_array_get(years, 0)) : 0;
    *last = n ? (int)json_integer_value(json_array_get(years, n - 1)) : 0;
}

/* Clock k (re)started at at by clock.started event ev: running, counted from the event's
 * 'from' if it has one, with no extension, pause or exclusion yet. */
static int clock_started(cf_clock_rt_t *k, const json_t *ev, cf_time_t at, cf_error_t *err)
{
    k->state = CF_CLOCK_RUNNING;
    k->started_at = at;
    k->counted_from = 0;
    if (str_of(ev, "from") && time_of(ev, "from", &k->counted_from) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "clock event with a bad 'from'");
    k->party = json_is_true(json_object_get(ev, "party"));
    k->extensions = 0;
    free(k->extended);
    k->extended = NULL;
    k->counting = (int)json_integer_value(json_object_get(ev, "counting"));
    k->counting = k->counting ? k->counting : 1;
    k->added = 0;
    if (set_str(&k->period, str_of(ev, "period")) != 0)
        return CF_ENOMEM;
    return 0;
}

/* The span of clock.excluded event ev added to clock k's exclusions and its days to
 * what the clock adds: 0, or CF_ENOMEM. */
static int clock_excluded(cf_clock_rt_t *k, const json_t *ev)
{
    json_t *list = k->exclusions ? json_copy(k->exclusions) : json_array();
    if (!list)
        return CF_ENOMEM;
    json_decref(k->exclusions); /* a new array: copies of the case share the old one */
    k->exclusions = list;
    k->added += amount_of(ev, "excluded");
    if (json_array_append_new(k->exclusions,
                              json_pack("{s:s?, s:s?, s:s?}", "from", str_of(ev, "from"), "to",
                                        str_of(ev, "to"), "reason", str_of(ev, "reason"))))
        return CF_ENOMEM;
    return 0;
}

static int apply_clock(cf_case_t *c, const char *type, const json_t *ev, cf_error_t *err)
{
    const char *id = str_of(ev, "clock");
    if (!id)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "clock event names no clock");
    cf_clock_state_t outcome = CF_CLOCK_IDLE;
    const char *outcome_name = str_of(ev, "outcome");
    if (strcmp(type, "clock.stopped") == 0 &&
        (!outcome_name || cf__clock_state_parse(outcome_name, &outcome) != 0 ||
         outcome < CF_CLOCK_MET))
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "clock '%s' stopped with outcome '%s'",
                            id, outcome_name ? outcome_name : "(none)");
    cf_time_t deadline = 0;
    int has_deadline = str_of(ev, "deadline") != NULL;
    if (has_deadline && time_of(ev, "deadline", &deadline) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "clock event with a bad deadline");
    cf_clock_rt_t *k = clock_get_or_add(c, id);
    if (!k)
        return CF_ENOMEM;
    cf_time_t at = 0;
    time_of(ev, "at", &at);
    if (strcmp(type, "clock.started") == 0) {
        int rc = clock_started(k, ev, at, err);
        if (rc != 0)
            return rc;
    } else if (strcmp(type, "clock.rebased") == 0) {
        if (time_of(ev, "from", &k->counted_from) != 0)
            return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "clock event with a bad 'from'");
    } else if (strcmp(type, "clock.stopped") == 0) {
        k->state = outcome;
        k->stopped_at = at;
    } else if (strcmp(type, "clock.paused") == 0) {
        k->state = CF_CLOCK_PAUSED;
        k->paused_at = at;
    } else if (strcmp(type, "clock.resumed") == 0) {
        k->state = CF_CLOCK_RUNNING;
        k->added += amount_of(ev, "paused_for");
    } else if (strcmp(type, "clock.extended") == 0) {
        k->extensions++;
        if (set_str(&k->extended, str_of(ev, "total")) != 0)
            return CF_ENOMEM;
    } else if (strcmp(type, "clock.excluded") == 0 && clock_excluded(k, ev) != 0) {
        return CF_ENOMEM;
    }
    if (has_deadline) {
        k->deadline = deadline;
        provisional_of(ev, &k->prov_first, &k->prov_last);
    }
    return 0;
}

static int apply_body(cf_case_t *c, const json_t *ev, cf_error_t *err)
{
    const char *type = str_of(ev, "type");
    if (!type)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "event has no type");
    if (strcmp(type, "case.opened") == 0)
        return apply_opened(c, ev, err);
    if (c->version == 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "first event is not case.opened");
    if (strcmp(type, "transition") == 0)
        return apply_transition(c, ev, err);
    if (strncmp(type, "clock.", 6) == 0)
        return apply_clock(c, type, ev, err);
    /* An alert, and what people did about it (issue 22): on the record, no change
     * to the case's state or clocks. */
    if (strcmp(type, "alert") == 0 || strcmp(type, "alert.acknowledged") == 0 ||
        strcmp(type, "alert.escalated") == 0)
        return 0;
    if (strcmp(type, "evidence.added") == 0 || strcmp(type, "record.added") == 0)
        return cf__register_apply(c, type, ev, err);
    return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "unknown event type '%s'", type);
}

/* Exported, documented in case.h */
int cf_case_apply(cf_case_t *c, const json_t *event, cf_error_t *err)
{
    json_int_t seq = json_integer_value(json_object_get(event, "seq"));
    const char *prev = str_of(event, "prev"), *hash = str_of(event, "hash");
    if (seq != c->version + 1)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "event %lld follows event %lld",
                            (long long)seq, (long long)c->version);
    if (!prev || !hash || strcmp(prev, c->head) != 0 || strlen(hash) != 64)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                            "event %lld does not chain onto the case's head", (long long)seq);
    /* In place: each apply_* checks its event before it changes anything, so a
     * refused event leaves c as it was (only running out of memory half way
     * does not). No copy: the store folds into its own working copy, the audit
     * into a scratch case, and copying was most of the fold's cost. */
    int rc = apply_body(c, event, err);
    if (rc != 0)
        return rc;
    c->id = json_integer_value(json_object_get(event, "case"));
    c->version = seq;
    snprintf(c->head, sizeof(c->head), "%s", hash);
    time_of(event, "at", &c->updated_at);
    return 0;
}

/* The event's text as stored: its canonical form with prev and hash added
 * before the closing brace (so the stored text is the hashed text plus the two
 * links; readers parse it, key order does not matter). */
static char *stored_body(const char *canonical, size_t len, const char *prev, const char *hash)
{
    size_t hash_len = strlen(hash), prev_len = strlen(prev);
    char *body = malloc(len + hash_len + prev_len + 32), *p = body;
    if (!body || len < 2)
        return free(body), NULL;
    /* "%.*s%s\"hash\":\"%s\",\"prev\":\"%s\"}" put together without snprintf (its cost
     * grows with the text: ~1,500 instructions an event on the daemon's writer) */
    memcpy(p, canonical, len - 1);
    p += len - 1;
    if (len > 2) /* not "{}" */
        *p++ = ',';
    memcpy(p, "\"hash\":\"", 8);
    memcpy(p += 8, hash, hash_len);
    memcpy(p += hash_len, "\",\"prev\":\"", 10);
    memcpy(p += 10, prev, prev_len);
    memcpy(p + prev_len, "\"}", 3);
    return body;
}

/* Exported, documented in case.h */
int cf_case_append_body(cf_case_t *c, json_t *event, char **body, cf_error_t *err)
{
    char hash[CF_CHAIN_HEX];
    json_object_del(event, "prev");
    json_object_del(event, "hash");
    if (json_object_set_new(event, "case", json_integer(c->id)) != 0)
        return CF_ENOMEM;
    char *text = cf_chain_canonical(event);
    if (!text)
        return CF_ENOMEM;
    size_t len = strlen(text);
    int rc = cf_chain_hash_text(c->algo, c->head, text, len, hash);
    if (rc == 0 && body && !(*body = stored_body(text, len, c->head, hash)))
        rc = CF_ENOMEM;
    free(text);
    if (rc == 0 && (json_object_set_new(event, "prev", json_string(c->head)) != 0 ||
                    json_object_set_new(event, "hash", json_string(hash)) != 0))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf_case_apply(c, event, err);
    if (rc != 0 && body) {
        free(*body);
        *body = NULL;
    }
    return rc;
}

/* Exported, documented in case.h */
int cf_case_append(cf_case_t *c, json_t *event, cf_error_t *err)
{
    return cf_case_append_body(c, event, NULL, err);
}
