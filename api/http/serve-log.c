/*
 * serve-log.c -- the daemon's log an operator reads: one JSON object per line on
 * standard error (the journal, under systemd), for every request (an access log)
 * and for every failure that would otherwise pass in silence: a webhook given
 * up, a commit that failed, an event stream ended because its client fell
 * behind, the daemon stopping and why (docs/operations.md "Logs").
 *
 * Line format: {"time": ISO 8601 with milliseconds, China time, "level": "info" |
 * "warn" | "error", "event": what happened, then the event's own fields}. A
 * request's line: event "request", request_id (also sent to the client as
 * X-Request-Id), method, path, status, latency_ms, and when known agency (the
 * token's), case, action. The secret of a token is never logged.
 *
 * Design: the access line is written by an h2o logger (called once per request
 * when its response is done, so the status and the latency are the final ones);
 * the agency comes from the token cache slot the request was authenticated
 * through, the action from the body of POST .../actions (as the handler kept it in
 * the request's environment; parsed again here only when the request was refused
 * before its body was read). Lines are composed whole as text (engine/jsonw.h: no tree of jansson
 * values, no json_dumps), then written with one fwrite under the stream's lock, so
 * lines from the writer thread and the loop never interleave. The access lines are
 * gathered on the loop thread and written once a turn of the loop, before it waits
 * again (a uv_prepare handle), or at 64 KB: one write() for a batch of answers
 * instead of one a request. Cost: a line can come out after a line another thread
 * wrote later (each carries its time), and a daemon killed with SIGKILL loses the
 * lines of the turn it was in (never an answer: the line is written after it).
 * Rejected: h2o's own access log (Apache format, no agency or case), syslog(3)
 * (journald reads standard error already, and files stay possible with 2>>).
 */
