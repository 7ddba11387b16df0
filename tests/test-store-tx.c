/*
 * test-store-tx.c -- store-2.x to 4: the SQLite store's transactions, and several
 * nodes on one PostgreSQL database (the chain itself is test-store.c).
 *
 * store-2.x: atomicity and concurrency: conflicts, injected failures at every
 *   write point, append-only events.
 * store-3.x: definitions, listings by due date, linked cases.
 * store-4:   several nodes on one PostgreSQL database: positions in commit order, one
 *   use of a statement inside a transaction, the events placed at commit found by index.
 *
 * Map: alert_events; store-2.1b, 2.1c, 2.1; 2.2 with its fault callback; 2.3; 2.4; 3.1;
 * 3.2; store-4 with one_logged and act_in_tx; 4.2 with one_use; 4.3.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../storage/store-int.h"
#include "core-helpers.h"
#include "task.h"

#define MINI "tests/fixtures/workflows/valid/mini.yaml"

/* An alert event for c at at (the daemon's shape, serve-jobs.c): no change of state. */
static json_t *alert_events(const cf_case_t *c, const char *at)
{
    return json_pack("[{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}]", "seq",
                     (json_int_t)(c->version + 1), "type", "alert", "at", at, "actor", "caseflow",
                     "role", "system", "clock", "k", "point", "warning", "deadline", at, "due_at",
                     at, "late", 0, "alert_id", "1:k:warning:x");
}

/* store-2.1b: a write that leaves the state as it was (an alert) updates the case row
 * by its own statement, which compares state and closed instead of setting them: it
 * is written, and a stale copy still gets the conflict. */
TEST_IMPL(store_conflict_same_state)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "conflict-same.db");
    cf_case_t a, b, now;
    cf_error_t err;
    cf_test_open(e.s, e.wf, e.cal, "2026-03-02T09:00:00+08:00", &a);
    ASSERT_EQ(cf_store_case_get(e.s, a.id, &b, &err), 0);
    json_t *ev = alert_events(&a, "2026-03-02T10:00:00+08:00");
    ASSERT_EQ(cf_store_case_append(e.s, &a, ev, &err), 0);
    json_decref(ev);
    ASSERT_EQ(cf_store_case_get(e.s, a.id, &now, &err), 0);
    ASSERT_EQ(now.version, a.version);
    ASSERT_STR_EQ(now.head, a.head);
    ASSERT_STR_EQ(now.state, "lead");
    cf_case_dispose(&now);
    ev = alert_events(&b, "2026-03-02T10:00:00+08:00");
    ASSERT_EQ(cf_store_case_append(e.s, &b, ev, &err), CF_ECONFLICT);
    ASSERT_CONTAINS(err.text, "someone else acted on it");
    json_decref(ev);
    /* then a change of state on the current copy still goes through the other update */
    ASSERT_EQ(cf_test_act(e.s, e.wf, e.cal, &a, "drop", "head", "2026-03-02T11:00:00+08:00", NULL,
                          NULL, NULL),
              0);
    ASSERT_EQ(cf_store_case_get(e.s, a.id, &now, &err), 0);
    ASSERT_STR_EQ(now.state, "dropped");
    cf_case_dispose(&now);
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_test_env_close(&e);
    return 0;
}

/* store-2.1c: each UPDATE of a case row finds the row by the case's key. With the key
 * (id, agency) SQLite once planned a comparison on closed through the partial index
 * cases_open, and scanned every open case for each alert of a burst. */
TEST_IMPL(store_case_update_by_key)
{
    CF_TEST_SQLITE_ONLY("reads the SQLite file's query plans");
    cf_store_t *s = cf_test_store("update-plan.db");
    cf_store_close(s);
    char db[512];
    snprintf(db, sizeof(db), "%s/update-plan.db", cf_test_tmpdir());
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (int i = 0; i < CF__STORE_CASE_UPDATES; i++) {
        char sql[1024];
        snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", cf__store_case_updates[i]);
        sqlite3_stmt *st;
        ASSERT_EQ(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        int rows = 0, by_key = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            rows++;
            by_key += strstr(detail, "(id=? AND agency=?)") != NULL &&
                      strstr(detail, "cases_open") == NULL && strstr(detail, "cases_state") == NULL;
        }
        sqlite3_finalize(st);
        ASSERT_EQ(rows, 1);
        ASSERT_EQ(by_key, 1);
    }
    sqlite3_close(h);
    return 0;
}

