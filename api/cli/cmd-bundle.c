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
 * events name each document by its SHA-256 only), and signature {algorithm
 * "ed25519", key_id (SHA-256 of the public key), public_key (PEM), value
 * (base64)} over the canonical text: the bundle without its "signature" member,
 * dumped by jansson with sorted keys and no whitespace (JSON_COMPACT |
 * JSON_SORT_KEYS). Any byte changed in what was signed fails the check. The key
 * comes from --sign FILE, else $CASEFLOW_EXPORT_KEY, the bureau's configured key.
 * SM2/SM3 (商用密码) would be a second algorithm value beside "ed25519"; not done.
 */
#include "anchor.h"
#include "session.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* The canonical text of bundle: without "signature", sorted keys, compact. New. */
static char *canonical(const json_t *bundle)
{
    json_t *copy = json_copy((json_t *)bundle);
    if (!copy)
        return NULL;
    json_object_del(copy, "signature");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    return text;
}

/* Exported, documented in cli.h */
int cf__bundle_seal(json_t *bundle, const char *key_path, cf_time_t now, cf_error_t *err)
{
    char when[CF_TIME_BUFSZ], *pem = NULL, *text = NULL;
    size_t len = 0;
    json_t *sig = NULL;
    cf_time_format(now, when);
    json_object_set_new(bundle, "exported_at", json_string(when));
    json_object_set_new(bundle, "documents", json_string("hashes"));
    int rc = cf__read_file(key_path, &pem, &len, err);
    if (rc == 0)
        rc = (text = canonical(bundle)) ? 0 : CF_ENOMEM;
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
        rc = (text = canonical(bundle)) ? 0 : CF_ENOMEM;
    if (rc == 0)
        rc = cf_anchor_verify_text(sig, pub, text, id, &err);
    if (rc == 0)
        fprintf(
            cli->out, "%s: signature OK: case %lld exported at %s, signed with key %s%s\n", path,
            (long long)json_integer_value(json_object_get(json_object_get(bundle, "case"), "id")),
            json_string_value(json_object_get(bundle, "exported_at")), id,
            pub ? " (the key given)" : " (the key it carries: compare it with the bureau's)");
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
