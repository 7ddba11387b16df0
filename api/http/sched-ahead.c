/*
 * sched-ahead.c -- the cases read ahead of one instant's alerts (writer thread only).
 *
 * Why. Reading a case (its snapshot parsed from JSON) was the largest part of
 * firing an alert: 181,000 of the 470,000 instructions an alert cost the writer
 * in a burst of 10,000 due on one second (callgrind; docs/performance.md). The
 * writer's case cache (api/ops/cache.h) holds 4,096 cases direct-mapped by id, so
 * a burst's cases evict one another there. Before the instant the scheduler
 * queues PREFETCH jobs (sched.c) that read every case due at it, a slice at a
 * time, into this table; firing takes each case out of it instead of reading it.
 *
 * A case is used only at the head it was read at, so a case changed in between is
 * read again: the table is a hint, never the record. Reading ahead compares the
 * stored head (as for the case cache); firing takes the case with the agency read
 * with it (cf__ahead_take_any) and lets the write check it: the case row is updated
 * only at the version it was read at (store-cases.c), so a case changed since is
 * refused with nothing written, and fired from the store instead (serve-fire.c). That
 * saves the look of the agency and head an alert cost (14,000 instructions of about
 * 200,000 on the writer). It holds at most CF__AHEAD_MAX cases; the rest of a larger
 * storm fire cold, as before.
 *
 * Layout: open addressing by case id (multiplicative hash, linear probing) over
 * twice CF__AHEAD_MAX slots, allocated when the first case is put; a slot with
 * id 0 is empty, with id -1 its case was taken (probing goes on past it). Cases
 * are never put back once taken, so the table is at most half full. The agencies
 * are a second array beside the slots, a string each (most of a burst's cases share
 * a handful of agencies, but a copy each keeps the table free of lifetimes).
 *
 * Rows made ahead. Beside a case the table may hold the rows of its alert's firing, made
 * when it was read (serve-ahead.c ahead_seal: the event sealed onto the head read, the
 * case's next snapshot, what is delivered), a third array beside the slots. They belong
 * to the case as it was read: a case put again or taken loses them, and firing takes
 * them with the case (cf__ahead_take_prep). Memory: a snapshot and an event's texts
 * more per case, some 3 KB (10,000 cases: ~30 MB until the instant is fired).
 */
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF__AHEAD_BITS  15 /* 2^15 slots: twice CF__AHEAD_MAX */
#define CF__AHEAD_SLOTS (1u << CF__AHEAD_BITS)
_Static_assert(CF__AHEAD_SLOTS >= 2 * CF__AHEAD_MAX, "the table at most half full");

static unsigned home(int64_t id)
{
    return (unsigned)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> (64 - CF__AHEAD_BITS));
}

/* The slot holding case id, or NULL. */
static cf_case_t *find(const cf__ahead_t *a, int64_t id)
{
    if (!a->slots)
        return NULL;
    for (unsigned i = home(id), n = 0; n < CF__AHEAD_SLOTS; i = (i + 1) % CF__AHEAD_SLOTS, n++) {
        if (a->slots[i].id == id)
            return &a->slots[i];
        if (a->slots[i].id == 0)
            return NULL;
    }
    return NULL;
}

/* Exported, documented in serve-int.h */
void cf__ahead_reset(cf__ahead_t *a, cf_time_t instant)
{
    for (unsigned i = 0; a->slots && i < CF__AHEAD_SLOTS; i++) {
        if (a->slots[i].id > 0)
            cf_case_dispose(&a->slots[i]);
        free(a->agency[i]);
        cf__ahead_prep_free(a->prep[i]);
    }
    free(a->slots);
    free(a->agency);
    free(a->prep);
    free(a->page);
    memset(a, 0, sizeof(*a));
    a->instant = instant;
}

/* Exported, documented in serve-int.h */
int cf__ahead_has(const cf__ahead_t *a, int64_t id, const char *head)
{
    const cf_case_t *c = find(a, id);
    return c && strcmp(c->head, head) == 0;
}

