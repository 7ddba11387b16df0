/*
 * http-files.c -- GET /v1/cases/{id}/files/{sha256}: the bytes of a document
 * stored with the case (a document attached to an action, or the file of an
 * item of the evidence register), so the workbench can offer them for download.
 *
 * Which file, and who may read it, is the operation layer's (api/ops/ops-file.c,
 * cf_ops_case_file, which `caseflow case file` calls too): a hash the case does not
 * cite is 404 even if the store holds it under another case, so a token reads only
 * files of its agency's cases; a document attached by reference only (sha256 and
 * size, no bytes) is 404 too. Here: the hash from the path, and the answer.
 */
#include "ops.h"
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

/* The length of the Unicode bidirectional control at s (UTF-8), or 0: U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069. */
static size_t bidi_control(const unsigned char *s, size_t left)
{
    if (left >= 2 && s[0] == 0xd8 && s[1] == 0x9c)
        return 2;
    if (left < 3 || s[0] != 0xe2)
        return 0;
    if (s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
        return 3;
    return s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9 ? 3 : 0;
}

/* 1 when name[i] would make the name a path where a client saves it: a '/' or '\\' (a
 * directory), or a '.' first ("..", ".bashrc": the parent, a hidden file). */
static int path_char(const char *name, size_t i)
{
    return name[i] == '/' || name[i] == '\\' || (i == 0 && name[i] == '.');
}

/* Content-Disposition for name: a plain ASCII filename= fallback and, per RFC 5987 /
 * RFC 6266, filename*=UTF-8''<percent-encoded> so Chinese names survive. A bidirectional
 * control there is '_': "发票\u202Efdp.exe" would be saved under a name shown as
 * "发票exe.pdf" (attack-12.4), a program passed off as a document. So are '/', '\\' and a
 * leading '.' (path_char): a client that saves by the name it is given without taking
 * the directories off (a script, an old wget) would write "../../.bashrc" outside its
 * folder (attack-13.2). */
static h2o_iovec_t disposition(h2o_mem_pool_t *pool, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *out = h2o_mem_alloc_pool(pool, 64 + 4 * n);
    size_t k = (size_t)sprintf(out, "attachment; filename=\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        out[k++] = ch < 0x20 || ch >= 0x7f || ch == '"' || path_char(name, i) ? '_' : (char)ch;
    }
    k += (size_t)sprintf(out + k, "\"; filename*=UTF-8''");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        size_t bidi = bidi_control((const unsigned char *)name + i, n - i);
        if (bidi || path_char(name, i)) {
            out[k++] = '_';
            i += bidi ? bidi - 1 : 0;
        } else if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= 'A' && ch <= 'Z') || (ch && strchr("!#$&+-.^_`|~", ch))) {
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
    char sha256[65];
    cf_error_t err;
    cf_ops_file_t f;
    cf_error_clear(&err);
    int rc = hash_of(req->path_normalized, sha256) == 0
                 ? cf_ops_case_file(srv->reader, who->agency, id, sha256, &f, &err)
                 : cf_ops_case_file(srv->reader, who->agency, id, "", &f, &err);
    if (rc != 0) {
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
        return 0;
    }
    h2o_iovec_t cd = disposition(&req->pool, f.name);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL, cd.base,
                   cd.len);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    cf__http_bytes(req, srv, 200, "application/octet-stream", f.data, f.len);
    cf_ops_file_dispose(&f);
    return 0;
}
