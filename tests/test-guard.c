/*
 * test-guard.c -- guard-*: the guard expression language (engine/guard.h).
 *
 * Most checks go through HOLDS() (guard-helpers.h), which compiles a guard,
 * evaluates it over facts given as JSON text, and also checks the canonical form on
 * the way: the formatted text must compile, evaluate the same and format to itself.
 * So every expression in this file is a format round-trip test too.
 *
 * guard-1.x to guard-5.x here: parsing, comparisons, functions, errors, references;
 * evaluation errors, the canonical format and the case-history functions (guard-6.x
 * on) are in test-guard-eval.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/guard.h"
#include "guard-helpers.h"
#include "task.h"

/* ------------------------------------------------------------------------------------
 * guard-1.x: parsing, literals and precedence
 * ------------------------------------------------------------------------------------ */

/* guard-1.1: numbers (integers, decimals, leading and trailing zeros), strings with
 * Chinese text and escapes, true and false. */
TEST_IMPL(guard_literals)
{
    ASSERT(HOLDS("fine <= 3000", "{\"fine\": 3000}"));
    ASSERT(HOLDS("fine == 3000", "{\"fine\": 3000.0}"));
    ASSERT(HOLDS("rate == 0.5", "{\"rate\": 0.5}"));
    ASSERT(HOLDS("rate == 0.1", "{\"rate\": 0.1}"));
    ASSERT(HOLDS("rate == 007.50", "{\"rate\": 7.5}"));
    ASSERT(HOLDS("rate == 1.000", "{\"rate\": 1}"));
    ASSERT(HOLDS("rate < 0.000000000000002", "{\"rate\": 0.000000000000001}"));
    ASSERT(HOLDS("big == 999999999999999", "{\"big\": 999999999999999}"));
    ASSERT(HOLDS("party == \"个人\"", "{\"party\": \"个人\"}"));
    ASSERT(!HOLDS("party == \"个人\"", "{\"party\": \"单位\"}"));
    ASSERT(HOLDS("s == \"say \\\"hi\\\" \\\\ bye\"", "{\"s\": \"say \\\"hi\\\" \\\\ bye\"}"));
    ASSERT(HOLDS("s == \"\"", "{\"s\": \"\"}"));
    ASSERT(HOLDS("true", NOFACTS));
    ASSERT(!HOLDS("false", NOFACTS));
    ASSERT(HOLDS("1 < 2", NOFACTS));
    ASSERT(HOLDS("\"b\" > \"a\"", NOFACTS));
    return 0;
}

/* guard-1.2: whitespace (spaces, tabs, newlines) anywhere, or none at all. */
TEST_IMPL(guard_whitespace)
{
    ASSERT(HOLDS("fine<=3000", "{\"fine\": 1}"));
    ASSERT(HOLDS("  \t fine\n<=\r\n3000  ", "{\"fine\": 1}"));
    ASSERT(HOLDS("(fine<=3000)and(has(fine))", "{\"fine\": 1}"));
    ASSERT(HOLDS("has ( fine ) and distinct ( o , \"c\" ) == 0", "{\"fine\": 1}"));
    ASSERT(HOLDS("not(fine>3000)", "{\"fine\": 1}"));
    return 0;
}

/* guard-1.3: or < and < not < comparison; parentheses override. */
TEST_IMPL(guard_precedence)
{
    const char *f = "{\"t\": true, \"f\": false, \"x\": 5}";
    ASSERT(HOLDS("t or f and f", f));    /* t or (f and f) */
    ASSERT(!HOLDS("(t or f) and f", f)); /* parentheses */
    ASSERT(HOLDS("f and f or t", f));    /* (f and f) or t */
    ASSERT(!HOLDS("f and (f or t)", f));
    ASSERT(!HOLDS("not t and f", f)); /* (not t) and f */
    ASSERT(HOLDS("not (t and f)", f));
    ASSERT(HOLDS("not f or f", f)); /* (not f) or f */
    ASSERT(!HOLDS("not (f or t)", f));
    ASSERT(!HOLDS("not x == 5", f)); /* not (x == 5) */
    ASSERT(HOLDS("not x == 4 and x > 1 or f", f));
    ASSERT(HOLDS("not not t", f));
    ASSERT(HOLDS("(x == 5) == true", f));
    ASSERT(HOLDS("((((t))))", f));
    return 0;
}

