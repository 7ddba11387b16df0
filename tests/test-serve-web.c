/*
 * test-serve-web.c -- serve-web-*: what the daemon does for the workbench (issue 22,
 * WEB-CONTRACT.md), each test against a daemon run in-process (serve-helpers.c, whose
 * web_http is the HTTP client with any headers). This file: the workbench's files,
 * its sessions and its settings.
 *
 * serve-web-1.*: the workbench's files: served at / and /web/ with the security
 *                headers and their types, revalidated by ETag; no path out of web/.
 * serve-web-2.*: sessions: sign in, wrong token, cookie flags, the cookie on every
 *                /v1 route (the event stream too), CSRF refused and accepted, sign
 *                out, a revoked token ends its sessions, bearer requests unchanged.
 * serve-web-7:   the settings (session_ttl, alert_ack_timeout, web, cookie_secure).
 * (serve-web-3, alerts for people, is test-serve-web-alerts.c; serve-web-4 to 6 and
 * 8 to 10, what the workbench reads, are test-serve-web-reads.c.)
 *
 * Map: write_file; serve-web-1; serve-web-2 with its stream reader; serve-web-7.
 */
#include <curl/curl.h>
#include <pthread.h>
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
    long status = 200;
    CF_TEST_WAIT_UNTIL((status = get_with(&d, tls.cookie, "/v1/cases")) != 200);
    ASSERT_EQ(status, 401);
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
