/*
 * test-serve-web.c -- serve-web-*: what the daemon does for the workbench (issue 22,
 * WEB-CONTRACT.md), each test against a daemon run in-process (serve-helpers.c).
 *
 * serve-web-1.*: the workbench's files: served at / and /web/ with the security
 *                headers and their types, revalidated by ETag; no path out of web/.
 * serve-web-2.*: sessions: sign in, wrong token, cookie flags, the cookie on every
 *                /v1 route (the event stream too), CSRF refused and accepted, sign
 *                out, a revoked token ends its sessions, bearer requests unchanged.
 * serve-web-3.*: alerts for people: routing on the stream, acknowledgement on the
 *                chain, escalation to the head (stream, webhooks, alert log), the
 *                alert rows with who acknowledged, audit verify and replay take both.
 * serve-web-4:   GET /v1/workflows/{id}: typed facts, requires, the main line.
 * serve-web-5:   GET /v1/causes?subject_type=.
 * serve-web-6:   GET /v1/cases/{id}/replay.
 * serve-web-7:   the settings (session_ttl, alert_ack_timeout, web, cookie_secure).
 * serve-web-8:   GET /v1/cases/{id}/files/{sha256}: a stored file's bytes, attachment.
 * serve-web-9:   GET /v1/cases?q= (party name, numbers) and sort=deadline, paged.
 * serve-web-10:  GET /v1/cases?power_type= and ?cause=, on the server, paged.
 *
 * Map (over 800 lines: one group per banner): the HTTP client with any headers
 * (web_http); serve-web-1; serve-web-2 with its stream reader; serve-web-3 with ack,
 * event_of, alert_row, hook_got and log_lines; serve-web-4 with by_key; serve-web-5; serve-web-6;
 * serve-web-7; serve-web-8 with web_get; serve-web-9 with open_for, act_on and list_ids;
 * serve-web-10.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- an HTTP exchange with any headers ------------------------------------------------------ */

