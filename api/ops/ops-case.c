/*
 * ops-case.c -- the changes to a case: open, act (every action a workflow
 * declares: file, recuse, preserve_evidence, pay ...), extend a clock, record an
 * excluded period. Each reads (ops.c), asks the engine, and writes (ops.c).
 *
 *   open     workflow or matter -> facts, officers, 案由 -> cf_engine_open -> write
 *   act      case (agency, If-Match) -> facts, documents -> cf_engine_act -> write
 *   extend   case -> period -> cf_engine_extend -> write
 *   exclude  case -> from, to -> cf_engine_exclude -> write
 *
 * Input errors come before a refusal, as in the engine: a request that is both
 * malformed and not allowed is answered as malformed.
 */
#include "evidence.h"
#include "ops-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A refusal from the engine: the code, with out->why filled. */
static int refused(cf_ops_out_t *out, int rc)
{
    out->refused = 1;
    return rc;
}

/* ---- open ---------------------------------------------------------------------------------- */

/* The newest stored version of workflow id, through the cache. */
static int newest_workflow(cf_ops_t *ops, const char *id, const cf_workflow_t **wf, cf_error_t *err)
{
    json_t *list, *w;
    size_t i;
    const char *hash = NULL;
    int rc = cf_store_workflow_list(ops->store, &list, err);
    if (rc != 0)
        return rc;
    json_array_foreach(list, i, w) /* by id, then version: the last match is the newest */
    {
        if (strcmp(json_string_value(json_object_get(w, "id")), id) == 0)
            hash = json_string_value(json_object_get(w, "hash"));
    }
    rc = hash ? cf_wfcache_get(ops->wfs, ops->store, hash, wf, err)
              : cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no workflow '%s'", id);
    json_decref(list);
    return rc;
}

/* 1 if the array of strings list holds id. */
static int listed(const json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)list, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return 1;
    }
    return 0;
}

/* Resolves the workflow (or the matter's first) and checks the parent. OUT
 * *matter (new, or NULL). */
static int resolve_open(cf_ops_t *ops, const cf_ops_open_t *in, const cf_workflow_t **wf,
                        json_t **matter, cf_error_t *err)
{
    const char *wf_id = in->workflow;
    int rc = 0;
    if (in->matter && (rc = cf_store_matter_get(ops->store, in->matter, matter, err)) != 0)
        return rc;
    if (in->matter && !wf_id)
        wf_id = json_string_value(json_array_get(json_object_get(*matter, "workflows"), 0));
    if (!wf_id)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "give the workflow (--workflow, \"workflow\") or a matter");
    if (in->matter && !listed(json_object_get(*matter, "workflows"), wf_id))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "matter '%s' is not handled by workflow '%s'", in->matter, wf_id);
    if (in->parent) {
        cf_case_t p;
        const cf_workflow_t *pwf;
        if ((rc = cf_ops_case(ops, &in->by, in->parent, &p, &pwf, err)) != 0)
            return rc;
        cf_case_dispose(&p);
    }
    return newest_workflow(ops, wf_id, wf, err);
}

/* officers ([{"name", "cert"}]) into facts' "officers", which wf must declare. */
static int open_officers(const cf_workflow_t *wf, const json_t *officers, json_t *facts,
                         cf_error_t *err)
{
    if (!officers || json_is_null(officers))
        return 0;
    const cf_wf_fact_t *f = cf_workflow_fact(wf, "officers");
    if (!f || f->type != CF_FACT_LIST)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "workflow '%s' declares no list fact 'officers' (执法人员): officers "
                            "cannot be given with it",
                            wf->doc->id);
    if (json_object_get(facts, "officers"))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "give the officers either as officers or as the fact officers, "
                            "not both");
    size_t i;
    json_t *o;
    if (!json_is_array(officers))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "officers must be a list of {\"name\", \"cert\"}");
    json_array_foreach((json_t *)officers, i, o) {
        if (!json_is_string(json_object_get(o, "name")) ||
            !json_is_string(json_object_get(o, "cert")) || json_object_size(o) != 2)
            return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                                "officer %zu is not {\"name\": 姓名, \"cert\": 执法证号}", i + 1);
    }
    return json_object_set_new(facts, "officers", json_deep_copy(officers)) ? CF_ENOMEM : 0;
}

