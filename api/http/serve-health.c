/*
 * serve-health.c -- what an operator's monitoring reads: GET /readyz, and the
 * parts of GET /metrics that describe the daemon as a process and the service it
 * gives (docs/operations.md "Health" and "Metrics").
 *
 * /readyz is 503 with its reasons when the daemon cannot do its work:
 *   - the database cannot be read (the reader's count of workflows fails) or
 *     the file was deleted or replaced under the daemon;
 *   - no workflow is stored, or no calendar year is loaded;
 *   - the writer is stuck: a write has waited longer than writer_stuck_ms (10 s)
 *     without its batch ending. The writer records when the oldest job of its
 *     queue was queued and when the oldest job of the batch it is writing was;
 *     an idle writer is never stuck, however long ago it last committed. The
 *     bound is above the 5 s a commit waits for a lock held by another process
 *     (which then fails with 503 and is not "stuck"), so a command-line write
 *     beside the daemon does not make it flap.
 * and 200 otherwise, with warnings that need a person but stop nothing (the
 * calendar of next year not loaded).
 *
 * The latency histograms are kept by route pattern ("/v1/cases/{id}/actions",
 * read from http-route.c's table of routes, so that every route has its row) and method (GET, POST,
 * other): a bounded set of series whatever paths clients send. A request is counted when the access
 * logger sees it done, on the loop thread, so the histograms need no lock. The open cases and
 * overdue clocks are counted from indexes at each scrape (store-gauges.c); the
 * process_* figures are read from /proc/self at each scrape, as Prometheus's own
 * client libraries do.
 *
 * Rejected: a label per raw path (unbounded series: one per case id);
 * summaries with quantiles (cannot be aggregated across daemons); a watchdog
 * thread that kills a stuck writer (a person should look first: /readyz tells
 * the load balancer to send requests elsewhere meanwhile).
 */
#include "serve-int.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- /readyz ------------------------------------------------------------------------------ */

/* The age in ms of the oldest write not yet committed (0: none waiting). */
static uint64_t oldest_write_ms(cf__writer_t *w, uint64_t now_ms)
{
    uint64_t since = atomic_load(&w->writing_since_ms);
    pthread_mutex_lock(&w->mu);
    uint64_t queued = w->queued_since_ms;
    pthread_mutex_unlock(&w->mu);
    if (!since || (queued && queued < since))
        since = queued;
    return since && now_ms > since ? now_ms - since : 0;
}

