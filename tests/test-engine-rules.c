/*
 * test-engine-rules.c -- engine-*, continued from test-engine.c: the procedure rules
 * of the shipped penalty workflow and closing conditions (engine-2.5, 2.6), and the
 * clocks that count from something else: elapsed() and waited() in rules, a clock
 * counted from the end of another clock or from a date fact, provisional calendar
 * years, counting versions (engine-3.8 on). The fixture is engine-helpers.c.
 * Expected deadlines are worked out by hand in the comments beside them.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/audit.h"
#include "../engine/overlay.h"
#include "engine-helpers.h"
#include "task.h"

#define TWO "[{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", \"cert\": \"2\"}]"

/* engine-2.5: the procedure rules of the shipped penalty workflow refuse with their
 * id and article, and pass once their condition is met. */
TEST_IMPL(engine_penalty_rules)
{
    fixture_t f;
    cf_refusal_t w;
    f.wf = cf_test_workflow("workflows/penalty-general.yaml");
    f.cal = cf_test_calendar();
    f.store = cf_test_store("rules.db");
    cf_test_open(f.store, f.wf, f.cal, "2026-03-02T09:00:00+08:00", &f.c);
    const char *file = "{\"filing_reason\": \"x\", \"cause\": \"y\", \"officers\": %s}";
    char facts[512];
    /* two-officers: two names with one 执法证 number are one officer. */
    snprintf(facts, sizeof(facts), file,
             "[{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", \"cert\": \"1\"}]");
    te_refused_by(
        &w,
        te_step(&f, "李四", "file", "head", "2026-03-02T10:00:00+08:00", facts, "立案审批表", &w),
        "two-officers", "第十六条");
    snprintf(facts, sizeof(facts), file, TWO);
    ASSERT_EQ(
        te_step(&f, "李四", "file", "head", "2026-03-02T10:00:00+08:00", facts, "立案审批表", &w),
        0);
    /* A recusal that would leave one officer is refused; a replacement is not. */
    te_refused_by(
        &w,
        te_step(&f, "李四", "recuse", "head", "2026-03-03T10:00:00+08:00",
                "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}], \"recusal_reason\": "
                "\"王五与当事人有利害关系\"}",
                "回避决定书", &w),
        "two-officers", "第五条");
    ASSERT_EQ(
        te_step(
            &f, "李四", "recuse", "head", "2026-03-03T10:00:00+08:00",
            "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"赵六\", \"cert\": "
            "\"3\"}], \"recusal_reason\": \"王五与当事人有利害关系\"}",
            "回避决定书", &w),
        0);
    /* A change of handlers (reassign) that would leave one officer is refused by the same
     * rule, naming 第十六条; one that keeps two 执法证 numbers is not. */
    te_refused_by(&w,
                  te_step(&f, "李四", "reassign", "head", "2026-03-04T10:00:00+08:00",
                          "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}], "
                          "\"reassign_reason\": \"赵六调岗\"}",
                          NULL, &w),
                  "two-officers", "第十六条");
    ASSERT_EQ(te_step(&f, "李四", "reassign", "head", "2026-03-04T10:00:00+08:00",
                      "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": "
                      "\"赵六\", \"cert\": \"3\"}], \"reassign_reason\": \"负责人调整\"}",
                      NULL, &w),
              0);
    /* evidence-before-review: the register must hold an item first. */
    te_refused_by(&w,
                  te_step(&f, "张三", "submit_review", "handler", "2026-03-20T10:00:00+08:00",
                          "{\"findings\": \"查实\"}", "调查终结报告", &w),
                  "evidence-before-review", "第五十四条");
    ASSERT_EQ(cf_test_evidence(f.store, f.wf, &f.c, "书证", "2026-03-20T10:00:00+08:00", NULL), 0);
    ASSERT_EQ(te_step(&f, "张三", "submit_review", "handler", "2026-03-20T10:00:00+08:00",
                      "{\"findings\": \"查实\"}", "调查终结报告", &w),
              0);
    ASSERT_EQ(te_step(&f, "张三", "submit_legal_review", "handler", "2026-03-21T10:00:00+08:00",
                      "{\"serious\": true, \"review_opinion\": \"重大案件\"}", "案件审查报告", &w),
              0);
    /* legal-reviewer-not-officer: 赵六 handles the case; 孙七 does not. */
    te_refused_by(&w,
                  te_step(&f, "赵六", "pass_legal_review", "reviewer", "2026-03-24T10:00:00+08:00",
                          "{\"legal_review_opinion\": \"同意\"}", "法制审核意见书", &w),
                  "legal-reviewer-not-officer", "第三十七条");
    ASSERT_EQ(te_step(&f, "孙七", "pass_legal_review", "reviewer", "2026-03-24T10:00:00+08:00",
                      "{\"legal_review_opinion\": \"同意\"}", "法制审核意见书", &w),
              0);
    ASSERT_EQ(te_step(&f, "张三", "notify", "handler", "2026-03-26T10:00:00+08:00",
                      "{\"notified_penalty\": \"罚款5000元\", \"notified_fine\": \"5000.00\"}",
                      "重大案件集体讨论记录,行政处罚告知书", &w),
              0);
    /* party-heard: no decision before the notice was served, nor while the party's
     * 3-working-day window for 陈述、申辩 runs (served Thu 03-26: Fri 27, Mon 30, Tue 31). */
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-03-26T11:00:00+08:00",
                          "{\"penalty\": \"罚款5000元\", \"fine\": \"5000.00\"}", "行政处罚决定书",
                          &w),
                  "party-heard", "第六十二条");
    ASSERT_EQ(te_step(&f, "张三", "serve_notice", "handler", "2026-03-26T15:00:00+08:00", NULL,
                      "告知书送达回证", &w),
              0);
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-03-31T10:00:00+08:00",
                          "{\"penalty\": \"罚款5000元\", \"fine\": \"5000.00\"}", "行政处罚决定书",
                          &w),
                  "party-heard", "第四十五条");
    /* not-heavier-than-notice: a confiscation the notice did not tell is heavier
     * (行政处罚法 第四十五条), as is a fine above the one told. */
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-04-07T10:00:00+08:00",
                          "{\"penalty\": \"罚款5000元，没收违法所得1000元\", \"fine\": "
                          "\"5000.00\", \"confiscation\": \"1000.00\"}",
                          "行政处罚决定书", &w),
                  "not-heavier-than-notice", "第四十五条");
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-04-07T10:00:00+08:00",
                          "{\"penalty\": \"罚款6000元\", \"fine\": \"6000.00\"}", "行政处罚决定书",
                          &w),
                  "not-heavier-than-notice", "第四十五条");
    ASSERT_EQ(te_step(&f, "李四", "decide", "head", "2026-04-07T10:00:00+08:00",
                      "{\"penalty\": \"罚款5000元\", \"fine\": \"5000.00\"}", "行政处罚决定书", &w),
              0);
    ASSERT_EQ(te_step(&f, "张三", "serve", "handler", "2026-04-08T10:00:00+08:00",
                      "{\"service_method\": \"直接送达\"}", "送达回证", &w),
              0);
    /* The payment ledger: served Wed 04-08, 15 days: the deadline is the end of Thu
     * 04-23. Paid on Sat 04-25, two days late: the surcharge is 3% x 2 x 5000 = 300, so
     * 5300.00 is owed; 5299.99 in two payments leaves the case executing (a part
     * payment never closes it), the last fen moves it to closing. */
    const char *pay = "{\"paid_amount\": \"%s\", \"payment_method\": \"bank\", "
                      "\"paid_on\": \"2026-04-25\"}";
    snprintf(facts, sizeof(facts), pay, "5000.00");
    ASSERT_EQ(te_step(&f, "张三", "pay", "handler", "2026-04-25T10:00:00+08:00", facts,
                      "罚款缴纳凭证", &w),
              0);
    ASSERT_STR_EQ(f.c.state, "executing");
    snprintf(facts, sizeof(facts), pay, "299.99");
    ASSERT_EQ(te_step(&f, "张三", "pay", "handler", "2026-04-25T11:00:00+08:00", facts,
                      "罚款缴纳凭证", &w),
              0);
    ASSERT_STR_EQ(f.c.state, "executing");
    /* 分期 needs the head's approval first. */
    snprintf(facts, sizeof(facts),
             "{\"paid_amount\": \"0.01\", \"payment_method\": \"分期\", \"paid_on\": "
             "\"2026-04-25\"}");
    te_refused_by(&w,
                  te_step(&f, "张三", "pay", "handler", "2026-04-25T11:30:00+08:00", facts,
                          "罚款缴纳凭证", &w),
                  "installments-approved", "第六十六条");
    snprintf(facts, sizeof(facts), pay, "0.01");
    ASSERT_EQ(te_step(&f, "张三", "pay", "handler", "2026-04-25T12:00:00+08:00", facts,
                      "罚款缴纳凭证", &w),
              0);
    ASSERT_STR_EQ(f.c.state, "closing");
    ASSERT_EQ(te_step(&f, "李四", "close", "head", "2026-04-27T10:00:00+08:00",
                      "{\"closing_reason\": \"执行完毕\"}", "结案审批表", &w),
              0);
    te_teardown(&f);
    return 0;
}

