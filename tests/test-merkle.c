/*
 * test-merkle.c -- merkle-*: the RFC 6962 tree and its proofs; anchor-*: signed
 * checkpoints and the check of a log against one, on plain values.
 *
 * merkle-1.x: the tree hash of RFC 6962 on the test data of Certificate
 *   Transparency's reference implementation (roots for 0 to 8 leaves, derived
 *   independently with Python's hashlib); every inclusion and consistency proof
 *   for every tree of up to 64 leaves verifies, and fails once anything in it
 *   is changed.
 * anchor-1.x: a checkpoint signed and opened; forged, altered, signed with
 *   another key: refused. The check names a rewritten event, a cut tail, a
 *   deleted case and an inserted event, and passes a log that only grew.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/anchor.h"
#include "../engine/chain.h"
#include "../engine/merkle.h"
#include "task.h"

#define H CF_MERKLE_HASH

/* The eight leaves of the CT reference tests. */
static void rfc_leaves(unsigned char leaves[8 * H])
{
    static const unsigned char d2[] = {0x10}, d3[] = {0x20, 0x21}, d4[] = {0x30, 0x31},
                               d5[] = {0x40, 0x41, 0x42, 0x43};
    unsigned char d1[] = {0x00}, d6[8], d7[16];
    for (int i = 0; i < 8; i++)
        d6[i] = (unsigned char)(0x50 + i);
    for (int i = 0; i < 16; i++)
        d7[i] = (unsigned char)(0x60 + i);
    const unsigned char *data[] = {NULL, d1, d2, d3, d4, d5, d6, d7};
    const size_t len[] = {0, 1, 1, 2, 2, 4, 8, 16};
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(cf_merkle_leaf(data[i], len[i], leaves + i * H), 0);
}

static void hex(const unsigned char *b, char out[65])
{
    cf_chain_hex(b, H, out);
}

/* merkle-1.1: MTH of the first n of the eight leaves, n = 0..8. */
TEST_IMPL(merkle_rfc6962_roots)
{
    static const char *const roots[] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    unsigned char leaves[8 * H], root[H];
    char text[65];
    rfc_leaves(leaves);
    for (size_t n = 0; n <= 8; n++) {
        ASSERT_EQ(cf_merkle_root(leaves, n, root), 0);
        hex(root, text);
        ASSERT_STR_EQ(text, roots[n]);
    }
    /* An event's leaf data is "<case> <seq> <hash>". */
    unsigned char a[H], b[H];
    const char *chain = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    ASSERT_EQ(cf_merkle_event_leaf(12, 3, chain, a), 0);
    char data[128];
    snprintf(data, sizeof(data), "12 3 %s", chain);
    ASSERT_EQ(cf_merkle_leaf(data, strlen(data), b), 0);
    ASSERT(memcmp(a, b, H) == 0);
    ASSERT_EQ(cf_merkle_event_leaf(12, 3, "9F86", a), CF_EINVAL);
    return 0;
}

/* Leaf hashes of n made-up events. */
static unsigned char *some_leaves(size_t n)
{
    unsigned char *leaves = malloc(n * H);
    for (size_t i = 0; i < n; i++) {
        char d[32];
        snprintf(d, sizeof(d), "leaf %zu", i);
        ASSERT_EQ(cf_merkle_leaf(d, strlen(d), leaves + i * H), 0);
    }
    return leaves;
}

/* merkle-1.2: every audit path of every tree of 1 to 64 leaves verifies; a
 * changed leaf, index, root or path element does not. */
TEST_IMPL(merkle_inclusion_round_trip)
{
    unsigned char *leaves = some_leaves(64), proof[CF_MERKLE_PROOF_MAX * H], root[H], bad[H];
    unsigned char bigger[H]; /* the root of another tree */
    size_t count;
    for (size_t n = 1; n <= 64; n++) {
        ASSERT_EQ(cf_merkle_root(leaves, n, root), 0);
        ASSERT_EQ(cf_merkle_root(leaves, n + 1 <= 64 ? n + 1 : n - 1, bigger), 0);
        for (size_t i = 0; i < n; i++) {
            ASSERT_EQ(cf_merkle_inclusion_proof(leaves, n, i, proof, &count), 0);
            const unsigned char *leaf = leaves + i * H;
            ASSERT_EQ(cf_merkle_inclusion_verify(i, n, leaf, proof, count, root), 0);
            memcpy(bad, leaf, H);
            bad[0] ^= 1;
            ASSERT_EQ(cf_merkle_inclusion_verify(i, n, bad, proof, count, root), CF_ECORRUPT);
            if (n > 1)
                ASSERT_EQ(cf_merkle_inclusion_verify((i + 1) % n, n, leaf, proof, count, root),
                          CF_ECORRUPT);
            ASSERT_EQ(cf_merkle_inclusion_verify(i, n, leaf, proof, count, bigger), CF_ECORRUPT);
            if (count > 0) {
                proof[(count - 1) * H] ^= 1;
                ASSERT_EQ(cf_merkle_inclusion_verify(i, n, leaf, proof, count, root), CF_ECORRUPT);
            }
        }
        ASSERT_EQ(cf_merkle_inclusion_proof(leaves, n, n, proof, &count), CF_EINVAL);
    }
    free(leaves);
    return 0;
}

