/*
 * ops-alert.c -- a person acknowledges a fired alert (issue 22 item 5), from the
 * command line (`caseflow alert ack ALERT_ID`) and the API (POST
 * /v1/alerts/{alert_id}/ack) alike (issue 17 item 3: each front end does what the
 * other does, through one path). See ops.h.
 *
 *   the alert (fired, not yet acknowledged) -> its case (the asker's agency's) ->
 *   the event alert.acknowledged {alert_id, clock, point, escalated} appended and the
 *   alert marked, in one transaction
 *
 * The event is dated at by.now, never before the case's last event (an acknowledgement
 * is entered when it is made: no --at). The daemon's escalation (serve-alert-ack.c)
 * writes its own event, alert.escalated, which no person asks for.
 *
 * The list of an agency's alerts (GET /v1/alerts, `caseflow alert list`), a page at a
 * time, each fired one with who acknowledged it and when, and when it was escalated.
 */
#include "ops-int.h"

#include <stdio.h>
#include <string.h>

/* The case of alert a as c, if by may see it (by->agency NULL: any case). */
static int alert_case(cf_store_t *s, const cf_alert_t *a, const cf_ops_by_t *by, cf_case_t *c,
                      cf_error_t *err)
{
    char owner[128];
    if (cf_store_case_agency(s, a->case_id, owner, sizeof(owner), NULL) != 0)
        owner[0] = '\0';
    if (by->agency && strcmp(owner, by->agency) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no alert %s", a->id);
    return cf_store_case_get(s, a->case_id, c, err);
}

/* [alert.acknowledged] for a on c, at. New, or NULL (out of memory). */
static json_t *ack_events(const cf_case_t *c, const cf_alert_t *a, const cf_alert_ack_t *ack,
                          const cf_ops_by_t *by, cf_time_t at)
{
    char when[CF_TIME_BUFSZ];
    cf_time_format(at, when);
    return json_pack("[{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}]", "seq",
                     (json_int_t)(c->version + 1), "type", "alert.acknowledged", "at", when,
                     "actor", by->actor ? by->actor : "", "role", by->role ? by->role : "",
                     "alert_id", a->id, "clock", a->clock, "point", a->point, "escalated",
                     ack->escalated_at != 0);
}

/* Exported, documented in ops.h */
int cf_ops_alert_ack(cf_ops_t *ops, const cf_ops_ack_t *in, cf_alert_t *a, cf_ops_out_t *out)
{
    cf_error_t *err = &out->err;
    cf_alert_ack_t ack;
    cf_case_t c;
    char when[CF_TIME_BUFSZ];
    if (!in->alert_id || !in->by.role)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "an alert id and a role are needed");
    if (cf__ops_who(&in->by, err) != 0)
        return CF_EINVAL;
    int rc = cf_store_alert_get(ops->store, in->alert_id, a, &ack, err);
    if (rc == 0)
        rc = alert_case(ops->store, a, &in->by, &c, err);
    if (rc != 0)
        return rc;
    if (!a->fired_at || ack.acked_at) {
        cf_time_format(ack.acked_at, when);
        cf_case_dispose(&c);
        return ack.acked_at
                   ? cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "alert %s was acknowledged at %s",
                                  a->id, when)
                   : cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "the alert has not fired yet");
    }
    cf_time_t at = in->by.now < c.updated_at ? c.updated_at : in->by.now;
    json_t *events = ack_events(&c, a, &ack, &in->by, at);
    rc = events ? 0 : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == 0 && !ops->in_tx)
        rc = cf_store_tx_begin(ops->store, err);
    int began = rc == 0 && !ops->in_tx;
    if (rc == 0)
        rc = cf_store_case_append_tx(ops->store, &c, events, err);
    if (rc == 0)
        rc = cf_store_alert_ack(ops->store, a->id, at, err);
    if (began && rc == 0)
        rc = cf_store_tx_commit(ops->store, err);
    if (began && rc != 0)
        cf_store_tx_rollback(ops->store);
    if (rc != 0) {
        json_decref(events);
        cf_case_dispose(&c);
        return rc;
    }
    out->c = c; /* moved */
    out->has_case = 1;
    out->events = events;
    return 0;
}

/* ---- the list: GET /v1/alerts, `caseflow alert list` ---------------------------------------- */

/* Who acknowledged fired alert row (issue 22), from the case's
 * alert.acknowledged event; *events caches the events of case *events_case. */