/* store-2.1: two writers acting on the same version: the second gets a conflict
 * and nothing of its change is written. */
TEST_IMPL(store_conflict)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "conflict.db");
    cf_case_t a, b;
    cf_error_t err;
    cf_test_open(e.s, e.wf, e.cal, "2026-03-02T09:00:00+08:00", &a);
    ASSERT_EQ(cf_store_case_get(e.s, a.id, &b, &err), 0);
    ASSERT_EQ(cf_test_act(e.s, e.wf, e.cal, &a, "drop", "head", "2026-03-02T10:00:00+08:00", NULL,
                          NULL, NULL),
              0);
    cf_refusal_t why;
    ASSERT_EQ(cf_test_act(e.s, e.wf, e.cal, &b, "file", "head", "2026-03-02T10:00:00+08:00",
                          "{\"reason\": \"x\"}", "立案审批表", &why),
              CF_ECONFLICT);
    ASSERT_CONTAINS(why.text, "someone else acted on it");
    ASSERT_STR_EQ(b.state, "lead"); /* the loser's copy is untouched */
    cf_case_t now;
    ASSERT_EQ(cf_store_case_get(e.s, a.id, &now, &err), 0);
    ASSERT_STR_EQ(now.state, "dropped");
    ASSERT_EQ(now.version, a.version);
    cf_case_dispose(&now);
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_test_env_close(&e);
    return 0;
}

typedef struct fault_s {
    const char *point;
    int code;
} fault_t;

static int fault_cb(void *ctx, const char *point)
{
    fault_t *f = ctx;
    return strcmp(point, f->point) == 0 ? f->code : SQLITE_OK;
}

static int64_t count_events(cf_store_t *s, int64_t id)
{
    json_t *events;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    int64_t n = (int64_t)json_array_size(events);
    json_decref(events);
    return n;
}

/* store-2.2: a failure injected at any write point of a transition (I/O error,
 * disk full, busy, out of memory) is reported as such and leaves the case exactly
 * in its earlier state, in memory and on disk. */
TEST_IMPL(store_fault_injection)
{
    static const char *const points[] = {"begin", "events", "case", "clocks", "commit"};
    static const struct {
        int sqlite;
        int cf;
    } codes[] = {{SQLITE_IOERR, CF_EIO},
                 {SQLITE_FULL, CF_EFULL},
                 {SQLITE_BUSY, CF_EBUSY},
                 {SQLITE_NOMEM, CF_ENOMEM}};
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "fault.db");
    cf_case_t c;
    cf_error_t err;
    cf_test_open(e.s, e.wf, e.cal, "2026-03-02T09:00:00+08:00", &c);
    json_t *before = cf_case_to_json(&c);
    int64_t events_before = count_events(e.s, c.id);
    for (size_t p = 0; p < sizeof(points) / sizeof(points[0]); p++)
        for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
            fault_t f = {points[p], codes[k].sqlite};
            cf_store_set_fault(e.s, fault_cb, &f);
            ASSERT_EQ(cf_test_act(e.s, e.wf, e.cal, &c, "file", "head", "2026-03-02T15:00:00+08:00",
                                  "{\"reason\": \"x\"}", "立案审批表", NULL),
                      codes[k].cf);
            cf_store_set_fault(e.s, NULL, NULL);
            json_t *mem = cf_case_to_json(&c);
            ASSERT(json_equal(mem, before));
            json_decref(mem);
            cf_case_t disk;
            ASSERT_EQ(cf_store_case_get(e.s, c.id, &disk, &err), 0);
            json_t *stored = cf_case_to_json(&disk);
            ASSERT(json_equal(stored, before));
            json_decref(stored);
            cf_case_dispose(&disk);
            ASSERT_EQ(count_events(e.s, c.id), events_before);
            /* No decision clock (due 2026-06-01) leaked into the index. */
            cf_case_filter_t due = {.now = cf_test_time("2026-05-30T00:00:00+08:00"),
                                    .due_within = 5 * 86400};
            json_t *list;
            ASSERT_EQ(cf_store_case_list(e.s, &due, &list, &err), 0);
            ASSERT_EQ(json_array_size(list), 0);
            json_decref(list);
        }
    /* And with the fault gone the same transition goes through. */
    ASSERT_EQ(cf_test_act(e.s, e.wf, e.cal, &c, "file", "head", "2026-03-02T15:00:00+08:00",
                          "{\"reason\": \"x\"}", "立案审批表", NULL),
              0);
    ASSERT_STR_EQ(c.state, "investigating");
    json_decref(before);
    cf_case_dispose(&c);
    cf_test_env_close(&e);
    return 0;
}

