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

/* The slot of id, NULL while none is allocated: reads never allocate (allocating, a
 * change, is done under the lock: cache.h). */
static cf_case_t *peek(cf_casecache_t *cache, int64_t id)
{
    return cache->slots ? &cache->slots[(uint64_t)id % CF_CASECACHE_SLOTS] : NULL;
}

static cf_casesum_t *sum_peek(cf_casecache_t *cache, int64_t id)
{
    return cache->sums ? &cache->sums[(uint64_t)id % CF_CASECACHE_SLOTS] : NULL;
}

/* Exported, documented in cache.h */
int cf_casecache_get(cf_casecache_t *cache, int64_t id, const char *head, cf_case_t *c)
{
    cf_case_t *slot = peek(cache, id);
    if (!slot || slot->id != id || strcmp(slot->head, head) != 0)
        return CF_ENOTFOUND;
    return cf_case_copy(c, slot) == 0 ? 0 : CF_ENOTFOUND;
}

/* Exported, documented in cache.h */
int cf_casecache_get_unchecked(cf_casecache_t *cache, int64_t id, const char *agency, cf_case_t *c)
{
    cf_case_t *slot = peek(cache, id);
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
    cf_case_t *slot = peek(cache, id);
    return slot && slot->id == id && strcmp(slot->head, head) == 0;
}

static void lock(cf_casecache_t *cache)
{
    if (cache->lock)
        pthread_mutex_lock(cache->lock);
}

static void unlock(cf_casecache_t *cache)
{
    if (cache->lock)
        pthread_mutex_unlock(cache->lock);
}

/* Exported, documented in cache.h */
void cf_casecache_put(cf_casecache_t *cache, const cf_case_t *c)
{
    lock(cache);
    cf_case_t *slot = slot_of(cache, c->id);
    if (slot && slot->id)
        cf_case_dispose(slot);
    if (slot && cf_case_copy(slot, c) != 0)
        memset(slot, 0, sizeof(*slot));
    unlock(cache);
}

/* Exported, documented in cache.h */
void cf_casecache_take(cf_casecache_t *cache, cf_case_t *c)
{
    lock(cache);
    cf_case_t *slot = slot_of(cache, c->id), old = {0};
    if (slot) {
        old = *slot;
        *slot = *c;
        memset(c, 0, sizeof(*c));
    }
    unlock(cache);
    if (old.id)
        cf_case_dispose(&old); /* (outside the lock) */
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
    cf_casesum_t *slot = sum_peek(cache, id);
    return slot && slot->id == id && strcmp(slot->head, head) == 0 ? &slot->sum : NULL;
}

/* Exported, documented in cache.h */
void cf_casecache_summary_put(cf_casecache_t *cache, int64_t id, const char *head,
                              cf_summary_t *sum)
{
    lock(cache);
    cf_casesum_t *slot = sum_slot_of(cache, id);
    cf_summary_t old = {0};
    if (slot && strlen(head) < sizeof(slot->head)) {
        old = slot->sum;
        slot->id = id;
        memcpy(slot->head, head, strlen(head) + 1);
        slot->sum = *sum;
        memset(sum, 0, sizeof(*sum));
    }
    unlock(cache);
    cf_summary_dispose(&old); /* (outside the lock) */
    cf_summary_dispose(sum);  /* (not kept) */
}

static int dup_text(char **to, const char *from)
{
    *to = from ? strdup(from) : NULL;
    return !from || *to ? 0 : CF_ENOMEM;
}

/* OUT to: a copy of from (dispose it, also on failure). */
static int summary_copy(cf_summary_t *to, const cf_summary_t *from)
{
    *to = *from;
    to->agency = to->power_type = to->workflow = to->cause = to->state = to->name = to->head = NULL;
    to->handlers = NULL;
    to->clocks = NULL;
    to->handlers_count = to->clocks_count = 0;
    int rc = dup_text(&to->agency, from->agency);
    rc = rc ? rc : dup_text(&to->power_type, from->power_type);
    rc = rc ? rc : dup_text(&to->workflow, from->workflow);
    rc = rc ? rc : dup_text(&to->cause, from->cause);
    rc = rc ? rc : dup_text(&to->state, from->state);
    rc = rc ? rc : dup_text(&to->name, from->name);
    rc = rc ? rc : dup_text(&to->head, from->head);
    if (rc == 0 && from->handlers_count &&
        !(to->handlers = calloc(from->handlers_count, sizeof(*to->handlers))))
        rc = CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < from->handlers_count; i++, to->handlers_count++)
        rc = dup_text(&to->handlers[i], from->handlers[i]);
    if (rc == 0 && from->clocks_count &&
        !(to->clocks = calloc(from->clocks_count, sizeof(*to->clocks))))
        rc = CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < from->clocks_count; i++, to->clocks_count++) {
        to->clocks[i] = from->clocks[i];
        rc = dup_text(&to->clocks[i].clock, from->clocks[i].clock);
    }
    return rc;
}

/* Exported, documented in cache.h */
int cf_casecache_copy_both(cf_casecache_t *cache, int64_t id, const char *agency, cf_case_t *c,
                           cf_summary_t *sum)
{
    int rc = CF_ENOTFOUND;
    lock(cache);
    cf_case_t *slot = peek(cache, id);
    cf_casesum_t *s = sum_peek(cache, id);
    if (id > 0 && slot && s && slot->id == id && s->id == id && strcmp(slot->head, s->head) == 0 &&
        s->sum.agency && strcmp(s->sum.agency, agency) == 0)
        rc = cf_case_copy(c, slot) == 0 ? summary_copy(sum, &s->sum) : CF_ENOMEM;
    unlock(cache);
    if (rc != 0 && rc != CF_ENOTFOUND) {
        cf_summary_dispose(sum);
        cf_case_dispose(c), memset(c, 0, sizeof(*c));
    }
    return rc;
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
