/*
 * ops-summary.c -- the case file kept with every change (issue 20): the numbers
 * an action gives (案号 at filing, 决定书文号 at the decision, 档案号 at
 * archiving: `assigns:` in the workflow), and the case's summary row: its name
 * (`<party>涉嫌<案由>案`, without 涉嫌 once a penalty is decided), its handlers
 * (the names of the fact officers, 执法人员) and responsible head (the fact
 * responsible, 负责人: the filing's actor unless given), its days and amounts,
 * from which store-summary.c keeps the statistics' counts.
 *
 * Both are written by cf__ops_commit's write, inside the change's transaction,
 * whichever front end made it: a rollback takes back the number and the counts.
 * Rejected: a number from the highest given so far (two writers read the same
 * highest and give one number twice; the counter row is taken under the
 * transaction's lock, as a PostgreSQL SELECT ... FOR UPDATE would be); numbers
 * in the case's snapshot (the case row is rewritten by each change: a
 * UNIQUE index on it cannot refuse a number given twice).
 */
#include "ops-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- numbers ---------------------------------------------------------------------------- */

/* The setting that holds kind's pattern, and its default. */
static void pattern_of(const char *kind, const char **key, const char **def)
{
    if (strcmp(kind, "decision_number") == 0)
        *key = CF_SETTING_DECISION_PATTERN, *def = CF_DECISION_PATTERN_DEFAULT;
    else if (strcmp(kind, "archive_number") == 0)
        *key = CF_SETTING_ARCHIVE_PATTERN, *def = CF_ARCHIVE_PATTERN_DEFAULT;
    else
        *key = CF_SETTING_NUMBER_PATTERN, *def = CF_NUMBER_PATTERN_DEFAULT;
}

/* Appends to out (size bytes) pattern with {abbr}, {year} and {seq} replaced. */
static int number_format(const char *pattern, const char *abbr, int year, int64_t seq, char *out,
                         size_t size, cf_error_t *err)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = pattern; *p && n < size;) {
        int w = 0;
        if (strncmp(p, "{abbr}", 6) == 0)
            w = snprintf(out + n, size - n, "%s", abbr), p += 6;
        else if (strncmp(p, "{year}", 6) == 0)
            w = snprintf(out + n, size - n, "%d", year), p += 6;
        else if (strncmp(p, "{seq}", 5) == 0)
            w = snprintf(out + n, size - n, "%lld", (long long)seq), p += 5;
        else
            w = snprintf(out + n, size - n, "%c", *p), p++;
        n += (size_t)w;
    }
    if (n >= size)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "the number pattern '%s' is too long",
                            pattern);
    if (!strstr(pattern, "{seq}"))
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "the number pattern '%s' has no {seq}",
                            pattern);
    return 0;
}

/* A setting, or def when unset. */
static int setting_or(cf_ops_t *ops, const char *key, const char *def, char *out, size_t size,
                      cf_error_t *err)
{
    int rc = cf_store_setting_get(ops->store, key, out, size, err);
    if (rc == CF_ENOTFOUND)
        snprintf(out, size, "%s", def);
    return rc == CF_ENOTFOUND ? 0 : rc;
}

/* The transition event among events (the one a number is recorded on), or NULL. */
static json_t *transition_event(json_t *events)
{
    json_t *ev = NULL, *e;
    size_t i;
    json_array_foreach(events, i, e) {
        const char *type = json_string_value(json_object_get(e, "type"));
        if (type && strcmp(type, "transition") == 0)
            ev = e;
    }
    return ev;
}

