/*
 * ops-evidence.c -- adding to a case's evidence register (issue 20 item 2): an
 * item of evidence or a record, from the command line (`caseflow evidence add`,
 * `caseflow record add`) and the API (POST /v1/cases/{id}/evidence, /records)
 * alike. See ops.h.
 *
 *   case (agency, If-Match) -> time -> the item's JSON (depth) -> its file (read
 *   or decoded, hashed, size limit) -> cf_engine_evidence / cf_engine_record ->
 *   write (the file's bytes, the event, the case row) in one transaction
 *
 * The file is read and checked exactly as a document of an action is (ops.c,
 * cf__ops_docs): one path for the bytes, the limit and the hash. Its reference
 * {file, sha256, size} goes into the item, so the chain holds the hash and the
 * documents table the bytes.
 */
#include "evidence.h"
#include "ops-int.h"

#include <string.h>

/* The item with its file's reference set: a new object. */
static json_t *with_file(const json_t *item, const json_t *refs, const char *name)
{
    json_t *o = json_copy((json_t *)item); /* shallow: only its top level changes */
    if (o && refs && json_object_set(o, "file", json_object_get(refs, name)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* cf_ops_evidence, once (its case perhaps from the writer's cache unchecked). */
static int evidence_once(cf_ops_t *ops, const cf_ops_evidence_t *in, cf_ops_out_t *out)
{
    cf_case_t c;
    const cf_workflow_t *wf;
    json_t *refs = NULL, *item = NULL, *events = NULL;
    cf__ops_doc_t *docs = NULL;
    cf_error_t *err = &out->err;
    const char *what = in->record ? "the record" : "the evidence";
    int rc = cf__ops_load(ops, &in->by, in->case_id, &c, &wf, out);
    if (rc != 0)
        return rc;
    cf_evidence_req_t req = {.actor = in->by.actor, .role = in->by.role};
    if (!json_is_object(in->item))
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%s must be a JSON object", what);
    if (rc == 0 && json_object_get(in->item, "file"))
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                          "%s's file is given as a document (--file, \"content_base64\" or "
                          "\"sha256\"), not as \"file\"",
                          what);
    if (rc == 0)
        rc = cf_ops_check_depth(in->item, what, err);
    if (rc == 0)
        rc = cf__ops_when(ops, &in->by, &c, &req.at, err);
    cf_ops_doc_t doc = in->doc ? *in->doc : (cf_ops_doc_t){0};
    doc.name = "file";
    if (rc == 0 && in->doc)
        rc = cf__ops_docs(ops, &doc, 1, &docs, &refs, err);
    if (rc == 0 && !(item = with_file(in->item, refs, "file")))
        rc = CF_ENOMEM;
    req.item = item;
    if (rc == 0) {
        rc = in->record ? cf_engine_record(wf, &c, &req, &events, &out->why)
                        : cf_engine_evidence(wf, &c, &req, &events, &out->why);
        out->refused = rc != 0 && rc != CF_ENOMEM;
    }
    cf__ops_write_t w = {
        .by = &in->by, .wf = wf, .events = events, .docs = docs, .docs_count = docs ? 1 : 0};
    if (rc == 0)
        rc = cf__ops_commit(ops, &w, &c, out);
    cf__ops_docs_free(docs, 1);
    json_decref(refs);
    json_decref(item);
    json_decref(events);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_evidence(cf_ops_t *ops, const cf_ops_evidence_t *in, cf_ops_out_t *out)
{
    int rc = evidence_once(ops, in, out);
    return cf__ops_stale(rc, out) ? evidence_once(ops, in, out) : rc;
}
