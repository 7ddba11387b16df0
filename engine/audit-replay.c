/*
 * audit-replay.c -- conformance replay (cf_audit_replay): every recorded step asked
 * again of the engine that accepted it. See audit.h, and audit.c for the design.
 *
 * Why a file of its own: replay is the check that follows the engine, growing with
 * every rule and clock; the chain (audit.c) and the cached row (audit-cache.c) do
 * not, and read better without it.
 *
 * Map (banners below): accountability (which 追责情形); replay (step by step, time
 * order, end-of-case checks); the calendar in force (R12), recomputations and
 * counting versions, reported as notes.
 */
#include "audit-int.h"
#include "engine.h"
#include "evidence.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accountability --------------------------------------------------------------- */

static const char *const deadline_words[] = {"期限", "逾期", "超过", "时限", NULL};
static const char *const procedure_words[] = {"程序", NULL};

/* The matter's 追责情形 that a deviation falls under: the one containing the
 * rule's own accountability text, else the first containing a keyword. */
static int attach_accountability(cf_deviation_t *d, const json_t *matter, const char *own)
{
    const json_t *list = json_object_get(matter, "accountability");
    const char *const *words = strcmp(d->kind, "deadline") == 0 ? deadline_words : procedure_words;
    size_t i;
    json_t *s;
    json_array_foreach((json_t *)list, i, s)
        if (own && *own && strstr(json_string_value(s), own))
            return cf_deviation_set(&d->accountability, json_string_value(s));
    for (const char *const *w = words; *w; w++)
        json_array_foreach((json_t *)list, i, s)
            if (strstr(json_string_value(s), *w))
                return cf_deviation_set(&d->accountability, json_string_value(s));
    return cf_deviation_set(&d->accountability, own);
}

/* ---- replay --------------------------------------------------------------------- */

typedef struct replay_s {
    const cf_workflow_t *wf;
    const cf_calendar_t *cal;  /* the calendar in force for the step replayed (R12) */
    const cf_calendar_t *full; /* the calendar given: every year loaded now */
    cf_calendar_t *view;       /* full as it stood when view_last was its last year */
    int view_last;
    const json_t *matter;
    cf_audit_t *out;
    cf_case_t c;
    json_t *expected; /* clock events the engine made for the last step, not yet seen */
    size_t next;      /* index of the next expected event */
    cf_time_t entered_at;
    int halted; /* an event could not be followed: the replay stopped there */
    int oom;
} replay_t;

static cf_deviation_t *dev(replay_t *r, int64_t seq, const char *kind, const char *rule,
                           const char *text)
{
    cf_deviation_t *d = cf__audit_deviate(r->out, seq, kind, rule, "%s", text);
    if (!d)
        r->oom = 1;
    return d;
}

