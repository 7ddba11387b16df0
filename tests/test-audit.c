/*
 * test-audit.c -- audit-*: chain verification and conformance replay.
 *
 * audit-1.x: conformant cases replay with no deviation.
 * audit-2.x: cases that break the procedure are reported, each with its event,
 *   kind, rule, basis and 追责情形: service late, 告知 skipped, wrong role, an
 *   extension without approval, an emergency measure reported after 24 hours.
 * audit-3.x: records tampered with in the database file (triggers bypassed):
 *   an event edited, an event deleted; bundles verified away from the
 *   database, a hand-edited one caught; the command line over the database (on
 *   several threads, a case row it cannot use, events it cannot read, a
 *   definition gone) and what it reads of a case.
 * audit-4.x, the report itself, are in test-audit-report.c.
 * Non-conforming logs are made the way a careless or dishonest writer would:
 * events sealed onto the chain directly, without asking the engine.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../engine/audit.h"
#include "core-helpers.h"
#include "task.h"

#define MINI "tests/fixtures/workflows/valid/mini.yaml"

typedef struct fx_s {
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_store_t *store;
    cf_case_t c;
    json_t *matter;
} fx_t;

/* The fixture's database: a file, or a PostgreSQL database (cf_test_db). */
static char audit_db[512];

static void setup(fx_t *f, const char *wf_path, const char *opened_at)
{
    f->wf = cf_test_workflow(wf_path);
    f->cal = cf_test_calendar();
    cf_error_t open_err;
    cf_test_db("audit.db", audit_db, sizeof(audit_db));
    if (cf_store_open(audit_db, &f->store, &open_err) != 0)
        CF__FAIL("open %s: %s", audit_db, open_err.text);
    f->matter = json_pack("{s:s, s:[s, s, s]}", "id", "m-001", "accountability",
                          "没有法律和事实依据实施行政处罚的", "违反法定的行政处罚程序的",
                          "在法定期限内不履行送达、执行等职责的");
    cf_test_open(f->store, f->wf, f->cal, opened_at, &f->c);
}

static void teardown(fx_t *f)
{
    json_decref(f->matter);
    cf_case_dispose(&f->c);
    cf_store_close(f->store);
    cf_calendar_free(f->cal);
    cf_workflow_free(f->wf);
}

static void act(fx_t *f, const char *action, const char *role, const char *iso, const char *facts,
                const char *docs)
{
    cf_refusal_t why = {0};
    int rc = cf_test_act(f->store, f->wf, f->cal, &f->c, action, role, iso, facts, docs, &why);
    if (rc != 0)
        CF__FAIL("%s refused: %s", action, why.text);
    cf_refusal_dispose(&why);
}

/* Seals a hand-made event onto the case, as no engine would have allowed. */
static void forge(fx_t *f, const char *json)
{
    json_t *ev = json_loads(json, 0, NULL);
    ASSERT(ev != NULL);
    json_object_set_new(ev, "seq", json_integer(f->c.version + 1));
    json_t *events = json_pack("[o]", ev);
    cf_error_t err;
    if (cf_store_case_append(f->store, &f->c, events, &err) != 0)
        CF__FAIL("forge: %s", err.text);
    json_decref(events);
}

/* Verifies and replays the stored case; OUT a (dispose it). */
static void audit(fx_t *f, cf_audit_t *a, const char *now)
{
    json_t *events;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_events(f->store, f->c.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_init(a, f->c.id), 0);
    ASSERT_EQ(cf_audit_verify(events, f->c.algo, f->c.head, a), 0);
    ASSERT_EQ(cf_audit_replay(f->wf, f->cal, f->matter, events, cf_test_time(now), a), 0);
    json_decref(events);
}

static void dump(const cf_audit_t *a)
{
    for (size_t i = 0; i < a->items_count; i++)
        fprintf(stderr, "  #%lld %s %s: %s [%s] [%s]\n", (long long)a->items[i].seq,
                a->items[i].kind, a->items[i].rule, a->items[i].text, a->items[i].basis,
                a->items[i].accountability);
}

/* Asserts exactly one deviation, of kind at event seq; returns it. */
static const cf_deviation_t *only(const cf_audit_t *a, const char *kind, int64_t seq)
{
    if (a->items_count != 1 || strcmp(a->items[0].kind, kind) != 0 || a->items[0].seq != seq) {
        dump(a);
        CF__FAIL("expected exactly one '%s' deviation at event %lld", kind, (long long)seq);
    }
    return &a->items[0];
}

