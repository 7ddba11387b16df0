/*
 * sched.c -- the deadline scheduler: ONE firing uv_timer, armed for the earliest
 * pending alert in the alerts index.
 *
 * Design. The writer keeps the alerts table current in the same transaction as
 * every case change (cf_store_alerts_sync: each running clock's warning points
 * and its deadline). So the scheduler never looks at cases: after every batch
 * the writer hands back, and at start, it asks the index for MIN(due_at) of the
 * unfired rows (one lookup in the partial index alerts_due) and arms the timer
 * for that instant on the daemon's clock (milliseconds: serve.c). When the timer
 * fires it queues a FIRE job: the writer appends an "alert" event to each due
 * case, marks the rows fired in the same transaction, and hands the fired alerts
 * back for delivery (sched-deliver.c). At start the same lookup finds alerts that
 * fell due while the daemon was down; they fire at once, marked late.
 *
 * Chunks. A FIRE job fires at most cfg.fire_chunk alerts (1024), and stops earlier
 * once it has used its time budget: 2 ms for the first chunk of a firing, doubled
 * for each next one up to 64 ms, or once it has run 2 ms and a request waits for
 * the writer (serve-fire.c). It commits with the writer's batch, which then takes in
 * the requests queued while the chunk ran: they share its commit (serve-writer.c).
 * The due alerts are read a page (1,024) at a time, never a whole instant's million
 * (serve-fire.c, next_due). When a chunk comes back full, the loop queues the next
 * chunk at once, at the then current instant, and delivers this one while the
 * writer writes the next:
 *
 *     timer -> FIRE(chunk 1) -> commit -> FIRE(chunk 2) | deliver 1 -> commit ->
 *     FIRE(chunk 3) | deliver 2 -> ... -> FIRE(chunk k, not full) -> commit ->
 *     deliver k -> re-arm
 *
 * So the first alerts of a second go out after one chunk's work, not after all
 * of them (10,000 due on one second used to wait ~9 s for one transaction), other
 * requests queue between chunks, and a crash between chunks leaves the rest
 * pending for the next start. The cost is a commit (an fsync) per chunk.
 * Rejected: committing inside one job (the writer's batch is one transaction by
 * design: serve-writer.c); firing ahead of the instant and delivering from memory
 * (the event's `at` would come seconds after its commit, and a clock stopped in
 * between would still alert).
 *
 * Reading ahead. A lead before the timer's instant (2 s, and more when many alerts are
 * due at it: cf__sched_lead_ms; at once when it is nearer, unless nearer than
 * CF__PREFETCH_MIN_MS) a second timer queues a PREFETCH
 * job: the writer reads the cases of the alerts due at that instant into its table of
 * cases read ahead (serve-ahead.c, sched-ahead.c), so firing neither waits for the
 * disk nor parses a snapshot. One slice per job, yielding to requests; the next slice
 * is queued when one comes back with more to read and the instant is still ahead.
 * Once per instant; an instant nearer than CF__PREFETCH_MIN_MS fires cold, as before.
 *
 * Firing ahead. Once the read-ahead of an instant is done, and no earlier than
 * CF__FIRE_AHEAD_HOLD_MS before it (fire_ahead_timer), a FIRE job marked `ahead` is
 * queued for it: the writer writes its alerts' rows before the instant in a transaction it
 * holds open, and commits it when the timer fires (cf__sched_fire tells it: cf__writer_go);
 * serve-writer.c says how requests keep the way. The job counts as a firing in flight from
 * then; it comes back as the instant's first chunk (numbered CF__FIRE_AHEAD_CHUNK, so the
 * chunks after it run the whole budget) and the rest follow as ordinary chunks.
 *
 * Invariants: at most one firing timer (and its read-ahead); never armed while a FIRE job is in
 * flight (the last chunk's completion re-arms it, so an alert is never queued twice); nothing fires
 * twice, across restarts too, because fired_at is committed with the event.
 *
 * Rejected: a periodic scan of every open case (cost grows with the number of
 * cases, not with the number of alerts); one timer per clock in a min-heap
 * (memory per case in the daemon, and rebuilt from every case at start).
 */
#include "serve-int.h"

#include <stdlib.h>

