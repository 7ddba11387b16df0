/*
 * test-casefile.c -- casefile-*: the case file of issue 20 in the store and the
 * operation layer (the command line and the API are in tests/cli/casefile*.sh).
 *
 * casefile-1.*: numbers of a kind (决定书文号, 档案号) from counters per kind,
 *               agency and year: gapless, given back by a rollback, never twice
 *               (casefile_ref_numbers).
 * casefile-2.*: a case's summary keeps the counts by deltas: rewriting it moves
 *               the case between states and handlers without counting it twice;
 *               the list and the report filter by handler
 *               (casefile_summary_counts); its text is jansson's sorted compact
 *               dump (casefile_summary_text); the previous summary kept in the
 *               daemon's case cache is used only at the head it was kept for: a
 *               change by another process or node, or one rolled back, leaves the
 *               counts exact (casefile_summary_cache); the counts' rows of a
 *               transaction are written once, merged, at its commit
 *               (casefile_counts_per_commit), and a savepoint rolled back takes
 *               its deltas with it (casefile_counts_savepoint); deltas are merged
 *               by the whole key in any order (casefile_counts_merge).
 * casefile-3.*: the report's period is checked, the outputs untouched on refusal;
 *               its CSV quotes what needs quoting (casefile_stats_period,
 *               casefile_stats_csv).
 */
#include <stdlib.h>
#include <string.h>

#include "../storage/store-int.h"
#include "core-helpers.h"
#include "jsonw.h"
#include "ops.h"
#include "store.h"
#include "task.h"

/* ---- casefile-1: numbers -------------------------------------------------------------------- */

/* casefile-1.1 */
TEST_IMPL(casefile_ref_numbers)
{
    cf_store_t *s = cf_test_store("refs.db");
    cf_error_t err;
    int64_t seq = 0;
    char text[64] = "untouched";
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 1);
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 2);
    /* another agency, another year, another kind: each its own counter */
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "乙局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 1);
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "甲局", 2027, &seq, &err), 0);
    ASSERT_EQ(seq, 1);
    ASSERT_EQ(cf_store_ref_next(s, "archive_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 1);
    /* a rollback gives the number back: the next writer gets it */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 3);
    cf_store_tx_rollback(s);
    ASSERT_EQ(cf_store_ref_next(s, "decision_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 3);
    /* recorded once per case and kind, and a number never twice */
    ASSERT_EQ(cf_store_ref_put(s, 1, "decision_number", "甲医保罚〔2026〕1号", &err), 0);
    ASSERT_EQ(cf_store_ref_put(s, 2, "decision_number", "甲医保罚〔2026〕1号", &err), CF_EEXIST);
    ASSERT_EQ(cf_store_ref_put(s, 1, "decision_number", "甲医保罚〔2026〕2号", &err), CF_EEXIST);
    ASSERT_EQ(cf_store_ref_put(s, 1, "archive_number", "甲医保档〔2026〕1号", &err), 0);
    ASSERT_EQ(cf_store_ref_get(s, 1, "decision_number", text, sizeof(text), &err), 0);
    ASSERT_STR_EQ(text, "甲医保罚〔2026〕1号");
    snprintf(text, sizeof(text), "untouched");
    ASSERT_EQ(cf_store_ref_get(s, 2, "decision_number", text, sizeof(text), &err), CF_ENOTFOUND);
    ASSERT_STR_EQ(text, "untouched");
    /* the 案号 keeps its own counter (schema 9) under the same functions */
    ASSERT_EQ(cf_store_ref_next(s, "case_number", "甲局", 2026, &seq, &err), 0);
    ASSERT_EQ(seq, 1);
    ASSERT_EQ(cf_store_ref_put(s, 1, "case_number", "甲医保案〔2026〕1号", &err), 0);
    ASSERT_EQ(cf_store_case_number_get(s, 1, text, sizeof(text), &err), 0);
    ASSERT_STR_EQ(text, "甲医保案〔2026〕1号");
    cf_store_close(s);
    return 0;
}

/* ---- casefile-2: summaries and counts -------------------------------------------------------- */

/* A summary of the shape ops-summary.c writes. New. */
static json_t *summary(const char *state, const char *h2, int64_t decided, int64_t paid)
{
    json_t *clocks = json_pack("[[s, i, I]]", "filing", 1, (json_int_t)20514);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s], s:s, s:I, s:I, s:I, s:I, s:I, "
                     "s:I, s:I, s:I, s:o}",
                     "agency", "某县医疗保障局", "power_type", "行政处罚", "workflow",
                     "penalty-general", "cause", "串换药品", "state", state, "name", "某案",
                     "handlers", "张三", h2, "head", "李四", "opened", (json_int_t)20514, "filed",
                     (json_int_t)20514, "decided", (json_int_t)decided, "closed", (json_int_t)0,
                     "fine", (json_int_t)(decided ? 5000000 : 0), "paid", (json_int_t)paid,
                     "refund", (json_int_t)0, "recovered", (json_int_t)0, "clocks", clocks);
}

