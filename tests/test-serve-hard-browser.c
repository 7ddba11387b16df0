/*
 * test-serve-hard-browser.c -- serve-hard-10.*: what a page elsewhere, or a proxy in front,
 * could make of the daemon's answers and of its sessions. Found by the fourth attack round
 * (tests/attack/browser.mjs, attack-12); each test fails without its fix:
 *   10.1  every answer of the API (JSON, errors, h2o's own 413, the stats CSV, a download)
 *         carries Cache-Control: no-store, a CSP with frame-ancestors 'none',
 *         X-Frame-Options: DENY and nosniff; the workbench's files keep their own CSP and
 *         no-cache (before: a JSON answer had nosniff alone, nothing said no-store);
 *         the Server header names caseflow, not the HTTP library and its version;
 *   10.2  a query parameter given twice is 400 naming it (before: the first was taken,
 *         "limit=1&limit=1000" read as 1, where a proxy may read the last); 10.2b: one no
 *         route reads is 400 naming it (before: ignored, "due_witin=3d" listed all);
 *   10.3  the sign-in's and the retry's bodies are read as every body: a duplicate key or
 *         a field not taken is 400 (before: {"token": A, "token": B} signed in as B), and
 *         sign-in's Content-Type is application/json itself, not "application/jsonp";
 *   10.4  two Origin headers are 403 EORIGIN (before: the first was checked), two
 *         cf_session cookies are 401 (cookie tossing from a sibling host: before, the
 *         first was taken);
 *   10.5  a download's name holding a bidirectional control (U+202E) is saved with '_'
 *         in its place (before: "发票<U+202E>fdp.exe" percent-encoded as it was, shown
 *         by the browser as "发票exe.pdf").
 * And by the fifth round (tests/attack/round5.mjs, attack-13):
 *   11.2  a download's name with '/', '\\' or a leading '.' is saved as a name, not a path;
 *   11.3  signing in again with a session's cookie ends that session (rotation);
 *   11.4  a control character (ESC, BEL, DEL, C1) in a body's text is 400 naming where.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* GET or POST path with a bearer token (NULL: none) and extra header lines, into r. */
static void call(const td_daemon_t *d, const char *method, const char *path, const char *token,
                 const char *extra, const char *body, web_resp_t *r)
{
    char auth[512];
    const char *h[4] = {NULL};
    int n = 0;
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h[n++] = auth;
    }
    if (body)
        h[n++] = "Content-Type: application/json";
    if (extra)
        h[n++] = extra;
    web_http(d, method, path, h, body, r);
}

/* Fails unless r carries the API's guard headers. */
static void assert_guarded(const web_resp_t *r, const char *what)
{
    char v[512];
    if (!header(r, "cache-control", v, sizeof(v)) || strcmp(v, "no-store") != 0)
        CF__FAIL("%s: cache-control %s", what, v);
    if (!header(r, "content-security-policy", v, sizeof(v)) ||
        strcmp(v, "default-src 'none'; frame-ancestors 'none'; sandbox") != 0)
        CF__FAIL("%s: content-security-policy %s", what, v);
    if (!header(r, "x-frame-options", v, sizeof(v)) || strcmp(v, "DENY") != 0)
        CF__FAIL("%s: x-frame-options %s", what, v);
    if (!header(r, "x-content-type-options", v, sizeof(v)) || strcmp(v, "nosniff") != 0)
        CF__FAIL("%s: x-content-type-options %s", what, v);
}

/* ---- serve-hard-10.1: the guard headers on every answer ------------------------------------ */