/* ------------------------------------------------------------------------------------
 * guard-2.x: comparisons, logic, absent facts and types
 * ------------------------------------------------------------------------------------ */

/* guard-2.1: every operator on numbers, integer and real facts alike. */
TEST_IMPL(guard_compare_numbers)
{
    const char *f = "{\"n\": 3000, \"r\": 2999.5}";
    ASSERT(HOLDS("n == 3000", f) && !HOLDS("n == 3001", f));
    ASSERT(HOLDS("n != 3001", f) && !HOLDS("n != 3000", f));
    ASSERT(HOLDS("r < 3000", f) && !HOLDS("n < 3000", f));
    ASSERT(HOLDS("n <= 3000", f) && !HOLDS("n <= 2999.99", f));
    ASSERT(HOLDS("n > r", f) && !HOLDS("n > 3000", f));
    ASSERT(HOLDS("n >= 3000", f) && !HOLDS("r >= 3000", f));
    ASSERT(HOLDS("3000 >= r", f));
    return 0;
}

/* guard-2.2: strings compare bytewise: equality, and < as UTF-8 byte order. */
TEST_IMPL(guard_compare_strings)
{
    const char *f = "{\"a\": \"abc\", \"b\": \"abd\", \"p\": \"ab\", \"z\": \"张\", \"l\": "
                    "\"李\", \"nul\": \"a\\u0000b\"}";
    ASSERT(HOLDS("a == \"abc\"", f) && !HOLDS("a != \"abc\"", f));
    ASSERT(HOLDS("a != b", f) && HOLDS("a < b", f) && HOLDS("b > a", f));
    ASSERT(HOLDS("p < a", f) && HOLDS("a >= p", f)); /* a prefix sorts first */
    ASSERT(HOLDS("a <= \"abc\"", f) && HOLDS("a >= \"abc\"", f));
    ASSERT(HOLDS("l > z", f));                                    /* 李 E6 9D 8E > 张 E5 BC A0 */
    ASSERT(!HOLDS("nul == \"a\"", f) && HOLDS("nul > \"a\"", f)); /* length counts */
    return 0;
}

/* guard-2.3: bools compare with == and != only; a bare fact holds iff it is JSON true. */
TEST_IMPL(guard_compare_bools)
{
    const char *f = "{\"h\": true, \"g\": false, \"one\": 1, \"s\": \"true\"}";
    ASSERT(HOLDS("h == true", f) && HOLDS("h != false", f) && !HOLDS("h == false", f));
    ASSERT(HOLDS("g == false", f) && HOLDS("h != g", f));
    ASSERT(!HOLDS("h < g", f) && !HOLDS("h > g", f) && !HOLDS("h >= h", f));
    ASSERT(HOLDS("h", f));
    ASSERT(!HOLDS("g", f) && !HOLDS("one", f) && !HOLDS("s", f) && !HOLDS("missing", f));
    ASSERT(HOLDS("not g", f) && HOLDS("not one", f));
    return 0;
}

/* guard-2.4: a comparison with an absent (or null) fact is false for every operator,
 * so its negation holds. */
TEST_IMPL(guard_absent_facts)
{
    const char *ops[] = {"==", "!=", "<", "<=", ">", ">="};
    const char *facts[] = {NOFACTS, "{\"x\": null}"};
    char text[64];
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < 6; i++) {
            snprintf(text, sizeof(text), "x %s 3", ops[i]);
            ASSERT(!HOLDS(text, facts[k]));
            snprintf(text, sizeof(text), "not (x %s 3)", ops[i]);
            ASSERT(HOLDS(text, facts[k]));
            snprintf(text, sizeof(text), "\"a\" %s x", ops[i]);
            ASSERT(!HOLDS(text, facts[k]));
        }
        ASSERT(!HOLDS("x == x", facts[k]));
        ASSERT(!HOLDS("has(x)", facts[k]));
        ASSERT(HOLDS("not (x < 3)", facts[k]));
        ASSERT(!HOLDS("has(x) and not (x < 3)", facts[k]));
    }
    return 0;
}

/* guard-2.5: comparing values of different types is false for every operator, even
 * !=; arrays and objects compare as absent. */