/* Exported, documented in ops-int.h */
int cf__ops_assign(cf_ops_t *ops, const char *kind, const cf_case_t *c, json_t *events,
                   char *number, size_t size, cf_error_t *err)
{
    char agency[128], abbr[160], key[140], pattern[256], def[160];
    const char *pkey, *pdef;
    number[0] = '\0';
    int rc = cf_store_case_agency(ops->store, c->id, agency, sizeof(agency), err);
    if (rc == CF_ENOTFOUND)
        return 0; /* a case with no agency gets none */
    json_t *ev = transition_event(events);
    const char *at = json_string_value(json_object_get(ev, "at"));
    if (rc != 0 || !at)
        return rc;
    int year = atoi(at); /* the local year as recorded: 2026-03-02T12:00:00+08:00 */
    const char *suffix = strstr(agency, "医疗保障局");
    int keep = (int)strlen(agency); /* 某县医疗保障局 -> 某县 */
    if (suffix && suffix != agency && suffix[strlen("医疗保障局")] == '\0')
        keep = (int)(suffix - agency);
    snprintf(def, sizeof(def), "%.*s", keep, agency);
    snprintf(key, sizeof(key), "abbr:%s", agency);
    pattern_of(kind, &pkey, &pdef);
    int64_t seq = 0;
    rc = setting_or(ops, key, def, abbr, sizeof(abbr), err);
    if (rc == 0)
        rc = setting_or(ops, pkey, pdef, pattern, sizeof(pattern), err);
    if (rc == 0)
        rc = cf_store_ref_next(ops->store, kind, agency, year, &seq, err);
    if (rc == 0)
        rc = number_format(pattern, abbr, year, seq, number, size, err);
    if (rc == 0 && json_object_set_new(ev, kind, json_string(number)) != 0)
        rc = CF_ENOMEM;
    return rc;
}

/* ---- the summary ------------------------------------------------------------------------ */

/* The fen of the amount fact key of c (0 when unset or not an amount). */
static int64_t fen_of(const json_t *v)
{
    int64_t fen = 0;
    cf_error_t ignored;
    if (json_is_string(v) && cf_money_parse(json_string_value(v), &fen, &ignored) == 0)
        return fen;
    return 0;
}

/* The sum of every value fact key was given (a ledger: payments, recoveries). */
static int64_t fen_total(const cf_case_t *c, const char *key)
{
    int64_t sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c->history, key), i, v)
        sum += fen_of(v);
    return sum;
}

/* The 案由 as named in the case's name: its dictionary name, else the fact cause. */
static const char *cause_of(const cf_case_t *c)
{
    const char *name = json_string_value(json_object_get(c->cause, "name"));
    return name ? name : json_string_value(json_object_get(c->facts, "cause"));
}

/* The handlers: the names of the officers. New array. */
static json_t *handlers_of(const cf_case_t *c)
{
    json_t *out = json_array(), *o;
    size_t i;
    json_array_foreach(json_object_get(c->facts, "officers"), i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        if (name && *name)
            json_array_append_new(out, json_string(name));
    }
    return out;
}

/* The clocks that stopped, [[id, met, day]]. New array. */
static json_t *clocks_of(const cf_case_t *c)
{
    json_t *out = json_array();
    for (unsigned i = 0; out && i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        if (k->party || (k->state != CF_CLOCK_MET && k->state != CF_CLOCK_BREACHED))
            continue;
        json_array_append_new(out, json_pack("[s, i, I]", k->id, k->state == CF_CLOCK_MET,
                                             (json_int_t)cf_store_day(k->stopped_at)));
    }
    return out;
}

/* The day a step of kind was taken: kept from old, or today's when this write
 * took it. */
static int64_t step_day(const json_t *old, const char *key, int now, const cf_case_t *c)
{
    int64_t d = json_integer_value(json_object_get(old, key));
    return d ? d : now ? cf_store_day(c->updated_at) : 0;
}

/* "<party>涉嫌<案由>案", without 涉嫌 once decided; NULL without a 案由. */
static json_t *name_of(const cf_case_t *c, int decided)
{
    const char *party = json_string_value(json_object_get(c->party, "name"));
    const char *cause = cause_of(c);
    if (!party || !cause || !*cause)
        return json_null();
    size_t n = strlen(party) + strlen(cause) + 16;
    char *text = malloc(n);
    if (!text)
        return NULL;
    snprintf(text, n, "%s%s%s案", party, decided ? "" : "涉嫌", cause);
    json_t *v = json_string(text);
    free(text);
    return v;
}

