/*
 * clock.c -- statutory clocks on a case: what an action does to them, how they
 * are extended, when they warn.
 *
 * A clock's runtime lives in the case (case.h, cf_clock_rt_t) and only changes
 * through events, so every start, stop, pause, resume and extension is on the
 * hash chain with the deadline it produced. Deadlines are computed here, once,
 * when the event is made, with the calendar of that moment; a replay checks them
 * again rather than trusting them.
 *
 *   IDLE --start--> RUNNING --stop (at <= deadline)--> MET
 *                    |  ^    --stop (at >  deadline)--> BREACHED
 *              pause |  | resume (deadline moves by the time paused, R8)
 *                    v  |
 *                   PAUSED --stop--> MET (time was not running)
 *   RUNNING/PAUSED --extend (approver, before the deadline, within max)--> same
 * A stopped clock may be started again by a later start action (a second notice,
 * say); its extensions then count afresh.
 *
 * Counting (versioned, case.h): a clock started under version 2 always has the
 * deadline cf_engine_clock_deadline gives -- its period, extensions, excluded
 * and suspended time counted once from its start and rolled off a rest day once
 * (R8, issue 18) -- and every event that moves it recounts from scratch, so a
 * calendar loaded later (cf_engine_recompute) uses the same function. A clock
 * started under version 1 (events recorded before) keeps adding to its rolled
 * deadline, so that its case replays as recorded; the audit reports what
 * version 2 would have given. Rejected: migrating running version-1 clocks on
 * the next event (the replay could no longer tell which rule made a deadline).
 * A deadline that needed provisional years (R11) says so in its event.
 *
 * Division map (near the ~800 lines of the style brief, with one responsibility, the
 * clocks' rules):
 *   effects        the period (clock_period), the deadline (cf_engine_clock_deadline),
 *                  and what an action does to each clock it names: start, stop,
 *                  pause, resume, rebase (one_clock, cf__clock_effects)
 *   extension      the approver, how often, before the deadline, within the maximum
 *                  (extension_allowed, cf_engine_extend)
 *   recomputation  a calendar year loaded after the deadlines were counted (R11,
 *                  cf_engine_recompute)
 *   status and warnings  a clock's status now, the end of every clock at closing, the
 *                  instants an alert fires (cf_engine_warn_points)
 *   exclusions     time a clock does not count: reasons, overlaps (cf_engine_exclude)
 * A newcomer following one action reads cf__clock_effects -> one_clock -> do_start /
 * do_stop / do_resume; the counting itself is cf_engine_clock_deadline's (period.c's
 * cf_period_count over calendar.c's rest days; where a clock counts from: clock-from.c).
 */
#include "engine-int.h"

#include <stdio.h>
#include <string.h>

/* ---- effects -------------------------------------------------------------------- */

/* The period a clock runs for: its own, or, when from_matter, the matter's time
 * limit (catalog "time_limits"). The one from the matter's own 法定期限 column wins,
 * in the unit it is written in -- it is the bureau's declared period for the matter:
 * "20日" is twenty calendar days, not the clock's default in working days -- one in
 * the clock's own unit first; then, in the clock's unit only, one from 受理条件, then
 * from any other text: periods quoted from the law in the basis can be someone else's
 * duty. A period in hours never replaces one in days, nor the reverse. */
static cf_period_t clock_period(const cf_wf_clock_t *def, const json_t *matter)
{
    static const char *const preference[] = {"time_limit", "conditions", NULL};
    cf_period_t p = cf_wf_period(def->period), best = p;
    int best_score = 99;
    size_t i;
    json_t *lim;
    if (!def->from_matter || !matter)
        return p;
    json_array_foreach(json_object_get(matter, "time_limits"), i, lim) {
        cf_unit_t unit;
        const char *u = json_string_value(json_object_get(lim, "unit"));
        const char *from = json_string_value(json_object_get(lim, "from"));
        json_int_t amount = json_integer_value(json_object_get(lim, "amount"));
        int rank = 2;
        for (int r = 0; from && preference[r]; r++)
            if (strcmp(from, preference[r]) == 0)
                rank = r;
        if (!u || cf_unit_parse(u, &unit) != 0 || amount <= 0)
            continue;
        int other = unit != p.unit;
        if (other && (rank != 0 || unit == CF_UNIT_HOURS || p.unit == CF_UNIT_HOURS))
            continue;
        if (rank * 2 + other < best_score)
            best = (cf_period_t){amount, unit}, best_score = rank * 2 + other;
    }
    return best;
}

static int add_event(json_t *events, json_t *ev)
{
    return ev && json_array_append_new(events, ev) == 0 ? 0 : CF_ENOMEM;
}