TEST_IMPL(guard_type_mismatch)
{
    const char *f = "{\"str\": \"3000\", \"num\": 3000, \"b\": true, \"arr\": [1, 2], "
                    "\"obj\": {\"a\": 1}}";
    ASSERT(!HOLDS("str == 3000", f) && !HOLDS("str != 3000", f) && !HOLDS("str < 4000", f));
    ASSERT(!HOLDS("num == \"3000\"", f) && !HOLDS("num != \"3000\"", f));
    ASSERT(!HOLDS("num == str", f) && !HOLDS("num != str", f));
    ASSERT(!HOLDS("b == 1", f) && !HOLDS("b != 1", f) && !HOLDS("b == \"true\"", f));
    ASSERT(!HOLDS("arr == 2", f) && !HOLDS("arr != 2", f) && !HOLDS("arr == arr", f));
    ASSERT(!HOLDS("obj == obj", f) && !HOLDS("obj != 1", f));
    ASSERT(!HOLDS("arr", f) && !HOLDS("obj", f));
    ASSERT(HOLDS("not (str == 3000)", f));
    return 0;
}

/* guard-2.6: and/or/not truth tables, long chains, and short-circuiting (a done()
 * that would fail is never called). */
TEST_IMPL(guard_logic)
{
    const char *f = "{\"t\": true, \"f\": false}";
    ASSERT(HOLDS("t and t", f) && !HOLDS("t and f", f) && !HOLDS("f and t", f));
    ASSERT(!HOLDS("f and f", f));
    ASSERT(HOLDS("t or t", f) && HOLDS("t or f", f) && HOLDS("f or t", f) && !HOLDS("f or f", f));
    ASSERT(!HOLDS("not t", f) && HOLDS("not f", f));
    ASSERT(HOLDS("t and t and t and t", f) && !HOLDS("t and t and f and t", f));
    ASSERT(HOLDS("f or f or f or t", f) && !HOLDS("f or f or f", f));
    ASSERT(!HOLDS("f and done(broken)", f));
    ASSERT(HOLDS("t or done(broken)", f));
    ASSERT(HOLDS("t or lowest(broken) > 1", f));
    return 0;
}

/* guard-2.7: actor and role are the acting person and role; absent when not given. */
TEST_IMPL(guard_actor_role)
{
    ASSERT(HOLDS("actor == \"张三\"", NOFACTS) && !HOLDS("actor == \"李四\"", NOFACTS));
    ASSERT(HOLDS("role == \"handler\"", NOFACTS) && HOLDS("role != \"head\"", NOFACTS));
    ASSERT(HOLDS("actor == who", "{\"who\": \"张三\"}"));
    ASSERT(!tg_holds_as("actor == \"张三\"", NOFACTS, NULL));
    ASSERT(!tg_holds_as("actor != \"张三\"", NOFACTS, NULL));
    return 0;
}

/* ------------------------------------------------------------------------------------
 * guard-3.x: functions and unary minus
 * ------------------------------------------------------------------------------------ */

/* guard-3.1: has() is presence (null is absent, false is present); done() asks env. */
TEST_IMPL(guard_fn_has_done)
{
    ASSERT(HOLDS("has(x)", "{\"x\": 1}") && HOLDS("has(x)", "{\"x\": false}"));
    ASSERT(HOLDS("has(x)", "{\"x\": []}") && HOLDS("has(x)", "{\"x\": \"\"}"));
    ASSERT(!HOLDS("has(x)", "{\"x\": null}") && !HOLDS("has(x)", NOFACTS));
    ASSERT(HOLDS("done(file)", NOFACTS) && HOLDS("done(investigate)", NOFACTS));
    ASSERT(!HOLDS("done(decide)", NOFACTS) && HOLDS("not done(decide)", NOFACTS));
    ASSERT(HOLDS("done(file) and not done(decide)", NOFACTS));
    return 0;
}

/* guard-3.2: count() of an array, 0 when absent; distinct() counts distinct JSON values
 * of a field over object items, skipping items without it or with a blank string; both
 * are absent for a fact that is not an array. */
