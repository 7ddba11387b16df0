/*
 * workflow-check.c -- checking a loaded workflow as a machine.
 *
 * libcyaml has already enforced the schema; what remains are the properties that
 * only make sense across the whole document: names that must resolve (states,
 * actions, facts, roles), ids that must be unique, every state reachable from
 * `initial`, no dead ends but terminal states, no way out of a terminal state,
 * no ambiguous action, and guards that compile and name only what exists. Every
 * problem is reported, each at the line of the node it concerns (yamlpos.c), so an
 * author fixes a file in one pass rather than one error per run.
 *
 * Cost: name resolution is linear search, O(states x transitions); a workflow has
 * tens of each and is checked once per load, so no index is worth its code.
 */
#include "evidence.h"
#include "workflow-int.h"
#include "yamlpos.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_roles[] = {"handler", "reviewer", "head"};

typedef struct check_s {
    cf_workflow_t *wf;
    const cf_wf_doc_t *doc;
    const char *source;
    cf_errlist_t *problems;
    cf__yamlpos_t pos;
    int oom;
} check_t;

/* Reports a problem at the node named by the path (printf-style). */
static void problem(check_t *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(check_t *c, const char *path, const char *fmt, ...)
{
    int line, column;
    cf__yamlpos_find(&c->pos, &line, &column, "%s", path);
    char text[CF_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (cf_errlist_add(c->problems, c->source, line, column, "%s", text) != 0)
        c->oom = 1;
}

static int id_ok(const char *id, const char *extra)
{
    if (!*id)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p)))
            return 0;
    return 1;
}

static int role_known(const cf_wf_doc_t *doc, const char *role)
{
    if (doc->roles_count)
        return cf_workflow_list_has(doc->roles, doc->roles_count, role);
    for (size_t i = 0; i < sizeof(default_roles) / sizeof(default_roles[0]); i++)
        if (strcmp(default_roles[i], role) == 0)
            return 1;
    return 0;
}

static int action_known(const cf_wf_doc_t *doc, const char *action)
{
    for (unsigned i = 0; i < doc->transitions_count; i++)
        if (strcmp(doc->transitions[i].action, action) == 0)
            return 1;
    return 0;
}

static int clock_known(const cf_wf_doc_t *doc, const char *clock)
{
    for (unsigned i = 0; i < doc->clocks_count; i++)
        if (strcmp(doc->clocks[i].id, clock) == 0)
            return 1;
    return 0;
}

/* ---- ids ------------------------------------------------------------------------ */

/* Fact i's id, unique, and what it names: the actions that alone change it, its clock;
 * its kind against its type. (With fact 0, the actions children_closed names: the order
 * problems are reported in.) */
static void check_fact(check_t *c, unsigned i)
{
    const cf_wf_doc_t *d = c->doc;
    char path[64];
    snprintf(path, sizeof(path), "facts.%u.id", i);
    if (!id_ok(d->facts[i].id, "_"))
        problem(c, path, "fact id '%s' must be lower-case letters, digits and '_'", d->facts[i].id);
    for (unsigned j = 0; j < i; j++)
        if (strcmp(d->facts[i].id, d->facts[j].id) == 0)
            problem(c, path, "duplicate fact id '%s'", d->facts[i].id);
    for (unsigned j = 0; i == 0 && d->children_closed && j < d->children_closed->on_count; j++)
        if (!action_known(d, d->children_closed->on[j])) {
            snprintf(path, sizeof(path), "children_closed.on.%u", j);
            problem(c, path, "children_closed names unknown action '%s'",
                    d->children_closed->on[j]);
        }
    for (unsigned j = 0; j < d->facts[i].only_by_count; j++)
        if (!action_known(d, d->facts[i].only_by[j])) {
            snprintf(path, sizeof(path), "facts.%u.only_by.%u", i, j);
            problem(c, path, "fact '%s' is changed only by unknown action '%s'", d->facts[i].id,
                    d->facts[i].only_by[j]);
        }
    if (d->facts[i].past && d->facts[i].type != CF_FACT_DATE) {
        snprintf(path, sizeof(path), "facts.%u.past", i);
        problem(c, path, "fact '%s' is 'past' but not a date", d->facts[i].id);
    }
    if (d->facts[i].values_count && d->facts[i].type != CF_FACT_STRING) {
        snprintf(path, sizeof(path), "facts.%u.values", i);
        problem(c, path, "fact '%s' lists values but is not a string", d->facts[i].id);
    }
    if (d->facts[i].since_clock &&
        (d->facts[i].type != CF_FACT_DATE || !clock_known(d, d->facts[i].since_clock))) {
        snprintf(path, sizeof(path), "facts.%u.since_clock", i);
        problem(c, path, "fact '%s': since_clock needs a date fact and a clock of the workflow",
                d->facts[i].id);
    }
}

