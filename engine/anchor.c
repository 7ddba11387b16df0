/*
 * anchor.c -- signed checkpoints and the check against one. See anchor.h.
 *
 * Map: keys and signatures (OpenSSL 3 EVP: Ed25519, or SM2 with SM3) -- the index -- opening a
 * checkpoint -- the check (tree, consistency proof, then naming differences).
 *
 * Design: the signed text is a few lines of plain text, not JSON, so an
 * auditor can rebuild it with a shell and check it with `openssl pkeyutl`
 * (docs/audit.md) without trusting caseflow's JSON writer. The index is kept
 * out of the signed text (it grows with the log) and bound to it by its
 * SHA-256. Differences are named from the index, case by case: the first
 * event whose leaf no longer matches is the one rewritten (a rewrite that
 * recomputes the later hashes of the case changes every leaf after it too,
 * and those are counted, not listed).
 *
 * Two signature algorithms, told apart by the key: Ed25519, and SM2 (GB/T
 * 32918) over SM3 (GB/T 32905), which China's 商用密码 assessment expects. An
 * SM2 signature covers Z = SM3(ENTL || ID || curve || public key) and the text;
 * the ID (the signer's distinguishing identifier) is GB/T 35276's default,
 * "1234567812345678", unless the signature names another (sm2_id). The
 * signature is DER (at most 72 bytes), randomized, so two signatures of one
 * text differ; both verify. The algorithm a checkpoint or bundle names must be
 * the key's: an SM2 signature is never checked with an Ed25519 key or back.
 */
#include "anchor.h"
#include "chain.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys and signatures --------------------------------------------------------- */

/* Exported, documented in anchor.h */
char *cf_anchor_message(const cf_anchor_head_t *h)
{
    char root[2 * CF_MERKLE_HASH + 1];
    cf_chain_hex(h->root, CF_MERKLE_HASH, root);
    size_t size = 512;
    char *text = malloc(size);
    if (text)
        snprintf(text, size,
                 CF_ANCHOR_FORMAT "\ntree_size %lld\nroot_hash %s\ntimestamp %s\nkey_id "
                                  "%s\nindex_sha256 %s\n",
                 (long long)h->tree_size, root, h->timestamp, h->key_id, h->index_sha256);
    return text;
}

static EVP_PKEY *read_key(const char *pem, size_t len, int private, cf_error_t *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = !bio      ? NULL
                    : private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                              : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (key && !EVP_PKEY_is_a(key, "ED25519") && !EVP_PKEY_is_a(key, "SM2")) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    if (!key)
        cf_error_set(err, CF_EPARSE, NULL, 0, 0, "not an Ed25519 or SM2 %s key in PEM",
                     private ? "private" : "public");
    return key;
}

/* The algorithm name a signature by key carries: "sm2-sm3" or "ed25519". */
static const char *algorithm_of(EVP_PKEY *key)
{
    return EVP_PKEY_is_a(key, "SM2") ? CF_ANCHOR_SM2 : CF_ANCHOR_ED25519;
}

/* 1 if name is an algorithm this file signs with. */
static int algorithm_known(const char *name)
{
    return name && (strcmp(name, CF_ANCHOR_ED25519) == 0 || strcmp(name, CF_ANCHOR_SM2) == 0);
}

/* A digest context ready to sign (sign = 1) or verify with key: for SM2, SM3 and
 * the distinguishing identifier sm2_id (NULL: the default); OUT *pctx, to free
 * after the context (NULL for Ed25519). NULL on failure. */
static EVP_MD_CTX *digest_ctx(EVP_PKEY *key, int sign, const char *sm2_id, EVP_PKEY_CTX **pctx)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = NULL;
    *pctx = NULL;
    if (ctx && EVP_PKEY_is_a(key, "SM2")) {
        const char *id = sm2_id ? sm2_id : CF_ANCHOR_SM2_ID;
        md = EVP_sm3();
        *pctx = EVP_PKEY_CTX_new(key, NULL);
        if (!*pctx || EVP_PKEY_CTX_set1_id(*pctx, id, strlen(id)) <= 0) {
            EVP_MD_CTX_free(ctx);
            return NULL;
        }
        EVP_MD_CTX_set_pkey_ctx(ctx, *pctx);
    }
    int ok = ctx && (sign ? EVP_DigestSignInit(ctx, NULL, md, NULL, key)
                          : EVP_DigestVerifyInit(ctx, NULL, md, NULL, key)) == 1;
    if (!ok) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void digest_ctx_free(EVP_MD_CTX *ctx, EVP_PKEY_CTX *pctx)
{
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
}