static void walk_to_decision(fx_t *f)
{
    act(f, "file", "head", "2025-09-01T15:00:00+08:00", "{\"reason\": \"举报\"}", "立案审批表");
    act(f, "notify", "handler", "2025-09-15T10:00:00+08:00", "{\"notified_fine\": 1000}", NULL);
    act(f, "decide", "head", "2025-09-30T10:00:00+08:00", "{\"fine\": 1000}", NULL);
}

/* audit-1.1: a case that followed its procedure, closed, replays clean, and
 * replay measures its steps and clocks. */
TEST_IMPL(audit_conformant)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    audit(&f, &a, "2026-01-01T00:00:00+08:00");
    if (a.items_count)
        dump(&a);
    ASSERT_EQ(a.items_count, 0);
    /* lead, investigating, notified, decided, served: five steps left. */
    ASSERT_EQ(json_array_size(a.steps), 5);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(a.steps, 1), "state")),
                  "investigating");
    ASSERT(json_array_size(a.clocks) >= 3);
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.1: the decision served after its 7 working days: the breach is reported
 * with the clock's article and the matter's 追责情形 about time limits. */
TEST_IMPL(audit_service_late)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f); /* service due by the end of 2025-10-16 */
    act(&f, "serve", "handler", "2025-10-20T10:00:00+08:00", NULL, NULL);
    act(&f, "archive", "handler", "2025-10-21T10:00:00+08:00", NULL, NULL);
    audit(&f, &a, "2026-01-01T00:00:00+08:00");
    /* events: open 1-2, file 3-5, notify 6-7, decide 8-10, serve 11, stop 12 */
    const cf_deviation_t *d = only(&a, "deadline", 12);
    ASSERT_STR_EQ(d->rule, "service");
    ASSERT_CONTAINS(d->text, "2025-10-16T23:59:59+08:00");
    ASSERT_STR_EQ(d->basis, "行政处罚法 第六十一条、第八十五条");
    ASSERT_STR_EQ(d->accountability, "在法定期限内不履行送达、执行等职责的");
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.2: a decision with no 告知 before it: the step is out of order. */
TEST_IMPL(audit_notice_skipped)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    act(&f, "file", "head", "2025-09-01T15:00:00+08:00", "{\"reason\": \"举报\"}", "立案审批表");
    forge(&f, "{\"type\": \"transition\", \"at\": \"2025-09-30T10:00:00+08:00\", \"actor\": "
              "\"李四\", \"role\": \"head\", \"action\": \"decide\", \"label\": \"作出决定\", "
              "\"from\": \"investigating\", \"to\": \"decided\", \"facts\": {\"fine\": 1000}, "
              "\"documents\": {}}");
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "order", 6);
    ASSERT_CONTAINS(d->text, "action 'decide' is not allowed in state 'investigating'");
    ASSERT_STR_EQ(d->accountability, "违反法定的行政处罚程序的");
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.3: a filing approved by a handler instead of the head. */
TEST_IMPL(audit_wrong_role)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    forge(&f,
          "{\"type\": \"transition\", \"at\": \"2025-09-01T15:00:00+08:00\", \"actor\": "
          "\"张三\", \"role\": \"handler\", \"action\": \"file\", \"label\": \"立案\", "
          "\"from\": \"lead\", \"to\": \"investigating\", \"facts\": {\"reason\": \"x\"}, "
          "\"documents\": {\"立案审批表\": {\"sha256\": \"00\", \"size\": 1, \"file\": \"a\"}}}");
    audit(&f, &a, "2025-09-02T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "role", 3);
    ASSERT_CONTAINS(d->text, "role 'handler' may not take action 'file'");
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.4: an extension granted by a handler, where the rule needs the head. */
TEST_IMPL(audit_extension_unapproved)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2026-03-02T09:00:00+08:00");
    act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}", "立案审批表");
    forge(&f, "{\"type\": \"clock.extended\", \"at\": \"2026-04-01T10:00:00+08:00\", "
              "\"actor\": \"张三\", \"role\": \"handler\", \"clock\": \"decision\", \"by\": "
              "\"30 days\", \"total\": \"30 days\", \"reason\": \"\", \"deadline\": "
              "\"2026-07-01T23:59:59+08:00\"}");
    audit(&f, &a, "2026-04-02T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "extension", 6);
    ASSERT_STR_EQ(d->rule, "decision");
    ASSERT_CONTAINS(d->text, "needs the approval of role 'head'");
    ASSERT_STR_EQ(d->basis, "行政处罚法 第六十条");
    ASSERT_STR_EQ(d->accountability, "违反法定的行政处罚程序的");
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.5: an emergency coercive measure reported to the head after more than
 * 24 hours (行政强制法 第十九条), on the shipped coercion workflow. */
TEST_IMPL(audit_emergency_late)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, "workflows/coercion.yaml", "2026-01-12T15:00:00+08:00");
    act(&f, "take_emergency", "handler", "2026-01-12T15:30:00+08:00",
        "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", "
        "\"cert\": \"2\"}], \"measure_kind\": \"封存\", \"emergency_reason\": \"删除数据\", "
        "\"items\": \"电脑1台\", \"party_present\": false, \"witness\": \"见证人\"}",
        "现场笔录,清单");
    act(&f, "approve_emergency", "head", "2026-01-13T16:00:00+08:00", NULL,
        "行政强制措施审批表,查封扣押决定书");
    audit(&f, &a, "2026-01-14T00:00:00+08:00");
    int found = 0;
    for (size_t i = 0; i < a.items_count; i++)
        if (!strcmp(a.items[i].kind, "deadline") && !strcmp(a.items[i].rule, "emergency_report")) {
            found = 1;
            ASSERT_CONTAINS(a.items[i].text, "2026-01-13T15:30:00+08:00");
            ASSERT_CONTAINS(a.items[i].basis, "行政强制法 第十九条");
        }
    if (!found || a.items_count != 1)
        dump(&a);
    ASSERT(found);
    ASSERT_EQ(a.items_count, 1);
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-2.6 (issue 18 item 2): a decision taken while the party's windows still ran
 * (陈述、申辩 and the hearing request, from the notice's service) is reported as a
 * rule deviation by replay, with its article. */
TEST_IMPL(audit_decision_in_window)
{
    fx_t f;
    cf_audit_t a;
    setup(&f, "workflows/penalty-general.yaml", "2025-09-01T09:00:00+08:00");
    act(&f, "file", "head", "2025-09-01T10:00:00+08:00",
        "{\"filing_reason\": \"x\", \"cause\": \"y\", \"officers\": [{\"name\": \"张三\", "
        "\"cert\": \"1\"}, {\"name\": \"王五\", \"cert\": \"2\"}]}",
        "立案审批表");
    ASSERT_EQ(cf_test_evidence(f.store, f.wf, &f.c, "书证", "2025-09-01T11:00:00+08:00", NULL), 0);
    act(&f, "submit_review", "handler", "2025-09-01T11:00:00+08:00", "{\"findings\": \"x\"}",
        "调查终结报告");
    act(&f, "notify_with_hearing", "handler", "2025-09-02T10:00:00+08:00",
        "{\"notified_penalty\": \"罚款5万元\", \"notified_fine\": \"50000.00\"}",
        "案件审查报告,行政处罚告知书,行政处罚听证告知书");
    act(&f, "serve_hearing_notice", "handler", "2025-09-03T10:00:00+08:00", NULL, "告知书送达回证");
    forge(&f,
          "{\"type\": \"transition\", \"at\": \"2025-09-03T11:00:00+08:00\", \"actor\": "
          "\"李四\", \"role\": \"head\", \"action\": \"decide\", \"label\": \"作出行政处罚决定\", "
          "\"from\": \"notified\", \"to\": \"serving\", \"facts\": {\"penalty\": \"罚款\", "
          "\"fine\": \"50000.00\"}, \"documents\": {\"行政处罚决定书\": {\"sha256\": \"ab\", "
          "\"size\": 1, \"file\": \"x\"}}}");
    audit(&f, &a, "2025-09-04T00:00:00+08:00");
    int found = 0;
    for (size_t i = 0; i < a.items_count; i++)
        if (!strcmp(a.items[i].kind, "rule") && !strcmp(a.items[i].rule, "party-heard")) {
            found = 1;
            ASSERT_CONTAINS(a.items[i].basis, "第六十二条");
        }
    if (!found)
        dump(&a);
    ASSERT(found);
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* Runs SQL on the database file behind the store's back, triggers bypassed. */
static void tamper(const char *name, const char *sql)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", cf_test_tmpdir(), name);
    sqlite3 *db;
    ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        CF__FAIL("tamper: %s", msg);
    sqlite3_close(db);
}

static const char *const drop_triggers = "DROP TRIGGER events_no_update; DROP TRIGGER "
                                         "events_no_delete;";

/* audit-3.1: an event's body edited directly in the file is caught as altered,
 * with its sequence number. */
TEST_IMPL(audit_event_edited)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    char sql[512];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '\"fine\":1000', '\"fine\":100') "
             "WHERE case_id = %lld AND seq = 8;",
             drop_triggers, (long long)f.c.id);
    tamper("audit.db", sql);
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    int altered = 0;
    for (size_t i = 0; i < a.items_count; i++)
        altered |= !strcmp(a.items[i].rule, "altered") && a.items[i].seq == 8;
    if (!altered)
        dump(&a);
    ASSERT(altered);
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* audit-3.2: an event deleted directly in the file is caught: the chain has a
 * gap, and a deleted last event leaves the case's head pointing at nothing. */
