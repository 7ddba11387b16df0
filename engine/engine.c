/*
 * engine.c -- opening cases and acting on them: which transition applies, who
 * may take it, what it requires, which rules forbid it. Clocks are in clock.c.
 * The order of checks is documented in engine.h; it is chosen so that the answer
 * names the most basic reason first (a clerk told "wrong role" for an action
 * that is not even possible in this state would be misled).
 *
 * Division map:
 *   (top)            refusals and new events, shared by the engine's files
 *   facts            a fact from its text and type, the facts checked against the workflow
 *   allowed actions  what may be done now (cf_engine_allowed)
 *   guards           the functions a rule's guard calls (done, lowest, elapsed, owed ...)
 *                    answered from the case, and holds() evaluating a guard
 *   acting           cf_engine_act: act_checks (precheck: closed, facts, time; then the
 *                    party, dated facts, 案由, child cases) -> act_events: choose (the
 *                    transition, its role and guard) -> check_requires -> the evidence
 *                    rule -> check_rules -> the events (the action's, its clocks' from
 *                    clock.c); a refusal carries the allowed actions. cf_engine_open last.
 */
#include "engine.h"
#include "engine-int.h"
#include "guard.h"
#include "money.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in engine-int.h */
int cf__refuse(cf_refusal_t *why, int code, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why->text, sizeof(why->text), fmt, ap);
        va_end(ap);
        cf_utf8_clip(why->text);
    }
    return code;
}

/* Exported, documented in engine.h */
void cf_refusal_dispose(cf_refusal_t *why)
{
    if (why) {
        json_decref(why->allowed);
        why->allowed = NULL;
    }
}

/* Exported, documented in engine-int.h */
json_t *cf__event_new(const cf_case_t *c, size_t already, const char *type, cf_time_t at,
                      const char *actor, const char *role)
{
    char when[CF_TIME_BUFSZ];
    cf_time_format(at, when);
    /* json_pack("{s:I, s:s, s:s, s:s, s:s}") member by member: the same object (NULL when
     * a text is not UTF-8, as json_pack), without reading a format (~2,000 instructions
     * an event on the daemon's writer) */
    static const char *const keys[5] = {"seq", "type", "at", "actor", "role"};
    json_t *e = json_object(),
           *v[5] = {json_integer((json_int_t)(c->version + 1 + (int64_t)already)),
                    type ? json_string(type) : NULL, json_string(when),
                    json_string(actor ? actor : ""), json_string(role ? role : "")};
    int i = 0;
    while (i < 5 && e && v[i] && json_object_set_new(e, keys[i], v[i]) == 0)
        i++;
    if (i == 5)
        return e;
    /* e owns v[0..i-1]; json_object_set_new took v[i] even when it failed */
    for (int k = i + (e && v[i]); k < 5; k++)
        json_decref(v[k]);
    json_decref(e);
    return NULL;
}

/* ---- facts ---------------------------------------------------------------------- */

static const char *type_name(cf_fact_type_t t)
{
    static const char *const names[] = {
        "number",
        "string",
        "bool",
        "date",
        "list (a JSON array)",
        "amount (yuan as a decimal string with at most two decimals, e.g. \"20000.00\")"};
    return names[t];
}

