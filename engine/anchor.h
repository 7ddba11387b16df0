/*
 * anchor.h -- signed checkpoints of the log of all cases, and what an auditor
 * proves with one.
 *
 * A checkpoint is a signed tree head: the size of the log (every event of
 * every case, in commit order), the root of its Merkle tree (merkle.h), when,
 * and which key signed it, with the bureau's Ed25519 key (OpenSSL 3). Kept
 * outside the database, it fixes the history it saw: later, cf_anchor_check
 * proves that history is still the first tree_size events of the log,
 * unchanged (an RFC 9162 consistency proof between the checkpoint's tree and
 * the current one), and names what differs when it is not.
 *
 * To name what differs, a root is not enough: it says that something changed,
 * not what. So a checkpoint also carries an index, covered by the signature
 * through its SHA-256: for every case, the first 8 bytes of the leaf hash of
 * each of its events, by seq. Against it a rewritten event, a cut tail and a
 * deleted case are named with their case and seq.
 *
 * CHECKPOINT FORMAT (JSON)
 *   format        "caseflow-checkpoint/1"
 *   tree_size     events in the log when it was taken
 *   root_hash     MTH of those events, 64 hex digits
 *   timestamp     when, ISO 8601 (+08:00)
 *   key_id        SHA-256 of the signing key's public key (DER SubjectPublicKeyInfo), hex
 *   algorithm     "ed25519", or "sm2-sm3" (SM2 signature over SM3, the
 *                 identifier CF_ANCHOR_SM2_ID): the signing key's
 *   index_sha256  SHA-256 (hex) of the index text: for each index entry in order,
 *                 "<case> <leaves>\n"
 *   signature     base64 Ed25519 signature of the signed text (cf_anchor_message):
 *                   caseflow-checkpoint/1\n
 *                   tree_size <n>\n
 *                   root_hash <hex>\n
 *                   timestamp <iso>\n
 *                   key_id <hex>\n
 *                   index_sha256 <hex>\n
 *   public_key    the signer's public key, PEM (a convenience: an auditor checks
 *                 the signature against the bureau's key he holds, --pubkey)
 *   index         [{case, leaves}] by case id; leaves: 16 hex digits per event,
 *                 by seq from 1
 *
 * Pure: key material comes in and goes out as PEM text; nothing here reads a
 * file. A key is Ed25519 or SM2 (SM2 signs over SM3, as China's 商用密码
 * assessment expects); the key decides the algorithm.
 */
#ifndef CF_ANCHOR_H
#define CF_ANCHOR_H

#include <jansson.h>
#include <stdint.h>

#include "cftime.h"
#include "error.h"
#include "merkle.h"

#define CF_ANCHOR_FORMAT "caseflow-checkpoint/1"
/* The signature algorithms, as checkpoints and bundles name them. */
#define CF_ANCHOR_ED25519 "ed25519"
#define CF_ANCHOR_SM2     "sm2-sm3"
/* The SM2 distinguishing identifier signed with (GB/T 35276's default). */
#define CF_ANCHOR_SM2_ID "1234567812345678"
/* The longest signature: SM2's DER (72 bytes); Ed25519's is 64. */
#define CF_ANCHOR_SIG_MAX 80
/* Bytes of each event's leaf hash kept in the index. */
#define CF_ANCHOR_INDEX_BYTES 8

typedef struct cf_anchor_head_s {
    int64_t tree_size;
    unsigned char root[CF_MERKLE_HASH];
    char timestamp[CF_TIME_BUFSZ];
    char key_id[65];
    char index_sha256[65];
} cf_anchor_head_t;

/* One event of the log: its position as stored (-1: none), case, seq and leaf
 * hash (cf_merkle_event_leaf). */
typedef struct cf_anchor_event_s {
    int64_t pos;
    int64_t case_id;
    int64_t seq;
    unsigned char leaf[CF_MERKLE_HASH];
} cf_anchor_event_t;

/* A difference between the checkpoint and the log. kind: "order" (positions
 * not 0, 1, 2, ...), "shorter" (fewer events than the checkpoint saw),
 * "consistency" (the checkpoint's tree is not a prefix of the log's),
 * "rewritten", "truncated", "deleted" (a case's events against the index),
 * "inserted" (an event in the checkpoint's part of the log it never saw). */
typedef struct cf_anchor_finding_s {
    int64_t case_id; /* 0 when it concerns the log as a whole */
    int64_t seq;     /* 0 when it concerns a whole case */
    char kind[16];
    char text[CF_ERROR_TEXT_MAX];
} cf_anchor_finding_t;

