/*
 * ops-workflow.c -- a workflow definition as JSON, one shape for `caseflow workflow
 * show --json` and the daemon's GET /v1/workflows/{id} (the workbench draws the
 * procedure and builds the action forms from it).
 *
 * Besides the machine as written (states, transitions, clocks, rules) it carries
 * what a form needs: facts [{id, name, type}] (type: number, string, bool, date,
 * list, amount; officers is a list of {name, cert}), and per transition requires
 * {facts, documents} and the optional documents; and what a drawing needs: the main
 * line. The main line is read from the author's order, not searched for: from the
 * initial state, the first transition declared (not from "*", not "@back") that
 * leads to a state not yet on the line, until a terminal state or none. Workflow
 * files list their transitions in the order of the procedure, so this is the
 * straight path from 线索 to 归档 that a person reads, with the exits (withdrawal,
 * no filing, transfer) beside it. Rejected: the longest simple path (exponential in
 * the worst case, and it would wander through the exits), the shortest (it would take
 * the first exit).
 */
#include "ops.h"

#include "period.h"

#include <string.h>

static json_t *strings(char *const *items, unsigned n)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static json_t *period_json(cf_wf_period_t p)
{
    char text[64];
    cf_period_format(cf_wf_period(p), text, sizeof(text));
    return json_string(text);
}

static json_t *clock_json(const cf_wf_clock_t *k)
{
    json_t *warn = json_array();
    for (unsigned i = 0; i < k->warn_count; i++)
        json_array_append_new(warn, period_json(k->warn[i]));
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:s, s:s?}", "id", k->id, "name", k->name,
        "period", period_json(k->period), "from_matter", k->from_matter, "start",
        strings(k->start, k->start_count), "stop", strings(k->stop, k->stop_count), "pause",
        strings(k->pause, k->pause_count), "resume", strings(k->resume, k->resume_count), "warn",
        warn, "basis", k->basis, "accountability", k->accountability);
    if (o && k->extension)
        json_object_set_new(o, "extension",
                            json_pack("{s:s, s:o, s:i}", "approver", k->extension->approver, "max",
                                      period_json(k->extension->max), "times",
                                      k->extension->times ? (int)k->extension->times : 1));
    return o;
}

/* Exported, documented in ops.h */
json_t *cf_ops_workflow_json(const cf_workflow_t *wf, int stored_version)
{
    const cf_wf_doc_t *d = wf->doc;
    json_t *states = json_array(), *trans = json_array(), *clocks = json_array(),
           *rules = json_array();
    for (unsigned i = 0; i < d->states_count; i++)
        json_array_append_new(states,
                              json_pack("{s:s, s:s, s:b, s:s?, s:s?}", "id", d->states[i].id,
                                        "name", d->states[i].name, "terminal",
                                        d->states[i].terminal, "responsibility",
                                        d->states[i].responsibility, "basis", d->states[i].basis));
    for (unsigned i = 0; i < d->transitions_count; i++) {
        const cf_wf_transition_t *t = &d->transitions[i];
        json_array_append_new(trans, json_pack("{s:s, s:s, s:o, s:s, s:o, s:s?, s:s?}", "action",
                                               t->action, "label", t->label, "from",
                                               strings(t->from, t->from_count), "to", t->to,
                                               "roles", strings(t->roles, t->roles_count), "guard",
                                               t->guard, "basis", t->basis));
    }
    for (unsigned i = 0; i < d->clocks_count; i++)
        json_array_append_new(clocks, clock_json(&d->clocks[i]));
    for (unsigned i = 0; i < d->rules_count; i++)
        json_array_append_new(rules,
                              json_pack("{s:s, s:o, s:s, s:s, s:s}", "id", d->rules[i].id, "on",
                                        strings(d->rules[i].on, d->rules[i].on_count), "check",
                                        d->rules[i].check, "article", d->rules[i].article,
                                        "message", d->rules[i].message));
    json_t *o =
        json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", d->id,
                  "author_version", (int)d->version, "version", stored_version, "hash", wf->hash,
                  "power_type", d->power_type, "title", d->title, "initial", d->initial, "states",
                  states, "transitions", trans, "clocks", clocks, "rules", rules);
    if (o && d->overlay_of)
        json_object_set_new(
            o, "overlay_of",
            json_pack("{s:s, s:s}", "id", d->overlay_of->id, "hash", d->overlay_of->hash));
    return o;
}

