/*
 * serve-helpers.c -- see serve-helpers.h (the webhook receiver and the outbox calls are in
 * serve-helpers-hook.c).
 *
 * Map (each part starts with a "----" comment): leak checking (h2o's caches suppressed);
 * database and tokens; the daemon (start, stop, config); HTTP (requests, JSON answers);
 * the event stream reader; the command line and the store beside the daemon; /metrics; a
 * penalty case over HTTP; an HTTP exchange with any headers (the workbench tests).
 */
#include "serve-helpers.h"

#include <stdarg.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../storage/store.h"
#include "cli.h"
#include "serve-int.h" /* td_writer_queued reads the writer's queue */
#include "task.h"

/* ---- leak checking ------------------------------------------------------------------------ */

/* h2o 2.2.5 keeps freed memory-pool chunks and socket buffers in per-thread
 * (__thread) recycle lists that nothing frees; when a test's daemon thread exits,
 * LeakSanitizer reports them. They are h2o's caches, not our objects. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:h2o_mem_alloc_recycle\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

/* ---- database and tokens ---------------------------------------------------------------- */

/* Runs the command line in-process; OUT *out (malloc'd) its standard output. */
static int run_cli(char **out, int argc, char **argv)
{
    size_t len = 0;
    char *text = NULL;
    FILE *f = open_memstream(&text, &len);
    FILE *null = fopen("/dev/null", "w");
    int rc = cf_cli_main(argc, argv, f, null);
    fclose(f);
    fclose(null);
    if (out)
        *out = text;
    else
        free(text);
    return rc;
}

void td_db(const char *name, char *path, size_t size)
{
    char workflows[1024];
    cf_test_db(name, path, size);
    snprintf(workflows, sizeof(workflows), "%s/workflows", CF_SOURCE_DIR);
    char *argv[] = {"caseflow", "--db", path, "init", "--workflows", workflows, NULL};
    ASSERT_EQ(run_cli(NULL, 6, argv), 0);
}

char *td_token(const char *db, const char *agency, const char *role, const char *name)
{
    char *out = NULL;
    char *argv[] = {"caseflow",     "--db",   (char *)db,   "token",  "create",     "--agency",
                    (char *)agency, "--role", (char *)role, "--name", (char *)name, NULL};
    ASSERT_EQ(run_cli(&out, 11, argv), 0);
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    ASSERT_EQ(n, 64);
    return out;
}

/* ---- the daemon -------------------------------------------------------------------------- */

void td_config(cf_serve_config_t *cfg, const char *db, const char *now)
{
    cf_serve_config_init(cfg);
    cfg->db_path = db;
    cfg->port = 0;
    cfg->test_clock = 1;
    cfg->webhook_retry_ms = 5;
    if (now) {
        cf_error_t err;
        ASSERT_EQ(cf_time_parse(now, &cfg->now, &err), 0);
    }
}

char *td_alert_config(const char *dbname, const char *logname, const char *now, char *db, char *log,
                      cf_serve_config_t *cfg)
{
    td_db(dbname, db, TD_PATH);
    snprintf(log, TD_PATH, "%s/%s", cf_test_tmpdir(), logname);
    remove(log);
    char *token = td_token(db, "甲局", "handler", "张三");
    td_config(cfg, db, now);
    cfg->alert_log = log;
    return token;
}

static void *daemon_main(void *arg)
{
    td_daemon_t *d = arg;
    d->result = cf_serve_run(d->srv);
    return NULL;
}

void td_start(td_daemon_t *d, const cf_serve_config_t *cfg)
{
    cf_error_t err;
    memset(d, 0, sizeof(*d));
    d->metrics_token = td_token(cfg->db_path, "运维", "metrics", "prometheus");
    if (cf_serve_open(cfg, &d->srv, &err) != 0)
        CF__FAIL("cf_serve_open: %s", err.text);
    d->port = cf_serve_port(d->srv);
    d->unix_path = cfg->unix_path;
    ASSERT(d->port > 0 || d->unix_path);
    d->result = -1;
    ASSERT_EQ(pthread_create(&d->thread, NULL, daemon_main, d), 0);
}

