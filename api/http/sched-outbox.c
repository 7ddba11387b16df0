/*
 * sched-outbox.c -- the daemon's side of the webhook outbox (storage/store-outbox.c):
 * every fired alert is delivered to every webhook at least once, with its stable
 * X-Caseflow-Alert-Id, across a daemon's kill or restart and across nodes.
 *
 *   firing (writer thread)  the FIRE job that records the alert events also writes a
 *                           row per (alert, webhook), body and all, leased to this
 *                           daemon (cf__outbox_put: one INSERT per 16 rows, and only
 *                           when webhooks are configured);
 *   delivering (loop)       from memory as before (sched-deliver.c); a delivery that
 *                           ends (2xx, or attempts used up) is queued here;
 *   every CF__OUTBOX_EVERY_MS  one OUTBOX job deletes the delivered rows and marks the
 *                           given-up ones (batched: never a write per delivery on the
 *                           writer's hot path), and every CF__OUTBOX_CLAIM_EVERY-th
 *                           tick (and at start) renews this daemon's leases and claims
 *                           the rows whose lease ran out -- their daemon was killed --
 *                           or, alone on a SQLite file, every row another process left;
 *                           what it claims is delivered as the alert was, same id;
 *   stopping                the last OUTBOX job flushes what ended and releases the
 *                           rows still owed (the next daemon, or another node, takes
 *                           them at once).
 *
 * What this costs: a row per alert and webhook in the firing transaction, a delete per
 * delivery a second later (32 to a statement), a renewal of this daemon's pending rows
 * every few seconds. What it gives: at least once, never "at most once": a delivery
 * whose 2xx came before a kill, and whose delete had not committed, is made again,
 * with the same id (a receiver de-duplicates on it). Rejected: exactly once (it would
 * need the receiver in the transaction).
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

#define CF__OUTBOX_LEASE_MS    10000 /* as the alert claims (serve-jobs.c) */
#define CF__OUTBOX_EVERY_MS    1000
#define CF__OUTBOX_CLAIM_EVERY 3   /* ticks: renewals well inside the lease */
#define CF__OUTBOX_CLAIM_MAX   256 /* rows claimed by one job (more: the next at once) */

/* ---- writer thread ---------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
int cf__outbox_put(cf_store_t *s, cf__job_t *j, cf_error_t *err)
{
    cf_serve_t *srv = j->srv;
    size_t n = j->alerts ? json_array_size(j->alerts) : 0;
    if (!srv || !srv->cfg.webhooks_count || !n)
        return 0;
    unsigned hooks = srv->cfg.webhooks_count;
    char **texts = calloc(n, sizeof(*texts));
    cf_delivery_t *rows = calloc(n * hooks, sizeof(*rows));
    size_t count = 0;
    int rc = texts && rows ? 0 : CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *alert = json_array_get(j->alerts, i);
        const char *id = json_string_value(json_object_get(alert, "alert_id"));
        cf__jsonw_t w = {0};
        cf__jsonw_value(&w, alert, 0); /* the text cf__deliver_alerts sends */
        if (!(texts[i] = cf__jsonw_finish(&w)))
            rc = CF_ENOMEM;
        for (unsigned k = 0; rc == 0 && id && k < hooks; k++)
            rows[count++] =
                (cf_delivery_t){.alert_id = id, .url = srv->cfg.webhooks[k], .body = texts[i]};
    }
    if (rc == 0)
        rc =
            cf_store_deliveries_add(s, srv->node_id, CF__OUTBOX_LEASE_MS, j->now, rows, count, err);
    else
        cf_error_set(err, rc, NULL, 0, 0, "out of memory");
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    free(rows);
    return rc;
}

/* The rows of a list [[alert_id, url, attempts?], ...] (borrowed from it). OUT *n. */
static cf_delivery_t *rows_of(const json_t *list, size_t *n)
{
    size_t i;
    json_t *r;
    *n = 0;
    cf_delivery_t *rows = calloc(json_array_size(list) + 1, sizeof(*rows));
    json_array_foreach(list, i, r) {
        if (!rows)
            break;
        rows[(*n)++] =
            (cf_delivery_t){.alert_id = json_string_value(json_array_get(r, 0)),
                            .url = json_string_value(json_array_get(r, 1)),
                            .attempts = (unsigned)json_integer_value(json_array_get(r, 2))};
    }
    return rows;
}

/* Renews this daemon's leases, then claims rows owed by a daemon gone into j->alerts as
 * {alert_id, url, body}. (The node id is new for every run of a daemon, serve.c: rows
 * under it are the ones this run holds in memory.) */
