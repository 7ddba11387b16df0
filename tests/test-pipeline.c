/*
 * test-pipeline.c -- pipeline-*: the PostgreSQL driver sends a transaction's writes
 * without waiting (db-pg.c, libpq pipeline mode) and waits once where an answer is
 * needed (issue 24 item 5). On SQLite each test runs what it can (the store is the
 * same) and the round-trip counts read 0.
 *
 * pipeline-1: a group commit as the daemon's writer makes it (BEGIN, per request a
 *             savepoint, the operation layer's transition, RELEASE; COMMIT) costs one
 *             round trip a transition (the case row's update, whose row count is the
 *             version check) and one for the COMMIT (pipeline_round_trips): 8.4 a
 *             transition with one round trip a statement, 2.1 with the writes queued, 1.1
 *             with the writer's cached case taken unchecked (issue 24). Every transition
 *             is there after the commit.
 * pipeline-2: a case changed through another connection: the stale transition in
 *             the group commit is refused with CF_ECONFLICT (the version check waits
 *             for its answer), rolled back to its savepoint, and the others commit
 *             (pipeline_conflict).
 * pipeline-3: a write sent without waiting that fails: the next statement that waits
 *             says so, and every statement after it, until ROLLBACK TO; the rest of
 *             the transaction commits. Failed before a RELEASE that was queued behind
 *             it (and so never ran), only a full ROLLBACK clears it: COMMIT fails and
 *             nothing of the transaction stays (pipeline_failure). A plain INSERT
 *             waits (its callers tell a key taken apart).
 * pipeline-4: the writer's cached case gone stale (another connection, as another node,
 *             acted on it): the writer's next action on it is not refused and does not
 *             fork the chain: its update finds the row moved, the operation runs again
 *             with the case read (one chain, every event once); an If-Match of the other
 *             node's version is taken; another agency's token still finds no case
 *             (pipeline_stale_cache).
 * pipeline-5: a copy of a case whose write never committed (rolled back) is at the
 *             stored version once another connection has written that version: its
 *             write is refused with CF_ECONFLICT (the update compares the head too), not
 *             chained onto the other's event (pipeline_stale_head).
 * pipeline-6: an append that does not name the agency (cf_store_case_append_tx, the
 *             in-process batch path) costs one round trip on PostgreSQL (the update
 *             returns the agency; it was read first, two) and the rows it writes carry
 *             the case's agency (pipeline_returning).
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/audit.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "engine.h"
#include "ops.h"
#include "store.h"
#include "task.h"

#define CF_TEST_CASES 8

static const char *const agency = "某县医疗保障局";

static cf_ops_by_t by_at(const char *iso, const char *who)
{
    cf_ops_by_t by = {.actor = "张三",
                      .role = "handler",
                      .agency = who,
                      .now = cf_test_time(iso),
                      .if_match = -1};
    return by;
}

static int64_t open_one(cf_ops_t *ops)
{
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_open_t open = {.by = by_at("2026-03-02T09:00:00+08:00", agency),
                          .workflow = "bench-linear",
                          .party = party,
                          .algo = CF_CHAIN_SHA256};
    int rc = cf_ops_open(ops, &open, &out);
    if (rc != 0)
        CF__FAIL("open: %d %s", rc, out.err.text);
    int64_t id = out.c.id;
    cf_ops_out_dispose(&out);
    json_decref(party);
    return id;
}

/* Takes action on case id through ops (its transaction the caller's when in_tx): the
 * operation's code. */
static int act(cf_ops_t *ops, int64_t id, const char *action, const char *who)
{
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_act_t in = {
        .by = by_at("2026-03-02T10:00:00+08:00", who), .case_id = id, .action = action};
    int rc = cf_ops_act(ops, &in, &out);
    cf_ops_out_dispose(&out);
    return rc;
}

static int64_t version_of(cf_store_t *s, int64_t id)
{
    cf_case_t c;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0);
    int64_t v = c.version;
    cf_case_dispose(&c);
    return v;
}

/* One group commit over ids[0..n-1], each taking action; the writer's loop
 * (serve-writer.c run_batch). OUT codes[i]: each one's code. */
static void group_commit(cf_ops_t *ops, const int64_t *ids, int n, const char *action, int *codes)
{
    cf_error_t err;
    ASSERT_EQ(cf_store_tx_begin(ops->store, &err), 0);
    ops->in_tx = 1;
    for (int i = 0; i < n; i++) {
        ASSERT_EQ(cf_store_savepoint(ops->store, &err), 0);
        codes[i] = act(ops, ids[i], action, agency);
        if (codes[i] == 0)
            ASSERT_EQ(cf_store_savepoint_release(ops->store, &err), 0);
        else
            cf_store_savepoint_rollback(ops->store);
    }
    ASSERT_EQ(cf_store_tx_commit(ops->store, &err), 0);
    ops->in_tx = 0;
}