/* Exported, documented in engine.h */
int cf_engine_fact_from_text(const cf_workflow_t *wf, const char *name, const char *text,
                             json_t **value, cf_error_t *err)
{
    const cf_wf_fact_t *f = cf_workflow_fact(wf, name);
    if (!f)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "fact '%s' is not declared by workflow '%s'", name, wf->doc->id);
    json_t *v = NULL;
    char *end = NULL;
    cf_date_t d;
    switch (f->type) {
    case CF_FACT_NUMBER: {
        double x = strtod(text, &end);
        if (end != text && *end == '\0')
            v = json_real(x);
        break;
    }
    case CF_FACT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "是"))
            v = json_true();
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "否"))
            v = json_false();
        break;
    case CF_FACT_DATE:
        if (cf_date_parse(text, &d, NULL) == 0)
            v = json_string(text);
        break;
    case CF_FACT_STRING:
        v = json_string(text);
        break;
    case CF_FACT_AMOUNT: {
        int64_t fen;
        char canon[CF_MONEY_BUFSZ];
        cf_error_t why;
        if (cf_money_parse(text, &fen, &why) != 0) /* says what is wrong with the amount */
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "fact '%s': %s", name, why.text);
        v = json_string(cf_money_format(fen, canon));
        break;
    }
    case CF_FACT_LIST:
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        if (v && !json_is_array(v)) {
            json_decref(v);
            v = NULL;
        }
        break;
    }
    if (!v)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "fact '%s' must be a %s, not '%s'", name,
                            type_name(f->type), text);
    *value = v;
    return 0;
}

static int fact_type_ok(cf_fact_type_t t, const json_t *v)
{
    switch (t) {
    case CF_FACT_NUMBER:
        return json_is_number(v);
    case CF_FACT_BOOL:
        return json_is_boolean(v);
    case CF_FACT_DATE:
        return json_is_string(v) && cf_date_parse(json_string_value(v), &(cf_date_t){0}, NULL) == 0;
    case CF_FACT_STRING:
        return json_is_string(v);
    case CF_FACT_LIST:
        return json_is_array(v);
    case CF_FACT_AMOUNT:
        return json_is_string(v) && cf_money_is_canonical(json_string_value(v));
    }
    return 0;
}

/* A value a string fact with `values` does not list: refused naming the fact and every
 * value it takes (a rule tests them, so another spelling would slip past the rule). */
static int value_refused(const cf_wf_fact_t *f, const char *v, cf_error_t *err)
{
    char list[512] = "";
    size_t n = 0;
    for (unsigned i = 0; i < f->values_count && n < sizeof(list); i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", f->values[i]);
    return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "fact '%s' must be one of: %s (not '%s')",
                        f->id, list, v);
}

/* Exported, documented in engine.h */
int cf_engine_check_facts(const cf_workflow_t *wf, const json_t *facts, cf_error_t *err)
{
    const char *key;
    json_t *v;
    if (facts && !json_is_object(facts))
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "facts must be an object");
    json_object_foreach((json_t *)facts, key, v) {
        const cf_wf_fact_t *f = cf_workflow_fact(wf, key);
        if (!f)
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                                "fact '%s' is not declared by workflow '%s'", key, wf->doc->id);
        if (!fact_type_ok(f->type, v))
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "fact '%s' must be a %s", key,
                                type_name(f->type));
        if (f->type == CF_FACT_LIST && json_array_size(v) > CF_FACT_LIST_MAX)
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                                "fact '%s' lists %zu items: at most %d are taken", key,
                                json_array_size(v), CF_FACT_LIST_MAX);
        if (f->values_count &&
            !cf_workflow_list_has(f->values, f->values_count, json_string_value(v)))
            return value_refused(f, json_string_value(v), err);
    }
    return 0;
}

/* ---- allowed actions -------------------------------------------------------------- */

