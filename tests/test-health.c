/*
 * test-health.c -- what monitoring reads from the daemon (issue 23 item 4):
 * /metrics' latency histograms by route pattern, process_*, open cases, overdue
 * clocks and the webhook queue; /readyz saying 503 while the writer is stuck.
 *
 * health-1.*: /metrics after requests on one route with several case ids: one
 *             series per route pattern and method, buckets cumulative, +Inf =
 *             count; open cases and overdue clocks follow the cases; the webhook
 *             queue holds the deliveries waiting for a retry.
 * health-2.*: /readyz: ready; 503 naming the stuck writer while another
 *             connection holds the database's write lock longer than
 *             writer_stuck_ms; ready again once the write went through; 503
 *             naming the workflows once none is stored.
 * health-3.*: every route of http-route.c's table has its own label in /metrics, its
 *             pattern; paths no route serves (unknown, a bad case id, a case id
 *             past INT64_MAX) are all labelled "other".
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve-helpers.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* The value of the sample line that starts with key (name and labels), or -1. */
static double sample_of(const char *text, const char *key)
{
    char want[512];
    if (snprintf(want, sizeof(want), "\n%s ", key) >= (int)sizeof(want))
        return -1;
    const char *at = strstr(text, want);
    return at ? atof(at + strlen(want)) : -1;
}

/* health-1.1 .. 1.4 */
TEST_IMPL(health_metrics)
{
    char db[512], url[128];
    td_db("health-metrics.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_hook_t hook;
    td_hook_start(&hook, 1000); /* every delivery fails: each waits for its retry */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.webhooks[cfg.webhooks_count++] = url;
    cfg.webhook_retry_ms = 3600000; /* the retry is an hour away */
    td_start(&d, &cfg);
    long long a = td_open_case(&d, token, "penalty-general", "某某大药房"),
              b = td_open_case(&d, token, "penalty-general", "某某大药房");
    char path[64];
    td_resp_t r;
    long long ids[] = {a, b, 424242};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/v1/cases/%lld", ids[i]);
        td_http(&d, "GET", path, token, NULL, 0, NULL, &r);
        ASSERT_EQ(r.status, i < 2 ? 200 : 404);
        td_resp_free(&r);
    }
    char *m = td_metrics_text(&d);
    /* health-1.1: one series for every case id, labelled by the pattern */
    const char *series = "caseflow_http_request_duration_seconds_count{route=\"/v1/cases/{id}\","
                         "method=\"GET\"}";
    ASSERT_EQ(sample_of(m, series), 3);
    ASSERT_EQ(sample_of(m, "caseflow_http_request_duration_seconds_count{route=\"/v1/cases\","
                           "method=\"POST\"}"),
              2);
    ASSERT(strstr(m, "424242") == NULL);
    snprintf(path, sizeof(path), "/v1/cases/%lld\"", a);
    ASSERT(strstr(m, path) == NULL);
    /* health-1.2: cumulative buckets, +Inf = count, a sum in seconds */
    const char *bucket_keys[] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                                 "0.25",  "0.5",    "1",     "2.5",  "5",     "10",   "+Inf"};
    double prev = 0;
    for (size_t i = 0; i < sizeof(bucket_keys) / sizeof(bucket_keys[0]); i++) {
        char key[256];
        snprintf(key, sizeof(key),
                 "caseflow_http_request_duration_seconds_bucket{route=\"/v1/cases/{id}\","
                 "method=\"GET\",le=\"%s\"}",
                 bucket_keys[i]);
        double v = sample_of(m, key);
        ASSERT(v >= prev);
        prev = v;
    }
    ASSERT_EQ(prev, 3);
    double sum = sample_of(m, "caseflow_http_request_duration_seconds_sum{route=\"/v1/cases/{id}\","
                              "method=\"GET\"}");
    ASSERT(sum > 0 && sum < 30);
    /* health-1.3: the process, read from /proc/self */
    ASSERT(sample_of(m, "process_resident_memory_bytes") > 1 << 20);
    ASSERT(sample_of(m, "process_virtual_memory_bytes") >=
           sample_of(m, "process_resident_memory_bytes"));
    ASSERT(sample_of(m, "process_open_fds") > 3);
    ASSERT(sample_of(m, "process_max_fds") >= sample_of(m, "process_open_fds"));
    ASSERT(sample_of(m, "process_cpu_seconds_total") >= 0);
    double started = sample_of(m, "process_start_time_seconds");
    ASSERT(started > (double)time(NULL) - 3600 && started <= (double)time(NULL) + 1);
    /* health-1.4: open cases and overdue clocks, then the webhook queue */
    ASSERT_EQ(sample_of(m, "caseflow_cases_open"), 2);
    ASSERT_EQ(sample_of(m, "caseflow_clocks_overdue"), 0);
    ASSERT_EQ(sample_of(m, "caseflow_webhook_queue"), 0);
    free(m);
    snprintf(path, sizeof(path), "/v1/cases/%lld", a);
    json_t *c = td_get_json(&d, token, path);
    const char *deadline = json_string_value(
        json_object_get(json_array_get(json_object_get(c, "clocks"), 0), "deadline"));
    cf_time_t due;
    char later[CF_TIME_BUFSZ];
    ASSERT_EQ(cf_time_parse(deadline, &due, NULL), 0);
    json_decref(c);
    cf_time_format(due + 86400, later);
    td_clock(&d, later); /* both cases' filing deadlines passed: their alerts fired */
    td_hook_wait(&hook, 1);
    m = td_metrics_text(&d);
    ASSERT_EQ(sample_of(m, "caseflow_clocks_overdue"), 2);
    ASSERT_EQ(sample_of(m, "caseflow_cases_open"), 2);
    double fired = sample_of(m, "caseflow_alerts_fired_total");
    ASSERT(fired >= 2);
    ASSERT_EQ(sample_of(m, "caseflow_webhook_queue"), fired); /* each waits for its retry */
    ASSERT_EQ(sample_of(m, "caseflow_webhook_failures_total"), 0);
    free(m);
    td_stop(&d);
    td_hook_stop(&hook);
    free(token);
    return 0;
}

