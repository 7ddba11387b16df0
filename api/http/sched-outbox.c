/*
 * sched-outbox.c -- the daemon's side of the webhook outbox (storage/store-outbox.c):
 * every fired alert is delivered to every webhook at least once, with its stable
 * X-Caseflow-Alert-Id, across a daemon's kill or restart and across nodes.
 *
 *   firing (writer thread)  the FIRE job that records the alert events also writes a
 *                           row per (alert, webhook), body and all, leased to this
 *                           daemon (cf__outbox_put: one INSERT per 15 rows, and only
 *                           when webhooks are configured); the ESCALATE job the same
 *                           for its alert.escalated notices (id "<alert_id>:escalated").
 *                           Each text is written here once and handed to the loop
 *                           (job->texts), which sends it as it is;
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
 *   the operator            GET /v1/alerts/deliveries lists the token's agency's rows
 *                           (a reader); POST /v1/alerts/{id}/retry (a head) sets its
 *                           agency's given-up rows of an id pending again, held by this
 *                           daemon, in an OUTBOX job, and the loop posts them at once.
 *                           Both through api/ops/ops-outbox.c, as `caseflow alert
 *                           deliveries` and `alert retry`; a retry from the command line
 *                           holds no lease: the next claim above takes it.
 *
 * What this costs: a row per alert and webhook in the firing transaction, a delete per
 * delivery a second later (21 to a statement), a renewal of this daemon's pending rows
 * every few seconds. What it gives: at least once, never "at most once": a delivery
 * whose 2xx came before a kill, and whose delete had not committed, is made again,
 * with the same id (a receiver de-duplicates on it). Rejected: exactly once (it would
 * need the receiver in the transaction).
 */
#include "chain.h"
#include "ops.h"
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF__OUTBOX_LEASE_MS    10000 /* as the alert claims (serve-fire.c) */
#define CF__OUTBOX_EVERY_MS    1000
#define CF__OUTBOX_CLAIM_EVERY 3   /* ticks: renewals well inside the lease */
#define CF__OUTBOX_CLAIM_MAX   256 /* rows claimed by one job (more: the next at once) */

/* ---- writer thread ---------------------------------------------------------------------- */

/* The texts of j->alerts, one after another, each NUL-ended, in one buffer (new, or NULL
 * when out of memory); OUT at[i]: where the i-th begins. */
static char *texts_of(const cf__job_t *j, size_t n, size_t *at)
{
    cf__jsonw_t w = {0};
    for (size_t i = 0; i < n; i++) {
        at[i] = w.len;
        cf__jsonw_value(&w, json_array_get(j->alerts, i), 0); /* as json_dumps(COMPACT) */
        cf__jsonw_raw(&w, "", 1);
    }
    return cf__jsonw_finish(&w);
}

/* The rows owed for alert (delivery id id) to every webhook, at rows. */
static size_t rows_for(const cf_serve_t *srv, const json_t *alert, const char *id, const char *text,
                       cf_delivery_t *rows)
{
    const char *agency = json_string_value(json_object_get(alert, "agency"));
    for (unsigned k = 0; k < srv->cfg.webhooks_count; k++)
        rows[k] = (cf_delivery_t){
            .alert_id = id, .url = srv->cfg.webhooks[k], .body = text, .agency = agency};
    return srv->cfg.webhooks_count;
}

/* Exported, documented in serve-int.h */
int cf__outbox_put(cf_store_t *s, cf__job_t *j, cf_error_t *err)
{
    return cf__outbox_put_as(s, j, NULL, err);
}

