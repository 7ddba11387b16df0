/*
 * cmd-bundle.c -- signed bundles: `case export --sign KEY` and `bundle verify`
 * (docs/operations.md "Signed exports", docs/audit.md).
 *
 * A bundle (cmd-audit.c) is what a bureau hands a court, a reviewing authority or
 * an auditor. Signed, it also says who exported it: the bureau's Ed25519 key
 * (the same kind of key, and the same OpenSSL code, as the log's checkpoints:
 * engine/anchor.h) signs the bundle's canonical text, and a third party checks
 * it with `caseflow bundle verify bundle.json --pubkey bureau.pub`, no database
 * needed, then replays it with `caseflow audit replay --bundle bundle.json`.
 *
 * Format added to the bundle: exported_at (ISO 8601), documents ("hashes": the
 * events name each document by its SHA-256 only; "bytes": document_bytes carries
 * them, {sha256: base64}, and documents_without_bytes lists [{name, sha256}] of
 * those recorded by hash alone, whose bytes the database never held), and
 * signature {algorithm "ed25519" | "sm2-sm3", key_id (SHA-256 of the public key),
 * public_key (PEM), value (base64), sm2_id (SM2: the identifier)} over the
 * canonical text: the bundle without its "signature" member, dumped by jansson
 * with sorted keys and no whitespace (JSON_COMPACT | JSON_SORT_KEYS). Any byte
 * changed in what was signed fails the check. The key comes from --sign FILE,
 * else $CASEFLOW_EXPORT_KEY, the bureau's configured key; the bytes come with
 * --with-documents, or $CASEFLOW_EXPORT_DOCUMENTS=bytes, the bureau's choice.
 *
 * `bundle verify` checks the signature, then, in a bundle with bytes, that each
 * document's bytes hash to the SHA-256 its event names, that every document the
 * events name is either carried or listed as without bytes, and that nothing
 * else is carried. The bytes are covered by the signature too; the hash check
 * also holds for an unsigned bundle's reader, who learns which document differs.
 * Rejected: the documents as separate files beside the JSON (a bundle that can
 * lose a part in transit); zip (a second format to read for one JSON file).
 *
 * The bundle is made, its bytes gathered and it is signed by the operation layer
 * (api/ops/ops-export.c), which GET /v1/cases/{id}/export calls too; here: the check.
 */
#include "anchor.h"
#include "ops.h"
#include "session.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

typedef struct check_s {
    const json_t *bytes, *without;
    json_t *seen; /* sha256 -> true, the documents the events name */
    cf_error_t *err;
} check_t;

static int listed_without(const json_t *without, const char *sha256)
{
    size_t i;
    json_t *w;
    json_array_foreach(without, i, w) {
        const char *s = json_string_value(json_object_get(w, "sha256"));
        if (s && strcmp(s, sha256) == 0)
            return 1;
    }
    return 0;
}

/* One document the events name: carried, and its bytes hash to its SHA-256. */
static int check_one(void *ctx, const char *name, const char *sha256)
{
    check_t *c = ctx;
    if (json_object_get(c->seen, sha256))
        return 0;
    json_object_set_new(c->seen, sha256, json_true());
    const char *b64 = json_string_value(json_object_get(c->bytes, sha256));
    if (!b64)
        return listed_without(c->without, sha256)
                   ? 0
                   : cf_error_set(c->err, CF_ECORRUPT, NULL, 0, 0,
                                  "document %s (%.16s...): its bytes are missing from the "
                                  "bundle",
                                  name, sha256);
    size_t len = strlen(b64);
    unsigned char *raw = malloc(len / 4 * 3 + 3);
    int n = raw && len % 4 == 0 ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len) : -1;
    char got[65] = "";
    if (n >= 0) {
        n -= (len >= 1 && b64[len - 1] == '=') + (len >= 2 && b64[len - 2] == '=');
        cf_chain_sha256_hex(raw, (size_t)n, got);
    }
    free(raw);
    if (n < 0)
        return cf_error_set(c->err, CF_ECORRUPT, NULL, 0, 0,
                            "document %s (%.16s...): its bytes are not base64", name, sha256);
    if (strcmp(got, sha256) != 0)
        return cf_error_set(c->err, CF_ECORRUPT, NULL, 0, 0,
                            "document %s: its bytes hash to %.16s..., the chain says %.16s...: "
                            "the bytes were altered",
                            name, got, sha256);
    return 0;
}

