/*
 * test-serve-outbox.c -- outbox-1.*: the webhook outbox (storage/store-outbox.c,
 * api/http/sched-outbox.c), on SQLite and, through caseflow_unit_pg, PostgreSQL.
 *
 * outbox-1.1 (store_outbox_lease): rows are recorded, leased to their owner and not
 *            claimed by another while the lease runs; released (or orphaned on a
 *            database with one daemon), another claims them with their body; a
 *            delivered row is gone, a given-up one is never claimed again.
 * outbox-1.2 (serve_outbox_restart): an alert fired while the receiver fails, the
 *            daemon stopped before the retry: the next daemon delivers it, with the
 *            same X-Caseflow-Alert-Id and body, and the row is gone after.
 * outbox-1.3 (serve_outbox_delivered_once): a delivered alert is not sent again by
 *            the next daemon (its row was deleted before the first one stopped).
 * outbox-1.4 (serve_outbox_given_up): attempts used up, the row is marked given up and
 *            the next daemon does not send it again.
 * outbox-3.1 (store_outbox_agency): the rows are keyed by agency too: one delivery id and
 *            URL owed by two agencies are two rows; a listing, a retry and a delete reach
 *            the named agency's rows only; rows given up are listed by id, paged.
 * outbox-3.2 (serve_outbox_list_retry): a delivery given up is listed by GET
 *            /v1/alerts/deliveries for its agency only (auditors read it, another agency
 *            sees none); POST /v1/alerts/{id}/retry: 403 but for a head, 404 for another
 *            agency's, 200 for the agency's head: sent again with the same id and body,
 *            and gone once delivered.
 * outbox-3.3 (serve_outbox_escalation_restart): an alert.escalated notice not yet
 *            delivered when its daemon stops is delivered by the next one, with the same
 *            id ("<alert_id>:escalated") and body (it had lived in memory only).
 * outbox-3.4 (store_outbox_texts_once): the firing's outbox rows and the loop's delivery
 *            share one text per alert: cf__outbox_put leaves in job->texts each alert's
 *            JSON (what json_dumps COMPACT writes), the same bytes as its rows' bodies
 *            (one per webhook), and the escalation notices go under "<id>:escalated".
 * outbox-3.5 (store_outbox_migration): a schema-20 outbox (SQLite; 21 on PostgreSQL),
 *            keyed by (alert_id, url), is migrated at open: its rows kept, each with its
 *            case's agency ('' for a case with none), and then keyed by agency too.
 * outbox-2.1 (store_pg_unreachable, issue 24 item 4): a PostgreSQL server that cannot
 *            be reached is CF_EUNAVAILABLE, named EUNAVAILABLE and answered 503 (EBUSY
 *            stays SQLite's write lock held past the busy timeout, also a 503). The
 *            daemon's answer while its server is away is checked end to end by the
 *            crash test (tests/crash/crash-pg.sh, ctest cli_nodes_crash_pg).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h"            /* outbox-2.1: cf__http_status; outbox-3.4: cf__outbox_put */
#include "../storage/store-int.h" /* outbox-3.5: cf__store_exec */
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- outbox-1.1 ----------------------------------------------------------------------------- */

static void counts(const char *db, int64_t want_pending, int64_t want_given_up)
{
    cf_store_t *s;
    cf_error_t err;
    int64_t pending = -1, given_up = -1;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_count(s, &pending, &given_up, &err), 0);
    cf_store_close(s);
    ASSERT_EQ(pending, want_pending);
    ASSERT_EQ(given_up, want_given_up);
}

/* Claims for owner in a transaction of its own; returns the count (rows freed). OUT
 * first_body: the first row's body (size bytes), when any. */
