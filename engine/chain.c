/*
 * chain.c -- event hashing. See chain.h for the chain's definition.
 *
 * The canonical form is jansson's JSON_COMPACT | JSON_SORT_KEYS dump (written by
 * jsonw.c, byte for byte the same, without its cost): stable
 * across runs and platforms for the value types events hold (strings, integers,
 * booleans, objects, arrays). Events never carry floating-point numbers in their
 * hashed body except facts a handler recorded, which jansson prints with "%.17g"
 * and reads back exactly, so a round trip through the database keeps the hash.
 */
#include "chain.h"

#include "jsonw.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in chain.h */
const char *cf_chain_algo_name(cf_chain_algo_t algo)
{
    return algo == CF_CHAIN_SM3 ? "sm3" : "sha256";
}

/* Exported, documented in chain.h */
int cf_chain_algo_parse(const char *name, cf_chain_algo_t *out)
{
    if (strcmp(name, "sha256") == 0)
        *out = CF_CHAIN_SHA256;
    else if (strcmp(name, "sm3") == 0)
        *out = CF_CHAIN_SM3;
    else
        return CF_EINVAL;
    return 0;
}

/* Exported, documented in chain.h */
char *cf_chain_canonical(const json_t *event)
{
    static const char *const links[] = {"hash", "prev", NULL};
    cf__jsonw_t w = {0};
    cf__jsonw_value_except(&w, event, 1, links);
    return cf__jsonw_finish(&w);
}

/* The digests, fetched from libcrypto's providers once per process: fetching
 * on every hash (what EVP_sha256() does inside EVP_DigestInit_ex) cost more
 * than hashing a short event. Written once under pthread_once, then only read. */
static pthread_once_t digests_once = PTHREAD_ONCE_INIT;
static EVP_MD *digests[2];

static void fetch_digests(void)
{
    digests[CF_CHAIN_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
    digests[CF_CHAIN_SM3] = EVP_MD_fetch(NULL, "SM3", NULL);
}

/* Exported, documented in chain.h */
void cf_chain_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Exported, documented in chain.h */
int cf_chain_sha256_hex(const void *data, size_t len, char *out)
{
    pthread_once(&digests_once, fetch_digests);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!digests[CF_CHAIN_SHA256] ||
        !EVP_Digest(data, len, digest, &n, digests[CF_CHAIN_SHA256], NULL) || n != 32)
        return CF_ENOMEM;
    cf_chain_hex(digest, 32, out);
    return 0;
}

/* Exported, documented in chain.h */
int cf_chain_hash_text(cf_chain_algo_t algo, const char *prev, const char *text, size_t len,
                       char *out)
{
    pthread_once(&digests_once, fetch_digests);
    const EVP_MD *md = digests[algo == CF_CHAIN_SM3 ? CF_CHAIN_SM3 : CF_CHAIN_SHA256];
    if (!md)
        return CF_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, prev, strlen(prev)) &&
             EVP_DigestUpdate(ctx, "\n", 1) && EVP_DigestUpdate(ctx, text, len) &&
             EVP_DigestFinal_ex(ctx, digest, &n) && n == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return CF_ENOMEM;
    cf_chain_hex(digest, 32, out);
    return 0;
}

/* Exported, documented in chain.h */
int cf_chain_hash(cf_chain_algo_t algo, const char *prev, const json_t *event, char *out)
{
    char *text = cf_chain_canonical(event);
    if (!text)
        return CF_ENOMEM;
    int rc = cf_chain_hash_text(algo, prev, text, strlen(text), out);
    free(text);
    return rc;
}