typedef struct web_resp_s {
    long status;
    char *body;
    size_t body_len;
    char headers[4096]; /* every header line received, lower-cased names */
    size_t headers_len;
    json_t *json;
} web_resp_t;

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
static void web_http(const td_daemon_t *d, const char *method, const char *path,
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

static void web_free(web_resp_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* The value of header name (lower case) in r, into out; 1 if present. */
static int header(const web_resp_t *r, const char *name, char *out, size_t size)
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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT(f);
    fputs(text, f);
    fclose(f);
}

/* ---- serve-web-1: the workbench's files ---------------------------------------------------- */

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                          "base-uri 'none'; form-action 'self'";

static void assert_secured(const web_resp_t *r)
{
    char v[512];
    ASSERT(header(r, "content-security-policy", v, sizeof(v)));
    ASSERT(strcmp(v, csp) == 0);
    ASSERT(header(r, "x-content-type-options", v, sizeof(v)) && strcmp(v, "nosniff") == 0);
    ASSERT(header(r, "referrer-policy", v, sizeof(v)) && strcmp(v, "no-referrer") == 0);
}

static void expect_file(const td_daemon_t *d, const char *path, const char *type,
                        const char *content)
{
    web_resp_t r;
    char v[256];
    web_http(d, "GET", path, NULL, NULL, &r);
    if (r.status != 200)
        CF__FAIL("GET %s: %ld %s", path, r.status, r.body);
    assert_secured(&r);
    ASSERT(header(&r, "content-type", v, sizeof(v)) && strcmp(v, type) == 0);
    ASSERT(strcmp(r.body, content) == 0);
    ASSERT(header(&r, "cache-control", v, sizeof(v)) && strcmp(v, "no-cache") == 0);
    web_free(&r);
}

static void expect_404(const td_daemon_t *d, const char *path)
{
    web_resp_t r;
    web_http(d, "GET", path, NULL, NULL, &r);
    if (r.status != 404)
        CF__FAIL("GET %s: %ld (expected 404) %s", path, r.status, r.body);
    ASSERT(!strstr(r.body, "SQLite") && !strstr(r.body, "secret"));
    assert_secured(&r);
    web_free(&r);
}

TEST_IMPL(serve_web_1_static)
{
    char db[512], web[600], path[700];
    td_db("web-static.db", db, sizeof(db));
    snprintf(web, sizeof(web), "%s/web-static", cf_test_tmpdir());
    mkdir(web, 0755);
    snprintf(path, sizeof(path), "%s/index.html", web);
    write_file(path, "<!doctype html><title>工作台</title>");
    snprintf(path, sizeof(path), "%s/app.js", web);
    write_file(path, "export const x = 1;\n");
    snprintf(path, sizeof(path), "%s/app.css", web);
    write_file(path, "body{}\n");
    snprintf(path, sizeof(path), "%s/.hidden.js", web);
    write_file(path, "secret");
    snprintf(path, sizeof(path), "%s/notes.db", web);
    write_file(path, "secret");
    snprintf(path, sizeof(path), "%s/lib", web);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/lib/graph.js", web);
    write_file(path, "/* graph */\n");
    snprintf(path, sizeof(path), "%s/link.js", web);
    symlink(db, path);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.web_dir = web;
    td_start(&d, &cfg);
    /* serve-web-1.1: / is index.html; types by extension; a sub-folder */
    expect_file(&d, "/", "text/html; charset=utf-8", "<!doctype html><title>工作台</title>");
    expect_file(&d, "/web/index.html", "text/html; charset=utf-8",
                "<!doctype html><title>工作台</title>");
    expect_file(&d, "/web/app.js", "text/javascript; charset=utf-8", "export const x = 1;\n");
    expect_file(&d, "/web/app.css", "text/css; charset=utf-8", "body{}\n");
    expect_file(&d, "/web/lib/graph.js", "text/javascript; charset=utf-8", "/* graph */\n");
    expect_file(&d, "/web/app.js?v=2", "text/javascript; charset=utf-8", "export const x = 1;\n");
    /* serve-web-1.2: the ETag revalidates (304), HEAD has the headers and no body */
    web_resp_t r;
    char etag[128], line[160];
    web_http(&d, "GET", "/web/app.js", NULL, NULL, &r);
    ASSERT(header(&r, "etag", etag, sizeof(etag)));
    web_free(&r);
    snprintf(line, sizeof(line), "If-None-Match: %s", etag);
    const char *const match[] = {line, NULL};
    web_http(&d, "GET", "/web/app.js", match, NULL, &r);
    ASSERT_EQ(r.status, 304);
    ASSERT_EQ(r.body_len, 0);
    web_free(&r);
    web_http(&d, "HEAD", "/web/app.js", NULL, NULL, &r);
    ASSERT_EQ(r.status, 200);
    assert_secured(&r);
    web_free(&r);
    web_http(&d, "POST", "/web/app.js", NULL, "x", &r);
    ASSERT_EQ(r.status, 405);
    web_free(&r);
    /* serve-web-1.3: nothing outside web/, nothing hidden, no unknown type, no link */
    const char *const outside[] = {"/web/../web-static.db",
                                   "/web/%2e%2e/web-static.db",
                                   "/web/%2E%2E%2Fweb-static.db",
                                   "/web/..%2fweb-static.db",
                                   "/web/.%2e/web-static.db",
                                   "/web//etc/passwd",
                                   "/web/%2fetc%2fpasswd",
                                   "/web/app.js%00.html",
                                   "/web/app%00.js",
                                   "/web/.hidden.js",
                                   "/web/notes.db",
                                   "/web/link.js",
                                   "/web/lib/../app.js",
                                   "/web/lib\\..\\app.js",
                                   "/web/",
                                   "/web/missing.js",
                                   "/index.html",
                                   "/web-static.db"};
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
        expect_404(&d, outside[i]);
    /* the check itself, with a NUL byte inside the path and absolute paths */
    const char *rel;
    size_t rel_len;
    ASSERT_EQ(cf__static_path("/web/a\0.js", 11, &rel, &rel_len), -1);
    ASSERT_EQ(cf__static_path("/web//etc/x.js", 14, &rel, &rel_len), -1);
    ASSERT_EQ(cf__static_path("/web/a/", 7, &rel, &rel_len), -1);
    ASSERT_EQ(cf__static_path("/web/a.js", 9, &rel, &rel_len), 0);
    ASSERT(rel_len == 4 && memcmp(rel, "a.js", 4) == 0);
    /* serve-web-1.4: the API is untouched by it */
    web_http(&d, "GET", "/healthz", NULL, NULL, &r);
    ASSERT_EQ(r.status, 200);
    web_free(&r);
    td_stop(&d);
    /* serve-web-1.5: no folder: / says how to give one */
    cfg.web_dir = NULL;
    td_start(&d, &cfg);
    web_http(&d, "GET", "/", NULL, NULL, &r);
    ASSERT_EQ(r.status, 404);
    ASSERT(strstr(r.body, "--web"));
    web_free(&r);
    td_stop(&d);
    return 0;
}

/* ---- serve-web-2: sessions ------------------------------------------------------------------ */

typedef struct signed_in_s {
    char cookie[320]; /* "Cookie: cf_session=..." */
    char csrf[160];   /* "X-CSRF-Token: ..." */
    char set_cookie[400];
} signed_in_t;

static void sign_in(const td_daemon_t *d, const char *token, const char *const *extra,
                    signed_in_t *s)
{
    char body[200];
    const char *headers[4] = {"Content-Type: application/json", NULL, NULL, NULL};
    for (int i = 0; extra && extra[i] && i < 2; i++)
        headers[1 + i] = extra[i];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
    web_resp_t r;
    web_http(d, "POST", "/v1/session", headers, body, &r);
    if (r.status != 200)
        CF__FAIL("sign in: %ld %s", r.status, r.body);
    ASSERT(header(&r, "set-cookie", s->set_cookie, sizeof(s->set_cookie)));
    ASSERT(strncmp(s->set_cookie, "cf_session=", 11) == 0);
    size_t n = strcspn(s->set_cookie, ";");
    ASSERT(n > 11 + 3 * 64 && n < 11 + 3 * 64 + 24); /* id, expiry, digest, signature */
    snprintf(s->cookie, sizeof(s->cookie), "Cookie: theme=dark; %.*s", (int)n, s->set_cookie);
    const char *csrf = json_string_value(json_object_get(r.json, "csrf"));
    ASSERT(csrf && strlen(csrf) == 64);
    snprintf(s->csrf, sizeof(s->csrf), "X-CSRF-Token: %s", csrf);
    ASSERT(!strstr(s->set_cookie, csrf)); /* the CSRF token is not the cookie */
    web_free(&r);
}

/* POST /v1/cases with the session (csrf: send the header), returns the status. */
static long open_with(const td_daemon_t *d, const signed_in_t *s, int csrf, const char *bad)
{
    const char *headers[] = {"Content-Type: application/json", s->cookie,
                             bad    ? bad
                             : csrf ? s->csrf
                                    : NULL,
                             NULL};
    web_resp_t r;
    web_http(d, "POST", "/v1/cases", headers,
             "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某药房\",\"type\":"
             "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}",
             &r);
    long status = r.status;
    if (status == 403)
        ASSERT(strcmp(json_string_value(json_object_get(r.json, "error")), "ECSRF") == 0);
    web_free(&r);
    return status;
}

static long get_with(const td_daemon_t *d, const char *cookie, const char *path)
{
    const char *headers[] = {cookie, NULL};
    web_resp_t r;
    web_http(d, "GET", path, headers, NULL, &r);
    long status = r.status;
    web_free(&r);
    return status;
}

typedef struct stream_s {
    const td_daemon_t *d;
    const char *cookie;
    const char *marker;
    char text[8192];
    size_t len;
    long status;
    pthread_mutex_t mu;
    int connected, seen;
} stream_t;

static size_t on_stream(char *p, size_t size, size_t n, void *ctx)
{
    stream_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    size_t len = size * n;
    if (s->len + len < sizeof(s->text)) {
        memcpy(s->text + s->len, p, len);
        s->len += len;
        s->text[s->len] = '\0';
    }
    s->connected = strstr(s->text, ": connected") != NULL;
    s->seen = strstr(s->text, s->marker) != NULL;
    int done = s->seen;
    pthread_mutex_unlock(&s->mu);
    return done ? 0 : len; /* 0 ends the transfer */
}

static void *stream_main(void *arg)
{
    stream_t *s = arg;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/stream", s->d->port);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, s->cookie);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &s->status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return NULL;
}

static int stream_flag(stream_t *s, int *flag)
{
    pthread_mutex_lock(&s->mu);
    int v = *flag;
    pthread_mutex_unlock(&s->mu);
    return v;
}

TEST_IMPL(serve_web_2_sessions)
{
    char db[512], digest[65], v[400];
    td_db("web-session.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    char *other = td_token(db, "某县医疗保障局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.token_cache_ms = 100;
    cfg.session_ttl = 3600;
    td_start(&d, &cfg);
    web_resp_t r;
    /* serve-web-2.1: a wrong token is 401 and sets no cookie; a form post is refused */
    const char *const json_ct[] = {"Content-Type: application/json", NULL};
    web_http(&d, "POST", "/v1/session", json_ct, "{\"token\":\"nope\"}", &r);
    ASSERT_EQ(r.status, 401);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "error")), "EAUTH") == 0);
    ASSERT(!header(&r, "set-cookie", v, sizeof(v)));
    web_free(&r);
    char body[200];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
    const char *const form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    web_http(&d, "POST", "/v1/session", form, body, &r);
    ASSERT_EQ(r.status, 415);
    web_free(&r);
    web_http(&d, "POST", "/v1/session", json_ct, "{\"tok\":1}", &r);
    ASSERT_EQ(r.status, 400);
    web_free(&r);
    /* serve-web-2.2: signed in: who, the cookie's flags, no Secure over plain HTTP */
    signed_in_t s;
    sign_in(&d, token, NULL, &s);
    ASSERT(strstr(s.set_cookie, "; HttpOnly"));
    ASSERT(strstr(s.set_cookie, "; SameSite=Strict"));
    ASSERT(strstr(s.set_cookie, "; Path=/"));
    ASSERT(!strstr(s.set_cookie, "Secure"));
    const char *const sess[] = {s.cookie, NULL};
    web_http(&d, "GET", "/v1/session", sess, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "actor")), "张三") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "role")), "handler") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "agency")), "某县医疗保障局") == 0);
    ASSERT(strncmp(json_string_value(json_object_get(r.json, "expires_at")), "2026-03-02T10:00:0",
                   18) == 0); /* an hour after sign-in */
    ASSERT(strcmp(s.csrf + 14, json_string_value(json_object_get(r.json, "csrf"))) == 0);
    ASSERT(strncmp(json_string_value(json_object_get(r.json, "now")), "2026-03-02T09:00:0", 18) ==
           0); /* the daemon's clock, not the machine's */
    web_free(&r);
    /* behind a TLS proxy the cookie is Secure */
    signed_in_t tls;
    const char *const https[] = {"X-Forwarded-Proto: https", NULL};
    sign_in(&d, other, https, &tls);
    ASSERT(strstr(tls.set_cookie, "; Secure"));
    /* serve-web-2.3: the cookie reads every /v1 route; a GET needs no CSRF token */
    ASSERT_EQ(get_with(&d, s.cookie, "/v1/cases"), 200);
    ASSERT_EQ(get_with(&d, s.cookie, "/v1/workflows"), 200);
    ASSERT_EQ(get_with(&d, s.cookie, "/v1/alerts"), 200);
    ASSERT_EQ(get_with(&d, "Cookie: cf_session=0123", "/v1/cases"), 401);
    ASSERT_EQ(get_with(&d, "X-None: 1", "/v1/session"), 401);
    /* serve-web-2.4: a change with the cookie: refused without or with a wrong CSRF
     * token (403 ECSRF), accepted with it */
    ASSERT_EQ(open_with(&d, &s, 0, NULL), 403);
    ASSERT_EQ(open_with(&d, &s, 0, "X-CSRF-Token: 0000"), 403);
    ASSERT_EQ(open_with(&d, &s, 0, tls.csrf), 403); /* another session's */
    /* serve-web-2.5: the stream with the cookie, and the case opened with it on it */
    stream_t st = {.d = &d, .cookie = s.cookie, .marker = "event: case.opened"};
    pthread_mutex_init(&st.mu, NULL);
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, stream_main, &st), 0);
    CF_TEST_WAIT_UNTIL(stream_flag(&st, &st.connected));
    ASSERT(stream_flag(&st, &st.connected));
    ASSERT_EQ(open_with(&d, &s, 1, NULL), 201);
    pthread_join(th, NULL);
    ASSERT_EQ(st.status, 200);
    ASSERT(st.seen);
    pthread_mutex_destroy(&st.mu);
    /* serve-web-2.6: bearer requests are unchanged: no CSRF token, cookie or not */
    td_resp_t tr;
    td_http(&d, "GET", "/v1/cases", token, NULL, 0, NULL, &tr);
    ASSERT_EQ(tr.status, 200);
    ASSERT_EQ(json_array_size(tr.json), 1);
    td_resp_free(&tr);
    td_http(&d, "POST", "/v1/cases", token,
            "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"乙\",\"type\":"
            "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}",
            strlen("{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"乙\",\"type\":"
                   "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}"),
            NULL, &tr);
    ASSERT_EQ(tr.status, 201);
    td_resp_free(&tr);
    td_http(&d, "GET", "/v1/session", token, NULL, 0, NULL, &tr); /* no session: 401 */
    ASSERT_EQ(tr.status, 401);
    td_resp_free(&tr);
    /* serve-web-2.7: sign out needs the CSRF token; then the cookie is dead */
    web_http(&d, "DELETE", "/v1/session", sess, NULL, &r);
    ASSERT_EQ(r.status, 403);
    web_free(&r);
    const char *const out[] = {s.cookie, s.csrf, NULL};
    web_http(&d, "DELETE", "/v1/session", out, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(header(&r, "set-cookie", v, sizeof(v)) && strstr(v, "Max-Age=0"));
    web_free(&r);
    ASSERT_EQ(get_with(&d, s.cookie, "/v1/session"), 401);
    ASSERT_EQ(get_with(&d, s.cookie, "/v1/cases"), 401);
    web_http(&d, "PUT", "/v1/session", out, NULL, &r);
    ASSERT_EQ(r.status, 405);
    web_free(&r);
    /* serve-web-2.8: a revoked token ends its sessions (within the token cache time) */
    ASSERT_EQ(get_with(&d, tls.cookie, "/v1/cases"), 200);
    cf_store_t *store;
    cf_error_t err;
    char id[13];
    ASSERT_EQ(cf_store_open(db, &store, &err), 0);
    ASSERT_EQ(cf_chain_sha256_hex(other, strlen(other), digest), 0);
    memcpy(id, digest, 12);
    id[12] = '\0';
    ASSERT_EQ(cf_store_token_revoke(store, id, 1, &err), 0);
    cf_store_close(store);
    usleep(250 * 1000);
    ASSERT_EQ(get_with(&d, tls.cookie, "/v1/cases"), 401);
    /* serve-web-2.9: a session ends at its expiry on the daemon's clock */
    signed_in_t late;
    sign_in(&d, token, NULL, &late);
    ASSERT_EQ(get_with(&d, late.cookie, "/v1/cases"), 200);
    td_clock(&d, "2026-03-02T10:00:01+08:00");
    ASSERT_EQ(get_with(&d, late.cookie, "/v1/cases"), 401);
    td_stop(&d);
    free(token);
    free(other);
    return 0;
}