/* The record of 案由 situation id, checked against the party's type. OUT *cause. */
static int open_cause(cf_ops_t *ops, const cf_workflow_t *wf, const char *id,
                      const char *party_type, json_t **cause, cf_ops_out_t *out)
{
    cf_error_t *err = &out->err;
    if (wf->doc->cause != CF_WF_CAUSE_DICTIONARY)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "a cause (案由) is only for workflows that bind one (`cause: "
                            "dictionary`: the 行政处罚 workflows); '%s' (%s) does not",
                            wf->doc->id, wf->doc->power_type);
    cf_causes_t *set = NULL;
    cf_cause_ref_t ref;
    cf_error_t refusal;
    int rc = cf_store_causes_load(ops->store, &set, err);
    if (rc == 0)
        rc = cf_causes_lookup(set, id, &ref, err);
    if (rc == 0 && cf_cause_check_party(&ref, party_type, &refusal) != 0) {
        rc = refused(out, CF_EREFUSED);
        snprintf(out->why.text, sizeof(out->why.text), "%s", refusal.text);
        snprintf(out->why.rule, sizeof(out->why.rule), "cause-subject");
        snprintf(out->why.article, sizeof(out->why.article), "%s", ref.dict->source->document);
    }
    json_t *record = rc == 0 ? cf_cause_ref_json(&ref) : NULL;
    if (rc == 0 && !record)
        rc = CF_ENOMEM;
    cf_causes_free(set);
    if (rc == 0)
        *cause = record;
    return rc;
}

/* Filing binds a 案由 (issue 18 item 6): with dictionaries stored, the `cause` fact
 * of a workflow marked `cause: dictionary` (the 行政处罚 ones; the YAML decides, not
 * the power type) must be a situation id of the party's subject type. OUT
 * *cause: its record for cf_act_t.cause, or NULL when the facts name none or no
 * dictionary is stored. Free text is CF_EINVALID; another subject type a refusal. */
static int act_cause(cf_ops_t *ops, const cf_workflow_t *wf, const cf_case_t *c,
                     const json_t *facts, json_t **cause, cf_ops_out_t *out)
{
    const char *text = json_string_value(json_object_get(facts, "cause"));
    *cause = NULL;
    if (!text || wf->doc->cause != CF_WF_CAUSE_DICTIONARY)
        return 0;
    cf_causes_t *set = NULL;
    cf_cause_ref_t ref;
    cf_error_t lookup;
    int rc = cf_store_causes_load(ops->store, &set, &out->err);
    size_t n = rc == 0 ? cf_causes_count(set) : 0;
    if (n > 0 && cf_causes_lookup(set, text, &ref, &lookup) != 0)
        rc = cf_error_set(&out->err, CF_EINVALID, NULL, 0, 0,
                          "fact 'cause': '%s' is not a situation of the stored 案由 dictionaries "
                          "(%s): give its id, as `caseflow cause list` shows it (js-2024:14)",
                          text, lookup.text);
    cf_causes_free(set);
    if (rc == 0 && n > 0)
        rc = open_cause(ops, wf, text, json_string_value(json_object_get(c->party, "type")), cause,
                        out);
    if (rc == CF_EREFUSED && out->refused && !out->why.allowed) /* what may be done instead */
        out->why.allowed = cf_engine_allowed(wf, c);
    return rc;
}

/* The agency a new case belongs to (issue 20 item 0): the caller's (a token's),
 * the one given, else the database's default. OUT agency (size bytes; "" for
 * none, a database set up without one). */
static int open_agency(cf_ops_t *ops, const cf_ops_open_t *in, char *agency, size_t size,
                       cf_error_t *err)
{
    agency[0] = '\0';
    if (in->by.agency && in->agency && strcmp(in->by.agency, in->agency) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "agency '%s' is not the caller's agency '%s'", in->agency,
                            in->by.agency);
    const char *given = in->by.agency ? in->by.agency : in->agency;
    if (given && !*given)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "the agency must not be empty");
    if (given && strlen(given) >= size)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "the agency's name is too long");
    if (given) {
        snprintf(agency, size, "%s", given);
        return 0;
    }
    int rc = cf_store_setting_get(ops->store, CF_SETTING_AGENCY, agency, size, err);
    if (rc == CF_ENOTFOUND)
        agency[0] = '\0';
    return rc == CF_ENOTFOUND ? 0 : rc;
}

