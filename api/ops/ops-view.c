/*
 * ops-view.c -- one picture of a case for every reader. `caseflow case show
 * --json` and the daemon's GET /v1/cases/{id} used to build it each on its own,
 * and drifted (the API showed no 案号, the command line no `closed`); the front
 * ends now start from cf_ops_case_view and add only what is theirs. Times are
 * ISO 8601 (the contract of docs/api.md), clock statuses are computed against
 * the caller's "now", never stored.
 */
#include "ops.h"

#include <stdio.h>

/* "3d 4h left" / "2d 1h overdue" into out. */
static void time_left(cf_time_t now, cf_time_t deadline, char *out, size_t size)
{
    long long d = (long long)(deadline - now);
    long long a = d < 0 ? -d : d;
    snprintf(out, size, "%lldd %lldh %s", a / 86400, (a % 86400) / 3600,
             d < 0 ? "overdue" : "left");
}

/* A met or breached clock: when it stopped and by how much it was inside its deadline
 * (`margin_seconds`, negative when late), which `seconds_left` (always deadline minus
 * the daemon's now, which the workbench reads its clock from) does not say. */
static void stopped_view(const cf_clock_rt_t *k, json_t *o)
{
    char at[CF_TIME_BUFSZ];
    cf_time_format(k->stopped_at, at);
    json_object_set_new(o, "stopped_at", json_string(at));
    json_object_set_new(o, "margin_seconds",
                        json_integer((json_int_t)(k->deadline - k->stopped_at)));
}

static json_t *clock_view(const cf_workflow_t *wf, const cf_clock_rt_t *k, cf_time_t now)
{
    const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
    char deadline[CF_TIME_BUFSZ], left[64];
    int live = k->state == CF_CLOCK_RUNNING || k->state == CF_CLOCK_PAUSED;
    int stopped = (k->state == CF_CLOCK_MET || k->state == CF_CLOCK_BREACHED) && k->stopped_at;
    cf_time_format(k->deadline, deadline);
    time_left(now, k->deadline, left, sizeof(left));
    json_t *o =
        json_pack("{s:s, s:s?, s:s, s:s, s:I, s:s?, s:s?, s:s*, s:i}", "id", k->id, "name",
                  def ? def->name : NULL, "status", cf_engine_clock_status(k, now), "deadline",
                  deadline, "seconds_left", (json_int_t)(k->deadline - now), "basis",
                  def ? def->basis : NULL, "accountability", def ? def->accountability : NULL,
                  "extended", k->extended, "extensions", (int)k->extensions);
    if (o && live)
        json_object_set_new(o, "left", json_string(left));
    if (o && stopped) /* judged at its stop: the margin does not move with "now" */
        stopped_view(k, o);
    if (o && k->exclusions)
        json_object_set(o, "exclusions", k->exclusions);
    /* R11: counted on computed years; a stopped clock keeps saying so, since the
     * deadline it was judged against may move when the year's notice is loaded */
    json_t *prov = live || stopped ? cf_clock_provisional_json(k) : NULL;
    if (o && prov)
        json_object_set(o, "provisional", prov);
    json_decref(prov);
    return o;
}

/* Sets key to the ISO 8601 text of t, or null when t is 0 (not yet). */
static void set_time(json_t *o, const char *key, cf_time_t t)
{
    char text[CF_TIME_BUFSZ];
    cf_time_format(t, text);
    json_object_set_new(o, key, t ? json_string(text) : json_null());
}

/* The case file (issue 20): its name, 决定书文号, 档案号, handlers and responsible
 * head (`responsible`: `head` is the chain's), from
 * its numbers and its summary row (null, [] when it has none). */
static void view_file(cf_store_t *store, const cf_case_t *c, json_t *o)
{
    static const char *const kinds[] = {"decision_number", "archive_number"};
    char text[256];
    cf_error_t none;
    for (size_t i = 0; i < 2; i++)
        json_object_set_new(o, kinds[i],
                            cf_store_ref_get(store, c->id, kinds[i], text, sizeof(text), &none) == 0
                                ? json_string(text)
                                : json_null());
    json_t *sum = NULL;
    if (cf_store_summary_get(store, c->id, &sum, &none) != 0)
        sum = NULL;
    json_t *name = json_object_get(sum, "name"), *handlers = json_object_get(sum, "handlers");
    json_t *head = json_object_get(sum, "head");
    json_object_set_new(o, "name", name ? json_incref(name) : json_null());
    json_object_set_new(o, "handlers", handlers ? json_incref(handlers) : json_array());
    json_object_set_new(o, "responsible", head ? json_incref(head) : json_null());
    json_decref(sum);
}