/* Exported, documented in ops-int.h */
json_t *cf__ops_summary(const cf_workflow_t *wf, const cf_case_t *c, const char *agency,
                        const json_t *old, const char *took)
{
    int filed = took && strcmp(took, "case_number") == 0;
    int decided_now = took && strcmp(took, "decision_number") == 0;
    int64_t decided = step_day(old, "decided", decided_now, c);
    const char *cause = cause_of(c);
    const char *head = json_string_value(json_object_get(c->facts, "responsible"));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o*, s:o*, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:I, s:o*}",
        "agency", agency, "power_type", wf->doc->power_type, "workflow", c->workflow_id, "cause",
        cause ? cause : "", "state", c->state, "name", name_of(c, decided != 0), "handlers",
        handlers_of(c), "head", head, "opened", (json_int_t)cf_store_day(c->opened_at), "filed",
        (json_int_t)step_day(old, "filed", filed, c), "decided", (json_int_t)decided, "closed",
        (json_int_t)(c->closed_at ? cf_store_day(c->closed_at) : 0), "fine",
        (json_int_t)(decided ? fen_of(json_object_get(c->facts, "fine")) : 0), "paid",
        (json_int_t)fen_total(c, "paid_amount"), "refund",
        (json_int_t)(decided ? fen_of(json_object_get(c->facts, "refund_amount")) : 0), "recovered",
        (json_int_t)fen_total(c, "refunded_amount"), "clocks", clocks_of(c));
}

/* Exported, documented in ops-int.h */
int cf__ops_summarize(cf_ops_t *ops, const cf_workflow_t *wf, const cf_case_t *c, const char *took,
                      cf_error_t *err)
{
    char agency[128] = "";
    json_t *old = NULL;
    int rc = cf_store_case_agency(ops->store, c->id, agency, sizeof(agency), err);
    if (rc == CF_ENOTFOUND)
        agency[0] = '\0', rc = 0;
    if (rc == 0 && (rc = cf_store_summary_get(ops->store, c->id, &old, err)) == CF_ENOTFOUND)
        old = NULL, rc = 0;
    json_t *sum = rc == 0 ? cf__ops_summary(wf, c, agency, old, took) : NULL;
    if (rc == 0 && !sum)
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf_store_summary_put(ops->store, c->id, old, sum, err);
    json_decref(old);
    json_decref(sum);
    return rc;
}

/* ---- summaries of cases from before schema 10 --------------------------------------------- */

/* {filed, decided}: the days of the events that recorded the 案号 and the
 * 决定书文号 (0: none), as a change would have kept them. New object. */
static json_t *steps_of(const json_t *events)
{
    int64_t filed = 0, decided = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        cf_time_t at = 0;
        cf_error_t ignored;
        const char *text = json_string_value(json_object_get(e, "at"));
        if (!text || cf_time_parse(text, &at, &ignored) != 0)
            continue;
        if (!filed && json_object_get(e, "case_number"))
            filed = cf_store_day(at);
        if (!decided && json_object_get(e, "decision_number"))
            decided = cf_store_day(at);
    }
    return json_pack("{s:I, s:I}", "filed", (json_int_t)filed, "decided", (json_int_t)decided);
}

/* Writes the summary of case id from its stored snapshot and events. */
static int backfill_one(cf_store_t *store, int64_t id, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL, *steps = NULL, *sum = NULL;
    char agency[128] = "";
    int rc = cf_store_case_get(store, id, &c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(store, c.workflow_hash, &wf, err);
    if (rc == 0)
        rc = cf_store_case_events(store, id, &events, err);
    if (rc == 0 &&
        (rc = cf_store_case_agency(store, id, agency, sizeof(agency), err)) == CF_ENOTFOUND)
        agency[0] = '\0', rc = 0;
    if (rc == 0 &&
        (!(steps = steps_of(events)) || !(sum = cf__ops_summary(wf, &c, agency, steps, NULL))))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf_store_summary_put(store, id, NULL, sum, err);
    json_decref(sum);
    json_decref(steps);
    json_decref(events);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_summaries_backfill(cf_store_t *store, int64_t *count, cf_error_t *err)
{
    json_t *ids = NULL, *id;
    size_t i;
    *count = 0;
    int rc = cf_store_summary_missing(store, &ids, err);
    if (rc != 0 || json_array_size(ids) == 0) { /* nothing marked: no transaction */
        json_decref(ids);
        return rc;
    }
    rc = cf_store_tx_begin(store, err);
    if (rc == 0) /* read again under the write lock: another writer may have done it */
        json_decref(ids), rc = cf_store_summary_missing(store, &ids, err);
    json_array_foreach(rc == 0 ? ids : NULL, i, id) {
        if ((rc = backfill_one(store, json_integer_value(id), err)) != 0)
            break;
    }
    if (rc == 0)
        rc = cf_store_summary_missing_done(store, err);
    if (rc == 0)
        rc = cf_store_tx_commit(store, err);
    if (rc != 0)
        cf_store_tx_rollback(store);
    else
        *count = (int64_t)json_array_size(ids);
    json_decref(ids);
    return rc;
}
