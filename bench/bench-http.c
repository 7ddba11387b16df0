/*
 * bench-http.c -- `caseflow-bench http`: durable transitions per second over
 * HTTP, against `caseflow serve` on 127.0.0.1, every answer given after its
 * transaction committed (the daemon's contract, docs/api.md).
 *
 * The client is libcurl multi on one thread: --clients keep-alive connections,
 * each a person working alone on its own --cases-per-client cases: it opens
 * them (POST /v1/cases; timed apart, as `http_open`), then takes each case
 * through its eight steps (POST /v1/cases/{id}/actions with If-Match: the
 * version the previous answer gave), one request in flight per connection.
 * The daemon's writer commits whatever arrived during the previous commit in
 * one transaction (group commit), so the number of connections is the most a
 * commit can carry; /metrics gives the batches it actually made.
 *
 * Rejected: wrk with a Lua script (its requests cannot carry the version the
 * previous answer returned without a per-connection state machine in Lua, and
 * it is one more package); one easy handle per request (a new connection each).
 * Cost of the choice: the client shares the machine's two cores with the
 * daemon's loop and writer threads, so the figure is lower than a client on
 * another machine would see; docs/performance.md says so.
 */
#include "bench.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_OPEN "2026-03-02T09:00:00+08:00"

typedef struct client_s {
    CURL *easy;
    struct curl_slist *headers;
    char url[128], body[256], errbuf[CURL_ERROR_SIZE];
    char *answer;
    size_t answer_len;
    int64_t *ids, *versions; /* per case */
    long cases, at;          /* at: the case being worked on */
    int step;                /* 0: opening; 1..8: the step in flight */
    double sent;
} client_t;

typedef struct run_s {
    const cf_bench_daemon_t *d;
    CURLM *multi;
    client_t *clients;
    long count;
    double *latency; /* seconds per answered request */
    long answered;
    int opening;
} run_t;

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    client_t *c = ctx;
    char *grown = realloc(c->answer, c->answer_len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + c->answer_len, data, size * n);
    c->answer = grown;
    c->answer_len += size * n;
    grown[c->answer_len] = '\0';
    return size * n;
}

/* Queues the client's next request: an open, or the next step of its case. */
static void send_next(run_t *r, client_t *c)
{
    char auth[128], match[64];
    curl_slist_free_all(c->headers);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", CF_BENCH_TOKEN);
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, auth);
    c->headers = curl_slist_append(c->headers, "Expect:");
    if (r->opening) {
        snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d/v1/cases", r->d->port);
        snprintf(c->body, sizeof(c->body),
                 "{\"workflow\": \"bench-linear\", \"party\": {\"name\": \"基准药房%ld号\", "
                 "\"type\": \"定点医药机构\"}}",
                 (long)(c - r->clients) * c->cases + c->at);
    } else {
        snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d/v1/cases/%lld/actions", r->d->port,
                 (long long)c->ids[c->at]);
        snprintf(c->body, sizeof(c->body), "{\"action\": \"step%d\"}", c->step);
        snprintf(match, sizeof(match), "If-Match: \"%lld\"", (long long)c->versions[c->at]);
        c->headers = curl_slist_append(c->headers, match);
    }
    curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
    c->answer_len = 0;
    c->sent = cf_bench_now();
    curl_multi_add_handle(r->multi, c->easy);
}

/* Takes an answer; returns 1 if the client has more to send. */
static int take_answer(run_t *r, client_t *c, CURLcode result)
{
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    r->latency[r->answered++] = cf_bench_now() - c->sent;
    if (result != CURLE_OK || status != (r->opening ? 201 : 200))
        cf_bench_die("http", "%s answered %ld: %s %s", c->url, status,
                     result != CURLE_OK ? c->errbuf : "", c->answer ? c->answer : "");
    json_t *a = json_loadb(c->answer, c->answer_len, 0, NULL);
    if (r->opening)
        c->ids[c->at] = json_integer_value(json_object_get(a, "id"));
    c->versions[c->at] = json_integer_value(json_object_get(a, "version"));
    json_decref(a);
    if (r->opening)
        return ++c->at < c->cases;
    if (++c->step <= CF_BENCH_STEPS)
        return 1;
    c->step = 1;
    return ++c->at < c->cases;
}

