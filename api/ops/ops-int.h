/*
 * ops-int.h -- what the operation layer's files share; not public.
 */
#ifndef CF_OPS_INT_H
#define CF_OPS_INT_H

#include "ops.h"

/* A document of a change: its hash and, when it is to be stored, its bytes. */
typedef struct cf__ops_doc_s {
    char sha256[65];
    char *buf; /* owned; NULL for a reference */
    size_t len;
    int stored; /* 1: put into the store with the change */
} cf__ops_doc_t;

/* One change to write: events decided on a case, and what goes with them. */
typedef struct cf__ops_write_s {
    const cf_ops_by_t *by;
    const cf_workflow_t *wf;
    json_t *events;
    int opening;
    const char *agency; /* opening: the agency to stamp, or NULL */
    const cf__ops_doc_t *docs;
    size_t docs_count;
    const char *assigns; /* the number the action gives ("case_number", "decision_number",
                            "archive_number": the workflow's assigns), or NULL */
} cf__ops_write_t;

/* Reads case id as by may see it and checks by->if_match (CF_ECONFLICT, with
 * out->version). OUT c (dispose it), *wf (borrowed). Errors in out->err. A writer
 * with a case cache (the daemon's) takes the case from it unchecked when it wrote the
 * case last (cf_casecache_get_unchecked: no read of the database, out->unchecked); the
 * write then finds it stale, if another node or process wrote the case since, and the
 * operation runs once more with the case read (cf__ops_stale). */
int cf__ops_load(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_case_t *c,
                 const cf_workflow_t **wf, cf_ops_out_t *out);

/* 1 when an operation that returned rc is to run again, its case read from the
 * database: it failed (CF_ECONFLICT from the case row's update, or a refusal, a time
 * before the last event ... found on a stale copy) with its case taken from the cache
 * unchecked and nothing of it written (out is then emptied and set to read it; a
 * failure after the case row was written is the operation's: cf__ops_commit clears
 * out->unchecked). 0: rc is the operation's answer. */
int cf__ops_stale(int rc, cf_ops_out_t *out);

/* Facts as given (an object; a string converted to the declared type, as the
 * command line converts --fact), each no deeper than CF_OPS_JSON_DEPTH. OUT *out
 * (new object; empty when in is NULL). */
int cf__ops_facts(const cf_workflow_t *wf, const json_t *in, json_t **out, cf_error_t *err);

/* 0 when by names who acts (by->actor, not empty), else CF_EINVAL saying so: every
 * event a change records names the person who acted, never a placeholder. */
int cf__ops_who(const cf_ops_by_t *by, cf_error_t *err);

/* Who acts (cf__ops_who), then the time a change claims (by->at, else by->now),
 * checked: not in the future, within the backdating window, not before c's last event
 * (c may be NULL). */
int cf__ops_when(const cf_ops_t *ops, const cf_ops_by_t *by, const cf_case_t *c, cf_time_t *at,
                 cf_error_t *err);

/* Stamps each event of a change dated in the past (by->at before by->now) with when
 * it was entered and by whom, beside the time it claims: a step recorded late stays
 * visible as such. */
int cf__ops_stamp_entered(const cf_ops_by_t *by, json_t *events);

/* The number action, taken on c, gives the case (issue 20): the assigns of a
 * transition of that action from c's state ("case_number", "decision_number",
 * "archive_number"), or NULL. */
const char *cf__ops_assigns_of(const cf_workflow_t *wf, const cf_case_t *c, const char *action);

/* Reads, checks and hashes the n documents of in. OUT *docs (free with
 * cf__ops_docs_free(*docs, n)) and *refs, the object the engine records
 * ({name: {sha256, size, file}}, new). */
int cf__ops_docs(const cf_ops_t *ops, const cf_ops_doc_t *in, size_t n, cf__ops_doc_t **docs,
                 json_t **refs, cf_error_t *err);
void cf__ops_docs_free(cf__ops_doc_t *docs, size_t n);

/* Writes w onto c: documents, events, case row, clocks, the alerts index when a
 * clock changed, in ops's transaction or the caller's. On success the case after
 * it is moved into out->c (c is left empty: disposing it is harmless) and
 * out->events holds the events. On failure c is the case as read, or empty. */
int cf__ops_commit(cf_ops_t *ops, const cf__ops_write_t *w, cf_case_t *c, cf_ops_out_t *out);

/* Gives case c the number of kind (issue 20) inside the open transaction: the next
 * of its agency's counter of that kind for the year of the transition event
 * among events, formatted by the database's pattern, and recorded on that event
 * under kind (so on the chain). OUT number (size bytes; "" for a case with no
 * agency, which gets none). The caller records it (cf_store_ref_put). */
int cf__ops_assign(cf_ops_t *ops, const char *kind, const cf_case_t *c, json_t *events,
                   char *number, size_t size, cf_error_t *err);

/* The summary of c as it is now (store-summary.c lists its fields), old being
 * its previous summary (or NULL; only its filed and decided days are read) and
 * took the number this change gave (or NULL). OUT sum (dispose it). CF_ENOMEM
 * (also for text that is not UTF-8). */
int cf__ops_summary(const cf_workflow_t *wf, const cf_case_t *c, const char *agency,
                    const cf_summary_t *old, const char *took, cf_summary_t *sum);

/* Writes c's summary after a change inside the open transaction
 * (cf_store_summary_write: the row, its people, the counts). was: c's head
 * before the change, as read from the database in this transaction ("" or NULL
 * when opening): the previous summary comes from the case cache when it holds
 * one for that head, else from the database; the new one is kept there for
 * c->head. */
int cf__ops_summarize(cf_ops_t *ops, const cf_workflow_t *wf, const cf_case_t *c, const char *was,
                      const char *took, cf_error_t *err);

/* ops-export.c: 0 if agency may see case id (agency NULL: any case may be seen); else
 * CF_ENOTFOUND "no case ID" (another agency's case, or none). */
int cf__ops_visible(cf_store_t *s, const char *agency, int64_t id, cf_error_t *err);

#endif
