/*
 * http-replay.c -- GET /v1/cases/{id}/replay: the auditor's view of one case (issue 22
 * item 7), what `caseflow audit verify` and `audit replay --case ID` find, as JSON:
 *
 *   {case, workflow {id, version, hash}, verified (the hash chain holds), conformant
 *    (no deviation at all), deviations [{seq, kind, rule, text, basis,
 *    accountability}], clocks, steps, notes}
 *
 * On a reader thread like every GET (serve-readers.c): the case's events as stored,
 * its pinned workflow (the reader's cache), its matter, and the calendar read from the
 * database for this request (a replay recounts deadlines; the loop's calendar belongs
 * to the loop). Agency as everywhere: another agency's case is 404. Open to every role
 * but metrics (a handler may see where the record deviates); the workbench shows it on
 * closed cases.
 */
#include "ops.h"
#include "serve-int.h"

#include "audit.h"

#include <stdio.h>
#include <string.h>

static json_t *deviations_json(const cf_audit_t *a, int *chain_ok)
{
    json_t *list = json_array();
    *chain_ok = 1;
    for (size_t i = 0; i < a->items_count; i++) {
        const cf_deviation_t *d = &a->items[i];
        if (strcmp(d->kind, "chain") == 0)
            *chain_ok = 0;
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq",
                                              (json_int_t)d->seq, "kind", d->kind, "rule",
                                              d->rule ? d->rule : "", "text", d->text, "basis",
                                              d->basis, "accountability", d->accountability));
    }
    return list;
}

/* The audit of case c (events as stored) into OUT *out (new). */
static int audit(cf_store_t *s, cf_wfcache_t *wfs, const cf_case_t *c, cf_time_t now, json_t **out,
                 cf_error_t *err)
{
    const cf_workflow_t *wf;
    cf_calendar_t *cal = NULL;
    json_t *events = NULL, *matter = NULL;
    cf_audit_t a;
    int rc = cf_audit_init(&a, c->id);
    if (rc == 0)
        rc = cf_store_case_events_audit(s, c->id, &events, err);
    if (rc == 0)
        rc = cf_wfcache_get(wfs, s, c->workflow_hash, &wf, err);
    if (rc == 0)
        rc = cf_store_calendar_load(s, &cal, err);
    if (rc == 0 && c->matter_id && cf_store_matter_get(s, c->matter_id, &matter, NULL) != 0)
        matter = NULL;
    if (rc == 0)
        rc = cf_audit_verify(events, c->algo, c->head, &a);
    if (rc == 0)
        rc = cf_audit_replay(wf, cal, matter, events, now, &a);
    if (rc == 0) {
        int chain_ok;
        json_t *devs = deviations_json(&a, &chain_ok);
        *out = json_pack("{s:I, s:{s:s, s:i, s:s}, s:b, s:b, s:o, s:O, s:O, s:O}", "case",
                         (json_int_t)c->id, "workflow", "id", c->workflow_id, "version",
                         c->workflow_version, "hash", c->workflow_hash, "verified", chain_ok,
                         "conformant", a.items_count == 0, "deviations", devs, "clocks",
                         a.clocks ? a.clocks : json_null(), "steps",
                         a.steps ? a.steps : json_null(), "notes", a.notes ? a.notes : json_null());
        if (!*out)
            rc = cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cf_audit_dispose(&a);
    cf_calendar_free(cal);
    json_decref(events);
    json_decref(matter);
    return rc;
}

static void run_replay(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    char agency[128], text[64];
    cf_case_t c;
    cf_error_t err;
    json_t *out = NULL;
    if (cf_store_case_agency(s, r->id, agency, sizeof(agency), NULL) != 0 ||
        strcmp(agency, r->who.agency) != 0) {
        snprintf(text, sizeof(text), "no case %lld", (long long)r->id);
        cf__read_error(r, 404, "ENOTFOUND", text);
        return;
    }
    int rc = cf_store_case_row(s, r->id, &c, &err);
    if (rc == 0) {
        rc = audit(s, wfs, &c, r->now, &out, &err);
        cf_case_dispose(&c);
    }
    if (rc != 0)
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
    else
        cf__read_answer(r, 200, out);
}

/* Exported, documented in serve-int.h */
int cf__http_replay(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    cf__read_t *r = cf__read_new(srv, req, who, run_replay);
    if (!r)
        return 0;
    r->id = id;
    cf__read_submit(r);
    return 0;
}