/* As dev, the text formatted whole (never into a fixed-size buffer). */
static cf_deviation_t *devf(replay_t *r, int64_t seq, const char *kind, const char *rule,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static cf_deviation_t *devf(replay_t *r, int64_t seq, const char *kind, const char *rule,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (text = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    cf_deviation_t *d = text ? dev(r, seq, kind, rule, text) : NULL;
    r->oom |= !text;
    free(text);
    return d;
}

/* The rule of wf named id, or NULL (id NULL or "": none). */
static const cf_wf_rule_t *rule_of(const cf_workflow_t *wf, const char *id)
{
    for (unsigned i = 0; id && *id && i < wf->doc->rules_count; i++)
        if (strcmp(wf->doc->rules[i].id, id) == 0)
            return &wf->doc->rules[i];
    return NULL;
}

/* Sets d's basis and 追责情形 (d may be NULL: nothing to do). */
static void attach(replay_t *r, cf_deviation_t *d, const char *basis, const char *own)
{
    if (d && (cf_deviation_set(&d->basis, basis) || attach_accountability(d, r->matter, own)))
        r->oom = 1;
}

static const char *refusal_kind(int rc, const cf_refusal_t *why)
{
    if (rc == CF_EFORBIDDEN)
        return "role";
    if (rc == CF_EINVALID)
        return "requirement";
    if (rc == CF_ERANGE)
        return "clock";
    if (rc == CF_EREFUSED && why->rule[0])
        return "rule";
    if (rc == CF_EREFUSED && strstr(why->text, "requires"))
        return "requirement";
    return "order";
}

/* Reports the expected clock events that were never recorded, and forgets them. */
static void flush_expected(replay_t *r, int64_t seq)
{
    for (; r->expected && r->next < json_array_size(r->expected); r->next++) {
        const json_t *e = json_array_get(r->expected, r->next);
        devf(r, seq, "clock", cf__audit_str(e, "clock"),
             "step before event %lld should have recorded %s for clock "
             "'%s' (deadline %s), and did not",
             (long long)seq, cf__audit_str(e, "type"), cf__audit_str(e, "clock"),
             cf__audit_str(e, "deadline") ? cf__audit_str(e, "deadline") : "-");
    }
    json_decref(r->expected);
    r->expected = NULL;
    r->next = 0;
}

static void expect_from(replay_t *r, json_t *produced)
{
    json_decref(r->expected);
    r->expected = produced;
    r->next = 1; /* the first is the step itself */
}

static void replay_opened(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *hash = cf__audit_str(json_object_get(ev, "workflow"), "hash");
    if (!hash || strcmp(hash, r->wf->hash) != 0) {
        dev(r, seq, "workflow", r->wf->doc->id,
            "the case was opened on another definition than the one replayed");
        return;
    }
    cf_open_t req = {.actor = cf__audit_str(ev, "actor"),
                     .role = cf__audit_str(ev, "role"),
                     .party = json_object_get(ev, "party"),
                     .matter_id = cf__audit_str(ev, "matter"),
                     .matter = r->matter,
                     .parent = json_integer_value(json_object_get(ev, "parent")),
                     .facts = json_object_get(ev, "facts")};
    cf_chain_algo_parse(cf__audit_str(ev, "algo") ? cf__audit_str(ev, "algo") : "sha256",
                        &req.algo);
    cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = cf_engine_open(r->wf, r->cal, &req, &produced, &why);
    if (rc != 0)
        dev(r, seq, refusal_kind(rc, &why), why.rule, why.text);
    else
        expect_from(r, produced);
    cf_refusal_dispose(&why);
    r->entered_at = req.at;
}

static void replay_transition(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_act_t req = {.action = cf__audit_str(ev, "action"),
                    .actor = cf__audit_str(ev, "actor"),
                    .role = cf__audit_str(ev, "role"),
                    .facts = json_object_get(ev, "facts"),
                    .documents = json_object_get(ev, "documents"),
                    .matter = r->matter,
                    .cause = json_object_get(ev, "cause")};
    cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = cf_engine_act(r->wf, r->cal, &r->c, &req, &produced, &why);
    if (rc == CF_ENOMEM) {
        r->oom = 1;
    } else if (rc != 0) {
        /* A rule's message and article are taken whole from the workflow: the
         * refusal's own copies are cut to fixed sizes. */
        const cf_wf_rule_t *rule = rule_of(r->wf, why.rule);
        cf_deviation_t *d =
            rule ? devf(r, seq, "rule", rule->id, "%s（%s）", rule->message, rule->article)
                 : dev(r, seq, refusal_kind(rc, &why), why.rule, why.text);
        attach(r, d, rule ? rule->article : why.article, NULL);
    } else {
        const char *to = cf__audit_str(json_array_get(produced, 0), "to");
        if (to && cf__audit_str(ev, "to") && strcmp(to, cf__audit_str(ev, "to")) != 0) {
            attach(r,
                   devf(r, seq, "order", req.action,
                        "step '%s' went to '%s'; the procedure leads to '%s'", req.action,
                        cf__audit_str(ev, "to"), to),
                   NULL, NULL);
        }
        expect_from(r, produced);
        produced = NULL;
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
    char entered[CF_TIME_BUFSZ], left[CF_TIME_BUFSZ];
    cf_time_format(r->entered_at, entered);
    cf_time_format(req.at, left);
    json_t *step = json_pack("{s:s, s:s, s:s, s:I}", "state", r->c.state, "entered_at", entered,
                             "left_at", left, "seconds", (json_int_t)(req.at - r->entered_at));
    if (!step || json_array_append_new(r->out->steps, step) != 0)
        r->oom = 1;
    r->entered_at = req.at;
}

static void replay_extension(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_extend_t req = {.clock = cf__audit_str(ev, "clock"),
                       .actor = cf__audit_str(ev, "actor"),
                       .role = cf__audit_str(ev, "role"),
                       .reason = cf__audit_str(ev, "reason")};
    cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = cf__audit_str(ev, "by") ? cf_period_parse(cf__audit_str(ev, "by"), &req.by, NULL)
                                     : CF_EINVAL;
    if (rc == 0)
        rc = cf_engine_extend(r->wf, r->cal, &r->c, &req, &produced, &why);
    else
        snprintf(why.text, sizeof(why.text), "the extension names no valid amount");
    if (rc != 0) {
        const cf_wf_clock_t *def = req.clock ? cf_workflow_clock(r->wf, req.clock) : NULL;
        cf_deviation_t *d = dev(r, seq, "extension", req.clock, why.text);
        if (def)
            attach(r, d, def->basis, def->accountability);
    } else if (strcmp(cf__audit_str(json_array_get(produced, 0), "deadline"),
                      cf__audit_str(ev, "deadline"))) {
        dev(r, seq, "clock", req.clock,
            "the extension's new deadline is not the one the law gives");
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
}

static void replay_exclusion(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_exclude_t req = {.clock = cf__audit_str(ev, "clock"),
                        .actor = cf__audit_str(ev, "actor"),
                        .role = cf__audit_str(ev, "role"),
                        .reason = cf__audit_str(ev, "reason")};
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = 0;
    if (cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL) ||
        cf_time_parse(cf__audit_str(ev, "from"), &req.from, NULL) ||
        cf_time_parse(cf__audit_str(ev, "to"), &req.to, NULL))
        snprintf(why.text, sizeof(why.text), "the exclusion's times are not valid"), rc = CF_EINVAL;
    if (rc == 0)
        rc = cf_engine_exclude(r->wf, r->cal, &r->c, &req, &produced, &why);
    if (rc != 0) {
        const cf_wf_clock_t *def = req.clock ? cf_workflow_clock(r->wf, req.clock) : NULL;
        cf_deviation_t *d = dev(r, seq, "exclusion", req.clock, why.text);
        if (def)
            attach(r, d, def->basis, def->accountability);
    } else if (strcmp(cf__audit_str(json_array_get(produced, 0), "deadline"),
                      cf__audit_str(ev, "deadline"))) {
        dev(r, seq, "clock", req.clock,
            "the exclusion's new deadline is not the one the law gives");
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
}

/* An evidence.added or record.added event: the engine, given the item as it was
 * entered (without what it adds: the number, a record's evidence kind), on the
 * case as it stood, must accept it and make the same item (the officers resolved
 * alike, the times written alike). */
static void replay_register(replay_t *r, const json_t *ev, int64_t seq, int record)
{
    const char *key = record ? "record" : "evidence";
    json_t *item = json_copy(json_object_get(ev, key)); /* shallow: only its top level */
    cf_evidence_req_t req = {
        .actor = cf__audit_str(ev, "actor"), .role = cf__audit_str(ev, "role"), .item = item};
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    if (!item) {
        dev(r, seq, "evidence", key, "the event holds no item");
        return;
    }
    json_object_del(item, "no");
    json_object_del(item, "evidence_kind");
    cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL);
    int rc = record ? cf_engine_record(r->wf, &r->c, &req, &produced, &why)
                    : cf_engine_evidence(r->wf, &r->c, &req, &produced, &why);
    if (rc == CF_ENOMEM)
        r->oom = 1;
    else if (rc != 0)
        attach(r, dev(r, seq, "evidence", why.rule[0] ? why.rule : key, why.text), why.article,
               NULL);
    else if (!json_equal(json_object_get(json_array_get(produced, 0), key),
                         json_object_get(ev, key)))
        dev(r, seq, "evidence", key,
            "the item recorded is not what the procedure makes of it (its number, officers or "
            "times differ)");
    json_decref(produced);
    json_decref(item);
    cf_refusal_dispose(&why);
}

static void breach(replay_t *r, cf_deviation_t *d, const char *clock)
{
    const cf_wf_clock_t *def = cf_workflow_clock(r->wf, clock);
    if (def)
        attach(r, d, def->basis, def->accountability);
}

/* A clock event must be the next one the engine produced for the last step. */
static void replay_clock(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *type = cf__audit_str(ev, "type"), *clock = cf__audit_str(ev, "clock");
    const char *deadline = cf__audit_str(ev, "deadline");
    const json_t *e = r->expected && r->next < json_array_size(r->expected)
                          ? json_array_get(r->expected, r->next)
                          : NULL;
    const char *edl = e ? cf__audit_str(e, "deadline") : NULL;
    if (!e || strcmp(cf__audit_str(e, "type"), type) != 0 ||
        strcmp(cf__audit_str(e, "clock"), clock) != 0 ||
        (edl && deadline && strcmp(edl, deadline) != 0) || !edl != !deadline) {
        devf(r, seq, "clock", clock,
             "recorded %s for clock '%s' (deadline %s); the procedure gives %s", type, clock,
             deadline ? deadline : "-", e ? cf__audit_str(e, "type") : "no clock event here");
    } else {
        r->next++;
    }
    const char *outcome = cf__audit_str(ev, "outcome");
    if (strcmp(type, "clock.stopped") == 0 && outcome && strcmp(outcome, "breached") == 0) {
        const cf_wf_clock_t *def = cf_workflow_clock(r->wf, clock);
        breach(r,
               devf(r, seq, "deadline", clock, "%s（%s）was not met: deadline %s, done %s",
                    def ? def->name : clock, clock, deadline ? deadline : "-",
                    cf__audit_str(ev, "at")),
               clock);
    }
}

/* Before folding a clock.stopped event: record how the clock went. */
static void clock_stats(replay_t *r, const json_t *ev)
{
    const cf_clock_rt_t *k = cf_case_clock(&r->c, cf__audit_str(ev, "clock"));
    cf_time_t at = 0;
    cf_time_parse(cf__audit_str(ev, "at"), &at, NULL);
    if (!k)
        return;
    char started[CF_TIME_BUFSZ], stopped[CF_TIME_BUFSZ];
    cf_time_format(k->started_at, started);
    cf_time_format(at, stopped);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:I}", "clock", k->id, "outcome",
                  cf__audit_str(ev, "outcome") ? cf__audit_str(ev, "outcome") : "", "started_at",
                  started, "stopped_at", stopped, "seconds", (json_int_t)(at - k->started_at));
    if (!o || json_array_append_new(r->out->clocks, o) != 0)
        r->oom = 1;
}

/* ---- the calendar in force (R12), recomputations, counting versions ----------- */

static void note(replay_t *r, int64_t seq, const char *kind, const char *clock, const char *text)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)seq, "kind", kind, "clock",
                          clock ? clock : "", "text", text);
    if (!o || json_array_append_new(r->out->notes, o) != 0)
        r->oom = 1;
}

