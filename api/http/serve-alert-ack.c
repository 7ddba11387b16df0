/*
 * serve-alert-ack.c -- alerts for people (issue 22 item 5): a handler acknowledges
 * an alert, and an alert nobody acknowledged within cfg.alert_ack_timeout seconds
 * goes up to the head.
 *
 *   POST /v1/alerts/{alert_id}/ack   (no body)
 *     -> 200 {alert_id, case, acknowledged_by, role, acknowledged_at, version}
 *        and the event alert.acknowledged {alert_id, clock, point, actor, role, at}
 *        on the case's chain, in the same transaction as alerts.acked_at;
 *     404 for another agency's alert or none; 409 when not fired yet or already
 *     acknowledged (the answer names when).
 *   escalation: every second (cfg.alert_ack_timeout set), the loop asks its reader
 *     whether some fired alert is older than the timeout and neither acknowledged
 *     nor escalated (a partial index, one lookup); if so an ESCALATE job writes, for
 *     each (at most CF__ESCALATE_MAX a job), alert.escalated {alert_id, clock, point,
 *     to: "head", fired_at, waited_seconds} on the chain and marks the row; an alert
 *     whose clock no longer runs (stopped, or its deadline moved) is marked without
 *     an event: there is nothing left to escalate. Each escalated alert goes on the
 *     agency's streams as `event: alert.escalated`, with its routing (below).
 *
 * Routing, on the stream's alert, alert.acknowledged and alert.escalated events:
 * case, agency, level ("warning" for a warning point, "breach" for a deadline),
 * handlers (the names of the case's fact officers, or its fact handlers when the
 * workflow declares it), to ("handlers" for a warning, "head" for a breach or an
 * escalation). Streams are per agency, so every browser of the agency receives
 * them and shows each to whom `to` and `handlers` name: the daemon does not know
 * which person holds which token beyond the token's name and role.
 *
 * Each escalation is delivered as an alert is (cf__deliver_event): the streams, a line
 * of the alert log, a POST to every webhook, durable as an alert's: the ESCALATE job
 * writes its outbox rows with the event (sched-outbox.c), so a daemon killed before
 * the POST leaves it owed to the next. Its JSON has "event": "alert.escalated"
 * (a fired alert's has no "event"), and its delivery id (SSE id, X-Caseflow-Alert-Id)
 * is "<alert_id>:escalated", so a receiver that de-duplicates on the alert's id does not
 * drop the escalation as a repeat of the alert.
 *
 * Rejected: escalating inside the scheduler's FIRE job (sched.c arms one timer for
 * the next alert due; an escalation instant would have to join that index, and a
 * FIRE job answers the test clock, which would then wait for escalations too).
 */
#include "ops.h"
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF__ESCALATE_MAX   64
#define CF__ESCALATE_EVERY 1000 /* ms between looks */

/* ---- routing -------------------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
json_t *cf__alert_handlers(const cf_case_t *c)
{
    return cf__alert_handlers_in(c->facts);
}

/* Exported, documented in serve-int.h */
json_t *cf__alert_handlers_in(const json_t *facts)
{
    json_t *names = json_array();
    const json_t *list = json_object_get(facts, "handlers");
    if (!json_is_array(list))
        list = json_object_get(facts, "officers");
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o) {
        const json_t *name = json_is_string(o) ? o : json_object_get(o, "name");
        if (json_is_string(name))
            json_array_append(names, (json_t *)name);
    }
    return names;
}

/* Exported, documented in serve-int.h */
const char *cf__alert_level(const char *point)
{
    return point && strcmp(point, "deadline") == 0 ? "breach" : "warning";
}