/* merkle-1.3: every consistency proof between trees of 1 to 64 leaves
 * verifies; against a changed old root, a changed new root, a changed proof or
 * a tree whose early leaf changed, it does not. */
TEST_IMPL(merkle_consistency_round_trip)
{
    unsigned char *leaves = some_leaves(64), *other = some_leaves(64);
    unsigned char proof[CF_MERKLE_PROOF_MAX * H], old_root[H], new_root[H], bad[H];
    size_t count;
    for (size_t n = 1; n <= 64; n++) {
        ASSERT_EQ(cf_merkle_root(leaves, n, new_root), 0);
        for (size_t m = 1; m <= n; m++) {
            ASSERT_EQ(cf_merkle_root(leaves, m, old_root), 0);
            ASSERT_EQ(cf_merkle_consistency_proof(leaves, n, m, proof, &count), 0);
            ASSERT_EQ(cf_merkle_consistency_verify(m, n, old_root, new_root, proof, count), 0);
            memcpy(bad, old_root, H);
            bad[5] ^= 0x80;
            ASSERT_EQ(cf_merkle_consistency_verify(m, n, bad, new_root, proof, count), CF_ECORRUPT);
            memcpy(bad, new_root, H);
            bad[5] ^= 0x80;
            ASSERT_EQ(cf_merkle_consistency_verify(m, n, old_root, bad, proof, count), CF_ECORRUPT);
            if (count > 0) {
                proof[0] ^= 1;
                ASSERT_EQ(cf_merkle_consistency_verify(m, n, old_root, new_root, proof, count),
                          CF_ECORRUPT);
            }
            /* The new tree rewrote a leaf the old one had: no proof can link them. */
            memcpy(other, leaves, n * H);
            other[(m - 1) * H] ^= 1;
            unsigned char rewritten[H];
            ASSERT_EQ(cf_merkle_root(other, n, rewritten), 0);
            ASSERT_EQ(cf_merkle_consistency_proof(other, n, m, proof, &count), 0);
            ASSERT_EQ(cf_merkle_consistency_verify(m, n, old_root, rewritten, proof, count),
                      CF_ECORRUPT);
        }
        ASSERT_EQ(cf_merkle_consistency_proof(leaves, n, n + 1, proof, &count), CF_EINVAL);
        ASSERT_EQ(cf_merkle_consistency_proof(leaves, n, 0, proof, &count), CF_EINVAL);
    }
    free(leaves);
    free(other);
    return 0;
}

/* ---- anchor ---------------------------------------------------------------------- */

/* A new Ed25519 private key as PEM (free()). */
static char *new_key(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ASSERT(key);
    BIO *bio = BIO_new(BIO_s_mem());
    ASSERT(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL));
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = strndup(data, (size_t)n);
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

/* A log of cases events: case c (1..cases) has `per` events; positions in
 * round-robin commit order. */
static cf_anchor_event_t *make_log(int cases, int per, size_t *n)
{
    cf_anchor_event_t *ev = calloc((size_t)(cases * per), sizeof(*ev));
    size_t k = 0;
    for (int s = 1; s <= per; s++)
        for (int c = 1; c <= cases; c++, k++) {
            char chain[65];
            char d[32];
            snprintf(d, sizeof(d), "%d/%d", c, s);
            ASSERT_EQ(cf_chain_sha256_hex(d, strlen(d), chain), 0);
            ev[k] = (cf_anchor_event_t){.pos = (int64_t)k, .case_id = c, .seq = s};
            ASSERT_EQ(cf_merkle_event_leaf(c, s, chain, ev[k].leaf), 0);
        }
    *n = k;
    return ev;
}

