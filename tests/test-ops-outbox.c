/*
 * test-ops-outbox.c -- ops-4.*: the webhook outbox through both front ends
 * (api/ops/ops-outbox.c): GET /v1/alerts/deliveries and `caseflow alert deliveries`,
 * POST /v1/alerts/{alert_id}/retry and `caseflow alert retry`; on SQLite and, through
 * caseflow_unit_pg, PostgreSQL.
 *
 * ops-4.1 (ops_parity_deliveries): two alerts fired while the receiver fails, given up
 *         (one attempt); with the daemon running, the command line lists the rows the
 *         API lists (all of them, by state, a page and the page after its cursor, which
 *         both name alike); both refuse alike (a state that is none, a role that is not a
 *         head, an id with no given-up delivery, another agency's); the API's head sends
 *         one again and the command line's head the other: the same answer's shape, each
 *         delivery posted again with its id and first body -- the command line's by the
 *         running daemon's outbox claim -- and the rows gone from both lists.
 * ops-4.2 (ops_deliveries_cli_only): from the command line alone, the daemon stopped: a
 *         retried row is listed pending, attempts 0, with the body it had, and the next
 *         daemon to start posts it; usage errors are JSON under --json, an unknown
 *         option is refused naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* ops-4.1: cf__webhook_shown */
#include "task.h"

#define T0     "2026-03-02T09:00:00+08:00"
#define LATER  "2026-06-01T09:00:00+08:00"
#define AGENCY "某县医疗保障局"

/* ---- helpers ------------------------------------------------------------------------------ */

/* `caseflow --json alert deliveries --agency AGENCY ARGS` on db as JSON (new), asserting it
 * exits 0; OUT next (200 bytes): the cursor it names on stderr, or "". */
static json_t *cli_list(const char *db, const char *a1, const char *a2, const char *a3,
                        const char *a4, char *next)
{
    int rc = td_cli(db, LATER, "--json", "alert", "deliveries", "--agency", AGENCY, a1, a2, a3, a4,
                    NULL);
    if (rc != 0)
        CF__FAIL("alert deliveries: %d %s", rc, td_err);
    json_t *list = json_loads(td_out, 0, NULL);
    ASSERT(json_is_array(list));
    /* the command line (the operator's) shows a webhook's URL whole, the API as
     * cf__webhook_shown does (a robot webhook's key is in its URL: attack-12.10) */
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row) {
        char shown[CF__WEBHOOK_SHOWN_MAX];
        cf__webhook_shown(json_string_value(json_object_get(row, "url")), shown, sizeof(shown));
        json_object_set_new(row, "url", json_string(shown));
    }
    const char *hint = strstr(td_err, "--cursor ");
    snprintf(next, 200, "%s", hint ? hint + strlen("--cursor ") : "");
    next[strcspn(next, "\n")] = '\0';
    return list;
}

/* GET path as token: OUT *list (new; 200 asserted), next (200 bytes: X-Next-Cursor). */
static json_t *api_list(const td_daemon_t *d, const char *token, const char *path, char *next)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    if (r.status != 200)
        CF__FAIL("GET %s: %ld %s", path, r.status, r.body);
    json_t *list = json_incref(r.json);
    snprintf(next, 200, "%s", r.next_cursor);
    td_resp_free(&r);
    return list;
}

/* Fails unless the API's answer at path and the command line's with a1..a4 are the same
 * rows, with the same next cursor; returns how many rows. */
static size_t same_rows(const td_daemon_t *d, const char *db, const char *token, const char *path,
                        const char *a1, const char *a2, const char *a3, const char *a4)
{
    char api_next[200], cli_next[200];
    json_t *api = api_list(d, token, path, api_next);
    json_t *cli = cli_list(db, a1, a2, a3, a4, cli_next);
    if (!json_equal(api, cli))
        CF__FAIL("GET %s and alert deliveries differ:\n%s\n%s", path, json_dumps(api, 0),
                 json_dumps(cli, 0));
    ASSERT_STR_EQ(api_next, cli_next);
    size_t n = json_array_size(api);
    json_decref(api);
    json_decref(cli);
    return n;
}

/* The body the receiver got first for delivery id (borrowed from h). */
static const char *first_body(td_hook_t *h, const char *id)
{
    pthread_mutex_lock(&h->mu);
    const char *body = NULL;
    for (int i = 0; i < h->count && !body; i++)
        if (strcmp(h->ids[i], id) == 0)
            body = h->bodies[i];
    pthread_mutex_unlock(&h->mu);
    ASSERT(body != NULL);
    return body;
}