/* engine-2.5b: in the summary procedure the two officers are given when the party is
 * told (inform, rule two-officers) and no later action may change them: a decision on
 * the spot that names one officer is refused, naming the fact and the action meant for
 * it (行政处罚法 第四十二条). */
TEST_IMPL(engine_summary_officers_fixed)
{
    fixture_t f;
    cf_refusal_t w;
    f.wf = cf_test_workflow("workflows/penalty-summary.yaml");
    f.cal = cf_test_calendar();
    f.store = cf_test_store("summary-officers.db");
    cf_test_open(f.store, f.wf, f.cal, "2025-07-01T10:00:00+08:00", &f.c);
    const char *inform =
        "{\"officers\": %s, \"findings\": \"冒名就医\", \"facts_certain\": "
        "true, \"notified_penalty\": \"罚款150元\", \"notified_fine\": \"150.00\"}";
    char facts[512];
    snprintf(facts, sizeof(facts), inform, "[{\"name\": \"张三\", \"cert\": \"1\"}]");
    te_refused_by(
        &w, te_step(&f, "张三", "inform", "handler", "2025-07-01T10:10:00+08:00", facts, NULL, &w),
        "two-officers", "第四十二条");
    snprintf(facts, sizeof(facts), inform, TWO);
    ASSERT_EQ(
        te_step(&f, "张三", "inform", "handler", "2025-07-01T10:10:00+08:00", facts, NULL, &w), 0);
    ASSERT_EQ(te_step(&f, "王五", "record_defence", "handler", "2025-07-01T10:20:00+08:00",
                      "{\"defence_summary\": \"无异议\"}", NULL, &w),
              0);
    int rc = te_step(&f, "张三", "decide_on_spot", "handler", "2025-07-01T10:30:00+08:00",
                     "{\"penalty_kind\": \"fine\", \"fine\": \"150.00\", \"officers\": "
                     "[{\"name\": \"张三\", \"cert\": \"1\"}]}",
                     "当场行政处罚决定书", &w);
    ASSERT(rc != 0);
    ASSERT_CONTAINS(w.text, "officers");
    ASSERT_CONTAINS(w.text, "inform");
    cf_refusal_dispose(&w);
    ASSERT_EQ(te_step(&f, "张三", "decide_on_spot", "handler", "2025-07-01T10:30:00+08:00",
                      "{\"penalty_kind\": \"fine\", \"fine\": \"150.00\"}", "当场行政处罚决定书",
                      &w),
              0);
    ASSERT_STR_EQ(f.c.state, "serving");
    te_teardown(&f);
    return 0;
}