static json_t *clock_event(const cf_case_t *c, json_t *events, const char *type,
                           const cf_wf_clock_t *def, cf_time_t at, const char *actor,
                           const char *role)
{
    json_t *ev = cf__event_new(c, json_array_size(events), type, at, actor, role);
    if (ev && json_object_set_new(ev, "clock", json_string(def->id)) != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static int set_time(json_t *ev, const char *key, cf_time_t t)
{
    char buf[CF_TIME_BUFSZ];
    cf_time_format(t, buf);
    return json_object_set_new(ev, key, json_string(buf));
}

static int range_error(cf_refusal_t *why, const cf_wf_clock_t *def, const cf_error_t *err)
{
    return cf__refuse(why, CF_ERANGE, "clock '%s' (%s): %s", def->id, def->name, err->text);
}

/* The unit excluded and suspended time is counted in: the clock's own (the period
 * recorded when it started, which a matter's 法定期限 may have set in another unit
 * than the workflow's), days for a month clock. */
static cf_unit_t added_unit(const cf_wf_clock_t *def, const cf_clock_rt_t *k)
{
    cf_period_t p = cf_wf_period(def->period);
    if (k && k->period)
        (void)cf_period_parse(k->period, &p, NULL);
    return p.unit == CF_UNIT_MONTHS ? CF_UNIT_DAYS : p.unit;
}

/* Sets "deadline", "counting" and, when it needed provisional years, "provisional"
 * on ev from a count. Returns 0 or nonzero on ENOMEM. */
static int set_count(json_t *ev, const cf_count_t *n)
{
    if (set_time(ev, "deadline", n->deadline) ||
        json_object_set_new(ev, "counting", json_integer(2)))
        return -1;
    if (!n->provisional_first)
        return 0;
    json_t *years = json_array();
    for (int y = n->provisional_first; years && y <= n->provisional_last; y++)
        if (json_array_append_new(years, json_integer(y)) != 0) {
            json_decref(years);
            years = NULL;
        }
    return years ? json_object_set_new(ev, "provisional", years) : -1;
}

/* Exported, documented in engine.h */
int cf_engine_clock_deadline(const cf_wf_clock_t *def, const cf_calendar_t *cal,
                             const cf_clock_rt_t *k, const cf_period_t *extension, int64_t added,
                             cf_count_t *out, cf_explain_cb explain, void *ctx, cf_error_t *err)
{
    cf_period_part_t parts[3];
    size_t n = 0;
    if (!k->period || cf_period_parse(k->period, &parts[0].period, err) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "clock '%s' has no recorded period", k->id);
    parts[n++].label = NULL;
    if (extension && extension->amount > 0)
        parts[n++] = (cf_period_part_t){*extension, "extension"};
    if (added > 0)
        parts[n++] = (cf_period_part_t){{added, added_unit(def, k)}, "excluded or suspended"};
    /* a from_end_of clock counts from the other clock's end, recorded at its start */
    cf_time_t base = k->counted_from ? k->counted_from : k->started_at;
    return cf_period_count(cal, base, parts, n, out, explain, ctx, err);
}

/* The extension granted so far on k, in its rule's unit ({0, days} when none). */
static cf_period_t extension_of(const cf_wf_clock_t *def, const cf_clock_rt_t *k)
{
    cf_period_t granted = {0,
                           def->extension ? cf_wf_period(def->extension->max).unit : CF_UNIT_DAYS};
    if (k->extended)
        cf_period_parse(k->extended, &granted, NULL);
    return granted;
}

/* The deadline of k under its counting version, with `extension` granted in
 * total and `more` time newly excluded or suspended, or, under version 1,
 * `legacy` added to its rolled deadline. OUT *out. */
static int moved_deadline(const cf_wf_clock_t *def, const cf_calendar_t *cal,
                          const cf_clock_rt_t *k, const cf_period_t *extension, int64_t more,
                          cf_period_t legacy, cf_count_t *out, cf_error_t *err)
{
    if (k->counting >= 2)
        return cf_engine_clock_deadline(def, cal, k, extension, k->added + more, out, NULL, NULL,
                                        err);
    *out = (cf_count_t){k->deadline, 0, 0};
    if (legacy.amount <= 0)
        return 0;
    return cf_period_add(cal, k->deadline, legacy, &out->deadline, NULL, NULL, err);
}

/* set_count for a version-2 count; only the deadline for a version-1 clock. */
static int set_moved(json_t *ev, const cf_clock_rt_t *k, const cf_count_t *n)
{
    return k->counting >= 2 ? set_count(ev, n) : set_time(ev, "deadline", n->deadline);
}

/* Sets the stopped clock k's "deadline" on ev, and "provisional" when that deadline was
 * counted on computed years (R11): the fold takes both from the event, so a stop without
 * the years would drop the mark the deadline was judged under. Nonzero on ENOMEM. */
static int set_stop_deadline(json_t *ev, const cf_clock_rt_t *k)
{
    if (set_time(ev, "deadline", k->deadline))
        return -1;
    if (!k->prov_first)
        return 0;
    json_t *years = cf_clock_provisional_json(k);
    return years ? json_object_set_new(ev, "provisional", years) : -1;
}

/* The instant a stop is judged at: the action's, or, when the clock takes a postmark
 * (def->posted) and the action gives it, the end of the day posted (在途时间 not
 * counted, 民事诉讼法 第八十五条第四款) if that is earlier. */
static cf_time_t stop_judged_at(const cf_wf_clock_t *def, const cf__clock_act_t *a)
{
    const json_t *v = def->posted && a->given ? json_object_get(a->given, def->posted) : NULL;
    cf_date_t d;
    if (!json_is_string(v) || cf_date_parse(json_string_value(v), &d, NULL) != 0)
        return a->at;
    return cf_date_end(d) < a->at ? cf_date_end(d) : a->at;
}

static int do_stop(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                   const cf__clock_act_t *a, json_t *events)
{
    json_t *ev = clock_event(c, events, "clock.stopped", def, a->at, a->actor, a->role);
    cf_time_t at = stop_judged_at(def, a);
    int met = k->state == CF_CLOCK_PAUSED ? k->paused_at <= k->deadline : at <= k->deadline;
    const char *outcome = met ? "met" : def->party ? "lapsed" : "breached";
    if (ev &&
        (json_object_set_new(ev, "outcome", json_string(outcome)) || set_stop_deadline(ev, k))) {
        json_decref(ev);
        ev = NULL;
    }
    return add_event(events, ev);
}

/* Where def counts from (cf_engine_clock_from), as a refusal when it cannot. */
static int clock_from(const cf_case_t *c, const cf_wf_clock_t *def, const cf_calendar_t *cal,
                      const json_t *facts, cf_time_t at, cf_time_t *from, int *by_fact,
                      cf_refusal_t *why)
{
    cf_error_t err;
    int rc = cf_engine_clock_from(c, def, cal, facts, at, from, by_fact, NULL, 0, &err);
    if (rc == CF_ERANGE)
        return range_error(why, def, &err);
    return rc ? cf__refuse(why, rc, "%s", err.text) : 0;
}

/* "from" (the instant counted from) on a clock event of a clock counted from
 * elsewhere, and "from_fact" {fact, date} when an approved plan's end gave it. */
static int set_from(json_t *ev, const cf_wf_clock_t *def, const json_t *facts, cf_time_t from,
                    int by_fact)
{
    if (!def->from_end_of && !def->from_fact)
        return 0;
    if (set_time(ev, "from", from))
        return -1;
    return by_fact ? json_object_set_new(ev, "from_fact",
                                         json_pack("{s:s, s:O}", "fact", def->from_fact, "date",
                                                   json_object_get(facts, def->from_fact)))
                   : 0;
}

static int do_start(const cf_case_t *c, const cf_wf_clock_t *def, const cf_calendar_t *cal,
                    const cf__clock_act_t *a, json_t *events, cf_refusal_t *why)
{
    cf_period_part_t part = {clock_period(def, a->matter), NULL};
    cf_count_t n;
    cf_time_t from;
    cf_error_t err;
    int by_fact;
    int rc = clock_from(c, def, cal, a->facts, a->at, &from, &by_fact, why);
    if (rc != 0)
        return rc;
    if (cf_period_count(cal, from, &part, 1, &n, NULL, NULL, &err) != 0)
        return range_error(why, def, &err);
    char text[64];
    cf_period_format(part.period, text, sizeof(text));
    json_t *ev = clock_event(c, events, "clock.started", def, a->at, a->actor, a->role);
    if (ev && (json_object_set_new(ev, "period", json_string(text)) ||
               (def->party && json_object_set_new(ev, "party", json_true())) ||
               set_from(ev, def, a->facts, from, by_fact) || set_count(ev, &n))) {
        json_decref(ev);
        ev = NULL;
    }
    return add_event(events, ev);
}

/* A running or paused clock whose from_fact the action gives (a plan approved, or
 * changed, after the clock started) is counted again from where it now counts
 * from (行政处罚法 第七十二条第二款): a clock.rebased event with the new "from", the
 * deadline it replaced ("was") and the new one. Nothing when the start is the same. */
static int do_rebase(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                     const cf_calendar_t *cal, const cf__clock_act_t *a, json_t *events,
                     cf_refusal_t *why)
{
    cf_time_t from;
    cf_error_t err;
    int by_fact;
    int rc = clock_from(c, def, cal, a->facts, k->started_at, &from, &by_fact, why);
    if (rc != 0 || from == (k->counted_from ? k->counted_from : k->started_at))
        return rc;
    cf_clock_rt_t moved = *k; /* a shallow copy, counted from the new start */
    cf_period_t ext = extension_of(def, k);
    cf_count_t n;
    moved.counted_from = from;
    if (cf_engine_clock_deadline(def, cal, &moved, &ext, k->added, &n, NULL, NULL, &err) != 0)
        return range_error(why, def, &err);
    json_t *ev = clock_event(c, events, "clock.rebased", def, a->at, a->actor, a->role);
    if (ev && (set_from(ev, def, a->facts, from, by_fact) || set_time(ev, "was", k->deadline) ||
               set_count(ev, &n))) {
        json_decref(ev);
        ev = NULL;
    }
    return add_event(events, ev);
}

/* Exported, documented in engine.h */
int cf_engine_pause_counted(const cf_wf_clock_t *def, const cf_calendar_t *cal,
                            const cf_clock_rt_t *k, cf_time_t at, int64_t *amount, cf_error_t *err)
{
    cf_unit_t unit = added_unit(def, k);
    if (!def->pause_from_deadline || k->paused_at >= k->deadline)
        return cf_period_elapsed(cal, k->paused_at, at, unit, amount, err);
    if (at <= k->deadline) { /* paused and resumed before the deadline: it stays */
        *amount = 0;
        return 0;
    }
    int64_t g;
    int rc = cf_period_elapsed(cal, k->deadline, at, unit, &g, err);
    if (rc != 0 || k->counting < 2) {
        if (rc == 0)
            *amount = g;
        return rc;
    }
    /* Paused before the deadline, resumed after it: the deadline becomes the day the
     * pause ended (rolled off a rest day, R4). Counted from the start (R8), the time
     * after a deadline that was itself rolled falls short by the days rolled over, so
     * add them back one at a time (at most a holiday's length). */
    cf_period_t ext = extension_of(def, k);
    cf_time_t target = cf_date_end(cf_time_china_date(at));
    for (int tries = 0; tries < 400; tries++, g++) {
        cf_count_t n;
        if ((rc = cf_engine_clock_deadline(def, cal, k, &ext, k->added + g, &n, NULL, NULL, err)))
            return rc;
        if (n.deadline >= target) {
            *amount = g;
            return 0;
        }
    }
    return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "clock '%s': cannot count its pause", k->id);
}

/* Resuming moves the deadline later by the time paused, counted in the clock's
 * unit (R8); month clocks count the pause in calendar days; a pause_from_deadline
 * clock only by the time paused after its deadline (cf_engine_pause_counted). */
static int do_resume(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                     const cf_calendar_t *cal, cf_time_t at, const char *actor, const char *role,
                     json_t *events, cf_refusal_t *why)
{
    cf_period_t paused = {0, added_unit(def, k)};
    cf_period_t ext = extension_of(def, k);
    cf_count_t n;
    cf_error_t err;
    if (cf_engine_pause_counted(def, cal, k, at, &paused.amount, &err) != 0)
        return range_error(why, def, &err);
    if (moved_deadline(def, cal, k, &ext, paused.amount, paused, &n, &err) != 0)
        return range_error(why, def, &err);
    char text[64];
    cf_period_format(paused, text, sizeof(text));
    json_t *ev = clock_event(c, events, "clock.resumed", def, at, actor, role);
    if (ev && (json_object_set_new(ev, "paused_for", json_string(text)) || set_moved(ev, k, &n))) {
        json_decref(ev);
        ev = NULL;
    }
    return add_event(events, ev);
}

static int one_clock(const cf_calendar_t *cal, const cf_case_t *c, const cf_wf_clock_t *def,
                     const cf__clock_act_t *a, json_t *events, cf_refusal_t *why)
{
    const cf_clock_rt_t *k = cf_case_clock(c, def->id);
    cf_clock_state_t s = k ? k->state : CF_CLOCK_IDLE;
    int live = s == CF_CLOCK_RUNNING || s == CF_CLOCK_PAUSED;
    int rc = def->from_fact ? cf__clock_fact_date_check(c, def, a, why) : 0;
    if (rc != 0)
        return rc;
    if (live && cf_workflow_list_has(def->stop, def->stop_count, a->action))
        return do_stop(c, def, k, a, events);
    if (!live && cf_workflow_list_has(def->start, def->start_count, a->action))
        return do_start(c, def, cal, a, events, why);
    if (s == CF_CLOCK_RUNNING && cf_workflow_list_has(def->pause, def->pause_count, a->action))
        return add_event(events,
                         clock_event(c, events, "clock.paused", def, a->at, a->actor, a->role));
    if (s == CF_CLOCK_PAUSED && cf_workflow_list_has(def->resume, def->resume_count, a->action))
        return do_resume(c, def, k, cal, a->at, a->actor, a->role, events, why);
    if (live && def->from_fact && k->counting >= 2 && json_object_get(a->given, def->from_fact))
        return do_rebase(c, def, k, cal, a, events, why);
    return 0;
}

/* Exported, documented in engine-int.h */
int cf__clock_effects(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                      const cf__clock_act_t *a, json_t *events, cf_refusal_t *why)
{
    for (unsigned i = 0; i < wf->doc->clocks_count; i++) {
        int rc = one_clock(cal, c, &wf->doc->clocks[i], a, events, why);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- extension ------------------------------------------------------------------ */

/* Names the rule that refused an extension or an exclusion, and its article: the clock's
 * basis up to its first '：' (the articles; what follows explains them), as a workflow
 * rule's refusal does (医疗保障行政处罚程序暂行规定 第四十五条: +30 days by the head, more
 * only by collective discussion; only the listed kinds of time excluded, each once).
 * Returns rc. */
static int clock_rule(cf_refusal_t *why, const cf_wf_clock_t *def, const char *rule, int rc)
{
    if (rc == 0 || !why || !def->basis)
        return rc;
    snprintf(why->rule, sizeof(why->rule), "%s", rule);
    const char *colon = strstr(def->basis, "：");
    int len = colon ? (int)(colon - def->basis) : (int)strlen(def->basis);
    snprintf(why->article, sizeof(why->article), "%.*s", len, def->basis);
    cf_utf8_clip(why->article);
    return rc;
}

/* How many times action was taken on c. */
static unsigned times_done(const cf_case_t *c, const char *action)
{
    unsigned n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(c->done, i, v)
        n += strcmp(json_string_value(v), action) == 0;
    return n;
}

/* Past the rule's `times`, one more extension per collective discussion recorded
 * (further_after), of the length the discussion fixed: no maximum here. */
static int further_allowed(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                           unsigned times, cf_refusal_t *why)
{
    const cf_wf_extension_t *x = def->extension;
    if (!x->further_after)
        return clock_rule(why, def, "extension-times",
                          cf__refuse(why, CF_EREFUSED, "clock '%s' may be extended %u time(s) only",
                                     def->id, times));
    if (times_done(c, x->further_after) < k->extensions - times + 1)
        return clock_rule(why, def, "extension-further",
                          cf__refuse(why, CF_EREFUSED,
                                     "a further extension of clock '%s' needs a collective "
                                     "discussion by the heads first (action '%s')",
                                     def->id, x->further_after));
    return 0;
}

/* With `after`, each extension needs that action recorded once more before it (行政强制法
 * 第二十五条第二款: the extension decided and told the party in writing). */
static int after_recorded(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                          cf_refusal_t *why)
{
    const char *after = def->extension->after;
    if (after && times_done(c, after) < k->extensions + 1)
        return cf__refuse(why, CF_EREFUSED,
                          "extending clock '%s' (%s) needs action '%s' recorded first, once for "
                          "each extension",
                          def->id, def->name, after);
    return 0;
}

/* Checks req against the clock's extension rule. OUT *total: the extension
 * granted so far plus this one. */
static int extension_allowed(const cf_case_t *c, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                             const cf_extend_t *req, cf_period_t *total, cf_refusal_t *why)
{
    const cf_wf_extension_t *x = def->extension;
    char max[64], by[64];
    if (!x)
        return cf__refuse(why, CF_EREFUSED, "clock '%s' (%s) cannot be extended", def->id,
                          def->name);
    if (!req->role || strcmp(req->role, x->approver) != 0)
        return cf__refuse(why, CF_EFORBIDDEN,
                          "extending clock '%s' needs the approval of role '%s', not '%s'", def->id,
                          x->approver, req->role ? req->role : "(none)");
    if (!k || (k->state != CF_CLOCK_RUNNING && k->state != CF_CLOCK_PAUSED))
        return cf__refuse(why, CF_EREFUSED, "clock '%s' is not running", def->id);
    if (req->at > k->deadline)
        return clock_rule(why, def, "extension-in-time",
                          cf__refuse(why, CF_EREFUSED,
                                     "clock '%s' has already run out: an extension must be "
                                     "approved before the deadline",
                                     def->id));
    cf_period_t cap = cf_wf_period(x->max);
    cf_period_format(cap, max, sizeof(max));
    cf_period_format(req->by, by, sizeof(by));
    unsigned times = x->times ? x->times : 1;
    int further = k->extensions >= times;
    int rc = further ? further_allowed(c, def, k, times, why) : after_recorded(c, def, k, why);
    if (rc != 0)
        return rc;
    if (req->by.unit != cap.unit || req->by.amount <= 0)
        return cf__refuse(why, CF_EREFUSED, "clock '%s' is extended in %s, not by '%s'", def->id,
                          cf_unit_name(cap.unit), by);
    cf_period_t granted = {0, cap.unit};
    if (k->extended)
        cf_period_parse(k->extended, &granted, NULL);
    if (!further && granted.amount + req->by.amount > cap.amount) {
        char left[64];
        cf_period_format((cf_period_t){cap.amount - granted.amount, cap.unit}, left, sizeof(left));
        return clock_rule(why, def, "extension-max",
                          cf__refuse(why, CF_EREFUSED,
                                     "extending clock '%s' by %s exceeds its maximum of %s in "
                                     "total: at most %s more%s%s",
                                     def->id, by, max, left,
                                     x->further_after ? "; beyond it, after action " : "",
                                     x->further_after ? x->further_after : ""));
    }
    *total = (cf_period_t){granted.amount + req->by.amount, cap.unit};
    return 0;
}

/* cf_engine_extend's checks and events, why zeroed before; a refusal's allowed is set by
 * the caller. */
static int extend(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                  const cf_extend_t *req, json_t **events, cf_refusal_t *why)
{
    const cf_wf_clock_t *def = cf_workflow_clock(wf, req->clock);
    if (!def)
        return cf__refuse(why, CF_ENOTFOUND, "workflow '%s' has no clock '%s'", wf->doc->id,
                          req->clock);
    if (c->closed_at)
        return cf__refuse(why, CF_ECLOSED, "case %lld is closed", (long long)c->id);
    const cf_clock_rt_t *k = cf_case_clock(c, def->id);
    cf_period_t total;
    int rc = extension_allowed(c, def, k, req, &total, why);
    if (rc != 0)
        return rc;
    cf_count_t n;
    cf_error_t err;
    if (moved_deadline(def, cal, k, &total, 0, req->by, &n, &err) != 0)
        return range_error(why, def, &err);
    char by[64], sum[64];
    cf_period_format(req->by, by, sizeof(by));
    cf_period_format(total, sum, sizeof(sum));
    json_t *out = json_array();
    json_t *ev =
        out ? clock_event(c, out, "clock.extended", def, req->at, req->actor, req->role) : NULL;
    if (!ev || json_object_set_new(ev, "by", json_string(by)) ||
        json_object_set_new(ev, "total", json_string(sum)) ||
        json_object_set_new(ev, "reason", json_string(req->reason ? req->reason : "")) ||
        set_moved(ev, k, &n)) {
        json_decref(ev);
        ev = NULL;
    }
    if (!out || add_event(out, ev) != 0) { /* add_event consumes ev either way */
        json_decref(out);
        return CF_ENOMEM;
    }
    *events = out;
    return 0;
}

/* Exported, documented in engine.h */
int cf_engine_extend(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                     const cf_extend_t *req, json_t **events, cf_refusal_t *why)
{
    if (why)
        memset(why, 0, sizeof(*why));
    int rc = extend(wf, cal, c, req, events, why);
    /* every refusal says what may be done instead (notify_extension ...), whichever
     * check made it: a clock not found, a closed case, a deadline past the calendar */
    if (rc != 0 && rc != CF_ENOMEM && why && !why->allowed)
        why->allowed = cf_engine_allowed(wf, c);
    return rc;
}

/* ---- recomputation when a calendar year is loaded (R11) ---------------------------- */

/* One clock.recomputed event for k if its deadline counted on cal differs from the
 * recorded one or is no longer provisional; nothing otherwise. */
static int recompute_one(const cf_wf_clock_t *def, const cf_calendar_t *cal, const cf_case_t *c,
                         const cf_clock_rt_t *k, const cf_recompute_t *req, json_t *events,
                         cf_refusal_t *why)
{
    cf_period_t ext = extension_of(def, k);
    cf_count_t n;
    cf_error_t err;
    if (cf_engine_clock_deadline(def, cal, k, &ext, k->added, &n, NULL, NULL, &err) != 0)
        return range_error(why, def, &err);
    if (n.deadline == k->deadline && n.provisional_first == k->prov_first &&
        n.provisional_last == k->prov_last)
        return 0;
    json_t *ev = clock_event(c, events, "clock.recomputed", def, req->at, req->actor, "system");
    json_t *calendar = json_pack("{s:i, s:s}", "year", req->year, "sha256", req->sha256);
    if (!ev || !calendar || set_time(ev, "was", k->deadline) || set_count(ev, &n) ||
        json_object_set_new(ev, "calendar", calendar)) {
        if (!ev)
            json_decref(calendar);
        json_decref(ev);
        ev = NULL;
    }
    return add_event(events, ev);
}

/* Exported, documented in engine.h */
int cf_engine_recompute(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                        const cf_recompute_t *req, json_t **events, cf_refusal_t *why)
{
    if (why)
        memset(why, 0, sizeof(*why));
    json_t *out = json_array();
    if (!out)
        return CF_ENOMEM;
    for (unsigned i = 0; i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
        if (!def || k->counting < 2 ||
            (k->state != CF_CLOCK_RUNNING && k->state != CF_CLOCK_PAUSED))
            continue;
        if (!req->replace && !k->prov_first)
            continue; /* settled on loaded years: a new year cannot move it */
        int rc = recompute_one(def, cal, c, k, req, out, why);
        if (rc != 0) {
            json_decref(out);
            return rc;
        }
    }
    *events = out;
    return 0;
}

/* ---- status and warnings -------------------------------------------------------- */

/* Exported, documented in engine.h */
const char *cf_engine_clock_status(const cf_clock_rt_t *k, cf_time_t now)
{
    if (k->state == CF_CLOCK_RUNNING && now > k->deadline)
        return k->party ? "lapsed" : "overdue";
    return cf_clock_state_name(k->state);
}

/* Exported, documented in engine-int.h */
int cf__clock_end_all(const cf_workflow_t *wf, const cf_case_t *c, cf_time_t at, const char *actor,
                      const char *role, json_t *events)
{
    for (unsigned i = 0; i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
        if ((k->state != CF_CLOCK_RUNNING && k->state != CF_CLOCK_PAUSED) || !def ||
            cf_events_name_clock(events, "clock.stopped", k->id))
            continue;
        int late = k->state == CF_CLOCK_RUNNING && at > k->deadline;
        const char *outcome = !late ? "ended" : def->party ? "lapsed" : "breached";
        json_t *ev = clock_event(c, events, "clock.stopped", def, at, actor, role);
        if (ev && (json_object_set_new(ev, "outcome", json_string(outcome)) ||
                   set_stop_deadline(ev, k))) {
            json_decref(ev);
            ev = NULL;
        }
        if (add_event(events, ev) != 0)
            return CF_ENOMEM;
    }
    return 0;
}

/* The instant `back` before deadline: hours and days exactly; working days as the
 * end of the day that many working days earlier; months as days of the month. */
static int warn_instant(const cf_calendar_t *cal, cf_time_t deadline, cf_period_t back,
                        cf_time_t *out)
{
    if (back.unit == CF_UNIT_HOURS) {
        *out = deadline - back.amount * 3600;
        return 0;
    }
    if (back.unit != CF_UNIT_WORKING_DAYS) {
        *out = deadline - back.amount * (back.unit == CF_UNIT_MONTHS ? 30 : 1) * 86400;
        return 0;
    }
    int64_t day = cf_date_to_days(cf_time_china_date(deadline));
    for (int64_t left = back.amount; left > 0;) {
        int w = cf_calendar_is_workday(cal, cf_date_from_days(--day), NULL);
        if (w < 0)
            return w;
        left -= w;
    }
    *out = cf_date_end(cf_date_from_days(day));
    return 0;
}

/* Exported, documented in engine.h */
int cf_engine_warn_points(const cf_wf_clock_t *def, const cf_calendar_t *cal, cf_time_t deadline,
                          cf_time_t *points, int max)
{
    int n = 0;
    for (unsigned i = 0; i < def->warn_count && n < max; i++) {
        cf_time_t t;
        int rc = warn_instant(cal, deadline, cf_wf_period(def->warn[i]), &t);
        if (rc != 0)
            return rc;
        int at = n++;
        while (at > 0 && points[at - 1] > t) { /* keep them sorted, earliest first */
            points[at] = points[at - 1];
            at--;
        }
        points[at] = t;
    }
    return n;
}

/* ---- exclusions ------------------------------------------------------------------ */

/* CF_EREFUSED if [from, to) overlaps an exclusion already on the clock. */
static int check_overlap(const cf_clock_rt_t *k, const cf_exclude_t *req, cf_refusal_t *why)
{
    size_t i;
    json_t *e;
    json_array_foreach(k->exclusions, i, e) {
        cf_time_t from = 0, to = 0;
        const char *f = json_string_value(json_object_get(e, "from"));
        const char *t = json_string_value(json_object_get(e, "to"));
        if (!f || !t || cf_time_parse(f, &from, NULL) || cf_time_parse(t, &to, NULL))
            continue;
        if (req->from < to && from < req->to)
            return cf__refuse(why, CF_EREFUSED,
                              "the period overlaps the exclusion from %s to %s (%s) already "
                              "recorded on clock '%s': a day is excluded once; record only the "
                              "days not yet excluded",
                              f, t, json_string_value(json_object_get(e, "reason")), k->id);
    }
    return 0;
}

/* Refuses a reason the clock does not exclude, naming those it does. */
static int reason_refused(const cf_wf_clock_t *def, const char *reason, cf_refusal_t *why)
{
    char list[512] = "";
    for (unsigned i = 0; i < def->exclude_count; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                 def->exclude[i]);
    return clock_rule(why, def, "exclusion-reason",
                      cf__refuse(why, CF_EREFUSED,
                                 "clock '%s' does not exclude '%s': only the time of %s is "
                                 "not counted",
                                 def->id, reason ? reason : "(no reason)", list));
}

/* An exclusion is a period that began after the clock started and has ended by the time
 * it is recorded: the refusal says which of these the request fails, with its instants. */
static int period_refused(const cf_wf_clock_t *def, const cf_clock_rt_t *k, const cf_exclude_t *req,
                          cf_refusal_t *why)
{
    char f[CF_TIME_BUFSZ], t[CF_TIME_BUFSZ], other[CF_TIME_BUFSZ];
    cf_time_format(req->from, f);
    cf_time_format(req->to, t);
    if (req->from >= req->to)
        return cf__refuse(why, CF_EREFUSED,
                          "the exclusion from %s to %s is empty: 'to' must be after 'from'", f, t);
    if (req->from < k->started_at) {
        cf_time_format(k->started_at, other);
        return cf__refuse(
            why, CF_EREFUSED,
            "the exclusion starts at %s, before clock '%s' started (%s): exclude only "
            "time the clock counted",
            f, def->id, other);
    }
    cf_time_format(req->at, other);
    return cf__refuse(why, CF_EREFUSED,
                      "the exclusion ends at %s, after now (%s): record it once the period is over",
                      t, other);
}

static int exclusion_allowed(const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                             const cf_exclude_t *req, cf_refusal_t *why)
{
    if (!def->exclude_count)
        return cf__refuse(why, CF_EREFUSED, "clock '%s' (%s) counts every day: nothing is excluded",
                          def->id, def->name);
    if (!req->reason || !cf_workflow_list_has(def->exclude, def->exclude_count, req->reason))
        return reason_refused(def, req->reason, why);
    if (!k || (k->state != CF_CLOCK_RUNNING && k->state != CF_CLOCK_PAUSED))
        return cf__refuse(why, CF_EREFUSED, "clock '%s' is not running", def->id);
    if (req->from >= req->to || req->from < k->started_at || req->to > req->at)
        return clock_rule(why, def, "exclusion-period", period_refused(def, k, req, why));
    return clock_rule(why, def, "exclusion-overlap", check_overlap(k, req, why));
}

/* Exported, documented in engine.h */
int cf_engine_exclude(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                      const cf_exclude_t *req, json_t **events, cf_refusal_t *why)
{
    if (why)
        memset(why, 0, sizeof(*why));
    const cf_wf_clock_t *def = req->clock ? cf_workflow_clock(wf, req->clock) : NULL;
    if (!def)
        return cf__refuse(why, CF_ENOTFOUND, "workflow '%s' has no clock '%s'", wf->doc->id,
                          req->clock ? req->clock : "");
    if (c->closed_at)
        return cf__refuse(why, CF_ECLOSED, "case %lld is closed", (long long)c->id);
    const cf_clock_rt_t *k = cf_case_clock(c, def->id);
    int rc = exclusion_allowed(def, k, req, why);
    cf_period_t excluded = {0, added_unit(def, k)};
    cf_count_t n;
    cf_error_t err;
    if (rc != 0)
        return rc;
    cf_period_t ext = extension_of(def, k);
    if (cf_period_elapsed(cal, req->from, req->to, excluded.unit, &excluded.amount, &err) ||
        moved_deadline(def, cal, k, &ext, excluded.amount, excluded, &n, &err))
        return range_error(why, def, &err);
    char text[64];
    cf_period_format(excluded, text, sizeof(text));
    json_t *out = json_array();
    json_t *ev =
        out ? clock_event(c, out, "clock.excluded", def, req->at, req->actor, req->role) : NULL;
    if (!ev || set_time(ev, "from", req->from) || set_time(ev, "to", req->to) ||
        json_object_set_new(ev, "reason", json_string(req->reason)) ||
        json_object_set_new(ev, "excluded", json_string(text)) || set_moved(ev, k, &n)) {
        json_decref(ev);
        ev = NULL;
    }
    if (!out || add_event(out, ev) != 0) { /* add_event consumes ev either way */
        json_decref(out);
        return CF_ENOMEM;
    }
    *events = out;
    return 0;
}
