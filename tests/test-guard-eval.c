/*
 * test-guard-eval.c -- guard-*, continued from test-guard.c: evaluation errors
 * (guard-6.x), the canonical format (guard-7.x) and the functions over the case's
 * history (running, ledger, waited), through the helpers of guard-helpers.h.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/guard.h"
#include "guard-helpers.h"
#include "task.h"

/* ------------------------------------------------------------------------------------
 * guard-6.x: evaluation errors
 * ------------------------------------------------------------------------------------ */

/* guard-6.1: a missing callback the expression needs is CF_EINVAL even where
 * short-circuiting would skip it; so are bad facts and NULL arguments. *result stays. */
TEST_IMPL(guard_eval_env)
{
    fake_t fake = {0, 0, 0};
    json_t *facts = json_object(), *array = json_array();
    cf_guard_env_t env = {facts, ACTOR, "handler", NULL, NULL, NULL,
                          NULL,  NULL,  &fake,     NULL, NULL, NULL};
    cf_guard_t *done = tg_compile_ok("false and done(file)");
    cf_guard_t *lowest = tg_compile_ok("true or lowest(fine) > 1");
    cf_guard_t *plain = tg_compile_ok("not has(x)");
    int result = 42;
    ASSERT_EQ(cf_guard_eval(done, &env, &result), CF_EINVAL);
    ASSERT_EQ(cf_guard_eval(lowest, &env, &result), CF_EINVAL);
    ASSERT_EQ(result, 42);
    env.done = tg_fake_done;
    env.lowest = tg_fake_lowest;
    ASSERT_EQ(cf_guard_eval(done, &env, &result), 0);
    ASSERT_EQ(result, 0);
    ASSERT_EQ(cf_guard_eval(lowest, &env, &result), 0);
    ASSERT_EQ(result, 1);
    ASSERT_EQ(fake.done_calls + fake.lowest_calls, 0); /* short-circuited */
    result = 42;
    env.facts = array;
    ASSERT_EQ(cf_guard_eval(plain, &env, &result), CF_EINVAL);
    ASSERT_EQ(cf_guard_eval(NULL, &env, &result), CF_EINVAL);
    ASSERT_EQ(cf_guard_eval(plain, NULL, &result), CF_EINVAL);
    ASSERT_EQ(cf_guard_eval(plain, &env, NULL), CF_EINVAL);
    ASSERT_EQ(result, 42);
    env.facts = NULL; /* no facts at all: every fact is absent */
    ASSERT_EQ(cf_guard_eval(plain, &env, &result), 0);
    ASSERT_EQ(result, 1);
    cf_guard_free(done);
    cf_guard_free(lowest);
    cf_guard_free(plain);
    json_decref(facts);
    json_decref(array);
    return 0;
}

/* guard-6.2: an error from done() or lowest() (other than CF_ENOTFOUND) is returned
 * as is, with *result untouched. */
TEST_IMPL(guard_eval_callback_errors)
{
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {NULL, ACTOR, "handler", tg_fake_done,    tg_fake_lowest, tg_fake_running,
                          NULL, NULL,  &fake,     tg_fake_elapsed, NULL,           NULL};
    cf_guard_t *d = tg_compile_ok("done(file) and done(broken)");
    cf_guard_t *l = tg_compile_ok("lowest(broken) > 1 or true");
    int result = 42;
    ASSERT_EQ(cf_guard_eval(d, &env, &result), CF_ESTORE);
    ASSERT_EQ(cf_guard_eval(l, &env, &result), CF_EIO);
    ASSERT_EQ(result, 42);
    ASSERT_EQ(fake.done_calls, 2);
    ASSERT_EQ(fake.lowest_calls, 1);
    cf_guard_free(d);
    cf_guard_free(l);
    return 0;
}

/* ------------------------------------------------------------------------------------
 * guard-7.x: canonical format
 * ------------------------------------------------------------------------------------ */