/* State i's id, unique. */
static void check_state_id(check_t *c, unsigned i)
{
    const cf_wf_doc_t *d = c->doc;
    char path[64];
    snprintf(path, sizeof(path), "states.%u.id", i);
    if (!id_ok(d->states[i].id, "_-"))
        problem(c, path, "state id '%s' must be lower-case letters, digits, '_' and '-'",
                d->states[i].id);
    for (unsigned j = 0; j < i; j++)
        if (strcmp(d->states[i].id, d->states[j].id) == 0)
            problem(c, path, "duplicate state id '%s'", d->states[i].id);
}

static void check_ids(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    char path[64];
    if (!id_ok(d->id, "-"))
        problem(c, "id", "workflow id '%s' must be lower-case letters, digits and '-'", d->id);
    if (d->version < 1)
        problem(c, "version", "version must be 1 or more");
    for (unsigned i = 0; i < d->facts_count; i++)
        check_fact(c, i);
    for (unsigned i = 0; i < d->states_count; i++)
        check_state_id(c, i);
    for (unsigned i = 0; i < d->clocks_count; i++)
        for (unsigned j = 0; j < i; j++)
            if (strcmp(d->clocks[i].id, d->clocks[j].id) == 0) {
                snprintf(path, sizeof(path), "clocks.%u.id", i);
                problem(c, path, "duplicate clock id '%s'", d->clocks[i].id);
            }
    for (unsigned i = 0; i < d->rules_count; i++)
        for (unsigned j = 0; j < i; j++)
            if (strcmp(d->rules[i].id, d->rules[j].id) == 0) {
                snprintf(path, sizeof(path), "rules.%u.id", i);
                problem(c, path, "duplicate rule id '%s'", d->rules[i].id);
            }
    if (!cf_workflow_state(c->wf, d->initial))
        problem(c, "initial", "initial state '%s' is not a state of this workflow", d->initial);
}

/* ---- guards --------------------------------------------------------------------- */

typedef struct ref_ctx_s {
    check_t *c;
    const char *path;
} ref_ctx_t;

static void on_ref(void *ctx, cf_guard_ref_kind_t kind, const char *name, int column)
{
    ref_ctx_t *r = ctx;
    if (kind == CF_GUARD_REF_FACT && !cf_workflow_fact(r->c->wf, name))
        problem(r->c, r->path, "guard names undeclared fact '%s' (column %d of the expression)",
                name, column);
    else if (kind == CF_GUARD_REF_ACTION && !action_known(r->c->doc, name) &&
             strcmp(name, "open") != 0)
        problem(r->c, r->path, "guard names unknown action '%s' (column %d of the expression)",
                name, column);
    else if (kind == CF_GUARD_REF_CLOCK && !cf_workflow_clock(r->c->wf, name))
        problem(r->c, r->path, "guard names unknown clock '%s' (column %d of the expression)", name,
                column);
    else if (kind == CF_GUARD_REF_DATE && !cf_workflow_fact(r->c->wf, name))
        problem(r->c, r->path, "guard names undeclared fact '%s' (column %d of the expression)",
                name, column);
    else if (kind == CF_GUARD_REF_DATE && cf_workflow_fact(r->c->wf, name)->type != CF_FACT_DATE)
        problem(r->c, r->path,
                "waited() and elapsed(clock, date) take a date: fact '%s' is not declared with "
                "type date (column %d of the expression)",
                name, column);
}

/* Compiles text into *out and checks its names; problems at path. */
static void compile_guard(check_t *c, const char *text, const char *path, cf_guard_t **out)
{
    cf_error_t err;
    cf_error_clear(&err);
    int rc = cf_guard_compile(text, out, &err);
    if (rc == CF_ENOMEM) {
        c->oom = 1;
        return;
    }
    if (rc != 0) {
        problem(c, path, "malformed guard '%s': %s", text, err.text);
        return;
    }
    ref_ctx_t r = {c, path};
    cf_guard_refs(*out, on_ref, &r);
}

/* ---- transitions ---------------------------------------------------------------- */

