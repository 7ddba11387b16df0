/*
 * test-serve-walks.c -- serve-walk-*: every case walk of tests/fixtures/walks/ driven
 * through the daemon's HTTP API as a peer system drives it (docs/api.md, docs/walk.md),
 * each on a fresh database and daemon whose test clock starts at the walk's opening.
 *
 * test-walks.c runs the same files through the engine and the store; this one goes
 * through everything a peer goes through: POST /v1/cases, GET /v1/cases/{id} for the
 * ETag, POST .../actions with If-Match, .../extensions, .../evidence, .../records,
 * with the test clock (POST /v1/test/clock) moved to each step's time. After every
 * step the case's state, and the deadline (its China day) and status of every clock
 * the step names, are read back over HTTP and compared with the walk's table: the
 * periods of the law (docs/legal-periods.md) as an outside system sees them. The
 * dates are the walk's own, inside the shipped calendars: the test does not depend
 * on the day it runs.
 *
 * Map: serve-walk-1 (every walk over HTTP; all nine workflows to their end); serve-walk-2
 * (a refusal before the transition still carries allowed).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

typedef struct walk_s {
    const char *file;
    const td_daemon_t *d;
    const char *db;
    char names[12][64]; /* "name/role" */
    char *tokens[12];
    int n;
    char now[40]; /* the last instant the test clock was moved to */
    long long id;
} walk_t;

static const char *token_for(walk_t *w, const char *name, const char *role)
{
    char key[64];
    snprintf(key, sizeof(key), "%s/%s", name, role);
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->names[i], key) == 0)
            return w->tokens[i];
    ASSERT(w->n < 12);
    snprintf(w->names[w->n], sizeof(w->names[0]), "%s", key);
    w->tokens[w->n] = td_token(w->db, "某县医疗保障局", role, name);
    return w->tokens[w->n++];
}

/* The test clock only moves forward: steps recorded at one instant share it. */
static void move_clock(walk_t *w, const char *iso)
{
    if (!iso || strcmp(iso, w->now) <= 0)
        return;
    td_clock(w->d, iso);
    snprintf(w->now, sizeof(w->now), "%s", iso);
}

/* GET /v1/cases/{id}: the case (new reference), OUT etag. */
static json_t *read_case(walk_t *w, const char *token, char *etag, size_t size)
{
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", w->id);
    td_http(w->d, "GET", path, token, NULL, 0, NULL, &r);
    if (r.status != 200)
        CF__FAIL("%s: GET %s: %ld %s", w->file, path, r.status, r.body);
    snprintf(etag, size, "%s", r.etag);
    json_t *c = json_incref(r.json);
    td_resp_free(&r);
    return c;
}

static const json_t *clock_of(const json_t *c, const char *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(c, "clocks"), i, k)
        if (strcmp(json_string_value(json_object_get(k, "id")), id) == 0)
            return k;
    return NULL;
}

/* The step's table: `expect` (the state), `deadlines` (CLOCK: YYYY-MM-DD, the China
 * day) and `clocks` (CLOCK: status), as GET /v1/cases/{id} answers them. */
static void check_step(walk_t *w, const char *token, const json_t *step, const char *where)
{
    char etag[32];
    json_t *c = read_case(w, token, etag, sizeof(etag));
    const char *expect = json_string_value(json_object_get(step, "expect"));
    const char *state = json_string_value(json_object_get(c, "state"));
    if (expect && strcmp(expect, state) != 0)
        CF__FAIL("%s: the case is in '%s', not '%s'", where, state, expect);
    const char *id;
    json_t *want;
    json_object_foreach(json_object_get(step, "deadlines"), id, want) {
        const json_t *k = clock_of(c, id);
        const char *got = k ? json_string_value(json_object_get(k, "deadline")) : NULL;
        if (!got || strncmp(got, json_string_value(want), 10) != 0)
            CF__FAIL("%s: clock '%s' has deadline %s over HTTP, not on %s", where, id,
                     got ? got : "(none)", json_string_value(want));
        ASSERT_CONTAINS(got, "+08:00"); /* R5: China time */
    }
    json_object_foreach(json_object_get(step, "clocks"), id, want) {
        const json_t *k = clock_of(c, id);
        const char *got = k ? json_string_value(json_object_get(k, "status")) : "idle";
        if (strcmp(got, json_string_value(want)) != 0)
            CF__FAIL("%s: clock '%s' is %s over HTTP, not %s", where, id, got,
                     json_string_value(want));
    }
    json_decref(c);
}

/* A refusal as a peer must be able to read it: a code, a text, and (a 422 of an
 * action or an extension: acts) what is allowed instead. */
