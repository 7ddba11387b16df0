/*
 * test-ready.c -- ready-*: a transition prepared off the writer thread (api/ops/ops-ready.c:
 * cf_ops_act_prepare on a read-only connection, cf_ops_act_put in the writer's group
 * commit) writes what the writer's whole path (cf_ops_act) writes, and falls back to
 * that path whenever the case moved or the transition depends on more than the case row.
 *
 * ready-1: twin databases, the same cases walked the same way (eight steps, one of them
 *          backdated, the last one stopping the clock), one by cf_ops_act in group commits
 *          with the writer's case cache, the other prepared on a read-only connection (the
 *          case from the writer's cache, or read) and written by cf_ops_act_put: every prepared
 * transition is written as prepared, and the two databases hold the same rows (every event's stored
 * text and hash, the case rows and snapshots, the summaries, the alerts index; on SQLite every row
 * of every table; the summary's text made with the rest, not by the writer) (ready_same). ready-2:
 * a prepared transition whose case another write moved first (in the same group commit, or through
 * another connection) is not written as prepared: the writer's path answers it as it would have
 * without it (the same step twice: 422, rule and all; after an extension: done, on the extended
 * case) and the chain stays one (ready_moved). ready-3: what is not prepared, each answered by the
 * writer's path as before: an engine refusal, If-Match not the version (409 with the version), a
 * document attached, a caller with no agency, a missing case, an action not given (ready_left).
 * ready-4 to ready-8, a daemon that prepares, are in test-ready-daemon.c.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../storage/store-int.h"
#include "core-helpers.h"
#include "engine.h"
#include "ops.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

#define CASES 4

static const char *const agency = "某县医疗保障局";

static cf_ops_by_t by_at(const char *iso, const char *who)
{
    return (cf_ops_by_t){.actor = "张三",
                         .role = "handler",
                         .agency = who,
                         .now = cf_test_time(iso),
                         .if_match = -1};
}

typedef struct twin_s {
    char path[512];
    cf_store_t *s, *ro; /* the writer's connection; a read-only one (the preparer's) */
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_casecache_t cache;
    pthread_mutex_t lock;
    cf_wfcache_t wfs, ro_wfs;
    cf_ops_t ops, ro_ops;
} twin_t;

static void twin_open(twin_t *t, const char *name)
{
    cf_error_t err;
    memset(t, 0, sizeof(*t));
    cf_test_db(name, t->path, sizeof(t->path));
    ASSERT_EQ(cf_store_open(t->path, &t->s, &err), 0);
    t->wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    t->cal = cf_test_calendar();
    ASSERT_EQ(cf_store_workflow_put(t->s, t->wf, NULL, NULL, &err), 0);
    ASSERT_EQ(cf_store_open_readonly(t->path, &t->ro, &err), 0);
    pthread_mutex_init(&t->lock, NULL);
    t->cache.lock = &t->lock;
    t->wfs.cases = &t->cache;    /* as the daemon's writer */
    t->ro_wfs.cases = &t->cache; /* and its preparer, which reads it */
    t->ops = (cf_ops_t){.store = t->s, .cal = t->cal, .wfs = &t->wfs};
    t->ro_ops = (cf_ops_t){.store = t->ro, .cal = t->cal, .wfs = &t->ro_wfs};
}

static void twin_close(twin_t *t)
{
    cf_casecache_free(&t->cache);
    pthread_mutex_destroy(&t->lock);
    cf_wfcache_free(&t->wfs);
    cf_wfcache_free(&t->ro_wfs);
    cf_calendar_free(t->cal);
    cf_workflow_free(t->wf);
    cf_store_close(t->ro);
    cf_store_close(t->s);
}

static int64_t open_one(twin_t *t, int k)
{
    char name[64];
    snprintf(name, sizeof(name), "某某大药房%d号", k);
    json_t *party = json_pack("{s:s}", "name", name);
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_open_t open = {.by = by_at("2026-03-02T09:00:00+08:00", agency),
                          .workflow = "bench-linear",
                          .party = party,
                          .algo = CF_CHAIN_SHA256};
    int rc = cf_ops_open(&t->ops, &open, &out);
    if (rc != 0)
        CF__FAIL("open: %d %s", rc, out.err.text);
    int64_t id = out.c.id;
    cf_ops_out_dispose(&out);
    json_decref(party);
    return id;
}

/* The request of step n (1..8) on case id: at 10:0n, the third one entered at 10:30
 * and claiming 10:03 (backdated: entered_at, entered_by), with a fact. */