TEST_IMPL(guard_fn_count_distinct)
{
    ASSERT(HOLDS("count(officers) == 3", OFFICERS));
    ASSERT(HOLDS("count(officers) == 0", NOFACTS));
    ASSERT(HOLDS("count(officers) == 0", "{\"officers\": null}"));
    ASSERT(HOLDS("count(officers) == 0", "{\"officers\": []}"));
    ASSERT(!HOLDS("count(s) == 1", "{\"s\": \"abc\"}") && !HOLDS("count(s) == 0", "{\"s\": 1}"));
    ASSERT(HOLDS("distinct(officers, \"cert\") == 2", OFFICERS));
    ASSERT(HOLDS("distinct(officers, \"name\") == 3", OFFICERS));
    ASSERT(HOLDS("distinct(officers, \"cert\") >= 2", OFFICERS));
    ASSERT(HOLDS("distinct(officers, \"nothing\") == 0", OFFICERS));
    ASSERT(HOLDS("distinct(officers, \"cert\") == 0", NOFACTS));
    ASSERT(!HOLDS("distinct(s, \"cert\") == 0", "{\"s\": \"x\"}"));
    ASSERT(HOLDS("distinct(o, \"c\") == 2",
                 "{\"o\": [{\"c\": 1}, {\"c\": null}, {}, 7, \"s\", {\"c\": 1}, {\"c\": \"1\"}]}"));
    ASSERT(HOLDS("distinct(o, \"c\") == 2",
                 "{\"o\": [{\"c\": {\"a\": [1]}}, {\"c\": {\"a\": [1]}}, {\"c\": {\"a\": [2]}}]}"));
    /* a blank string is no value: {"name": "", "cert": ""} beside one officer made two
     * certificates, and penalty-general's two-officers rule let a case be filed so */
    ASSERT(HOLDS("distinct(o, \"c\") == 1",
                 "{\"o\": [{\"c\": \"\"}, {\"c\": \"A1\"}, {\"c\": \"  \"}, "
                 "{\"c\": \"\u3000\"}]}"));
    /* one 执法证 number typed with a zero-width space, in full-width digits, with a space,
     * in another case, or of invisible characters only, is one number (attack-12.9: one
     * officer listed twice so made the two-officers rule hold) */
    ASSERT(
        HOLDS("distinct(o, \"c\") == 1",
              "{\"o\": [{\"c\": \"65010020001\"}, {\"c\": \"65010020001\\u200b\"}, "
              "{\"c\": "
              "\"\\uff16\\uff15\\uff10\\uff11\\uff10\\uff10\\uff12\\uff10\\uff10\\uff10\\uff11\"}, "
              "{\"c\": \" 6501002 0001\\u00a0\"}, {\"c\": \"\\u202e65010020001\"}, "
              "{\"c\": \"\\u200b\\ufeff\"}]}"));
    ASSERT(HOLDS("distinct(o, \"c\") == 1", "{\"o\": [{\"c\": \"JS01\"}, {\"c\": \"js01\"}]}"));
    ASSERT(HOLDS("distinct(o, \"c\") == 2",
                 "{\"o\": [{\"c\": \"65010020001\"}, {\"c\": \"65010020002\"}]}"));
    ASSERT(HOLDS("distinct(o, \"n\") == 2",
                 "{\"o\": [{\"n\": \"张三\"}, {\"n\": \"张 三\"}, {\"n\": \"张五\"}]}"));
    return 0;
}

/* guard-3.3: contains() with actor or a literal; false when nothing matches. */
TEST_IMPL(guard_fn_contains)
{
    ASSERT(HOLDS("contains(officers, \"name\", actor)", OFFICERS));
    ASSERT(!tg_holds_as("contains(officers, \"name\", actor)", OFFICERS, "赵六"));
    ASSERT(!tg_holds_as("contains(officers, \"name\", actor)", OFFICERS, NULL));
    ASSERT(HOLDS("contains(officers, \"name\", \"李四\")", OFFICERS));
    ASSERT(HOLDS("contains(officers, \"cert\", \"A2\")", OFFICERS));
    ASSERT(!HOLDS("contains(officers, \"name\", \"李\")", OFFICERS));
    ASSERT(!HOLDS("contains(officers, \"nothing\", actor)", OFFICERS));
    ASSERT(!HOLDS("contains(officers, \"name\", actor)", NOFACTS));
    ASSERT(!HOLDS("contains(o, \"n\", \"1\")", "{\"o\": [{\"n\": 1}, \"1\", [\"1\"]]}"));
    ASSERT(!HOLDS("contains(o, \"n\", actor)", "{\"o\": \"张三\"}"));
    ASSERT(HOLDS("not contains(officers, \"name\", actor)", NOFACTS));
    /* the legal reviewer 张三 is the officer listed as "张 三" or "张三<U+200B>" (attack-12.9) */
    ASSERT(tg_holds_as("contains(o, \"name\", actor)", "{\"o\": [{\"name\": \"张 三\"}]}", "张三"));
    ASSERT(tg_holds_as("contains(o, \"name\", actor)", "{\"o\": [{\"name\": \"张三\\u200b\"}]}",
                       "张三"));
    ASSERT(!tg_holds_as("contains(o, \"name\", actor)", "{\"o\": [{\"name\": \"张五\"}]}", "张三"));
    return 0;
}