/* Exported, documented in serve-int.h */
json_t *cf__alert_json(const char *agency, const char *workflow, const json_t *facts,
                       const json_t *ev)
{
    /* the event's values by reference, in its order, key by key: cheaper than a copy
     * with keys taken out and put back (a burst fires thousands: docs/performance.md) */
    static const char *const kept[] = {"seq",  "clock",    "point",       "deadline", "due_at",
                                       "late", "alert_id", "provisional", "case",     "hash"};
    json_t *o = json_object();
    int bad = !o;
    for (size_t i = 0; !bad && i < sizeof(kept) / sizeof(kept[0]); i++) {
        json_t *v = json_object_get(ev, kept[i]);
        bad = v && json_object_set_nocheck(o, kept[i], v) != 0;
    }
    /* routing for the people who must act */
    const char *level = cf__alert_level(json_string_value(json_object_get(ev, "point")));
    if (bad || json_object_set_nocheck(o, "fired_at", json_object_get(ev, "at")) ||
        json_object_set_new_nocheck(o, "workflow", json_string(workflow ? workflow : "")) ||
        json_object_set_new_nocheck(o, "agency", agency ? json_string(agency) : json_null()) ||
        json_object_set_new_nocheck(o, "level", json_string_nocheck(level)) ||
        json_object_set_new_nocheck(o, "handlers", cf__alert_handlers_in(facts)) ||
        json_object_set_new_nocheck(
            o, "to", json_string_nocheck(strcmp(level, "breach") == 0 ? "head" : "handlers"))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the writer's side ---------------------------------------------------------------------- */

static int answer_error(cf__job_t *j, int status, const char *name, const char *text)
{
    j->status = status;
    j->answer = json_pack("{s:s, s:s}", "error", name, "text", text);
    return -1;
}

/* One SSE frame for event type with data (consumed), appended to j->notices. */
static void add_notice(cf__job_t *j, const char *type, const char *id, json_t *data)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    size_t need = text ? strlen(text) + strlen(type) + strlen(id) + 32 : 0;
    char *grown = text ? realloc(j->notices, j->notices_len + need) : NULL;
    if (grown) {
        j->notices = grown;
        j->notices_len += (size_t)snprintf(grown + j->notices_len, need,
                                           "event: %s\nid: %s\ndata: %s\n\n", type, id, text);
        j->notice_count++;
    }
    free(text);
}

/* The case of alert a as c, if it is agency's (agency NULL: any); 0, or a CF_E*. */
static int alert_case(cf_store_t *s, const cf_alert_t *a, const char *agency, char *owner,
                      size_t size, cf_case_t *c, cf_error_t *err)
{
    if (cf_store_case_agency(s, a->case_id, owner, size, NULL) != 0)
        owner[0] = '\0';
    if (agency && strcmp(owner, agency) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no alert %s", a->id);
    return cf_store_case_get(s, a->case_id, c, err);
}

/* Appends one event of type for alert a to c, at the daemon's now (never before the
 * case's last event); fields are added to it (consumed). OUT *at. */
static int append(cf_store_t *s, cf_case_t *c, const cf_alert_t *a, const char *type,
                  const char *actor, const char *role, cf_time_t now, json_t *fields, cf_time_t *at,
                  cf_error_t *err)
{
    char when[CF_TIME_BUFSZ];
    *at = now < c->updated_at ? c->updated_at : now;
    cf_time_format(*at, when);
    json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq",
                           (json_int_t)(c->version + 1), "type", type, "at", when, "actor", actor,
                           "role", role, "alert_id", a->id, "clock", a->clock, "point", a->point);
    json_t *events = json_array();
    int rc =
        ev && events && json_object_update(ev, fields) == 0 && json_array_append(events, ev) == 0
            ? cf_store_case_append_tx(s, c, events, err)
            : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    json_decref(fields);
    json_decref(ev);
    json_decref(events);
    return rc;
}

/* Exported, documented in serve-int.h */
int cf__job_ack(cf_store_t *s, cf__job_t *j)
{
    cf_ops_t ops = {.store = s, .in_tx = 1};
    cf_ops_ack_t in = {.by = {.actor = j->who.name,
                              .role = j->who.role,
                              .agency = j->who.agency,
                              .now = j->now,
                              .if_match = -1},
                       .alert_id = json_string_value(json_object_get(j->body, "alert_id"))};
    cf_alert_t a;
    cf_ops_out_t out;
    char owner[128], when[CF_TIME_BUFSZ];
    cf_ops_out_init(&out);
    int rc = cf_ops_alert_ack(&ops, &in, &a, &out); /* the command line's path too */
    if (rc != 0) {
        answer_error(j, cf__http_status(rc), cf_errname(rc), out.err.text);
        cf_ops_out_dispose(&out);
        return -1;
    }
    const cf_case_t *c = &out.c;
    snprintf(when, sizeof(when), "%s",
             json_string_value(json_object_get(json_array_get(out.events, 0), "at")));
    snprintf(owner, sizeof(owner), "%s", j->who.agency); /* the case is the asker's agency's */
    j->status = 200;
    j->case_id = c->id;
    j->answer = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "alert_id", a.id, "case",
                          (json_int_t)c->id, "acknowledged_by", j->who.name, "role", j->who.role,
                          "acknowledged_at", when, "version", (json_int_t)c->version);
    char frame_id[200];
    snprintf(frame_id, sizeof(frame_id), "%lld:%lld", (long long)c->id, (long long)c->version);
    add_notice(j, "alert.acknowledged", frame_id,
               json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I}", "alert_id", a.id,
                         "case", (json_int_t)c->id, "clock", a.clock, "level",
                         cf__alert_level(a.point), "actor", j->who.name, "role", j->who.role,
                         "handlers", cf__alert_handlers(c), "agency", owner, "at", when, "version",
                         (json_int_t)c->version));
    cf_ops_out_dispose(&out);
    return 0;
}