/* PostgreSQL: every column of events but pos changed along with a NULL position set is
 * refused by the append-only trigger, each ("... changed with its position" if one is let
 * through); the position set alone goes through ("the rule holds"). */
static const char *const place_rule_sql =
    "DO $$DECLARE c record; r bigint; ok boolean; BEGIN "
    "INSERT INTO events(case_id, seq, type, at, body, hash, agency) VALUES (999999, 1, 't', 'a', "
    "'{}', 'h', 'x') RETURNING id INTO r; "
    "FOR c IN SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
    "'events' AND table_schema = current_schema() AND column_name <> 'pos' LOOP ok := true; "
    "BEGIN EXECUTE format('UPDATE events SET pos = 999999, %1$I = %1$I %2$s WHERE id = %3$s', "
    "c.column_name, CASE WHEN c.data_type = 'text' THEN '|| ''x''' ELSE '+ 1' END, r); "
    "EXCEPTION WHEN raise_exception THEN ok := false; END; "
    "IF ok THEN RAISE EXCEPTION 'column % changed with its position', c.column_name USING "
    "ERRCODE = 'P0002'; END IF; END LOOP; "
    "UPDATE events SET pos = 999999 WHERE id = r; "
    "RAISE EXCEPTION 'the rule holds' USING ERRCODE = 'P0003'; END$$";

/* store-2.3: the event log refuses UPDATE and DELETE. */
TEST_IMPL(store_append_only)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "append.db");
    cf_case_t c;
    walk_some(e.s, e.wf, e.cal, &c);
    cf_case_dispose(&c);
    /* through the store's own connection, so the rule is checked on either backend
     * (SQLite's triggers, PostgreSQL's) */
    cf_error_t err;
    ASSERT_EQ(cf__store_exec(e.s, "UPDATE events SET body = '{}' WHERE seq = 2", &err), CF_ESTORE);
    ASSERT_CONTAINS(err.text, "append-only");
    ASSERT_EQ(cf__store_exec(e.s, "DELETE FROM events WHERE seq = 2", &err), CF_ESTORE);
    ASSERT_CONTAINS(err.text, "append-only");
    if (cf_test_pg()) { /* TRUNCATE is PostgreSQL's; a trigger refuses it too */
        ASSERT_EQ(cf__store_exec(e.s, "TRUNCATE events", &err), CF_ESTORE);
        ASSERT_CONTAINS(err.text, "append-only");
        /* a position is set once, at commit (cf__store_place): never moved or taken away */
        ASSERT_EQ(cf__store_exec(e.s, "UPDATE events SET pos = pos + 100 WHERE seq = 2", &err),
                  CF_ESTORE);
        ASSERT_CONTAINS(err.text, "append-only");
        ASSERT_EQ(cf__store_exec(e.s, "UPDATE events SET pos = NULL WHERE seq = 2", &err),
                  CF_ESTORE);
        ASSERT_CONTAINS(err.text, "append-only");
        /* and setting it changes nothing else: every column of events (as the database
         * lists them, so one added later and left out of the trigger's rule fails here)
         * changed along with a NULL position set is refused; the position alone is let
         * through (the block then raises, so that nothing of it stays) */
        ASSERT_EQ(cf__store_exec(e.s, place_rule_sql, &err), CF_ESTORE);
        ASSERT_CONTAINS(err.text, "the rule holds");
    }
    cf_test_env_close(&e);
    return 0;
}

/* store-2.4: a request run without a savepoint (cf_store_unsaved_begin, the daemon's
 * group commit): one not kept that wrote nothing has nothing to undo and its counts'
 * deltas go; one not kept that wrote says so (only a rollback of the transaction undoes
 * it); one kept keeps its deltas. Outside a transaction, and on PostgreSQL (which counts
 * no rows changed), the request takes a savepoint instead. */