TEST_IMPL(audit_event_deleted)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    cf_audit_t a;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    char sql[512];
    snprintf(sql, sizeof(sql), "%s DELETE FROM events WHERE case_id = %lld AND seq IN (6, 10);",
             drop_triggers, (long long)f.c.id);
    tamper("audit.db", sql);
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    int gap = 0, head = 0;
    for (size_t i = 0; i < a.items_count; i++) {
        gap |= !strcmp(a.items[i].rule, "removed") && a.items[i].seq == 7;
        head |= !strcmp(a.items[i].rule, "head");
    }
    if (!gap || !head)
        dump(&a);
    ASSERT(gap);
    ASSERT(head);
    cf_audit_dispose(&a);
    teardown(&f);
    return 0;
}

/* Puts the 2025 calendar into the fixture's database, for the command line. */
static void put_calendar(fx_t *f)
{
    cf_error_t err;
    char *source = cf_test_slurp("workflows/calendars/2025.yaml", NULL);
    ASSERT_EQ(cf_store_calendar_put(f->store, 2025, source, &err), 0);
    free(source);
}

/* Runs the command line in-process; returns its exit code, its output in out
 * and, when errors is not NULL, what it wrote on stderr there (size bytes each). */
static int cli_both(char *out, char *errors, size_t size, const char *a1, const char *a2,
                    const char *a3, const char *a4, const char *a5)
{
    char db[sizeof(audit_db) + 8];
    snprintf(db, sizeof(db), "--db=%s", audit_db);
    char *argv[] = {"caseflow", db,         (char *)a1, (char *)a2,
                    (char *)a3, (char *)a4, (char *)a5, NULL};
    int argc = 2;
    while (argc < 7 && argv[argc])
        argc++;
    FILE *o = tmpfile(), *e = tmpfile();
    /* The day after the decision: its service deadline is still ahead. */
    setenv("CASEFLOW_NOW", "2025-10-01T00:00:00+08:00", 1);
    int rc = cf_cli_main(argc, argv, o, e);
    rewind(o);
    out[fread(out, 1, size - 1, o)] = '\0';
    if (errors) {
        rewind(e);
        errors[fread(errors, 1, size - 1, e)] = '\0';
    }
    fclose(o);
    fclose(e);
    return rc;
}

