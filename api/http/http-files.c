/*
 * http-files.c -- GET /v1/cases/{id}/files/{sha256}: the bytes of a document
 * stored with the case (a document attached to an action, or the file of an
 * item of the evidence register), so the workbench can offer them for download.
 *
 * Why by hash and not by name: the hash is what the case shows for every stored
 * file (documents and evidence alike) and it is unambiguous; the name given to
 * the browser comes from the case's own record of that file. A hash the case
 * does not cite is 404 even if the store holds it under another case, so a
 * token reads only files of its agency's cases. A document attached by reference
 * only (sha256 and size, no bytes) is 404 too: the daemon never had the bytes.
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

/* The sha256 at the end of ".../files/HASH" into out (65 bytes); -1 unless 64 hex digits. */
static int hash_of(h2o_iovec_t path, char out[65])
{
    static const char mark[] = "/files/";
    size_t m = sizeof(mark) - 1;
    if (path.len < m + 64 || memcmp(path.base + path.len - 64 - m, mark, m) != 0)
        return -1;
    const char *p = path.base + path.len - 64;
    for (size_t i = 0; i < 64; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        out[i] = c;
    }
    out[64] = '\0';
    return 0;
}

/* The file name the case records for sha256 (a {sha256, file} object), or NULL. */
static const char *match(const json_t *ref, const char *sha256)
{
    const char *h = json_string_value(json_object_get(ref, "sha256"));
    if (!h || strcmp(h, sha256) != 0)
        return NULL;
    const char *f = json_string_value(json_object_get(ref, "file"));
    return f ? f : "";
}

/* The file name case c records for sha256: its documents, then its evidence items'
 * files. NULL when the case does not cite that hash. */
static const char *file_name(const cf_case_t *c, const char *sha256)
{
    const char *key, *name;
    json_t *v;
    size_t i;
    json_object_foreach(c->documents, key, v)
        if ((name = match(v, sha256)))
            return name;
    json_array_foreach(c->evidence, i, v)
        if ((name = match(json_object_get(v, "file"), sha256)))
            return name;
    return NULL;
}

/* Content-Disposition for name: a plain ASCII filename= fallback and, per RFC 5987 /
 * RFC 6266, filename*=UTF-8''<percent-encoded> so Chinese names survive. */
static h2o_iovec_t disposition(h2o_mem_pool_t *pool, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *out = h2o_mem_alloc_pool(pool, 64 + 4 * n);
    size_t k = (size_t)sprintf(out, "attachment; filename=\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        out[k++] = ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ? '_' : (char)ch;
    }
    k += (size_t)sprintf(out + k, "\"; filename*=UTF-8''");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            strchr("!#$&+-.^_`|~", ch)) {
            out[k++] = (char)ch;
        } else {
            out[k++] = '%';
            out[k++] = hex[ch >> 4];
            out[k++] = hex[ch & 15];
        }
    }
    return h2o_iovec_init(out, k);
}

/* Exported, documented in serve-int.h */
int cf__http_get_file(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    char agency[128], sha256[65], text[160];
    cf_error_t err;
    cf_case_t c;
    if (cf_store_case_agency(srv->reader, id, agency, sizeof(agency), NULL) != 0 ||
        strcmp(agency, who->agency) != 0) {
        snprintf(text, sizeof(text), "no case %lld", (long long)id);
        cf__http_error(req, srv, 404, "ENOTFOUND", text);
        return 0;
    }
    if (hash_of(req->path_normalized, sha256) != 0) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "a file is named by its sha256 (64 hex digits)");
        return 0;
    }
    cf_error_clear(&err);
    int rc = cf_store_case_get(srv->reader, id, &c, &err);
    if (rc != 0) {
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
        return 0;
    }
    const char *name = file_name(&c, sha256);
    h2o_iovec_t cd =
        name ? disposition(&req->pool, name[0] ? name : sha256) : h2o_iovec_init("", 0);
    cf_case_dispose(&c);
    void *data = NULL;
    size_t len = 0;
    if (!name ||
        (rc = cf_store_document_get(srv->reader, sha256, &data, &len, &err)) == CF_ENOTFOUND) {
        snprintf(text, sizeof(text), "case %lld has no stored file with sha256 %.16s…",
                 (long long)id, sha256);
        cf__http_error(req, srv, 404, "ENOTFOUND", text);
    } else if (rc != 0) {
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
    } else {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL, cd.base,
                       cd.len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"),
                              0, NULL, H2O_STRLIT("nosniff"));
        cf__http_bytes(req, srv, 200, "application/octet-stream", data, len);
    }
    free(data);
    return 0;
}
