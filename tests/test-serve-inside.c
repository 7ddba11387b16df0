/*
 * test-serve-inside.c -- serve-4.*: inside the daemon, each test against a daemon run
 * in-process on a loopback port (serve-helpers.c, with open_case and case_state): the
 * writer's case cache, the checkpointer thread, stream notices written by the writer,
 * the token cache. (The rest of serve-* is test-serve.c and test-serve-alerts.c.)
 *
 * Map: act_at, fail_armed_commit and DOC; serve-4.1; 4.2; 4.3 with frame_data and
 * expected_notice; 4.4 with list_status; 4.5 with its gate, file_case and version_of.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* serve-4.5 reads the writer's queue and counters */
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- serve-4.*: inside the daemon ------------------------------------------------------- */

/* POST /v1/cases/{id}/actions with body (JSON text) and If-Match "version";
 * returns the status (the answer's version into *now when 200). */
static long act_at(const td_daemon_t *d, const char *token, long long id, long long version,
                   const char *body, long long *now)
{
    char path[64], match[32];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    snprintf(match, sizeof(match), "\"%lld\"", version);
    td_http(d, "POST", path, token, body, strlen(body), match, &r);
    long status = r.status;
    if (status == 200)
        *now = json_integer_value(json_object_get(r.json, "version"));
    else if (status != 503)
        fprintf(stderr, "  %s: %ld %s\n", path, status, r.body);
    td_resp_free(&r);
    return status;
}

static atomic_int fail_commit_armed;

static int fail_armed_commit(void *ctx, const char *point)
{
    (void)ctx;
    if (strcmp(point, "commit") == 0 && atomic_exchange(&fail_commit_armed, 0))
        return SQLITE_IOERR;
    return SQLITE_OK;
}

#define DOC(name) "\"" name "\": {\"sha256\": \"" FAKE_SHA "\", \"size\": 1, \"file\": \"x.pdf\"}"
#define FAKE_SHA  "00000000000000000000000000000000000000000000000000000000000000aa"

/* serve-4.1: the writer keeps the cases it wrote, and serves a request from its
 * copy only while the stored head is the copy's: a case changed by another
 * process (the command line) and a write whose batch failed to commit are both
 * read again from the database, so the client's If-Match of the true version
 * is accepted (a stale copy would answer 409). */