/* engine-2.6: closing-conditions guards `close` even where an overlay opens a
 * path to closing that the national machine does not have. */
TEST_IMPL(engine_closing_conditions)
{
    fixture_t f;
    cf_refusal_t w;
    cf_workflow_t *base = cf_test_workflow("workflows/penalty-general.yaml");
    const char *ov = "overlay: penalty-general\nid: shortcut\ntransitions:\n"
                     "  - {action: shortcut, label: 捷径, from: [investigating], to: closing, "
                     "roles: [head]}\n";
    char *merged = NULL;
    size_t len = 0;
    ASSERT_EQ(cf_overlay_apply(base->source, base->source_len, base->hash, ov, strlen(ov), "ov",
                               &merged, &len, NULL),
              0);
    ASSERT_EQ(cf_workflow_parse(merged, len, "merged", &f.wf, NULL), 0);
    f.cal = cf_test_calendar();
    f.store = cf_test_store("closing.db");
    cf_test_open(f.store, f.wf, f.cal, "2026-03-02T09:00:00+08:00", &f.c);
    char facts[512];
    snprintf(facts, sizeof(facts), "{\"filing_reason\": \"x\", \"cause\": \"y\", \"officers\": %s}",
             TWO);
    ASSERT_EQ(
        te_step(&f, "李四", "file", "head", "2026-03-02T10:00:00+08:00", facts, "立案审批表", &w),
        0);
    ASSERT_EQ(te_step(&f, "李四", "shortcut", "head", "2026-03-03T10:00:00+08:00", NULL, NULL, &w),
              0);
    te_refused_by(&w,
                  te_step(&f, "李四", "close", "head", "2026-03-04T10:00:00+08:00",
                          "{\"closing_reason\": \"无\"}", "结案审批表", &w),
                  "closing-conditions", "第五十六条");
    free(merged);
    cf_workflow_free(base);
    te_teardown(&f);
    return 0;
}

/* The mini workflow with two rules over elapsed(): the decision only once the party's
 * 5 working days to ask for a hearing have run out, and a resumption only while the
 * 90-day decision period has not. */
static void setup_elapsed(fixture_t *f, const char *db)
{
    const char *ov =
        "overlay: mini\nid: mini-elapsed\nrules:\n"
        "  - {id: after-hearing-period, on: [decide], check: 'elapsed(hearing_request)',"
        " article: 行政处罚法 第六十四条, message: 听证申请期限届满后方可决定}\n"
        "  - {id: within-decision-period, on: [resume], check: 'not elapsed(decision)',"
        " article: 行政处罚法 第六十条, message: 期限已过}\n";
    te_setup_overlay(f, ov, db, "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(
        te_act(f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}", "立案审批表"),
        0);
}

/* engine-3.8: elapsed(clock) in a rule holds once the action comes after the clock's
 * deadline, whether the clock still runs or was stopped early; not on the deadline's
 * day, not while the clock is paused (its time is not running). */