/* The calendar as it stood when `last` was its last loaded year (r->full when
 * last is at or past its last year). */
static const cf_calendar_t *calendar_through(replay_t *r, int last)
{
    int first, now;
    cf_calendar_span(r->full, &first, &now);
    if (last >= now)
        return r->full;
    if (!r->view || r->view_last != last) {
        cf_calendar_free(r->view);
        r->view = NULL;
        if (cf_calendar_view(r->full, last, &r->view) != 0) {
            r->oom = 1;
            return r->full;
        }
        r->view_last = last;
    }
    return r->view;
}

/* The first provisional year the step at events[i] recorded (its own event and
 * the clock events after it), or 0. */
static int step_provisional(const json_t *events, size_t i)
{
    int first = 0;
    for (size_t j = i; j < json_array_size(events); j++) {
        const json_t *ev = json_array_get(events, j);
        const char *type = cf__audit_str(ev, "type");
        if (j > i &&
            (!type || strncmp(type, "clock.", 6) != 0 || !strcmp(type, "clock.recomputed") ||
             !strcmp(type, "clock.extended") || !strcmp(type, "clock.excluded")))
            break;
        int y = (int)json_integer_value(json_array_get(json_object_get(ev, "provisional"), 0));
        if (y && (!first || y < first))
            first = y;
    }
    return first;
}