typedef struct cf_anchor_result_s {
    cf_anchor_finding_t *items;
    size_t items_count;
    size_t cap;
    int64_t log_size;                       /* events in the log now */
    unsigned char log_root[CF_MERKLE_HASH]; /* MTH of all of them */
    int consistent;                         /* the consistency proof verified */
    unsigned char proof[CF_MERKLE_PROOF_MAX * CF_MERKLE_HASH];
    size_t proof_count;
} cf_anchor_result_t;

/* The signed text of h: a new malloc'd string (free()), or NULL (ENOMEM). */
char *cf_anchor_message(const cf_anchor_head_t *h);

/* OUT *index: new array [{case, leaves}] of events (n, in any order; grouped by
 * case and sorted by seq here). 0 or CF_ENOMEM. */
int cf_anchor_index(const cf_anchor_event_t *events, size_t n, json_t **index);
/* OUT out: the index's SHA-256 (hex) as the format defines it. 0, CF_EPARSE
 * (not an index) or CF_ENOMEM. */
int cf_anchor_index_digest(const json_t *index, char out[65]);

/* OUT *public_pem (new string): the public key of a PEM private key (len
 * bytes). 0, CF_EPARSE (not an Ed25519 private key; err says) or CF_ENOMEM. */
int cf_anchor_public_of(const char *private_pem, size_t len, char **public_pem, cf_error_t *err);
/* OUT out: the key id of a PEM public key. 0, CF_EPARSE or CF_ENOMEM. */
int cf_anchor_key_id(const char *public_pem, size_t len, char out[65], cf_error_t *err);

/* Signs h (tree_size, root, timestamp; key_id and index_sha256 are filled in
 * here) with the PEM private key and makes the checkpoint JSON, with index
 * (borrowed; copied in). OUT *checkpoint: new reference. 0, CF_EPARSE (the key)
 * or CF_ENOMEM. */
int cf_anchor_sign(const char *private_pem, size_t len, cf_anchor_head_t *h, const json_t *index,
                   json_t **checkpoint, cf_error_t *err);

/* Reads checkpoint and checks it: its format, its signature against
 * public_pem (NULL: the public key it carries; its key id must match either
 * way) and its index against index_sha256. OUT h. 0; CF_EPARSE (malformed,
 * err names the member); CF_ECORRUPT (err says: signature does not verify,
 * wrong key, index altered); CF_ENOMEM. */
int cf_anchor_open(const json_t *checkpoint, const char *public_pem, cf_anchor_head_t *h,
                   cf_error_t *err);

/* Compares the log now (events, n of them, by position) with the checkpoint
 * h and its index: recomputes the tree, makes and verifies the consistency
 * proof, and names every difference. out must be zeroed; dispose it after.
 * 0 (out->items_count says whether it passed) or CF_ENOMEM. */
int cf_anchor_check(const cf_anchor_head_t *h, const json_t *index, const cf_anchor_event_t *events,
                    size_t n, cf_anchor_result_t *out);
void cf_anchor_result_dispose(cf_anchor_result_t *out);

/* {checkpoint: {tree_size, root_hash, timestamp, key_id}, log: {size,
 * root_hash}, consistency_proof: [hex], consistent, findings: [{case?, seq?,
 * kind, text}]}: new reference, or NULL. */
json_t *cf_anchor_result_json(const cf_anchor_head_t *h, const cf_anchor_result_t *r);

/* Signs text (any UTF-8 text; a signed bundle's canonical form) with the PEM
 * private key, Ed25519 or SM2. OUT *sig (new reference): {algorithm: "ed25519" |
 * "sm2-sm3", key_id, public_key (PEM), value (base64), sm2_id (SM2 only: the
 * identifier signed with)}. 0, CF_EPARSE (the key; err says) or CF_ENOMEM. */
int cf_anchor_sign_text(const char *private_pem, size_t len, const char *text, json_t **sig,
                        cf_error_t *err);
/* Checks sig (as cf_anchor_sign_text makes it) over text against public_pem (NULL:
 * the key it carries; its key id must match either way). OUT key_id_out: the id
 * of the key that signed. 0; CF_EPARSE (malformed); CF_ECORRUPT (wrong key, or
 * the signature does not verify). */
int cf_anchor_verify_text(const json_t *sig, const char *public_pem, const char *text,
                          char key_id_out[65], cf_error_t *err);

#endif
