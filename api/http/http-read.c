/*
 * http-read.c -- the GET endpoints. Each is two halves: on the loop, the query is
 * parsed and checked (a bad number is 400 there, naming it) into a read job; on a
 * thread of the reader pool (serve-readers.c), with that thread's own read-only
 * connection, the job reads and writes its answer as JSON text, which the loop
 * sends. A read therefore never holds the loop, however long it takes, and the
 * lists are paged so that no read is unbounded either:
 *
 *   GET /v1/cases     by id; limit (default 100, at most cfg.page_limit_max) rows
 *                     after cursor (the last id seen). One row more than the page is
 *                     read: when it exists the answer carries the next cursor.
 *   GET /v1/alerts    by (due_at, alert_id); the cursor is the last alert_id seen
 *                     (its due instant is its last field).
 * The next cursor goes in the headers (X-Next-Cursor, and Link rel="next" with the
 * query to ask for it), so the body stays the array it always was; the last page
 * has neither. A cursor is a position, not a snapshot: a case opened while a client
 * walks the pages is seen if its id is after the cursor, and none is seen twice.
 *
 * Every case read checks the token's agency first: another agency's case, or a
 * case opened from the command line (no agency), is answered 404, exactly as a
 * case that does not exist, so ids reveal nothing across agencies.
 *
 * JSON of GET /v1/cases/{id} (docs/api.md has the whole contract):
 *   id, workflow {id, version, hash}, title, party, matter, state, state_name,
 *   closed, facts, documents, clocks [{id, name, status, deadline, seconds_left,
 *   left?, extended?, extensions, basis, accountability, explain? [lines]}], links {parent,
 *   children [ids]}, allowed [cf_engine_allowed], version, head, opened_at,
 *   updated_at. ETag: "<version>", the value If-Match takes.
 */
#include "ops.h"
#include "serve-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reader thread: 0 if case r->id exists and is r->who's agency's; else answers 404. */
static int visible(cf_store_t *s, cf__read_t *r)
{
    char agency[128];
    if (cf_store_case_agency(s, r->id, agency, sizeof(agency), NULL) == 0 &&
        strcmp(agency, r->who.agency) == 0)
        return 0;
    char text[64];
    snprintf(text, sizeof(text), "no case %lld", (long long)r->id);
    cf__read_error(r, 404, "ENOTFOUND", text);
    return -1;
}

static void store_failed(cf__read_t *r, int rc, const cf_error_t *err)
{
    cf__read_error(r, cf__http_status(rc), cf_errname(rc), err->text);
}

/* The case as the command line shows it (cf_ops_case_view), with its links:
 * the parent and the ids of the children the token's agency may see. */
static json_t *case_json(cf_store_t *s, const cf_principal_t *who, const cf_workflow_t *wf,
                         const cf_case_t *c, cf_time_t now, cf_error_t *err)
{
    json_t *children = NULL, *ids = json_array();
    cf_case_filter_t f = {.parent = c->id};
    if (!ids || cf_store_case_list_agency(s, who->agency, &f, &children, err) != 0) {
        json_decref(ids);
        return NULL;
    }
    size_t i;
    json_t *ch;
    json_array_foreach(children, i, ch) {
        json_array_append(ids, json_object_get(ch, "id"));
    }
    json_decref(children);
    json_t *o = cf_ops_case_view(s, wf, c, now);
    if (!o) {
        json_decref(ids);
        return NULL;
    }
    json_object_del(o, "parent"); /* in links */
    json_object_set_new(o, "links",
                        json_pack("{s:o, s:o}", "parent",
                                  c->parent_id ? json_integer(c->parent_id) : json_null(),
                                  "children", ids));
    return o;
}

/* Reader thread: clocks[].explain (issue 22), each running clock's deadline counted
 * day by day on the calendar as this connection reads it now (`case show --explain`
 * prints the same lines). The calendar is read for the request, on the reader's own
 * connection: the loop's copy may be swapped by a reload meanwhile, and a reload
 * between two requests is then seen at once. Left out when no calendar is stored. */