/* ---- serve-web-3: alerts for people -----------------------------------------------------------
 */

/* POST /v1/alerts/{id}/ack as token: the status (OUT *body: the answer, new). */
static long ack(const td_daemon_t *d, const char *token, const char *id, json_t **body)
{
    char path[256];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/alerts/%s/ack", id);
    td_http(d, "POST", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    if (body)
        *body = json_incref(r.json);
    td_resp_free(&r);
    return status;
}

/* The first event of type in case id's events that names alert_id, or NULL (new). */
static json_t *event_of(const td_daemon_t *d, const char *token, long long id, const char *type,
                        const char *alert_id)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path), *hit = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (!hit && strcmp(json_string_value(json_object_get(ev, "type")), type) == 0 &&
            strcmp(json_string_value(json_object_get(ev, "alert_id")), alert_id) == 0)
            hit = json_incref(ev);
    }
    json_decref(events);
    return hit;
}

/* The row of alert id in GET path as token (new reference), or NULL. */
static json_t *alert_row(const td_daemon_t *d, const char *token, const char *path, const char *id)
{
    json_t *rows = td_get_all(d, token, path), *hit = NULL, *row;
    size_t i;
    json_array_foreach(rows, i, row) {
        if (!hit && strcmp(json_string_value(json_object_get(row, "alert_id")), id) == 0)
            hit = json_incref(row);
    }
    json_decref(rows);
    return hit;
}

