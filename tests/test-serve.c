/*
 * test-serve.c -- serve-*: the daemon's HTTP/JSON API, each test against a
 * daemon run in-process on a loopback port (serve-helpers.c, with open_case and
 * case_state) and stopped with every handle closed (uv_loop_close == 0).
 *
 * serve-1.*: a whole case over HTTP; every status code the API documents; agency
 *            isolation; list filters, extensions, opening by matter and as a
 *            child; many concurrent writers (group commit).
 * serve-2.*: the `caseflow serve` binary: SIGTERM stops it cleanly; a slow or
 *            half-open client holds up neither other clients nor the stop.
 * (serve-3.*, the scheduler and alert delivery, is test-serve-alerts.c; serve-4.*,
 * inside the daemon, is test-serve-inside.c.)
 *
 * Map: serve-1.1 .. 1.5; serve-2.1, 2.2 (they run the binary).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

static const char fake_sha[] = "00000000000000000000000000000000000000000000000000000000000000aa";

/* ---- serve-1.1: the full penalty walk over HTTP ------------------------------------------ */

typedef struct tokens_s {
    const char *db;
    char keys[8][64];
    char *values[8];
    int n;
} tokens_t;

static const char *token_for(tokens_t *t, const char *name, const char *role)
{
    char key[64];
    snprintf(key, sizeof(key), "%s/%s", name, role);
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->keys[i], key) == 0)
            return t->values[i];
    ASSERT(t->n < 8);
    snprintf(t->keys[t->n], sizeof(t->keys[0]), "%s", key);
    t->values[t->n] = td_token(t->db, "某县医疗保障局", role, name);
    return t->values[t->n++];
}

static json_t *step_body(const json_t *step)
{
    json_t *docs = json_object();
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(step, "documents"), i, n)
        json_object_set_new(
            docs, json_string_value(n),
            json_pack("{s:s, s:i, s:s}", "sha256", fake_sha, "size", 1, "file", "walk.pdf"));
    json_t *facts = json_object_get(step, "facts");
    return json_pack("{s:O, s:o, s:o}", "action", json_object_get(step, "action"), "facts",
                     facts ? json_incref(facts) : json_object(), "documents", docs);
}

/* An `evidence` or `record` step: POST /v1/cases/{id}/evidence or /records with the
 * item as the body; refused with 400 (a bad item) or 422 (two officers). */
static void walk_register(const td_daemon_t *d, const char *token, long long id, const json_t *step)
{
    const json_t *record = json_object_get(step, "record");
    const char *refused = json_string_value(json_object_get(step, "refused"));
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld/%s", id, record ? "records" : "evidence");
    td_http_json(d, "POST", path, token, record ? record : json_object_get(step, "evidence"), NULL,
                 &r);
    if (refused && strcmp(refused, "true") == 0) {
        if (r.status != 400 && r.status != 422)
            CF__FAIL("%s: should have been refused: %ld %s", path, r.status, r.body);
        const char *words = json_string_value(json_object_get(step, "reason_contains"));
        ASSERT_CONTAINS(json_string_value(json_object_get(r.json, "text")), words ? words : "");
    } else if (r.status != 201) {
        CF__FAIL("%s: %ld %s", path, r.status, r.body);
    }
    td_resp_free(&r);
}

static void walk_step(const td_daemon_t *d, tokens_t *t, long long id, const json_t *step)
{
    const char *action = json_string_value(json_object_get(step, "action"));
    const char *token = token_for(t, json_string_value(json_object_get(step, "actor")),
                                  json_string_value(json_object_get(step, "role")));
    const char *refused = json_string_value(json_object_get(step, "refused"));
    const char *expect = json_string_value(json_object_get(step, "expect"));
    char path[64], etag[32];
    td_resp_t r;
    td_clock(d, json_string_value(json_object_get(step, "at")));
    if (json_object_get(step, "evidence") || json_object_get(step, "record")) {
        walk_register(d, token, id, step);
        return;
    }
    case_state(d, token, id, etag, sizeof(etag));
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    json_t *body = step_body(step);
    td_http_json(d, "POST", path, token, body, etag, &r);
    json_decref(body);
    if (refused && strcmp(refused, "true") == 0) {
        if (r.status != 403 && r.status != 422)
            CF__FAIL("%s should have been refused: %ld %s", action, r.status, r.body);
        ASSERT(json_string_value(json_object_get(r.json, "text")) != NULL);
        if (r.status == 422)
            ASSERT(json_is_array(json_object_get(r.json, "allowed")));
    } else {
        if (r.status != 200)
            CF__FAIL("%s: %ld %s", action, r.status, r.body);
        if (expect)
            ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "state")), expect);
    }
    td_resp_free(&r);
}

