/*
 * test-serve-alerts.c -- serve-3.*: the deadline scheduler and alert delivery,
 * on the daemon's injected clock (POST /v1/test/clock answers once every alert
 * due at the new instant was committed and delivered, so no test sleeps).
 *
 * serve-3.1: an alert fires at the injected instant, into the case's chain, on
 *            the event stream, in the alert log, and at a webhook that fails
 *            once (the retry carries the same alert id).
 * serve-3.2: alerts that fell due while the daemon was down fire at start,
 *            marked late, exactly once across two more restarts.
 * serve-3.6: an act whose events change no clock leaves the alerts index as it
 *            was (not rewritten); one that starts or stops a clock rewrites it.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

static long long open_case(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s}}", "workflow", "penalty-general", "party", "name", "某某大药房");
    td_http_json(d, "POST", "/v1/cases", token, body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("open: %ld %s", r.status, r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    return id;
}

/* GET path as token: the JSON answer (new reference). */
static json_t *get_json(const td_daemon_t *d, const char *token, const char *path)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    if (r.status != 200)
        CF__FAIL("GET %s: %ld %s", path, r.status, r.body);
    json_t *out = json_incref(r.json);
    td_resp_free(&r);
    return out;
}

/* Number of lines of the file at path holding needle. */
static int lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* The alert events in case id's chain; OUT late (how many are marked late). */
static int alert_events(const td_daemon_t *d, const char *token, long long id, int *late)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = get_json(d, token, path);
    size_t i;
    json_t *ev;
    int n = 0;
    *late = 0;
    json_array_foreach(events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "type")), "alert") != 0)
            continue;
        n++;
        *late += json_is_true(json_object_get(ev, "late"));
    }
    json_decref(events);
    return n;
}

/* ---- serve-3.1 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_delivery)
{
    char db[512], log[512], url[128];
    td_db("alerts.db", db, sizeof(db));
    snprintf(log, sizeof(log), "%s/alerts-1.jsonl", cf_test_tmpdir());
    remove(log);
    char *token = td_token(db, "甲局", "handler", "张三");
    td_hook_t hook;
    td_hook_start(&hook, 1); /* the first delivery fails: retried with the same id */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.alert_log = log;
    cfg.webhooks[cfg.webhooks_count++] = url;
    td_start(&d, &cfg);
    long long id = open_case(&d, token);
    /* The filing clock started at open: a warning point and its deadline are pending. */
    json_t *pending = get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= 2);
    json_t *first = json_array_get(pending, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(first, "point")), "warning");
    ASSERT_EQ(json_integer_value(json_object_get(first, "case")), id);
    const char *alert_id = json_string_value(json_object_get(first, "alert_id"));
    const char *due = json_string_value(json_object_get(first, "due_at"));
    size_t pending_before = json_array_size(pending);
    td_stream_t stream;
    td_stream_start(&stream, &d, token, 1);
    td_clock(&d, due); /* the injected instant */
    td_stream_finish(&stream);
    /* The stream got it, fired at exactly its due instant, not late. */
    ASSERT_CONTAINS(stream.text, "event: alert\n");
    ASSERT_CONTAINS(stream.text, alert_id);
    ASSERT_CONTAINS(stream.text, "\"late\":false");
    char fired_at[96];
    snprintf(fired_at, sizeof(fired_at), "\"fired_at\":\"%s\"", due);
    ASSERT_CONTAINS(stream.text, fired_at);
    free(stream.text);
    /* The webhook: one failure, one retry, the same stable id on both. */
    td_hook_wait(&hook, 2);
    ASSERT_STR_EQ(hook.ids[0], alert_id);
    ASSERT_STR_EQ(hook.ids[1], alert_id);
    ASSERT_EQ(hook.attempts[0], 1);
    ASSERT_EQ(hook.attempts[1], 2);
    ASSERT_CONTAINS(hook.bodies[1], alert_id);
    /* The case's chain holds the alert event; the log holds one line. */
    int late;
    ASSERT_EQ(alert_events(&d, token, id, &late), 1);
    ASSERT_EQ(late, 0);
    ASSERT_EQ(lines_with(log, alert_id), 1);
    json_t *still = get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT_EQ(json_array_size(still), pending_before - 1);
    json_decref(still);
    json_decref(pending);
    td_stop(&d);
    td_hook_stop(&hook);
    free(token);
    return 0;
}