/* 1 once webhook receiver h has had a request with alert id header id (waits up to
 * CF_TEST_WAIT_MS: the delivery goes out after the escalation's commit, on the loop). */
static int hook_got(td_hook_t *h, const char *id, const char *body_part)
{
    for (int64_t end = cf_test_ms() + CF_TEST_WAIT_MS; cf_test_ms() < end;) {
        int found = 0;
        pthread_mutex_lock(&h->mu);
        for (int i = 0; i < h->count && i < 32; i++)
            found |= strcmp(h->ids[i], id) == 0 && h->bodies[i] && strstr(h->bodies[i], body_part);
        pthread_mutex_unlock(&h->mu);
        if (found)
            return 1;
        cf_test_nap(10);
    }
    return 0;
}

/* The lines of file path that hold both needles. */
static int log_lines(const char *path, const char *a, const char *b)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, a) && strstr(line, b);
    if (f)
        fclose(f);
    return n;
}

TEST_IMPL(serve_web_3_alerts)
{
    char db[512];
    td_db("web-alerts.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "handler", "王五");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_hook_t hook;
    char log[512], url[128];
    snprintf(log, sizeof(log), "%s/web-alerts.jsonl", cf_test_tmpdir());
    remove(log);
    td_hook_start(&hook, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    td_config(&cfg, db, T0);
    cfg.alert_ack_timeout = 3600;
    cfg.alert_log = log;
    cfg.webhooks[cfg.webhooks_count++] = url;
    td_start(&d, &cfg);
    /* a case with two officers: its handlers */
    td_resp_t r;
    json_t *body = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]}", "workflow",
                             "penalty-general", "party", "name", "某药房", "type", "定点医药机构",
                             "facts", "lead_source", "投诉举报", "officers", "name", "张三", "cert",
                             "A001", "name", "赵六", "cert", "A002");
    td_http_json(&d, "POST", "/v1/cases", handler, body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("open: %ld %s", r.status, r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    json_t *pending = td_get_json(&d, handler, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= 2);
    char first[160], second[160], due1[40], due2[40];
    json_t *a0 = json_array_get(pending, 0), *a1 = json_array_get(pending, 1);
    snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(a0, "alert_id")));
    snprintf(second, sizeof(second), "%s", json_string_value(json_object_get(a1, "alert_id")));
    snprintf(due1, sizeof(due1), "%s", json_string_value(json_object_get(a0, "due_at")));
    snprintf(due2, sizeof(due2), "%s", json_string_value(json_object_get(a1, "due_at")));
    json_decref(pending);
    /* serve-web-3.1: not fired yet: 409; another agency's: 404; no such: 404 */
    ASSERT_EQ(ack(&d, handler, first, NULL), 409);
    ASSERT_EQ(ack(&d, stranger, first, NULL), 404);
    ASSERT_EQ(ack(&d, handler, "99:none:warning:1", NULL), 404);
    /* serve-web-3.2: the alert on the stream carries its routing */
    td_stream_t st;
    td_stream_start(&st, &d, handler, 1);
    td_clock(&d, due1);
    td_stream_finish(&st);
    ASSERT(strstr(st.text, "\"handlers\":[\"张三\",\"赵六\"]"));
    ASSERT(strstr(st.text, "\"level\":\"warning\"") || strstr(st.text, "\"level\":\"breach\""));
    ASSERT(strstr(st.text, "\"to\":"));
    free(st.text);
    /* serve-web-3.3: acknowledged once, by who, when, on the chain; a second time 409 */
    json_t *answer = NULL;
    ASSERT_EQ(ack(&d, handler, first, &answer), 200);
    ASSERT(strcmp(json_string_value(json_object_get(answer, "acknowledged_by")), "张三") == 0);
    ASSERT(json_string_value(json_object_get(answer, "acknowledged_at")));
    json_decref(answer);
    ASSERT_EQ(ack(&d, head, first, NULL), 409);
    json_t *ev = event_of(&d, handler, id, "alert.acknowledged", first);
    ASSERT(ev);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "actor")), "张三") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "role")), "handler") == 0);
    json_decref(ev);
    /* serve-web-3.4: the second alert is not acknowledged: an hour after it fired it
     * goes to the head, on the chain and on the stream; the first, acknowledged, not */
    td_clock(&d, due2);
    cf_time_t t2;
    cf_error_t err;
    char later[40];
    ASSERT_EQ(cf_time_parse(due2, &t2, &err), 0);
    cf_time_format(t2 + 3600 + 60, later);
    td_stream_watch(&st, &d, head, "event: alert.escalated\n", 1);
    td_clock(&d, later);
    td_stream_finish(&st);
    ASSERT(strstr(st.text, second));
    ASSERT(strstr(st.text, "\"to\":\"head\""));
    ASSERT(!strstr(st.text, first));
    free(st.text);
    ev = event_of(&d, handler, id, "alert.escalated", second);
    ASSERT(ev);
    ASSERT(strcmp(json_string_value(json_object_get(ev, "to")), "head") == 0);
    json_decref(ev);
    ev = event_of(&d, handler, id, "alert.escalated", first);
    ASSERT(!ev);
    /* serve-web-3.6: the escalation goes to the webhooks and the alert log too, under
     * its own delivery id (a receiver de-duplicating on the alert's id keeps it) */
    char escalated[200];
    snprintf(escalated, sizeof(escalated), "%s:escalated", second);
    ASSERT(hook_got(&hook, escalated, "\"event\":\"alert.escalated\""));
    ASSERT(hook_got(&hook, second, "\"fired_at\"")); /* the alert itself, as before */
    ASSERT_EQ(log_lines(log, second, "\"event\":\"alert.escalated\""), 1);
    ASSERT_EQ(log_lines(log, first, "\"event\":\"alert.escalated\""), 0);
    /* serve-web-3.7: GET /v1/alerts rows say who acknowledged, when, and the escalation;
     * ?state=unacknowledged lists the fired alerts nobody acknowledged */
    json_t *row = alert_row(&d, head, "/v1/alerts?state=fired&limit=1", first);
    ASSERT(row);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "acknowledged_by")), "张三");
    ASSERT(json_string_value(json_object_get(row, "acknowledged_at")));
    ASSERT(json_is_null(json_object_get(row, "escalated_at")));
    json_decref(row);
    row = alert_row(&d, head, "/v1/alerts?state=fired", second);
    ASSERT(row && json_is_null(json_object_get(row, "acknowledged_by")));
    ASSERT(json_string_value(json_object_get(row, "escalated_at")));
    json_decref(row);
    row = alert_row(&d, head, "/v1/alerts?state=unacknowledged&limit=1", second);
    ASSERT(row);
    json_decref(row);
    ASSERT(!(row = alert_row(&d, head, "/v1/alerts?state=unacknowledged&limit=1", first)));
    row = alert_row(&d, head, "/v1/alerts?state=pending", first);
    ASSERT(!row); /* fired: not pending */
    /* acknowledged after the escalation: still taken, and says it was escalated */
    ASSERT_EQ(ack(&d, head, second, NULL), 200);
    ev = event_of(&d, handler, id, "alert.acknowledged", second);
    ASSERT(ev && json_is_true(json_object_get(ev, "escalated")));
    json_decref(ev);
    row = alert_row(&d, handler, "/v1/alerts", second);
    ASSERT(row);
    ASSERT_STR_EQ(json_string_value(json_object_get(row, "acknowledged_by")), "李四");
    json_decref(row);
    ASSERT(!(row = alert_row(&d, head, "/v1/alerts?state=unacknowledged", second)));
    td_stop(&d);
    td_hook_stop(&hook);
    /* serve-web-3.5: the chain with these events verifies and replays */
    cf_store_t *s;
    cf_case_t c;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0);
    cf_case_dispose(&c);
    cf_store_close(s);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len), *null = fopen("/dev/null", "w");
    char idtext[32];
    snprintf(idtext, sizeof(idtext), "%lld", id);
    char *argv[] = {"caseflow", "--db", db, "audit", "verify", "--case", idtext, NULL};
    ASSERT_EQ(cf_cli_main(7, argv, f, null), 0);
    fclose(f);
    free(out);
    /* replayed: the only finding is the clock that ran out, none about these events */
    out = NULL;
    f = open_memstream(&out, &len);
    char *replay[] = {"caseflow", "--db", db, "--json", "audit", "replay", "--case", idtext, NULL};
    cf_cli_main(8, replay, f, null);
    fclose(f);
    fclose(null);
    json_t *report = json_loads(out, 0, NULL);
    json_t *devs =
        json_object_get(json_array_get(json_object_get(report, "cases"), 0), "deviations");
    ASSERT(json_is_array(devs));
    size_t i;
    json_t *dv;
    json_array_foreach(devs, i, dv) {
        ASSERT(strcmp(json_string_value(json_object_get(dv, "kind")), "deadline") == 0);
    }
    json_decref(report);
    free(out);
    free(handler);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-4: what the workbench reads -------------------------------------------------- */