static int cli(char *out, size_t size, const char *a1, const char *a2, const char *a3,
               const char *a4, const char *a5)
{
    return cli_both(out, NULL, size, a1, a2, a3, a4, a5);
}

/* Opens cases until the database has n, each walked to its decision. */
static void more_cases(fx_t *f, int n)
{
    for (int i = 1; i < n; i++) {
        cf_case_dispose(&f->c);
        cf_test_open(f->store, f->wf, f->cal, "2025-09-01T09:00:00+08:00", &f->c);
        walk_to_decision(f);
    }
}

/* audit-3.4: an audit of many cases on several threads (--jobs) reports exactly
 * what one thread does, cases in the same order (600 cases: ten batches, more
 * than two threads may run ahead of the report, so they wait for it), and a
 * break in a case of the last batch is found and exits 7 the same. */
TEST_IMPL(audit_cli_jobs)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    more_cases(&f, 600);
    put_calendar(&f);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '举报', '匿名') WHERE case_id = 590 AND "
             "seq = 3;",
             drop_triggers);
    tamper("audit.db", sql);
    size_t size = 8 << 20;
    char *one = malloc(size), *two = malloc(size), *three = malloc(size);
    ASSERT_EQ(cli(one, size, "audit", "replay", "--json", "--jobs", "1"), CF_EXIT_VERIFY);
    ASSERT_EQ(cli(two, size, "audit", "replay", "--json", "--jobs", "2"), CF_EXIT_VERIFY);
    ASSERT_EQ(cli(three, size, "audit", "replay", "--json", "--jobs", "3"), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(three, "event 3 was altered");
    ASSERT_CONTAINS(three, "\"replayed\": 600");
    ASSERT_CONTAINS(three, "\"case\": 590,\n      \"workflow\"");
    ASSERT(strcmp(one, two) == 0);
    ASSERT(strcmp(one, three) == 0);
    free(one);
    free(two);
    free(three);
    teardown(&f);
    return 0;
}