/* OUT *pem: key's public key as PEM (new string). */
static int public_pem(EVP_PKEY *key, char **pem)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n = bio && PEM_write_bio_PUBKEY(bio, key) ? BIO_get_mem_data(bio, &data) : 0;
    char *out = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (out) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(bio);
    *pem = out;
    return out ? 0 : CF_ENOMEM;
}

/* OUT out: the SHA-256 (hex) of key's DER SubjectPublicKeyInfo. */
static int key_id(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    int rc = n > 0 ? cf_chain_sha256_hex(der, (size_t)n, out) : CF_ENOMEM;
    OPENSSL_free(der);
    return rc;
}

/* Exported, documented in anchor.h */
int cf_anchor_public_of(const char *private_pem, size_t len, char **pem, cf_error_t *err)
{
    EVP_PKEY *key = read_key(private_pem, len, 1, err);
    if (!key)
        return CF_EPARSE;
    int rc = public_pem(key, pem);
    EVP_PKEY_free(key);
    return rc;
}

/* Exported, documented in anchor.h */
int cf_anchor_key_id(const char *pem, size_t len, char out[65], cf_error_t *err)
{
    EVP_PKEY *key = read_key(pem, len, 0, err);
    if (!key)
        return CF_EPARSE;
    int rc = key_id(key, out);
    EVP_PKEY_free(key);
    return rc;
}

/* OUT sig (CF_ANCHOR_SIG_MAX bytes), *siglen (in: its size): key's signature of
 * text (Ed25519, or SM2 with SM3 and the default identifier). */
static int sign_text(EVP_PKEY *key, const char *text, unsigned char *sig, size_t *siglen)
{
    EVP_PKEY_CTX *pctx;
    EVP_MD_CTX *ctx = digest_ctx(key, 1, NULL, &pctx);
    int ok =
        ctx && EVP_DigestSign(ctx, sig, siglen, (const unsigned char *)text, strlen(text)) == 1;
    digest_ctx_free(ctx, pctx);
    return ok ? 0 : CF_ENOMEM;
}

/* 1 if sig (siglen bytes) is key's signature of text (sm2_id: the SM2
 * identifier the signature names, NULL for the default). */
static int verify_text(EVP_PKEY *key, const char *text, const unsigned char *sig, size_t siglen,
                       const char *sm2_id)
{
    EVP_PKEY_CTX *pctx;
    EVP_MD_CTX *ctx = digest_ctx(key, 0, sm2_id, &pctx);
    int ok =
        ctx && EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)text, strlen(text)) == 1;
    digest_ctx_free(ctx, pctx);
    return ok;
}

/* ---- the index ------------------------------------------------------------------- */