/* How long before an instant its alerts' cases are read ahead: CF__PREFETCH_LEAD_MS,
 * and CF__PREFETCH_CASE_US more for each alert due at it (counted once per instant, up
 * to CF__AHEAD_MAX, when the instant is CF__PREFETCH_LEAD_MAX_MS away or nearer), so
 * that a burst's cases are all read, and their rows made, before it: a case read
 * ahead costs the writer ~290,000 instructions (10,000 took 0.75 s at a load average of
 * 7, in slices that yield to requests; a writer given a tenth of a core took longer
 * than a fixed 2 s, and the cases not reached fired cold): 0.5 ms a case leaves a margin
 * of some 6 times; short enough that few change meanwhile. An instant
 * nearer than its lead is read ahead at once, unless it is nearer than
 * CF__PREFETCH_MIN_MS. */
#define CF__PREFETCH_LEAD_MS 2000
#define CF__PREFETCH_CASE_US 500
#define CF__PREFETCH_LEAD_MAX_MS                                                                   \
    (CF__PREFETCH_LEAD_MS + (int64_t)CF__AHEAD_MAX * CF__PREFETCH_CASE_US / 1000)
#define CF__PREFETCH_MIN_MS 200

/* Exported, documented in serve-int.h */
int64_t cf__sched_lead_ms(int due)
{
    if (due < 0)
        due = 0;
    if (due > CF__AHEAD_MAX)
        due = CF__AHEAD_MAX;
    return CF__PREFETCH_LEAD_MS + (int64_t)due * CF__PREFETCH_CASE_US / 1000;
}

static void prefetch_job(cf_serve_t *srv, cf_time_t instant);
static void on_fire_done(cf__job_t *job);

/* The chunk number of a job fired ahead: the chunks after it get the whole budget
 * (serve-fire.c), its alerts having gone out first. */
#define CF__FIRE_AHEAD_CHUNK 5

/* How long before its instant the firing ahead starts at the earliest: from then until
 * the instant the writer holds the database's write lock, and a command-line process
 * writing to the same file waits for it (its busy timeout is 5 s, CF__STORE_BUSY_MS);
 * a burst's read-ahead ends up to 7 s before (cf__sched_lead_ms). 5,000 alerts' rows
 * take ~0.3 s of the writer on a quiet machine: 1.5 s leaves it five times that. */
#define CF__FIRE_AHEAD_HOLD_MS 1500

/* Queues the job that fires instant's alerts ahead of it (the header says why). */
static void fire_ahead_job(cf_serve_t *srv, cf_time_t instant)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return; /* an optimization: without it, the instant fires as before */
    job->kind = CF__JOB_FIRE;
    job->ahead = 1;
    job->now = instant;
    job->if_match = -1;
    job->chunk = CF__FIRE_AHEAD_CHUNK;
    job->done = on_fire_done;
    srv->fire_ahead = job;
    srv->fire_ahead_go = 0;
    cf__writer_submit(srv, job);
}

/* Tells the writer the instant of the job fired ahead came (now), or to give it back
 * (-1): from then it is a firing in flight. */
static cf__job_t *fire_ahead_go(cf_serve_t *srv, cf_time_t now)
{
    srv->fire_ahead_go = 1;
    srv->fires_inflight++;
    cf__writer_go(srv, now);
    return srv->fire_ahead;
}

/* The timer of the firing ahead: instant's cases are read and the hold is near. */
static void on_fire_ahead_timer(uv_timer_t *timer)
{
    cf_serve_t *srv = timer->data;
    if (srv->state == CF__RUNNING && srv->sched_armed_for == srv->fire_ahead_for &&
        !srv->fire_ahead)
        fire_ahead_job(srv, srv->fire_ahead_for);
}

/* Queues the firing ahead of instant no earlier than its hold before it
 * (CF__FIRE_AHEAD_HOLD_MS, cfg.fire_ahead_hold_ms): at once when that is past. */
static void fire_ahead_later(cf_serve_t *srv, cf_time_t instant)
{
    int64_t hold =
        srv->cfg.fire_ahead_hold_ms ? srv->cfg.fire_ahead_hold_ms : CF__FIRE_AHEAD_HOLD_MS;
    int64_t delay = instant * 1000 - cf__serve_now_ms(srv) - hold;
    srv->fire_ahead_for = instant;
    if (delay <= 0)
        fire_ahead_job(srv, instant);
    else
        uv_timer_start(&srv->fire_ahead_timer, on_fire_ahead_timer, (uint64_t)delay, 0);
}

/* A slice of reading ahead came back: the next one is queued while there is more to
 * read and the instant is still ahead (once the timer has fired, firing takes over);
 * after the last, the instant's firing ahead. */