/* Exported, documented in ops.h */
json_t *cf_ops_case_view(cf_store_t *store, const cf_workflow_t *wf, const cf_case_t *c,
                         cf_time_t now)
{
    const cf_wf_state_t *st = cf_workflow_state(wf, c->state);
    json_t *o = cf_case_to_json(c), *clocks = json_array();
    if (!o || !clocks) {
        json_decref(o);
        json_decref(clocks);
        return NULL;
    }
    for (unsigned i = 0; i < c->clocks_count; i++)
        json_array_append_new(clocks, clock_view(wf, &c->clocks[i], now));
    json_object_del(o, "history");
    set_time(o, "opened_at", c->opened_at);
    set_time(o, "updated_at", c->updated_at);
    set_time(o, "closed_at", c->closed_at);
    json_object_set_new(o, "version", json_integer(c->version));
    json_object_set_new(o, "closed", json_boolean(c->closed_at != 0));
    json_object_set_new(o, "state_name", json_string(st ? st->name : ""));
    json_object_set_new(o, "title", json_string(wf->doc->title));
    json_object_set_new(o, "clocks", clocks);
    json_object_set_new(o, "allowed", cf_engine_allowed(wf, c));
    char text[256]; /* the 案号 and the agency (issue 20), null when none */
    cf_error_t none;
    json_object_set_new(o, "number",
                        cf_store_case_number_get(store, c->id, text, sizeof(text), &none) == 0
                            ? json_string(text)
                            : json_null());
    json_object_set_new(o, "agency",
                        cf_store_case_agency(store, c->id, text, sizeof(text), &none) == 0
                            ? json_string(text)
                            : json_null());
    view_file(store, c, o);
    return o;
}

/* ---- the --explain count of a deadline (issue 22) ---------------------------------- */

static void add_line(void *ctx, const char *line)
{
    json_array_append_new(ctx, json_string(line));
}

/* Exported, documented in ops.h */
json_t *cf_ops_clock_explain(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                             const cf_clock_rt_t *k)
{
    const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
    if (!def || (k->state != CF_CLOCK_RUNNING && k->state != CF_CLOCK_PAUSED))
        return NULL;
    json_t *lines = json_array();
    if (!lines)
        return NULL;
    cf_period_t ext = {0, def->extension ? cf_wf_period(def->extension->max).unit : CF_UNIT_DAYS};
    if (k->extended)
        cf_period_parse(k->extended, &ext, NULL);
    cf_count_t n;
    cf_error_t err;
    char text[sizeof(err.text) + 64];
    cf_time_t from;
    int by_fact;
    if ((def->from_end_of || def->from_fact) &&
        cf_engine_clock_from(c, def, cal, c->facts, k->started_at, &from, &by_fact, text,
                             sizeof(text), &err) == 0 &&
        *text)
        add_line(lines, text);
    if (cf_engine_clock_deadline(def, cal, k, &ext, k->added, &n, add_line, lines, &err) != 0) {
        snprintf(text, sizeof(text), "cannot count: %s", err.text);
        json_array_append_new(lines, json_string(text));
        return lines;
    }
    char counted[CF_TIME_BUFSZ];
    cf_time_format(n.deadline, counted);
    if (n.deadline != k->deadline && k->counting < 2) {
        snprintf(text, sizeof(text),
                 "recorded under counting version 1 (added to the rolled deadline); counted once "
                 "it is %s",
                 counted);
        json_array_append_new(lines, json_string(text));
    } else if (n.deadline != k->deadline) {
        json_array_append_new(lines,
                              json_string("the recorded deadline differs: the calendar changed "
                                          "since; `caseflow calendar load` recounts it"));
    }
    return lines;
}

/* Exported, documented in ops.h */
void cf_ops_view_explain(json_t *view, const cf_workflow_t *wf, const cf_calendar_t *cal,
                         const cf_case_t *c)
{
    json_t *clocks = json_object_get(view, "clocks");
    if (!cal || json_array_size(clocks) != c->clocks_count)
        return;
    for (unsigned i = 0; i < c->clocks_count; i++) {
        json_t *lines = cf_ops_clock_explain(wf, cal, c, &c->clocks[i]);
        if (lines)
            json_object_set_new(json_array_get(clocks, i), "explain", lines);
    }
}