static int by_case_seq(const void *a, const void *b)
{
    const cf_anchor_event_t *x = *(const cf_anchor_event_t *const *)a;
    const cf_anchor_event_t *y = *(const cf_anchor_event_t *const *)b;
    if (x->case_id != y->case_id)
        return x->case_id < y->case_id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* OUT *sorted: pointers to events by case, then seq (free()). */
static int sort_events(const cf_anchor_event_t *events, size_t n, const cf_anchor_event_t ***sorted)
{
    const cf_anchor_event_t **p = malloc((n ? n : 1) * sizeof(*p));
    if (!p)
        return CF_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p[i] = &events[i];
    qsort(p, n, sizeof(*p), by_case_seq);
    *sorted = p;
    return 0;
}

/* The index entry of the k events at p (one case). */
static json_t *index_entry(const cf_anchor_event_t *const *p, size_t k)
{
    char *leaves = malloc(k * 2 * CF_ANCHOR_INDEX_BYTES + 1);
    if (!leaves)
        return NULL;
    for (size_t i = 0; i < k; i++)
        cf_chain_hex(p[i]->leaf, CF_ANCHOR_INDEX_BYTES, leaves + i * 2 * CF_ANCHOR_INDEX_BYTES);
    leaves[k * 2 * CF_ANCHOR_INDEX_BYTES] = '\0';
    json_t *e = json_pack("{s:I, s:s}", "case", (json_int_t)p[0]->case_id, "leaves", leaves);
    free(leaves);
    return e;
}

/* Exported, documented in anchor.h */
int cf_anchor_index(const cf_anchor_event_t *events, size_t n, json_t **index)
{
    const cf_anchor_event_t **p;
    int rc = sort_events(events, n, &p);
    json_t *out = rc == 0 ? json_array() : NULL;
    for (size_t i = 0, j; rc == 0 && out && i < n; i = j) {
        for (j = i; j < n && p[j]->case_id == p[i]->case_id; j++)
            ;
        if (json_array_append_new(out, index_entry(p + i, j - i)) != 0)
            rc = CF_ENOMEM;
    }
    if (rc == 0)
        free(p);
    if (rc != 0 || !out) {
        json_decref(out);
        return CF_ENOMEM;
    }
    *index = out;
    return 0;
}

/* Exported, documented in anchor.h */
int cf_anchor_index_digest(const json_t *index, char out[65])
{
    if (!json_is_array(index))
        return CF_EPARSE;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), bad = 0;
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)index, i, e) {
        const char *leaves = json_string_value(json_object_get(e, "leaves"));
        json_t *id = json_object_get(e, "case");
        if (!leaves || !json_is_integer(id)) {
            bad = 1;
            break;
        }
        char head[32];
        int len = snprintf(head, sizeof(head), "%lld ", (long long)json_integer_value(id));
        ok = ok && EVP_DigestUpdate(ctx, head, (size_t)len) &&
             EVP_DigestUpdate(ctx, leaves, strlen(leaves)) && EVP_DigestUpdate(ctx, "\n", 1);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ok = ok && !bad && EVP_DigestFinal_ex(ctx, digest, &n) && n == 32;
    EVP_MD_CTX_free(ctx);
    if (bad)
        return CF_EPARSE;
    if (!ok)
        return CF_ENOMEM;
    cf_chain_hex(digest, 32, out);
    return 0;
}

/* ---- signing and opening --------------------------------------------------------- */

/* Exported, documented in anchor.h */
int cf_anchor_sign(const char *private_pem, size_t len, cf_anchor_head_t *h, const json_t *index,
                   json_t **checkpoint, cf_error_t *err)
{
    EVP_PKEY *key = read_key(private_pem, len, 1, err);
    if (!key)
        return CF_EPARSE;
    char *pub = NULL, *text = NULL;
    unsigned char sig[CF_ANCHOR_SIG_MAX];
    char sig64[4 * sizeof(sig) / 3 + 4], root[65];
    size_t siglen = sizeof(sig);
    int rc = key_id(key, h->key_id);
    if (rc == 0)
        rc = cf_anchor_index_digest(index, h->index_sha256) == 0 ? 0 : CF_ENOMEM;
    if (rc == 0)
        rc = (text = cf_anchor_message(h)) ? sign_text(key, text, sig, &siglen) : CF_ENOMEM;
    if (rc == 0)
        rc = public_pem(key, &pub);
    if (rc == 0) {
        EVP_EncodeBlock((unsigned char *)sig64, sig, (int)siglen);
        cf_chain_hex(h->root, CF_MERKLE_HASH, root);
        *checkpoint = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "format",
                                CF_ANCHOR_FORMAT, "tree_size", (json_int_t)h->tree_size,
                                "root_hash", root, "timestamp", h->timestamp, "key_id", h->key_id,
                                "algorithm", algorithm_of(key), "index_sha256", h->index_sha256,
                                "signature", sig64, "public_key", pub, "index", index);
        rc = *checkpoint ? 0 : CF_ENOMEM;
    }
    free(pub);
    free(text);
    EVP_PKEY_free(key);
    return rc;
}

/* n bytes from 2n hex digits; 0 or -1. */
static int unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", hex[2 * i]) ||
            !strchr("0123456789abcdef", hex[2 * i + 1]))
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* Copies string member name of o into out (size bytes); -1 if absent or too long. */
static int member(const json_t *o, const char *name, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(o, name));
    if (!v || strlen(v) >= size)
        return -1;
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

