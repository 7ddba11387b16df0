/*
 * ops-export.c -- a case as a bundle (issue 17 item 3): what `caseflow case export`
 * writes and GET /v1/cases/{id}/export answers, the same bytes for the same case.
 *
 * A bundle carries the case, its events, the workflow definition it pinned, its
 * matter and the stored calendars, so `audit replay --bundle` gives the same verdict
 * away from the database (format: api/cli/cmd-audit.c); documents: "hashes" (the
 * events name each by its SHA-256) or "bytes" (document_bytes {sha256: base64} and
 * documents_without_bytes [{name, sha256}]); signed, exported_at and signature over
 * the canonical text (api/cli/cmd-bundle.c, which checks it: `bundle verify`).
 *
 * The text is jansson's, indented by two, with a final newline: the command line
 * prints it as it prints any JSON, the daemon sends it as is (not through its own
 * compact writer), so the bytes are the command line's. Unsigned, a bundle holds
 * nothing per export; signed, only exported_at (the time given) and, with an SM2
 * key, the signature's value (Ed25519 signatures are deterministic).
 */
#include "ops-int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"

/* Exported, documented in ops.h */
char *cf_ops_bundle_canonical(const json_t *bundle)
{
    json_t *copy = json_copy((json_t *)bundle);
    if (!copy)
        return NULL;
    json_object_del(copy, "signature");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    return text;
}

