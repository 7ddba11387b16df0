/*
 * engine.h -- deciding what may happen to a case. Pure: no I/O, no clock reads,
 * no database; "now" and the calendar are arguments.
 *
 * Given a workflow, a case and a request (open, act, extend a clock), the engine
 * either returns the events to append -- the transition and every clock it
 * starts, stops, pauses or resumes, each with its computed deadline -- or refuses,
 * saying why and which actions are allowed now with what each still requires.
 * The events are unsealed (no case id, prev or hash): the store seals them with
 * cf_case_append inside the transaction that writes them.
 *
 * Order of checks for an action, first failure wins:
 *   closed case (CF_ECLOSED) -> action not available in this state (CF_EREFUSED)
 *   -> role (CF_EFORBIDDEN) -> facts undeclared or of the wrong type (CF_EINVALID)
 *   -> time earlier than the case's last event (CF_EINVALID) -> guard (CF_EREFUSED)
 *   -> required facts and documents (CF_EREFUSED) -> evidence the workflow's
 *   evidence_required asks for (CF_EREFUSED, evidence.h) -> rules (CF_EREFUSED, with the
 *   rule's id and article) -> clock deadlines outside the calendar (CF_ERANGE).
 */
#ifndef CF_ENGINE_H
#define CF_ENGINE_H

#include <jansson.h>

#include "calendar.h"
#include "case.h"
#include "workflow.h"

typedef struct cf_refusal_s {
    char rule[64];     /* id of the rule that refused, or "" */
    char article[256]; /* its legal basis, or "" */
    char text[CF_ERROR_TEXT_MAX];
    json_t *allowed; /* actions allowed now (cf_engine_allowed), new ref, or NULL */
} cf_refusal_t;

typedef struct cf_open_s {
    const char *actor;
    const char *role;
    const json_t *party;   /* {"name": ..., "type": ...}; borrowed */
    const char *matter_id; /* or NULL */
    const json_t *matter;  /* the matter's catalog entry, for from_matter clocks; or NULL */
    int64_t parent;        /* parent case id, or 0 */
    const json_t *facts;   /* typed initial facts, or NULL; borrowed */
    cf_chain_algo_t algo;
    cf_time_t at;
    const json_t *cause; /* the 案由 record (cf_cause_ref_json), copied into the case.opened
                            event as "cause"; or NULL; borrowed */
} cf_open_t;

typedef struct cf_act_s {
    const char *action;
    const char *actor;
    const char *role;
    const json_t *facts;     /* typed facts given with the action, or NULL; borrowed */
    const json_t *documents; /* {name: {sha256, size, file}} attached now, or NULL */
    const json_t *matter;    /* the case's matter entry, or NULL */
    cf_time_t at;
    const json_t *cause;    /* the 案由 record (cf_cause_ref_json) the fact `cause` names, as
                               the front end resolved it from the stored dictionaries; recorded
                               in the transition event and bound to the case; or NULL */
    const json_t *children; /* the case's child cases still open, as the store lists them
                               ([{id, workflow, state}]), for children_closed; NULL: none */
} cf_act_t;

typedef struct cf_extend_s {
    const char *clock;
    const char *actor;
    const char *role;
    const char *reason;
    cf_period_t by;
    cf_time_t at;
} cf_extend_t;

/* A period whose time does not count on a clock (检测、检验、鉴定、听证、公告、专家评审),
 * recorded once it is over. */
typedef struct cf_exclude_s {
    const char *clock;
    const char *actor;
    const char *role;
    const char *reason; /* one of the clock's `exclude` reasons */
    cf_time_t from;
    cf_time_t to;
    cf_time_t at; /* when it is recorded: not before `to` */
} cf_exclude_t;

/* Each returns 0 and OUT *events (a new JSON array of unsealed events, in order),
 * or a negative CF_E* code with OUT why filled (why->allowed set for refusals of
 * an action) and *events untouched. why may be NULL. Release why with
 * cf_refusal_dispose whatever the result. */
