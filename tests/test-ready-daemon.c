/*
 * test-ready-daemon.c -- ready-4 to ready-8: the daemon that prepares transitions off the
 * writer thread (api/ops/ops-ready.c, serve-writer.c), over HTTP. ready-1 to ready-3, the
 * preparation and its write on twin databases without a daemon, are in test-ready.c.
 *
 * ready-4: a daemon that prepares every transition (prepare = always) writes each one as
 *          prepared (caseflow_transitions_prepared_written_total), and its rows over HTTP
 *          are those of a daemon that prepares none (prepare = never); on PostgreSQL it
 *          prepares none (ready_daemon).
 * ready-5: prepare = auto (the default) sends each transition to the shorter line, the
 *          writer's queue or the preparer's: none prepared while the writer keeps up; with
 *          the writer held in a commit, the first transition queued behind it is not
 *          prepared (both lines empty: the writer's), the next one is (one waits for the
 *          writer, none for the preparer) (ready_auto). SQLite.
 * ready-6: two prepared transitions in one batch, run without savepoints (serve-writer.c),
 *          the first failing after it wrote (its events, once): the writer runs the batch
 *          again, each in a savepoint, and the first, its prepared rows spent (their
 *          answer forgotten), is done whole: both written once (no event twice) and
 *          answered 200 at their version (ready_redo). SQLite (PostgreSQL prepares none
 *          and runs every request in a savepoint).
 * ready-7: a stream that connects between a transition's preparation and its write gets
 *          its notice (ready_stream_late). SQLite.
 * ready-8: the prepared rows of answered jobs go back to the preparer, which frees them: an
 *          answered transition's rows are freed when the preparer takes the next job; with
 *          the writer held, 69 prepared jobs answered at once (no job after them) wake the
 *          idle preparer to free them; every answer 200 (ready_given_back). SQLite.
 * ready-9: a request queued while the writer runs another request's job is taken into
 *          that batch's transaction (serve-writer.c, join): with the writer held in the
 *          first one's case row, the second queued behind it; both answered 200 after one
 *          commit, and caseflow_commit_joins_total counts the join (writer_join). SQLite
 *          and PostgreSQL.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

#define CASES 4

static const char *const agency = "某县医疗保障局";

/* A new database NAME (its path in db, 512 bytes) with bench-linear stored, a handler's
 * token for it (returned, owned) and a daemon's configuration on it at 2026-03-02 09:00. */
static char *linear_db(const char *name, char *db, cf_serve_config_t *cfg)
{
    cf_error_t err;
    cf_store_t *s;
    td_db(name, db, 512);
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    ASSERT_EQ(cf_store_workflow_put(s, wf, NULL, NULL, &err), 0);
    cf_workflow_free(wf);
    cf_store_close(s);
    td_config(cfg, db, "2026-03-02T09:00:00+08:00");
    return td_token(db, agency, "handler", "张三");
}

/* A daemon on a new database with bench-linear stored, prepare or not; walks CASES cases
 * through the eight steps over HTTP with If-Match. OUT *used: transitions written as
 * prepared. */
static void walk_http(const char *name, int no_prepare, char *db, unsigned long long *used)
{
    cf_serve_config_t cfg;
    char *token = linear_db(name, db, &cfg);
    cfg.prepare = no_prepare ? CF_SERVE_PREPARE_NEVER : CF_SERVE_PREPARE_ALWAYS;
    td_daemon_t d;
    td_start(&d, &cfg);
    for (int k = 0; k < CASES; k++) {
        char party[64], path[64], etag[32];
        snprintf(party, sizeof(party), "某某大药房%d号", k);
        long long id = td_open_case(&d, token, "bench-linear", party);
        snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
        snprintf(etag, sizeof(etag), "2"); /* opened, the clock started */
        for (int n = 1; n <= 8; n++) {
            char action[16];
            td_resp_t r;
            snprintf(action, sizeof(action), "step%d", n);
            json_t *body = json_pack("{s:s, s:{s:s}}", "action", action, "facts", "note", "已核");
            td_http_json(&d, "POST", path, token, body, etag, &r);
            json_decref(body);
            if (r.status != 200)
                CF__FAIL("%s: %ld %s", action, r.status, r.body);
            snprintf(etag, sizeof(etag), "%lld",
                     (long long)json_integer_value(json_object_get(r.json, "version")));
            td_resp_free(&r);
        }
    }
    *used = (unsigned long long)td_metric(&d, "caseflow_transitions_prepared_written_total");
    td_stop(&d);
    free(token);
}