/* ---- serve-3.2 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_restart)
{
    char db[512], log[512];
    td_db("restart.db", db, sizeof(db));
    snprintf(log, sizeof(log), "%s/alerts-2.jsonl", cf_test_tmpdir());
    remove(log);
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.alert_log = log;
    td_start(&d, &cfg);
    long long id = open_case(&d, token);
    json_t *pending = get_json(&d, token, "/v1/alerts?state=pending");
    size_t n = json_array_size(pending);
    ASSERT(n >= 2);
    json_decref(pending);
    td_stop(&d);
    /* Down past every due instant; at start they all fire, late, once. */
    td_config(&cfg, db, "2026-06-01T09:00:00+08:00");
    cfg.alert_log = log;
    td_start(&d, &cfg);
    td_clock(&d, "2026-06-01T09:00:00+08:00"); /* queued behind the start's firing */
    int late;
    ASSERT_EQ(alert_events(&d, token, id, &late), (int)n);
    ASSERT_EQ(late, (int)n);
    json_t *fired = get_json(&d, token, "/v1/alerts?state=fired");
    ASSERT_EQ(json_array_size(fired), n);
    json_decref(fired);
    pending = get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT_EQ(json_array_size(pending), 0);
    json_decref(pending);
    td_stop(&d);
    /* Restart again, later still: nothing fires a second time. */
    td_config(&cfg, db, "2026-07-01T09:00:00+08:00");
    cfg.alert_log = log;
    td_start(&d, &cfg);
    td_clock(&d, "2026-07-01T09:00:00+08:00");
    ASSERT_EQ(alert_events(&d, token, id, &late), (int)n);
    td_stop(&d);
    ASSERT_EQ(lines_with(log, "\"alert_id\""), (int)n);
    free(token);
    return 0;
}

/* ---- serve-3.6 ---------------------------------------------------------------------------------
 */

/* POST an action on case id as token (If-Match: its current version); expects 200. */
static void act(const td_daemon_t *d, const char *token, long long id, const char *action,
                json_t *facts, const char *document)
{
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    char etag[32];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    td_resp_free(&r);
    json_t *body = json_pack("{s:s, s:o, s:{s:{s:s, s:i, s:s}}}", "action", action, "facts", facts,
                             "documents", document, "sha256",
                             "0000000000000000000000000000000000000000000000000000000000000000",
                             "size", 1, "file", "x.pdf");
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http_json(d, "POST", path, token, body, etag, &r);
    json_decref(body);
    if (r.status != 200)
        CF__FAIL("%s: %ld %s", action, r.status, r.body);
    td_resp_free(&r);
}

/* The pending alert ids of the agency, one string "id id ..." (OUT buf). */
static void pending_ids(const td_daemon_t *d, const char *token, char *buf, size_t size)
{
    json_t *pending = get_json(d, token, "/v1/alerts?state=pending");
    size_t i, len = 0;
    json_t *a;
    buf[0] = '\0';
    json_array_foreach(pending, i, a) len += (size_t)snprintf(
        buf + len, size - len, "%s ", json_string_value(json_object_get(a, "alert_id")));
    json_decref(pending);
}

static void exec_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        CF__FAIL("%s: %s", sql, msg);
    sqlite3_close(h);
}

TEST_IMPL(serve_alert_sync_clock_only)
{
    char db[512], sql[256], before[2048], after[2048];
    td_db("sync.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    long long id = open_case(&d, handler);
    /* 立案 stops the filing clock and starts the decision clock: the index follows. */
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT_CONTAINS(before, ":filing:deadline:");
    act(&d, head, id, "file",
        json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "filing_reason", "涉嫌串换药品",
                  "cause", "定点医药机构串换药品", "officers", "name", "张三", "cert",
                  "65010020001", "name", "王五", "cert", "65010020002"),
        "立案审批表");
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT(strstr(before, ":filing:") == NULL);
    ASSERT_CONTAINS(before, ":decision:deadline:");
    /* A row the daemon did not write: an act that rewrites the case's index drops it. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO alerts VALUES('%lld:decision:probe:4102444800', %lld, 'decision', "
             "'warning', 4102444800, 4102444800, NULL)",
             id, id);
    exec_sql(db, sql);
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT_CONTAINS(before, ":decision:probe:");
    /* 调查终结 (investigating -> reviewing) starts and stops no clock: the index is
     * left exactly as it was, the probe row included. */
    act(&d, handler, id, "submit_review", json_pack("{s:s}", "findings", "串换药品30000元"),
        "调查终结报告");
    pending_ids(&d, handler, after, sizeof(after));
    ASSERT_STR_EQ(after, before);
    /* 送法制审核 starts the legal-review clock: the index is rewritten, probe gone. */
    act(&d, handler, id, "submit_legal_review",
        json_pack("{s:b, s:s}", "serious", 1, "review_opinion", "事实清楚"), "案件审查报告");
    pending_ids(&d, handler, after, sizeof(after));
    ASSERT(strstr(after, ":decision:probe:") == NULL);
    ASSERT_CONTAINS(after, ":legal_review:deadline:");
    ASSERT_CONTAINS(after, ":decision:deadline:");
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}