struct fixture_s {
    cf_store_t *s;
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_casecache_t cache;
    cf_wfcache_t wfs;
    cf_ops_t ops;
};

static void fixture_open(struct fixture_s *f, const char *name)
{
    char path[512];
    cf_error_t err;
    memset(f, 0, sizeof(*f));
    cf_test_db(name, path, sizeof(path));
    ASSERT_EQ(cf_store_open(path, &f->s, &err), 0);
    f->wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    f->cal = cf_test_calendar();
    ASSERT_EQ(cf_store_workflow_put(f->s, f->wf, NULL, NULL, &err), 0);
    f->wfs.cases = &f->cache; /* as the daemon's writer: a case cache */
    f->ops = (cf_ops_t){.store = f->s, .cal = f->cal, .wfs = &f->wfs};
}

static void fixture_close(struct fixture_s *f)
{
    cf_casecache_free(&f->cache);
    cf_wfcache_free(&f->wfs);
    cf_calendar_free(f->cal);
    cf_workflow_free(f->wf);
    cf_store_close(f->s);
}

/* pipeline-1 */
TEST_IMPL(pipeline_round_trips)
{
    struct fixture_s f;
    fixture_open(&f, "trips.db");
    int64_t ids[CF_TEST_CASES];
    int codes[CF_TEST_CASES];
    for (int i = 0; i < CF_TEST_CASES; i++)
        ids[i] = open_one(&f.ops);
    group_commit(&f.ops, ids, CF_TEST_CASES, "step1", codes); /* statements prepared */
    uint64_t before = cf_db_round_trips(f.s->db);
    group_commit(&f.ops, ids, CF_TEST_CASES, "step2", codes);
    uint64_t trips = cf_db_round_trips(f.s->db) - before;
    for (int i = 0; i < CF_TEST_CASES; i++) {
        ASSERT_EQ(codes[i], 0);
        ASSERT_EQ(version_of(f.s, ids[i]), version_of(f.s, ids[0]));
    }
    if (cf_test_pg() && trips != CF_TEST_CASES + 1)
        CF__FAIL("%llu round trips for %d transitions in one group commit (one each and the "
                 "COMMIT)",
                 (unsigned long long)trips, CF_TEST_CASES);
    if (getenv("CASEFLOW_TEST_TRIPS"))
        fprintf(stderr, "pipeline_round_trips: %llu round trips, %d transitions\n",
                (unsigned long long)trips, CF_TEST_CASES);
    fixture_close(&f);
    return 0;
}

/* The engine's events for action on c at iso, written with cf_store_case_append_tx
 * inside the caller's transaction: the store's code. */
static int append_at(struct fixture_s *f, cf_case_t *c, const char *action, const char *iso)
{
    cf_act_t req = {.action = action, .actor = "李四", .role = "handler", .at = cf_test_time(iso)};
    json_t *events = NULL;
    cf_refusal_t why;
    cf_error_t err;
    ASSERT_EQ(cf_engine_act(f->wf, f->cal, c, &req, &events, &why), 0);
    int rc = cf_store_case_append_tx(f->s, c, events, &err);
    json_decref(events);
    return rc;
}

/* The same at 11:00. */
static int append_in_tx(struct fixture_s *f, cf_case_t *c, const char *action)
{
    return append_at(f, c, action, "2026-03-02T11:00:00+08:00");
}