/* Escalates alert a (or marks it moot): 0 with *out (new, or NULL when moot). */
static int escalate_one(cf_store_t *s, const cf_alert_t *a, cf_time_t now, json_t **out,
                        cf_error_t *err)
{
    cf_case_t c;
    char owner[128], fired[CF_TIME_BUFSZ], when[CF_TIME_BUFSZ];
    *out = NULL;
    int rc = alert_case(s, a, NULL, owner, sizeof(owner), &c, err);
    if (rc != 0)
        return rc;
    const cf_clock_rt_t *k = cf_case_clock(&c, a->clock);
    if (!k || k->state != CF_CLOCK_RUNNING || k->deadline != a->deadline) {
        cf_case_dispose(&c);
        return cf_store_alert_escalated(s, a->id, now, err); /* moot: nothing to escalate */
    }
    cf_time_t at;
    cf_time_format(a->fired_at, fired);
    rc = append(s, &c, a, "alert.escalated", "caseflow", "system", now,
                json_pack("{s:s, s:s, s:I}", "to", "head", "fired_at", fired, "waited_seconds",
                          (json_int_t)(now - a->fired_at)),
                &at, err);
    if (rc == 0)
        rc = cf_store_alert_escalated(s, a->id, at, err);
    cf_time_format(at, when);
    if (rc == 0)
        *out = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I}", "event",
                         "alert.escalated", "alert_id", a->id, "case", (json_int_t)c.id, "clock",
                         a->clock, "point", a->point, "level", cf__alert_level(a->point), "to",
                         "head", "handlers", cf__alert_handlers(&c), "agency", owner, "fired_at",
                         fired, "escalated_at", when, "version", (json_int_t)c.version);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in serve-int.h */
int cf__job_escalate(cf_store_t *s, cf__job_t *j, unsigned timeout)
{
    cf_alert_t due[CF__ESCALATE_MAX];
    cf_error_t err;
    int n = cf_store_alerts_unacked(s, j->now - (cf_time_t)timeout, due, CF__ESCALATE_MAX, &err);
    j->status = 200;
    if (n < 0 || !(j->alerts = json_array()))
        return answer_error(j, 500, "ESTORE", n < 0 ? err.text : "out of memory");
    for (int i = 0; i < n; i++) {
        json_t *out = NULL;
        if (cf_store_savepoint(s, &err) != 0)
            break;
        if (escalate_one(s, &due[i], j->now, &out, &err) == 0) {
            cf_store_savepoint_release(s, NULL);
        } else { /* a case that cannot be read must not hold up the others */
            cf_store_savepoint_rollback(s);
            cf_store_alert_escalated(s, due[i].id, j->now, NULL);
            cf__log("error", "escalation",
                    json_pack("{s:s, s:s}", "alert_id", due[i].id, "text", err.text));
        }
        if (out)
            json_array_append_new(j->alerts, out);
    }
    /* the notices' webhook deliveries, owed from this transaction on (sched-outbox.c) */
    int rc = cf__outbox_put_as(s, j, CF__ESCALATED_SUFFIX, &err);
    if (rc != 0) {
        json_array_clear(j->alerts); /* rolled back with the job: escalated at the next look */
        return answer_error(j, cf__http_status(rc), cf_errname(rc), err.text);
    }
    j->more = n == CF__ESCALATE_MAX;
    return 0;
}

