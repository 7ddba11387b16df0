/*
 * ops-ready.c -- a transition prepared before its write: the daemon's writer thread
 * is the bound of its HTTP rate (docs/performance.md, httpprof: one core, ~255,000
 * instructions a transition, ~120,000 of them not SQLite), so the part of
 * cf_ops_act that needs no write is done on another thread, on a read-only
 * connection: read the case, decide (the engine), seal the events onto the head read,
 * serialize the case's next snapshot, build its next summary. The writer then only
 * writes those rows (cf_ops_act_put), the case row's update first and conditioned on
 * the version and head the case was read at (cf_store_case_put_next), as rows made
 * ahead for alerts are (cf_store_case_put_sealed). A case written in between (another
 * request in the same batch, another node) fails that update with nothing written,
 * and cf_ops_act does the whole transition as before, in the same savepoint.
 *
 * Why the rows are the same: the engine is a function of the case, its workflow (by
 * hash: fixed), the calendar (the caller prepares with the writer's: serve-writer.c
 * checks it is the one the writer still has), the request and the time it claims
 * (the job's clock, the same on both threads); the update proves the case row, and the
 * summary row is written with it, so the old summary read with it is the one the
 * writer would read. Anything else a transition may depend on leaves it to the writer
 * (cf_ops_act_prepare says what): a number given (a counter row), documents (their
 * rows), child cases' states, the 案由 dictionary, a matter. Every refusal and error is
 * also left to the writer's path, so its answer is the one cf_ops_act gives.
 *
 * PostgreSQL: not used (the daemon prepares only on SQLite; serve-writer.c).
 */
#include "ops-int.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in ops.h */
void cf_ops_ready_init(cf_ops_ready_t *r)
{
    memset(r, 0, sizeof(*r));
}

/* Exported, documented in ops.h */
void cf_ops_ready_dispose(cf_ops_ready_t *r)
{
    cf_case_dispose(&r->before);
    cf_case_dispose(&r->next);
    for (size_t i = 0; r->bodies && i < r->count; i++)
        free(r->bodies[i]);
    free(r->bodies);
    free(r->snapshot);
    json_decref(r->events);
    cf_summary_dispose(&r->old);
    cf_summary_dispose(&r->sum);
    free(r->sum_text);
    memset(r, 0, sizeof(*r));
}

/* 0 when the transition in on c (workflow wf) depends on nothing but c's row and its
 * summary (the file header says why); CF_EINVAL otherwise. */
static int preparable(const cf_workflow_t *wf, const cf_case_t *c, const cf_ops_act_t *in,
                      const json_t *facts)
{
    int cause =
        json_is_string(json_object_get(facts, "cause")) && wf->doc->cause == CF_WF_CAUSE_DICTIONARY;
    int ok = in->action && *in->action && in->docs_count == 0 && in->by.agency && !c->matter_id &&
             !cause && !cf__ops_assigns_of(wf, c, in->action) &&
             !cf_engine_act_needs_children(wf, in->action);
    return ok ? 0 : CF_EINVAL;
}

/* Keeps what the write checks of the case as read (r->before: its id, version, head,
 * state and whether closed), then seals r->events onto it in place (r->next, r->bodies)
 * and serializes it. */
static int seal(cf_ops_ready_t *r, cf_error_t *err)
{
    r->count = json_array_size(r->events);
    r->bodies = calloc(r->count ? r->count : 1, sizeof(*r->bodies));
    r->before.id = r->next.id;
    r->before.version = r->next.version;
    memcpy(r->before.head, r->next.head, sizeof(r->before.head));
    r->before.closed_at = r->next.closed_at;
    r->before.state = r->next.state ? strdup(r->next.state) : NULL;
    int rc = r->bodies && (r->before.state || !r->next.state) ? 0 : CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < r->count; i++)
        rc = cf_case_append_body(&r->next, json_array_get(r->events, i), &r->bodies[i], err);
    if (rc == 0 && cf_case_snapshot_buf(&r->next, &r->snapshot, &r->snapshot_cap) != 0)
        rc = CF_ENOMEM;
    return rc;
}

/* The case as by may see it and its summary (r->next, r->old; whatever was read is left
 * there for cf_ops_ready_dispose): from the writer's
 * case cache (ops->wfs->cases, read under its lock, never changed from here) unchecked,
 * as the writer itself takes them (cf__ops_load: its write proves them current, here
 * cf_ops_act_put's); else read from the database, in one read. A case of another agency
 * is CF_ENOTFOUND. OUT *wf. */