int cf_engine_open(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_open_t *req,
                   json_t **events, cf_refusal_t *why);
int cf_engine_act(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                  const cf_act_t *req, json_t **events, cf_refusal_t *why);
/* 1 if taking action on a case of wf looks at its open child cases (the
 * workflow's children_closed lists it): only then need req->children be read. */
int cf_engine_act_needs_children(const cf_workflow_t *wf, const char *action);
/* Extends a running or paused clock: refused unless the clock has an extension
 * rule, the role is its approver, the deadline has not passed, and the total stays
 * within the rule's maximum and number of times. */
int cf_engine_extend(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                     const cf_extend_t *req, json_t **events, cf_refusal_t *why);

/* Records an exclusion on a running or paused clock: the deadline moves later by
 * the time excluded, counted in the clock's unit (days for a month clock).
 * Refused unless the clock lists the reason, the period lies after the clock
 * started and is over, and it overlaps no exclusion already recorded. */
int cf_engine_exclude(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                      const cf_exclude_t *req, json_t **events, cf_refusal_t *why);

/* 1 if s holds no visible character -- only blanks (ASCII, U+3000 全角空格, no-break
 * and typographic spaces) and invisible format characters (zero-width, bidirectional
 * controls, BOM: cf_guard_invisible) -- or is NULL: a text that says nothing, so a
 * required fact or a party's name given so is missing (a 立案 reason of one U+200B
 * was given, attack-13.1). */
int cf_text_blank(const char *s);

/* The actions allowed from the case's state (all roles), each
 * {action, label, to, roles, guard?, requires: {facts, documents},
 *  missing: {facts, documents}}: a new reference, or NULL on ENOMEM. */
json_t *cf_engine_allowed(const cf_workflow_t *wf, const cf_case_t *c);

/* Converts a fact given as text ("3000", "true", "2026-03-01") to the type the
 * workflow declares for it. OUT *value (new reference). Returns 0, or CF_EINVALID
 * naming the fact (undeclared, or the text does not convert). */
int cf_engine_fact_from_text(const cf_workflow_t *wf, const char *name, const char *text,
                             json_t **value, cf_error_t *err);

/* The most items a list fact holds. The officers (the list fact of every shipped
 * workflow) are the case's handlers: the statistics count each handler's cases by
 * handler, so a case's summary has a row per pair of its officers, and 500 officers
 * (250,000 rows, each merged by a linear search) held the daemon's one writer for
 * minutes, every other write of every agency waiting behind it (attack-14.2). A case
 * has two officers, a team a handful. */
#define CF_FACT_LIST_MAX 32

/* Checks every member of facts (an object) against the declarations. Returns 0 or
 * CF_EINVALID naming the first fact that is undeclared, of the wrong type, or a list
 * of more than CF_FACT_LIST_MAX items. */
int cf_engine_check_facts(const cf_workflow_t *wf, const json_t *facts, cf_error_t *err);

/* The kind of party (a party_kinds id of wf: "citizen", "organisation") of party
 * ({name, type?, kind?}): the kind asked for (party.kind, an id or a name), which must
 * list the type among its types or `also`; else the kind whose types list the type.
 * OUT *kind (borrowed from wf): NULL when wf has no party_kinds or the party has no
 * type. Returns 0, or CF_EINVALID naming the type or kind that does not fit. */
int cf_engine_party_kind(const cf_workflow_t *wf, const json_t *party, const char **kind,
                         cf_error_t *err);

void cf_refusal_dispose(cf_refusal_t *why);

/* The clock's state at instant now: "idle", "running", "paused", "met",
 * "breached", "lapsed", "ended", or, for a running clock whose deadline has
 * passed, "overdue" ("lapsed" for a party's own period). */
const char *cf_engine_clock_status(const cf_clock_rt_t *k, cf_time_t now);

