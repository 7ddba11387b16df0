/*
 * serve-fire.c -- firing alerts (writer thread only; a FIRE job, queued by sched.c
 * when alerts fall due): one chunk of the alerts due at the job's instant, each
 * recorded as an event on its case's chain and marked fired in the same transaction.
 * Moved out of serve-jobs.c (885 lines, past the ~800 a file) unchanged: firing is
 * the burst's critical path and has its own rounds of work (docs/performance.md,
 * "Deadline storms"), apart from the requests' translation into the operation layer.
 *
 * Alert events (FIRE): type "alert", actor "caseflow", role "system", with
 * clock, point ("warning" | "deadline"), deadline, due_at, late (fired more than
 * CF__LATE_AFTER seconds after due_at, e.g. because the daemon was down) and
 * alert_id. The alert row is marked fired in the same savepoint as the event.
 * A FIRE job fires one chunk (cf__job_exec_fire), committed with the writer's batch; the
 * loop delivers it and queues the next chunk (sched.c). So an alert is fired
 * exactly once, in the transaction that marks it, and a crash between chunks
 * leaves the rest pending: they fire at the next start. The same transaction records
 * the webhook deliveries each alert owes (sched-outbox.c).
 *
 * Rows made ahead (a burst). Reading ahead (serve-ahead.c, exec_prefetch) also makes, for each case
 * it reads, the rows its alert's firing will write if nothing changes before the instant
 * (ahead_seal): the event with `at` the instant, sealed onto the head read (canonical
 * text, hash, stored text), the case's next snapshot and the delivered object. At the
 * instant, an alert fired in that very second writes them as they are (fire_sealed,
 * cf_store_case_put_sealed): the case row's update is conditioned on the version they
 * were sealed onto, so a case changed since is refused with nothing written and fired
 * from the store as before. Fired in a later second (a burst that outruns its second),
 * the rows are sealed again for that second (reseal: `at` keeps its width, so the texts
 * are patched in place and hashed once more) and the event records that second. Never
 * dated before the instant: rows are made only for the instant the alerts are due at,
 * and used only at it or later. Rejected: recording the due instant for alerts fired
 * later (the record says when the system acted), and building the rows again from the
 * case in a later second (the seal and the snapshot, ~50,000 instructions, where reseal
 * costs a hash, ~14,000).
 *
 * Divisions: the alert event; firing one alert (from rows made ahead, or from the case);
 * the chunk.
 */
#include "serve-int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CF__FIRE_CHUNK 64   /* when the job has no daemon (fuzz-request) */
#define CF__FIRE_READ  1024 /* due alerts read from the index at a time */
/* Several daemons on one database: how long a claim on due alerts holds (store-claim.c) */
#define CF__CLAIM_LEASE_MS 10000
/* A chunk also ends once it has taken this long, whatever fire_chunk says: every alert
 * of a chunk waits for the chunk's commit, and at a million cases an alert costs
 * 0.1-0.7 ms. The first chunk of a firing gets CF__FIRE_FIRST_US, so the first alerts
 * of a second go out within a few ms; each next chunk gets twice as long, up to
 * CF__FIRE_BUDGET_US, because the last alert of a burst waits for every commit
 * (an fsync, and the log pages every commit rewrites) before it, and fewer, larger
 * chunks make that tail shorter (16 ms and 64 alerts before: 10,000 alerts on one
 * second took at least 157 commits).
 * A chunk yields: once it has run CF__FIRE_FIRST_US, it ends as soon as another job
 * is queued for the writer (a request), so a request waits for at most that much
 * firing plus a commit, however many alerts are due (a million at once), and the
 * firing goes on in the next chunk. */
#define CF__FIRE_FIRST_US  2000
#define CF__FIRE_BUDGET_US 64000

/* ---- the alert event ------------------------------------------------------------------------ */

typedef cf__fire_times_t fire_times_t; /* (serve-int.h) */

/* OUT new reference, or NULL when out of memory */
static json_t *time_json(fire_times_t *m, int k, cf_time_t t)
{
    if (!m->text[k] || m->t[k] != t) {
        char text[CF_TIME_BUFSZ];
        cf_time_format(t, text);
        json_decref(m->text[k]);
        m->text[k] = json_string_nocheck(text); /* digits and signs */
        m->t[k] = t;
    }
    return json_incref(m->text[k]);
}

/* Exported, documented in serve-int.h */
void cf__fire_times_dispose(fire_times_t *m)
{
    for (int k = 0; k < 3; k++)
        json_decref(m->text[k]);
}