/* guard-7.1: the canonical text of assorted inputs. */
TEST_IMPL(guard_format_canonical)
{
    static const char *const cases[][2] = {
        {"fine<=3000", "fine <= 3000"},
        {"  a   and(b)or not c ", "a and b or not c"},
        {"not(x<3)", "not (x < 3)"},
        {"not not(x)", "not not x"},
        {"((a))", "a"},
        {"(a or b) and c", "(a or b) and c"},
        {"(a and b) or c", "a and b or c"},
        {"a or (b or c)", "a or (b or c)"},
        {"a and (b and c)", "a and (b and c)"},
        {"not (a and b)", "not (a and b)"},
        {"(x == 1) == true", "(x == 1) == true"},
        {"007.50 >= 1.0", "7.5 >= 1"},
        {"x == -0.50", "x == -0.5"},
        {"x == 000 or x == 0.0 or x == 100", "x == 0 or x == 0 or x == 100"},
        {"x == - -3", "x == --3"},
        {"-(x) < 0", "-x < 0"},
        {"0.000000000000001 < x", "0.000000000000001 < x"},
        {"has( x )", "has(x)"},
        {"distinct(o,\"c\")>=2", "distinct(o, \"c\") >= 2"},
        {"contains(o,\"n\",actor)or contains(o,\"n\",\"张三\")",
         "contains(o, \"n\", actor) or contains(o, \"n\", \"张三\")"},
        {"s==\"a\\\"b\\\\c\"", "s == \"a\\\"b\\\\c\""},
        {"party\n==\n\"个人\"", "party == \"个人\""},
        {"done(file)and role!=\"head\"", "done(file) and role != \"head\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cf_guard_t *g = tg_compile_ok(cases[i][0]);
        char out[256];
        ASSERT_EQ(cf_guard_format(g, out, sizeof(out)), strlen(cases[i][1]));
        ASSERT_STR_EQ(out, cases[i][1]);
        cf_guard_free(g);
    }
    return 0;
}

/* guard-7.2: compile(format(g)) evaluates like g over several sets of facts (holds()
 * checks this for every expression in this file; here, across fact sets). */
TEST_IMPL(guard_format_roundtrip)
{
    static const char *const exprs[] = {
        "a or b and not c",
        "(a or b) and not (c or x > 2)",
        "not x < 3 or x == 3 and y != \"个人\"",
        "-x <= -2.5 and count(o) >= 1 or distinct(o, \"c\") == 2",
        "contains(o, \"c\", actor) and not done(decide) or lowest(fine) < 2500",
        "a == (x > 1) and b != false",
    };
    static const char *const facts[] = {
        NOFACTS,
        "{\"a\": true, \"b\": false, \"c\": true, \"x\": 3, \"y\": \"个人\"}",
        ("{\"a\": false, \"b\": true, \"c\": false, \"x\": 2.5, \"y\": \"单位\", "
         "\"o\": [{\"c\": \"张三\"}, {\"c\": \"x\"}]}"),
        "{\"a\": 1, \"b\": \"s\", \"c\": null, \"x\": \"3\", \"o\": 5}",
    };
    for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
        for (size_t k = 0; k < sizeof(facts) / sizeof(facts[0]); k++)
            (void)HOLDS(exprs[i], facts[k]); /* asserts the round trip */
    return 0;
}

/* guard-7.3: format behaves like snprintf: the full length is returned, output is
 * truncated and NUL-terminated; size 0 writes nothing. */
TEST_IMPL(guard_format_truncate)
{
    cf_guard_t *g = tg_compile_ok("fine<=3000");
    char out[16];
    memset(out, 'X', sizeof(out));
    ASSERT_EQ(cf_guard_format(g, out, 5), 12);
    ASSERT_STR_EQ(out, "fine");
    ASSERT_EQ(out[5], 'X');
    ASSERT_EQ(cf_guard_format(g, out, 12), 12);
    ASSERT_STR_EQ(out, "fine <= 300");
    ASSERT_EQ(cf_guard_format(g, out, 13), 12);
    ASSERT_STR_EQ(out, "fine <= 3000");
    out[0] = 'X';
    ASSERT_EQ(cf_guard_format(g, out, 0), 12);
    ASSERT_EQ(out[0], 'X');
    ASSERT_EQ(cf_guard_format(g, NULL, 0), 12);
    ASSERT_EQ(cf_guard_format(g, out, 1), 12);
    ASSERT_STR_EQ(out, "");
    cf_guard_free(g);
    return 0;
}

/* guard-7.1 (issue 18 item 2): running(clock) asks the env whether a clock's window is
 * still open; it is a bool, names a clock (reported as a reference), takes only an
 * identifier, needs env->running, and passes the env's errors through. */
TEST_IMPL(guard_running)
{
    ASSERT(tg_holds_as("running(hearing_request)", "{}", ACTOR));
    ASSERT(!tg_holds_as("running(defence)", "{}", ACTOR));
    ASSERT(tg_holds_as("not running(defence) and not (running(hearing_request) == false)", "{}",
                       ACTOR));
    tg_check_refs("running(defence) or done(waive)", "C:defence@9 A:waive@26");
    cf_guard_t *g = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_guard_compile("running(\"defence\")", &g, &err), CF_EPARSE);
    ASSERT(g == NULL);
    ASSERT(strstr(err.text, "expected a clock id") != NULL);
    ASSERT_EQ(cf_guard_compile("running(defence) > 1", &g, &err), CF_EPARSE);
    g = tg_compile_ok("running(broken)");
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {NULL, ACTOR, "handler", NULL, NULL, NULL,
                          NULL, NULL,  &fake,     NULL, NULL, NULL};
    int result = -1;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EINVAL); /* no env->running */
    env.running = tg_fake_running;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EIO);
    ASSERT_EQ(result, -1);
    cf_guard_free(g);
    return 0;
}