/* The report of the day 20514 (2026-03-02) .. 20519 for handler (NULL: all). New. */
static json_t *report(cf_store_t *s, const char *handler)
{
    cf_stats_query_t q = {.agency = "某县医疗保障局",
                          .handler = handler,
                          .from_day = 20514,
                          .to_day = 20520,
                          .now = cf_test_time("2026-03-20T12:00:00+08:00")};
    json_t *o = NULL;
    ASSERT_EQ(cf_store_stats(s, &q, &o, NULL), 0);
    return o;
}

static int64_t at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_integer_value(b ? json_object_get(v, b) : v);
}

/* casefile-2.1 */
TEST_IMPL(casefile_summary_counts)
{
    cf_store_t *s = cf_test_store("summary.db");
    json_t *s1 = summary("investigating", "王五", 0, 0);
    json_t *s2 = summary("executing", "赵七", 20515, 3000000);
    json_t *got = NULL, *list = NULL;
    ASSERT_EQ(cf_store_summary_put(s, 7, NULL, s1, NULL), 0);
    ASSERT_EQ(cf_store_summary_get(s, 7, &got, NULL), 0);
    ASSERT(json_equal(got, s1));
    json_decref(got);
    json_t *o = report(s, NULL);
    ASSERT_EQ(at(o, "opened", NULL), 1);
    ASSERT_EQ(at(o, "by_state", "investigating"), 1);
    ASSERT_EQ(at(o, "by_handler", "王五"), 1);
    ASSERT_EQ(at(o, "decided", NULL), 0);
    json_decref(o);
    /* the case moves on: counted once, in its new state, for its new handler */
    ASSERT_EQ(cf_store_summary_put(s, 7, s1, s2, NULL), 0);
    o = report(s, NULL);
    ASSERT_EQ(at(o, "opened", NULL), 1);
    ASSERT_EQ(at(o, "filed", NULL), 1);
    ASSERT_EQ(at(o, "by_state", "investigating"), 0);
    ASSERT_EQ(at(o, "by_state", "executing"), 1);
    ASSERT(!json_object_get(json_object_get(o, "by_handler"), "王五"));
    ASSERT_EQ(at(o, "by_handler", "赵七"), 1);
    ASSERT_EQ(at(o, "decided", NULL), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(o, "fines"), "outstanding")),
                  "20000.00");
    ASSERT_EQ(at(json_object_get(o, "clocks"), "filing", "met"), 1);
    json_decref(o);
    /* by handler: the old one's counts are gone, the new one's are there */
    o = report(s, "王五");
    ASSERT_EQ(at(o, "opened", NULL), 0);
    json_decref(o);
    o = report(s, "赵七");
    ASSERT_EQ(at(o, "opened", NULL), 1);
    ASSERT_EQ(at(o, "decided", NULL), 1);
    json_decref(o);
    /* the same summary again changes nothing */
    ASSERT_EQ(cf_store_summary_put(s, 7, s2, s2, NULL), 0);
    o = report(s, NULL);
    ASSERT_EQ(at(o, "opened", NULL), 1);
    json_decref(o);
    /* a period without the case */
    cf_stats_query_t q = {.agency = "某县医疗保障局", .from_day = 20600, .to_day = 20700};
    ASSERT_EQ(cf_store_stats(s, &q, &o, NULL), 0);
    ASSERT_EQ(at(o, "opened", NULL), 0);
    ASSERT_EQ(json_object_size(json_object_get(o, "by_state")), 0);
    json_decref(o);
    /* the list's handler filter reads the people (no case row: no rows at all) */
    ASSERT_EQ(cf_store_case_list(s, &(cf_case_filter_t){.handler = "赵七"}, &list, NULL), 0);
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    json_decref(s1);
    json_decref(s2);
    cf_store_close(s);
    return 0;
}