/* In a bundle with bytes: every document named is carried with the right bytes
 * (or listed as without bytes), and nothing else is carried. OUT *count: the
 * documents whose bytes were checked. 0 or CF_ECORRUPT (err says which). */
static int check_documents(const json_t *bundle, size_t *count, cf_error_t *err)
{
    const char *mode = json_string_value(json_object_get(bundle, "documents"));
    *count = 0;
    if (!mode || strcmp(mode, "bytes") != 0)
        return 0;
    check_t c = {json_object_get(bundle, "document_bytes"),
                 json_object_get(bundle, "documents_without_bytes"), json_object(), err};
    int rc = c.seen ? cf_ops_bundle_each_document(bundle, check_one, &c) : CF_ENOMEM;
    const char *sha;
    json_t *v;
    json_object_foreach((json_t *)c.bytes, sha, v) {
        if (rc == 0 && !json_object_get(c.seen, sha))
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                              "the bundle carries bytes (%.16s...) that no event names", sha);
    }
    *count = json_object_size(c.bytes);
    json_decref(c.seen);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_bundle_verify(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {NULL};
    const char *path = cf__opt_positional(argc, argv, 0, flags);
    const char *pub_path = cf__opt_value(argc, argv, "--pubkey");
    if (!path)
        return cf__cli_usage(cli, "bundle verify BUNDLE [--pubkey FILE]");
    cf_error_t err;
    cf_error_clear(&err);
    char *buf = NULL, *pub = NULL, *text = NULL, id[65] = "";
    json_t *bundle = NULL;
    int rc = cf__read_file(path, &buf, NULL, &err);
    if (rc == 0 && pub_path)
        rc = cf__read_file(pub_path, &pub, NULL, &err);
    if (rc == 0) {
        json_error_t je;
        bundle = json_loads(buf, 0, &je);
        if (!bundle)
            rc = cf_error_set(&err, CF_EPARSE, path, je.line, je.column, "%s", je.text);
    }
    const json_t *sig = bundle ? json_object_get(bundle, "signature") : NULL;
    if (rc == 0 && !sig)
        rc = cf_error_set(&err, CF_ECORRUPT, path, 0, 0,
                          "the bundle is not signed (export it with --sign KEY)");
    if (rc == 0)
        rc = (text = cf_ops_bundle_canonical(bundle)) ? 0 : CF_ENOMEM;
    size_t docs = 0; /* the documents first: an altered one is named */
    if (rc == 0)
        rc = check_documents(bundle, &docs, &err);
    if (rc == 0)
        rc = cf_anchor_verify_text(sig, pub, text, id, &err);
    if (rc == 0)
        fprintf(
            cli->out, "%s: signature OK: case %lld exported at %s, signed with %s key %s%s\n", path,
            (long long)json_integer_value(json_object_get(json_object_get(bundle, "case"), "id")),
            json_string_value(json_object_get(bundle, "exported_at")),
            json_string_value(json_object_get(sig, "algorithm")), id,
            pub ? " (the key given)" : " (the key it carries: compare it with the bureau's)");
    if (rc == 0 && docs)
        fprintf(cli->out, "%s: %zu document(s) carried, their bytes match the chain's hashes\n",
                path, docs);
    json_decref(bundle);
    free(buf);
    free(pub);
    free(text);
    if (rc == CF_ECORRUPT) {
        fprintf(cli->err, "caseflow: %s: %s\n", path, err.text);
        return CF_EXIT_VERIFY;
    }
    return rc == 0 ? CF_EXIT_OK : cf__cli_fail(cli, rc, &err);
}