/* Exported, documented in ops.h */
int cf_ops_bundle_each_document(const json_t *bundle,
                                int (*fn)(void *ctx, const char *name, const char *sha256),
                                void *ctx)
{
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(bundle, "events"), i, ev) {
        const char *name;
        json_t *d;
        json_object_foreach(json_object_get(ev, "documents"), name, d) {
            const char *sha = json_string_value(json_object_get(d, "sha256"));
            int rc = sha ? fn(ctx, name, sha) : 0;
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Signs bundle with the PEM private key at key_path: adds exported_at (now), documents
 * (when absent) and signature. 0, CF_EIO (the key file), CF_EPARSE (the key; err's
 * source names the file) or CF_ENOMEM. */
static int seal(json_t *bundle, const char *key_path, cf_time_t now, cf_error_t *err)
{
    char when[CF_TIME_BUFSZ], *pem = NULL, *text = NULL;
    size_t len = 0;
    json_t *sig = NULL;
    cf_time_format(now, when);
    json_object_set_new(bundle, "exported_at", json_string(when));
    if (!json_object_get(bundle, "documents"))
        json_object_set_new(bundle, "documents", json_string("hashes"));
    int rc = cf_ops_read_file(key_path, 1u << 20, &pem, &len, err);
    if (rc == 0)
        rc = (text = cf_ops_bundle_canonical(bundle)) ? 0 : CF_ENOMEM;
    if (rc == 0 && (rc = cf_anchor_sign_text(pem, len, text, &sig, err)) == CF_EPARSE)
        snprintf(err->source, sizeof(err->source), "%s", key_path);
    if (rc == 0)
        rc = json_object_set_new(bundle, "signature", sig) == 0 ? 0 : CF_ENOMEM;
    if (pem) /* the private key does not linger in freed memory */
        OPENSSL_cleanse(pem, len);
    free(pem);
    free(text);
    return rc;
}

typedef struct gather_s {
    cf_store_t *store;
    json_t *bytes, *without;
    cf_error_t *err;
    const char *owner; /* the case's agency ("" none): it gave the bytes, or none are read */
} gather_t;

static int gather_one(void *ctx, const char *name, const char *sha256)
{
    gather_t *g = ctx;
    if (json_object_get(g->bytes, sha256))
        return 0;
    void *data = NULL;
    size_t len = 0;
    int rc = cf_store_document_held(g->store, sha256, g->owner, g->err);
    if (rc == 0)
        rc = cf_store_document_get(g->store, sha256, &data, &len, g->err);
    if (rc == CF_ENOTFOUND) /* recorded by its hash alone: say so, carry nothing */
        return json_array_append_new(g->without,
                                     json_pack("{s:s, s:s}", "name", name, "sha256", sha256))
                   ? CF_ENOMEM
                   : 0;
    char *b64 = rc == 0 ? malloc(4 * (len / 3 + 1) + 1) : NULL;
    if (rc == 0 && !b64)
        rc = CF_ENOMEM;
    if (rc == 0) {
        EVP_EncodeBlock((unsigned char *)b64, data, (int)len);
        rc = json_object_set_new(g->bytes, sha256, json_string(b64)) ? CF_ENOMEM : 0;
    }
    free(b64);
    free(data);
    return rc;
}

/* Sets bundle's "documents" to "hashes" (bytes 0), or to "bytes" with document_bytes
 * and documents_without_bytes read from store: the bytes case id's agency gave (a hash it
 * cites by reference alone, whose bytes another agency gave, is without bytes). */
static int documents(json_t *bundle, cf_store_t *store, int64_t id, int bytes, cf_error_t *err)
{
    if (json_object_set_new(bundle, "documents", json_string(bytes ? "bytes" : "hashes")))
        return CF_ENOMEM;
    if (!bytes)
        return 0;
    char owner[256];
    if (cf_store_case_agency(store, id, owner, sizeof(owner), NULL) != 0)
        owner[0] = '\0';
    gather_t g = {store, json_object(), json_array(), err, owner};
    int rc = g.bytes && g.without ? cf_ops_bundle_each_document(bundle, gather_one, &g) : CF_ENOMEM;
    if (rc == 0 && (json_object_set(bundle, "document_bytes", g.bytes) ||
                    json_object_set(bundle, "documents_without_bytes", g.without)))
        rc = CF_ENOMEM;
    json_decref(g.bytes);
    json_decref(g.without);
    return rc;
}

/* Exported, documented in ops-int.h */
int cf__ops_visible(cf_store_t *s, const char *agency, int64_t id, cf_error_t *err)
{
    char have[128];
    if (!agency)
        return 0;
    if (cf_store_case_agency(s, id, have, sizeof(have), NULL) == 0 && strcmp(have, agency) == 0)
        return 0;
    return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
}

/* The bundle without documents or signature. */
static int bundle_of(cf_store_t *s, int64_t id, json_t **bundle, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL, *matter = NULL, *calendars = NULL;
    int rc = cf_store_case_get(s, id, &c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(s, c.workflow_hash, &wf, err);
    if (rc == 0)
        rc = cf_store_case_events(s, c.id, &events, err);
    if (rc == 0 && c.matter_id && cf_store_matter_get(s, c.matter_id, &matter, NULL) != 0)
        matter = NULL;
    if (rc == 0)
        rc = cf_store_calendar_sources(s, &calendars, err);
    if (rc == 0) {
        *bundle = json_pack("{s:s, s:o, s:O, s:{s:s, s:i, s:s, s:s%}, s:O?, s:O}", "format",
                            "caseflow-bundle/1", "case", cf_case_to_json(&c), "events", events,
                            "workflow", "id", wf->doc->id, "version", (int)c.workflow_version,
                            "hash", wf->hash, "source", wf->source, wf->source_len, "matter",
                            matter, "calendars", calendars);
        rc = *bundle ? cf_case_json_times_iso(json_object_get(*bundle, "case")) : CF_ENOMEM;
    }
    json_decref(events);
    json_decref(matter);
    json_decref(calendars);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_case_export(cf_store_t *s, const cf_ops_export_t *in, json_t **bundle, cf_error_t *err)
{
    json_t *b = NULL;
    int rc = cf__ops_visible(s, in->agency, in->case_id, err);
    if (rc == 0)
        rc = bundle_of(s, in->case_id, &b, err);
    if (rc == 0)
        rc = documents(b, s, in->case_id, in->bytes, err);
    if (rc == 0 && in->key) /* signed: a third party can check who exported it */
        rc = seal(b, in->key, in->now, err);
    if (rc != 0) {
        json_decref(b);
        return rc;
    }
    *bundle = b;
    return 0;
}

/* Exported, documented in ops.h */
char *cf_ops_bundle_text(const json_t *bundle, size_t *len)
{
    char *text = json_dumps(bundle, JSON_INDENT(2) | JSON_ENCODE_ANY);
    size_t n = text ? strlen(text) : 0;
    char *out = text ? realloc(text, n + 2) : NULL;
    if (!out) {
        free(text);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    if (len)
        *len = n + 1;
    return out;
}