TEST_IMPL(store_unsaved)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "unsaved.db");
    cf_case_t c;
    cf_error_t err;
    cf_test_open(e.s, e.wf, e.cal, "2026-03-02T09:00:00+08:00", &c);
    int64_t events_before = count_events(e.s, c.id);
    ASSERT(cf_store_unsaved_begin(e.s) != 0);
    ASSERT_EQ(cf_store_tx_begin(e.s, &err), 0);
    if (cf_test_pg()) {
        ASSERT(cf_store_unsaved_begin(e.s) != 0);
        cf_store_tx_rollback(e.s);
        cf_case_dispose(&c);
        cf_test_env_close(&e);
        return 0;
    }
    /* refused before it wrote: nothing to undo, its delta gone */
    ASSERT_EQ(cf_store_unsaved_begin(e.s), 0);
    ASSERT_EQ(cf__store_count(e.s, "", "", 0, "state", "lead", 1, 0, &err), 0);
    ASSERT_EQ(cf_store_unsaved_end(e.s, 0), 0);
    ASSERT_EQ(e.s->counts.count, 0);
    /* failed after it wrote: said so */
    ASSERT_EQ(cf_store_unsaved_begin(e.s), 0);
    json_t *ev = alert_events(&c, "2026-03-02T10:00:00+08:00");
    cf_case_t copy;
    ASSERT_EQ(cf_case_copy(&copy, &c), 0);
    ASSERT_EQ(cf_store_case_append_tx(e.s, &copy, ev, &err), 0);
    ASSERT_EQ(cf__store_count(e.s, "", "", 0, "state", "lead", 1, 0, &err), 0);
    ASSERT_EQ(cf_store_unsaved_end(e.s, 0), 1);
    ASSERT_EQ(e.s->counts.count, 0);
    cf_store_tx_rollback(e.s);
    cf_case_dispose(&copy);
    ASSERT_EQ(count_events(e.s, c.id), events_before);
    /* kept: its rows and its delta stay */
    ASSERT_EQ(cf_store_tx_begin(e.s, &err), 0);
    ASSERT_EQ(cf_store_unsaved_begin(e.s), 0);
    ASSERT_EQ(cf_store_case_append_tx(e.s, &c, ev, &err), 0);
    ASSERT_EQ(cf__store_count(e.s, "", "", 0, "state", "lead", 1, 0, &err), 0);
    ASSERT_EQ(cf_store_unsaved_end(e.s, 1), 0);
    ASSERT_EQ(e.s->counts.count, 1);
    ASSERT_EQ(cf_store_tx_commit(e.s, &err), 0);
    ASSERT_EQ(count_events(e.s, c.id), events_before + 1);
    json_decref(ev);
    cf_case_dispose(&c);
    cf_test_env_close(&e);
    return 0;
}

/* store-3.1: storing the same definition twice keeps one version; a changed one
 * becomes the next version, and the old one is still loadable by hash. */
TEST_IMPL(store_workflow_versions)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_store_t *s = cf_test_store("versions.db");
    cf_error_t err;
    int version = 0, created = 0;
    ASSERT_EQ(cf_store_workflow_put(s, wf, &version, &created, &err), 0);
    ASSERT_EQ(version, 1);
    ASSERT_EQ(created, 1);
    ASSERT_EQ(cf_store_workflow_put(s, wf, &version, &created, &err), 0);
    ASSERT_EQ(version, 1);
    ASSERT_EQ(created, 0);
    char *changed = malloc(wf->source_len + 32);
    sprintf(changed, "%s# a comment\n", wf->source);
    cf_workflow_t *wf2 = NULL, *got = NULL;
    ASSERT_EQ(cf_workflow_parse(changed, strlen(changed), "changed", &wf2, NULL), 0);
    ASSERT_EQ(cf_store_workflow_put(s, wf2, &version, &created, &err), 0);
    ASSERT_EQ(version, 2);
    int v = 0;
    ASSERT_EQ(cf_store_workflow_get(s, "mini", 0, &got, &v, &err), 0);
    ASSERT_EQ(v, 2);
    ASSERT_STR_EQ(got->hash, wf2->hash);
    cf_workflow_free(got);
    ASSERT_EQ(cf_store_workflow_get_hash(s, wf->hash, &got, &err), 0);
    ASSERT_STR_EQ(got->hash, wf->hash);
    cf_workflow_free(got);
    got = (cf_workflow_t *)0x1;
    ASSERT_EQ(cf_store_workflow_get(s, "nope", 0, &got, NULL, &err), CF_ENOTFOUND);
    ASSERT(got == (cf_workflow_t *)0x1);
    json_t *list;
    ASSERT_EQ(cf_store_workflow_list(s, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 2);
    json_decref(list);
    free(changed);
    cf_workflow_free(wf2);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}