/* guard-7.2 (issue 18 item 7): total(fact) sums a ledger and owed(fact, clock) gives an
 * amount with its surcharge, both numbers from the env; absent when the env has none;
 * errors pass through; a clock argument must be an identifier. */
TEST_IMPL(guard_ledger)
{
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {
        NULL,          ACTOR,        "handler", tg_fake_done, tg_fake_lowest, tg_fake_running,
        tg_fake_total, tg_fake_owed, &fake,     NULL,         NULL,           NULL};
    static const struct {
        const char *text;
        int holds;
    } cases[] = {{"total(paid_amount) >= 150.5", 1},
                 {"total(paid_amount) >= owed(fine, payment)", 0},
                 {"owed(fine, payment) == 200", 1},
                 {"total(refunded_amount) >= 0", 0}, /* absent: every comparison false */
                 {"not (total(refunded_amount) < 1)", 1},
                 {"owed(fine, demand) > 0", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cf_guard_t *g = tg_compile_ok(cases[i].text);
        int result = -1;
        ASSERT_EQ(cf_guard_eval(g, &env, &result), 0);
        if (result != cases[i].holds)
            CF__FAIL("'%s' gave %d", cases[i].text, result);
        cf_guard_free(g);
    }
    tg_check_refs("total(paid_amount) < owed(fine, payment)",
                  "F:paid_amount@7 F:fine@27 C:payment@33");
    cf_guard_t *g = tg_compile_ok("total(broken) > 0");
    int result = -1;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EIO);
    env.total = NULL;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EINVAL);
    ASSERT_EQ(result, -1);
    cf_guard_free(g);
    cf_error_t err;
    ASSERT_EQ(cf_guard_compile("owed(fine, \"payment\") > 0", &g, &err), CF_EPARSE);
    ASSERT_EQ(cf_guard_compile("total(paid_amount)", &g, &err), CF_EPARSE); /* not a condition */
    return 0;
}

/* guard-7.3 (issue 27): waited(fact, N, "unit") asks the env whether N days (or working
 * days) counted from the date the fact holds have run; a bool; false without calling
 * the env when the fact is absent or not a string; the fact is reported as a date
 * fact; N must be a whole number literal 0..100000 and the unit "days" or
 * "working_days"; a missing callback is CF_EINVAL, its errors pass through. */