static void check_refused(const td_resp_t *r, const json_t *step, int acts, const char *where)
{
    if (r->status != 400 && r->status != 403 && r->status != 422)
        CF__FAIL("%s: should have been refused: %ld %s", where, r->status, r->body);
    ASSERT(json_string_value(json_object_get(r->json, "error")) != NULL);
    const char *text = json_string_value(json_object_get(r->json, "text"));
    ASSERT(text != NULL && text[0] != '\0');
    if (acts && r->status == 422 &&
        strcmp(json_string_value(json_object_get(r->json, "error")), "EREFUSED") == 0)
        if (!json_is_array(json_object_get(r->json, "allowed")))
            CF__FAIL("%s: a refusal without allowed: %s", where, r->body);
    const char *words = json_string_value(json_object_get(step, "reason_contains"));
    const char *rule = json_string_value(json_object_get(r->json, "rule"));
    if (words && !strstr(text, words) && !(rule && strcmp(rule, words) == 0))
        CF__FAIL("%s: refusal \"%s\" lacks \"%s\"", where, text, words);
}

static int refused(const json_t *step)
{
    const char *r = json_string_value(json_object_get(step, "refused"));
    return r && strcmp(r, "true") == 0;
}

static void run_step(walk_t *w, const json_t *step, const char *where)
{
    const char *token = token_for(w, json_string_value(json_object_get(step, "actor")),
                                  json_string_value(json_object_get(step, "role")));
    move_clock(w, json_string_value(json_object_get(step, "at")));
    char path[96], etag[32];
    json_t *body;
    const char *if_match = NULL;
    long ok = 200;
    int acts = 1;
    if (json_object_get(step, "extend")) {
        snprintf(path, sizeof(path), "/v1/cases/%lld/extensions", w->id);
        body = json_pack("{s:O, s:O, s:s}", "clock", json_object_get(step, "extend"), "by",
                         json_object_get(step, "by"), "reason",
                         json_string_value(json_object_get(step, "reason"))
                             ? json_string_value(json_object_get(step, "reason"))
                             : "案情复杂");
    } else if (json_object_get(step, "evidence") || json_object_get(step, "record")) {
        const json_t *record = json_object_get(step, "record");
        snprintf(path, sizeof(path), "/v1/cases/%lld/%s", w->id, record ? "records" : "evidence");
        body = json_incref(record ? (json_t *)record : json_object_get(step, "evidence"));
        ok = 201;
        acts = 0;
    } else {
        json_decref(read_case(w, token, etag, sizeof(etag)));
        if_match = etag;
        snprintf(path, sizeof(path), "/v1/cases/%lld/actions", w->id);
        const json_t *facts = json_object_get(step, "facts");
        body = json_pack("{s:O, s:o, s:o}", "action", json_object_get(step, "action"), "facts",
                         facts ? json_incref((json_t *)facts) : json_object(), "documents",
                         cf_test_fake_documents(json_object_get(step, "documents")));
    }
    td_resp_t r;
    td_http_json(w->d, "POST", path, token, body, if_match, &r);
    json_decref(body);
    if (refused(step))
        check_refused(&r, step, acts, where);
    else if (r.status != ok)
        CF__FAIL("%s: POST %s: %ld %s", where, path, r.status, r.body);
    td_resp_free(&r);
    if (!refused(step))
        check_step(w, token, step, where);
}