TEST_IMPL(serve_case_cache)
{
    char db[512];
    td_db("cache.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    char *handler = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.store_fault = fail_armed_commit;
    td_start(&d, &cfg);
    long long id = open_case(&d, head, "某药房"), v = 0;
    ASSERT_EQ(act_at(&d, head, id, 2,
                     "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", "
                     "\"cause\": \"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": "
                     "\"65010020001\"}, {\"name\": \"王五\", \"cert\": \"65010020002\"}]}, "
                     "\"documents\": {" DOC("立案审批表") "}}",
                     &v),
              200);
    ASSERT(v > 2);
    /* Another process acts on the case: the writer's copy is now one behind. */
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *other;
    cf_error_t err;
    cf_case_t c;
    ASSERT_EQ(cf_store_open(db, &other, &err), 0);
    ASSERT_EQ(cf_store_case_get(other, id, &c, &err), 0);
    ASSERT_EQ(cf_test_act(other, wf, cal, &c, "preserve_evidence", "head", T0,
                          "{\"preserved_items\": \"台账\"}",
                          "先行登记保存审批表,先行登记保存证据通知书,先行登记保存物品清单", NULL),
              0);
    ASSERT(c.version > v);
    long long external = c.version;
    cf_case_dispose(&c);
    cf_store_close(other);
    ASSERT_EQ(act_at(&d, handler, id, external,
                     "{\"action\": \"dispose_preserved\", \"facts\": {\"preservation_decision\": "
                     "\"退还\"}, \"documents\": {" DOC("先行登记保存物品处理通知书") "}}",
                     &v),
              200);
    ASSERT(v > external);
    v = td_evidence(&d, handler, id); /* evidence-before-review */
    long long before = v;
    /* A write whose batch does not commit: answered 503, and never served later. */
    static const char review[] =
        "{\"action\": \"submit_review\", \"facts\": {\"findings\": \"串换\"}, \"documents\": "
        "{" DOC("调查终结报告") "}}";
    atomic_store(&fail_commit_armed, 1);
    ASSERT_EQ(act_at(&d, handler, id, before, review, &v), 503);
    ASSERT_EQ(act_at(&d, handler, id, before, review, &v), 200);
    ASSERT(v > before);
    td_stop(&d);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    free(head);
    free(handler);
    return 0;
}

/* serve-4.2: the log is copied into the database by the checkpointer thread
 * (the writer's own automatic checkpoint is off): after writes, its counter
 * moves. */
TEST_IMPL(serve_checkpointer)
{
    char db[512];
    td_db("ckpt.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    ASSERT_EQ(td_metric(&d, "caseflow_checkpoints_total"), 0);
    for (int i = 0; i < 5; i++)
        open_case(&d, head, "某药房");
    long long n = 0;
    CF_TEST_WAIT_UNTIL((n = td_metric(&d, "caseflow_checkpoints_total")) >= 1);
    ASSERT(n >= 1);
    td_stop(&d);
    free(head);
    return 0;
}

/* The data of the stream frame "event: TYPE\nid: ID\ndata: ...\n\n" in text, parsed,
 * or NULL when there is no such frame. */
static json_t *frame_data(const char *text, const char *type, const char *id)
{
    char head[160];
    snprintf(head, sizeof(head), "event: %s\nid: %s\ndata: ", type, id);
    const char *at = strstr(text, head), *end = at ? strstr(at, "\n\n") : NULL;
    if (!end)
        return NULL;
    at += strlen(head);
    return json_loadb(at, (size_t)(end - at), 0, NULL);
}

/* What a notice of event seq of case id must carry: the stored event without
 * "prev", with the case's version and state after the change. */
static json_t *expected_notice(const td_daemon_t *d, const char *token, long long id, int seq,
                               long long version, const char *state)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path);
    json_t *ev = json_copy(json_array_get(events, (size_t)seq - 1));
    ASSERT_EQ(json_integer_value(json_object_get(ev, "seq")), seq);
    json_object_del(ev, "prev");
    json_object_set_new(ev, "version", json_integer(version));
    json_object_set_new(ev, "state", json_string(state));
    json_decref(events);
    return ev;
}

/* serve-4.3: an event stream gets a notice for every opening and transition of
 * its agency's cases, written by the writer as text: the stored event without
 * "prev", with the case's version and state after it; none for another
 * agency's case. */