TEST_IMPL(engine_elapsed_rule)
{
    fixture_t f;
    cf_refusal_t w;
    setup_elapsed(&f, "elapsed1.db");
    /* Notified Tue 2026-03-03: 5 working days end Tue 03-10. */
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-03T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-03-10T17:00:00+08:00",
                          "{\"fine\": 1000}", NULL, &w),
                  "after-hearing-period", "第六十四条");
    ASSERT_EQ(te_step(&f, "李四", "decide", "head", "2026-03-11T09:00:00+08:00", "{\"fine\": 1000}",
                      NULL, &w),
              0);
    te_teardown(&f);

    setup_elapsed(&f, "elapsed2.db"); /* stopped early: the deadline still counts */
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-03T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    ASSERT_EQ(te_act(&f, "request_hearing", "handler", "2026-03-04T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(cf_case_clock(&f.c, "hearing_request")->state, CF_CLOCK_MET);
    ASSERT_EQ(te_act(&f, "hold_hearing", "handler", "2026-03-05T10:00:00+08:00", NULL, NULL), 0);
    te_refused_by(&w,
                  te_step(&f, "李四", "decide", "head", "2026-03-06T10:00:00+08:00",
                          "{\"fine\": 1000}", NULL, &w),
                  "after-hearing-period", "第六十四条");
    ASSERT_EQ(te_step(&f, "李四", "decide", "head", "2026-03-11T10:00:00+08:00", "{\"fine\": 1000}",
                      NULL, &w),
              0);
    te_teardown(&f);

    setup_elapsed(&f, "elapsed3.db"); /* paused past its old deadline (06-01): not elapsed */
    ASSERT_EQ(te_act(&f, "suspend", "head", "2026-03-10T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(te_step(&f, "李四", "resume", "head", "2026-06-05T10:00:00+08:00", NULL, NULL, &w),
              0);
    te_teardown(&f);
    return 0;
}

/* The mini workflow with two "no sooner than" rules over waited(): notify only 3 days
 * after the date of notice_on, or 3 working days after served_wd (each only when the
 * fact is given). */
static void setup_waited(fixture_t *f, const char *db, const char *opened_at)
{
    const char *ov =
        "overlay: mini\nid: mini-waited\nfacts:\n"
        "  - {id: notice_on, name: 通知送达日期, type: date}\n"
        "  - {id: served_wd, name: 送达日期, type: date}\nrules:\n"
        "  - {id: three-days, on: [notify], check: 'not has(notice_on) or "
        "waited(notice_on, 3, \"days\")', article: 社会保险稽核办法 第八条第一款第（一）项,"
        " message: 提前3日通知}\n"
        "  - {id: three-working-days, on: [notify], check: 'not has(served_wd) or "
        "waited(served_wd, 3, \"working_days\")', article: 行政强制法 第六十九条,"
        " message: 三个工作日后}\n";
    te_setup_overlay(f, ov, db, opened_at);
    ASSERT_EQ(te_act(f, "file", "head", opened_at, "{\"reason\": \"x\"}", "立案审批表"), 0);
}

/* waited(fact, N, "months", until): a period in months from a date, counted as R7 counts
 * it (the same-numbered day, or the month's last day), not moved off a rest day: 行政处罚法
 * 第三十六条's "违法行为在二年内未被发现的，不再给予行政处罚", counted from the day of the
 * violation (从违法行为发生之日起计算) to the day it was found. */
TEST_IMPL(engine_waited_months)
{
    fixture_t f;
    cf_refusal_t w;
    const char *ov =
        "overlay: mini\nid: mini-months\nfacts:\n"
        "  - {id: violated_on, name: 违法行为发生之日, type: date}\n"
        "  - {id: found_on, name: 发现之日, type: date}\nrules:\n"
        "  - {id: two-years, on: [notify], check: 'not waited(violated_on, 24, \"months\", "
        "found_on)', article: 行政处罚法 第三十六条, message: "
        "违法行为在二年内未被发现的，不再给予行政处罚}\n";
    te_setup_overlay(&f, ov, "months1.db", "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T09:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    /* From Fri 2024-03-01 the two years end Sun 2026-03-01 (not moved): found on 03-02, too late.
     */
    te_refused_by(&w,
                  te_step(&f, "张三", "notify", "handler", "2026-03-03T09:00:00+08:00",
                          "{\"notified_fine\": 1000, \"violated_on\": \"2024-03-01\", "
                          "\"found_on\": \"2026-03-02\"}",
                          NULL, &w),
                  "two-years", "第三十六条");
    /* From the leap day 2024-02-29 they end 2026-02-28 (February has no 29th): 03-01 is too late.
     */
    te_refused_by(&w,
                  te_step(&f, "张三", "notify", "handler", "2026-03-03T09:00:00+08:00",
                          "{\"notified_fine\": 1000, \"violated_on\": \"2024-02-29\", "
                          "\"found_on\": \"2026-03-01\"}",
                          NULL, &w),
                  "two-years", "第三十六条");
    /* Found on the last day, the rest day 2026-03-01: in time. */
    ASSERT_EQ(te_step(&f, "张三", "notify", "handler", "2026-03-03T09:00:00+08:00",
                      "{\"notified_fine\": 1000, \"violated_on\": \"2024-03-01\", "
                      "\"found_on\": \"2026-03-01\"}",
                      NULL, &w),
              0);
    te_teardown(&f);
    return 0;
}

/* engine-3.15 (issue 27): waited(fact, N, unit) counts from the fact's date the law's
 * way: the day itself not counted, the period over at 24:00 of its last day, that day
 * NOT moved off a rest day (a minimum gap, no one's time to act); working days are the
 * calendar's, adjusted working days included; a day outside the calendar is CF_ERANGE,
 * named. */
TEST_IMPL(engine_waited_rule)
{
    fixture_t f;
    cf_refusal_t w;
    /* Notice served Thu 2026-03-05: 03-06, 03-07, 03-08 (a Sunday, not moved to Monday)
     * are the three days; the earliest day to act is Mon 03-09. */
    setup_waited(&f, "waited1.db", "2026-03-02T09:00:00+08:00");
    te_refused_by(&w,
                  te_step(&f, "张三", "notify", "handler", "2026-03-08T23:00:00+08:00",
                          "{\"notified_fine\": 1000, \"notice_on\": \"2026-03-05\"}", NULL, &w),
                  "three-days", "第八条");
    te_refused_by(&w,
                  te_step(&f, "张三", "notify", "handler", "2026-03-09T09:00:00+08:00",
                          "{\"notified_fine\": 1000, \"notice_on\": \"2026-03-09\"}", NULL, &w),
                  "three-days", "第八条"); /* a date not yet reached has not waited */
    ASSERT_EQ(te_step(&f, "张三", "notify", "handler", "2026-03-09T00:00:00+08:00",
                      "{\"notified_fine\": 1000, \"notice_on\": \"2026-03-05\"}", NULL, &w),
              0);
    te_teardown(&f);
    /* Served Tue 2025-09-30: 10-01..10-08 are the National Day holidays, then Thu 10-09,
     * Fri 10-10 and Sat 10-11 (an adjusted working day) are the three working days. */
    setup_waited(&f, "waited2.db", "2025-09-29T09:00:00+08:00");
    te_refused_by(&w,
                  te_step(&f, "张三", "notify", "handler", "2025-10-11T18:00:00+08:00",
                          "{\"notified_fine\": 1000, \"served_wd\": \"2025-09-30\"}", NULL, &w),
                  "three-working-days", "第六十九条");
    /* Served on a day of a year the calendar does not hold: the working days cannot be
     * counted, and the refusal says so (not the rule's "three working days" as if they
     * were counted and had not passed). */
    ASSERT_EQ(te_step(&f, "张三", "notify", "handler", "2025-10-12T09:00:00+08:00",
                      "{\"notified_fine\": 1000, \"served_wd\": \"2019-12-30\"}", NULL, &w),
              CF_ERANGE);
    ASSERT_CONTAINS(w.text, "rule 'three-working-days'");
    ASSERT_CONTAINS(w.text, "2019-12-31 is outside the loaded calendar");
    cf_refusal_dispose(&w); /* a refusal carries allowed (new reference) */
    ASSERT_EQ(te_step(&f, "张三", "notify", "handler", "2025-10-12T09:00:00+08:00",
                      "{\"notified_fine\": 1000, \"served_wd\": \"2025-09-30\"}", NULL, &w),
              0);
    te_teardown(&f);
    return 0;
}

/* engine-3.9: a clock with from_end_of counts its period from the other clock's
 * deadline (even once that clock has stopped), and its start is
 * refused while that clock has not started. */
TEST_IMPL(engine_from_end_of)
{
    fixture_t f;
    cf_refusal_t w;
    char buf[CF_TIME_BUFSZ];
    const char *ov = "overlay: mini\nid: mini-window\nclocks:\n"
                     "  - {id: window, name: 申请期限, period: {amount: 1, unit: months},"
                     " from_end_of: service, start: [hold_hearing, archive], basis: 第五十三条}\n";
    te_setup_overlay(&f, ov, "window.db", "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-03T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    ASSERT_EQ(te_act(&f, "request_hearing", "handler", "2026-03-04T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(
        te_step(&f, "张三", "hold_hearing", "handler", "2026-03-05T10:00:00+08:00", NULL, NULL, &w),
        CF_EREFUSED);
    ASSERT_CONTAINS(w.text, "counted from the end of clock 'service', which has not started");
    cf_refusal_dispose(&w);
    ASSERT(cf_case_clock(&f.c, "window") == NULL);
    cf_case_dispose(&f.c);
    cf_test_open(f.store, f.wf, f.cal, "2026-03-02T09:00:00+08:00", &f.c);
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-03T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    ASSERT_EQ(te_act(&f, "decide", "head", "2026-03-06T10:00:00+08:00", "{\"fine\": 1000}", NULL),
              0);
    /* Decided Fri 03-06: 7 working days end Tue 03-17. */
    ASSERT_STR_EQ(te_deadline_of(&f, "service", buf), "2026-03-17T23:59:59+08:00");
    ASSERT_EQ(te_act(&f, "serve", "handler", "2026-03-09T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_EQ(te_act(&f, "archive", "handler", "2026-03-10T10:00:00+08:00", NULL, NULL), 0);
    /* From the end of 03-17, not from 03-10: one month is Fri 2026-04-17. */
    ASSERT_STR_EQ(te_deadline_of(&f, "window", buf), "2026-04-17T23:59:59+08:00");
    te_teardown(&f);
    return 0;
}

/* The last stored event of case f->c of type `type` for clock `clock`. New reference. */
static json_t *last_event(fixture_t *f, const char *type, const char *clock)
{
    json_t *events = NULL, *found = NULL, *ev;
    size_t i;
    ASSERT_EQ(cf_store_case_events(f->store, f->c.id, &events, NULL), 0);
    json_array_foreach(events, i, ev)
        if (!strcmp(json_string_value(json_object_get(ev, "type")), type) &&
            !strcmp(json_string_value(json_object_get(ev, "clock")) ?: "", clock))
            found = ev;
    json_incref(found);
    json_decref(events);
    ASSERT(found != NULL);
    return found;
}

/* engine-3.9b (行政处罚法 第七十二条第二款): a clock with from_fact counts from the end
 * of that date fact (an approved plan's end, rolled off a rest day, R4) when it is
 * later than the end of its from_end_of clock; a date before the day that clock
 * started is refused; a plan approved after the clock started moves it
 * (clock.rebased), back to the other clock's end when the new plan ends earlier. */
TEST_IMPL(engine_from_fact)
{
    fixture_t f;
    cf_refusal_t w;
    char buf[CF_TIME_BUFSZ];
    const char *ov = "overlay: mini\nid: mini-plan\n"
                     "facts:\n  - {id: plan_ends_on, name: 分期缴纳期限届满日, type: date}\n"
                     "transitions:\n"
                     "  - {action: approve_plan, label: 批准分期, from: [served], to: '@stay',"
                     " roles: [head], requires: {facts: [plan_ends_on]}}\n"
                     "  - {action: record_final, label: 决定生效, from: [served], to: '@stay',"
                     " roles: [handler]}\n"
                     "clocks:\n"
                     "  - {id: window, name: 申请期限, period: {amount: 1, unit: months},"
                     " from_end_of: service, from_fact: plan_ends_on, start: [record_final],"
                     " stop: [archive], basis: 第五十三条}\n";
    te_setup_overlay(&f, ov, "plan.db", "2026-03-02T09:00:00+08:00");
    ASSERT_EQ(te_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_act(&f, "notify", "handler", "2026-03-03T10:00:00+08:00",
                     "{\"notified_fine\": 1000}", NULL),
              0);
    /* Decided Fri 03-06 (clock service starts): 7 working days end Tue 03-17. */
    ASSERT_EQ(te_act(&f, "decide", "head", "2026-03-06T10:00:00+08:00", "{\"fine\": 1000}", NULL),
              0);
    ASSERT_EQ(te_act(&f, "serve", "handler", "2026-03-09T10:00:00+08:00", NULL, NULL), 0);
    /* A plan ending before the day clock service started (the decision) is refused;
     * so is a date that is not one. */
    ASSERT_EQ(te_step(&f, "李四", "approve_plan", "head", "2026-03-10T10:00:00+08:00",
                      "{\"plan_ends_on\": \"2026-03-05\"}", NULL, &w),
              CF_EINVALID);
    ASSERT_CONTAINS(w.text, "fact 'plan_ends_on' is 2026-03-05, before 2026-03-06, the day clock "
                            "'service' started");
    cf_refusal_dispose(&w);
    ASSERT_EQ(te_step(&f, "李四", "approve_plan", "head", "2026-03-10T10:00:00+08:00",
                      "{\"plan_ends_on\": \"2026-02-30\"}", NULL, &w),
              CF_EINVALID);
    cf_refusal_dispose(&w);
    /* Approved before the clock starts: nothing moves yet. */
    ASSERT_EQ(te_act(&f, "approve_plan", "head", "2026-03-10T10:00:00+08:00",
                     "{\"plan_ends_on\": \"2026-04-30\"}", NULL),
              0);
    ASSERT(cf_case_clock(&f.c, "window") == NULL);
    /* Started: from the plan's end Thu 04-30 (later than 03-17): one month is Sat
     * 05-30, rolled over Sun 05-31 to Mon 06-01. */
    ASSERT_EQ(te_act(&f, "record_final", "handler", "2026-03-11T10:00:00+08:00", NULL, NULL), 0);
    ASSERT_STR_EQ(te_deadline_of(&f, "window", buf), "2026-06-01T23:59:59+08:00");
    json_t *ev = last_event(&f, "clock.started", "window");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "from")), "2026-04-30T23:59:59+08:00");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(ev, "from_fact"), "date")),
                  "2026-04-30");
    json_decref(ev);
    /* A new plan ending on Sun 05-31 after the clock started: its period ends Mon
     * 06-01 (R4), one month later is Wed 07-01. */
    ASSERT_EQ(te_act(&f, "approve_plan", "head", "2026-03-12T10:00:00+08:00",
                     "{\"plan_ends_on\": \"2026-05-31\"}", NULL),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "window", buf), "2026-07-01T23:59:59+08:00");
    ev = last_event(&f, "clock.rebased", "window");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "from")), "2026-06-01T23:59:59+08:00");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "was")), "2026-06-01T23:59:59+08:00");
    json_decref(ev);
    char because[256];
    cf_time_t from;
    int by_fact;
    ASSERT_EQ(cf_engine_clock_from(&f.c, cf_workflow_clock(f.wf, "window"), f.cal, f.c.facts,
                                   cf_case_clock(&f.c, "window")->started_at, &from, &by_fact,
                                   because, sizeof(because), NULL),
              0);
    ASSERT_EQ(by_fact, 1);
    ASSERT_CONTAINS(because, "counted from the end of fact 'plan_ends_on' 2026-05-31 (a rest day: "
                             "the period ends on the next working day, 2026-06-01, R4), later "
                             "than the end of clock 'service' (2026-03-17T23:59:59+08:00)");
    /* Shortened to end before the suit period's end: back to 03-17, one month is
     * Fri 04-17; the event has no from_fact. */
    ASSERT_EQ(te_act(&f, "approve_plan", "head", "2026-03-13T10:00:00+08:00",
                     "{\"plan_ends_on\": \"2026-03-10\"}", NULL),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "window", buf), "2026-04-17T23:59:59+08:00");
    ev = last_event(&f, "clock.rebased", "window");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "from")), "2026-03-17T23:59:59+08:00");
    ASSERT(json_object_get(ev, "from_fact") == NULL);
    json_decref(ev);
    /* The same plan again moves nothing. */
    ASSERT_EQ(te_act(&f, "approve_plan", "head", "2026-03-16T10:00:00+08:00",
                     "{\"plan_ends_on\": \"2026-03-12\"}", NULL),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "window", buf), "2026-04-17T23:59:59+08:00");
    te_teardown(&f);
    return 0;
}