/* Exported, documented in ops.h */
int cf_ops_open(cf_ops_t *ops, const cf_ops_open_t *in, cf_ops_out_t *out)
{
    const cf_workflow_t *wf = NULL;
    json_t *matter = NULL, *facts = NULL, *cause = NULL, *events = NULL;
    const json_t *party = in->party;
    cf_case_t c;
    cf_error_t *err = &out->err;
    char agency[128] = "";
    int rc = cf_case_init(&c);
    if (rc == 0)
        rc = open_agency(ops, in, agency, sizeof(agency), err);
    if (rc == 0 && (!json_is_string(json_object_get(party, "name")) ||
                    cf_text_blank(json_string_value(json_object_get(party, "name")))))
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "the party needs a name");
    if (rc == 0 && !json_is_null(json_object_get(party, "type")) &&
        json_object_get(party, "type") && !json_is_string(json_object_get(party, "type")))
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "the party's type must be a string");
    if (rc == 0 && (rc = cf_ops_check_depth(party, "the party", err)) == 0)
        rc = resolve_open(ops, in, &wf, &matter, err);
    if (rc == 0)
        rc = cf__ops_facts(wf, in->facts, &facts, err);
    if (rc == 0)
        rc = open_officers(wf, in->officers, facts, err);
    cf_open_t req = {.actor = in->by.actor,
                     .role = in->by.role ? in->by.role : "handler",
                     .party = party,
                     .matter_id = in->matter,
                     .matter = matter,
                     .parent = in->parent,
                     .facts = facts,
                     .algo = in->algo};
    if (rc == 0)
        rc = cf__ops_when(ops, &in->by, NULL, &req.at, err);
    if (rc == 0 && in->cause)
        rc = open_cause(ops, wf, in->cause, json_string_value(json_object_get(party, "type")),
                        &cause, out);
    req.cause = cause;
    if (rc == 0 && (rc = cf_engine_open(wf, ops->cal, &req, &events, &out->why)) != 0)
        refused(out, rc);
    c.algo = in->algo;
    cf__ops_write_t w = {.by = &in->by,
                         .wf = wf,
                         .events = events,
                         .opening = 1,
                         .agency = agency[0] ? agency : NULL};
    if (rc == 0)
        rc = cf__ops_commit(ops, &w, &c, out);
    json_decref(facts);
    json_decref(cause);
    json_decref(events);
    json_decref(matter);
    cf_case_dispose(&c);
    return rc;
}

/* ---- act ----------------------------------------------------------------------------------- */

/* Adds the n names to the array set, each once. */
static void add_names(json_t *set, char *const *names, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!listed(set, names[i]))
            json_array_append_new(set, json_string(names[i]));
}

/* Documents by name, checked (issue 20 item 3): each name must be one a transition
 * of action declares, required (requires.documents) or optional (documents), or a
 * kind of evidence or record (evidence.h: a 询问笔录 attached to an action). An
 * action the workflow does not declare is left to the engine's refusal. Anything
 * else is CF_EINVALID naming the names allowed. */
static int check_doc_names(const cf_workflow_t *wf, const char *action, const cf_ops_doc_t *docs,
                           size_t n, cf_error_t *err)
{
    if (n == 0 || !action)
        return 0;
    json_t *allowed = json_array();
    int known = 0, rc = allowed ? 0 : CF_ENOMEM;
    for (unsigned i = 0; rc == 0 && i < wf->doc->transitions_count; i++) {
        const cf_wf_transition_t *t = &wf->doc->transitions[i];
        if (strcmp(t->action, action) != 0)
            continue;
        known = 1;
        if (t->requires)
            add_names(allowed, t->requires->documents, t->requires->documents_count);
        add_names(allowed, t->documents, t->documents_count);
    }
    for (size_t i = 0; rc == 0 && known && i < n; i++) {
        if (docs[i].name &&
            (listed(allowed, docs[i].name) || cf_evidence_kind_known(docs[i].name) ||
             cf_record_kind_known(docs[i].name)))
            continue;
        char *names = json_dumps(allowed, JSON_COMPACT);
        rc = cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                          "document '%s' is not one action '%s' of workflow '%s' takes; "
                          "allowed: %s, or a kind of evidence or record (%s; %s)",
                          docs[i].name ? docs[i].name : "", action, wf->doc->id,
                          json_array_size(allowed) && names ? names : "none",
                          cf_evidence_kinds_text(), cf_record_kinds_text());
        free(names);
    }
    json_decref(allowed);
    return rc;
}