/* casefile-2.2: the summary's text, written from the struct, is what json_dumps
 * (JSON_COMPACT | JSON_SORT_KEYS) writes of the same object (the text cases written
 * before the struct have, and what the list's filters read), over summaries with
 * and without a name, a head, handlers and clocks, and text that needs escaping. */
TEST_IMPL(casefile_summary_text)
{
    const char *texts[] = {"", "某县医疗保障局", "a\"b\\c\n\x01", "\xe2\x80\xa8 é"};
    char *handlers[] = {"张三", "王\"五", ""};
    cf_summary_clock_t clocks[] = {{"filing", 1, 20514}, {"decision", 0, 20600}};
    for (unsigned i = 0; i < 64; i++) {
        cf_summary_t sum = {.agency = (char *)texts[i % 4],
                            .power_type = (char *)texts[(i + 1) % 4],
                            .workflow = "penalty-general",
                            .cause = (char *)texts[(i + 2) % 4],
                            .state = (char *)texts[(i + 3) % 4],
                            .name = i & 1 ? (char *)texts[i % 4] : NULL,
                            .head = i & 2 ? "李四" : NULL,
                            .handlers = handlers,
                            .handlers_count = (i >> 2) % 4,
                            .opened = 20514,
                            .filed = i & 4 ? 20515 : 0,
                            .decided = i & 8 ? 20516 : 0,
                            .closed = (int64_t)i * 1000003,
                            .fine = -(int64_t)i,
                            .paid = INT64_MAX - i,
                            .refund = 7,
                            .recovered = INT64_MIN + i,
                            .clocks = clocks,
                            .clocks_count = (i >> 4) % 3};
        if (sum.handlers_count == 3)
            sum.handlers_count = 2;
        cf__jsonw_t w = {0};
        cf_summary_write(&w, &sum);
        char *text = cf__jsonw_finish(&w);
        json_t *back = json_loads(text, 0, NULL);
        ASSERT(back != NULL);
        ASSERT_EQ(json_object_size(back), 17);
        char *dump = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
        ASSERT_STR_EQ(text, dump);
        /* and read back into the struct, the same summary */
        cf_summary_t again;
        ASSERT_EQ(cf_summary_from_json(back, &again), 0);
        ASSERT(cf_summary_equal(&sum, &again));
        cf_summary_dispose(&again);
        free(dump);
        free(text);
        json_decref(back);
    }
    /* a row whose text lacks a member reads as the same summary, but marked: written
     * again in its place, it is written whole */
    cf_store_t *s = cf_test_store("summary-text.db");
    json_t *full = summary("investigating", "王五", 0, 0), *got = NULL;
    ASSERT_EQ(cf_store_summary_put(s, 7, NULL, full, NULL), 0);
    ASSERT_EQ(cf__store_exec(s,
                             "UPDATE case_summary SET body = replace(body, ',\"recovered\":0', '') "
                             "WHERE case_id = 7",
                             NULL),
              0);
    cf_summary_t read, same;
    ASSERT_EQ(cf_store_summary_read(s, 7, &read, NULL), 0);
    ASSERT_EQ(read.rewrite, 1);
    ASSERT_EQ(cf_summary_from_json(full, &same), 0);
    ASSERT(cf_summary_equal(&read, &same));
    ASSERT_EQ(cf_store_summary_write(s, 7, &read, &same, NULL), 0);
    ASSERT_EQ(cf_store_summary_get(s, 7, &got, NULL), 0);
    ASSERT(json_equal(got, full));
    cf_summary_dispose(&read);
    ASSERT_EQ(cf_store_summary_read(s, 7, &read, NULL), 0);
    ASSERT_EQ(read.rewrite, 0);
    cf_summary_dispose(&read);
    cf_summary_dispose(&same);
    json_decref(got);
    json_decref(full);
    cf_store_close(s);
    return 0;
}