/* Fails unless answer is a retry's answer for id, to url alone, with the body first sent. */
static void check_answer(const json_t *answer, const char *id, const char *url, const char *body)
{
    ASSERT_EQ(json_object_size(answer), 3);
    ASSERT_STR_EQ(json_string_value(json_object_get(answer, "alert_id")), id);
    ASSERT_EQ(json_integer_value(json_object_get(answer, "retried")), 1);
    json_t *ds = json_object_get(answer, "deliveries");
    ASSERT_EQ(json_array_size(ds), 1);
    json_t *row = json_array_get(ds, 0);
    ASSERT_EQ(json_object_size(row), 4);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "alert_id")), id);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "url")), url);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "agency")), AGENCY);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "body")), body);
}

/* Starts a daemon on db at `at` posting to url with one attempt. */
static void start(td_daemon_t *d, const char *db, const char *at, const char *url)
{
    cf_serve_config_t cfg;
    td_config_hook(&cfg, db, at, url);
    cfg.webhook_attempts = 1;
    td_start(d, &cfg);
}

/* Two cases opened on the running daemon d, their first alerts (due at one instant) fired
 * at a receiver failing both posts, given up: OUT ids (the delivery ids, in order, 160
 * bytes each) and due (64 bytes). */
static void two_given_up(td_daemon_t *d, const char *token, td_hook_t *hook, char ids[2][160],
                         char *due)
{
    td_open_case(d, token, "penalty-general", "某某大药房");
    td_open_case(d, token, "penalty-general", "某某诊所");
    json_t *pending = td_get_json(d, token, "/v1/alerts?state=pending&limit=2");
    ASSERT_EQ(json_array_size(pending), 2);
    for (int i = 0; i < 2; i++)
        snprintf(ids[i], 160, "%s",
                 json_string_value(json_object_get(json_array_get(pending, i), "alert_id")));
    snprintf(due, 64, "%s",
             json_string_value(json_object_get(json_array_get(pending, 0), "due_at")));
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(pending, 1), "due_at")), due);
    json_decref(pending);
    td_clock(d, due);
    td_hook_wait(hook, 2);
    td_wait_listed(d, token, "/v1/alerts/deliveries?state=given_up", 2);
}

/* The set-up of both tests: a fresh database name (OUT db, 512 bytes), a receiver hook
 * failing two posts, a daemon d posting to it (one attempt), and two alerts fired and
 * given up there (two_given_up: OUT ids, due). Returns a token of AGENCY's handler 张三
 * (malloc'd). */
static char *given_up_daemon(const char *name, char *db, td_hook_t *hook, td_daemon_t *d,
                             char ids[2][160], char *due)
{
    td_db(name, db, 512);
    char *handler = td_token(db, AGENCY, "handler", "张三");
    td_hook_start(hook, 2);
    start(d, db, T0, hook->url);
    two_given_up(d, handler, hook, ids, due);
    return handler;
}

/* ---- ops-4.1 ------------------------------------------------------------------------------ */