/* Exported, documented in ops-int.h */
const char *cf__ops_assigns_of(const cf_workflow_t *wf, const cf_case_t *c, const char *action)
{
    for (unsigned i = 0; action && c->state && i < wf->doc->transitions_count; i++) {
        const cf_wf_transition_t *t = &wf->doc->transitions[i];
        if (strcmp(t->action, action) != 0 || !t->assigns)
            continue;
        for (unsigned j = 0; j < t->from_count; j++)
            if (strcmp(t->from[j], c->state) == 0 || strcmp(t->from[j], "*") == 0)
                return t->assigns;
    }
    return NULL;
}

/* The responsible head (issue 20 item 1b) is named at filing: the fact responsible
 * (负责人), when the workflow declares it and the filing does not give it, is the
 * filing's actor (filing is the head's act). */
static int filing_head(const cf_workflow_t *wf, const char *assigns, const cf_ops_by_t *by,
                       json_t *facts)
{
    if (!assigns || strcmp(assigns, "case_number") != 0 || !by->actor ||
        !cf_workflow_fact(wf, "responsible") || json_object_get(facts, "responsible"))
        return 0;
    return json_object_set_new(facts, "responsible", json_string(by->actor)) ? CF_ENOMEM : 0;
}

/* cf_ops_act, once (its case perhaps from the writer's cache unchecked: cf__ops_load). */
static int act_once(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_out_t *out)
{
    cf_case_t c;
    const cf_workflow_t *wf;
    json_t *matter = NULL, *facts = NULL, *refs = NULL, *events = NULL;
    cf__ops_doc_t *docs = NULL;
    cf_error_t *err = &out->err;
    int rc = cf__ops_load(ops, &in->by, in->case_id, &c, &wf, out);
    if (rc != 0)
        return rc;
    cf_act_t req = {.action = in->action, .actor = in->by.actor, .role = in->by.role};
    if (!in->action || !*in->action)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                          "the action is required (\"action\": one the case allows now)");
    if (rc == 0)
        rc = cf__ops_facts(wf, in->facts, &facts, err);
    if (rc == 0)
        rc = cf__ops_when(ops, &in->by, NULL, &req.at, err); /* the engine orders it */
    if (rc == 0 && c.matter_id)
        rc = cf_store_matter_get(ops->store, c.matter_id, &matter, err);
    const char *assigns = rc == 0 ? cf__ops_assigns_of(wf, &c, in->action) : NULL;
    if (rc == 0)
        rc = filing_head(wf, assigns, &in->by, facts);
    if (rc == 0)
        rc = check_doc_names(wf, in->action, in->docs, in->docs_count, err);
    if (rc == 0)
        rc = cf__ops_docs(ops, in->docs, in->docs_count, &docs, &refs, err);
    json_t *cause = NULL, *children = NULL;
    if (rc == 0)
        rc = act_cause(ops, wf, &c, facts, &cause, out);
    /* child cases still open, read only when the workflow's children_closed names the
     * action (a query per transition otherwise: callgrind, docs/performance.md) */
    if (rc == 0 && cf_engine_act_needs_children(wf, in->action))
        rc = cf_store_case_list(ops->store, &(cf_case_filter_t){.parent = c.id, .open_only = 1},
                                &children, err);
    req.cause = cause;
    req.children = children;
    req.facts = facts;
    req.documents = refs;
    req.matter = matter;
    if (rc == 0 && (rc = cf_engine_act(wf, ops->cal, &c, &req, &events, &out->why)) != 0)
        refused(out, rc);
    cf__ops_write_t w = {.by = &in->by,
                         .wf = wf,
                         .events = events,
                         .docs = docs,
                         .docs_count = docs ? in->docs_count : 0,
                         .assigns = assigns};
    if (rc == 0)
        rc = cf__ops_commit(ops, &w, &c, out);
    cf__ops_docs_free(docs, in->docs_count);
    json_decref(cause);
    json_decref(children);
    json_decref(facts);
    json_decref(refs);
    json_decref(events);
    json_decref(matter);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_act(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_out_t *out)
{
    int rc = act_once(ops, in, out);
    return cf__ops_stale(rc, out) ? act_once(ops, in, out) : rc;
}