static void check_transition_refs(check_t *c, unsigned i)
{
    const cf_wf_transition_t *t = &c->doc->transitions[i];
    char path[96];
    snprintf(path, sizeof(path), "transitions.%u.action", i);
    if (!id_ok(t->action, "_"))
        problem(c, path, "action '%s' must be lower-case letters, digits and '_'", t->action);
    int star = t->from_count == 1 && strcmp(t->from[0], "*") == 0;
    for (unsigned j = 0; !star && j < t->from_count; j++) {
        snprintf(path, sizeof(path), "transitions.%u.from.%u", i, j);
        const cf_wf_state_t *s = cf_workflow_state(c->wf, t->from[j]);
        if (!s)
            problem(c, path, "action '%s' comes from unknown state '%s'", t->action, t->from[j]);
        else if (s->terminal)
            problem(c, path, "terminal state '%s' has an outgoing transition '%s'", s->id,
                    t->action);
    }
    if (t->from_count == 0) {
        snprintf(path, sizeof(path), "transitions.%u.from", i);
        problem(c, path, "action '%s' has an empty 'from' list", t->action);
    }
    snprintf(path, sizeof(path), "transitions.%u.to", i);
    if (strcmp(t->to, "@back") != 0 && strcmp(t->to, "@stay") != 0 &&
        !cf_workflow_state(c->wf, t->to))
        problem(c, path, "action '%s' goes to unknown state '%s'", t->action, t->to);
    for (unsigned j = 0; j < t->roles_count; j++) {
        snprintf(path, sizeof(path), "transitions.%u.roles.%u", i, j);
        if (!role_known(c->doc, t->roles[j]))
            problem(c, path, "action '%s' names unknown role '%s'", t->action, t->roles[j]);
    }
    for (unsigned j = 0; t->requires && j < t->requires->facts_count; j++) {
        snprintf(path, sizeof(path), "transitions.%u.requires.facts.%u", i, j);
        if (!cf_workflow_fact(c->wf, t->requires->facts[j]))
            problem(c, path, "action '%s' requires undeclared fact '%s'", t->action,
                    t->requires->facts[j]);
    }
    if (t->assigns && strcmp(t->assigns, "case_number") != 0 &&
        strcmp(t->assigns, "decision_number") != 0 && strcmp(t->assigns, "archive_number") != 0) {
        snprintf(path, sizeof(path), "transitions.%u.assigns", i);
        problem(c, path,
                "action '%s' assigns '%s': only case_number, decision_number and "
                "archive_number are known",
                t->action, t->assigns);
    }
    if (t->guard) {
        snprintf(path, sizeof(path), "transitions.%u.guard", i);
        compile_guard(c, t->guard, path, &c->wf->guards[i]);
    }
}

/* Two transitions for the same action that can leave the same state must both be
 * guarded, or the machine cannot tell which to take. */
static void check_ambiguity(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    char path[64];
    for (unsigned s = 0; s < d->states_count; s++) {
        const char *state = d->states[s].id;
        for (unsigned i = 0; i < d->transitions_count; i++) {
            const cf_wf_transition_t *a = &d->transitions[i];
            if (!cf_workflow_from_matches(c->wf, a, state))
                continue;
            for (unsigned j = i + 1; j < d->transitions_count; j++) {
                const cf_wf_transition_t *b = &d->transitions[j];
                if (strcmp(a->action, b->action) != 0 || !cf_workflow_from_matches(c->wf, b, state))
                    continue;
                if (a->guard && b->guard)
                    continue;
                snprintf(path, sizeof(path), "transitions.%u", j);
                problem(c, path,
                        "action '%s' from state '%s' has two transitions and no guard to tell "
                        "them apart",
                        a->action, state);
            }
        }
    }
}

/* ---- reachability --------------------------------------------------------------- */