/* Runs every client until each has nothing left; returns the seconds taken. */
static double drive(run_t *r)
{
    int running = 0;
    double start = cf_bench_now();
    for (long i = 0; i < r->count; i++) {
        r->clients[i].at = 0;
        r->clients[i].step = 1;
        send_next(r, &r->clients[i]);
    }
    do {
        curl_multi_perform(r->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
            client_t *c = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            curl_multi_remove_handle(r->multi, m->easy_handle);
            if (take_answer(r, c, m->data.result))
                send_next(r, c);
        }
        curl_multi_perform(r->multi, &running);
        if (running)
            curl_multi_poll(r->multi, NULL, 0, 100, NULL);
    } while (running);
    return cf_bench_now() - start;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n ? v[(long)(p * (double)(n - 1))] : 0;
}

static void setup(run_t *r, long clients, long cases)
{
    r->multi = curl_multi_init();
    curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, clients);
    r->clients = calloc((size_t)clients, sizeof(client_t));
    r->latency = calloc((size_t)(clients * cases * (CF_BENCH_STEPS + 1)), sizeof(double));
    r->count = clients;
    for (long i = 0; i < clients; i++) {
        client_t *c = &r->clients[i];
        c->easy = curl_easy_init();
        c->cases = cases;
        c->ids = calloc((size_t)cases, sizeof(int64_t));
        c->versions = calloc((size_t)cases, sizeof(int64_t));
        curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
        curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf);
        curl_easy_setopt(c->easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, 120L);
    }
}

static void teardown(run_t *r)
{
    for (long i = 0; i < r->count; i++) {
        curl_easy_cleanup(r->clients[i].easy);
        curl_slist_free_all(r->clients[i].headers);
        free(r->clients[i].answer);
        free(r->clients[i].ids);
        free(r->clients[i].versions);
    }
    curl_multi_cleanup(r->multi);
    free(r->clients);
    free(r->latency);
}

/* The sample "NAME VALUE" (a line of its own, not the # HELP line) in /metrics;
 * name ends with the space. */
static double metric(const char *text, const char *name)
{
    for (const char *at = text; at && (at = strstr(at, name)) != NULL; at++)
        if (at > text && at[-1] == '\n')
            return atof(at + strlen(name));
    return 0;
}

/* Exported, documented in bench.h */
int cf_bench_http_cmd(cf_bench_env_t *env, int argc, char **argv)
{
    long clients = cf_bench_opt(argc, argv, "--clients", 64);
    long cases = cf_bench_opt(argc, argv, "--cases-per-client", env->quick ? 10 : 60);
    const char *extra[] = {"--now", T_OPEN, NULL};
    char path[1024], *metrics = NULL;
    cf_store_t *s;
    cf_bench_daemon_t d;
    run_t r = {.d = &d};
    long status;
    cf_bench_path(env, "http.db", path, sizeof(path));
    cf_bench_new_db(env, path, &s);
    cf_store_close(s);
    cf_bench_daemon_start(env, path, extra, &d);
    setup(&r, clients, cases);
    r.opening = 1;
    double open_s = drive(&r);
    cf_bench_result("http_open", (double)(clients * cases) / open_s,
                    "cases=%ld clients=%ld seconds=%.3f", clients * cases, clients, open_s);
    cf_bench_http(&d, "GET", "/metrics", NULL, NULL, &status, &metrics);
    double batches0 = metric(metrics, "caseflow_commits_total ");
    free(metrics);
    r.opening = 0;
    r.answered = 0;
    double secs = drive(&r);
    long n = r.answered;
    cf_bench_http(&d, "GET", "/metrics", NULL, NULL, &status, &metrics);
    double batches = metric(metrics, "caseflow_commits_total ") - batches0;
    cf_bench_result("http", (double)n / secs,
                    "transitions=%ld clients=%ld seconds=%.3f commits=%.0f per_commit=%.1f "
                    "p50_ms=%.2f p99_ms=%.2f batch_max=%.0f",
                    n, clients, secs, batches, batches > 0 ? (double)n / batches : 0,
                    pct(r.latency, n, 0.5) * 1e3, pct(r.latency, n, 0.99) * 1e3,
                    metric(metrics, "caseflow_commit_batch_max "));
    free(metrics);
    teardown(&r);
    int rc = cf_bench_daemon_stop(&d);
    if (rc != 0)
        cf_bench_die("serve", "exited %d after SIGTERM", rc);
    return 0;
}