/* store-3.2: what is due within a span and what is overdue come from the clock
 * index; parent and children are linked. */
TEST_IMPL(store_due_and_links)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "due.db");
    cf_case_t a, b;
    cf_error_t err;
    walk_some(e.s, e.wf, e.cal, &a); /* decision deadline 2026-06-01 end of day */
    cf_test_open(e.s, e.wf, e.cal, "2026-03-05T09:00:00+08:00", &b); /* report: 03-06 09:00 */
    cf_case_filter_t f = {.now = cf_test_time("2026-03-05T12:00:00+08:00"), .due_within = 86400};
    json_t *list;
    ASSERT_EQ(cf_store_case_list(e.s, &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(list, 0), "id")), b.id);
    json_decref(list);
    f = (cf_case_filter_t){.now = cf_test_time("2026-06-02T00:00:00+08:00"), .overdue = 1};
    ASSERT_EQ(cf_store_case_list(e.s, &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 2);
    json_decref(list);
    f = (cf_case_filter_t){.now = cf_test_time("2026-03-06T08:00:00+08:00"), .overdue = 1};
    ASSERT_EQ(cf_store_case_list(e.s, &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    /* A child case opened with a parent is listed as its child. */
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    cf_open_t req = {.actor = "a",
                     .role = "handler",
                     .party = party,
                     .parent = a.id,
                     .at = cf_test_time("2026-03-06T09:00:00+08:00")};
    json_t *events;
    cf_case_t child;
    ASSERT_EQ(cf_engine_open(e.wf, e.cal, &req, &events, NULL), 0);
    ASSERT_EQ(cf_case_init(&child), 0);
    ASSERT_EQ(cf_store_case_open(e.s, &child, events, &err), 0);
    ASSERT_EQ(child.parent_id, a.id);
    f = (cf_case_filter_t){.parent = a.id};
    ASSERT_EQ(cf_store_case_list(e.s, &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(list, 0), "id")), child.id);
    json_decref(list);
    json_decref(events);
    json_decref(party);
    cf_case_dispose(&child);
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_test_env_close(&e);
    return 0;
}

/* ---- store-4: several nodes on one PostgreSQL database (issue 24 item 3) ------------------- */

static int one_logged(void *ctx, const cf_store_logged_t *e)
{
    json_array_append_new((json_t *)ctx,
                          json_pack("{s:I, s:I, s:I}", "pos", (json_int_t)e->pos, "case",
                                    (json_int_t)e->case_id, "seq", (json_int_t)e->seq));
    return 0;
}

/* c dropped inside s's transaction, which the caller holds. */
static int act_in_tx(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c)
{
    cf_act_t req = {.action = "drop",
                    .actor = "李四",
                    .role = "head",
                    .at = cf_test_time("2026-03-02T10:00:00+08:00")};
    json_t *events = NULL;
    cf_refusal_t why;
    cf_error_t err;
    if (cf_engine_act(wf, cal, c, &req, &events, &why) != 0)
        CF__FAIL("act refused: %s", why.text);
    int rc = cf_store_case_append_tx(s, c, events, &err);
    json_decref(events);
    return rc;
}

/* store-4.1 (PostgreSQL: SQLite has one writer at a time): two nodes (two store handles)
 * writing different cases at once both commit, none a conflict; their events take
 * positions in the order the transactions committed, not the order they were written,
 * with no gap; the same case at the same version from both: one commits, the other is a
 * conflict. Case ids come from a sequence: two opens at once take two ids. */
TEST_IMPL(store_two_nodes_commit_order)
{
    if (!cf_test_pg()) {
        printf("# skip store_two_nodes_commit_order: PostgreSQL only (SQLite: one writer)\n");
        return CF_TEST_SKIP;
    }
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    char path[512];
    cf_test_db("twonodes.db", path, sizeof(path));
    cf_store_t *s1, *s2;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(path, &s1, &err), 0);
    ASSERT_EQ(cf_store_open(path, &s2, &err), 0);
    cf_case_t a, b, a2;
    cf_test_open(s1, wf, cal, "2026-03-02T09:00:00+08:00", &a);
    cf_test_open(s2, wf, cal, "2026-03-02T09:00:00+08:00", &b);
    ASSERT(a.id != b.id);
    int64_t end = -1;
    ASSERT_EQ(cf_store_log_end(s1, &end, &err), 0);
    /* node 1 writes first and commits last */
    ASSERT_EQ(cf_store_tx_begin(s1, &err), 0);
    ASSERT_EQ(act_in_tx(s1, wf, cal, &a), 0);
    ASSERT_EQ(cf_store_tx_begin(s2, &err), 0);
    ASSERT_EQ(act_in_tx(s2, wf, cal, &b), 0);
    ASSERT_EQ(cf_store_tx_commit(s2, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s1, &err), 0);
    json_t *log = json_array();
    ASSERT(cf_store_log_after(s1, end, 100, one_logged, log, &err) >= 2);
    size_t i;
    json_t *row;
    int64_t first_a = -1, last_b = -1;
    json_array_foreach(log, i, row) {
        int64_t pos = json_integer_value(json_object_get(row, "pos"));
        int64_t id = json_integer_value(json_object_get(row, "case"));
        ASSERT_EQ(pos, end + (int64_t)i); /* no gap */
        if (id == a.id && first_a < 0)
            first_a = pos;
        if (id == b.id)
            last_b = pos;
    }
    ASSERT(first_a >= 0 && last_b >= 0 && last_b < first_a); /* in commit order */
    json_decref(log);
    /* the same case at the same version from both nodes: one commits, one conflicts */
    cf_case_t c;
    cf_test_open(s1, wf, cal, "2026-03-02T09:00:00+08:00", &c);
    ASSERT_EQ(cf_store_case_get(s2, c.id, &a2, &err), 0);
    ASSERT_EQ(
        cf_test_act(s1, wf, cal, &c, "drop", "head", "2026-03-02T11:00:00+08:00", NULL, NULL, NULL),
        0);
    cf_refusal_t why;
    ASSERT_EQ(cf_test_act(s2, wf, cal, &a2, "drop", "head", "2026-03-02T11:00:00+08:00", NULL, NULL,
                          &why),
              CF_ECONFLICT);
    cf_case_dispose(&c);
    /* every chain and the whole log still verify: positions 0 .. n-1 */
    ASSERT_EQ(cf_store_log_end(s2, &end, &err), 0);
    log = json_array();
    ASSERT_EQ(cf_store_log_after(s2, 0, 1000, one_logged, log, &err), (int)end);
    json_decref(log);
    cf_case_dispose(&a);
    cf_case_dispose(&a2);
    cf_case_dispose(&b);
    cf_store_close(s1);
    cf_store_close(s2);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* One-use statement text, run once inside a transaction with ?1 bound NULL (or to
 * value, when value >= 0): the integer its one row gives. */
static int64_t one_use(cf_store_t *s, const char *sql, int64_t value)
{
    cf_db_stmt_t *st;
    ASSERT_EQ(cf_db_prepare(s->db, sql, 0, &st), 0);
    if (value >= 0)
        cf_db_bind_int64(st, 1, value);
    else
        cf_db_bind_null(st, 1);
    int step = cf_db_step(st);
    if (step != CF_DB_ROW)
        CF__FAIL("%s: %d %s", sql, step, cf_db_errmsg(s->db));
    int64_t v = cf_db_column_int64(st, 0);
    ASSERT_EQ(cf_db_step(st), CF_DB_DONE);
    cf_db_finalize(st);
    return v;
}

/* store-4.2: a one-use statement (not the store's cache: the unnamed statement on
 * PostgreSQL) runs inside a transaction with a NULL whose type the server infers, or
 * cannot and is told on a second try, and with every type given; the transaction goes
 * on and commits. (The driver's savepoint around the first try was released by a plain
 * query, which drops the unnamed statement before it ran.) */
TEST_IMPL(store_one_use_in_tx)
{
    cf_store_t *s = cf_test_store("oneuse.db");
    ASSERT_EQ(cf_db_exec(s->db, "BEGIN"), 0);
    ASSERT_EQ(one_use(s, "SELECT COALESCE(?1, 7)", -1), 7);
    ASSERT_EQ(one_use(s, "SELECT CASE WHEN ?1 IS NULL THEN 1 ELSE 0 END", -1), 1);
    ASSERT_EQ(one_use(s, "SELECT ?1 + 1", 41), 42);
    ASSERT_EQ(cf_db_exec(s->db, "CREATE TABLE t(x BIGINT)"), 0);
    ASSERT_EQ(one_use(s, "SELECT COUNT(*) FROM t WHERE ?1 IS NULL OR x = ?1", -1), 0);
    ASSERT_EQ(cf_db_exec(s->db, "COMMIT"), 0);
    ASSERT_EQ(one_use(s, "SELECT COALESCE(?1, 8)", -1), 8); /* and outside one */
    cf_store_close(s);
    return 0;
}

/* The entries of events' indexes and the rows of events read so far in this transaction (the
 * server's own counts), for store-4.3. */
static int64_t events_read(cf_store_t *s)
{
    return one_use(s,
                   "SELECT COALESCE(SUM(pg_stat_get_xact_tuples_returned(indexrelid)), 0) + "
                   "(SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM "
                   "pg_stat_xact_user_tables WHERE relname = 'events') FROM pg_index WHERE "
                   "indrelid = 'events'::regclass AND ?1 IS NULL",
                   -1);
}

/* store-4.3 (PostgreSQL): the events' numbering at commit (cf_events_place) reads the events
 * it numbers, not the log: after 2,000 events written and numbered (which leaves 2,000 dead
 * entries in the index of the unplaced until a vacuum), a transition through the store in a
 * transaction, then the numbering: the entries and rows of events it read (the server's
 * counts for the transaction) stay a handful. It read every event (a scan of the whole log
 * at every commit) when its join could not use the index of the unplaced, and every dead
 * entry there when it did not start at the transaction's first id (schema 23; the store
 * marks that id before the transaction's first event). The planner is kept off sequential
 * scans, so that a small table's cheap scan does not hide a plan that has nothing else. */
TEST_IMPL(store_place_by_index)
{
    if (!cf_test_pg()) {
        printf("# skip store_place_by_index: PostgreSQL only (SQLite gives a position at "
               "insert)\n");
        return CF_TEST_SKIP;
    }
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "place.db");
    cf_case_t c;
    cf_error_t err;
    cf_test_open(e.s, e.wf, e.cal, "2026-03-02T09:00:00+08:00", &c);
    ASSERT_EQ(cf__store_exec(e.s,
                             "BEGIN; INSERT INTO events(case_id, seq, type, at, body, hash, "
                             "agency) SELECT c + 1000, 1, 't', 'a', '{}', 'h', 'x' FROM "
                             "generate_series(1, 2000) c; SELECT cf_events_place(); COMMIT; "
                             "ANALYZE events",
                             &err),
              0);
    ASSERT_EQ(cf_store_tx_begin(e.s, &err), 0);
    ASSERT_EQ(cf_db_exec(e.s->db, "SET LOCAL enable_seqscan = off"), 0);
    ASSERT_EQ(act_in_tx(e.s, e.wf, e.cal, &c), 0);
    ASSERT(one_use(e.s,
                   "SELECT length(COALESCE(current_setting('cf.events_from', true), '')) "
                   "WHERE ?1 IS NULL",
                   -1) > 0);
    int64_t before = events_read(e.s);
    ASSERT_EQ(cf_db_exec(e.s->db, "SELECT cf_events_place()"), 0);
    int64_t read = events_read(e.s) - before;
    if (read > 20)
        CF__FAIL("numbering one transition's events read %lld entries and rows of events",
                 (long long)read);
    ASSERT_EQ(cf_store_tx_commit(e.s, &err), 0);
    ASSERT_EQ(one_use(e.s, "SELECT COUNT(*) FROM events WHERE pos IS NULL AND ?1 IS NULL", -1), 0);
    cf_case_dispose(&c);
    cf_test_env_close(&e);
    return 0;
}