TEST_IMPL(serve_walk_full)
{
    char db[512], etag[32], path[64];
    td_db("walk.db", db, sizeof(db));
    tokens_t tokens = {.db = db};
    json_t *walk = cf_test_yaml("tests/fixtures/walks/penalty-general-full.yaml");
    json_t *open = json_object_get(walk, "open");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, json_string_value(json_object_get(open, "at")));
    td_start(&d, &cfg);
    long long id = open_case(&d, token_for(&tokens, "张三", "handler"),
                             json_string_value(json_object_get(open, "party")));
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(walk, "steps"), i, step)
        walk_step(&d, &tokens, id, step);
    const char *token = token_for(&tokens, "李四", "head");
    ASSERT_STR_EQ(case_state(&d, token, id, etag, sizeof(etag)), "archived");
    /* The case as the API shows it: closed, facts, documents, clocks, no action left. */
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    td_http(&d, "GET", path, token, NULL, 0, NULL, &r);
    ASSERT(json_is_true(json_object_get(r.json, "closed")));
    ASSERT_EQ(json_array_size(json_object_get(r.json, "allowed")), 0);
    ASSERT(json_array_size(json_object_get(r.json, "clocks")) > 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(r.json, "facts"), "fine")),
                  "60000.00"); /* amounts: yuan as a decimal string (money.h) */
    ASSERT(json_object_get(json_object_get(r.json, "documents"), "卷宗") != NULL);
    ASSERT_EQ(json_array_size(json_object_get(r.json, "evidence")), 1); /* the register */
    ASSERT_EQ(json_array_size(json_object_get(r.json, "records")), 2);
    long long version = json_integer_value(json_object_get(r.json, "version"));
    td_resp_free(&r);
    /* GET .../records: the 询问笔录 of the party counts as 当事人的陈述 */
    snprintf(path, sizeof(path), "/v1/cases/%lld/records", id);
    json_t *records = td_get_json(&d, token, path);
    ASSERT_EQ(json_array_size(records), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(records, 0), "evidence_kind")),
                  "当事人的陈述");
    json_decref(records);
    /* Its events: a chain of exactly `version` events, acted by the tokens' names. */
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    td_http(&d, "GET", path, token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(json_array_size(r.json), version);
    ASSERT_CONTAINS(r.body, "\"actor\":\"赵六\"");
    td_resp_free(&r);
    td_stop(&d);
    for (int k = 0; k < tokens.n; k++)
        free(tokens.values[k]);
    json_decref(walk);
    return 0;
}

/* ---- serve-1.2: every status code ----------------------------------------------------------- */

static long expect(const td_daemon_t *d, const char *method, const char *path, const char *token,
                   const char *body, const char *if_match, long status)
{
    td_resp_t r;
    td_http(d, method, path, token, body, body ? strlen(body) : 0, if_match, &r);
    if (r.status != status)
        CF__FAIL("%s %s: %ld, wanted %ld: %s", method, path, r.status, status, r.body);
    if (status >= 400)
        ASSERT(json_string_value(json_object_get(r.json, "error")) != NULL);
    td_resp_free(&r);
    return status;
}

/* 400: malformed JSON (with jansson's line and column), invalid UTF-8 in a body
 * and in a query, an undeclared fact. */