/* ---- the loop's side ------------------------------------------------------------------------ */

static void on_ack_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    if (job->notices && job->status == 200)
        cf__deliver_frames(srv, job->who.agency, job->notices, job->notices_len, job->notice_count);
    if (job->link) {
        h2o_req_t *req = job->link->req;
        job->link->job = NULL;
        cf__http_json(req, srv, job->status, job->answer);
        job->answer = NULL;
    }
    cf__job_free(job);
}

/* 1 if id is an alert id's shape: "<case>:<clock>:<point>:<due>", printable ASCII. */
static int alert_id_ok(const char *id, size_t len)
{
    if (len == 0 || len >= sizeof(((cf_alert_t *)0)->id))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (id[i] <= ' ' || id[i] > '~' || id[i] == '/' || id[i] == '%')
            return 0;
    return id[0] >= '1' && id[0] <= '9';
}

/* Exported, documented in serve-int.h */
int cf__http_ack(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    h2o_iovec_t p = req->path_normalized;
    size_t plen = sizeof("/v1/alerts/") - 1, slen = sizeof("/ack") - 1;
    const char *id = p.base + plen;
    size_t len = p.len - plen - slen;
    if (!alert_id_ok(id, len)) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such alert");
        return 0;
    }
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job || !(job->body = json_pack("{s:s%}", "alert_id", id, len)) ||
        cf__http_link(job, req) != 0) {
        if (job)
            json_decref(job->body);
        free(job);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    job->kind = CF__JOB_ACK;
    job->who = *who;
    job->if_match = -1;
    job->now = cf__serve_now(srv);
    job->done = on_ack_done;
    cf__writer_submit(srv, job);
    return 0;
}

/* Sends each escalated alert to its agency's streams, the log and the webhooks (its text
 * as the outbox stored it, when webhooks are configured). */
static void on_escalate_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    size_t i;
    json_t *a;
    const char *text = job->texts;
    json_array_foreach(job->alerts, i, a) {
        char id[sizeof(((cf_alert_t *)0)->id) + 16];
        snprintf(id, sizeof(id), "%s" CF__ESCALATED_SUFFIX,
                 json_string_value(json_object_get(a, "alert_id")));
        cf__deliver_event(srv, "alert.escalated", id, a, text);
        if (text)
            text += strlen(text) + 1;
    }
    srv->escalate_busy = 0;
    if (job->more && srv->state == CF__RUNNING)
        uv_timer_start(&srv->escalate_timer, srv->escalate_timer.timer_cb, 0, CF__ESCALATE_EVERY);
    cf__job_free(job);
    cf__serve_maybe_finish(srv);
}

static void on_escalate_timer(uv_timer_t *t)
{
    cf_serve_t *srv = t->data;
    cf_alert_t one;
    cf_time_t now = cf__serve_now(srv);
    if (srv->escalate_busy || srv->state != CF__RUNNING ||
        cf_store_alerts_unacked(srv->reader, now - (cf_time_t)srv->cfg.alert_ack_timeout, &one, 1,
                                NULL) != 1)
        return;
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return;
    job->kind = CF__JOB_ESCALATE;
    job->now = now;
    job->if_match = -1;
    job->done = on_escalate_done;
    srv->escalate_busy = 1;
    cf__writer_submit(srv, job);
}

/* Exported, documented in serve-int.h */
void cf__escalate_init(cf_serve_t *srv)
{
    if (!srv->cfg.alert_ack_timeout)
        return;
    uv_timer_init(&srv->loop, &srv->escalate_timer);
    srv->escalate_timer.data = srv;
    uv_timer_start(&srv->escalate_timer, on_escalate_timer, CF__ESCALATE_EVERY, CF__ESCALATE_EVERY);
}

/* Exported, documented in serve-int.h */
void cf__escalate_close(cf_serve_t *srv)
{
    if (srv->escalate_timer.loop && !uv_is_closing((uv_handle_t *)&srv->escalate_timer))
        uv_close((uv_handle_t *)&srv->escalate_timer, NULL);
}