/* guard-3.4: lowest() asks env; a fact that never had a value makes the comparison
 * false. */
TEST_IMPL(guard_fn_lowest)
{
    ASSERT(HOLDS("lowest(fine) == 2000", OFFICERS));
    ASSERT(HOLDS("lowest(fine) < fine", OFFICERS));
    ASSERT(!HOLDS("lowest(other) < 1", NOFACTS) && !HOLDS("lowest(other) >= 1", NOFACTS));
    ASSERT(HOLDS("not (lowest(other) < 1)", NOFACTS));
    return 0;
}

/* guard-3.6: elapsed(clock) is what env->elapsed says of that clock: a condition,
 * whose argument is a clock id (not a string, not a number), reported by refs as a
 * clock; a missing callback and a callback's error are as for done(). */
TEST_IMPL(guard_fn_elapsed)
{
    ASSERT(HOLDS("elapsed(payment)", NOFACTS) && !HOLDS("elapsed(demand)", NOFACTS));
    ASSERT(HOLDS("elapsed(payment) and not elapsed(demand)", NOFACTS));
    ASSERT(HOLDS("elapsed(payment) == true", NOFACTS));
    tg_check_refs("elapsed(payment) or done(waive)", "C:payment@9 A:waive@26");
    cf_guard_t *g = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_guard_compile("elapsed(\"payment\")", &g, &err), CF_EPARSE);
    ASSERT(strstr(err.text, "expected a clock id at column 9") != NULL);
    ASSERT_EQ(cf_guard_compile("elapsed(payment) > 1", &g, &err), CF_EPARSE);
    ASSERT_EQ(cf_guard_compile("elapsed(a, b, c)", &g, &err), CF_EPARSE);
    ASSERT(strstr(err.text, "too many arguments to 'elapsed'") != NULL);
    ASSERT_EQ(cf_guard_compile("elapsed(a, \"2026-01-05\")", &g, &err), CF_EPARSE);
    ASSERT(g == NULL);
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {NULL, ACTOR, "handler", tg_fake_done, tg_fake_lowest, NULL,
                          NULL, NULL,  &fake,     NULL,         NULL,           NULL};
    cf_guard_t *e = tg_compile_ok("false and elapsed(payment)");
    cf_guard_t *b = tg_compile_ok("elapsed(broken) or true");
    int result = 42;
    ASSERT_EQ(cf_guard_eval(e, &env, &result), CF_EINVAL); /* checked before short-circuit */
    env.elapsed = tg_fake_elapsed;
    ASSERT_EQ(cf_guard_eval(e, &env, &result), 0);
    ASSERT_EQ(result, 0);
    ASSERT_EQ(fake.elapsed_calls, 0);
    result = 42;
    ASSERT_EQ(cf_guard_eval(b, &env, &result), CF_EIO);
    ASSERT_EQ(result, 42);
    cf_guard_free(e);
    cf_guard_free(b);
    return 0;
}

/* Judged on the day: the deadline of "payment" was 2026-05-11, so a postmark of that
 * day or before is in time and one after it is not; "broken" fails. */
static int fake_elapsed_on(void *ctx, const char *clock, const char *date)
{
    ((fake_t *)ctx)->lowest_calls++; /* counts the calls of this callback */
    if (!strcmp(clock, "broken"))
        return CF_EIO;
    return !strcmp(clock, "payment") && strcmp(date, "2026-05-11") > 0;
}