static int claim(cf_store_t *s, cf__job_t *j, int orphans, cf_error_t *err)
{
    cf_delivery_t *rows = NULL;
    int rc = cf_store_deliveries_renew(s, j->srv->node_id, CF__OUTBOX_LEASE_MS, err);
    int n = rc == 0 ? cf_store_deliveries_claim(s, j->srv->node_id, CF__OUTBOX_LEASE_MS, orphans,
                                                CF__OUTBOX_CLAIM_MAX, &rows, err)
                    : rc;
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        json_array_append_new(j->alerts, json_pack("{s:s, s:s, s:s}", "alert_id", rows[i].alert_id,
                                                   "url", rows[i].url, "body", rows[i].body));
    j->more = n == CF__OUTBOX_CLAIM_MAX;
    cf_store_deliveries_free(rows, n);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__job_outbox(cf_store_t *s, cf__job_t *j)
{
    cf_error_t err;
    size_t nd, ng;
    cf_delivery_t *done = rows_of(json_object_get(j->body, "done"), &nd);
    cf_delivery_t *gone = rows_of(json_object_get(j->body, "given_up"), &ng);
    int rc = done && gone && (j->alerts = json_array())
                 ? 0
                 : cf_error_set(&err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == 0)
        rc = cf_store_deliveries_done(s, done, nd, &err);
    if (rc == 0)
        rc = cf_store_deliveries_give_up(s, gone, ng, &err);
    if (rc == 0 && json_is_true(json_object_get(j->body, "release")))
        rc = cf_store_deliveries_renew(s, j->srv->node_id, 0, &err);
    else if (rc == 0 && json_is_true(json_object_get(j->body, "claim")))
        rc = claim(s, j, json_is_true(json_object_get(j->body, "orphans")), &err);
    free(done);
    free(gone);
    j->status = rc == 0 ? 200 : cf__http_status(rc);
    if (rc != 0)
        cf__log("error", "webhook_outbox", json_pack("{s:s}", "error", err.text));
    return rc;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static void on_outbox_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    size_t i;
    json_t *r;
    srv->outbox.busy = 0;
    if (job->status == 200 && json_is_true(json_object_get(job->body, "claim")))
        srv->outbox.claims++;
    if (job->status != 200) { /* kept for the next job (the database may be away) */
        json_array_extend(srv->outbox.done, json_object_get(job->body, "done"));
        json_array_extend(srv->outbox.given_up, json_object_get(job->body, "given_up"));
    }
    json_array_foreach(job->alerts, i, r) {
        if (srv->state != CF__RUNNING)
            break; /* released by the last job, for whoever comes next */
        srv->outbox.reloaded++;
        cf__deliver_hook(srv, json_string_value(json_object_get(r, "url")),
                         json_string_value(json_object_get(r, "alert_id")),
                         json_string_value(json_object_get(r, "body")), 1);
    }
    if (job->more && job->status == 200 && srv->state == CF__RUNNING)
        uv_timer_start(&srv->outbox.timer, srv->outbox.timer.timer_cb, 0, CF__OUTBOX_EVERY_MS);
    cf__job_free(job);
    cf__serve_maybe_finish(srv);
}

/* Queues an OUTBOX job with what ended since the last one; claim: renew and claim too;
 * release: the daemon stops. */
static void submit(cf_serve_t *srv, int claim, int release)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    json_t *body = job ? json_pack("{s:O, s:O, s:b, s:b, s:b}", "done", srv->outbox.done,
                                   "given_up", srv->outbox.given_up, "claim", claim, "release",
                                   release, "orphans", !srv->shared)
                       : NULL;
    if (!body) {
        free(job);
        return; /* out of memory: kept for the next tick */
    }
    json_decref(srv->outbox.done);
    json_decref(srv->outbox.given_up);
    srv->outbox.done = json_array();
    srv->outbox.given_up = json_array();
    job->kind = CF__JOB_OUTBOX;
    job->body = body;
    job->now = cf__serve_now(srv);
    job->if_match = -1;
    job->done = on_outbox_done;
    srv->outbox.busy = 1;
    cf__writer_submit(srv, job);
}

static void on_outbox_timer(uv_timer_t *t)
{
    cf_serve_t *srv = t->data;
    if (srv->outbox.busy || srv->state != CF__RUNNING || atomic_load(&srv->db_lost))
        return;
    int claim = srv->outbox.ticks++ % CF__OUTBOX_CLAIM_EVERY == 0;
    if (claim || json_array_size(srv->outbox.done) || json_array_size(srv->outbox.given_up))
        submit(srv, claim, 0);
}

/* Exported, documented in serve-int.h */
void cf__outbox_init(cf_serve_t *srv)
{
    if (!srv->cfg.webhooks_count)
        return;
    srv->outbox.done = json_array();
    srv->outbox.given_up = json_array();
    uv_timer_init(&srv->loop, &srv->outbox.timer);
    srv->outbox.timer.data = srv;
    uv_timer_start(&srv->outbox.timer, on_outbox_timer, 0, CF__OUTBOX_EVERY_MS);
}

/* Exported, documented in serve-int.h */
void cf__outbox_ended(cf_serve_t *srv, const char *id, const char *url, unsigned attempts,
                      int delivered)
{
    if (!srv->outbox.done)
        return;
    if (delivered)
        json_array_append_new(srv->outbox.done, json_pack("[s, s]", id, url));
    else
        json_array_append_new(srv->outbox.given_up, json_pack("[s, s, i]", id, url, (int)attempts));
}

/* Exported, documented in serve-int.h */
void cf__outbox_shutdown(cf_serve_t *srv)
{
    if (!srv->outbox.timer.loop || uv_is_closing((uv_handle_t *)&srv->outbox.timer))
        return;
    uv_close((uv_handle_t *)&srv->outbox.timer, NULL);
    if (srv->writer.started)
        submit(srv, 0, 1);
    json_decref(srv->outbox.done); /* (submit took them, or they are sent again) */
    json_decref(srv->outbox.given_up);
    srv->outbox.done = srv->outbox.given_up = NULL;
}