static cf_ops_act_t step_of(int64_t id, int n, char *action, json_t *facts)
{
    char now[64], at[64];
    snprintf(action, 16, "step%d", n);
    snprintf(now, sizeof(now), "2026-03-02T10:%02d:00+08:00", n == 3 ? 30 : n);
    snprintf(at, sizeof(at), "2026-03-02T10:%02d:00+08:00", n);
    cf_ops_act_t in = {.by = by_at(now, agency), .case_id = id, .action = action, .facts = facts};
    if (n == 3)
        in.by.at = cf_test_time(at);
    return in;
}

/* One group commit on t: each case takes step n, by cf_ops_act (ready NULL) or by
 * cf_ops_act_put of ready[i]. OUT codes[i]. */
static void group(twin_t *t, const int64_t *ids, int n, cf_ops_ready_t *ready, int *codes)
{
    cf_error_t err;
    char action[16];
    json_t *facts = json_pack("{s:s}", "note", "第一次检查");
    ASSERT_EQ(cf_store_tx_begin(t->s, &err), 0);
    t->ops.in_tx = 1;
    for (int i = 0; i < CASES; i++) {
        cf_ops_act_t in = step_of(ids[i], n, action, facts);
        cf_ops_out_t out;
        cf_ops_out_init(&out);
        ASSERT_EQ(cf_store_savepoint(t->s, &err), 0);
        codes[i] =
            ready ? cf_ops_act_put(&t->ops, &in, &ready[i], &out) : cf_ops_act(&t->ops, &in, &out);
        if (codes[i] == 0)
            ASSERT_EQ(cf_store_savepoint_release(t->s, &err), 0);
        else
            cf_store_savepoint_rollback(t->s);
        cf_ops_out_dispose(&out);
    }
    ASSERT_EQ(cf_store_tx_commit(t->s, &err), 0);
    t->ops.in_tx = 0;
    json_decref(facts);
}

/* Prepares step n of every case on t's read-only connection: each case from the
 * writer's cache for an even step, read from the database for an odd one. */
static void prepare_all(twin_t *t, const int64_t *ids, int n, cf_ops_ready_t *ready)
{
    char action[16];
    json_t *facts = json_pack("{s:s}", "note", "第一次检查");
    t->ro_wfs.cases = n % 2 ? NULL : &t->cache;
    for (int i = 0; i < CASES; i++) {
        cf_ops_act_t in = step_of(ids[i], n, action, facts);
        ASSERT_EQ(cf_ops_act_prepare(&t->ro_ops, &in, &ready[i]), 0);
        ASSERT_EQ(ready[i].ready, 1);
        /* the summary's text made here, not by the writer, when its row is to be written */
        cf_ops_ready_t *r = &ready[i];
        int same = r->has_old && !r->old.rewrite && cf_summary_equal(&r->old, &r->sum);
        ASSERT_EQ(r->sum_text == NULL, same);
        char *text = cf_summary_text(&r->sum);
        if (r->sum_text)
            ASSERT_STR_EQ(r->sum_text, text);
        free(text);
    }
    json_decref(facts);
}

/* Case id as t stores it, as text: its events (as stored), its row and snapshot, its
 * summary; and every pending alert of the database. */
static char *case_text(twin_t *t, int64_t id)
{
    cf_error_t err;
    json_t *events = NULL, *all = json_object();
    cf_case_t c;
    cf_summary_t sum;
    char *snap = NULL;
    size_t cap = 0;
    ASSERT_EQ(cf_store_case_events(t->s, id, &events, &err), 0);
    ASSERT_EQ(cf_store_case_get(t->s, id, &c, &err), 0);
    ASSERT_EQ(cf_case_snapshot_buf(&c, &snap, &cap), 0);
    ASSERT_EQ(cf_store_summary_read(t->s, id, &sum, &err), 0);
    json_object_set_new(all, "events", events);
    json_object_set_new(all, "snapshot", json_string(snap));
    json_object_set_new(all, "head", json_string(c.head));
    json_object_set_new(all, "version", json_integer(c.version));
    json_object_set_new(all, "summary", cf_summary_to_json(&sum));
    cf_alert_t due[16];
    int n = cf_store_alerts_due(t->s, cf_test_time("2030-01-01T00:00:00+08:00"), due, 16, &err);
    json_t *alerts = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(alerts, json_pack("{s:s, s:I, s:I}", "id", due[i].id, "case",
                                                (json_int_t)due[i].case_id, "due",
                                                (json_int_t)due[i].due_at));
    json_object_set_new(all, "alerts", alerts);
    char *text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    free(snap);
    cf_summary_dispose(&sum);
    cf_case_dispose(&c);
    return text;
}

/* Every row of every table of the SQLite database at path, as text; not the settings
 * (each database's own keys, made at random) nor the workflows (when each was stored). */