/* The deadline of clock k (running, paused or stopped; started under counting
 * version 2, case.h) counted from scratch: its period, `extension` in total (or
 * NULL), and `added` time excluded or suspended in the clock's unit (days for a
 * month clock), counted once from its start and rolled once (cf_period_count).
 * OUT *out; explain as in cf_period_count. Returns 0, CF_ERANGE (err names the
 * day), CF_EINVAL when k has no recorded period. */
int cf_engine_clock_deadline(const cf_wf_clock_t *def, const cf_calendar_t *cal,
                             const cf_clock_rt_t *k, const cf_period_t *extension, int64_t added,
                             cf_count_t *out, cf_explain_cb explain, void *ctx, cf_error_t *err);

/* The end of a period whose last day is date d (an approved plan's end, a date
 * fact): 23:59:59+08:00 of d, or, when d is a rest day, of the next working day
 * (R4: the party may still act on it). OUT *out (and the provisional years it
 * needed). Returns 0 or CF_ERANGE (err names the day). */
int cf_engine_date_end(const cf_calendar_t *cal, cf_date_t d, cf_count_t *out, cf_error_t *err);

/* Where clock def counts its period from on case c, started at `at`, the case
 * holding `facts`: `at`; for a clock with from_end_of, that other clock's deadline
 * (行政强制法 第五十三条); for a clock with from_fact whose date the facts hold,
 * the end of that date (cf_engine_date_end) when it is later (行政处罚法 第七十二条
 * 第二款: the end of an approved deferral or instalment plan). OUT *from; OUT
 * *by_fact: 1 when the fact's date gave it; `because` (size bytes, may be NULL):
 * one line saying where it counts from and why, "" for a clock counted from its
 * start. Returns 0; CF_EREFUSED when the from_end_of clock has not started;
 * CF_ERANGE (the plan's end outside the calendar); err says which. */
int cf_engine_clock_from(const cf_case_t *c, const cf_wf_clock_t *def, const cf_calendar_t *cal,
                         const json_t *facts, cf_time_t at, cf_time_t *from, int *by_fact,
                         char *because, size_t size, cf_error_t *err);

/* The time a pause of clock k (paused at k->paused_at, deadline k->deadline) that
 * ends at `at` adds to its deadline (R8), in the clock's unit (days for a month
 * clock; cf_period_elapsed): the whole pause, or, for a clock with
 * pause_from_deadline, only the part after the deadline (行政处罚法 第七十三条: the
 * decision is not suspended by a review, only the surcharge is not counted during
 * it), 0 when the pause ended before the deadline. OUT *amount. Returns 0,
 * CF_ERANGE (err names the day), CF_EINVAL; *amount untouched on failure. */
int cf_engine_pause_counted(const cf_wf_clock_t *def, const cf_calendar_t *cal,
                            const cf_clock_rt_t *k, cf_time_t at, int64_t *amount, cf_error_t *err);

/* A calendar year stored while cases run (R11). */
typedef struct cf_recompute_s {
    int year;           /* the year loaded */
    const char *sha256; /* of its source text */
    int replace;        /* it replaced a loaded year: recount settled clocks too */
    cf_time_t at;       /* when */
    const char *actor;  /* who loaded it */
} cf_recompute_t;

/* The clock.recomputed events (case.h) for c after req's year was loaded into cal:
 * one for each running or paused clock counted under version 2 whose deadline
 * was provisional (or any such clock, with replace) and whose deadline counted
 * from scratch on cal (cf_engine_clock_deadline) differs or is no longer
 * provisional. A version-1 clock is never provisional and is left alone. OUT
 * *events: a new array, empty when nothing moves; role "system". A closed case
 * has no running clock. Returns 0, CF_ERANGE (why names the clock and day),
 * CF_ENOMEM. */
int cf_engine_recompute(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                        const cf_recompute_t *req, json_t **events, cf_refusal_t *why);

/* The warning instants of clock def whose deadline is given, earliest first, into
 * OUT points (at most max). Returns the count, or CF_ERANGE. */
int cf_engine_warn_points(const cf_wf_clock_t *def, const cf_calendar_t *cal, cf_time_t deadline,
                          cf_time_t *points, int max);

#endif