/* engine-3.12 (issue 16): on a calendar with provisional years, a clock whose
 * deadline falls past the last loaded year is started, its deadline counted on
 * the provisional calendar and marked so on the chain and in the clock. */
TEST_IMPL(engine_provisional_clock)
{
    fixture_t f;
    char buf[CF_TIME_BUFSZ];
    te_setup(&f, "2026-12-04T09:00:00+08:00");
    ASSERT_EQ(cf_calendar_set_provisional(f.cal, CF_CALENDAR_PROVISIONAL_YEARS), 0);
    ASSERT_EQ(te_act(&f, "file", "head", "2026-12-06T15:00:00+08:00", "{\"reason\": \"x\"}",
                     "立案审批表"),
              0);
    /* 90 days from Sun 2026-12-06: Sat 2027-03-06, so Mon 03-08 (R4). */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2027-03-08T23:59:59+08:00");
    const cf_clock_rt_t *k = cf_case_clock(&f.c, "decision");
    ASSERT_EQ(k->prov_first, 2027);
    ASSERT_EQ(k->prov_last, 2027);
    ASSERT_EQ(k->counting, 2);
    ASSERT_STR_EQ(k->period, "90 days");
    json_t *ev = last_event(&f, "clock.started", "decision");
    ASSERT_EQ(json_integer_value(json_array_get(json_object_get(ev, "provisional"), 0)), 2027);
    ASSERT_EQ(json_integer_value(json_object_get(ev, "counting")), 2);
    json_decref(ev);
    /* A settled clock carries no mark: the report clock stopped, filing's met. */
    ASSERT_EQ(cf_case_clock(&f.c, "report")->prov_first, 0);
    /* The snapshot keeps it. */
    cf_case_t back;
    ASSERT_EQ(cf_store_case_get(f.store, f.c.id, &back, NULL), 0);
    ASSERT_EQ(cf_case_clock(&back, "decision")->prov_first, 2027);
    ASSERT_STR_EQ(cf_case_clock(&back, "decision")->period, "90 days");
    cf_case_dispose(&back);
    te_teardown(&f);
    return 0;
}

