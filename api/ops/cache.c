/*
 * cache.c -- the workflow and case caches of the operation layer. See cache.h.
 *
 * The workflow cache is a list: a database holds a handful of definitions, and a
 * lookup compares a few hashes. The case cache is direct-mapped by id, without
 * eviction order: the case acted on again soon is the one just written, and a
 * miss only costs the read it saves.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

/* ---- workflow cache ----------------------------------------------------------------- */

/* Exported, documented in cache.h */
int cf_wfcache_get(cf_wfcache_t *cache, cf_store_t *s, const char *hash, const cf_workflow_t **wf,
                   cf_error_t *err)
{
    for (cf_wf_entry_t *e = cache->head; e; e = e->next)
        if (strcmp(e->wf->hash, hash) == 0) {
            *wf = e->wf;
            return 0;
        }
    cf_wf_entry_t *e = calloc(1, sizeof(*e));
    if (!e)
        return CF_ENOMEM;
    int rc = cf_store_workflow_get_hash(s, hash, &e->wf, err);
    if (rc != 0) {
        free(e);
        return rc;
    }
    e->next = cache->head;
    cache->head = e;
    *wf = e->wf;
    return 0;
}

/* Exported, documented in cache.h */
void cf_wfcache_free(cf_wfcache_t *cache)
{
    while (cache->head) {
        cf_wf_entry_t *e = cache->head;
        cache->head = e->next;
        cf_workflow_free(e->wf);
        free(e);
    }
}

/* ---- case cache ---------------------------------------------------------------------- */

static cf_case_t *slot_of(cf_casecache_t *cache, int64_t id)
{
    if (!cache->slots && !(cache->slots = calloc(CF_CASECACHE_SLOTS, sizeof(cf_case_t))))
        return NULL;
    return &cache->slots[(uint64_t)id % CF_CASECACHE_SLOTS];
}

/* Exported, documented in cache.h */
int cf_casecache_get(cf_casecache_t *cache, int64_t id, const char *head, cf_case_t *c)
{
    cf_case_t *slot = slot_of(cache, id);
    if (!slot || slot->id != id || strcmp(slot->head, head) != 0)
        return CF_ENOTFOUND;
    return cf_case_copy(c, slot) == 0 ? 0 : CF_ENOTFOUND;
}

/* Exported, documented in cache.h */
int cf_casecache_get_unchecked(cf_casecache_t *cache, int64_t id, const char *agency, cf_case_t *c)
{
    cf_case_t *slot = slot_of(cache, id);
    if (!slot || slot->id != id)
        return CF_ENOTFOUND;
    const cf_summary_t *sum = cf_casecache_summary(cache, id, slot->head);
    if (!sum || !sum->agency || strcmp(sum->agency, agency) != 0)
        return CF_ENOTFOUND;
    return cf_case_copy(c, slot) == 0 ? 0 : CF_ENOTFOUND;
}

/* Exported, documented in cache.h */
int cf_casecache_has(cf_casecache_t *cache, int64_t id, const char *head)
{
    cf_case_t *slot = slot_of(cache, id);
    return slot && slot->id == id && strcmp(slot->head, head) == 0;
}

/* Exported, documented in cache.h */
void cf_casecache_put(cf_casecache_t *cache, const cf_case_t *c)
{
    cf_case_t *slot = slot_of(cache, c->id);
    if (!slot)
        return;
    if (slot->id)
        cf_case_dispose(slot);
    if (cf_case_copy(slot, c) != 0)
        memset(slot, 0, sizeof(*slot));
}

static cf_casesum_t *sum_slot_of(cf_casecache_t *cache, int64_t id)
{
    if (!cache->sums && !(cache->sums = calloc(CF_CASECACHE_SLOTS, sizeof(cf_casesum_t))))
        return NULL;
    return &cache->sums[(uint64_t)id % CF_CASECACHE_SLOTS];
}

/* Exported, documented in cache.h */
const cf_summary_t *cf_casecache_summary(cf_casecache_t *cache, int64_t id, const char *head)
{
    cf_casesum_t *slot = sum_slot_of(cache, id);
    return slot && slot->id == id && strcmp(slot->head, head) == 0 ? &slot->sum : NULL;
}

/* Exported, documented in cache.h */
void cf_casecache_summary_put(cf_casecache_t *cache, int64_t id, const char *head,
                              cf_summary_t *sum)
{
    cf_casesum_t *slot = sum_slot_of(cache, id);
    if (!slot || strlen(head) >= sizeof(slot->head)) {
        cf_summary_dispose(sum);
        return;
    }
    cf_summary_dispose(&slot->sum);
    slot->id = id;
    memcpy(slot->head, head, strlen(head) + 1);
    slot->sum = *sum;
    memset(sum, 0, sizeof(*sum));
}

/* Exported, documented in cache.h */
void cf_casecache_free(cf_casecache_t *cache)
{
    for (size_t i = 0; cache->sums && i < CF_CASECACHE_SLOTS; i++)
        cf_summary_dispose(&cache->sums[i].sum);
    free(cache->sums);
    cache->sums = NULL;
    for (size_t i = 0; cache->slots && i < CF_CASECACHE_SLOTS; i++)
        if (cache->slots[i].id)
            cf_case_dispose(&cache->slots[i]);
    free(cache->slots);
    cache->slots = NULL;
}
