/*
 * test-audit-cli.c -- audit-3.x of the command line: `caseflow audit` over a database.
 *
 * audit-3.3: bundles verified away from the database, a hand-edited one caught.
 * audit-3.4: `audit verify` and `audit replay` over the database, and on several
 *   threads (--jobs) the same report as on one.
 * audit-3.5: a case row the audit cannot use stops an audit on several threads.
 * audit-3.7: events it cannot read and a definition gone are reported for their case.
 * The fixture (audit-helpers.c) is test-audit.c's; records are tampered with in the
 * database file, triggers bypassed.
 */
#include <stdlib.h>
#include <string.h>

#include "audit-helpers.h"
#include "cli.h"
#include "task.h"

/* audit-3.3: `case export` writes a bundle that `audit replay --bundle` verifies
 * away from the database; an event edited by hand in the bundle is caught. */
TEST_IMPL(audit_bundle)
{
    fx_t f;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    char id[32], path[512], *out = malloc(1 << 20);
    ta_put_calendar(&f);
    snprintf(id, sizeof(id), "%lld", (long long)f.c.id);
    ASSERT_EQ(ta_cli(out, 1 << 20, "case", "export", id, NULL, NULL), 0);
    json_t *bundle = json_loads(out, 0, NULL);
    ASSERT(bundle != NULL);
    snprintf(path, sizeof(path), "%s/bundle.json", cf_test_tmpdir());
    ASSERT_EQ(json_dump_file(bundle, path, 0), 0);
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "replay", "--bundle", path, "--json"), 0);
    ASSERT_CONTAINS(out, "\"conformant\": true");
    /* Lower the fine in the decision, by hand. */
    json_t *decide = json_array_get(json_object_get(bundle, "events"), 7);
    ASSERT_STR_EQ(json_string_value(json_object_get(decide, "action")), "decide");
    json_object_set_new(json_object_get(decide, "facts"), "fine", json_integer(10));
    ASSERT_EQ(json_dump_file(bundle, path, 0), 0);
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "replay", "--bundle", path, "--json"), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 8 was altered");
    json_decref(bundle);
    free(out);
    ta_teardown(&f);
    return 0;
}

/* audit-3.4: `audit verify` over the database: exit 0 when intact, 7 and the
 * event named when not; `audit replay --format html` is one self-contained page. */
TEST_IMPL(audit_cli)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    char *out = malloc(1 << 20);
    ta_put_calendar(&f);
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), 0);
    ASSERT_CONTAINS(out, "conformant");
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "replay", "--format", "html", NULL), 0);
    ASSERT(strncmp(out, "<!DOCTYPE html>", 15) == 0);
    ASSERT(strstr(out, "<script") == NULL);
    ASSERT_CONTAINS(out, "</html>");
    /* Only cases closed in the range are replayed: this one is still open. */
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "replay", "--closed-from", "2025-01-01", "--json"), 0);
    ASSERT_CONTAINS(out, "\"replayed\": 0");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '举报', '匿名') WHERE seq = 3;",
             ta_drop_triggers);
    ta_tamper("audit.db", sql);
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 3 was altered");
    free(out);
    ta_teardown(&f);
    return 0;
}

/* audit-3.4: an audit of many cases on several threads (--jobs) reports exactly
 * what one thread does, cases in the same order (600 cases: ten batches, more
 * than two threads may run ahead of the report, so they wait for it), and a
 * break in a case of the last batch is found and exits 7 the same. */