static json_t *string_list(char *const *items, unsigned count)
{
    json_t *a = json_array();
    for (unsigned i = 0; a && i < count; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

/* Exported, documented in engine.h */
int cf_text_blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        unsigned cp = *p;
        size_t w = 1;
        if (cp >= 0xc0 && cp < 0xe0 && (p[1] & 0xc0) == 0x80)
            cp = ((cp & 0x1fu) << 6) | (p[1] & 0x3fu), w = 2;
        else if (cp >= 0xe0 && cp < 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80)
            cp = ((cp & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu), w = 3;
        if (!cf_guard_invisible(cp))
            return 0;
        p += w;
    }
    return 1;
}

/* What t requires that the case (with extra facts and documents) lacks. A fact the
 * action gives replaces the case's, and a text of blanks says nothing: missing. */
static json_t *missing_of(const cf_wf_transition_t *t, const cf_case_t *c, const json_t *facts,
                          const json_t *docs)
{
    json_t *mf = json_array(), *md = json_array();
    for (unsigned i = 0; t->requires && i < t->requires->facts_count; i++) {
        const char *f = t->requires->facts[i];
        const json_t *v =
            json_object_get(facts, f) ? json_object_get(facts, f) : json_object_get(c->facts, f);
        if (!v || (json_is_string(v) && cf_text_blank(json_string_value(v))))
            json_array_append_new(mf, json_string(f));
    }
    for (unsigned i = 0; t->requires && i < t->requires->documents_count; i++) {
        const char *d = t->requires->documents[i];
        if (!json_object_get(c->documents, d) && !json_object_get(docs, d))
            json_array_append_new(md, json_string(d));
    }
    return json_pack("{s:o, s:o}", "facts", mf, "documents", md);
}

/* Exported, documented in engine.h */
json_t *cf_engine_allowed(const cf_workflow_t *wf, const cf_case_t *c)
{
    json_t *out = json_array();
    for (unsigned i = 0; out && !c->closed_at && i < wf->doc->transitions_count; i++) {
        const cf_wf_transition_t *t = &wf->doc->transitions[i];
        if (!cf_workflow_from_matches(wf, t, c->state))
            continue;
        const cf_wf_requires_t *r = t->requires;
        const char *to = strcmp(t->to, "@back") == 0 && c->prev_state ? c->prev_state
                         : strcmp(t->to, "@stay") == 0                ? c->state
                                                                      : t->to;
        json_t *item =
            json_pack("{s:s, s:s, s:s, s:o, s:{s:o, s:o}, s:o}", "action", t->action, "label",
                      t->label, "to", to, "roles", string_list(t->roles, t->roles_count),
                      "requires", "facts", string_list(r ? r->facts : NULL, r ? r->facts_count : 0),
                      "documents", string_list(r ? r->documents : NULL, r ? r->documents_count : 0),
                      "missing", missing_of(t, c, NULL, NULL));
        if (item && t->guard)
            json_object_set_new(item, "guard", json_string(t->guard));
        if (!item || json_array_append_new(out, item) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- guards --------------------------------------------------------------------- */

typedef struct guard_ctx_s {
    const cf_case_t *c;
    const char *action;
    const json_t *new_facts;
    cf_time_t at;             /* the instant of the action: "now" for elapsed() and running() */
    const cf_calendar_t *cal; /* for waited(..., "working_days"); may be NULL */
    cf_error_t *err;          /* OUT: why it could not be counted (a day outside cal) */
} guard_ctx_t;

static int done_cb(void *ctx, const char *action, const char *since)
{
    guard_ctx_t *g = ctx;
    if (strcmp(action, g->action) == 0)
        return 1;
    /* done is in order: the last taking of action after the last of since counts */
    int seen = 0;
    size_t i;
    json_t *v;
    json_array_foreach(g->c->done, i, v) {
        if (strcmp(json_string_value(v), action) == 0)
            seen = 1;
        else if (since && strcmp(json_string_value(v), since) == 0)
            seen = 0;
    }
    return seen;
}

/* A number, or an amount (as yuan, like cf__amounts_as_yuan): 1 and OUT *x, or 0. */
static int number_of(const json_t *v, double *x)
{
    int64_t fen;
    if (json_is_number(v))
        *x = json_number_value(v);
    else if (json_is_string(v) && cf_money_parse(json_string_value(v), &fen, NULL) == 0)
        *x = (double)fen / 100.0;
    else
        return 0;
    return 1;
}

static int lowest_cb(void *ctx, const char *fact, double *out)
{
    guard_ctx_t *g = ctx;
    int found = 0;
    size_t i;
    json_t *v;
    double x;
    json_array_foreach(json_object_get(g->c->history, fact), i, v) {
        if (number_of(v, &x) && (!found || x < *out))
            *out = x, found = 1;
    }
    if (number_of(json_object_get(g->new_facts, fact), &x) && (!found || x < *out))
        *out = x, found = 1;
    return found ? 0 : CF_ENOTFOUND;
}

/* elapsed(clock): the clock was started and the action comes after its deadline (as
 * extended or moved by a pause); a paused clock has not run out, its time is not
 * running. A stopped clock keeps the deadline it had, so "the 15 days have passed"
 * stays true after the clock was stopped. */
static int elapsed_cb(void *ctx, const char *clock)
{
    guard_ctx_t *g = ctx;
    const cf_clock_rt_t *k = cf_case_clock(g->c, clock);
    return k && k->state != CF_CLOCK_IDLE && k->state != CF_CLOCK_PAUSED && g->at > k->deadline;
}

/* elapsed(clock, date): as elapsed(clock), judged at the end of the day the date names
 * instead of the action's instant: a party's act posted (交邮) on or before the last day
 * of its period is in time whenever it arrives (民事诉讼法 第八十五条第四款: 期间不包括在途
 * 时间，诉讼文书在期满前交邮的，不算过期). A day-based deadline is the end of its last day,
 * so a postmark of that day is in time and one of the next day is not; an hours deadline
 * is judged strictly (a postmark of its day, with no hour, is not proof of posting before
 * it). A text that is not a date: 0, as waited(). */
static int elapsed_on_cb(void *ctx, const char *clock, const char *date)
{
    guard_ctx_t *g = ctx;
    const cf_clock_rt_t *k = cf_case_clock(g->c, clock);
    cf_date_t d;
    if (cf_date_parse(date, &d, NULL) != 0)
        return 0;
    return k && k->state != CF_CLOCK_IDLE && k->state != CF_CLOCK_PAUSED &&
           cf_date_end(d) > k->deadline;
}

/* running(clock): started, not stopped, and its deadline not passed at the action's
 * instant (a paused clock has no deadline running out: it counts as running). */
static int running_cb(void *ctx, const char *clock)
{
    guard_ctx_t *g = ctx;
    const cf_clock_rt_t *k = cf_case_clock(g->c, clock);
    return k &&
           (k->state == CF_CLOCK_PAUSED || (k->state == CF_CLOCK_RUNNING && g->at <= k->deadline));
}

/* total(fact): the sum, in fen, of every value the fact was given (the history) and
 * the value given now; amounts and numbers alike. */
static int total_cb(void *ctx, const char *fact, double *out)
{
    guard_ctx_t *g = ctx;
    int64_t sum = 0, fen;
    int found = 0;
    size_t i;
    json_t *v;
    json_t *now = json_object_get(g->new_facts, fact);
    json_array_foreach(json_object_get(g->c->history, fact), i, v) {
        if (json_is_string(v) && cf_money_parse(json_string_value(v), &fen, NULL) == 0)
            sum += fen, found = 1;
        else if (json_is_number(v))
            sum += (int64_t)(json_number_value(v) * 100.0), found = 1;
    }
    if (json_is_string(now) && cf_money_parse(json_string_value(now), &fen, NULL) == 0)
        sum += fen, found = 1;
    *out = (double)sum / 100.0;
    return found ? 0 : CF_ENOTFOUND;
}

/* owed(fact, clock): the amount (the value given now, else the case's) plus the
 * surcharge of 行政处罚法 第七十二条 for each whole day (or part of one) after the
 * clock's deadline up to the action, or to when the clock was paused (复议、诉讼,
 * 第七十三条) or stopped. */
static int owed_cb(void *ctx, const char *fact, const char *clock, double *out)
{
    guard_ctx_t *g = ctx;
    const json_t *v = json_object_get(g->new_facts, fact);
    int64_t fen, days = 0;
    if (!v)
        v = json_object_get(g->c->facts, fact);
    if (!json_is_string(v) || cf_money_parse(json_string_value(v), &fen, NULL) != 0)
        return CF_ENOTFOUND;
    const cf_clock_rt_t *k = cf_case_clock(g->c, clock);
    cf_time_t end = !k                             ? 0
                    : k->state == CF_CLOCK_RUNNING ? g->at
                    : k->state == CF_CLOCK_PAUSED  ? k->paused_at
                    : k->state == CF_CLOCK_IDLE    ? 0
                                                   : k->stopped_at;
    if (k && end > k->deadline)
        days = (end - k->deadline - 1) / 86400 + 1;
    *out = (double)(fen + cf_money_surcharge(fen, days)) / 100.0;
    return 0;
}

/* The same-numbered day `amount` months after d, or that month's last day when it has
 * no such day (民法典 第二百零二条: 到期月的对应日…没有对应日的，月末日; R7). */
static cf_date_t months_after(cf_date_t d, long amount)
{
    int64_t m = (int64_t)d.year * 12 + (d.month - 1) + amount;
    cf_date_t out = {(int)(m / 12), (int)(m % 12) + 1, d.day};
    int last = cf_date_month_days(out.year, out.month);
    if (out.day > last)
        out.day = last;
    return out;
}

/* waited(fact, N, unit): a waiting period (稽核办法 第八条's 提前3日 notice) counted from
 * the date the fact holds the law's way -- that day not counted (民法典 第二百零一条), N
 * days, N months (R7), or the N working days the calendar has, after it -- has ended
 * (at 24:00 of its last day) before the day of the action. The last day is not moved
 * off a rest day (R4): that rule gives a party who must act by the end of a period the
 * next working day, and here no one must act, the period is a minimum gap before the
 * bureau may (docs/legal-periods.md, "No sooner than"). With `until` (waited's 4th
 * argument) the period must have ended before that day instead: a hearing's date set
 * at least 7 working days after its notice. A date that does not parse has not waited;
 * a working day outside the calendar is CF_ERANGE, named in g->err. */
static int waited_cb(void *ctx, const char *date, long amount, const char *unit, const char *until)
{
    guard_ctx_t *g = ctx;
    cf_date_t d, u = {0};
    if (cf_date_parse(date, &d, NULL) != 0 || (until && cf_date_parse(until, &u, NULL) != 0))
        return 0;
    int64_t day = cf_date_to_days(d);
    if (strcmp(unit, "months") == 0) {
        day = cf_date_to_days(months_after(d, amount));
    } else if (strcmp(unit, "working_days") != 0) {
        day += amount;
    } else if (!g->cal) {
        return CF_EINVAL;
    } else {
        for (long counted = 0; counted < amount;) {
            int rc = cf_calendar_is_workday(g->cal, cf_date_from_days(++day), g->err);
            if (rc < 0)
                return rc;
            counted += rc;
        }
    }
    if (until) /* before the day `until` names: its start is after the period's end */
        return cf_date_to_days(u) > day;
    return g->at > cf_date_end(cf_date_from_days(day));
}

/* 1 if g holds for the case with facts merged in; 0 if not; CF_ERANGE when it cannot
 * be told, a day it counts being outside the calendar (OUT err names it): neither
 * "holds" nor "does not" (the rule's own message would then name the wrong reason). */
static int holds(const cf_guard_t *g, const cf_case_t *c, const cf_act_t *req, json_t *merged,
                 const cf_calendar_t *cal, cf_error_t *err)
{
    guard_ctx_t ctx = {c, req->action, req->facts, req->at, cal, err};
    err->text[0] = '\0';
    cf_guard_env_t env = {.facts = merged,
                          .actor = req->actor,
                          .role = req->role,
                          .done = done_cb,
                          .lowest = lowest_cb,
                          .running = running_cb,
                          .total = total_cb,
                          .owed = owed_cb,
                          .ctx = &ctx,
                          .elapsed = elapsed_cb,
                          .waited = waited_cb,
                          .elapsed_on = elapsed_on_cb};
    int result = 0, rc = cf_guard_eval(g, &env, &result);
    return rc == CF_ERANGE ? rc : rc == 0 && result;
}

/* ---- acting --------------------------------------------------------------------- */

static int role_allowed(const cf_wf_transition_t *t, const char *role)
{
    return role && cf_workflow_list_has(t->roles, t->roles_count, role);
}

/* The transition req takes from the case's state, in three steps: the action must
 * exist here, the role must be allowed for it, and among guarded branches the
 * first whose guard holds wins. OUT *chosen. */
static int choose(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                  const cf_act_t *req, json_t *merged, const cf_wf_transition_t **chosen,
                  cf_refusal_t *why)
{
    int exists = 0, role_ok = 0;
    const cf_wf_transition_t *first = NULL; /* whose roles a 403 names */
    for (unsigned i = 0; i < wf->doc->transitions_count; i++) {
        const cf_wf_transition_t *t = &wf->doc->transitions[i];
        if (strcmp(t->action, req->action) != 0 || !cf_workflow_from_matches(wf, t, c->state))
            continue;
        exists = 1;
        if (!first)
            first = t;
        if (!role_allowed(t, req->role))
            continue;
        role_ok = 1;
        cf_error_t err;
        int h = wf->guards[i] ? holds(wf->guards[i], c, req, merged, cal, &err) : 1;
        if (h < 0)
            return cf__refuse(why, h, "action '%s': its condition cannot be checked: %s",
                              req->action, err.text);
        if (h) {
            *chosen = t;
            return 0;
        }
    }
    const cf_wf_state_t *s = cf_workflow_state(wf, c->state);
    if (!exists)
        return cf__refuse(why, CF_EREFUSED, "action '%s' is not allowed in state '%s' (%s)",
                          req->action, c->state, s ? s->name : "?");
    if (!role_ok) {
        /* Which role may, in the text too: a peer's log shows the text, not allowed[]. */
        char roles[256] = "";
        for (unsigned i = 0; first && i < first->roles_count; i++)
            snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles), "%s%s", i ? ", " : "",
                     first->roles[i]);
        return cf__refuse(why, CF_EFORBIDDEN,
                          "role '%s' may not take action '%s' in state '%s' (roles: %s)",
                          req->role ? req->role : "(none)", req->action, c->state, roles);
    }
    return cf__refuse(why, CF_EREFUSED,
                      "action '%s' is not possible now: its condition does not hold", req->action);
}

static int check_requires(const cf_wf_transition_t *t, const cf_case_t *c, const cf_act_t *req,
                          cf_refusal_t *why)
{
    json_t *missing = missing_of(t, c, req->facts, req->documents);
    json_t *mf = json_object_get(missing, "facts"), *md = json_object_get(missing, "documents");
    int rc = 0;
    if (!missing) {
        rc = CF_ENOMEM;
    } else if (json_array_size(mf) || json_array_size(md)) {
        char *f = json_dumps(mf, JSON_COMPACT), *d = json_dumps(md, JSON_COMPACT);
        rc =
            cf__refuse(why, CF_EREFUSED, "action '%s' requires facts %s and documents %s",
                       req->action, json_array_size(mf) ? f : "[]", json_array_size(md) ? d : "[]");
        free(f);
        free(d);
    }
    json_decref(missing);
    return rc;
}

static int check_rules(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                       const cf_act_t *req, json_t *merged, cf_refusal_t *why)
{
    for (unsigned i = 0; i < wf->doc->rules_count; i++) {
        const cf_wf_rule_t *r = &wf->doc->rules[i];
        cf_error_t err;
        int h = cf_workflow_list_has(r->on, r->on_count, req->action)
                    ? holds(wf->checks[i], c, req, merged, cal, &err)
                    : 1;
        if (h < 0)
            return cf__refuse(why, h, "rule '%s' (%s) cannot be checked: %s", r->id, r->article,
                              err.text);
        if (h)
            continue;
        if (why) {
            snprintf(why->rule, sizeof(why->rule), "%s", r->id);
            snprintf(why->article, sizeof(why->article), "%s", r->article);
            cf_utf8_clip(why->rule);
            cf_utf8_clip(why->article);
        }
        return cf__refuse(why, CF_EREFUSED, "%s（%s）", r->message, r->article);
    }
    return 0;
}

static json_t *transition_event(const cf_workflow_t *wf, const cf_case_t *c,
                                const cf_wf_transition_t *t, const cf_act_t *req)
{
    const char *to = strcmp(t->to, "@back") == 0   ? c->prev_state
                     : strcmp(t->to, "@stay") == 0 ? c->state
                                                   : t->to;
    const cf_wf_state_t *target = cf_workflow_state(wf, to);
    /* Its members put in the canonical order (keys sorted, cf_chain_canonical), so that
     * sealing it sorts nothing (the case id it adds then moves in alone): the same
     * members and values as cf__event_new and the rest added after it; NULL as before
     * when a text is not UTF-8 or memory runs out. */
    char when[CF_TIME_BUFSZ];
    cf_time_format(req->at, when);
    int cause = req->cause && !c->cause, terminal = target && target->terminal;
    const char *keys[] = {"action", "actor", "at",  "cause",    "documents", "facts", "from",
                          "label",  "role",  "seq", "terminal", "to",        "type"};
    json_t *v[] = {json_string(t->action),
                   json_string(req->actor ? req->actor : ""),
                   json_string(when),
                   cause ? json_deep_copy(req->cause) : NULL,
                   req->documents ? json_deep_copy(req->documents) : json_object(),
                   req->facts ? json_deep_copy(req->facts) : json_object(),
                   json_string(c->state),
                   json_string(t->label),
                   json_string(req->role ? req->role : ""),
                   json_integer((json_int_t)(c->version + 1)),
                   terminal ? json_true() : NULL,
                   json_string(to),
                   json_string("transition")};
    enum { N = sizeof(v) / sizeof(v[0]) };
    json_t *ev = json_object();
    int ok = ev != NULL;
    for (int i = 0; i < N; i++) {
        if ((i == 3 && !cause) || (i == 10 && !terminal))
            continue; /* optional, absent */
        if (!ok || !v[i]) {
            json_decref(v[i]);
            ok = 0;
            continue;
        }
        ok = json_object_set_new(ev, keys[i], v[i]) == 0; /* takes v[i] even when it fails */
    }
    if (!ok) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Checks that come before the transition is chosen: closed case, facts, time. */
static int precheck(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                    cf_refusal_t *why)
{
    cf_error_t err;
    if (c->closed_at)
        return cf__refuse(why, CF_ECLOSED, "case %lld is closed (state '%s')", (long long)c->id,
                          c->state);
    if (cf_engine_check_facts(wf, req->facts, &err) != 0)
        return cf__refuse(why, CF_EINVALID, "%s", err.text);
    if (req->at < c->updated_at) {
        char last[CF_TIME_BUFSZ];
        cf_time_format(c->updated_at, last);
        return cf__refuse(why, CF_EINVALID,
                          "the action's time is before the case's last event (%s)", last);
    }
    return 0;
}

static int act_events(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                      const cf_act_t *req, json_t *merged, json_t **events, cf_refusal_t *why)
{
    const cf_wf_transition_t *t = NULL;
    int rc = choose(wf, cal, c, req, merged, &t, why);
    if (rc == 0)
        rc = check_requires(t, c, req, why);
    if (rc == 0) /* the evidence register (evidence.h) */
        rc = cf__evidence_act(wf, c, req->action, why);
    if (rc == 0)
        rc = check_rules(wf, cal, c, req, merged, why);
    if (rc == 0 && strcmp(t->to, "@back") == 0 && !c->prev_state)
        rc = cf__refuse(why, CF_EREFUSED,
                        "action '%s' returns to a previous state, but there "
                        "is none",
                        req->action);
    if (rc != 0)
        return rc;
    json_t *out = json_array(), *ev = transition_event(wf, c, t, req);
    if (!out || !ev || json_array_append_new(out, ev) != 0) {
        json_decref(out);
        return CF_ENOMEM;
    }
    cf__clock_act_t a = {req->action, req->at, req->matter, req->actor,
                         req->role,   merged,  req->facts};
    rc = cf__clock_effects(wf, cal, c, &a, out, why);
    if (rc == 0 && json_is_true(json_object_get(ev, "terminal")))
        rc = cf__clock_end_all(wf, c, req->at, req->actor, req->role, out);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *events = out;
    return 0;
}

/* The checks before the transition is looked at: the action, the role, the party, the
 * facts only some actions may give or date, the 案由, the child cases. */
static int act_checks(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                      cf_refusal_t *why)
{
    int rc = precheck(wf, c, req, why);
    if (rc != 0)
        return rc;
    if ((rc = cf__party_act(wf, c, req, why)) != 0 || (rc = cf__facts_only_by(wf, req, why)) != 0 ||
        (rc = cf__facts_past(wf, c, req, why)) != 0 || (rc = cf__cause_act(c, req, why)) != 0 ||
        (rc = cf__children_act(wf, req, why)) != 0)
        return rc;
    return 0;
}

/* Exported, documented in engine.h */
int cf_engine_act(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                  const cf_act_t *req, json_t **events, cf_refusal_t *why)
{
    if (why)
        memset(why, 0, sizeof(*why));
    int rc = act_checks(wf, c, req, why);
    if (rc == 0) {
        json_t *merged = json_copy(c->facts); /* only its top level changes */
        if (!merged || (req->facts && json_object_update(merged, (json_t *)req->facts) != 0) ||
            cf__amounts_as_yuan(wf, merged) != 0) {
            json_decref(merged);
            return CF_ENOMEM;
        }
        rc = act_events(wf, cal, c, req, merged, events, why);
        json_decref(merged);
    }
    /* every refusal says what may be done instead, whichever check made it */
    if (rc != 0 && rc != CF_ENOMEM && why && !why->allowed)
        why->allowed = cf_engine_allowed(wf, c);
    return rc;
}

/* Exported, documented in engine.h */
int cf_engine_open(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_open_t *req,
                   json_t **events, cf_refusal_t *why)
{
    cf_error_t err;
    if (why)
        memset(why, 0, sizeof(*why));
    if (cf_engine_check_facts(wf, req->facts, &err) != 0)
        return cf__refuse(why, CF_EINVALID, "%s", err.text);
    cf_case_t empty;
    if (cf_case_init(&empty) != 0)
        return CF_ENOMEM;
    json_t *out = json_array();
    json_t *ev = cf__event_new(&empty, 0, "case.opened", req->at, req->actor, req->role);
    int rc = out && ev ? 0 : CF_ENOMEM;
    if (rc == 0 &&
        (json_object_set_new(
             ev, "workflow",
             json_pack("{s:s, s:i, s:s}", "id", wf->doc->id, "version",
                       (int)(wf->stored_version ? wf->stored_version : wf->doc->version), "hash",
                       wf->hash)) ||
         json_object_set_new(ev, "algo", json_string(cf_chain_algo_name(req->algo))) ||
         json_object_set_new(ev, "party",
                             req->party ? json_deep_copy(req->party) : json_object()) ||
         json_object_set_new(ev, "matter",
                             req->matter_id ? json_string(req->matter_id) : json_null()) ||
         json_object_set_new(ev, "parent", req->parent ? json_integer(req->parent) : json_null()) ||
         json_object_set_new(ev, "state", json_string(wf->doc->initial)) ||
         json_object_set_new(ev, "facts",
                             req->facts ? json_deep_copy(req->facts) : json_object()) ||
         (req->cause && json_object_set_new(ev, "cause", json_deep_copy(req->cause)))))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf__party_open(wf, req, ev, why);
    if (rc == 0 && json_array_append_new(out, ev) != 0)
        rc = CF_ENOMEM;
    else if (rc != 0)
        json_decref(ev);
    cf__clock_act_t a = {"open",    req->at,    req->matter, req->actor,
                         req->role, req->facts, req->facts};
    if (rc == 0)
        rc = cf__clock_effects(wf, cal, &empty, &a, out, why);
    cf_case_dispose(&empty);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *events = out;
    return 0;
}