/* The head's members, unchecked. */
static int read_head(const json_t *cp, cf_anchor_head_t *h, cf_error_t *err)
{
    const char *format = json_string_value(json_object_get(cp, "format"));
    const char *algo = json_string_value(json_object_get(cp, "algorithm"));
    json_t *size = json_object_get(cp, "tree_size");
    const char *bad =
        !format || strcmp(format, CF_ANCHOR_FORMAT)              ? "format"
        : !json_is_integer(size) || json_integer_value(size) < 0 ? "tree_size"
        : unhex(json_string_value(json_object_get(cp, "root_hash")), h->root, CF_MERKLE_HASH)
            ? "root_hash"
        : member(cp, "timestamp", h->timestamp, sizeof(h->timestamp))          ? "timestamp"
        : member(cp, "key_id", h->key_id, sizeof(h->key_id))                   ? "key_id"
        : member(cp, "index_sha256", h->index_sha256, sizeof(h->index_sha256)) ? "index_sha256"
        : !algorithm_known(algo)                                               ? "algorithm"
        : !json_is_array(json_object_get(cp, "index"))                         ? "index"
                                                                               : NULL;
    if (bad)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0,
                            "not a caseflow checkpoint: member '%s' is missing or malformed", bad);
    h->tree_size = json_integer_value(size);
    return 0;
}

/* Checks the signature of h against key. */
static int check_signature(const json_t *cp, const cf_anchor_head_t *h, EVP_PKEY *key,
                           cf_error_t *err)
{
    char id[65];
    const char *sig64 = json_string_value(json_object_get(cp, "signature"));
    unsigned char sig[128];
    size_t len = sig64 ? strlen(sig64) : 0;
    int n = len && len <= 4 * sizeof(sig) / 3 - 4 && len % 4 == 0
                ? EVP_DecodeBlock(sig, (const unsigned char *)sig64, (int)len)
                : -1;
    if (n < 0)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "the checkpoint's signature is not base64");
    n -= (len >= 1 && sig64[len - 1] == '=') + (len >= 2 && sig64[len - 2] == '=');
    int rc = key_id(key, id);
    if (rc != 0)
        return rc;
    const char *algo = json_string_value(json_object_get(cp, "algorithm"));
    if (strcmp(algo, algorithm_of(key)) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                            "the checkpoint says %s but the key is %s: not the key that signed it",
                            algo, algorithm_of(key));
    if (strcmp(id, h->key_id) != 0)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                            "the checkpoint was signed with key %.16s..., not with this key "
                            "(%.16s...)",
                            h->key_id, id);
    char *text = cf_anchor_message(h);
    if (!text)
        return CF_ENOMEM;
    int ok = verify_text(key, text, sig, (size_t)n, NULL);
    free(text);
    return ok ? 0
              : cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                             "the checkpoint's signature does not verify: it was forged or "
                             "altered");
}

/* Exported, documented in anchor.h */
int cf_anchor_open(const json_t *cp, const char *public_pem, cf_anchor_head_t *h, cf_error_t *err)
{
    cf_anchor_head_t head;
    memset(&head, 0, sizeof(head));
    int rc = read_head(cp, &head, err);
    if (rc != 0)
        return rc;
    const char *pem =
        public_pem ? public_pem : json_string_value(json_object_get(cp, "public_key"));
    EVP_PKEY *key = pem ? read_key(pem, strlen(pem), 0, err) : NULL;
    if (!key)
        return pem ? CF_EPARSE
                   : cf_error_set(err, CF_EPARSE, NULL, 0, 0,
                                  "the checkpoint carries no public key: give --pubkey");
    rc = check_signature(cp, &head, key, err);
    EVP_PKEY_free(key);
    char digest[65];
    if (rc == 0)
        rc = cf_anchor_index_digest(json_object_get(cp, "index"), digest);
    if (rc == CF_EPARSE)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "the checkpoint's index is malformed");
    if (rc == 0 && strcmp(digest, head.index_sha256) != 0)
        rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                          "the checkpoint's index was altered: it is not the one signed");
    if (rc == 0)
        *h = head;
    return rc;
}

/* ---- the check -------------------------------------------------------------------- */

