/*
 * engine-helpers.h -- the fixture the engine-* tests share (test-engine.c,
 * test-engine-rules.c): the test workflow (tests/fixtures/workflows/valid/mini.yaml)
 * or an overlay of it, the shipped calendars, a fresh database and one case on them;
 * every step is stored as it is taken. Each call aborts the test on an unexpected
 * failure.
 */
#ifndef CF_ENGINE_HELPERS_H
#define CF_ENGINE_HELPERS_H

#include "core-helpers.h"

#define MINI "tests/fixtures/workflows/valid/mini.yaml"

typedef struct fixture_s {
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_store_t *store;
    cf_case_t c;
} fixture_t;

/* The mini workflow, the calendars, engine.db and a case opened at opened_at. */
void te_setup(fixture_t *f, const char *opened_at);

/* The same on the mini workflow with overlay text ov applied, in database db. */
void te_setup_overlay(fixture_t *f, const char *ov, const char *db, const char *opened_at);

/* Frees what te_setup or te_setup_overlay made. */
void te_teardown(fixture_t *f);

/* cf_test_act on f's case (no refusal out). */
int te_act(fixture_t *f, const char *action, const char *role, const char *iso, const char *facts,
           const char *docs);

/* The deadline of f's clock (which must exist), formatted into buf (CF_TIME_BUFSZ). */
const char *te_deadline_of(fixture_t *f, const char *clock, char *buf);

/* Extends clock "decision" by `by` at iso as role (actor 王五); OUT why on refusal. */
int te_extend(fixture_t *f, const char *role, const char *by, const char *iso, cf_refusal_t *why);

/* Excludes from..to (reason) from clock "decision" at `at` as head 李四; OUT why. */
int te_exclude(fixture_t *f, const char *reason, const char *from, const char *to, const char *at,
               cf_refusal_t *why);

/* One step on f's case as actor in role, facts JSON text or NULL, docs comma-separated
 * names or NULL; OUT why. */
int te_step(fixture_t *f, const char *actor, const char *action, const char *role, const char *iso,
            const char *facts, const char *docs, cf_refusal_t *why);

/* Fails the test unless rc is CF_EREFUSED by rule, citing article; disposes why. */
void te_refused_by(cf_refusal_t *why, int rc, const char *rule, const char *article);

#endif
