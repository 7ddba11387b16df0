/*
 * http-export.c -- GET /v1/cases/{id}/export: the case as a bundle, the bytes
 * `caseflow case export` writes for the same case (issue 17 item 3).
 *
 * The operation layer makes it (api/ops/ops-export.c, cf_ops_case_export, which
 * the command line calls too): the case, its events, the pinned workflow's source,
 * its matter and the calendars; ?documents=bytes carries the documents' bytes as
 * --with-documents does (default: hashes). Signed with the daemon's export_key (serve
 * config) when it has one, else unsigned: the command line signs with the key given
 * on its command line, which a request cannot name. Read on the reader pool
 * (serve-readers.c) as every case read is; another agency's case is 404.
 *
 * The text is the operation layer's (indented, a final newline), sent as it is: not
 * through the daemon's compact JSON writer, so the two front ends' bytes are equal.
 *
 * Here too GET /v1/cases/{id}/documents: the 文书 the case's state needs, which have a
 * template, which are attached (cf_ops_doc_list, `caseflow doc list --json`'s list), the
 * templates on $CASEFLOW_TEMPLATES, else workflows/templates, as GET
 * /v1/cases/{id}/documents/{name}.pdf renders them (http-doc.c).
 */
#include "ops.h"
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

/* Reader thread: the bundle of case r->id, its documents' bytes carried or not (bytes). */
static void export_case(cf_store_t *s, cf__read_t *r, int bytes)
{
    cf_error_t err;
    cf_error_clear(&err);
    json_t *bundle = NULL;
    cf_ops_export_t in = {.agency = r->who.agency,
                          .case_id = r->id,
                          .bytes = bytes,
                          .key = r->srv->cfg.export_key,
                          .now = r->now};
    int rc = cf_ops_case_export(s, &in, &bundle, &err);
    if (rc != 0) {
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
        return;
    }
    r->text = cf_ops_bundle_text(bundle, &r->text_len); /* NULL: answered 500 ENOMEM */
    r->status = 200;
    json_decref(bundle);
}

static void run_export_hashes(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    (void)wfs;
    export_case(s, r, 0);
}

static void run_export_bytes(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    (void)wfs;
    export_case(s, r, 1);
}

static void run_doc_list(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    (void)wfs;
    cf_error_t err;
    cf_error_clear(&err);
    json_t *list = NULL;
    cf_ops_doc_list_t in = {.agency = r->who.agency, .case_id = r->id, .templates = NULL};
    int rc = cf_ops_doc_list(s, &in, &list, NULL, 0, &err);
    if (rc != 0)
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
    else
        cf__read_answer(r, 200, list);
}

/* Exported, documented in serve-int.h */
int cf__http_get_doc_list(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__read_case(srv, req, who, id, run_doc_list);
}

/* Exported, documented in serve-int.h */
int cf__http_get_export(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    int bad = 0;
    const char *docs = cf__http_query(req, "documents", &bad);
    if (bad || (docs && strcmp(docs, "bytes") != 0 && strcmp(docs, "hashes") != 0)) {
        cf__http_bad_param(req, srv, "documents", "documents is \"bytes\" or \"hashes\"");
        return 0;
    }
    int bytes = docs && strcmp(docs, "bytes") == 0;
    return cf__read_case(srv, req, who, id, bytes ? run_export_bytes : run_export_hashes);
}
