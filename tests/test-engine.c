/*
 * test-engine.c -- engine-*: deciding transitions on the test workflow
 * (tests/fixtures/workflows/valid/mini.yaml), with the real calendars.
 *
 * engine-1.x: walks through the procedure and its branches.
 * engine-2.1-2.4: refusals: wrong action, wrong role, missing requirements, rules.
 * engine-3.1-3.7: clocks: deadlines, pause and resume, extensions, the calendar's edge.
 * The procedure rules (engine-2.5, 2.6) and the clocks counted from other clocks,
 * facts and counting versions (engine-3.8 on) are in test-engine-rules.c; the fixture
 * both use is engine-helpers.c.
 * Expected deadlines are worked out by hand in the comments beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-helpers.h"
#include "task.h"

static int allowed_has(const json_t *allowed, const char *action)
{
    size_t i;
    json_t *a;
    json_array_foreach(allowed, i, a)
        if (!strcmp(json_string_value(json_object_get(a, "action")), action))
            return 1;
    return 0;
}

/* engine-1.1: from 线索 to 结案 on the main path, with every clock's outcome. */
TEST_IMPL(engine_walk_full)
{
    fixture_t f;
    char buf[CF_TIME_BUFSZ];
    te_setup(&f, "2025-09-01T09:00:00+08:00");
    ASSERT_STR_EQ(f.c.state, "lead");
    /* report: 24 hours from the instant of opening (R6). */
    ASSERT_STR_EQ(te_deadline_of(&f, "report", buf), "2025-09-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2025-09-01T15:00:00+08:00", "{\"reason\": \"举报线索\"}",
                     "立案审批表"),
              0);
    ASSERT_STR_EQ(f.c.state, "investigating");
    ASSERT_EQ(cf_case_clock(&f.c, "report")->state, CF_CLOCK_MET);
    /* decision: 90 days after 2025-09-01 is Sun 2025-11-30, a rest day, so the
     * period ends on Mon 2025-12-01 (R1, R4, R5). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2025-12-01T23:59:59+08:00");
    ASSERT_EQ(te_act(&f, "notify", "handler", "2025-09-15T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    ASSERT_EQ(te_act(&f, "decide", "head", "2025-09-30T10:00:00+08:00", "{\"fine\": 1000}", NULL),
              0);
    ASSERT_EQ(cf_case_clock(&f.c, "decision")->state, CF_CLOCK_MET);
    /* service: 7 working days after Tue 2025-09-30 skip the National Day week and
     * count Sat 10-11 (adjusted working day): ends Thu 2025-10-16. */
    ASSERT_STR_EQ(te_deadline_of(&f, "service", buf), "2025-10-16T23:59:59+08:00");
    ASSERT_EQ(te_act(&f, "serve", "handler", "2025-10-16T16:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "served");
    ASSERT_EQ(cf_case_clock(&f.c, "service")->state, CF_CLOCK_MET);
    ASSERT_EQ(te_act(&f, "archive", "handler", "2025-10-20T09:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "closed");
    ASSERT(f.c.closed_at == cf_test_time("2025-10-20T09:00:00+08:00"));
    /* The party never asked for a hearing: its 5 working days after the notice
     * (2025-09-22) lapsed, and the clock stops with the case. */
    ASSERT_EQ(cf_case_clock(&f.c, "hearing_request")->state, CF_CLOCK_LAPSED);
    /* open + report start, (file + report stop + decision start), (notify +
     * hearing_request start), (decide + decision stop + service start), (serve +
     * service stop), (archive + hearing_request stop) */
    ASSERT_EQ(f.c.version, 14);
    json_t *allowed = cf_engine_allowed(f.wf, &f.c);
    ASSERT_EQ(json_array_size(allowed), 0);
    json_decref(allowed);
    /* An extension refused on the closed case says what is allowed too: nothing (it had
     * no allowed at all, as docs/api.md says every refusal of an extension has). */
    cf_refusal_t why = {0};
    ASSERT_EQ(te_extend(&f, "head", "30 days", "2025-10-21T10:00:00+08:00", &why), CF_ECLOSED);
    ASSERT(json_is_array(why.allowed));
    ASSERT_EQ(json_array_size(why.allowed), 0);
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-1.2: a guarded branch: with no fine, service closes the case directly. */
TEST_IMPL(engine_guard_branch)
{
    fixture_t f;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-05T10:00:00+08:00", "{\"notified_fine\": 0}",
                     NULL),
              0);
    ASSERT_EQ(te_act(&f, "decide", "head", "2026-03-09T10:00:00+08:00", "{\"fine\": 0}", NULL), 0);
    ASSERT_EQ(te_act(&f, "serve", "handler", "2026-03-09T11:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "closed");
    te_teardown(&f);
    return 0;
}

/* engine-1.3: an early exit: 不予立案 closes the case from 线索. */
TEST_IMPL(engine_early_exit)
{
    fixture_t f;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "drop", "head", "2026-03-03T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "dropped");
    ASSERT(f.c.closed_at != 0);
    /* The 24-hour report clock ran out at 09:00 on the 3rd: breached. */
    ASSERT_EQ(cf_case_clock(&f.c, "report")->state, CF_CLOCK_BREACHED);
    cf_refusal_t why;
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-03-04T10:00:00+08:00",
                          NULL, NULL, &why),
              CF_ECLOSED);
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-2.1: an action not available in the state is refused, and the refusal
 * lists what is allowed with what each requires. */
TEST_IMPL(engine_refuse_illegal_action)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    int64_t version = f.c.version;
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "decide", "head", "2026-03-02T10:00:00+08:00",
                          "{\"fine\": 10}", NULL, &why),
              CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "action 'decide' is not allowed in state 'lead'");
    ASSERT(allowed_has(why.allowed, "file"));
    ASSERT(allowed_has(why.allowed, "drop"));
    ASSERT(allowed_has(why.allowed, "suspend"));
    ASSERT(!allowed_has(why.allowed, "decide"));
    json_t *file = json_array_get(why.allowed, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(file, "action")), "file");
    json_t *missing = json_object_get(file, "missing");
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(missing, "facts"), 0)),
                  "reason");
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(missing, "documents"), 0)),
                  "立案审批表");
    ASSERT_EQ(f.c.version, version);
    ASSERT_STR_EQ(f.c.state, "lead");
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-2.2: the right action by the wrong role is refused as such. */
TEST_IMPL(engine_refuse_wrong_role)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "handler",
                          "2026-03-02T10:00:00+08:00", "{\"reason\": \"x\"}", "立案审批表", &why),
              CF_EFORBIDDEN);
    ASSERT_CONTAINS(why.text, "role 'handler' may not take action 'file'");
    ASSERT_STR_EQ(f.c.state, "lead");
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-2.3: missing facts and documents are named; undeclared facts, facts of
 * the wrong type and times before the last event are refused. */
