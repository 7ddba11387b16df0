/*
 * chain.c -- event hashing. See chain.h for the chain's definition.
 *
 * The canonical form is jansson's JSON_COMPACT | JSON_SORT_KEYS dump: stable
 * across runs and platforms for the value types events hold (strings, integers,
 * booleans, objects, arrays). Events never carry floating-point numbers in their
 * hashed body except facts a handler recorded, which jansson prints with "%.17g"
 * and reads back exactly, so a round trip through the database keeps the hash.
 */
#include "chain.h"

#include <openssl/evp.h>
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
    json_t *copy = json_copy((json_t *)event);
    if (!copy)
        return NULL;
    json_object_del(copy, "hash");
    json_object_del(copy, "prev");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(copy);
    return text;
}

/* Exported, documented in chain.h */
int cf_chain_hash(cf_chain_algo_t algo, const char *prev, const json_t *event, char *out)
{
    const EVP_MD *md = algo == CF_CHAIN_SM3 ? EVP_get_digestbyname("SM3") : EVP_sha256();
    if (!md)
        return CF_EINVAL;
    char *text = cf_chain_canonical(event);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = text && ctx && EVP_DigestInit_ex(ctx, md, NULL) &&
             EVP_DigestUpdate(ctx, prev, strlen(prev)) && EVP_DigestUpdate(ctx, "\n", 1) &&
             EVP_DigestUpdate(ctx, text, strlen(text)) && EVP_DigestFinal_ex(ctx, digest, &n);
    EVP_MD_CTX_free(ctx);
    free(text);
    if (!ok)
        return CF_ENOMEM;
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    return 0;
}