TEST_IMPL(serve_hard_guard_headers)
{
    char db[512];
    td_db("hard-guard.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.max_body = 4096;
    td_start(&d, &cfg);
    long long id = td_open_case(&d, head, "penalty-general", "某药房");
    char path[128];
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    static const struct {
        const char *method, *path;
        int token;
        long status;
    } answers[] = {
        {"GET", "/v1/cases", 1, 200},     {"GET", "/v1/cases", 0, 401},
        {"GET", "/v1/nothing", 1, 404},   {"GET", "/v1/cases?limit=0", 1, 400},
        {"DELETE", "/v1/cases", 1, 405},  {"GET", "/v1/stats?format=csv", 1, 200},
        {"GET", "/healthz", 0, 200},      {"GET", "/v1/session", 0, 401},
        {"GET", "/v1/workflows", 1, 200},
    };
    web_resp_t r;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        call(&d, answers[i].method, answers[i].path, answers[i].token ? head : NULL, NULL, NULL,
             &r);
        if (r.status != answers[i].status)
            CF__FAIL("%s %s: %ld", answers[i].method, answers[i].path, r.status);
        assert_guarded(&r, answers[i].path);
        web_free(&r);
    }
    call(&d, "GET", path, head, NULL, NULL, &r);
    ASSERT_EQ(r.status, 200);
    assert_guarded(&r, "a case");
    char v[64];
    ASSERT(header(&r, "server", v, sizeof(v)) && strcmp(v, "caseflow") == 0); /* not h2o/2.2.5 */
    web_free(&r);
    /* h2o's own answer to a body over max_body, made JSON by the filter */
    char big[8192];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    call(&d, "POST", "/v1/cases", head, NULL, big, &r);
    ASSERT_EQ(r.status, 413);
    assert_guarded(&r, "413");
    web_free(&r);
    td_stop(&d);
    free(head);
    return 0;
}

/* ---- serve-hard-10.2: a query parameter given twice ---------------------------------------- */

TEST_IMPL(serve_hard_query_twice)
{
    static const struct {
        const char *path, *parameter;
        int says; /* the text says "more than once" (the endpoints' own texts do not all) */
    } twice[] = {
        {"/v1/cases?limit=1&limit=1000", "limit", 1},
        {"/v1/cases?state=lead&open=1&state=closed", "state", 1},
        {"/v1/cases?q=a&q=b", "q", 1},
        {"/v1/cases?limit=1&cursor=1&cursor=2", "cursor", 1},
        {"/v1/cases?open=1&open=0", "open", 0},
        {"/v1/stats?format=json&format=csv", "format", 1},
        {"/v1/stats?due_within=7d&due_within=1d", "due_within", 1},
        {"/v1/alerts?state=pending&state=all", "state", 0},
        {"/v1/alerts/deliveries?state=pending&state=given_up", "state", 0},
    };
    char db[512];
    td_db("hard-query-twice.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    web_resp_t r;
    for (size_t i = 0; i < sizeof(twice) / sizeof(twice[0]); i++) {
        call(&d, "GET", twice[i].path, handler, NULL, NULL, &r);
        const char *named = json_string_value(json_object_get(r.json, "parameter"));
        const char *text = json_string_value(json_object_get(r.json, "text"));
        if (r.status != 400 || !named || strcmp(named, twice[i].parameter) != 0 || !text ||
            (twice[i].says && !strstr(text, "more than once")))
            CF__FAIL("%s: %ld %s", twice[i].path, r.status, r.body);
        web_free(&r);
    }
    /* once each: answered */
    call(&d, "GET", "/v1/cases?limit=1&state=lead", handler, NULL, NULL, &r);
    ASSERT_EQ(r.status, 200);
    web_free(&r);
    td_stop(&d);
    free(handler);
    return 0;
}

/* serve-hard-10.2b: a query parameter no route reads is 400 naming it, on every route that
 * needs a token (before: ignored, so a misspelt filter listed every case). */
TEST_IMPL(serve_hard_query_unknown)
{
    static const struct {
        const char *method, *path, *parameter, *says;
    } unknown[] = {
        {"GET", "/v1/cases?open=1&due_witin=3d", "due_witin", "takes state, workflow, matter"},
        {"GET", "/v1/cases?limit=1&Handler=x", "Handler", "due_within"},
        {"GET", "/v1/cases?%E7%8A%B6%E6%80%81=lead", "状态", "unknown query parameter '状态'"},
        {"GET", "/v1/cases?%FF=1", "(not UTF-8 text)", "unknown query parameter"},
        {"GET", "/v1/cases?=x", "", "unknown query parameter ''"},
        {"GET", "/v1/alerts?stat=pending", "stat", "takes state, handler, limit, cursor"},
        {"GET", "/v1/alerts/deliveries?limt=1", "limt", "takes state, limit, cursor"},
        {"GET", "/v1/stats?formt=csv", "formt", "from, to, handler, due_within, format"},
        {"GET", "/v1/causes?subject=x", "subject", "takes subject_type"},
        {"GET", "/v1/workflows?version=1", "version", "takes no query parameters"},
        {"GET", "/v1/workflows/penalty-general?ver=1", "ver", "takes version"},
        {"GET", "/v1/cases/1/events?limit=1", "limit", "takes no query parameters"},
        {"GET", "/v1/cases/1/export?document=0", "document", "takes documents"},
        {"POST", "/v1/cases?workflow=penalty-general", "workflow", "no query parameters"},
    };
    char db[512];
    td_db("hard-query-unknown.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    web_resp_t r;
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        call(&d, unknown[i].method, unknown[i].path, handler, NULL,
             strcmp(unknown[i].method, "POST") == 0 ? "{}" : NULL, &r);
        const char *named = json_string_value(json_object_get(r.json, "parameter"));
        const char *text = json_string_value(json_object_get(r.json, "text"));
        if (r.status != 400 || !named || strcmp(named, unknown[i].parameter) != 0 || !text ||
            !strstr(text, unknown[i].says))
            CF__FAIL("%s %s: %ld %s", unknown[i].method, unknown[i].path, r.status, r.body);
        web_free(&r);
    }
    /* the parameters each route reads, an empty part, and the open routes: answered */
    static const char *const fine[] = {
        "/v1/cases?open=1&sort=deadline&limit=5&&due_within=3d&overdue=0&q=x&power_type=y",
        "/v1/alerts?state=pending&limit=1", "/v1/stats?format=json", "/v1/workflows",
        "/healthz?probe=1"};
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        call(&d, "GET", fine[i], handler, NULL, NULL, &r);
        if (r.status != 200)
            CF__FAIL("%s: %ld %s", fine[i], r.status, r.body);
        web_free(&r);
    }
    td_stop(&d);
    free(handler);
    return 0;
}

