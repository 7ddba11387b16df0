/*
 * engine-int.h -- what engine.c and clock.c share; not public.
 */
#ifndef CF_ENGINE_INT_H
#define CF_ENGINE_INT_H

#include "engine.h"

/* Fills why (if non-NULL) and returns code. */
int cf__refuse(cf_refusal_t *why, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A new event {seq, type, at, actor, role}: seq = c->version + 1 + already, where
 * already counts the events built before it in this request. NULL on ENOMEM. */
json_t *cf__event_new(const cf_case_t *c, size_t already, const char *type, cf_time_t at,
                      const char *actor, const char *role);

/* An action (or the opening) as the clocks see it. */
typedef struct cf__clock_act_s {
    const char *action; /* or "open" */
    cf_time_t at;
    const json_t *matter;
    const char *actor;
    const char *role;
    const json_t *facts; /* the case's facts with the action's merged in */
    const json_t *given; /* the facts the action gives, or NULL */
} cf__clock_act_t;

/* Appends to events the clock events that action a causes: stops first, then
 * starts, pauses and resumes, and a clock.rebased for a running clock whose
 * from_fact the action gives (行政处罚法 第七十二条第二款). Refuses a from_fact
 * date before the day the clock it is counted from started (or the case was
 * opened). Returns 0, CF_ERANGE (why says which date), CF_EINVALID, CF_EREFUSED
 * or CF_ENOMEM. */
int cf__clock_effects(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                      const cf__clock_act_t *a, json_t *events, cf_refusal_t *why);

/* CF_EINVALID (why says which day) when a gives def's from_fact a date before the
 * day the from_end_of clock started, or, without one, the day the case was opened
 * (clock-from.c); 0 otherwise, and when a does not give it. */
int cf__clock_fact_date_check(const cf_case_t *c, const cf_wf_clock_t *def,
                              const cf__clock_act_t *a, cf_refusal_t *why);

/* Appends a clock.stopped event for every clock still running or paused on c and
 * not already stopped by events: the case is closing. Outcome "ended", or
 * "breached" ("lapsed" for a party's period) when its deadline had passed.
 * Returns 0 or CF_ENOMEM. */
int cf__clock_end_all(const cf_workflow_t *wf, const cf_case_t *c, cf_time_t at, const char *actor,
                      const char *role, json_t *events);

/* party.c. At opening: the party's kind (cf_engine_party_kind) written into the
 * case.opened event ev (party.kind, and the fact party_type when the workflow declares
 * it), and the fact cause naming the situation when opened under a 案由 (req->cause);
 * refuses (CF_EINVALID) a party type the workflow does not map, and a fact
 * party_type given with the opening. Returns 0, CF_EINVALID or CF_ENOMEM. */
int cf__party_open(const cf_workflow_t *wf, const cf_open_t *req, json_t *ev, cf_refusal_t *why);
/* On an action: refuses (CF_EINVALID) a fact party_type other than the case's. */
int cf__party_act(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                  cf_refusal_t *why);
/* Refuses (CF_EINVALID) a fact given with an action its declaration's only_by does not
 * list (officers: only filing, adding an officer, recusal). */
int cf__facts_only_by(const cf_workflow_t *wf, const cf_act_t *req, cf_refusal_t *why);
/* Refuses (CF_EINVALID) a date fact declared `past` (a day that has happened: a notice
 * served, a payment made) that the action gives as a day after its own (China time), and
 * one declared `since_clock` given as a day before that clock started (or, while it has
 * not, before the case was opened). */
int cf__facts_past(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                   cf_refusal_t *why);
/* Refuses (CF_EREFUSED, rule children-closed) an action the workflow's children_closed
 * lists while req->children holds a case, naming each. */
int cf__children_act(const cf_workflow_t *wf, const cf_act_t *req, cf_refusal_t *why);
/* On an action that binds a 案由 (req->cause): refuses (CF_EREFUSED, rule
 * cause-subject) a party whose type is not the cause's subject type, and a case
 * already bound to another situation. */
int cf__cause_act(const cf_case_t *c, const cf_act_t *req, cf_refusal_t *why);
/* Replaces, in facts (guard input, not the record), every amount fact by its number of
 * yuan, so guards compare it with literals written in yuan. 0 or CF_ENOMEM. */
int cf__amounts_as_yuan(const cf_workflow_t *wf, json_t *facts);

/* evidence.c. Folds an evidence.added or record.added event (type) into c's register:
 * 0, CF_ECORRUPT (a malformed item, or one numbered out of turn: c untouched),
 * CF_ENOMEM. */
int cf__register_apply(cf_case_t *c, const char *type, const json_t *ev, cf_error_t *err);
/* Refuses (CF_EREFUSED, with the rule's id and article) action while c's register
 * lacks the evidence a rule of wf's evidence_required asks for it, naming what is
 * missing and what the register holds. Returns 0, CF_EREFUSED or CF_ENOMEM. */
int cf__evidence_act(const cf_workflow_t *wf, const cf_case_t *c, const char *action,
                     cf_refusal_t *why);

#endif
