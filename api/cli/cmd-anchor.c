/*
 * cmd-anchor.c -- `audit keygen`, `audit checkpoint` and `audit prove`: the
 * bureau's signing key, a signed checkpoint of the log, and the proof that one
 * event is in it. (`audit verify --checkpoint` is in cmd-audit.c.)
 *
 * The private key is written once, readable by its owner only (0600), and
 * never overwritten: losing the key that signed past checkpoints to a typo
 * would leave them unverifiable. Only the public key is printed; it is what
 * the bureau hands its auditors.
 */
#include "anchor-run.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- audit keygen --------------------------------------------------------------------- */

/* OUT *pem: a new private key of algorithm ("ED25519" or "SM2") as PEM (new string). */
static int new_key(const char *algorithm, char **pem)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, algorithm);
    BIO *bio = key ? BIO_new(BIO_s_mem()) : NULL;
    char *data = NULL;
    long n = bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
                 ? BIO_get_mem_data(bio, &data)
                 : 0;
    *pem = n > 0 ? strndup(data, (size_t)n) : NULL;
    if (bio)
        BIO_free(bio);
    EVP_PKEY_free(key);
    return *pem ? 0 : CF_ENOMEM;
}

/* Writes pem to a new file at path, mode 0600; an existing file is refused. */
static int write_key(const char *path, const char *pem, cf_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return cf_error_set(err, errno == EEXIST ? CF_EEXIST : CF_EIO, path, 0, 0,
                            errno == EEXIST ? "already exists: a key is never overwritten"
                                            : "cannot create: %s",
                            strerror(errno));
    size_t len = strlen(pem);
    int ok = write(fd, pem, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    ok &= close(fd) == 0;
    if (!ok) {
        unlink(path);
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot write: %s", strerror(e));
    }
    return 0;
}

/* Exported, documented in cli.h */
int cf__cmd_audit_keygen(cf_cli_t *cli, int argc, char **argv)
{
    const char *out = cf__opt_value(argc, argv, "--out");
    if (!out)
        return cf__cli_usage(cli, "audit keygen --out FILE   (the private key; prints the "
                                  "public key)");
    const char *alg = cf__opt_value(argc, argv, "--algorithm");
    if (alg && strcmp(alg, "ed25519") != 0 && strcmp(alg, "sm2") != 0)
        return cf__cli_usage(cli, "audit keygen --algorithm ed25519|sm2 (SM2 signs over SM3)");
    int sm2 = alg && strcmp(alg, "sm2") == 0;
    cf_error_t err;
    cf_error_clear(&err);
    char *pem = NULL, *pub = NULL, id[65];
    int rc = new_key(sm2 ? "SM2" : "ED25519", &pem);
    if (rc == 0)
        rc = write_key(out, pem, &err);
    if (rc == 0)
        rc = cf_anchor_public_of(pem, strlen(pem), &pub, &err);
    if (rc == 0)
        rc = cf_anchor_key_id(pub, strlen(pub), id, &err);
    if (pem)
        OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
    if (rc != 0) {
        free(pub);
        return cf__cli_fail(cli, rc, &err);
    }
    if (cli->json) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s}", "private_key", out, "algorithm",
                      sm2 ? CF_ANCHOR_SM2 : CF_ANCHOR_ED25519, "key_id", id, "public_key", pub);
        cf__print_json(cli, o);
        json_decref(o);
    } else {
        fprintf(cli->out, "%s", pub);
        fprintf(cli->err, "%s private key written to %s (mode 0600); key id %s\n",
                sm2 ? "SM2" : "Ed25519", out, id);
    }
    free(pub);
    return CF_EXIT_OK;
}

/* ---- audit checkpoint --------------------------------------------------------------- */

/* Exported, documented in cli.h */
int cf__cmd_audit_checkpoint(cf_cli_t *cli, int argc, char **argv)
{
    const char *key = cf__opt_value(argc, argv, "--key");
    const char *out = cf__opt_value(argc, argv, "--out");
    if (!key)
        return cf__cli_usage(cli, "audit checkpoint --key FILE [--out FILE]");
    cf__session_t s;
    cf_error_t err;
    cf_error_clear(&err);
    json_t *cp = NULL;
    int rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0)
        rc = cf__anchor_take(s.store, key, out, cli->now, &cp, &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (!out || cli->json) {
        if (out) /* --json with --out: the head, not the whole index again */
            json_object_del(cp, "index");
        cf__print_json(cli, cp);
    } else {
        fprintf(cli->out, "checkpoint: %lld events, root %s, signed by key %s, written to %s\n",
                (long long)json_integer_value(json_object_get(cp, "tree_size")),
                json_string_value(json_object_get(cp, "root_hash")),
                json_string_value(json_object_get(cp, "key_id")), out);
    }
    json_decref(cp);
    return CF_EXIT_OK;
}

/* ---- audit prove ---------------------------------------------------------------------- */

typedef struct prove_log_s {
    unsigned char *leaves;
    size_t count, cap;
} prove_log_t;

static int prove_add(void *ctx, const cf_store_leaf_t *leaf)
{
    prove_log_t *l = ctx;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4096;
        unsigned char *grown = realloc(l->leaves, cap * CF_MERKLE_HASH);
        if (!grown)
            return CF_ENOMEM;
        l->leaves = grown;
        l->cap = cap;
    }
    unsigned char *out = l->leaves + CF_MERKLE_HASH * l->count++;
    if (cf_merkle_event_leaf(leaf->case_id, leaf->seq, leaf->hash, out) != 0)
        memset(out, 0, CF_MERKLE_HASH);
    return 0;
}