static void bad_input(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    const char *broken = "{\n  \"workflow\": ,\n}";
    td_http(d, "POST", "/v1/cases", token, broken, strlen(broken), NULL, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT_EQ(json_integer_value(json_object_get(r.json, "line")), 2);
    ASSERT(json_integer_value(json_object_get(r.json, "column")) > 0);
    td_resp_free(&r);
    const char *bad_utf8 = "{\"workflow\": \"\xc3\x28\"}";
    td_http(d, "POST", "/v1/cases", token, bad_utf8, strlen(bad_utf8), NULL, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "error")), "EUTF8");
    td_resp_free(&r);
    expect(d, "GET", "/v1/cases?state=%C3%28", token, NULL, NULL, 400);
    expect(d, "POST", "/v1/cases", token,
           "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"},\"facts\":{\"nope\":1}}",
           NULL, 400);
    expect(d, "POST", "/v1/cases", token, "[1]", NULL, 400);
}

TEST_IMPL(serve_status_codes)
{
    char db[512], etag[32];
    td_db("codes.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *auditor = td_token(db, "甲局", "auditor", "审计");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.max_body = 4096;
    cfg.test_clock = 0;
    td_start(&d, &cfg);
    expect(&d, "GET", "/healthz", NULL, NULL, NULL, 200);
    expect(&d, "GET", "/v1/workflows", handler, NULL, NULL, 200);
    long long id = open_case(&d, handler, "某某大药房"); /* 201 */
    bad_input(&d, handler);                              /* 400 */
    /* 401: no token, an unknown token. */
    expect(&d, "GET", "/v1/cases", NULL, NULL, NULL, 401);
    expect(&d, "GET", "/v1/cases", "0123", NULL, NULL, 401);
    /* 403: the auditor may read but not write; a handler may not take a head's action. */
    expect(&d, "GET", "/v1/cases/1", auditor, NULL, NULL, 200);
    expect(&d, "POST", "/v1/cases", auditor, "{}", NULL, 403);
    case_state(&d, handler, id, etag, sizeof(etag));
    expect(&d, "POST", "/v1/cases/1/actions", handler, "{\"action\":\"file\"}", etag, 403);
    /* 404: unknown route, unknown case, the test clock without --test-clock. */
    expect(&d, "GET", "/v1/nothing", handler, NULL, NULL, 404);
    expect(&d, "POST", "/v1/test/clock", NULL, "{\"now\":\"2030-01-01\"}", NULL, 404);
    expect(&d, "GET", "/v1/cases/99", handler, NULL, NULL, 404);
    expect(&d, "POST", "/v1/cases/99/actions", handler, "{\"action\":\"x\"}", "\"1\"", 404);
    /* 405, 409 (stale version), 422 (refused by the procedure), 428 (no If-Match). */
    expect(&d, "DELETE", "/v1/cases/1", handler, NULL, NULL, 405);
    /* serve-1.2b: HEAD on a GET route is its head, no body (was: 405); not the stream */
    char auth[160];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", handler);
    const char *const head_auth[] = {auth, NULL};
    web_resp_t hr;
    web_http(&d, "HEAD", "/v1/cases/1", head_auth, NULL, &hr);
    ASSERT_EQ(hr.status, 200);
    ASSERT_EQ(hr.body_len, 0);
    char head_etag[32];
    ASSERT(header(&hr, "etag", head_etag, sizeof(head_etag)));
    web_free(&hr);
    web_http(&d, "HEAD", "/v1/cases/99", head_auth, NULL, &hr);
    ASSERT_EQ(hr.status, 404);
    web_free(&hr);
    web_http(&d, "HEAD", "/v1/stream", head_auth, NULL, &hr);
    ASSERT_EQ(hr.status, 405);
    web_free(&hr);
    /* serve-1.2c: a missing field is named as the body spells it */
    td_resp_t fr;
    td_http(&d, "POST", "/v1/cases/1/extensions", handler, "{\"clock\":\"decision\"}", 20, NULL,
            &fr);
    ASSERT_EQ(fr.status, 400);
    ASSERT_CONTAINS(json_string_value(json_object_get(fr.json, "text")), "\"by\": a period");
    td_resp_free(&fr);
    td_http(&d, "POST", "/v1/cases/1/actions", handler, "{\"facts\":{}}", 12, etag, &fr);
    ASSERT_EQ(fr.status, 400);
    ASSERT_CONTAINS(json_string_value(json_object_get(fr.json, "text")), "\"action\"");
    td_resp_free(&fr);
    expect(&d, "POST", "/v1/cases/1/actions", handler, "{\"action\":\"serve\"}", "\"1\"", 409);
    td_resp_t r;
    td_http(&d, "POST", "/v1/cases/1/actions", handler, "{\"action\":\"serve\"}", 18, etag, &r);
    ASSERT_EQ(r.status, 422);
    ASSERT(json_array_size(json_object_get(r.json, "allowed")) > 0);
    td_resp_free(&r);
    expect(&d, "POST", "/v1/cases/1/actions", handler, "{\"action\":\"serve\"}", NULL, 428);
    /* 413: over --max-body. */
    char *big = malloc(8192);
    memset(big, ' ', 8191);
    big[0] = '{', big[8190] = '}', big[8191] = '\0';
    expect(&d, "POST", "/v1/cases", handler, big, NULL, 413);
    free(big);
    /* Nothing partial: the refusals above left the case at its version. */
    char after[32];
    case_state(&d, handler, id, after, sizeof(after));
    ASSERT_STR_EQ(after, etag);
    /* /metrics counts what was answered. */
    td_http(&d, "GET", "/metrics", d.metrics_token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "caseflow_http_responses_total{code=\"422\"} 1");
    ASSERT_CONTAINS(r.body, "caseflow_commits_total");
    td_resp_free(&r);
    td_stop(&d);
    free(handler);
    free(auditor);
    return 0;
}

/* ---- serve-1.3: a token sees only its agency's cases -------------------------------------- */

/* GET path as token: 200 with an array; returns its length. */
static size_t count_of(const td_daemon_t *d, const char *token, const char *path)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    if (r.status != 200 || !json_is_array(r.json))
        CF__FAIL("GET %s: %ld %s", path, r.status, r.body);
    size_t n = json_array_size(r.json);
    td_resp_free(&r);
    return n;
}