TEST_IMPL(audit_cli_jobs)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_more_cases(&f, 600);
    ta_put_calendar(&f);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '举报', '匿名') WHERE case_id = 590 AND "
             "seq = 3;",
             ta_drop_triggers);
    ta_tamper("audit.db", sql);
    size_t size = 8 << 20;
    char *one = malloc(size), *two = malloc(size), *three = malloc(size);
    ASSERT_EQ(ta_cli(one, size, "audit", "replay", "--json", "--jobs", "1"), CF_EXIT_VERIFY);
    ASSERT_EQ(ta_cli(two, size, "audit", "replay", "--json", "--jobs", "2"), CF_EXIT_VERIFY);
    ASSERT_EQ(ta_cli(three, size, "audit", "replay", "--json", "--jobs", "3"), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(three, "event 3 was altered");
    ASSERT_CONTAINS(three, "\"replayed\": 600");
    ASSERT_CONTAINS(three, "\"case\": 590,\n      \"workflow\"");
    ASSERT(strcmp(one, two) == 0);
    ASSERT(strcmp(one, three) == 0);
    free(one);
    free(two);
    free(three);
    ta_teardown(&f);
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
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_more_cases(&f, 700);
    ta_put_calendar(&f);
    ta_tamper("audit.db", "UPDATE cases SET algo = 'md5' WHERE id = 100;");
    size_t size = 8 << 20;
    char *out = malloc(size), *errors = malloc(size);
    ASSERT_EQ(ta_cli_both(out, errors, size, "audit", "replay", "--json", "--jobs", "2"),
              cf__cli_exit_code(CF_ECORRUPT));
    ASSERT_CONTAINS(errors, "case 100: unknown chain algorithm");
    ASSERT(strncmp(out, "{\n  \"cases\": [", 14) == 0);
    ASSERT(strstr(out, "ECORRUPT") == NULL);
    ASSERT_CONTAINS(out, "\"case\": 64,");        /* the batch before */
    ASSERT(strstr(out, "\"case\": 65,") == NULL); /* the failing batch is not written */
    ASSERT_EQ(ta_cli_both(out, errors, size, "audit", "replay", "--case", "100", "--json"),
              cf__cli_exit_code(CF_ECORRUPT));
    ASSERT_CONTAINS(out, "\"error\": \"ECORRUPT\"");
    free(out);
    free(errors);
    ta_teardown(&f);
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
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_more_cases(&f, 3);
    ta_put_calendar(&f);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = '{\"seq\": 2,' WHERE case_id = 2 AND seq = 2;",
             ta_drop_triggers);
    ta_tamper("audit.db", sql);
    size_t size = 1 << 20;
    char *out = malloc(size), devs[512];
    ASSERT_EQ(ta_cli(out, size, "audit", "replay", "--json", NULL, NULL), CF_EXIT_VERIFY);
    json_t *report = json_loads(out, 0, NULL), *cases = json_object_get(report, "cases");
    ASSERT_EQ(json_array_size(cases), 3);
    ASSERT(json_is_true(json_object_get(json_array_get(cases, 0), "conformant")));
    ASSERT(json_is_true(json_object_get(json_array_get(cases, 2), "conformant")));
    deviations_of(json_array_get(cases, 1), devs, sizeof(devs));
    ASSERT_STR_EQ(devs, "chain/unreadable@2 record/unreadable@2 ");
    ASSERT_CONTAINS(out, "event 2 cannot be read (not JSON at line 1, column ");
    json_decref(report);
    ta_tamper("audit.db", "DELETE FROM workflows;");
    ASSERT_EQ(ta_cli(out, size, "audit", "replay", "--json", NULL, NULL), CF_EXIT_VERIFY);
    report = json_loads(out, 0, NULL);
    cases = json_object_get(report, "cases");
    deviations_of(json_array_get(cases, 0), devs, sizeof(devs));
    ASSERT_STR_EQ(devs, "workflow/@0 ");
    ASSERT_CONTAINS(out, "the workflow definition the case pinned is not in the database");
    json_decref(report);
    ASSERT_EQ(ta_cli(out, size, "audit", "verify", "--json", NULL, NULL), CF_EXIT_VERIFY);
    report = json_loads(out, 0, NULL);
    ASSERT(json_is_true(
        json_object_get(json_array_get(json_object_get(report, "cases"), 0), "conformant")));
    json_decref(report);
    free(out);
    ta_teardown(&f);
    return 0;
}