/* Exported, documented in serve-int.h */
int cf__outbox_put_as(cf_store_t *s, cf__job_t *j, const char *suffix, cf_error_t *err)
{
    cf_serve_t *srv = j->srv;
    size_t n = j->alerts ? json_array_size(j->alerts) : 0, count = 0;
    if (!srv || !srv->cfg.webhooks_count || !n)
        return 0;
    size_t *at = calloc(n, sizeof(*at));
    char **ids = suffix ? calloc(n, sizeof(*ids)) : NULL;
    cf_delivery_t *rows = calloc(n * srv->cfg.webhooks_count, sizeof(*rows));
    char *texts = at ? texts_of(j, n, at) : NULL;
    int rc = texts && rows && (ids || !suffix) ? 0 : CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *alert = json_array_get(j->alerts, i);
        const char *id = json_string_value(json_object_get(alert, "alert_id"));
        if (id && suffix && (ids[i] = malloc(strlen(id) + strlen(suffix) + 1)) != NULL)
            id = strcat(strcpy(ids[i], id), suffix);
        else if (id && suffix)
            rc = CF_ENOMEM;
        if (id && rc == 0)
            count += rows_for(srv, alert, id, texts + at[i], rows + count);
    }
    if (rc == 0)
        rc =
            cf_store_deliveries_add(s, srv->node_id, CF__OUTBOX_LEASE_MS, j->now, rows, count, err);
    else
        cf_error_set(err, rc, NULL, 0, 0, "out of memory");
    if (rc == 0) { /* the loop sends these texts as they are (cf__deliver_alerts) */
        free(j->texts);
        j->texts = texts;
        texts = NULL;
    }
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
    free(texts);
    free(at);
    free(rows);
    return rc;
}

/* The rows of a list [[alert_id, url, agency, attempts?], ...] (borrowed from it). OUT *n. */
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
                            .agency = json_string_value(json_array_get(r, 2)),
                            .attempts = (unsigned)json_integer_value(json_array_get(r, 3))};
    }
    return rows;
}

/* The rows as {alert_id, url, body, agency} appended to j->alerts (the loop delivers them). */
static void rows_to_alerts(cf__job_t *j, const cf_delivery_t *rows, int n)
{
    for (int i = 0; i < n; i++)
        json_array_append_new(j->alerts, json_pack("{s:s, s:s, s:s, s:s}", "alert_id",
                                                   rows[i].alert_id, "url", rows[i].url, "body",
                                                   rows[i].body, "agency", rows[i].agency));
}

/* Renews this daemon's leases, then claims rows owed by a daemon gone into j->alerts as
 * {alert_id, url, body, agency}. (The node id is new for every run of a daemon, serve.c: rows
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
    rows_to_alerts(j, rows, n);
    j->more = n == CF__OUTBOX_CLAIM_MAX;
    cf_store_deliveries_free(rows, n);
    return 0;
}

/* An operator's retry (body {retry: delivery id, url?}): j->who's agency's rows given up
 * for that id set pending again, held by this daemon (cf_ops_delivery_retry, the command
 * line's path too), into j->alerts for the loop. */