/* ---- extend and exclude --------------------------------------------------------------------- */

/* A change to one of a case's clocks: an extension or an excluded period. Exactly one
 * of extend_in and exclude_in is set; the engine's request for it is read into the
 * matching one of extend and exclude. */
typedef struct clock_change_s {
    const cf_ops_extend_t *extend_in;
    const cf_ops_exclude_t *exclude_in;
    cf_extend_t extend;
    cf_exclude_t exclude;
} clock_change_t;

/* The engine's request of an extension: the clock, the period ("30 days"). */
static int read_extend(const cf_ops_extend_t *in, cf_extend_t *req, cf_error_t *err)
{
    *req = (cf_extend_t){
        .clock = in->clock, .actor = in->by.actor, .role = in->by.role, .reason = in->reason};
    if (!in->clock || !in->period)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "the clock and the period are required (\"clock\": a clock of the "
                            "case; \"by\": a period such as \"30 days\")");
    int rc = cf_period_parse(in->period, &req->by, err);
    return rc == CF_EPARSE ? CF_EINVAL : rc;
}

/* The engine's request of an excluded period: the clock, from, to, the reason. */
static int read_exclude(const cf_ops_exclude_t *in, cf_exclude_t *req, cf_error_t *err)
{
    *req = (cf_exclude_t){
        .clock = in->clock, .actor = in->by.actor, .role = in->by.role, .reason = in->reason};
    int rc = 0;
    if (!in->clock || !in->from || !in->to || !in->reason)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                          "the clock, from, to and the reason are required");
    if (rc == 0)
        rc = cf_time_parse(in->from, &req->from, err);
    if (rc == 0)
        rc = cf_time_parse(in->to, &req->to, err);
    return rc;
}

/* What extend and exclude share: the case (agency, role, If-Match: cf__ops_load), then
 * the input read (so a missing case is answered before bad input, as for act), the
 * time, the engine's events, and the write (append, alerts index: cf__ops_commit). */
static int clock_change_once(cf_ops_t *ops, const cf_ops_by_t *by, int64_t case_id,
                             clock_change_t *ch, cf_ops_out_t *out)
{
    cf_case_t c;
    const cf_workflow_t *wf;
    json_t *events = NULL;
    cf_error_t *err = &out->err;
    int rc = cf__ops_load(ops, by, case_id, &c, &wf, out);
    if (rc != 0)
        return rc;
    int extend = ch->extend_in != NULL;
    rc = extend ? read_extend(ch->extend_in, &ch->extend, err)
                : read_exclude(ch->exclude_in, &ch->exclude, err);
    if (rc == 0)
        rc = cf__ops_when(ops, by, &c, extend ? &ch->extend.at : &ch->exclude.at, err);
    if (rc == 0 &&
        (rc = extend ? cf_engine_extend(wf, ops->cal, &c, &ch->extend, &events, &out->why)
                     : cf_engine_exclude(wf, ops->cal, &c, &ch->exclude, &events, &out->why)) != 0)
        refused(out, rc);
    cf__ops_write_t w = {.by = by, .wf = wf, .events = events};
    if (rc == 0)
        rc = cf__ops_commit(ops, &w, &c, out);
    json_decref(events);
    cf_case_dispose(&c);
    return rc;
}

/* The same, once more with the case read when the cached one was stale (cf__ops_stale). */
static int clock_change(cf_ops_t *ops, const cf_ops_by_t *by, int64_t case_id, clock_change_t *ch,
                        cf_ops_out_t *out)
{
    int rc = clock_change_once(ops, by, case_id, ch, out);
    return cf__ops_stale(rc, out) ? clock_change_once(ops, by, case_id, ch, out) : rc;
}

/* Exported, documented in ops.h */
int cf_ops_extend(cf_ops_t *ops, const cf_ops_extend_t *in, cf_ops_out_t *out)
{
    clock_change_t ch = {.extend_in = in};
    return clock_change(ops, &in->by, in->case_id, &ch, out);
}

/* Exported, documented in ops.h */
int cf_ops_exclude(cf_ops_t *ops, const cf_ops_exclude_t *in, cf_ops_out_t *out)
{
    clock_change_t ch = {.exclude_in = in};
    return clock_change(ops, &in->by, in->case_id, &ch, out);
}