/* A checkpoint over the first n events of ev, signed with pem. */
static json_t *checkpoint_of(const cf_anchor_event_t *ev, size_t n, const char *pem)
{
    unsigned char *leaves = malloc((n ? n : 1) * H);
    for (size_t i = 0; i < n; i++)
        memcpy(leaves + i * H, ev[i].leaf, H);
    cf_anchor_head_t h = {.tree_size = (int64_t)n, .timestamp = "2026-03-02T12:00:00+08:00"};
    ASSERT_EQ(cf_merkle_root(leaves, n, h.root), 0);
    free(leaves);
    json_t *index = NULL, *cp = NULL;
    ASSERT_EQ(cf_anchor_index(ev, n, &index), 0);
    ASSERT_EQ(cf_anchor_sign(pem, strlen(pem), &h, index, &cp, NULL), 0);
    json_decref(index);
    return cp;
}

/* anchor-1.1: a checkpoint opens with the key that signed it, its own or
 * given; a forged head, an altered index or another key are refused. */
TEST_IMPL(anchor_signature)
{
    char *key = new_key(), *other = new_key(), *pub = NULL, *other_pub = NULL;
    size_t n;
    cf_anchor_event_t *ev = make_log(3, 4, &n);
    json_t *cp = checkpoint_of(ev, n, key);
    ASSERT_EQ(cf_anchor_public_of(key, strlen(key), &pub, NULL), 0);
    ASSERT_EQ(cf_anchor_public_of(other, strlen(other), &other_pub, NULL), 0);
    cf_anchor_head_t h;
    cf_error_t err;
    ASSERT_EQ(cf_anchor_open(cp, NULL, &h, &err), 0);
    ASSERT_EQ(cf_anchor_open(cp, pub, &h, &err), 0);
    ASSERT_EQ(h.tree_size, 12);
    char id[65];
    ASSERT_EQ(cf_anchor_key_id(pub, strlen(pub), id, NULL), 0);
    ASSERT_STR_EQ(h.key_id, id);
    /* another key: named */
    memset(&h, 0x5a, sizeof(h));
    ASSERT_EQ(cf_anchor_open(cp, other_pub, &h, &err), CF_ECORRUPT);
    ASSERT_CONTAINS(err.text, "not with this key");
    ASSERT_EQ(h.tree_size, 0x5a5a5a5a5a5a5a5a); /* untouched */
    /* a forged head: the size changed after signing */
    json_t *forged = json_deep_copy(cp);
    json_object_set_new(forged, "tree_size", json_integer(11));
    ASSERT_EQ(cf_anchor_open(forged, pub, &h, &err), CF_ECORRUPT);
    ASSERT_CONTAINS(err.text, "signature does not verify");
    json_decref(forged);
    /* the same head re-signed with another key, claiming the bureau's key id */
    forged = checkpoint_of(ev, n, other);
    json_object_set(forged, "key_id", json_object_get(cp, "key_id"));
    ASSERT_EQ(cf_anchor_open(forged, pub, &h, &err), CF_ECORRUPT);
    json_decref(forged);
    /* the index altered */
    forged = json_deep_copy(cp);
    json_object_set_new(json_array_get(json_object_get(forged, "index"), 0), "leaves",
                        json_string("00"));
    ASSERT_EQ(cf_anchor_open(forged, pub, &h, &err), CF_ECORRUPT);
    ASSERT_CONTAINS(err.text, "index was altered");
    json_object_del(forged, "root_hash");
    ASSERT_EQ(cf_anchor_open(forged, pub, &h, &err), CF_EPARSE);
    ASSERT_CONTAINS(err.text, "root_hash");
    ASSERT_EQ(cf_anchor_open(cp, "not a key", &h, &err), CF_EPARSE);
    json_decref(forged);
    json_decref(cp);
    free(ev);
    free(key);
    free(other);
    free(pub);
    free(other_pub);
    return 0;
}

/* Runs the check of ev (n) against cp. */
static void check(const json_t *cp, const cf_anchor_event_t *ev, size_t n, cf_anchor_result_t *r)
{
    cf_anchor_head_t h;
    ASSERT_EQ(cf_anchor_open(cp, NULL, &h, NULL), 0);
    memset(r, 0, sizeof(*r));
    ASSERT_EQ(cf_anchor_check(&h, json_object_get(cp, "index"), ev, n, r), 0);
}

