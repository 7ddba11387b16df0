/*
 * merkle.c -- RFC 6962 / 9162 Merkle tree hashes and proofs. See merkle.h.
 *
 * Design: the tree is never stored. Roots and proofs are computed from the
 * array of leaf hashes by the RFC's own recursion (split at the largest power
 * of two below n), O(n) hashes for a root or a proof: an audit that recomputes
 * the tree reads every event anyway, and a million leaves hash in about a
 * second. A tree kept in the database (the nodes of every complete subtree)
 * would make proofs O(log n) but would be one more thing an attacker rewrites
 * and the auditor must not trust; it can come when proofs are served online.
 *
 * Verification follows RFC 9162's iterative algorithms (2.1.3.2, 2.1.4.2)
 * rather than recomputing subtrees, so a verifier needs only the proof and the
 * two roots, never the leaves.
 */
#include "merkle.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256(prefix || a || b), with a prefix byte of -1 meaning none. */
static int hash3(int prefix, const void *a, size_t alen, const void *b, size_t blen,
                 unsigned char out[CF_MERKLE_HASH])
{
    pthread_once(&sha_once, fetch_sha256);
    unsigned char p = (unsigned char)prefix;
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = sha256 && ctx && EVP_DigestInit_ex(ctx, sha256, NULL) &&
             (prefix < 0 || EVP_DigestUpdate(ctx, &p, 1)) &&
             (!alen || EVP_DigestUpdate(ctx, a, alen)) &&
             (!blen || EVP_DigestUpdate(ctx, b, blen)) && EVP_DigestFinal_ex(ctx, out, &n) &&
             n == CF_MERKLE_HASH;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : CF_ENOMEM;
}

/* Exported, documented in merkle.h */
int cf_merkle_leaf(const void *data, size_t len, unsigned char out[CF_MERKLE_HASH])
{
    return hash3(0x00, data, len, NULL, 0, out);
}

/* Exported, documented in merkle.h */
int cf_merkle_event_leaf(int64_t case_id, int64_t seq, const char *chain_hash,
                         unsigned char out[CF_MERKLE_HASH])
{
    if (!chain_hash || strlen(chain_hash) != 64 || strspn(chain_hash, "0123456789abcdef") != 64)
        return CF_EINVAL;
    char data[128];
    int len = snprintf(data, sizeof(data), "%lld %lld %s", (long long)case_id, (long long)seq,
                       chain_hash);
    return cf_merkle_leaf(data, (size_t)len, out);
}

/* Exported, documented in merkle.h */
int cf_merkle_node(const unsigned char *left, const unsigned char *right,
                   unsigned char out[CF_MERKLE_HASH])
{
    return hash3(0x01, left, CF_MERKLE_HASH, right, CF_MERKLE_HASH, out);
}