/* audit-3.5: a case row the audit cannot use (a chain algorithm caseflow does
 * not know) stops an audit on several threads, without hanging (700 cases,
 * eleven batches: the threads would wait for a report that no longer takes
 * any): the exit code of a corrupt record and the case named. Once the report
 * has begun on the output, the error goes to stderr even with --json, never
 * into the report; before (the case alone), --json answers with the error
 * object. */
TEST_IMPL(audit_cli_failure)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    more_cases(&f, 700);
    put_calendar(&f);
    tamper("audit.db", "UPDATE cases SET algo = 'md5' WHERE id = 100;");
    size_t size = 8 << 20;
    char *out = malloc(size), *errors = malloc(size);
    ASSERT_EQ(cli_both(out, errors, size, "audit", "replay", "--json", "--jobs", "2"),
              cf__cli_exit_code(CF_ECORRUPT));
    ASSERT_CONTAINS(errors, "case 100: unknown chain algorithm");
    ASSERT(strncmp(out, "{\n  \"cases\": [", 14) == 0);
    ASSERT(strstr(out, "ECORRUPT") == NULL);
    ASSERT_CONTAINS(out, "\"case\": 64,");        /* the batch before */
    ASSERT(strstr(out, "\"case\": 65,") == NULL); /* the failing batch is not written */
    ASSERT_EQ(cli_both(out, errors, size, "audit", "replay", "--case", "100", "--json"),
              cf__cli_exit_code(CF_ECORRUPT));
    ASSERT_CONTAINS(out, "\"error\": \"ECORRUPT\"");
    free(out);
    free(errors);
    teardown(&f);
    return 0;
}

/* The deviations of case result c (a parsed report's case) as "kind/rule@seq ...". */
static void deviations_of(const json_t *c, char *buf, size_t size)
{
    size_t i, len = 0;
    json_t *d;
    buf[0] = '\0';
    json_array_foreach(json_object_get(c, "deviations"), i, d)
        len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s/%s@%lld ",
                                json_string_value(json_object_get(d, "kind")),
                                json_string_value(json_object_get(d, "rule")),
                                (long long)json_integer_value(json_object_get(d, "seq")));
}

/* audit-3.7: what is wrong with one case's record is reported for that case
 * and the audit goes on: an event whose body is no longer JSON is named (the
 * chain goes on from its row's hash, so the events after it are not reported
 * as well; the replay stops there), the other cases stay conformant; a pinned
 * definition no longer in the database is a "workflow" deviation of every
 * case on it, while `audit verify` (no replay) does not need it. */
TEST_IMPL(audit_cli_unreadable)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    more_cases(&f, 3);
    put_calendar(&f);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = '{\"seq\": 2,' WHERE case_id = 2 AND seq = 2;",
             drop_triggers);
    tamper("audit.db", sql);
    size_t size = 1 << 20;
    char *out = malloc(size), devs[512];
    ASSERT_EQ(cli(out, size, "audit", "replay", "--json", NULL, NULL), CF_EXIT_VERIFY);
    json_t *report = json_loads(out, 0, NULL), *cases = json_object_get(report, "cases");
    ASSERT_EQ(json_array_size(cases), 3);
    ASSERT(json_is_true(json_object_get(json_array_get(cases, 0), "conformant")));
    ASSERT(json_is_true(json_object_get(json_array_get(cases, 2), "conformant")));
    deviations_of(json_array_get(cases, 1), devs, sizeof(devs));
    ASSERT_STR_EQ(devs, "chain/unreadable@2 record/unreadable@2 ");
    ASSERT_CONTAINS(out, "event 2 cannot be read (not JSON at line 1, column ");
    json_decref(report);
    tamper("audit.db", "DELETE FROM workflows;");
    ASSERT_EQ(cli(out, size, "audit", "replay", "--json", NULL, NULL), CF_EXIT_VERIFY);
    report = json_loads(out, 0, NULL);
    cases = json_object_get(report, "cases");
    deviations_of(json_array_get(cases, 0), devs, sizeof(devs));
    ASSERT_STR_EQ(devs, "workflow/@0 ");
    ASSERT_CONTAINS(out, "the workflow definition the case pinned is not in the database");
    json_decref(report);
    ASSERT_EQ(cli(out, size, "audit", "verify", "--json", NULL, NULL), CF_EXIT_VERIFY);
    report = json_loads(out, 0, NULL);
    ASSERT(json_is_true(
        json_object_get(json_array_get(json_object_get(report, "cases"), 0), "conformant")));
    json_decref(report);
    free(out);
    teardown(&f);
    return 0;
}