static int claim_as(cf_store_t *s, const char *owner, int orphans, char *first_body, size_t size)
{
    cf_error_t err;
    cf_delivery_t *rows = (cf_delivery_t *)&err; /* untouched on failure, NULL when none */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    int n = cf_store_deliveries_claim(s, owner, 60000, orphans, 10, &rows, &err);
    ASSERT(n >= 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    if (n > 0 && first_body)
        snprintf(first_body, size, "%s", rows[0].body);
    ASSERT(n > 0 ? rows != NULL : rows == NULL);
    cf_store_deliveries_free(rows, n);
    return n;
}

TEST_IMPL(store_outbox_lease)
{
    char db[512], body[64];
    cf_store_t *s;
    cf_error_t err;
    td_db("outbox.db", db, sizeof(db));
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    /* 20 alerts to one URL and one to another: two statements, the second short */
    char ids[21][32], bodies[21][32];
    cf_delivery_t rows[21];
    for (int i = 0; i < 21; i++) {
        snprintf(ids[i], sizeof(ids[i]), "1:filing:warning:%02d", i);
        snprintf(bodies[i], sizeof(bodies[i]), "{\"n\":%d}", i);
        rows[i] =
            (cf_delivery_t){ids[i], i == 20 ? "http://b/" : "http://a/", bodies[i], 0, "甲局"};
    }
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_add(s, "node-a", 60000, 100, rows, 21, &err), 0);
    ASSERT_EQ(cf_store_deliveries_add(s, "node-a", 60000, 100, rows, 1, &err), 0); /* again */
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    int64_t pending = 0;
    ASSERT_EQ(cf_store_deliveries_count(s, &pending, NULL, &err), 0);
    ASSERT_EQ(pending, 21);
    /* node-a holds them: node-b finds none while the lease runs, unless orphans */
    ASSERT_EQ(claim_as(s, "node-b", 0, NULL, 0), 0);
    ASSERT_EQ(claim_as(s, "node-a", 1, NULL, 0), 0); /* its own are not orphans */
    /* one delivered, one given up (never claimed again); node-a stops: released */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_done(s, &rows[0], 1, &err), 0);
    rows[1].attempts = 8;
    ASSERT_EQ(cf_store_deliveries_give_up(s, &rows[1], 1, &err), 0);
    ASSERT_EQ(cf_store_deliveries_renew(s, "node-a", 0, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    int64_t given_up = 0;
    ASSERT_EQ(cf_store_deliveries_count(s, &pending, &given_up, &err), 0);
    ASSERT_EQ(pending, 19);
    ASSERT_EQ(given_up, 1);
    /* node-b takes them, ten at a time, with their bodies; node-c none after */
    ASSERT_EQ(claim_as(s, "node-b", 0, body, sizeof(body)), 10);
    ASSERT_EQ(body[0], '{');
    ASSERT_EQ(claim_as(s, "node-b", 0, NULL, 0), 9);
    ASSERT_EQ(claim_as(s, "node-c", 0, NULL, 0), 0);
    /* one daemon alone on its database takes every row another left */
    ASSERT_EQ(claim_as(s, "node-c", 1, NULL, 0), 10);
    ASSERT_EQ(claim_as(s, "node-c", 1, NULL, 0), 9);
    ASSERT_EQ(claim_as(s, "node-c", 1, NULL, 0), 0);
    cf_store_close(s);
    return 0;
}

/* ---- outbox-1.2 ----------------------------------------------------------------------------- */

/* The due_at and id of the first pending alert. */
static void first_pending(const td_daemon_t *d, const char *token, char *due, char *id)
{
    json_t *pending = td_get_json(d, token, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= 1);
    json_t *first = json_array_get(pending, 0);
    snprintf(due, 64, "%s", json_string_value(json_object_get(first, "due_at")));
    snprintf(id, 160, "%s", json_string_value(json_object_get(first, "alert_id")));
    json_decref(pending);
}

/* Waits (at most ~60 s: the test's own timeout ends it sooner) until the daemon's
 * counter `metric` is at least `least`. */
static void wait_metric(const td_daemon_t *d, const char *metric, long long least)
{
    for (int i = 0; i < 6000 && td_metric(d, metric) < least; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ASSERT(td_metric(d, metric) >= least);
}

/* Waits until the daemon has looked through the outbox at least once since it started. */
static void wait_claimed(const td_daemon_t *d)
{
    wait_metric(d, "caseflow_webhook_outbox_claims_total", 1);
}

TEST_IMPL(serve_outbox_restart)
{
    char db[512], due[64], id[160];
    td_db("outbox-restart.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_hook_t hook;
    td_hook_start(&hook, 1); /* the first POST fails */
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config_hook(&cfg, db, T0, hook.url);
    cfg.webhook_retry_ms = 3600 * 1000; /* the retry would come after the stop */
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    first_pending(&d, token, due, id);
    td_clock(&d, due);
    td_hook_wait(&hook, 1);
    ASSERT_STR_EQ(hook.ids[0], id);
    td_stop(&d);
    counts(db, 1, 0); /* owed still */
    /* The next daemon, at the same instant: the delivery, same id and body. */
    td_config_hook(&cfg, db, due, hook.url);
    td_start(&d, &cfg);
    td_hook_wait(&hook, 2);
    ASSERT_STR_EQ(hook.ids[1], id);
    ASSERT_STR_EQ(hook.bodies[1], hook.bodies[0]);
    ASSERT(td_metric(&d, "caseflow_webhook_reloaded_total") >= 1);
    /* the receiver has the request; the row goes once the daemon has read its answer */
    wait_metric(&d, "caseflow_webhook_deliveries_total", 1);
    td_stop(&d);
    counts(db, 0, 0);
    td_hook_stop(&hook);
    free(token);
    return 0;
}

/* ---- outbox-1.3, outbox-1.4 ------------------------------------------------------------------ */

/* Fires the first alert at a receiver failing `failures` times, with `attempts` tries;
 * waits for `seen` requests, stops, checks the outbox, then starts a daemon again and
 * checks that it sent nothing more once it looked through the outbox. */
static void once_only(const char *name, int failures, unsigned attempts, int seen, int64_t given_up)
{
    char db[512], due[64], id[160];
    td_db(name, db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_hook_t hook;
    td_hook_start(&hook, failures);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config_hook(&cfg, db, T0, hook.url);
    cfg.webhook_attempts = attempts;
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    first_pending(&d, token, due, id);
    td_clock(&d, due);
    td_hook_wait(&hook, seen);
    ASSERT_STR_EQ(hook.ids[seen - 1], id);
    /* the delivery's end is queued when the answer is read: wait for it to be counted */
    const char *metric =
        given_up ? "caseflow_webhook_failures_total" : "caseflow_webhook_deliveries_total";
    wait_metric(&d, metric, 1);
    td_stop(&d);
    counts(db, 0, given_up); /* flushed by the last job at the stop, if not before */
    td_config_hook(&cfg, db, due, hook.url);
    td_start(&d, &cfg);
    wait_claimed(&d);
    ASSERT_EQ(td_metric(&d, "caseflow_webhook_reloaded_total"), 0);
    td_stop(&d);
    pthread_mutex_lock(&hook.mu);
    ASSERT_EQ(hook.count, seen);
    pthread_mutex_unlock(&hook.mu);
    td_hook_stop(&hook);
    free(token);
}

TEST_IMPL(serve_outbox_delivered_once)
{
    once_only("outbox-once.db", 0, 8, 1, 0);
    return 0;
}

TEST_IMPL(serve_outbox_given_up)
{
    once_only("outbox-given-up.db", 100, 2, 2, 1);
    return 0;
}

/* ---- outbox-3.1 ----------------------------------------------------------------------------- */

#define ID1 "1:filing:warning:20260101T000000+0800"
#define ID2 "2:filing:warning:20260101T000000+0800"

/* agency's rows in state (NULL: any) after `after`, at most max ids: how many, and OUT the
 * first row's agency-free alert_id in first (64 bytes), when any. */
static int listed(cf_store_t *s, const char *agency, const char *state, const char *after, int max,
                  char *first)
{
    json_t *list = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_store_deliveries_list(s, agency, state, after, max, &list, &err), 0);
    int n = (int)json_array_size(list);
    if (n && first)
        snprintf(first, 64, "%s",
                 json_string_value(json_object_get(json_array_get(list, 0), "alert_id")));
    json_decref(list);
    return n;
}

TEST_IMPL(store_outbox_agency)
{
    char db[512], first[64];
    cf_store_t *s;
    cf_error_t err;
    td_db("outbox-agency.db", db, sizeof(db));
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    cf_delivery_t rows[] = {{ID1, "http://a/", "{\"n\":1}", 0, "甲局"},
                            {ID1, "http://a/", "{\"n\":2}", 0, "乙局"},
                            {ID2, "http://a/", "{\"n\":3}", 0, "甲局"},
                            {ID2, "http://b/", "{\"n\":4}", 0, "甲局"}};
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_add(s, "node-a", 60000, 100, rows, 4, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    int64_t pending = 0, given_up = 0;
    ASSERT_EQ(cf_store_deliveries_count(s, &pending, &given_up, &err), 0);
    ASSERT_EQ(pending, 4); /* ID1 to http://a/ twice: once per agency */
    ASSERT_EQ(listed(s, "甲局", "pending", NULL, 10, NULL), 3);
    ASSERT_EQ(listed(s, "甲局", "given_up", NULL, 10, NULL), 0);
    for (int i = 0; i < 4; i++)
        rows[i].attempts = 3;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_give_up(s, rows, 4, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    /* each agency lists its own; paged by id, every row of an id on one page */
    ASSERT_EQ(listed(s, "甲局", "given_up", NULL, 10, first), 3);
    ASSERT_STR_EQ(first, ID1);
    ASSERT_EQ(listed(s, "乙局", "given_up", NULL, 10, NULL), 1);
    ASSERT_EQ(listed(s, "丙局", NULL, NULL, 10, NULL), 0);
    ASSERT_EQ(listed(s, "甲局", NULL, NULL, 1, NULL), 1);
    ASSERT_EQ(listed(s, "甲局", NULL, ID1, 1, first), 2);
    ASSERT_STR_EQ(first, ID2);
    json_t *list = (json_t *)&err; /* untouched on failure */
    ASSERT_EQ(cf_store_deliveries_list(s, "甲局", "failed", NULL, 10, &list, &err), CF_EINVAL);
    ASSERT(list == (json_t *)&err);
    /* a retry reaches the agency's rows only */
    cf_delivery_t *back = NULL;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_retry(s, "node-b", 60000, "乙局", ID2, NULL, &back, &err), 0);
    ASSERT(back == NULL);
    ASSERT_EQ(cf_store_deliveries_retry(s, "node-b", 60000, "乙局", ID1, NULL, &back, &err), 1);
    ASSERT_STR_EQ(back[0].agency, "乙局");
    ASSERT_STR_EQ(back[0].body, "{\"n\":2}");
    ASSERT_EQ(back[0].attempts, 0);
    cf_store_deliveries_free(back, 1);
    ASSERT_EQ(cf_store_deliveries_retry(s, "node-b", 60000, "甲局", ID2, "http://b/", &back, &err),
              1);
    ASSERT_STR_EQ(back[0].url, "http://b/");
    cf_store_deliveries_free(back, 1);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(listed(s, "甲局", "given_up", NULL, 10, NULL), 2);
    ASSERT_EQ(listed(s, "乙局", "pending", NULL, 10, NULL), 1);
    /* delivered: 乙局's row goes, 甲局's of the same id and URL stays */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_done(s, &rows[1], 1, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_count(s, &pending, &given_up, &err), 0);
    ASSERT_EQ(pending, 1);
    ASSERT_EQ(given_up, 2);
    ASSERT_EQ(listed(s, "乙局", NULL, NULL, 10, NULL), 0);
    cf_store_close(s);
    return 0;
}

/* ---- outbox-3.2 ----------------------------------------------------------------------------- */

/* GET path as token: the status, and OUT *list (new) when 200. */
static long get_list(const td_daemon_t *d, const char *token, const char *path, json_t **list)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    *list = r.status == 200 ? json_incref(r.json) : NULL;
    td_resp_free(&r);
    return status;
}

TEST_IMPL(serve_outbox_list_retry)
{
    char db[512], due[64], id[160];
    td_db("outbox-list.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "李四");
    char *auditor = td_token(db, "甲局", "auditor", "赵六");
    char *other = td_token(db, "乙局", "head", "王五");
    td_hook_t hook;
    td_hook_start(&hook, 1); /* the first POST fails: with one attempt, given up */
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config_hook(&cfg, db, T0, hook.url);
    cfg.webhook_attempts = 1;
    td_start(&d, &cfg);
    td_open_case(&d, handler, "penalty-general", "某某大药房");
    first_pending(&d, handler, due, id);
    td_clock(&d, due);
    td_hook_wait(&hook, 1);
    const char *given = "/v1/alerts/deliveries?state=given_up";
    td_wait_listed(&d, handler, given, 1);
    json_t *list = NULL;
    ASSERT_EQ(get_list(&d, auditor, given, &list), 200);
    json_t *row = json_array_get(list, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "alert_id")), id);
    /* the URL shown without its path (where a robot webhook keeps its key: attack-12.10),
     * its scheme and host then a digest that tells webhooks apart */
    char shown[CF__WEBHOOK_SHOWN_MAX], digest[65], want[200];
    cf_chain_sha256_hex(hook.url, strlen(hook.url), digest);
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/…#%.8s", hook.port, digest);
    snprintf(shown, sizeof(shown), "%s", json_string_value(json_object_get(row, "url")));
    ASSERT_STR_EQ(shown, want);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "state")), "given_up");
    ASSERT_EQ(json_integer_value(json_object_get(row, "attempts")), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(row, "alert"), "alert_id")),
                  id);
    json_decref(list);
    /* paged by delivery id: the cursor's '+' may come as is (read as a space) */
    char path[300];
    snprintf(path, sizeof(path), "/v1/alerts/deliveries?limit=1&cursor=%s", id);
    ASSERT_EQ(get_list(&d, handler, path, &list), 200);
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    ASSERT_EQ(get_list(&d, handler, "/v1/alerts/deliveries?limit=1&cursor=0", &list), 200);
    ASSERT_EQ(json_array_size(list), 1);
    json_decref(list);
    /* another agency sees none of it, and cannot send it again */
    ASSERT_EQ(get_list(&d, other, "/v1/alerts/deliveries", &list), 200);
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    ASSERT_EQ(get_list(&d, handler, "/v1/alerts/deliveries?state=failed", &list), 400);
    ASSERT_EQ(td_retry(&d, handler, id, NULL), 403);
    ASSERT_EQ(td_retry(&d, other, id, NULL), 404);
    ASSERT_EQ(td_retry(&d, head, "9:filing:warning:20260101T000000+0800", NULL), 404);
    /* the agency's head sends it again, to the webhook named as the listing shows it:
     * same id and body, then it is gone; the answer shows the URL so too */
    char body[400];
    /* (the id's one '+', its offset, percent-encoded) */
    snprintf(path, sizeof(path), "/v1/alerts/%.*s%%2B%s/retry", (int)(strchr(id, '+') - id), id,
             strchr(id, '+') + 1);
    snprintf(body, sizeof(body), "{\"url\": \"%s\"}", shown);
    td_resp_t t;
    td_http(&d, "POST", path, head, body, strlen(body), NULL, &t);
    ASSERT_EQ(t.status, 200);
    ASSERT_STR_EQ(json_string_value(json_object_get(
                      json_array_get(json_object_get(t.json, "deliveries"), 0), "url")),
                  shown);
    ASSERT(!strstr(t.body, "/hook"));
    td_resp_free(&t);
    td_hook_wait(&hook, 2);
    ASSERT_STR_EQ(hook.ids[1], id);
    ASSERT_STR_EQ(hook.bodies[1], hook.bodies[0]);
    td_wait_listed(&d, handler, "/v1/alerts/deliveries", 0);
    td_stop(&d);
    counts(db, 0, 0);
    td_hook_stop(&hook);
    free(handler);
    free(head);
    free(auditor);
    free(other);
    return 0;
}