TEST_IMPL(engine_refuse_requirements)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    int64_t version = f.c.version;
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-03-02T10:00:00+08:00",
                          NULL, NULL, &why),
              CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "requires facts [\"reason\"] and documents [\"立案审批表\"]");
    cf_refusal_dispose(&why);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-03-02T10:00:00+08:00",
                          "{\"reasn\": \"x\"}", NULL, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "fact 'reasn' is not declared");
    cf_refusal_dispose(&why);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-03-02T10:00:00+08:00",
                          "{\"reason\": 12}", NULL, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "fact 'reason' must be a string");
    cf_refusal_dispose(&why);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-03-01T10:00:00+08:00",
                          "{\"reason\": \"x\"}", "立案审批表", &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "before the case's last event");
    cf_refusal_dispose(&why);
    ASSERT_EQ(f.c.version, version); /* no refusal appended anything */
    te_teardown(&f);
    return 0;
}

/* engine-2.3b: a required fact given as a text of blanks (spaces, tabs, U+3000) is
 * missing, named as such -- and so is one the case held, blanked by the action, or one of
 * invisible characters only (U+200B, U+FEFF, a bidirectional control: attack-13.1) -- while
 * a text with anything visible in it is given; cf_text_blank says which is which. */
TEST_IMPL(engine_refuse_blank_facts)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    static const char *const blanks[] = {
        "{\"reason\": \"\"}", "{\"reason\": \"  \\t\"}", "{\"reason\": \"\u3000\u3000\"}",
        /* invisible only (attack-13.1) */
        "{\"reason\": \"\u200b\"}", "{\"reason\": \"\u00a0\u2060\ufeff\"}",
        "{\"reason\": \"\u202e \u2067\"}"};
    for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
        ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head",
                              "2026-03-02T10:00:00+08:00", blanks[i], "立案审批表", &why),
                  CF_EREFUSED);
        ASSERT_CONTAINS(why.text, "requires facts [\"reason\"] and documents []");
        cf_refusal_dispose(&why);
    }
    ASSERT_STR_EQ(f.c.state, "lead");
    ASSERT(cf_text_blank(NULL) && cf_text_blank("") && cf_text_blank(" \r\n\u3000"));
    ASSERT(!cf_text_blank("x") && !cf_text_blank(" \u3000x") && !cf_text_blank("\u3001"));
    ASSERT(cf_text_blank("\u200b\u200d\u00ad") && cf_text_blank("\u202e\u2066\u061c\ufeff"));
    ASSERT(!cf_text_blank("\u200bx") && !cf_text_blank("\u4e00") && !cf_text_blank("\xff") &&
           !cf_text_blank("\xe2\x80"));
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T10:00:00+08:00", "{\"reason\": \" x \"}",
                     "立案审批表"),
              0);
    te_teardown(&f);
    return 0;
}