static const json_t *by_key(const json_t *list, const char *key, const char *value)
{
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o) {
        if (strcmp(json_string_value(json_object_get(o, key)), value) == 0)
            return o;
    }
    return NULL;
}

TEST_IMPL(serve_web_4_workflow)
{
    char db[512];
    td_db("web-workflow.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    /* serve-web-4.1: the definition with its forms: typed facts, what each action
     * requires, the main line from the first state to a final one */
    json_t *wf = td_get_json(&d, token, "/v1/workflows/penalty-general");
    ASSERT(strcmp(json_string_value(json_object_get(wf, "id")), "penalty-general") == 0);
    ASSERT_EQ(json_integer_value(json_object_get(wf, "version")), 1);
    const json_t *facts = json_object_get(wf, "facts");
    ASSERT(strcmp(json_string_value(json_object_get(by_key(facts, "id", "officers"), "type")),
                  "list") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(by_key(facts, "id", "fine"), "type")),
                  "amount") == 0);
    const json_t *trans = json_object_get(wf, "transitions");
    const json_t *file = by_key(trans, "action", "file");
    ASSERT(file && json_is_true(json_object_get(file, "main")));
    ASSERT(strcmp(json_string_value(json_object_get(file, "label")), "立案") == 0);
    ASSERT(json_array_size(json_object_get(json_object_get(file, "requires"), "documents")) >= 1);
    ASSERT(json_is_false(json_object_get(by_key(trans, "action", "not_file"), "main")));
    const json_t *line = json_object_get(wf, "main_line");
    ASSERT(json_array_size(line) >= 10);
    ASSERT(strcmp(json_string_value(json_array_get(line, 0)),
                  json_string_value(json_object_get(wf, "initial"))) == 0);
    ASSERT(strcmp(json_string_value(json_array_get(line, json_array_size(line) - 1)), "archived") ==
           0);
    const json_t *lead = by_key(json_object_get(wf, "states"), "id", "lead");
    ASSERT(lead && json_string_length(json_object_get(lead, "name")) > 0); /* state_name */
    json_decref(wf);
    /* serve-web-4.2: no such workflow, version, or a path that is not an id */
    td_resp_t r;
    td_http(&d, "GET", "/v1/workflows/nope", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general?version=99", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general/x", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 401);
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-web-5: the 案由 dictionary for the picker, filtered by the party's subject type
 * (by its name or its id), as `cause list --json` gives it. */