/* Exported, documented in serve-int.h. The alert event, set key by key: json_pack read its format
 * and checked every string's UTF-8 again, an alert at a time. The key order is the one json_pack
 * gave (what is delivered keeps it: cf__alert_json). clock, point and alert_id come from the alerts
 * table and are checked as json_pack checked them. */
json_t *cf__alert_event(fire_times_t *m, const cf_case_t *c, const cf_alert_t *a, cf_time_t now,
                        int late)
{
    json_t *ev = json_object();
    if (!ev || json_object_set_new_nocheck(ev, "seq", json_integer((json_int_t)c->version + 1)) ||
        json_object_set_new_nocheck(ev, "type", json_stringn_nocheck("alert", 5)) ||
        json_object_set_new_nocheck(ev, "at", time_json(m, 0, now)) ||
        json_object_set_new_nocheck(ev, "actor", json_stringn_nocheck("caseflow", 8)) ||
        json_object_set_new_nocheck(ev, "role", json_stringn_nocheck("system", 6)) ||
        json_object_set_new_nocheck(ev, "clock", json_string(a->clock)) ||
        json_object_set_new_nocheck(ev, "point", json_string(a->point)) ||
        json_object_set_new_nocheck(ev, "deadline", time_json(m, 1, a->deadline)) ||
        json_object_set_new_nocheck(ev, "due_at", time_json(m, 2, a->due_at)) ||
        json_object_set_new_nocheck(ev, "late", json_boolean(late)) ||
        json_object_set_new_nocheck(ev, "alert_id", json_string(a->id))) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* The case of alert a and its agency. Read ahead (the table holds it): taken as it was
 * read, *verified 0: the write checks it is still at that version (store-cases.c) and
 * changes nothing otherwise. Else the agency and head in one look, then the case from
 * the writer's cache at that head, or the store. *owned 0 for a case opened from the
 * command line (no agency): its alerts still fire, delivered to no agency's stream. */
static int case_of_alert(cf_store_t *s, cf_wfcache_t *wfs, cf__ahead_t *ah, const cf_alert_t *a,
                         cf_case_t *c, char *agency, size_t size, int *owned, int *verified,
                         cf_error_t *err)
{
    char head[CF_CHAIN_HEX];
    *owned = 1;
    *verified = 0;
    if (ah && cf__ahead_take_any(ah, a->case_id, c, agency, size) == 0)
        return 0;
    *verified = 1;
    *owned = cf_store_case_agency_head(s, a->case_id, agency, size, head, NULL) == 0;
    return *owned && wfs->cases && cf_casecache_get(wfs->cases, a->case_id, head, c) == 0
               ? 0
               : cf_store_case_get(s, a->case_id, c, err);
}

/* Fires alert a from the rows made for it ahead (ahead_seal), taken out of the table with
 * its case: the case row is written only if the case is still at the version they were
 * sealed onto, then the alert is marked. A failure sets *stale: the caller rolls back
 * and fires the alert again from the stored case (the table no longer holds it), so a
 * case changed since is fired once, after the chain's head as it is now. */
static int fire_sealed(cf_store_t *s, cf__ahead_t *ah, const cf_alert_t *a, cf_time_t now,
                       json_t **fired, int *stale, cf_error_t *err)
{
    /* firing ahead (ah->keep): the rows stay in the table, for a rollback to use again */
    cf__ahead_prep_t *p = ah->keep ? (cf__ahead_prep_t *)cf__ahead_prepared(ah, a->case_id)
                                   : cf__ahead_take_prep(ah, a->case_id);
    assert(p && p->at == now);
    int rc = cf_store_case_put_sealed(s, &p->w, err);
    if (rc == 0) /* marked, it waits for its acknowledgement, or escalation */
        rc = cf_store_alert_mark_read(s, a, now, err);
    if (rc == 0) {
        /* made on this thread, delivered by the loop as before (kept: a reference more,
         * jansson counts them atomically) */
        *fired = ah->keep ? json_incref(p->fired) : p->fired;
        if (!ah->keep)
            p->fired = NULL;
    }
    *stale = rc != 0;
    if (!ah->keep)
        cf__ahead_prep_free(p);
    else if (rc != 0) /* stale: dropped, the alert fires from the store */
        cf__ahead_prep_free(cf__ahead_take_prep(ah, a->case_id));
    return rc;
}

/* The number of decimal digits of t (t >= 0). */
static size_t digits(cf_time_t t)
{
    size_t n = 1;
    while (t >= 10) {
        t /= 10;
        n++;
    }
    return n;
}

/* Seals p again at now, a later second than the one it was made for (the alerts of a burst
 * fired after its instant's second): the event's `at` and hash in its stored text (whose
 * start is the hashed canonical text), the snapshot's head and update time, the event and
 * what is delivered, patched in place, the texts keeping their widths. Costs a hash
 * (~14,000 instructions) where a cold alert costs its whole seal and snapshot again.
 * 0, or -1 (p is then half changed: the caller drops it). */
static int reseal(cf__ahead_prep_t *p, fire_times_t *times, cf_time_t now)
{
    json_t *at = time_json(times, 0, now);
    const char *text = json_string_value(at);
    char hash[CF_CHAIN_HEX], upd[24];
    int ok = text && strlen(text) == p->at_len &&
             snprintf(upd, sizeof(upd), "%lld", (long long)now) == (int)p->upd_len;
    if (ok) {
        memcpy(p->body + p->at_off, text, p->at_len);
        p->body[p->canon_len - 1] = '}'; /* the canonical text's end, for the hash */
        ok = cf_chain_hash_text(p->algo, p->prev, p->body, p->canon_len, hash) == 0;
        p->body[p->canon_len - 1] = ',';
    }
    json_t *ev = json_array_get(p->events, 0), *h = ok ? json_string_nocheck(hash) : NULL;
    ok = h && json_object_set(ev, "at", at) == 0 &&
         json_object_set(p->fired, "fired_at", at) == 0 && json_object_set(ev, "hash", h) == 0 &&
         json_object_set(p->fired, "hash", h) == 0;
    if (ok) {
        memcpy(p->body + p->canon_len + 8, hash, 64); /* ,"hash":"H","prev":"P"} */
        memcpy(p->snapshot + p->snap_head_off, hash, 64);
        memcpy(p->snapshot + p->snap_upd_off, upd, p->upd_len);
        memcpy(p->head, hash, sizeof(p->head));
        p->w.updated_at = now;
        p->at = now;
    }
    json_decref(h);
    json_decref(at);
    return ok ? 0 : -1;
}

/* 1 when the table holds rows made ahead for alert a that fire at now: made for this very
 * alert (id, instants) at the table's instant, and now that instant (the event's `at` is
 * the firing second) or a later second they are sealed again for (reseal), the alert no
 * later for it (`late` the same). Rows that cannot be sealed again are dropped with their
 * case: the alert fires from the store. */
static int sealed_for(cf__ahead_t *ah, fire_times_t *times, const cf_alert_t *a, cf_time_t now)
{
    cf__ahead_prep_t *p = ah ? (cf__ahead_prep_t *)cf__ahead_prepared(ah, a->case_id) : NULL;
    if (!p || p->at != ah->instant || now < p->at || p->due_at != a->due_at ||
        p->deadline != a->deadline || strcmp(p->alert_id, a->id) != 0)
        return 0;
    if (now == p->at)
        return 1;
    if (!p->at_off || (now - a->due_at > CF__LATE_AFTER) != (p->at - a->due_at > CF__LATE_AFTER) ||
        digits(now) != p->upd_len)
        return 0;
    if (reseal(p, times, now) == 0)
        return 1;
    cf__ahead_prep_free(cf__ahead_take_prep(ah, a->case_id));
    return 0;
}

/* Fires one alert: appends its event and marks the row, or, when the clock has
 * moved on since the row was written (a change made outside the daemon),
 * rewrites the case's alerts instead. OUT *fired (new ref) or NULL. A failure on a
 * case read ahead (it changed since: the clock no longer matches, or the write found
 * a newer version) sets *stale: the caller rolls the alert back and fires it again
 * with ah NULL, from the stored case, so that it is recorded once, after the head
 * the chain has now. */
static int fire_one(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__ahead_t *ah,
                    fire_times_t *times, const cf_alert_t *a, cf_time_t now, json_t **fired,
                    int *stale, cf_error_t *err)
{
    cf_case_t c;
    const cf_workflow_t *wf;
    json_t *events = NULL;
    char agency[128];
    int owned, verified;
    *fired = NULL;
    *stale = 0;
    if (sealed_for(ah, times, a, now))
        return fire_sealed(s, ah, a, now, fired, stale, err);
    int rc = case_of_alert(s, wfs, ah, a, &c, agency, sizeof(agency), &owned, &verified, err);
    if (rc != 0)
        return rc;
    rc = cf_wfcache_get(wfs, s, c.workflow_hash, &wf, err);
    const cf_clock_rt_t *k = cf_case_clock(&c, a->clock);
    if (rc == 0 && (!k || k->state != CF_CLOCK_RUNNING || k->deadline != a->deadline)) {
        rc = verified ? cf_store_alerts_sync(s, &c, wf, cal, err)
                      : cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "read ahead: changed since");
        *stale = !verified;
        cf_case_dispose(&c);
        return rc;
    }
    /* Never dated before the case's last event (a daemon restarted with an earlier
     * clock): the alert is recorded at the earliest instant its chain allows. */
    cf_time_t at = now < c.updated_at ? c.updated_at : now;
    json_t *ev =
        rc == 0 ? cf__alert_event(times, &c, a, at, at - a->due_at > CF__LATE_AFTER) : NULL;
    json_t *prov = ev ? cf_clock_provisional_json(k) : NULL; /* R11: a provisional deadline */
    if (prov)
        json_object_set_new(ev, "provisional", prov);
    if (rc == 0 && (!ev || !(events = json_array()) || json_array_append(events, ev) != 0))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf_store_case_append_tx(s, &c, events, err);
    if (rc == 0) /* marked, it waits for its acknowledgement, or escalation (serve-alert-ack.c) */
        rc = cf_store_alert_mark_read(s, a, now, err);
    if (rc == 0)
        *fired = cf__alert_json(owned ? agency : NULL, c.workflow_id, c.facts, ev);
    *stale = rc != 0 && !verified;
    json_decref(ev);
    json_decref(events);
    cf_case_dispose(&c);
    return rc;
}