/* ---- outbox-3.3 ----------------------------------------------------------------------------- */

TEST_IMPL(serve_outbox_escalation_restart)
{
    char db[512], due[64], id[160], later[CF_TIME_BUFSZ], escalated[200];
    td_db("outbox-escalation.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_hook_t hook;
    td_hook_start(&hook, 2); /* the alert's POST and the escalation's fail */
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config_hook(&cfg, db, T0, hook.url);
    cfg.webhook_retry_ms = 3600 * 1000; /* the retries would come after the stop */
    cfg.alert_ack_timeout = 60;
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    first_pending(&d, token, due, id);
    snprintf(escalated, sizeof(escalated), "%s:escalated", id);
    td_clock(&d, due);
    td_hook_wait(&hook, 1);
    cf_test_fmt(cf_test_time(due) + 120, later);
    td_clock(&d, later); /* the escalation: the daemon looks once a second */
    td_hook_wait(&hook, 2);
    ASSERT_STR_EQ(hook.ids[1], escalated);
    td_stop(&d);
    counts(db, 2, 0); /* the alert's delivery and the escalation's, owed still */
    td_config_hook(&cfg, db, later, hook.url);
    td_start(&d, &cfg);
    td_hook_wait(&hook, 4);
    int seen = 0;
    for (int i = 2; i < 4; i++)
        if (strcmp(hook.ids[i], escalated) == 0) {
            seen++;
            ASSERT_STR_EQ(hook.bodies[i], hook.bodies[1]);
            ASSERT_CONTAINS(hook.bodies[i], "\"event\":\"alert.escalated\"");
        }
    ASSERT_EQ(seen, 1);
    /* their ends are queued when the answers are read: wait for them to be counted */
    wait_metric(&d, "caseflow_webhook_deliveries_total", 2);
    td_stop(&d);
    counts(db, 0, 0);
    td_hook_stop(&hook);
    free(token);
    return 0;
}

/* ---- outbox-3.4 ----------------------------------------------------------------------------- */

TEST_IMPL(store_outbox_texts_once)
{
    char db[512];
    cf_store_t *s;
    cf_error_t err;
    td_db("outbox-texts.db", db, sizeof(db));
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.webhooks[srv->cfg.webhooks_count++] = "http://a/";
    srv->cfg.webhooks[srv->cfg.webhooks_count++] = "http://b/";
    snprintf(srv->node_id, sizeof(srv->node_id), "node-t");
    cf__job_t job = {.srv = srv, .now = 100};
    job.alerts = json_pack("[{s:s, s:s, s:i}, {s:s, s:s, s:s}]", "alert_id", ID1, "agency", "甲局",
                           "n", 1, "alert_id", ID2, "agency", "甲局", "note", "二");
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf__outbox_put(s, &job, &err), 0);
    ASSERT(job.texts != NULL);
    const char *text = job.texts;
    json_t *list = NULL;
    ASSERT_EQ(cf_store_deliveries_list(s, "甲局", NULL, NULL, 10, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 4); /* two alerts, two webhooks */
    for (size_t i = 0; i < 2; i++) {
        char *want = json_dumps(json_array_get(job.alerts, i), JSON_COMPACT);
        ASSERT_STR_EQ(text, want);
        for (size_t k = 0; k < 2; k++) { /* the rows' bodies: the same text */
            char *body =
                json_dumps(json_object_get(json_array_get(list, 2 * i + k), "alert"), JSON_COMPACT);
            ASSERT_STR_EQ(body, want);
            free(body);
        }
        free(want);
        text += strlen(text) + 1;
    }
    json_decref(list);
    /* an escalation's notices: their own delivery ids, never the alert's rows */
    ASSERT_EQ(cf__outbox_put_as(s, &job, CF__ESCALATED_SUFFIX, &err), 0);
    ASSERT_EQ(
        cf_store_deliveries_list(s, "甲局", "pending", ID1 CF__ESCALATED_SUFFIX, 10, &list, &err),
        0);
    ASSERT_EQ(json_array_size(list), 4); /* ID2 and ID2:escalated, two webhooks each */
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 3), "alert_id")),
                  ID2 CF__ESCALATED_SUFFIX);
    json_decref(list);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    /* without webhooks nothing is written, and the loop writes the texts itself */
    free(job.texts);
    job.texts = NULL;
    srv->cfg.webhooks_count = 0;
    ASSERT_EQ(cf__outbox_put(s, &job, &err), 0);
    ASSERT(job.texts == NULL);
    json_decref(job.alerts);
    free(srv);
    cf_store_close(s);
    return 0;
}