TEST_IMPL(serve_web_5_causes)
{
    char db[512];
    td_db("web-causes.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    json_t *all = td_get_json(&d, token, "/v1/causes");
    json_t *providers = td_get_json(
        &d, token,
        "/v1/causes?subject_type=%E5%AE%9A%E7%82%B9%E5%8C%BB%E8%8D%AF%E6%9C%BA%E6%9E%84");
    json_t *by_id = td_get_json(&d, token, "/v1/causes?subject_type=provider");
    ASSERT(json_array_size(providers) > 0);
    ASSERT(json_array_size(all) > json_array_size(providers));
    ASSERT(json_equal(providers, by_id));
    size_t i;
    json_t *c;
    json_array_foreach(providers, i, c) {
        ASSERT(strcmp(json_string_value(json_object_get(json_object_get(c, "subject"), "id")),
                      "provider") == 0);
        ASSERT(strncmp(json_string_value(json_object_get(c, "ref")), "js-2024:", 8) == 0);
    }
    json_decref(all);
    json_decref(providers);
    json_decref(by_id);
    td_resp_t r;
    td_http(&d, "GET", "/v1/causes?subject_type=nobody", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    ASSERT(strstr(r.body, "nobody"));
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-web-6: the auditor's view: a case's chain verified and replayed over HTTP; an
 * event altered behind caseflow's back is found; another agency's case is 404. */
TEST_IMPL(serve_web_6_replay)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512];
    td_db("web-replay.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "auditor", "审计");
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *stranger = td_token(db, "另一局", "auditor", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    td_resp_t r;
    const char *body = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某药房\",\"type\":"
                       "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}";
    td_http(&d, "POST", "/v1/cases", handler, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/replay", id);
    json_t *rep = td_get_json(&d, token, path);
    ASSERT(json_is_true(json_object_get(rep, "verified")));
    ASSERT(json_is_true(json_object_get(rep, "conformant")));
    ASSERT_EQ(json_array_size(json_object_get(rep, "deviations")), 0);
    ASSERT(strcmp(json_string_value(json_object_get(json_object_get(rep, "workflow"), "id")),
                  "penalty-general") == 0);
    json_decref(rep);
    td_http(&d, "GET", path, stranger, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    /* an event altered in the database: the chain no longer holds */
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    ASSERT_EQ(sqlite3_exec(h,
                           "DROP TRIGGER events_no_update; UPDATE events SET body = "
                           "replace(body, '投诉举报', '上级交办') WHERE seq = 1",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(h);
    rep = td_get_json(&d, token, path);
    ASSERT(json_is_false(json_object_get(rep, "verified")));
    ASSERT(json_is_false(json_object_get(rep, "conformant")));
    json_t *first = json_array_get(json_object_get(rep, "deviations"), 0);
    ASSERT(strcmp(json_string_value(json_object_get(first, "kind")), "chain") == 0);
    json_decref(rep);
    td_stop(&d);
    free(token);
    free(handler);
    free(stranger);
    return 0;
}

/* serve-web-7: the workbench's settings are range-checked like every other, and the
 * config file takes them. */
TEST_IMPL(serve_web_7_settings)
{
    unsigned long n = 7;
    ASSERT_EQ(cf_serve_config_number("alert_ack_timeout", "0", &n), CF_EINVAL);
    ASSERT_EQ(cf_serve_config_number("alert_ack_timeout", "2592001", &n), CF_EINVAL);
    ASSERT_EQ(cf_serve_config_number("alert_ack_timeout", "1h", &n), CF_EINVAL);
    ASSERT_EQ(n, 7); /* untouched on failure */
    ASSERT_EQ(cf_serve_config_number("alert_ack_timeout", "3600", &n), 0);
    ASSERT_EQ(n, 3600);
    ASSERT_EQ(cf_serve_config_number("session_ttl", "59", &n), CF_EINVAL);
    ASSERT_EQ(cf_serve_config_number("session_ttl", "60", &n), 0);
    ASSERT_EQ(n, 60);
    char path[600];
    snprintf(path, sizeof(path), "%s/web.conf", cf_test_tmpdir());
    write_file(path, "web = /srv/web\nsession_ttl = 600\ncookie_secure = true\n"
                     "alert_ack_timeout = 900\n");
    cf_serve_config_t cfg;
    cf_error_t err;
    char *buf = NULL;
    cf_serve_config_init(&cfg);
    ASSERT_EQ(cfg.session_ttl, 28800);
    ASSERT_EQ(cfg.alert_ack_timeout, 0);
    ASSERT_EQ(cf_serve_config_load(&cfg, path, &buf, &err), 0);
    ASSERT(strcmp(cfg.web_dir, "/srv/web") == 0);
    ASSERT_EQ(cfg.session_ttl, 600);
    ASSERT_EQ(cfg.cookie_secure, 1);
    ASSERT_EQ(cfg.alert_ack_timeout, 900);
    free(buf);
    write_file(path, "cookie_secure = maybe\n");
    ASSERT_EQ(cf_serve_config_load(&cfg, path, &buf, &err), CF_EPARSE);
    ASSERT_EQ(err.line, 1);
    write_file(path, "session_ttl = 10\n");
    ASSERT_EQ(cf_serve_config_load(&cfg, path, &buf, &err), CF_EPARSE);
    return 0;
}

/* ---- serve-web-8: a stored file's bytes --------------------------------------------------- */

/* GET path with a bearer token, into r. */
static void web_get(const td_daemon_t *d, const char *token, const char *path, web_resp_t *r)
{
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    web_http(d, "GET", path, h, NULL, r);
}

/* serve-web-8: GET /v1/cases/{id}/files/{sha256} answers the bytes of a document of an
 * action and of an evidence item's file, as an attachment under the stored (Chinese)
 * name; another agency's token, a hash the case does not cite and a bad hash get 404. */
TEST_IMPL(serve_web_8_files)
{
    static const unsigned char pdf[] = "%PDF-1.4\n\0\xff", jpg[] = "\xff\xd8\xff\xe0JFIF";
    char db[512];
    td_db("web-files.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    td_resp_t r;
    const char *body = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某药房\",\"type\":"
                       "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}";
    td_http(&d, "POST", "/v1/cases", head, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    char match[32], path[256];
    snprintf(match, sizeof(match), "\"%lld\"",
             (long long)json_integer_value(json_object_get(r.json, "version")));
    td_resp_free(&r);
    const char *act =
        "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
        "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
        "{\"name\": "
        "\"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
        "{\"content_base64\": "
        "\"JVBERi0xLjQKAP8=\", \"file\": \"立案审批表.pdf\"}}}";
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http(&d, "POST", path, head, act, strlen(act), match, &r);
    ASSERT_EQ(r.status, 200);
    td_resp_free(&r);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}], s:{s:s, s:s}}", "kind", "书证",
                           "title", "现场照片", "source", "当事人", "method", "拍照", "officers",
                           "name", "张三", "name", "王五", "file", "name", "现场照片 1.jpg",
                           "content_base64", "/9j/4EpGSUY=");
    snprintf(path, sizeof(path), "/v1/cases/%lld/evidence", id);
    td_http_json(&d, "POST", path, head, ev, NULL, &r);
    json_decref(ev);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);

    char pdf_sha[65], jpg_sha[65], value[512];
    cf_chain_sha256_hex(pdf, sizeof(pdf) - 1, pdf_sha);
    cf_chain_sha256_hex(jpg, sizeof(jpg) - 1, jpg_sha);
    web_resp_t w;
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, pdf_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 200);
    ASSERT_EQ(w.body_len, sizeof(pdf) - 1);
    ASSERT(memcmp(w.body, pdf, w.body_len) == 0);
    ASSERT(header(&w, "content-type", value, sizeof(value)));
    ASSERT(strcmp(value, "application/octet-stream") == 0);
    ASSERT(header(&w, "content-disposition", value, sizeof(value)));
    ASSERT(strcmp(value,
                  "attachment; filename=\"_______________.pdf\"; "
                  "filename*=UTF-8''%E7%AB%8B%E6%A1%88%E5%AE%A1%E6%89%B9%E8%A1%A8.pdf") == 0);
    web_free(&w);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, jpg_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 200);
    ASSERT_EQ(w.body_len, sizeof(jpg) - 1);
    ASSERT(memcmp(w.body, jpg, w.body_len) == 0);
    ASSERT(header(&w, "content-disposition", value, sizeof(value)));
    ASSERT(strstr(value, "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87%201.jpg"));
    web_free(&w);
    /* another agency's token: as if there were no such case */
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, pdf_sha);
    web_get(&d, stranger, path, &w);
    ASSERT_EQ(w.status, 404);
    web_free(&w);
    /* a hash the case does not cite, a hash that is not one */
    char other[65];
    cf_chain_sha256_hex("x", 1, other);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, other);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%.63sz", id, pdf_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 404);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-9: case list search and sort=deadline --------------------------------------- */

/* Opens a case for party name as token; its id. */
static long long open_for(const td_daemon_t *d, const char *token, const char *name)
{
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "workflow", "penalty-general", "party", "name",
                  name, "type", "定点医药机构", "facts", "lead_source", "投诉举报");
    td_http_json(d, "POST", "/v1/cases", token, body, NULL, &r);
    json_decref(body);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    return id;
}