/* A clock.recomputed event: the deadline the calendar gave once its year was
 * loaded; noted with the deadline it replaced. */
static void replay_recomputed(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *clock = cf__audit_str(ev, "clock");
    const json_t *calendar = json_object_get(ev, "calendar");
    cf_recompute_t req = {
        .year = (int)json_integer_value(json_object_get(calendar, "year")),
        .sha256 = cf__audit_str(calendar, "sha256") ? cf__audit_str(calendar, "sha256") : "",
        .replace = 1,
        .actor = cf__audit_str(ev, "actor")};
    cf_time_parse(cf__audit_str(ev, "at"), &req.at, NULL);
    json_t *produced = NULL, *e;
    cf_refusal_t why = {0};
    const char *expected = NULL;
    size_t i;
    int rc =
        cf_engine_recompute(r->wf, calendar_through(r, req.year), &r->c, &req, &produced, &why);
    json_array_foreach(produced, i, e)
        if (clock && !strcmp(cf__audit_str(e, "clock"), clock))
            expected = cf__audit_str(e, "deadline");
    char text[CF_ERROR_TEXT_MAX], sha[65];
    cf_calendar_year_sha256(r->full, req.year, sha);
    if (rc == CF_ENOMEM) {
        r->oom = 1;
    } else if (strcmp(sha, req.sha256) != 0) {
        snprintf(text, sizeof(text),
                 "clock '%s': deadline %s became %s when calendar %d (sha256 %.12s…) was loaded; "
                 "that text has been replaced since (now %.12s…), so this recount is not "
                 "re-checked (acts before it are judged against %s, R12)",
                 clock ? clock : "-", cf__audit_str(ev, "was"), cf__audit_str(ev, "deadline"),
                 req.year, req.sha256, sha[0] ? sha : "none", cf__audit_str(ev, "was"));
        note(r, seq, "recomputed", clock, text);
    } else if (!expected || !cf__audit_str(ev, "deadline") ||
               strcmp(expected, cf__audit_str(ev, "deadline"))) {
        snprintf(text, sizeof(text),
                 "clock '%s' recomputed to %s when calendar %d was loaded; that calendar gives %s",
                 clock ? clock : "-",
                 cf__audit_str(ev, "deadline") ? cf__audit_str(ev, "deadline") : "-", req.year,
                 expected ? expected
                 : rc     ? "a refusal"
                          : "no change");
        dev(r, seq, "clock", clock, text);
    } else {
        snprintf(text, sizeof(text),
                 "clock '%s': calendar %d loaded; its provisional deadline %s became %s (acts "
                 "before are judged against %s, R12)",
                 clock, req.year, cf__audit_str(ev, "was"), expected, cf__audit_str(ev, "was"));
        note(r, seq, "recomputed", clock, text);
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
}

/* At the end: each clock counted under version 1 whose deadline the current
 * count (once from the start, R8) gives otherwise, noted as such. */
static void note_counting(replay_t *r)
{
    for (unsigned i = 0; i < r->c.clocks_count; i++) {
        const cf_clock_rt_t *k = &r->c.clocks[i];
        const cf_wf_clock_t *def = cf_workflow_clock(r->wf, k->id);
        if (!def || k->counting >= 2 || !k->period || (!k->added && !k->extended))
            continue;
        cf_period_t ext = {0,
                           def->extension ? cf_wf_period(def->extension->max).unit : CF_UNIT_DAYS};
        if (k->extended)
            cf_period_parse(k->extended, &ext, NULL);
        cf_count_t n;
        if (cf_engine_clock_deadline(def, r->full, k, &ext, k->added, &n, NULL, NULL, NULL) != 0 ||
            n.deadline == k->deadline)
            continue;
        char was[CF_TIME_BUFSZ], now[CF_TIME_BUFSZ], text[CF_ERROR_TEXT_MAX];
        cf_time_format(k->deadline, was);
        cf_time_format(n.deadline, now);
        snprintf(text, sizeof(text),
                 "clock '%s' was counted under counting version 1 (suspension, exclusions and "
                 "extensions added to the deadline already rolled off a rest day): %s; counted "
                 "once from its start it is %s. Not a deviation of the handler's",
                 k->id, was, now);
        note(r, 0, "counting", k->id, text);
    }
}

static void replay_event(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *type = cf__audit_str(ev, "type");
    if (!type)
        return;
    if (strcmp(type, "case.opened") == 0) {
        replay_opened(r, ev, seq);
    } else if (strcmp(type, "transition") == 0) {
        flush_expected(r, seq);
        replay_transition(r, ev, seq);
    } else if (strcmp(type, "clock.extended") == 0) {
        flush_expected(r, seq);
        replay_extension(r, ev, seq);
    } else if (strcmp(type, "clock.excluded") == 0) {
        flush_expected(r, seq);
        replay_exclusion(r, ev, seq);
    } else if (strcmp(type, "clock.recomputed") == 0) {
        flush_expected(r, seq);
        replay_recomputed(r, ev, seq);
    } else if (strcmp(type, "evidence.added") == 0 || strcmp(type, "record.added") == 0) {
        flush_expected(r, seq);
        replay_register(r, ev, seq, type[0] == 'r');
    } else if (strncmp(type, "clock.", 6) == 0) {
        replay_clock(r, ev, seq);
        if (strcmp(type, "clock.stopped") == 0)
            clock_stats(r, ev);
    }
}

/* An event dated before the one recorded before it (issue 19: history backdated,
 * or a daemon restarted with an earlier clock): the order of the record is the
 * order of the chain, so a time that goes back is a finding, whatever the event.
 * Called after the fold, which has read the event's time into r->c.updated_at
 * (no second parse); before is the case's time before the event. */
static void replay_time_order(replay_t *r, const json_t *ev, int64_t seq, cf_time_t before)
{
    if (seq <= 1 || r->c.updated_at >= before)
        return;
    char last[CF_TIME_BUFSZ], text[CF_ERROR_TEXT_MAX];
    cf_time_format(before, last);
    snprintf(text, sizeof(text), "event %lld is dated %s, before the event recorded before it (%s)",
             (long long)seq, cf__audit_str(ev, "at") ? cf__audit_str(ev, "at") : "?", last);
    dev(r, seq, "time", "out-of-order", text);
}

/* After the last event: what the last step still owed, and clocks of an open
 * case that ran out without being stopped. */
static void replay_end(replay_t *r, cf_time_t now)
{
    flush_expected(r, r->c.version);
    note_counting(r);
    for (unsigned i = 0; !r->c.closed_at && i < r->c.clocks_count; i++) {
        const cf_clock_rt_t *k = &r->c.clocks[i];
        if (k->state != CF_CLOCK_RUNNING || k->party || now <= k->deadline)
            continue;
        char deadline[CF_TIME_BUFSZ];
        cf_time_format(k->deadline, deadline);
        breach(r,
               devf(r, 0, "deadline", k->id, "clock '%s' ran out at %s and is still running", k->id,
                    deadline),
               k->id);
    }
}

/* Exported, documented in audit.h */
int cf_audit_replay(const cf_workflow_t *wf, const cf_calendar_t *cal, const json_t *matter,
                    const json_t *events, cf_time_t now, cf_audit_t *out)
{
    int folded;
    return cf_audit_replay_fold(wf, cal, matter, events, now, out, NULL, &folded);
}

/* Exported, documented in audit.h */
int cf_audit_replay_fold(const cf_workflow_t *wf, const cf_calendar_t *cal, const json_t *matter,
                         const json_t *events, cf_time_t now, cf_audit_t *out, cf_case_t *fold,
                         int *folded)
{
    *folded = 0;
    if (!wf)
        return cf__audit_deviate(
                   out, 0, "workflow", "",
                   "the workflow definition the case pinned is not in the database: its "
                   "steps cannot be replayed")
                   ? 0
                   : CF_ENOMEM;
    replay_t r = {.wf = wf, .cal = cal, .full = cal, .matter = matter, .out = out};
    if (cf_case_init(&r.c) != 0)
        return CF_ENOMEM;
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        cf_error_t err;
        if (cf__audit_str(ev, "unreadable")) {
            dev(&r, seq, "record", "unreadable",
                "the event cannot be read: the replay stops before it");
            r.halted = 1;
            break;
        }
        cf_time_t before = r.c.updated_at;
        int prov = step_provisional(events, i);
        r.cal = prov ? calendar_through(&r, prov - 1) : r.full; /* in force then (R12) */
        replay_event(&r, ev, seq);
        if (cf_case_apply(&r.c, ev, &err) != 0) {
            dev(&r, seq, "record", "fold", err.text);
            r.halted = 1;
            break;
        }
        replay_time_order(&r, ev, seq, before);
        if (r.oom)
            break;
    }
    if (!r.oom && !r.halted) /* the end of a record not followed to its end says nothing */
        replay_end(&r, now);
    json_decref(r.expected);
    if (fold && !r.oom && !r.halted && json_array_size(events)) { /* handed over */
        *fold = r.c;
        *folded = 1;
    } else {
        cf_case_dispose(&r.c);
    }
    cf_calendar_free(r.view);
    return r.oom ? CF_ENOMEM : 0;
}
