/*
 * cache.h -- what the operation layer reads through instead of the database:
 * workflow definitions by content hash, and (for a long-lived writer such as
 * the daemon's) the cases it wrote last.
 *
 * A definition is immutable once stored under its hash, so a cached one is never
 * stale. A cached case is used only while its head equals the head stored in the
 * database (cf_store_case_agency_head): equal heads, equal chains, so a write that
 * rolled back, or a write by another process, is never served from it. The same
 * holds for the case's summary (issue 20's case file), kept beside it for the head
 * it was written at: the summary row is written in the same transaction as the
 * events that move the head, by whoever writes, so at that head the row is that
 * summary.
 *
 * Each thread keeps its own caches, with one exception: the daemon's preparer copies
 * cases out of the writer's case cache (cf_casecache_copy_both), so that cache has a
 * lock, which the writer's changes to it and those copies take; the writer's own reads
 * need none (no other thread changes it).
 */
#ifndef CF_CACHE_H
#define CF_CACHE_H

#include <pthread.h>

#include "chain.h"
#include "engine.h"
#include "store.h"

/* ---- case cache ---- */

/* Direct-mapped by id: a slot holds the case last written or read with that id
 * modulo the size. Saves reading and parsing the snapshot on every request. */
#define CF_CASECACHE_SLOTS 4096

typedef struct cf_casesum_s {
    int64_t id; /* 0: empty */
    char head[CF_CHAIN_HEX];
    cf_summary_t sum;
} cf_casesum_t;

typedef struct cf_casecache_s {
    cf_case_t *slots;   /* CF_CASECACHE_SLOTS, allocated on first use; a slot with id 0 is empty */
    cf_casesum_t *sums; /* the same, for summaries */
    pthread_mutex_t *lock; /* NULL: one thread's; else taken by every change and by
                              cf_casecache_copy_both (another thread's) */
} cf_casecache_t;

/* OUT c (dispose it): a copy of case id if the cache holds it at head; else
 * CF_ENOTFOUND and c is untouched. */
int cf_casecache_get(cf_casecache_t *cache, int64_t id, const char *head, cf_case_t *c);
/* Keeps a copy of c (replacing whatever had its slot; on ENOMEM the slot is
 * left empty). */
void cf_casecache_put(cf_casecache_t *cache, const cf_case_t *c);
/* The summary of case id written when its head became head, or NULL (borrowed:
 * valid until the next call that puts into the cache). */
const cf_summary_t *cf_casecache_summary(cf_casecache_t *cache, int64_t id, const char *head);
/* Keeps sum as the summary of case id at head, moving it (sum is left empty). */
void cf_casecache_summary_put(cf_casecache_t *cache, int64_t id, const char *head,
                              cf_summary_t *sum);
/* OUT c (dispose it): a copy of case id as the cache holds it, unchecked against the
 * database, if the cache also holds its summary at the same head and that names agency
 * (the writer put both after its last write of the case; a case's agency never changes).
 * Else CF_ENOTFOUND and c is untouched. The caller's write then proves it current (the
 * case row is updated only at the version and head it was read at: store-cases.c) or
 * finds it stale (CF_ECONFLICT): api/ops/ops.c, cf__ops_load. */
int cf_casecache_get_unchecked(cf_casecache_t *cache, int64_t id, const char *agency, cf_case_t *c);
/* Keeps c itself (moved: c is left empty), as cf_casecache_put keeps a copy. */
void cf_casecache_take(cf_casecache_t *cache, cf_case_t *c);
/* OUT c and sum (dispose both): copies of case id and its summary, under the cache's lock
 * (another thread's read), unchecked against the database as cf_casecache_get_unchecked
 * (the caller's write proves them current or finds them stale): when the cache holds both
 * at the same head and the summary names agency. Else CF_ENOTFOUND (CF_ENOMEM) and c and
 * sum are left empty. */
int cf_casecache_copy_both(cf_casecache_t *cache, int64_t id, const char *agency, cf_case_t *c,
                           cf_summary_t *sum);
/* 1 if the cache holds case id at head. */
int cf_casecache_has(cf_casecache_t *cache, int64_t id, const char *head);
void cf_casecache_free(cf_casecache_t *cache);

/* ---- workflow cache ---- */

typedef struct cf_wf_entry_s {
    struct cf_wf_entry_s *next;
    cf_workflow_t *wf;
} cf_wf_entry_t;

typedef struct cf_wfcache_s {
    cf_wf_entry_t *head;
    cf_casecache_t *cases; /* the thread's case cache, or NULL (none: read every time) */
} cf_wfcache_t;

/* The workflow with content hash, loaded through s on first use. Borrowed (lives
 * as long as the cache). Returns 0 or the store's code. */
int cf_wfcache_get(cf_wfcache_t *cache, cf_store_t *s, const char *hash, const cf_workflow_t **wf,
                   cf_error_t *err);
/* Frees the workflows (not the case cache, which its owner frees). */
void cf_wfcache_free(cf_wfcache_t *cache);

#endif
