/*
 * serve-ahead.c -- reading ahead of an instant (writer thread only; a PREFETCH job,
 * queued by sched.c before an instant): the cases of the alerts due at it are read
 * into the writer's table of cases read ahead (sched-ahead.c), and for each the rows
 * its alert's firing will write are made (ahead_seal): the event with `at` the instant,
 * sealed onto the head read, the case's next snapshot and the delivered object. Nothing
 * is written here; firing (serve-fire.c, fire_sealed) writes them at the instant if the
 * case is still at the version they were sealed onto, and fires the alert from the
 * store otherwise. serve-fire.c's header says why and what a later second does.
 * Moved out of serve-jobs.c (past 1,000 lines) unchanged.
 */
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A slice of reading ahead (exec_prefetch) stops after this long, or after the first
 * once a request waits: the writer's other requests wait behind it. */
#define CF__PREFETCH_US       8000
#define CF__PREFETCH_FIRST_US 2000
#define CF__AHEAD_PAGE        256 /* due alerts read from the index at a time, ahead */

/* The last occurrence of needle in text, or NULL. */
static const char *last_of(const char *text, const char *needle)
{
    const char *last = NULL;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        last = at;
    return last;
}

/* Where reseal patches p's texts: `at` (text at) in the stored text and its hashed
 * canonical part (cf_case_append_body: the canonical text less its brace, then
 * ,"hash":"H","prev":"P"}), the head and the update time (updated, an integer) in the
 * snapshot (cf_case_snapshot_buf: ..."head":"H","opened_at":N,"updated_at":N...). Each
 * checked against the value it should hold; p->at_off stays 0 when one is not found. */
static void seal_offsets(cf__ahead_prep_t *p, const char *at, cf_time_t updated)
{
    static const char tail[] = ",\"hash\":\"\",\"prev\":\"\"}"; /* less both hashes */
    size_t len = strlen(p->body), canon = len + 1 - (sizeof(tail) - 1) - 128;
    const char *a = strstr(p->body, "\"at\":\""), *h = last_of(p->snapshot, "\"head\":\"");
    const char *u = h ? strstr(h, "\"updated_at\":") : NULL;
    char upd[24];
    int n = snprintf(upd, sizeof(upd), "%lld", (long long)updated);
    if (!at || !a || !u || len < sizeof(tail) + 128 || p->body[canon - 1] != ',' ||
        strncmp(p->body + canon, "\"hash\":\"", 8) != 0 ||
        strncmp(p->body + canon + 8, p->head, 64) != 0 || strncmp(a + 6, at, strlen(at)) != 0 ||
        strncmp(h + 8, p->head, 64) != 0 || strncmp(u + 13, upd, (size_t)n) != 0 ||
        (u[13 + n] >= '0' && u[13 + n] <= '9'))
        return;
    p->canon_len = canon;
    p->at_off = (size_t)(a + 6 - p->body);
    p->at_len = strlen(at);
    p->snap_head_off = (size_t)(h + 8 - p->snapshot);
    p->snap_upd_off = (size_t)(u + 13 - p->snapshot);
    p->upd_len = (size_t)n;
}

/* Fills p's rows from next, the case after the sealed event ev (owned by p->events). */
static int seal_rows(cf__ahead_prep_t *p, const cf_case_t *c, const cf_case_t *next,
                     const json_t *ev, const char *agency)
{
    size_t cap = 0;
    if (cf_case_snapshot_buf(next, &p->snapshot, &cap) != 0 ||
        !(p->fired = cf__alert_json(agency, next->workflow_id, next->facts, ev)))
        return CF_ENOMEM;
    snprintf(p->head, sizeof(p->head), "%s", next->head);
    snprintf(p->agency, sizeof(p->agency), "%s", agency);
    snprintf(p->prev, sizeof(p->prev), "%s", c->head);
    p->algo = c->algo;
    seal_offsets(p, json_string_value(json_object_get(ev, "at")), next->updated_at);
    p->w = (cf_store_sealed_t){.id = c->id,
                               .expected = c->version,
                               .prev = p->prev,
                               .version = next->version,
                               .head = p->head,
                               .updated_at = next->updated_at,
                               .closed_at = next->closed_at,
                               .snapshot = p->snapshot,
                               .events = p->events,
                               .bodies = &p->body,
                               .agency = p->agency};
    return 0;
}

/* Makes alert a's rows ahead of its instant from c, its case as just read: the event
 * fire_one would write at the instant, sealed onto c's head (its canonical text, hash and
 * stored text), the case's next snapshot and what is delivered. Nothing is written; the
 * version check at the write decides whether they are used. NULL when the alert would
 * not fire as an event from c at the instant (its clock no longer matches, the case is
 * dated after the instant: fire_one decides then) or out of memory. */