/* Acts on case id (at the version it has now) with body; asserts 200. */
static void act_on(const td_daemon_t *d, const char *token, long long id, const char *body)
{
    char path[64], match[32];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    json_t *c = td_get_json(d, token, path);
    snprintf(match, sizeof(match), "\"%lld\"",
             (long long)json_integer_value(json_object_get(c, "version")));
    json_decref(c);
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http(d, "POST", path, token, body, strlen(body), match, &r);
    if (r.status != 200)
        CF__FAIL("POST %s: %ld %s", path, r.status, r.body);
    td_resp_free(&r);
}

/* The ids of GET path's answer, comma-separated, into out; the X-Next-Cursor into cursor
 * ("" when none). */
static void list_ids(const td_daemon_t *d, const char *token, const char *path, char *out,
                     size_t size, char *cursor, size_t csize)
{
    web_resp_t w;
    web_get(d, token, path, &w);
    if (w.status != 200)
        CF__FAIL("GET %s: %ld %s", path, w.status, w.body);
    size_t i, k = 0;
    json_t *row;
    out[0] = '\0';
    json_array_foreach(w.json, i, row)
        k += (size_t)snprintf(out + k, size - k, "%s%lld", i ? "," : "",
                              (long long)json_integer_value(json_object_get(row, "id")));
    if (!header(&w, "x-next-cursor", cursor, csize))
        cursor[0] = '\0';
    web_free(&w);
}

/* serve-web-9: GET /v1/cases?q= finds cases by a substring of the party's name or of the
 * 案号, other agencies' cases never; sort=deadline puts the nearest running deadline first
 * and cases without one last, paged by offset; both page with X-Next-Cursor. */
