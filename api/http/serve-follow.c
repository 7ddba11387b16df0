/*
 * serve-follow.c -- the event stream of a daemon that shares its database with
 * others (cfg.shared; issue 24 item 3, docs/deploy.md).
 *
 * Alone on a database, a daemon sends the notices of a change to its streams
 * right after the commit (the writer makes them: serve-jobs.c). With several
 * daemons, a change made through another one never passes through this one's
 * writer. So a shared daemon sends none of its own notices directly; instead it
 * follows the log of all cases every CF__FOLLOW_MS, from the position after the
 * last event it read, in position order, and sends the notice of every opening,
 * transition and extension there, whichever daemon made it. Positions follow
 * commit order (store-follow.c), so a change that committed late is never
 * skipped, and every daemon's streams see the changes in the same order.
 *
 * Rejected: LISTEN/NOTIFY alone (a notification is lost while a daemon's
 * connection is down, so a catch-up read like this one is needed anyway);
 * sending own notices at once and others' from the log (the two race: a change
 * could reach the log reader before the writer's own delivery, and go out twice).
 * The cost: up to CF__FOLLOW_MS more before a change is on the stream, and one
 * read of the log's tail per interval on each daemon.
 *
 * The frame is the one a lone daemon sends (docs/api.md "GET /v1/stream"):
 *     event: TYPE \n id: CASE:SEQ \n data: JSON \n\n
 * JSON being the event without "prev", with the case's version and state right after
 * the change (store.h cf_store_logged_t), as the daemon that made it would say.
 *
 * Fired alerts too: an alert is an event on its case's chain, so every daemon's
 * streams get it from the log, whichever daemon fired it (`event: alert`, the
 * alert's id, the JSON a lone daemon sends: serve-alert-ack.c cf__alert_json, its
 * handlers from the case's facts as the follower reads them). The alert log and the
 * webhooks stay with the daemon that fired it, so that each alert is written and
 * posted once (sched-deliver.c).
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

#define CF__FOLLOW_MS  200
#define CF__FOLLOW_MAX 1000 /* events read at a time; more are read at once after */

/* Sends a fired alert read from the log (ev: its event) to its agency's streams, as a
 * lone daemon sends the alerts it fires (sched-deliver.c): `event: alert`, its id the
 * alert's. The alert log and the webhooks are the firing daemon's alone (once per
 * alert); the streams are every daemon's. */
static void alert_followed(cf_serve_t *srv, const cf_store_logged_t *e, const json_t *ev)
{
    const char *id = json_string_value(json_object_get(ev, "alert_id"));
    json_t *facts = e->facts ? json_loads(e->facts, 0, NULL) : NULL;
    json_t *alert = id ? cf__alert_json(e->agency, e->workflow, facts, ev) : NULL;
    char *data = alert ? json_dumps(alert, JSON_COMPACT) : NULL;
    size_t size = data ? strlen(data) + strlen(id) + 32 : 0;
    char *frame = data ? malloc(size) : NULL;
    if (frame) {
        int n = snprintf(frame, size, "event: alert\nid: %s\ndata: %s\n\n", id, data);
        cf__deliver_frames(srv, e->agency, frame, (size_t)n, 1);
    }
    free(frame);
    free(data);
    json_decref(alert);
    json_decref(facts);
}

/* Sends one followed event's notice (or alert) to its agency's streams. */
static int on_logged(void *ctx, const cf_store_logged_t *e)
{
    cf_serve_t *srv = ctx;
    srv->follow_next = e->pos + 1;
    int alert = e->type && strcmp(e->type, "alert") == 0;
    if (!e->agency || !*e->agency || !e->type ||
        (!alert && strcmp(e->type, "transition") != 0 && strcmp(e->type, "case.opened") != 0 &&
         strcmp(e->type, "clock.extended") != 0))
        return 0;
    json_t *ev = json_loads(e->body ? e->body : "", 0, NULL);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return 0; /* not JSON: an audit reports it; the stream has nothing to say */
    }
    if (alert) {
        alert_followed(srv, e, ev);
        json_decref(ev);
        return 0;
    }
    json_object_del(ev, "prev");
    json_object_set_new(ev, "version", json_integer(e->version));
    json_object_set_new(ev, "state", json_string(e->state ? e->state : ""));
    char *data = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    size_t size = data ? strlen(data) + strlen(e->type) + 64 : 0;
    char *frame = data ? malloc(size) : NULL;
    if (frame) {
        int n = snprintf(frame, size, "event: %s\nid: %lld:%lld\ndata: %s\n\n", e->type,
                         (long long)e->case_id, (long long)e->seq, data);
        cf__deliver_frames(srv, e->agency, frame, (size_t)n, 1);
    }
    free(frame);
    free(data);
    return 0;
}

/* Reads the log from where the follower is, at most 16,000 events (the loop serves
 * too). */
static void follow(cf_serve_t *srv)
{
    if (atomic_load(&srv->db_lost))
        return;
    for (int i = 0; i < 16; i++)
        if (cf_store_log_after(srv->reader, srv->follow_next, CF__FOLLOW_MAX, on_logged, srv,
                               NULL) != CF__FOLLOW_MAX)
            break;
}

static void on_follow(uv_timer_t *t)
{
    cf_serve_t *srv = t->data;
    if (srv->state == CF__RUNNING)
        follow(srv);
}

/* Exported, documented in serve-int.h */
int cf__follow_init(cf_serve_t *srv, cf_error_t *err)
{
    if (!srv->shared)
        return 0;
    int rc = cf_store_log_end(srv->reader, &srv->follow_next, err);
    if (rc != 0)
        return rc;
    uv_timer_init(&srv->loop, &srv->follow_timer);
    srv->follow_timer.data = srv;
    uv_timer_start(&srv->follow_timer, on_follow, CF__FOLLOW_MS, CF__FOLLOW_MS);
    return 0;
}

/* Exported, documented in serve-int.h. A last read first: what committed before the
 * stop (the alerts of a burst just fired, say) reaches the streams before they end,
 * as a lone daemon's own notices do. */
void cf__follow_close(cf_serve_t *srv)
{
    if (!srv->follow_timer.loop)
        return;
    follow(srv);
    uv_close((uv_handle_t *)&srv->follow_timer, NULL);
}