/* engine-2.4: rules refuse with their id, article and message, and pass once
 * their condition holds: a requested hearing must be held; the decided fine may
 * not exceed the lowest fine notified. */
TEST_IMPL(engine_rules)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-05T10:00:00+08:00",
                     "{\"notified_fine\": 1000, \"hearing_requested\": true}", NULL),
              0);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "decide", "head", "2026-03-06T10:00:00+08:00",
                          "{\"fine\": 1000}", NULL, &why),
              CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "hearing-before-decision");
    ASSERT_STR_EQ(why.article, "行政处罚法 第六十四条");
    ASSERT_CONTAINS(why.text, "当事人要求听证的");
    cf_refusal_dispose(&why);
    ASSERT_EQ(te_act(&f, "request_hearing", "handler", "2026-03-06T11:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(te_act(&f, "hold_hearing", "handler", "2026-03-16T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "decide", "head", "2026-03-17T10:00:00+08:00",
                          "{\"fine\": 1500}", NULL, &why),
              CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "fine-not-above-notice");
    cf_refusal_dispose(&why);
    ASSERT_EQ(te_act(&f, "decide", "head", "2026-03-17T10:00:00+08:00", "{\"fine\": 800}", NULL),
              0);
    ASSERT_STR_EQ(f.c.state, "decided");
    te_teardown(&f);
    return 0;
}

/* engine-3.1: suspension (中止) from any active state returns to it, and the
 * decision clock does not run meanwhile (R8). */
TEST_IMPL(engine_suspend_resume)
{
    fixture_t f;
    char buf[CF_TIME_BUFSZ];
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    /* 90 days after 2026-03-02 is Sun 2026-05-31: moved to Mon 06-01 (R4). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-01T23:59:59+08:00");
    ASSERT_EQ(te_act(&f, "suspend", "head", "2026-03-10T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "suspended");
    ASSERT_EQ(cf_case_clock(&f.c, "decision")->state, CF_CLOCK_PAUSED);
    ASSERT_EQ(te_act(&f, "resume", "head", "2026-03-20T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "investigating");
    ASSERT_EQ(cf_case_clock(&f.c, "decision")->state, CF_CLOCK_RUNNING);
    /* Paused 03-10 to 03-20: 10 days; 90 + 10 = 100 days counted once from 03-02 is
     * Wed 2026-06-10 (R8; not 06-01 + 10 = 06-11, the count before version 2). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-10T23:59:59+08:00");
    te_teardown(&f);
    return 0;
}

/* engine-3.2: an extension needs the approver's role, stays within the maximum
 * and the number of times, is approved before the deadline, and moves it. */
TEST_IMPL(engine_clock_extension)
{
    fixture_t f;
    cf_refusal_t why = {0};
    char buf[CF_TIME_BUFSZ];
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_extend(&f, "handler", "30 days", "2026-04-01T10:00:00+08:00", &why),
              CF_EFORBIDDEN);
    ASSERT_CONTAINS(why.text, "needs the approval of role 'head'");
    cf_refusal_dispose(&why); /* a refusal carries allowed (new reference) */
    ASSERT_EQ(te_extend(&f, "head", "31 days", "2026-04-01T10:00:00+08:00", &why), CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "exceeds its maximum of 30 days");
    cf_refusal_dispose(&why);
    ASSERT_EQ(te_extend(&f, "head", "20 working_days", "2026-04-01T10:00:00+08:00", &why),
              CF_EREFUSED);
    cf_refusal_dispose(&why);
    ASSERT_EQ(te_extend(&f, "head", "30 days", "2026-06-02T10:00:00+08:00", &why), CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "before the deadline");
    cf_refusal_dispose(&why);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-01T23:59:59+08:00");
    ASSERT_EQ(te_extend(&f, "head", "30 days", "2026-04-01T10:00:00+08:00", &why), 0);
    /* 90 + 30 = 120 days from 03-02: Tue 2026-06-30, a working day (R8, R9; not
     * the rolled 06-01 + 30 = 07-01). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-30T23:59:59+08:00");
    ASSERT_STR_EQ(cf_case_clock(&f.c, "decision")->extended, "30 days");
    ASSERT_EQ(te_extend(&f, "head", "1 day", "2026-04-02T10:00:00+08:00", &why), CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "1 time(s) only");
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-3.3: a deadline beyond the loaded calendar refuses the transition (R10)
 * and leaves the case as it was. */
TEST_IMPL(engine_outside_calendar)
{
    fixture_t f;
    cf_refusal_t why;
    te_setup(&f, "2026-12-20T09:00:00+08:00");
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &f.c, "file", "head", "2026-12-20T15:00:00+08:00",
                          "{\"reason\": \"x\"}", "立案审批表", &why),
              CF_ERANGE);
    ASSERT_CONTAINS(why.text, "clock 'decision'");
    ASSERT_CONTAINS(why.text, "2027");
    ASSERT_STR_EQ(f.c.state, "lead");
    cf_refusal_dispose(&why);
    te_teardown(&f);
    return 0;
}