/* The events of every case at db without their instants and hence their links (two
 * daemons' clocks run on), with each case's version and state. */
static char *walked_text(const char *db)
{
    cf_store_t *s;
    json_t *all = json_array();
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    for (int64_t id = 1; id <= CASES; id++) {
        json_t *events;
        cf_case_t c;
        ASSERT_EQ(cf_store_case_events(s, id, &events, NULL), 0);
        ASSERT_EQ(cf_store_case_get(s, id, &c, NULL), 0);
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            const char *drop[] = {"at", "hash", "prev", "started_at", "deadline"};
            for (size_t k = 0; k < sizeof(drop) / sizeof(drop[0]); k++)
                json_object_del(ev, drop[k]);
        }
        json_array_append_new(all, json_pack("{s:o, s:I, s:s}", "events", events, "version",
                                             (json_int_t)c.version, "state", c.state));
        cf_case_dispose(&c);
    }
    cf_store_close(s);
    char *text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    return text;
}

/* ready-4 */
TEST_IMPL(ready_daemon)
{
    char db[512], db2[512];
    unsigned long long used = 0, used2 = 0;
    walk_http("ready-daemon.db", 0, db, &used);
    walk_http("ready-daemon-whole.db", 1, db2, &used2);
    if (!cf_test_pg() && used != CASES * 8)
        CF__FAIL("%llu of %d transitions written as prepared", used, CASES * 8);
    if (cf_test_pg() && used != 0)
        CF__FAIL("%llu transitions prepared on PostgreSQL", used);
    ASSERT_EQ(used2, 0);
    char *a = walked_text(db), *b = walked_text(db2);
    ASSERT_STR_EQ(a, b);
    free(a);
    free(b);
    return 0;
}

/* ready-5: the writer held in its commit while hold is set (a store fault hook that waits) */
typedef struct holder_s {
    atomic_int hold, held;
} holder_t;

static int hold_commit(void *ctx, const char *point)
{
    holder_t *h = ctx;
    if (strcmp(point, "commit") != 0 || !atomic_load(&h->hold))
        return 0;
    atomic_store(&h->held, 1);
    while (atomic_load(&h->hold))
        usleep(1000);
    return 0;
}

typedef struct poster_s {
    const td_daemon_t *d;
    const char *token;
    long long id;
    const char *action, *etag;
    long status;
} poster_t;

static void *post_step(void *arg)
{
    poster_t *p = arg;
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", p->id);
    json_t *body = json_pack("{s:s}", "action", p->action);
    td_http_json(p->d, "POST", path, p->token, body, p->etag, &r);
    json_decref(body);
    p->status = r.status;
    td_resp_free(&r);
    return NULL;
}