static const cf_anchor_finding_t *finding(const cf_anchor_result_t *r, const char *kind)
{
    for (size_t i = 0; i < r->items_count; i++)
        if (strcmp(r->items[i].kind, kind) == 0)
            return &r->items[i];
    return NULL;
}

/* anchor-1.2: the log checked against a checkpoint taken when it had 12
 * events: grown to 20, it passes; event 2 of case 2 rewritten, case 3 cut to
 * one event, case 1 deleted, an event slipped in: each named. A case that
 * lacked an event already when the checkpoint was taken is no difference. */
TEST_IMPL(anchor_check)
{
    char *key = new_key();
    size_t n;
    cf_anchor_event_t *ev = make_log(4, 5, &n); /* 20 events */
    json_t *cp = checkpoint_of(ev, 12, key);    /* the first 3 rounds */
    cf_anchor_result_t r;
    check(cp, ev, n, &r);
    ASSERT_EQ(r.items_count, 0);
    ASSERT(r.consistent);
    ASSERT_EQ(r.log_size, 20);
    cf_anchor_result_dispose(&r);

    /* rewritten: case 2's event 2 and its later events' leaves change */
    cf_anchor_event_t *w = malloc(n * sizeof(*w));
    memcpy(w, ev, n * sizeof(*w));
    for (size_t i = 0; i < n; i++)
        if (w[i].case_id == 2 && w[i].seq >= 2)
            w[i].leaf[7] ^= 1;
    check(cp, w, n, &r);
    ASSERT(!r.consistent);
    ASSERT(finding(&r, "consistency"));
    const cf_anchor_finding_t *f = finding(&r, "rewritten");
    ASSERT(f && f->case_id == 2 && f->seq == 2);
    ASSERT_CONTAINS(f->text, "2 event(s)");
    cf_anchor_result_dispose(&r);

    /* truncated: case 3 keeps only event 1 (events at positions 6, 10, ... gone) */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(ev[i].case_id == 3 && ev[i].seq > 1))
            w[k++] = ev[i];
    check(cp, w, k, &r);
    f = finding(&r, "truncated");
    ASSERT(f && f->case_id == 3 && f->seq == 2);
    ASSERT_CONTAINS(f->text, "events 2 to 3");
    ASSERT(finding(&r, "order"));
    cf_anchor_result_dispose(&r);

    /* deleted: case 1 gone */
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].case_id != 1)
            w[k++] = ev[i];
    check(cp, w, k, &r);
    f = finding(&r, "deleted");
    ASSERT(f && f->case_id == 1 && f->seq == 0);
    cf_anchor_result_dispose(&r);

    /* shorter than the checkpoint */
    check(cp, ev, 10, &r);
    ASSERT(finding(&r, "shorter"));
    cf_anchor_result_dispose(&r);

    /* inserted: a case 9 event takes position 4; the rest move up one */
    w = realloc(w, (n + 1) * sizeof(*w));
    for (size_t i = 0; i < n; i++)
        w[i + (i >= 4)] = ev[i];
    w[4] = ev[4];
    w[4].case_id = 9;
    w[4].seq = 1;
    for (size_t i = 0; i <= n; i++)
        w[i].pos = (int64_t)i;
    check(cp, w, n + 1, &r);
    f = finding(&r, "inserted");
    ASSERT(f && f->case_id == 9 && f->seq == 1);
    ASSERT(!r.consistent);
    cf_anchor_head_t h0 = {0};
    json_t *j = cf_anchor_result_json(&h0, &r);
    ASSERT(j && json_array_size(json_object_get(j, "findings")) == r.items_count);
    json_decref(j);
    cf_anchor_result_dispose(&r);

    /* a log whose case 1 already lacked its event 1 when the checkpoint was
     * taken: checked against itself, it passes (the index is by rank, not seq) */
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(ev[i].case_id == 1 && ev[i].seq == 1))
            w[k++] = ev[i];
    for (size_t i = 0; i < k; i++)
        w[i].pos = (int64_t)i;
    json_t *gap = checkpoint_of(w, k, key);
    check(gap, w, k, &r);
    ASSERT_EQ(r.items_count, 0);
    cf_anchor_result_dispose(&r);
    json_decref(gap);

    free(w);
    json_decref(cp);
    free(ev);
    free(key);
    return 0;
}