/* audit-3.6: what an audit reads of a case besides its events, without its
 * snapshot: the row's columns say what the snapshot says; and the ids of the
 * cases closed in a range are those, and only those. */
TEST_IMPL(audit_store_rows)
{
    fx_t f;
    cf_error_t err;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    int64_t closed_id = f.c.id;
    more_cases(&f, 2); /* a second, still open */
    cf_case_t row, full;
    ASSERT_EQ(cf_store_case_row(f.store, closed_id, &row, &err), 0);
    ASSERT_EQ(cf_store_case_get(f.store, closed_id, &full, &err), 0);
    ASSERT_EQ(row.id, full.id);
    ASSERT_STR_EQ(row.workflow_id, full.workflow_id);
    ASSERT_EQ(row.workflow_version, full.workflow_version);
    ASSERT_STR_EQ(row.workflow_hash, full.workflow_hash);
    ASSERT_EQ(row.algo, full.algo);
    ASSERT_STR_EQ(row.head, full.head);
    ASSERT_EQ(row.version, full.version);
    ASSERT_STR_EQ(row.state, "closed");
    ASSERT_EQ(row.opened_at, full.opened_at);
    ASSERT_EQ(row.updated_at, full.updated_at);
    ASSERT_EQ(row.closed_at, cf_test_time("2025-10-10T10:00:00+08:00"));
    ASSERT_EQ(row.closed_at, full.closed_at);
    ASSERT(!row.matter_id == !full.matter_id);
    cf_case_dispose(&row);
    cf_case_dispose(&full);
    ASSERT_EQ(cf_store_case_row(f.store, 999, &row, &err), CF_ENOTFOUND);
    int64_t *ids;
    size_t n;
    ASSERT_EQ(cf_store_case_ids(f.store, NULL, &ids, &n, &err), 0);
    ASSERT_EQ(n, 2);
    ASSERT(ids[0] == closed_id && ids[1] == f.c.id);
    free(ids);
    cf_time_t day[2] = {cf_test_time("2025-10-10T00:00:00+08:00"),
                        cf_test_time("2025-10-11T00:00:00+08:00")};
    ASSERT_EQ(cf_store_case_ids(f.store, day, &ids, &n, &err), 0);
    ASSERT(n == 1 && ids[0] == closed_id);
    free(ids);
    day[0] = day[1];
    day[1] = INT64_MAX;
    ASSERT_EQ(cf_store_case_ids(f.store, day, &ids, &n, &err), 0);
    ASSERT_EQ(n, 0);
    free(ids);
    teardown(&f);
    return 0;
}

/* The cached-row check on fold with the snapshot text; OUT a (dispose it). */
static void cache_text(const cf_case_t *fold, const json_t *row, const char *text, cf_audit_t *a)
{
    ASSERT_EQ(cf_audit_init(a, fold->id), 0);
    ASSERT_EQ(cf_audit_cache_fold(fold, row, text, strlen(text), a), 0);
}

/* audit-3.7: the row read once for an audit (cf_store_case_audit_row) gives its
 * columns, what it caches and its snapshot's bytes, which are those of the fold
 * of its events (so the check passes them without a parse); the replay's fold is
 * the same case. A snapshot of the same value in other bytes passes; one of the
 * same length that says otherwise is named; one that is not JSON is not a case. */
