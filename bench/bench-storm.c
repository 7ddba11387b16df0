/*
 * bench-storm.c -- `caseflow-bench storm` and `caseflow-bench downtime` (issue 26):
 * the daemon firing a great many alerts at once while other clients keep using it.
 *
 *   storm     storm.db (`load --layout storm`): every case (1,000,000) falls due at
 *             one instant. The daemon is started LEAD_S (10 s) before it, on its
 *             real-time clock (--now), with --alert-log; 32 clients work on it
 *             throughout. Figures: the time from the instant to the last alert in the
 *             log and the rate; the clients' latency (GET and POST apart) for the
 *             requests sent between the instant and the last alert; the same for the
 *             requests sent before the instant's cases are read ahead (2 s before it):
 *             the same clients with nothing firing, the machine's floor in this run;
 *             peak memory (VmHWM); the log's largest size.
 *   downtime  downtime.db (`load --layout downtime`): 100,000 cases whose alerts
 *             fell due over one day while the daemon was down; it is started an
 *             hour after the last (--now). Figures: start to the first API answer
 *             (GET /v1/cases/1, the target: within 1 s while the alerts fire); the
 *             time to the last alert and the rate; the clients' latency meanwhile;
 *             and a check of the log: every alert marked late, in due order.
 *
 * The clients: --clients (32) threads, each with one keep-alive libcurl handle,
 * alternately GET /v1/cases/{a random case} and POST /v1/cases (opening a case on
 * the bench workflow), pausing --pause-ms (20) between requests: people at work,
 * not a load test; about 1,000 requests a second in all. Each request's latency is
 * kept with the instant it was sent.
 *
 * Once the daemon has stopped, the database is checked: no alert due by then still
 * pending, one alert event per case, no case with two (each fired once, on its
 * case's chain). A failed check ends the bench (exit 1).
 *
 * The log is followed by reading it every 2 ms and counting lines (a million lines
 * parsed as JSON would take the bench's CPU from the daemon); downtime reads each
 * line's due_at and late as text.
 */
#include "bench.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

/* ---- the alert log, followed ---------------------------------------------------------------- */

typedef struct follower_s {
    pthread_t thread;
    const char *path;
    atomic_int stop;
    atomic_long lines;
    double first, last; /* monotonic instants of the first and the last line */
    int check;          /* downtime: check order and the late mark */
    long out_of_order, not_late;
    char prev_due[40];
    char part[8192]; /* the line not yet complete */
    size_t part_len;
} follower_t;

static void check_line(follower_t *f, const char *line)
{
    const char *due = strstr(line, "\"due_at\":\"");
    char now[40] = "";
    if (due) {
        due += 10;
        size_t n = strcspn(due, "\"");
        snprintf(now, sizeof(now), "%.*s", (int)(n < 39 ? n : 39), due);
    }
    f->not_late += strstr(line, "\"late\":true") == NULL;
    f->out_of_order += !due || strcmp(now, f->prev_due) < 0;
    snprintf(f->prev_due, sizeof(f->prev_due), "%s", now);
}

static void feed(follower_t *f, const char *text, size_t n, double at)
{
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '\n') {
            if (f->part_len < sizeof(f->part) - 1)
                f->part[f->part_len++] = text[i];
            continue;
        }
        f->part[f->part_len] = '\0';
        if (f->check)
            check_line(f, f->part);
        f->part_len = 0;
        if (atomic_load(&f->lines) == 0)
            f->first = at;
        f->last = at;
        atomic_fetch_add(&f->lines, 1);
    }
}

