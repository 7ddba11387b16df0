/*
 * ops-file.c -- a stored file's bytes, by the SHA-256 the case cites it under (a
 * document attached to an action, or the file of an item of the evidence register):
 * GET /v1/cases/{id}/files/{sha256} (http-files.c) and `caseflow case file` alike
 * (issue 17 item 3). See ops.h.
 *
 * Why by hash and not by name: the hash is what the case shows for every stored
 * file (documents and evidence alike) and it is unambiguous; the name comes from
 * the case's own record of that file. A hash the case does not cite is not found
 * even if the store holds it under another case, so an agency reads only files of
 * its own cases; nor is a document attached by reference only (sha256 and size, no
 * bytes) whose bytes the case's agency never gave: another agency's file, stored under
 * that hash, is not read by citing its hash (cf_store_document_held).
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Exported, documented in ops.h */
int cf_ops_sha256_canon(const char *text, char out[65])
{
    if (!text || strlen(text) != 64)
        return CF_EINVAL;
    for (size_t i = 0; i < 64; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return CF_EINVAL;
        out[i] = c;
    }
    out[64] = '\0';
    return 0;
}

/* Exported, documented in ops.h */
int cf_ops_case_file(cf_store_t *s, const char *agency, int64_t id, const char *sha256,
                     cf_ops_file_t *out, cf_error_t *err)
{
    char owner[128], hash[65];
    cf_case_t c;
    memset(out, 0, sizeof(*out));
    if (cf_store_case_agency(s, id, owner, sizeof(owner), NULL) != 0)
        owner[0] = '\0'; /* none (or no case: cf_store_case_get says so below) */
    if (agency && strcmp(owner, agency) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    if (cf_ops_sha256_canon(sha256, hash) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                            "a file is named by its sha256 (64 hex digits)");
    int rc = cf_store_case_get(s, id, &c, err);
    if (rc != 0)
        return rc;
    const char *name = file_name(&c, hash);
    out->name = name ? strdup(name[0] ? name : hash) : NULL;
    cf_case_dispose(&c);
    if (name && !out->name)
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (!name || (rc = cf_store_document_held(s, hash, owner, err)) == CF_ENOTFOUND ||
        (rc == 0 &&
         (rc = cf_store_document_get(s, hash, &out->data, &out->len, err)) == CF_ENOTFOUND)) {
        cf_ops_file_dispose(out);
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                            "case %lld has no stored file with sha256 %.16s…", (long long)id, hash);
    }
    if (rc != 0)
        cf_ops_file_dispose(out);
    return rc;
}

/* Exported, documented in ops.h */
void cf_ops_file_dispose(cf_ops_file_t *f)
{
    free(f->data);
    free(f->name);
    memset(f, 0, sizeof(*f));
}