/* pipeline-2 */
TEST_IMPL(pipeline_conflict)
{
    struct fixture_s f;
    fixture_open(&f, "pipeconflict.db");
    cf_store_t *other;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(f.s->path, &other, &err), 0);
    cf_wfcache_t wfb = {0};
    cf_ops_t b = {.store = other, .cal = f.cal, .wfs = &wfb};
    cf_case_t c[3];
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(cf_store_case_get(f.s, open_one(&f.ops), &c[i], &err), 0);
    int64_t v = c[1].version;
    ASSERT_EQ(act(&b, c[1].id, "step1", NULL), 0); /* behind A's back: A's c[1] is stale */
    ASSERT_EQ(cf_store_tx_begin(f.s, &err), 0);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(cf_store_savepoint(f.s, &err), 0);
        int rc = append_in_tx(&f, &c[i], "step1");
        ASSERT_EQ(rc, i == 1 ? CF_ECONFLICT : 0);
        if (rc == 0)
            ASSERT_EQ(cf_store_savepoint_release(f.s, &err), 0);
        else
            cf_store_savepoint_rollback(f.s);
    }
    ASSERT_EQ(cf_store_tx_commit(f.s, &err), 0);
    ASSERT_EQ(version_of(f.s, c[0].id), v + 1);
    ASSERT_EQ(version_of(f.s, c[1].id), v + 1); /* B's step, not A's as well */
    ASSERT_EQ(version_of(f.s, c[2].id), v + 1);
    json_t *events = NULL;
    ASSERT_EQ(cf_store_case_events(f.s, c[1].id, &events, &err), 0);
    ASSERT_EQ((int64_t)json_array_size(events), v + 1);
    json_decref(events);
    for (int i = 0; i < 3; i++)
        cf_case_dispose(&c[i]);
    cf_wfcache_free(&wfb);
    cf_store_close(other);
    fixture_close(&f);
    return 0;
}

/* The integer of sql's one row, or the step's code when it fails (negative). */
static int64_t read_one(cf_store_t *s, const char *sql)
{
    cf_db_stmt_t *st;
    ASSERT_EQ(cf_db_prepare(s->db, sql, 1, &st), 0);
    int step = cf_db_step(st);
    int64_t v = step == CF_DB_ROW ? cf_db_column_int64(st, 0) : step;
    cf_db_finalize(st);
    return v;
}

/* Steps sql (a write, persistent, so queued on PostgreSQL): its step's code. */
static int write_one(cf_store_t *s, const char *sql)
{
    cf_db_stmt_t *st;
    ASSERT_EQ(cf_db_prepare(s->db, sql, 1, &st), 0);
    int step = cf_db_step(st);
    cf_db_finalize(st);
    return step;
}

/* pipeline-3 */
TEST_IMPL(pipeline_failure)
{
    if (!cf_test_pg())
        return 0; /* SQLite fails a write at its step: nothing is sent ahead */
    cf_store_t *s = cf_test_store("pipefail.db");
    ASSERT_EQ(cf_db_exec(s->db, "CREATE TABLE t(k BIGINT PRIMARY KEY, x BIGINT CHECK (x > 0))"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "INSERT INTO t VALUES (1, 1)"), 0);
    /* failed ahead, found by a read; ROLLBACK TO clears it and the rest commits */
    ASSERT_EQ(cf_db_exec(s->db, "BEGIN"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "SAVEPOINT cf_request"), 0);
    ASSERT_EQ(write_one(s, "UPDATE t SET x = -1 WHERE k = 1"), CF_DB_DONE); /* not waited for */
    ASSERT_EQ(read_one(s, "SELECT x FROM t WHERE k = 1"), CF_ESTORE);
    ASSERT_EQ(read_one(s, "SELECT 1"), CF_ESTORE); /* and after it */
    ASSERT_EQ(cf_db_exec(s->db, "ROLLBACK TO cf_request; RELEASE cf_request"), 0);
    ASSERT_EQ(write_one(s, "UPDATE t SET x = 5 WHERE k = 1"), CF_DB_DONE);
    ASSERT_EQ(cf_db_changes(s->db), 1); /* waits for it */
    ASSERT_EQ(cf_db_exec(s->db, "COMMIT"), 0);
    ASSERT_EQ(read_one(s, "SELECT x FROM t WHERE k = 1"), 5);
    /* failed after a RELEASE that ran: the savepoint after it is rolled back, and only it */
    ASSERT_EQ(cf_db_exec(s->db, "BEGIN"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "SAVEPOINT cf_request"), 0);
    ASSERT_EQ(write_one(s, "UPDATE t SET x = 6 WHERE k = 1"), CF_DB_DONE);
    ASSERT_EQ(cf_db_exec(s->db, "RELEASE cf_request"), 0); /* queued too */
    ASSERT_EQ(cf_db_exec(s->db, "SAVEPOINT cf_request"), 0);
    ASSERT_EQ(write_one(s, "UPDATE t SET x = 0 WHERE k = 1"), CF_DB_DONE);
    ASSERT_EQ(read_one(s, "SELECT 1"), CF_ESTORE);
    ASSERT_EQ(cf_db_exec(s->db, "ROLLBACK TO cf_request; RELEASE cf_request"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "COMMIT"), 0);
    ASSERT_EQ(read_one(s, "SELECT x FROM t WHERE k = 1"), 6);
    /* failed before a RELEASE, which so did not run: the transaction cannot commit */
    ASSERT_EQ(cf_db_exec(s->db, "BEGIN"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "SAVEPOINT cf_request"), 0);
    ASSERT_EQ(write_one(s, "UPDATE t SET x = 0 WHERE k = 1"), CF_DB_DONE);
    ASSERT_EQ(cf_db_exec(s->db, "RELEASE cf_request"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "SAVEPOINT cf_request"), 0);
    ASSERT_EQ(cf_db_exec(s->db, "UPDATE t SET x = 7 WHERE k = 1"), 0);
    ASSERT_EQ(read_one(s, "SELECT 1"), CF_ESTORE);
    ASSERT_EQ(cf_db_exec(s->db, "ROLLBACK TO cf_request; RELEASE cf_request"), CF_ESTORE);
    ASSERT_EQ(read_one(s, "SELECT 1"), CF_ESTORE);
    ASSERT_EQ(cf_db_exec(s->db, "COMMIT"), CF_ESTORE);
    ASSERT_EQ(cf_db_exec(s->db, "ROLLBACK"), 0);
    ASSERT_EQ(read_one(s, "SELECT x FROM t WHERE k = 1"), 6);
    /* a plain INSERT waits for its answer (callers tell a key taken apart) */
    ASSERT_EQ(cf_db_exec(s->db, "BEGIN"), 0);
    ASSERT_EQ(write_one(s, "INSERT INTO t VALUES (1, 1)"), CF_ECONFLICT);
    ASSERT_EQ(cf_db_exec(s->db, "ROLLBACK"), 0);
    ASSERT_EQ(read_one(s, "SELECT COUNT(*) FROM t"), 1);
    cf_store_close(s);
    return 0;
}