typedef struct post_s {
    const td_daemon_t *d;
    const char *token;
    long status;
} post_t;

static void *post_main(void *arg)
{
    post_t *p = arg;
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s}}", "workflow", "supervision", "party", "name", "某医院");
    td_http_json(p->d, "POST", "/v1/cases", p->token, body, NULL, &r);
    json_decref(body);
    p->status = r.status;
    td_resp_free(&r);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* health-2.1: ready; another connection takes the write lock (as a long command
 * would) and a POST waits behind it: past writer_stuck_ms /readyz answers 503
 * naming the writer, and the metric shows the wait; once the lock is let go the
 * POST commits and the daemon is ready again. */
TEST_IMPL(health_readyz_writer_stuck)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512];
    td_db("health-ready.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.writer_stuck_ms = 300;
    td_start(&d, &cfg);
    td_resp_t r;
    td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "\"status\":\"ready\"");
    td_resp_free(&r);
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    post_t p = {&d, token, 0};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, post_main, &p), 0);
    /* polled, not slept: the POST reaches the writer's queue when the machine lets
     * it (waited for up to CF_TEST_WAIT_MS), and the lock is let go as soon as /readyz
     * says so, 300 ms into the writer's 5 s busy wait */
    for (int64_t end = cf_test_ms() + CF_TEST_WAIT_MS;;) {
        sleep_ms(50);
        td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
        if (r.status == 503 || cf_test_ms() >= end)
            break;
        ASSERT_EQ(r.status, 200);
        td_resp_free(&r);
    }
    ASSERT_EQ(r.status, 503);
    ASSERT_CONTAINS(r.body, "\"status\":\"not ready\"");
    ASSERT_CONTAINS(r.body, "writer stuck: a write has waited");
    ASSERT_CONTAINS(r.body, "limit 300 ms");
    td_resp_free(&r);
    char *m = td_metrics_text(&d);
    ASSERT(sample_of(m, "caseflow_writer_oldest_write_seconds") >= 0.3);
    free(m);
    ASSERT_EQ(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    pthread_join(t, NULL);
    ASSERT_EQ(p.status, 201); /* the writer waited (busy timeout), then committed */
    td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "\"status\":\"ready\"");
    td_resp_free(&r);
    m = td_metrics_text(&d);
    ASSERT_EQ(sample_of(m, "caseflow_writer_oldest_write_seconds"), 0);
    free(m);
    /* health-2.2: the workflows gone from the database: not ready, and why */
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    ASSERT_EQ(sqlite3_exec(h, "DELETE FROM workflows", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 503);
    ASSERT_CONTAINS(r.body, "workflows: none loaded");
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* A path that pattern matches: 7 for each placeholder, 64 characters for {sha256}. */
static void path_of(const char *pattern, char *path, size_t size)
{
    size_t len = 0;
    for (const char *p = pattern; *p && len + 65 < size;) {
        if (*p != '{') {
            path[len++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        int sha = strncmp(p, "{sha256}", 8) == 0;
        for (int i = 0; i < (sha ? 64 : 1); i++)
            path[len++] = sha ? 'a' : '7';
        p = close + 1;
    }
    path[len] = '\0';
}

/* health-3.1, 3.2 */
TEST_IMPL(health_route_labels)
{
    char db[512], path[256], key[512];
    td_db("health-routes.db", db, sizeof(db));
    td_daemon_t d;
    td_start_at(&d, db, T0);
    int count = cf__http_route_labels_count();
    ASSERT(count > 20);
    ASSERT_STR_EQ(cf__http_route_label(0), "other");
    /* health-3.1: a PUT (405 everywhere, so nothing is written or streamed) on a path
     * of each route: its series is labelled with the route's own pattern */
    for (int i = 1; i < count; i++) {
        const char *pattern = cf__http_route_label(i);
        ASSERT(strcmp(pattern, "other") != 0);
        path_of(pattern, path, sizeof(path));
        ASSERT_EQ(cf__http_route_label_of(h2o_iovec_init(path, strlen(path))), i);
        td_resp_t r;
        td_http(&d, "PUT", path, NULL, NULL, 0, NULL, &r);
        if (r.status != 405)
            CF__FAIL("PUT %s: %ld, not 405", path, r.status);
        td_resp_free(&r);
    }
    /* health-3.2: paths no route serves */
    const char *unknown[] = {"/v1/nowhere", "/v1/cases/7/nowhere", "/v1/cases/abc", "/v1/cases/0",
                             "/v1/cases/99999999999999999999/events"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        ASSERT_EQ(cf__http_route_label_of(h2o_iovec_init(unknown[i], strlen(unknown[i]))), 0);
        td_resp_t r;
        td_http(&d, "PUT", unknown[i], NULL, NULL, 0, NULL, &r);
        ASSERT(r.status == 404 || r.status == 400);
        td_resp_free(&r);
    }
    char *m = td_metrics_text(&d);
    for (int i = 1; i < count; i++) {
        snprintf(key, sizeof(key),
                 "caseflow_http_request_duration_seconds_count{route=\"%s\",method=\"other\"}",
                 cf__http_route_label(i));
        if (sample_of(m, key) != 1)
            CF__FAIL("%s: %g, not 1", key, sample_of(m, key));
    }
    ASSERT_EQ(sample_of(m, "caseflow_http_request_duration_seconds_count{route=\"other\","
                           "method=\"other\"}"),
              (double)(sizeof(unknown) / sizeof(unknown[0])));
    ASSERT(strstr(m, "nowhere") == NULL);
    free(m);
    td_stop(&d);
    return 0;
}