/* Appends a reason (printf) to reasons. */
static void reason(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(json_t *reasons, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    json_array_append_new(reasons, json_string(text));
}

static void writer_reasons(cf_serve_t *srv, json_t *reasons)
{
    cf__writer_t *w = &srv->writer;
    uint64_t now_ms = uv_hrtime() / 1000000u;
    uint64_t age = w->started ? oldest_write_ms(w, now_ms) : 0;
    unsigned limit = srv->cfg.writer_stuck_ms ? srv->cfg.writer_stuck_ms : 10000;
    if (!w->started) {
        reason(reasons, "writer: not running");
        return;
    }
    if (age <= limit)
        return;
    uint64_t last = atomic_load(&w->last_batch_ms);
    if (last)
        reason(reasons,
               "writer stuck: a write has waited %llu ms uncommitted (limit %u ms); the last "
               "commit ended %llu ms ago",
               (unsigned long long)age, limit, (unsigned long long)(now_ms - last));
    else
        reason(reasons,
               "writer stuck: a write has waited %llu ms uncommitted (limit %u ms); nothing "
               "committed since the start",
               (unsigned long long)age, limit);
}

/* Exported, documented in serve-int.h */
int cf__http_readyz(cf_serve_t *srv, h2o_req_t *req)
{
    json_t *warnings = json_array(), *reasons = json_array();
    int64_t workflows = 0;
    cf_error_t err;
    if (atomic_load(&srv->db_lost))
        reason(reasons, "database: the file was deleted or replaced under the daemon");
    else if (cf_store_workflows_count(srv->reader, &workflows, &err) != 0)
        reason(reasons, "database: cannot be read: %s", err.text);
    else if (workflows == 0)
        reason(reasons, "workflows: none loaded (caseflow workflow load)");
    int first = 0, last = 0;
    if (srv->cal)
        cf_calendar_span(srv->cal, &first, &last);
    if (!last)
        reason(reasons, "calendars: no year loaded (caseflow calendar load)");
    writer_reasons(srv, reasons);
    int missing = srv->cal ? cf_calendar_missing_year(srv->cal, cf__serve_now(srv)) : 0;
    if (missing) {
        char text[128];
        snprintf(text, sizeof(text), "calendar: next year not loaded (%d)", missing);
        json_array_append_new(warnings, json_string(text));
    }
    if (json_array_size(reasons))
        cf__http_json(req, srv, 503,
                      json_pack("{s:s, s:o, s:o}", "status", "not ready", "reasons", reasons,
                                "warnings", warnings));
    else {
        json_decref(reasons);
        cf__http_json(req, srv, 200,
                      json_pack("{s:s, s:o}", "status", "ready", "warnings", warnings));
    }
    return 0;
}

/* ---- latency histograms ------------------------------------------------------------------- */

/* Upper bounds of the buckets, seconds (Prometheus's defaults, plus 2.5 ms). */
static const double bounds[CF__LATENCY_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,    1,     2.5,  5,     10};
static const char *const bound_text[CF__LATENCY_BUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

static const char *const methods[3] = {"GET", "POST", "other"};

/* Exported, documented in serve-int.h */
void cf__metrics_observe(cf_serve_t *srv, h2o_req_t *req, double seconds)
{
    int route = cf__http_route_label_req(req);
    int method = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))    ? 0
                 : h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")) ? 1
                                                                                    : 2;
    struct cf__latency_s *h = &srv->m.latency[route][method];
    if (seconds < 0)
        seconds = 0;
    for (int b = 0; b < CF__LATENCY_BUCKETS; b++)
        h->buckets[b] += seconds <= bounds[b];
    h->count++;
    h->sum_us += (uint64_t)(seconds * 1e6 + 0.5);
}

static size_t put(char *buf, size_t size, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t size, size_t len, const char *fmt, ...)
{
    if (len >= size)
        return size;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
    return n < 0 || len + (size_t)n >= size ? size : len + (size_t)n;
}

static size_t histograms(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    static const char name[] = "caseflow_http_request_duration_seconds";
    len = put(buf, size, len,
              "# HELP %s time from a request's start to its answer done, by route pattern and "
              "method\n# TYPE %s histogram\n",
              name, name);
    for (int r = 0; r < cf__http_route_labels_count(); r++)
        for (int m = 0; m < 3; m++) {
            const struct cf__latency_s *h = &srv->m.latency[r][m];
            const char *route = cf__http_route_label(r);
            if (!h->count)
                continue;
            for (int b = 0; b < CF__LATENCY_BUCKETS; b++)
                len =
                    put(buf, size, len, "%s_bucket{route=\"%s\",method=\"%s\",le=\"%s\"} %llu\n",
                        name, route, methods[m], bound_text[b], (unsigned long long)h->buckets[b]);
            len =
                put(buf, size, len,
                    "%s_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %llu\n"
                    "%s_sum{route=\"%s\",method=\"%s\"} %llu.%06llu\n"
                    "%s_count{route=\"%s\",method=\"%s\"} %llu\n",
                    name, route, methods[m], (unsigned long long)h->count, name,
                    cf__http_route_label(r), methods[m], (unsigned long long)(h->sum_us / 1000000u),
                    (unsigned long long)(h->sum_us % 1000000u), name, route, methods[m],
                    (unsigned long long)h->count);
        }
    return len;
}

/* ---- process_* ---------------------------------------------------------------------------- */

typedef struct proc_s {
    double cpu_seconds, start_time;
    unsigned long long rss_bytes, vsize_bytes;
    long long open_fds, max_fds;
} proc_t;