/* Takes action on case id through ops in one group commit of its own, If-Match
 * if_match (-1: none), as agency: the operation's code; OUT *version the case's after. */
static int act_tx(cf_ops_t *ops, int64_t id, const char *action, const char *who, int64_t if_match,
                  int64_t *version)
{
    cf_error_t err;
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_act_t in = {
        .by = by_at("2026-03-02T10:00:00+08:00", who), .case_id = id, .action = action};
    in.by.if_match = if_match;
    ASSERT_EQ(cf_store_tx_begin(ops->store, &err), 0);
    ops->in_tx = 1;
    ASSERT_EQ(cf_store_savepoint(ops->store, &err), 0);
    int rc = cf_ops_act(ops, &in, &out);
    if (rc == 0)
        ASSERT_EQ(cf_store_savepoint_release(ops->store, &err), 0);
    else
        cf_store_savepoint_rollback(ops->store);
    ASSERT_EQ(cf_store_tx_commit(ops->store, &err), 0);
    ops->in_tx = 0;
    *version = rc == 0 ? out.c.version : -1;
    cf_ops_out_dispose(&out);
    return rc;
}

/* Case id's events as stored verify up to its stored head, and there are version of
 * them (each seq once). */
static void one_chain(cf_store_t *s, int64_t id, int64_t version)
{
    cf_case_t got;
    cf_error_t err;
    json_t *events;
    ASSERT_EQ(cf_store_case_get(s, id, &got, &err), 0);
    ASSERT_EQ(got.version, version);
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    ASSERT_EQ((int64_t)json_array_size(events), version);
    cf_audit_t audit;
    ASSERT_EQ(cf_audit_init(&audit, id), 0);
    ASSERT_EQ(cf_audit_verify(events, got.algo, got.head, &audit), 0);
    ASSERT_EQ(audit.items_count, 0);
    cf_audit_dispose(&audit);
    json_decref(events);
    cf_case_dispose(&got);
}

