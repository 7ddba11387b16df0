/*
 * merkle.h -- the Merkle tree over every event of every case, in commit order:
 * an append-only log as Certificate Transparency keeps one (RFC 6962 section
 * 2.1, RFC 9162 section 2.1).
 *
 * A case's hash chain (chain.h) proves each case's record intact against its
 * own head; it cannot tell a case rewritten with every later hash recomputed,
 * cut short with its head moved back, or deleted whole. The Merkle tree can,
 * once its root has been signed and kept outside the database (anchor.h): a
 * rewrite, a cut or a deletion changes the tree of the events the root saw.
 *
 * Hashes (SHA-256, 32 bytes):
 *   leaf hash   SHA-256(0x00 || leaf data)
 *   node hash   SHA-256(0x01 || left || right)
 *   MTH({})     SHA-256("")
 *   MTH(D[n])   for n > 1, k the largest power of two below n:
 *               node(MTH(D[0:k]), MTH(D[k:n]))
 * Leaf data of an event (cf_merkle_event_leaf), ASCII:
 *   "<case id> <seq> <chain hash>"   decimal case id, one space, decimal seq,
 *                                    one space, the event's chain hash as 64
 *                                    lowercase hex digits (its "hash")
 * e.g. "12 3 9f86d0...": so a leaf names its case and place, and its chain hash
 * commits to the event's content and the case's history before it.
 *
 * Inclusion proofs (audit paths) and consistency proofs are made as RFC 6962
 * 2.1.1 and 2.1.2 define them and verified as RFC 9162 2.1.3.2 and 2.1.4.2 do.
 * Pure: no I/O. Leaf hashes are given as one array of n * 32 bytes, leaf i at
 * leaves + 32 * i.
 */
#ifndef CF_MERKLE_H
#define CF_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CF_MERKLE_HASH 32
/* The longest proof for a tree of fewer than 2^64 leaves. */
#define CF_MERKLE_PROOF_MAX 65

/* OUT out: the leaf hash of len bytes of data. 0 or CF_ENOMEM. */
int cf_merkle_leaf(const void *data, size_t len, unsigned char out[CF_MERKLE_HASH]);
/* OUT out: the leaf hash of an event (its leaf data, above). chain_hash is
 * the event's 64 hex digits. 0, CF_EINVAL (not 64 hex digits) or CF_ENOMEM. */
int cf_merkle_event_leaf(int64_t case_id, int64_t seq, const char *chain_hash,
                         unsigned char out[CF_MERKLE_HASH]);
/* OUT out: the node hash of left and right. 0 or CF_ENOMEM. */
int cf_merkle_node(const unsigned char *left, const unsigned char *right,
                   unsigned char out[CF_MERKLE_HASH]);

/* OUT root: MTH of the first n leaf hashes. 0 or CF_ENOMEM. */
int cf_merkle_root(const unsigned char *leaves, size_t n, unsigned char root[CF_MERKLE_HASH]);

/* The audit path of leaf index in the tree of the first n leaves. OUT proof:
 * *count hashes of 32 bytes (the caller's buffer holds CF_MERKLE_PROOF_MAX).
 * 0, CF_EINVAL (index >= n) or CF_ENOMEM. */
int cf_merkle_inclusion_proof(const unsigned char *leaves, size_t n, size_t index,
                              unsigned char *proof, size_t *count);
/* 0 if proof (count hashes) shows leaf (a leaf hash) at index of a tree of n
 * leaves whose root is root; CF_ECORRUPT if it does not; CF_ENOMEM. */
int cf_merkle_inclusion_verify(size_t index, size_t n, const unsigned char *leaf,
                               const unsigned char *proof, size_t count, const unsigned char *root);

/* The consistency proof between the tree of the first m leaves and the tree of
 * all n (0 < m <= n). OUT proof: *count hashes (buffer of CF_MERKLE_PROOF_MAX);
 * none when m == n. 0, CF_EINVAL (m == 0 or m > n) or CF_ENOMEM. */
int cf_merkle_consistency_proof(const unsigned char *leaves, size_t n, size_t m,
                                unsigned char *proof, size_t *count);
/* 0 if proof (count hashes) shows the tree of m leaves with root old_root to
 * be a prefix of the tree of n leaves with root new_root (m == n: the roots
 * are equal and the proof empty; m == 0: always); CF_ECORRUPT if it does not;
 * CF_ENOMEM. */
int cf_merkle_consistency_verify(size_t m, size_t n, const unsigned char *old_root,
                                 const unsigned char *new_root, const unsigned char *proof,
                                 size_t count);

#endif