static void on_prefetch_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    srv->m.alerts_prefetched += job->fired;
    int ahead = job->status == 200 && srv->state == CF__RUNNING &&
                srv->sched_armed_for == job->now && !srv->fire_ahead;
    if (ahead && job->more)
        prefetch_job(srv, job->now);
    else if (ahead && !srv->cfg.fire_ahead_off)
        fire_ahead_later(srv, job->now);
    cf__job_free(job);
}

/* Queues one slice of reading ahead for instant (sched.c's header says why). */
static void prefetch_job(cf_serve_t *srv, cf_time_t instant)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return; /* reading ahead is an optimization: without it, alerts fire cold */
    job->kind = CF__JOB_PREFETCH;
    job->now = instant;
    job->if_match = -1;
    job->done = on_prefetch_done;
    cf__writer_submit(srv, job);
}

/* The prefetch timer: the instant is CF__PREFETCH_LEAD_MAX_MS away or nearer. Its
 * alerts are counted (once) for its lead; the read-ahead starts now if the instant is
 * within it, else the timer waits for the rest. */
static void on_prefetch(uv_timer_t *timer)
{
    cf_serve_t *srv = timer->data;
    cf_time_t instant = srv->sched_armed_for;
    if (srv->state != CF__RUNNING || !instant)
        return;
    if (srv->lead_for != instant) {
        int due = 0; /* (a failed count: the base lead) */
        cf_store_alerts_count_at(srv->reader, instant, CF__AHEAD_MAX, &due, NULL);
        srv->lead_for = instant;
        srv->lead_ms =
            srv->cfg.prefetch_lead_ms ? srv->cfg.prefetch_lead_ms : cf__sched_lead_ms(due);
    }
    int64_t delay = instant * 1000 - cf__serve_now_ms(srv);
    if (delay > srv->lead_ms)
        uv_timer_start(&srv->prefetch_timer, on_prefetch, (uint64_t)(delay - srv->lead_ms), 0);
    else
        prefetch_job(srv, srv->prefetched_for = instant);
}

/* Several daemons on one database (srv->shared): the scheduler also looks at the
 * alerts index every CF__SHARED_POLL_MS, for alerts another daemon wrote, and for
 * claims of a daemon that died, free once their lease ran out (store-claim.c). */
#define CF__SHARED_POLL_MS 1000

static void on_shared_poll(uv_timer_t *t)
{
    cf__sched_rearm(t->data);
}

static void on_timer(uv_timer_t *timer)
{
    cf_serve_t *srv = timer->data;
    srv->sched_armed_for = 0;
    cf__sched_fire(srv);
}

static cf__job_t *fire_job(cf_serve_t *srv, unsigned chunk, unsigned fired);

/* A chunk came back committed (or failed): queue the next chunk while chunks come
 * back full, handing the waiting request (the test clock) along, then deliver this
 * one; answer the request after the last. The next chunk is queued first, so the
 * writer writes it while the loop delivers this one (delivery was a tenth of the
 * daemon's time in a burst's profile); the loop still never holds more than
 * one chunk undelivered (it delivers this one before it can see the next), and
 * streams get a loop turn to send between chunks. */
static void on_fire_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    size_t i;
    json_t *a;
    srv->fires_inflight--;
    if (job == srv->fire_ahead)
        srv->fire_ahead = NULL;
    unsigned fired = job->fired + (unsigned)json_array_size(job->alerts);
    cf__job_t *next = NULL;
    srv->m.fire_chunks++;
    if (job->more && job->status == 200 && srv->state == CF__RUNNING &&
        (next = fire_job(srv, job->chunk + 1, fired))) {
        next->link = job->link;
        if (next->link)
            next->link->job = next;
        job->link = NULL;
    }
    json_array_foreach(job->alerts, i, a) {
        srv->m.alerts_fired++;
        srv->m.alerts_late += json_is_true(json_object_get(a, "late"));
    }
    cf__deliver_alerts(srv, job->alerts, job->texts);
    if (job->link) {
        char now[CF_TIME_BUFSZ];
        cf_time_format(job->now, now);
        json_t *answer =
            job->status == 200 || !job->answer ? json_object() : json_incref(job->answer);
        if (job->status == 200)
            json_object_set_new(answer, "fired", json_integer(fired));
        json_object_set_new(answer, "now", json_string(now));
        job->link->job = NULL;
        cf__http_json(job->link->req, srv, job->status ? job->status : 200, answer);
    }
    cf__job_free(job);
}