/* The fields of /proc/self/stat after the command's closing parenthesis. 0 or -1. */
static int read_stat(proc_t *p)
{
    char text[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    char *close = strrchr(text, ')'); /* the command may hold spaces and parentheses */
    unsigned long long utime, stime, start, vsize;
    long long rss;
    /* after ")": state(3) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24) */
    if (!close || sscanf(close + 1,
                         " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                         "%*d %*d %llu %llu %lld",
                         &utime, &stime, &start, &vsize, &rss) != 5)
        return -1;
    double tick = (double)sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    p->cpu_seconds = (double)(utime + stime) / tick;
    p->vsize_bytes = vsize;
    p->rss_bytes = rss > 0 ? (unsigned long long)rss * (unsigned long long)page : 0;
    /* starttime counts ticks since boot; btime in /proc/stat is the boot's epoch second */
    FILE *s = fopen("/proc/stat", "r");
    char line[256];
    long long btime = 0;
    while (s && fgets(line, sizeof(line), s))
        if (sscanf(line, "btime %lld", &btime) == 1)
            break;
    if (s)
        fclose(s);
    p->start_time = (double)btime + (double)start / tick;
    return 0;
}

static void read_fds(proc_t *p)
{
    DIR *d = opendir("/proc/self/fd");
    long long n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    p->open_fds = d ? n - 1 : -1; /* the directory's own descriptor, open while counting */
    struct rlimit rl;
    p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                     ? (long long)rl.rlim_cur
                     : -1;
}

static size_t process_metrics(char *buf, size_t size, size_t len)
{
    proc_t p;
    memset(&p, 0, sizeof(p));
    if (read_stat(&p) == 0)
        len = put(buf, size, len,
                  "# HELP process_cpu_seconds_total user and system CPU time spent, seconds\n"
                  "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
                  "# HELP process_resident_memory_bytes resident memory size, bytes\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %llu\n"
                  "# HELP process_virtual_memory_bytes virtual memory size, bytes\n"
                  "# TYPE process_virtual_memory_bytes gauge\n"
                  "process_virtual_memory_bytes %llu\n"
                  "# HELP process_start_time_seconds start time of the process since the epoch, "
                  "seconds\n# TYPE process_start_time_seconds gauge\n"
                  "process_start_time_seconds %.2f\n",
                  p.cpu_seconds, p.rss_bytes, p.vsize_bytes, p.start_time);
    read_fds(&p);
    if (p.open_fds >= 0)
        len = put(buf, size, len,
                  "# HELP process_open_fds open file descriptors\n# TYPE process_open_fds gauge\n"
                  "process_open_fds %lld\n",
                  p.open_fds);
    if (p.max_fds >= 0)
        len = put(buf, size, len,
                  "# HELP process_max_fds the most file descriptors the process may open\n"
                  "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n",
                  p.max_fds);
    return len;
}

/* ---- the service's gauges ---------------------------------------------------------------- */

static size_t service_gauges(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    cf_store_gauges_t g;
    if (cf_store_gauges(srv->reader, cf__serve_now(srv), &g, NULL) == 0)
        len = put(buf, size, len,
                  "# HELP caseflow_cases_open cases not closed\n# TYPE caseflow_cases_open gauge\n"
                  "caseflow_cases_open %lld\n"
                  "# HELP caseflow_clocks_overdue running clocks past their deadline\n"
                  "# TYPE caseflow_clocks_overdue gauge\ncaseflow_clocks_overdue %lld\n",
                  (long long)g.open_cases, (long long)g.overdue_clocks);
    unsigned long long hooks = 0;
    for (h2o_linklist_t *n = srv->hooks.next; n != &srv->hooks; n = n->next)
        hooks++;
    len = put(buf, size, len,
              "# HELP caseflow_webhook_queue webhook deliveries pending: being sent or waiting "
              "to be retried\n# TYPE caseflow_webhook_queue gauge\ncaseflow_webhook_queue %llu\n",
              hooks);
    uint64_t age = srv->writer.started ? oldest_write_ms(&srv->writer, uv_hrtime() / 1000000u) : 0;
    len = put(buf, size, len,
              "# HELP caseflow_writer_oldest_write_seconds how long the oldest write not yet "
              "committed has waited (0: none)\n# TYPE caseflow_writer_oldest_write_seconds "
              "gauge\ncaseflow_writer_oldest_write_seconds %llu.%03llu\n",
              (unsigned long long)(age / 1000), (unsigned long long)(age % 1000));
    return len;
}

/* Exported, documented in serve-int.h */
size_t cf__metrics_more(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    len = histograms(srv, buf, size, len);
    len = process_metrics(buf, size, len);
    return service_gauges(srv, buf, size, len);
}
