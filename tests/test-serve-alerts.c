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
 */
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