TEST_IMPL(serve_agency)
{
    char db[512], etag[32], after[32];
    td_db("agency.db", db, sizeof(db));
    char *a = td_token(db, "甲局", "handler", "张三");
    char *b = td_token(db, "乙局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    long long id = open_case(&d, a, "某某大药房");
    case_state(&d, a, id, etag, sizeof(etag));
    expect(&d, "GET", "/v1/cases/1", b, NULL, NULL, 404);
    expect(&d, "GET", "/v1/cases/1/events", b, NULL, NULL, 404);
    expect(&d, "POST", "/v1/cases/1/actions", b, "{\"action\":\"file\"}", etag, 404);
    expect(&d, "POST", "/v1/cases/1/extensions", b,
           "{\"clock\":\"filing\",\"by\":\"5 working_days\"}", NULL, 404);
    /* A child may not name another agency's case as its parent. */
    expect(&d, "POST", "/v1/cases", b,
           "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"},\"parent\":1}", NULL, 404);
    ASSERT_EQ(count_of(&d, b, "/v1/cases"), 0);
    ASSERT_EQ(count_of(&d, b, "/v1/alerts"), 0);
    ASSERT_EQ(count_of(&d, a, "/v1/cases"), 1);
    ASSERT(count_of(&d, a, "/v1/alerts") > 0);
    /* The case is untouched by the other agency's attempts. */
    case_state(&d, a, id, after, sizeof(after));
    ASSERT_STR_EQ(after, etag);
    td_stop(&d);
    free(a);
    free(b);
    return 0;
}

/* ---- serve-1.4: list filters and clock extensions ------------------------------------------ */

/* Stores a matter handled by penalty-general into db. */
static void put_matter(const char *db)
{
    cf_store_t *s;
    cf_error_t err;
    json_t *m = json_pack("{s:s, s:s, s:[s], s:[s]}", "id", "330217001000", "name",
                          "对定点医药机构骗取医保基金的处罚", "power_types", "行政处罚",
                          "workflows", "penalty-general");
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_matter_put(s, m, &err), 0);
    cf_store_close(s);
    json_decref(m);
}