static int read_case(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_ops_ready_t *r,
                     const cf_workflow_t **wf, cf_error_t *err)
{
    char agency[128], head[CF_CHAIN_HEX];
    cf_casecache_t *cache = ops->wfs->cases;
    int rc = 0;
    if (!by->agency || id <= 0)
        return CF_ENOTFOUND;
    if (cache && cf_casecache_copy_both(cache, id, by->agency, &r->next, &r->old) == 0) {
        r->has_old = 1;
    } else if ((rc = cf_store_read_begin(ops->store, err)) == 0) {
        rc = cf_store_case_agency_head(ops->store, id, agency, sizeof(agency), head, err);
        if (rc == 0 && strcmp(agency, by->agency) != 0)
            rc = CF_ENOTFOUND;
        if (rc == 0)
            rc = cf_store_case_get(ops->store, id, &r->next, err);
        int got = rc == 0 ? cf_store_summary_read(ops->store, id, &r->old, err) : CF_ENOTFOUND;
        r->has_old = got == 0;
        if (got != 0 && got != CF_ENOTFOUND)
            rc = got;
        cf_store_read_end(ops->store);
    }
    return rc == 0 ? cf_wfcache_get(ops->wfs, ops->store, r->next.workflow_hash, wf, err) : rc;
}

/* The summary after the change (r->sum), from the one stored with the case (r->old), and
 * its text when the row is to be written (here, not on the writer: ~2,400 instructions a
 * transition; docs/performance.md, http10). */
static int summarize(const cf_workflow_t *wf, cf_ops_ready_t *r)
{
    int rc = cf__ops_summary(wf, &r->next, r->agency, r->has_old ? &r->old : NULL, NULL, &r->sum);
    if (rc == 0 && !(r->has_old && !r->old.rewrite && cf_summary_equal(&r->old, &r->sum)) &&
        !(r->sum_text = cf_summary_text(&r->sum)))
        rc = CF_ENOMEM;
    return rc;
}

/* cf_ops_act_prepare's work. */
static int prepare(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_ready_t *r, cf_error_t *err)
{
    const cf_workflow_t *wf;
    json_t *facts = NULL;
    cf_refusal_t why;
    memset(&why, 0, sizeof(why));
    int rc = read_case(ops, &in->by, in->case_id, r, &wf, err);
    if (rc != 0)
        return rc;
    cf_act_t req = {.action = in->action, .actor = in->by.actor, .role = in->by.role};
    if (in->by.if_match >= 0 && in->by.if_match != r->next.version)
        rc = CF_ECONFLICT;
    if (rc == 0)
        rc = cf__ops_facts(wf, in->facts, &facts, err);
    if (rc == 0)
        rc = preparable(wf, &r->next, in, facts);
    if (rc == 0)
        rc = cf__ops_when(ops, &in->by, NULL, &req.at, err);
    req.facts = facts;
    if (rc == 0)
        rc = cf_engine_act(wf, ops->cal, &r->next, &req, &r->events, &why);
    cf_refusal_dispose(&why);
    json_decref(facts);
    if (rc == 0)
        rc = cf__ops_stamp_entered(&in->by, r->events);
    snprintf(r->agency, sizeof(r->agency), "%s", in->by.agency);
    if (rc == 0)
        rc = seal(r, err);
    if (rc == 0)
        rc = summarize(wf, r);
    r->ready = rc == 0;
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_act_prepare(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_ready_t *r)
{
    cf_error_t err;
    cf_ops_ready_init(r);
    int rc = prepare(ops, in, r, &err);
    if (rc != 0)
        cf_ops_ready_dispose(r);
    return rc;
}

/* The rows of r, inside the caller's transaction: 0; CF_ECONFLICT (or CF_ENOTFOUND) with
 * nothing written when the case moved on (r->used stays 0); another error (r->used: the
 * caller rolls back, and answers it: cf_ops_act would meet it too). */
static int put(cf_ops_t *ops, cf_ops_ready_t *r, cf_error_t *err)
{
    const cf_workflow_t *wf;
    int rc = cf_store_case_put_next(ops->store, &r->before, &r->next, r->snapshot, r->events,
                                    r->bodies, r->agency, err);
    r->used = rc != CF_ECONFLICT && rc != CF_ENOTFOUND;
    if (rc == 0)
        rc = cf_store_summary_write_text(ops->store, r->next.id, r->has_old ? &r->old : NULL,
                                         &r->sum, r->sum_text, err);
    if (rc == 0 && cf_ops_touches_clocks(r->events) &&
        (rc = cf_wfcache_get(ops->wfs, ops->store, r->next.workflow_hash, &wf, err)) == 0)
        rc = cf_store_alerts_sync(ops->store, &r->next, wf, ops->cal, err);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_act_put(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_ready_t *r, cf_ops_out_t *out)
{
    int rc = r->ready ? put(ops, r, &out->err) : CF_ECONFLICT;
    if (!r->used) { /* nothing written: the whole path, as without r */
        cf_ops_out_dispose(out);
        cf_ops_out_init(out);
        return cf_ops_act(ops, in, out);
    }
    if (rc != 0)
        return rc;
    cf_casecache_t *cache = ops->wfs->cases;
    out->events = json_incref(r->events);
    if (!cache) {
        out->c = r->next; /* moved */
        memset(&r->next, 0, sizeof(r->next));
        out->has_case = 1;
        return 0;
    }
    /* as cf__ops_commit leaves it: the case and its summary at its head, both moved */
    cf_casecache_summary_put(cache, r->next.id, r->next.head, &r->sum);
    cf_casecache_take(cache, &r->next);
    return 0;
}