/* Takes action on case id through ops as the handler at iso (agency: the daemon's,
 * or NULL as the command line). Fails the test unless it is done. OUT head (may be
 * NULL): the case's head after it. */
static void act_on(cf_ops_t *ops, int64_t id, const char *agency, const char *action,
                   const char *iso, char *head)
{
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_act_t in = {.by = {.actor = "张三",
                              .role = "handler",
                              .agency = agency,
                              .now = cf_test_time(iso),
                              .if_match = -1},
                       .case_id = id,
                       .action = action};
    int rc = cf_ops_act(ops, &in, &out);
    if (rc != 0)
        CF__FAIL("%s: %d %s", action, rc, out.err.text);
    if (head)
        snprintf(head, CF_CHAIN_HEX, "%s", out.c.head);
    cf_ops_out_dispose(&out);
}

/* 1 if the report counts the case once, in state only, among s0..s8. */
static int counted_in(cf_store_t *s, const char *state)
{
    json_t *o = report(s, NULL);
    int ok = at(o, "opened", NULL) == 1;
    for (int i = 0; i <= 8; i++) {
        char name[4];
        snprintf(name, sizeof(name), "s%d", i);
        ok = ok && at(o, "by_state", name) == (strcmp(name, state) == 0);
    }
    json_decref(o);
    return ok;
}

/* casefile-2.3: one database, two writers: A keeps a case cache (the daemon's
 * writer), B none (the command line, or another node on PostgreSQL). A's cached
 * summary is used only while the case is at the head A kept it for. */
TEST_IMPL(casefile_summary_cache)
{
    char path[512], head[CF_CHAIN_HEX];
    cf_test_db("summary-cache.db", path, sizeof(path));
    cf_store_t *sa, *sb;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(path, &sa, &err), 0);
    ASSERT_EQ(cf_store_open(path, &sb, &err), 0);
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    ASSERT_EQ(cf_store_workflow_put(sa, wf, NULL, NULL, &err), 0);
    cf_casecache_t cache = {0};
    cf_wfcache_t wfa = {.cases = &cache}, wfb = {0};
    cf_ops_t a = {.store = sa, .cal = cal, .wfs = &wfa}, b = {.store = sb, .cal = cal, .wfs = &wfb};
    const char *agency = "某县医疗保障局";
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    cf_ops_open_t open = {.by = {.actor = "张三",
                                 .role = "handler",
                                 .agency = agency,
                                 .now = cf_test_time("2026-03-02T09:00:00+08:00"),
                                 .if_match = -1},
                          .workflow = "bench-linear",
                          .party = party,
                          .algo = CF_CHAIN_SHA256};
    ASSERT_EQ(cf_ops_open(&a, &open, &out), 0);
    int64_t id = out.c.id;
    cf_ops_out_dispose(&out);
    /* A's change keeps its summary beside the case, for the head it made */
    act_on(&a, id, agency, "step1", "2026-03-02T10:00:00+08:00", head);
    ASSERT(cf_casecache_summary(&cache, id, head) != NULL);
    ASSERT(counted_in(sa, "s1"));
    /* B changes the case behind A's back; A's next change reads the summary B wrote */
    act_on(&b, id, NULL, "step2", "2026-03-02T11:00:00+08:00", NULL);
    ASSERT(cf_casecache_summary(&cache, id, head) != NULL); /* still held, for the old head */
    act_on(&a, id, agency, "step3", "2026-03-02T12:00:00+08:00", head);
    ASSERT(counted_in(sa, "s3"));
    /* A's change rolled back (a request failing inside the daemon's group commit):
     * its summary stays in the cache for a head the database never kept */
    ASSERT_EQ(cf_store_tx_begin(sa, &err), 0);
    a.in_tx = 1;
    act_on(&a, id, agency, "step4", "2026-03-02T13:00:00+08:00", head);
    ASSERT(cf_casecache_summary(&cache, id, head) != NULL);
    cf_store_tx_rollback(sa);
    a.in_tx = 0;
    ASSERT(counted_in(sa, "s3"));
    act_on(&a, id, agency, "step4", "2026-03-02T14:00:00+08:00", NULL);
    ASSERT(counted_in(sa, "s4"));
    /* from the cache, twice in a row; then B once more, and A to the end */
    act_on(&a, id, agency, "step5", "2026-03-02T15:00:00+08:00", NULL);
    act_on(&a, id, agency, "step6", "2026-03-02T16:00:00+08:00", NULL);
    ASSERT(counted_in(sb, "s6"));
    act_on(&b, id, NULL, "step7", "2026-03-02T17:00:00+08:00", NULL);
    act_on(&a, id, agency, "step8", "2026-03-02T18:00:00+08:00", NULL);
    ASSERT(counted_in(sb, "s8"));
    json_t *o = report(sb, NULL);
    ASSERT_EQ(at(o, "closed", NULL), 1);
    ASSERT_EQ(at(json_object_get(o, "clocks"), "handling", "met"), 1);
    json_decref(o);
    json_decref(party);
    cf_casecache_free(&cache);
    cf_wfcache_free(&wfa);
    cf_wfcache_free(&wfb);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(sa);
    cf_store_close(sb);
    return 0;
}

