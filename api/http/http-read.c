/*
 * http-read.c -- the GET endpoints. They read on the loop thread through the
 * daemon's own read-only connection: in WAL mode a reader never waits for the
 * writer, and every read is an indexed lookup (a case by id, its events by
 * (case, seq), cases by state or clock deadline), so the loop is held for
 * microseconds, not for an fsync. The alternative, sending reads to a thread
 * pool, costs a hop per read for no gain at this size.
 *
 * Every case read checks the token's agency first: another agency's case, or a
 * case opened from the command line (no agency), is answered 404, exactly as a
 * case that does not exist, so ids reveal nothing across agencies.
 *
 * JSON of GET /v1/cases/{id} (docs/api.md has the whole contract):
 *   id, workflow {id, version, hash}, title, party, matter, state, state_name,
 *   closed, facts, documents, clocks [{id, name, status, deadline, seconds_left,
 *   left?, extended?, extensions, basis, accountability}], links {parent,
 *   children [ids]}, allowed [cf_engine_allowed], version, head, opened_at,
 *   updated_at. ETag: "<version>", the value If-Match takes.
 */
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers 404 unless case id exists and is who's agency's. Returns 0 if it is. */
static int visible(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    char agency[128];
    if (cf_store_case_agency(srv->reader, id, agency, sizeof(agency), NULL) == 0 &&
        strcmp(agency, who->agency) == 0)
        return 0;
    char text[64];
    snprintf(text, sizeof(text), "no case %lld", (long long)id);
    cf__http_error(req, srv, 404, "ENOTFOUND", text);
    return -1;
}

static void store_failed(cf_serve_t *srv, h2o_req_t *req, int rc, const cf_error_t *err)
{
    cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err->text);
}

static json_t *clocks_json(const cf_workflow_t *wf, const cf_case_t *c, cf_time_t now)
{
    json_t *out = json_array();
    for (unsigned i = 0; out && i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        const cf_wf_clock_t *def = cf_workflow_clock(wf, k->id);
        char deadline[CF_TIME_BUFSZ];
        cf_time_format(k->deadline, deadline);
        json_t *o =
            json_pack("{s:s, s:s?, s:s, s:s, s:I, s:s*, s:i, s:s?, s:s?}", "id", k->id, "name",
                      def ? def->name : NULL, "status", cf_engine_clock_status(k, now), "deadline",
                      deadline, "seconds_left", (json_int_t)(k->deadline - now), "extended",
                      k->extended, "extensions", (int)k->extensions, "basis",
                      def ? def->basis : NULL, "accountability", def ? def->accountability : NULL);
        json_t *prov = cf_clock_provisional_json(k); /* R11: years counted provisionally */
        if (o && prov && (k->state == CF_CLOCK_RUNNING || k->state == CF_CLOCK_PAUSED))
            json_object_set(o, "provisional", prov);
        json_decref(prov);
        json_array_append_new(out, o);
    }
    return out;
}

/* Sets key to the ISO 8601 text of t, or null when t is 0 (not yet). */
static void set_time(json_t *o, const char *key, cf_time_t t)
{
    char text[CF_TIME_BUFSZ];
    cf_time_format(t, text);
    json_object_set_new(o, key, t ? json_string(text) : json_null());
}

static json_t *case_json(cf_serve_t *srv, const cf_principal_t *who, const cf_workflow_t *wf,
                         const cf_case_t *c, cf_error_t *err)
{
    json_t *children = NULL, *ids = json_array();
    cf_case_filter_t f = {.parent = c->id};
    if (cf_store_case_list_agency(srv->reader, who->agency, &f, &children, err) != 0) {
        json_decref(ids);
        return NULL;
    }
    size_t i;
    json_t *ch;
    json_array_foreach(children, i, ch) json_array_append(ids, json_object_get(ch, "id"));
    json_decref(children);
    const cf_wf_state_t *st = cf_workflow_state(wf, c->state);
    json_t *o = cf_case_to_json(c);
    if (!o) {
        json_decref(ids);
        return NULL;
    }
    json_object_del(o, "history");
    json_object_del(o, "parent"); /* in links */
    set_time(o, "opened_at", c->opened_at);
    set_time(o, "updated_at", c->updated_at);
    set_time(o, "closed_at", c->closed_at);
    json_object_set_new(o, "state_name", json_string(st ? st->name : ""));
    json_object_set_new(o, "title", json_string(wf->doc->title));
    json_object_set_new(o, "closed", json_boolean(c->closed_at != 0));
    json_object_set_new(o, "clocks", clocks_json(wf, c, cf__serve_now(srv)));
    json_object_set_new(o, "links",
                        json_pack("{s:o, s:o}", "parent",
                                  c->parent_id ? json_integer(c->parent_id) : json_null(),
                                  "children", ids));
    json_object_set_new(o, "allowed", cf_engine_allowed(wf, c));
    json_object_set_new(o, "version", json_integer(c->version));
    return o;
}