static int find(cf_anchor_result_t *r, int64_t case_id, int64_t seq, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int find(cf_anchor_result_t *r, int64_t case_id, int64_t seq, const char *kind,
                const char *fmt, ...)
{
    if (r->items_count == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        cf_anchor_finding_t *items = realloc(r->items, cap * sizeof(*items));
        if (!items)
            return CF_ENOMEM;
        r->items = items;
        r->cap = cap;
    }
    cf_anchor_finding_t *f = &r->items[r->items_count++];
    f->case_id = case_id;
    f->seq = seq;
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof(f->text), fmt, ap);
    va_end(ap);
    return 0;
}

/* Positions must be 0, 1, 2, ...: the first that is not is reported. */
static int check_order(const cf_anchor_event_t *ev, size_t n, cf_anchor_result_t *r)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].pos != (int64_t)i)
            return ev[i].pos < 0
                       ? find(r, ev[i].case_id, ev[i].seq, "order",
                              "event %lld of case %lld has no place in the log: it was written "
                              "behind caseflow's back",
                              (long long)ev[i].seq, (long long)ev[i].case_id)
                       : find(r, ev[i].case_id, ev[i].seq, "order",
                              "the log has no event at position %zu (the next is event %lld of "
                              "case %lld, at %lld): an event was deleted",
                              i, (long long)ev[i].seq, (long long)ev[i].case_id,
                              (long long)ev[i].pos);
    return 0;
}

/* The tree now, and the consistency proof from the checkpoint's tree to it. */
static int check_tree(const cf_anchor_head_t *h, const cf_anchor_event_t *ev, size_t n,
                      cf_anchor_result_t *r)
{
    unsigned char *leaves = malloc((n ? n : 1) * CF_MERKLE_HASH);
    if (!leaves)
        return CF_ENOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(leaves + i * CF_MERKLE_HASH, ev[i].leaf, CF_MERKLE_HASH);
    size_t m = (size_t)h->tree_size;
    r->log_size = (int64_t)n;
    int rc = cf_merkle_root(leaves, n, r->log_root);
    if (rc == 0 && m > n)
        rc = find(r, 0, 0, "shorter",
                  "the log has %zu events; the checkpoint saw %zu: events were removed", n, m);
    if (rc == 0 && m > 0 && m <= n)
        rc = cf_merkle_consistency_proof(leaves, n, m, r->proof, &r->proof_count);
    if (rc == 0 && m <= n) {
        int v = cf_merkle_consistency_verify(m, n, h->root, r->log_root, r->proof, r->proof_count);
        r->consistent = v == 0;
        rc = v == CF_ECORRUPT ? find(r, 0, 0, "consistency",
                                     "the first %zu events of the log are not the history the "
                                     "checkpoint signed: it was rewritten",
                                     m)
                              : v;
    }
    free(leaves);
    return rc;
}

/* Compares case e of the index with its events now (k of them at p, by seq):
 * the i-th leaf of the index is the case's i-th event by seq (a case whose
 * record already had a gap when the checkpoint was taken is compared as it
 * was, not as it should have been). */
static int check_case(const json_t *e, const cf_anchor_event_t *const *p, size_t k,
                      cf_anchor_result_t *r)
{
    int64_t id = json_integer_value(json_object_get(e, "case"));
    const char *leaves = json_string_value(json_object_get(e, "leaves"));
    size_t w = 2 * CF_ANCHOR_INDEX_BYTES, had = strlen(leaves) / w;
    if (k == 0)
        return find(r, id, 0, "deleted",
                    "case %lld, with %zu events at the checkpoint, is gone from the log",
                    (long long)id, had);
    for (size_t i = 0; i < had && i < k; i++) {
        char hex[2 * CF_ANCHOR_INDEX_BYTES + 1];
        cf_chain_hex(p[i]->leaf, CF_ANCHOR_INDEX_BYTES, hex);
        if (strncmp(hex, leaves + i * w, w) != 0)
            return find(r, id, p[i]->seq, "rewritten",
                        "case %lld: event %lld is not the one the checkpoint saw: it was "
                        "rewritten (%zu event(s) of the case from there on differ)",
                        (long long)id, (long long)p[i]->seq, (had < k ? had : k) - i);
    }
    if (k < had) {
        long long last = (long long)p[k - 1]->seq;
        return find(r, id, last + 1, "truncated",
                    "case %lld: events %lld to %lld, in the log at the checkpoint, are gone: its "
                    "record was cut short",
                    (long long)id, last + 1, last + (long long)(had - k));
    }
    return 0;
}