/* pipeline-4 */
TEST_IMPL(pipeline_stale_cache)
{
    struct fixture_s f;
    fixture_open(&f, "pipestale.db");
    cf_store_t *other;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(f.s->path, &other, &err), 0);
    cf_wfcache_t wfb = {0};
    cf_ops_t b = {.store = other, .cal = f.cal, .wfs = &wfb};
    int64_t id = open_one(&f.ops), v = 0, vb = 0;
    ASSERT_EQ(act_tx(&f.ops, id, "step1", agency, -1, &v), 0); /* cached, with its summary */
    ASSERT_EQ(act_tx(&b, id, "step2", agency, -1, &vb), 0);    /* behind the cache's back */
    ASSERT_EQ(vb, v + 1);
    ASSERT_EQ(act_tx(&f.ops, id, "step3", agency, -1, &v), 0); /* stale: read again */
    ASSERT_EQ(v, vb + 1);
    one_chain(f.s, id, v);
    ASSERT_EQ(act_tx(&b, id, "step4", agency, -1, &vb), 0);
    ASSERT_EQ(act_tx(&f.ops, id, "step5", agency, vb, &v), 0); /* If-Match from the other */
    ASSERT_EQ(v, vb + 1);
    ASSERT_EQ(act_tx(&f.ops, id, "step6", agency, v - 1, &v), CF_ECONFLICT); /* a stale one */
    ASSERT_EQ(act_tx(&f.ops, id, "step6", "另一个医疗保障局", -1, &v), CF_ENOTFOUND);
    one_chain(f.s, id, vb + 1);
    cf_wfcache_free(&wfb);
    cf_store_close(other);
    fixture_close(&f);
    return 0;
}

/* pipeline-5 */
TEST_IMPL(pipeline_stale_head)
{
    struct fixture_s f;
    fixture_open(&f, "pipehead.db");
    cf_store_t *other;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(f.s->path, &other, &err), 0);
    cf_case_t mine, theirs;
    int64_t id = open_one(&f.ops);
    ASSERT_EQ(cf_store_case_get(f.s, id, &mine, &err), 0);
    ASSERT_EQ(cf_store_case_get(other, id, &theirs, &err), 0);
    ASSERT_EQ(cf_store_tx_begin(f.s, &err), 0); /* written, then rolled back: mine is ahead */
    ASSERT_EQ(append_in_tx(&f, &mine, "step1"), 0);
    cf_store_tx_rollback(f.s);
    struct fixture_s g = f;
    g.s = other;
    ASSERT_EQ(cf_store_tx_begin(other, &err), 0); /* the same version, another event */
    ASSERT_EQ(append_at(&g, &theirs, "step1", "2026-03-02T11:30:00+08:00"), 0);
    ASSERT_EQ(cf_store_tx_commit(other, &err), 0);
    ASSERT_EQ(mine.version, theirs.version);
    ASSERT(strcmp(mine.head, theirs.head) != 0);
    ASSERT_EQ(cf_store_tx_begin(f.s, &err), 0);
    ASSERT_EQ(append_in_tx(&f, &mine, "step2"), CF_ECONFLICT);
    cf_store_tx_rollback(f.s);
    one_chain(f.s, id, theirs.version);
    cf_case_dispose(&mine);
    cf_case_dispose(&theirs);
    cf_store_close(other);
    fixture_close(&f);
    return 0;
}

/* pipeline-6 */
TEST_IMPL(pipeline_returning)
{
    struct fixture_s f;
    fixture_open(&f, "pipereturning.db");
    cf_case_t c[CF_TEST_CASES];
    cf_error_t err;
    for (int i = 0; i < CF_TEST_CASES; i++)
        ASSERT_EQ(cf_store_case_get(f.s, open_one(&f.ops), &c[i], &err), 0);
    const char *const steps[] = {"step1", "step2"};
    uint64_t trips = 0;
    for (int k = 0; k < 2; k++) { /* the first prepares the statements */
        ASSERT_EQ(cf_store_tx_begin(f.s, &err), 0);
        uint64_t before = cf_db_round_trips(f.s->db);
        for (int i = 0; i < CF_TEST_CASES; i++)
            ASSERT_EQ(append_in_tx(&f, &c[i], steps[k]), 0);
        trips = cf_db_round_trips(f.s->db) - before;
        ASSERT_EQ(cf_store_tx_commit(f.s, &err), 0);
    }
    if (cf_test_pg() && trips != CF_TEST_CASES)
        CF__FAIL("%llu round trips for %d appends naming no agency (one each)",
                 (unsigned long long)trips, CF_TEST_CASES);
    cf_db_stmt_t *st;
    ASSERT_EQ(cf_db_prepare(f.s->db, "SELECT COUNT(*) FROM events WHERE case_id = ? AND agency = ?",
                            1, &st),
              0);
    for (int i = 0; i < CF_TEST_CASES; i++) {
        cf_db_reset(st);
        cf_db_bind_int64(st, 1, c[i].id);
        cf_db_bind_text(st, 2, agency, -1, CF_DB_STATIC);
        ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
        ASSERT_EQ(cf_db_column_int64(st, 0), c[i].version); /* every event its case's */
        one_chain(f.s, c[i].id, c[i].version);
        cf_case_dispose(&c[i]);
    }
    cf_db_finalize(st);
    fixture_close(&f);
    return 0;
}