/* The daemon's writer over one store for casefile-2.4 and 2.5: a case cache, the
 * bench's linear workflow, and n cases opened (ids). */
typedef struct writer_s {
    cf_store_t *s;
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_casecache_t cache;
    cf_wfcache_t wfs;
    cf_ops_t ops;
} writer_t;

#define AGENCY "某县医疗保障局"

static void writer_open(writer_t *w, const char *db, int64_t *ids, int n)
{
    cf_error_t err;
    memset(w, 0, sizeof(*w));
    w->s = cf_test_store(db);
    w->wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    w->cal = cf_test_calendar();
    w->wfs.cases = &w->cache;
    w->ops = (cf_ops_t){.store = w->s, .cal = w->cal, .wfs = &w->wfs};
    ASSERT_EQ(cf_store_workflow_put(w->s, w->wf, NULL, NULL, &err), 0);
    json_t *party = json_pack("{s:s}", "name", "某某大药房");
    for (int i = 0; i < n; i++) {
        cf_ops_out_t out;
        cf_ops_out_init(&out);
        cf_ops_open_t open = {.by = {.actor = "张三",
                                     .role = "handler",
                                     .agency = AGENCY,
                                     .now = cf_test_time("2026-03-02T09:00:00+08:00"),
                                     .if_match = -1},
                              .workflow = "bench-linear",
                              .party = party,
                              .algo = CF_CHAIN_SHA256};
        ASSERT_EQ(cf_ops_open(&w->ops, &open, &out), 0);
        ids[i] = out.c.id;
        cf_ops_out_dispose(&out);
    }
    json_decref(party);
}

static void writer_close(writer_t *w)
{
    cf_casecache_free(&w->cache);
    cf_wfcache_free(&w->wfs);
    cf_calendar_free(w->cal);
    cf_workflow_free(w->wf);
    cf_store_close(w->s);
}

/* The report's count of cases in state. */
static int64_t in_state(cf_store_t *s, const char *state)
{
    json_t *o = report(s, NULL);
    int64_t n = at(o, "by_state", state);
    json_decref(o);
    return n;
}

/* casefile-2.4: the counts' rows of a group commit are written once, merged, at its
 * commit: eight transitions in one transaction (a savepoint each, as the daemon's
 * writer makes them) between the same two states write the rows one transition
 * writes alone, and none before the commit. */
TEST_IMPL(casefile_counts_per_commit)
{
    writer_t w;
    int64_t ids[9];
    cf_error_t err;
    writer_open(&w, "counts-commit.db", ids, 9);
    uint64_t before = w.s->counts.rows_written;
    act_on(&w.ops, ids[0], AGENCY, "step1", "2026-03-02T10:00:00+08:00", NULL);
    uint64_t one = w.s->counts.rows_written - before; /* s0 -1, s1 +1 */
    ASSERT_EQ(one, 2);
    before = w.s->counts.rows_written;
    ASSERT_EQ(cf_store_tx_begin(w.s, &err), 0);
    w.ops.in_tx = 1;
    for (int i = 1; i < 9; i++) {
        ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
        act_on(&w.ops, ids[i], AGENCY, "step1", "2026-03-02T10:00:00+08:00", NULL);
        ASSERT_EQ(cf_store_savepoint_release(w.s, &err), 0);
    }
    ASSERT_EQ(w.s->counts.rows_written, before); /* nothing yet */
    ASSERT_EQ(cf_store_tx_commit(w.s, &err), 0);
    w.ops.in_tx = 0;
    ASSERT_EQ(w.s->counts.rows_written - before, one); /* the same two rows, once */
    ASSERT_EQ(in_state(w.s, "s0"), 0);
    ASSERT_EQ(in_state(w.s, "s1"), 9);
    writer_close(&w);
    return 0;
}

