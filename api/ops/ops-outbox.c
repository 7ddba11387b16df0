/*
 * ops-outbox.c -- the webhook deliveries an agency owes or gave up (storage/store-outbox.c),
 * listed and sent again, from the API (GET /v1/alerts/deliveries, POST
 * /v1/alerts/{alert_id}/retry) and the command line (`caseflow alert deliveries`,
 * `caseflow alert retry`) alike (issue 17 item 3: each front end does what the other
 * does, through one path). See ops.h.
 *
 *   the list    one page of the agency's rows, by delivery id then URL; the limit counts
 *               ids (a page holds every webhook's row of the ids it names): limit + 1
 *               ids are read, the rows of the last dropped when it is past the page, and
 *               the page's last id is the next cursor;
 *   the retry   a head's: the agency's given-up rows of one delivery id (to every
 *               webhook, or one) set pending again, attempts 0, held by `owner` for
 *               lease_ms. The daemon holds them itself (its node id, its lease) and posts
 *               them at once; the command line holds none (owner '', lease 0): the rows
 *               are owed with their lease run out, so the next outbox claim of any
 *               running daemon with webhooks takes them (every 3 s, sched-outbox.c), or
 *               the next daemon to start, at once.
 *
 * Rejected: the command line asking a running daemon to post (it would need the
 * daemon's address and a token; the database is what both share). What it costs: a
 * retry from the command line is posted up to 3 s later than one through the API.
 * A retry writes no event: it changes no case (the delivery's id and body stay what
 * they were), so nothing of it is on a chain.
 */
#include "ops-int.h"

#include <stdio.h>
#include <string.h>

/* The agency named, else the database's default (init --agency), else "" (the cases
 * opened without one), into agency (size bytes). */
static void agency_of(cf_store_t *s, const char *named, char *agency, size_t size)
{
    if (named)
        snprintf(agency, size, "%s", named);
    else if (cf_store_setting_get(s, CF_SETTING_AGENCY, agency, size, NULL) != 0)
        agency[0] = '\0';
}

/* Exported, documented in ops.h */
int cf_ops_delivery_state(const char *state)
{
    return !state || strcmp(state, "pending") == 0 || strcmp(state, "given_up") == 0 ? 0
                                                                                     : CF_EINVAL;
}

/* Exported, documented in ops.h */
int cf_ops_delivery_page(cf_store_t *s, const cf_ops_deliveries_t *q, json_t **rows, char *next,
                         size_t size, cf_error_t *err)
{
    char agency[128];
    json_t *list = NULL;
    if (cf_ops_delivery_state(q->state) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "a delivery's state is pending or given_up");
    agency_of(s, q->agency, agency, sizeof(agency));
    int rc = cf_store_deliveries_list(s, agency, q->state, q->after_id, q->limit + 1, &list, err);
    if (rc != 0)
        return rc;
    const char *last = NULL;
    int ids = 0;
    next[0] = '\0';
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(list, i), "alert_id"));
        if (last && strcmp(id, last) == 0)
            continue;
        if (++ids > q->limit) { /* the next page's first id: cut here */
            snprintf(next, size, "%s", last);
            while (json_array_size(list) > i)
                json_array_remove(list, json_array_size(list) - 1);
            break;
        }
        last = id;
    }
    *rows = list;
    return 0;
}

/* Exported, documented in ops.h */
int cf_ops_delivery_retry_check(const cf_ops_retry_t *in, cf_error_t *err)
{
    const char *id = in->alert_id;
    size_t len = id ? strlen(id) : 0;
    if (!in->by.role || strcmp(in->by.role, "head") != 0)
        return cf_error_set(err, CF_EFORBIDDEN, NULL, 0, 0, "only a head sends a delivery again");
    /* printable ASCII, no '/', '%' or space, beginning with the case's id */
    int ok = len > 0 && len < 160 && id[0] >= '1' && id[0] <= '9';
    for (size_t i = 0; ok && i < len; i++)
        ok = id[i] > ' ' && id[i] <= '~' && id[i] != '/' && id[i] != '%';
    return ok ? 0
              : cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no delivery of this id was given up");
}

/* The rows as [{alert_id, url, body, agency}] (new; NULL when out of memory). */
static json_t *rows_json(const cf_delivery_t *rows, int n)
{
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++)
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "alert_id",
                                                  rows[i].alert_id, "url", rows[i].url, "body",
                                                  rows[i].body, "agency", rows[i].agency)) != 0) {
            json_decref(list);
            list = NULL;
        }
    return list;
}

/* Exported, documented in ops.h */
int cf_ops_delivery_retry(cf_ops_t *ops, const cf_ops_retry_t *in, json_t **answer, cf_error_t *err)
{
    char agency[128];
    cf_delivery_t *rows = NULL;
    int rc = cf_ops_delivery_retry_check(in, err);
    if (rc != 0)
        return rc;
    agency_of(ops->store, in->by.agency, agency, sizeof(agency));
    int n = cf_store_deliveries_retry(ops->store, in->owner ? in->owner : "",
                                      in->owner ? in->lease_ms : 0, agency, in->alert_id, in->url,
                                      &rows, err);
    if (n <= 0)
        return n < 0 ? n
                     : cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                                    "no delivery of this id was given up");
    json_t *list = rows_json(rows, n);
    cf_store_deliveries_free(rows, n);
    json_t *out = list ? json_pack("{s:s, s:i, s:o}", "alert_id", in->alert_id, "retried", n,
                                   "deliveries", list)
                       : NULL;
    if (!out)
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    *answer = out;
    return 0;
}