/* The proof that the event at leaf is in the tree of the first size events,
 * whose root must be root (NULL: whatever it is). OUT *result. */
static int prove(const prove_log_t *l, const cf_store_leaf_t *leaf, size_t size,
                 const unsigned char *root, json_t **result, int *bad)
{
    unsigned char proof[CF_MERKLE_PROOF_MAX * CF_MERKLE_HASH], mine[CF_MERKLE_HASH];
    unsigned char lh[CF_MERKLE_HASH];
    size_t count = 0;
    char hex[65];
    if (cf_merkle_event_leaf(leaf->case_id, leaf->seq, leaf->hash, lh) != 0)
        memset(lh, 0, sizeof(lh));
    int rc = cf_merkle_root(l->leaves, size, mine);
    int in = rc == 0 && leaf->pos >= 0 && (size_t)leaf->pos < size;
    if (rc == 0 && in)
        rc = cf_merkle_inclusion_proof(l->leaves, size, (size_t)leaf->pos, proof, &count);
    json_t *path = json_array();
    for (size_t i = 0; path && i < count; i++) {
        cf_chain_hex(proof + i * CF_MERKLE_HASH, CF_MERKLE_HASH, hex);
        json_array_append_new(path, json_string(hex));
    }
    int ok = in && cf_merkle_inclusion_verify((size_t)leaf->pos, size, lh, proof, count,
                                              root ? root : mine) == 0;
    cf_chain_hex(lh, CF_MERKLE_HASH, hex);
    char rhex[65];
    cf_chain_hex(root ? root : mine, CF_MERKLE_HASH, rhex);
    *result =
        json_pack("{s:I, s:I, s:I, s:s, s:I, s:s, s:o, s:b}", "case", (json_int_t)leaf->case_id,
                  "seq", (json_int_t)leaf->seq, "position", (json_int_t)leaf->pos, "leaf_hash", hex,
                  "tree_size", (json_int_t)size, "root_hash", rhex, "proof", path, "included", ok);
    *bad = !ok;
    return rc == 0 && !*result ? CF_ENOMEM : rc;
}

/* Opens the checkpoint file for prove: OUT h. */
static int prove_checkpoint(const char *path, const char *pubkey, cf_anchor_head_t *h,
                            cf_error_t *err)
{
    json_error_t jerr;
    json_t *cp = json_load_file(path, 0, &jerr);
    if (!cp)
        return cf_error_set(err, CF_EPARSE, path, jerr.line, jerr.column, "%s", jerr.text);
    char *pub = NULL;
    int rc = pubkey ? cf__read_file(pubkey, &pub, NULL, err) : 0;
    if (rc == 0)
        rc = cf_anchor_open(cp, pub, h, err);
    free(pub);
    json_decref(cp);
    return rc;
}

/* The proof for a person: the event, the tree, the verdict, the path. */
static void print_proof(FILE *f, const json_t *r, int bad)
{
    fprintf(
        f, "case %lld event %lld: position %lld, leaf %s\n%s tree of %lld events with root %s\n",
        (long long)json_integer_value(json_object_get(r, "case")),
        (long long)json_integer_value(json_object_get(r, "seq")),
        (long long)json_integer_value(json_object_get(r, "position")),
        json_string_value(json_object_get(r, "leaf_hash")), bad ? "NOT in the" : "included in the",
        (long long)json_integer_value(json_object_get(r, "tree_size")),
        json_string_value(json_object_get(r, "root_hash")));
    const json_t *path = json_object_get(r, "proof");
    fprintf(f, "audit path (%zu hashes, leaf to root):\n", json_array_size(path));
    size_t i;
    json_t *h;
    json_array_foreach((json_t *)path, i, h)
        fprintf(f, "  %s\n", json_string_value(h));
}

/* Exported, documented in cli.h */
int cf__cmd_audit_prove(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    const char *seq = cf__opt_positional(argc, argv, 1, NULL);
    const char *cp_path = cf__opt_value(argc, argv, "--checkpoint");
    char *end1 = NULL, *end2 = NULL;
    long long case_id = id ? strtoll(id, &end1, 10) : 0, n = seq ? strtoll(seq, &end2, 10) : 0;
    if (!id || !seq || *end1 || *end2 || case_id <= 0 || n <= 0)
        return cf__cli_usage(cli, "audit prove CASE SEQ [--checkpoint FILE [--pubkey FILE]]");
    cf__session_t s;
    cf_error_t err;
    cf_error_clear(&err);
    cf_anchor_head_t h;
    cf_store_leaf_t leaf;
    prove_log_t l = {0};
    json_t *result = NULL;
    int bad = 0;
    int rc =
        cp_path ? prove_checkpoint(cp_path, cf__opt_value(argc, argv, "--pubkey"), &h, &err) : 0;
    if (rc == 0)
        rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0) {
        rc = cf_store_log_find(s.store, case_id, n, &leaf, &err);
        if (rc == 0)
            rc = cf_store_log_each(s.store, prove_add, &l, &err);
        size_t size = cp_path ? (size_t)h.tree_size : l.count;
        if (rc == 0 && size > l.count)
            rc = cf_error_set(&err, CF_ECORRUPT, NULL, 0, 0,
                              "the log has %zu events, fewer than the checkpoint's %zu", l.count,
                              size);
        if (rc == 0)
            rc = prove(&l, &leaf, size, cp_path ? h.root : NULL, &result, &bad);
        cf__session_close(&s);
    }
    free(l.leaves);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json)
        cf__print_json(cli, result);
    else
        print_proof(cli->out, result, bad);
    json_decref(result);
    return bad ? CF_EXIT_VERIFY : CF_EXIT_OK;
}