/* engine-3.4: warning points before a deadline, in working days and in days. */
TEST_IMPL(engine_warn_points)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    cf_time_t points[4];
    char buf[CF_TIME_BUFSZ];
    /* Two working days before Thu 2025-10-16: Tue 10-14. */
    ASSERT_EQ(cf_engine_warn_points(cf_workflow_clock(wf, "service"), cal,
                                    cf_test_time("2025-10-16T23:59:59+08:00"), points, 4),
              1);
    ASSERT_STR_EQ(cf_test_fmt(points[0], buf), "2025-10-14T23:59:59+08:00");
    /* Two working days before Thu 2025-10-09 cross the National Day week
     * (10-01..10-08): the working days left are Tue 09-30 and Thu 10-09, so the
     * warning falls at the end of Mon 09-29. */
    ASSERT_EQ(cf_engine_warn_points(cf_workflow_clock(wf, "service"), cal,
                                    cf_test_time("2025-10-09T23:59:59+08:00"), points, 4),
              1);
    ASSERT_STR_EQ(cf_test_fmt(points[0], buf), "2025-09-29T23:59:59+08:00");
    ASSERT_EQ(cf_engine_warn_points(cf_workflow_clock(wf, "decision"), cal,
                                    cf_test_time("2025-12-01T23:59:59+08:00"), points, 4),
              1);
    ASSERT_STR_EQ(cf_test_fmt(points[0], buf), "2025-11-21T23:59:59+08:00");
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* engine-1.4: facts given when the case is opened are facts of the case. */
TEST_IMPL(engine_open_facts)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    json_t *facts = json_pack("{s:s}", "reason", "稽核移交");
    json_t *party = json_pack("{s:s}", "name", "某某诊所");
    cf_open_t req = {.actor = "张三",
                     .role = "handler",
                     .party = party,
                     .facts = facts,
                     .at = cf_test_time("2026-03-02T09:00:00+08:00")};
    json_t *events;
    ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, NULL), 0);
    cf_case_t c;
    ASSERT_EQ(cf_case_init(&c), 0);
    c.id = 7;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
        ASSERT_EQ(cf_case_append(&c, ev, NULL), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(c.facts, "reason")), "稽核移交");
    ASSERT_STR_EQ(json_string_value(json_object_get(c.party, "name")), "某某诊所");
    ASSERT_EQ(c.id, 7);
    /* Undeclared facts are refused at opening too. */
    json_t *bad = json_pack("{s:s}", "colour", "red");
    req.facts = bad;
    json_t *none = NULL;
    cf_refusal_t why;
    ASSERT_EQ(cf_engine_open(wf, cal, &req, &none, &why), CF_EINVALID);
    ASSERT(none == NULL);
    ASSERT_CONTAINS(why.text, "fact 'colour' is not declared");
    json_decref(bad);
    json_decref(events);
    json_decref(facts);
    json_decref(party);
    cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* attack-14.2: a list fact holds at most CF_FACT_LIST_MAX items: 500 officers made a
 * case's summary 250,000 rows, merged by a linear search, on the daemon's one writer. */