/* Queues a FIRE job at the current instant: the firing's chunk-th, after `fired` alerts.
 * Everything the writer reads is set before the job is queued: the writer may take it
 * at once (the chunk number set after the queueing was read as 0 by most chunks of a
 * burst, so each ran the first chunk's 2 ms budget: ~330 commits for 10,000 alerts
 * where ~25 were meant). */
static cf__job_t *fire_job(cf_serve_t *srv, unsigned chunk, unsigned fired)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return NULL;
    job->kind = CF__JOB_FIRE;
    job->now = cf__serve_now(srv);
    job->if_match = -1;
    job->chunk = chunk;
    job->fired = fired;
    job->done = on_fire_done;
    srv->fires_inflight++;
    cf__writer_submit(srv, job);
    return job;
}

/* Exported, documented in serve-int.h */
cf__job_t *cf__sched_fire(cf_serve_t *srv)
{
    if (srv->sched_armed_for) {
        uv_timer_stop(&srv->sched_timer);
        uv_timer_stop(&srv->prefetch_timer);
        srv->sched_armed_for = 0;
    }
    uv_timer_stop(&srv->fire_ahead_timer);      /* not queued by now: the instant fires as before */
    if (srv->fire_ahead && !srv->fire_ahead_go) /* written ahead: committed now, or fired */
        return fire_ahead_go(srv, cf__serve_now(srv));
    return fire_job(srv, 0, 0);
}

/* Exported, documented in serve-int.h */
void cf__sched_rearm(cf_serve_t *srv)
{
    cf_time_t due;
    int64_t wait_ms = 0; /* several daemons: how long another's claim on it still runs */
    if (srv->state != CF__RUNNING || srv->fires_inflight || atomic_load(&srv->db_lost))
        return; /* a lost database fires nothing (serve.c): no retry loop on it either */
    if ((srv->shared ? cf_store_alerts_claim_next(srv->reader, srv->node_id, &due, &wait_ms, NULL)
                     : cf_store_alerts_next(srv->reader, &due, NULL)) != 0) {
        uv_timer_stop(&srv->sched_timer);
        uv_timer_stop(&srv->prefetch_timer);
        srv->sched_armed_for = 0;
        return;
    }
    int64_t delay = due * 1000 - cf__serve_now_ms(srv);
    if (delay < wait_ms)
        delay = wait_ms;
    uv_timer_start(&srv->sched_timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
    srv->sched_armed_for = due;
    /* the lead counted for this instant, or the longest until it is counted */
    int64_t lead = srv->lead_for == due        ? srv->lead_ms
                   : srv->cfg.prefetch_lead_ms ? srv->cfg.prefetch_lead_ms
                                               : CF__PREFETCH_LEAD_MAX_MS;
    if (due == srv->fire_ahead_for && !srv->fire_ahead) /* its hold, by the clock now */
        fire_ahead_later(srv, due);
    if (due != srv->prefetched_for && delay > CF__PREFETCH_MIN_MS)
        uv_timer_start(&srv->prefetch_timer, on_prefetch,
                       delay > lead ? (uint64_t)(delay - lead) : 0, 0);
    else
        uv_timer_stop(&srv->prefetch_timer);
}

/* Exported, documented in serve-int.h */
int cf__sched_init(cf_serve_t *srv)
{
    uv_timer_init(&srv->loop, &srv->sched_timer);
    uv_timer_init(&srv->loop, &srv->prefetch_timer);
    uv_timer_init(&srv->loop, &srv->fire_ahead_timer);
    srv->sched_timer.data = srv->prefetch_timer.data = srv->fire_ahead_timer.data = srv;
    if (srv->shared) { /* other daemons write alerts, and die: look again every so often */
        uv_timer_init(&srv->loop, &srv->shared_poll);
        srv->shared_poll.data = srv;
        uv_timer_start(&srv->shared_poll, on_shared_poll, CF__SHARED_POLL_MS, CF__SHARED_POLL_MS);
    }
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__sched_close(cf_serve_t *srv)
{
    if (srv->fire_ahead && !srv->fire_ahead_go) /* written ahead: rolled back, given back */
        fire_ahead_go(srv, -1);
    if (srv->sched_timer.loop)
        uv_close((uv_handle_t *)&srv->sched_timer, NULL);
    if (srv->prefetch_timer.loop)
        uv_close((uv_handle_t *)&srv->prefetch_timer, NULL);
    if (srv->fire_ahead_timer.loop)
        uv_close((uv_handle_t *)&srv->fire_ahead_timer, NULL);
    if (srv->shared_poll.loop)
        uv_close((uv_handle_t *)&srv->shared_poll, NULL);
}