/* serve-1.4 opens by matter and as a child: links both ways. */
static void matter_and_links(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    const char *child = "{\"matter\":\"330217001000\",\"party\":{\"name\":\"x\"},\"parent\":1}";
    td_http(d, "POST", "/v1/cases", token, child, strlen(child), NULL, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
    expect(d, "POST", "/v1/cases", token,
           "{\"matter\":\"330217001000\",\"workflow\":\"reward\",\"party\":{\"name\":\"x\"}}", NULL,
           400);
    expect(d, "POST", "/v1/cases", token, "{\"matter\":\"nope\",\"party\":{\"name\":\"x\"}}", NULL,
           404);
    td_http(d, "GET", "/v1/cases/2", token, NULL, 0, NULL, &r);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "matter")), "330217001000");
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(r.json, "links"), "parent")), 1);
    td_resp_free(&r);
    td_http(d, "GET", "/v1/cases/1", token, NULL, 0, NULL, &r);
    json_t *children = json_object_get(json_object_get(r.json, "links"), "children");
    ASSERT_EQ(json_array_size(children), 1);
    ASSERT_EQ(json_integer_value(json_array_get(children, 0)), 2);
    td_resp_free(&r);
    ASSERT_EQ(count_of(d, token, "/v1/cases?parent=1"), 1);
    ASSERT_EQ(count_of(d, token, "/v1/cases?matter=330217001000"), 1);
}

TEST_IMPL(serve_queries)
{
    char db[512], etag[32];
    td_db("queries.db", db, sizeof(db));
    put_matter(db);
    char *a = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "王局长");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    long long id = open_case(&d, a, "某某大药房");
    case_state(&d, a, id, etag, sizeof(etag));
    /* The filing clock (15 working days) falls due within 30 days, not within 3. */
    ASSERT_EQ(count_of(&d, a, "/v1/cases?workflow=penalty-general"), 1);
    ASSERT_EQ(count_of(&d, a, "/v1/cases?state=investigating"), 0);
    ASSERT_EQ(count_of(&d, a, "/v1/cases?due_within=30d"), 1);
    ASSERT_EQ(count_of(&d, a, "/v1/cases?due_within=3d"), 0);
    ASSERT_EQ(count_of(&d, a, "/v1/cases?overdue=1&state=lead"), 0);
    expect(&d, "GET", "/v1/cases?due_within=soon", a, NULL, NULL, 400);
    ASSERT_EQ(count_of(&d, a, "/v1/alerts?state=fired"), 0);
    expect(&d, "GET", "/v1/alerts?state=maybe", a, NULL, NULL, 400);
    /* The head extends the filing clock; a handler may not; "by" is required. */
    const char *ext = "{\"clock\":\"filing\",\"by\":\"5 working_days\",\"reason\":\"补充材料\"}";
    expect(&d, "POST", "/v1/cases/1/extensions", a, ext, NULL, 403);
    expect(&d, "POST", "/v1/cases/1/extensions", head, "{\"clock\":\"filing\"}", NULL, 400);
    expect(&d, "POST", "/v1/cases/1/extensions", head, ext, "\"1\"", 409);
    expect(&d, "POST", "/v1/cases/1/extensions", head, ext, etag, 200);
    td_resp_t r;
    td_http(&d, "GET", "/v1/cases/1", a, NULL, 0, NULL, &r);
    json_t *clock = json_array_get(json_object_get(r.json, "clocks"), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(clock, "extended")), "5 working_days");
    ASSERT_STR_EQ(json_string_value(json_object_get(clock, "status")), "running");
    td_resp_free(&r);
    matter_and_links(&d, a);
    td_stop(&d);
    free(a);
    free(head);
    return 0;
}

/* ---- serve-1.5: many writers at once (group commit) ---------------------------------------- */

#define WRITERS 8
#define OPENS   25