TEST_IMPL(ops_parity_deliveries)
{
    char db[512], due[64], ids[2][160], path[400];
    td_hook_t hook;
    td_daemon_t d;
    char *handler = given_up_daemon("ops-deliveries.db", db, &hook, &d, ids, due);
    char *head = td_token(db, AGENCY, "head", "李四");

    /* the lists, the daemon running: every row, by state, a page and the next */
    ASSERT_EQ(same_rows(&d, db, handler, "/v1/alerts/deliveries", NULL, NULL, NULL, NULL), 2);
    ASSERT_EQ(same_rows(&d, db, handler, "/v1/alerts/deliveries?state=given_up", "--state",
                        "given_up", NULL, NULL),
              2);
    ASSERT_EQ(same_rows(&d, db, handler, "/v1/alerts/deliveries?state=pending", "--state",
                        "pending", NULL, NULL),
              0);
    ASSERT_EQ(
        same_rows(&d, db, handler, "/v1/alerts/deliveries?limit=1", "--limit", "1", NULL, NULL), 1);
    char next[200], hint[300];
    json_decref(cli_list(db, "--limit", "1", NULL, NULL, next));
    ASSERT_STR_EQ(next, ids[0]);
    snprintf(hint, sizeof(hint), "caseflow: 1 deliveries shown; the next page: --cursor %s",
             ids[0]);
    ASSERT_CONTAINS(td_err, hint);
    /* for people: a heading and a row a line, the same hint on the errors */
    ASSERT_EQ(td_cli(db, LATER, "alert", "deliveries", "--agency", AGENCY, "--limit", "1", NULL),
              0);
    ASSERT_CONTAINS(td_out, "attempts");
    ASSERT_CONTAINS(td_out, ids[0]);
    ASSERT_CONTAINS(td_out, hook.url);
    ASSERT_CONTAINS(td_err, hint);
    snprintf(path, sizeof(path), "/v1/alerts/deliveries?limit=1&cursor=%s", next);
    ASSERT_EQ(same_rows(&d, db, handler, path, "--limit", "1", "--cursor", next), 1);
    json_t *row = cli_list(db, "--cursor", ids[0], NULL, NULL, next);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(row, 0), "alert_id")), ids[1]);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(row, 0), "state")), "given_up");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(row, 0), "attempts")), 1);
    json_decref(row);

    /* refused alike: a state that is none (400, exit 1); a handler (403, exit 4); an id with
     * no given-up delivery, or another agency's (404, exit 3) */
    td_resp_t r;
    td_http(&d, "GET", "/v1/alerts/deliveries?state=done", handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 400);
    td_resp_free(&r);
    ASSERT_EQ(td_cli(db, LATER, "alert", "deliveries", "--state", "done", NULL), CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--state is pending or given_up");
    ASSERT_EQ(td_retry(&d, handler, ids[0], NULL), 403);
    ASSERT_EQ(
        td_cli(db, LATER, "alert", "retry", ids[0], "--role", "handler", "--agency", AGENCY, NULL),
        CF_EXIT_REFUSED);
    ASSERT_CONTAINS(td_err, "only a head");
    const char *none = "9:filing:warning:20260101T000000+0800";
    ASSERT_EQ(td_retry(&d, head, none, NULL), 404);
    ASSERT_EQ(td_cli(db, LATER, "alert", "retry", none, "--role", "head", "--agency", AGENCY, NULL),
              CF_EXIT_NOTFOUND);
    ASSERT_EQ(
        td_cli(db, LATER, "alert", "retry", ids[0], "--role", "head", "--agency", "另一局", NULL),
        CF_EXIT_NOTFOUND);
    ASSERT_EQ(td_cli(db, LATER, "alert", "retry", "a/b", "--role", "head", NULL), CF_EXIT_NOTFOUND);
    ASSERT_EQ(same_rows(&d, db, handler, "/v1/alerts/deliveries?state=given_up", "--state",
                        "given_up", NULL, NULL),
              2); /* nothing of it changed a row */

    /* the API's head sends the second again: posted at once */
    json_t *api_answer = NULL, *cli_answer = NULL;
    ASSERT_EQ(td_retry(&d, head, ids[1], &api_answer), 200);
    td_hook_wait(&hook, 3);
    td_wait_listed(&d, handler, "/v1/alerts/deliveries", 1);
    /* the command line's head the first, the daemon running: its next outbox claim posts it */
    int rc = td_cli(db, LATER, "--json", "alert", "retry", ids[0], "--role", "head", "--actor",
                    "李四", "--agency", AGENCY, NULL);
    if (rc != 0)
        CF__FAIL("alert retry: %d %s", rc, td_err);
    cli_answer = json_loads(td_out, 0, NULL);
    td_hook_wait(&hook, 4);
    td_wait_listed(&d, handler, "/v1/alerts/deliveries", 0);
    ASSERT_EQ(same_rows(&d, db, handler, "/v1/alerts/deliveries", NULL, NULL, NULL, NULL), 0);
    pthread_mutex_lock(&hook.mu);
    ASSERT_STR_EQ(hook.ids[2], ids[1]);
    ASSERT_STR_EQ(hook.ids[3], ids[0]);
    pthread_mutex_unlock(&hook.mu);
    char shown[CF__WEBHOOK_SHOWN_MAX];
    cf__webhook_shown(hook.url, shown, sizeof(shown));
    ASSERT(!strstr(shown, "/hook"));
    check_answer(api_answer, ids[1], shown, first_body(&hook, ids[1]));
    check_answer(cli_answer, ids[0], hook.url, first_body(&hook, ids[0]));
    pthread_mutex_lock(&hook.mu);
    const char *again[2] = {hook.bodies[3], hook.bodies[2]}; /* ids[0]'s, ids[1]'s */
    pthread_mutex_unlock(&hook.mu);
    for (int i = 0; i < 2; i++) /* the same id and body as the first time */
        ASSERT_STR_EQ(again[i], first_body(&hook, ids[i]));
    td_stop(&d);
    json_decref(api_answer);
    json_decref(cli_answer);
    td_hook_stop(&hook);
    free(handler);
    free(head);
    return 0;
}