#include "serve-int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* {"time":..., "level":..., "event":... into w. The time: ISO 8601 with
 * milliseconds, China time; the part up to the second is formatted once a second
 * per thread (snprintf and gmtime_r were a third of an access line's cost). */
static void line_head(cf__jsonw_t *w, const char *level, const char *event)
{
    static _Thread_local time_t sec = -1;
    static _Thread_local char when[48];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != sec) {
        time_t china = tv.tv_sec + 8 * 3600;
        struct tm tm;
        gmtime_r(&china, &tm);
        snprintf(when, sizeof(when), "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        sec = tv.tv_sec;
    }
    int ms = (int)(tv.tv_usec / 1000);
    char tail[] = {(char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10)};
    cf__jsonw_text(w, when);
    cf__jsonw_raw(w, tail, 3);
    cf__jsonw_raw(w, "+08:00\",\"level\":", 16);
    cf__jsonw_str(w, level);
    cf__jsonw_key(w, "event");
    cf__jsonw_str(w, event);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(6): %.6g, ".0" when it would
 * read back as an integer, the exponent without '+' or leading zeros. */
static void put_real(cf__jsonw_t *w, double d)
{
    char b[40], *e;
    int n = snprintf(b, sizeof(b) - 2, "%.6g", d);
    if (n < 0 || n >= (int)sizeof(b) - 2 || !isfinite(d))
        return cf__jsonw_text(w, "null");
    if (!strchr(b, '.') && !strchr(b, 'e'))
        memcpy(b + n, ".0", 3);
    if ((e = strchr(b, 'e')) != NULL) {
        char *digits = e + 1 + (e[1] == '-'), *from = e + 1 + (e[1] == '-' || e[1] == '+');
        while (*from == '0' && from[1])
            from++;
        memmove(digits, from, strlen(from) + 1);
    }
    cf__jsonw_text(w, b);
}

/* The latency of a request, us microseconds, in milliseconds as put_real writes them
 * (%.6g of the same value): below a second the digits are exact (at most three before
 * the point and three after, so six significant digits never round), written here
 * without snprintf (2,600 instructions a request on the loop: docs/performance.md,
 * httpcost); past it, or negative (the clock stepped back), put_real. */
static void put_latency(cf__jsonw_t *w, int64_t us, double ms)
{
    if (us < 0 || us >= 1000000)
        return put_real(w, ms);
    char b[16], *p = b;
    int64_t whole = us / 1000, frac = us % 1000;
    if (whole >= 100)
        *p++ = (char)('0' + whole / 100);
    if (whole >= 10)
        *p++ = (char)('0' + whole / 10 % 10);
    *p++ = (char)('0' + whole % 10);
    *p++ = '.';
    *p++ = (char)('0' + frac / 100);
    if (frac % 100) {
        *p++ = (char)('0' + frac / 10 % 10);
        if (frac % 10)
            *p++ = (char)('0' + frac % 10);
    }
    cf__jsonw_raw(w, b, (size_t)(p - b));
}

/* Exported, documented in serve-int.h */
void cf__log_latency(cf__jsonw_t *w, int64_t us)
{
    put_latency(w, us, (double)us / 1000.0);
}

/* Writes whole lines with one fwrite under the stream's lock: lines from the
 * writer thread and the loop never interleave. */
static void write_lines(const char *text, size_t len)
{
    flockfile(stderr);
    fwrite(text, 1, len, stderr);
    fflush(stderr);
    funlockfile(stderr);
}

/* Exported, documented in serve-int.h */
void cf__log(const char *level, const char *event, json_t *fields)
{
    cf__jsonw_t w = {0};
    const char *key;
    json_t *v;
    line_head(&w, level, event);
    json_object_foreach(fields, key, v) {
        if (strcmp(key, "time") == 0 || strcmp(key, "level") == 0 || strcmp(key, "event") == 0)
            continue; /* the line's own */
        cf__jsonw_raw(&w, ",", 1);
        cf__jsonw_str(&w, key);
        cf__jsonw_raw(&w, ":", 1);
        if (json_is_real(v))
            put_real(&w, json_real_value(v));
        else
            cf__jsonw_value(&w, v, 0);
    }
    json_decref(fields);
    cf__jsonw_raw(&w, "}\n", 2);
    size_t len = w.len;
    char *text = cf__jsonw_finish(&w);
    if (!text) /* without memory a plain line still says what happened */
        return (void)fprintf(stderr, "{\"level\":\"%s\",\"event\":\"%s\"}\n", level, event);
    write_lines(text, len);
    free(text);
}

/* ---- the access log ---------------------------------------------------------------------- */

typedef struct access_logger_s {
    h2o_logger_t super;
    cf_serve_t *srv;
} access_logger_t;

static double ms_between(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1000.0 + (double)(b->tv_usec - a->tv_usec) / 1000.0;
}

/* ,"name":"value" for a text from the request: left out unless it is UTF-8 (what
 * a JSON string can hold; jansson refused it too). */
static void put_field(cf__jsonw_t *w, const char *name, const char *s, size_t n)
{
    if (!cf__jsonw_utf8(s, n))
        return;
    cf__jsonw_key(w, name);
    cf__jsonw_strn(w, s, n);
}

/* ,"request_id":... from the response's X-Request-Id. */
static void put_request_id(cf__jsonw_t *w, h2o_req_t *req)
{
    for (size_t i = 0; i < req->res.headers.size; i++) {
        h2o_header_t *h = &req->res.headers.entries[i];
        if (h->name->len == 12 && memcmp(h->name->base, "x-request-id", 12) == 0)
            return put_field(w, "request_id", h->value.base, h->value.len);
    }
}

/* ,"case":ID and ,"action":NAME from the path (/v1/cases/{id}/...) and, for an
 * action, the body. */
static void case_and_action(cf__jsonw_t *w, h2o_req_t *req)
{
    const char *p = req->path_normalized.base;
    size_t len = req->path_normalized.len;
    static const char prefix[] = "/v1/cases/";
    if (len <= sizeof(prefix) - 1 || memcmp(p, prefix, sizeof(prefix) - 1) != 0)
        return;
    long long id = 0;
    size_t i = sizeof(prefix) - 1;
    for (; i < len && p[i] >= '0' && p[i] <= '9' && id < 1000000000000LL; i++)
        id = id * 10 + (p[i] - '0');
    if (id > 0) {
        cf__jsonw_key(w, "case");
        cf__jsonw_int(w, id);
    }
    static const char actions[] = "/actions";
    const h2o_iovec_t *kept = h2o_req_getenv(req, H2O_STRLIT(CF__ENV_ACTION), 0);
    if (kept) { /* the handler parsed the body: its action */
        cf__jsonw_key(w, "action");
        cf__jsonw_strn(w, kept->base, kept->len);
    } else if (i + sizeof(actions) - 1 == len && memcmp(p + i, actions, sizeof(actions) - 1) == 0 &&
               req->entity.base) {
        json_t *body = json_loadb(req->entity.base, req->entity.len, 0, NULL);
        json_t *action = json_object_get(body, "action");
        if (json_is_string(action)) {
            cf__jsonw_key(w, "action");
            cf__jsonw_strn(w, json_string_value(action), json_string_length(action));
        }
        json_decref(body);
    }
}

/* Lines kept for the flush: past this many bytes they are written at once. */
#define CF__LOG_BUF_MAX 65536

/* Writes the access lines gathered during this turn of the loop. */
static void log_flush(cf_serve_t *srv)
{
    if (srv->log_buf.len)
        write_lines(srv->log_buf.p, srv->log_buf.len);
    srv->log_buf.len = 0;
    srv->log_buf.oom = 0;
}

/* Once a turn of the loop, before it waits: the turn's lines go out, and the turn is
 * counted (a new turn checks the database file again: serve.c). */
static void on_log_prepare(uv_prepare_t *h)
{
    cf_serve_t *srv = h->data;
    log_flush(srv);
    srv->turns++;
}

/* The request's line, written straight as text (as a tree of jansson values, then
 * json_dumps, it was two thirds of the loop's instructions per request: callgrind,
 * docs/performance.md), into the loop's buffer: one write() a turn of the loop, not
 * one a request. */
static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    cf_serve_t *srv = ((access_logger_t *)self)->srv;
    int gather = srv->log_prepare.loop && !uv_is_closing((uv_handle_t *)&srv->log_prepare);
    cf__jsonw_t own = {0}, *w = gather ? &srv->log_buf : &own;
    int status = req->res.status;
    struct timeval end;
    gettimeofday(&end, NULL);
    double ms = ms_between(&req->timestamps.request_begin_at, &end);
    int64_t us = (int64_t)(end.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                 (end.tv_usec - req->timestamps.request_begin_at.tv_usec);
    cf__metrics_observe(srv, req, ms / 1000.0); /* the histograms (serve-health.c) */
    size_t at = w->len;
    line_head(w, status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request");
    put_request_id(w, req);
    put_field(w, "method", req->method.base, req->method.len);
    put_field(w, "path", req->path.base, req->path.len);
    cf__jsonw_key(w, "status");
    cf__jsonw_int(w, status);
    cf__jsonw_key(w, "latency_ms");
    put_latency(w, us, ms);
    char agency[128];
    if (cf__http_agency_of(srv, req, agency, sizeof(agency)) == 0)
        put_field(w, "agency", agency, strlen(agency));
    case_and_action(w, req);
    cf__jsonw_raw(w, "}\n", 2);
    if (w->oom) /* this line is lost; those before it were written whole */
        w->len = at, w->oom = 0;
    if (!gather) { /* not started, or stopped: at once */
        if (own.len)
            write_lines(own.p, own.len);
        free(own.p);
    } else if (w->len > CF__LOG_BUF_MAX) {
        log_flush(srv);
    }
}

/* Exported, documented in serve-int.h */
void cf__log_start(cf_serve_t *srv)
{
    if (uv_prepare_init(&srv->loop, &srv->log_prepare) != 0)
        return; /* lines are then written one by one */
    srv->log_prepare.data = srv;
    uv_prepare_start(&srv->log_prepare, on_log_prepare);
    uv_unref((uv_handle_t *)&srv->log_prepare);
}

/* Exported, documented in serve-int.h */
void cf__log_stop(cf_serve_t *srv)
{
    log_flush(srv);
    free(srv->log_buf.p);
    memset(&srv->log_buf, 0, sizeof(srv->log_buf));
    if (srv->log_prepare.loop && !uv_is_closing((uv_handle_t *)&srv->log_prepare))
        uv_close((uv_handle_t *)&srv->log_prepare, NULL);
}

/* Exported, documented in serve-int.h */
void cf__log_register(cf_serve_t *srv, h2o_pathconf_t *path)
{
    access_logger_t *l = (access_logger_t *)h2o_create_logger(path, sizeof(*l));
    l->super.log_access = log_access;
    l->srv = srv;
}
