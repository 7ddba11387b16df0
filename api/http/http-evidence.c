/*
 * http-evidence.c -- GET /v1/cases/{id}/evidence and /records: a case's
 * evidence register (issue 20 item 2) as the fold of its events holds it, read on
 * a thread of the reader pool like every GET (http-read.c). The items are those
 * of `caseflow evidence list --json` and `record list --json`: the same fold, the
 * same JSON. Another agency's case is answered 404, as a case that does not exist.
 * Adding is a POST to the same paths (serve-jobs.c, the operation layer).
 */
#include "serve-int.h"

#include <stdio.h>
#include <string.h>

static void run_register(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r, int record)
{
    char agency[128], text[64];
    cf_error_t err;
    cf_case_t c;
    (void)wfs;
    if (cf_store_case_agency(s, r->id, agency, sizeof(agency), NULL) != 0 ||
        strcmp(agency, r->who.agency) != 0) {
        snprintf(text, sizeof(text), "no case %lld", (long long)r->id);
        cf__read_error(r, 404, "ENOTFOUND", text);
        return;
    }
    int rc = cf_store_case_get(s, r->id, &c, &err);
    if (rc != 0) {
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
        return;
    }
    json_t *list = record ? c.records : c.evidence;
    snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)c.version);
    cf__read_answer(r, 200, list ? json_incref(list) : json_array());
    cf_case_dispose(&c);
}

static void run_evidence(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    run_register(s, wfs, r, 0);
}

static void run_records(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    run_register(s, wfs, r, 1);
}

/* Exported, documented in serve-int.h */
int cf__http_get_register(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id,
                          int record)
{
    return cf__read_case(srv, req, who, id, record ? run_records : run_evidence);
}
