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
 * through, the action from the body of POST .../actions (parsed again only for
 * that route). Lines are composed whole, then written with one fwrite under the
 * stream's lock, so lines from the writer thread and the loop never interleave.
 * Rejected: h2o's own access log (Apache format, no agency or case), syslog(3)
 * (journald reads standard error already, and files stay possible with 2>>).
 */
#include "serve-int.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Exported, documented in serve-int.h */
void cf__log(const char *level, const char *event, json_t *fields)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t china = tv.tv_sec + 8 * 3600;
    struct tm tm;
    gmtime_r(&china, &tm);
    char when[48];
    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    json_t *line = json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "event", event);
    if (line && fields)
        json_object_update(line, fields);
    json_decref(fields);
    char *text =
        line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(line);
    if (!text) /* without memory a plain line still says what happened */
        return (void)fprintf(stderr, "{\"level\":\"%s\",\"event\":\"%s\"}\n", level, event);
    size_t len = strlen(text);
    text[len] = '\n';
    flockfile(stderr);
    fwrite(text, 1, len + 1, stderr);
    fflush(stderr);
    funlockfile(stderr);
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

/* The value of response header name (lowercase), or NULL. */
static json_t *res_header(h2o_req_t *req, const char *name)
{
    for (size_t i = 0; i < req->res.headers.size; i++) {
        h2o_header_t *h = &req->res.headers.entries[i];
        if (h->name->len == strlen(name) && memcmp(h->name->base, name, h->name->len) == 0)
            return json_stringn(h->value.base, h->value.len);
    }
    return NULL;
}

/* case and action from the path (/v1/cases/{id}/...) and, for an action, the body. */
static void case_and_action(h2o_req_t *req, json_t *o)
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
    if (id > 0)
        json_object_set_new(o, "case", json_integer(id));
    static const char actions[] = "/actions";
    if (i + sizeof(actions) - 1 == len && memcmp(p + i, actions, sizeof(actions) - 1) == 0 &&
        req->entity.base) {
        json_t *body = json_loadb(req->entity.base, req->entity.len, 0, NULL);
        json_t *action = json_object_get(body, "action");
        if (json_is_string(action))
            json_object_set(o, "action", action);
        json_decref(body);
    }
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    cf_serve_t *srv = ((access_logger_t *)self)->srv;
    json_t *o = json_object();
    if (!o)
        return;
    json_t *id = res_header(req, "x-request-id");
    if (id)
        json_object_set_new(o, "request_id", id);
    json_object_set_new(o, "method", json_stringn(req->method.base, req->method.len));
    json_object_set_new(o, "path", json_stringn(req->path.base, req->path.len));
    json_object_set_new(o, "status", json_integer(req->res.status));
    struct timeval end;
    gettimeofday(&end, NULL);
    double ms = ms_between(&req->timestamps.request_begin_at, &end);
    json_object_set_new(o, "latency_ms", json_real(ms));
    cf__metrics_observe(srv, req, ms / 1000.0); /* the histograms (serve-health.c) */
    char agency[128];
    if (cf__http_agency_of(srv, req, agency, sizeof(agency)) == 0)
        json_object_set_new(o, "agency", json_string(agency));
    case_and_action(req, o);
    int status = req->res.status;
    cf__log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", o);
}

/* Exported, documented in serve-int.h */
void cf__log_register(cf_serve_t *srv, h2o_pathconf_t *path)
{
    access_logger_t *l = (access_logger_t *)h2o_create_logger(path, sizeof(*l));
    l->super.log_access = log_access;
    l->srv = srv;
}