/* The clock a firing chunk's budget is counted on: the test's, or cf__micros(). */
static uint64_t fire_micros(const cf_serve_t *srv)
{
    return srv && srv->cfg.fire_clock ? srv->cfg.fire_clock(srv->cfg.fire_clock_ctx) : cf__micros();
}

/* The next candidate due at now, read from the index when the list is used up.
 * Returns 1 (OUT *a borrowed), 0 when none is due, or a CF_E* code. */
static int next_due(cf_store_t *s, const cf_serve_t *srv, cf__firelist_t *l, cf_time_t now,
                    const cf_alert_t **a, cf_error_t *err)
{
    if (l->next == l->count) {
        /* one page of the index at a time, never the whole instant (a million) */
        int page = srv && srv->writer.fire_read && srv->writer.fire_read < CF__FIRE_READ
                       ? (int)srv->writer.fire_read
                       : CF__FIRE_READ;
        if (!l->alerts && !(l->alerts = malloc(CF__FIRE_READ * sizeof(*l->alerts))))
            return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
        /* several daemons: only the alerts this one claims (committed with the chunk) */
        int n = srv && srv->shared ? cf_store_alerts_claim(s, srv->node_id, now, CF__CLAIM_LEASE_MS,
                                                           l->alerts, page, err)
                                   : cf_store_alerts_due(s, now, l->alerts, page, err);
        if (n < 0)
            return n;
        l->count = n;
        l->next = 0;
        l->full = n == page;
        l->reads++;
    }
    if (l->next == l->count || l->alerts[l->next].due_at > now)
        return 0; /* (a list read by a later job than this one: never fire early) */
    *a = &l->alerts[l->next++];
    return 1;
}