void td_start_at(td_daemon_t *d, const char *db, const char *now)
{
    cf_serve_config_t cfg;
    td_config(&cfg, db, now);
    td_start(d, &cfg);
}

void td_stop(td_daemon_t *d)
{
    cf_serve_stop(d->srv);
    ASSERT_EQ(pthread_join(d->thread, NULL), 0);
    ASSERT_EQ(d->result, 0); /* uv_loop_close: every handle was closed */
    cf_serve_free(d->srv);
    d->srv = NULL;
    free(d->metrics_token);
    d->metrics_token = NULL;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

typedef struct buf_s {
    char *data;
    size_t len;
} buf_t;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    buf_t *b = ctx;
    char *grown = realloc(b->data, b->len + size * n + 1);
    ASSERT(grown != NULL);
    memcpy(grown + b->len, p, size * n);
    b->data = grown;
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

/* Exported, documented in serve-helpers.h */
void td_header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    if (len <= nlen + 1 || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
        return;
    const char *v = line + nlen + 1;
    while (*v == ' ')
        v++;
    size_t vlen = (size_t)(line + len - v);
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
        vlen--;
    snprintf(out, size, "%.*s", (int)vlen, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    td_resp_t *r = ctx;
    td_header_value(p, size * n, "etag", r->etag, sizeof(r->etag));
    td_header_value(p, size * n, "x-next-cursor", r->next_cursor, sizeof(r->next_cursor));
    td_header_value(p, size * n, "link", r->link, sizeof(r->link));
    td_header_value(p, size * n, "location", r->location, sizeof(r->location));
    td_header_value(p, size * n, "idempotent-replayed", r->replayed, sizeof(r->replayed));
    return size * n;
}

void td_http(const td_daemon_t *d, const char *method, const char *path, const char *token,
             const char *body, size_t body_len, const char *if_match, td_resp_t *r)
{
    td_http_h(d, method, path, token, body, body_len, if_match, NULL, r);
}

void td_http_h(const td_daemon_t *d, const char *method, const char *path, const char *token,
               const char *body, size_t body_len, const char *if_match, const char *const *headers,
               td_resp_t *r)
{
    char url[512], auth[256], match[64];
    buf_t b = {0};
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (if_match) {
        snprintf(match, sizeof(match), "If-Match: %s", if_match);
        h = curl_slist_append(h, match);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    if (body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (d->unix_path)
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->unix_path);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(e);
    if (rc != CURLE_OK)
        CF__FAIL("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    r->body = b.data ? b.data : strdup("");
    r->json = json_loads(r->body, 0, NULL);
}

void td_http_json(const td_daemon_t *d, const char *method, const char *path, const char *token,
                  const json_t *body, const char *if_match, td_resp_t *r)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    td_http(d, method, path, token, text, text ? strlen(text) : 0, if_match, r);
    free(text);
}

/* Exported, documented in serve-helpers.h */
void td_post_json(const td_daemon_t *d, const char *iso, const char *path, const char *token,
                  json_t *body, const char *if_match, long status)
{
    td_resp_t r;
    if (iso)
        td_clock(d, iso);
    td_http_json(d, "POST", path, token, body, if_match, &r);
    json_decref(body);
    if (r.status != status)
        CF__FAIL("POST %s: %ld %s", path, r.status, r.body);
    td_resp_free(&r);
}

void td_resp_free(td_resp_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

void td_clock(const td_daemon_t *d, const char *iso)
{
    char body[128];
    td_resp_t r;
    snprintf(body, sizeof(body), "{\"now\":\"%s\"}", iso);
    td_http(d, "POST", "/v1/test/clock", NULL, body, strlen(body), NULL, &r);
    if (r.status != 200)
        CF__FAIL("clock to %s: %ld %s", iso, r.status, r.body);
    td_resp_free(&r);
}

/* Exported, documented in serve-helpers.h */
int td_writer_queued(const td_daemon_t *d, int kind)
{
    cf__writer_t *w = &d->srv->writer;
    int n = 0;
    pthread_mutex_lock(&w->mu);
    for (cf__job_t *j = w->queue; j; j = j->next)
        n += kind < 0 || (int)j->kind == kind;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Exported, documented in serve-helpers.h */
int td_opening_queued(const td_daemon_t *d)
{
    return td_writer_queued(d, CF__JOB_OPEN) > 0;
}

/* Exported, documented in serve-helpers.h */
int td_gate_fault(void *ctx, const char *point)
{
    td_gate_t *g = ctx;
    if (strcmp(point, "events") != 0)
        return SQLITE_OK;
    if (atomic_load(&g->phase) == 1) {
        atomic_store(&g->phase, 2);
        CF_TEST_WAIT_UNTIL(td_writer_queued(g->d, CF__JOB_ACT) >= 2);
        atomic_store(&g->both, td_writer_queued(g->d, CF__JOB_ACT) >= 2);
        atomic_store(&g->phase, 3);
        return SQLITE_OK;
    }
    if (atomic_load(&g->phase) != 3)
        return SQLITE_OK;
    int k = atomic_fetch_add(&g->events, 1) + 1;
    if (g->repeat ? k % g->fail_nth == 0 : k == g->fail_nth)
        return SQLITE_IOERR;
    return SQLITE_OK;
}

/* ---- event stream reader ------------------------------------------------------------------------
 */

static size_t on_stream(char *p, size_t size, size_t n, void *ctx)
{
    td_stream_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    char *grown = realloc(s->text, s->len + size * n + 1);
    ASSERT(grown != NULL);
    memcpy(grown + s->len, p, size * n);
    s->text = grown;
    s->len += size * n;
    s->text[s->len] = '\0';
    if (!s->connected)
        s->connected = strstr(s->text, ": connected\n\n") != NULL;
    /* Count only what arrived since the last call (a burst is megabytes: rescanning
     * the whole text each time is quadratic), resuming just before the end in case
     * the marker was split between two reads. */
    const char *q = s->text + s->scan;
    size_t mlen = strlen(s->marker);
    for (const char *hit; (hit = strstr(q, s->marker)) != NULL; q = hit + mlen)
        s->alerts++;
    size_t after = (size_t)(q - s->text), keep = mlen - 1; /* a marker but one char */
    s->scan = s->len - after > keep ? s->len - keep : after;
    int done = s->alerts >= s->want;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return done ? 0 : size * n; /* 0 ends the transfer */
}

static void *stream_main(void *arg)
{
    td_stream_t *s = arg;
    char url[256], auth[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/stream", s->d->port);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L); /* what never comes fails the test, not hangs it */
    CURLcode rc = curl_easy_perform(e);
    if (rc != CURLE_WRITE_ERROR && rc != CURLE_OK)
        CF__FAIL("stream: %s after %d of %d '%.*s' blocks", curl_easy_strerror(rc), s->alerts,
                 s->want, (int)strcspn(s->marker, "\n"), s->marker);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return NULL;
}

void td_stream_start(td_stream_t *s, const td_daemon_t *d, const char *token, int want)
{
    td_stream_watch(s, d, token, "event: alert\n", want);
}

void td_stream_watch(td_stream_t *s, const td_daemon_t *d, const char *token, const char *marker,
                     int want)
{
    memset(s, 0, sizeof(*s));
    s->d = d;
    s->token = token;
    s->marker = marker;
    s->want = want;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    ASSERT_EQ(pthread_create(&s->thread, NULL, stream_main, s), 0);
    pthread_mutex_lock(&s->mu);
    while (!s->connected)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void td_stream_finish(td_stream_t *s)
{
    ASSERT_EQ(pthread_join(s->thread, NULL), 0);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* POSTs body (taken) to path as token and fails the test unless the answer is 201:
 * returns the answer's integer member key. */
static long long post_created(const td_daemon_t *d, const char *token, const char *path,
                              json_t *body, const char *key)
{
    td_resp_t r;
    td_http_json(d, "POST", path, token, body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("POST %s: %ld %s", path, r.status, r.body);
    long long value = json_integer_value(json_object_get(r.json, key));
    td_resp_free(&r);
    return value;
}

/* Exported, documented in serve-helpers.h */
long long td_open_case(const td_daemon_t *d, const char *token, const char *workflow,
                       const char *party)
{
    json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", workflow, "party", "name", party,
                             "type", "定点医药机构");
    return post_created(d, token, "/v1/cases", body, "id");
}

long long td_evidence(const td_daemon_t *d, const char *token, long long id)
{
    char path[64];
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}]}", "kind", "书证", "title", "处方单据",
                  "source", "当事人", "method", "调取", "officers", "name", "张三", "name", "王五");
    snprintf(path, sizeof(path), "/v1/cases/%lld/evidence", id);
    return post_created(d, token, path, body, "version");
}

/* ---- the command line and the store beside the daemon ------------------------------------ */

char td_out[65536], td_err[65536];

int td_cli(const char *db, const char *now, ...)
{
    char *argv[64] = {"caseflow", "--db", (char *)db};
    int argc = 3;
    va_list ap;
    va_start(ap, now);
    for (char *a; argc < 63 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    setenv("CASEFLOW_NOW", now, 1);
    FILE *o = tmpfile(), *e = tmpfile();
    int rc = cf_cli_main(argc, argv, o, e);
    rewind(o);
    rewind(e);
    td_out[fread(td_out, 1, sizeof(td_out) - 1, o)] = '\0';
    td_err[fread(td_err, 1, sizeof(td_err) - 1, e)] = '\0';
    fclose(o);
    fclose(e);
    return rc;
}

void td_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", cf_test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Exported, documented in serve-helpers.h */
void td_stderr_to(td_stderr_t *sf, const char *db)
{
    size_t end = strcspn(db, "?"), start = end;
    while (start > 0 && db[start - 1] != '/')
        start--;
    snprintf(sf->path, sizeof(sf->path), "%s/%.*s.log", cf_test_tmpdir(), (int)(end - start),
             db + start);
    fflush(stderr);
    sf->saved = dup(2);
    sf->f = fopen(sf->path, "w");
    ASSERT(sf->f != NULL && sf->saved >= 0);
    ASSERT(dup2(fileno(sf->f), 2) == 2);
}

/* Exported, documented in serve-helpers.h */
void td_stderr_restore(td_stderr_t *sf)
{
    fflush(stderr);
    dup2(sf->saved, 2);
    close(sf->saved);
    fclose(sf->f);
}

/* Exported, documented in serve-helpers.h */
int td_raw_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Exported, documented in serve-helpers.h */
char *td_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    char *buf = calloc(1, 1 << 20);
    ASSERT(buf != NULL);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Exported, documented in serve-helpers.h */
void td_cli_open(const char *db, const char *now)
{
    int rc = td_cli(db, now, "case", "open", "--workflow", "penalty-general", "--party",
                    "某某大药房", "--party-type", "定点医药机构", "--fact", "lead_source=投诉举报",
                    "--actor", "张三", "--role", "handler", NULL);
    if (rc != 0)
        CF__FAIL("open: %d %s", rc, td_err);
}

/* Exported, documented in serve-helpers.h */
int td_cli_file_doc(const char *db, const char *path)
{
    return td_cli_file_doc_at(db, "2026-03-03T10:00:00+08:00", path);
}

/* Exported, documented in serve-helpers.h */
int td_cli_file_doc_at(const char *db, const char *now, const char *path)
{
    char arg[700];
    snprintf(arg, sizeof(arg), "立案审批表=%s", path);
    return td_cli(
        db, now, "case", "act", "1", "file", "--role", "head", "--actor", "李四", "--fact",
        "filing_reason=涉嫌串换药品", "--fact", "cause=js-2024:14", "--fact",
        "officers=[{\"name\":\"张三\",\"cert\":\"1\"},{\"name\":\"王五\",\"cert\":\"2\"}]", "--doc",
        arg, NULL);
}

/* The newest stored penalty-general of s (the caller frees it). */
static cf_workflow_t *stored_penalty(cf_store_t *s)
{
    cf_workflow_t *wf = NULL;
    cf_error_t err;
    json_t *list, *w;
    size_t i;
    ASSERT_EQ(cf_store_workflow_list(s, &list, &err), 0);
    json_array_foreach(list, i, w)
        if (!wf && strcmp(json_string_value(json_object_get(w, "id")), "penalty-general") == 0)
            ASSERT_EQ(cf_store_workflow_get_hash(s, json_string_value(json_object_get(w, "hash")),
                                                 &wf, &err),
                      0);
    ASSERT(wf != NULL);
    json_decref(list);
    return wf;
}

void td_open_spread(const char *db, const char *agency, int64_t at0, int step, int n)
{
    cf_store_t *s;
    cf_error_t err;
    cf_calendar_t *cal;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, &err), 0);
    cf_workflow_t *wf = stored_penalty(s);
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    for (int k = 0; k < n; k++) {
        cf_open_t req = {
            .actor = "张三", .role = "handler", .party = party, .at = at0 + (cf_time_t)k * step};
        json_t *events = NULL;
        cf_refusal_t why = {0};
        cf_case_t c;
        ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, &why), 0);
        ASSERT_EQ(cf_case_init(&c), 0);
        ASSERT_EQ(cf_store_case_open_tx(s, &c, events, agency, &err), 0);
        ASSERT_EQ(cf_store_alerts_sync(s, &c, wf, cal, &err), 0);
        cf_case_dispose(&c);
        cf_refusal_dispose(&why);
        json_decref(events);
    }
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    json_decref(party);
    cf_workflow_free(wf);
    cf_calendar_free(cal);
    cf_store_close(s);
}

json_t *td_comparable_events(const char *db)
{
    cf_store_t *s;
    json_t *events;
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_events(s, 1, &events, NULL), 0);
    cf_store_close(s);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *drop[] = {"at", "hash", "prev", "entered_at", "entered_by", "started_at"};
        for (size_t k = 0; k < sizeof(drop) / sizeof(drop[0]); k++)
            json_object_del(ev, drop[k]);
    }
    return events;
}