/* engine-3.13 (issue 18 item 1): a clock started under counting version 1 (its
 * clock.started event recorded before version 2, so without "counting") keeps
 * adding to its rolled deadline, so that its case replays as recorded; a clock
 * started now counts once from the start. */
TEST_IMPL(engine_counting_versions)
{
    fixture_t f;
    cf_refusal_t why = {0};
    char buf[CF_TIME_BUFSZ];
    f.wf = cf_test_workflow("workflows/penalty-general.yaml");
    f.cal = cf_test_calendar();
    f.store = cf_test_store("counting.db");
    cf_test_open(f.store, f.wf, f.cal, "2025-09-14T09:00:00+08:00", &f.c);
    ASSERT_EQ(te_act(&f, "file", "head", "2025-09-15T10:00:00+08:00",
                     "{\"filing_reason\": \"串换药品\", \"cause\": \"违反医疗保障基金使用规定\", "
                     "\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", "
                     "\"cert\": \"2\"}]}",
                     "立案审批表"),
              0);
    /* Filed Mon 2025-09-15: day 90 is Sun 12-14, so Mon 12-15. */
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2025-12-15T23:59:59+08:00");
    cf_case_t old;
    ASSERT_EQ(cf_case_copy(&old, &f.c), 0);
    /* Version 2: 5 days of 鉴定 excluded: 95 days from 09-15, Fri 12-19. */
    ASSERT_EQ(te_exclude(&f, "鉴定", "2025-10-09T10:00:00+08:00", "2025-10-14T10:00:00+08:00",
                         "2025-10-15T10:00:00+08:00", &why),
              0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2025-12-19T23:59:59+08:00");
    /* The same clock as a version-1 fold: 12-15 + 5 = Sat 12-20, so Mon 12-22. */
    for (unsigned i = 0; i < old.clocks_count; i++)
        old.clocks[i].counting = 1;
    cf_exclude_t req = {.clock = "decision",
                        .actor = "李四",
                        .role = "head",
                        .reason = "鉴定",
                        .from = cf_test_time("2025-10-09T10:00:00+08:00"),
                        .to = cf_test_time("2025-10-14T10:00:00+08:00"),
                        .at = cf_test_time("2025-10-15T10:00:00+08:00")};
    json_t *events = NULL;
    ASSERT_EQ(cf_engine_exclude(f.wf, f.cal, &old, &req, &events, &why), 0);
    json_t *ev = json_array_get(events, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "deadline")), "2025-12-22T23:59:59+08:00");
    ASSERT(json_object_get(ev, "counting") == NULL);
    json_decref(events);
    cf_case_dispose(&old);
    /* Version 2: + 30 days extension: 125 days from 09-15, Sun 2026-01-18 -> Mon 01-19. */
    ASSERT_EQ(te_extend(&f, "head", "30 days", "2025-11-01T10:00:00+08:00", &why), 0);
    ASSERT_STR_EQ(te_deadline_of(&f, "decision", buf), "2026-01-19T23:59:59+08:00");
    te_teardown(&f);
    return 0;
}