/* guard-3.6b (在途时间): elapsed(clock, date) asks env->elapsed_on of the day the date
 * fact holds (a postmark), and env->elapsed, as elapsed(clock), when the case does not
 * hold it; its second argument is a date fact, reported by refs as one; a guard that
 * uses it without env->elapsed_on cannot be evaluated. */
TEST_IMPL(guard_fn_elapsed_on)
{
    tg_check_refs("elapsed(payment, posted_on)", "C:payment@9 D:posted_on@18");
    cf_guard_t *g = tg_compile_ok("not elapsed(payment, posted_on)");
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {NULL, ACTOR, "handler", tg_fake_done,    tg_fake_lowest, NULL,
                          NULL, NULL,  &fake,     tg_fake_elapsed, NULL,           NULL};
    int result = 42;
    json_t *in_time = json_loads("{\"posted_on\": \"2026-05-11\"}", 0, NULL);
    json_t *late = json_loads("{\"posted_on\": \"2026-05-12\"}", 0, NULL);
    env.facts = in_time;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EINVAL); /* no env->elapsed_on */
    env.elapsed_on = fake_elapsed_on;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), 0);
    ASSERT_EQ(result, 1); /* posted on the last day: in time, though elapsed(payment) */
    env.facts = late;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), 0);
    ASSERT_EQ(result, 0);
    ASSERT_EQ(fake.lowest_calls, 2);
    ASSERT_EQ(fake.elapsed_calls, 0);
    env.facts = NULL; /* no postmark: at the action, as elapsed(payment) */
    ASSERT_EQ(cf_guard_eval(g, &env, &result), 0);
    ASSERT_EQ(result, 0);
    ASSERT_EQ(fake.elapsed_calls, 1);
    cf_guard_free(g);
    g = tg_compile_ok("elapsed(broken, posted_on)");
    env.facts = in_time;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), CF_EIO);
    cf_guard_free(g);
    json_decref(in_time);
    json_decref(late);
    return 0;
}

/* guard-3.5: unary minus on numbers and numeric facts; absent on anything else. */
TEST_IMPL(guard_unary_minus)
{
    const char *f = "{\"x\": 3, \"s\": \"a\"}";
    ASSERT(HOLDS("-x == -3", f) && HOLDS("-x < 0", f) && HOLDS("x > -1", f));
    ASSERT(HOLDS("- -x == 3", f) && HOLDS("--x == 3", f) && HOLDS("-(x) == -3", f));
    ASSERT(HOLDS("-0 == 0", f) && HOLDS("-count(o) == 0", f));
    ASSERT(HOLDS("-lowest(fine) == -2000", f));
    ASSERT(!HOLDS("-s == -3", f) && !HOLDS("-s != -3", f) && !HOLDS("-missing < 0", f));
    return 0;
}

/* ------------------------------------------------------------------------------------
 * guard-4.x: compile errors, each with its column; *out untouched
 * ------------------------------------------------------------------------------------ */

/* guard-4.1: grammar errors, trailing input, empty input. */
TEST_IMPL(guard_err_syntax)
{
    static const bad_case_t cases[] = {
        {"", 1, "empty guard"},
        {"  \t\n ", 1, "empty guard"},
        {"(fine > 3", 10, "expected ')' at column 10 (found end of input)"},
        {"(fine > 3 x", 11, "expected ')' at column 11 (found 'x')"},
        {"fine >", 7, "expected a value"},
        {"fine > 3 x", 10, "found 'x'"},
        {"a b", 3, "expected 'and', 'or' or the end"},
        {"(a))", 4, "found ')'"},
        {"a and", 6, "expected a value at column 6 (found end of input)"},
        {"not", 4, "expected a value"},
        {"and x", 1, "found 'and'"},
        {"()", 2, "expected a value"},
        {"x == not y", 6, "expected a value"},
        {"x == 1 == 2", 8, "comparisons cannot be chained"},
        {"x < y > z", 7, "comparisons cannot be chained"},
        {"\"罚款\" == x )", 11, "found ')'"}, /* columns count characters */
        {"x == 1 \"很长的中文字符串很长的中文字符串\"", 8, "(found '\"很长的中文字符...')"},
    };
    CHECK_BAD(cases);
    return 0;
}

