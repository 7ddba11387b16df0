/*
 * fuzz-workflow.c -- the workflow YAML loader and checker (cf_workflow_parse).
 *
 * Input: the bytes of a workflow file, as `caseflow workflow check` reads it.
 *
 * A definition that loads and checks is then run, because the checker's promise
 * is that the engine can run anything it accepts: a case is opened on it with the
 * shipped calendars and walked for up to WALK_STEPS steps, each step trying the
 * transitions allowed from the current state in file order (with a value of the
 * declared type for every fact and a reference for every document it requires)
 * and then an extension of every extendable clock. Properties checked:
 *   - a refused definition leaves *out untouched and every problem has a text;
 *   - the events the engine returns always fold into the case (cf_case_append):
 *     the store does exactly that, and a failure there would be a case the
 *     daemon can no longer write;
 *   - the case's snapshot reads back to the same snapshot (the store keeps it).
 * Refusals are expected and are not findings.
 */
#include "fuzz.h"

#include <jansson.h>
#include <string.h>

#include "case.h"
#include "engine.h"
#include "workflow.h"

#define WALK_STEPS 24

static const char fake_sha[] = "00000000000000000000000000000000000000000000000000000000000000aa";

/* A value of the fact's declared type (new reference). */
static json_t *fact_value(const cf_workflow_t *wf, const char *id)
{
    const cf_wf_fact_t *f = cf_workflow_fact(wf, id);
    switch (f ? f->type : CF_FACT_STRING) {
    case CF_FACT_NUMBER:
        return json_integer(1);
    case CF_FACT_BOOL:
        return json_true();
    case CF_FACT_DATE:
        return json_string("2026-03-02");
    case CF_FACT_LIST:
        return json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "甲", "cert", "1", "name", "乙",
                         "cert", "2");
    case CF_FACT_AMOUNT:
        return json_string("1.00");
    case CF_FACT_STRING:
        break;
    }
    return json_string("x");
}

/* What transition t requires, as the request's facts and documents. */
static void requirements(const cf_workflow_t *wf, const cf_wf_transition_t *t, json_t *facts,
                         json_t *docs)
{
    if (!t->requires)
        return;
    for (unsigned i = 0; i < t->requires->facts_count; i++)
        json_object_set_new(facts, t->requires->facts[i], fact_value(wf, t->requires->facts[i]));
    for (unsigned i = 0; i < t->requires->documents_count; i++)
        json_object_set_new(
            docs, t->requires->documents[i],
            json_pack("{s:s, s:i, s:s}", "sha256", fake_sha, "size", 1, "file", "f.pdf"));
}

/* Folds events into c: must never fail. */
static void fold(cf_case_t *c, json_t *events)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        cf_error_t err;
        int rc = cf_case_append(c, ev, &err);
        if (rc != 0)
            fprintf(stderr, "fold: %s\n", err.text);
        CF_FUZZ_CHECK(rc == 0);
    }
    json_decref(events);
}

/* One step: the first transition from c's state the engine accepts. Returns 1 if
 * one was taken. */
static int act_once(const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c, cf_time_t at)
{
    const cf_wf_doc_t *d = wf->doc;
    for (unsigned i = 0; i < d->transitions_count; i++) {
        const cf_wf_transition_t *t = &d->transitions[i];
        if (!cf_workflow_from_matches(wf, t, c->state))
            continue;
        json_t *facts = json_object(), *docs = json_object(), *events = NULL;
        requirements(wf, t, facts, docs);
        cf_act_t req = {.action = t->action,
                        .actor = "甲",
                        .role = t->roles_count ? t->roles[0] : "handler",
                        .facts = facts,
                        .documents = docs,
                        .at = at};
        cf_refusal_t why = {0};
        int rc = cf_engine_act(wf, cal, c, &req, &events, &why);
        cf_refusal_dispose(&why);
        json_decref(facts);
        json_decref(docs);
        if (rc == 0) {
            fold(c, events);
            return 1;
        }
    }
    return 0;
}

static void extend_all(const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c,
                       cf_time_t at)
{
    const cf_wf_doc_t *d = wf->doc;
    for (unsigned i = 0; i < d->clocks_count; i++) {
        const cf_wf_extension_t *x = d->clocks[i].extension;
        if (!x)
            continue;
        json_t *events = NULL;
        cf_extend_t req = {.clock = d->clocks[i].id,
                           .actor = "甲",
                           .role = x->approver,
                           .reason = "fuzz",
                           .by = cf_wf_period(x->max),
                           .at = at};
        cf_refusal_t why = {0};
        if (cf_engine_extend(wf, cal, c, &req, &events, &why) == 0)
            fold(c, events);
        cf_refusal_dispose(&why);
    }
}

static void snapshot_roundtrip(const cf_case_t *c)
{
    json_t *snap = cf_case_to_json(c);
    CF_FUZZ_CHECK(snap != NULL);
    cf_case_t back;
    cf_error_t err;
    CF_FUZZ_CHECK(cf_case_from_json(&back, snap, &err) == 0);
    json_t *again = cf_case_to_json(&back);
    CF_FUZZ_CHECK(json_equal(snap, again));
    json_decref(again);
    json_decref(snap);
    cf_case_dispose(&back);
}

static void run(const cf_workflow_t *wf)
{
    const cf_calendar_t *cal = cf_fuzz_calendar();
    cf_time_t at;
    CF_FUZZ_CHECK(cf_time_parse("2026-03-02T09:00:00+08:00", &at, NULL) == 0);
    json_t *party = json_pack("{s:s, s:s}", "name", "某某大药房", "type", "定点医药机构");
    json_t *events = NULL;
    cf_open_t req = {
        .actor = "甲", .role = "handler", .party = party, .algo = CF_CHAIN_SHA256, .at = at};
    cf_refusal_t why = {0};
    int rc = cf_engine_open(wf, cal, &req, &events, &why);
    cf_refusal_dispose(&why);
    json_decref(party);
    if (rc != 0)
        return;
    cf_case_t c;
    CF_FUZZ_CHECK(cf_case_init(&c) == 0);
    c.id = 1;
    c.algo = CF_CHAIN_SHA256;
    fold(&c, events);
    for (int step = 0; step < WALK_STEPS && !c.closed_at; step++) {
        at += 86400;
        json_decref(cf_engine_allowed(wf, &c));
        if (step % 4 == 1)
            extend_all(wf, cal, &c, at);
        if (!act_once(wf, cal, &c, at))
            break;
    }
    snapshot_roundtrip(&c);
    cf_case_dispose(&c);
}

/* Exported, documented in fuzz.h */
int cf_fuzz_workflow(const uint8_t *data, size_t size)
{
    cf_workflow_t *wf = NULL;
    cf_errlist_t problems = {0};
    int rc = cf_workflow_parse((const char *)data, size, "fuzz.yaml", &wf, &problems);
    if (rc == 0) {
        CF_FUZZ_CHECK(wf != NULL);
        run(wf);
        cf_workflow_free(wf);
    } else {
        CF_FUZZ_CHECK(wf == NULL);
        for (size_t i = 0; i < problems.items_count; i++)
            CF_FUZZ_CHECK(problems.items[i].text[0] != '\0');
    }
    cf_errlist_free(&problems);
    return 0;
}

CF_FUZZ_ENTRY(cf_fuzz_workflow)