typedef struct writer_s {
    const td_daemon_t *d;
    const char *token;
    long long ids[OPENS];
} writer_t;

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    for (int i = 0; i < OPENS; i++)
        w->ids[i] = open_case(w->d, w->token, "并发药房");
    return NULL;
}

static unsigned long long metric(const char *text, const char *name)
{
    char key[128];
    snprintf(key, sizeof(key), "\n%s ", name);
    const char *p = strstr(text, key);
    ASSERT(p != NULL);
    return strtoull(p + strlen(key), NULL, 10);
}

TEST_IMPL(serve_group_commit)
{
    char db[512];
    td_db("group.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    writer_t w[WRITERS];
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i].d = &d;
        w[i].token = token;
        ASSERT_EQ(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        ASSERT_EQ(pthread_join(th[i], NULL), 0);
    /* Every request answered 201 with its own case id, 1 .. WRITERS * OPENS. */
    char seen[WRITERS * OPENS + 1] = {0};
    for (int i = 0; i < WRITERS; i++)
        for (int k = 0; k < OPENS; k++) {
            ASSERT(w[i].ids[k] >= 1 && w[i].ids[k] <= WRITERS * OPENS);
            ASSERT(!seen[w[i].ids[k]]);
            seen[w[i].ids[k]] = 1;
        }
    td_resp_t r;
    td_http(&d, "GET", "/metrics", d.metrics_token, NULL, 0, NULL, &r);
    unsigned long long jobs = metric(r.body, "caseflow_committed_jobs_total");
    unsigned long long commits = metric(r.body, "caseflow_commits_total");
    ASSERT_EQ(jobs, WRITERS * OPENS);
    ASSERT(commits >= 1 && commits <= jobs);
    fprintf(stderr, "  serve_group_commit: %llu requests in %llu transactions (largest %llu)\n",
            jobs, commits, metric(r.body, "caseflow_commit_batch_max"));
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-2.1: the binary stops cleanly on SIGTERM ------------------------------------------ */

TEST_IMPL(serve_sigterm)
{
    char db[512], bin[512], line[256] = "";
    td_db("sigterm.db", db, sizeof(db));
    snprintf(bin, sizeof(bin), "%s/api/caseflow", CF_BINARY_DIR);
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(bin, bin, "--db", db, "serve", "--listen", "127.0.0.1:0", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    ASSERT(fgets(line, sizeof(line), f) != NULL);
    const char *colon = strrchr(line, ':');
    ASSERT(strstr(line, "listening on 127.0.0.1:") && colon);
    td_daemon_t d = {.port = atoi(colon + 1)};
    expect(&d, "GET", "/healthz", NULL, NULL, NULL, 200);
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0); /* 0 only if uv_loop_close returned 0 */
    fclose(f);
    return 0;
}

/* ---- serve-2.2: slow and half-open clients ------------------------------------------------- */

/* A raw loopback connection that sends text and then nothing more. */
static int half_open(int port, const char *text)
{
    int fd = td_raw_connect(port);
    ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    return fd;
}

TEST_IMPL(serve_slow_client)
{
    char db[512];
    td_db("slow.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    /* Half a request line and headers; a whole header with half a body. */
    int idle = half_open(d.port, "GET /healthz HTTP/1.1\r\nHost: x");
    int body = half_open(d.port, "POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 100"
                                 "\r\n\r\n{\"workflow\":");
    /* Others are served meanwhile, reads and writes. */
    expect(&d, "GET", "/healthz", NULL, NULL, NULL, 200);
    open_case(&d, token, "某某大药房");
    /* A client that sends a whole write and leaves at once: the write is decided
     * and committed (or never read), nobody is answered, nothing breaks. */
    char gone[512];
    const char *open = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    snprintf(gone, sizeof(gone),
             "POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             token, strlen(open), open);
    close(half_open(d.port, gone));
    expect(&d, "GET", "/v1/cases", token, NULL, NULL, 200);
    /* And the daemon stops with both still open: every handle closed. */
    td_stop(&d);
    char c;
    ASSERT(read(idle, &c, 1) <= 0); /* the daemon closed them */
    close(idle);
    close(body);
    free(token);
    return 0;
}