static char *tables_text(const char *path)
{
    sqlite3 *h;
    sqlite3_stmt *tables, *rows;
    ASSERT_EQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(
                  h,
                  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                  "LIKE 'sqlite_%' AND name NOT IN ('settings', 'workflows') ORDER BY name",
                  -1, &tables, NULL),
              SQLITE_OK);
    size_t len = 0, cap = 1 << 16;
    char *text = malloc(cap);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY rowid",
                 (const char *)sqlite3_column_text(tables, 0));
        if (sqlite3_prepare_v2(h, sql, -1, &rows, NULL) != SQLITE_OK) /* WITHOUT ROWID */
            continue;
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const char *v = (const char *)sqlite3_column_text(rows, c);
                size_t n = strlen(v ? v : "NULL") + 2 + strlen(sql);
                while (len + n + 1 > cap)
                    text = realloc(text, cap *= 2);
                len += (size_t)snprintf(text + len, cap - len, "%s|%s\x1f", sql, v ? v : "NULL");
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    sqlite3_close(h);
    text[len] = '\0';
    return text;
}

/* ready-1 */
TEST_IMPL(ready_same)
{
    twin_t a, b;
    twin_open(&a, "ready-whole.db");
    twin_open(&b, "ready-prepared.db");
    int64_t ida[CASES], idb[CASES];
    int codes[CASES];
    for (int i = 0; i < CASES; i++) {
        ida[i] = open_one(&a, i);
        idb[i] = open_one(&b, i);
        ASSERT_EQ(ida[i], idb[i]);
    }
    for (int n = 1; n <= 8; n++) {
        cf_ops_ready_t ready[CASES];
        group(&a, ida, n, NULL, codes);
        for (int i = 0; i < CASES; i++)
            ASSERT_EQ(codes[i], 0);
        prepare_all(&b, idb, n, ready);
        group(&b, idb, n, ready, codes);
        for (int i = 0; i < CASES; i++) {
            ASSERT_EQ(codes[i], 0);
            ASSERT_EQ(ready[i].used, 1); /* ready-1: written as prepared */
            cf_ops_ready_dispose(&ready[i]);
        }
    }
    for (int i = 0; i < CASES; i++) { /* ready-1: the same rows */
        char *ta = case_text(&a, ida[i]), *tb = case_text(&b, idb[i]);
        ASSERT_STR_EQ(ta, tb);
        if (i == 0 && !strstr(ta, "entered_at"))
            CF__FAIL("no backdated step in %s", ta);
        free(ta);
        free(tb);
    }
    if (!cf_test_pg()) {
        char *ta = tables_text(a.path), *tb = tables_text(b.path);
        size_t k = 0;
        while (ta[k] && ta[k] == tb[k])
            k++;
        if (ta[k] || tb[k])
            CF__FAIL("the databases differ at byte %zu: %.300s | %.300s", k, ta + k, tb + k);
        free(ta);
        free(tb);
    }
    twin_close(&a);
    twin_close(&b);
    return 0;
}