/* ---- ops-4.2 ------------------------------------------------------------------------------ */

TEST_IMPL(ops_deliveries_cli_only)
{
    char db[512], due[64], ids[2][160], next[200];
    td_hook_t hook;
    td_daemon_t d;
    char *handler = given_up_daemon("ops-deliveries-cli.db", db, &hook, &d, ids, due);
    td_stop(&d);

    /* the daemon stopped: the row is owed again, as it was but for its state and attempts */
    json_t *before = cli_list(db, NULL, NULL, NULL, NULL, next);
    int rc = td_cli(db, LATER, "alert", "retry", ids[0], "--role", "head", "--actor", "李四",
                    "--agency", AGENCY, "--url", hook.url, NULL);
    if (rc != 0)
        CF__FAIL("alert retry: %d %s", rc, td_err);
    ASSERT_CONTAINS(td_out, "owed again");
    json_t *after = cli_list(db, NULL, NULL, NULL, NULL, next);
    ASSERT_EQ(json_array_size(after), 2);
    json_t *was = json_array_get(before, 0), *is = json_array_get(after, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(is, "state")), "pending");
    ASSERT_EQ(json_integer_value(json_object_get(is, "attempts")), 0);
    json_object_set_new(was, "state", json_string("pending"));
    json_object_set_new(was, "attempts", json_integer(0));
    ASSERT(json_equal(before, after));
    json_t *pending = cli_list(db, "--state", "pending", NULL, NULL, next);
    ASSERT_EQ(json_array_size(pending), 1);
    /* not given up any more; the other to another webhook is none */
    ASSERT_EQ(
        td_cli(db, LATER, "alert", "retry", ids[0], "--role", "head", "--agency", AGENCY, NULL),
        CF_EXIT_NOTFOUND);
    ASSERT_EQ(td_cli(db, LATER, "alert", "retry", ids[1], "--role", "head", "--agency", AGENCY,
                     "--url", "http://127.0.0.1:1/none", NULL),
              CF_EXIT_NOTFOUND);

    /* the next daemon to start posts it, with its id and first body; the other stays */
    start(&d, db, due, hook.url);
    td_hook_wait(&hook, 3);
    td_wait_listed(&d, handler, "/v1/alerts/deliveries", 1);
    td_stop(&d);
    pthread_mutex_lock(&hook.mu);
    ASSERT_STR_EQ(hook.ids[2], ids[0]);
    const char *again = hook.bodies[2];
    pthread_mutex_unlock(&hook.mu);
    ASSERT_STR_EQ(again, first_body(&hook, ids[0]));
    json_t *left = cli_list(db, NULL, NULL, NULL, NULL, next);
    ASSERT_EQ(json_array_size(left), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(left, 0), "alert_id")), ids[1]);

    /* usage errors: JSON under --json; an unknown option named; --limit in range */
    ASSERT_EQ(td_cli(db, LATER, "--json", "alert", "deliveries", "--state", "done", NULL),
              CF_EXIT_USAGE);
    json_t *usage = json_loads(td_out, 0, NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(usage, "error")), "EINVAL");
    ASSERT_CONTAINS(json_string_value(json_object_get(usage, "text")), "given_up");
    ASSERT_EQ(td_cli(db, LATER, "alert", "deliveries", "--limit", "0", NULL), CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--limit takes 1 to");
    ASSERT_EQ(td_cli(db, LATER, "alert", "deliveries", "--stat", "pending", NULL), CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--stat");
    ASSERT_EQ(td_cli(db, LATER, "alert", "retry", ids[1], NULL), CF_EXIT_USAGE);
    ASSERT_EQ(
        td_cli(db, LATER, "--json", "alert", "retry", ids[1], "--role", "head", "--now", "x", NULL),
        CF_EXIT_USAGE);
    json_decref(usage);
    usage = json_loads(td_out, 0, NULL);
    ASSERT_CONTAINS(json_string_value(json_object_get(usage, "text")), "--now");
    json_decref(usage);
    json_decref(before);
    json_decref(after);
    json_decref(pending);
    json_decref(left);
    td_hook_stop(&hook);
    free(handler);
    return 0;
}