TEST_IMPL(audit_cache_snapshot_bytes)
{
    fx_t f;
    cf_error_t err;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    cf_case_t c, fold, replayed;
    json_t *row = NULL, *events;
    char *text = NULL;
    size_t len = 0;
    int folded = 0;
    ASSERT_EQ(cf_store_case_audit_row(f.store, f.c.id, &c, &row, &text, &len, &err), 0);
    ASSERT_EQ(c.id, f.c.id);
    ASSERT_STR_EQ(c.head, f.c.head);
    ASSERT_EQ(c.closed_at, f.c.closed_at);
    ASSERT(json_object_get(row, "party") && json_object_get(row, "closed_at"));
    ASSERT(!json_object_get(row, "snapshot"));
    ASSERT_EQ(len, strlen(text));
    ASSERT_EQ(cf_store_case_events_audit(f.store, f.c.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_fold(events, &fold, &folded), 0);
    ASSERT_EQ(folded, 1);
    char *want = cf_case_snapshot_text(&fold);
    /* The store wrote the live case, whose documents kept the request's key order;
     * the fold has them as the canonical events give them: the same value. */
    json_t *stored = json_loads(text, 0, NULL), *folded_json = json_loads(want, 0, NULL);
    ASSERT(stored && json_equal(stored, folded_json));
    json_decref(stored);
    json_decref(folded_json);
    cf_audit_t a;
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay_fold(f.wf, f.cal, f.matter, events,
                                   cf_test_time("2025-10-11T00:00:00+08:00"), &a, &replayed,
                                   &folded),
              0);
    ASSERT_EQ(folded, 1);
    char *again = cf_case_snapshot_text(&replayed);
    ASSERT_STR_EQ(again, want);
    free(again);
    cf_case_dispose(&replayed);
    cf_audit_dispose(&a);
    cache_text(&fold, row, text, &a);
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    cache_text(&fold, row, want, &a); /* the fold's own bytes */
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    /* the same value in other bytes: its keys sorted, indented */
    json_t *value = json_loads(text, 0, NULL);
    char *other = json_dumps(value, JSON_SORT_KEYS | JSON_INDENT(2));
    ASSERT(strcmp(other, text) != 0 && strcmp(other, want) != 0);
    cache_text(&fold, row, other, &a);
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    free(other);
    json_decref(value);
    /* as long, but another state */
    char *edited = strstr(text, "\"state\":\"closed\"");
    ASSERT(edited != NULL);
    edited[strlen("\"state\":\"close")] = 'x';
    cache_text(&fold, row, text, &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "snapshot.state");
    ASSERT_CONTAINS(a.items[0].text, "\"closex\"");
    cf_audit_dispose(&a);
    cache_text(&fold, row, "garbage", &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "snapshot");
    cf_audit_dispose(&a);
    /* a column edited is named beside a snapshot that is right */
    json_object_set_new(row, "version", json_integer(3));
    cache_text(&fold, row, want, &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "row.version");
    cf_audit_dispose(&a);
    free(want);
    free(text);
    json_decref(row);
    json_decref(events);
    cf_case_dispose(&fold);
    cf_case_dispose(&c);
    /* no such case: nothing given */
    row = NULL;
    text = NULL;
    ASSERT_EQ(cf_store_case_audit_row(f.store, 999, &c, &row, &text, &len, &err), CF_ENOTFOUND);
    ASSERT(!row && !text);
    /* a case without documents: the store's bytes are the fold's (no parse) */
    cf_case_t plain;
    cf_test_open(f.store, f.wf, f.cal, "2025-09-02T09:00:00+08:00", &plain);
    ASSERT_EQ(cf_store_case_audit_row(f.store, plain.id, &c, &row, &text, &len, &err), 0);
    ASSERT_EQ(cf_store_case_events_audit(f.store, plain.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_fold(events, &fold, &folded), 0);
    ASSERT_EQ(folded, 1);
    want = cf_case_snapshot_text(&fold);
    ASSERT_STR_EQ(text, want);
    free(want);
    free(text);
    json_decref(row);
    json_decref(events);
    cf_case_dispose(&fold);
    cf_case_dispose(&c);
    cf_case_dispose(&plain);
    teardown(&f);
    return 0;
}

/* Expects the hashes cf_store_case_events_rehashed gives for case id to be the
 * chain's (cf_chain_hash of each event on its prev); OUT *stored_ok: how many
 * are the event's stored hash. */
static void rehashed_as_chain(fx_t *f, cf_store_rehash_t *h, size_t *stored_ok)
{
    json_t *events, *ev;
    cf_error_t err;
    size_t i;
    ASSERT_EQ(cf_store_case_events_rehashed(f->store, f->c.id, f->c.algo, &events, h, &err), 0);
    *stored_ok = 0;
    json_array_foreach(events, i, ev) {
        char want[CF_CHAIN_HEX];
        ASSERT_EQ(
            cf_chain_hash(f->c.algo, json_string_value(json_object_get(ev, "prev")), ev, want), 0);
        ASSERT_STR_EQ(h->hashes[i], want);
        *stored_ok += strcmp(want, json_string_value(json_object_get(ev, "hash"))) == 0;
    }
    ASSERT(json_array_size(events) > 3);
    json_decref(events);
}

/* audit-3.8: an audit hashes each stored event from its text as read when that
 * is the chain's canonical form, else from its value: the chain's definition is
 * unchanged either way. An event rewritten in other bytes with the same value
 * (its keys out of order, a space) still verifies; an edit of its value is
 * caught on either path. */
TEST_IMPL(audit_rehashed_as_read)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    put_calendar(&f);
    cf_store_rehash_t h = {0};
    size_t ok, n = (size_t)f.c.version;
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n);
    char sql[1024], *out = malloc(1 << 20);
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = json_set(json_remove(body, '$.actor'), '$.actor', "
             "json_extract(body, '$.actor')) WHERE case_id = %lld AND seq = 3; "
             "UPDATE events SET body = ' ' || body WHERE case_id = %lld AND seq = 4;",
             drop_triggers, (long long)f.c.id, (long long)f.c.id);
    tamper("audit.db", sql);
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n); /* other bytes, the same hashes */
    ASSERT_EQ(cli(out, 1 << 20, "audit", "verify", "--json", NULL, NULL), 0);
    snprintf(sql, sizeof(sql),
             "UPDATE events SET body = replace(body, '举报', '匿名') WHERE case_id = %lld AND "
             "seq = 3; UPDATE events SET body = replace(body, '\"at\":\"2025', '\"at\":\"2024') "
             "WHERE case_id = %lld AND seq = 5;",
             (long long)f.c.id, (long long)f.c.id);
    tamper("audit.db", sql);
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n - 2);
    ASSERT_EQ(cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 3 was altered"); /* out of order: hashed from its value */
    ASSERT_CONTAINS(out, "event 5 was altered"); /* canonical: hashed from its text */
    cf_store_rehash_dispose(&h);
    free(out);
    teardown(&f);
    return 0;
}