/* Strips what counting version 2 added to the clock events of events (a record
 * as the engine wrote it before version 2), and sets the exclusion's deadline to
 * `old`, the one version 1 gave. */
static void as_version_1(json_t *events, const char *old)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        json_object_del(ev, "counting");
        if (!strcmp(json_string_value(json_object_get(ev, "type")), "clock.excluded"))
            json_object_set_new(ev, "deadline", json_string(old));
    }
}

/* engine-3.14 (issue 18 item 1): a case recorded under counting version 1 still
 * replays conformant, and the audit notes what the current count gives; a
 * version-2 record with the old arithmetic is a deviation. */
TEST_IMPL(engine_counting_v1_replays)
{
    fixture_t f;
    cf_refusal_t why = {0};
    f.wf = cf_test_workflow("workflows/penalty-general.yaml");
    f.cal = cf_test_calendar();
    f.store = cf_test_store("counting-v1.db");
    cf_test_open(f.store, f.wf, f.cal, "2025-09-14T09:00:00+08:00", &f.c);
    ASSERT_EQ(te_act(&f, "file", "head", "2025-09-15T10:00:00+08:00",
                     "{\"filing_reason\": \"串换药品\", \"cause\": \"违反医疗保障基金使用规定\", "
                     "\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", "
                     "\"cert\": \"2\"}]}",
                     "立案审批表"),
              0);
    ASSERT_EQ(te_exclude(&f, "鉴定", "2025-10-09T10:00:00+08:00", "2025-10-14T10:00:00+08:00",
                         "2025-10-15T10:00:00+08:00", &why),
              0);
    json_t *events = NULL;
    ASSERT_EQ(cf_store_case_events(f.store, f.c.id, &events, NULL), 0);
    cf_time_t now = cf_test_time("2025-10-20T10:00:00+08:00");
    cf_audit_t a;
    /* As recorded now (version 2): conformant, nothing to note. */
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay(f.wf, f.cal, NULL, events, now, &a), 0);
    ASSERT_EQ(a.items_count, 0);
    ASSERT_EQ(json_array_size(a.notes), 0);
    cf_audit_dispose(&a);
    /* The old arithmetic (12-15 + 5 days rolled: 12-22) under a version-2 mark is
     * a deviation. */
    json_t *bad = json_deep_copy(events);
    json_t *ev;
    size_t i;
    json_array_foreach(bad, i, ev)
        if (!strcmp(json_string_value(json_object_get(ev, "type")), "clock.excluded"))
            json_object_set_new(ev, "deadline", json_string("2025-12-22T23:59:59+08:00"));
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay(f.wf, f.cal, NULL, bad, now, &a), 0);
    ASSERT(a.items_count > 0);
    ASSERT_STR_EQ(a.items[0].kind, "clock");
    cf_audit_dispose(&a);
    json_decref(bad);
    /* The same record written by the engine before version 2: conformant, with a
     * note giving both deadlines. */
    as_version_1(events, "2025-12-22T23:59:59+08:00");
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay(f.wf, f.cal, NULL, events, now, &a), 0);
    ASSERT_EQ(a.items_count, 0);
    ASSERT_EQ(json_array_size(a.notes), 1);
    json_t *n = json_array_get(a.notes, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(n, "kind")), "counting");
    ASSERT_CONTAINS(json_string_value(json_object_get(n, "text")),
                    "2025-12-22T23:59:59+08:00; counted once from its start it is "
                    "2025-12-19T23:59:59+08:00");
    cf_audit_dispose(&a);
    json_decref(events);
    te_teardown(&f);
    return 0;
}