static int retry(cf_store_t *s, cf__job_t *j)
{
    cf_error_t err;
    cf_ops_t ops = {.store = s, .in_tx = 1};
    cf_ops_retry_t in = {.by = {.actor = j->who.name, .role = j->who.role, .agency = j->who.agency},
                         .alert_id = json_string_value(json_object_get(j->body, "retry")),
                         .url = json_string_value(json_object_get(j->body, "url")),
                         .owner = j->srv->node_id,
                         .lease_ms = CF__OUTBOX_LEASE_MS};
    json_t *answer = NULL;
    int rc = cf_ops_delivery_retry(&ops, &in, &answer, &err);
    if (rc != 0) {
        j->status = cf__http_status(rc);
        j->answer = json_pack("{s:s, s:s}", "error", cf_errname(rc), "text", err.text);
        return rc == CF_ENOTFOUND ? 0 : rc; /* (nothing was written) */
    }
    j->status = 200;
    j->alerts = json_incref(json_object_get(answer, "deliveries"));
    j->answer = answer;
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__job_outbox(cf_store_t *s, cf__job_t *j)
{
    if (json_object_get(j->body, "retry"))
        return retry(s, j);
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
                         json_string_value(json_object_get(r, "agency")),
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
void cf__outbox_ended(cf_serve_t *srv, const char *id, const char *url, const char *agency,
                      unsigned attempts, int delivered)
{
    if (!srv->outbox.done)
        return;
    if (delivered)
        json_array_append_new(srv->outbox.done, json_pack("[s, s, s]", id, url, agency));
    else
        json_array_append_new(srv->outbox.given_up,
                              json_pack("[s, s, s, i]", id, url, agency, (int)attempts));
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

/* ---- the operator's endpoints ------------------------------------------------------------ */

/* Exported, documented in serve-int.h */
void cf__webhook_shown(const char *url, char *out, size_t size)
{
    const char *sep = strstr(url, "://");
    const char *host = sep ? sep + 3 : url;
    size_t hlen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hlen); /* user:password@ is never shown */
    if (at) {
        hlen -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    int scheme = sep ? (int)(sep + 3 - url) : 0;
    char digest[65];
    if (!host[hlen]) {
        snprintf(out, size, "%.*s%.*s", scheme, url, (int)hlen, host);
        return;
    }
    if (cf_chain_sha256_hex(url, strlen(url), digest) != 0)
        digest[0] = '\0';
    snprintf(out, size, "%.*s%.*s/…#%.8s", scheme, url, (int)hlen, host, digest);
}

/* The webhook a client named by its shown form (cf__webhook_shown): one of cfg.webhooks,
 * or url itself when none shows so. Borrowed. */
static const char *webhook_named(const cf_serve_t *srv, const char *url)
{
    char shown[CF__WEBHOOK_SHOWN_MAX];
    for (unsigned i = 0; url && i < srv->cfg.webhooks_count; i++) {
        cf__webhook_shown(srv->cfg.webhooks[i], shown, sizeof(shown));
        if (strcmp(shown, url) == 0)
            return srv->cfg.webhooks[i];
    }
    return url;
}

/* Every "url" of the rows in list (an array of objects) replaced by its shown form. */
static void show_webhooks(json_t *list)
{
    size_t i;
    json_t *row;
    char shown[CF__WEBHOOK_SHOWN_MAX];
    json_array_foreach(list, i, row) {
        const char *url = json_string_value(json_object_get(row, "url"));
        if (url) {
            cf__webhook_shown(url, shown, sizeof(shown));
            json_object_set_new(row, "url", json_string(shown));
        }
    }
}

/* Reader thread: the page of deliveries (r->pending: 0 every state, 1 pending, 2 given up;
 * r->after_id: the cursor), cf_ops_delivery_page (the command line's path too); its next
 * cursor as the X-Next-Cursor. */
static void run_deliveries(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    json_t *list = NULL;
    cf_error_t err;
    (void)wfs;
    cf_ops_deliveries_t q = {.agency = r->who.agency,
                             .state = r->pending == 1   ? "pending"
                                      : r->pending == 2 ? "given_up"
                                                        : NULL,
                             .after_id = r->after_id[0] ? r->after_id : NULL,
                             .limit = r->limit};
    int rc = cf_ops_delivery_page(s, &q, &list, r->next_cursor, sizeof(r->next_cursor), &err);
    if (rc != 0) {
        cf__read_error(r, cf__http_status(rc), cf_errname(rc), err.text);
        return;
    }
    show_webhooks(list); /* a URL's key is the operator's, not every role's */
    cf__read_answer(r, 200, list);
}

/* Exported, documented in serve-int.h */
int cf__http_deliveries(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0;
    int64_t limit = srv->cfg.page_limit_max < 100 ? srv->cfg.page_limit_max : 100;
    const char *state = cf__http_query(req, "state", &bad);
    int which = cf_ops_delivery_state(state) != 0 ? -1
                : !state                          ? 0
                : strcmp(state, "pending") == 0   ? 1
                                                  : 2;
    if (bad || which < 0) {
        cf__http_bad_param(req, srv, "state", "state is \"pending\" or \"given_up\"");
        return 0;
    }
    if (cf__http_query_int(srv, req, "limit", 1, srv->cfg.page_limit_max, &limit) < 0)
        return 0;
    const char *cursor = cf__http_query(req, "cursor", &bad);
    cf__read_t *r = cf__read_new(srv, req, who, run_deliveries);
    if (!r)
        return 0;
    r->pending = which;
    r->limit = (int)limit;
    /* a delivery id holds no space: one here is a '+' the query read as a space
     * (as GET /v1/alerts's cursor) */
    for (size_t i = 0; cursor && cursor[i] && i + 1 < sizeof(r->after_id); i++)
        r->after_id[i] = cursor[i] == ' ' ? '+' : cursor[i];
    if (bad || (cursor && strlen(cursor) >= sizeof(r->after_id))) {
        cf__read_free(r);
        cf__http_bad_param(req, srv, "cursor", "cursor is the X-Next-Cursor of the page before");
        return 0;
    }
    cf__read_submit(r);
    return 0;
}

/* Sends the rows set pending again, then answers. */
static void on_retry_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    size_t i;
    json_t *r;
    json_array_foreach(job->status == 200 ? job->alerts : NULL, i, r) {
        if (srv->state != CF__RUNNING)
            break; /* owed still: released by the last outbox job */
        cf__deliver_hook(srv, json_string_value(json_object_get(r, "url")),
                         json_string_value(json_object_get(r, "alert_id")),
                         json_string_value(json_object_get(r, "agency")),
                         json_string_value(json_object_get(r, "body")), 1);
    }
    if (job->link) {
        job->link->job = NULL;
        json_t *answer = job->status == 200 ? json_deep_copy(job->answer) : job->answer;
        if (answer != job->answer)
            json_decref(job->answer);
        show_webhooks(json_object_get(answer, "deliveries"));
        cf__http_json(job->link->req, srv, answer ? job->status : 500, answer);
        job->answer = NULL;
    }
    cf__job_free(job);
    cf__serve_maybe_finish(srv);
}

/* The retry's body: nothing, or {"url": one of the webhooks}. New object, or NULL after
 * answering 400. */
static json_t *retry_body(cf_serve_t *srv, h2o_req_t *req, const char *id, size_t len)
{
    json_t *in = NULL;
    if (req->entity.len && !(in = cf__http_body(srv, req, " url ")))
        return NULL; /* answered: not JSON, a duplicate key, another field */
    json_t *url = json_object_get(in, "url");
    if (req->entity.len && url && !json_is_string(url)) {
        json_decref(in);
        cf__http_error(req, srv, 400, "EINVAL", "the body is nothing, or {\"url\": \"...\"}");
        return NULL;
    }
    /* the URL as the listing shows it names the configured webhook */
    const char *named = webhook_named(srv, json_string_value(url));
    json_t *body = json_pack("{s:s%, s:s?}", "retry", id, len, "url", named);
    json_decref(in);
    if (!body)
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
    return body;
}

/* Exported, documented in serve-int.h */
int cf__http_retry(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    h2o_iovec_t p = req->path_normalized;
    size_t plen = sizeof("/v1/alerts/") - 1, slen = sizeof("/retry") - 1;
    const char *id = p.base + plen;
    size_t len = p.len - plen - slen;
    char text[160];
    cf_error_t err;
    snprintf(text, sizeof(text), "%.*s", len < sizeof(text) && !memchr(id, 0, len) ? (int)len : 0,
             id);
    cf_ops_retry_t in = {.by = {.role = who->role}, .alert_id = text};
    int rc = cf_ops_delivery_retry_check(&in, &err); /* at the door: before the writer */
    if (rc != 0) {
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
        return 0;
    }
    if (!srv->cfg.webhooks_count) {
        cf__http_error(req, srv, 409, "ECONFLICT",
                       "this daemon has no webhook: retry through one that has");
        return 0;
    }
    json_t *body = retry_body(srv, req, id, len);
    cf__job_t *job = body ? calloc(1, sizeof(*job)) : NULL;
    if (!job || cf__http_link(job, req) != 0) {
        if (body)
            cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        json_decref(body);
        free(job);
        return 0;
    }
    job->kind = CF__JOB_OUTBOX;
    job->body = body;
    job->who = *who;
    job->if_match = -1;
    job->now = cf__serve_now(srv);
    job->done = on_retry_done;
    cf__writer_submit(srv, job);
    return 0;
}