/* Events now in the checkpoint's part of the log that its index does not have:
 * past the number of events the index had for their case. */
static int check_inserted(const cf_anchor_head_t *h, const json_t *index,
                          const cf_anchor_event_t *ev, size_t n, cf_anchor_result_t *r)
{
    size_t ii = 0, w = 2 * CF_ANCHOR_INDEX_BYTES, rank = 0;
    int rc = 0;
    const cf_anchor_event_t **p;
    if (sort_events(ev, n, &p) != 0)
        return CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rank = i > 0 && p[i - 1]->case_id == p[i]->case_id ? rank + 1 : 0;
        while (ii < json_array_size(index) &&
               json_integer_value(json_object_get(json_array_get(index, ii), "case")) <
                   p[i]->case_id)
            ii++;
        const json_t *e = json_array_get(index, ii);
        int known = e && json_integer_value(json_object_get(e, "case")) == p[i]->case_id &&
                    rank < strlen(json_string_value(json_object_get(e, "leaves"))) / w;
        if (!known && p[i]->pos >= 0 && p[i]->pos < h->tree_size)
            rc = find(r, p[i]->case_id, p[i]->seq, "inserted",
                      "case %lld: event %lld stands at position %lld, within the history the "
                      "checkpoint signed, which never had it",
                      (long long)p[i]->case_id, (long long)p[i]->seq, (long long)p[i]->pos);
    }
    free(p);
    return rc;
}

/* Walks the index and the events (sorted by case) side by side. */
static int check_index(const json_t *index, const cf_anchor_event_t *ev, size_t n,
                       cf_anchor_result_t *r)
{
    const cf_anchor_event_t **p;
    if (sort_events(ev, n, &p) != 0)
        return CF_ENOMEM;
    size_t j = 0, i;
    json_t *e;
    int rc = 0;
    json_array_foreach((json_t *)index, i, e) {
        int64_t id = json_integer_value(json_object_get(e, "case"));
        while (j < n && p[j]->case_id < id)
            j++;
        size_t k = 0;
        while (j + k < n && p[j + k]->case_id == id)
            k++;
        if (rc == 0)
            rc = check_case(e, p + j, k, r);
        j += k;
    }
    free(p);
    return rc;
}

/* Exported, documented in anchor.h */
int cf_anchor_check(const cf_anchor_head_t *h, const json_t *index, const cf_anchor_event_t *events,
                    size_t n, cf_anchor_result_t *out)
{
    int rc = check_order(events, n, out);
    if (rc == 0)
        rc = check_tree(h, events, n, out);
    if (rc == 0)
        rc = check_index(index, events, n, out);
    if (rc == 0)
        rc = check_inserted(h, index, events, n, out);
    return rc;
}

/* Exported, documented in anchor.h */
void cf_anchor_result_dispose(cf_anchor_result_t *out)
{
    free(out->items);
    memset(out, 0, sizeof(*out));
}

/* Exported, documented in anchor.h */
json_t *cf_anchor_result_json(const cf_anchor_head_t *h, const cf_anchor_result_t *r)
{
    char root[65], now[65];
    cf_chain_hex(h->root, CF_MERKLE_HASH, root);
    cf_chain_hex(r->log_root, CF_MERKLE_HASH, now);
    json_t *proof = json_array(), *findings = json_array();
    for (size_t i = 0; proof && i < r->proof_count; i++) {
        char hex[65];
        cf_chain_hex(r->proof + i * CF_MERKLE_HASH, CF_MERKLE_HASH, hex);
        json_array_append_new(proof, json_string(hex));
    }
    for (size_t i = 0; findings && i < r->items_count; i++) {
        const cf_anchor_finding_t *f = &r->items[i];
        json_t *o = json_pack("{s:s, s:s}", "kind", f->kind, "text", f->text);
        if (o && f->case_id)
            json_object_set_new(o, "case", json_integer(f->case_id));
        if (o && f->seq)
            json_object_set_new(o, "seq", json_integer(f->seq));
        json_array_append_new(findings, o);
    }
    return json_pack("{s:{s:I, s:s, s:s, s:s}, s:{s:I, s:s}, s:o, s:b, s:o}", "checkpoint",
                     "tree_size", (json_int_t)h->tree_size, "root_hash", root, "timestamp",
                     h->timestamp, "key_id", h->key_id, "log", "size", (json_int_t)r->log_size,
                     "root_hash", now, "consistency_proof", proof, "consistent", r->consistent,
                     "findings", findings);
}