/* casefile-2.5: a request rolled back to its savepoint inside a group commit takes its
 * deltas with it, nested savepoints too, and so does one rolled back after a read of
 * the counts wrote the transaction's deltas so far (the read sees them). */
TEST_IMPL(casefile_counts_savepoint)
{
    writer_t w;
    int64_t ids[6];
    cf_error_t err;
    writer_open(&w, "counts-savepoint.db", ids, 6);
    const char *t = "2026-03-02T10:00:00+08:00";
    ASSERT_EQ(cf_store_tx_begin(w.s, &err), 0);
    w.ops.in_tx = 1;
    /* kept */
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    act_on(&w.ops, ids[0], AGENCY, "step1", t, NULL);
    ASSERT_EQ(cf_store_savepoint_release(w.s, &err), 0);
    /* rolled back */
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    act_on(&w.ops, ids[1], AGENCY, "step1", t, NULL);
    cf_store_savepoint_rollback(w.s);
    /* nested (an alert's inside a firing job's): released inside, rolled back outside */
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    act_on(&w.ops, ids[2], AGENCY, "step1", t, NULL);
    ASSERT_EQ(cf_store_savepoint_release(w.s, &err), 0);
    cf_store_savepoint_rollback(w.s);
    /* read inside the transaction: the counts so far, written; then rolled back */
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    act_on(&w.ops, ids[3], AGENCY, "step1", t, NULL);
    ASSERT_EQ(in_state(w.s, "s1"), 2);
    cf_store_savepoint_rollback(w.s);
    ASSERT_EQ(in_state(w.s, "s1"), 1);
    ASSERT_EQ(in_state(w.s, "s0"), 5);
    /* a nested savepoint released inside one that is released: kept */
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(w.s, &err), 0);
    act_on(&w.ops, ids[4], AGENCY, "step1", t, NULL);
    ASSERT_EQ(cf_store_savepoint_release(w.s, &err), 0);
    ASSERT_EQ(cf_store_savepoint_release(w.s, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(w.s, &err), 0);
    w.ops.in_tx = 0;
    ASSERT_EQ(in_state(w.s, "s1"), 2);
    ASSERT_EQ(in_state(w.s, "s0"), 4);
    /* a whole transaction rolled back leaves nothing behind for the next one */
    ASSERT_EQ(cf_store_tx_begin(w.s, &err), 0);
    w.ops.in_tx = 1;
    act_on(&w.ops, ids[5], AGENCY, "step1", t, NULL);
    cf_store_tx_rollback(w.s);
    w.ops.in_tx = 0;
    act_on(&w.ops, ids[1], AGENCY, "step1", t, NULL);
    ASSERT_EQ(in_state(w.s, "s1"), 3);
    ASSERT_EQ(in_state(w.s, "s0"), 3);
    writer_close(&w);
    return 0;
}

/* casefile-2.6: the deltas a transaction keeps are merged by the whole key (agency,
 * handler, day, dim, key) whatever order they come in: 210 deltas over 21 keys, three
 * of which net to nothing, write 18 rows, each the sum of its deltas; a long
 * transaction's are written as they pile up. */