static cf__ahead_prep_t *ahead_seal(cf__fire_times_t *times, const cf_case_t *c, const char *agency,
                                    const cf_alert_t *a, cf_time_t instant)
{
    const cf_clock_rt_t *k = cf_case_clock(c, a->clock);
    if (!k || k->state != CF_CLOCK_RUNNING || k->deadline != a->deadline || c->updated_at > instant)
        return NULL;
    cf__ahead_prep_t *p = calloc(1, sizeof(*p));
    cf_case_t next;
    if (!p || cf_case_copy(&next, c) != 0) {
        free(p);
        return NULL;
    }
    json_t *ev = cf__alert_event(times, &next, a, instant, instant - a->due_at > CF__LATE_AFTER);
    json_t *prov = ev ? cf_clock_provisional_json(k) : NULL; /* R11, as fire_one */
    int rc = ev && (!prov || json_object_set_new(ev, "provisional", prov) == 0) &&
                     (p->events = json_array()) && json_array_append(p->events, ev) == 0
                 ? cf_case_append_body(&next, ev, &p->body, NULL)
                 : CF_ENOMEM;
    assert(rc != 0 || strcmp(next.state, c->state) == 0); /* an alert changes no state */
    if (rc == 0)
        rc = seal_rows(p, c, &next, ev, agency);
    snprintf(p->alert_id, sizeof(p->alert_id), "%s", a->id);
    p->at = instant;
    p->due_at = a->due_at;
    p->deadline = a->deadline;
    json_decref(ev);
    cf_case_dispose(&next);
    if (rc != 0) {
        cf__ahead_prep_free(p);
        return NULL;
    }
    return p;
}

/* Reads the case of due alert a into the table of cases read ahead, unless it or the
 * writer's case cache holds it at its stored head, with the rows of a's firing made ahead
 * (ahead_seal). Returns 1 when the slice that began at t0 is over. */
static int ahead_one(cf_store_t *s, cf_wfcache_t *wfs, cf__ahead_t *ah, cf__fire_times_t *times,
                     const cf_alert_t *a, cf__job_t *j, uint64_t t0)
{
    char agency[128], head[CF_CHAIN_HEX];
    cf_case_t c;
    /* a case without an agency is fired from the store, as before */
    int known = cf_store_case_agency_head(s, a->case_id, agency, sizeof(agency), head, NULL) == 0;
    if (known && (cf__ahead_has(ah, a->case_id, head) ||
                  (wfs->cases && cf_casecache_has(wfs->cases, a->case_id, head))))
        j->fired++; /* ready already */
    else if (known && cf_store_case_get(s, a->case_id, &c, NULL) == 0) {
        cf__ahead_prep_t *p = ahead_seal(times, &c, agency, a, j->now);
        int64_t id = c.id;
        if (cf__ahead_put(ah, &c, agency) == 0) {
            j->fired++;
            if (p)
                cf__ahead_prepare(ah, id, p);
        } else {
            cf_case_dispose(&c); /* full: the rest fire cold */
            cf__ahead_prep_free(p);
        }
    }
    uint64_t used = cf__micros() - t0;
    return used >= CF__PREFETCH_US ||
           (used >= CF__PREFETCH_FIRST_US && atomic_load(&j->srv->writer.waiting) > 0);
}

/* Exported, documented in serve-int.h. Reads the cases of the alerts due at j->now ahead of that
 * instant (sched.c), into the writer's table of cases read ahead (sched-ahead.c): firing then takes
 * each case from it instead of reading and parsing its snapshot while the alert waits (the largest
 * part of an alert's cost in a burst), and finds the pages of its row, its alerts and their index
 * entries in SQLite's page cache. Reads only: nothing is written or fired, and a case that changes
 * before the instant is simply read again (a case is used only at the stored head it was read at).
 * One slice: it goes on from where the last one stopped (the table keeps the page
 * of due alerts it reads, CF__AHEAD_PAGE at a time), and ends after
 * CF__PREFETCH_US, or once it has run CF__PREFETCH_FIRST_US and a request waits for
 * the writer (as a firing chunk yields); j->more says there is more to read (the
 * loop queues the next slice while the instant is still ahead). j->fired counts
 * the cases made ready. */
int cf__exec_prefetch(cf_store_t *s, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf__ahead_t *ah = j->srv ? &j->srv->writer.ahead : NULL;
    cf__fire_times_t times = {0};
    uint64_t t0 = cf__micros();
    int over = 0;
    j->status = 200;
    if (!ah)
        return 0;
    if (ah->instant != j->now)
        cf__ahead_reset(ah, j->now);
    if (!ah->page && !(ah->page = malloc(CF__AHEAD_PAGE * sizeof(*ah->page))))
        return 0; /* reading ahead is an optimization: without it, alerts fire cold */
    while (!ah->done && !over && ah->count < CF__AHEAD_MAX) {
        if (ah->page_next == ah->page_n) { /* the next page, after the last alert read */
            cf_alert_t last = ah->page_n ? ah->page[ah->page_n - 1] : (cf_alert_t){0};
            int n = cf_store_alerts_due_after(s, j->now, last.due_at, ah->page_n ? last.id : NULL,
                                              ah->page, CF__AHEAD_PAGE, NULL);
            ah->page_n = n > 0 ? n : 0;
            ah->page_next = 0;
            ah->done = n < CF__AHEAD_PAGE; /* (a failed read ends the reading ahead) */
        }
        while (ah->page_next < ah->page_n && !over && ah->count < CF__AHEAD_MAX)
            over = ahead_one(s, wfs, ah, &times, &ah->page[ah->page_next++], j, t0);
        if (ah->page_next < ah->page_n)
            ah->done = 0; /* stopped inside the page */
    }
    j->more = !ah->done && ah->count < CF__AHEAD_MAX;
    cf__fire_times_dispose(&times);
    return 0;
}