/* Opens the walk's case over HTTP as its first handler would: POST /v1/cases. */
static long long open_walk(walk_t *w, const json_t *open)
{
    json_t *party = json_pack("{s:s}", "name", json_string_value(json_object_get(open, "party")));
    if (json_object_get(open, "party_type"))
        json_object_set(party, "type", json_object_get(open, "party_type"));
    json_t *body = json_pack("{s:s, s:o}", "workflow", "", "party", party);
    json_object_set(body, "workflow", json_object_get(open, "workflow"));
    if (json_object_get(open, "facts"))
        json_object_set(body, "facts", json_object_get(open, "facts"));
    td_resp_t r;
    td_http_json(w->d, "POST", "/v1/cases", token_for(w, "立案人", "handler"), body, NULL, &r);
    json_decref(body);
    if (r.status != 201)
        CF__FAIL("%s: open: %ld %s", w->file, r.status, r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    return id;
}

/* Runs one walk on a fresh database and daemon; returns 1 if the case ended closed. */
static int run_walk(const char *name, char *workflow, size_t size)
{
    char rel[512], db[512];
    snprintf(rel, sizeof(rel), "tests/fixtures/walks/%s", name);
    json_t *walk = cf_test_yaml(rel);
    json_t *open = json_deep_copy(json_object_get(walk, "open"));
    json_object_set(open, "workflow", json_object_get(walk, "workflow"));
    snprintf(workflow, size, "%s", json_string_value(json_object_get(walk, "workflow")));
    td_db("walk-http.db", db, sizeof(db));
    const char *at = json_string_value(json_object_get(open, "at"));
    td_daemon_t d;
    td_start_at(&d, db, at);
    walk_t w = {.file = rel, .d = &d, .db = db};
    snprintf(w.now, sizeof(w.now), "%s", at);
    w.id = open_walk(&w, open);
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(walk, "steps"), i, step) {
        char where[600];
        snprintf(where, sizeof(where), "%s step %zu", rel, i + 1);
        run_step(&w, step, where);
    }
    char etag[32];
    json_t *c = read_case(&w, token_for(&w, "立案人", "handler"), etag, sizeof(etag));
    int closed = json_is_true(json_object_get(c, "closed"));
    if (closed)
        ASSERT_EQ(json_array_size(json_object_get(c, "allowed")), 0);
    json_decref(c);
    td_stop(&d);
    for (int k = 0; k < w.n; k++)
        free(w.tokens[k]);
    json_decref(open);
    json_decref(walk);
    return closed;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* serve-walk-1: every walk of tests/fixtures/walks/ over HTTP, each step's state,
 * deadlines and clock statuses as the walk's table says; each of the nine shipped
 * workflows is taken to its end (a closed case) by at least one. */
TEST_IMPL(serve_walk_every)
{
    static const char *const workflows[] = {"penalty-general", "penalty-summary", "coercion",
                                            "inspection",      "benefit",         "confirmation",
                                            "reward",          "supervision",     "other-power"};
    enum { NWF = sizeof(workflows) / sizeof(workflows[0]) };
    int ended[NWF] = {0};
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/walks", CF_SOURCE_DIR);
    DIR *dh = opendir(dir);
    ASSERT(dh != NULL);
    char *names[128];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 && n < 128)
            names[n++] = strdup(e->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof(names[0]), by_name);
    ASSERT(n >= 12);
    for (size_t i = 0; i < n; i++) {
        char wf[128];
        int closed = run_walk(names[i], wf, sizeof(wf));
        for (int k = 0; k < NWF; k++)
            ended[k] |= closed && strcmp(workflows[k], wf) == 0;
        free(names[i]);
    }
    for (int k = 0; k < NWF; k++)
        if (!ended[k])
            CF__FAIL("no walk over HTTP takes workflow '%s' to its end", workflows[k]);
    return 0;
}

/* serve-walk-2: a refusal made before the transition is looked at (here the 案由's
 * subject: the party was opened without a type) still says what may be done now, as
 * every refusal of an action does (docs/api.md "Errors"). */
TEST_IMPL(serve_walk_refusal_allowed)
{
    char db[512], etag[32];
    td_db("walk-refusal.db", db, sizeof(db));
    td_daemon_t d;
    td_start_at(&d, db, "2026-03-02T09:00:00+08:00");
    walk_t w = {.file = "serve_walk_refusal_allowed", .d = &d, .db = db};
    json_t *open = json_pack("{s:s, s:s}", "workflow", "penalty-general", "party", "某某大药房");
    w.id = open_walk(&w, open);
    json_decref(open);
    const char *head = token_for(&w, "李四", "head");
    json_decref(read_case(&w, head, etag, sizeof(etag)));
    json_t *names = json_pack("[s]", "立案审批表");
    json_t *body =
        json_pack("{s:s, s:{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}, s:o}", "action", "file", "facts",
                  "filing_reason", "涉嫌串换药品", "cause", "js-2024:14", "officers", "name",
                  "张三", "cert", "65010020001", "name", "王五", "cert", "65010020002", "documents",
                  cf_test_fake_documents(names));
    json_decref(names);
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", w.id);
    td_resp_t r;
    td_http_json(&d, "POST", path, head, body, etag, &r);
    json_decref(body);
    ASSERT_EQ(r.status, 422);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "rule")), "cause-subject");
    const json_t *allowed = json_object_get(r.json, "allowed");
    if (!json_is_array(allowed) || json_array_size(allowed) == 0)
        CF__FAIL("a cause-subject refusal without allowed: %s", r.body);
    ASSERT_CONTAINS(r.body, "\"action\":\"file\""); /* filing is still what may be done */
    td_resp_free(&r);
    td_stop(&d);
    for (int k = 0; k < w.n; k++)
        free(w.tokens[k]);
    return 0;
}