static void check_graph(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    unsigned n = d->states_count;
    char *seen = calloc(n ? n : 1, 1);
    unsigned *queue = calloc(n ? n : 1, sizeof(*queue));
    if (!seen || !queue) {
        c->oom = 1;
        goto out;
    }
    unsigned head = 0, tail = 0;
    for (unsigned s = 0; s < n; s++)
        if (strcmp(d->states[s].id, d->initial) == 0)
            seen[s] = 1, queue[tail++] = s;
    /* "@back" only returns to a state already visited, so it adds no edge. */
    while (head < tail) {
        const char *from = d->states[queue[head++]].id;
        for (unsigned i = 0; i < d->transitions_count; i++) {
            const cf_wf_transition_t *t = &d->transitions[i];
            if (!cf_workflow_from_matches(c->wf, t, from))
                continue;
            for (unsigned s = 0; s < n; s++)
                if (!seen[s] && strcmp(d->states[s].id, t->to) == 0)
                    seen[s] = 1, queue[tail++] = s;
        }
    }
    char path[64];
    for (unsigned s = 0; s < n; s++) {
        snprintf(path, sizeof(path), "states.%u", s);
        if (!seen[s] && cf_workflow_state(c->wf, d->initial))
            problem(c, path, "state '%s' is unreachable from '%s'", d->states[s].id, d->initial);
        int out_edges = 0;
        for (unsigned i = 0; i < d->transitions_count; i++)
            out_edges += cf_workflow_from_matches(c->wf, &d->transitions[i], d->states[s].id);
        if (!d->states[s].terminal && out_edges == 0)
            problem(c, path, "state '%s' is a dead end but is not marked terminal",
                    d->states[s].id);
    }
out:
    free(seen);
    free(queue);
}

/* ---- clocks and rules ----------------------------------------------------------- */

static void check_action_list(check_t *c, char *const *list, unsigned count, const char *what,
                              const char *owner, unsigned index, const char *key)
{
    char path[96];
    for (unsigned j = 0; j < count; j++) {
        if (action_known(c->doc, list[j]) ||
            (strcmp(key, "start") == 0 && !strcmp(list[j], "open")))
            continue;
        snprintf(path, sizeof(path), "%ss.%u.%s.%u", owner, index, key, j);
        problem(c, path, "%s '%s' names unknown action '%s' in '%s'", owner, what, list[j], key);
    }
}

/* A clock's postmark (`posted`, 在途时间) must be a declared date fact. */
static void check_clock_posted(check_t *c, const cf_wf_clock_t *k, unsigned i)
{
    char path[96];
    if (k->posted && (!cf_workflow_fact(c->wf, k->posted) ||
                      cf_workflow_fact(c->wf, k->posted)->type != CF_FACT_DATE)) {
        snprintf(path, sizeof(path), "clocks.%u.posted", i);
        problem(c, path,
                "clock '%s' takes its postmark from fact '%s', which is not a declared date fact",
                k->id, k->posted);
    }
}

static void check_clocks(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    char path[96];
    for (unsigned i = 0; i < d->clocks_count; i++) {
        const cf_wf_clock_t *k = &d->clocks[i];
        check_action_list(c, k->start, k->start_count, k->id, "clock", i, "start");
        check_action_list(c, k->stop, k->stop_count, k->id, "clock", i, "stop");
        check_action_list(c, k->pause, k->pause_count, k->id, "clock", i, "pause");
        check_action_list(c, k->resume, k->resume_count, k->id, "clock", i, "resume");
        if (k->pause_count && !k->resume_count) {
            snprintf(path, sizeof(path), "clocks.%u.pause", i);
            problem(c, path, "clock '%s' can be paused but names no action to resume it", k->id);
        }
        if (k->pause_from_deadline && !k->pause_count) {
            snprintf(path, sizeof(path), "clocks.%u.pause_from_deadline", i);
            problem(c, path, "clock '%s' has pause_from_deadline but no pause action", k->id);
        }
        /* Zero only with from_fact: the date itself is the deadline (an approved plan's
         * last day, rolled off a rest day), as penalty-summary's deferral counts it. */
        if (k->period.amount == 0 && !k->from_fact) {
            snprintf(path, sizeof(path), "clocks.%u.period", i);
            problem(c, path, "clock '%s' has a period of zero", k->id);
        }
        if (k->extension && k->extension->further_after &&
            !action_known(d, k->extension->further_after)) {
            snprintf(path, sizeof(path), "clocks.%u.extension.further_after", i);
            problem(c, path, "clock '%s' names unknown action '%s' in 'further_after'", k->id,
                    k->extension->further_after);
        }
        if (k->from_end_of &&
            (!cf_workflow_clock(c->wf, k->from_end_of) || strcmp(k->from_end_of, k->id) == 0)) {
            snprintf(path, sizeof(path), "clocks.%u.from_end_of", i);
            problem(c, path, "clock '%s' counts from the end of '%s', which is not another clock",
                    k->id, k->from_end_of);
        }
        if (k->from_fact && (!cf_workflow_fact(c->wf, k->from_fact) ||
                             cf_workflow_fact(c->wf, k->from_fact)->type != CF_FACT_DATE)) {
            snprintf(path, sizeof(path), "clocks.%u.from_fact", i);
            problem(c, path, "clock '%s' counts from fact '%s', which is not a declared date fact",
                    k->id, k->from_fact);
        }
        check_clock_posted(c, k, i);
        if (k->extension && k->extension->after && !action_known(d, k->extension->after)) {
            snprintf(path, sizeof(path), "clocks.%u.extension.after", i);
            problem(c, path, "clock '%s' names unknown action '%s' in 'after'", k->id,
                    k->extension->after);
        }
        if (k->extension && !role_known(d, k->extension->approver)) {
            snprintf(path, sizeof(path), "clocks.%u.extension.approver", i);
            problem(c, path, "clock '%s' names unknown approver role '%s'", k->id,
                    k->extension->approver);
        }
    }
}

