/*
 * serve-calendar.c -- the daemon and the calendar years loaded while it runs
 * (issue 16, R11): noticing a new calendar version, the readiness answer, and
 * the calendar's metrics.
 *
 * Design. `caseflow calendar load` (store-calendar.c) stores a year, recounts
 * the provisional clocks, rewrites their pending alerts and bumps the one-row
 * calendar_version, in one transaction, from any process. A daemon polls that
 * row on its read connection every cfg.calendar_poll_ms (5 s), and at once on
 * SIGHUP; several daemons sharing a database each notice it alone. On a new
 * version the loop reloads its own calendar (metrics, /readyz), flags the
 * writer's (reloaded by the writer thread before its next batch: a calendar is
 * never swapped under a running job), and re-arms the scheduler from the alerts
 * index, so an alert whose recounted instant has already passed fires at once,
 * marked late like any alert found due after its instant. Rejected: reloading
 * on every request (a read per request for a change made a few times a year)
 * and a notification channel (SQLite has none across processes).
 *
 * From 1 November, while next year is not loaded (cf_calendar_missing_year),
 * the poll logs a warning once a day and /readyz carries it (still ready: the
 * provisional calendar keeps every case going).
 */
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#define CF__CALENDAR_POLL_MS 5000

/* Warns (stderr) about a missing year at most once a day. */
static void warn_missing(cf_serve_t *srv)
{
    cf_time_t now = cf__serve_now(srv);
    int missing = srv->cal ? cf_calendar_missing_year(srv->cal, now) : 0;
    if (!missing || (srv->cal_warned && now - srv->cal_warned < 86400))
        return;
    srv->cal_warned = now;
    fprintf(stderr,
            "caseflow serve: warning: calendar: %d not loaded; deadlines past the last loaded "
            "year are provisional until `caseflow calendar load` stores it\n",
            missing);
}

/* Exported, documented in serve-int.h */
void cf__calendar_check(cf_serve_t *srv)
{
    int64_t version = 0;
    if (srv->state != CF__RUNNING || cf_store_calendar_version(srv->reader, &version, NULL) != 0)
        return;
    if (version != srv->cal_version) {
        cf_calendar_t *fresh = NULL;
        if (cf_store_calendar_load(srv->reader, &fresh, NULL) != 0) {
            fprintf(stderr, "caseflow serve: cannot reload the calendar; keeping the old one\n");
            return;
        }
        cf_calendar_free(srv->cal);
        srv->cal = fresh;
        srv->cal_version = version;
        atomic_store(&srv->writer.cal_stale, 1);
        srv->m.calendar_reloads++;
        cf__sched_rearm(srv); /* recounted alerts, some maybe due already */
    }
    warn_missing(srv);
}

static void on_poll(uv_timer_t *timer)
{
    cf__calendar_check(timer->data);
}

static void on_sighup(uv_signal_t *sig, int signum)
{
    (void)signum;
    sd_notify(0, "RELOADING=1"); /* systemctl reload (packaging/caseflow.service) */
    cf__calendar_check(sig->data);
    sd_notify(0, "READY=1\nSTATUS=calendars checked");
}

/* Exported, documented in serve-int.h */
int cf__calendar_watch_init(cf_serve_t *srv, cf_error_t *err)
{
    unsigned every = srv->cfg.calendar_poll_ms ? srv->cfg.calendar_poll_ms : CF__CALENDAR_POLL_MS;
    int rc = cf_store_calendar_version(srv->reader, &srv->cal_version, err);
    if (rc != 0)
        return rc;
    uv_timer_init(&srv->loop, &srv->cal_timer);
    srv->cal_timer.data = srv;
    uv_timer_start(&srv->cal_timer, on_poll, every, every);
    uv_unref((uv_handle_t *)&srv->cal_timer);
    warn_missing(srv);
    if (!srv->cfg.handle_signals)
        return 0;
    uv_signal_init(&srv->loop, &srv->sighup);
    srv->sighup.data = srv;
    if (uv_signal_start(&srv->sighup, on_sighup, SIGHUP) != 0)
        return cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot handle SIGHUP");
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__calendar_watch_close(cf_serve_t *srv)
{
    if (srv->cal_timer.loop)
        uv_close((uv_handle_t *)&srv->cal_timer, NULL);
    if (srv->sighup.loop)
        uv_close((uv_handle_t *)&srv->sighup, NULL);
}

/* Exported, documented in serve-int.h */
void cf__calendar_reload_writer(cf__writer_t *w)
{
    cf_calendar_t *fresh = NULL;
    if (!atomic_exchange(&w->cal_stale, 0))
        return;
    if (cf_store_calendar_load(w->store, &fresh, NULL) == 0) {
        pthread_rwlock_wrlock(&w->cal_lock); /* the preparer may be deciding with it */
        cf_calendar_free(w->cal);
        w->cal = fresh;
        w->cal_gen++;
        pthread_rwlock_unlock(&w->cal_lock);
    } else {
        atomic_store(&w->cal_stale, 1); /* try again before the next batch */
    }
}

/* The end of the last loaded year (23:59:59+08:00 of 12-31) less now, in seconds. */
static long long horizon_seconds(cf_serve_t *srv)
{
    int last = 0, horizon = 0;
    if (srv->cal)
        cf_calendar_horizon(srv->cal, &last, &horizon);
    if (!last)
        return 0;
    return (long long)(cf_date_end((cf_date_t){last, 12, 31}) - cf__serve_now(srv));
}

/* Exported, documented in serve-int.h */
size_t cf__calendar_metrics(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    int64_t provisional = 0;
    cf_store_clocks_provisional(srv->reader, &provisional, NULL);
    if (len < size)
        len += (size_t)snprintf(
            buf + len, size - len,
            "# HELP caseflow_calendar_horizon_seconds seconds until the end of the last loaded "
            "calendar year (negative: past it; deadlines beyond are provisional)\n"
            "# TYPE caseflow_calendar_horizon_seconds gauge\n"
            "caseflow_calendar_horizon_seconds %lld\n"
            "# HELP caseflow_clocks_provisional running clocks whose deadline is counted on the "
            "provisional calendar\n"
            "# TYPE caseflow_clocks_provisional gauge\n"
            "caseflow_clocks_provisional %lld\n"
            "# HELP caseflow_calendar_reloads_total calendar versions picked up while running\n"
            "# TYPE caseflow_calendar_reloads_total counter\n"
            "caseflow_calendar_reloads_total %llu\n",
            horizon_seconds(srv), (long long)provisional,
            (unsigned long long)srv->m.calendar_reloads);
    return len < size ? len : size;
}