/* ---- serve-hard-10.3: the sign-in's and the retry's bodies ---------------------------------- */

TEST_IMPL(serve_hard_session_body)
{
    char db[512], body[512];
    td_db("hard-session-body.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config_hook(&cfg, db, T0, "http://127.0.0.1:9/hook");
    td_start(&d, &cfg);
    web_resp_t r;
    /* a duplicate token: which one signs in? neither */
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"token\":\"%s\"}", head, handler);
    call(&d, "POST", "/v1/session", NULL, NULL, body, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT(!header(&r, "set-cookie", body, sizeof(body)));
    web_free(&r);
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"role\":\"head\"}", handler);
    call(&d, "POST", "/v1/session", NULL, NULL, body, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT(strstr(r.body, "role") != NULL);
    web_free(&r);
    /* application/json itself, or with parameters */
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", handler);
    const char *jsonp[] = {"Content-Type: application/jsonp", NULL};
    web_http(&d, "POST", "/v1/session", jsonp, body, &r);
    ASSERT_EQ(r.status, 415);
    web_free(&r);
    const char *charset[] = {"Content-Type: application/json; charset=utf-8", NULL};
    web_http(&d, "POST", "/v1/session", charset, body, &r);
    ASSERT_EQ(r.status, 200);
    web_free(&r);
    /* the retry's body: a duplicate url, another field */
    call(&d, "POST", "/v1/alerts/1:filing:warning:x/retry", head, NULL,
         "{\"url\":\"http://127.0.0.1:9/hook\",\"url\":\"http://169.254.169.254/\"}", &r);
    ASSERT_EQ(r.status, 400);
    web_free(&r);
    call(&d, "POST", "/v1/alerts/1:filing:warning:x/retry", head, NULL,
         "{\"url\":\"http://127.0.0.1:9/hook\",\"to\":\"x\"}", &r);
    ASSERT_EQ(r.status, 400);
    ASSERT(strstr(r.body, "\"to\"") != NULL);
    web_free(&r);
    call(&d, "POST", "/v1/alerts/1:filing:warning:x/retry", head, NULL,
         "{\"url\":\"http://127.0.0.1:9/hook\"}", &r);
    ASSERT_EQ(r.status, 404); /* a good body: no given-up delivery of that id */
    web_free(&r);
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}

/* ---- serve-hard-10.4: two Origins, two session cookies ------------------------------------- */

/* Signs token in; OUT cookie ("cf_session=..."), csrf. */
static void sign_in(const td_daemon_t *d, const char *token, char *cookie, size_t size,
                    char csrf[65])
{
    char body[160], v[512];
    web_resp_t r;
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
    call(d, "POST", "/v1/session", NULL, NULL, body, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(header(&r, "set-cookie", v, sizeof(v)));
    *strchr(v, ';') = '\0';
    snprintf(cookie, size, "%s", v);
    snprintf(csrf, 65, "%s", json_string_value(json_object_get(r.json, "csrf")));
    web_free(&r);
}

TEST_IMPL(serve_hard_session_twice)
{
    char db[512], body[160];
    td_db("hard-session-twice.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    web_resp_t r;
    char own[128], evil[] = "Origin: http://evil.example";
    snprintf(own, sizeof(own), "Origin: http://127.0.0.1:%d", d.port);
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", handler);
    const char *two[] = {"Content-Type: application/json", own, evil, NULL};
    web_http(&d, "POST", "/v1/session", two, body, &r);
    ASSERT_EQ(r.status, 403);
    ASSERT(strstr(r.body, "EORIGIN") != NULL);
    web_free(&r);
    const char *one[] = {"Content-Type: application/json", own, NULL};
    web_http(&d, "POST", "/v1/session", one, body, &r);
    ASSERT_EQ(r.status, 200);
    web_free(&r);
    /* two session cookies, in one header or two: neither is taken */
    char mine[512], theirs[512], csrf[65], csrf2[65], h1[1100], h2[600];
    sign_in(&d, handler, mine, sizeof(mine), csrf);
    sign_in(&d, head, theirs, sizeof(theirs), csrf2);
    snprintf(h1, sizeof(h1), "Cookie: %s; %s", theirs, mine);
    const char *joined[] = {h1, NULL};
    web_http(&d, "GET", "/v1/session", joined, NULL, &r);
    ASSERT_EQ(r.status, 401);
    web_free(&r);
    snprintf(h1, sizeof(h1), "Cookie: %s", theirs);
    snprintf(h2, sizeof(h2), "Cookie: %s", mine);
    const char *split[] = {h1, h2, NULL};
    web_http(&d, "GET", "/v1/session", split, NULL, &r);
    ASSERT_EQ(r.status, 401);
    web_free(&r);
    const char *alone[] = {h2, NULL};
    web_http(&d, "GET", "/v1/session", alone, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "actor")), "张三") == 0);
    web_free(&r);
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}

