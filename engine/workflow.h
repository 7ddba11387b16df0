/*
 * workflow.h -- a power type's procedure as a state machine, loaded from YAML.
 *
 * The file format is documented field by field in docs/workflow-language.md. A
 * definition is parsed with libcyaml against a fixed schema (schema errors carry
 * line and column from libcyaml's backtrace), then checked as a machine
 * (cf_workflow_parse reports every problem it finds, each with its line, taken
 * from a position map built with libyaml over the same bytes). The loaded
 * structure is read-only for the rest of the engine; guards and rule checks are
 * compiled once at load.
 *
 * The content hash is SHA-256 over the file's exact bytes, hex: a case pins it, so
 * a replay runs on exactly the rules the case ran under.
 */
#ifndef CF_WORKFLOW_H
#define CF_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "guard.h"
#include "period.h"

#define CF_HASH_HEX 65 /* 64 hex digits + NUL */

typedef enum cf_fact_type_e {
    CF_FACT_NUMBER = 0,
    CF_FACT_STRING,
    CF_FACT_BOOL,
    CF_FACT_DATE,
    CF_FACT_LIST,   /* an array, usually of objects: officers [{name, cert}] */
    CF_FACT_AMOUNT, /* money: canonical yuan text "20000.00", computed in fen (money.h) */
} cf_fact_type_t;

/* Whether a workflow's cases carry a 案由 (top-level `cause`): none (the default), or
 * one bound from the stored 案由 dictionaries (docs/causes.md): given at opening
 * (--cause) or as the fact `cause`, a situation id checked against the party's type. */
typedef enum cf_wf_cause_e {
    CF_WF_CAUSE_NONE = 0,
    CF_WF_CAUSE_DICTIONARY,
} cf_wf_cause_t;

typedef struct cf_wf_period_s {
    unsigned amount;
    cf_unit_t unit;
} cf_wf_period_t;

typedef struct cf_wf_fact_s {
    char *id;
    char *name;
    cf_fact_type_t type;
    char **only_by; /* the actions that alone may give or change it (besides opening); NULL:
                       any action may */
    unsigned only_by_count;
    bool past;         /* a date fact naming a day that has happened (a service, a payment):
                          not after the day of the action that gives it */
    char *since_clock; /* NULL, or a clock: the date is not before the day it started */
    char **values;     /* a string fact's allowed values (a rule tests them), or NULL: any */
    unsigned values_count;
} cf_wf_fact_t;

typedef struct cf_wf_state_s {
    char *id;
    char *name;
    char *responsibility;
    char *basis;
    bool terminal;
} cf_wf_state_t;

typedef struct cf_wf_requires_s {
    char **facts;
    unsigned facts_count;
    char **documents;
    unsigned documents_count;
} cf_wf_requires_t;

typedef struct cf_wf_transition_s {
    char *action;
    char *label;
    char **from; /* state ids, or the single entry "*" */
    unsigned from_count;
    char *to; /* state id, or "@back" */
    char **roles;
    unsigned roles_count;
    char *guard;                /* source text, or NULL */
    cf_wf_requires_t *requires; /* NULL when nothing required */
    char *basis;
    char **documents; /* documents it may take besides those it requires (optional) */
    char *assigns;    /* the number taking it gives the case: "case_number" (案号),
                         "decision_number" (决定书文号), "archive_number" (档案号); or NULL */
    unsigned documents_count;
} cf_wf_transition_t;

typedef struct cf_wf_extension_s {
    char *approver; /* role */
    cf_wf_period_t max;
    unsigned times;
    char *further_after; /* action recording a collective discussion, after which one more
                            extension of the length it fixed may be granted; or NULL */
    char *after;         /* action that must be recorded once before each extension (the
                            written notice to the party, the approved application); or NULL */
} cf_wf_extension_t;

typedef struct cf_wf_clock_s {
    char *id;
    char *name;
    cf_wf_period_t period;
    bool from_matter;
    bool party;   /* the party's period: running out lapses a right, it is no breach */
    char **start; /* action ids; "open" = case opened */
    unsigned start_count;
    char **stop;
    unsigned stop_count;
    char **pause;
    unsigned pause_count;
    char **resume;
    unsigned resume_count;
    cf_wf_period_t *warn; /* before the deadline */
    unsigned warn_count;
    cf_wf_extension_t *extension; /* NULL: not extendable */
    char **exclude;               /* reasons whose time is not counted (检测, 听证 ...) */
    unsigned exclude_count;
    char *basis;
    char *accountability;
    char *from_end_of;        /* another clock's id: the period is counted from that clock's
                                 deadline, not from the starting action; or NULL */
    bool pause_from_deadline; /* a pause moves the deadline only by the time paused after
                                 it: a pause before it does not move it (行政处罚法 第七十三条) */
    char *from_fact;          /* a date fact: when the case holds it, the period is counted
                                 from the end of that day (rolled off a rest day, R4) if that
                                 is later than where it would count from otherwise; or NULL
                                 (行政处罚法 第七十二条第二款: an approved plan's end) */
    char *posted;             /* a date fact a stopping action may give: the day the party
                                 posted (交邮) its act. The stop is met when the deadline had
                                 not passed by that day's end, whenever the act arrived
                                 (民事诉讼法 第八十五条第四款: 在途时间); or NULL */
} cf_wf_clock_t;

typedef struct cf_wf_rule_s {
    char *id;
    char **on; /* action ids */
    unsigned on_count;
    char *check;
    char *article;
    char *message;
} cf_wf_rule_t;