/* ready-5 */
TEST_IMPL(ready_auto)
{
    if (cf_test_pg())
        return 0; /* (PostgreSQL prepares none: ready_daemon) */
    char db[512];
    holder_t h = {0};
    cf_serve_config_t cfg;
    char *token = linear_db("ready-auto.db", db, &cfg);
    cfg.token_cache_ms = 3600000; /* (no token bookkeeping job after the first request) */
    cfg.store_fault = hold_commit;
    cfg.store_fault_ctx = &h;
    td_daemon_t d;
    td_start(&d, &cfg);
    long long ids[3];
    for (int k = 0; k < 3; k++)
        ids[k] = td_open_case(&d, token, "bench-linear",
                              k == 0   ? "甲药房"
                              : k == 1 ? "乙药房"
                                       : "丙药房");
    poster_t p[3] = {{&d, token, ids[0], "step1", "2", 0},
                     {&d, token, ids[0], "step2", "3", 0},
                     {&d, token, ids[1], "step1", "2", 0}};
    /* (the metrics token's first use queues a job for the writer: before the hold) */
    ASSERT_EQ(td_metric(&d, "caseflow_transitions_prepared_total"), 0);
    while (td_writer_queued(&d, -1) > 0) /* (that job taken: else the preparer's is shorter) */
        usleep(1000);
    post_step(&p[0]); /* the writer idle: done whole (as a rule: a job of the daemon's own
                       * may be in its line, see below) */
    ASSERT_EQ(p[0].status, 200);
    atomic_store(&h.hold, 1);
    pthread_t t[3];
    poster_t held = {&d, token, ids[2], "step1", "2", 0};
    pthread_create(&t[0], NULL, post_step, &held);
    while (!atomic_load(&h.held))
        usleep(1000);
    pthread_create(&t[1], NULL, post_step, &p[1]); /* both lines empty: the writer's */
    while (td_writer_queued(&d, -1) < 1)
        usleep(1000);
    pthread_create(&t[2], NULL, post_step, &p[2]); /* the preparer's line is shorter */
    while (td_writer_queued(&d, -1) < 2)
        usleep(1000);
    atomic_store(&h.hold, 0);
    for (int k = 0; k < 3; k++)
        pthread_join(t[k], NULL);
    ASSERT_EQ(held.status, 200);
    ASSERT_EQ(p[1].status, 200);
    ASSERT_EQ(p[2].status, 200);
    /* p[2] was prepared (the writer's line was the longer), and not all four were: with
     * every transition prepared (always) 4, with none (never) 0. Exactly 1 is the rule
     * when nothing else comes, but a job of the daemon's own in the writer's line at the
     * wrong moment (failed 1 run in ~20 under load and the sanitizers) sends p[0] or
     * p[1] to the preparer too: the bounds hold either way. */
    long long prepared = td_metric(&d, "caseflow_transitions_prepared_total");
    ASSERT(prepared >= 1 && prepared <= 2);
    ASSERT_EQ(td_metric(&d, "caseflow_transitions_prepared_written_total"), prepared);
    td_stop(&d);
    free(token);
    return 0;
}

/* ready-6 */
TEST_IMPL(ready_redo)
{
    if (cf_test_pg())
        return 0;
    char db[512];
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_gate_t g = {.d = &d, .fail_nth = 1}; /* the first job of the batch, its first run */
    char *token = linear_db("ready-redo.db", db, &cfg);
    cfg.prepare = CF_SERVE_PREPARE_ALWAYS;
    cfg.store_fault = td_gate_fault;
    cfg.store_fault_ctx = &g;
    td_start(&d, &cfg);
    poster_t p[3];
    for (int k = 0; k < 3; k++) {
        char party[32];
        snprintf(party, sizeof(party), "药房%d", k);
        p[k] =
            (poster_t){&d, token, td_open_case(&d, token, "bench-linear", party), "step1", "2", 0};
    }
    pthread_t t[3];
    atomic_store(&g.phase, 1);
    pthread_create(&t[0], NULL, post_step, &p[0]);
    while (atomic_load(&g.phase) < 2)
        usleep(1000);
    pthread_create(&t[1], NULL, post_step, &p[1]);
    pthread_create(&t[2], NULL, post_step, &p[2]);
    for (int k = 0; k < 3; k++)
        pthread_join(t[k], NULL);
    for (int k = 0; k < 3; k++)
        ASSERT_EQ(p[k].status, 200);
    ASSERT_EQ(atomic_load(&d.srv->writer.redone), 1);
    ASSERT_EQ(td_metric(&d, "caseflow_transitions_prepared_total"), 3);
    td_stop(&d);
    cf_error_t err;
    cf_store_t *s;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    for (int k = 0; k < 3; k++) {
        cf_case_t c;
        json_t *events;
        ASSERT_EQ(cf_store_case_events(s, p[k].id, &events, &err), 0);
        ASSERT_EQ(json_array_size(events), 3); /* opened, clock, step1: once */
        json_decref(events);
        ASSERT_EQ(cf_store_case_get(s, p[k].id, &c, &err), 0);
        ASSERT_EQ(c.version, 3);
        ASSERT_STR_EQ(c.state, "s1");
        cf_case_dispose(&c);
    }
    cf_store_close(s);
    free(token);
    return 0;
}

