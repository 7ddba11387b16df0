/*
 * guard-helpers.h -- what the guard-* tests share (test-guard.c, test-guard-eval.c).
 *
 * Most checks go through HOLDS(), which compiles a guard, evaluates it over facts
 * given as JSON text, and also checks the canonical form on the way: the formatted
 * text must compile, evaluate the same and format to itself. Each helper aborts the
 * test on an unexpected failure.
 */
#ifndef CF_GUARD_HELPERS_H
#define CF_GUARD_HELPERS_H

#include <jansson.h>

#include "../engine/guard.h"

/* The case history the fake callbacks answer from (their ctx): how often each was
 * called. */
typedef struct fake_s {
    int done_calls;
    int lowest_calls;
    int elapsed_calls;
} fake_t;

/* The fake callbacks of a cf_guard_env_t (what each answers: guard-helpers.c). */
int tg_fake_done(void *ctx, const char *action, const char *since);
int tg_fake_lowest(void *ctx, const char *fact, double *out);
int tg_fake_elapsed(void *ctx, const char *clock);
int tg_fake_running(void *ctx, const char *clock);
int tg_fake_total(void *ctx, const char *fact, double *out);
int tg_fake_owed(void *ctx, const char *fact, const char *clock, double *out);
int tg_fake_waited(void *ctx, const char *date, long amount, const char *unit, const char *until);

/* text compiled; the caller frees it. */
cf_guard_t *tg_compile_ok(const char *text);

/* g evaluated over facts as actor (role handler) with the fake callbacks: 0 or 1. */
int tg_eval_with(const cf_guard_t *g, const json_t *facts, const char *actor);

/* Compiles text, evaluates it over `facts` (JSON object text) with `actor`, checks the
 * format round trip, and returns whether the guard holds. */
int tg_holds_as(const char *text, const char *facts, const char *actor);

#define ACTOR          "张三"
#define HOLDS(text, f) tg_holds_as((text), (f), ACTOR)
#define NOFACTS        "{}"
#define OFFICERS                                                                                   \
    "{\"officers\": [{\"name\": \"张三\", \"cert\": \"A1\"}, {\"name\": \"李四\", \"cert\": "  \
    "\"A2\"}, {\"name\": \"王五\", \"cert\": \"A1\"}], \"fine\": 3000}"

/* Storage that is not a guard: *out must stay pointing here after a failure. */
extern int tg_sentinel_storage;
#define SENTINEL ((cf_guard_t *)(void *)&tg_sentinel_storage)

typedef struct bad_case_s {
    const char *text;
    int column;
    const char *message;
} bad_case_t;

/* Each text must fail with CF_EPARSE at `column`, with a message containing `message`
 * and the column, leaving *out untouched; and fail the same way with err NULL. */
void tg_check_bad(const bad_case_t *cases, size_t count);
#define CHECK_BAD(cases) tg_check_bad((cases), sizeof(cases) / sizeof((cases)[0]))

/* "not " n times, then x: n levels of nesting (malloc'd). */
char *tg_nots(size_t n);

/* The references of text (cf_guard_refs), as "F:fact@col A:action@col ...", must be want. */
void tg_check_refs(const char *text, const char *want);

/* The cf_guard_refs callback of tg_check_refs: appends to the 512-byte text at ctx. */
void tg_collect(void *ctx, cf_guard_ref_kind_t kind, const char *name, int column);

#endif
