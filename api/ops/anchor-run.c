/*
 * anchor-run.c -- checkpoints over a store: read the log, sign, write the file;
 * read the file, check. See anchor-run.h.
 *
 * The whole log is read into memory (56 bytes an event: a million events is
 * 56 MB) because the tree, the proofs and the index all need every leaf; a
 * streaming tree (a stack of complete subtree roots) would do for the root
 * alone, and can come if logs outgrow memory.
 *
 * The checkpoint file is written beside its final name and renamed over it,
 * after an fsync, so a daemon writing one every few minutes never leaves a
 * reader (a backup job, an auditor's copy) half a file.
 */
#include "anchor-run.h"
#include "ops.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names path as where err happened. */
static void name_source(cf_error_t *err, const char *path)
{
    if (err)
        snprintf(err->source, sizeof(err->source), "%s", path);
}

/* ---- reading the log ---------------------------------------------------------------- */

typedef struct log_s {
    cf_anchor_event_t *items;
    size_t count, cap;
} log_t;

static int log_add(void *ctx, const cf_store_leaf_t *leaf)
{
    log_t *l = ctx;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4096;
        cf_anchor_event_t *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return CF_ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    cf_anchor_event_t *e = &l->items[l->count++];
    e->pos = leaf->pos;
    e->case_id = leaf->case_id;
    e->seq = leaf->seq;
    /* a hash that is not 64 hex digits (written behind caseflow's back) gets a
     * leaf of zeros: no checkpoint ever saw it */
    if (cf_merkle_event_leaf(leaf->case_id, leaf->seq, leaf->hash, e->leaf) != 0)
        memset(e->leaf, 0, sizeof(e->leaf));
    return 0;
}

/* OUT l: every event of the log, by position. */
static int read_log(cf_store_t *s, log_t *l, cf_error_t *err)
{
    memset(l, 0, sizeof(*l));
    int rc = cf_store_log_each(s, log_add, l, err);
    if (rc != 0)
        free(l->items);
    return rc;
}

/* ---- taking a checkpoint ------------------------------------------------------------ */

/* OUT *cp: the log l signed with the key in key_path. */
static int sign_log(const log_t *l, const char *key_path, cf_time_t now, json_t **cp,
                    cf_error_t *err)
{
    char *pem = NULL;
    size_t len = 0;
    unsigned char *leaves = malloc((l->count ? l->count : 1) * CF_MERKLE_HASH);
    json_t *index = NULL;
    cf_anchor_head_t h = {.tree_size = (int64_t)l->count};
    cf_time_format(now, h.timestamp);
    int rc = leaves ? cf_ops_read_file(key_path, 1u << 20, &pem, &len, err) : CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < l->count; i++)
        memcpy(leaves + i * CF_MERKLE_HASH, l->items[i].leaf, CF_MERKLE_HASH);
    if (rc == 0)
        rc = cf_merkle_root(leaves, l->count, h.root);
    if (rc == 0)
        rc = cf_anchor_index(l->items, l->count, &index);
    if (rc == 0 && (rc = cf_anchor_sign(pem, len, &h, index, cp, err)) == CF_EPARSE)
        name_source(err, key_path);
    json_decref(index);
    if (pem) /* the private key does not linger in freed memory */
        OPENSSL_cleanse(pem, len);
    free(pem);
    free(leaves);
    return rc;
}

/* Exported, documented in anchor-run.h */
int cf__anchor_take(cf_store_t *s, const char *key_path, const char *out_path, cf_time_t now,
                    json_t **checkpoint, cf_error_t *err)
{
    log_t l;
    json_t *cp = NULL;
    char *text = NULL;
    int rc = read_log(s, &l, err);
    if (rc != 0)
        return rc;
    rc = sign_log(&l, key_path, now, &cp, err);
    free(l.items);
    if (rc == 0 && out_path)
        rc = (text = json_dumps(cp, JSON_INDENT(2)))
                 ? cf_ops_write_file(out_path, text, strlen(text), err)
                 : CF_ENOMEM;
    if (rc == 0)
        rc = cf_store_anchor_put(s, cp, err);
    free(text);
    if (rc == 0 && checkpoint)
        *checkpoint = cp;
    else
        json_decref(cp);
    return rc;
}

/* ---- checking against one ----------------------------------------------------------- */

/* Exported, documented in anchor-run.h */
int cf__anchor_verify(cf_store_t *s, const char *cp_path, const char *pubkey_path, json_t **result,
                      int *bad, cf_error_t *err)
{
    json_error_t jerr;
    json_t *cp = json_load_file(cp_path, 0, &jerr);
    if (!cp)
        return cf_error_set(err, CF_EPARSE, cp_path, jerr.line, jerr.column, "%s", jerr.text);
    char *pub = NULL;
    cf_anchor_head_t h;
    int rc = pubkey_path ? cf_ops_read_file(pubkey_path, 1u << 20, &pub, NULL, err) : 0;
    if (rc == 0 && (rc = cf_anchor_open(cp, pub, &h, err)) != 0)
        name_source(err, cp_path);
    log_t l = {0};
    if (rc == 0)
        rc = read_log(s, &l, err);
    cf_anchor_result_t r;
    memset(&r, 0, sizeof(r));
    if (rc == 0)
        rc = cf_anchor_check(&h, json_object_get(cp, "index"), l.items, l.count, &r);
    json_t *out = rc == 0 ? cf_anchor_result_json(&h, &r) : NULL;
    if (rc == 0 && !out)
        rc = CF_ENOMEM;
    if (rc == 0) {
        json_object_set_new(out, "signature", json_string("verified"));
        json_object_set_new(out, "key", json_string(pub ? "given" : "the checkpoint's own"));
        *bad = r.items_count > 0;
        *result = out;
    }
    cf_anchor_result_dispose(&r);
    free(l.items);
    free(pub);
    json_decref(cp);
    return rc;
}

/* Exported, documented in anchor-run.h */
void cf__anchor_print(FILE *f, const json_t *result)
{
    const json_t *cp = json_object_get(result, "checkpoint"), *log = json_object_get(result, "log");
    const json_t *findings = json_object_get(result, "findings");
    fprintf(f, "checkpoint of %s: %lld events, root %s, key %.16s... (%s), signature verified\n",
            json_string_value(json_object_get(cp, "timestamp")),
            (long long)json_integer_value(json_object_get(cp, "tree_size")),
            json_string_value(json_object_get(cp, "root_hash")),
            json_string_value(json_object_get(cp, "key_id")),
            json_string_value(json_object_get(result, "key")));
    fprintf(f, "log now: %lld events, root %s\n",
            (long long)json_integer_value(json_object_get(log, "size")),
            json_string_value(json_object_get(log, "root_hash")));
    if (json_array_size(findings) == 0) {
        fprintf(f,
                "PASS: the history the checkpoint signed is the start of the log, unchanged "
                "(consistency proof of %zu hashes verified)\n",
                json_array_size(json_object_get(result, "consistency_proof")));
        return;
    }
    fprintf(f, "FAIL: %zu difference(s) from the checkpoint\n", json_array_size(findings));
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)findings, i, x)
        fprintf(f, "  [%s] %s\n", json_string_value(json_object_get(x, "kind")),
                json_string_value(json_object_get(x, "text")));
}
