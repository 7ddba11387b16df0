/*
 * guard-helpers.c -- what the guard-* tests share (guard-helpers.h): fake case-history
 * callbacks, compiling and evaluating with the format round trip checked on the way,
 * the checks of bad texts and of references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard-helpers.h"
#include "task.h"

/* Exported, documented in guard-helpers.h */
int tg_sentinel_storage;

/* file and investigate were taken; "broken" fails like a store would. */
int tg_fake_done(void *ctx, const char *action, const char *since)
{
    ((fake_t *)ctx)->done_calls++;
    if (since) /* review came after the hearing, nothing else after anything */
        return !strcmp(action, "review") && !strcmp(since, "hearing");
    if (!strcmp(action, "broken"))
        return CF_ESTORE;
    return !strcmp(action, "file") || !strcmp(action, "investigate");
}

/* fine was at lowest 2000; "broken" fails; anything else never had a value. */
int tg_fake_lowest(void *ctx, const char *fact, double *out)
{
    ((fake_t *)ctx)->lowest_calls++;
    if (!strcmp(fact, "broken"))
        return CF_EIO;
    if (strcmp(fact, "fine"))
        return CF_ENOTFOUND;
    *out = 2000;
    return 0;
}

/* The period of clock "payment" has run out; "broken" fails; any other has not. */
int tg_fake_elapsed(void *ctx, const char *clock)
{
    ((fake_t *)ctx)->elapsed_calls++;
    if (!strcmp(clock, "broken"))
        return CF_EIO;
    return !strcmp(clock, "payment");
}

/* hearing_request runs (its window is open); every other clock does not. */
int tg_fake_running(void *ctx, const char *clock)
{
    (void)ctx;
    if (!strcmp(clock, "broken"))
        return CF_EIO;
    return !strcmp(clock, "hearing_request");
}

/* paid_amount totals 150.5; fine with its surcharge owes 200; "broken" fails. */
int tg_fake_total(void *ctx, const char *fact, double *out)
{
    (void)ctx;
    if (!strcmp(fact, "broken"))
        return CF_EIO;
    if (strcmp(fact, "paid_amount"))
        return CF_ENOTFOUND;
    *out = 150.5;
    return 0;
}

int tg_fake_owed(void *ctx, const char *fact, const char *clock, double *out)
{
    (void)ctx;
    if (strcmp(fact, "fine") || strcmp(clock, "payment"))
        return CF_ENOTFOUND;
    *out = 200;
    return 0;
}

/* The notice was served on 2026-03-05 and 3 days (or 2 working days) have run since;
 * any other date, amount or unit has not; "broken" dates fail. */
int tg_fake_waited(void *ctx, const char *date, long amount, const char *unit, const char *until)
{
    (void)ctx;
    if (until)
        return !strcmp(date, "2026-03-05") && !strcmp(until, "2026-03-09") && amount == 3;
    if (!strcmp(date, "broken"))
        return CF_EIO;
    return !strcmp(date, "2026-03-05") && ((amount == 3 && !strcmp(unit, "days")) ||
                                           (amount == 2 && !strcmp(unit, "working_days")));
}

cf_guard_t *tg_compile_ok(const char *text)
{
    cf_guard_t *g = NULL;
    cf_error_t err;
    cf_error_clear(&err);
    if (cf_guard_compile(text, &g, &err) != 0)
        CF__FAIL("'%s' does not compile: %s (column %d)", text, err.text, err.column);
    ASSERT(g != NULL);
    return g;
}

int tg_eval_with(const cf_guard_t *g, const json_t *facts, const char *actor)
{
    fake_t fake = {0, 0, 0};
    cf_guard_env_t env = {facts, actor, "handler", tg_fake_done,    tg_fake_lowest, tg_fake_running,
                          NULL,  NULL,  &fake,     tg_fake_elapsed, tg_fake_waited, NULL};
    int result = -1;
    ASSERT_EQ(cf_guard_eval(g, &env, &result), 0);
    ASSERT(result == 0 || result == 1);
    return result;
}

/* Compiles text, evaluates it over `facts` (JSON object text) with `actor`, checks the
 * format round trip, and returns whether the guard holds. */
int tg_holds_as(const char *text, const char *facts, const char *actor)
{
    json_error_t jerr;
    json_t *j = json_loads(facts, JSON_ALLOW_NUL, &jerr);
    if (!j)
        CF__FAIL("bad test facts %s: %s", facts, jerr.text);
    cf_guard_t *g = tg_compile_ok(text);
    int result = tg_eval_with(g, j, actor);
    char canon[1024], again[1024];
    int len = cf_guard_format(g, canon, sizeof(canon));
    ASSERT(len > 0 && (size_t)len < sizeof(canon));
    ASSERT_EQ(strlen(canon), len);
    cf_guard_t *g2 = tg_compile_ok(canon);
    if (tg_eval_with(g2, j, actor) != result)
        CF__FAIL("'%s' and its canonical form '%s' evaluate differently", text, canon);
    cf_guard_format(g2, again, sizeof(again));
    ASSERT_STR_EQ(again, canon);
    cf_guard_free(g2);
    cf_guard_free(g);
    json_decref(j);
    return result;
}

/* Each text must fail with CF_EPARSE at `column`, with a message containing `message`
 * and the column, leaving *out untouched; and fail the same way with err NULL. */
void tg_check_bad(const bad_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const bad_case_t *c = &cases[i];
        cf_guard_t *g = SENTINEL;
        cf_error_t err;
        char at[32];
        cf_error_clear(&err);
        int rc = cf_guard_compile(c->text, &g, &err);
        if (rc != CF_EPARSE || err.column != c->column)
            CF__FAIL("'%s': rc %d column %d (%s), expected column %d", c->text, rc, err.column,
                     err.text, c->column);
        ASSERT(g == SENTINEL);
        ASSERT_EQ(err.line, 0);
        ASSERT_CONTAINS(err.text, c->message);
        snprintf(at, sizeof(at), "at column %d", c->column);
        ASSERT_CONTAINS(err.text, at);
        ASSERT_EQ(cf_guard_compile(c->text, &g, NULL), CF_EPARSE);
        ASSERT(g == SENTINEL);
    }
}

/* "not " n times, then x: n levels of nesting. */
char *tg_nots(size_t n)
{
    char *s = malloc(4 * n + 2);
    ASSERT(s != NULL);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 4 * i, "not ", 4);
    strcpy(s + 4 * n, "x");
    return s;
}

void tg_collect(void *ctx, cf_guard_ref_kind_t kind, const char *name, int column)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s%c:%s@%d", n ? " " : "",
             kind == CF_GUARD_REF_FACT    ? 'F'
             : kind == CF_GUARD_REF_CLOCK ? 'C'
             : kind == CF_GUARD_REF_DATE  ? 'D'
                                          : 'A',
             name, column);
}

void tg_check_refs(const char *text, const char *want)
{
    char got[512] = "";
    cf_guard_t *g = tg_compile_ok(text);
    cf_guard_refs(g, tg_collect, got);
    ASSERT_STR_EQ(got, want);
    cf_guard_free(g);
}