/* Exported, documented in serve-int.h */
int cf__http_get_case(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    cf_error_t err;
    cf_case_t c;
    const cf_workflow_t *wf;
    if (visible(srv, req, who, id) != 0)
        return 0;
    int rc = cf_store_case_get(srv->reader, id, &c, &err);
    if (rc != 0) {
        store_failed(srv, req, rc, &err);
        return 0;
    }
    json_t *o = NULL;
    rc = cf_wfcache_get(&srv->wfs, srv->reader, c.workflow_hash, &wf, &err);
    if (rc == 0 && !(o = case_json(srv, who, wf, &c, &err)))
        rc = CF_ENOMEM;
    if (rc == 0) {
        char etag[32];
        int n = snprintf(etag, sizeof(etag), "\"%lld\"", (long long)c.version);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL,
                       h2o_strdup(&req->pool, etag, (size_t)n).base, (size_t)n);
        cf__http_json(req, srv, 200, o);
    } else {
        store_failed(srv, req, rc, &err);
    }
    cf_case_dispose(&c);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_get_events(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    cf_error_t err;
    json_t *events;
    if (visible(srv, req, who, id) != 0)
        return 0;
    int rc = cf_store_case_events(srv->reader, id, &events, &err);
    if (rc != 0)
        store_failed(srv, req, rc, &err);
    else
        cf__http_json(req, srv, 200, events);
    return 0;
}

/* "3d", "12h", "30m", "90s" or plain seconds, into seconds; -1 if malformed. */
static int64_t span_seconds(const char *text)
{
    char *end;
    long long n = strtoll(text, &end, 10);
    if (end == text || n < 0)
        return -1;
    int64_t unit = !*end                   ? 1
                   : strcmp(end, "s") == 0 ? 1
                   : strcmp(end, "m") == 0 ? 60
                   : strcmp(end, "h") == 0 ? 3600
                   : strcmp(end, "d") == 0 ? 86400
                                           : -1;
    return unit < 0 ? -1 : (int64_t)n * unit;
}