/* ---- /metrics ----------------------------------------------------------------------------- */

char *td_metrics_text(const td_daemon_t *d)
{
    td_resp_t r;
    td_http(d, "GET", "/metrics", d->metrics_token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    char *text = strdup(r.body);
    td_resp_free(&r);
    return text;
}

long long td_metric(const td_daemon_t *d, const char *name)
{
    char *text = td_metrics_text(d);
    size_t n = strlen(name);
    const char *found = NULL;
    for (const char *at = text; (at = strstr(at, name)) != NULL; at += n)
        if ((at == text || at[-1] == '\n') && at[n] == ' ')
            found = at + n + 1;
    long long v = found ? atoll(found) : 0;
    free(text);
    if (!found)
        CF__FAIL("no metric %s", name);
    return v;
}

/* Exported, documented in serve-helpers.h */
long long td_open_until(const td_daemon_t *d, const char *token, const char *name,
                        long long at_least)
{
    json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", "penalty-general", "party", "name",
                             "某某大药房", "type", "定点医药机构");
    long long n = 0;
    for (int i = 0; i < 200 && (n = td_metric(d, name)) < at_least; i++) {
        td_resp_t resp;
        td_http_json(d, "POST", "/v1/cases", token, body, NULL, &resp);
        ASSERT_EQ(resp.status, 201);
        td_resp_free(&resp);
    }
    json_decref(body);
    return n;
}