/* ready-2 */
TEST_IMPL(ready_moved)
{
    twin_t t;
    cf_error_t err;
    twin_open(&t, "ready-moved.db");
    int64_t ids[CASES];
    int codes[CASES];
    for (int i = 0; i < CASES; i++)
        ids[i] = open_one(&t, i);
    /* the same step prepared twice for each case, both written in one group commit */
    cf_ops_ready_t first[CASES], second[CASES];
    prepare_all(&t, ids, 1, first);
    prepare_all(&t, ids, 1, second);
    ASSERT_EQ(cf_store_tx_begin(t.s, &err), 0);
    t.ops.in_tx = 1;
    char action[16];
    cf_ops_act_t in = step_of(ids[0], 1, action, NULL);
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    ASSERT_EQ(cf_store_savepoint(t.s, &err), 0);
    ASSERT_EQ(cf_ops_act_put(&t.ops, &in, &first[0], &out), 0);
    ASSERT_EQ(first[0].used, 1);
    ASSERT_EQ(cf_store_savepoint_release(t.s, &err), 0);
    cf_ops_out_dispose(&out);
    cf_ops_out_init(&out);
    ASSERT_EQ(cf_store_savepoint(t.s, &err), 0);
    int rc = cf_ops_act_put(&t.ops, &in, &second[0], &out);
    ASSERT_EQ(second[0].used, 0); /* ready-2: its case moved: the whole path answers */
    ASSERT_EQ(rc, CF_EREFUSED);
    ASSERT_EQ(out.refused, 1);
    cf_ops_out_t whole; /* what cf_ops_act answers the same request */
    cf_ops_out_init(&whole);
    ASSERT_EQ(cf_ops_act(&t.ops, &in, &whole), CF_EREFUSED);
    ASSERT_STR_EQ(out.why.text, whole.why.text);
    ASSERT_STR_EQ(out.why.rule, whole.why.rule);
    cf_ops_out_dispose(&whole);
    cf_store_savepoint_rollback(t.s);
    cf_ops_out_dispose(&out);
    ASSERT_EQ(cf_store_tx_commit(t.s, &err), 0);
    t.ops.in_tx = 0;
    /* case 1: moved by another connection (another node) with an extension of its clock
     * after it was prepared: the step is done, on the extended case */
    cf_store_t *other;
    ASSERT_EQ(cf_store_open_existing(t.path, &other, &err), 0);
    cf_wfcache_t owfs = {0};
    cf_ops_t oops = {.store = other, .cal = t.cal, .wfs = &owfs};
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "kind", "书证",
                             "title", "处方单据", "source", "当事人", "method", "调取", "officers",
                             "name", "张三", "cert", "LA-001", "name", "王五", "cert", "LA-002");
    cf_ops_evidence_t ev = {
        .by = by_at("2026-03-02T09:30:00+08:00", agency), .case_id = ids[1], .item = item};
    cf_ops_out_init(&out);
    rc = cf_ops_evidence(&oops, &ev, &out);
    json_decref(item);
    if (rc != 0)
        CF__FAIL("evidence: %d %s %s", rc, out.err.text, out.why.text);
    cf_ops_out_dispose(&out);
    cf_ops_ready_dispose(&first[0]); /* (written above: left as not prepared) */
    group(&t, ids, 1, first, codes);
    ASSERT_EQ(codes[0], CF_EREFUSED); /* (case 0: its step1 was written above) */
    ASSERT_EQ(codes[1], 0);
    ASSERT_EQ(first[1].used, 0); /* ready-2: moved: done whole */
    for (int i = 2; i < CASES; i++) {
        ASSERT_EQ(codes[i], 0);
        ASSERT_EQ(first[i].used, 1);
    }
    json_t *events = NULL;
    ASSERT_EQ(cf_store_case_events(t.s, ids[1], &events, &err), 0);
    ASSERT_EQ(json_array_size(events), 4); /* opened, clock, evidence, step1: one chain */
    json_decref(events);
    for (int i = 0; i < CASES; i++) {
        cf_ops_ready_dispose(&first[i]);
        cf_ops_ready_dispose(&second[i]);
    }
    cf_wfcache_free(&owfs);
    cf_store_close(other);
    twin_close(&t);
    return 0;
}

/* Prepares in on t: 0 when it was prepared; the ready is disposed. */
static int prepared(twin_t *t, const cf_ops_act_t *in)
{
    cf_ops_ready_t r;
    int rc = cf_ops_act_prepare(&t->ro_ops, in, &r);
    int ready = r.ready;
    cf_ops_ready_dispose(&r);
    return rc == 0 && ready;
}

/* ready-3 */
TEST_IMPL(ready_left)
{
    twin_t t;
    cf_error_t err;
    twin_open(&t, "ready-left.db");
    int64_t id = open_one(&t, 0);
    char action[16];
    cf_ops_act_t in = step_of(id, 1, action, NULL);
    ASSERT_EQ(prepared(&t, &in), 1);
    cf_ops_act_t refused = step_of(id, 2, action, NULL); /* step2 from s0: refused */
    ASSERT_EQ(prepared(&t, &refused), 0);
    in = step_of(id, 1, action, NULL);
    in.by.if_match = 7;
    ASSERT_EQ(prepared(&t, &in), 0);
    cf_ops_doc_t doc = {.name = "记录", .file = "a.pdf", .data = "x", .len = 1};
    in = step_of(id, 1, action, NULL);
    in.docs = &doc;
    in.docs_count = 1;
    ASSERT_EQ(prepared(&t, &in), 0);
    in = step_of(id, 1, action, NULL);
    in.by.agency = NULL;
    ASSERT_EQ(prepared(&t, &in), 0);
    in = step_of(id + 100, 1, action, NULL);
    ASSERT_EQ(prepared(&t, &in), 0);
    in = step_of(id, 1, action, NULL);
    in.action = NULL;
    ASSERT_EQ(prepared(&t, &in), 0);
    /* a ready left unprepared: cf_ops_act_put answers as cf_ops_act (409, the version) */
    cf_ops_ready_t r;
    cf_ops_out_t out;
    in = step_of(id, 1, action, NULL);
    in.by.if_match = 7;
    ASSERT(cf_ops_act_prepare(&t.ro_ops, &in, &r) != 0);
    ASSERT_EQ(cf_store_tx_begin(t.s, &err), 0);
    t.ops.in_tx = 1;
    cf_ops_out_init(&out);
    ASSERT_EQ(cf_ops_act_put(&t.ops, &in, &r, &out), CF_ECONFLICT);
    ASSERT_EQ(out.version, 2); /* opened, the clock started */
    ASSERT_EQ(r.used, 0);
    cf_ops_out_dispose(&out);
    cf_ops_ready_dispose(&r);
    cf_store_tx_rollback(t.s);
    twin_close(&t);
    return 0;
}