TEST_IMPL(casefile_counts_merge)
{
    cf_store_t *s = cf_test_store("counts-merge.db");
    cf_error_t err;
    static const char *const agencies[] = {"甲局", "乙局", "甲"};
    static const char *const handlers[] = {"", "张三", "张"};
    static const char *const keys[] = {"s1", "s10", "s2", ""};
    uint64_t before = s->counts.rows_written;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    for (int i = 0; i < 210; i++) {
        int k = (i * 8) % 21;                              /* every key ten times, scrambled */
        int64_t n = k % 7 == 3 ? (i % 2 ? 1 : -1) : k + 1; /* keys 3, 10, 17: +1 -1 ... */
        ASSERT_EQ(cf__store_count(s, agencies[k % 3], handlers[(k / 3) % 3], 20514 + k % 2,
                                  k % 2 ? "state" : "opened", keys[k % 4], n, 100 * n, &err),
                  0);
    }
    ASSERT_EQ(s->counts.rows_written, before);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(s->counts.rows_written - before, 18);
    cf_db_stmt_t *st;
    ASSERT_EQ(cf__store_prepare(
                  s, "SELECT count(*), sum(n), sum(fen) FROM stat_counts WHERE n <> 0", &st, &err),
              0);
    ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
    ASSERT_EQ(cf_db_column_int64(st, 0), 18);
    int64_t want = 0;
    for (int k = 0; k < 21; k++)
        want += k % 7 == 3 ? 0 : 10 * (k + 1);
    ASSERT_EQ(cf_db_column_int64(st, 1), want);
    ASSERT_EQ(cf_db_column_int64(st, 2), 100 * want);
    cf__store_release(s, st);
    /* outside any savepoint the log is written and started over when it is long: its
     * memory stays bounded in a long transaction, the sums exact */
    before = s->counts.rows_written;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    for (int i = 0; i < CF__STORE_COUNTS_FLUSH_AT + 2; i++)
        ASSERT_EQ(cf__store_count(s, "甲局", "", 20514, "opened", "", 1, 0, &err), 0);
    ASSERT_EQ(s->counts.rows_written - before, 1);
    ASSERT_EQ(s->counts.count, 2);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(s->counts.rows_written - before, 2);
    ASSERT_EQ(cf__store_prepare(s,
                                "SELECT n FROM stat_counts WHERE agency = '甲局' AND handler = '' "
                                "AND day = 20514 AND dim = 'opened' AND key = ''",
                                &st, &err),
              0);
    ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
    int64_t opened = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    ASSERT_EQ(opened, CF__STORE_COUNTS_FLUSH_AT + 2);
    cf_store_close(s);
    return 0;
}

/* ---- casefile-3: the report ------------------------------------------------------------------ */

/* casefile-3.1 */
TEST_IMPL(casefile_stats_period)
{
    cf_store_t *s = cf_test_store("period.db");
    cf_error_t err;
    json_t *o = NULL;
    cf_ops_stats_t in = {.agency = "某县医疗保障局",
                         .from = "2026-02-30",
                         .now = cf_test_time("2026-03-20T12:00:00+08:00")};
    ASSERT_EQ(cf_ops_stats(s, &in, &o, &err), CF_EINVAL);
    ASSERT_CONTAINS(err.text, "from '2026-02-30' is not a date");
    ASSERT(o == NULL);
    in.from = "2026-03-10", in.to = "2026-03-01";
    ASSERT_EQ(cf_ops_stats(s, &in, &o, &err), CF_EINVAL);
    ASSERT_CONTAINS(err.text, "ends (2026-03-01) before it begins (2026-03-10)");
    ASSERT(o == NULL);
    in.from = NULL, in.to = NULL; /* this year, to today */
    ASSERT_EQ(cf_ops_stats(s, &in, &o, &err), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(o, "from")), "2026-01-01");
    ASSERT_STR_EQ(json_string_value(json_object_get(o, "to")), "2026-03-20");
    ASSERT_EQ(json_integer_value(json_object_get(o, "due_within_days")), 7);
    json_decref(o);
    cf_store_close(s);
    return 0;
}

/* casefile-3.2 */
TEST_IMPL(casefile_stats_csv)
{
    json_t *o =
        json_pack("{s:s, s:i, s:{s:i}, s:{s:{s:i, s:f}}}", "agency", "某局,第一分局", "opened", 3,
                  "by_cause", "说\"明\"", 2, "clocks", "filing", "met", 1, "on_time_rate", 0.5);
    char *csv = cf_ops_stats_csv(o);
    ASSERT_STR_EQ(csv, "measure,key,value\r\n"
                       "agency,,\"某局,第一分局\"\r\n"
                       "opened,,3\r\n"
                       "by_cause,\"说\"\"明\"\"\",2\r\n"
                       "clocks.filing,met,1\r\n"
                       "clocks.filing,on_time_rate,0.5000\r\n");
    free(csv);
    json_decref(o);
    return 0;
}