/* A kind of party as the law splits them (行政处罚法 第五十一条、第六十三条: 公民 or 法人、
 * 其他组织), and the party types (--party-type: the 案由 dictionary's subject types
 * and their ids, or other words) that are of it. `also` lists types that may be of
 * this kind when the case says so (--party-kind): a 定点医药机构 run by a 个体工商户. */
typedef struct cf_wf_party_kind_s {
    char *id; /* "citizen", "organisation": the value of the fact party_type */
    char *name;
    char **types;
    unsigned types_count;
    char **also;
    unsigned also_count;
} cf_wf_party_kind_t;

/* Actions that need every child case (a coercive measure opened under this case,
 * --parent) closed first: the refusal names each child still open. */
typedef struct cf_wf_children_s {
    char **on;
    unsigned on_count;
    char **done_states; /* child states that count as released or disposed of (a child
                           there is only filing its papers): not blocking */
    unsigned done_states_count;
    char *article;
    char *message;
} cf_wf_children_t;

/* Evidence an action needs in the case's register first (evidence.h): at least one
 * item (or record) of a kind in any_of, and one of each kind in all_of (either list
 * may be empty, not both). The refusal names what is missing and the article. */
typedef struct cf_wf_evidence_rule_s {
    char *id;
    char **on; /* action ids */
    unsigned on_count;
    char **any_of; /* evidence or record kinds */
    unsigned any_of_count;
    char **all_of;
    unsigned all_of_count;
    char *article;
    char *message;
} cf_wf_evidence_rule_t;

/* For a definition made by laying an overlay over a base (overlay.h): the base. */
typedef struct cf_wf_base_s {
    char *id;
    char *hash;
} cf_wf_base_t;

/* The document as libcyaml loads it; field names match the YAML keys. */
typedef struct cf_wf_doc_s {
    char *id;
    unsigned version;
    char *power_type;
    char *title;
    char **basis;
    unsigned basis_count;
    char *initial;
    char **roles;
    unsigned roles_count;
    cf_wf_fact_t *facts;
    unsigned facts_count;
    cf_wf_state_t *states;
    unsigned states_count;
    cf_wf_transition_t *transitions;
    unsigned transitions_count;
    cf_wf_clock_t *clocks;
    unsigned clocks_count;
    cf_wf_rule_t *rules;
    unsigned rules_count;
    cf_wf_base_t *overlay_of;        /* NULL unless made by an overlay */
    cf_wf_party_kind_t *party_kinds; /* party types -> the law's kinds of party; or NULL */
    unsigned party_kinds_count;
    cf_wf_children_t *children_closed;        /* or NULL */
    cf_wf_cause_t cause;                      /* `cause: dictionary`; CF_WF_CAUSE_NONE if absent */
    cf_wf_evidence_rule_t *evidence_required; /* evidence.h; or NULL */
    unsigned evidence_required_count;
} cf_wf_doc_t;

typedef struct cf_workflow_s {
    cf_wf_doc_t *doc;       /* owned (libcyaml) */
    cf_guard_t **guards;    /* per transition; NULL where it has none */
    cf_guard_t **checks;    /* per rule */
    char hash[CF_HASH_HEX]; /* SHA-256 of the source bytes */
    char *source;           /* the YAML text, owned, NUL-terminated */
    size_t source_len;
    unsigned stored_version; /* its version in the store (1, 2, ...), set when it was
                                loaded from there; 0 when parsed from a file */
} cf_workflow_t;

/* Parses and checks a definition from buf (len bytes; source names it in errors).
 * Every problem found is appended to problems (which may be NULL to discard them).
 * Returns 0 and *out (free with cf_workflow_free), or CF_EPARSE (not YAML or not
 * the schema), CF_EINVALID (loaded, but the machine is wrong) or CF_ENOMEM; *out
 * untouched on failure. */
int cf_workflow_parse(const char *buf, size_t len, const char *source, cf_workflow_t **out,
                      cf_errlist_t *problems);

void cf_workflow_free(cf_workflow_t *wf);

/* Lookups; NULL when absent. Borrowed, valid as long as wf. */
const cf_wf_state_t *cf_workflow_state(const cf_workflow_t *wf, const char *id);
const cf_wf_fact_t *cf_workflow_fact(const cf_workflow_t *wf, const char *id);
const cf_wf_clock_t *cf_workflow_clock(const cf_workflow_t *wf, const char *id);

/* 1 if transition t may be taken from state (its from list names it, or is "*"
 * and the state is not terminal and not t's own target). */
int cf_workflow_from_matches(const cf_workflow_t *wf, const cf_wf_transition_t *t,
                             const char *state);

/* 1 if action appears in list[0..count). */
int cf_workflow_list_has(char *const *list, unsigned count, const char *action);

/* The length in bytes of the note to the workflow's readers that starts at p, or 0:
 * an ASCII parenthesis whose text holds "confirm" ("(to confirm)", as older
 * overlays write it) or a full-width one whose text holds 待核 ("（条款待核）",
 * "（标准待核）"): the article or figure beside it was not read in the law's text
 * (docs/law.md). A document or an auditor's report cites the law without it; the case
 * page shows it. */
size_t cf_workflow_note_len(const char *p);

/* Converts the cf_wf_period_t into a cf_period_t. */
cf_period_t cf_wf_period(cf_wf_period_t p);

#endif