/* 1 when a chunk that has run `used` microseconds should end: its budget is spent, or
 * it ran its first slice and a request waits for the writer (yielding). */
static int chunk_over(const cf__job_t *j, uint64_t used, uint64_t budget)
{
    if (j->ahead) /* written ahead: no budget, and a request waiting ends it at once */
        return atomic_load(&j->srv->writer.waiting) > 0;
    if (used >= budget)
        return 1;
    return used >= CF__FIRE_FIRST_US && j->srv && atomic_load(&j->srv->writer.waiting) > 0;
}

/* Fires alert a in a savepoint of its own (a chunk that had a failure): one that cannot
 * be written is rolled back and marked fired without an event rather than retried
 * forever; one whose case read ahead changed since is fired again from the store.
 * OUT *fired (new ref) or NULL. Returns 0, or the savepoint's own failure. */
static int fire_alone(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__ahead_t *ah,
                      fire_times_t *times, const cf__job_t *j, const cf_alert_t *a, json_t **fired,
                      cf_error_t *err)
{
    int stale = 0, rc = cf_store_savepoint(s, err);
    if (rc != 0)
        return rc;
    int failed = fire_one(s, cal, wfs, ah, times, a, j->now, fired, &stale, err);
    if (failed != 0 && stale) { /* read ahead, changed since: again, from the store */
        cf_store_savepoint_rollback(s);
        if ((rc = cf_store_savepoint(s, err)) != 0)
            return rc;
        failed = fire_one(s, cal, wfs, NULL, times, a, j->now, fired, &stale, err);
    }
    if (failed == 0) {
        cf_store_savepoint_release(s, NULL);
        return 0;
    }
    cf_store_savepoint_rollback(s);
    /* another daemon changed the case meanwhile: left pending, to fire again */
    if (failed != CF_ECONFLICT || !j->srv || !j->srv->shared)
        cf_store_alert_drop(s, a->id, j->now, NULL);
    return 0;
}