/* Allocates the three arrays; 0 or -1 (out of memory, none kept). */
static int alloc_slots(cf__ahead_t *a)
{
    a->slots = calloc(CF__AHEAD_SLOTS, sizeof(*a->slots));
    a->agency = calloc(CF__AHEAD_SLOTS, sizeof(*a->agency));
    a->prep = calloc(CF__AHEAD_SLOTS, sizeof(*a->prep));
    if (a->slots && a->agency && a->prep)
        return 0;
    free(a->slots);
    free(a->agency);
    free(a->prep);
    a->slots = NULL;
    a->agency = NULL;
    a->prep = NULL;
    return -1;
}

/* Exported, documented in serve-int.h */
int cf__ahead_put(cf__ahead_t *a, cf_case_t *c, const char *agency)
{
    char *copy = strdup(agency ? agency : "");
    cf_case_t *slot = copy ? find(a, c->id) : NULL;
    if (slot) { /* read again at a newer head: the rows made ahead are stale */
        cf_case_dispose(slot);
        *slot = *c;
        free(a->agency[slot - a->slots]);
        a->agency[slot - a->slots] = copy;
        cf__ahead_prep_free(a->prep[slot - a->slots]);
        a->prep[slot - a->slots] = NULL;
        return 0;
    }
    if (!copy || a->count >= CF__AHEAD_MAX || c->id <= 0 || (!a->slots && alloc_slots(a) != 0)) {
        free(copy);
        return -1;
    }
    unsigned i = home(c->id);
    while (a->slots[i].id != 0)
        i = (i + 1) % CF__AHEAD_SLOTS;
    a->slots[i] = *c;
    a->agency[i] = copy;
    a->count++;
    return 0;
}

/* Moves slot's case to out, its agency (size bytes) to agency when not NULL. */
static void take(cf__ahead_t *a, cf_case_t *slot, cf_case_t *out, char *agency, size_t size)
{
    char **of = &a->agency[slot - a->slots];
    if (agency)
        snprintf(agency, size, "%s", *of ? *of : "");
    free(*of);
    *of = NULL;
    cf__ahead_prep_free(a->prep[slot - a->slots]);
    a->prep[slot - a->slots] = NULL;
    *out = *slot;
    memset(slot, 0, sizeof(*slot));
    slot->id = -1;
}

/* Exported, documented in serve-int.h */
int cf__ahead_take(cf__ahead_t *a, int64_t id, const char *head, cf_case_t *out)
{
    cf_case_t *slot = find(a, id);
    if (!slot || strcmp(slot->head, head) != 0)
        return CF_ENOTFOUND;
    take(a, slot, out, NULL, 0);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__ahead_take_any(cf__ahead_t *a, int64_t id, cf_case_t *out, char *agency, size_t size)
{
    cf_case_t *slot = find(a, id);
    if (!slot)
        return CF_ENOTFOUND;
    take(a, slot, out, agency, size);
    return 0;
}

/* ---- rows made ahead ------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
void cf__ahead_prep_free(cf__ahead_prep_t *p)
{
    if (!p)
        return;
    free(p->snapshot);
    free(p->body);
    json_decref(p->events);
    json_decref(p->fired);
    free(p);
}

/* Exported, documented in serve-int.h */
int cf__ahead_prepare(cf__ahead_t *a, int64_t id, cf__ahead_prep_t *p)
{
    cf_case_t *slot = find(a, id);
    if (!slot) {
        cf__ahead_prep_free(p);
        return CF_ENOTFOUND;
    }
    cf__ahead_prep_free(a->prep[slot - a->slots]);
    a->prep[slot - a->slots] = p;
    return 0;
}

/* Exported, documented in serve-int.h */
const cf__ahead_prep_t *cf__ahead_prepared(const cf__ahead_t *a, int64_t id)
{
    const cf_case_t *slot = find(a, id);
    return slot ? a->prep[slot - a->slots] : NULL;
}

/* Exported, documented in serve-int.h */
cf__ahead_prep_t *cf__ahead_take_prep(cf__ahead_t *a, int64_t id)
{
    cf_case_t *slot = find(a, id), c;
    cf__ahead_prep_t *p = slot ? a->prep[slot - a->slots] : NULL;
    if (!p)
        return NULL;
    a->prep[slot - a->slots] = NULL;
    take(a, slot, &c, NULL, 0);
    cf_case_dispose(&c);
    return p;
}