static void *follow(void *arg)
{
    follower_t *f = arg;
    static char chunk[1 << 16];
    int fd = -1;
    while (!atomic_load(&f->stop)) {
        if (fd < 0 && (fd = open(f->path, O_RDONLY)) < 0) {
            usleep(2000);
            continue;
        }
        ssize_t n;
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
            feed(f, chunk, (size_t)n, cf_bench_now());
        usleep(2000);
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* ---- the clients ---------------------------------------------------------------------------- */

typedef struct sample_s {
    double sent, ms;
    int post;
} sample_t;

typedef struct client_s {
    pthread_t thread;
    const cf_bench_daemon_t *d;
    long cases, pause_ms, n, cap;
    unsigned seed;
    sample_t *samples;
    atomic_int *stop;
    long failed;
} client_t;

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static void *client_main(void *arg)
{
    client_t *c = arg;
    char url[128], body[256];
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Authorization: Bearer " CF_BENCH_TOKEN);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    for (long i = 0; !atomic_load(c->stop); i++) {
        int post = i % 2;
        if (post) {
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/cases", c->d->port);
            snprintf(body, sizeof(body),
                     "{\"workflow\": \"bench-linear\", \"party\": {\"name\": \"风暴药房%ld号\", "
                     "\"type\": \"定点医药机构\"}}",
                     i);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        } else {
            long id = 1 + (long)(rand_r(&c->seed) % c->cases);
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/cases/%ld", c->d->port, id);
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        }
        curl_easy_setopt(e, CURLOPT_URL, url);
        double t = cf_bench_now();
        long status = 0;
        CURLcode rc = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        double ms = (cf_bench_now() - t) * 1e3;
        if (rc != CURLE_OK || status != (post ? 201 : 200))
            c->failed++;
        if (c->n == c->cap &&
            !(c->samples = realloc(c->samples, (size_t)(c->cap = c->cap ? 2 * c->cap : 4096) *
                                                   sizeof(sample_t))))
            cf_bench_die("storm", "out of memory");
        c->samples[c->n++] = (sample_t){t, ms, post};
        usleep((useconds_t)c->pause_ms * 1000);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* RESULT key (p99 ms) for the requests of one kind sent within [from, to]. */
static void latency(const char *key, const client_t *cl, long n_clients, int post, double from,
                    double to)
{
    long total = 0, n = 0, failed = 0;
    for (long k = 0; k < n_clients; k++)
        total += cl[k].n, failed += cl[k].failed;
    double *ms = malloc((size_t)(total + 1) * sizeof(double));
    for (long k = 0; k < n_clients; k++)
        for (long i = 0; i < cl[k].n; i++)
            if (cl[k].samples[i].post == post && cl[k].samples[i].sent >= from &&
                cl[k].samples[i].sent <= to)
                ms[n++] = cl[k].samples[i].ms;
    qsort(ms, (size_t)n, sizeof(double), cmp_double);
    double p50 = n ? ms[(n - 1) / 2] : 0, p99 = n ? ms[(long)(0.99 * (double)(n - 1))] : 0;
    cf_bench_result(key, p99, "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f requests=%ld failed=%ld", p50,
                    p99, n ? ms[n - 1] : 0, n, failed);
    free(ms);
}

/* ---- the database afterwards ---------------------------------------------------------------- */

static long long scalar(sqlite3 *db, const char *sql, long long bind)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        cf_bench_die("check", "%s", sqlite3_errmsg(db));
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, bind);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* Every alert due by `by` fired, once, on its case's chain: exits unless so. */
static void check_db(const char *path, cf_time_t by, long want)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        cf_bench_die("check", "cannot open %s", path);
    long long pending =
        scalar(db, "SELECT COUNT(*) FROM alerts WHERE fired_at IS NULL AND due_at <= ?", by);
    long long events = scalar(db, "SELECT COUNT(*) FROM events WHERE type = 'alert'", 0);
    long long twice = scalar(db,
                             "SELECT COUNT(*) FROM (SELECT case_id FROM events WHERE type = "
                             "'alert' GROUP BY case_id HAVING COUNT(*) > 1)",
                             0);
    sqlite3_close(db);
    if (pending != 0 || events != want || twice != 0)
        cf_bench_die("check", "%lld still pending, %lld alert events for %ld, %lld cases twice",
                     pending, events, want, twice);
}

/* How long before the instant the storm's daemon starts, and before the instant the
 * requests of the reference window stop (the daemon reads the instant's cases ahead
 * from 2 s before it: sched.c, CF__PREFETCH_LEAD_MS). */
#define LEAD_S  10.0
#define AHEAD_S 2.5

/* ---- a run ----------------------------------------------------------------------------------- */

typedef struct run_s {
    cf_bench_env_t *env;
    cf_bench_layout_t lay;
    const char *prefix; /* "storm" or "downtime" */
    cf_time_t now;      /* the daemon's start instant */
    double due;         /* storm: the monotonic instant the alerts fall due */
    long clients, pause_ms;
} run_t;

static void run(run_t *r, int argc, char **argv)
{
    char db[1024], log[1024], iso[CF_TIME_BUFSZ], key[64];
    atomic_int stop = 0;
    cf_bench_daemon_t d;
    follower_t f = {0};
    cf_bench_wal_t wal;
    snprintf(key, sizeof(key), "%s.jsonl", r->prefix);
    cf_bench_path(r->env, cf_bench_layout_db(r->lay.mode), db, sizeof(db));
    cf_bench_path(r->env, key, log, sizeof(log));
    remove(log);
    cf_time_format(r->now, iso);
    const char *extra[] = {"--now", iso, "--alert-log", log, NULL};
    f.path = log;
    f.check = r->lay.mode == CF_BENCH_DOWNTIME;
    cf_bench_wal_start(&wal, db);
    if (pthread_create(&f.thread, NULL, follow, &f) != 0)
        cf_bench_die(r->prefix, "no thread for the log");
    cf_bench_daemon_start(r->env, db, extra, &d);
    long status;
    if (cf_bench_http(&d, "GET", "/v1/cases/1", CF_BENCH_TOKEN, NULL, &status, NULL) != 0 ||
        status != 200)
        cf_bench_die(r->prefix, "GET /v1/cases/1 answered %ld", status);
    double ready = cf_bench_now() - d.started;
    client_t *cl = calloc((size_t)r->clients, sizeof(*cl));
    for (long k = 0; k < r->clients; k++) {
        cl[k] = (client_t){.d = &d,
                           .cases = r->lay.cases,
                           .pause_ms = r->pause_ms,
                           .seed = (unsigned)k + 1,
                           .stop = &stop};
        if (pthread_create(&cl[k].thread, NULL, client_main, &cl[k]) != 0)
            cf_bench_die(r->prefix, "no thread for a client");
    }
    double from = r->lay.mode == CF_BENCH_STORM ? d.started + LEAD_S : d.started;
    double until = cf_bench_now() + (double)cf_bench_opt(argc, argv, "--timeout", 3600);
    while (atomic_load(&f.lines) < r->lay.alerts && cf_bench_now() < until)
        usleep(20000);
    atomic_store(&stop, 1);
    for (long k = 0; k < r->clients; k++)
        pthread_join(cl[k].thread, NULL);
    long hwm, rss;
    cf_bench_daemon_memory(&d, &hwm, &rss);
    int rc = cf_bench_daemon_stop(&d);
    atomic_store(&f.stop, 1);
    pthread_join(f.thread, NULL);
    long long peak = cf_bench_wal_stop(&wal);
    long got = atomic_load(&f.lines);
    double last = f.last - from;
    snprintf(key, sizeof(key), "%s_fire", r->prefix);
    cf_bench_result(key, last, "alerts=%ld of=%ld rate=%.0f first_ms=%.1f ready_s=%.3f", got,
                    r->lay.alerts, last > 0 ? (double)got / last : 0, (f.first - from) * 1e3,
                    ready);
    double to = got ? f.last : cf_bench_now(); /* nothing fired: the whole run */
    snprintf(key, sizeof(key), "%s_get", r->prefix);
    latency(key, cl, r->clients, 0, from, to);
    snprintf(key, sizeof(key), "%s_post", r->prefix);
    latency(key, cl, r->clients, 1, from, to);
    if (r->lay.mode == CF_BENCH_STORM) { /* the same clients, nothing firing yet */
        latency("storm_get_idle", cl, r->clients, 0, d.started, from - AHEAD_S);
        latency("storm_post_idle", cl, r->clients, 1, d.started, from - AHEAD_S);
    }
    snprintf(key, sizeof(key), "%s_memory", r->prefix);
    cf_bench_result(key, (double)hwm / 1024.0, "hwm_mb=%.1f rss_mb=%.1f wal_peak_mb=%.1f",
                    (double)hwm / 1024.0, (double)rss / 1024.0, (double)peak / 1048576.0);
    if (r->lay.mode == CF_BENCH_DOWNTIME) {
        cf_bench_result("downtime_ready", ready, "first_case_s=%.3f", ready);
        cf_bench_result("downtime_order", (double)(f.out_of_order + f.not_late),
                        "out_of_order=%ld not_late=%ld lines=%ld", f.out_of_order, f.not_late, got);
    }
    for (long k = 0; k < r->clients; k++)
        free(cl[k].samples);
    free(cl);
    if (rc != 0)
        cf_bench_die("serve", "exited %d after SIGTERM", rc);
    if (got != r->lay.alerts)
        cf_bench_die(r->prefix, "%ld of %ld alerts in the log", got, r->lay.alerts);
    check_db(db, r->now, r->lay.alerts);
}

/* Exported, documented in bench.h */
int cf_bench_storm(cf_bench_env_t *env, int argc, char **argv)
{
    run_t r = {.env = env, .prefix = "storm"};
    cf_bench_layout_mode(cf_bench_opt(argc, argv, "--cases", env->quick ? 100000 : 1000000),
                         CF_BENCH_STORM, &r.lay);
    r.now = r.lay.burst - (cf_time_t)LEAD_S;
    r.clients = cf_bench_opt(argc, argv, "--clients", 32);
    r.pause_ms = cf_bench_opt(argc, argv, "--pause-ms", 20);
    run(&r, argc, argv);
    return 0;
}

/* Exported, documented in bench.h */
int cf_bench_downtime(cf_bench_env_t *env, int argc, char **argv)
{
    run_t r = {.env = env, .prefix = "downtime"};
    cf_bench_layout_mode(cf_bench_opt(argc, argv, "--cases", env->quick ? 10000 : 100000),
                         CF_BENCH_DOWNTIME, &r.lay);
    r.now = r.lay.restart;
    r.clients = cf_bench_opt(argc, argv, "--clients", 32);
    r.pause_ms = cf_bench_opt(argc, argv, "--pause-ms", 20);
    run(&r, argc, argv);
    return 0;
}