/* A failure in a chunk fired without savepoints: the chunk so far is rolled back (its
 * chunk savepoint taken again) and its alerts are read again from the index, pending
 * again, to be fired alert by alert (fire_alone). */
static int chunk_undo(cf_store_t *s, cf__job_t *j, cf__firelist_t *l, cf_error_t *err)
{
    cf_store_savepoint_rollback(s);
    json_array_clear(j->alerts);
    l->count = l->next = 0;
    l->full = 1;
    return cf_store_savepoint(s, err);
}

/* Fires one chunk of the alerts due at j->now: at most fire_chunk of them, and no
 * more once the chunk's time budget has passed (the first always fires, so every
 * chunk makes progress). The chunk is one savepoint, its alerts none of their own (a
 * savepoint and its release were 14,000 instructions an alert); after a failure the
 * chunk is undone and fired again with a savepoint per alert (fire_alone), at least
 * up to the alert that failed, so one that cannot be written is marked fired without
 * an event and the others still fire. Sets j->more when alerts may be left: the loop
 * then delivers this chunk and queues the next (sched.c). Exported (serve-int.h). */
int cf__job_exec_fire(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf__firelist_t own = {0}, *l = j->srv ? &j->srv->writer.fire : &own;
    cf__ahead_t *ah = j->srv ? &j->srv->writer.ahead : NULL;
    fire_times_t times = {0};
    unsigned max = j->srv ? j->srv->cfg.fire_chunk : CF__FIRE_CHUNK, i = 0, redo = 0;
    if (j->ahead) /* the log's bound (serve-fire-ahead.c) */
        max = j->srv->writer.fire_ahead_max;
    if (ah)
        ah->keep = j->ahead;
    const cf_alert_t *a = NULL;
    cf_error_t err;
    uint64_t t0 = fire_micros(j->srv);
    uint64_t budget = j->chunk < 6 ? (uint64_t)CF__FIRE_FIRST_US << j->chunk : CF__FIRE_BUDGET_US;
    int careful = 0, stale,
        rc = (j->alerts = json_array()) ? cf_store_savepoint(s, &err)
                                        : cf_error_set(&err, CF_ENOMEM, NULL, 0, 0, "no memory");
    int held = rc == 0; /* the chunk's savepoint is open */
    j->status = 200;
    if (budget > CF__FIRE_BUDGET_US)
        budget = CF__FIRE_BUDGET_US;
    while (rc == 0 && i < max && (i <= redo || !chunk_over(j, fire_micros(j->srv) - t0, budget)) &&
           (rc = next_due(s, j->srv, l, j->now, &a, &err)) == 1) {
        json_t *fired = NULL;
        i++;
        if (careful)
            rc = fire_alone(s, cal, wfs, ah, &times, j, a, &fired, &err);
        else if ((rc = fire_one(s, cal, wfs, ah, &times, a, j->now, &fired, &stale, &err)) != 0) {
            held = (rc = chunk_undo(s, j, l, &err)) == 0;
            careful = 1;
            redo = i;
            i = 0;
        }
        if (fired)
            json_array_append_new(j->alerts, fired);
    }
    j->more = l->next < l->count ? l->alerts[l->next].due_at <= j->now : l->full;
    if (ah && !j->more && ah->instant && ah->instant <= j->now && !j->ahead)
        cf__ahead_reset(ah, 0); /* the instant is fired: what is left is stale */
    if (ah)
        ah->keep = 0;
    cf__fire_times_dispose(&times);
    if (l == &own)
        free(own.alerts);
    if (rc >= 0) { /* the webhook deliveries they owe, in the same transaction */
        int put = cf__outbox_put(s, j, &err);
        rc = put ? put : rc;
    }
    if (rc < 0) {
        if (held)
            cf_store_savepoint_rollback(s);
        json_array_clear(j->alerts); /* rolled back with the job's savepoint */
        return cf__job_fail(j, rc, err.text);
    }
    cf_store_savepoint_release(s, NULL);
    j->answer = json_pack("{s:I}", "fired", (json_int_t)json_array_size(j->alerts));
    return 0;
}
