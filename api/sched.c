/*
 * sched.c -- the deadline scheduler: ONE uv_timer, armed for the earliest
 * pending alert in the alerts index.
 *
 * Design. The writer keeps the alerts table current in the same transaction as
 * every case change (cf_store_alerts_sync: each running clock's warning points
 * and its deadline). So the scheduler never looks at cases: after every batch
 * the writer hands back, and at start, it asks the index for MIN(due_at) of the
 * unfired rows (one lookup in the partial index alerts_due) and arms the timer
 * for that instant on the daemon's clock. When the timer fires it queues a FIRE
 * job: the writer appends an "alert" event to each due case, marks the rows
 * fired in the same transaction, and hands the fired alerts back for delivery
 * (sched-deliver.c). At start the same lookup finds alerts that fell due while
 * the daemon was down; they fire at once, marked late.
 *
 * Invariants: at most one timer; never armed while a FIRE job is in flight (the
 * job's completion re-arms it, so an alert is never queued twice); nothing fires
 * twice, across restarts too, because fired_at is committed with the event.
 *
 * Rejected: a periodic scan of every open case (cost grows with the number of
 * cases, not with the number of alerts); one timer per clock in a min-heap
 * (memory per case in the daemon, and rebuilt from every case at start).
 */
#include "serve-int.h"

#include <stdlib.h>

static void on_timer(uv_timer_t *timer)
{
    cf_serve_t *srv = timer->data;
    srv->sched_armed_for = 0;
    cf__sched_fire(srv);
}

static void on_fire_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    size_t i;
    json_t *a;
    srv->fires_inflight--;
    json_array_foreach(job->alerts, i, a)
    {
        srv->m.alerts_fired++;
        srv->m.alerts_late += json_is_true(json_object_get(a, "late"));
        cf__deliver_alert(srv, a);
    }
    if (job->link) {
        char now[CF_TIME_BUFSZ];
        cf_time_format(job->now, now);
        json_t *answer = job->answer ? json_incref(job->answer) : json_object();
        json_object_set_new(answer, "now", json_string(now));
        job->link->job = NULL;
        cf__http_json(job->link->req, srv, job->status ? job->status : 200, answer);
    }
    cf__job_free(job);
}

/* Exported, documented in serve-int.h */
cf__job_t *cf__sched_fire(cf_serve_t *srv)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return NULL;
    job->kind = CF__JOB_FIRE;
    job->now = cf__serve_now(srv);
    job->if_match = -1;
    job->done = on_fire_done;
    srv->fires_inflight++;
    if (srv->sched_armed_for) {
        uv_timer_stop(&srv->sched_timer);
        srv->sched_armed_for = 0;
    }
    cf__writer_submit(srv, job);
    return job;
}

/* Exported, documented in serve-int.h */
void cf__sched_rearm(cf_serve_t *srv)
{
    cf_time_t due;
    if (srv->state != CF__RUNNING || srv->fires_inflight)
        return;
    if (cf_store_alerts_next(srv->reader, &due, NULL) != 0) {
        uv_timer_stop(&srv->sched_timer);
        srv->sched_armed_for = 0;
        return;
    }
    int64_t delay = due * 1000 - cf__serve_now_ms(srv);
    uv_timer_start(&srv->sched_timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
    srv->sched_armed_for = due;
}

/* Exported, documented in serve-int.h */
int cf__sched_init(cf_serve_t *srv)
{
    uv_timer_init(&srv->loop, &srv->sched_timer);
    srv->sched_timer.data = srv;
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__sched_close(cf_serve_t *srv)
{
    if (srv->sched_timer.loop)
        uv_close((uv_handle_t *)&srv->sched_timer, NULL);
}
