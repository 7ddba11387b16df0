/*
 * http-doc.c -- GET /v1/cases/{id}/documents/{name}.pdf: a 文书 rendered from
 * the case (render/render.h), the same bytes `caseflow doc render` writes.
 *
 * Rendered on the reader pool (serve-readers.c), as every case read is: a document takes
 * tens of milliseconds, but its time grows with the texts it lays out, and a party's name
 * may be as long as --max-body lets it be. On the loop thread (as it was until the sixth
 * attack round) a case named by 20,000 characters held every connection for a second per
 * request, the event streams and /healthz included, and a name of 1 MiB for far longer
 * (attack-14.9). Fonts are loaded once per thread by fontconfig, then cached. The
 * template path is $CASEFLOW_TEMPLATES, else workflows/templates under the daemon's
 * working directory.
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

#include "render.h"

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The document's name from the path ".../documents/NAME.pdf", percent-decoded,
 * into out (size bytes). -1 if it is empty, too long or holds a '/'; -2 if it is not
 * UTF-8 or holds a NUL (which would cut the name short: "立案审批表%00x" is no name). */
static int name_of(h2o_iovec_t path, char *out, size_t size)
{
    static const char mark[] = "/documents/";
    const char *p = NULL;
    for (size_t i = 0; i + sizeof(mark) - 1 <= path.len; i++)
        if (memcmp(path.base + i, mark, sizeof(mark) - 1) == 0)
            p = path.base + i + sizeof(mark) - 1;
    if (!p)
        return -1;
    size_t n = (size_t)(path.base + path.len - p) - 4, k = 0; /* without ".pdf" */
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            out[k++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else
            out[k++] = p[i];
    }
    out[k] = '\0';
    if (k == 0 || k + 1 >= size || memchr(out, '/', k))
        return -1;
    return memchr(out, '\0', k) || !cf__utf8_valid(out, k) ? -2 : 0;
}

/* Renders document name of case c, read on store s with workflow cache wfs, into OUT
 * pdf, len. */
static int render(cf_store_t *s, cf_wfcache_t *wfs, const cf_case_t *c, const char *name,
                  unsigned char **pdf, size_t *len, cf_error_t *err)
{
    const cf_workflow_t *wf;
    json_t *events = NULL;
    int rc = cf_wfcache_get(wfs, s, c->workflow_hash, &wf, err);
    if (rc == 0)
        rc = cf_store_case_events(s, c->id, &events, err);
    if (rc == 0) {
        cf_wenshu_input_t in = {
            .wf = wf, .c = c, .events = events, .date = cf_render_doc_date(c, events, name)};
        rc = cf_render_case_doc(cf_render_path(NULL), name, &in, pdf, len, err);
    }
    json_decref(events);
    return rc;
}

/* Reader thread: the document r->strings of case r->id (of the agency: checked on the
 * loop), as application/pdf. */
static void run_document(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    cf_error_t err;
    cf_case_t c;
    cf_error_clear(&err);
    int rc = cf_store_case_get(s, r->id, &c, &err);
    unsigned char *pdf = NULL;
    size_t len = 0;
    if (rc == 0) {
        rc = render(s, wfs, &c, r->strings, &pdf, &len, &err);
        cf_case_dispose(&c);
    }
    if (rc != 0) {
        free(pdf);
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
        return;
    }
    r->status = 200;
    r->text = (char *)pdf;
    r->text_len = len;
    r->content_type = "application/pdf"; /* nosniff and its CSP as every answer */
}

/* Exported, documented in serve-int.h */
int cf__http_get_document(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    char agency[128], name[256];
    /* Another agency's case first, as every route: 404 whatever the name (a point read) */
    if (cf_store_case_agency(srv->reader, id, agency, sizeof(agency), NULL) != 0 ||
        strcmp(agency, who->agency) != 0) {
        snprintf(name, sizeof(name), "no case %lld", (long long)id);
        cf__http_error(req, srv, 404, "ENOTFOUND", name);
        return 0;
    }
    int named = name_of(req->path_normalized, name, sizeof(name));
    if (named == -2) {
        cf__http_bad_param(req, srv, "name",
                           "the document's name in the path (…/documents/NAME.pdf) is not "
                           "UTF-8 or holds a NUL (%00)");
        return 0;
    }
    if (named != 0) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such document name");
        return 0;
    }
    cf__read_t *r = cf__read_new(srv, req, who, run_document);
    if (r && !(r->strings = strdup(name))) {
        cf__read_free(r);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    if (r) {
        r->id = id; /* copied: the request's pool may go first */
        cf__read_submit(r);
    }
    return 0;
}
