/*
 * anchor-run.h -- taking and checking signed checkpoints of the log over a
 * store (engine/anchor.h does the signing and the proofs; this reads the log,
 * the key files and writes the checkpoint file). Shared by the `audit`
 * commands and the daemon's checkpoint timer.
 */
#ifndef CF_ANCHOR_RUN_H
#define CF_ANCHOR_RUN_H

#include <jansson.h>

#include "anchor.h"
#include "store.h"

/* Takes a checkpoint of the log in s now: signs it with the Ed25519 private
 * key in the PEM file key_path, records it in the database and, when out_path
 * is not NULL, writes it there (a temporary file renamed over it, so a reader
 * never sees half a checkpoint). OUT *checkpoint (may be NULL): the
 * checkpoint's JSON, new reference. 0, CF_EIO (a file; err names it),
 * CF_EPARSE (not an Ed25519 key), a storage error, CF_ENOMEM. */
int cf__anchor_take(cf_store_t *s, const char *key_path, const char *out_path, cf_time_t now,
                    json_t **checkpoint, cf_error_t *err);

/* Checks the log in s against the checkpoint file cp_path, its signature
 * against the PEM public key in pubkey_path (NULL: the key the checkpoint
 * carries). OUT *result: cf_anchor_result_json plus "signature": "verified"
 * and "key": "given" | "the checkpoint's own" (new reference); OUT *bad: 1 if
 * anything differs. A checkpoint that does not open (signature, key, index) is
 * an error: CF_ECORRUPT or CF_EPARSE with err saying why; CF_EIO for the file. */
int cf__anchor_verify(cf_store_t *s, const char *cp_path, const char *pubkey_path, json_t **result,
                      int *bad, cf_error_t *err);

/* Prints result (cf__anchor_verify's) for a person. */
void cf__anchor_print(FILE *f, const json_t *result);

#endif