/* ---- any text: signed bundles (issue 23) ----------------------------------------------- */

/* Exported, documented in anchor.h */
int cf_anchor_sign_text(const char *private_pem, size_t len, const char *text, json_t **sig,
                        cf_error_t *err)
{
    EVP_PKEY *key = read_key(private_pem, len, 1, err);
    if (!key)
        return CF_EPARSE;
    unsigned char raw[CF_ANCHOR_SIG_MAX];
    char raw64[4 * sizeof(raw) / 3 + 4], id[65];
    size_t rawlen = sizeof(raw);
    char *pub = NULL;
    int rc = key_id(key, id);
    if (rc == 0)
        rc = sign_text(key, text, raw, &rawlen);
    if (rc == 0)
        rc = public_pem(key, &pub);
    if (rc == 0) {
        EVP_EncodeBlock((unsigned char *)raw64, raw, (int)rawlen);
        *sig = json_pack("{s:s, s:s, s:s, s:s}", "algorithm", algorithm_of(key), "key_id", id,
                         "public_key", pub, "value", raw64);
        if (*sig && EVP_PKEY_is_a(key, "SM2") &&
            json_object_set_new(*sig, "sm2_id", json_string(CF_ANCHOR_SM2_ID)) != 0) {
            json_decref(*sig);
            *sig = NULL;
        }
        rc = *sig ? 0 : CF_ENOMEM;
    }
    free(pub);
    EVP_PKEY_free(key);
    return rc;
}

/* Exported, documented in anchor.h */
int cf_anchor_verify_text(const json_t *sig, const char *public_pem, const char *text,
                          char key_id_out[65], cf_error_t *err)
{
    const char *alg = json_string_value(json_object_get(sig, "algorithm"));
    const char *carried = json_string_value(json_object_get(sig, "public_key"));
    const char *claimed = json_string_value(json_object_get(sig, "key_id"));
    const char *value = json_string_value(json_object_get(sig, "value"));
    json_t *sm2_id = json_object_get(sig, "sm2_id");
    if (!algorithm_known(alg) || !carried || !claimed || !value ||
        (sm2_id && (!json_is_string(sm2_id) || !json_string_length(sm2_id))))
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0,
                            "the signature needs algorithm (\"ed25519\" or \"sm2-sm3\"), "
                            "key_id, public_key and value (and sm2_id, when given, a string)");
    const char *pem = public_pem ? public_pem : carried;
    EVP_PKEY *key = read_key(pem, strlen(pem), 0, err);
    if (!key)
        return CF_EPARSE;
    unsigned char raw[128];
    size_t len = strlen(value);
    int n = len && len <= 4 * sizeof(raw) / 3 - 4 && len % 4 == 0
                ? EVP_DecodeBlock(raw, (const unsigned char *)value, (int)len)
                : -1;
    int rc = n < 0 ? cf_error_set(err, CF_EPARSE, NULL, 0, 0, "the signature is not base64")
                   : key_id(key, key_id_out);
    if (rc == 0) {
        n -= (value[len - 1] == '=') + (len >= 2 && value[len - 2] == '=');
        if (strcmp(alg, algorithm_of(key)) != 0)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                              "the signature says %s but the key is %s: not the key that signed",
                              alg, algorithm_of(key));
        else if (strcmp(key_id_out, claimed) != 0)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                              "signed with key %.16s..., not with this key (%.16s...)", claimed,
                              key_id_out);
        else if (!verify_text(key, text, raw, (size_t)n, json_string_value(sm2_id)))
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0,
                              "the signature does not verify: the bundle was altered or the "
                              "signature forged");
    }
    EVP_PKEY_free(key);
    return rc;
}