/* The largest power of two strictly below n (n >= 2). */
static size_t split(size_t n)
{
    size_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

/* Exported, documented in merkle.h */
int cf_merkle_root(const unsigned char *leaves, size_t n, unsigned char root[CF_MERKLE_HASH])
{
    if (n == 0)
        return hash3(-1, NULL, 0, NULL, 0, root);
    if (n == 1) {
        memcpy(root, leaves, CF_MERKLE_HASH);
        return 0;
    }
    size_t k = split(n);
    unsigned char l[CF_MERKLE_HASH], r[CF_MERKLE_HASH];
    int rc = cf_merkle_root(leaves, k, l);
    if (rc == 0)
        rc = cf_merkle_root(leaves + k * CF_MERKLE_HASH, n - k, r);
    return rc == 0 ? cf_merkle_node(l, r, root) : rc;
}

/* Appends MTH(leaves[0:n]) to proof. */
static int push_root(const unsigned char *leaves, size_t n, unsigned char *proof, size_t *count)
{
    if (*count >= CF_MERKLE_PROOF_MAX)
        return CF_EINVAL;
    return cf_merkle_root(leaves, n, proof + CF_MERKLE_HASH * (*count)++);
}

/* RFC 6962 2.1.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k,
 * PATH(m - k, D[k:n]) : MTH(D[0:k]) otherwise; PATH(0, {d}) = {}. */
static int path(const unsigned char *leaves, size_t n, size_t m, unsigned char *proof,
                size_t *count)
{
    if (n <= 1)
        return 0;
    size_t k = split(n);
    const unsigned char *right = leaves + k * CF_MERKLE_HASH;
    int rc = m < k ? path(leaves, k, m, proof, count) : path(right, n - k, m - k, proof, count);
    if (rc == 0)
        rc = m < k ? push_root(right, n - k, proof, count) : push_root(leaves, k, proof, count);
    return rc;
}

/* Exported, documented in merkle.h */
int cf_merkle_inclusion_proof(const unsigned char *leaves, size_t n, size_t index,
                              unsigned char *proof, size_t *count)
{
    if (index >= n)
        return CF_EINVAL;
    size_t c = 0;
    int rc = path(leaves, n, index, proof, &c);
    if (rc == 0)
        *count = c;
    return rc;
}

/* RFC 6962 2.1.2: SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) =
 * {MTH(D[m])}; for m <= k, SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); for m > k,
 * SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). */
static int subproof(const unsigned char *leaves, size_t n, size_t m, int whole,
                    unsigned char *proof, size_t *count)
{
    if (m == n)
        return whole ? 0 : push_root(leaves, n, proof, count);
    size_t k = split(n);
    const unsigned char *right = leaves + k * CF_MERKLE_HASH;
    int rc = m <= k ? subproof(leaves, k, m, whole, proof, count)
                    : subproof(right, n - k, m - k, 0, proof, count);
    if (rc == 0)
        rc = m <= k ? push_root(right, n - k, proof, count) : push_root(leaves, k, proof, count);
    return rc;
}

/* Exported, documented in merkle.h */
int cf_merkle_consistency_proof(const unsigned char *leaves, size_t n, size_t m,
                                unsigned char *proof, size_t *count)
{
    if (m == 0 || m > n)
        return CF_EINVAL;
    size_t c = 0;
    int rc = subproof(leaves, n, m, 1, proof, &c);
    if (rc == 0)
        *count = c;
    return rc;
}

/* Exported, documented in merkle.h */
int cf_merkle_inclusion_verify(size_t index, size_t n, const unsigned char *leaf,
                               const unsigned char *proof, size_t count, const unsigned char *root)
{
    if (index >= n)
        return CF_ECORRUPT;
    size_t fn = index, sn = n - 1;
    unsigned char r[CF_MERKLE_HASH];
    memcpy(r, leaf, CF_MERKLE_HASH);
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = proof + i * CF_MERKLE_HASH;
        if (sn == 0)
            return CF_ECORRUPT;
        int rc;
        if ((fn & 1) || fn == sn) {
            rc = cf_merkle_node(p, r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            rc = cf_merkle_node(r, p, r);
        }
        if (rc != 0)
            return rc;
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, CF_MERKLE_HASH) == 0 ? 0 : CF_ECORRUPT;
}

/* The RFC 9162 2.1.4.2 loop over proof[start..count), from fr and sr. */
static int consistency_walk(size_t fn, size_t sn, const unsigned char *proof, size_t start,
                            size_t count, unsigned char *fr, unsigned char *sr)
{
    for (size_t i = start; i < count; i++) {
        const unsigned char *c = proof + i * CF_MERKLE_HASH;
        if (sn == 0)
            return CF_ECORRUPT;
        int rc = 0;
        if ((fn & 1) || fn == sn) {
            rc = cf_merkle_node(c, fr, fr);
            if (rc == 0)
                rc = cf_merkle_node(c, sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            rc = cf_merkle_node(sr, c, sr);
        }
        if (rc != 0)
            return rc;
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 ? 0 : CF_ECORRUPT;
}

/* Exported, documented in merkle.h */
int cf_merkle_consistency_verify(size_t m, size_t n, const unsigned char *old_root,
                                 const unsigned char *new_root, const unsigned char *proof,
                                 size_t count)
{
    if (m > n)
        return CF_ECORRUPT;
    if (m == 0)
        return count == 0 ? 0 : CF_ECORRUPT;
    if (m == n)
        return count == 0 && memcmp(old_root, new_root, CF_MERKLE_HASH) == 0 ? 0 : CF_ECORRUPT;
    if (count == 0)
        return CF_ECORRUPT;
    /* When m is a power of two, the old root itself starts the path. */
    int pow2 = (m & (m - 1)) == 0;
    const unsigned char *first = pow2 ? old_root : proof;
    size_t start = pow2 ? 0 : 1;
    size_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    unsigned char fr[CF_MERKLE_HASH], sr[CF_MERKLE_HASH];
    memcpy(fr, first, CF_MERKLE_HASH);
    memcpy(sr, first, CF_MERKLE_HASH);
    int rc = consistency_walk(fn, sn, proof, start, count, fr, sr);
    if (rc != 0)
        return rc;
    return memcmp(fr, old_root, CF_MERKLE_HASH) == 0 && memcmp(sr, new_root, CF_MERKLE_HASH) == 0
               ? 0
               : CF_ECORRUPT;
}