TEST_IMPL(guard_waited)
{
    ASSERT(HOLDS("waited(notice_on, 3, \"days\")", "{\"notice_on\": \"2026-03-05\"}"));
    ASSERT(HOLDS("waited(notice_on, 2, \"working_days\")", "{\"notice_on\": \"2026-03-05\"}"));
    ASSERT(!HOLDS("waited(notice_on, 4, \"days\")", "{\"notice_on\": \"2026-03-05\"}"));
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\")", "{\"notice_on\": \"2026-03-06\"}"));
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\")", NOFACTS)); /* absent: not waited */
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\")", "{\"notice_on\": 20260305}"));
    ASSERT(HOLDS("not waited(notice_on, 3, \"days\") or unannounced == true",
                 "{\"unannounced\": true}"));
    ASSERT(HOLDS("waited(notice_on, 3.0, \"days\") == true", "{\"notice_on\": \"2026-03-05\"}"));
    tg_check_refs("waited(notice_on, 3, \"days\") or done(waive)", "D:notice_on@8 A:waive@38");
    static const bad_case_t bad[] = {
        {"waited(\"notice_on\", 3, \"days\")", 8, "expected a date fact name"},
        {"waited(notice_on, 3.5, \"days\")", 19, "expected a whole number 0 to 100000"},
        {"waited(notice_on, 100001, \"days\")", 19, "expected a whole number"},
        {"waited(notice_on, -3, \"days\")", 19, "expected a whole number"},
        {"waited(notice_on, n, \"days\")", 19, "expected a whole number"},
        {"waited(notice_on, 3, \"hours\")", 22,
         "expected \"days\", \"working_days\" or \"months\""},
        {"waited(notice_on, 3, days)", 22, "expected \"days\", \"working_days\" or \"months\""},
        {"waited(notice_on, 3)", 20, "too few arguments to 'waited'"},
        {"waited(notice_on, 3, \"days\") > 1", 30, "cannot compare true/false with a number"},
    };
    CHECK_BAD(bad);
    fake_t fake = {0, 0, 0};
    json_t *facts = json_pack("{s:s}", "notice_on", "broken");
    cf_guard_env_t env = {facts, ACTOR, "handler", NULL, NULL, NULL,
                          NULL,  NULL,  &fake,     NULL, NULL, NULL};
    cf_guard_t *g = tg_compile_ok("false and waited(notice_on, 3, \"days\")");
    cf_guard_t *b = tg_compile_ok("waited(notice_on, 3, \"days\") or true");
    int result = 42;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EINVAL); /* checked before short-circuit */
    ASSERT_EQ(result, 42);
    env.waited = tg_fake_waited;
    ASSERT_EQ(cf_guard_eval(b, &env, &result), CF_EIO);
    ASSERT_EQ(result, 42);
    cf_guard_free(g);
    cf_guard_free(b);
    json_decref(facts);
    return 0;
}

/* guard-7.4: waited(fact, N, "unit", until) counts to the day the date fact `until`
 * holds instead of the action's (a hearing set 7 working days after its notice, rule
 * hearing-date-seven-days): both facts reach the env; false without calling it when
 * either is absent or not a string; both are reported as date facts; the format
 * round trip keeps the 4th argument; a 5th is refused. */
TEST_IMPL(guard_waited_until)
{
    const char *both = "{\"notice_on\": \"2026-03-05\", \"hearing_on\": \"2026-03-09\"}";
    ASSERT(HOLDS("waited(notice_on, 3, \"days\", hearing_on)", both));
    ASSERT(!HOLDS("waited(notice_on, 2, \"days\", hearing_on)", both));
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\", hearing_on)",
                  "{\"notice_on\": \"2026-03-05\", \"hearing_on\": \"2026-03-08\"}"));
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\", hearing_on)",
                  "{\"notice_on\": \"2026-03-05\"}")); /* until absent */
    ASSERT(!HOLDS("waited(notice_on, 3, \"days\", hearing_on)",
                  "{\"notice_on\": \"2026-03-05\", \"hearing_on\": 20260309}"));
    tg_check_refs("waited(notice_on, 3, \"days\", hearing_on)", "D:notice_on@8 D:hearing_on@30");
    static const bad_case_t bad[] = {
        {"waited(notice_on, 3, \"days\", \"2026-03-09\")", 30, "expected a date fact name"},
        {"waited(notice_on, 3, \"days\", hearing_on, x)", 42, "too many arguments to 'waited'"},
    };
    CHECK_BAD(bad);
    return 0;
}

/* guard-9.2: done(action, since): the action taken after the last `since` (a legal
 * review after the hearing, not only before it: 行政处罚法 第五十八条). The fake says
 * review came after hearing and nothing else after anything; the engine's count over
 * the case's history is in cli_peer_walk. */
TEST_IMPL(guard_done_since)
{
    ASSERT(HOLDS("done(review, hearing)", "{}"));
    ASSERT(!HOLDS("done(file, hearing)", "{}"));
    ASSERT(HOLDS("done(file)", "{}"));
    tg_check_refs("done(review, hearing)", "A:review@6 A:hearing@14");
    static const bad_case_t bad[] = {
        {"done(review, hearing, file)", 23, "too many arguments to 'done'"},
        {"done(review, \"hearing\")", 14, "expected an action name"},
    };
    CHECK_BAD(bad);
    return 0;
}
