/*
 * test-serve-hard-limits.c -- serve-hard-* (issue 19), the limits: what a request may
 * ask is bounded, and big answers neither flood a client nor stall the loop. Each
 * test drives a daemon run in-process (serve-helpers.c).
 *
 * serve-hard-2.*: numbers in requests and settings are range-checked;
 * serve-hard-3.1: /metrics needs a metrics token;
 * serve-hard-6.*: paged reads, off the loop.
 * (The rest of serve-hard-* is test-serve-hard.c and test-serve-hard-operator.c.)
 *
 * Map: serve-hard-2.1 with get_status; 2.2; 3.1; 6.1 with open_plain; 6.2 with its
 * loop probe and slow reader.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- serve-hard-2.1: every number in a request is range-checked ------------------------------ */

/* GET path as token: the status; OUT parameter (size bytes) the "parameter" named. */
static long get_status(const td_daemon_t *d, const char *token, const char *path, char *parameter,
                       size_t size)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    const char *p = json_string_value(json_object_get(r.json, "parameter"));
    snprintf(parameter, size, "%s", p ? p : "");
    td_resp_free(&r);
    return status;
}

TEST_IMPL(serve_hard_numbers)
{
    static const struct {
        const char *path;
        const char *parameter;
    } bad[] = {
        {"/v1/cases?due_within=106751991167301d", "due_within"},
        {"/v1/cases?due_within=9223372036854775807", "due_within"},
        {"/v1/cases?due_within=99999999999999999999", "due_within"},
        {"/v1/cases?due_within=36501d", "due_within"},
        {"/v1/cases?due_within=0", "due_within"},
        {"/v1/cases?due_within=-1d", "due_within"},
        {"/v1/cases?due_within=+3d", "due_within"},
        {"/v1/cases?due_within=%203d", "due_within"},
        {"/v1/cases?due_within=3w", "due_within"},
        {"/v1/cases?parent=abc", "parent"},
        {"/v1/cases?parent=-5", "parent"},
        {"/v1/cases?parent=0", "parent"},
        {"/v1/cases?parent=99999999999999999999999", "parent"},
        {"/v1/cases?open=yes", "open"},
        {"/v1/cases?overdue=2", "overdue"},
        {"/v1/cases/99999999999999999999", "id"},
    };
    char db[512], parameter[64];
    td_db("hard-numbers.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long status = get_status(&d, token, bad[i].path, parameter, sizeof(parameter));
        if (status != 400 || strcmp(parameter, bad[i].parameter) != 0)
            CF__FAIL("%s: %ld naming '%s'", bad[i].path, status, parameter);
    }
    /* The edges that are in range are served. */
    static const char *const good[] = {"/v1/cases?due_within=36500d", "/v1/cases?due_within=1",
                                       "/v1/cases?parent=9223372036854775807",
                                       "/v1/cases?open=0&overdue=1"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ASSERT_EQ(get_status(&d, token, good[i], parameter, sizeof(parameter)), 200);
    ASSERT_EQ(get_status(&d, token, "/v1/cases/9223372036854775807", parameter, sizeof(parameter)),
              404);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-hard-2.2: settings are range-checked ------------------------------------------- */

TEST_IMPL(serve_hard_settings)
{
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        {"timeout_ms", "10000", 1},
        {"timeout_ms", "4294967297", 0}, /* once truncated to 1 */
        {"timeout_ms", "0", 0},
        {"max_body", "99999999999999999999999", 0},
        {"max_body", "-1", 0},
        {"max_body", "1048576", 1},
        {"webhook_attempts", "101", 0},
        {"fire_chunk", "1025", 0},
        {"stream_max_pending", "4095", 0},
        {"token_cache_ms", "1 ", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long n = 7;
        int rc = cf_serve_config_number(cases[i].key, cases[i].value, &n);
        if ((rc == 0) != cases[i].ok)
            CF__FAIL("%s = '%s': %d", cases[i].key, cases[i].value, rc);
        if (!cases[i].ok)
            ASSERT_EQ(n, 7); /* untouched */
    }
    unsigned long n;
    ASSERT_EQ(cf_serve_config_number("no_such_key", "1", &n), CF_ENOTFOUND);
    return 0;
}

/* ---- serve-hard-3.1: /metrics needs a metrics token, which reads nothing else ---------------- */

TEST_IMPL(serve_hard_metrics_token)
{
    char db[512];
    td_db("hard-metrics.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    td_resp_t r;
    td_http(&d, "GET", "/metrics", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 401); /* once 200 to anyone */
    td_resp_free(&r);
    td_http(&d, "GET", "/metrics", handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 403); /* an agency's handler sees no daemon-wide figures */
    ASSERT_CONTAINS(r.body, "role metrics");
    td_resp_free(&r);
    td_http(&d, "GET", "/metrics", d.metrics_token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "caseflow_commits_total");
    td_resp_free(&r);
    /* A metrics token reads no case, writes nothing, opens no stream. */
    static const char *const paths[] = {"/v1/cases", "/v1/alerts", "/v1/workflows", "/v1/stream"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        td_http(&d, "GET", paths[i], d.metrics_token, NULL, 0, NULL, &r);
        if (r.status != 403)
            CF__FAIL("GET %s with a metrics token: %ld", paths[i], r.status);
        td_resp_free(&r);
    }
    td_http(&d, "POST", "/v1/cases", d.metrics_token, "{}", 2, NULL, &r);
    ASSERT_EQ(r.status, 403);
    td_resp_free(&r);
    td_stop(&d);
    free(handler);
    return 0;
}

/* ---- serve-hard-6.*: paged reads, off the loop -------------------------------------------------
 */

static long long open_plain(const td_daemon_t *d, const char *token)
{
    static const char body[] = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    td_resp_t r;
    td_http(d, "POST", "/v1/cases", token, body, sizeof(body) - 1, NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    return id;
}

/* serve-hard-6.1: following the next cursor walks every case exactly once, in order;
 * the alerts likewise; the page size has a default and a maximum. */
TEST_IMPL(serve_hard_paging)
{
    enum { CASES = 250, PAGE = 7 };
    char db[512], path[256], parameter[64];
    td_db("hard-paging.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    char *other = td_token(db, "乙局", "handler", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    for (int i = 0; i < CASES; i++) {
        open_plain(&d, token);
        if (i % 50 == 0)
            open_plain(&d, other); /* another agency's, between: never seen */
    }
    static int seen[CASES + 16];
    long long last = 0;
    int pages = 0, rows = 0;
    snprintf(path, sizeof(path), "/v1/cases?limit=%d", PAGE);
    for (;;) {
        td_resp_t r;
        td_http(&d, "GET", path, token, NULL, 0, NULL, &r);
        ASSERT_EQ(r.status, 200);
        size_t i;
        json_t *row;
        ASSERT(json_array_size(r.json) <= PAGE);
        json_array_foreach(r.json, i, row) {
            long long id = json_integer_value(json_object_get(row, "id"));
            ASSERT(id > last); /* in order, so never twice */
            last = id;
            ASSERT(id > 0 && id < CASES + 16);
            seen[id]++;
            rows++;
        }
        pages++;
        if (!r.next_cursor[0]) {
            ASSERT(r.link[0] == '\0');
            td_resp_free(&r);
            break;
        }
        /* Link names the same query with the cursor. */
        ASSERT_CONTAINS(r.link, "limit=7");
        ASSERT_CONTAINS(r.link, "rel=\"next\"");
        ASSERT_EQ(atoll(r.next_cursor), last);
        snprintf(path, sizeof(path), "/v1/cases?limit=%d&cursor=%s", PAGE, r.next_cursor);
        td_resp_free(&r);
        ASSERT(pages < 100);
    }
    ASSERT_EQ(rows, CASES);
    ASSERT_EQ(pages, (CASES + PAGE - 1) / PAGE);
    int once = 0;
    for (int i = 0; i < CASES + 16; i++)
        once += seen[i] == 1;
    ASSERT_EQ(once, CASES);
    /* The default page is 100 rows, with a cursor. */
    td_resp_t r;
    td_http(&d, "GET", "/v1/cases", token, NULL, 0, NULL, &r);
    ASSERT_EQ(json_array_size(r.json), 100);
    ASSERT(r.next_cursor[0] != '\0');
    td_resp_free(&r);
    /* The alerts, walked 9 at a time, are the alerts in one page of the most. */
    json_t *walked = td_get_all(&d, token, "/v1/alerts?limit=9");
    json_t *whole = td_get_json(&d, token, "/v1/alerts?limit=1000");
    ASSERT_EQ(json_array_size(walked), json_array_size(whole));
    ASSERT(json_array_size(whole) >= CASES); /* at least a deadline each */
    ASSERT(json_equal(walked, whole));
    json_decref(walked);
    json_decref(whole);
    /* Out of range. */
    static const struct {
        const char *path, *parameter;
    } bad[] = {{"/v1/cases?limit=0", "limit"},           {"/v1/cases?limit=1001", "limit"},
               {"/v1/cases?limit=ten", "limit"},         {"/v1/cases?cursor=abc", "cursor"},
               {"/v1/cases?cursor=-1", "cursor"},        {"/v1/alerts?limit=0", "limit"},
               {"/v1/alerts?cursor=nonsense", "cursor"}, {"/v1/alerts?state=soon", "state"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long status = get_status(&d, token, bad[i].path, parameter, sizeof(parameter));
        if (status != 400 || strcmp(parameter, bad[i].parameter) != 0)
            CF__FAIL("%s: %ld naming '%s'", bad[i].path, status, parameter);
    }
    td_stop(&d);
    free(token);
    free(other);
    return 0;
}

/* The reader pool's probe: records which threads read; holds the next read, on demand,
 * until the test lets it go. */
typedef struct probe_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t threads[64];
    int count;
    int hold;    /* the next read is held */
    int holding; /* a read is held (the test clears it to let the read go) */
} probe_t;

static void on_read(void *ctx)
{
    probe_t *p = ctx;
    pthread_mutex_lock(&p->mu);
    if (p->count < 64)
        p->threads[p->count] = pthread_self();
    p->count++;
    if (p->hold) {
        p->hold = 0;
        p->holding = 1;
        pthread_cond_broadcast(&p->cv);
        while (p->holding)
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

typedef struct slow_get_s {
    const td_daemon_t *d;
    const char *token;
    long status;
} slow_get_t;

static void *slow_get(void *arg)
{
    slow_get_t *g = arg;
    td_resp_t r;
    td_http(g->d, "GET", "/v1/cases", g->token, NULL, 0, NULL, &r);
    g->status = r.status;
    td_resp_free(&r);
    return NULL;
}

/* serve-hard-6.2: every read runs on a reader thread, not the loop's; a read held (until
 * the test lets it go) holds neither other clients nor a commit. */
TEST_IMPL(serve_hard_reads_off_loop)
{
    char db[512], path[64];
    td_db("hard-readers.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    probe_t probe = {.count = 0};
    pthread_mutex_init(&probe.mu, NULL);
    pthread_cond_init(&probe.cv, NULL);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.read_probe = on_read;
    cfg.read_probe_ctx = &probe;
    td_start(&d, &cfg);
    long long id = open_plain(&d, token);
    static const char *const reads[] = {"/v1/cases", "/v1/cases/%lld", "/v1/cases/%lld/events",
                                        "/v1/alerts"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        snprintf(path, sizeof(path), reads[i], id);
        json_decref(td_get_json(&d, token, path));
    }
    pthread_mutex_lock(&probe.mu);
    ASSERT_EQ(probe.count, 4);
    for (int i = 0; i < probe.count; i++)
        ASSERT(!pthread_equal(probe.threads[i], d.thread)); /* d.thread runs the loop */
    pthread_mutex_unlock(&probe.mu);
    /* A read held: others are served, writes commit, meanwhile (were they held behind
     * it, the test would never let it go: the runner's timeout would end it). */
    pthread_mutex_lock(&probe.mu);
    probe.hold = 1;
    pthread_mutex_unlock(&probe.mu);
    slow_get_t g = {&d, token, 0};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, slow_get, &g), 0);
    pthread_mutex_lock(&probe.mu);
    while (!probe.holding)
        pthread_cond_wait(&probe.cv, &probe.mu);
    pthread_mutex_unlock(&probe.mu);
    for (int i = 0; i < 5; i++)
        open_plain(&d, token);
    json_decref(td_get_json(&d, token, "/v1/alerts"));
    pthread_mutex_lock(&probe.mu);
    ASSERT(probe.holding); /* still held: all of that was done beside it */
    probe.holding = 0;
    pthread_cond_broadcast(&probe.cv);
    pthread_mutex_unlock(&probe.mu);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(g.status, 200);
    pthread_cond_destroy(&probe.cv);
    pthread_mutex_destroy(&probe.mu);
    td_stop(&d);
    free(token);
    return 0;
}
