/*
 * test-serve-web-alerts.c -- serve-web-3: alerts for people (issue 22, WEB-CONTRACT.md),
 * against a daemon run in-process (serve-helpers.c): routing on the stream,
 * acknowledgement on the chain, escalation to the head (stream, webhooks, alert log),
 * the alert rows with who acknowledged, audit verify and replay take both.
 * (The rest of serve-web-* is test-serve-web.c and test-serve-web-reads.c.)
 *
 * Map: ack, event_of, alert_row, hook_got and log_lines; serve-web-3.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- serve-web-3: alerts for people -----------------------------------------------------------
 */

/* POST /v1/alerts/{id}/ack as token: the status (OUT *body: the answer, new). */
static long ack(const td_daemon_t *d, const char *token, const char *id, json_t **body)
{
    char path[256];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/alerts/%s/ack", id);
    td_http(d, "POST", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    if (body)
        *body = json_incref(r.json);
    td_resp_free(&r);
    return status;
}

/* The first event of type in case id's events that names alert_id, or NULL (new). */
static json_t *event_of(const td_daemon_t *d, const char *token, long long id, const char *type,
                        const char *alert_id)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path), *hit = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (!hit && strcmp(json_string_value(json_object_get(ev, "type")), type) == 0 &&
            strcmp(json_string_value(json_object_get(ev, "alert_id")), alert_id) == 0)
            hit = json_incref(ev);
    }
    json_decref(events);
    return hit;
}

/* The row of alert id in GET path as token (new reference), or NULL. */
static json_t *alert_row(const td_daemon_t *d, const char *token, const char *path, const char *id)
{
    json_t *rows = td_get_all(d, token, path), *hit = NULL, *row;
    size_t i;
    json_array_foreach(rows, i, row) {
        if (!hit && strcmp(json_string_value(json_object_get(row, "alert_id")), id) == 0)
            hit = json_incref(row);
    }
    json_decref(rows);
    return hit;
}

/* 1 once webhook receiver h has had a request with alert id header id (waits up to
 * CF_TEST_WAIT_MS: the delivery goes out after the escalation's commit, on the loop). */
static int hook_got(td_hook_t *h, const char *id, const char *body_part)
{
    for (int64_t end = cf_test_ms() + CF_TEST_WAIT_MS; cf_test_ms() < end;) {
        int found = 0;
        pthread_mutex_lock(&h->mu);
        for (int i = 0; i < h->count && i < 32; i++)
            found |= strcmp(h->ids[i], id) == 0 && h->bodies[i] && strstr(h->bodies[i], body_part);
        pthread_mutex_unlock(&h->mu);
        if (found)
            return 1;
        cf_test_nap(10);
    }
    return 0;
}

/* The lines of file path that hold both needles. */
static int log_lines(const char *path, const char *a, const char *b)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, a) && strstr(line, b);
    if (f)
        fclose(f);
    return n;
}