static void check_rules(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    char path[96];
    for (unsigned i = 0; i < d->rules_count; i++) {
        check_action_list(c, d->rules[i].on, d->rules[i].on_count, d->rules[i].id, "rule", i, "on");
        snprintf(path, sizeof(path), "rules.%u.check", i);
        compile_guard(c, d->rules[i].check, path, &c->wf->checks[i]);
    }
}

/* `cause: dictionary` binds the 案由 named by the fact `cause` (a situation id, text):
 * a workflow that declares that fact must declare it a string. */
static void check_cause(check_t *c)
{
    const cf_wf_fact_t *f = cf_workflow_fact(c->wf, "cause");
    if (c->doc->cause == CF_WF_CAUSE_DICTIONARY && f && f->type != CF_FACT_STRING)
        problem(c, "cause",
                "cause: dictionary binds the fact 'cause' as a 案由 id: declare it type string");
}

/* evidence_required (evidence.h): actions that exist, kinds the law names, and at
 * least one kind to require; ids unique. */
static void check_evidence_rules(check_t *c)
{
    const cf_wf_doc_t *d = c->doc;
    char path[96];
    for (unsigned i = 0; i < d->evidence_required_count; i++) {
        const cf_wf_evidence_rule_t *r = &d->evidence_required[i];
        check_action_list(c, r->on, r->on_count, r->id, "evidence_required", i, "on");
        snprintf(path, sizeof(path), "evidence_required.%u", i);
        if (!r->any_of_count && !r->all_of_count)
            problem(c, path, "evidence rule '%s' names no kind (any_of or all_of)", r->id);
        for (unsigned j = 0; j < i; j++)
            if (strcmp(r->id, d->evidence_required[j].id) == 0)
                problem(c, path, "duplicate evidence rule id '%s'", r->id);
        for (unsigned k = 0; k < r->any_of_count + r->all_of_count; k++) {
            const char *kind = k < r->any_of_count ? r->any_of[k] : r->all_of[k - r->any_of_count];
            if (cf_evidence_kind_known(kind) || cf_record_kind_known(kind))
                continue;
            snprintf(path, sizeof(path), "evidence_required.%u.%s.%u", i,
                     k < r->any_of_count ? "any_of" : "all_of",
                     k < r->any_of_count ? k : k - r->any_of_count);
            problem(c, path, "evidence rule '%s' names unknown kind '%s' (kinds: %s; records: %s)",
                    r->id, kind, cf_evidence_kinds_text(), cf_record_kinds_text());
        }
    }
}

/* Exported, documented in workflow-int.h */
int cf__workflow_check(cf_workflow_t *wf, const char *source, cf_errlist_t *problems)
{
    check_t c = {.wf = wf, .doc = wf->doc, .source = source, .problems = problems};
    wf->guards = calloc(wf->doc->transitions_count + 1, sizeof(*wf->guards));
    wf->checks = calloc(wf->doc->rules_count + 1, sizeof(*wf->checks));
    if (!wf->guards || !wf->checks)
        return CF_ENOMEM;
    cf__yamlpos_build(&c.pos, wf->source, wf->source_len);
    check_ids(&c);
    for (unsigned i = 0; i < wf->doc->transitions_count; i++)
        check_transition_refs(&c, i);
    check_ambiguity(&c);
    check_graph(&c);
    check_clocks(&c);
    check_rules(&c);
    check_cause(&c);
    check_evidence_rules(&c);
    cf__yamlpos_free(&c.pos);
    return c.oom ? CF_ENOMEM : 0;
}