/* serve-hard-11.3: signing in again in a browser that holds a session ends that session (a
 * second person at the same computer, or another token): its cookie is 401 from then on,
 * on this daemon and any other (before: it stayed good for session_ttl). A sign-in that
 * fails ends nothing. */
TEST_IMPL(serve_hard_session_rotate)
{
    char db[512], body[160], first[512], second[512], csrf[65], h[600];
    td_db("hard-session-rotate.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    web_resp_t r;
    sign_in(&d, handler, first, sizeof(first), csrf);
    snprintf(h, sizeof(h), "Cookie: %s", first);
    /* a wrong token with the cookie: refused, the session kept */
    snprintf(body, sizeof(body), "{\"token\":\"%064d\"}", 7);
    call(&d, "POST", "/v1/session", NULL, h, body, &r);
    ASSERT_EQ(r.status, 401);
    web_free(&r);
    const char *with_first[] = {h, NULL};
    web_http(&d, "GET", "/v1/session", with_first, NULL, &r);
    ASSERT_EQ(r.status, 200);
    web_free(&r);
    /* the head signs in at the same browser: the handler's session ends */
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", head);
    call(&d, "POST", "/v1/session", NULL, h, body, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(header(&r, "set-cookie", second, sizeof(second)));
    *strchr(second, ';') = '\0';
    ASSERT(strcmp(first, second) != 0);
    web_free(&r);
    int status = 0;
    for (int i = 0; i < 200 && status != 401; i++) { /* (ended once the writer commits) */
        web_http(&d, "GET", "/v1/session", with_first, NULL, &r);
        status = r.status;
        web_free(&r);
        if (status != 401)
            usleep(20000);
    }
    ASSERT_EQ(status, 401);
    char h2[600];
    snprintf(h2, sizeof(h2), "Cookie: %s", second);
    const char *with_second[] = {h2, NULL};
    web_http(&d, "GET", "/v1/session", with_second, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(strcmp(json_string_value(json_object_get(r.json, "actor")), "李四") == 0);
    web_free(&r);
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}

/* serve-hard-11.4: a control character in any text of a body (ESC, BEL, a backspace, DEL, a
 * C1 control such as U+009B, which some terminals read as ESC [) is 400 naming where it is,
 * nothing written: such a party name reached the operator's terminal through `caseflow
 * case show` (before: 201, stored and printed as it was). Tab, line breaks and form feed
 * (which come with text pasted from Word) are text. */
TEST_IMPL(serve_hard_control_chars)
{
    char db[512];
    td_db("hard-control.db", db, sizeof(db));
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"a\\u001b]0;x\\u0007\"}}",
         "party.name"},
        {"{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"ok\"},\"officers\":[{\"name\":"
         "\"x\"},{\"name\":\"abc\\b\\b\\bxyz\"}]}",
         "officers[1].name"},
        {"{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"a\\u007f\"}}", "party.name"},
        {"{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"a\\u009b2J\"}}", "party.name"},
        {"{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"a\",\"k\\u001b\":1}}",
         "party.k\x1b"},
    };
    td_resp_t r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        td_http(&d, "POST", "/v1/cases", handler, bad[i].body, strlen(bad[i].body), NULL, &r);
        ASSERT_EQ(r.status, 400);
        ASSERT(strcmp(json_string_value(json_object_get(r.json, "field")), bad[i].field) == 0);
        ASSERT(strstr(json_string_value(json_object_get(r.json, "text")), "control character") !=
               NULL);
        td_resp_free(&r);
    }
    td_http(&d, "GET", "/v1/cases", handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(json_array_size(r.json), 0); /* nothing written */
    td_resp_free(&r);
    const char *good = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某\\t药\\r\\n房"
                       "\\u000b\\f\\u00a0é\"}}";
    td_http(&d, "POST", "/v1/cases", handler, good, strlen(good), NULL, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
    td_stop(&d);
    free(handler);
    return 0;
}

/* ---- serve-hard-10.5, 11.2: a download's name -------------------------------------------- */

/* Files a case with its 立案审批表 named file (JSON-escaped), and puts the download's
 * Content-Disposition into v. */
static int disposition_of(const char *file, char *v, size_t size)
{
    char db[512], path[256], act[1024];
    td_db("hard-bidi.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, head, "penalty-general", "某药房");
    snprintf(act, sizeof(act),
             "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
             "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
             "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
             "{\"content_base64\": \"eA==\", \"file\": \"%s\"}}}",
             file);
    td_resp_t t;
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http(&d, "POST", path, head, act, strlen(act), "\"2\"", &t);
    ASSERT_EQ(t.status, 200);
    td_resp_free(&t);
    char sha[65];
    cf_chain_sha256_hex("x", 1, sha);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, sha);
    web_resp_t r;
    call(&d, "GET", path, head, NULL, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT(header(&r, "content-disposition", v, size));
    web_free(&r);
    td_stop(&d);
    free(head);
    return 0;
}

TEST_IMPL(serve_hard_download_bidi)
{
    char v[512];
    ASSERT_EQ(disposition_of("a\xe2\x80\xae"
                             "fdp.exe\xe2\x81\xa6\xd8\x9c",
                             v, sizeof(v)),
              0);
    if (strcmp(v, "attachment; filename=\"a___fdp.exe_____\"; filename*=UTF-8''a_fdp.exe__") != 0)
        CF__FAIL("content-disposition: %s", v);
    return 0;
}

/* serve-hard-11.2: a download named "../..\\.bashrc" or "/etc/cron.d/x" is saved as a
 * name, not a path: '/', '\\' and a leading '.' are '_' in both filename= and filename*=
 * (before: "../../.bashrc" as given, which a client saving by the name without taking the
 * directories off wrote outside its folder). */
TEST_IMPL(serve_hard_download_path)
{
    char v[512];
    ASSERT_EQ(disposition_of("../..\\\\.bashrc", v, sizeof(v)), 0);
    if (strcmp(v, "attachment; filename=\"_._.._.bashrc\"; filename*=UTF-8''_._.._.bashrc") != 0)
        CF__FAIL("content-disposition: %s", v);
    ASSERT_EQ(disposition_of("/etc/cron.d/证", v, sizeof(v)), 0);
    if (strcmp(v, "attachment; filename=\"_etc_cron.d____\"; "
                  "filename*=UTF-8''_etc_cron.d_%E8%AF%81") != 0)
        CF__FAIL("content-disposition: %s", v);
    return 0;
}