/* ---- outbox-3.5 ----------------------------------------------------------------------------- */

/* The outbox as step 20 made it, with two rows given up: case 7's (of 甲局) and case 8's
 * (no agency). */
#define OUTBOX_20(BIGINT)                                                                          \
    "DROP TABLE alert_deliveries;"                                                                 \
    "CREATE TABLE alert_deliveries(alert_id TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT "      \
    "NULL, state TEXT NOT NULL, attempts " BIGINT                                                  \
    " NOT NULL, owner TEXT NOT NULL, until_ms " BIGINT " NOT NULL, created_at " BIGINT             \
    " NOT NULL, PRIMARY KEY(alert_id, url));"                                                      \
    "CREATE INDEX alert_deliveries_lease ON alert_deliveries(until_ms) WHERE state = 'pending';"   \
    "INSERT INTO case_agency(case_id, agency) VALUES (7, '甲局');"                               \
    "INSERT INTO alert_deliveries VALUES ('7:filing:warning:20260101T000000+0800', 'http://a/', "  \
    "'{}', 'given_up', 3, 'n', 0, 100), ('8:filing:warning:20260101T000000+0800', 'http://a/', "   \
    "'{}', 'given_up', 3, 'n', 0, 100);"

TEST_IMPL(store_outbox_migration)
{
    char db[512], first[64];
    cf_store_t *s;
    cf_error_t err;
    td_db("outbox-migrate.db", db, sizeof(db));
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    if (cf_test_pg()) {
        if (cf__store_exec(s, OUTBOX_20("BIGINT") "UPDATE schema_version SET version = 21", &err))
            CF__FAIL("back to 21: %s", err.text);
        cf_store_close(s);
    } else {
        cf_store_close(s);
        sqlite3 *lite;
        char *msg = NULL;
        ASSERT_EQ(sqlite3_open(db, &lite), SQLITE_OK);
        if (sqlite3_exec(lite, OUTBOX_20("INTEGER") "PRAGMA user_version = 20", NULL, NULL, &msg))
            CF__FAIL("back to 20: %s", msg ? msg : "?");
        sqlite3_close(lite);
    }
    ASSERT_EQ(cf_store_open(db, &s, &err), 0); /* migrates */
    ASSERT_EQ(listed(s, "甲局", "given_up", NULL, 10, first), 1);
    ASSERT_STR_EQ(first, "7:filing:warning:20260101T000000+0800");
    ASSERT_EQ(listed(s, "", "given_up", NULL, 10, first), 1);
    ASSERT_STR_EQ(first, "8:filing:warning:20260101T000000+0800");
    /* keyed by agency: the same id and URL for another agency is a row of its own */
    cf_delivery_t row = {"7:filing:warning:20260101T000000+0800", "http://a/", "{}", 0, "乙局"};
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_deliveries_add(s, "node-a", 60000, 100, &row, 1, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(listed(s, "乙局", "pending", NULL, 10, NULL), 1);
    cf_store_close(s);
    return 0;
}

/* ---- outbox-2.1 ----------------------------------------------------------------------------- */

TEST_IMPL(store_pg_unreachable)
{
    cf_store_t *s = (cf_store_t *)&s; /* untouched on failure */
    cf_error_t err;
    /* port 1 on the loopback: refused at once, with or without a server of the tests' */
    ASSERT_EQ(cf_store_open("postgresql://127.0.0.1:1/caseflow?connect_timeout=5", &s, &err),
              CF_EUNAVAILABLE);
    ASSERT(s == (cf_store_t *)&s);
    ASSERT_CONTAINS(err.text, "the PostgreSQL server cannot be reached");
    ASSERT_STR_EQ(cf_errname(CF_EUNAVAILABLE), "EUNAVAILABLE");
    ASSERT_EQ(cf__http_status(CF_EUNAVAILABLE), 503);
    ASSERT_EQ(cf__http_status(CF_EBUSY), 503);
    return 0;
}