static const char *acked_by(cf_store_t *s, json_t *row, json_t **events, int64_t *events_case)
{
    int64_t id = json_integer_value(json_object_get(row, "case"));
    if (*events_case != id) {
        json_decref(*events);
        *events = NULL;
        *events_case = id;
        if (cf_store_case_events(s, id, events, NULL) != 0)
            *events = NULL;
    }
    const char *alert = json_string_value(json_object_get(row, "alert_id"));
    size_t i;
    json_t *ev;
    json_array_foreach(*events, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        const char *of = json_string_value(json_object_get(ev, "alert_id"));
        if (type && of && strcmp(type, "alert.acknowledged") == 0 && strcmp(of, alert) == 0)
            return json_string_value(json_object_get(ev, "actor"));
    }
    return NULL;
}

/* On each fired row of list, acknowledged_by and acknowledged_at (null
 * when nobody has) and escalated_at (null when not escalated); with unacked, the rows
 * acknowledged are dropped. */
static void ack_fields(cf_store_t *s, json_t *list, int unacked)
{
    json_t *events = NULL, *row;
    int64_t events_case = 0;
    for (size_t i = 0; i < json_array_size(list);) {
        row = json_array_get(list, i);
        cf_alert_t a;
        cf_alert_ack_t ack = {0, 0};
        if (!json_object_get(row, "fired_at") ||
            cf_store_alert_get(s, json_string_value(json_object_get(row, "alert_id")), &a, &ack,
                               NULL) != 0) {
            i++;
            continue;
        }
        if (unacked && ack.acked_at) {
            json_array_remove(list, i);
            continue;
        }
        const char *by = ack.acked_at ? acked_by(s, row, &events, &events_case) : NULL;
        char when[CF_TIME_BUFSZ];
        json_object_set_new(row, "acknowledged_by", by ? json_string(by) : json_null());
        cf_time_format(ack.acked_at, when);
        json_object_set_new(row, "acknowledged_at", ack.acked_at ? json_string(when) : json_null());
        cf_time_format(ack.escalated_at, when);
        json_object_set_new(row, "escalated_at",
                            ack.escalated_at ? json_string(when) : json_null());
        i++;
    }
    json_decref(events);
}

/* Exported, documented in ops.h */
int cf_ops_alert_state(const char *state, int *pending, int *unacked)
{
    *unacked = state && strcmp(state, "unacknowledged") == 0; /* fired, nobody acked */
    *pending = !state                          ? 0
               : strcmp(state, "pending") == 0 ? 1
               : strcmp(state, "fired") == 0   ? -1
               : *unacked                      ? -1
                                               : 2;
    return *pending == 2 ? CF_EINVAL : 0;
}

/* Exported, documented in ops.h */
int cf_ops_alert_cursor(const char *text, cf_time_t *due, char *id, size_t size)
{
    return text ? cf_store_alert_id_canon(text, due, id, size) : CF_EINVAL;
}

/* Exported, documented in ops.h */
int cf_ops_alert_page(cf_store_t *s, const cf_ops_alerts_t *q, json_t **rows, char *next,
                      size_t size, cf_error_t *err)
{
    char agency[128];
    if (q->agency)
        snprintf(agency, sizeof(agency), "%s", q->agency);
    else if (cf_store_setting_get(s, CF_SETTING_AGENCY, agency, sizeof(agency), NULL) != 0)
        agency[0] = '\0'; /* no default: cases opened without an agency, which have no alerts
                              listed by agency */
    size_t want = (size_t)q->limit + 1; /* one more: whether a next page follows */
    cf_time_t due = q->after_due;
    char after[160];
    snprintf(after, sizeof(after), "%s", q->after_id ? q->after_id : "");
    next[0] = '\0';
    json_t *out = json_array();
    int rc = out ? 0 : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    while (rc == 0) {
        json_t *list;
        rc = cf_store_alert_page_by(s, agency, q->handler, q->pending, due, after[0] ? after : NULL,
                                    (int)want, &list, err);
        if (rc != 0)
            break;
        size_t got = json_array_size(list);
        json_t *last = got ? json_array_get(list, got - 1) : NULL;
        if (last && cf_store_alert_id_canon(json_string_value(json_object_get(last, "alert_id")),
                                            &due, after, sizeof(after)) != 0)
            got = 0; /* not an id of ours: read no further */
        /* with unacked, read on past the acknowledged ones */
        ack_fields(s, list, q->unacked);
        size_t i;
        json_t *row;
        json_array_foreach(list, i, row) {
            if (json_array_size(out) < want)
                json_array_append(out, row);
        }
        json_decref(list);
        if (got < want || json_array_size(out) >= want)
            break;
    }
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    if (json_array_size(out) > (size_t)q->limit) {
        json_array_remove(out, (size_t)q->limit);
        json_t *last = json_array_get(out, (size_t)q->limit - 1);
        snprintf(next, size, "%s", json_string_value(json_object_get(last, "alert_id")));
    }
    *rows = out;
    return 0;
}
