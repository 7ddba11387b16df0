/*
 * chain.h -- the tamper-evident hash chain over a case's events.
 *
 * Each event's hash is H(prev_hash || "\n" || canonical JSON of the event), where
 * the canonical JSON is jansson's compact, key-sorted serialization of the event
 * body (which names its case and sequence number, so an event cannot be moved to
 * another case or place). The first event's prev_hash is 64 zeros. A case's chain
 * head therefore commits to its whole history: altering, removing, inserting or
 * reordering any event changes every hash after it.
 *
 * H is SHA-256 by default; SM3 (GB/T 32905-2016) is selectable per case, for
 * bureaus whose rules require the national algorithm. Both come from OpenSSL's
 * libcrypto. Pure: no I/O.
 */
#ifndef CF_CHAIN_H
#define CF_CHAIN_H

#include <jansson.h>

#include "error.h"

#define CF_CHAIN_HEX     65
#define CF_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef enum cf_chain_algo_e {
    CF_CHAIN_SHA256 = 0,
    CF_CHAIN_SM3,
} cf_chain_algo_t;

/* "sha256" / "sm3", and back (CF_EINVAL for another name; out untouched). */
const char *cf_chain_algo_name(cf_chain_algo_t algo);
int cf_chain_algo_parse(const char *name, cf_chain_algo_t *out);

/* The hash of event (an object; any "hash" and "prev" members are ignored) chained
 * after prev (64 hex digits). OUT out: 64 hex digits + NUL. Returns 0, CF_ENOMEM,
 * or CF_EINVAL if the algorithm is unavailable in this libcrypto. */
int cf_chain_hash(cf_chain_algo_t algo, const char *prev, const json_t *event, char *out);

/* The same over canonical text already made (cf_chain_canonical), len bytes. */
int cf_chain_hash_text(cf_chain_algo_t algo, const char *prev, const char *text, size_t len,
                       char *out);

/* Canonical bytes of an event, as hashed: a new malloc'd string (free()), or NULL
 * on allocation failure. */
char *cf_chain_canonical(const json_t *event);

/* The SHA-256 of len bytes of data as 64 lowercase hex digits + NUL (out holds
 * 65): workflow content hashes, document hashes, token digests. 0 or CF_ENOMEM. */
int cf_chain_sha256_hex(const void *data, size_t len, char *out);

/* n bytes as 2n lowercase hex digits + NUL (out holds 2n + 1). */
void cf_chain_hex(const unsigned char *bytes, size_t n, char *out);

#endif