/* ready-7: a stream that connects after a transition was prepared (with no stream to
 * tell, so without its notice) but before the writer writes it still gets the notice:
 * the writer makes it then (act_prepared). The transition waits in the writer's queue
 * behind a commit held open; the stream connects; the commit goes on. The first
 * transition the stream sees is that one, not the next one posted after it. SQLite
 * (PostgreSQL prepares none). */
TEST_IMPL(ready_stream_late)
{
    if (cf_test_pg())
        return 0;
    char db[512];
    holder_t h = {0};
    cf_serve_config_t cfg;
    char *token = linear_db("ready-stream.db", db, &cfg);
    cfg.token_cache_ms = 3600000;
    cfg.prepare = CF_SERVE_PREPARE_ALWAYS;
    cfg.store_fault = hold_commit;
    cfg.store_fault_ctx = &h;
    td_daemon_t d;
    td_start(&d, &cfg);
    long long a = td_open_case(&d, token, "bench-linear", "甲药房");
    long long b = td_open_case(&d, token, "bench-linear", "乙药房");
    long long c = td_open_case(&d, token, "bench-linear", "丙药房");
    poster_t hold = {&d, token, c, "step1", "2", 0}, late = {&d, token, a, "step1", "2", 0},
             next = {&d, token, b, "step1", "2", 0};
    unsigned long long prepared = atomic_load(&d.srv->writer.prepared);
    atomic_store(&h.hold, 1);
    pthread_t t[2];
    pthread_create(&t[0], NULL, post_step, &hold);
    while (!atomic_load(&h.held))
        usleep(1000);
    pthread_create(&t[1], NULL, post_step, &late); /* prepared with no stream connected */
    while (atomic_load(&d.srv->writer.prepared) < prepared + 2 || td_writer_queued(&d, -1) < 1)
        usleep(1000);
    td_stream_t st;
    td_stream_watch(&st, &d, token, "event: transition\n", 1);
    atomic_store(&h.hold, 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    ASSERT_EQ(hold.status, 200);
    ASSERT_EQ(late.status, 200);
    post_step(&next);
    ASSERT_EQ(next.status, 200);
    td_stream_finish(&st);
    char want[64];
    snprintf(want, sizeof(want), "event: transition\nid: %lld:", a);
    const char *first = strstr(st.text, "event: transition\n");
    ASSERT(first != NULL);
    ASSERT_EQ(strncmp(first, want, strlen(want)), 0);
    free(st.text);
    td_stop(&d);
    free(token);
    return 0;
}

/* ready-8 */
#define GIVEN 70

TEST_IMPL(ready_given_back)
{
    if (cf_test_pg())
        return 0; /* (PostgreSQL prepares none) */
    char db[512];
    holder_t h = {0};
    cf_serve_config_t cfg;
    char *token = linear_db("ready-given.db", db, &cfg);
    cfg.token_cache_ms = 3600000;
    cfg.prepare = CF_SERVE_PREPARE_ALWAYS;
    cfg.store_fault = hold_commit;
    cfg.store_fault_ctx = &h;
    td_daemon_t d;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    long long ids[GIVEN];
    for (int k = 0; k < GIVEN; k++) {
        char party[64];
        snprintf(party, sizeof(party), "某某大药房%d号", k);
        ids[k] = td_open_case(&d, token, "bench-linear", party);
    }
    /* one at a time: each answered job's rows are freed when the next one is prepared */
    poster_t one = {&d, token, ids[0], "step1", "2", 0};
    post_step(&one);
    ASSERT_EQ(one.status, 200);
    unsigned long long freed = atomic_load(&w->prep.freed);
    poster_t two = {&d, token, ids[0], "step2", "3", 0};
    post_step(&two);
    ASSERT_EQ(two.status, 200);
    ASSERT(atomic_load(&w->prep.freed) >= freed + 1);
    /* many answered at once, nothing prepared after them: the idle preparer is woken */
    unsigned long long prepared = atomic_load(&w->prepared);
    poster_t p[GIVEN];
    pthread_t t[GIVEN];
    atomic_store(&h.hold, 1);
    for (int k = 0; k < GIVEN; k++) {
        p[k] = (poster_t){&d, token, ids[k], k ? "step1" : "step3", k ? "2" : "4", 0};
        pthread_create(&t[k], NULL, post_step, &p[k]);
        while (k == 0 && !atomic_load(&h.held))
            usleep(1000);
    }
    while (atomic_load(&w->prepared) < prepared + GIVEN)
        usleep(1000);
    freed = atomic_load(&w->prep.freed); /* none of these given back yet: none answered */
    atomic_store(&h.hold, 0);
    for (int k = 0; k < GIVEN; k++) {
        pthread_join(t[k], NULL);
        ASSERT_EQ(p[k].status, 200);
    }
    for (int waited = 0; atomic_load(&w->prep.freed) < freed + CF__PREP_SPENT_WAKE; waited++) {
        if (waited > 6000) /* a minute: the preparer is woken, or never */
            CF__FAIL("freed %llu of the %d answered", atomic_load(&w->prep.freed) - freed, GIVEN);
        usleep(10000);
    }
    td_stop(&d); /* the rest freed as the preparer stops (ASan: nothing leaked) */
    free(token);
    return 0;
}

/* ready-9: the writer held in one request's job while hold is set (a store fault hook at
 * the case row's write, once) */
static int hold_case(void *ctx, const char *point)
{
    holder_t *h = ctx;
    if (strcmp(point, "case") != 0 || !atomic_load(&h->hold))
        return 0;
    atomic_store(&h->held, 1);
    while (atomic_load(&h->hold))
        usleep(1000);
    return 0;
}

/* ready-9 */
TEST_IMPL(writer_join)
{
    char db[512];
    holder_t h = {0};
    cf_serve_config_t cfg;
    char *token = linear_db("writer-join.db", db, &cfg);
    cfg.token_cache_ms = 3600000; /* (no token bookkeeping job after the first request) */
    cfg.prepare = CF_SERVE_PREPARE_NEVER;
    cfg.store_fault = hold_case;
    cfg.store_fault_ctx = &h;
    td_daemon_t d;
    td_start(&d, &cfg);
    cf__writer_t *w = &d.srv->writer;
    /* (the metrics token's first use queues a job for the writer: committed before the
     * openings are answered, as the handler token's first use is) */
    ASSERT_EQ(td_metric(&d, "caseflow_commit_joins_total"), 0);
    long long a = td_open_case(&d, token, "bench-linear", "甲药房"),
              b = td_open_case(&d, token, "bench-linear", "乙药房");
    long long commits = td_metric(&d, "caseflow_commits_total");
    poster_t p[2] = {{&d, token, a, "step1", "2", 0}, {&d, token, b, "step1", "2", 0}};
    pthread_t t[2];
    atomic_store(&h.hold, 1);
    pthread_create(&t[0], NULL, post_step, &p[0]);
    while (!atomic_load(&h.held)) /* the writer in a's job, its batch taken */
        usleep(1000);
    pthread_create(&t[1], NULL, post_step, &p[1]);
    while (atomic_load(&w->waiting) < 2) /* b queued behind a's batch */
        usleep(1000);
    atomic_store(&h.hold, 0);
    for (int k = 0; k < 2; k++) {
        pthread_join(t[k], NULL);
        ASSERT_EQ(p[k].status, 200);
    }
    /* b was written in a's transaction and shares its commit: one commit, joined once at
     * least (on a loaded machine a job of the daemon's own, queued while b ran, may join
     * the same transaction again: seen on PostgreSQL) */
    ASSERT_EQ(td_metric(&d, "caseflow_commits_total"), commits + 1);
    ASSERT(td_metric(&d, "caseflow_commit_joins_total") >= 1);
    td_stop(&d);
    free(token);
    return 0;
}