/* Exported, documented in serve-int.h */
int cf__http_list_cases(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0;
    const char *due = cf__http_query(req, "due_within", &bad);
    const char *overdue = cf__http_query(req, "overdue", &bad);
    const char *open = cf__http_query(req, "open", &bad);
    const char *parent = cf__http_query(req, "parent", &bad);
    cf_case_filter_t f = {.state = cf__http_query(req, "state", &bad),
                          .workflow = cf__http_query(req, "workflow", &bad),
                          .matter = cf__http_query(req, "matter", &bad),
                          .parent = parent ? strtoll(parent, NULL, 10) : 0,
                          .open_only = open && strcmp(open, "1") == 0,
                          .now = cf__serve_now(srv),
                          .due_within = due ? span_seconds(due) : 0,
                          .overdue = overdue && strcmp(overdue, "1") == 0};
    if (bad || f.due_within < 0) {
        cf__http_error(req, srv, 400, "EINVAL",
                       bad ? "the query is not valid UTF-8"
                           : "due_within is a number with s, m, h or d (\"3d\")");
        return 0;
    }
    json_t *list;
    cf_error_t err;
    int rc = cf_store_case_list_agency(srv->reader, who->agency, &f, &list, &err);
    if (rc != 0)
        store_failed(srv, req, rc, &err);
    else
        cf__http_json(req, srv, 200, list);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_workflows(cf_serve_t *srv, h2o_req_t *req)
{
    json_t *list;
    cf_error_t err;
    int rc = cf_store_workflow_list(srv->reader, &list, &err);
    if (rc != 0)
        store_failed(srv, req, rc, &err);
    else
        cf__http_json(req, srv, 200, list);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_alerts(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0;
    const char *state = cf__http_query(req, "state", &bad);
    int pending = !state                          ? 0
                  : strcmp(state, "pending") == 0 ? 1
                  : strcmp(state, "fired") == 0   ? -1
                                                  : 2;
    if (bad || pending == 2) {
        cf__http_error(req, srv, 400, "EINVAL", "state is \"pending\" or \"fired\"");
        return 0;
    }
    json_t *list;
    cf_error_t err;
    int rc = cf_store_alert_list(srv->reader, who->agency, pending, &list, &err);
    if (rc != 0)
        store_failed(srv, req, rc, &err);
    else
        cf__http_json(req, srv, 200, list);
    return 0;
}

/* Appends one Prometheus sample line. */
static void sample(char *buf, size_t size, size_t *len, const char *name, const char *help,
                   const char *type, unsigned long long value)
{
    if (*len < size)
        *len += (size_t)snprintf(buf + *len, size - *len, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
                                 name, help, name, type, name, value);
}

/* Exported, documented in serve-int.h */
int cf__http_metrics(cf_serve_t *srv, h2o_req_t *req)
{
    enum { SIZE = 8192 };
    char *buf = h2o_mem_alloc_pool(&req->pool, SIZE);
    size_t len = 0;
    cf__writer_t *w = &srv->writer;
    srv->m.status[2]++, srv->m.by_code[200]++; /* this answer */
    len += (size_t)snprintf(buf, SIZE,
                            "# HELP caseflow_http_responses_total HTTP answers by status code\n"
                            "# TYPE caseflow_http_responses_total counter\n");
    for (int code = 100; code < 600 && len < SIZE; code++)
        if (srv->m.by_code[code])
            len += (size_t)snprintf(buf + len, SIZE - len,
                                    "caseflow_http_responses_total{code=\"%d\"} %llu\n", code,
                                    (unsigned long long)srv->m.by_code[code]);
    sample(buf, SIZE, &len, "caseflow_commits_total", "transactions committed by the writer",
           "counter", atomic_load(&w->batches));
    sample(buf, SIZE, &len, "caseflow_committed_jobs_total", "requests written in those", "counter",
           atomic_load(&w->jobs));
    sample(buf, SIZE, &len, "caseflow_commit_batch_max", "most requests in one transaction",
           "gauge", atomic_load(&w->max_batch));
    sample(buf, SIZE, &len, "caseflow_commit_failures_total", "transactions that failed", "counter",
           atomic_load(&w->failed_commits));
    /* Prometheus wants base units: the writer counts microseconds, we show seconds */
    unsigned long long us = atomic_load(&w->commit_us);
    if (len < SIZE)
        len += (size_t)snprintf(buf + len, SIZE - len,
                                "# HELP caseflow_commit_seconds_total time spent in transactions\n"
                                "# TYPE caseflow_commit_seconds_total counter\n"
                                "caseflow_commit_seconds_total %llu.%06llu\n",
                                us / 1000000, us % 1000000);
    sample(buf, SIZE, &len, "caseflow_checkpoints_total",
           "write-ahead log copies into the database, off the writer", "counter",
           atomic_load(&w->checkpoints));
    sample(buf, SIZE, &len, "caseflow_writer_inflight", "requests queued or being written", "gauge",
           w->inflight);
    sample(buf, SIZE, &len, "caseflow_alerts_fired_total", "alerts fired", "counter",
           srv->m.alerts_fired);
    sample(buf, SIZE, &len, "caseflow_alert_cases_prefetched_total",
           "cases made ready in the writer's cache ahead of their alerts' instant", "counter",
           srv->m.alerts_prefetched);
    sample(buf, SIZE, &len, "caseflow_alerts_late_total", "alerts fired late", "counter",
           srv->m.alerts_late);
    sample(buf, SIZE, &len, "caseflow_webhook_deliveries_total", "webhook POSTs answered 2xx",
           "counter", srv->m.webhook_ok);
    sample(buf, SIZE, &len, "caseflow_webhook_failures_total", "webhook deliveries given up",
           "counter", srv->m.webhook_failed);
    sample(buf, SIZE, &len, "caseflow_webhook_retries_total", "webhook retries", "counter",
           srv->m.webhook_retries);
    sample(buf, SIZE, &len, "caseflow_stream_clients", "open event streams", "gauge",
           atomic_load(&srv->writer.streams));
    sample(buf, SIZE, &len, "caseflow_stream_overflows_total",
           "event streams ended because their client fell too far behind", "counter",
           srv->m.sse_overflows);
    sample(buf, SIZE, &len, "caseflow_connections", "open HTTP connections", "gauge",
           srv->conns_count);
    if (len < SIZE)
        len = cf__calendar_metrics(srv, buf, SIZE, len); /* issue 16 */
    if (len > SIZE)
        len = SIZE;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4"));
    req->res.content_length = len;
    h2o_send_inline(req, buf, len);
    return 0;
}