static void explain(cf_store_t *s, const cf_workflow_t *wf, const cf_case_t *c, json_t *o)
{
    cf_calendar_t *cal = NULL;
    int live = 0;
    for (unsigned i = 0; i < c->clocks_count; i++)
        live |= c->clocks[i].state == CF_CLOCK_RUNNING || c->clocks[i].state == CF_CLOCK_PAUSED;
    if (!live || cf_store_calendar_load(s, &cal, NULL) != 0)
        return;
    cf_ops_view_explain(o, wf, cal, c);
    cf_calendar_free(cal);
}

static void run_get_case(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    cf_error_t err;
    cf_case_t c;
    const cf_workflow_t *wf;
    if (visible(s, r) != 0)
        return;
    int rc = cf_store_case_get(s, r->id, &c, &err);
    if (rc != 0) {
        store_failed(r, rc, &err);
        return;
    }
    json_t *o = NULL;
    rc = cf_wfcache_get(wfs, s, c.workflow_hash, &wf, &err);
    if (rc == 0 && !(o = case_json(s, &r->who, wf, &c, r->now, &err)))
        rc = CF_ENOMEM;
    if (rc == 0)
        explain(s, wf, &c, o);
    if (rc == 0) {
        snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)c.version);
        cf__read_answer(r, 200, o);
    } else {
        store_failed(r, rc, &err);
    }
    cf_case_dispose(&c);
}