/* audit-3.3: `case export` writes a bundle that `audit replay --bundle` verifies
 * away from the database; an event edited by hand in the bundle is caught. */
TEST_IMPL(audit_bundle)
{
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    char id[32], path[512], *out = malloc(1 << 20);
    put_calendar(&f);
    snprintf(id, sizeof(id), "%lld", (long long)f.c.id);
    ASSERT_EQ(cli(out, 1 << 20, "case", "export", id, NULL, NULL), 0);
    json_t *bundle = json_loads(out, 0, NULL);
    ASSERT(bundle != NULL);
    snprintf(path, sizeof(path), "%s/bundle.json", cf_test_tmpdir());
    ASSERT_EQ(json_dump_file(bundle, path, 0), 0);
    ASSERT_EQ(cli(out, 1 << 20, "audit", "replay", "--bundle", path, "--json"), 0);
    ASSERT_CONTAINS(out, "\"conformant\": true");
    /* Lower the fine in the decision, by hand. */
    json_t *decide = json_array_get(json_object_get(bundle, "events"), 7);
    ASSERT_STR_EQ(json_string_value(json_object_get(decide, "action")), "decide");
    json_object_set_new(json_object_get(decide, "facts"), "fine", json_integer(10));
    ASSERT_EQ(json_dump_file(bundle, path, 0), 0);
    ASSERT_EQ(cli(out, 1 << 20, "audit", "replay", "--bundle", path, "--json"), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 8 was altered");
    json_decref(bundle);
    free(out);
    teardown(&f);
    return 0;
}

/* audit-3.4: `audit verify` over the database: exit 0 when intact, 7 and the
 * event named when not; `audit replay --format html` is one self-contained page. */
TEST_IMPL(audit_cli)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    walk_to_decision(&f);
    char *out = malloc(1 << 20);
    put_calendar(&f);
    ASSERT_EQ(cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), 0);
    ASSERT_CONTAINS(out, "conformant");
    ASSERT_EQ(cli(out, 1 << 20, "audit", "replay", "--format", "html", NULL), 0);
    ASSERT(strncmp(out, "<!DOCTYPE html>", 15) == 0);
    ASSERT(strstr(out, "<script") == NULL);
    ASSERT_CONTAINS(out, "</html>");
    /* Only cases closed in the range are replayed: this one is still open. */
    ASSERT_EQ(cli(out, 1 << 20, "audit", "replay", "--closed-from", "2025-01-01", "--json"), 0);
    ASSERT_CONTAINS(out, "\"replayed\": 0");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '举报', '匿名') WHERE seq = 3;",
             drop_triggers);
    tamper("audit.db", sql);
    ASSERT_EQ(cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 3 was altered");
    free(out);
    teardown(&f);
    return 0;
}