TEST_IMPL(serve_stream_notices)
{
    char db[512];
    td_db("notices.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    char *other = td_token(db, "乙局", "head", "王五");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    td_stream_t stream;
    td_stream_watch(&stream, &d, head, "event: transition\n", 1);
    long long theirs = open_case(&d, other, "乙药房");
    long long id = open_case(&d, head, "某药房"), v = 0;
    char etag[32], opened_state[64];
    snprintf(opened_state, sizeof(opened_state), "%s",
             case_state(&d, head, id, etag, sizeof(etag)));
    ASSERT_EQ(act_at(&d, head, id, 2,
                     "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", "
                     "\"cause\": \"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": "
                     "\"65010020001\"}, {\"name\": \"王五\", \"cert\": \"65010020002\"}]}, "
                     "\"documents\": {" DOC("立案审批表") "}}",
                     &v),
              200);
    td_stream_finish(&stream);
    char fid[64];
    snprintf(fid, sizeof(fid), "%lld:1", id);
    json_t *opened = frame_data(stream.text, "case.opened", fid);
    ASSERT(opened != NULL);
    json_t *want = expected_notice(&d, head, id, 1, 2, opened_state);
    ASSERT(json_equal(opened, want));
    json_decref(want);
    /* the act's transition (seq 3 or later; the state is the case's now) */
    const char *now = case_state(&d, head, id, etag, sizeof(etag));
    int seq = 0;
    for (int k = 3; k <= (int)v; k++) {
        snprintf(fid, sizeof(fid), "%lld:%d", id, k);
        json_t *t = frame_data(stream.text, "transition", fid);
        if (!t)
            continue;
        want = expected_notice(&d, head, id, k, v, now);
        ASSERT(json_equal(t, want));
        ASSERT(!json_object_get(t, "prev"));
        json_decref(want);
        json_decref(t);
        seq = k;
    }
    ASSERT(seq > 0);
    snprintf(fid, sizeof(fid), "id: %lld:", theirs);
    ASSERT(strstr(stream.text, fid) == NULL); /* 乙局's case is not 甲局's to hear of */
    json_decref(opened);
    free(stream.text);
    td_stop(&d);
    free(head);
    free(other);
    return 0;
}

/* GET /v1/cases as token: the status. */
static long list_status(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    td_http(d, "GET", "/v1/cases", token, NULL, 0, NULL, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* serve-4.4: a token found in the database is trusted for token_cache_ms without
 * being read again, then read again: deleted from the database, it still works
 * within that time and not after. A token that was unknown is not remembered as
 * unknown: stored while the daemon runs, it works at once. */
TEST_IMPL(serve_token_cache)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512];
    td_db("tokens.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    char *other = td_token(db, "乙局", "head", "王五");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.token_cache_ms = 2000;
    td_start(&d, &cfg);
    /* other's first: the cache has one slot per hash of the token text, so other read
     * after head would take head's slot whenever the two random tokens share one (1 run
     * in 64) */
    ASSERT_EQ(list_status(&d, other), 200);
    /* head's token is cached until 2 s after the daemon read it, so until 2 s after
     * filled at least, and 2 s after cached at most */
    int64_t filled = cf_test_ms();
    ASSERT_EQ(list_status(&d, head), 200);
    int64_t cached = cf_test_ms();
    /* head's token is deleted behind the daemon's back */
    char digest[65];
    ASSERT_EQ(cf_chain_sha256_hex(head, strlen(head), digest), 0);
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    sqlite3_busy_timeout(conn, 5000); /* the daemon writes too (a token's last use) */
    char sql[256];
    snprintf(sql, sizeof(sql), "DELETE FROM tokens WHERE hash = '%s'", digest);
    ASSERT_EQ(sqlite3_exec(conn, sql, NULL, NULL, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_changes(conn), 1);
    int status = list_status(&d, head);
    /* trusted from the cache: asserted when the answer came inside the window, less
     * the loop clock's coarseness (every run but one a loaded machine held up for 2 s) */
    if (cf_test_ms() - filled < (int64_t)cfg.token_cache_ms - 100)
        ASSERT_EQ(status, 200);
    /* past the window (by more than the loop clock's coarseness): read again, gone */
    while (cf_test_ms() < cached + (int64_t)cfg.token_cache_ms + 100)
        cf_test_nap(10);
    ASSERT_EQ(list_status(&d, head), 401);
    ASSERT_EQ(list_status(&d, other), 200);
    /* an unknown token, then stored: it works at once */
    static const char later[] = "later-token-0123456789";
    ASSERT_EQ(list_status(&d, later), 401);
    ASSERT_EQ(cf_chain_sha256_hex(later, strlen(later), digest), 0);
    snprintf(sql, sizeof(sql),
             "INSERT INTO tokens(hash, agency, role, name, created_at) "
             "VALUES ('%s', '甲局', 'head', '赵六', 0)",
             digest);
    ASSERT_EQ(sqlite3_exec(conn, sql, NULL, NULL, NULL), SQLITE_OK);
    ASSERT_EQ(list_status(&d, later), 200);
    sqlite3_close(conn);
    td_stop(&d);
    free(head);
    free(other);
    return 0;
}

/* ---- serve-4.5: requests without savepoints, run again after a failure ------------------- */

typedef struct filing_s {
    const td_daemon_t *d;
    const char *token;
    long long id;
    long status;
} filing_t;

static void *file_case(void *arg)
{
    filing_t *f = arg;
    long long v = 0;
    f->status = act_at(f->d, f->token, f->id, 2,
                       "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", "
                       "\"cause\": \"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": "
                       "\"65010020001\"}, {\"name\": \"王五\", \"cert\": \"65010020002\"}]}, "
                       "\"documents\": {" DOC("立案审批表") "}}",
                       &v);
    return NULL;
}

/* The case's version and how many events it has. */
static long long version_of(const td_daemon_t *d, const char *token, long long id, size_t *events)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    json_t *c = td_get_json(d, token, path);
    long long v = json_integer_value(json_object_get(c, "version"));
    json_decref(c);
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *evs = td_get_json(d, token, path);
    *events = json_array_size(evs);
    json_decref(evs);
    return v;
}

/* serve-4.5: on SQLite the writer runs a batch's requests without a savepoint each; one
 * that fails after it wrote makes the writer roll the transaction back and run the
 * batch's requests again, each in a savepoint: the failed one leaves nothing, the other
 * is written once (its events not twice), and both are answered as if in savepoints.
 * PostgreSQL gives every request its savepoint: the same answers, nothing run again. */
TEST_IMPL(serve_unsaved_redo)
{
    char db[512];
    td_db("unsaved.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_gate_t g = {.d = &d, .fail_nth = 2, .repeat = 1}; /* the second job's, each run */
    td_config(&cfg, db, T0);
    cfg.store_fault = td_gate_fault;
    cfg.store_fault_ctx = &g;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    filing_t f[3];
    for (int i = 0; i < 3; i++)
        f[i] = (filing_t){&d, head, open_case(&d, head, "某药房"), 0};
    if (cf_test_pg())
        ASSERT_EQ(atomic_load(&w->unsaved), 0);
    else
        ASSERT(atomic_load(&w->unsaved) >= 3); /* the openings, each without a savepoint */
    pthread_t th[3];
    atomic_store(&g.phase, 1);
    ASSERT_EQ(pthread_create(&th[0], NULL, file_case, &f[0]), 0);
    CF_TEST_WAIT_UNTIL(atomic_load(&g.phase) >= 2);
    ASSERT(atomic_load(&g.phase) >= 2);
    ASSERT_EQ(pthread_create(&th[1], NULL, file_case, &f[1]), 0);
    ASSERT_EQ(pthread_create(&th[2], NULL, file_case, &f[2]), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pthread_join(th[i], NULL), 0);
    ASSERT(atomic_load(&g.both));
    ASSERT_EQ(f[0].status, 200);
    ASSERT((f[1].status == 200) != (f[2].status == 200));
    int kept = f[1].status == 200 ? 1 : 2, failed = 3 - kept;
    /* the two are taken into the first one's batch (serve-writer.c, join): PostgreSQL
     * runs them once each in savepoints; SQLite twice each, the second time in savepoints,
     * with the first one run again before them (counted from its second run: 5) */
    ASSERT_EQ(atomic_load(&g.events), cf_test_pg() ? 2 : 5);
    ASSERT_EQ(atomic_load(&w->redone), cf_test_pg() ? 0 : 1);
    ASSERT_EQ(td_metric(&d, "caseflow_writer_redone_total"), cf_test_pg() ? 0 : 1);
    size_t events = 0;
    ASSERT_EQ(version_of(&d, head, f[failed].id, &events), 2);
    ASSERT_EQ(events, 2);
    long long v = version_of(&d, head, f[kept].id, &events);
    ASSERT(v > 2);
    ASSERT_EQ((long long)events, v);
    ASSERT_EQ(version_of(&d, head, f[0].id, &events), v);
    td_stop(&d);
    free(head);
    return 0;
}
