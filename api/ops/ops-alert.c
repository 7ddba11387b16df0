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