TEST_IMPL(serve_web_3_alerts)
{
    char db[512];
    td_db("web-alerts.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "handler", "王五");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_hook_t hook;
    char log[512], url[128];
    snprintf(log, sizeof(log), "%s/web-alerts.jsonl", cf_test_tmpdir());
    remove(log);
    td_hook_start(&hook, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    td_config(&cfg, db, T0);
    cfg.alert_ack_timeout = 3600;
    cfg.alert_log = log;
    cfg.webhooks[cfg.webhooks_count++] = url;
    td_start(&d, &cfg);
    /* a case with two officers: its handlers */
    td_resp_t r;
    json_t *body = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]}", "workflow",
                             "penalty-general", "party", "name", "某药房", "type", "定点医药机构",
                             "facts", "lead_source", "投诉举报", "officers", "name", "张三", "cert",
                             "A001", "name", "赵六", "cert", "A002");
    td_http_json(&d, "POST", "/v1/cases", handler, body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("open: %ld %s", r.status, r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    json_t *pending = td_get_json(&d, handler, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= 2);
    char first[160], second[160], due1[40], due2[40];
    json_t *a0 = json_array_get(pending, 0), *a1 = json_array_get(pending, 1);
    snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(a0, "alert_id")));
    snprintf(second, sizeof(second), "%s", json_string_value(json_object_get(a1, "alert_id")));
    snprintf(due1, sizeof(due1), "%s", json_string_value(json_object_get(a0, "due_at")));
    snprintf(due2, sizeof(due2), "%s", json_string_value(json_object_get(a1, "due_at")));
    json_decref(pending);
    /* serve-web-3.1: not fired yet: 409; another agency's: 404; no such: 404 */
    ASSERT_EQ(ack(&d, handler, first, NULL), 409);
    ASSERT_EQ(ack(&d, stranger, first, NULL), 404);
    ASSERT_EQ(ack(&d, handler, "99:none:warning:1", NULL), 404);
    /* serve-web-3.2: the alert on the stream carries its routing */
    td_stream_t st;
    td_stream_start(&st, &d, handler, 1);
    td_clock(&d, due1);
    td_stream_finish(&st);
    ASSERT(strstr(st.text, "\"handlers\":[\"张三\",\"赵六\"]"));
    ASSERT(strstr(st.text, "\"level\":\"warning\"") || strstr(st.text, "\"level\":\"breach\""));
    ASSERT(strstr(st.text, "\"to\":"));
    free(st.text);
    /* serve-web-3.3: acknowledged once, by who, when, on the chain; a second time 409 */
    json_t *answer = NULL;
    ASSERT_EQ(ack(&d, handler, first, &answer), 200);
    ASSERT(strcmp(json_string_value(json_object_get(answer, "acknowledged_by")), "张三") == 0);
    ASSERT(json_string_value(json_object_get(answer, "acknowledged_at")));
    json_decref(answer);
    ASSERT_EQ(ack(&d, head, first, NULL), 409);
    json_t *ev = event_of(&d, handler, id, "alert.acknowledged", first);
    ASSERT(ev);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "actor")), "张三") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "role")), "handler") == 0);
    json_decref(ev);
    /* serve-web-3.4: the second alert is not acknowledged: an hour after it fired it
     * goes to the head, on the chain and on the stream; the first, acknowledged, not */
    td_clock(&d, due2);
    cf_time_t t2;
    cf_error_t err;
    char later[40];
    ASSERT_EQ(cf_time_parse(due2, &t2, &err), 0);
    cf_time_format(t2 + 3600 + 60, later);
    td_stream_watch(&st, &d, head, "event: alert.escalated\n", 1);
    td_clock(&d, later);
    td_stream_finish(&st);
    ASSERT(strstr(st.text, second));
    ASSERT(strstr(st.text, "\"to\":\"head\""));
    ASSERT(!strstr(st.text, first));
    free(st.text);
    ev = event_of(&d, handler, id, "alert.escalated", second);
    ASSERT(ev);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "to")), "head") == 0);
    json_decref(ev);
    ev = event_of(&d, handler, id, "alert.escalated", first);
    ASSERT(!ev);
    /* serve-web-3.6: the escalation goes to the webhooks and the alert log too, under
     * its own delivery id (a receiver de-duplicating on the alert's id keeps it) */
    char escalated[200];
    snprintf(escalated, sizeof(escalated), "%s:escalated", second);
    ASSERT(hook_got(&hook, escalated, "\"event\":\"alert.escalated\""));
    ASSERT(hook_got(&hook, second, "\"fired_at\"")); /* the alert itself, as before */
    ASSERT_EQ(log_lines(log, second, "\"event\":\"alert.escalated\""), 1);
    ASSERT_EQ(log_lines(log, first, "\"event\":\"alert.escalated\""), 0);
    /* serve-web-3.7: GET /v1/alerts rows say who acknowledged, when, and the escalation;
     * ?state=unacknowledged lists the fired alerts nobody acknowledged */
    json_t *row = alert_row(&d, head, "/v1/alerts?state=fired&limit=1", first);
    ASSERT(row);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "acknowledged_by")), "张三");
    ASSERT(json_string_value(json_object_get(row, "acknowledged_at")));
    ASSERT(json_is_null(json_object_get(row, "escalated_at")));
    json_decref(row);
    row = alert_row(&d, head, "/v1/alerts?state=fired", second);
    ASSERT(row && json_is_null(json_object_get(row, "acknowledged_by")));
    ASSERT(json_string_value(json_object_get(row, "escalated_at")));
    json_decref(row);
    row = alert_row(&d, head, "/v1/alerts?state=unacknowledged&limit=1", second);
    ASSERT(row);
    json_decref(row);
    ASSERT(!(row = alert_row(&d, head, "/v1/alerts?state=unacknowledged&limit=1", first)));
    row = alert_row(&d, head, "/v1/alerts?state=pending", first);
    ASSERT(!row); /* fired: not pending */
    /* acknowledged after the escalation: still taken, and says it was escalated */
    ASSERT_EQ(ack(&d, head, second, NULL), 200);
    ev = event_of(&d, handler, id, "alert.acknowledged", second);
    ASSERT(ev && json_is_true(json_object_get(ev, "escalated")));
    json_decref(ev);
    row = alert_row(&d, handler, "/v1/alerts", second);
    ASSERT(row);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "acknowledged_by")), "李四");
    json_decref(row);
    ASSERT(!(row = alert_row(&d, head, "/v1/alerts?state=unacknowledged", second)));
    td_stop(&d);
    td_hook_stop(&hook);
    /* serve-web-3.5: the chain with these events verifies and replays */
    cf_store_t *s;
    cf_case_t c;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0);
    cf_case_dispose(&c);
    cf_store_close(s);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len), *null = fopen("/dev/null", "w");
    char idtext[32];
    snprintf(idtext, sizeof(idtext), "%lld", id);
    char *argv[] = {"caseflow", "--db", db, "audit", "verify", "--case", idtext, NULL};
    ASSERT_EQ(cf_cli_main(7, argv, f, null), 0);
    fclose(f);
    free(out);
    /* replayed: the only finding is the clock that ran out, none about these events */
    out = NULL;
    f = open_memstream(&out, &len);
    char *replay[] = {"caseflow", "--db", db, "--json", "audit", "replay", "--case", idtext, NULL};
    cf_cli_main(8, replay, f, null);
    fclose(f);
    fclose(null);
    json_t *report = json_loads(out, 0, NULL);
    json_t *devs =
        json_object_get(json_array_get(json_object_get(report, "cases"), 0), "deviations");
    ASSERT(json_is_array(devs));
    size_t i;
    json_t *dv;
    json_array_foreach(devs, i, dv) {
        ASSERT(strcmp(json_string_value(json_object_get(dv, "kind")), "deadline") == 0);
    }
    json_decref(report);
    free(out);
    free(handler);
    free(head);
    free(stranger);
    return 0;
}