/* guard-4.2: characters and tokens the lexer refuses, with hints. */
TEST_IMPL(guard_err_lexical)
{
    static const bad_case_t cases[] = {
        {"fine = 3", 6, "unexpected character '=' at column 6 (use '==' to compare)"},
        {"a && b", 3, "use 'and'"},
        {"a || b", 3, "use 'or'"},
        {"!a", 1, "use 'not'"},
        {"Fine > 3", 1, "names are lower case"},
        {"x == 'a'", 6, "strings use double quotes"},
        {"名字 == 1", 1, "unexpected character '名'"},
        {"（a）", 1, "unexpected character '（' at column 1 (use ASCII '(')"},
        {"x == “a”", 6, "use ASCII '\"'"},
        {"has(x，y)", 6, "use ASCII ','"},
        {"x ~ 1", 3, "unexpected character '~'"},
        {"x\x01", 2, "unexpected control character"},
        {"x == \xe4", 6, "invalid UTF-8"},
        {"x == \"abc", 6, "unterminated string starting at column 6"},
        {"x == \"a\\nb\"", 8, "unknown escape"},
        {"x == \"a\tb\"", 8, "control character in string"},
        {"x == \"\xff\"", 7, "invalid UTF-8 in string"},
        {"x == \"\xc0\xaf\"", 7, "invalid UTF-8 in string"},     /* overlong '/' */
        {"x == \"\xed\xa0\x80\"", 7, "invalid UTF-8 in string"}, /* a surrogate */
        {"3. > x", 3, "expected a digit after '.'"},
        {"x < .5", 5, "unexpected character '.'"},
        {"x < 1234567890123456", 5, "too long"},
        {"x < 0.0000000000000001", 5, "too long"},
    };
    CHECK_BAD(cases);
    return 0;
}

/* guard-4.3: unknown functions, arity, and what each argument position accepts. */
TEST_IMPL(guard_err_calls)
{
    static const bad_case_t cases[] = {
        {"foo(x)", 1, "unknown function 'foo'"},
        {"a and bar (x)", 7, "unknown function 'bar'"},
        {"has()", 5, "too few arguments to 'has'"},
        {"has(a, b)", 8, "too many arguments to 'has'"},
        {"has(a,)", 7, "too many arguments to 'has'"},
        {"distinct(o) > 1", 11, "too few arguments to 'distinct'"},
        {"contains(o, \"n\")", 16, "too few arguments to 'contains' at column 16 (it takes 3)"},
        {"distinct(o, c) > 1", 13, "expected a field name in double quotes"},
        {"contains(o, \"n\", role)", 18, "expected 'actor' or a string"},
        {"done(\"file\")", 6, "expected an action name"},
        {"done(actor)", 6, "expected an action name"},
        {"has(true)", 5, "expected a fact name"},
        {"count((x)) > 1", 7, "expected a fact name"},
        {"has(x", 6, "expected ',' or ')'"},
        {"has(x y)", 7, "expected ',' or ')'"},
        {"has(", 5, "expected a fact name at column 5 (found end of input)"},
    };
    CHECK_BAD(cases);
    /* A function's name alone is an ordinary fact. */
    ASSERT(HOLDS("count == 2", "{\"count\": 2}"));
    return 0;
}

/* guard-4.4: static types: numbers and strings are not conditions; known types must
 * match; bools do not order; minus needs a number. */
TEST_IMPL(guard_err_types)
{
    static const bad_case_t cases[] = {
        {"count(x)", 1, "expected a condition at column 1, not a number"},
        {"x and 3", 7, "not a number"},
        {"(count(x)) and y", 2, "not a number"},
        {"not actor", 5, "not a string"},
        {"\"yes\" or x", 1, "not a string"},
        {"-x", 1, "not a number"},
        {"count(x) == \"2\"", 10, "cannot compare a number with a string"},
        {"has(x) == 1", 8, "cannot compare true/false with a number"},
        {"role == 1", 6, "cannot compare a string with a number"},
        {"has(x) < true", 8, "'<' cannot order true/false values"},
        {"x >= false", 3, "'>=' cannot order"},
        {"-\"a\" == x", 1, "unary '-' needs a number"},
        {"-has(x) == 1", 1, "unary '-' needs a number"},
    };
    CHECK_BAD(cases);
    return 0;
}

/* guard-4.5: nesting deeper than 64 is refused, whatever nests; long and/or chains
 * are not nesting. */