long long td_scalar(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

void td_check_late_log(const char *log, long long n)
{
    char line[4096], last_due[64] = "", last_id[160] = "";
    long long lines = 0;
    json_t *seen = json_object();
    FILE *f = fopen(log, "r");
    ASSERT(f != NULL);
    while (fgets(line, sizeof(line), f)) {
        json_t *a = json_loads(line, 0, NULL);
        ASSERT(a != NULL);
        const char *due = json_string_value(json_object_get(a, "due_at"));
        const char *id = json_string_value(json_object_get(a, "alert_id"));
        ASSERT(due && id);
        ASSERT(json_is_true(json_object_get(a, "late")));
        ASSERT(json_object_get(seen, id) == NULL);
        json_object_set_new(seen, id, json_true());
        int c = strcmp(due, last_due);
        ASSERT(c > 0 || (c == 0 && strcmp(id, last_id) > 0));
        snprintf(last_due, sizeof(last_due), "%s", due);
        snprintf(last_id, sizeof(last_id), "%s", id);
        json_decref(a);
        lines++;
    }
    fclose(f);
    json_decref(seen);
    ASSERT_EQ(lines, n);
}

/* ---- a penalty case over HTTP (test-serve.c, test-serve-inside.c) ---------------------- */

/* Opens a penalty-general case as token; returns its id. */
long long open_case(const td_daemon_t *d, const char *token, const char *party)
{
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "workflow", "penalty-general", "party", "name",
                  party, "type", "定点医药机构", "facts", "lead_source", "投诉举报");
    td_http_json(d, "POST", "/v1/cases", token, body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("open: %ld %s", r.status, r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    ASSERT(id > 0);
    ASSERT_EQ(json_integer_value(json_object_get(r.json, "version")), 2); /* opened + clock */
    td_resp_free(&r);
    return id;
}

/* GET /v1/cases/{id}: OUT etag (the version), returns the state (static buffer). */
const char *case_state(const td_daemon_t *d, const char *token, long long id, char *etag,
                       size_t size)
{
    static char state[64];
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(r.etag[0] == '"');
    snprintf(etag, size, "%s", r.etag);
    snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(r.json, "state")));
    td_resp_free(&r);
    return state;
}