TEST_IMPL(engine_list_fact_max)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    json_t *officers = json_array();
    for (int i = 0; i < CF_FACT_LIST_MAX; i++) {
        char name[16], cert[16];
        snprintf(name, sizeof(name), "官%d", i);
        snprintf(cert, sizeof(cert), "650100%05d", i);
        json_array_append_new(officers, json_pack("{s:s, s:s}", "name", name, "cert", cert));
    }
    json_t *facts = json_pack("{s:O}", "officers", officers);
    cf_error_t err;
    ASSERT_EQ(cf_engine_check_facts(wf, facts, &err), 0);
    json_array_append_new(officers, json_pack("{s:s, s:s}", "name", "多一个", "cert", "1"));
    ASSERT_EQ(cf_engine_check_facts(wf, facts, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, "fact 'officers' lists 33 items: at most 32 are taken");
    json_decref(facts);
    json_decref(officers);
    cf_workflow_free(wf);
    return 0;
}

/* engine-3.5: clocks still running when the case closes stop with it. */
TEST_IMPL(engine_clocks_end_with_case)
{
    fixture_t f;
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "terminate", "head", "2026-03-20T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(f.c.state, "closed");
    ASSERT_EQ(cf_case_clock(&f.c, "decision")->state, CF_CLOCK_ENDED);
    cf_case_filter_t due = {.now = cf_test_time("2026-05-30T00:00:00+08:00"),
                            .due_within = 5 * 86400};
    json_t *list;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_list(f.store, &due, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 0); /* nothing of a closed case is due */
    json_decref(list);
    te_teardown(&f);
    return 0;
}

/* engine-3.6: a party's own period lapses; it is not the agency's breach and is
 * not listed as overdue. */