TEST_IMPL(serve_web_9_search)
{
    char db[512];
    td_db("web-search.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long a = open_for(&d, head, "某大药房"), b = open_for(&d, head, "某诊所"),
              c = open_for(&d, head, "另一医院"), x = open_for(&d, stranger, "某大药房分店");
    (void)x;
    /* a is filed (its decision clock: 90 days), c not filed (no clock); b keeps the filing
     * clock (15 working days), the nearest */
    act_on(&d, head, a,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"eA==\", \"file\": \"a.pdf\"}}}");
    act_on(&d, head, c,
           "{\"action\": \"not_file\", \"facts\": {\"not_filing_reason\": \"不符合立案条件\"}, "
           "\"documents\": {\"不予立案审批表\": {\"content_base64\": \"eA==\", \"file\": "
           "\"c.pdf\"}}}");
    char ids[128], cursor[32], path[256], want[128];
    list_ids(&d, head, "/v1/cases?q=%E8%8D%AF%E6%88%BF", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a); /* 药房: not the other agency's 分店 */
    ASSERT(strcmp(ids, want) == 0);
    list_ids(&d, head, "/v1/cases?q=%E6%9F%90&limit=1", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a); /* 某: a and b, a page of one */
    ASSERT(strcmp(ids, want) == 0);
    ASSERT(cursor[0]);
    snprintf(path, sizeof(path), "/v1/cases?q=%%E6%%9F%%90&limit=1&cursor=%s", cursor);
    list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", b);
    ASSERT(strcmp(ids, want) == 0);
    /* the 案号 given at filing, by a part of it */
    json_t *row = td_get_json(&d, head, "/v1/cases?q=%E5%A4%A7%E8%8D%AF%E6%88%BF");
    const char *number = json_string_value(json_object_get(json_array_get(row, 0), "number"));
    ASSERT(number && strlen(number) > 4);
    char *enc = curl_easy_escape(NULL, number + 3, 0);
    snprintf(path, sizeof(path), "/v1/cases?q=%s", enc);
    curl_free(enc);
    json_decref(row);
    list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT(strcmp(ids, want) == 0);
    list_ids(&d, head, "/v1/cases?q=%E6%B2%A1%E6%9C%89", ids, sizeof(ids), cursor, sizeof(cursor));
    ASSERT(strcmp(ids, "") == 0); /* 没有: nothing matches */
    /* sort=deadline: b (filing clock), a (decision clock), c (none); by id it is a, b, c */
    list_ids(&d, head, "/v1/cases?sort=deadline", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld,%lld", b, a, c);
    ASSERT(strcmp(ids, want) == 0);
    ASSERT(!cursor[0]);
    char seen[512] = "";
    snprintf(path, sizeof(path), "/v1/cases?sort=deadline&limit=2");
    for (int page = 0; page < 3; page++) {
        list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", page ? "," : "", ids);
        if (!cursor[0])
            break;
        snprintf(path, sizeof(path), "/v1/cases?sort=deadline&limit=2&cursor=%s", cursor);
    }
    ASSERT(strcmp(seen, want) == 0);
    list_ids(&d, head, "/v1/cases?sort=deadline&q=%E6%9F%90", ids, sizeof(ids), cursor,
             sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld", b, a);
    ASSERT(strcmp(ids, want) == 0);
    web_resp_t w;
    web_get(&d, head, "/v1/cases?sort=name", &w);
    ASSERT_EQ(w.status, 400);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-10: the worklist's filters on the server ------------------------------------ */

/* serve-web-10: GET /v1/cases?power_type= and ?cause= are answered by the server over every
 * case of the agency (not a page filtered afterwards): a page of one walks exactly the
 * matching cases, with the other filters and sort=deadline alike. */
TEST_IMPL(serve_web_10_filters)
{
    char db[512];
    td_db("web-filters.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long a = open_for(&d, head, "某大药房"), b = open_for(&d, head, "某诊所");
    long long i = td_open_case(&d, head, "inspection", "某医院");
    long long e = open_for(&d, head, "另一药房"); /* after the inspection case, by id */
    act_on(&d, head, a,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"eA==\", \"file\": \"a.pdf\"}}}");
    char ids[128], cursor[32], path[256], want[128], seen[256] = "";
    /* serve-web-10.1: power type 行政处罚 (penalty-general): a, b, e, never the inspection */
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A", ids,
             sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld,%lld", a, b, e);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E6%A3%80%E6%9F%A5", ids,
             sizeof(ids), cursor, sizeof(cursor)); /* 行政检查 */
    snprintf(want, sizeof(want), "%lld", i);
    ASSERT_STR_EQ(ids, want);
    /* serve-web-10.2: pages of one over 行政处罚 with sort=deadline: each exactly once */
    snprintf(path, sizeof(path),
             "/v1/cases?power_type=%%E8%%A1%%8C%%E6%%94%%BF%%E5%%A4%%84%%E7%%BD%%9A&sort="
             "deadline&limit=1");
    int pages = 0;
    for (; pages < 5; pages++) {
        list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", pages ? "," : "", ids);
        if (!cursor[0])
            break;
        snprintf(path, sizeof(path),
                 "/v1/cases?power_type=%%E8%%A1%%8C%%E6%%94%%BF%%E5%%A4%%84%%E7%%BD%%9A&sort="
                 "deadline&limit=1&cursor=%s",
                 cursor);
    }
    ASSERT_EQ(pages, 2); /* three pages: 0, 1, 2 */
    ASSERT(strstr(seen, ",") && !strstr(seen, ",,"));
    long long x[3];
    ASSERT_EQ(sscanf(seen, "%lld,%lld,%lld", &x[0], &x[1], &x[2]), 3);
    ASSERT(x[0] != i && x[1] != i && x[2] != i);
    ASSERT(x[0] != x[1] && x[1] != x[2] && x[0] != x[2]);
    /* serve-web-10.3: 案由 by a part of its name: only the filed case has one */
    list_ids(&d, head, "/v1/cases?cause=%E5%9F%BA%E9%87%91", ids, sizeof(ids), cursor,
             sizeof(cursor)); /* 基金 */
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head,
             "/v1/cases?cause=%E5%9F%BA%E9%87%91&power_type=%E8%A1%8C%E6%94%BF%E6%A3%80%E6%9F%A5",
             ids, sizeof(ids), cursor, sizeof(cursor));
    ASSERT_STR_EQ(ids, ""); /* 基金 and 行政检查: none */
    /* serve-web-10.4: with the handler and the state filters */
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A&state=lead", ids,
             sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld", b, e);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head, "/v1/cases?handler=%E7%8E%8B%E4%BA%94&cause=%E8%BF%9D%E5%8F%8D", ids,
             sizeof(ids), cursor, sizeof(cursor)); /* 王五, 违反 */
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT_STR_EQ(ids, want);
    td_stop(&d);
    free(head);
    return 0;
}