/* Exported, documented in serve-int.h */
int cf__read_case(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id,
                  cf__read_fn run)
{
    cf__read_t *r = cf__read_new(srv, req, who, run);
    if (r) {
        r->id = id; /* copied: the request's pool may go first */
        cf__read_submit(r);
    }
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_get_case(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__read_case(srv, req, who, id, run_get_case);
}

static void run_get_events(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    cf_error_t err;
    json_t *events;
    (void)wfs;
    if (visible(s, r) != 0)
        return;
    int rc = cf_store_case_events(s, r->id, &events, &err);
    if (rc != 0)
        store_failed(r, rc, &err);
    else
        cf__read_answer(r, 200, events);
}

/* Exported, documented in serve-int.h */
int cf__http_get_events(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__read_case(srv, req, who, id, run_get_events);
}

/* The longest due_within: 100 years. Far past every statutory period, and now plus it
 * stays far inside cf_time_t (a filter at 106751991167301d once wrapped around to a
 * deadline in the past and answered an empty list). */
#define CF__SPAN_MAX_DAYS 36500

/* Query parameter name as a span, "3d", "12h", "30m", "90s" or plain seconds, at most
 * CF__SPAN_MAX_DAYS: 1 with OUT *seconds, 0 when absent, -1 after answering 400. */
static int query_span(cf_serve_t *srv, h2o_req_t *req, const char *name, int64_t *seconds)
{
    int bad = 0;
    const char *v = cf__http_query(req, name, &bad);
    if (!v)
        return 0;
    size_t len = strlen(v);
    char unit = len ? v[len - 1] : 0;
    int64_t per = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 1;
    char digits[32];
    int64_t n;
    if (unit == 'd' || unit == 'h' || unit == 'm' || unit == 's')
        len--;
    if (!bad && len < sizeof(digits)) {
        memcpy(digits, v, len);
        digits[len] = '\0';
        if (cf__http_decimal(digits, 1, (int64_t)CF__SPAN_MAX_DAYS * 86400 / per, &n) == 0) {
            *seconds = n * per;
            return 1;
        }
    }
    char text[160];
    if (bad & 2)
        snprintf(text, sizeof(text), "%s is given more than once: send it once", name);
    else
        snprintf(text, sizeof(text),
                 "%s is a whole number with s, m, h or d (\"3d\"), from 1s to %dd", name,
                 CF__SPAN_MAX_DAYS);
    cf__http_bad_param(req, srv, name, text);
    return -1;
}

/* Query parameter name as a flag, "1" or "0": 1 with OUT *on, 0 when absent, -1 after
 * answering 400. */
static int query_flag(cf_serve_t *srv, h2o_req_t *req, const char *name, int *on)
{
    int bad = 0;
    const char *v = cf__http_query(req, name, &bad);
    if (!v)
        return 0;
    if (!bad && (strcmp(v, "1") == 0 || strcmp(v, "0") == 0)) {
        *on = v[0] == '1';
        return 1;
    }
    char text[96];
    snprintf(text, sizeof(text), "%s is 1 or 0", name);
    cf__http_bad_param(req, srv, name, text);
    return -1;
}

/* The filter of GET /v1/cases from the query: 0, or -1 after answering 400. */
static int list_filter(cf_serve_t *srv, h2o_req_t *req, cf_case_filter_t *f)
{
    int bad = 0;
    memset(f, 0, sizeof(*f));
    f->state = cf__http_query_text(srv, req, "state", &bad);
    f->workflow = cf__http_query_text(srv, req, "workflow", &bad);
    f->matter = cf__http_query_text(srv, req, "matter", &bad);
    f->number = cf__http_query_text(srv, req, "number", &bad); /* 案号, 决定书文号, 档案号 */
    f->handler = cf__http_query_text(srv, req, "handler", &bad); /* 承办人 or 负责人 */
    f->q = cf__http_query_text(srv, req, "q", &bad); /* party name or any number, a substring */
    f->power_type = cf__http_query_text(srv, req, "power_type", &bad); /* 行政处罚, 行政检查 ... */
    f->cause = cf__http_query_text(srv, req, "cause", &bad); /* a part of the 案由's name */
    const char *sort = cf__http_query_text(srv, req, "sort", &bad);
    f->now = cf__serve_now(srv);
    if (bad)
        return -1; /* answered, naming the parameter */
    if (sort && strcmp(sort, "deadline") != 0 && strcmp(sort, "id") != 0) {
        cf__http_bad_param(req, srv, "sort", "sort is id (the default) or deadline");
        return -1;
    }
    f->by_deadline = sort && strcmp(sort, "deadline") == 0;
    if (cf__http_query_int(srv, req, "parent", 1, INT64_MAX, &f->parent) < 0 ||
        query_flag(srv, req, "open", &f->open_only) < 0 ||
        query_flag(srv, req, "overdue", &f->overdue) < 0 ||
        query_span(srv, req, "due_within", &f->due_within) < 0)
        return -1;
    return 0;
}

/* The page size: query parameter limit, 1 to cfg.page_limit_max, by default 100 (or
 * the maximum when it is smaller). OUT *limit; 0, or -1 after answering 400. */
static int page_limit(cf_serve_t *srv, h2o_req_t *req, int *limit)
{
    int64_t n = srv->cfg.page_limit_max < 100 ? srv->cfg.page_limit_max : 100;
    if (cf__http_query_int(srv, req, "limit", 1, srv->cfg.page_limit_max, &n) < 0)
        return -1;
    *limit = (int)n;
    return 0;
}

/* Copies the filter's strings into r (the request's pool may go before the read). */
static int keep_strings(cf__read_t *r)
{
    const char **fields[] = {&r->filter.state,      &r->filter.workflow, &r->filter.matter,
                             &r->filter.number,     &r->filter.handler,  &r->filter.q,
                             &r->filter.power_type, &r->filter.cause};
    const size_t count = sizeof(fields) / sizeof(fields[0]);
    size_t size = 0, at = 0;
    for (size_t i = 0; i < count; i++)
        size += *fields[i] ? strlen(*fields[i]) + 1 : 0;
    if (size && !(r->strings = malloc(size)))
        return CF_ENOMEM;
    for (size_t i = 0; i < count; i++)
        if (*fields[i]) {
            size_t n = strlen(*fields[i]) + 1;
            memcpy(r->strings + at, *fields[i], n);
            *fields[i] = r->strings + at;
            at += n;
        }
    return 0;
}

static void run_list_cases(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    json_t *list;
    cf_error_t err;
    (void)wfs;
    r->filter.limit = r->limit + 1; /* one more: is there a next page? */
    int rc = cf_store_case_list_agency(s, r->who.agency, &r->filter, &list, &err);
    if (rc != 0) {
        store_failed(r, rc, &err);
        return;
    }
    if (json_array_size(list) > (size_t)r->limit) {
        json_array_remove(list, (size_t)r->limit);
        json_t *last = json_array_get(list, (size_t)r->limit - 1);
        long long next = r->filter.by_deadline /* sort=deadline pages by offset */
                             ? (long long)(r->filter.offset + r->limit)
                             : (long long)json_integer_value(json_object_get(last, "id"));
        snprintf(r->next_cursor, sizeof(r->next_cursor), "%lld", next);
    }
    cf__read_answer(r, 200, list);
}

/* Exported, documented in serve-int.h */
int cf__http_list_cases(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    cf_case_filter_t f;
    int limit;
    int64_t after = 0;
    if (list_filter(srv, req, &f) != 0 || page_limit(srv, req, &limit) != 0 ||
        cf__http_query_int(srv, req, "cursor", 1, INT64_MAX, &after) < 0)
        return 0;
    cf__read_t *r = cf__read_new(srv, req, who, run_list_cases);
    if (!r)
        return 0;
    r->filter = f;
    r->filter.after = f.by_deadline ? 0 : after;
    r->filter.offset = f.by_deadline ? after : 0;
    r->limit = limit;
    if (keep_strings(r) != 0) {
        cf__read_free(r);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    cf__read_submit(r);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_workflows(cf_serve_t *srv, h2o_req_t *req)
{
    json_t *list;
    cf_error_t err;
    int rc = cf_store_workflow_list(srv->reader, &list, &err);
    if (rc != 0)
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
    else
        cf__http_json(req, srv, 200, list);
    return 0;
}

static void run_workflow(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    cf_workflow_t *wf;
    cf_error_t err;
    int version = 0;
    (void)wfs;
    int rc = cf_store_workflow_get(s, r->strings, (int)r->id, &wf, &version, &err);
    if (rc != 0) {
        store_failed(r, rc, &err);
        return;
    }
    cf__read_answer(r, 200, cf_ops_workflow_form(wf, version));
    cf_workflow_free(wf);
}

/* Exported, documented in serve-int.h */
int cf__http_workflow(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    h2o_iovec_t p = req->path_normalized;
    size_t plen = sizeof("/v1/workflows/") - 1;
    int64_t version = 0;
    for (size_t i = plen; i < p.len; i++)
        if (p.base[i] == '/' || p.base[i] == '%') {
            cf__http_error(req, srv, 404, "ENOTFOUND", "no such workflow");
            return 0;
        }
    /* h2o has decoded the path: a NUL would cut the id short ("penalty-general%00x" read
     * as penalty-general), bytes that are not UTF-8 could not be quoted in an answer. */
    if (memchr(p.base + plen, '\0', p.len - plen) || !cf__utf8_valid(p.base + plen, p.len - plen)) {
        cf__http_bad_param(req, srv, "id",
                           "the workflow id in the path (/v1/workflows/ID) is not UTF-8 or "
                           "holds a NUL (%00)");
        return 0;
    }
    if (cf__http_query_int(srv, req, "version", 1, INT32_MAX, &version) < 0)
        return 0;
    cf__read_t *r = cf__read_new(srv, req, who, run_workflow);
    if (!r)
        return 0;
    r->id = version;
    if (!(r->strings = strndup(p.base + plen, p.len - plen))) {
        cf__read_free(r);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    cf__read_submit(r);
    return 0;
}

static void run_causes(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    cf_causes_t *set = NULL;
    json_t *list;
    cf_error_t err;
    (void)wfs;
    int rc = cf_store_causes_load(s, &set, &err);
    if (rc == 0)
        rc = cf_ops_cause_list(set, r->strings, &list, &err);
    cf_causes_free(set);
    if (rc != 0)
        store_failed(r, rc, &err);
    else
        cf__read_answer(r, 200, list);
}

/* Exported, documented in serve-int.h */
int cf__http_causes(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0;
    const char *subject = cf__http_query_text(srv, req, "subject_type", &bad);
    if (bad)
        return 0;
    cf__read_t *r = cf__read_new(srv, req, who, run_causes);
    if (!r)
        return 0;
    if (subject && !(r->strings = strdup(subject))) {
        cf__read_free(r);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    cf__read_submit(r);
    return 0;
}

static void run_alerts(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r)
{
    json_t *list = NULL;
    cf_error_t err;
    (void)wfs;
    cf_ops_alerts_t q = {.agency = r->who.agency,
                         .handler = r->filter.handler,
                         .pending = r->pending,
                         .unacked = r->unacked,
                         .after_due = r->after_due,
                         .after_id = r->after_id[0] ? r->after_id : NULL,
                         .limit = r->limit};
    int rc = cf_ops_alert_page(s, &q, &list, r->next_cursor, sizeof(r->next_cursor), &err);
    if (rc != 0) {
        store_failed(r, rc, &err);
        return;
    }
    cf__read_answer(r, 200, list);
}

/* The alerts' cursor: an alert id, "<case>:<clock>:<point>:<due>", whose last
 * field is its due instant (an id of the form before schema 10, with epoch
 * seconds, is read as the same alert). 1 with r->after_due and after_id set, 0
 * when absent, -1 after answering 400. */
static int alert_cursor(cf_serve_t *srv, h2o_req_t *req, cf__read_t *r)
{
    int bad = 0;
    const char *v = cf__http_query(req, "cursor", &bad);
    if (!v)
        return 0;
    /* The id's offset is "+0800"; a client that put the cursor in the URL without
     * percent-encoding it sends '+', which the query reads as a space. An id holds
     * no space, so a space here can only be that '+'. */
    char id[sizeof(r->after_id)];
    size_t n = strlen(v);
    cf_time_t due;
    if (n < sizeof(id)) {
        for (size_t i = 0; i <= n; i++)
            id[i] = v[i] == ' ' ? '+' : v[i];
    }
    if (!bad && n < sizeof(id) &&
        cf_store_alert_id_canon(id, &due, r->after_id, sizeof(r->after_id)) == 0) {
        r->after_due = due;
        return 1;
    }
    cf__http_bad_param(req, srv, "cursor", "cursor is the X-Next-Cursor of the page before");
    return -1;
}

/* Exported, documented in serve-int.h */
int cf__http_alerts(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0, limit, pending, unacked;
    const char *state = cf__http_query(req, "state", &bad);
    if (bad || cf_ops_alert_state(state, &pending, &unacked) != 0) {
        cf__http_bad_param(req, srv, "state",
                           "state is \"pending\", \"fired\" or \"unacknowledged\"");
        return 0;
    }
    if (page_limit(srv, req, &limit) != 0)
        return 0;
    cf__read_t *r = cf__read_new(srv, req, who, run_alerts);
    if (!r)
        return 0;
    if (alert_cursor(srv, req, r) < 0) {
        cf__read_free(r);
        return 0;
    }
    r->pending = pending;
    r->unacked = unacked;
    r->limit = limit;
    r->filter.handler = cf__http_query_text(srv, req, "handler", &bad); /* issue 20 item 1b */
    if (bad || keep_strings(r) != 0) {
        cf__read_free(r);
        if (!bad) /* else answered, naming the parameter */
            cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    cf__read_submit(r);
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

/* Where the requests' writes spent their time, by phase (serve-writer.c), apart for
 * those queued while alerts fired. */
static size_t write_phases(const cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    static const char *const phase[CF__PHASES] = {"queued", "behind", "exec",
                                                  "after",  "commit", "back"};
    static const char *const firing[2] = {"no", "yes"};
    if (len < size)
        len += (size_t)snprintf(buf + len, size - len,
                                "# HELP caseflow_write_phase_seconds_total time requests' writes "
                                "spent in each phase, queued while alerts fired or not\n"
                                "# TYPE caseflow_write_phase_seconds_total counter\n");
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < CF__PHASES && len < size; k++) {
            uint64_t us = srv->m.phases[f].us[k];
            len += (size_t)snprintf(
                buf + len, size - len,
                "caseflow_write_phase_seconds_total{phase=\"%s\",firing=\"%s\"} %llu.%06llu\n",
                phase[k], firing[f], (unsigned long long)(us / 1000000u),
                (unsigned long long)(us % 1000000u));
        }
    if (len < size)
        len += (size_t)snprintf(buf + len, size - len,
                                "# HELP caseflow_write_phase_requests_total requests counted in "
                                "caseflow_write_phase_seconds_total\n"
                                "# TYPE caseflow_write_phase_requests_total counter\n");
    for (int f = 0; f < 2 && len < size; f++)
        len += (size_t)snprintf(buf + len, size - len,
                                "caseflow_write_phase_requests_total{firing=\"%s\"} %llu\n",
                                firing[f], (unsigned long long)srv->m.phases[f].count);
    return len < size ? len : size;
}

/* The writer's samples for /metrics: its commits, the log's restarts, prepared
 * transitions, the phases of its requests. Returns the length of buf's text. */
static size_t metrics_writer(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    cf__writer_t *w = &srv->writer;
    sample(buf, size, &len, "caseflow_commits_total", "transactions committed by the writer",
           "counter", atomic_load(&w->batches));
    sample(buf, size, &len, "caseflow_committed_jobs_total", "requests written in those", "counter",
           atomic_load(&w->jobs));
    sample(buf, size, &len, "caseflow_commit_batch_max", "most requests in one transaction",
           "gauge", atomic_load(&w->max_batch));
    sample(buf, size, &len, "caseflow_commit_failures_total", "transactions that failed", "counter",
           atomic_load(&w->failed_commits));
    /* Prometheus wants base units: the writer counts microseconds, we show seconds */
    unsigned long long us = atomic_load(&w->commit_us);
    if (len < size)
        len += (size_t)snprintf(buf + len, size - len,
                                "# HELP caseflow_commit_seconds_total time spent in transactions\n"
                                "# TYPE caseflow_commit_seconds_total counter\n"
                                "caseflow_commit_seconds_total %llu.%06llu\n",
                                us / 1000000, us % 1000000);
    sample(buf, size, &len, "caseflow_checkpoints_total",
           "write-ahead log copies into the database, off the writer", "counter",
           atomic_load(&w->checkpoints));
    sample(buf, size, &len, "caseflow_wal_restarts_total",
           "times the writer started the write-ahead log over (serve-writer.c)", "counter",
           atomic_load(&w->wal_restarts));
    sample(buf, size, &len, "caseflow_wal_restarts_ahead_total",
           "of them, before a firing written ahead of its instant (the held frames from the "
           "log's start)",
           "counter", atomic_load(&w->wal_restarts_ahead));
    sample(buf, size, &len, "caseflow_wal_restart_frames_copied_total",
           "frames of the log the writer's restarts copied into the database themselves (the "
           "checkpointer had not reached them)",
           "counter", atomic_load(&w->wal_restart_copied));
    us = atomic_load(&w->wal_restart_us);
    if (len < size)
        len += (size_t)snprintf(buf + len, size - len,
                                "# HELP caseflow_wal_restart_seconds_total time the writer spent "
                                "starting the log over\n"
                                "# TYPE caseflow_wal_restart_seconds_total counter\n"
                                "caseflow_wal_restart_seconds_total %llu.%06llu\n",
                                us / 1000000, us % 1000000);
    sample(buf, size, &len, "caseflow_wal_frames_written_total",
           "pages the writer's commits wrote into the write-ahead log (4 KB and 24 bytes each)",
           "counter", atomic_load(&w->wal_written));
    sample(buf, size, &len, "caseflow_fire_shared_commits_total",
           "firing chunks whose commit took in the requests queued while they ran", "counter",
           atomic_load(&w->absorbed));
    sample(buf, size, &len, "caseflow_commit_joins_total",
           "times a batch took in requests queued meanwhile", "counter", atomic_load(&w->joined));
    sample(buf, size, &len, "caseflow_writer_redone_total",
           "transactions begun again because a request run without a savepoint failed after "
           "it wrote",
           "counter", atomic_load(&w->redone));
    sample(buf, size, &len, "caseflow_transitions_prepared_total",
           "transitions prepared off the writer thread (serve-writer.c, the preparer)", "counter",
           atomic_load(&w->prepared));
    sample(buf, size, &len, "caseflow_transitions_prepared_written_total",
           "of them, written as prepared (the others' cases moved first)", "counter",
           atomic_load(&w->prepared_used));
    return write_phases(srv, buf, size, len);
}

/* The event streams' samples for /metrics. Returns the length of buf's text. */
static size_t metrics_streams(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    sample(buf, size, &len, "caseflow_stream_clients", "open event streams", "gauge",
           atomic_load(&srv->writer.streams));
    sample(buf, size, &len, "caseflow_stream_overflows_total",
           "event streams ended because their client fell too far behind", "counter",
           srv->m.sse_overflows);
    sample(buf, size, &len, "caseflow_stream_dropped_total",
           "of those, streams ended to keep all streams within streams_max_total", "counter",
           srv->m.sse_dropped);
    sample(buf, size, &len, "caseflow_stream_refused_total",
           "event streams refused: the token had streams_per_token open", "counter",
           srv->m.sse_refused);
    sample(buf, size, &len, "caseflow_stream_bytes",
           "bytes held by all event streams (unsent and in flight)", "gauge", srv->sse_bytes);
    return len;
}

/* The alert firing's samples for /metrics. Returns the length of buf's text. */
static size_t metrics_alerts(cf_serve_t *srv, char *buf, size_t size, size_t len)
{
    cf__writer_t *w = &srv->writer;
    sample(buf, size, &len, "caseflow_alerts_fired_total", "alerts fired", "counter",
           srv->m.alerts_fired);
    sample(buf, size, &len, "caseflow_alert_cases_prefetched_total",
           "cases made ready in the writer's cache ahead of their alerts' instant", "counter",
           srv->m.alerts_prefetched);
    sample(buf, size, &len, "caseflow_fire_chunks_total",
           "firing chunks written (each its own commit, or one it shares)", "counter",
           srv->m.fire_chunks);
    sample(buf, size, &len, "caseflow_alerts_fired_ahead_total",
           "alerts written ahead of their instant and committed at it", "counter",
           atomic_load(&w->fired_ahead));
    sample(buf, size, &len, "caseflow_fire_ahead_held",
           "1 while a firing written ahead waits for its instant", "gauge",
           (unsigned long long)atomic_load(&w->ahead_held));
    sample(buf, size, &len, "caseflow_fire_ahead_rollbacks_total",
           "firings written ahead rolled back for a request", "counter",
           atomic_load(&w->ahead_rollbacks));
    sample(buf, size, &len, "caseflow_fire_ahead_presyncs_total",
           "firings written ahead whose log was synced before their instant", "counter",
           atomic_load(&w->ahead_presyncs));
    sample(buf, size, &len, "caseflow_fire_chunks_at_log_bound_total",
           "firing chunks that stopped where the log would pass its bound", "counter",
           atomic_load(&w->chunks_at_bound));
    sample(buf, size, &len, "caseflow_alerts_late_total", "alerts fired late", "counter",
           srv->m.alerts_late);
    return len;
}

/* Exported, documented in serve-int.h */
int cf__http_metrics(cf_serve_t *srv, h2o_req_t *req)
{
    enum { SIZE = 65536 }; /* the histograms: 16 lines a route and method seen */
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
    len = metrics_writer(srv, buf, SIZE, len);
    sample(buf, SIZE, &len, "caseflow_writer_inflight", "requests queued or being written", "gauge",
           w->inflight);
    len = metrics_alerts(srv, buf, SIZE, len);
    sample(buf, SIZE, &len, "caseflow_webhook_deliveries_total", "webhook POSTs answered 2xx",
           "counter", srv->m.webhook_ok);
    sample(buf, SIZE, &len, "caseflow_webhook_failures_total", "webhook deliveries given up",
           "counter", srv->m.webhook_failed);
    sample(buf, SIZE, &len, "caseflow_webhook_retries_total", "webhook retries", "counter",
           srv->m.webhook_retries);
    sample(buf, SIZE, &len, "caseflow_webhook_reloaded_total",
           "webhook deliveries taken back from the outbox (a daemon gone before they were done)",
           "counter", srv->outbox.reloaded);
    sample(buf, SIZE, &len, "caseflow_webhook_outbox_claims_total",
           "looks through the outbox for deliveries owed by a daemon gone", "counter",
           srv->outbox.claims);
    len = metrics_streams(srv, buf, SIZE, len);
    sample(buf, SIZE, &len, "caseflow_connections", "open HTTP connections", "gauge",
           srv->conns_count);
    if (len < SIZE)
        len = cf__calendar_metrics(srv, buf, SIZE, len); /* issue 16 */
    if (len < SIZE)
        len = cf__metrics_more(srv, buf, SIZE, len); /* issue 23: serve-health.c */
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