static const char *fact_type(cf_fact_type_t t)
{
    switch (t) {
    case CF_FACT_NUMBER:
        return "number";
    case CF_FACT_STRING:
        return "string";
    case CF_FACT_BOOL:
        return "bool";
    case CF_FACT_DATE:
        return "date";
    case CF_FACT_LIST:
        return "list";
    case CF_FACT_AMOUNT:
        return "amount";
    }
    return "string";
}

static int on_line(char *const *line, unsigned n, const char *state)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(line[i], state) == 0)
            return 1;
    return 0;
}

static int is_terminal(const cf_wf_doc_t *d, const char *state)
{
    for (unsigned i = 0; i < d->states_count; i++)
        if (strcmp(d->states[i].id, state) == 0)
            return d->states[i].terminal;
    return 0;
}

/* The main line's transitions (indexes into d->transitions) into OUT main (a flag per
 * transition) and its states into line (OUT *n). */
static void main_line(const cf_wf_doc_t *d, char *main, char **line, unsigned *n)
{
    *n = 0;
    line[(*n)++] = d->initial;
    while (*n < d->states_count && !is_terminal(d, line[*n - 1])) {
        const char *at = line[*n - 1];
        unsigned next = d->transitions_count;
        for (unsigned i = 0; i < d->transitions_count && next == d->transitions_count; i++) {
            const cf_wf_transition_t *t = &d->transitions[i];
            if (t->from_count == 1 && strcmp(t->from[0], "*") == 0)
                continue;
            if (t->to[0] == '@' || on_line(line, *n, t->to))
                continue;
            for (unsigned f = 0; f < t->from_count; f++)
                if (strcmp(t->from[f], at) == 0)
                    next = i;
        }
        if (next == d->transitions_count)
            break;
        main[next] = 1;
        line[(*n)++] = d->transitions[next].to;
    }
}

/* Exported, documented in ops.h */
json_t *cf_ops_workflow_form(const cf_workflow_t *wf, int stored_version)
{
    const cf_wf_doc_t *d = wf->doc;
    json_t *o = cf_ops_workflow_json(wf, stored_version), *facts = json_array(), *mains;
    char *main = calloc(d->transitions_count + 1, 1);
    char **line = calloc(d->states_count + 1, sizeof(*line));
    if (!o || !facts || !main || !line) {
        json_decref(o);
        json_decref(facts);
        free(main);
        free(line);
        return NULL;
    }
    for (unsigned i = 0; i < d->facts_count; i++) {
        json_t *f = json_pack("{s:s, s:s?, s:s}", "id", d->facts[i].id, "name", d->facts[i].name,
                              "type", fact_type(d->facts[i].type));
        if (f && d->facts[i].values_count) /* the values it takes, when it lists them */
            json_object_set_new(f, "values", strings(d->facts[i].values, d->facts[i].values_count));
        json_array_append_new(facts, f);
    }
    json_object_set_new(o, "facts", facts);
    unsigned n;
    main_line(d, main, line, &n);
    json_t *trans = json_object_get(o, "transitions");
    for (unsigned i = 0; i < d->transitions_count; i++) {
        const cf_wf_transition_t *t = &d->transitions[i];
        json_t *tj = json_array_get(trans, i);
        const cf_wf_requires_t *r = t->requires;
        json_object_set_new(
            tj, "requires",
            json_pack("{s:o, s:o}", "facts", strings(r ? r->facts : NULL, r ? r->facts_count : 0),
                      "documents", strings(r ? r->documents : NULL, r ? r->documents_count : 0)));
        json_object_set_new(tj, "documents", strings(t->documents, t->documents_count));
        json_object_set_new(tj, "main", json_boolean(main[i]));
    }
    mains = strings(line, n);
    json_object_set_new(o, "main_line", mains);
    free(main);
    free(line);
    return o;
}