TEST_IMPL(engine_party_clock)
{
    fixture_t f;
    char buf[CF_TIME_BUFSZ];
    te_setup(&f, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-05T10:00:00+08:00",
                     "{\"notified_fine\": 100}", NULL),
              0);
    /* 5 working days after Thu 03-05: Fri 06, Mon 09, Tue 10, Wed 11, Thu 12. */
    ASSERT_STR_EQ(te_deadline_of(&f, "hearing_request", buf), "2026-03-12T23:59:59+08:00");
    const cf_clock_rt_t *k = cf_case_clock(&f.c, "hearing_request");
    ASSERT(k->party);
    ASSERT_STR_EQ(cf_engine_clock_status(k, cf_test_time("2026-03-12T12:00:00+08:00")), "running");
    ASSERT_STR_EQ(cf_engine_clock_status(k, cf_test_time("2026-03-13T09:00:00+08:00")), "lapsed");
    cf_case_filter_t overdue = {.now = cf_test_time("2026-03-13T09:00:00+08:00"), .overdue = 1};
    json_t *list;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_list(f.store, &overdue, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    ASSERT_EQ(te_act(&f, "terminate", "head", "2026-03-16T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(cf_case_clock(&f.c, "hearing_request")->state, CF_CLOCK_LAPSED);
    te_teardown(&f);
    return 0;
}

/* engine-3.7: the decision period of the shipped penalty workflow as the law
 * counts it: 90 days from 立案, an appraisal excluded, +30 days by the head, a
 * further extension only after a recorded collective discussion, an overlapping
 * exclusion refused. */
TEST_IMPL(engine_decision_period)
{
    fixture_t f;
    cf_refusal_t why = {0};
    char buf[CF_TIME_BUFSZ];
    f.wf = cf_test_workflow("workflows/penalty-general.yaml");
    f.cal = cf_test_calendar();
    f.store = cf_test_store("decision.db");
    cf_test_open(f.store, f.wf, f.cal, "2026-03-02T09:00:00+08:00", &f.c);
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00",
                     "{\"filing_reason\": \"串换药品\", \"cause\": \"违反医疗保障基金使用规定\", "
                     "\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", "
                     "\"cert\": \"2\"}]}",
                     "立案审批表"),
              0);
    /* 90 days after 03-02 is Sun 05-31: Mon 2026-06-01 (R4). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-01T23:59:59+08:00");
    /* 鉴定 from 03-10 to 03-25: 15 days not counted: 105 days from 03-02, Mon 06-15. */
    ASSERT_EQ(te_exclude(&f, "鉴定", "2026-03-10T09:00:00+08:00", "2026-03-25T17:00:00+08:00",
                         "2026-03-26T10:00:00+08:00", &why),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-06-15T23:59:59+08:00");
    /* The head approves at most 30 days (第四十五条): the refusal names the rule, the
     * article and what is allowed. */
    ASSERT_EQ(te_extend(&f, "head", "31 days", "2026-04-01T09:00:00+08:00", &why), CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "extension-max");
    ASSERT_CONTAINS(why.article, "第四十五条");
    ASSERT_CONTAINS(why.text, "at most 30 days more; beyond it, after action discuss_extension");
    cf_refusal_dispose(&why);
    /* +30 days by the head: 135 days from 03-02, Wed 07-15. */
    ASSERT_EQ(te_extend(&f, "head", "30 days", "2026-04-01T10:00:00+08:00", &why), 0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-07-15T23:59:59+08:00");
    /* A second extension needs the heads' collective discussion first. */
    ASSERT_EQ(te_extend(&f, "head", "20 days", "2026-04-02T10:00:00+08:00", &why), CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "needs a collective discussion by the heads first");
    ASSERT_STR_EQ(why.rule, "extension-further");
    ASSERT_CONTAINS(why.article, "第四十五条");
    cf_refusal_dispose(&why);
    ASSERT_EQ(te_act(&f, "discuss_extension", "head", "2026-04-03T09:00:00+08:00",
                     "{\"extension_discussion\": \"案情重大复杂，延长二十日\"}",
                     "重大案件集体讨论记录"),
              0);
    ASSERT_STR_EQ(f.c.state, "investigating"); /* the discussion is recorded in place */
    /* Its length is the discussion's, beyond the first maximum: 90 + 15 + 30 + 20 =
     * 155 days from 03-02, Tue 08-04. */
    ASSERT_EQ(te_extend(&f, "head", "20 days", "2026-04-03T10:00:00+08:00", &why), 0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-08-04T23:59:59+08:00");
    ASSERT_EQ(te_extend(&f, "head", "5 days", "2026-04-03T11:00:00+08:00", &why), CF_EREFUSED);
    cf_refusal_dispose(&why);
    /* A hearing from 03-20 to 03-28 overlaps the appraisal: refused. */
    ASSERT_EQ(te_exclude(&f, "听证", "2026-03-20T09:00:00+08:00", "2026-03-28T17:00:00+08:00",
                         "2026-04-04T10:00:00+08:00", &why),
              CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "overlaps the exclusion from 2026-03-10T09:00:00+08:00");
    /* Each refusal names its rule and the article (第四十五条), and what is allowed. */
    ASSERT_STR_EQ(why.rule, "exclusion-overlap");
    ASSERT_CONTAINS(why.article, "第四十五条");
    ASSERT_CONTAINS(why.text, "record only the days not yet excluded");
    /* An excluded reason the clock does not know, and a period not yet over. */
    ASSERT_EQ(te_exclude(&f, "出差", "2026-04-01T09:00:00+08:00", "2026-04-02T17:00:00+08:00",
                         "2026-04-04T10:00:00+08:00", &why),
              CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "exclusion-reason");
    ASSERT_CONTAINS(why.article, "第四十五条");
    ASSERT_CONTAINS(why.text, "only the time of 检测, 检验, 鉴定, 听证, 公告, 专家评审");
    ASSERT_EQ(te_exclude(&f, "公告", "2026-04-01T09:00:00+08:00", "2026-04-20T17:00:00+08:00",
                         "2026-04-04T10:00:00+08:00", &why),
              CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "exclusion-period");
    /* A hearing from 04-01 to 04-03: 2 days more: 157 days from 03-02, Thu 08-06. */
    ASSERT_EQ(te_exclude(&f, "听证", "2026-04-01T09:00:00+08:00", "2026-04-03T17:00:00+08:00",
                         "2026-04-04T10:00:00+08:00", &why),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-08-06T23:59:59+08:00");
    ASSERT_EQ(json_array_size(cf_case_clock(&f.c, "decision")->exclusions), 2);
    te_teardown(&f);
    return 0;
}