TEST_IMPL(guard_err_depth)
{
    char text[300];
    for (int levels = 64; levels <= 65; levels++) {
        int n = 0;
        for (int i = 0; i < levels; i++)
            text[n++] = '(';
        text[n++] = 'x';
        for (int i = 0; i < levels; i++)
            text[n++] = ')';
        text[n] = '\0';
        if (levels == 64) {
            ASSERT(HOLDS(text, "{\"x\": true}"));
        } else {
            bad_case_t c = {text, 65, "nested too deeply at column 65 (at most 64 levels)"};
            tg_check_bad(&c, 1);
        }
    }
    memset(text, '-', 65);
    strcpy(text + 64, "x == 0");
    ASSERT(HOLDS(text, "{\"x\": 0}"));
    memset(text, '-', 65);
    strcpy(text + 65, "x == 0");
    bad_case_t minus = {text, 65, "nested too deeply"};
    tg_check_bad(&minus, 1);
    char *s = tg_nots(64);
    ASSERT(HOLDS(s, "{\"x\": true}"));
    free(s);
    s = tg_nots(65);
    bad_case_t not65 = {s, 257, "nested too deeply"};
    tg_check_bad(&not65, 1);
    free(s);
    s = tg_nots(100000); /* hostile input: refused, not a stack overflow */
    bad_case_t not_many = {s, 257, "nested too deeply"};
    tg_check_bad(&not_many, 1);
    free(s);
    /* 32 x "(not " + x + 32 x ")" is 64 levels of two kinds. */
    {
        char mixed[400];
        int n = 0;
        for (int i = 0; i < 32; i++)
            n += snprintf(mixed + n, sizeof(mixed) - n, "(not ");
        mixed[n++] = 'x';
        memset(mixed + n, ')', 32);
        mixed[n + 32] = '\0';
        ASSERT(HOLDS(mixed, "{\"x\": true}"));
    }
    return 0;
}

/* guard-4.6: a long flat chain compiles, evaluates and formats without deep recursion. */
TEST_IMPL(guard_long_chain)
{
    size_t terms = 100000;
    char *text = malloc(terms * 11 + 8);
    ASSERT(text != NULL);
    size_t n = 0;
    for (size_t i = 0; i < terms; i++)
        n += (size_t)sprintf(text + n, "%sx and y", i ? " or " : "");
    cf_guard_t *g = tg_compile_ok(text);
    json_t *facts = json_pack("{s:b, s:b}", "x", 1, "y", 0);
    ASSERT_EQ(tg_eval_with(g, facts, ACTOR), 0);
    ASSERT_EQ(cf_guard_format(g, NULL, 0), n);
    json_decref(facts);
    cf_guard_free(g);
    free(text);
    return 0;
}

/* guard-4.7: bad arguments are CF_EINVAL with outputs and err untouched. */
TEST_IMPL(guard_err_args)
{
    cf_guard_t *g = SENTINEL;
    cf_error_t err;
    cf_error_set(&err, CF_EIO, "keep", 7, 9, "keep");
    ASSERT_EQ(cf_guard_compile(NULL, &g, &err), CF_EINVAL);
    ASSERT(g == SENTINEL);
    ASSERT_EQ(cf_guard_compile("x", NULL, &err), CF_EINVAL);
    ASSERT_EQ(err.column, 9);
    ASSERT_STR_EQ(err.text, "keep");
    cf_guard_free(NULL);
    return 0;
}

/* ------------------------------------------------------------------------------------
 * guard-5.x: references
 * ------------------------------------------------------------------------------------ */

/* guard-5.1: every fact and action, in source order, with its column (in characters);
 * action names in done() are actions, not facts; keywords and strings are neither. */
TEST_IMPL(guard_refs)
{
    tg_check_refs("has(fine) and done(file) or x == 3", "F:fine@5 A:file@20 F:x@29");
    tg_check_refs("contains(officers, \"name\", actor) and distinct(officers, \"cert\") > 1",
                  "F:officers@10 F:officers@48");
    tg_check_refs("\"个人\" == party and done(file)", "F:party@9 A:file@24");
    tg_check_refs("count(x) > lowest(y) and not z and -w < 0", "F:x@7 F:y@19 F:z@30 F:w@37");
    tg_check_refs("actor == role and true", "");
    cf_guard_refs(NULL, tg_collect, NULL); /* no-op */
    return 0;
}