/* ---- an HTTP exchange with any headers (the workbench tests)
 * ------------------------------------------------------ */

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    web_resp_t *r = ctx;
    char *b = realloc(r->body, r->body_len + size * n + 1);
    ASSERT(b);
    memcpy(b + r->body_len, p, size * n);
    r->body = b;
    r->body_len += size * n;
    r->body[r->body_len] = '\0';
    return size * n;
}

static size_t on_head(char *p, size_t size, size_t n, void *ctx)
{
    web_resp_t *r = ctx;
    size_t len = size * n;
    if (r->headers_len + len < sizeof(r->headers)) {
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            int in_name = !memchr(p, ':', i + 1);
            r->headers[r->headers_len++] = in_name && c >= 'A' && c <= 'Z' ? c + 32 : c;
        }
        r->headers[r->headers_len] = '\0';
    }
    return len;
}

/* One exchange: method path (sent as is, no dot-segment removal), the NULL-ended
 * header lines, an optional body. */
void web_http(const td_daemon_t *d, const char *method, const char *path,
              const char *const *headers, const char *body, web_resp_t *r)
{
    char url[512];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_head);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(e);
    if (rc != CURLE_OK)
        CF__FAIL("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    if (!r->body)
        r->body = strdup("");
    r->json = json_loads(r->body, 0, NULL);
}

void web_free(web_resp_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* The value of header name (lower case) in r, into out; 1 if present. */
int header(const web_resp_t *r, const char *name, char *out, size_t size)
{
    char key[128];
    snprintf(key, sizeof(key), "\n%s: ", name);
    const char *p = strstr(r->headers, key);
    if (!p)
        return 0;
    p += strlen(key);
    size_t n = strcspn(p, "\r\n");
    snprintf(out, size, "%.*s", (int)n, p);
    return 1;
}
